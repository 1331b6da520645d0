import Foundation
import Testing
@testable import EmberFormat

/// docs/model-format.md is the source of truth: these tests parse its tables and check the code
/// (and a written file) against them, and check that every attribute key docs/ops.md names exists.
@Suite struct SpecConformanceTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func document(_ name: String) throws -> String {
        try String(contentsOf: repoRoot.appendingPathComponent("docs/\(name)"), encoding: .utf8)
    }

    /// Rows (cells trimmed) of the first markdown table after `heading`.
    static func table(after heading: String, in text: String) throws -> [[String]] {
        let lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: heading), "heading \(heading) not found")
        let rows = lines[(start + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        return rows.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test func headerTableMatchesLayoutAndWrittenFile() throws {
        let rows = try Self.table(after: "## Header", in: Self.document("model-format.md"))
        let layout: [String: (Int, Int)] = [
            "magic": (FileLayout.magicOffset, FileLayout.magic.count),
            "version": (FileLayout.versionOffset, 2),
            "header_size": (FileLayout.headerSizeOffset, 2),
            "flags": (FileLayout.flagsOffset, 4),
            "file_size": (FileLayout.fileSizeOffset, 8),
            "checksum": (FileLayout.checksumOffset, 4),
            "section_count": (FileLayout.sectionCountOffset, 4),
            "section[0] tensors": (FileLayout.sectionTableOffset, FileLayout.sectionEntrySize),
            "section[1] graph": (FileLayout.sectionTableOffset + 16, FileLayout.sectionEntrySize),
            "section[2] metadata": (FileLayout.sectionTableOffset + 32, FileLayout.sectionEntrySize),
            "section[3] data": (FileLayout.sectionTableOffset + 48, FileLayout.sectionEntrySize),
            "reserved": (FileLayout.reservedOffset, FileLayout.reservedSize),
        ]
        #expect(Set(rows.map { $0[2] }) == Set(layout.keys))
        var covered = 0
        for row in rows {
            let (offset, size) = try #require(layout[row[2]])
            #expect(Int(row[0]) == offset, "\(row[2]) offset")
            #expect(Int(row[1]) == size, "\(row[2]) size")
            #expect(offset == covered, "\(row[2]) does not follow the previous field")
            covered = offset + size
        }
        #expect(covered == FileLayout.headerSize)

        // The values the table gives, in a file the writer produced.
        let f = FileBytes(try SampleModels.classifier().serialize())
        let magic = rows.first { $0[2] == "magic" }?[3] ?? ""
        let magicHex = magic.split(separator: "`")[0].split(separator: " ").compactMap { UInt8($0, radix: 16) }
        #expect(magicHex == FileLayout.magic)
        #expect(Array(f.bytes[0..<8]) == magicHex)
        #expect(f.u16(at: 8) == 1)
        #expect(f.u16(at: 10) == 128)
        #expect(f.u32(at: 12) == 0)
        #expect(f.u64(at: 16) == f.bytes.count)
        #expect(f.u32(at: 28) == 4)
        #expect(f.bytes[96..<128].allSatisfy { $0 == 0 })
        #expect(f.section(0).lowerBound >= 128)
        #expect(f.section(3).lowerBound % 64 == 0)
        #expect(f.bytes.count - f.section(3).upperBound >= 64)
    }

    @Test func dtypeTableMatchesCode() throws {
        let rows = try Self.table(after: "### DTypes", in: Self.document("model-format.md"))
        #expect(rows.count == DType.allCases.count)
        for row in rows {
            let dtype = try #require(DType(rawValue: UInt8(row[0]) ?? 0), "code \(row[0])")
            #expect(dtype.description == row[1])
            #expect(dtype.elementSize == Int(row[2]))
        }
    }

    @Test func opKindTableMatchesCode() throws {
        let rows = try Self.table(after: "### Op kinds", in: Self.document("model-format.md"))
        #expect(rows.count == OpKind.allCases.count)
        for row in rows {
            let kind = try #require(OpKind(rawValue: UInt16(row[0]) ?? 0), "code \(row[0])")
            #expect(kind.description == row[1])
        }
    }

    @Test func attributeKeyTableMatchesCode() throws {
        let rows = try Self.table(after: "### Attribute keys", in: Self.document("model-format.md"))
        #expect(rows.count == AttributeKey.allCases.count)
        for row in rows {
            let key = try #require(AttributeKey(rawValue: UInt16(row[0]) ?? 0), "code \(row[0])")
            #expect(key.description == row[1])
            #expect(key.valueType.description == row[2], "\(key)")
        }
    }

    @Test func everyAttributeKeyNamedInOpsDocExists() throws {
        let ops = try Self.document("ops.md")
        let known = Set(AttributeKey.allCases.map(\.description))
        // Backticked names in the "Common attribute keys" paragraph and the attributes column.
        var named: Set<String> = []
        func backticked(_ s: Substring) -> [String] {
            s.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        let paragraph = try #require(ops.range(of: "Common attribute keys:"))
        let paragraphEnd = ops[paragraph.upperBound...].range(of: "\n\n")?.lowerBound ?? ops.endIndex
        named.formUnion(backticked(ops[paragraph.upperBound..<paragraphEnd]))
        for row in try Self.table(after: "## Conv model ops (int8, TFLite reference semantics)", in: ops) {
            named.formUnion(backticked(row[2][...]))
        }
        #expect(named.count >= 20, "parsed too few keys from ops.md: \(named.sorted())")
        #expect(named.subtracting(known).isEmpty, "keys in docs/ops.md missing from AttributeKey: \(named.subtracting(known).sorted())")
    }
}
