import CEmberKernels
import EmberFormat

/// add, softmax, quantize, dequantize (docs/ops.md): validated into kernel calls.
extension OperatorReader {
    func add() throws(EngineError) -> Kernel {
        try expectArity(inputs: 2...2)
        let a = try tensor(input: 0, "a", type: .int8), b = try tensor(input: 1, "b", type: .int8)
        let y = try tensor(output: 0, type: .int8)
        guard a.shape == y.shape, b.shape == y.shape else {
            throw fail("shapes \(a.shape) + \(b.shape) -> \(y.shape) differ (broadcasting is not supported)")
        }
        let aq = try quantization(a), bq = try quantization(b), yq = try quantization(y)
        let (lo, hi) = try activation()
        let shiftRange: ClosedRange<Int> = -31...31
        let multiplierRange: ClosedRange<Int> = 0...Int(Int32.max)
        let params = ember_qs8_add_params(
            a_zero_point: aq.zeroPoint, b_zero_point: bq.zeroPoint, out_zero_point: yq.zeroPoint,
            left_shift: try int32(.leftShift, in: 0...30),
            a_multiplier: try int32(.aMultiplier, in: multiplierRange), a_shift: try int32(.aShift, in: shiftRange),
            b_multiplier: try int32(.bMultiplier, in: multiplierRange), b_shift: try int32(.bShift, in: shiftRange),
            out_multiplier: try int32(.outMultiplier, in: multiplierRange), out_shift: try int32(.outShift, in: shiftRange),
            min: lo, max: hi)
        return .add(.init(a: try location(input: 0), b: try location(input: 1), out: try location(output: 0),
                          count: y.elementCount!, params: params))
    }

    func softmax() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = try tensor(input: 0, "x", type: .int8), y = try tensor(output: 0, type: .int8)
        guard x.shape == y.shape, let depth = x.shape.last else { throw fail("shapes \(x.shape) -> \(y.shape) must be equal and non-empty") }
        _ = try quantization(x)
        let yq = try quantization(y)
        let params = ember_qs8_softmax_params(
            input_multiplier: try int32(.inputMultiplier, in: 0...Int(Int32.max)),
            input_left_shift: try int32(.inputLeftShift, in: -31...31),
            diff_min: try int32(.diffMin, in: Int(Int32.min)...0),
            out_zero_point: yq.zeroPoint)
        return .softmax(.init(input: try location(input: 0), out: try location(output: 0),
                              rows: x.elementCount! / depth, depth: depth, params: params))
    }

    func quantize() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = input(0)
        let y = try tensor(output: 0, type: .int8)
        guard x.elementCount == y.elementCount, x.shape == y.shape else { throw fail("shapes \(x.shape) -> \(y.shape) differ") }
        let yq = try quantization(y)
        switch x.type {
        case .float32:
            _ = try tensor(input: 0, "x", type: .float32)
            return .quantize(.init(input: try location(input: 0), out: try location(output: 0),
                                   count: y.elementCount!, scale: yq.scale, zeroPoint: yq.zeroPoint))
        case .int8:
            let xq = try quantization(x)
            return .requantize(.init(input: try location(input: 0), out: try location(output: 0), count: y.elementCount!,
                                     inZeroPoint: xq.zeroPoint,
                                     multiplier: try int32(.multiplier, in: 0...Int(Int32.max)),
                                     shift: try int32(.shift, in: -31...31), outZeroPoint: yq.zeroPoint))
        default:
            throw fail("quantize from \(x.type) is not supported (float32 or int8 to int8 only)")
        }
    }

    func dequantize() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = try tensor(input: 0, "x", type: .int8), y = try tensor(output: 0, type: .float32)
        guard x.shape == y.shape else { throw fail("shapes \(x.shape) -> \(y.shape) differ") }
        let xq = try quantization(x)
        return .dequantize(.init(input: try location(input: 0), out: try location(output: 0),
                                 count: x.elementCount!, scale: xq.scale, zeroPoint: xq.zeroPoint))
    }
}
