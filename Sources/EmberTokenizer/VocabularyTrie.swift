/// The vocabulary as a trie over Unicode scalars with two roots: every token from the word-start root,
/// and tokens with the "##" prefix (prefix removed) from the continuation root. Walking the trie finds
/// WordPiece's greedy longest match in one pass, without building candidate strings.
struct VocabularyTrie: Sendable {
    static let wordStart: Int32 = 0
    static let continuation: Int32 = 1

    /// Edges in an open-addressing hash table (linear probing, load ≤ 2/3): key (node << 21) | scalar,
    /// `empty` where no edge is; cheaper than Dictionary's SipHash on the hot path.
    private let keys: [UInt64]
    private let children: [Int32]
    private let shift: UInt64
    private static let empty = UInt64.max
    /// Token id ending at each node, or -1.
    private let tokenIDs: [Int32]
    var nodeCount: Int { tokenIDs.count }

    init(vocabulary: [String]) {
        var edges: [UInt64: Int32] = [:]
        var tokenIDs: [Int32] = [-1, -1]
        func insert(_ scalars: Substring.UnicodeScalarView, from root: Int32, id: Int32) {
            guard !scalars.isEmpty else { return }  // an empty piece never matches
            var node = root
            for s in scalars {
                let key = Self.key(node, s.value)
                if let next = edges[key] {
                    node = next
                } else {
                    node = Int32(tokenIDs.count)
                    tokenIDs.append(-1)
                    edges[key] = node
                }
            }
            tokenIDs[Int(node)] = id  // a repeated token keeps its last id, as Hugging Face's map does
        }
        for (id, token) in vocabulary.enumerated() {
            // Scalars, not Characters: in "##ि" the mark joins the second "#" into one Character.
            let scalars = token.unicodeScalars[...]
            insert(scalars, from: Self.wordStart, id: Int32(id))
            if scalars.starts(with: "##".unicodeScalars) {
                insert(scalars.dropFirst(2), from: Self.continuation, id: Int32(id))
            }
        }
        var bits: UInt64 = 4
        while 2 << bits < 3 * edges.count { bits += 1 }  // load at most 2/3
        var keys = [UInt64](repeating: Self.empty, count: 1 << bits)
        var children = [Int32](repeating: -1, count: 1 << bits)
        for (key, child) in edges {
            var slot = Self.slot(key, 64 - bits)
            while keys[slot] != Self.empty { slot = (slot + 1) & (keys.count - 1) }
            keys[slot] = key
            children[slot] = child
        }
        self.keys = keys
        self.children = children
        self.shift = 64 - bits
        self.tokenIDs = tokenIDs
    }

    @inline(__always)
    private static func key(_ node: Int32, _ scalar: UInt32) -> UInt64 { UInt64(node) << 21 | UInt64(scalar) }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)  // Fibonacci hashing
    }

    @inline(__always)
    private func child(_ node: Int32, _ scalar: UInt32) -> Int32? {
        let key = Self.key(node, scalar)
        var slot = Self.slot(key, shift)
        while true {
            let k = keys[slot]
            if k == key { return children[slot] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & (keys.count - 1)
        }
    }

    /// The longest token that `word[start...]` begins with, from the given root, and where it ends.
    @inline(__always)
    func longestMatch(_ word: [UInt32], from start: Int, root: Int32) -> (id: Int32, end: Int)? {
        var node = root
        var best: (id: Int32, end: Int)? = nil
        var i = start
        while i < word.count, let next = child(node, word[i]) {
            node = next
            i += 1
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (id, i) }
        }
        return best
    }
}
