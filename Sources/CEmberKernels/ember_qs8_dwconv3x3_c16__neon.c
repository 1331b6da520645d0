// Depthwise 3x3, 16 channels at a time, AArch64 NEON (all AArch64 CPUs).
// Products (|p| <= 16384) fit int16 one at a time; they are widened into int32 before summing.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"
#include "ember_dwconv_taps.h"

void ember_qs8_dwconv3x3_c16__neon(const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                   const void *packed, int8_t input_zero_point, int8_t *out,
                                   const ember_qs8_output *q) {
    (void)out_h;
    int8_t zp16[16];
    memset(zp16, input_zero_point, sizeof zp16);
    for (size_t cb = 0; cb < c; cb += 16) {
        const uint8_t *blk = (const uint8_t *)packed + (cb / 16) * ember_dw_block_bytes();
        const int32_t *bias = (const int32_t *)blk;
        const int8_t *wt = (const int8_t *)(blk + 64);
        int8x16_t vw[9];
        for (int t = 0; t < 9; t++) vw[t] = vld1q_s8(wt + 16 * t);
        int32_t mult[16], ls[16], rs[16];
        ember_dw_load_requant16(q, cb, c, mult, ls, rs);
        const ember_neon_rq rq[4] = {ember_neon_rq_load(mult, ls, rs), ember_neon_rq_load(mult + 4, ls + 4, rs + 4),
                                     ember_neon_rq_load(mult + 8, ls + 8, rs + 8), ember_neon_rq_load(mult + 12, ls + 12, rs + 12)};
        const size_t avail = c - cb;
        for (size_t oy = oy_begin; oy < oy_end; oy++)
            for (size_t ox = 0; ox < out_w; ox++) {
                ember_dw_taps taps;
                ember_dw_taps_at(&taps, in, h, w, c, stride, pad_top, pad_left, oy, ox, zp16);
                int32x4_t acc0 = vld1q_s32(bias), acc1 = vld1q_s32(bias + 4), acc2 = vld1q_s32(bias + 8), acc3 = vld1q_s32(bias + 12);
                for (int t = 0; t < 9; t++) {
                    int8_t tmp[16];
                    const int8x16_t va = vld1q_s8(ember_dw_tap16(&taps, t, cb, avail, tmp));
                    const int16x8_t plo = vmull_s8(vget_low_s8(va), vget_low_s8(vw[t]));
                    const int16x8_t phi = vmull_high_s8(va, vw[t]);
                    acc0 = vaddw_s16(acc0, vget_low_s16(plo));
                    acc1 = vaddw_high_s16(acc1, plo);
                    acc2 = vaddw_s16(acc2, vget_low_s16(phi));
                    acc3 = vaddw_high_s16(acc3, phi);
                }
                int8_t *dst = out + (oy * out_w + ox) * c + cb;
                const int8x8_t lo = ember_neon_requant8(acc0, acc1, &rq[0], &rq[1], q);
                const int8x8_t hi = ember_neon_requant8(acc2, acc3, &rq[2], &rq[3], q);
                if (avail >= 16) {
                    vst1q_s8(dst, vcombine_s8(lo, hi));
                } else {
                    int8_t v[16];
                    vst1q_s8(v, vcombine_s8(lo, hi));
                    memcpy(dst, v, avail);
                }
            }
    }
}
#endif
