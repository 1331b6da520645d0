// "Did you mean …?" for a misspelt configuration key or label: the known name closest to the
// unknown one by edit distance, shared by emberd's keys, the GPIO trigger keys and action labels.

/// The name in `known` closest to `unknown` (Levenshtein distance over UTF-8 bytes), if it is
/// within `max(2, length / 4)` edits, at most 8; ties go to the earlier name.
public func closestName(to unknown: String, among known: [String]) -> String? {
    let target = Array(unknown.utf8)
    var best: (name: String, distance: Int)?
    for name in known {
        let limit = min(best.map { $0.distance - 1 } ?? .max, min(8, max(2, target.count / 4)))
        if let distance = editDistance(target, Array(name.utf8), atMost: limit) { best = (name, distance) }
    }
    return best?.name
}

/// The edit distance between `a` and `b`, or nil when it exceeds `limit`. Only the diagonal band
/// |i - j| <= limit of the table can hold a distance within the limit, so a long input (a pasted
/// paragraph, a fuzzer's key) costs O(length × limit), and a row beyond the limit ends the search.
func editDistance(_ a: [UInt8], _ b: [UInt8], atMost limit: Int) -> Int? {
    guard limit >= 0, abs(a.count - b.count) <= limit else { return nil }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    let beyond = limit + 1  // every value past the limit counts as this
    var previous = (0...b.count).map { min($0, beyond) }
    var current = [Int](repeating: beyond, count: b.count + 1)
    for i in 1...a.count {
        // The length check keeps low <= high: i <= a.count <= b.count + limit.
        let low = max(1, i - limit), high = min(b.count, i + limit)
        current[low - 1] = low == 1 ? min(i, beyond) : beyond
        var rowMinimum = current[low - 1]
        for j in low...high {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(beyond, previous[j] + 1, current[j - 1] + 1, substitution)
            rowMinimum = min(rowMinimum, current[j])
        }
        if high < b.count { current[high + 1] = beyond }  // the next row reads one column further
        if rowMinimum > limit { return nil }
        swap(&previous, &current)
    }
    return previous[b.count] <= limit ? previous[b.count] : nil
}
