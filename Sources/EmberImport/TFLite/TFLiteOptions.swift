/// The decoded `builtin_options` of an operator, for the options tables the importer knows.
public enum TFLiteOptions: Sendable, Equatable {
    case none
    case conv2D(TFLiteConv2DOptions)
    case depthwiseConv2D(TFLiteDepthwiseConv2DOptions)
    case pool2D(TFLitePool2DOptions)
    case fullyConnected(TFLiteFullyConnectedOptions)
    case softmax(beta: Float)
    case add(activation: TFLiteActivation)
    case reshape(newShape: [Int32]?)
    case pad
    case reducer(keepDims: Bool)
    case quantize
    case dequantize
    /// An options table of a type the importer does not decode (its union type code).
    case other(typeCode: UInt8)
}

public struct TFLiteConv2DOptions: Sendable, Equatable {
    public var padding: TFLitePadding
    public var strideW: Int32, strideH: Int32
    public var activation: TFLiteActivation
    public var dilationW: Int32, dilationH: Int32
}

public struct TFLiteDepthwiseConv2DOptions: Sendable, Equatable {
    public var padding: TFLitePadding
    public var strideW: Int32, strideH: Int32
    public var depthMultiplier: Int32
    public var activation: TFLiteActivation
    public var dilationW: Int32, dilationH: Int32
}

public struct TFLitePool2DOptions: Sendable, Equatable {
    public var padding: TFLitePadding
    public var strideW: Int32, strideH: Int32
    public var filterW: Int32, filterH: Int32
    public var activation: TFLiteActivation
}

public struct TFLiteFullyConnectedOptions: Sendable, Equatable {
    public var activation: TFLiteActivation
    /// 0 = DEFAULT; 1 = SHUFFLED4x16INT8 (not supported by the lowering).
    public var weightsFormat: Int8
    public var keepNumDims: Bool
    public var asymmetricQuantizeInputs: Bool
}

extension TFLiteOptions {
    /// Decodes the options table `table` whose union type code is `type` (field ids from schema.fbs).
    static func decode(type: UInt8, table: FlatBufferTable?, operator op: FlatBufferTable) throws -> TFLiteOptions {
        guard type != 0 else { return .none }
        guard let t = table else {
            throw FlatBufferError(field: "\(op.path).builtin_options", offset: op.position,
                                  reason: "union type \(type) is set but the options table is missing")
        }
        switch type {
        case TFLiteOptionsType.conv2D:
            return .conv2D(TFLiteConv2DOptions(
                padding: try padding(t, 0), strideW: try t.i32(1, "stride_w"), strideH: try t.i32(2, "stride_h"),
                activation: TFLiteActivation(rawValue: try t.i8(3, "fused_activation_function")),
                dilationW: try t.i32(4, "dilation_w_factor", default: 1),
                dilationH: try t.i32(5, "dilation_h_factor", default: 1)))
        case TFLiteOptionsType.depthwiseConv2D:
            return .depthwiseConv2D(TFLiteDepthwiseConv2DOptions(
                padding: try padding(t, 0), strideW: try t.i32(1, "stride_w"), strideH: try t.i32(2, "stride_h"),
                depthMultiplier: try t.i32(3, "depth_multiplier"),
                activation: TFLiteActivation(rawValue: try t.i8(4, "fused_activation_function")),
                dilationW: try t.i32(5, "dilation_w_factor", default: 1),
                dilationH: try t.i32(6, "dilation_h_factor", default: 1)))
        case TFLiteOptionsType.pool2D:
            return .pool2D(TFLitePool2DOptions(
                padding: try padding(t, 0), strideW: try t.i32(1, "stride_w"), strideH: try t.i32(2, "stride_h"),
                filterW: try t.i32(3, "filter_width"), filterH: try t.i32(4, "filter_height"),
                activation: TFLiteActivation(rawValue: try t.i8(5, "fused_activation_function"))))
        case TFLiteOptionsType.fullyConnected:
            return .fullyConnected(TFLiteFullyConnectedOptions(
                activation: TFLiteActivation(rawValue: try t.i8(0, "fused_activation_function")),
                weightsFormat: try t.i8(1, "weights_format"), keepNumDims: try t.bool(2, "keep_num_dims"),
                asymmetricQuantizeInputs: try t.bool(3, "asymmetric_quantize_inputs")))
        case TFLiteOptionsType.softmax:
            return .softmax(beta: try t.f32(0, "beta"))
        case TFLiteOptionsType.add:
            return .add(activation: TFLiteActivation(rawValue: try t.i8(0, "fused_activation_function")))
        case TFLiteOptionsType.reshape:
            return .reshape(newShape: try t.vector(0, "new_shape", elementSize: 4)?.int32s())
        case TFLiteOptionsType.pad:
            return .pad
        case TFLiteOptionsType.reducer:
            return .reducer(keepDims: try t.bool(0, "keep_dims"))
        case TFLiteOptionsType.quantize:
            return .quantize
        case TFLiteOptionsType.dequantize:
            return .dequantize
        default:
            return .other(typeCode: type)
        }
    }

    private static func padding(_ t: FlatBufferTable, _ id: Int) throws -> TFLitePadding {
        let raw = try t.i8(id, "padding")
        guard let padding = TFLitePadding(rawValue: raw) else {
            throw FlatBufferError(field: "\(t.path).padding", offset: t.position, reason: "unknown padding \(raw)")
        }
        return padding
    }
}
