// TFLite int8 ADD, 64 elements per step, x86-64 AVX-512 F/BW (dispatched at the AVX-512 level,
// which requires F, BW and VNNI; VNNI itself is not used): ember_qs8_add__avx2's arithmetic on 16
// int32 lanes through ember_avx512_mbqm (the same formula, so the same bits). Clamped in int32,
// then VPMOVDB truncates to bytes: exactly the twin's (int8_t) cast for any min and max. The
// tail goes through masked 64-byte loads and stores (BW), so nothing is read or written past it.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx512.h"

typedef struct {
    __m512i azp, bzp, ozp, mn, mx;
    __m128i ls;
    ember_avx512_rq ra, rb, ro;
} add_consts;

EMBER_TARGET_AVX512 static inline __m128i add16(__m128i a8, __m128i b8, const add_consts *c) {
    const __m512i x = _mm512_sll_epi32(_mm512_sub_epi32(_mm512_cvtepi8_epi32(a8), c->azp), c->ls);
    const __m512i y = _mm512_sll_epi32(_mm512_sub_epi32(_mm512_cvtepi8_epi32(b8), c->bzp), c->ls);
    const __m512i s = _mm512_add_epi32(ember_avx512_mbqm(x, &c->ra), ember_avx512_mbqm(y, &c->rb));
    const __m512i v = _mm512_add_epi32(ember_avx512_mbqm(s, &c->ro), c->ozp);
    return _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(v, c->mn), c->mx));
}

EMBER_TARGET_AVX512 static inline __m512i add64(__m512i a, __m512i b, const add_consts *c) {
    __m512i r = _mm512_castsi128_si512(add16(_mm512_castsi512_si128(a), _mm512_castsi512_si128(b), c));
    r = _mm512_inserti32x4(r, add16(_mm512_extracti32x4_epi32(a, 1), _mm512_extracti32x4_epi32(b, 1), c), 1);
    r = _mm512_inserti32x4(r, add16(_mm512_extracti32x4_epi32(a, 2), _mm512_extracti32x4_epi32(b, 2), c), 2);
    return _mm512_inserti32x4(r, add16(_mm512_extracti32x4_epi32(a, 3), _mm512_extracti32x4_epi32(b, 3), c), 3);
}

EMBER_TARGET_AVX512
void ember_qs8_add__avx512vnni(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    add_consts c;
    c.azp = _mm512_set1_epi32(p->a_zero_point);
    c.bzp = _mm512_set1_epi32(p->b_zero_point);
    c.ozp = _mm512_set1_epi32(p->out_zero_point);
    c.mn = _mm512_set1_epi32(p->min);
    c.mx = _mm512_set1_epi32(p->max);
    c.ls = _mm_cvtsi32_si128(p->left_shift < 0 ? 0 : (p->left_shift > 30 ? 30 : p->left_shift));
    int32_t m[16], l[16], r[16];
    ember_uniform_requant(p->a_multiplier, p->a_shift, 16, m, l, r);
    c.ra = ember_avx512_rq_load(m, l, r);
    ember_uniform_requant(p->b_multiplier, p->b_shift, 16, m, l, r);
    c.rb = ember_avx512_rq_load(m, l, r);
    ember_uniform_requant(p->out_multiplier, p->out_shift, 16, m, l, r);
    c.ro = ember_avx512_rq_load(m, l, r);
    size_t i = 0;
    for (; i + 64 <= count; i += 64)
        _mm512_storeu_si512(out + i, add64(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i), &c));
    if (i < count) {
        const __mmask64 k = ~(uint64_t)0 >> (64 - (count - i));  // 1..63 bytes left
        _mm512_mask_storeu_epi8(out + i, k, add64(_mm512_maskz_loadu_epi8(k, a + i), _mm512_maskz_loadu_epi8(k, b + i), &c));
    }
}
#endif
