/// The vocabulary as a trie over Unicode scalars with two roots: every token from the word-start root,
/// and tokens with the "##" prefix (prefix removed) from the continuation root. Walking the trie finds
/// WordPiece's greedy longest match in one pass, without building candidate strings.
struct VocabularyTrie: Sendable {
    static let wordStart: Int32 = 0
    static let continuation: Int32 = 1

    /// Child of a node: key (node << 21) | scalar.
    private var children: [UInt64: Int32] = [:]
    /// Token id ending at each node, or -1.
    private var tokenIDs: [Int32] = [-1, -1]

    init(vocabulary: [String]) {
        children.reserveCapacity(vocabulary.count * 3)
        for (id, token) in vocabulary.enumerated() {
            // A repeated token keeps its last id, as Hugging Face's vocabulary map does.
            insert(token.unicodeScalars[...], from: Self.wordStart, id: Int32(id))
            if token.hasPrefix("##") {
                insert(token.unicodeScalars.dropFirst(2), from: Self.continuation, id: Int32(id))
            }
        }
    }

    private mutating func insert(_ scalars: Substring.UnicodeScalarView, from root: Int32, id: Int32) {
        guard !scalars.isEmpty else { return }  // an empty piece never matches
        var node = root
        for s in scalars {
            let key = UInt64(node) << 21 | UInt64(s.value)
            if let next = children[key] {
                node = next
            } else {
                let next = Int32(tokenIDs.count)
                tokenIDs.append(-1)
                children[key] = next
                node = next
            }
        }
        tokenIDs[Int(node)] = id
    }

    /// The longest token that `word[start...]` begins with, from the given root, and where it ends.
    @inline(__always)
    func longestMatch(_ word: [UInt32], from start: Int, root: Int32) -> (id: Int32, end: Int)? {
        var node = root
        var best: (id: Int32, end: Int)? = nil
        var i = start
        while i < word.count, let next = children[UInt64(node) << 21 | UInt64(word[i])] {
            node = next
            i += 1
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (id, i) }
        }
        return best
    }
}
