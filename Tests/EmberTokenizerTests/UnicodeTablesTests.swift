import Testing
@testable import EmberTokenizer

/// The generated tables are well formed (binary searches rely on it) and agree with the stdlib where
/// Unicode has not moved since the reference's tables.
@Suite struct UnicodeTablesTests {
    func strictlyIncreasing(_ a: [UInt32]) -> Bool { zip(a, a.dropFirst()).allSatisfy { $0 < $1 } }

    @Test func sortedAndPaired() {
        #expect(UnicodeTables.flagStarts.first == 0 && UnicodeTables.cccStarts.first == 0)
        #expect(strictlyIncreasing(UnicodeTables.flagStarts) && UnicodeTables.flagStarts.count == UnicodeTables.flagValues.count)
        #expect(strictlyIncreasing(UnicodeTables.cccStarts) && UnicodeTables.cccStarts.count == UnicodeTables.cccValues.count)
        #expect(strictlyIncreasing(UnicodeTables.lowerKeys) && UnicodeTables.lowerKeys.count == UnicodeTables.lowerValues.count)
        #expect(strictlyIncreasing(UnicodeTables.stripKeys) && UnicodeTables.stripKeys.count == UnicodeTables.stripValues.count)
    }

    @Test func asciiAndLatin1() {
        let t = ScalarTables.shared
        for v in UInt32(0)..<0x100 {
            let s = Unicode.Scalar(v)!
            let f = t.flags(v)
            let ascii = v < 0x80
            let isPunct = ascii ? (0x21...0x7E).contains(v) && !s.properties.isAlphabetic && !(0x30...0x39).contains(v)
                                : ["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"].contains(category(s))
            #expect(f.contains(.punct) == isPunct, "U+\(String(v, radix: 16))")
            #expect(f.contains(.space) == ([0x9, 0xA, 0xD, 0x20, 0xA0].contains(v)), "U+\(String(v, radix: 16))")
            #expect(f.contains(.drop) == (s.properties.generalCategory == .control && ![0x9, 0xA, 0xD].contains(v)
                                          || s.properties.generalCategory == .format || v == 0), "U+\(String(v, radix: 16))")
            let lower = t.lowercase(v).map { String(Unicode.Scalar(UInt32($0))!) } ?? String(s)
            #expect(lower == s.properties.lowercaseMapping, "U+\(String(v, radix: 16))")
        }
        #expect(t.stripped(0xE9) == 0x65)  // é → e
        #expect(t.combiningClass(0x301) == 230 && t.combiningClass(0x41) == 0)
    }

    func category(_ s: Unicode.Scalar) -> String {
        switch s.properties.generalCategory {
        case .connectorPunctuation: "Pc"
        case .dashPunctuation: "Pd"
        case .openPunctuation: "Ps"
        case .closePunctuation: "Pe"
        case .initialPunctuation: "Pi"
        case .finalPunctuation: "Pf"
        case .otherPunctuation: "Po"
        default: "-"
        }
    }
}
