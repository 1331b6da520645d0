/// Operator kinds. Raw values are the codes stored in the file: stable forever, never reused.
/// The reader rejects codes not listed here. Semantics: docs/ops.md.
public enum OpKind: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    // Conv model (int8, TFLite reference semantics): 1...
    case conv2d = 1
    case depthwiseConv2d = 2
    case add = 3
    case pad = 4
    case mean = 5
    case averagePool2d = 6
    case fullyConnected = 7
    case reshape = 8
    case softmax = 9
    case quantize = 10
    case dequantize = 11

    // Encoder (dynamic quantization): 64...
    case embedding = 64
    case layerNorm = 65
    case dynamicLinear = 66
    case attention = 67
    case gelu = 68
    case residualAdd = 69
    case meanPooling = 70
    case l2Normalize = 71

    /// The name used in docs/ops.md, `ember info` and error messages.
    public var description: String {
        switch self {
        case .conv2d: "conv2d"
        case .depthwiseConv2d: "depthwiseConv2d"
        case .add: "add"
        case .pad: "pad"
        case .mean: "mean"
        case .averagePool2d: "averagePool2d"
        case .fullyConnected: "fullyConnected"
        case .reshape: "reshape"
        case .softmax: "softmax"
        case .quantize: "quantize"
        case .dequantize: "dequantize"
        case .embedding: "embedding"
        case .layerNorm: "layerNorm"
        case .dynamicLinear: "dynamicLinear"
        case .attention: "attention"
        case .gelu: "gelu"
        case .residualAdd: "residualAdd"
        case .meanPooling: "meanPooling"
        case .l2Normalize: "l2Normalize"
        }
    }
}
