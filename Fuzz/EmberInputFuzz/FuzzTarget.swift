// Fuzz target for everything else emberd and `ember` take from outside, besides .ember files
// (EmberFormatFuzz): ZeroMQ request frames, the TOML configuration, TFLite files to convert,
// safetensors files, text to tokenize, images, and BERT config.json files. Every input must give
// a value or a thrown error, never a crash, a sanitizer report or a hang. The first byte picks the
// parser (its value modulo the number of parsers); the rest is that parser's input.
//
// Built like EmberFormatFuzz (docs/model-format.md, "Fuzzing"): with -sanitize=fuzzer,address and
// -D EMBER_LIBFUZZER it runs libFuzzer's driver (tools/fuzz.sh); otherwise it replays files.
import EmberDaemon
import EmberFuzzDriver
import EmberEngine
import EmberImport
import EmberTokenizer
import EmberTransport

/// The parsers, in the order of the selector byte.
enum Parser: Int, CaseIterable {
    case requestFrames, configuration, tflite, safetensors, tokenizer, image, bertConfig
}

/// A request's frames from one input: byte 0 is the frame count minus one (modulo 4), then each
/// frame but the last is a 2-byte little-endian length and that many bytes; the last is the rest.
func frames(_ bytes: [UInt8]) -> [[UInt8]] {
    guard let first = bytes.first else { return [] }
    var rest = bytes.dropFirst()
    var result: [[UInt8]] = []
    for _ in 0..<Int(first % 4) {
        let length = rest.count >= 2 ? Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8 : rest.count
        rest = rest.dropFirst(2)
        result.append(Array(rest.prefix(length)))
        rest = rest.dropFirst(length)
    }
    result.append(Array(rest))
    return result
}

/// A vocabulary with the special tokens, some words and word pieces, and non-ASCII entries.
let tokenizer = try! WordPieceTokenizer(
    vocabulary: WordPieceTokenizer.specialTokens
        + ["the", "a", "##s", "##ing", "run", "é", "##é", "中", "!", ",", "un", "##aff", "##able"],
    lowercase: true, stripAccents: true, maxLength: 16)

/// Configuration errors as one thrown error.
struct ConfigErrors: Error, CustomStringConvertible {
    let errors: [ConfigError]
    var description: String { errors.map { "\($0)" }.joined(separator: "; ") }
}

/// One input through the parser its first byte names; throws what the parser rejects it with.
func run(_ input: [UInt8]) throws {
    guard let selector = input.first else { return }
    let bytes = Array(input.dropFirst())
    switch Parser(rawValue: Int(selector) % Parser.allCases.count)! {
    case .requestFrames:
        _ = try RequestDecoder(maxPayloadBytes: 1 << 16).decode(frames(bytes))
    case .configuration:
        let (_, errors) = ConfigurationLoader.build(fileText: String(decoding: bytes, as: UTF8.self), source: "fuzz.toml",
                                                    commandLine: DaemonCommandLine())
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
    case .tflite:
        let writer = try TFLiteConverter.convert(bytes, options: ConversionOptions(name: "fuzz", producer: "fuzz"))
        _ = try writer.serialize()  // the writer's own checks: the reader's
    case .safetensors:
        _ = try SafeTensorsFile(bytes: bytes)
    case .tokenizer:
        let text = String(decoding: bytes, as: UTF8.self)
        let (ids, mask) = tokenizer.encode(text, paddedTo: 16)
        precondition(ids.count == 16 && mask.count == 16)
        _ = tokenizer.tokens(text)
    case .image:
        _ = try ImageDecoder.decode(bytes, maxPixels: 1 << 20)
    case .bertConfig:
        _ = try BertConfig(json: bytes)
    }
}

/// One input; returns whether its parser accepted it.
@discardableResult
func fuzzOne(_ input: [UInt8]) -> Bool { (try? run(input)) != nil }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if EMBER_LIBFUZZER
@main
enum FuzzMain {
    static func main() { runLibFuzzer { data, size in fuzzerTestOneInput(data, size) } }
}
#else
@main
enum ReplayMain {
    static func main() throws {
        let usage = "usage: EmberInputFuzz FILE...   replays files through the fuzz entry point (first byte: "
            + Parser.allCases.map { "\($0.rawValue) \($0)" }.joined(separator: ", ") + ")"
        try replayFiles(usage: usage) { bytes in
            let parser = bytes.first.map { "\(Parser(rawValue: Int($0) % Parser.allCases.count)!)" } ?? "nothing"
            do {
                try run(bytes)
                return "\(parser), accepted"
            } catch {
                return "\(parser), rejected: \(error)"
            }
        }
    }
}
#endif
