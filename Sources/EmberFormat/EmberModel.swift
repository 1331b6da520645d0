/// A validated, immutable `.ember` model. `init(path:)` maps the file read-only and shared and
/// validates every byte that will be used before returning; constant tensor data is then served
/// zero-copy from the mapping, valid for the model's lifetime. Sendable because nothing changes
/// after init (the mapping is read-only).
public final class EmberModel: @unchecked Sendable {
    public let formatVersion: Int
    public let fileSize: Int
    /// CRC-32C stored in the header (and, unless verification was skipped, checked).
    public let checksum: UInt32
    public let checksumVerified: Bool
    public let tensors: [TensorDescription]
    /// Ops in a topological order.
    public let ops: [Op]
    /// Graph inputs and outputs (tensor indices).
    public let inputs: [Int]
    public let outputs: [Int]
    public let metadata: Metadata

    private let base: UnsafeRawPointer
    private let length: Int
    /// The file's mapping, unmapped when the model goes; nil for in-memory models, whose buffer
    /// `base` is deallocated in deinit.
    private let mapping: FileMapping?
    /// Absolute byte ranges of constant tensor data; nil for activations.
    private let dataRanges: [Range<Int>?]

    /// Maps and validates the file at `path`. Throws `FormatError` (I/O or validation).
    /// `verifyChecksum: false` skips only the CRC pass (e.g. for a file just written and checked).
    public convenience init(path: String, verifyChecksum: Bool = true) throws {
        if let mapping = try FileSystem.mapReadOnly(path) {
            try self.init(base: mapping.base, length: mapping.length, mapping: mapping, verifyChecksum: verifyChecksum)
        } else {
            try self.init(bytes: [], verifyChecksum: verifyChecksum)
        }
    }

    /// Validates an in-memory file (tests, fuzzing). The bytes are copied to a 64-byte aligned buffer.
    public convenience init(bytes: [UInt8], verifyChecksum: Bool = true) throws {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: FileLayout.dataAlignment)
        bytes.withUnsafeBytes { if let src = $0.baseAddress { copy.copyMemory(from: src, byteCount: bytes.count) } }
        try self.init(base: UnsafeRawPointer(copy), length: bytes.count, mapping: nil, verifyChecksum: verifyChecksum)
    }

    /// Takes ownership of `mapping`, or of the heap buffer `base` when there is none (deallocated
    /// in deinit, or here if validation fails).
    private init(base: UnsafeRawPointer, length: Int, mapping: FileMapping?, verifyChecksum: Bool) throws {
        self.base = base
        self.length = length
        self.mapping = mapping
        let parsed: ParsedModel
        do {
            parsed = try ModelParser.parse(UnsafeRawBufferPointer(start: base, count: length), verifyChecksum: verifyChecksum)
        } catch {
            if mapping == nil { UnsafeMutableRawPointer(mutating: base).deallocate() }
            throw error
        }
        formatVersion = parsed.formatVersion
        fileSize = length
        checksum = parsed.checksum
        checksumVerified = verifyChecksum
        tensors = parsed.tensors
        ops = parsed.ops
        inputs = parsed.inputs
        outputs = parsed.outputs
        metadata = parsed.metadata
        dataRanges = parsed.dataRanges
    }

    deinit {
        if mapping == nil { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }

    /// Why the model's file can no longer be trusted, or nil while it is as it was loaded: another
    /// process truncated it (reads past its new end see zeros instead of crashing) or wrote to it
    /// in place. Whatever was computed from the model since then is wrong; load the file again.
    /// Always nil for a model made from bytes.
    public func fileChange() -> String? {
        mapping?.change()
    }

    /// Whether tensor `index` has constant data in the file.
    public func isConstant(_ index: Int) -> Bool {
        dataRanges.indices.contains(index) && dataRanges[index] != nil
    }

    /// Zero-copy view of a constant tensor's bytes (64-byte aligned; at least 64 readable bytes
    /// follow the data section, so kernels may over-read). nil for activations or a bad index.
    /// Valid only while this model is alive.
    public func constantData(_ index: Int) -> UnsafeRawBufferPointer? {
        guard dataRanges.indices.contains(index), let r = dataRanges[index] else { return nil }
        return UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count)
    }

    /// A constant's elements as `T` (e.g. the int32 multipliers of a conv), zero-copy. nil for an
    /// activation, a `packed` tensor, or a `T` whose size is not the dtype's element size.
    /// The data is 64-byte aligned, so any `T` of those sizes is suitably aligned.
    public func constantValues<T: BitwiseCopyable>(_ index: Int, as type: T.Type) -> UnsafeBufferPointer<T>? {
        guard let raw = constantData(index) else { return nil }
        let dtype = tensors[index].dtype
        guard dtype != .packed, MemoryLayout<T>.stride == dtype.elementSize else { return nil }
        return raw.assumingMemoryBound(to: T.self)
    }

    /// Index of the first tensor called `name`.
    public func tensorIndex(named name: String) -> Int? {
        tensors.firstIndex { $0.name == name }
    }

    /// Total bytes of constant tensor data (weights, biases, requantization tables).
    public var weightBytes: Int {
        dataRanges.reduce(0) { $0 + ($1?.count ?? 0) }
    }

    /// How many ops of each kind the graph has.
    public var opHistogram: [OpKind: Int] {
        ops.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }
}
