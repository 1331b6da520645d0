/// One encoding pass: normalizes the text scalar by scalar (clean, split CJK, strip accents, lowercase),
/// splits it into words at whitespace and punctuation, and appends each word's WordPiece ids.
/// Works on UInt32 scalars in one reused word buffer; no String is built per word or piece.
struct PieceWriter {
    let tokenizer: WordPieceTokenizer
    let tables: ScalarTables
    /// ids stop growing at this count (the caller adds [SEP]).
    let limit: Int
    var ids: [Int32] = []
    /// The word being collected, normalized.
    var word: [UInt32] = []
    /// With stripAccents, NFD's reordering of marks may move a mark back to here, not further: the
    /// start of the current run of marks (a dropped mark of class 0 ends a run, as in NFD).
    var runStart = 0

    init(tokenizer: WordPieceTokenizer, limit: Int) {
        self.tokenizer = tokenizer
        self.tables = tokenizer.tables
        self.limit = limit
        ids.reserveCapacity(min(limit + 1, 128))
        word.reserveCapacity(32)
    }

    mutating func write(_ text: String) {
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex && ids.count < limit {
            let v = scalars[i].value
            if v == 0x5B /* [ */, let (id, next) = special(in: scalars, at: i) {
                flushWord()
                ids.append(id)
                i = next
                continue
            }
            i = scalars.index(after: i)
            let f = tables.flags(v)
            if f.contains(.drop) { continue }
            if f.contains(.space) { flushWord(); continue }
            if f.contains(.cjk) {
                flushWord()
                strip(v, f)
                flushWord()
                continue
            }
            strip(v, f)
        }
        flushWord()
        if ids.count > limit { ids.removeLast(ids.count - limit) }
    }

    /// The special token starting at `i`, if any, and the index after it (the longest wins).
    private func special(in scalars: String.UnicodeScalarView, at i: String.UnicodeScalarView.Index)
        -> (Int32, String.UnicodeScalarView.Index)?
    {
        var best: (Int32, String.UnicodeScalarView.Index)? = nil
        var bestCount = 0
        for (pattern, id) in tokenizer.specials where pattern.count > bestCount {
            var j = i
            var k = 0
            while k < pattern.count && j < scalars.endIndex && scalars[j].value == pattern[k] {
                j = scalars.index(after: j)
                k += 1
            }
            if k == pattern.count {
                best = (id, j)
                bestCount = k
            }
        }
        return best
    }

    /// Accent stripping: NFD without nonspacing marks.
    @inline(__always)
    private mutating func strip(_ v: UInt32, _ f: ScalarFlags) {
        guard tokenizer.stripAccents else { return lower(v) }
        if f.contains(.mark) {
            if tables.combiningClass(v) == 0 { runStart = word.count }
            return
        }
        if v &- 0xAC00 < 11172 {  // Hangul syllable: algorithmic decomposition into jamo
            let s = v - 0xAC00
            lower(0x1100 + s / 588)
            lower(0x1161 + (s % 588) / 28)
            if s % 28 != 0 { lower(0x11A7 + s % 28) }
        } else if let packed = tables.stripped(v) {
            unpack(packed) { $0.lower($1) }
        } else {
            lower(v)
        }
    }

    @inline(__always)
    private mutating func lower(_ v: UInt32) {
        if tokenizer.lowercase, let packed = tables.lowercase(v) {
            unpack(packed) { $0.append($1) }
        } else {
            append(v)
        }
    }

    @inline(__always)
    private mutating func unpack(_ packed: UInt64, _ body: (inout PieceWriter, UInt32) -> Void) {
        var p = packed
        while p != 0 {
            body(&self, UInt32(truncatingIfNeeded: p & 0x1F_FFFF))
            p >>= 21
        }
    }

    /// A normalized scalar: punctuation is a word of its own; marks are put in canonical order.
    @inline(__always)
    private mutating func append(_ v: UInt32) {
        if tables.flags(v).contains(.punct) {
            flushWord()
            word.append(v)
            flushWord()
            return
        }
        if tokenizer.stripAccents && v >= 0x300 {
            let c = tables.combiningClass(v)
            if c != 0 {
                var j = word.count
                while j > runStart && tables.combiningClass(word[j - 1]) > c { j -= 1 }
                word.insert(v, at: j)
                return
            }
        }
        word.append(v)
    }

    /// WordPiece: greedy longest-match pieces, or [UNK] for the whole word if a piece is missing or the
    /// word is too long.
    private mutating func flushWord() {
        defer {
            word.removeAll(keepingCapacity: true)
            runStart = 0
        }
        if word.isEmpty { return }
        if word.count > WordPieceTokenizer.maxInputCharsPerWord {
            ids.append(tokenizer.unkID)
            return
        }
        let first = ids.count
        var start = 0
        while start < word.count {
            let root = start == 0 ? VocabularyTrie.wordStart : VocabularyTrie.continuation
            guard let (id, end) = tokenizer.trie.longestMatch(word, from: start, root: root) else {
                ids.removeLast(ids.count - first)
                ids.append(tokenizer.unkID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
