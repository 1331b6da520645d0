import CEmberKernels
import Testing
import EmberFormat
@testable import EmberEngine
import EmberTestSupport

/// A small hand-built encoder graph: runs at every token count with identical results on 1 and
/// 2 threads, and malformed encoder ops are refused at planning with the op and the reason.
@Suite struct EncoderOpTests {
    static let tokens = 6, hidden = 4, vocab = 5

    /// embedding -> layerNorm -> dynamicLinear (QKV) -> attention -> residualAdd -> gelu ->
    /// meanPooling -> l2Normalize. `heads` and `qkvWidth` let tests break it.
    static func graph(seed: UInt64, heads: Int = 2, qkvWidth: Int = 12, gammaCount: Int = 4) throws -> ModelWriter {
        var rng = SeededGenerator(seed: seed)
        func floats(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in scale * Float.random(in: -1...1, using: &rng) } }
        let (t, h) = (tokens, hidden)
        var w = ModelWriter(metadata: Metadata(name: "enc", kind: .encoder, producer: "EncoderOpTests",
                                               packingFamily: String(cString: ember_qs8_gemm_packing())))
        func act(_ name: String, _ shape: [Int], _ type: DType = .float32) -> Int {
            w.addTensor(TensorDescription(name: name, dtype: type, shape: shape))
        }
        func constant(_ name: String, _ values: [Float], _ shape: [Int]) -> Int {
            w.addConstant(TensorDescription(name: name, dtype: .float32, shape: shape), floats: values)
        }
        let ids = act("ids", [t], .int32)
        w.inputs = [ids]
        let e = act("e", [t, h])
        w.addOp(.embedding, inputs: [ids, constant("word", floats(vocab * h), [vocab, h]), constant("pos", floats(t * h, 0.1), [t, h])], outputs: [e])
        let x = act("x", [t, h])
        w.addOp(.layerNorm, inputs: [e, constant("g", floats(gammaCount, 0.1).map { $0 + 1 }, [gammaCount]), constant("b", floats(h, 0.1), [h])],
                outputs: [x], attributes: [.epsilon: .float(1e-12)])
        let n = qkvWidth, q = (0..<(n * h)).map { _ in Int8.random(in: -127...127, using: &rng) }
        var packed = [UInt8](repeating: 0, count: ember_qs8_gemm_packed_size(n, h))
        q.withUnsafeBufferPointer { qp in packed.withUnsafeMutableBytes { ember_qs8_gemm_pack(n, h, qp.baseAddress, nil, -1, $0.baseAddress) } }
        let wt = w.addTensor(TensorDescription(name: "qkv.w", dtype: .packed, shape: [n, h]), data: packed)
        let qkv = act("qkv", [t, n])
        w.addOp(.dynamicLinear, inputs: [x, wt, constant("qkv.s", floats(n, 0.01).map(abs), [n]), constant("qkv.b", floats(n, 0.1), [n])], outputs: [qkv])
        let c = act("c", [t, h])
        w.addOp(.attention, inputs: [qkv], outputs: [c], attributes: [.numHeads: .int(heads)])
        let r = act("r", [t, h])
        w.addOp(.residualAdd, inputs: [c, x], outputs: [r])
        let g = act("g", [t, h])
        w.addOp(.gelu, inputs: [r], outputs: [g])
        let p = act("p", [1, h])
        w.addOp(.meanPooling, inputs: [g], outputs: [p])
        let y = act("y", [1, h])
        w.addOp(.l2Normalize, inputs: [p], outputs: [y], attributes: [.epsilon: .float(1e-12)])
        w.outputs = [y]
        return w
    }

    static func engine(_ w: ModelWriter, threads: Int) throws -> Engine {
        try Engine(model: EmberModel(bytes: try w.serialize()), threads: threads)
    }

    @Test func runsEveryTokenCountAlikeOnOneAndTwoThreads() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let w = try Self.graph(seed: seed)
        let one = try Self.engine(w, threads: 1), two = try Self.engine(w, threads: 2)
        #expect(one.isEncoder && one.maxTokens == Self.tokens)
        var rng = SeededGenerator(seed: seed ^ 7)
        for count in 1...Self.tokens {
            let ids = (0..<count).map { _ in Int32.random(in: 0..<Int32(Self.vocab), using: &rng) }
            let a = try one.embed(tokenIds: ids), b = try two.embed(tokenIds: ids)
            #expect(a == b, "seed \(seed), \(count) tokens")
            let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5, "seed \(seed), \(count) tokens: norm \(norm)")
        }
        #expect(throws: EngineError.self) { try one.embed(tokenIds: []) }
        #expect(throws: EngineError.self) { try one.embed(tokenIds: [Int32](repeating: 1, count: Self.tokens + 1)) }
        #expect(throws: EngineError.self) { try one.embed(tokenIds: [-1]) }
    }

    @Test func malformedEncoderOpsAreRefusedWithTheReason() throws {
        let cases: [(ModelWriter, String)] = [
            (try Self.graph(seed: 1, heads: 3), "heads"),
            (try Self.graph(seed: 1, qkvWidth: 8), "3 x the output width"),
            (try Self.graph(seed: 1, gammaCount: 3), "gamma"),
        ]
        for (w, words) in cases {
            do {
                _ = try Self.engine(w, threads: 1)
                Issue.record("planned a graph that should fail (\(words))")
            } catch let error as EngineError {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }
}
