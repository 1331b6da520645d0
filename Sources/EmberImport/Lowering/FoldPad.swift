import EmberFormat

/// A PAD whose only reader is a CONV_2D or DEPTHWISE_CONV_2D (the bundled MobileNetV2 has five,
/// before its stride-2 convolutions) is not emitted: the convolution reads the PAD's input with
/// the PAD's spatial pads added to its own. Both fill with the same value, the input zero point
/// (PAD fills with its output's zero point, which equals its input's), so the output bytes are
/// unchanged and a copy of the whole padded tensor per inference is saved.
struct FoldedPad {
    /// The TFLite tensor the PAD reads: what the convolution reads instead.
    var source: Int
    var top: Int, bottom: Int, left: Int, right: Int
}

extension TFLiteLowering {
    /// The most padding per side each engine op accepts (docs/ops.md).
    static let maxConvolutionPad = 64, maxDepthwisePad = 2

    /// How a PAD (input `x`, output `y`, validated `paddings` of a rank-`rank` input) folds into
    /// its reader, or nil when it must run as an op: the output is a model output or has another
    /// reader, the reader pads itself (SAME), the pads touch batch or channels, or exceed the
    /// reader's limit.
    func foldablePad(x: Int, y: Int, paddings: [Int32], rank: Int) -> FoldedPad? {
        guard rank == 4, paddings[0] == 0, paddings[1] == 0, paddings[6] == 0, paddings[7] == 0,
              !model.outputs.contains(Int32(y)), let readers = readers[y], readers.count == 1 else { return nil }
        let reader = readers[0]
        guard reader.inputs.firstIndex(of: Int32(y)) == 0, reader.inputs.lastIndex(of: Int32(y)) == 0 else { return nil }
        let fold = FoldedPad(source: x, top: Int(paddings[2]), bottom: Int(paddings[3]),
                             left: Int(paddings[4]), right: Int(paddings[5]))
        // VALID readers only: their own pads are zero, so the PAD's are the whole padding.
        let limit: Int
        switch reader.options {
        case .conv2D(let o) where o.padding == .valid: limit = Self.maxConvolutionPad
        case .depthwiseConv2D(let o) where o.padding == .valid: limit = Self.maxDepthwisePad
        default: return nil
        }
        let sums = [fold.top, fold.bottom, fold.left, fold.right]
        return sums.allSatisfy { $0 <= limit } ? fold : nil
    }

    /// The tensor a window op over `x` reads and its pad attributes: its own (`rows`, `cols`)
    /// plus those of a PAD folded into it.
    func windowInput(_ x: Int, rows: WindowAxis, cols: WindowAxis) -> (source: Int, pads: [AttributeKey: AttributeValue]) {
        let fold = foldedPads[x] ?? FoldedPad(source: x, top: 0, bottom: 0, left: 0, right: 0)
        return (fold.source, [.padTop: .int(rows.padBefore + fold.top), .padBottom: .int(rows.padAfter + fold.bottom),
                              .padLeft: .int(cols.padBefore + fold.left), .padRight: .int(cols.padAfter + fold.right)])
    }
}
