import Testing
import EmberFormat
@testable import EmberEngine
import EmberTestSupport

@Suite struct ArenaPlannerTests {
    /// Random buffers: simultaneously live buffers never overlap, offsets are aligned, and the
    /// arena is at least the peak of live bytes and at most the sum of all buffers.
    @Test func randomBuffersNeverOverlapWhileLive() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<200 {
            let steps = Int.random(in: 1...40, using: &rng)
            let buffers = (0..<Int.random(in: 0...60, using: &rng)).map { _ -> ArenaPlanner.Buffer in
                let a = Int.random(in: 0..<steps, using: &rng), b = Int.random(in: 0..<steps, using: &rng)
                let size = Bool.random(using: &rng) ? Int.random(in: 0...100, using: &rng) : Int.random(in: 0...100_000, using: &rng)
                return .init(size: size, first: min(a, b), last: max(a, b))
            }
            let layout = try ArenaPlanner.plan(buffers)
            let context = "seed \(seed) round \(round)"
            for (i, x) in buffers.enumerated() {
                #expect(layout.offsets[i] % 64 == 0, "\(context)")
                #expect(layout.offsets[i] + x.size <= layout.size, "\(context)")
                for j in (i + 1)..<buffers.count {
                    let y = buffers[j]
                    guard x.overlapsInTime(y), x.size > 0, y.size > 0 else { continue }
                    let disjoint = layout.offsets[i] + x.size <= layout.offsets[j] || layout.offsets[j] + y.size <= layout.offsets[i]
                    #expect(disjoint, "\(context): buffers \(i) and \(j) overlap")
                }
            }
            let peak = (0..<steps).map { s in buffers.filter { $0.first <= s && s <= $0.last }.reduce(0) { $0 + $1.size } }.max() ?? 0
            let sum = buffers.reduce(0) { $0 + (($1.size + 63) & ~63) }
            #expect(layout.size >= peak && layout.size <= sum, "\(context): size \(layout.size), peak \(peak), sum \(sum)")
        }
    }

    /// A chain a -> b -> c -> d needs only two buffers' worth of memory.
    @Test func chainReusesMemory() throws {
        let buffers = (0..<4).map { ArenaPlanner.Buffer(size: 1000, first: $0, last: $0 + 1) }
        let layout = try ArenaPlanner.plan(buffers)
        #expect(layout.size == 2 * 1024)
        #expect(layout.offsets[0] == layout.offsets[2] && layout.offsets[1] == layout.offsets[3])
    }

    @Test func smallBufferFillsGapBetweenLargeOnes() throws {
        let buffers: [ArenaPlanner.Buffer] = [
            .init(size: 640, first: 0, last: 1),  // placed at 0
            .init(size: 640, first: 1, last: 2),  // overlaps in time with 0: placed at 640
            .init(size: 64, first: 2, last: 3),   // overlaps only with 1: goes to 0
        ]
        let layout = try ArenaPlanner.plan(buffers)
        #expect(layout.offsets == [0, 640, 0])
        #expect(layout.size == 1280)
    }

    @Test func overflowIsAnError() {
        let buffers = [ArenaPlanner.Buffer(size: Int.max - 10, first: 0, last: 1), .init(size: Int.max / 2, first: 0, last: 1)]
        #expect(throws: EngineError.self) { try ArenaPlanner.plan(buffers) }
    }
}

@Suite struct ScheduleTests {
    static func tensor(_ name: String, constant: Bool = false) -> GraphTensor {
        GraphTensor(TensorDescription(name: name, dtype: .int8, shape: [4]),
                    constant: constant ? ConstantBytes(base: UnsafeRawPointer(bitPattern: 64)!, count: 4, owner: nil) : nil)
    }

    static func op(_ kind: OpKind, _ inputs: [Int], _ outputs: [Int]) -> Op {
        Op(index: 0, kind: kind, inputs: inputs, outputs: outputs)
    }

    /// Random DAGs stored in shuffled order: the order is topological, every read happens while
    /// the tensor's slot is live, and an arena laid out from the lifetimes never lets two
    /// tensors live at the same step share bytes.
    @Test func randomGraphs() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<100 {
            let context = "seed \(seed) round \(round)"
            var tensors = [Self.tensor("in"), Self.tensor("w", constant: true)]
            var ops: [Op] = []
            for i in 0..<Int.random(in: 1...30, using: &rng) {
                let produced = [0] + ops.flatMap(\.outputs)
                var inputs = (0..<Int.random(in: 1...3, using: &rng)).map { _ in produced.randomElement(using: &rng)! }
                if Bool.random(using: &rng) { inputs.append(1) }
                let kind: OpKind = Int.random(in: 0..<5, using: &rng) == 0 ? .reshape : .add
                tensors.append(Self.tensor("t\(i)"))
                ops.append(Self.op(kind, kind == .reshape ? [inputs[0]] : inputs, [tensors.count - 1]))
            }
            ops.shuffle(using: &rng)
            let outputs = [tensors.count - 1]
            let graph = Graph(tensors: tensors, operators: ops, inputs: [0], outputs: outputs)
            let schedule = try Schedule(graph)

            var position = [Int](repeating: -1, count: ops.count)
            for (step, i) in schedule.order.enumerated() { position[i] = step }
            #expect(Set(schedule.order).count == ops.count, "\(context)")
            var writtenAt = [Int?](repeating: nil, count: tensors.count)
            writtenAt[0] = 0
            for (i, op) in ops.enumerated() { for t in op.outputs { writtenAt[t] = position[i] } }
            for (i, op) in ops.enumerated() {
                for t in op.inputs where t != 1 {
                    #expect(writtenAt[t]! <= position[i] || t == 0, "\(context): op \(i) runs before its input \(t) exists")
                    let s = try #require(schedule.slot[t], "\(context)")
                    #expect(schedule.first[s] <= position[i] && position[i] <= schedule.last[s], "\(context): tensor \(t) dead when read")
                }
                if op.kind == .reshape { #expect(schedule.slot[op.outputs[0]] == schedule.slot[op.inputs[0]], "\(context)") }
            }
            #expect(schedule.slot[1] == nil, "\(context): constants get no slot")
            let out = try #require(schedule.slot[outputs[0]])
            #expect(schedule.last[out] == ops.count, "\(context): graph output live to the end")

            let buffers = schedule.slotOwner.indices.map { ArenaPlanner.Buffer(size: 100, first: schedule.first[$0], last: schedule.last[$0]) }
            let layout = try ArenaPlanner.plan(buffers)
            for step in 0..<ops.count {
                let live = buffers.indices.filter { buffers[$0].first <= step && step <= buffers[$0].last }
                #expect(Set(live.map { layout.offsets[$0] }).count == live.count, "\(context): live slots share memory at step \(step)")
            }
        }
    }

    @Test func invalidGraphsAreNamed() {
        let t = (0..<4).map { Self.tensor("t\($0)") }
        let cycle = Graph(tensors: t, operators: [
            Self.op(.add, [0, 2], [1]),
            Self.op(.add, [1], [2]),
        ], inputs: [0], outputs: [2])
        #expect(throws: EngineError.self) { try Schedule(cycle) }
        let twice = Graph(tensors: t, operators: [
            Self.op(.add, [0], [1]),
            Self.op(.add, [0], [1]),
        ], inputs: [0], outputs: [1])
        #expect(throws: EngineError.invalidGraph("tensor 1 't1' is written by operators 0 and 1")) { try Schedule(twice) }
        let dangling = Graph(tensors: t, operators: [Self.op(.add, [0, 9], [1])], inputs: [0], outputs: [1])
        #expect(throws: EngineError.self) { try Schedule(dangling) }
        let unread = Graph(tensors: t, operators: [Self.op(.add, [3], [1])], inputs: [0], outputs: [1])
        #expect(throws: EngineError.invalidGraph("operator 0 (add) reads tensor 3 't3', which no operator writes and is not a graph input")) {
            try Schedule(unread)
        }
    }
}
