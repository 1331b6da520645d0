// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 2 rows x 8 channels, ARMv8.0 NEON
// (Cortex-A53/A72), for weights in [-127, 127] only (the encoder's symmetric per-channel
// quantizer never writes -128; ember_qs8_gemm_packed_narrow). Two blocks of 8 k share one int16
// product (SMULL + SMLAL + SADALP, exact as |a0*w0 + a1*w1| <= 32512; the first pair starts the
// accumulators with SADDLP), as in ember_qs8_gemm_2x8c8__neon_mlal; the output stage is
// ember_qd8_neon.h's, shared with ember_qd8_gemm_2x8c8__neon.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_qd8_neon.h"

/// Two blocks of 8 k: weights of block kb at wp, of kb + 1 at wp + 64; row 0's bytes of the two
/// blocks in va0, vb0, row 1's in va1, vb1.
/// `first` (a constant after inlining): the accumulators start here (SADDLP, no zeroing).
static inline void mac_block2(int32x4_t acc0[8], int32x4_t acc1[8], const int8_t *wp, int8x8_t va0, int8x8_t vb0,
                              int8x8_t va1, int8x8_t vb1, int first) {
    for (int j = 0; j < 8; j++) {
        const int8x8_t vw = vld1_s8(wp + 8 * j), vx = vld1_s8(wp + 64 + 8 * j);
        const int16x8_t p0 = vmlal_s8(vmull_s8(vw, va0), vx, vb0), p1 = vmlal_s8(vmull_s8(vw, va1), vx, vb1);
        acc0[j] = first ? vpaddlq_s16(p0) : vpadalq_s16(acc0[j], p0);
        acc1[j] = first ? vpaddlq_s16(p1) : vpadalq_s16(acc1[j], p1);
    }
}

void ember_qd8_gemm_2x8c8__neon_mlal(size_t m_begin, size_t m_end, size_t n, size_t k,
                                     const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                     const void *packed, const float *w_scale, const float *bias,
                                     float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    for (size_t nb = 0; nb < n; nb += 8) {
        const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
        const int32x4_t wsum_lo = vld1q_s32((const int32_t *)blk), wsum_hi = vld1q_s32((const int32_t *)blk + 4);
        const int8_t *w = (const int8_t *)(blk + 32);
        const size_t count = n - nb < 8 ? n - nb : 8;
        float32x4_t ws[2], b[2];
        ember_qd8_neon_block_scales(w_scale, bias, nb, n, ws, b);
        for (size_t m = m_begin; m < m_end; m += 2) {
            const int8_t *a0 = q + m * q_stride, *a1 = m + 1 < m_end ? a0 + q_stride : a0;
            int32x4_t acc0[8], acc1[8];
            size_t kb = 3;  // the pair loop's next second block
            if (kfull >= 2) {
                mac_block2(acc0, acc1, w, vld1_s8(a0), vld1_s8(a0 + 8), vld1_s8(a1), vld1_s8(a1 + 8), 1);
            } else {
                for (int j = 0; j < 8; j++) { acc0[j] = vdupq_n_s32(0); acc1[j] = vdupq_n_s32(0); }
                kb = 1;
            }
            for (; kb < kfull; kb += 2)
                mac_block2(acc0, acc1, w + (kb - 1) * 64, vld1_s8(a0 + (kb - 1) * 8), vld1_s8(a0 + kb * 8),
                           vld1_s8(a1 + (kb - 1) * 8), vld1_s8(a1 + kb * 8), 0);
            if (kfull & 1) ember_qd8_neon_mac_block(acc0, acc1, w + (kfull - 1) * 64, vld1_s8(a0 + (kfull - 1) * 8), vld1_s8(a1 + (kfull - 1) * 8));
            if (krem) {
                int8_t t0[8] = {0}, t1[8] = {0};
                memcpy(t0, a0 + kfull * 8, krem);
                memcpy(t1, a1 + kfull * 8, krem);
                ember_qd8_neon_mac_block(acc0, acc1, w + kfull * 64, vld1_s8(t0), vld1_s8(t1));
            }
            ember_qd8_neon_store_row(out + m * out_stride + nb, count, acc0, wsum_lo, wsum_hi, zero_point[m], scale[m], ws, b);
            if (m + 1 < m_end)
                ember_qd8_neon_store_row(out + (m + 1) * out_stride + nb, count, acc1, wsum_lo, wsum_hi, zero_point[m + 1], scale[m + 1], ws, b);
        }
    }
}
#endif
