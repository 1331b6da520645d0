import CEmberKernels
import EmberFormat

/// Typed, validated access to one operator's tensors and attributes while planning. Every
/// failure names the operator (index and kind) and what was wrong.
struct OperatorReader {
    let graph: Graph
    let index: Int
    let op: Op
    let locations: [Location?]

    /// Largest dimension accepted anywhere; keeps every product of a few dimensions far from overflow.
    static let maxDimension = 1 << 24

    func fail(_ detail: String) -> EngineError {
        .invalidOperator(index: index, kind: op.kind.description, detail: detail)
    }

    func expectArity(inputs: ClosedRange<Int>, outputs: Int = 1) throws(EngineError) {
        guard inputs.contains(op.inputs.count) else {
            throw fail("has \(op.inputs.count) inputs, expected \(inputs.lowerBound == inputs.upperBound ? "\(inputs.lowerBound)" : "\(inputs)")")
        }
        guard op.outputs.count == outputs else { throw fail("has \(op.outputs.count) outputs, expected \(outputs)") }
    }

    func input(_ i: Int) -> GraphTensor { graph.tensors[op.inputs[i]] }
    func output(_ i: Int = 0) -> GraphTensor { graph.tensors[op.outputs[i]] }

    /// An activation (or constant) with the given element type and rank (nil: any rank).
    func tensor(input i: Int, _ what: String, type: DType, rank: Int? = nil) throws(EngineError) -> GraphTensor {
        try check(input(i), "input \(i) (\(what))", type: type, rank: rank)
    }

    func tensor(output i: Int = 0, _ what: String = "output", type: DType, rank: Int? = nil) throws(EngineError) -> GraphTensor {
        try check(output(i), "output \(i) (\(what))", type: type, rank: rank)
    }

    private func check(_ t: GraphTensor, _ role: String, type: DType, rank: Int?) throws(EngineError) -> GraphTensor {
        guard t.type == type else { throw fail("\(role) '\(t.name)' is \(t.type), expected \(type)") }
        if let rank, t.shape.count != rank {
            throw fail("\(role) '\(t.name)' has shape \(t.shape), expected rank \(rank)")
        }
        guard t.shape.allSatisfy({ $0 >= 1 && $0 <= Self.maxDimension }), t.elementCount != nil else {
            throw fail("\(role) '\(t.name)' has invalid shape \(t.shape)")
        }
        return t
    }

    /// The quantization of an int8 tensor, with its zero point in int8 range.
    func quantization(_ t: GraphTensor) throws(EngineError) -> ScaleZeroPoint {
        guard t.description.quantization != nil else { throw fail("tensor '\(t.name)' has no quantization parameters") }
        guard let q = t.quantization else { throw fail("tensor '\(t.name)' is quantized per channel; activations must be per tensor") }
        guard q.scale > 0, q.scale.isFinite else { throw fail("tensor '\(t.name)' has scale \(q.scale)") }
        let range: ClosedRange<Int32> = t.type == .uint8 ? 0...255 : -128...127
        guard range.contains(q.zeroPoint) else { throw fail("tensor '\(t.name)' has zero point \(q.zeroPoint) outside \(range)") }
        return q
    }

    /// A constant input of exactly `bytes` bytes.
    func constant(input i: Int, _ what: String, bytes: Int) throws(EngineError) -> UnsafeRawPointer {
        let t = input(i)
        guard let c = t.constant else { throw fail("input \(i) (\(what)) '\(t.name)' must be a constant") }
        guard c.count == bytes, t.byteCount == bytes else {
            throw fail("input \(i) (\(what)) '\(t.name)' has \(c.count) bytes, expected \(bytes)")
        }
        return c.base
    }

    /// Per-channel requantization arrays: int32 constants of `channels` elements.
    func requantization(multiplierInput: Int, shiftInput: Int, channels: Int, zeroPoint: Int32,
                        min: Int32, max: Int32) throws(EngineError) -> ember_qs8_output {
        for (i, what) in [(multiplierInput, "multipliers"), (shiftInput, "shifts")] {
            let t = input(i)
            guard t.type == .int32, t.elementCount == channels else {
                throw fail("input \(i) (\(what)) '\(t.name)' is \(t.type) \(t.shape), expected int32 [\(channels)]")
            }
        }
        let mult = try constant(input: multiplierInput, "multipliers", bytes: channels * 4)
        let shift = try constant(input: shiftInput, "shifts", bytes: channels * 4)
        // Shifts beyond +-31 would make TFLite's rounding shifts undefined.
        let shifts = UnsafeBufferPointer(start: shift.assumingMemoryBound(to: Int32.self), count: channels)
        if let bad = shifts.firstIndex(where: { $0 < -31 || $0 > 31 }) {
            throw fail("shift of channel \(bad) is \(shifts[bad]), outside -31...31")
        }
        let mults = UnsafeBufferPointer(start: mult.assumingMemoryBound(to: Int32.self), count: channels)
        if let bad = mults.firstIndex(where: { $0 < 0 }) {
            throw fail("multiplier of channel \(bad) is negative (\(mults[bad]))")
        }
        return ember_qs8_output(multiplier: mult.assumingMemoryBound(to: Int32.self),
                                shift: shift.assumingMemoryBound(to: Int32.self),
                                zero_point: zeroPoint, min: min, max: max)
    }

    func int(_ key: AttributeKey, default value: Int? = nil, in range: ClosedRange<Int>) throws(EngineError) -> Int {
        let v: Int
        switch op.attributes[key] {
        case .int(let x)?: v = x
        case nil:
            guard let value else { throw fail("missing attribute '\(key)'") }
            v = value
        case let other?: throw fail("attribute '\(key)' is \(other), expected an integer")
        }
        guard range.contains(v) else { throw fail("attribute '\(key)' is \(v), outside \(range)") }
        return v
    }

    func int32(_ key: AttributeKey, default value: Int? = nil, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws(EngineError) -> Int32 {
        Int32(try int(key, default: value, in: range))
    }

    func ints(_ key: AttributeKey) throws(EngineError) -> [Int] {
        switch op.attributes[key] {
        case .ints(let x)?: return x
        case nil: throw fail("missing attribute '\(key)'")
        case let other?: throw fail("attribute '\(key)' is \(other), expected an integer array")
        }
    }

    /// The fused activation clamp (`act_min`, `act_max`), within [-128, 127].
    func activation() throws(EngineError) -> (Int32, Int32) {
        let lo = try int32(.actMin, default: -128, in: -128...127)
        let hi = try int32(.actMax, default: 127, in: -128...127)
        guard lo <= hi else { throw fail("act_min \(lo) is above act_max \(hi)") }
        return (lo, hi)
    }

    func location(input i: Int) throws(EngineError) -> Location {
        guard let l = locations[op.inputs[i]] else { throw fail("input \(i) has no storage") }
        return l
    }

    func location(output i: Int = 0) throws(EngineError) -> Location {
        guard let l = locations[op.outputs[i]], l.constant == nil else { throw fail("output \(i) has no arena storage") }
        return l
    }

    /// Output size of a windowed op along one axis, as TFLite computes it with explicit pads.
    func windowOutput(_ size: Int, kernel: Int, stride: Int, dilation: Int, padBefore: Int, padAfter: Int,
                      axis: String) throws(EngineError) -> Int {
        let effective = (kernel - 1) * dilation + 1
        let padded = size + padBefore + padAfter
        guard padded >= effective else {
            throw fail("\(axis): window of \(effective) does not fit input \(size) with pads \(padBefore)+\(padAfter)")
        }
        return (padded - effective) / stride + 1
    }
}
