// AArch64 NEON output stage: exact TFLite MultiplyByQuantizedMultiplier on 4 lanes.
// SQRDMULH equals gemmlowp's SaturatingRoundingDoublingHighMul bit for bit (both compute
// floor((a*b + 2^30) / 2^31) and saturate only INT32_MIN^2); RoundingDivideByPOT is done with the
// remainder/threshold compare, not VRSHL, because VRSHL rounds ties up instead of away from zero.
#ifndef EMBER_REQUANT_NEON_H
#define EMBER_REQUANT_NEON_H
#include <arm_neon.h>
#include "ember_kernels_internal.h"

/// Per-lane requantization constants for 4 channels.
typedef struct ember_neon_rq {
    int32x4_t mult, lshift, neg_rshift, rmask, rthresh;
} ember_neon_rq;

static inline ember_neon_rq ember_neon_rq_load(const int32_t mult[4], const int32_t lshift[4], const int32_t rshift[4]) {
    ember_neon_rq r;
    r.mult = vld1q_s32(mult);
    r.lshift = vld1q_s32(lshift);
    const int32x4_t e = vld1q_s32(rshift);
    r.neg_rshift = vnegq_s32(e);
    r.rmask = vsubq_s32(vshlq_s32(vdupq_n_s32(1), e), vdupq_n_s32(1));
    r.rthresh = vshrq_n_s32(r.rmask, 1);
    return r;
}

static inline int32x4_t ember_neon_mbqm(int32x4_t x, const ember_neon_rq *r) {
    x = vqrdmulhq_s32(vshlq_s32(x, r->lshift), r->mult);
    const int32x4_t rem = vandq_s32(x, r->rmask);
    // threshold + 1 for negative x: subtracting the all-ones compare mask adds one.
    const int32x4_t thr = vsubq_s32(r->rthresh, vreinterpretq_s32_u32(vcltzq_s32(x)));
    return vsubq_s32(vshlq_s32(x, r->neg_rshift), vreinterpretq_s32_u32(vcgtq_s32(rem, thr)));
}

/// Requantizes 8 accumulators (channels 0-3 in lo, 4-7 in hi) to 8 int8 values.
static inline int8x8_t ember_neon_requant8(int32x4_t lo, int32x4_t hi, const ember_neon_rq *r0,
                                           const ember_neon_rq *r1, const ember_qs8_output *q) {
    const int32x4_t zp = vdupq_n_s32(q->zero_point), mn = vdupq_n_s32(q->min), mx = vdupq_n_s32(q->max);
    lo = vminq_s32(vmaxq_s32(vaddq_s32(ember_neon_mbqm(lo, r0), zp), mn), mx);
    hi = vminq_s32(vmaxq_s32(vaddq_s32(ember_neon_mbqm(hi, r1), zp), mn), mx);
    return vqmovn_s16(vcombine_s16(vqmovn_s32(lo), vqmovn_s32(hi)));
}

/// Stores the first `count` (1..8) bytes of v.
static inline void ember_neon_store_partial8(int8_t *dst, int8x8_t v, size_t count) {
    if (count >= 8) { vst1_s8(dst, v); return; }
    int8_t tmp[8];
    vst1_s8(tmp, v);
    memcpy(dst, tmp, count);
}
#endif
