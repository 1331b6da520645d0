// qs8 GEMM, 8 rows x 8 channels, k in blocks of 8, ARMv8.6 int8 matrix multiply (SMMLA).
// The packed pair of channels (2p, 2p+1) x 8 k is SMMLA's right operand as stored; two rows'
// 8 k bytes form the left operand; each SMMLA adds [r0c0, r0c1, r1c0, r1c1]. Inner loop: 16
// SMMLA, 2 LDP, 8 row loads. Rows past the end repeat the last row and store to it (the same
// bytes); a partial block of channels is written through a buffer.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_blocks_neon.h"

#define MR 8

EMBER_TARGET_I8MM static inline int8x16_t rows2(const int8_t *p, const int8_t *q) {
    int64_t x, y;
    memcpy(&x, p, 8);
    memcpy(&y, q, 8);
    return vreinterpretq_s8_s64(vcombine_s64(vcreate_s64((uint64_t)x), vcreate_s64((uint64_t)y)));
}

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
EMBER_TARGET_I8MM static void ember_qs8_gemm_8x8c8__i8mm_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit,
                                                             const int8_t *a, size_t a_stride, const uint8_t *blk,
                                                             int8_t *dst, size_t dst_stride, const ember_neon_rq *r0p,
                                                             const ember_neon_rq *r1p, const ember_neon_out *op) {
    const ember_neon_rq r0 = *r0p, r1 = *r1p;  // local copies: int8 stores may alias anything
    const ember_neon_out o = *op;
    const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
    const int8_t *w = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += MR) {
        size_t idx[MR];
        idx[0] = 0;
        for (size_t r = 1; r < MR; r++) idx[r] = m + r < m1 ? r : idx[r - 1];
        const int8_t *ap[MR];
        for (size_t r = 0; r < MR; r++) ap[r] = a + (m + idx[r]) * a_stride;
        int32x4_t acc[MR / 2][4];
        for (int rp = 0; rp < MR / 2; rp++)
            for (int p = 0; p < 4; p++) acc[rp][p] = vdupq_n_s32(0);
        if (krem) {  // the partial last group of 8 first (ember_gemm_ktail)
            const int8_t *wt = w + kfull * 64;
            const int8x16_t w0 = vld1q_s8(wt), w1 = vld1q_s8(wt + 16), w2 = vld1q_s8(wt + 32), w3 = vld1q_s8(wt + 48);
            for (int rp = 0; rp < MR / 2; rp++) {
                int8_t t0[8], t1[8];
                const int8x16_t va = rows2(ember_gemm_ktail(ap[2 * rp] + kfull * 8, krem, a_limit, t0),
                                           ember_gemm_ktail(ap[2 * rp + 1] + kfull * 8, krem, a_limit, t1));
                acc[rp][0] = vmmlaq_s32(acc[rp][0], va, w0);
                acc[rp][1] = vmmlaq_s32(acc[rp][1], va, w1);
                acc[rp][2] = vmmlaq_s32(acc[rp][2], va, w2);
                acc[rp][3] = vmmlaq_s32(acc[rp][3], va, w3);
            }
        }
        const int8_t *wp = w;
        for (size_t kb = 0; kb < kfull; kb++, wp += 64) {
            const int8x16_t w0 = vld1q_s8(wp), w1 = vld1q_s8(wp + 16), w2 = vld1q_s8(wp + 32), w3 = vld1q_s8(wp + 48);
            for (int rp = 0; rp < MR / 2; rp++) {
                const int8x16_t va = rows2(ap[2 * rp] + kb * 8, ap[2 * rp + 1] + kb * 8);
                acc[rp][0] = vmmlaq_s32(acc[rp][0], va, w0);
                acc[rp][1] = vmmlaq_s32(acc[rp][1], va, w1);
                acc[rp][2] = vmmlaq_s32(acc[rp][2], va, w2);
                acc[rp][3] = vmmlaq_s32(acc[rp][3], va, w3);
            }
        }
        int8_t *d0 = dst + (m - m0) * dst_stride;
        for (int rp = 0; rp < MR / 2; rp++) {
            const int64x2_t p0 = vreinterpretq_s64_s32(acc[rp][0]), p1 = vreinterpretq_s64_s32(acc[rp][1]);
            const int64x2_t p2 = vreinterpretq_s64_s32(acc[rp][2]), p3 = vreinterpretq_s64_s32(acc[rp][3]);
            // Even row: the low halves of the 2x2 results; odd row: the high halves.
            const int32x4_t e_lo = vreinterpretq_s32_s64(vzip1q_s64(p0, p1)), e_hi = vreinterpretq_s32_s64(vzip1q_s64(p2, p3));
            const int32x4_t o_lo = vreinterpretq_s32_s64(vzip2q_s64(p0, p1)), o_hi = vreinterpretq_s32_s64(vzip2q_s64(p2, p3));
            vst1_s8(d0 + idx[2 * rp] * dst_stride, ember_neon_requant8(vaddq_s32(e_lo, bias_lo), vaddq_s32(e_hi, bias_hi), &r0, &r1, &o));
            vst1_s8(d0 + idx[2 * rp + 1] * dst_stride, ember_neon_requant8(vaddq_s32(o_lo, bias_lo), vaddq_s32(o_hi, bias_hi), &r0, &r1, &o));
        }
    }
}

EMBER_TARGET_I8MM
void ember_qs8_gemm_8x8c8__i8mm(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    // K <= 32 (MobileNetV2's first expansions): the output stage outweighs the multiplies, and the
    // SDOT kernel's one-channel-per-lane layout does it in fewer instructions (every i8mm core
    // has the dot product).
    if (k > 0 && k <= 32) {
        ember_qs8_gemm_8x8c8__neondot_smallk(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    ember_neon_qs8_gemm_blocks(ember_qs8_gemm_8x8c8__i8mm_rows, MR, m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
}
#endif
