// TFLite int8 ADD, 64 elements per step, x86-64 AVX-512 F/BW (dispatched at the AVX-512 level,
// which requires F, BW and VNNI; VNNI itself is not used): ember_qs8_add__avx2's arithmetic on 16
// int32 lanes through ember_avx512_mbqm (the same formula, so the same bits). Clamped in int32,
// then VPMOVDB truncates to bytes: exactly the twin's (int8_t) cast for any min and max. The
// tail goes through masked 64-byte loads and stores (BW), so nothing is read or written past it.
// TFLite's own parameters (int8 zero points, left shift 20, multipliers in [0, 2^31), right
// shifts) allow a cheaper exact input rescale, `rescale_small`, with no 64-bit products.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx512.h"

/// An input's rescale, MultiplyByQuantizedMultiplier(d << ls, m, -r), when d = a - zp fits 9 bits
/// (int8 zero point), 8 <= ls <= 23, m >= 0 and r >= 0. The doubling high multiply is
/// floor((d·m·2^ls + 2^30) / 2^31) = d·mh + floor((d·ml + 2^(30-ls)) / 2^(31-ls)) for
/// m = mh·2^(31-ls) + ml, and both products fit int32 (|d·mh| < 255·2^ls, |d·ml| < 255·2^(31-ls));
/// then the rounding divide by 2^r as in ember_avx512_mbqm.
typedef struct {
    __m512i mh, ml, nudge, rround;
    __m128i sh, r;
} small_rq;

typedef struct {
    __m512i azp, bzp, ozp, mn, mx;
    __m128i ls;
    ember_avx512_rq ra, rb, ro;
    small_rq sa, sb;
} add_consts;

static int small_ok(int32_t zp, int32_t ls, int32_t m, int32_t shift) {
    return zp >= -128 && zp <= 127 && ls >= 8 && ls <= 23 && m >= 0 && shift <= 0;
}

EMBER_TARGET_AVX512 static small_rq small_load(int32_t ls, int32_t m, int32_t shift) {
    const int32_t r = shift < -31 ? 31 : -shift, sh = 31 - ls;
    small_rq q;
    q.mh = _mm512_set1_epi32(m >> sh);
    q.ml = _mm512_set1_epi32(m & ((1 << sh) - 1));
    q.nudge = _mm512_set1_epi32(1 << (sh - 1));
    q.rround = _mm512_set1_epi32(r > 0 ? 1 << (r - 1) : 0);
    q.sh = _mm_cvtsi32_si128(sh);
    q.r = _mm_cvtsi32_si128(r);
    return q;
}

EMBER_TARGET_AVX512 static inline __m512i rescale_small(__m512i d, const small_rq *q) {
    const __m512i lo = _mm512_sra_epi32(_mm512_add_epi32(_mm512_mullo_epi32(d, q->ml), q->nudge), q->sh);
    const __m512i h = _mm512_add_epi32(_mm512_mullo_epi32(d, q->mh), lo);
    const __m512i mag = _mm512_srl_epi32(_mm512_add_epi32(_mm512_abs_epi32(h), q->rround), q->r);
    return _mm512_mask_sub_epi32(mag, _mm512_cmplt_epi32_mask(h, _mm512_setzero_si512()), _mm512_setzero_si512(), mag);
}

#define ADD_INLINE EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline

/// SAT: the clamp is the int8 range itself (an ADD without activation), which VPMOVSDB's
/// saturation applies for any int32 v; otherwise clamp, then VPMOVDB truncates as the twin does.
ADD_INLINE __m128i add16(const int SMALL, const int SAT, __m128i a8, __m128i b8, const add_consts *c) {
    const __m512i da = _mm512_sub_epi32(_mm512_cvtepi8_epi32(a8), c->azp), db = _mm512_sub_epi32(_mm512_cvtepi8_epi32(b8), c->bzp);
    const __m512i s = SMALL ? _mm512_add_epi32(rescale_small(da, &c->sa), rescale_small(db, &c->sb))
                            : _mm512_add_epi32(ember_avx512_mbqm(_mm512_sll_epi32(da, c->ls), &c->ra),
                                               ember_avx512_mbqm(_mm512_sll_epi32(db, c->ls), &c->rb));
    const __m512i v = _mm512_add_epi32(ember_avx512_mbqm(s, &c->ro), c->ozp);
    if (SAT) return _mm512_cvtsepi32_epi8(v);
    return _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(v, c->mn), c->mx));
}

ADD_INLINE __m512i add64(const int SMALL, const int SAT, __m512i a, __m512i b, const add_consts *c) {
    __m512i r = _mm512_castsi128_si512(add16(SMALL, SAT, _mm512_castsi512_si128(a), _mm512_castsi512_si128(b), c));
    r = _mm512_inserti32x4(r, add16(SMALL, SAT, _mm512_extracti32x4_epi32(a, 1), _mm512_extracti32x4_epi32(b, 1), c), 1);
    r = _mm512_inserti32x4(r, add16(SMALL, SAT, _mm512_extracti32x4_epi32(a, 2), _mm512_extracti32x4_epi32(b, 2), c), 2);
    return _mm512_inserti32x4(r, add16(SMALL, SAT, _mm512_extracti32x4_epi32(a, 3), _mm512_extracti32x4_epi32(b, 3), c), 3);
}

ADD_INLINE void add_all(const int SMALL, const int SAT, size_t count, const int8_t *a, const int8_t *b, int8_t *out, const add_consts *c) {
    size_t i = 0;
    for (; i + 64 <= count; i += 64)
        _mm512_storeu_si512(out + i, add64(SMALL, SAT, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i), c));
    if (i < count) {
        const __mmask64 k = ~(uint64_t)0 >> (64 - (count - i));  // 1..63 bytes left
        _mm512_mask_storeu_epi8(out + i, k, add64(SMALL, SAT, _mm512_maskz_loadu_epi8(k, a + i), _mm512_maskz_loadu_epi8(k, b + i), c));
    }
}

EMBER_TARGET_AVX512
void ember_qs8_add__avx512vnni(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    add_consts c;
    c.azp = _mm512_set1_epi32(p->a_zero_point);
    c.bzp = _mm512_set1_epi32(p->b_zero_point);
    c.ozp = _mm512_set1_epi32(p->out_zero_point);
    c.mn = _mm512_set1_epi32(p->min);
    c.mx = _mm512_set1_epi32(p->max);
    const int32_t ls = p->left_shift < 0 ? 0 : (p->left_shift > 30 ? 30 : p->left_shift);
    c.ls = _mm_cvtsi32_si128(ls);
    int32_t m[16], l[16], r[16];
    ember_uniform_requant(p->a_multiplier, p->a_shift, 16, m, l, r);
    c.ra = ember_avx512_rq_load(m, l, r);
    ember_uniform_requant(p->b_multiplier, p->b_shift, 16, m, l, r);
    c.rb = ember_avx512_rq_load(m, l, r);
    ember_uniform_requant(p->out_multiplier, p->out_shift, 16, m, l, r);
    c.ro = ember_avx512_rq_load(m, l, r);
    const int sat = p->min == -128 && p->max == 127;
    if (small_ok(p->a_zero_point, ls, p->a_multiplier, p->a_shift) && small_ok(p->b_zero_point, ls, p->b_multiplier, p->b_shift)) {
        c.sa = small_load(ls, p->a_multiplier, p->a_shift);
        c.sb = small_load(ls, p->b_multiplier, p->b_shift);
        if (sat) add_all(1, 1, count, a, b, out, &c);
        else add_all(1, 0, count, a, b, out, &c);
    } else {
        if (sat) add_all(0, 1, count, a, b, out, &c);
        else add_all(0, 0, count, a, b, out, &c);
    }
}
#endif
