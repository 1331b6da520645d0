import CEmberKernels
import EmberFormat
@testable import EmberEngine
import EmberTestSupport

/// Builds small int8 graphs through EmberFormat's writer (weights packed with the kernels' own
/// pack functions, as `ember convert` does), loads them back as a model and runs them.
struct TestGraph {
    var writer: ModelWriter
    var rng: SeededGenerator

    init(seed: UInt64) {
        writer = ModelWriter(metadata: Metadata(name: "test", producer: "EmberEngineTests",
                                                packingFamily: String(cString: ember_qs8_gemm_packing())))
        rng = SeededGenerator(seed: seed)
    }

    mutating func randomInt8(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8.random(in: -128...127, using: &rng) } }

    mutating func activation(_ name: String, _ shape: [Int], scale: Float? = nil, zeroPoint: Int32? = nil,
                             dtype: DType = .int8) -> Int {
        var quantization: Quantization?
        if dtype == .int8 {
            quantization = Quantization(scale: scale ?? Float.random(in: 0.01...0.1, using: &rng),
                                        zeroPoint: zeroPoint ?? Int32.random(in: -20...20, using: &rng))
        }
        return writer.addTensor(TensorDescription(name: name, dtype: dtype, shape: shape, quantization: quantization))
    }

    func zeroPoint(_ t: Int) -> Int32 { writer.tensors[t].quantization!.zeroPoints[0] }

    /// Random per-channel multipliers and shifts, as QuantizeMultiplier would make from scales.
    mutating func requantization(_ channels: Int) -> (multiplier: [Int32], shift: [Int32]) {
        var m = [Int32](), s = [Int32]()
        for _ in 0..<channels {
            var mult: Int32 = 0, shift: Int32 = 0
            _ = ember_quantize_multiplier(Double.random(in: 0.0005...0.02, using: &rng), &mult, &shift)
            m.append(mult)
            s.append(shift)
        }
        return (m, s)
    }

    struct Weights {
        var w: [Int8], bias: [Int32], multiplier: [Int32], shift: [Int32]
        var packed: Int, multiplierTensor: Int, shiftTensor: Int
    }

    /// GEMM weights [n][k] packed for input zero point `inZeroPoint`; `logicalShape` is stored.
    /// Random weights, or `weights` ([n][k]) when given.
    mutating func gemmWeights(_ name: String, n: Int, k: Int, logicalShape: [Int], inZeroPoint: Int32,
                              weights: [Int8]? = nil) -> Weights {
        let w = weights ?? randomInt8(n * k)
        let bias = (0..<n).map { _ in Int32.random(in: -5000...5000, using: &rng) }
        var packed = [UInt8](repeating: 0, count: ember_qs8_gemm_packed_size(n, k))
        packed.withUnsafeMutableBytes { ember_qs8_gemm_pack(n, k, w, bias, inZeroPoint, $0.baseAddress) }
        return finish(name, w: w, bias: bias, packed: packed, logicalShape: logicalShape, channels: n)
    }

    mutating func depthwiseWeights(_ name: String, channels c: Int, inZeroPoint: Int32) -> Weights {
        let w = randomInt8(9 * c)
        let bias = (0..<c).map { _ in Int32.random(in: -5000...5000, using: &rng) }
        var packed = [UInt8](repeating: 0, count: ember_qs8_dwconv3x3_packed_size(c))
        packed.withUnsafeMutableBytes { ember_qs8_dwconv3x3_pack(c, w, bias, inZeroPoint, $0.baseAddress) }
        return finish(name, w: w, bias: bias, packed: packed, logicalShape: [1, 3, 3, c], channels: c)
    }

    private mutating func finish(_ name: String, w: [Int8], bias: [Int32], packed: [UInt8], logicalShape: [Int],
                                 channels: Int) -> Weights {
        let (m, s) = requantization(channels)
        let p = writer.addTensor(TensorDescription(name: "\(name).w", dtype: .packed, shape: logicalShape,
                                                   quantization: Quantization(scale: 1, zeroPoint: 0)), data: packed)
        let mt = writer.addConstant(TensorDescription(name: "\(name).mult", dtype: .int32, shape: [channels]), values: m)
        let st = writer.addConstant(TensorDescription(name: "\(name).shift", dtype: .int32, shape: [channels]), values: s)
        return Weights(w: w, bias: bias, multiplier: m, shift: s, packed: p, multiplierTensor: mt, shiftTensor: st)
    }

    func engine(threads: Int) throws -> Engine {
        let model = try EmberModel(bytes: try writer.serialize())
        return try Engine(model: model, threads: threads)
    }
}
