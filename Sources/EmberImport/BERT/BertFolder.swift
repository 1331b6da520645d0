import EmberFormat
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The files of a Hugging Face BERT-family model folder, read as bytes (all untrusted).
public struct BertFolder: Sendable {
    public var config: [UInt8]
    public var safetensors: [UInt8]
    public var vocabulary: [UInt8]
    /// tokenizer_config.json (do_lower_case, strip_accents, model_max_length), if present.
    public var tokenizerConfig: [UInt8]?
    /// sentence_bert_config.json (max_seq_length), if present.
    public var sentenceConfig: [UInt8]?

    public init(config: [UInt8], safetensors: [UInt8], vocabulary: [UInt8],
                tokenizerConfig: [UInt8]? = nil, sentenceConfig: [UInt8]? = nil) {
        self.config = config
        self.safetensors = safetensors
        self.vocabulary = vocabulary
        self.tokenizerConfig = tokenizerConfig
        self.sentenceConfig = sentenceConfig
    }

    /// Reads the folder at `path`; a missing required file is an error naming it.
    public init(path: String) throws(ConversionError) {
        func read(_ name: String, required: Bool) throws(ConversionError) -> [UInt8]? {
            let file = path.hasSuffix("/") ? path + name : path + "/" + name
            guard let data = FileManager.default.contents(atPath: file) else {
                if required { throw .model("\(file) is missing or unreadable (a BERT folder has config.json, model.safetensors and vocab.txt)") }
                return nil
            }
            return [UInt8](data)
        }
        self.init(config: try read("config.json", required: true)!, safetensors: try read("model.safetensors", required: true)!,
                  vocabulary: try read("vocab.txt", required: true)!,
                  tokenizerConfig: try read("tokenizer_config.json", required: false),
                  sentenceConfig: try read("sentence_bert_config.json", required: false))
    }

    /// True if `path` is a directory holding a config.json (what `ember convert` routes here).
    public static func looksLikeFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path.hasSuffix("/") ? path : path + "/") + "config.json")
    }

    private struct TokenizerConfig: Decodable {
        var do_lower_case: Bool?
        var strip_accents: Bool?
        var model_max_length: Double?
    }

    private struct SentenceConfig: Decodable {
        var max_seq_length: Int?
    }

    /// Vocabulary (one token per line, id = line number) and settings: lowercase from
    /// do_lower_case (default true); accents stripped as BERT's BasicTokenizer does (strip_accents,
    /// or when null/absent, whenever lowercasing); max length from sentence-transformers'
    /// max_seq_length, else model_max_length, never above the model's positions.
    func tokenizerSettings(maxPositions: Int) throws(ConversionError) -> TokenizerSettings {
        guard let text = String(bytes: vocabulary, encoding: .utf8) else { throw .model("vocab.txt is not UTF-8") }
        var tokens = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if tokens.last == "" { tokens.removeLast() }
        guard !tokens.isEmpty else { throw .model("vocab.txt is empty") }
        for special in ["[CLS]", "[SEP]", "[UNK]", "[PAD]"] where !tokens.contains(special) {
            throw .model("vocab.txt has no \(special) token")
        }
        var settings = TokenizerSettings(vocabulary: tokens, lowercase: true, stripAccents: true, maxLength: maxPositions)
        if let bytes = tokenizerConfig {
            let c: TokenizerConfig
            do { c = try JSONDecoder().decode(TokenizerConfig.self, from: Data(bytes)) } catch {
                throw .model("tokenizer_config.json: \(error)")
            }
            settings.lowercase = c.do_lower_case ?? true
            settings.stripAccents = c.strip_accents ?? settings.lowercase
            if let m = c.model_max_length, m >= 2, m < Double(maxPositions) { settings.maxLength = Int(m) }
        }
        if let bytes = sentenceConfig {
            let c: SentenceConfig
            do { c = try JSONDecoder().decode(SentenceConfig.self, from: Data(bytes)) } catch {
                throw .model("sentence_bert_config.json: \(error)")
            }
            if let m = c.max_seq_length {
                guard (2...maxPositions).contains(m) else {
                    throw .model("sentence_bert_config.json: max_seq_length \(m) is outside 2...\(maxPositions)")
                }
                settings.maxLength = m
            }
        }
        return settings
    }
}
