// Scalar fixed-point arithmetic with TFLite's reference rounding (gemmlowp semantics, double
// rounding). Every kernel's output stage is defined by these functions; SIMD paths must agree.
// Overflowing int32 arithmetic wraps (done through uint32) instead of being undefined.
#ifndef EMBER_FIXEDPOINT_H
#define EMBER_FIXEDPOINT_H

#include <stdint.h>

static inline int32_t ember_wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t ember_wrap_mul(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }

/// gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties away from zero,
/// saturating the single overflow case INT32_MIN * INT32_MIN.
static inline int32_t ember_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/// gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero; 0 <= e <= 31.
static inline int32_t ember_rdbp(int32_t x, int e) {
    const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

/// TFLite MultiplyByQuantizedMultiplier (double rounding): shift > 0 shifts left first.
static inline int32_t ember_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return ember_rdbp(ember_srdhm(ember_wrap_mul(x, (int32_t)((uint32_t)1 << left)), multiplier), right);
}

static inline int32_t ember_clamp(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

/// Output stage of the int8 conv/GEMM kernels after MultiplyByQuantizedMultiplier: add the
/// output zero point and clamp to [lo, hi] (within [-128, 127]). The value is first saturated to
/// int16 and the addition saturates in int16: identical to TFLite for every result whose int32
/// addition does not overflow (TFLite leaves that undefined), and what SIMD does cheaply.
static inline int8_t ember_output_value(int32_t v, int32_t zero_point, int32_t lo, int32_t hi) {
    v = ember_clamp(v, INT16_MIN, INT16_MAX);
    v = ember_clamp(v + ember_clamp(zero_point, INT16_MIN, INT16_MAX), INT16_MIN, INT16_MAX);
    return (int8_t)ember_clamp(ember_clamp(v, ember_clamp(lo, -128, 127), ember_clamp(hi, -128, 127)), -128, 127);
}

#endif
