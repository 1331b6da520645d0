/// A flatbuffer table: a signed offset to its vtable, then inline fields. The vtable lists, per
/// field id, the field's offset inside the table (0 = absent, read the schema default).
///
/// Checked on construction: the vtable lies in the file, its size is even and at least 4, and the
/// table's inline size lies in the file. Checked per field: the field's bytes lie inside the
/// table's inline size. References (tables, vectors, strings) are unsigned forward offsets
/// from the field's own position and are checked where they land.
public struct FlatBufferTable: Sendable {
    public let buffer: FlatBufferBytes
    public let position: Int
    public let path: String
    private let vtable: Int
    private let vtableSize: Int
    private let tableSize: Int

    public init(_ buffer: FlatBufferBytes, at position: Int, path: String) throws {
        self.buffer = buffer
        self.position = position
        self.path = path
        let soffset = Int(try buffer.i32(position, field: "\(path) (vtable offset)"))
        let vtable = position - soffset
        guard vtable >= 0, vtable < buffer.count else {
            throw FlatBufferError(field: path, offset: position,
                                  reason: "vtable offset \(soffset) points outside the file")
        }
        let vtableSize = Int(try buffer.u16(vtable, field: "\(path) (vtable size)"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw FlatBufferError(field: path, offset: vtable, reason: "vtable size \(vtableSize) is invalid")
        }
        try buffer.checkRange(vtable, vtableSize, field: "\(path) (vtable)")
        let tableSize = Int(try buffer.u16(vtable + 2, field: "\(path) (table size)"))
        guard tableSize >= 4 else {
            throw FlatBufferError(field: path, offset: vtable + 2, reason: "table size \(tableSize) is invalid")
        }
        try buffer.checkRange(position, tableSize, field: "\(path) (table)")
        self.vtable = vtable
        self.vtableSize = vtableSize
        self.tableSize = tableSize
    }

    /// The root table of a finished buffer; checks the 4-byte file identifier when given.
    public static func root(of buffer: FlatBufferBytes, identifier: String?) throws -> FlatBufferTable {
        guard buffer.count >= 8 else {
            throw FlatBufferError(field: "root", offset: 0, reason: "file of \(buffer.count) bytes is too short for a flatbuffer")
        }
        if let identifier {
            let found = buffer.bytes[4..<8]
            guard Array(found) == Array(identifier.utf8) else {
                let shown = String(decoding: found.map { $0 >= 32 && $0 < 127 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                throw FlatBufferError(field: "file identifier", offset: 4,
                                      reason: "expected \"\(identifier)\", found \"\(shown)\"")
            }
        }
        let root = Int(try buffer.u32(0, field: "root offset"))
        return try FlatBufferTable(buffer, at: root, path: "root")
    }

    /// Position of field `id`'s inline bytes, or nil when the field is absent.
    public func fieldPosition(_ id: Int, size: Int, name: String) throws -> Int? {
        let entry = 4 + 2 * id
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try buffer.u16(vtable + entry, field: "\(path).\(name) (vtable entry)"))
        guard offset != 0 else { return nil }
        guard offset >= 4, offset + size <= tableSize else {
            throw FlatBufferError(field: "\(path).\(name)", offset: vtable + entry,
                                  reason: "field offset \(offset) (\(size) bytes) is outside the table of \(tableSize) bytes")
        }
        return position + offset
    }

    // MARK: scalars (absent fields give the schema default)

    public func u8(_ id: Int, _ name: String, default value: UInt8 = 0) throws -> UInt8 {
        guard let p = try fieldPosition(id, size: 1, name: name) else { return value }
        return try buffer.u8(p, field: "\(path).\(name)")
    }

    public func i8(_ id: Int, _ name: String, default value: Int8 = 0) throws -> Int8 {
        Int8(bitPattern: try u8(id, name, default: UInt8(bitPattern: value)))
    }

    public func bool(_ id: Int, _ name: String, default value: Bool = false) throws -> Bool {
        try u8(id, name, default: value ? 1 : 0) != 0
    }

    public func u32(_ id: Int, _ name: String, default value: UInt32 = 0) throws -> UInt32 {
        guard let p = try fieldPosition(id, size: 4, name: name) else { return value }
        return try buffer.u32(p, field: "\(path).\(name)")
    }

    public func i32(_ id: Int, _ name: String, default value: Int32 = 0) throws -> Int32 {
        Int32(bitPattern: try u32(id, name, default: UInt32(bitPattern: value)))
    }

    public func u64(_ id: Int, _ name: String, default value: UInt64 = 0) throws -> UInt64 {
        guard let p = try fieldPosition(id, size: 8, name: name) else { return value }
        return try buffer.u64(p, field: "\(path).\(name)")
    }

    public func f32(_ id: Int, _ name: String, default value: Float = 0) throws -> Float {
        Float(bitPattern: try u32(id, name, default: value.bitPattern))
    }

    // MARK: references

    /// Where the unsigned offset stored in field `id` points, or nil when absent.
    private func reference(_ id: Int, _ name: String) throws -> Int? {
        guard let p = try fieldPosition(id, size: 4, name: name) else { return nil }
        return p + Int(try buffer.u32(p, field: "\(path).\(name)"))
    }

    public func table(_ id: Int, _ name: String) throws -> FlatBufferTable? {
        guard let target = try reference(id, name) else { return nil }
        return try FlatBufferTable(buffer, at: target, path: "\(path).\(name)")
    }

    public func vector(_ id: Int, _ name: String, elementSize: Int) throws -> FlatBufferVector? {
        guard let target = try reference(id, name) else { return nil }
        return try FlatBufferVector(buffer, at: target, elementSize: elementSize, path: "\(path).\(name)")
    }

    public func string(_ id: Int, _ name: String) throws -> String? {
        guard let target = try reference(id, name) else { return nil }
        return try FlatBufferVector.readString(buffer, at: target, path: "\(path).\(name)")
    }
}
