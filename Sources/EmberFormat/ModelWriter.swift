/// Builds a `.ember` file (format v1): add tensors and ops, set metadata, then `serialize()` or
/// `write(to:)`. The result is checked by the reader's full validation before it is returned, so
/// the writer never produces a file `EmberModel` would reject.
public struct ModelWriter: Sendable {
    public var metadata: Metadata
    /// Graph inputs and outputs (tensor indices).
    public var inputs: [Int] = []
    public var outputs: [Int] = []
    public private(set) var tensors: [TensorDescription] = []
    /// Settable inside the module so tests can build deliberately broken graphs.
    public internal(set) var ops: [Op] = []
    private var data: [[UInt8]?] = []

    public init(metadata: Metadata = Metadata()) {
        self.metadata = metadata
    }

    /// Adds a tensor; `data` makes it a constant (its length must match dtype and shape unless
    /// the dtype is `packed`). Returns the tensor's index.
    @discardableResult
    public mutating func addTensor(_ tensor: TensorDescription, data: [UInt8]? = nil) -> Int {
        tensors.append(tensor)
        self.data.append(data)
        return tensors.count - 1
    }

    /// Adds a constant from typed values (stored little-endian, as on every supported target).
    @discardableResult
    public mutating func addConstant<T: FixedWidthInteger>(_ tensor: TensorDescription, values: [T]) -> Int {
        var w = ByteWriter()
        for v in values { w.integer(v) }
        return addTensor(tensor, data: w.bytes)
    }

    @discardableResult
    public mutating func addConstant(_ tensor: TensorDescription, floats: [Float]) -> Int {
        addConstant(tensor, values: floats.map(\.bitPattern))
    }

    /// Appends an op; ops must be added in an order where every input already exists
    /// (a constant, a graph input or an earlier op's output). Returns the op's index.
    @discardableResult
    public mutating func addOp(_ kind: OpKind, inputs: [Int], outputs: [Int],
                               attributes: [AttributeKey: AttributeValue] = [:]) -> Int {
        ops.append(Op(index: ops.count, kind: kind, inputs: inputs, outputs: outputs, attributes: attributes))
        return ops.count - 1
    }

    /// The complete file, validated by the reader.
    public func serialize() throws -> [UInt8] {
        let bytes = try FileEncoder(writer: self, data: data).encode()
        _ = try bytes.withUnsafeBytes { try ModelParser.parse($0, verifyChecksum: true) }
        return bytes
    }

    /// The encoded file without the reader's validation: lets tests build deliberately broken files.
    func encodeWithoutValidation() throws -> [UInt8] {
        try FileEncoder(writer: self, data: data).encode()
    }

    /// Serializes and writes the file atomically (a temporary file renamed over `path`).
    public func write(to path: String) throws {
        let bytes = try serialize()
        try FileSystem.writeAtomically(bytes, to: path)
    }
}
