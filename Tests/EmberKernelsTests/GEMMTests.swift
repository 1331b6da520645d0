import CEmberKernels
import Testing
import EmberTestSupport

/// The dispatched GEMM against a direct TFLite-semantics loop on unpacked weights. The C harness
/// in Tests/kernels covers every path and shape; this checks the API as Swift callers use it.
@Suite struct GEMMTests {
    @Test(arguments: [(1, 1, 1), (13, 17, 33), (4, 8, 8), (29, 40, 144)])
    func matchesDirectLoop(m: Int, n: Int, k: Int) {
        let seed = UInt64(m * 1_000_003 + n * 1009 + k)
        var rng = SeededGenerator(seed: seed)
        let a = (0..<m * k).map { _ in Int8(truncatingIfNeeded: rng.next()) }
        let w = (0..<n * k).map { _ in Int8(truncatingIfNeeded: rng.next()) }
        let bias = (0..<n).map { _ in Int32(truncatingIfNeeded: rng.next() % 40_000) - 20_000 }
        let zp = Int32(truncatingIfNeeded: rng.next() % 256) - 128
        var mult = [Int32](repeating: 0, count: n), shift = [Int32](repeating: 0, count: n)
        for j in 0..<n {
            _ = ember_quantize_multiplier(0.001 + Double(rng.next() % 1000) / 200_000, &mult[j], &shift[j])
        }
        var packed = [UInt8](repeating: 0xEE, count: ember_qs8_gemm_packed_size(n, k))
        ember_qs8_gemm_pack(n, k, w, bias, zp, &packed)
        var out = [Int8](repeating: 0, count: m * n)
        mult.withUnsafeBufferPointer { mp in
            shift.withUnsafeBufferPointer { sp in
                var q = ember_qs8_output(multiplier: mp.baseAddress, shift: sp.baseAddress, zero_point: -5, min: -128, max: 127)
                ember_qs8_gemm(0, m, n, k, a, k, packed, &out, n, &q)
            }
        }
        var mismatches = 0
        for i in 0..<m {
            for j in 0..<n {
                var acc = bias[j]
                for t in 0..<k { acc &+= (Int32(a[i * k + t]) - zp) * Int32(w[j * k + t]) }
                let v = min(max(ember_requantize(acc, mult[j], shift[j]) &- 5, -128), 127)
                if Int8(v) != out[i * n + j] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "seed \(seed): \(mismatches) bytes differ")
    }
}
