import CEmberKernels
import Foundation
import Testing
import EmberFormat
@testable import EmberEngine
@testable import EmberImport
import EmberTestSupport

/// dynamicLinear's optional `hadamard_block`: the op on x equals the op without it on x rotated
/// beforehand (after the input scale, when there is one), bit for bit, on 1 and 2 threads; a block
/// that does not divide the input width, or is not a power of two, is refused with the reason.
@Suite struct EncoderRotationTests {
    typealias Graph = EncoderInputScaleTests

    /// Rows of x (and the scale) as the op sees them before quantizing: x · s, then H_b per block.
    static func rotated(_ words: [Float], k: Int, scale: [Float]?, block: Int) -> [Float] {
        var x = scale.map { s in words.indices.map { words[$0] * s[$0 % k] } } ?? words
        x.withUnsafeMutableBufferPointer { ember_f32_encoder_hadamard($0.count / k, k, block, $0.baseAddress, k, nil, $0.baseAddress) }
        return x
    }

    @Test(arguments: [(384, 128), (1536, 128), (96, 32), (40, 8)])
    func rotationEqualsRotatedInput(k: Int, block: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let (words, scale) = Graph.data(seed: seed ^ 1, k: k)
        for withScale in [false, true] {
            let rotatedWords = Self.rotated(words, k: k, scale: withScale ? scale : nil, block: block)
            for threads in [1, 2] {
                let op = try Graph.engine(Graph.graph(seed: seed, k: k, words: words, scale: withScale ? .constant(scale) : .none,
                                                      hadamardBlock: block), threads: threads)
                let reference = try Graph.engine(Graph.graph(seed: seed, k: k, words: rotatedWords, scale: .none), threads: threads)
                let plain = try Graph.engine(Graph.graph(seed: seed, k: k, words: words, scale: .none), threads: threads)
                // The dispatched rotation path (`__ref` or `__avx512vnni`), then quantization and the GEMM.
                #expect(op.plan.steps.last?.kernelName.hasPrefix("ember_f32_encoder_hadamard__") == true)
                for tokens in [1, 7, 8, 9, 37] {
                    let a = Graph.run(op, tokens: tokens), b = Graph.run(reference, tokens: tokens)
                    let differs = a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
                    #expect(differs == nil, "seed \(seed), k \(k), block \(block), scale \(withScale), \(threads) threads, \(tokens) tokens: output \(differs ?? 0) is \(a[differs ?? 0]), rotated beforehand \(b[differs ?? 0])")
                    #expect(a != Graph.run(plain, tokens: tokens), "seed \(seed), k \(k), \(tokens) tokens: the rotation changed nothing")
                }
            }
        }
    }

    /// Why the converter rotates: rows with a few channels 25x the others (as BERT's layer-norm
    /// outputs have) against Gaussian float weights. Rotated weights (`BertConverter.rotateRows`)
    /// and the op's rotation must at least halve the squared error of the int8 product against the
    /// float one. (With no outlier and uniform weights, RTN's best case, rotating costs a little.)
    @Test func rotationCutsTheErrorOfOutlierChannels() throws {
        let (k, n, t, block) = (384, Graph.n, Graph.maxTokens, 128)
        var rng = SeededGenerator(seed: 0x0a7e)
        func gaussian() -> Float {  // Box-Muller
            let u = Float.random(in: Float.ulpOfOne...1, using: &rng), v = Float.random(in: 0...1, using: &rng)
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
        }
        let outliers: Set<Int> = [5, 77, 200, 301]
        let words = (0..<(t * k)).map { outliers.contains($0 % k) ? 25 * gaussian() : gaussian() }
        let weights = (0..<(n * k)).map { _ in 0.05 * gaussian() }
        let bias = (0..<n).map { _ in 0.1 * gaussian() }
        func squaredError(rotate: Bool) throws -> Double {
            var w = weights
            if rotate { BertConverter.rotateRows(&w, n: n, k: k, block: block) }
            let (q, scales) = BertConverter.quantizePerChannel(w, n: n, k: k)
            let engine = try Graph.engine(Graph.graph(k: k, words: words, weights: q, weightScales: scales, bias: bias, scale: .none,
                                                      hadamardBlock: rotate ? block : nil), threads: 1)
            let got = Graph.run(engine, tokens: t)
            var sum = 0.0
            for r in 0..<t {
                for o in 0..<n {
                    let want = (0..<k).reduce(Double(bias[o])) { $0 + Double(words[r * k + $1]) * Double(weights[o * k + $1]) }
                    sum += (Double(got[r * n + o]) - want) * (Double(got[r * n + o]) - want)
                }
            }
            return sum
        }
        let plain = try squaredError(rotate: false), rotated = try squaredError(rotate: true)
        #expect(rotated < 0.5 * plain, "squared error: rotated \(rotated), plain \(plain)")
    }

    @Test func blocksThatDoNotFitAreRefusedWithTheReason() throws {
        let k = 96
        let (words, _) = Graph.data(seed: 5, k: k)
        let cases: [(Int, String)] = [
            (64, "hadamard_block 64 does not divide the input width 96"),
            (48, "48 is not a power of two"),
            (1, "1 is outside 2...4096"),
            (8192, "8192 is outside 2...4096"),
        ]
        for (block, expected) in cases {
            do {
                let w = Graph.graph(seed: 1, k: k, words: words, scale: .none, hadamardBlock: block)
                _ = try Engine(model: EmberModel(bytes: try w.serialize()), threads: 1)
                Issue.record("planned a graph with hadamard_block \(block)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
