import CEmberKernels
import EmberFormat

/// The encoder's operators (docs/ops.md, "Encoder ops"), validated into kernel calls. Activations
/// are float32 [tokens, width] planned at the model's maximum token count; each run processes the
/// first `tokens` rows.
extension OperatorReader {
    /// A float32 activation [rows, width]; returns width.
    private func rows(_ t: GraphTensor, _ role: String, rows: Int? = nil) throws(EngineError) -> Int {
        guard t.type == .float32, t.constant == nil, t.shape.count == 2, t.shape.allSatisfy({ (1...Self.maxDimension).contains($0) }) else {
            throw fail("\(role) '\(t.name)' is \(t.type) \(t.shape), expected a float32 activation [tokens, width]")
        }
        if let rows, t.shape[0] != rows { throw fail("\(role) '\(t.name)' has \(t.shape[0]) rows, expected \(rows)") }
        return t.shape[1]
    }

    private func floatConstant(input i: Int, _ what: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
        let t = input(i)
        guard t.type == .float32, t.elementCount == count else {
            throw fail("input \(i) (\(what)) '\(t.name)' is \(t.type) \(t.shape), expected float32 [\(count)]")
        }
        return try constant(input: i, what, bytes: count * 4).assumingMemoryBound(to: Float.self)
    }

    func embedding(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 3...3)
        let ids = try tensor(input: 0, "token ids", type: .int32, rank: 1)
        guard ids.shape[0] == tokens else { throw fail("token ids have shape \(ids.shape), expected [\(tokens)]") }
        let hidden = try rows(output(), "output", rows: tokens)
        let word = input(1)
        guard word.type == .float16 || word.type == .float32, word.shape.count == 2, word.shape[1] == hidden,
              (1...Self.maxDimension).contains(word.shape[0]) else {
            throw fail("input 1 (word embeddings) '\(word.name)' is \(word.type) \(word.shape), expected float16 or float32 [vocabulary, \(hidden)]")
        }
        let wordBytes = word.shape[0] * hidden * word.type.elementSize
        let table = try constant(input: 1, "word embeddings", bytes: wordBytes)
        let positions = try floatConstant(input: 2, "position embeddings", count: tokens * hidden)
        return .embedding(.init(ids: try location(input: 0), out: try location(output: 0), word: table,
                                wordIsHalf: word.type == .float16, positions: UnsafeRawPointer(positions),
                                vocabulary: word.shape[0], hidden: hidden))
    }

    func layerNorm(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 3...3)
        let dim = try rows(input(0), "input 0 (x)", rows: tokens)
        guard try rows(output(), "output", rows: tokens) == dim else { throw fail("output width differs from the input's \(dim)") }
        let epsilon = try float(.epsilon)
        return .layerNorm(.init(input: try location(input: 0), out: try location(output: 0),
                                gamma: try floatConstant(input: 1, "gamma", count: dim),
                                beta: try floatConstant(input: 2, "beta", count: dim), dim: dim, epsilon: epsilon))
    }

    func dynamicLinear(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 4...5)
        let k = try rows(input(0), "input 0 (x)", rows: tokens)
        let n = try rows(output(), "output", rows: tokens)
        let w = input(1)
        guard w.type == .packed, w.shape == [n, k], let c = w.constant else {
            throw fail("input 1 (weights) '\(w.name)' is \(w.type) \(w.shape), expected a packed constant [\(n), \(k)]")
        }
        guard c.count == ember_qs8_gemm_packed_size(n, k) else {
            throw fail("input 1 (weights) '\(w.name)' has \(c.count) bytes, the packing of [\(n), \(k)] has \(ember_qs8_gemm_packed_size(n, k))")
        }
        let scale = try floatConstant(input: 2, "weight scales", count: n)
        let bias = try floatConstant(input: 3, "bias", count: n)
        let inputScale = op.inputs.count == 5 ? try positiveFloatConstant(input: 4, "input scale", count: k) : nil
        // The file format already holds hadamard_block to powers of two in 2...4096.
        let hadamardBlock = op.attributes[.hadamardBlock] == nil ? 0 : try int(.hadamardBlock, in: 2...4096)
        guard hadamardBlock == 0 || k % hadamardBlock == 0 else {
            throw fail("hadamard_block \(hadamardBlock) does not divide the input width \(k)")
        }
        guard let q = ArenaPlanner.roundUp(tokens * k, ArenaPlanner.alignment),
              let scaled = ArenaPlanner.roundUp(q + 8 * tokens, ArenaPlanner.alignment) else { throw .sizeOverflow("linear scratch") }
        let transformsRows = inputScale != nil || hadamardBlock != 0
        return .dynamicLinear(.init(input: try location(input: 0), out: try location(output: 0), packed: c.base,
                                    weightScale: scale, bias: bias, n: n, k: k,
                                    narrow: ember_qs8_gemm_packed_narrow(n, k, c.base) != 0, inputScale: inputScale,
                                    hadamardBlock: hadamardBlock,
                                    scalesOffset: q, zeroPointsOffset: q + 4 * tokens, scaledOffset: scaled,
                                    scratchBytes: transformsRows ? scaled + 4 * Kernel.DynamicLinear.scaledRows * k : q + 8 * tokens))
    }

    /// A float32 constant [count] whose every value is finite and positive.
    private func positiveFloatConstant(input i: Int, _ what: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
        let t = input(i)
        guard t.constant != nil else { throw fail("input \(i) (\(what)) '\(t.name)' is an activation, expected a float32 constant [\(count)]") }
        let values = UnsafeBufferPointer(start: try floatConstant(input: i, what, count: count), count: count)
        if let bad = values.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw fail("input \(i) (\(what)) '\(t.name)' has \(values[bad]) at index \(bad), expected finite and > 0")
        }
        return values.baseAddress!
    }

    func attention(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let width = try rows(input(0), "input 0 (qkv)", rows: tokens)
        let hidden = try rows(output(), "output", rows: tokens)
        let heads = try int(.numHeads, in: 1...4096)
        guard width == 3 * hidden, hidden % heads == 0 else {
            throw fail("qkv width \(width) must be 3 x the output width \(hidden), which must divide into \(heads) heads")
        }
        return .attention(.init(qkv: try location(input: 0), out: try location(output: 0), heads: heads,
                                headSize: hidden / heads, scratchBytes: ember_f32_attention_scratch(tokens, hidden / heads)))
    }

    func gelu(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let width = try rows(input(0), "input 0 (x)", rows: tokens)
        guard try rows(output(), "output", rows: tokens) == width else { throw fail("output width differs from the input's \(width)") }
        return .gelu(.init(input: try location(input: 0), b: nil, out: try location(output: 0), width: width, epsilon: 0))
    }

    func residualAdd(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 2...2)
        let width = try rows(input(0), "input 0 (a)", rows: tokens)
        guard try rows(input(1), "input 1 (b)", rows: tokens) == width, try rows(output(), "output", rows: tokens) == width else {
            throw fail("inputs and output must have the same width \(width)")
        }
        return .residualAdd(.init(input: try location(input: 0), b: try location(input: 1), out: try location(output: 0),
                                  width: width, epsilon: 0))
    }

    func meanPooling(tokens: Int) throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let width = try rows(input(0), "input 0 (x)", rows: tokens)
        guard try rows(output(), "output", rows: 1) == width else { throw fail("output must be [1, \(width)]") }
        return .meanPooling(.init(input: try location(input: 0), b: nil, out: try location(output: 0), width: width, epsilon: 0))
    }

    func l2Normalize() throws(EngineError) -> Kernel {
        try expectArity(inputs: 1...1)
        let width = try rows(input(0), "input 0 (x)", rows: 1)
        guard try rows(output(), "output", rows: 1) == width else { throw fail("output must be [1, \(width)]") }
        return .l2Normalize(.init(input: try location(input: 0), b: nil, out: try location(output: 0), width: width,
                                  epsilon: try float(.epsilon)))
    }

    func float(_ key: AttributeKey) throws(EngineError) -> Float {
        guard case .float(let v)? = op.attributes[key] else { throw fail("missing float attribute '\(key)'") }
        guard v.isFinite, v > 0 else { throw fail("attribute '\(key)' is \(v), expected finite and positive") }
        return v
    }
}
