/// Graph semantics: every tensor has at most one producer; constants and graph inputs are never
/// written; every op input is a constant, a graph input or an op output; no dependency cycle;
/// ops stored in a topological order (the engine runs them as stored); graph outputs are produced.
enum GraphValidator {
    static func validate(_ g: GraphParser.Graph, isConstant: [Bool]) throws {
        var isGraphInput = [Bool](repeating: false, count: g.tensorCount)
        for (k, t) in g.inputs.enumerated() {
            let at = g.inputListOffset + 4 + 4 * k
            guard !isConstant[t] else {
                throw FormatError.invalidGraph(field: "graph.input[\(k)]", offset: at, reason: "tensor \(t) is a constant, not an input")
            }
            guard !isGraphInput[t] else {
                throw FormatError.invalidGraph(field: "graph.input[\(k)]", offset: at, reason: "tensor \(t) is listed twice")
            }
            isGraphInput[t] = true
        }

        var producer = [Int?](repeating: nil, count: g.tensorCount)
        for op in g.ops {
            for (k, t) in op.outputs.enumerated() {
                let field = "op[\(op.index)].output[\(k)]"
                let at = g.outputOffsets[op.index][k]
                if let other = producer[t] {
                    throw FormatError.invalidGraph(field: field, offset: at, reason: "tensor \(t) is already produced by op[\(other)]")
                }
                guard !isConstant[t] else {
                    throw FormatError.invalidGraph(field: field, offset: at, reason: "tensor \(t) is a constant and cannot be written")
                }
                guard !isGraphInput[t] else {
                    throw FormatError.invalidGraph(field: field, offset: at, reason: "tensor \(t) is a graph input and cannot be written")
                }
                producer[t] = op.index
            }
        }

        for op in g.ops {
            for (k, t) in op.inputs.enumerated() where !isConstant[t] && !isGraphInput[t] && producer[t] == nil {
                throw FormatError.invalidGraph(field: "op[\(op.index)].input[\(k)]", offset: g.inputOffsets[op.index][k],
                                               reason: "tensor \(t) is never produced (not a constant, a graph input or an op output)")
            }
        }

        try rejectCycles(g, producer: producer)

        for op in g.ops {
            for (k, t) in op.inputs.enumerated() {
                if let p = producer[t], p >= op.index {
                    throw FormatError.invalidGraph(field: "op[\(op.index)].input[\(k)]", offset: g.inputOffsets[op.index][k],
                                                   reason: "tensor \(t) is produced later, by op[\(p)] (ops must be stored in topological order)")
                }
            }
        }

        for (k, t) in g.outputs.enumerated() where producer[t] == nil && !isGraphInput[t] {
            throw FormatError.invalidGraph(field: "graph.output[\(k)]", offset: g.outputListOffset + 4 + 4 * k,
                                           reason: "tensor \(t) is never produced by an op")
        }
    }

    /// Kahn's algorithm over op dependencies; on failure names one cycle, e.g. op[3] -> op[5] -> op[3].
    private static func rejectCycles(_ g: GraphParser.Graph, producer: [Int?]) throws {
        let n = g.ops.count
        var dependencies = [[Int]](repeating: [], count: n)   // op -> ops it reads from
        var dependents = [[Int]](repeating: [], count: n)     // op -> ops reading it
        var pending = [Int](repeating: 0, count: n)
        for op in g.ops {
            for p in Set(op.inputs.compactMap({ producer[$0] })) {
                dependencies[op.index].append(p)
                dependents[p].append(op.index)
                pending[op.index] += 1
            }
        }
        var ready = (0..<n).filter { pending[$0] == 0 }
        var done = 0
        while let j = ready.popLast() {
            done += 1
            for d in dependents[j] {
                pending[d] -= 1
                if pending[d] == 0 { ready.append(d) }
            }
        }
        guard done < n, let start = (0..<n).first(where: { pending[$0] > 0 }) else { return }
        // Every op left has a dependency that is also left: walking them must revisit an op.
        var path: [Int] = []
        var seenAt = [Int: Int]()
        var current = start
        while seenAt[current] == nil {
            seenAt[current] = path.count
            path.append(current)
            guard let next = dependencies[current].first(where: { pending[$0] > 0 }) else { break }
            current = next
        }
        let cycle = (seenAt[current].map { Array(path[$0...]) } ?? path) + [current]
        let first = cycle.min() ?? start
        throw FormatError.invalidGraph(field: "op[\(first)]", offset: g.opOffsets[first],
                                       reason: "dependency cycle " + cycle.reversed().map { "op[\($0)]" }.joined(separator: " -> "))
    }
}
