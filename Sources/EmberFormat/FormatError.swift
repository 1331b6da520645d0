/// Why a `.ember` file (or a model being written) was rejected. Every reader case names the
/// field (a path such as `tensor[3].shape[1]`) and the byte offset in the file where it lies;
/// `description` is one line.
public enum FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field needs `needed` bytes at `offset` but the file or section ends first.
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    /// The value is not allowed; `reason` says what was expected.
    case invalidValue(field: String, offset: Int, reason: String)
    /// An enumeration code (dtype, op kind, attribute key or type, ...) not defined by format v1.
    case unknownCode(field: String, offset: Int, code: Int)
    /// A size or offset computation overflowed.
    case overflow(field: String, offset: Int)
    /// An offset that must be a multiple of `alignment` is not.
    case misaligned(field: String, offset: Int, value: Int, alignment: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(field: String, offset: Int)
    /// A graph defect (reference out of range, tensor produced twice, cycle, ...).
    case invalidGraph(field: String, offset: Int, reason: String)
    /// The CRC-32C stored in the header (at `offset`) differs from the file's.
    case checksumMismatch(field: String, offset: Int, stored: UInt32, computed: UInt32)
    /// An attribute the caller needs is absent from op `op`.
    case missingAttribute(op: Int, kind: OpKind, key: AttributeKey)
    /// An attribute has another type than the caller expects.
    case attributeType(op: Int, kind: OpKind, key: AttributeKey, expected: AttributeType, actual: AttributeType)
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// The writer was given something that cannot be written (the reader would reject it).
    case invalidModel(reason: String)

    /// The field the error is about (for attribute errors `op[N].KEY`, for I/O the path).
    public var field: String {
        switch self {
        case .truncated(let f, _, _, _), .invalidValue(let f, _, _), .unknownCode(let f, _, _),
             .overflow(let f, _), .misaligned(let f, _, _, _), .invalidUTF8(let f, _),
             .invalidGraph(let f, _, _), .checksumMismatch(let f, _, _, _):
            return f
        case .missingAttribute(let op, _, let key), .attributeType(let op, _, let key, _, _):
            return "op[\(op)].\(key)"
        case .io(let path, _, _):
            return path
        case .invalidModel:
            return "model"
        }
    }

    /// Byte offset in the file of the offending field; nil when the error is not about file bytes.
    public var offset: Int? {
        switch self {
        case .truncated(_, let o, _, _), .invalidValue(_, let o, _), .unknownCode(_, let o, _),
             .overflow(_, let o), .misaligned(_, let o, _, _), .invalidUTF8(_, let o),
             .invalidGraph(_, let o, _), .checksumMismatch(_, let o, _, _):
            return o
        case .missingAttribute, .attributeType, .io, .invalidModel:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .truncated(let f, let o, let needed, let available):
            return "\(f) at byte \(o): truncated (needs \(needed) bytes, \(available) available)"
        case .invalidValue(let f, let o, let reason):
            return "\(f) at byte \(o): \(reason)"
        case .unknownCode(let f, let o, let code):
            return "\(f) at byte \(o): unknown code \(code)"
        case .overflow(let f, let o):
            return "\(f) at byte \(o): size computation overflows"
        case .misaligned(let f, let o, let value, let alignment):
            return "\(f) at byte \(o): \(value) is not a multiple of \(alignment)"
        case .invalidUTF8(let f, let o):
            return "\(f) at byte \(o): not valid UTF-8"
        case .invalidGraph(let f, let o, let reason):
            return "\(f) at byte \(o): \(reason)"
        case .checksumMismatch(let f, let o, let stored, let computed):
            return "\(f) at byte \(o): checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))"
        case .missingAttribute(let op, let kind, let key):
            return "op[\(op)] (\(kind)): missing attribute \(key)"
        case .attributeType(let op, let kind, let key, let expected, let actual):
            return "op[\(op)] (\(kind)): attribute \(key) is \(actual), expected \(expected)"
        case .io(let path, let operation, let errno):
            return "\(path): \(operation) failed: \(systemErrorMessage(errno)) (errno \(errno))"
        case .invalidModel(let reason):
            return "cannot write model: \(reason)"
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
