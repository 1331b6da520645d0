// Requantization parameters and the scalar multiply, shared by the converter (through the
// public API) and every kernel, so both sides use the very same arithmetic.
#include <math.h>
#include "ember_kernels.h"
#include "ember_fixedpoint.h"

int ember_quantize_multiplier(double scale, int32_t *multiplier, int32_t *shift) {
    if (!(scale >= 0.0) || !(scale < 1e9) || !multiplier || !shift) return -1;  // also rejects NaN
    if (scale == 0.0) { *multiplier = 0; *shift = 0; return 0; }
    int exponent = 0;
    const double q = frexp(scale, &exponent);
    // TfLiteRound is std::round: half away from zero.
    int64_t q_fixed = (int64_t)round(q * (double)(1LL << 31));
    if (q_fixed > (1LL << 31)) return -1;
    if (q_fixed == (1LL << 31)) { q_fixed /= 2; ++exponent; }
    if (exponent < -31) { exponent = 0; q_fixed = 0; }  // flushes tiny scales to zero, as TFLite
    *multiplier = (int32_t)q_fixed;
    *shift = exponent;
    return 0;
}

int32_t ember_requantize(int32_t x, int32_t multiplier, int32_t shift) {
    if (shift > 31) shift = 31;
    if (shift < -31) shift = -31;
    return ember_mbqm(x, multiplier, shift);
}

int ember_qs8_mean_multiplier(int32_t multiplier, int32_t shift, size_t count,
                              int32_t *out_multiplier, int32_t *out_shift) {
    if (count == 0 || count > (size_t)INT32_MAX || !out_multiplier || !out_shift) return -1;
    // floor(log2(count)), limited so the product below stays in range and shift - s >= -31.
    int s = 63 - __builtin_clzll((unsigned long long)count);
    if (s > 32) s = 32;
    if (s > 31 + shift) s = 31 + shift;
    if (s < 0) return -1;
    *out_multiplier = (int32_t)(((int64_t)multiplier * ((int64_t)1 << s)) / (int64_t)count);
    *out_shift = shift - s;
    return 0;
}
