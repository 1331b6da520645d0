/// Sentences packed back to back into one encoder run. The row-wise steps (layer norms, linears,
/// GELU, residuals) see one long sequence, so each weight matrix is streamed once for all of them;
/// the steps that mix tokens (position embeddings, attention, mean pooling) see each sentence alone,
/// so every sentence's embedding has the bytes it has when it runs by itself.
struct Segments {
    /// `count + 1` row offsets into the run: sentence `s` is rows `starts[s] ..< starts[s + 1]`.
    var starts: UnsafeMutablePointer<Int>
    var count: Int
    /// Packed runs: where the pooled, normalised embeddings go (`count` rows of the output's
    /// width) instead of the arena's single output row. nil: one sentence, the plan's output.
    var pooled: UnsafeMutablePointer<Float>?

    @inline(__always)
    func rows(_ s: Int) -> Range<Int> { starts[s]..<starts[s + 1] }
}

extension ExecutionPlan {
    /// The embedding width when sentences can share a run (`ExecutionState.run(sentenceLengths:)`):
    /// an encoder whose steps work row by row except the embedding lookup and attention, ending in
    /// mean pooling then L2 normalisation into its only output. nil otherwise.
    public var packedEmbeddingWidth: Int? {
        guard maxTokens > 0, outputs.count == 1, steps.count >= 2 else { return nil }
        for step in steps.dropLast(2) {
            switch step.kernel {
            case .embedding, .layerNorm, .dynamicLinear, .attention, .gelu, .residualAdd: continue
            default: return nil
            }
        }
        guard case .meanPooling(let pool) = steps[steps.count - 2].kernel,
              case .l2Normalize(let norm) = steps[steps.count - 1].kernel,
              norm.input == pool.out, norm.width == pool.width, outputs[0].location == norm.out else { return nil }
        return norm.width
    }
}
