/// Everything the reader extracts from a valid file.
struct ParsedModel {
    var formatVersion: Int
    var checksum: UInt32
    var tensors: [TensorDescription]
    /// Absolute byte ranges of constant data; nil for activations.
    var dataRanges: [Range<Int>?]
    var ops: [Op]
    /// Byte offset of each op record (for graph error messages).
    var opOffsets: [Int]
    var inputs: [Int]
    var outputs: [Int]
    var metadata: Metadata
}

/// Validates a whole `.ember` file (docs/model-format.md) with checked arithmetic: structure
/// first (header, tensors, graph, metadata), then graph semantics, then the checksum. Any
/// defect throws a `FormatError` naming the field and its byte offset.
enum ModelParser {
    static func parse(_ file: UnsafeRawBufferPointer, verifyChecksum: Bool) throws -> ParsedModel {
        let header = try HeaderParser.parse(file)
        let tensors = try TensorTableParser.parse(file, section: header.sections[.tensors], data: header.sections[.data])
        let graph = try GraphParser.parse(file, section: header.sections[.graph], tensorCount: tensors.descriptions.count)
        let metadata = try MetadataParser.parse(file, section: header.sections[.metadata])
        try GraphValidator.validate(graph, isConstant: tensors.dataRanges.map { $0 != nil })
        if verifyChecksum {
            let computed = CRC32C.ofFile(file)
            guard computed == header.checksum else {
                throw FormatError.checksumMismatch(field: "header.checksum", offset: FileLayout.checksumOffset,
                                                   stored: header.checksum, computed: computed)
            }
        }
        return ParsedModel(formatVersion: header.version, checksum: header.checksum,
                           tensors: tensors.descriptions, dataRanges: tensors.dataRanges,
                           ops: graph.ops, opOffsets: graph.opOffsets,
                           inputs: graph.inputs, outputs: graph.outputs, metadata: metadata)
    }
}

/// A section's absolute byte range, from the validated section table.
struct SectionTable {
    var ranges: [Range<Int>]
    subscript(_ s: FileLayout.Section) -> Range<Int> { ranges[s.rawValue] }
}
