// AArch64 NEON output stage: exact TFLite MultiplyByQuantizedMultiplier on 4 lanes.
// SQRDMULH equals gemmlowp's SaturatingRoundingDoublingHighMul bit for bit (both compute
// floor((a*b + 2^30) / 2^31) and saturate only INT32_MIN^2). SRSHL alone rounds ties up, not away
// from zero, so negative values get a -1 fixup first (see ember_neon_rdbp).
#ifndef EMBER_REQUANT_NEON_H
#define EMBER_REQUANT_NEON_H
#include <arm_neon.h>
#include "ember_kernels_internal.h"

/// Per-lane requantization constants for 4 channels.
typedef struct ember_neon_rq {
    int32x4_t mult, lshift, neg_rshift;
    int any_lshift;  ///< the left shift is skipped when no lane has one
} ember_neon_rq;

static inline ember_neon_rq ember_neon_rq_load(const int32_t mult[4], const int32_t lshift[4], const int32_t rshift[4]) {
    ember_neon_rq r;
    r.mult = vld1q_s32(mult);
    r.lshift = vld1q_s32(lshift);
    r.neg_rshift = vnegq_s32(vld1q_s32(rshift));
    r.any_lshift = (lshift[0] | lshift[1] | lshift[2] | lshift[3]) != 0;
    return r;
}

/// ember_load_requant8 + ember_neon_rq_load for a whole block of channels [n0, n0 + 8) (n0 + 8 <= n),
/// in vector registers: shift clamped to [-31, 31], lshift = max(s, 0), -rshift = min(s, 0).
static inline void ember_neon_rq_load8(const ember_qs8_output *q, size_t n0, ember_neon_rq *r0, ember_neon_rq *r1) {
    const int32x4_t lim = vdupq_n_s32(31), zero = vdupq_n_s32(0);
    for (int h = 0; h < 2; h++) {
        ember_neon_rq *r = h ? r1 : r0;
        const int32x4_t s = vmaxq_s32(vminq_s32(vld1q_s32(q->shift + n0 + 4 * h), lim), vnegq_s32(lim));
        r->mult = vld1q_s32(q->multiplier + n0 + 4 * h);
        r->lshift = vmaxq_s32(s, zero);
        r->neg_rshift = vminq_s32(s, zero);
        r->any_lshift = vmaxvq_s32(r->lshift) != 0;
    }
}

/// RoundingDivideByPOT with ties away from zero: negative x with e > 0 is first lowered by one,
/// then SRSHL rounds ties up. Equal to the remainder/threshold definition for 0 <= e <= 31:
/// floor((x - 1 + 2^(e-1)) / 2^e) adds one exactly when the remainder exceeds 2^(e-1), and the
/// rounding add cannot carry into the result. `neg_e` = -e per lane (sign bit set iff e > 0).
/// The lowering is one SSRA (x + ((x & neg_e) >> 31)), which wraps for x = INT32_MIN: x must
/// not be INT32_MIN. SQRDMULH never returns it (the most negative product of two int32 is
/// -(2^62 - 2^31), whose rounded doubling high half is -(2^31 - 1)), so this is exact after it.
static inline int32x4_t ember_neon_rdbp(int32x4_t x, int32x4_t neg_e) {
    return vrshlq_s32(vsraq_n_s32(x, vandq_s32(x, neg_e), 31), neg_e);
}

/// ember_neon_rdbp when every lane's e is at least 1: neg_e's sign bit is then set in every lane,
/// so the lowering term (x & neg_e) >> 31 is x >> 31 and the AND goes.
static inline int32x4_t ember_neon_rdbp_pos(int32x4_t x, int32x4_t neg_e) {
    return vrshlq_s32(vsraq_n_s32(x, x, 31), neg_e);
}

static inline int32x4_t ember_neon_mbqm(int32x4_t x, const ember_neon_rq *r) {
    if (r->any_lshift) x = vshlq_s32(x, r->lshift);
    return ember_neon_rdbp(vqrdmulhq_s32(x, r->mult), r->neg_rshift);
}

/// Zero point and clamp of one call's output, as int16 lanes (see ember_output_value).
typedef struct ember_neon_out {
    int16x8_t zp, mn, mx;
} ember_neon_out;

static inline ember_neon_out ember_neon_out_load(const ember_qs8_output *q) {
    ember_neon_out o;
    o.zp = vdupq_n_s16((int16_t)ember_clamp(q->zero_point, INT16_MIN, INT16_MAX));
    o.mn = vdupq_n_s16((int16_t)ember_clamp(q->min, -128, 127));
    o.mx = vdupq_n_s16((int16_t)ember_clamp(q->max, -128, 127));
    return o;
}

/// Requantizes 8 accumulators (channels 0-3 in lo, 4-7 in hi) to 8 int8 values.
static inline int8x8_t ember_neon_requant8(int32x4_t lo, int32x4_t hi, const ember_neon_rq *r0,
                                           const ember_neon_rq *r1, const ember_neon_out *o) {
    int16x8_t v = vcombine_s16(vqmovn_s32(ember_neon_mbqm(lo, r0)), vqmovn_s32(ember_neon_mbqm(hi, r1)));
    v = vminq_s16(vmaxq_s16(vqaddq_s16(v, o->zp), o->mn), o->mx);
    return vmovn_s16(v);
}

/// Stores the first `count` (1..8) bytes of v.
static inline void ember_neon_store_partial8(int8_t *dst, int8x8_t v, size_t count) {
    if (count >= 8) { vst1_s8(dst, v); return; }
    int8_t tmp[8];
    vst1_s8(tmp, v);
    memcpy(dst, tmp, count);
}
#endif
