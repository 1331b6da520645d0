@testable import EmberImport

/// A `KernelInterface` for tests that does not depend on the kernels' packed layout: "packs" into
/// a self-describing blob (n, k, input zero point, weights, bias) that tests decode to check what
/// the lowering handed to the pack function. QuantizeMultiplier is TFLite's algorithm, written
/// here independently of the C one.
struct RecordingKernels: KernelInterface {
    var packingFamily: String { "test-recording-v1" }

    func packGEMM(n: Int, k: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8] {
        Self.encode(kind: 1, n: n, k: k, weights: weights, bias: bias, zeroPoint: inputZeroPoint)
    }

    func packDepthwise3x3(channels: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8] {
        Self.encode(kind: 2, n: channels, k: 9, weights: weights, bias: bias, zeroPoint: inputZeroPoint)
    }

    func quantizeMultiplier(_ scale: Double) -> (multiplier: Int32, shift: Int32)? {
        guard scale >= 0, scale < 1e9 else { return nil }
        if scale == 0 { return (0, 0) }
        let exponent = scale.exponent + 1  // frexp: scale = q * 2^exponent, q in [0.5, 1)
        let q = scale / Double(sign: .plus, exponent: Int(exponent), significand: 1)
        var fixed = Int64((q * 2147483648.0).rounded(.toNearestOrAwayFromZero))
        var shift = Int32(exponent)
        if fixed == 1 << 31 { fixed /= 2; shift += 1 }
        if shift < -31 { return (0, 0) }
        return (Int32(fixed), shift)
    }

    struct Packed: Equatable {
        var kind: Int, n: Int, k: Int, zeroPoint: Int32
        var weights: [Int8]
        var bias: [Int32]?
    }

    static func encode(kind: Int, n: Int, k: Int, weights: [Int8], bias: [Int32]?, zeroPoint: Int32) -> [UInt8] {
        var out: [UInt8] = []
        func word(_ v: Int32) { for b in 0..<4 { out.append(UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * b))) } }
        word(Int32(kind)); word(Int32(n)); word(Int32(k)); word(zeroPoint); word(bias == nil ? 0 : 1)
        out += weights.map { UInt8(bitPattern: $0) }
        for v in bias ?? [] { word(v) }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> Packed {
        func word(_ i: Int) -> Int32 {
            Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * $1) })
        }
        let n = Int(word(4)), k = Int(word(8))
        let weights = bytes[20..<(20 + n * k)].map { Int8(bitPattern: $0) }
        let bias = word(16) == 0 ? nil : (0..<n).map { word(20 + n * k + 4 * $0) }
        return Packed(kind: Int(word(0)), n: n, k: k, zeroPoint: word(12), weights: weights, bias: bias)
    }
}
