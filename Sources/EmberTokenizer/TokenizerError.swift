/// Why a tokenizer could not be built from its vocabulary and settings.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A special token the encoding needs ([UNK], [CLS], [SEP] or [PAD]) is not in the vocabulary.
        case missingSpecialToken(String)
        /// maxLength must leave room for [CLS] and [SEP].
        case maxLengthTooSmall(Int)
        /// Token ids are Int32.
        case vocabularyTooLarge(Int)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .missingSpecialToken(let token):
            return "WordPiece vocabulary has no \(token) token"
        case .maxLengthTooSmall(let n):
            return "WordPiece maxLength \(n) is below 2 (room for [CLS] and [SEP])"
        case .vocabularyTooLarge(let n):
            return "WordPiece vocabulary has \(n) tokens, more than Int32 ids can number"
        }
    }
}
