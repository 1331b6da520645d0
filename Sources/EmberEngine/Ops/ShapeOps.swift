import CEmberKernels
import EmberFormat

/// pad, mean, averagePool2d, reshape (docs/ops.md): validated into kernel calls.
extension OperatorReader {
    func pad() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = input(0)
        guard x.type == .int8 || x.type == .uint8 else { throw fail("pad of \(x.type) is not supported (int8, uint8)") }
        _ = try tensor(input: 0, "x", type: x.type)
        let y = try tensor(output: 0, type: x.type)
        let rank = x.shape.count
        guard (1...4).contains(rank), y.shape.count == rank else { throw fail("ranks \(rank) -> \(y.shape.count) must be equal, 1 to 4") }
        let paddings = try ints(.paddings)
        guard paddings.count == 2 * rank else { throw fail("'paddings' has \(paddings.count) values, expected \(2 * rank)") }
        guard paddings.allSatisfy({ $0 >= 0 && $0 <= Self.maxDimension }) else { throw fail("'paddings' \(paddings) must be within 0...\(Self.maxDimension)") }
        for d in 0..<rank where x.shape[d] + Int(paddings[2 * d]) + Int(paddings[2 * d + 1]) != y.shape[d] {
            throw fail("dimension \(d): \(x.shape[d]) padded by \(paddings[2 * d])+\(paddings[2 * d + 1]) is not \(y.shape[d])")
        }
        let padRange: ClosedRange<Int> = x.type == .int8 ? -128...127 : 0...255
        let value = try int(.padValue, default: Int(x.quantization?.zeroPoint ?? 0), in: padRange)
        if let xq = x.quantization, let yq = y.quantization, xq != yq {
            throw fail("input and output quantization differ (\(xq) vs \(yq))")
        }
        // Left-fill to 4 dimensions.
        func four(_ v: [Int], fill: Int) -> (Int, Int, Int, Int) {
            let p = [Int](repeating: fill, count: 4 - v.count) + v
            return (p[0], p[1], p[2], p[3])
        }
        return .pad(.init(input: try location(input: 0), out: try location(output: 0),
                          inShape: four(x.shape, fill: 1), outShape: four(y.shape, fill: 1),
                          before: four((0..<rank).map { Int(paddings[2 * $0]) }, fill: 0),
                          elementSize: x.type.elementSize, padByte: UInt8(truncatingIfNeeded: value), outBytes: y.byteCount!))
    }

    func mean() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = try tensor(input: 0, "x", type: .int8, rank: 4), y = try tensor(output: 0, type: .int8)
        guard x.shape[0] == 1 else { throw fail("batch must be 1, got \(x.shape[0])") }
        let axes = try ints(.axes)
        guard axes == [1, 2] else { throw fail("axes \(axes) are not supported (only [1, 2], the spatial mean)") }
        let keep = try int(.keepDims, default: 0, in: 0...1)
        let c = x.shape[3]
        let expected = keep == 1 ? [1, 1, 1, c] : [1, c]
        guard y.shape == expected else { throw fail("output shape \(y.shape), expected \(expected)") }
        let xq = try quantization(x), yq = try quantization(y)
        let (lo, hi) = try activation()
        let params = ember_qs8_mean_params(in_zero_point: xq.zeroPoint, out_zero_point: yq.zeroPoint,
                                           multiplier: try int32(.multiplier, in: 0...Int(Int32.max)),
                                           shift: try int32(.shift, in: -31...31), min: lo, max: hi)
        return .mean(.init(input: try location(input: 0), out: try location(output: 0),
                           height: x.shape[1], width: x.shape[2], channels: c, params: params))
    }

    func averagePool2d() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let x = try tensor(input: 0, "x", type: .int8, rank: 4), y = try tensor(output: 0, type: .int8, rank: 4)
        guard x.shape[0] == 1, y.shape[0] == 1, x.shape[3] == y.shape[3] else { throw fail("shapes \(x.shape) -> \(y.shape): batch 1 and equal channels needed") }
        let kh = try int(.kernelH, in: 1...4096), kw = try int(.kernelW, in: 1...4096)
        let sh = try int(.strideH, default: 1, in: 1...4096), sw = try int(.strideW, default: 1, in: 1...4096)
        let pt = try int(.padTop, default: 0, in: 0...4096), pl = try int(.padLeft, default: 0, in: 0...4096)
        let pb = try int(.padBottom, default: 0, in: 0...4096), pr = try int(.padRight, default: 0, in: 0...4096)
        let oh = try windowOutput(x.shape[1], kernel: kh, stride: sh, dilation: 1, padBefore: pt, padAfter: pb, axis: "height")
        let ow = try windowOutput(x.shape[2], kernel: kw, stride: sw, dilation: 1, padBefore: pl, padAfter: pr, axis: "width")
        guard oh == y.shape[1], ow == y.shape[2] else { throw fail("output is \(y.shape[1])x\(y.shape[2]), window gives \(oh)x\(ow)") }
        let xq = try quantization(x), yq = try quantization(y)
        guard xq == yq else { throw fail("input and output quantization must be equal (\(xq) vs \(yq)), as in TFLite") }
        let (lo, hi) = try activation()
        return .averagePool(.init(input: try location(input: 0), out: try location(output: 0),
                                  height: x.shape[1], width: x.shape[2], channels: x.shape[3], kernelH: kh, kernelW: kw,
                                  strideH: sh, strideW: sw, padTop: pt, padLeft: pl, outHeight: oh, outWidth: ow, min: lo, max: hi))
    }

    /// A reshape is a view (the planner gives the output its input's storage): only checked here.
    func reshape() throws(EngineError) {
        try expectArity(inputs: 1...2)
        let x = input(0), y = output()
        guard x.type == y.type else { throw fail("types \(x.type) -> \(y.type) differ") }
        guard x.elementCount != nil, x.elementCount == y.elementCount else {
            throw fail("shapes \(x.shape) -> \(y.shape) have different element counts")
        }
        guard x.quantization == y.quantization else { throw fail("a reshape view cannot change quantization") }
    }
}
