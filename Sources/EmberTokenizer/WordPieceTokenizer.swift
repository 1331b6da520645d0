/// BERT's WordPiece tokenizer, equal to Hugging Face `tokenizers`' BertWordPieceTokenizer (a
/// BertNormalizer with text cleaning and CJK splitting, the BertPreTokenizer, WordPiece with "##"
/// continuations and a 100-scalar word limit, [CLS] … [SEP] and truncation). docs/encoder.md, "Tokenizer".
public struct WordPieceTokenizer: Sendable {
    /// Longer words (in scalars, after normalization) become [UNK], as in BERT.
    public static let maxInputCharsPerWord = 100
    /// Tokens matched in the raw text (before normalization) wherever they occur, like Hugging Face's
    /// added special tokens, if the vocabulary has them.
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    public let maxLength: Int
    public let lowercase: Bool
    public let stripAccents: Bool
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    public let unkID: Int32

    /// The tokens in id order.
    public let vocabulary: [String]
    let trie: VocabularyTrie
    let tables = ScalarTables.shared
    /// Special tokens matched in the raw text before normalization (Hugging Face's added tokens).
    let specials: [(utf8: [UInt8], id: Int32)]

    /// - Parameters:
    ///   - vocabulary: the tokens in id order (vocab.txt, one per line; see `vocabulary(fromFileContents:)`).
    ///   - lowercase: lowercase the text (uncased models).
    ///   - stripAccents: decompose (NFD) and drop nonspacing marks; Hugging Face's default is `lowercase`.
    ///   - maxLength: the most ids `encode` returns, [CLS] and [SEP] included.
    public init(vocabulary: [String], lowercase: Bool, stripAccents: Bool, maxLength: Int) throws(TokenizerError) {
        guard maxLength >= 2 else { throw TokenizerError(.maxLengthTooSmall(maxLength)) }
        guard vocabulary.count <= Int(Int32.max) else { throw TokenizerError(.vocabularyTooLarge(vocabulary.count)) }
        // Compared as scalars (String equality is canonical equivalence); the last of repeated tokens
        // wins, as in the trie.
        var index: [String: Int32] = [:]
        for (id, token) in vocabulary.enumerated() where token.utf8.first == UInt8(ascii: "[") {
            if let special = Self.specialTokens.first(where: { $0.utf8.elementsEqual(token.utf8) }) {
                index[special] = Int32(id)
            }
        }
        func id(_ token: String) throws(TokenizerError) -> Int32 {
            guard let id = index[token] else { throw TokenizerError(.missingSpecialToken(token)) }
            return id
        }
        self.clsID = try id("[CLS]")
        self.sepID = try id("[SEP]")
        self.padID = try id("[PAD]")
        self.unkID = try id("[UNK]")
        self.specials = index.sorted { $0.key < $1.key }.map { (Array($0.key.utf8), $0.value) }
        self.vocabulary = vocabulary
        self.trie = VocabularyTrie(vocabulary: vocabulary)
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.maxLength = maxLength
    }

    /// The lines of a vocab.txt, each with trailing whitespace removed, as Hugging Face reads it.
    public static func vocabulary(fromFileContents text: String) -> [String] {
        // Split on the byte, not the Character: "\r\n" is one Character.
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { line in
            var scalars = Substring(line).unicodeScalars[...]
            while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            return String(scalars)
        }
    }

    /// [CLS] tokens... [SEP], truncated so the whole fits in maxLength.
    public func encode(_ text: String) -> [Int32] {
        var writer = PieceWriter(tokenizer: self, limit: maxLength - 1)
        writer.ids.append(clsID)
        writer.write(text)
        writer.ids.append(sepID)
        return writer.ids
    }

    /// `encode` padded with [PAD] up to `length` ids when shorter (never cut: pass maxLength for a
    /// fixed-shape model input), and its attention mask (1 for real tokens, 0 for padding).
    public func encode(_ text: String, paddedTo length: Int) -> (ids: [Int32], attentionMask: [Int32]) {
        var ids = encode(text)
        let n = ids.count
        if length > n { ids += repeatElement(padID, count: length - n) }
        return (ids, Array(repeating: 1, count: n) + repeatElement(0, count: ids.count - n))
    }

    /// The tokens `encode` gives, as strings (for debugging and `ember tokenize`).
    public func tokens(_ text: String) -> [String] {
        encode(text).map { vocabulary[Int($0)] }
    }
}
