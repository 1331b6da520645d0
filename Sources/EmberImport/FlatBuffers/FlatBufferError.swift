/// A flatbuffer that does not hold together: an offset, vtable, vector or string that points
/// outside the file or overlaps nonsense. `field` is the schema path that was being read
/// (e.g. `subgraphs[0].tensors[12].shape`) and `offset` the byte offset in the file where the
/// bad value sits, so a hostile or truncated file is reported precisely, never crashed on.
public struct FlatBufferError: Error, Equatable, CustomStringConvertible, Sendable {
    public let field: String
    public let offset: Int
    public let reason: String

    public init(field: String, offset: Int, reason: String) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(field) at byte \(offset): \(reason)" }
}
