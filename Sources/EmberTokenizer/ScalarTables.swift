/// What BERT's normalizer and pre-tokenizer do with one Unicode scalar, looked up in the generated
/// UnicodeTables (probed from Hugging Face tokenizers, so it follows their Unicode versions).
struct ScalarFlags: OptionSet, Sendable {
    let rawValue: UInt8
    /// Removed by text cleaning (control and format characters, U+0000, U+FFFD, private use).
    static let drop = ScalarFlags(rawValue: 1)
    /// Whitespace: cleaned to a space, so it ends a word.
    static let space = ScalarFlags(rawValue: 2)
    /// A CJK ideograph: always a word of its own.
    static let cjk = ScalarFlags(rawValue: 4)
    /// Punctuation (ASCII non-alphanumerics and Unicode P*): a word of its own.
    static let punct = ScalarFlags(rawValue: 8)
    /// A nonspacing mark: removed when accents are stripped.
    static let mark = ScalarFlags(rawValue: 16)
}

/// The tables in arrays held by the tokenizer (no global access in the hot loop).
struct ScalarTables: Sendable {
    static let shared = ScalarTables()

    private let asciiFlags: [ScalarFlags]
    private let flagStarts = UnicodeTables.flagStarts
    private let flagValues = UnicodeTables.flagValues
    private let lowerKeys = UnicodeTables.lowerKeys
    private let lowerValues = UnicodeTables.lowerValues
    private let stripKeys = UnicodeTables.stripKeys
    private let stripValues = UnicodeTables.stripValues
    private let cccStarts = UnicodeTables.cccStarts
    private let cccValues = UnicodeTables.cccValues

    private init() {
        var ascii: [ScalarFlags] = []
        for v in UInt32(0)..<128 { ascii.append(ScalarFlags(rawValue: Self.rangeValue(v, flagStarts, flagValues))) }
        asciiFlags = ascii
    }

    @inline(__always)
    func flags(_ v: UInt32) -> ScalarFlags {
        v < 128 ? asciiFlags[Int(v)] : ScalarFlags(rawValue: Self.rangeValue(v, flagStarts, flagValues))
    }

    /// The lowercase of `v` (up to three scalars packed 21 bits each, 0-terminated), nil when unchanged.
    @inline(__always)
    func lowercase(_ v: UInt32) -> UInt64? {
        if v < 128 { return v &- 0x41 < 26 ? UInt64(v | 0x20) : nil }
        return Self.find(v, lowerKeys, lowerValues)
    }

    /// The canonical decomposition of `v` without nonspacing marks (packed as above), nil when
    /// unchanged; Hangul syllables and marks are handled by the caller.
    @inline(__always)
    func stripped(_ v: UInt32) -> UInt64? {
        v < 0xC0 ? nil : Self.find(v, stripKeys, stripValues)
    }

    /// The canonical combining class (what NFD sorts marks by).
    @inline(__always)
    func combiningClass(_ v: UInt32) -> UInt8 {
        v < 0x300 ? 0 : Self.rangeValue(v, cccStarts, cccValues)
    }

    /// The value of the range holding `v`: starts are sorted and starts[0] == 0.
    private static func rangeValue(_ v: UInt32, _ starts: [UInt32], _ values: [UInt8]) -> UInt8 {
        var lo = 0, hi = starts.count  // starts[lo] <= v < starts[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if starts[mid] <= v { lo = mid } else { hi = mid }
        }
        return values[lo]
    }

    private static func find(_ v: UInt32, _ keys: [UInt32], _ values: [UInt64]) -> UInt64? {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == v ? values[lo] : nil
    }
}
