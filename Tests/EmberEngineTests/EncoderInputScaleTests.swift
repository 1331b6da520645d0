import CEmberKernels
import Testing
import EmberFormat
@testable import EmberEngine
import EmberTestSupport

/// dynamicLinear's optional input scale (input 4): the op on x equals the op without it on x
/// pre-multiplied column by column (bit for bit), a scale changes the result, and malformed
/// scales are refused at planning with the reason.
@Suite struct EncoderInputScaleTests {
    static let maxTokens = 37, n = 24

    enum ScaleInput {
        case none
        case constant([Float])
        /// The op's own input x (an activation) as the scale.
        case activation
    }

    /// ids -> embedding (word rows are x, positions 0) -> dynamicLinear [T, k] -> [T, n], the output;
    /// `hadamardBlock` sets the op's rotation (EncoderRotationTests).
    static func graph(seed: UInt64, k: Int, words: [Float], scale: ScaleInput, hadamardBlock: Int? = nil) -> ModelWriter {
        var rng = SeededGenerator(seed: seed)
        let q = (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &rng) }
        return graph(k: k, words: words, weights: q, weightScales: (0..<n).map { _ in Float.random(in: 0.001...0.01, using: &rng) },
                     bias: (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }, scale: scale, hadamardBlock: hadamardBlock)
    }

    /// The same graph with given int8 weights [n][k], their scales and the bias.
    static func graph(k: Int, words: [Float], weights q: [Int8], weightScales: [Float], bias: [Float], scale: ScaleInput,
                      hadamardBlock: Int? = nil) -> ModelWriter {
        let (t, n) = (maxTokens, n)
        var w = ModelWriter(metadata: Metadata(name: "linear", kind: .encoder, producer: "EncoderInputScaleTests",
                                               packingFamily: String(cString: ember_qs8_gemm_packing())))
        func act(_ name: String, _ shape: [Int], _ type: DType = .float32) -> Int {
            w.addTensor(TensorDescription(name: name, dtype: type, shape: shape))
        }
        func constant(_ name: String, _ values: [Float]) -> Int {
            w.addConstant(TensorDescription(name: name, dtype: .float32, shape: [values.count]), floats: values)
        }
        let ids = act("ids", [t], .int32)
        w.inputs = [ids]
        let x = act("x", [t, k])
        let word = w.addConstant(TensorDescription(name: "word", dtype: .float32, shape: [t, k]), floats: words)
        let positions = w.addConstant(TensorDescription(name: "pos", dtype: .float32, shape: [t, k]),
                                      floats: [Float](repeating: 0, count: t * k))
        w.addOp(.embedding, inputs: [ids, word, positions], outputs: [x])
        var packed = [UInt8](repeating: 0, count: ember_qs8_gemm_packed_size(n, k))
        q.withUnsafeBufferPointer { qp in packed.withUnsafeMutableBytes { ember_qs8_gemm_pack(n, k, qp.baseAddress, nil, -1, $0.baseAddress) } }
        let wt = w.addTensor(TensorDescription(name: "w", dtype: .packed, shape: [n, k]), data: packed)
        var inputs = [x, wt, constant("w.scale", weightScales), constant("bias", bias)]
        switch scale {
        case .none: break
        case .constant(let values): inputs.append(constant("smooth", values))
        case .activation: inputs.append(x)
        }
        let y = act("y", [t, n])
        w.addOp(.dynamicLinear, inputs: inputs, outputs: [y], attributes: hadamardBlock.map { [.hadamardBlock: .int($0)] } ?? [:])
        w.outputs = [y]
        return w
    }

    static func engine(_ w: ModelWriter, threads: Int) throws -> Engine {
        try Engine(model: EmberModel(bytes: try w.serialize()), threads: threads)
    }

    /// The first `tokens` output rows for ids 0..<tokens (x = the first rows of the word table).
    static func run(_ e: Engine, tokens: Int) -> [Float] {
        (0..<Int32(tokens)).map { $0 }.withUnsafeBytes { e.state.input(0).copyMemory(from: $0) }
        e.state.run(tokens: tokens)
        let out = e.state.output(0)
        return (0..<(tokens * n)).map { out.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }

    static func data(seed: UInt64, k: Int) -> (words: [Float], scale: [Float]) {
        var rng = SeededGenerator(seed: seed)
        // A few outlier columns, as SmoothQuant's targets have.
        let spread = (0..<k).map { _ in Float.random(in: 0...1, using: &rng) < 0.02 ? Float(20) : 1 }
        let words = (0..<(maxTokens * k)).map { spread[$0 % k] * Float.random(in: -1...1, using: &rng) }
        let scale = (0..<k).map { _ in Float(sign: .plus, exponent: Int.random(in: -3...2, using: &rng), significand: Float.random(in: 1..<2, using: &rng)) }
        return (words, scale)
    }

    @Test(arguments: [384, 389])
    func scaleEqualsPremultipliedInput(k: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let (words, scale) = Self.data(seed: seed ^ 1, k: k)
        let premultiplied = words.indices.map { words[$0] * scale[$0 % k] }
        for threads in [1, 2] {
            let scaled = try Self.engine(Self.graph(seed: seed, k: k, words: words, scale: .constant(scale)), threads: threads)
            let reference = try Self.engine(Self.graph(seed: seed, k: k, words: premultiplied, scale: .none), threads: threads)
            let plain = try Self.engine(Self.graph(seed: seed, k: k, words: words, scale: .none), threads: threads)
            #expect(scaled.plan.steps.last?.kernelName.hasPrefix("ember_f32_encoder_scale_columns") == true)
            #expect(scaled.plan.scratchPerTask > reference.plan.scratchPerTask)
            for tokens in [1, 7, 8, 9, 37] {
                let a = Self.run(scaled, tokens: tokens), b = Self.run(reference, tokens: tokens)
                let differs = a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
                #expect(differs == nil, "seed \(seed), k \(k), \(threads) threads, \(tokens) tokens: output \(differs ?? 0) is \(a[differs ?? 0]), premultiplied \(b[differs ?? 0])")
                #expect(a != Self.run(plain, tokens: tokens), "seed \(seed), k \(k), \(threads) threads, \(tokens) tokens: the scale changed nothing")
            }
        }
    }

    @Test func malformedInputScalesAreRefusedWithTheReason() throws {
        let k = 20
        let (words, good) = Self.data(seed: 3, k: k)
        func with(_ index: Int, _ value: Float) -> [Float] { var s = good; s[index] = value; return s }
        let cases: [(ScaleInput, String)] = [
            (.constant(Array(good.prefix(k - 1))), "input 4 (input scale) 'smooth' is float32 [19], expected float32 [20]"),
            (.constant(with(5, 0)), "'smooth' has 0.0 at index 5, expected finite and > 0"),
            (.constant(with(7, .nan)), "'smooth' has nan at index 7, expected finite and > 0"),
            (.constant(with(0, -0.5)), "'smooth' has -0.5 at index 0, expected finite and > 0"),
            (.constant(with(19, .infinity)), "'smooth' has inf at index 19, expected finite and > 0"),
            (.activation, "input 4 (input scale) 'x' is an activation, expected a float32 constant [20]"),
        ]
        for (scale, expected) in cases {
            do {
                _ = try Self.engine(Self.graph(seed: 1, k: k, words: words, scale: scale), threads: 1)
                Issue.record("planned a graph that should fail (\(expected))")
            } catch let error as EngineError {
                #expect("\(error)".contains(expected) && "\(error)".contains("dynamicLinear"), "\(error)")
            }
        }
    }
}
