/// Subgraph 0 of a `.tflite` file as typed values, read by `TFLiteReader`. Constant data stays in
/// `bytes` and is referenced by byte range, so reading a model copies no weights.
public struct TFLiteModel: Sendable {
    public var schemaVersion: UInt32
    public var description: String?
    public var subgraphCount: Int
    public var tensors: [TFLiteTensor]
    public var operators: [TFLiteOperator]
    public var inputs: [Int32]
    public var outputs: [Int32]
    /// `buffers[i]`: the byte range of buffer i's data in `bytes` (empty when it has none).
    public var buffers: [Range<Int>]
    public let bytes: [UInt8]

    /// The constant data of tensor `index`, or nil when it has none (activations, inputs).
    public func constantData(ofTensor index: Int) -> ArraySlice<UInt8>? {
        guard tensors.indices.contains(index) else { return nil }
        let buffer = tensors[index].buffer
        guard buffers.indices.contains(buffer), !buffers[buffer].isEmpty else { return nil }
        return bytes[buffers[buffer]]
    }
}

public struct TFLiteTensor: Sendable {
    public var name: String
    public var type: TFLiteTensorType
    public var shape: [Int32]
    /// Index into `TFLiteModel.buffers` (0 = the empty sentinel buffer).
    public var buffer: Int
    public var quantization: TFLiteQuantization?
    public var isVariable: Bool
    public var isSparse: Bool
}

/// Affine quantization: real = scale * (q - zero_point), per tensor or per channel along
/// `quantizedDimension`.
public struct TFLiteQuantization: Sendable, Equatable {
    public var scale: [Float]
    public var zeroPoint: [Int64]
    public var quantizedDimension: Int32
    /// True when the tensor uses the `details` union (custom quantization) instead.
    public var hasCustomDetails: Bool
}

public struct TFLiteOperator: Sendable {
    /// Position in subgraph 0's execution order.
    public var index: Int
    public var opcode: TFLiteBuiltinOperator
    public var opcodeVersion: Int32
    public var customCode: String?
    /// Tensor indices; -1 marks an omitted optional input.
    public var inputs: [Int32]
    public var outputs: [Int32]
    public var options: TFLiteOptions
}
