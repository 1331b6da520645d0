/// Window geometry as TFLite computes it (ComputePaddingHeightWidth / ComputeOutSize): the
/// output size for SAME or VALID padding and the explicit pads the engine applies. TFLite pads
/// `total / 2` before and the rest after, so SAME with an even total pad is asymmetric.
struct WindowAxis: Equatable {
    var output: Int
    var padBefore: Int
    var padAfter: Int

    init(input: Int, filter: Int, stride: Int, dilation: Int, padding: TFLitePadding) {
        let effectiveFilter = (filter - 1) * dilation + 1
        switch padding {
        case .same: output = (input + stride - 1) / stride
        case .valid: output = max(0, (input - effectiveFilter + stride) / stride)
        }
        let total = max(0, (output - 1) * stride + effectiveFilter - input)
        padBefore = total / 2
        padAfter = total - total / 2
    }
}
