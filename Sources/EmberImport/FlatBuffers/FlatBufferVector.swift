/// A flatbuffer vector: a 32-bit element count, then the elements. The whole element range is
/// checked against the file on construction, so element reads cannot run past the end.
public struct FlatBufferVector: Sendable {
    public let buffer: FlatBufferBytes
    /// Position of element 0.
    public let start: Int
    public let count: Int
    public let elementSize: Int
    public let path: String

    public init(_ buffer: FlatBufferBytes, at position: Int, elementSize: Int, path: String) throws {
        let count = Int(try buffer.u32(position, field: "\(path) (length)"))
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else {
            throw FlatBufferError(field: path, offset: position, reason: "length \(count) overflows")
        }
        guard buffer.count - (position + 4) >= bytes else {
            throw FlatBufferError(field: path, offset: position,
                                  reason: "\(count) elements of \(elementSize) bytes run past the end of the file (\(buffer.count) bytes)")
        }
        self.buffer = buffer
        self.start = position + 4
        self.count = count
        self.elementSize = elementSize
        self.path = path
    }

    /// The byte range of the elements in the file.
    public var byteRange: Range<Int> { start..<(start + count * elementSize) }

    private func position(_ i: Int) -> Int { start + i * elementSize }

    private func check(_ i: Int) throws {
        guard i >= 0, i < count else {
            throw FlatBufferError(field: "\(path)[\(i)]", offset: start, reason: "index outside \(count) elements")
        }
    }

    public func u8(_ i: Int) throws -> UInt8 {
        try check(i)
        return try buffer.u8(position(i), field: "\(path)[\(i)]")
    }

    public func i32(_ i: Int) throws -> Int32 {
        try check(i)
        return try buffer.i32(position(i), field: "\(path)[\(i)]")
    }

    public func i64(_ i: Int) throws -> Int64 {
        try check(i)
        return Int64(bitPattern: try buffer.u64(position(i), field: "\(path)[\(i)]"))
    }

    public func f32(_ i: Int) throws -> Float {
        try check(i)
        return Float(bitPattern: try buffer.u32(position(i), field: "\(path)[\(i)]"))
    }

    /// Element `i` of a vector of tables (each element an unsigned offset from itself).
    public func table(_ i: Int) throws -> FlatBufferTable {
        try check(i)
        let p = position(i)
        let target = p + Int(try buffer.u32(p, field: "\(path)[\(i)]"))
        return try FlatBufferTable(buffer, at: target, path: "\(path)[\(i)]")
    }

    // Whole-vector reads: the element range was checked on construction, so these index the
    // bytes directly (array subscripts stay bounds-checked) without per-element error paths.
    public func int32s() -> [Int32] { (0..<count).map { Int32(bitPattern: word(start + 4 * $0)) } }
    public func floats() -> [Float] { (0..<count).map { Float(bitPattern: word(start + 4 * $0)) } }
    public func int64s() -> [Int64] {
        (0..<count).map { Int64(bitPattern: UInt64(word(start + 8 * $0)) | UInt64(word(start + 8 * $0 + 4)) << 32) }
    }

    private func word(_ p: Int) -> UInt32 {
        let b = buffer.bytes
        return UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    /// A string: a byte vector followed by a zero byte that the count does not include.
    static func readString(_ buffer: FlatBufferBytes, at position: Int, path: String) throws -> String {
        let vector = try FlatBufferVector(buffer, at: position, elementSize: 1, path: path)
        let end = vector.start + vector.count
        guard end < buffer.count, buffer.bytes[end] == 0 else {
            throw FlatBufferError(field: path, offset: position, reason: "string of \(vector.count) bytes is not zero-terminated")
        }
        return String(decoding: buffer.bytes[vector.byteRange], as: UTF8.self)
    }
}
