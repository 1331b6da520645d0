/// What the file says about one tensor. Constant tensors (weights) also have data, reached
/// through `EmberModel.constantData(_:)`; activations have none.
public struct TensorDescription: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// Dimensions, outermost first (NHWC for activations). Every dimension is at least 1.
    public var shape: [Int]
    public var quantization: Quantization?

    public init(name: String, dtype: DType, shape: [Int], quantization: Quantization? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.quantization = quantization
    }

    /// Product of the dimensions (1 for a scalar). Only meaningful for validated descriptions:
    /// the reader guarantees it does not overflow.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes of an unpacked tensor of this shape; `nil` for `packed` (the pack function decides).
    public var unpackedByteCount: Int? { dtype == .packed ? nil : elementCount * dtype.elementSize }
}
