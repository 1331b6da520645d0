// TFLite int8 ADD, 16 elements per step, ARMv8.0 NEON: the twin's exact arithmetic in 4 int32
// lanes (both inputs and the sum through MultiplyByQuantizedMultiplier of ember_requant_neon.h:
// SQRDMULH and the rounding shift, one multiplier and shift in every lane). Results are clamped
// in int32 and narrowed without saturation (XTN), exactly the twin's (int8_t) cast.
// When none of the three requantizations shifts left (TFLite's ADD: input factors at most 1/2,
// output factor below 1), the loop is compiled without the left-shift tests, which both clang 17
// and 21 otherwise leave inside it (one compare and branch per MultiplyByQuantizedMultiplier).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"

typedef struct {
    int32x4_t azp, bzp, ozp, mn, mx, ls;
    ember_neon_rq ra, rb, ro;
} add_consts;

#define ADD_INLINE __attribute__((always_inline)) static inline

/// MultiplyByQuantizedMultiplier; `noleft`: no left shift in any of the call's requantizations.
ADD_INLINE int32x4_t add_mbqm(int32x4_t x, const ember_neon_rq *r, int noleft) {
    return noleft ? ember_neon_rdbp(vqrdmulhq_s32(x, r->mult), r->neg_rshift) : ember_neon_mbqm(x, r);
}

ADD_INLINE int16x4_t add4(int16x4_t a, int16x4_t b, const add_consts *c, int noleft) {
    const int32x4_t x = vshlq_s32(vsubq_s32(vmovl_s16(a), c->azp), c->ls);
    const int32x4_t y = vshlq_s32(vsubq_s32(vmovl_s16(b), c->bzp), c->ls);
    const int32x4_t s = vaddq_s32(add_mbqm(x, &c->ra, noleft), add_mbqm(y, &c->rb, noleft));
    const int32x4_t v = vaddq_s32(add_mbqm(s, &c->ro, noleft), c->ozp);
    return vmovn_s32(vminq_s32(vmaxq_s32(v, c->mn), c->mx));
}

ADD_INLINE int8x8_t add8(int8x8_t a, int8x8_t b, const add_consts *c, int noleft) {
    const int16x8_t a16 = vmovl_s8(a), b16 = vmovl_s8(b);
    const int16x8_t v = vcombine_s16(add4(vget_low_s16(a16), vget_low_s16(b16), c, noleft),
                                     add4(vget_high_s16(a16), vget_high_s16(b16), c, noleft));
    return vmovn_s16(v);
}

ADD_INLINE int8x16_t add16(const int8_t *a, const int8_t *b, const add_consts *c, int noleft) {
    const int8x16_t va = vld1q_s8(a), vb = vld1q_s8(b);
    return vcombine_s8(add8(vget_low_s8(va), vget_low_s8(vb), c, noleft), add8(vget_high_s8(va), vget_high_s8(vb), c, noleft));
}

/// Whole steps of 16 from element i; returns where the tail starts.
ADD_INLINE size_t add_steps(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const add_consts *c, int noleft) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) vst1q_s8(out + i, add16(a + i, b + i, c, noleft));
    return i;
}

void ember_qs8_add__neon(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    add_consts c;
    c.azp = vdupq_n_s32(p->a_zero_point);
    c.bzp = vdupq_n_s32(p->b_zero_point);
    c.ozp = vdupq_n_s32(p->out_zero_point);
    c.mn = vdupq_n_s32(p->min);
    c.mx = vdupq_n_s32(p->max);
    c.ls = vdupq_n_s32(p->left_shift < 0 ? 0 : (p->left_shift > 30 ? 30 : p->left_shift));
    int32_t m[4], l[4], r[4];
    ember_uniform_requant(p->a_multiplier, p->a_shift, 4, m, l, r);
    c.ra = ember_neon_rq_load(m, l, r);
    ember_uniform_requant(p->b_multiplier, p->b_shift, 4, m, l, r);
    c.rb = ember_neon_rq_load(m, l, r);
    ember_uniform_requant(p->out_multiplier, p->out_shift, 4, m, l, r);
    c.ro = ember_neon_rq_load(m, l, r);
    const int noleft = p->a_shift <= 0 && p->b_shift <= 0 && p->out_shift <= 0;
    const size_t i = noleft ? add_steps(count, a, b, out, &c, 1) : add_steps(count, a, b, out, &c, 0);
    if (i < count) {  // the tail through zero-padded copies
        int8_t ta[16] = {0}, tb[16] = {0}, to[16];
        memcpy(ta, a + i, count - i);
        memcpy(tb, b + i, count - i);
        vst1q_s8(to, add16(ta, tb, &c, 0));
        memcpy(out + i, to, count - i);
    }
}
#endif
