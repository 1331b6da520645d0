// TFLite reference int8 SOFTMAX: gemmlowp fixed-point exp of the scaled differences (Q5.26
// input, Q0.31 result), sum in Q12.19, reciprocal by Newton-Raphson, then scaled to 8 bits.
// Written from gemmlowp's documented fixed-point semantics; raw int32 arithmetic throughout.
#include "ember_kernels_internal.h"

// Fixed-point values are raw int32 with an implied number of integer bits; "mul" is SRDHM.
static inline int32_t fp_mul(int32_t a, int32_t b) { return ember_srdhm(a, b); }
static inline int32_t fp_add(int32_t a, int32_t b) { return ember_wrap_add(a, b); }
static inline int32_t fp_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/// SaturatingRoundingMultiplyByPOT with a positive exponent.
static inline int32_t sat_shl(int32_t x, int e) {
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

/// exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8.
static int32_t exp_quarter_interval(int32_t a) {
    const int32_t exp_minus_one_eighth = 1895147668;  // exp(-1/8) in Q0.31
    const int32_t one_third = 715827883;               // 1/3 in Q0.31
    const int32_t x = fp_add(a, 1 << 28);              // a + 1/8
    const int32_t x2 = fp_mul(x, x), x3 = fp_mul(x2, x), x4 = fp_mul(x2, x2);
    const int32_t x4_over_4 = ember_rdbp(x4, 2);
    const int32_t poly = ember_rdbp(fp_add(fp_mul(fp_add(x4_over_4, x3), one_third), x2), 1);
    return fp_add(exp_minus_one_eighth, fp_mul(exp_minus_one_eighth, fp_add(x, poly)));
}

/// exp(a) for a <= 0 given in Q5.26; result Q0.31.
static int32_t exp_on_negative_values(int32_t a) {
    const int frac_bits = 26;
    const int32_t one_quarter = 1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = fp_sub(a & mask, one_quarter);
    int32_t result = exp_quarter_interval(sat_shl(a_mod_quarter_minus_quarter, 5));  // Q5.26 -> Q0.31
    const int32_t remainder = fp_sub(a_mod_quarter_minus_quarter, a);
    // exp(-2^e) for e = -2 .. 4, applied for each set bit of the remainder (5 integer bits).
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    for (int i = 0; i < 7; i++) {
        const int exponent = i - 2;
        if (remainder & (1 << (frac_bits + exponent))) result = fp_mul(result, multipliers[i]);
    }
    if (a == 0) result = INT32_MAX;  // exactly one
    return result;
}

/// 1 / (1 + x) for x in [0, 1), Q0.31 in and out.
static int32_t one_over_one_plus_x(int32_t a) {
    // half_denominator = (a + 1) / 2, rounded (RoundingHalfSum with One = INT32_MAX).
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;  // Q2.29
    const int32_t one_q2 = 1 << 29;
    int32_t x = fp_add(c48_17, fp_mul(half_denominator, cneg32_17));
    for (int i = 0; i < 3; i++) {
        const int32_t hdx = fp_mul(half_denominator, x);         // Q2.29
        const int32_t one_minus = fp_sub(one_q2, hdx);           // Q2.29
        x = fp_add(x, sat_shl(fp_mul(x, one_minus), 2));         // Q4.27 -> Q2.29
    }
    return sat_shl(x, 1);  // x/2 as Q1.30 reinterpreted, rescaled to Q0.31
}

void ember_qs8_softmax(size_t rows, size_t depth, const int8_t *in, int8_t *out, const ember_qs8_softmax_params *p) {
    const int32_t mult = p->input_multiplier, lshift = p->input_left_shift < 0 ? 0 : (p->input_left_shift > 31 ? 31 : p->input_left_shift);
    for (size_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * depth;
        int8_t *y = out + r * depth;
        int32_t max = -128;
        for (size_t i = 0; i < depth; i++) if (x[i] > max) max = x[i];
        int32_t sum_of_exps = 0;  // Q12.19
        for (size_t i = 0; i < depth; i++) {
            const int32_t diff = (int32_t)x[i] - max;
            if (diff >= p->diff_min)
                sum_of_exps = fp_add(sum_of_exps, ember_rdbp(exp_on_negative_values(ember_requantize(diff, mult, lshift)), 12));
        }
        // Reciprocal of the sum (TFLite GetReciprocal with 12 integer bits).
        const int headroom_plus_one = sum_of_exps == 0 ? 32 : __builtin_clz((uint32_t)sum_of_exps);
        const int num_bits_over_unit = 12 - headroom_plus_one;
        const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum_of_exps << (headroom_plus_one & 31)) - (1u << 31));
        const int32_t shifted_scale = one_over_one_plus_x(shifted_sum_minus_one);
        for (size_t i = 0; i < depth; i++) {
            const int32_t diff = (int32_t)x[i] - max;
            int32_t v = -128;
            if (diff >= p->diff_min) {
                const int32_t e = exp_on_negative_values(ember_requantize(diff, mult, lshift));
                int shift = num_bits_over_unit + 31 - 8;
                if (shift < 0) shift = 0;
                if (shift > 31) shift = 31;
                v = ember_clamp(ember_wrap_add(ember_rdbp(fp_mul(shifted_scale, e), shift), p->out_zero_point), -128, 127);
            }
            y[i] = (int8_t)v;
        }
    }
}
