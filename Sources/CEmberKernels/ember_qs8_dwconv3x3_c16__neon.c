// Depthwise 3x3, 16 channels at a time, AArch64 NEON (all AArch64 CPUs).
// Products (|p| <= 16384) fit int16 one at a time; they are widened into int32 before summing.
// Per output pixel the 9 tap pointers are set once; full blocks of 16 channels then advance
// them with the loads (padding taps do not advance), the last partial block goes through
// zero-padded copies.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"
#include "ember_dwconv_taps.h"

/// One block of 16 channels: `p[t]` are the taps' addresses for this block.
static inline int8x16_t block16(const int8_t *const p[9], const uint8_t *blk, const ember_neon_rq rq[4], const ember_neon_out *o) {
    const int32_t *bias = (const int32_t *)blk;
    const int8_t *wt = (const int8_t *)(blk + 64);
    int32x4_t acc0 = vld1q_s32(bias), acc1 = vld1q_s32(bias + 4), acc2 = vld1q_s32(bias + 8), acc3 = vld1q_s32(bias + 12);
    for (int t = 0; t < 9; t++) {
        const int8x16_t va = vld1q_s8(p[t]), vw = vld1q_s8(wt + 16 * t);
        const int16x8_t plo = vmull_s8(vget_low_s8(va), vget_low_s8(vw));
        const int16x8_t phi = vmull_high_s8(va, vw);
        acc0 = vaddw_s16(acc0, vget_low_s16(plo));
        acc1 = vaddw_high_s16(acc1, plo);
        acc2 = vaddw_s16(acc2, vget_low_s16(phi));
        acc3 = vaddw_high_s16(acc3, phi);
    }
    return vcombine_s8(ember_neon_requant8(acc0, acc1, &rq[0], &rq[1], o), ember_neon_requant8(acc2, acc3, &rq[2], &rq[3], o));
}

void ember_qs8_dwconv3x3_c16__neon(const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                   const void *packed, int8_t input_zero_point, int8_t *out,
                                   const ember_qs8_output *q) {
    (void)out_h;
    const ember_neon_out o = ember_neon_out_load(q);
    int8_t zp16[16];
    memset(zp16, input_zero_point, sizeof zp16);
    const size_t nblocks = (c + 15) / 16, nfull = c / 16;
    for (size_t b0 = 0; b0 < nblocks; b0 += EMBER_DW_CHUNK) {
        const size_t b1 = b0 + EMBER_DW_CHUNK < nblocks ? b0 + EMBER_DW_CHUNK : nblocks;
        const size_t bfull = b1 < nfull ? b1 : nfull;  // blocks [b0, bfull) have 16 channels
        ember_neon_rq rq[EMBER_DW_CHUNK][4];
        for (size_t b = b0; b < b1; b++) {
            int32_t mult[16], ls[16], rs[16];
            ember_dw_load_requant16(q, b * 16, c, mult, ls, rs);
            for (int i = 0; i < 4; i++) rq[b - b0][i] = ember_neon_rq_load(mult + 4 * i, ls + 4 * i, rs + 4 * i);
        }
        for (size_t oy = oy_begin; oy < oy_end; oy++)
            for (size_t ox = 0; ox < out_w; ox++) {
                ember_dw_taps taps;
                ember_dw_taps_at(&taps, in, h, w, c, stride, pad_top, pad_left, oy, ox, zp16);
                int8_t *dst = out + (oy * out_w + ox) * c + b0 * 16;
                const int8_t *p[9];
                size_t inc[9];
                for (int t = 0; t < 9; t++) { p[t] = taps.ptr[t] + (b0 * 16 & taps.mask[t]); inc[t] = 16 & taps.mask[t]; }
                const uint8_t *blk = (const uint8_t *)packed + b0 * ember_dw_block_bytes();
                for (size_t b = b0; b < bfull; b++, dst += 16, blk += ember_dw_block_bytes()) {
                    vst1q_s8(dst, block16(p, blk, rq[b - b0], &o));
                    for (int t = 0; t < 9; t++) p[t] += inc[t];
                }
                if (bfull < b1) {  // the last, partial block
                    int8_t tmp[9][16], v[16];
                    const int8_t *pt[9];
                    ember_dw_block_ptrs(&taps, bfull * 16, c - bfull * 16, tmp, pt);
                    vst1q_s8(v, block16(pt, blk, rq[bfull - b0], &o));
                    memcpy(dst, v, c - bfull * 16);
                }
            }
    }
}
#endif
