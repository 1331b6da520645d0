// TFLite int8 ADD, 32 elements per step, x86-64 AVX2: the twin's exact arithmetic in 8 int32
// lanes (both inputs and the sum through MultiplyByQuantizedMultiplier of ember_requant_avx2.h,
// one multiplier and shift in every lane). Results are clamped in int32 and then truncated to
// bytes (AND 0xFF, unsigned packs), exactly the twin's (int8_t) cast for any min and max.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"

typedef struct {
    __m256i azp, bzp, ozp, mn, mx;
    __m128i ls;
    ember_avx2_rq ra, rb, ro;
} add_consts;

EMBER_TARGET_AVX2 static inline __m256i add8(__m128i a8, __m128i b8, const add_consts *c) {
    const __m256i x = _mm256_sll_epi32(_mm256_sub_epi32(_mm256_cvtepi8_epi32(a8), c->azp), c->ls);
    const __m256i y = _mm256_sll_epi32(_mm256_sub_epi32(_mm256_cvtepi8_epi32(b8), c->bzp), c->ls);
    const __m256i s = _mm256_add_epi32(ember_avx2_mbqm(x, &c->ra), ember_avx2_mbqm(y, &c->rb));
    const __m256i v = _mm256_add_epi32(ember_avx2_mbqm(s, &c->ro), c->ozp);
    return _mm256_and_si256(_mm256_min_epi32(_mm256_max_epi32(v, c->mn), c->mx), _mm256_set1_epi32(0xFF));
}

EMBER_TARGET_AVX2 static inline __m256i add32(const int8_t *a, const int8_t *b, const add_consts *c) {
    const __m128i a0 = _mm_loadu_si128((const __m128i *)a), a1 = _mm_loadu_si128((const __m128i *)(a + 16));
    const __m128i b0 = _mm_loadu_si128((const __m128i *)b), b1 = _mm_loadu_si128((const __m128i *)(b + 16));
    const __m256i v0 = add8(a0, b0, c), v1 = add8(_mm_srli_si128(a0, 8), _mm_srli_si128(b0, 8), c);
    const __m256i v2 = add8(a1, b1, c), v3 = add8(_mm_srli_si128(a1, 8), _mm_srli_si128(b1, 8), c);
    const __m256i p = _mm256_packus_epi16(_mm256_packus_epi32(v0, v1), _mm256_packus_epi32(v2, v3));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EMBER_TARGET_AVX2
void ember_qs8_add__avx2(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    add_consts c;
    c.azp = _mm256_set1_epi32(p->a_zero_point);
    c.bzp = _mm256_set1_epi32(p->b_zero_point);
    c.ozp = _mm256_set1_epi32(p->out_zero_point);
    c.mn = _mm256_set1_epi32(p->min);
    c.mx = _mm256_set1_epi32(p->max);
    c.ls = _mm_cvtsi32_si128(p->left_shift < 0 ? 0 : (p->left_shift > 30 ? 30 : p->left_shift));
    int32_t m[8], l[8], r[8];
    ember_uniform_requant(p->a_multiplier, p->a_shift, 8, m, l, r);
    c.ra = ember_avx2_rq_load(m, l, r);
    ember_uniform_requant(p->b_multiplier, p->b_shift, 8, m, l, r);
    c.rb = ember_avx2_rq_load(m, l, r);
    ember_uniform_requant(p->out_multiplier, p->out_shift, 8, m, l, r);
    c.ro = ember_avx2_rq_load(m, l, r);
    size_t i = 0;
    for (; i + 32 <= count; i += 32) _mm256_storeu_si256((__m256i *)(out + i), add32(a + i, b + i, &c));
    if (i < count) {  // the tail through zero-padded copies
        int8_t ta[32] = {0}, tb[32] = {0}, to[32];
        memcpy(ta, a + i, count - i);
        memcpy(tb, b + i, count - i);
        _mm256_storeu_si256((__m256i *)to, add32(ta, tb, &c));
        memcpy(out + i, to, count - i);
    }
}
#endif
