import Testing
@testable import EmberTokenizer

@Suite struct WordPieceTokenizerTests {
    /// A tiny vocabulary: specials, then pieces.
    static let tiny = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "a", "##a",
                       ",", "!", "é", "e", "##é", "中", "##\u{307}", "i", "##\u{301}"]

    func tiny(maxLength: Int = 64, lowercase: Bool = true, stripAccents: Bool = true) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: Self.tiny, lowercase: lowercase, stripAccents: stripAccents, maxLength: maxLength)
    }

    @Test func miniLMVocabularyLoads() throws {
        #expect(miniLMVocabulary.count == 30522)
        let t = try miniLM()
        #expect((t.padID, t.unkID, t.clsID, t.sepID) == (0, 100, 101, 102))
    }

    @Test func miniLMSentence() throws {
        let t = try miniLM()
        #expect(t.tokens("Hello, World! Unaffable.") == ["[CLS]", "hello", ",", "world", "!", "una", "##ffa", "##ble", ".", "[SEP]"])
        #expect(t.encode("") == [101, 102])
        #expect(t.encode(" \t\n\u{200B} ") == [101, 102])
    }

    @Test func greedyLongestMatch() throws {
        let t = try tiny()
        #expect(t.tokens("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(t.tokens("aaa") == ["[CLS]", "a", "##a", "##a", "[SEP]"])
        // One missing piece makes the whole word [UNK], not just the rest of it.
        #expect(t.tokens("unaffablex, aff") == ["[CLS]", "[UNK]", ",", "aff", "[SEP]"])
    }

    @Test func hundredScalarWordLimit() throws {
        let t = try tiny(maxLength: 256)
        #expect(t.encode(String(repeating: "a", count: 100)).count == 102)
        #expect(t.tokens(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
        // Counted in scalars after normalization: "a\u{301}" stripped is one, unstripped two.
        #expect(t.encode(String(repeating: "a\u{301}", count: 100)).count == 102)
        let kept = try tiny(maxLength: 256, stripAccents: false)
        #expect(kept.tokens(String(repeating: "a\u{301}", count: 50)).count == 102)
        #expect(kept.tokens(String(repeating: "a\u{301}", count: 51)) == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test func normalizerSettings() throws {
        #expect(try tiny().tokens("É") == ["[CLS]", "e", "[SEP]"])
        #expect(try tiny(stripAccents: false).tokens("É") == ["[CLS]", "é", "[SEP]"])
        #expect(try tiny(lowercase: false, stripAccents: false).tokens("É") == ["[CLS]", "[UNK]", "[SEP]"])
        // Lowercasing without stripping keeps the dot of İ as a mark.
        // ("##" + a mark is one Character: the continuation must still be found, by scalars.)
        #expect(try tiny(stripAccents: false).tokens("İ") == ["[CLS]", "i", "##\u{307}", "[SEP]"])
        #expect(try tiny().tokens("İ") == ["[CLS]", "i", "[SEP]"])
    }

    @Test func cjkAndPunctuationAreWordsOfTheirOwn() throws {
        let t = try tiny()
        #expect(t.tokens("a中a!a") == ["[CLS]", "a", "中", "a", "!", "a", "[SEP]"])
    }

    @Test func specialTokensInText() throws {
        let t = try tiny()
        #expect(t.tokens("a[SEP]a [MASK]") == ["[CLS]", "a", "[SEP]", "a", "[MASK]", "[SEP]"])
        // Matched on the raw text: case and spacing must be exact.
        #expect(t.tokens("[sep]") == ["[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"])
    }

    @Test func truncationKeepsClsAndSep() throws {
        let t = try tiny(maxLength: 4)
        #expect(t.tokens("a a a a a") == ["[CLS]", "a", "a", "[SEP]"])
        #expect(t.tokens("unaffable") == ["[CLS]", "un", "##aff", "[SEP]"])
        #expect(try tiny(maxLength: 2).encode("a a") == [2, 3])
    }

    @Test func paddingAndAttentionMask() throws {
        let t = try tiny(maxLength: 8)
        let (ids, mask) = t.encode("a, a", paddedTo: 8)
        #expect(ids == [2, 9, 11, 9, 3, 0, 0, 0])
        #expect(mask == [1, 1, 1, 1, 1, 0, 0, 0])
        let full = t.encode("a a a a a a a a a", paddedTo: 8)
        #expect(full.ids.count == 8 && full.attentionMask == Array(repeating: 1, count: 8))
    }

    @Test func errorsNameWhatIsMissing() {
        #expect(throws: TokenizerError(.missingSpecialToken("[UNK]"))) {
            try WordPieceTokenizer(vocabulary: ["[PAD]", "[CLS]", "[SEP]"], lowercase: true, stripAccents: true, maxLength: 8)
        }
        #expect(throws: TokenizerError(.maxLengthTooSmall(1))) {
            try WordPieceTokenizer(vocabulary: Self.tiny, lowercase: true, stripAccents: true, maxLength: 1)
        }
        #expect(TokenizerError(.missingSpecialToken("[SEP]")).description == "WordPiece vocabulary has no [SEP] token")
    }

    @Test func vocabularyFileParsing() {
        #expect(WordPieceTokenizer.vocabulary(fromFileContents: "[PAD]\r\na \n##b\t\n\nc") == ["[PAD]", "a", "##b", "", "c"])
        #expect(WordPieceTokenizer.vocabulary(fromFileContents: "x\n") == ["x"])
    }

    @Test func repeatedTokenKeepsItsLastID() throws {
        let t = try WordPieceTokenizer(vocabulary: Self.tiny + ["a"], lowercase: true, stripAccents: true, maxLength: 8)
        #expect(t.encode("a") == [2, Int32(Self.tiny.count), 3])
    }

    /// Seeded random scalars: no crash, CLS/SEP framing, truncation is a prefix, padding is consistent.
    @Test func randomTextInvariants() throws {
        var rng = SplitMix64(seed: 0x5EED_7043)
        let full = try miniLM(maxLength: 1 << 20)
        let short = try miniLM(maxLength: 16)
        let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0x0...0x2FF, 0x300...0x36F, 0x370...0x52F, 0x3000...0x9FFF,
                                            0xAC00...0xD7A3, 0x1F300...0x1FAFF, 0xE000...0xFFFF, 0x0...0x10FFFF]
        for round in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 40) {
                let pool = pools[Int(rng.next() % UInt64(pools.count))]
                let v = pool.lowerBound + UInt32(rng.next() % UInt64(pool.count))
                if let s = Unicode.Scalar(v) { text.append(s) }
            }
            let s = String(text)
            let ids = full.encode(s)
            let cut = short.encode(s)
            let ok = ids.first == 101 && ids.last == 102 && cut == Array(ids.prefix(min(ids.count - 1, 15))) + [102]
                && ids.allSatisfy { $0 >= 0 && $0 < 30522 }
            if !ok {
                Issue.record("seed 0x5EED7043 round \(round): \(String(reflecting: s)) gives \(ids), truncated \(cut)")
                return
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
