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
        guard (1...plan.maxTokens).contains(tokenIds.count) else {
            throw .invalidInput("\(tokenIds.count) tokens; the model takes 1...\(plan.maxTokens) (truncate longer text)")
        }
        let vocabulary = vocabularySize
        if let bad = tokenIds.firstIndex(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw .invalidInput("token \(bad) has id \(tokenIds[bad]), outside the vocabulary 0..<\(vocabulary)")
        }
        let input = state.input(0)
        tokenIds.withUnsafeBytes { input.copyMemory(from: $0) }
        state.run(tokens: tokenIds.count, threads: threads)
        let out = state.output(0)
        return (0..<(out.count / 4)).map { out.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }

    /// Embeddings of sentences of different lengths, in order; each runs with its own length
    /// (no padding, so no padded positions to mask).
    public func embed(batch: [[Int32]]) throws(EngineError) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(batch.count)
        for ids in batch { result.append(try embed(tokenIds: ids)) }
        return result
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
