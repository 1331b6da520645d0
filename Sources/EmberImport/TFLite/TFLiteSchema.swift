// Enumerations of TFLite's schema (tensorflow/compiler/mlir/lite/schema/schema.fbs) that the
// importer reads. Values are the schema's; unknown values are kept, not rejected, so the lowering
// can name them in its error.

/// `TensorType`.
public struct TFLiteTensorType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int8
    public init(rawValue: Int8) { self.rawValue = rawValue }

    public static let float32 = Self(rawValue: 0)
    public static let float16 = Self(rawValue: 1)
    public static let int32 = Self(rawValue: 2)
    public static let uint8 = Self(rawValue: 3)
    public static let int64 = Self(rawValue: 4)
    public static let int16 = Self(rawValue: 7)
    public static let int8 = Self(rawValue: 9)

    static let names: [Int8: String] = [
        0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
        7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 11: "COMPLEX128", 12: "UINT64",
        13: "RESOURCE", 14: "VARIANT", 15: "UINT32", 16: "UINT16", 17: "INT4", 18: "BFLOAT16",
    ]
    public var description: String { Self.names[rawValue] ?? "TensorType(\(rawValue))" }

    /// Bytes per element, nil for types without a fixed element size.
    public var elementSize: Int? {
        switch rawValue {
        case 0, 2, 15: return 4
        case 1, 7, 16, 18: return 2
        case 3, 6, 9: return 1
        case 4, 10, 12, 8: return 8
        case 11: return 16
        default: return nil
        }
    }
}

/// `BuiltinOperator`.
public struct TFLiteBuiltinOperator: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let add = Self(rawValue: 0)
    public static let averagePool2D = Self(rawValue: 1)
    public static let conv2D = Self(rawValue: 3)
    public static let depthwiseConv2D = Self(rawValue: 4)
    public static let dequantize = Self(rawValue: 6)
    public static let fullyConnected = Self(rawValue: 9)
    public static let reshape = Self(rawValue: 22)
    public static let softmax = Self(rawValue: 25)
    public static let custom = Self(rawValue: 32)
    public static let pad = Self(rawValue: 34)
    public static let mean = Self(rawValue: 40)
    public static let quantize = Self(rawValue: 114)
    /// Values below this fit `deprecated_builtin_code`; the real code is the larger of the two fields.
    public static let placeholderForGreaterOpCodes = Self(rawValue: 127)

    static let names: [Int32: String] = [
        0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
        5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D",
        18: "MUL", 19: "RELU", 21: "RELU6", 22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX",
        28: "TANH", 32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 43: "SQUEEZE",
        45: "STRIDED_SLICE", 49: "SPLIT", 53: "CAST", 60: "PADV2", 65: "SLICE", 67: "TRANSPOSE_CONV",
        74: "SUM", 77: "SHAPE", 82: "REDUCE_MAX", 83: "PACK", 88: "UNPACK", 114: "QUANTIZE",
        117: "HARD_SWISH", 126: "BATCH_MATMUL", 150: "GELU",
    ]
    public var description: String { Self.names[rawValue] ?? "BuiltinOperator(\(rawValue))" }
}

/// `Padding`.
public enum TFLitePadding: Int8, Sendable { case same = 0, valid = 1 }

/// `ActivationFunctionType`.
public struct TFLiteActivation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int8
    public init(rawValue: Int8) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let relu = Self(rawValue: 1)
    public static let reluN1To1 = Self(rawValue: 2)
    public static let relu6 = Self(rawValue: 3)
    public static let tanh = Self(rawValue: 4)
    public var description: String {
        ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"].indices.contains(Int(rawValue))
            ? ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"][Int(rawValue)]
            : "ActivationFunctionType(\(rawValue))"
    }
}

/// Type codes of the `BuiltinOptions` union that the importer decodes (0 = NONE).
enum TFLiteOptionsType {
    static let conv2D: UInt8 = 1
    static let depthwiseConv2D: UInt8 = 2
    static let pool2D: UInt8 = 5
    static let fullyConnected: UInt8 = 8
    static let softmax: UInt8 = 9
    static let add: UInt8 = 11
    static let reshape: UInt8 = 17
    static let pad: UInt8 = 22
    static let reducer: UInt8 = 27
    static let dequantize: UInt8 = 38
    static let quantize: UInt8 = 89
}
