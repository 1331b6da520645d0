import EmberFormat

/// Execution order and tensor lifetimes of a graph.
///
/// * Order: topological, and among operators ready at the same time the one stored first (so a
///   graph already in order runs in file order).
/// * Storage: every activation tensor gets a storage slot; a `reshape` output shares its input's
///   slot (a view, no copy). Constants have no slot.
/// * Lifetimes: a slot is live from the step that writes it (graph inputs: from the start) to the
///   last step that reads any tensor sharing it (graph outputs: to the end).
struct Schedule: Sendable, Equatable {
    /// Operator indices in execution order.
    var order: [Int]
    /// Per tensor: its storage slot, or nil for constants (and reshapes of constants).
    var slot: [Int?]
    /// Per tensor whose `slot` is nil and that is a reshaped constant: the constant it views.
    var constantAlias: [Int?]
    /// Per slot: the tensor that owns it (the first tensor, not a reshape view).
    var slotOwner: [Int]
    /// Per slot: lifetime in steps, inclusive.
    var first: [Int]
    var last: [Int]

    init(_ graph: Graph) throws(EngineError) {
        let tensorCount = graph.tensors.count
        func check(_ t: Int, _ what: String) throws(EngineError) {
            guard t >= 0, t < tensorCount else {
                throw .invalidGraph("\(what) refers to tensor \(t), but the graph has \(tensorCount)")
            }
        }
        var producer = [Int?](repeating: nil, count: tensorCount)
        for (i, op) in graph.operators.enumerated() {
            for t in op.inputs { try check(t, "operator \(i) (\(op.kind.description)) input") }
            for t in op.outputs {
                try check(t, "operator \(i) (\(op.kind.description)) output")
                if let other = producer[t] {
                    throw .invalidGraph("tensor \(t) '\(graph.tensors[t].name)' is written by operators \(other) and \(i)")
                }
                if graph.tensors[t].constant != nil {
                    throw .invalidGraph("operator \(i) (\(op.kind.description)) writes constant tensor \(t) '\(graph.tensors[t].name)'")
                }
                producer[t] = i
            }
        }
        var isGraphInput = [Bool](repeating: false, count: tensorCount)
        for t in graph.inputs {
            try check(t, "graph input")
            if producer[t] != nil || graph.tensors[t].constant != nil {
                throw .invalidGraph("graph input tensor \(t) '\(graph.tensors[t].name)' is written by an operator or is a constant")
            }
            isGraphInput[t] = true
        }
        for t in graph.outputs { try check(t, "graph output") }

        // Topological order, lowest stored index first among ready operators.
        var available = isGraphInput
        for t in 0..<tensorCount where graph.tensors[t].constant != nil { available[t] = true }
        var done = [Bool](repeating: false, count: graph.operators.count)
        var order: [Int] = []
        order.reserveCapacity(graph.operators.count)
        while order.count < graph.operators.count {
            guard let next = graph.operators.indices.first(where: { i in
                !done[i] && graph.operators[i].inputs.allSatisfy { available[$0] }
            }) else {
                let stuck = graph.operators.indices.first { !done[$0] }!
                let missing = graph.operators[stuck].inputs.first { !available[$0] }!
                let why = producer[missing] == nil ? "which no operator writes and is not a graph input" : "which is part of a cycle"
                throw .invalidGraph("operator \(stuck) (\(graph.operators[stuck].kind.description)) reads tensor \(missing) '\(graph.tensors[missing].name)', \(why)")
            }
            done[next] = true
            order.append(next)
            for t in graph.operators[next].outputs { available[t] = true }
        }
        for t in graph.outputs where !available[t] {
            throw .invalidGraph("graph output tensor \(t) '\(graph.tensors[t].name)' is never written")
        }

        // Storage slots; a reshape output views its input.
        var slot = [Int?](repeating: nil, count: tensorCount)
        var constantAlias = [Int?](repeating: nil, count: tensorCount)
        var slotOwner: [Int] = []
        func newSlot(_ t: Int) {
            slot[t] = slotOwner.count
            slotOwner.append(t)
        }
        for t in graph.inputs where slot[t] == nil { newSlot(t) }
        for i in order {
            let op = graph.operators[i]
            if op.kind == .reshape, op.inputs.count >= 1, op.outputs.count == 1 {
                let source = op.inputs[0], view = op.outputs[0]
                if graph.tensors[source].constant != nil {
                    constantAlias[view] = constantAlias[source] ?? source
                } else {
                    slot[view] = slot[source]
                }
                continue
            }
            for t in op.outputs { newSlot(t) }
        }

        // Lifetimes in steps.
        let end = order.count
        var first = [Int](repeating: Int.max, count: slotOwner.count)
        var last = [Int](repeating: -1, count: slotOwner.count)
        for t in graph.inputs { if let s = slot[t] { first[s] = 0; last[s] = max(last[s], 0) } }
        for (step, i) in order.enumerated() {
            let op = graph.operators[i]
            for t in op.outputs { if let s = slot[t] { first[s] = min(first[s], step); last[s] = max(last[s], step) } }
            for t in op.inputs { if let s = slot[t] { last[s] = max(last[s], step) } }
        }
        for t in graph.outputs { if let s = slot[t] { last[s] = end } }

        self.order = order
        self.slot = slot
        self.constantAlias = constantAlias
        self.slotOwner = slotOwner
        self.first = first
        self.last = last
    }
}
