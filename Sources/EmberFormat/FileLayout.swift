/// The fixed numbers of `.ember` format version 1, mirroring docs/model-format.md (the source of
/// truth; `HeaderLayoutTests` checks these against it).
enum FileLayout {
    /// `\x89 E M B \r \n \x1a \n`: a non-ASCII first byte, then line-ending bytes that betray a
    /// text-mode transfer (the PNG trick).
    static let magic: [UInt8] = [0x89, 0x45, 0x4D, 0x42, 0x0D, 0x0A, 0x1A, 0x0A]
    static let version: UInt16 = 1
    static let headerSize = 128
    static let sectionCount = 4
    /// Alignment of the data section and of every tensor's data within it.
    static let dataAlignment = 64
    /// Minimum bytes after the end of the data section, so kernels may over-read.
    static let tailPadding = 64

    // Header field offsets.
    static let magicOffset = 0
    static let versionOffset = 8
    static let headerSizeOffset = 10
    static let flagsOffset = 12
    static let fileSizeOffset = 16
    static let checksumOffset = 24
    static let sectionCountOffset = 28
    static let sectionTableOffset = 32
    static let sectionEntrySize = 16
    static let reservedOffset = 96
    static let reservedSize = 32

    /// Sections in the order of the section table; their contents also appear in this order.
    enum Section: Int, CaseIterable {
        case tensors = 0, graph, metadata, data
        var name: String {
            switch self {
            case .tensors: "tensors"
            case .graph: "graph"
            case .metadata: "metadata"
            case .data: "data"
            }
        }
    }

    // Limits that keep hostile files from asking for absurd work.
    static let maxRank = 8
    static let maxDimension = Int(Int32.max)
    static let maxOpArity = 255
}
