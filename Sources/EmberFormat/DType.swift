/// Element type of a tensor. The raw values are the codes stored in the file (stable).
public enum DType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case int8 = 1
    case uint8 = 2
    case int16 = 3
    case int32 = 4
    case float32 = 5
    case float16 = 6
    /// An opaque blob laid out by a kernel pack function (see `Metadata.packingFamily`). The
    /// tensor's shape is the logical (unpacked) shape; its byte length is the pack function's.
    case packed = 7

    /// Bytes per element; 1 for `packed` (a byte blob).
    public var elementSize: Int {
        switch self {
        case .int8, .uint8, .packed: 1
        case .int16, .float16: 2
        case .int32, .float32: 4
        }
    }

    /// Lower-case name used in the spec, `ember info` and error messages.
    public var description: String {
        switch self {
        case .int8: "int8"
        case .uint8: "uint8"
        case .int16: "int16"
        case .int32: "int32"
        case .float32: "float32"
        case .float16: "float16"
        case .packed: "packed"
        }
    }
}
