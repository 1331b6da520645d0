import EmberFormat
import EmberEngine
import EmberTokenizer

/// Text to token ids with the WordPiece settings stored in an encoder file.
struct EncoderTokenizer {
    let tokenizer: WordPieceTokenizer

    init(metadata: Metadata) throws {
        guard let t = metadata.tokenizer else { throw EngineError.unsupportedModel("the model stores no tokenizer") }
        tokenizer = try WordPieceTokenizer(vocabulary: t.vocabulary, lowercase: t.lowercase, stripAccents: t.stripAccents,
                                           maxLength: t.maxLength)
    }

    func encode(_ text: String) -> [Int32] { tokenizer.encode(text) }
}
