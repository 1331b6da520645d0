// x86-64 AVX2 output stage: exact TFLite MultiplyByQuantizedMultiplier on 8 lanes.
// SaturatingRoundingDoublingHighMul = floor((a*b + 2^30) / 2^31) is formed from 64-bit
// VPMULDQ products (bits 31..62 are the result; AVX2 has no 64-bit arithmetic shift, but the
// low 32 bits of a logical shift are the same), plus the INT32_MIN^2 saturation case. The odd
// lanes reach VPMULDQ through VPSHUFD: written as a 64-bit shift, clang emulated a full 64-bit
// multiply (three VPMULUDQ).
#ifndef EMBER_REQUANT_AVX2_H
#define EMBER_REQUANT_AVX2_H
#include <immintrin.h>
#include "ember_kernels_internal.h"

typedef struct ember_avx2_rq {
    __m256i mult, mult_odd, lshift, rshift, rround;  ///< mult_odd: each odd lane's multiplier copied below it;
                                                     ///< rround: 2^(rshift-1), 0 without a right shift
    int any_lshift, any_min_mult;  ///< steps that can be skipped when no lane needs them
} ember_avx2_rq;

EMBER_TARGET_AVX2 static inline ember_avx2_rq ember_avx2_rq_load(const int32_t mult[8], const int32_t lshift[8], const int32_t rshift[8]) {
    ember_avx2_rq r;
    r.mult = _mm256_loadu_si256((const __m256i *)mult);
    r.mult_odd = _mm256_shuffle_epi32(r.mult, 0xF5);
    r.lshift = _mm256_loadu_si256((const __m256i *)lshift);
    r.rshift = _mm256_loadu_si256((const __m256i *)rshift);
    r.rround = _mm256_srli_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), r.rshift), 1);
    r.any_lshift = r.any_min_mult = 0;
    for (int i = 0; i < 8; i++) { r.any_lshift |= lshift[i] != 0; r.any_min_mult |= mult[i] == INT32_MIN; }
    return r;
}

EMBER_TARGET_AVX2 static inline __m256i ember_avx2_mbqm(__m256i x, const ember_avx2_rq *r) {
    if (r->any_lshift) x = _mm256_sllv_epi32(x, r->lshift);
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, r->mult), nudge);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(x, 0xF5), r->mult_odd), nudge);
    __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
    if (r->any_min_mult) {
        const __m256i imin = _mm256_set1_epi32(INT32_MIN);
        const __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, imin), _mm256_cmpeq_epi32(r->mult, imin));
        h = _mm256_blendv_epi8(h, _mm256_set1_epi32(INT32_MAX), sat);
    }
    // RoundingDivideByPOT rounds half away from zero, which is symmetric: round |h| half up and
    // restore the sign. |h| + 2^(e-1) < 2^32 fits an unsigned lane (logical shift); h is never
    // INT32_MIN here (the most negative product of two int32, -(2^62 - 2^31), gives -(2^31 - 1)),
    // and VPSIGND leaves h = 0 at 0.
    const __m256i mag = _mm256_srlv_epi32(_mm256_add_epi32(_mm256_abs_epi32(h), r->rround), r->rshift);
    return _mm256_sign_epi32(mag, h);
}

/// Zero point and clamp of one call's output, as int16 lanes (see ember_output_value).
typedef struct ember_avx2_out {
    __m128i zp, mn, mx;
} ember_avx2_out;

EMBER_TARGET_AVX2 static inline ember_avx2_out ember_avx2_out_load(const ember_qs8_output *q) {
    ember_avx2_out o;
    o.zp = _mm_set1_epi16((int16_t)ember_clamp(q->zero_point, INT16_MIN, INT16_MAX));
    o.mn = _mm_set1_epi16((int16_t)ember_clamp(q->min, -128, 127));
    o.mx = _mm_set1_epi16((int16_t)ember_clamp(q->max, -128, 127));
    return o;
}

/// Requantizes 8 int32 lanes to 8 int8 values in the low 64 bits.
EMBER_TARGET_AVX2 static inline __m128i ember_avx2_output8(__m256i acc, const ember_avx2_rq *r, const ember_avx2_out *o) {
    const __m256i v = ember_avx2_mbqm(acc, r);
    __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    w = _mm_min_epi16(_mm_max_epi16(_mm_adds_epi16(w, o->zp), o->mn), o->mx);
    return _mm_packs_epi16(w, w);
}

/// Zero point and clamp as 16 int16 lanes, for output stages that pack two rows at once.
typedef struct ember_avx2_out16 {
    __m256i zp, mn, mx;
} ember_avx2_out16;

EMBER_TARGET_AVX2 static inline ember_avx2_out16 ember_avx2_out16_load(const ember_qs8_output *q) {
    ember_avx2_out16 o;
    o.zp = _mm256_set1_epi16((int16_t)ember_clamp(q->zero_point, INT16_MIN, INT16_MAX));
    o.mn = _mm256_set1_epi16((int16_t)ember_clamp(q->min, -128, 127));
    o.mx = _mm256_set1_epi16((int16_t)ember_clamp(q->max, -128, 127));
    return o;
}

static inline void ember_store_partial8(int8_t *dst, const int8_t v[8], size_t count) {
    memcpy(dst, v, count < 8 ? count : 8);
}
#endif
