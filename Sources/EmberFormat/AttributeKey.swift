/// The type of an attribute value; raw values are the type tags stored in the file.
public enum AttributeType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case int = 1
    case float = 2
    case ints = 3
    case floats = 4
    case string = 5

    public var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .ints: "int array"
        case .floats: "float array"
        case .string: "string"
        }
    }
}

/// Attribute keys of graph ops (docs/ops.md). Raw values are the codes stored in the file:
/// stable forever, never reused. Each key has exactly one value type and a valid range, both
/// enforced by the reader (and so by the writer, which validates what it writes).
public enum AttributeKey: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    // Fused activation as a clamp in the quantized domain.
    case actMin = 1
    case actMax = 2
    // Window geometry.
    case strideH = 3
    case strideW = 4
    case dilationH = 5
    case dilationW = 6
    case kernelH = 7
    case kernelW = 8
    case padTop = 9
    case padLeft = 10
    case padBottom = 11
    case padRight = 12
    // add
    case leftShift = 13
    case aMultiplier = 14
    case aShift = 15
    case bMultiplier = 16
    case bShift = 17
    case outMultiplier = 18
    case outShift = 19
    // pad
    case paddings = 20
    case padValue = 21
    // mean
    case axes = 22
    case keepDims = 23
    // mean, quantize (int8 -> int8)
    case multiplier = 24
    case shift = 25
    // softmax
    case inputMultiplier = 26
    case inputLeftShift = 27
    case diffMin = 28
    // Encoder (contract written with issue 5).
    case epsilon = 64
    case numHeads = 65
    case hadamardBlock = 66

    /// The snake_case name used in docs/ops.md and docs/model-format.md.
    public var description: String {
        switch self {
        case .actMin: "act_min"
        case .actMax: "act_max"
        case .strideH: "stride_h"
        case .strideW: "stride_w"
        case .dilationH: "dilation_h"
        case .dilationW: "dilation_w"
        case .kernelH: "kernel_h"
        case .kernelW: "kernel_w"
        case .padTop: "pad_top"
        case .padLeft: "pad_left"
        case .padBottom: "pad_bottom"
        case .padRight: "pad_right"
        case .leftShift: "left_shift"
        case .aMultiplier: "a_multiplier"
        case .aShift: "a_shift"
        case .bMultiplier: "b_multiplier"
        case .bShift: "b_shift"
        case .outMultiplier: "out_multiplier"
        case .outShift: "out_shift"
        case .paddings: "paddings"
        case .padValue: "pad_value"
        case .axes: "axes"
        case .keepDims: "keep_dims"
        case .multiplier: "multiplier"
        case .shift: "shift"
        case .inputMultiplier: "input_multiplier"
        case .inputLeftShift: "input_left_shift"
        case .diffMin: "diff_min"
        case .epsilon: "epsilon"
        case .numHeads: "num_heads"
        case .hadamardBlock: "hadamard_block"
        }
    }

    /// The one value type this key accepts.
    public var valueType: AttributeType {
        switch self {
        case .paddings, .axes: .ints
        case .epsilon: .float
        default: .int
        }
    }
}
