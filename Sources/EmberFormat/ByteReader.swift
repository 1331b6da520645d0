/// A bounds-checked little-endian cursor over one section of a validated-size file buffer.
/// Every read names the field it reads, so a short section becomes
/// `FormatError.truncated(field:offset:...)` instead of an out-of-bounds access.
struct ByteReader {
    let file: UnsafeRawBufferPointer
    /// Absolute offset of the next byte to read.
    private(set) var position: Int
    /// Absolute offset one past the last byte this reader may read.
    let end: Int

    /// `start...end` must lie inside `file` (the caller checked the section table).
    init(file: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.file = file
        self.position = start
        self.end = end
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position == end }

    /// Checks that `n` more bytes exist; returns the offset where they start.
    mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws -> Int {
        guard n >= 0, n <= remaining else {
            throw FormatError.truncated(field: field(), offset: position, needed: n, available: remaining)
        }
        defer { position += n }
        return position
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ field: @autoclosure () -> String) throws -> T {
        let at = try take(MemoryLayout<T>.size, field())
        return T(littleEndian: file.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    mutating func u8(_ field: @autoclosure () -> String) throws -> UInt8 { try integer(UInt8.self, field()) }
    mutating func u16(_ field: @autoclosure () -> String) throws -> UInt16 { try integer(UInt16.self, field()) }
    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 { try integer(UInt32.self, field()) }
    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 { try integer(UInt64.self, field()) }
    mutating func i32(_ field: @autoclosure () -> String) throws -> Int32 { try integer(Int32.self, field()) }
    mutating func i64(_ field: @autoclosure () -> String) throws -> Int64 { try integer(Int64.self, field()) }
    mutating func f32(_ field: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try integer(UInt32.self, field()))
    }

    /// A u32 element count, checked against the bytes left: each element needs at least
    /// `minimumElementSize` bytes, so a hostile count cannot make us allocate or loop for long.
    mutating func count(_ field: @autoclosure () -> String, minimumElementSize: Int) throws -> Int {
        let at = position
        let n = Int(try u32(field()))
        let (needed, overflow) = n.multipliedReportingOverflow(by: minimumElementSize)
        guard !overflow, needed <= remaining else {
            throw FormatError.invalidValue(field: field(), offset: at,
                                reason: "count \(n) cannot fit in the \(remaining) bytes left in the section")
        }
        return n
    }

    /// u32 byte length + UTF-8 bytes.
    mutating func string(_ field: @autoclosure () -> String) throws -> String {
        let lengthAt = position
        let length = Int(try u32(field() + ".length"))
        guard length <= remaining else {
            throw FormatError.truncated(field: field(), offset: lengthAt + 4, needed: length, available: remaining)
        }
        let at = try take(length, field())
        let bytes = UnsafeRawBufferPointer(rebasing: file[at..<(at + length)])
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw FormatError.invalidUTF8(field: field(), offset: at)
        }
        return s
    }
}
