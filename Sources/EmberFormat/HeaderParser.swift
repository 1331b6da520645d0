/// The fixed 128-byte header and its section table.
enum HeaderParser {
    struct Header {
        var version: Int
        var checksum: UInt32
        var sections: SectionTable
    }

    static func parse(_ file: UnsafeRawBufferPointer) throws -> Header {
        var r = ByteReader(file: file, start: 0, end: file.count)
        let magicAt = try r.take(FileLayout.magic.count, "header.magic")
        guard file[magicAt..<(magicAt + FileLayout.magic.count)].elementsEqual(FileLayout.magic) else {
            throw FormatError.invalidValue(field: "header.magic", offset: magicAt, reason: "not an .ember file (bad magic bytes)")
        }
        let version = try r.u16("header.version")
        guard version == FileLayout.version else {
            throw FormatError.invalidValue(field: "header.version", offset: FileLayout.versionOffset,
                                           reason: "format version \(version) is not supported (this reader reads version \(FileLayout.version))")
        }
        guard file.count >= FileLayout.headerSize else {
            throw FormatError.truncated(field: "header", offset: 0, needed: FileLayout.headerSize, available: file.count)
        }
        let headerSize = Int(try r.u16("header.header_size"))
        guard headerSize == FileLayout.headerSize else {
            throw FormatError.invalidValue(field: "header.header_size", offset: FileLayout.headerSizeOffset,
                                           reason: "is \(headerSize), version 1 headers are \(FileLayout.headerSize) bytes")
        }
        let flags = try r.u32("header.flags")
        guard flags == 0 else {
            throw FormatError.invalidValue(field: "header.flags", offset: FileLayout.flagsOffset,
                                           reason: "unknown flag bits 0x\(String(flags, radix: 16)) (version 1 defines none)")
        }
        let fileSize = try r.u64("header.file_size")
        guard fileSize == UInt64(file.count) else {
            throw FormatError.invalidValue(field: "header.file_size", offset: FileLayout.fileSizeOffset,
                                           reason: "says \(fileSize) bytes but the file has \(file.count) (truncated or extended)")
        }
        let checksum = try r.u32("header.checksum")
        let sectionCount = try r.u32("header.section_count")
        guard sectionCount == FileLayout.sectionCount else {
            throw FormatError.invalidValue(field: "header.section_count", offset: FileLayout.sectionCountOffset,
                                           reason: "is \(sectionCount), version 1 has \(FileLayout.sectionCount) sections")
        }

        var ranges: [Range<Int>] = []
        var previousEnd = FileLayout.headerSize
        for section in FileLayout.Section.allCases {
            let entryAt = FileLayout.sectionTableOffset + section.rawValue * FileLayout.sectionEntrySize
            let name = "header.section[\(section.rawValue)](\(section.name))"
            let offset = try r.u64("\(name).offset")
            let length = try r.u64("\(name).length")
            guard let start = Int(exactly: offset), start >= previousEnd, start <= file.count else {
                throw FormatError.invalidValue(field: "\(name).offset", offset: entryAt,
                                               reason: "\(offset) is outside \(previousEnd)...\(file.count) (sections follow the header in table order)")
            }
            guard let count = Int(exactly: length) else { throw FormatError.overflow(field: "\(name).length", offset: entryAt + 8) }
            let (end, overflow) = start.addingReportingOverflow(count)
            guard !overflow, end <= file.count else {
                throw FormatError.invalidValue(field: "\(name).length", offset: entryAt + 8,
                                               reason: "\(length) bytes from offset \(start) run past the end of the file (\(file.count) bytes)")
            }
            if section == .data {
                guard start % FileLayout.dataAlignment == 0 else {
                    throw FormatError.misaligned(field: "\(name).offset", offset: entryAt, value: start, alignment: FileLayout.dataAlignment)
                }
                guard file.count - end >= FileLayout.tailPadding else {
                    throw FormatError.invalidValue(field: "\(name).length", offset: entryAt + 8,
                                                   reason: "leaves \(file.count - end) bytes of tail padding, at least \(FileLayout.tailPadding) required")
                }
            }
            ranges.append(start..<end)
            previousEnd = end
        }
        let reservedAt = try r.take(FileLayout.reservedSize, "header.reserved")
        if let i = (reservedAt..<(reservedAt + FileLayout.reservedSize)).first(where: { file[$0] != 0 }) {
            throw FormatError.invalidValue(field: "header.reserved", offset: i, reason: "reserved bytes must be zero")
        }
        return Header(version: Int(version), checksum: checksum, sections: SectionTable(ranges: ranges))
    }
}
