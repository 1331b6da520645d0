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
        var text = text
        text.withUTF8 { write(utf8: $0) }  // native strings are contiguous UTF-8 already: no copy
    }

    /// Decodes the (valid, as every String is) UTF-8 itself: cheaper than String's scalar view.
    private mutating func write(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        while i < bytes.count && ids.count < limit {
            let b0 = bytes[i]
            let v: UInt32
            if b0 < 0x80 {
                if b0 == UInt8(ascii: "["), let (id, length) = special(in: bytes, at: i) {
                    flushWord()
                    ids.append(id)
                    i += length
                    continue
                }
                v = UInt32(b0)
                i += 1
            } else if b0 < 0xE0 {
                v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                i += 2
            } else if b0 < 0xF0 {
                v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                i += 3
            } else {
                v = UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                    | UInt32(bytes[i + 3] & 0x3F)
                i += 4
            }
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

    /// The special token whose UTF-8 starts at `i`, if any, and its length (the longest wins).
    private func special(in bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int32, Int)? {
        var best: (Int32, Int)? = nil
        for (pattern, id) in tokenizer.specials where pattern.count > best?.1 ?? 0 && pattern.count <= bytes.count - i {
            if bytes[i..<(i + pattern.count)].elementsEqual(pattern) { best = (id, pattern.count) }
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
