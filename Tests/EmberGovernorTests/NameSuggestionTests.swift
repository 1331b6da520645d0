// The "did you mean" hint shared by emberd's keys, trigger keys and action labels (EmberTOML).
@testable import EmberTOML
import EmberTestSupport
import Testing

@Suite struct NameSuggestionTests {
    let keys = ["queue_depth", "log_level", "endpoint", "pub_endpoint", "bias", "debounce_ms"]

    @Test func suggestsTheClosestKnownName() {
        #expect(closestName(to: "queue_dept", among: keys) == "queue_depth")
        #expect(closestName(to: "log_levle", among: keys) == "log_level")
        #expect(closestName(to: "bais", among: keys) == "bias")
        #expect(closestName(to: "debounce_mss", among: keys) == "debounce_ms")
        #expect(closestName(to: "pubendpoint", among: keys) == "pub_endpoint")  // not "endpoint", 3 away
    }

    @Test func suggestsNothingForNamesFarFromEveryKnownOne() {
        #expect(closestName(to: "colour", among: keys) == nil)
        #expect(closestName(to: "", among: keys) == nil)
        #expect(closestName(to: "x", among: []) == nil)
        // Two edits are always allowed, a quarter of the name's length beyond that, 8 at most.
        #expect(closestName(to: "bxxs", among: ["bias"]) == "bias")
        #expect(closestName(to: "bxxx", among: ["bias"]) == nil)
        #expect(closestName(to: String(repeating: "x", count: 64), among: ["x"]) == nil)
        let long = String(repeating: "ab", count: 30)
        let eightOff = "xxxxxxxx" + long.dropFirst(8), nineOff = "xxxxxxxxx" + long.dropFirst(9)
        #expect(closestName(to: eightOff, among: [long]) == long)
        #expect(closestName(to: nineOff, among: [long]) == nil)
    }

    @Test func tiesGoToTheEarlierName() {
        #expect(closestName(to: "cat", among: ["bat", "cab", "cut"]) == "bat")
    }

    @Test func countsEditsInUTF8Bytes() {
        #expect(closestName(to: "café", among: ["cafe"]) == "cafe")  // é is 2 bytes: 2 edits
        #expect(closestName(to: "カフェ", among: ["cafe"]) == nil)
    }

    @Test func hugeNamesAreComparedWithinTheBand() {
        // A pasted paragraph or a fuzzer's key: the length difference alone rules every key out,
        // and two long names that differ little are compared along the table's diagonal only.
        let huge = String(repeating: "queue_depth", count: 20_000)
        #expect(closestName(to: huge, among: keys) == nil)
        #expect(closestName(to: huge, among: [huge + "s"]) == huge + "s")
        #expect(closestName(to: "s" + huge.dropFirst(), among: [huge, "queue_depth"]) == huge)
    }

    @Test func agreesWithTheFullTableOnRandomNames() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<2000 {
            let a = randomName(&generator), b = randomName(&generator)
            let full = fullEditDistance(Array(a.utf8), Array(b.utf8))
            let limit = Int.random(in: 0...6, using: &generator)
            #expect(editDistance(Array(a.utf8), Array(b.utf8), atMost: limit) == (full <= limit ? full : nil), "\(a) \(b) \(limit)")
        }
    }

    func randomName(_ generator: inout SeededGenerator) -> String {
        String((0..<Int.random(in: 0...10, using: &generator)).map { _ in "abc_".randomElement(using: &generator)! })
    }

    /// The whole Levenshtein table, the twin the banded search is checked against.
    func fullEditDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + [Int](repeating: 0, count: b.count)
            for j in b.indices {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
