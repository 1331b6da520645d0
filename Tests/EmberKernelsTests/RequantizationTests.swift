import CEmberKernels
import Testing

/// Known values of TFLite's QuantizeMultiplier and MultiplyByQuantizedMultiplier (double
/// rounding), through the C functions the converter uses.
@Suite struct RequantizationTests {
    @Test(arguments: [
        (0.5, Int32(1 << 30), Int32(0)),
        (1.0, Int32(1 << 30), Int32(1)),
        (0.75, Int32(1_610_612_736), Int32(0)),
        (3.0, Int32(1_610_612_736), Int32(2)),
        (0.0, Int32(0), Int32(0)),
        (1e-12, Int32(0), Int32(0)),  // below 2^-31: flushed to zero, as TFLite does
    ])
    func quantizeMultiplier(scale: Double, multiplier: Int32, shift: Int32) {
        var m: Int32 = -1, s: Int32 = -1
        #expect(ember_quantize_multiplier(scale, &m, &s) == 0)
        #expect(m == multiplier && s == shift, "scale \(scale) gave (\(m), \(s))")
    }

    @Test func rejectsBadScales() {
        var m: Int32 = 0, s: Int32 = 0
        #expect(ember_quantize_multiplier(-0.5, &m, &s) == -1)
        #expect(ember_quantize_multiplier(.nan, &m, &s) == -1)
        #expect(ember_quantize_multiplier(2e9, &m, &s) == -1)
    }

    @Test(arguments: [
        (Int32(100), Int32(1 << 30), Int32(0), Int32(50)),
        (Int32(-3), Int32(1 << 30), Int32(-1), Int32(-1)),   // -0.75 -> -1
        (Int32(5), Int32(1 << 30), Int32(-1), Int32(2)),     // 1.25 -> 2: 2.5 rounds to 3, then 1.5 to 2
        (Int32(-6), Int32(1 << 30), Int32(-2), Int32(-1)),   // -0.75, ties away from zero
        (Int32(-2), Int32(1 << 30), Int32(-1), Int32(-1)),   // -0.5 -> -1
        (Int32.min, Int32.min, Int32(0), Int32.max),         // the one saturating product
        (Int32(1000), Int32(1_518_500_250), Int32(3), Int32(5657)),
    ])
    func requantize(x: Int32, multiplier: Int32, shift: Int32, expected: Int32) {
        #expect(ember_requantize(x, multiplier, shift) == expected)
    }

    @Test func meanFoldsCountIntoMultiplier() {
        var m: Int32 = 0, s: Int32 = 0
        #expect(ember_qs8_mean_multiplier(1 << 30, 1, 49, &m, &s) == 0)
        #expect(m == Int32((Int64(1) << 35) / 49) && s == -4)
        #expect(ember_qs8_mean_multiplier(1 << 30, 1, 0, &m, &s) == -1)
    }
}
