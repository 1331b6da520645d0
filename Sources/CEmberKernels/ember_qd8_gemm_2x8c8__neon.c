// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 2 rows x 8 channels, ARMv8.0 NEON
// (Cortex-A53/A72). Same packing and SMULL + SADALP inner loop as ember_qs8_gemm_2x8c8__neon;
// float output stage with multiply and add kept separate, so results equal the scalar twin.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_qd8_neon.h"

void ember_qd8_gemm_2x8c8__neon(size_t m_begin, size_t m_end, size_t n, size_t k,
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
            for (int j = 0; j < 8; j++) { acc0[j] = vdupq_n_s32(0); acc1[j] = vdupq_n_s32(0); }
            for (size_t kb = 0; kb < kfull; kb++) ember_qd8_neon_mac_block(acc0, acc1, w + kb * 64, vld1_s8(a0 + kb * 8), vld1_s8(a1 + kb * 8));
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
