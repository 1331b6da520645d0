import EmberFormat

/// ADD, PAD, MEAN, AVERAGE_POOL_2D, RESHAPE, SOFTMAX, QUANTIZE, DEQUANTIZE, with the parameters
/// TFLite's Prepare() computes for its reference kernels.
extension TFLiteLowering {
    /// ADD (PrepareInt8AddSub): inputs rescaled by left_shift 20 and their multipliers relative to
    /// twice the larger input scale, the sum rescaled to the output.
    mutating func lowerAdd(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...2)
        let a = try input(op, 0, "a"), b = try input(op, 1, "b"), y = try output(op)
        let activationType: TFLiteActivation
        switch op.options {
        case .add(let activation): activationType = activation
        case .none: activationType = .none
        default: throw fail(op, "unexpected options \(op.options)")
        }
        let sa = try shape(a, op: op), sb = try shape(b, op: op), sy = try shape(y, op: op)
        guard sa == sb, sa == sy else {
            throw fail(op, "broadcasting is not supported (shapes \(sa) + \(sb) -> \(sy))")
        }
        let qa = try quantization(a, op: op), qb = try quantization(b, op: op), qy = try quantization(y, op: op)
        let leftShift = 20
        let twiceMaxInputScale = 2 * Double(max(qa.scale, qb.scale))
        let am = try smallerThanOne(Double(qa.scale) / twiceMaxInputScale, op: op, what: "input a")
        let bm = try smallerThanOne(Double(qb.scale) / twiceMaxInputScale, op: op, what: "input b")
        let om = try smallerThanOne(twiceMaxInputScale / (Double(1 << leftShift) * Double(qy.scale)), op: op, what: "output")
        var attributes = try activationRange(activationType, output: y, op: op)
        attributes.merge([
            .leftShift: .int(leftShift),
            .aMultiplier: .int(Int(am.multiplier)), .aShift: .int(Int(am.shift)),
            .bMultiplier: .int(Int(bm.multiplier)), .bShift: .int(Int(bm.shift)),
            .outMultiplier: .int(Int(om.multiplier)), .outShift: .int(Int(om.shift)),
        ]) { $1 }
        let ae = try activation(a, op: op), be = try activation(b, op: op)
        writer.addOp(.add, inputs: [ae, be], outputs: [try outputActivation(y, op: op)], attributes: attributes)
    }

    /// TFLite's QuantizeMultiplierSmallerThanOneExp: the scale must lie in (0, 1).
    func smallerThanOne(_ scale: Double, op: TFLiteOperator, what: String) throws -> (multiplier: Int32, shift: Int32) {
        guard scale > 0, scale < 1 else {
            throw fail(op, "\(what) rescale factor \(scale) is outside (0, 1); TFLite cannot run this op either")
        }
        return try multiplier(scale, op: op, what: what)
    }

    /// PAD with constant paddings; the fill is the zero point (real 0), input and output share
    /// their quantization. Folded into its reader where it can be (FoldPad.swift).
    mutating func lowerPad(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...2)
        let x = try input(op, 0, "input"), p = try input(op, 1, "paddings"), y = try output(op)
        let sx = try shape(x, op: op)
        let paddings = try int32Constant(p, op: op, role: "paddings")
        guard paddings.count == 2 * sx.count else {
            throw fail(op, "paddings has \(paddings.count) values for a rank-\(sx.count) input (needs \(2 * sx.count))")
        }
        guard paddings.allSatisfy({ (0...65_535).contains($0) }) else {
            throw fail(op, "negative or huge paddings \(paddings) are not supported")
        }
        let expected = sx.indices.map { sx[$0] + Int(paddings[2 * $0]) + Int(paddings[2 * $0 + 1]) }
        try checkOutputShape(y, expected: expected, op: op)
        try requireSameQuantization(x, y, op: op)
        if let fold = foldablePad(x: x, y: y, paddings: paddings, rank: sx.count) {
            foldedPads[y] = fold
            return
        }
        let padValue = Int(try quantization(y, op: op).zeroPoint)
        let xe = try activation(x, op: op)
        writer.addOp(.pad, inputs: [xe], outputs: [try outputActivation(y, op: op)],
                     attributes: [.paddings: .ints(paddings.map(Int.init)), .padValue: .int(padValue)])
    }

    /// MEAN over H and W of [1, H, W, C] without keep_dims: TFLite's reference QuantizedMeanOrSum.
    /// multiplier/shift = QuantizeMultiplier(input_scale / output_scale), then adapted to fold in
    /// 1 / (H * W) as TFLite does: s = min(floor(log2(n)), 32, 31 + shift),
    /// multiplier = (multiplier << s) / n, shift -= s. The engine computes
    /// clamp(MultiplyByQuantizedMultiplier(sum(x) - n * zp_in, multiplier, shift) + zp_out).
    mutating func lowerMean(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...2)
        let x = try input(op, 0, "input"), axesTensor = try input(op, 1, "axes"), y = try output(op)
        let keepDims: Bool
        switch op.options {
        case .reducer(let k): keepDims = k
        case .none: keepDims = false
        default: throw fail(op, "unexpected options \(op.options)")
        }
        let (h, w, c) = try imageShape(x, op: op, role: "input")
        let axes = Set(try int32Constant(axesTensor, op: op, role: "axes").map { $0 < 0 ? Int($0) + 4 : Int($0) })
        guard axes == [1, 2] else {
            throw fail(op, "reduction over axes \(axes.sorted()) is not supported (only H and W: [1, 2])")
        }
        guard !keepDims else {
            // TFLite's reference runs another int8 algorithm then (multiply first, divide with rounding after).
            throw fail(op, "keep_dims=true is not supported (TFLite uses a different int8 mean for it)")
        }
        try checkOutputShape(y, expected: [1, c], op: op)
        let qx = try quantization(x, op: op), qy = try quantization(y, op: op)
        guard qx.scale != qy.scale || qx.zeroPoint != qy.zeroPoint else {
            throw fail(op, "input and output share scale and zero point: TFLite then takes a truncating integer mean, which is not supported")
        }
        let base = try multiplier(Double(qx.scale) / Double(qy.scale), op: op, what: "mean")
        let n = h * w
        var s = Int.bitWidth - 1 - n.leadingZeroBitCount
        s = min(s, 32, 31 + Int(base.shift))
        guard s >= 0 else { throw fail(op, "mean rescale shift \(base.shift) is too small") }
        let adaptedMultiplier = (Int64(base.multiplier) << Int64(s)) / Int64(n)
        let adaptedShift = Int(base.shift) - s
        guard (-31...31).contains(adaptedShift) else {
            throw fail(op, "mean shift \(adaptedShift) outside -31...31")
        }
        let xe = try activation(x, op: op)
        writer.addOp(.mean, inputs: [xe], outputs: [try outputActivation(y, op: op)], attributes: [
            .axes: .ints([1, 2]), .keepDims: .int(0),
            .multiplier: .int(Int(adaptedMultiplier)), .shift: .int(adaptedShift),
        ])
    }

    /// AVERAGE_POOL_2D: the reference averages the valid taps with rounding; no requantization.
    mutating func lowerAveragePool2D(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 1...1)
        guard case .pool2D(let o) = op.options else { throw fail(op, "missing Pool2DOptions") }
        let x = try input(op, 0, "input"), y = try output(op)
        let (h, w, c) = try imageShape(x, op: op, role: "input")
        guard o.strideH >= 1, o.strideW >= 1, o.filterH >= 1, o.filterW >= 1 else {
            throw fail(op, "filter \(o.filterH)x\(o.filterW) and stride \(o.strideH)x\(o.strideW) must be positive")
        }
        let rows = WindowAxis(input: h, filter: Int(o.filterH), stride: Int(o.strideH), dilation: 1, padding: o.padding)
        let cols = WindowAxis(input: w, filter: Int(o.filterW), stride: Int(o.strideW), dilation: 1, padding: o.padding)
        try checkOutputShape(y, expected: [1, rows.output, cols.output, c], op: op)
        try requireSameQuantization(x, y, op: op)
        var attributes = try activationRange(o.activation, output: y, op: op)
        attributes.merge([
            .kernelH: .int(Int(o.filterH)), .kernelW: .int(Int(o.filterW)),
            .strideH: .int(Int(o.strideH)), .strideW: .int(Int(o.strideW)),
            .padTop: .int(rows.padBefore), .padBottom: .int(rows.padAfter),
            .padLeft: .int(cols.padBefore), .padRight: .int(cols.padAfter),
        ]) { $1 }
        let xe = try activation(x, op: op)
        writer.addOp(.averagePool2d, inputs: [xe], outputs: [try outputActivation(y, op: op)], attributes: attributes)
    }

    /// RESHAPE: a view; the output tensor carries the new shape. A second (shape) input is ignored:
    /// the output's static shape already says it.
    mutating func lowerReshape(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 1...2)
        let x = try input(op, 0, "input"), y = try output(op)
        let count = try shape(x, op: op).reduce(1, *)
        let outputShape = try shape(y, op: op)
        guard outputShape.reduce(1, *) == count else {
            throw fail(op, "output shape \(outputShape) has another element count than the input's \(count)")
        }
        let tx = model.tensors[x].type, ty = model.tensors[y].type
        guard tx == ty else { throw fail(op, "input type \(tx) differs from output type \(ty)") }
        if tx == .int8 { try requireSameQuantization(x, y, op: op) }
        let xe = try activation(x, op: op, allowFloat: true)
        writer.addOp(.reshape, inputs: [xe], outputs: [try outputActivation(y, op: op, allowFloat: true)])
    }

    /// SOFTMAX (reference kernel's fixed-point path): PreprocessSoftmaxScaling with 5 integer bits
    /// for the scaled difference, and diff_min = -CalculateInputRadius(5, input_left_shift).
    mutating func lowerSoftmax(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 1...1)
        guard case .softmax(let beta) = op.options else { throw fail(op, "missing SoftmaxOptions") }
        let x = try input(op, 0, "input"), y = try output(op)
        guard try shape(x, op: op) == shape(y, op: op) else { throw fail(op, "output shape differs from input shape") }
        let qx = try quantization(x, op: op), qy = try quantization(y, op: op)
        guard qy.zeroPoint == -128, abs(qy.scale - 1.0 / 256) <= 0.001 / 256 else {
            throw fail(op, "int8 output must have scale 1/256 and zero point -128 (has \(qy.scale), \(qy.zeroPoint))")
        }
        let integerBits = 5
        let real = min(Double(beta) * Double(qx.scale) * Double(1 << (31 - integerBits)), Double((Int64(1) << 31) - 1))
        guard real > 1 else {
            // TFLite's reference kernel aborts here (QuantizeMultiplierGreaterThanOne).
            throw fail(op, "input scale \(qx.scale) with beta \(beta) is too small for the fixed-point softmax (beta * scale * 2^26 = \(real) must exceed 1)")
        }
        let m = try multiplier(real, op: op, what: "softmax input")
        guard m.shift >= 0 else { throw fail(op, "softmax input shift \(m.shift) is negative") }
        let maxInputRescaled = Double((1 << integerBits) - 1) * Double(Int64(1) << (31 - integerBits))
            / Double(Int64(1) << Int64(m.shift))
        let diffMin = -Int(maxInputRescaled.rounded(.down))
        let xe = try activation(x, op: op)
        writer.addOp(.softmax, inputs: [xe], outputs: [try outputActivation(y, op: op)], attributes: [
            .inputMultiplier: .int(Int(m.multiplier)), .inputLeftShift: .int(Int(m.shift)), .diffMin: .int(diffMin),
        ])
    }

    /// QUANTIZE: float32 -> int8 (scale and zero point from the output tensor), or int8 -> int8
    /// with multiplier / shift = QuantizeMultiplier(input_scale / output_scale).
    mutating func lowerQuantize(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 1...1)
        let x = try input(op, 0, "input"), y = try output(op)
        guard try shape(x, op: op) == shape(y, op: op) else { throw fail(op, "output shape differs from input shape") }
        guard model.tensors[y].type == .int8 else {
            throw fail(op, "output type \(model.tensors[y].type) is not supported (only int8)")
        }
        switch model.tensors[x].type {
        case .float32:
            let xe = try activation(x, op: op, allowFloat: true)
            writer.addOp(.quantize, inputs: [xe], outputs: [try outputActivation(y, op: op)])
        case .int8:
            let qx = try quantization(x, op: op), qy = try quantization(y, op: op)
            let m = try multiplier(Double(qx.scale) / Double(qy.scale), op: op, what: "requantize")
            let xe = try activation(x, op: op)
            writer.addOp(.quantize, inputs: [xe], outputs: [try outputActivation(y, op: op)],
                         attributes: [.multiplier: .int(Int(m.multiplier)), .shift: .int(Int(m.shift))])
        default:
            throw fail(op, "input type \(model.tensors[x].type) is not supported (float32 or int8)")
        }
    }

    /// DEQUANTIZE: int8 -> float32 with the input's scale and zero point.
    mutating func lowerDequantize(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 1...1)
        let x = try input(op, 0, "input"), y = try output(op)
        guard try shape(x, op: op) == shape(y, op: op) else { throw fail(op, "output shape differs from input shape") }
        guard model.tensors[x].type == .int8, model.tensors[y].type == .float32 else {
            throw fail(op, "only int8 -> float32 is supported (is \(model.tensors[x].type) -> \(model.tensors[y].type))")
        }
        let xe = try activation(x, op: op)
        writer.addOp(.dequantize, inputs: [xe], outputs: [try outputActivation(y, op: op, allowFloat: true)])
    }
}
