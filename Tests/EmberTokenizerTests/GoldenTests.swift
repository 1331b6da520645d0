import Testing
@testable import EmberTokenizer

/// Every line of testdata/tokenizer (written by tools/models/make_tokenizer_goldens.py from Hugging Face
/// tokenizers) must give exactly the stored ids, in each normalizer setting.
@Suite struct GoldenTests {
    static let modes: [(name: String, lowercase: Bool, stripAccents: Bool)] = [
        ("lower-strip", true, true), ("lower", true, false), ("strip", false, true), ("cased", false, false),
    ]

    @Test(arguments: modes.map(\.name))
    func corpus(mode: String) throws {
        let texts = try lines("corpus.txt").map(unescape)
        try compare(texts, golden: "ids-\(mode).txt", mode: mode)
    }

    @Test(arguments: modes.map(\.name))
    func codePointSweep(mode: String) throws {
        try compare(sweepLines(), golden: "sweep-ids-\(mode).txt", mode: mode)
    }

    /// Truncation keeps the first maxLength - 2 pieces, as Hugging Face's does.
    @Test func truncation() throws {
        let texts = try lines("corpus.txt").map(unescape)
        let want = try lines("ids-lower-strip.txt").map(parseIDs)
        for maxLength in [2, 3, 16, 128] {
            let t = try miniLM(maxLength: maxLength)
            for (i, text) in texts.enumerated() {
                let ids = t.encode(text)
                let expected = [t.clsID] + want[i].prefix(maxLength - 2) + [t.sepID]
                if ids != expected {
                    Issue.record("maxLength \(maxLength), corpus line \(i + 1): \(ids) != \(expected)")
                    return
                }
            }
        }
    }

    func compare(_ texts: [String], golden: String, mode: String) throws {
        let m = try #require(Self.modes.first { $0.name == mode })
        let t = try miniLM(lowercase: m.lowercase, stripAccents: m.stripAccents)
        let want = try lines(golden).map(parseIDs)
        try #require(want.count == texts.count, "\(golden) has \(want.count) lines for \(texts.count) texts")
        for (i, text) in texts.enumerated() {
            let got = Array(t.encode(text).dropFirst().dropLast())
            if got != want[i] {
                let name = { (ids: [Int32]) in ids.map { t.vocabulary[Int($0)] } }
                Issue.record("""
                    \(golden) line \(i + 1) differs (first difference; mode \(mode))
                    text:     \(String(reflecting: text))
                    expected: \(name(want[i]))
                    got:      \(name(got))
                    """)
                return
            }
        }
    }
}

/// The code point sweep of make_tokenizer_goldens.py: these scalars in order, 16 to a line, spaced.
func sweepLines() -> [String] {
    let ranges: [ClosedRange<UInt32>] = [0x0000...0xFFFF, 0x1F000...0x1FAFF, 0x20000...0x200FF, 0x2F800...0x2F8FF,
                                         0xE0000...0xE01EF, 0xF0000...0xF00FF]
    let scalars = ranges.joined().compactMap(Unicode.Scalar.init)  // no surrogates
    return stride(from: 0, to: scalars.count, by: 16).map { start in
        var line = String.UnicodeScalarView()
        for (k, s) in scalars[start..<min(start + 16, scalars.count)].enumerated() {
            if k > 0 { line.append(" ") }
            line.append(s)
        }
        return String(line)
    }
}

/// The lines of a file in testdata/tokenizer, without their "\n".
func lines(_ name: String) throws -> [String] {
    let bytes = try readFile(repositoryRoot + "/testdata/tokenizer/" + name)
    var parts = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if parts.last?.isEmpty == true { parts.removeLast() }
    return parts.map { String(decoding: $0, as: UTF8.self) }
}

func parseIDs(_ line: String) -> [Int32] {
    line.split(separator: " ").map { Int32($0)! }
}

/// corpus.txt's escapes: \u{HEX} for a scalar, \\ for a backslash.
func unescape(_ line: String) -> String {
    var out = String.UnicodeScalarView()
    var it = line.unicodeScalars.makeIterator()
    while let s = it.next() {
        guard s == "\\" else { out.append(s); continue }
        switch it.next() {
        case "\\": out.append("\\")
        case "u":
            _ = it.next()  // {
            var hex = ""
            while let h = it.next(), h != "}" { hex.unicodeScalars.append(h) }
            out.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
        default: fatalError("bad escape in \(line)")
        }
    }
    return String(out)
}
