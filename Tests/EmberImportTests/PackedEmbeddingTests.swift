import Testing
import EmberEngine
import EmberTestSupport

/// `embed(batch:)` packs consecutive sentences into one run; each embedding must still be, byte
/// for byte, what the sentence gives alone (positions, attention and pooling per sentence).
@Suite struct PackedEmbeddingTests {
    typealias Tiny = BertImportTests.Tiny

    @Test func packedSentencesGiveTheirOwnEmbeddings() throws {
        for seed: UInt64 in [1, 2, 3] {
            let engine = try BertImportTests.converted(Tiny(seed: seed))
            #expect(engine.plan.packedEmbeddingWidth == Tiny.hidden)
            var rng = SeededGenerator(seed: seed ^ 0x5eed)
            for round in 0..<8 {
                let batch: [[Int32]] = (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                    (0..<Int.random(in: 1...Tiny.positions, using: &rng)).map { _ in Int32.random(in: 0..<Int32(Tiny.vocab), using: &rng) }
                }
                let alone = try batch.map { try engine.embed(tokenIds: $0, threads: 1) }
                for pack in [1, 2, 5, Tiny.positions, 1000] {
                    for threads in [1, 2] {
                        let packed = try engine.embed(batch: batch, threads: threads, packTokens: pack)
                        let differing = zip(packed, alone).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                        #expect(packed.count == alone.count && differing.isEmpty,
                                "seed \(seed), round \(round), pack \(pack), \(threads) threads, lengths \(batch.map(\.count)): sentences \(differing) differ")
                    }
                }
            }
        }
    }

    @Test func aBadSentenceIsNamedAndNothingRuns() throws {
        let engine = try BertImportTests.converted(Tiny(seed: 4))
        let good: [Int32] = [2, 5, 3]
        #expect(throws: EngineError.invalidInput("sentence 2: token 1 has id \(Tiny.vocab), outside the vocabulary 0..<\(Tiny.vocab)")) {
            try engine.embed(batch: [good, good, [2, Int32(Tiny.vocab), 3]])
        }
        #expect(throws: EngineError.invalidInput("sentence 1: 0 tokens; the model takes 1...\(Tiny.positions) (truncate longer text)")) {
            try engine.embed(batch: [good, []])
        }
        #expect(try engine.embed(batch: []).isEmpty)
        // The state is intact after the refusals.
        #expect(try engine.embed(batch: [good]) == [try engine.embed(tokenIds: good)])
    }
}
