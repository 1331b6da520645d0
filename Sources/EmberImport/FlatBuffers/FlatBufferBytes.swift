/// Bounds-checked little-endian loads from a byte buffer. Every load checks its range first and
/// throws `FlatBufferError` instead of trapping, so nothing read from a file can crash the reader.
public struct FlatBufferBytes: Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }

    /// Throws unless `[position, position + length)` lies inside the buffer (overflow-safe).
    public func checkRange(_ position: Int, _ length: Int, field: @autoclosure () -> String) throws {
        guard position >= 0, length >= 0, position <= bytes.count,
              length <= bytes.count - position else {
            throw FlatBufferError(field: field(), offset: max(0, min(position, bytes.count)),
                                  reason: "needs \(length) bytes at \(position), file has \(bytes.count)")
        }
    }

    public func u8(_ position: Int, field: @autoclosure () -> String) throws -> UInt8 {
        try checkRange(position, 1, field: field())
        return bytes[position]
    }

    public func u16(_ position: Int, field: @autoclosure () -> String) throws -> UInt16 {
        try checkRange(position, 2, field: field())
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    public func u32(_ position: Int, field: @autoclosure () -> String) throws -> UInt32 {
        try checkRange(position, 4, field: field())
        return UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
            | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
    }

    public func u64(_ position: Int, field: @autoclosure () -> String) throws -> UInt64 {
        try checkRange(position, 8, field: field())
        let low = UInt64(try u32(position, field: field()))
        let high = UInt64(try u32(position + 4, field: field()))
        return low | high << 32
    }

    public func i32(_ position: Int, field: @autoclosure () -> String) throws -> Int32 {
        Int32(bitPattern: try u32(position, field: field()))
    }
}
