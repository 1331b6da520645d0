// AVX-512 output stage for two rows of 8 channels at once: ember_avx2_mbqm's operations on 16
// lanes (the same formula, so the same bits), then saturating narrows. Where the AVX2 stage is
// half of a small-K GEMM's time (K = 16-32), one 16-lane pass replaces two 8-lane ones.
#ifndef EMBER_REQUANT_AVX512_H
#define EMBER_REQUANT_AVX512_H
#include "ember_requant_avx2.h"

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw")))

typedef struct ember_avx512_rq {
    __m512i mult, mult_odd, lshift, rshift, rround;  ///< an ember_avx2_rq's 8 lanes in both halves
    int any_lshift, any_min_mult;
} ember_avx512_rq;

EMBER_TARGET_AVX512 static inline __m512i ember_avx512_dup(__m256i v) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(v), v, 1);
}

/// The 8 channels' constants for two rows of them.
EMBER_TARGET_AVX512 static inline ember_avx512_rq ember_avx512_rq_from_avx2(const ember_avx2_rq *r) {
    ember_avx512_rq q;
    q.mult = ember_avx512_dup(r->mult);
    q.mult_odd = ember_avx512_dup(r->mult_odd);
    q.lshift = ember_avx512_dup(r->lshift);
    q.rshift = ember_avx512_dup(r->rshift);
    q.rround = ember_avx512_dup(r->rround);
    q.any_lshift = r->any_lshift;
    q.any_min_mult = r->any_min_mult;
    return q;
}

/// 16 lanes' own constants (ember_avx2_rq_load on 16 lanes), for kernels with 16 channels per vector.
EMBER_TARGET_AVX512 static inline ember_avx512_rq ember_avx512_rq_load(const int32_t mult[16], const int32_t lshift[16], const int32_t rshift[16]) {
    ember_avx512_rq q;
    q.mult = _mm512_loadu_si512(mult);
    q.mult_odd = _mm512_shuffle_epi32(q.mult, _MM_PERM_DDBB);
    q.lshift = _mm512_loadu_si512(lshift);
    q.rshift = _mm512_loadu_si512(rshift);
    q.rround = _mm512_srli_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), q.rshift), 1);
    q.any_lshift = q.any_min_mult = 0;
    for (int i = 0; i < 16; i++) { q.any_lshift |= lshift[i] != 0; q.any_min_mult |= mult[i] == INT32_MIN; }
    return q;
}

/// ember_avx2_mbqm on 16 lanes; opmasks stand in for VPBLENDD, VPBLENDVB and VPSIGND (no 512-bit form).
EMBER_TARGET_AVX512 static inline __m512i ember_avx512_mbqm(__m512i x, const ember_avx512_rq *r) {
    if (r->any_lshift) x = _mm512_sllv_epi32(x, r->lshift);
    const __m512i nudge = _mm512_set1_epi64((int64_t)1 << 30);
    const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, r->mult), nudge);
    const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), r->mult_odd), nudge);
    __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
    if (r->any_min_mult) {
        const __m512i imin = _mm512_set1_epi32(INT32_MIN);
        const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, imin) & _mm512_cmpeq_epi32_mask(r->mult, imin);
        h = _mm512_mask_mov_epi32(h, sat, _mm512_set1_epi32(INT32_MAX));
    }
    // Rounding divide as there: |h| rounded half up, then the sign of h restored (0 stays 0).
    const __m512i mag = _mm512_srlv_epi32(_mm512_add_epi32(_mm512_abs_epi32(h), r->rround), r->rshift);
    return _mm512_mask_sub_epi32(mag, _mm512_cmplt_epi32_mask(h, _mm512_setzero_si512()), _mm512_setzero_si512(), mag);
}

/// 16 requantized lanes to 16 int8 in lane order: saturate to int16 (as VPACKSSDW), zero point
/// with saturation and clamp as the AVX2 stage, then VPACKSSWB (exact after the clamp) per
/// 128-bit lane, whose low halves are the two rows. AVX-512 F only (no VL needed).
EMBER_TARGET_AVX512 static inline __m128i ember_avx512_output16(__m512i v, const ember_avx2_out16 *o) {
    __m256i w = _mm512_cvtsepi32_epi16(v);
    w = _mm256_min_epi16(_mm256_max_epi16(_mm256_adds_epi16(w, o->zp), o->mn), o->mx);
    const __m256i b = _mm256_packs_epi16(w, w);
    return _mm_unpacklo_epi64(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
}
#endif
