// Tokenizer benchmark: EmberTokenizer's sources compiled with this file into one optimized executable
// (tools/bench-tokenizer.sh), encoding testdata/tokenizer/corpus.txt with the MiniLM vocabulary.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func readFile(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot read \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while case let n = fread(&buffer, 1, buffer.count, f), n > 0 { bytes += buffer[0..<n] }
    return bytes
}

/// corpus.txt's escapes: \u{HEX} for a scalar, \\ for a backslash.
func unescape(_ line: Substring) -> String {
    var out = String.UnicodeScalarView()
    var it = line.unicodeScalars.makeIterator()
    while let s = it.next() {
        guard s == "\\" else { out.append(s); continue }
        if it.next() == "\\" { out.append("\\"); continue }
        _ = it.next()
        var hex = ""
        while let h = it.next(), h != "}" { hex.unicodeScalars.append(h) }
        out.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
    }
    return String(out)
}

/// This thread's CPU time spent in `body` (the build host is shared; wall time would measure the others).
func seconds(_ body: () -> Void) -> Double {
    var a = timespec(), b = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
    body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
    return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) * 1e-9
}

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
let vocabulary = WordPieceTokenizer.vocabulary(
    fromFileContents: String(decoding: readFile(root + "/testdata/minilm/vocab.txt"), as: UTF8.self))
let corpus = String(decoding: readFile(root + "/testdata/tokenizer/corpus.txt"), as: UTF8.self)
    .split(separator: "\n").map(unescape)
let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, lowercase: true, stripAccents: true, maxLength: 1 << 20)

let loadTime = seconds { _ = try? WordPieceTokenizer(vocabulary: vocabulary, lowercase: true, stripAccents: true, maxLength: 512) }
var tokens = 0
for line in corpus { tokens += tokenizer.encode(line).count - 2 }
let rounds = 20
var best = Double.infinity
for _ in 0..<5 {
    var sink = 0
    let t = seconds { for _ in 0..<rounds { for line in corpus { sink &+= tokenizer.encode(line).count } } }
    if sink == 42 { print("") }
    best = min(best, t)
}
let bytes = corpus.reduce(0) { $0 + $1.utf8.count }
let perRound = best / Double(rounds)
print("EmberTokenizer: \(corpus.count) lines, \(bytes) bytes, \(tokens) tokens: "
      + "\(Int(Double(tokens) / perRound)) tokens/s, \(Int(Double(bytes) / perRound / 1e6 * 10) / 10) MB/s, "
      + "\(Int(perRound / Double(corpus.count) * 1e9)) ns/line (best of 5, thread CPU time)")
let short = "The quick brown fox jumps over the lazy dog."
var shortBest = Double.infinity
for _ in 0..<5 {
    var sink = 0
    shortBest = min(shortBest, seconds { for _ in 0..<100_000 { sink &+= tokenizer.encode(short).count } } / 100_000)
    if sink == 42 { print("") }
}
print("EmberTokenizer: short sentence (\(tokenizer.encode(short).count) ids): \(Int(shortBest * 1e9)) ns; "
      + "building from vocab.txt lines: \(Int(loadTime * 1000)) ms")
