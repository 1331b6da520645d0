import EmberFormat

/// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: packed weights (bias and input zero point
/// folded in by the pack function) and per-output-channel multiplier / shift tensors with
/// effective scale = double(input_scale) * double(filter_scale[c]) / double(output_scale),
/// exactly TFLite's PopulateConvolutionQuantizationParams.
extension TFLiteLowering {
    /// Per-output-channel filter scales (a per-tensor scale repeated), checking symmetric weights.
    func filterScales(_ filter: Int, channels: Int, dimension: Int, op: TFLiteOperator) throws -> [Float] {
        let tensor = model.tensors[filter]
        guard let q = tensor.quantization, !q.hasCustomDetails, !q.scale.isEmpty else {
            throw fail(op, "filter \(tensor.name) is not quantized")
        }
        guard q.zeroPoint.allSatisfy({ $0 == 0 }) else {
            throw fail(op, "filter \(tensor.name) has non-zero zero points; only symmetric int8 weights are supported")
        }
        if q.scale.count == 1 { return Array(repeating: q.scale[0], count: channels) }
        guard q.scale.count == channels, Int(q.quantizedDimension) == dimension else {
            throw fail(op, "filter \(tensor.name) has \(q.scale.count) scales along dimension \(q.quantizedDimension); expected \(channels) along dimension \(dimension)")
        }
        guard q.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail(op, "filter \(tensor.name) has a non-positive or non-finite scale")
        }
        return q.scale
    }

    func bias(_ op: TFLiteOperator, channels: Int) throws -> [Int32]? {
        guard let index = optionalInput(op, 2) else { return nil }
        let values = try int32Constant(index, op: op, role: "bias")
        guard values.count == channels else {
            throw fail(op, "bias has \(values.count) values for \(channels) output channels")
        }
        return values
    }

    func channelMultipliers(input: Int, output: Int, filterScales: [Float], op: TFLiteOperator) throws
        -> [(multiplier: Int32, shift: Int32)] {
        let inputScale = Double(try quantization(input, op: op).scale)
        let outputScale = Double(try quantization(output, op: op).scale)
        return try filterScales.enumerated().map { c, filterScale in
            try multiplier(inputScale * Double(filterScale) / outputScale, op: op, what: "channel \(c) output")
        }
    }

    /// Input [1, H, W, C] of a 2-D window op.
    func imageShape(_ index: Int, op: TFLiteOperator, role: String) throws -> (h: Int, w: Int, c: Int) {
        let s = try shape(index, op: op)
        guard s.count == 4, s[0] == 1 else {
            throw fail(op, "\(role) must be [1, H, W, C], is \(s)")
        }
        return (s[1], s[2], s[3])
    }

    func checkOutputShape(_ output: Int, expected: [Int], op: TFLiteOperator) throws {
        let actual = try shape(output, op: op)
        guard actual == expected else {
            throw fail(op, "output shape \(actual) differs from the computed \(expected)")
        }
    }

    mutating func lowerConv2D(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...3)
        guard case .conv2D(let o) = op.options else { throw fail(op, "missing Conv2DOptions") }
        let x = try input(op, 0, "input"), filter = try input(op, 1, "filter"), y = try output(op)
        let (h, w, cin) = try imageShape(x, op: op, role: "input")
        let f = try shape(filter, op: op)
        guard f.count == 4, f[3] == cin else {
            throw fail(op, "filter shape \(f) does not match \(cin) input channels (grouped convolution is not supported)")
        }
        let (cout, kh, kw) = (f[0], f[1], f[2])
        guard o.strideH >= 1, o.strideW >= 1, o.dilationH >= 1, o.dilationW >= 1 else {
            throw fail(op, "stride \(o.strideH)x\(o.strideW) and dilation \(o.dilationH)x\(o.dilationW) must be positive")
        }
        let rows = WindowAxis(input: h, filter: kh, stride: Int(o.strideH), dilation: Int(o.dilationH), padding: o.padding)
        let cols = WindowAxis(input: w, filter: kw, stride: Int(o.strideW), dilation: Int(o.dilationW), padding: o.padding)
        try checkOutputShape(y, expected: [1, rows.output, cols.output, cout], op: op)

        let weights = try int8Constant(filter, op: op, role: "filter")
        let scales = try filterScales(filter, channels: cout, dimension: 0, op: op)
        let requant = try channelMultipliers(input: x, output: y, filterScales: scales, op: op)
        let inputZeroPoint = try quantization(x, op: op).zeroPoint
        let packed = kernels.packGEMM(n: cout, k: kh * kw * cin, weights: weights,
                                      bias: try bias(op, channels: cout), inputZeroPoint: inputZeroPoint)
        var attributes = try activationRange(o.activation, output: y, op: op)
        attributes.merge([
            .kernelH: .int(kh), .kernelW: .int(kw),
            .strideH: .int(Int(o.strideH)), .strideW: .int(Int(o.strideW)),
            .dilationH: .int(Int(o.dilationH)), .dilationW: .int(Int(o.dilationW)),
        ]) { $1 }
        let read = windowInput(x, rows: rows, cols: cols)
        attributes.merge(read.pads) { $1 }

        let xe = try activation(read.source, op: op)
        let we = addPackedWeights(filter, shape: [cout, kh, kw, cin], scales: scales, dimension: 0, packed: packed)
        let (me, se) = requantizationTensors(requant, name: model.tensors[y].name)
        let ye = try outputActivation(y, op: op)
        writer.addOp(.conv2d, inputs: [xe, we, me, se], outputs: [ye], attributes: attributes)
    }

    mutating func lowerDepthwiseConv2D(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...3)
        guard case .depthwiseConv2D(let o) = op.options else { throw fail(op, "missing DepthwiseConv2DOptions") }
        let x = try input(op, 0, "input"), filter = try input(op, 1, "filter"), y = try output(op)
        let (h, w, c) = try imageShape(x, op: op, role: "input")
        let f = try shape(filter, op: op)
        guard f.count == 4, f[0] == 1 else { throw fail(op, "filter shape \(f) must be [1, kh, kw, C]") }
        guard f[1] == 3, f[2] == 3 else { throw fail(op, "\(f[1])x\(f[2]) kernel is not supported (only 3x3)") }
        guard f[3] == c else {
            throw fail(op, "depth multiplier \(f[3] / max(c, 1)) (\(c) -> \(f[3]) channels) is not supported (only 1)")
        }
        guard o.dilationH == 1, o.dilationW == 1 else {
            throw fail(op, "dilation \(o.dilationH)x\(o.dilationW) is not supported (only 1x1)")
        }
        guard o.strideH == o.strideW, o.strideH == 1 || o.strideH == 2 else {
            throw fail(op, "stride \(o.strideH)x\(o.strideW) is not supported (1x1 or 2x2)")
        }
        let stride = Int(o.strideH)
        let rows = WindowAxis(input: h, filter: 3, stride: stride, dilation: 1, padding: o.padding)
        let cols = WindowAxis(input: w, filter: 3, stride: stride, dilation: 1, padding: o.padding)
        try checkOutputShape(y, expected: [1, rows.output, cols.output, c], op: op)

        let weights = try int8Constant(filter, op: op, role: "filter")
        let scales = try filterScales(filter, channels: c, dimension: 3, op: op)
        let requant = try channelMultipliers(input: x, output: y, filterScales: scales, op: op)
        let inputZeroPoint = try quantization(x, op: op).zeroPoint
        let packed = kernels.packDepthwise3x3(channels: c, weights: weights, bias: try bias(op, channels: c),
                                              inputZeroPoint: inputZeroPoint)
        var attributes = try activationRange(o.activation, output: y, op: op)
        attributes.merge([
            .strideH: .int(stride), .strideW: .int(stride),
        ]) { $1 }
        let read = windowInput(x, rows: rows, cols: cols)
        attributes.merge(read.pads) { $1 }

        let xe = try activation(read.source, op: op)
        let we = addPackedWeights(filter, shape: [1, 3, 3, c], scales: scales, dimension: 3, packed: packed)
        let (me, se) = requantizationTensors(requant, name: model.tensors[y].name)
        let ye = try outputActivation(y, op: op)
        writer.addOp(.depthwiseConv2d, inputs: [xe, we, me, se], outputs: [ye], attributes: attributes)
    }

    mutating func lowerFullyConnected(_ op: TFLiteOperator) throws {
        try checkInputCount(op, 2...3)
        guard case .fullyConnected(let o) = op.options else { throw fail(op, "missing FullyConnectedOptions") }
        guard o.weightsFormat == 0 else {
            throw fail(op, "weights format \(o.weightsFormat) is not supported (only DEFAULT)")
        }
        let x = try input(op, 0, "input"), filter = try input(op, 1, "weights"), y = try output(op)
        let f = try shape(filter, op: op)
        guard f.count == 2 else { throw fail(op, "weights shape \(f) must be [N, K]") }
        let (n, k) = (f[0], f[1])
        let inputCount = try shape(x, op: op).reduce(1, *)
        guard inputCount % k == 0 else {
            throw fail(op, "input of \(inputCount) elements is not a whole number of rows of \(k)")
        }
        let rows = inputCount / k
        let outputShape = try shape(y, op: op)
        guard outputShape.last == n, outputShape.reduce(1, *) == rows * n else {
            throw fail(op, "output shape \(outputShape) does not hold \(rows) rows of \(n)")
        }

        let weights = try int8Constant(filter, op: op, role: "weights")
        let scales = try filterScales(filter, channels: n, dimension: 0, op: op)
        let requant = try channelMultipliers(input: x, output: y, filterScales: scales, op: op)
        let inputZeroPoint = try quantization(x, op: op).zeroPoint
        let packed = kernels.packGEMM(n: n, k: k, weights: weights, bias: try bias(op, channels: n),
                                      inputZeroPoint: inputZeroPoint)
        let attributes = try activationRange(o.activation, output: y, op: op)

        let xe = try activation(x, op: op)
        let we = addPackedWeights(filter, shape: [n, k], scales: scales, dimension: 0, packed: packed)
        let (me, se) = requantizationTensors(requant, name: model.tensors[y].name)
        let ye = try outputActivation(y, op: op)
        writer.addOp(.fullyConnected, inputs: [xe, we, me, se], outputs: [ye], attributes: attributes)
    }

    /// A packed weight constant: logical shape of the unpacked weights, their per-channel scales
    /// (zero points 0) for `ember info`, and the pack function's bytes.
    mutating func addPackedWeights(_ filter: Int, shape: [Int], scales: [Float], dimension: Int, packed: [UInt8]) -> Int {
        let quantization = Quantization(scales: scales, zeroPoints: Array(repeating: 0, count: scales.count),
                                        quantizedDimension: dimension)
        return writer.addTensor(TensorDescription(name: model.tensors[filter].name, dtype: .packed,
                                                  shape: shape, quantization: quantization), data: packed)
    }
}
