import EmberFormat
import EmberEngine

/// Text to token ids with the tokenizer settings stored in an encoder file.
/// (Placeholder until EmberTokenizer lands: texts are refused, --token-ids works.)
struct EncoderTokenizer {
    init(metadata: Metadata) throws {
        throw EngineError.unsupportedModel("this build has no WordPiece tokenizer yet; pass --token-ids")
    }

    func encode(_ text: String) -> [Int32] { [] }
}
