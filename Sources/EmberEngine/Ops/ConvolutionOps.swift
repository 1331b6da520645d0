import CEmberKernels
import EmberFormat

/// conv2d, depthwiseConv2d and fullyConnected (docs/ops.md): validated into kernel calls.
extension OperatorReader {
    /// Bytes of im2col columns one task may hold at once; blocks of output rows are sized to it.
    static let im2colBlockBytes = 128 * 1024

    func conv2d() throws(EngineError) -> Kernel {
        try expectArity(inputs: 4...4)
        let x = try tensor(input: 0, "x", type: .int8, rank: 4)
        let y = try tensor(output: 0, type: .int8, rank: 4)
        guard x.shape[0] == 1, y.shape[0] == 1 else { throw fail("batch must be 1, got \(x.shape[0]) -> \(y.shape[0])") }
        let (h, w, cin) = (x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow, cout) = (y.shape[1], y.shape[2], y.shape[3])
        let kh = try int(.kernelH, in: 1...64), kw = try int(.kernelW, in: 1...64)
        let sh = try int(.strideH, default: 1, in: 1...64), sw = try int(.strideW, default: 1, in: 1...64)
        let dh = try int(.dilationH, default: 1, in: 1...64), dw = try int(.dilationW, default: 1, in: 1...64)
        let pt = try int(.padTop, default: 0, in: 0...64), pl = try int(.padLeft, default: 0, in: 0...64)
        let pb = try int(.padBottom, default: 0, in: 0...64), pr = try int(.padRight, default: 0, in: 0...64)
        let expectH = try windowOutput(h, kernel: kh, stride: sh, dilation: dh, padBefore: pt, padAfter: pb, axis: "height")
        let expectW = try windowOutput(w, kernel: kw, stride: sw, dilation: dw, padBefore: pl, padAfter: pr, axis: "width")
        guard expectH == oh, expectW == ow else {
            throw fail("output is \(oh)x\(ow) but kernel \(kh)x\(kw), stride \(sh)x\(sw), dilation \(dh)x\(dw), pads t\(pt) l\(pl) b\(pb) r\(pr) on \(h)x\(w) give \(expectH)x\(expectW)")
        }
        let (k, o) = (kh * kw).multipliedReportingOverflow(by: cin)
        guard !o, k <= Self.maxDimension else { throw fail("kernel \(kh)x\(kw)x\(cin) is too large") }
        try expectLogicalWeights(elements: cout * k, "\(cout)x\(kh)x\(kw)x\(cin)")
        let packed = try constant(input: 1, "packed weights", bytes: ember_qs8_gemm_packed_size(cout, k))
        let xq = try quantization(x), yq = try quantization(y)
        let (lo, hi) = try activation()
        let output = try requantization(multiplierInput: 2, shiftInput: 3, channels: cout, zeroPoint: yq.zeroPoint, min: lo, max: hi)
        let narrow = ember_qs8_gemm_packed_narrow(cout, k, packed) != 0

        if kh == 1, kw == 1, sh == 1, sw == 1, pt == 0, pl == 0, pb == 0, pr == 0 {
            return .gemm(.init(a: try location(input: 0), out: try location(output: 0), packed: packed,
                               m: h * w, n: cout, k: cin, output: output, narrow: narrow))
        }
        let rowBytes = ow * k
        let blockRows = max(1, min(oh, Self.im2colBlockBytes / max(rowBytes, 1)))
        return .convolution(.init(input: try location(input: 0), out: try location(output: 0), packed: packed,
                                  height: h, width: w, channels: cin, kernelH: kh, kernelW: kw,
                                  strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, padTop: pt, padLeft: pl,
                                  outHeight: oh, outWidth: ow, outChannels: cout,
                                  inputZeroPoint: Int8(xq.zeroPoint), blockRows: blockRows, output: output,
                                  narrow: narrow))
    }

    func depthwiseConv2d() throws(EngineError) -> Kernel {
        try expectArity(inputs: 4...4)
        let x = try tensor(input: 0, "x", type: .int8, rank: 4)
        let y = try tensor(output: 0, type: .int8, rank: 4)
        guard x.shape[0] == 1, y.shape[0] == 1 else { throw fail("batch must be 1, got \(x.shape[0]) -> \(y.shape[0])") }
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        guard y.shape[3] == c else { throw fail("depth multiplier must be 1: \(c) input channels, \(y.shape[3]) output channels") }
        _ = try int(.kernelH, default: 3, in: 3...3)
        _ = try int(.kernelW, default: 3, in: 3...3)
        _ = try int(.dilationH, default: 1, in: 1...1)
        _ = try int(.dilationW, default: 1, in: 1...1)
        let sh = try int(.strideH, default: 1, in: 1...2), sw = try int(.strideW, default: 1, in: 1...2)
        guard sh == sw else { throw fail("strides \(sh)x\(sw) must be equal") }
        let pt = try int(.padTop, default: 0, in: 0...2), pl = try int(.padLeft, default: 0, in: 0...2)
        let pb = try int(.padBottom, default: 0, in: 0...2), pr = try int(.padRight, default: 0, in: 0...2)
        let oh = try windowOutput(h, kernel: 3, stride: sh, dilation: 1, padBefore: pt, padAfter: pb, axis: "height")
        let ow = try windowOutput(w, kernel: 3, stride: sw, dilation: 1, padBefore: pl, padAfter: pr, axis: "width")
        guard oh == y.shape[1], ow == y.shape[2] else {
            throw fail("output is \(y.shape[1])x\(y.shape[2]) but 3x3 stride \(sh) with pads t\(pt) l\(pl) b\(pb) r\(pr) on \(h)x\(w) gives \(oh)x\(ow)")
        }
        try expectLogicalWeights(elements: 9 * c, "3x3x\(c)")
        let packed = try constant(input: 1, "packed weights", bytes: ember_qs8_dwconv3x3_packed_size(c))
        let xq = try quantization(x), yq = try quantization(y)
        let (lo, hi) = try activation()
        let output = try requantization(multiplierInput: 2, shiftInput: 3, channels: c, zeroPoint: yq.zeroPoint, min: lo, max: hi)
        return .depthwise(.init(input: try location(input: 0), out: try location(output: 0), packed: packed,
                                height: h, width: w, channels: c, stride: sh, padTop: pt, padLeft: pl,
                                outHeight: oh, outWidth: ow, inputZeroPoint: Int8(xq.zeroPoint), output: output))
    }

    func fullyConnected() throws(EngineError) -> Kernel {
        try expectArity(inputs: 4...4)
        let x = try tensor(input: 0, "x", type: .int8)
        let y = try tensor(output: 0, type: .int8)
        guard let n = y.shape.last, let inCount = x.elementCount, let outCount = y.elementCount, n > 0 else {
            throw fail("output '\(y.name)' has no channels")
        }
        let rows = outCount / n
        guard rows > 0, inCount % rows == 0 else {
            throw fail("input of \(inCount) elements does not split into the output's \(rows) rows")
        }
        let k = inCount / rows
        try expectLogicalWeights(elements: n * k, "\(n)x\(k)")
        let packed = try constant(input: 1, "packed weights", bytes: ember_qs8_gemm_packed_size(n, k))
        _ = try quantization(x)
        let yq = try quantization(y)
        let (lo, hi) = try activation()
        let output = try requantization(multiplierInput: 2, shiftInput: 3, channels: n, zeroPoint: yq.zeroPoint, min: lo, max: hi)
        return .gemm(.init(a: try location(input: 0), out: try location(output: 0), packed: packed,
                           m: rows, n: n, k: k, output: output, narrow: ember_qs8_gemm_packed_narrow(n, k, packed) != 0))
    }

    /// The packed weights' logical (unpacked) shape must hold as many weights as the op uses.
    private func expectLogicalWeights(elements: Int, _ what: String) throws(EngineError) {
        let w = input(1)
        guard w.type == .packed else { throw fail("input 1 (weights) '\(w.name)' is \(w.type), expected packed") }
        guard w.elementCount == elements else {
            throw fail("weights '\(w.name)' have logical shape \(w.shape), expected \(what) = \(elements) weights")
        }
    }
}
