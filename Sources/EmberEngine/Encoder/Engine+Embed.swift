import EmberFormat

/// Sentence embeddings from an encoder model (docs/encoder.md).
extension Engine {
    /// True if the model is an encoder (its graph starts with an embedding lookup).
    public var isEncoder: Bool { plan.maxTokens > 0 }

    /// Longest token sequence one run takes, special tokens included (0 for non-encoders).
    public var maxTokens: Int { plan.maxTokens }

    /// The embedding of one token sequence as the tokenizer gives it ([CLS] ... [SEP]): the
    /// model's output, mean-pooled over the tokens and L2-normalised. `threads`: at most this many
    /// of the pool's threads (nil: all of them).
    public func embed(tokenIds: [Int32], threads: Int? = nil) throws(EngineError) -> [Float] {
        try checkEncoder()
        try checkTokens(tokenIds)
        let input = state.input(0)
        tokenIds.withUnsafeBytes { input.copyMemory(from: $0) }
        state.run(tokens: tokenIds.count, threads: threads)
        let out = state.output(0)
        return (0..<(out.count / 4)).map { out.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }

    /// Embeddings of sentences of different lengths, in order, each exactly what
    /// `embed(tokenIds:)` gives for it. Consecutive sentences are packed into one run of up to
    /// `packTokens` tokens (at most `maxTokens`): the linears then stream their weights once for
    /// the pack and split more rows between threads, while positions, attention and pooling stay
    /// per sentence (no padding). `packTokens` 1 runs them one at a time.
    public func embed(batch: [[Int32]], threads: Int? = nil, packTokens: Int = Engine.defaultPackTokens) throws(EngineError) -> [[Float]] {
        try checkEncoder()
        for (s, ids) in batch.enumerated() { try checkTokens(ids, sentence: s) }
        let limit = min(max(packTokens, 1), plan.maxTokens)
        guard let width = plan.packedEmbeddingWidth, limit > 1 else {
            var result: [[Float]] = []
            result.reserveCapacity(batch.count)
            for ids in batch { result.append(try embed(tokenIds: ids, threads: threads)) }
            return result
        }
        var result: [[Float]] = []
        result.reserveCapacity(batch.count)
        let input = state.input(0)
        var first = 0
        while first < batch.count {
            var end = first, tokens = 0
            while end < batch.count, end == first || tokens + batch[end].count <= limit {
                (input.baseAddress! + 4 * tokens).copyMemory(from: batch[end], byteCount: 4 * batch[end].count)
                tokens += batch[end].count
                end += 1
            }
            let rows = state.run(sentenceLengths: batch[first..<end].map(\.count), threads: threads)
            for s in 0..<(end - first) { result.append(Array(rows[(s * width)..<((s + 1) * width)])) }
            first = end
        }
        return result
    }

    /// Tokens per packed run in `embed(batch:)` unless told: 8 sentences of 16 tokens. On the x86
    /// host it was within 0.01 ms per sentence of the best of 64, 128 and 256 at 1 and 2 threads
    /// (docs/benchmarks.md, "batches of sentences").
    public static let defaultPackTokens = 128

    /// `sentence`: its index in a batch, named in the error.
    private func checkTokens(_ tokenIds: [Int32], sentence: Int? = nil) throws(EngineError) {
        let which = sentence.map { "sentence \($0): " } ?? ""
        guard (1...plan.maxTokens).contains(tokenIds.count) else {
            throw .invalidInput("\(which)\(tokenIds.count) tokens; the model takes 1...\(plan.maxTokens) (truncate longer text)")
        }
        let vocabulary = vocabularySize
        if let bad = tokenIds.firstIndex(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw .invalidInput("\(which)token \(bad) has id \(tokenIds[bad]), outside the vocabulary 0..<\(vocabulary)")
        }
    }

    private var vocabularySize: Int {
        guard let op = plan.graph.operators.first(where: { $0.kind == .embedding }), op.inputs.count > 1 else { return 0 }
        return plan.graph.tensors[op.inputs[1]].shape.first ?? 0
    }

    private func checkEncoder() throws(EngineError) {
        guard isEncoder, plan.inputs.count == 1, plan.inputs[0].tensor.type == .int32,
              plan.outputs.count == 1, plan.outputs[0].tensor.type == .float32 else {
            throw .unsupportedModel("not an encoder (one int32 token-id input, one float32 embedding output)")
        }
    }
}
