#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of a Hugging Face BERT-family `config.json` the encoder needs, checked against what
/// the engine can run (absolute positions, GELU, hidden size divisible by the heads).
public struct BertConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / heads }

    private struct Raw: Decodable {
        var model_type: String?
        var vocab_size: Int?
        var hidden_size: Int?
        var num_hidden_layers: Int?
        var num_attention_heads: Int?
        var intermediate_size: Int?
        var max_position_embeddings: Int?
        var type_vocab_size: Int?
        var layer_norm_eps: Double?
        var hidden_act: String?
        var position_embedding_type: String?
        var is_decoder: Bool?
    }

    /// Model types whose checkpoints use BERT's layout (names and post-layer-norm blocks).
    static let supportedModelTypes: Set<String> = ["bert"]

    public init(json: [UInt8]) throws(ConversionError) {
        let raw: Raw
        do { raw = try JSONDecoder().decode(Raw.self, from: Data(json)) } catch {
            throw .model("config.json: not the expected JSON object: \(error)")
        }
        func fail(_ reason: String) -> ConversionError { .model("config.json: \(reason)") }
        func required(_ v: Int?, _ key: String, _ range: ClosedRange<Int>) throws(ConversionError) -> Int {
            guard let v else { throw fail("'\(key)' is missing") }
            guard range.contains(v) else { throw fail("'\(key)' is \(v), outside \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        if let type = raw.model_type, !Self.supportedModelTypes.contains(type) {
            throw fail("model_type '\(type)' is not supported (the encoder runs BERT-layout models: \(Self.supportedModelTypes.sorted().joined(separator: ", ")))")
        }
        if let act = raw.hidden_act, act != "gelu" {
            throw fail("hidden_act '\(act)' is not supported (the engine has exact-erf 'gelu' only)")
        }
        if let p = raw.position_embedding_type, p != "absolute" {
            throw fail("position_embedding_type '\(p)' is not supported (absolute only)")
        }
        if raw.is_decoder == true { throw fail("is_decoder is true; only encoders are supported") }
        vocabSize = try required(raw.vocab_size, "vocab_size", 1...1_000_000)
        hiddenSize = try required(raw.hidden_size, "hidden_size", 1...16384)
        layers = try required(raw.num_hidden_layers, "num_hidden_layers", 1...256)
        heads = try required(raw.num_attention_heads, "num_attention_heads", 1...1024)
        intermediateSize = try required(raw.intermediate_size, "intermediate_size", 1...65536)
        maxPositions = try required(raw.max_position_embeddings, "max_position_embeddings", 1...65536)
        typeVocabSize = try required(raw.type_vocab_size ?? 2, "type_vocab_size", 1...1024)
        let eps = raw.layer_norm_eps ?? 1e-12
        guard eps > 0, eps < 1 else { throw fail("'layer_norm_eps' is \(eps), expected a small positive number") }
        layerNormEpsilon = Float(eps)
        guard hiddenSize % heads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(heads)")
        }
    }
}
