// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 4 rows x 8 channels, SDOT.
// Same packing and inner loop as ember_qs8_gemm_4x8c8__neondot; the output stage is float:
// scale[m] * w_scale[n] * (float)(acc - zp[m] * wsum[n]) + bias[n], multiply and add kept
// separate (no fused multiply-add) so results equal the scalar twin bit for bit.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include <arm_neon.h>

EMBER_TARGET_NEONDOT static inline int8x16_t dup8(const int8_t *p) {
    return vreinterpretq_s8_s64(vld1q_dup_s64((const int64_t *)(const void *)p));
}

EMBER_TARGET_NEONDOT static inline void store_row(float *dst, size_t count, int32x4_t lo, int32x4_t hi, int32x4_t wsum_lo,
                                                  int32x4_t wsum_hi, int32_t zp, float s, const float ws[8], const float b[8]) {
    const int32x4_t c_lo = vsubq_s32(lo, vmulq_n_s32(wsum_lo, zp)), c_hi = vsubq_s32(hi, vmulq_n_s32(wsum_hi, zp));
    const float32x4_t f_lo = vaddq_f32(vmulq_f32(vmulq_n_f32(vld1q_f32(ws), s), vcvtq_f32_s32(c_lo)), vld1q_f32(b));
    const float32x4_t f_hi = vaddq_f32(vmulq_f32(vmulq_n_f32(vld1q_f32(ws + 4), s), vcvtq_f32_s32(c_hi)), vld1q_f32(b + 4));
    if (count == 8) { vst1q_f32(dst, f_lo); vst1q_f32(dst + 4, f_hi); return; }
    float t[8];
    vst1q_f32(t, f_lo);
    vst1q_f32(t + 4, f_hi);
    memcpy(dst, t, count * sizeof(float));
}

EMBER_TARGET_NEONDOT
void ember_qd8_gemm_4x8c8__neondot(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                   const void *packed, const float *w_scale, const float *bias,
                                   float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    for (size_t nb = 0; nb < n; nb += 8) {
        const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
        const int32x4_t wsum_lo = vld1q_s32((const int32_t *)blk), wsum_hi = vld1q_s32((const int32_t *)blk + 4);
        const int8_t *w = (const int8_t *)(blk + 32);
        const size_t count = n - nb < 8 ? n - nb : 8;
        float ws[8] = {0}, b[8] = {0};
        for (size_t j = 0; j < count; j++) { ws[j] = w_scale[nb + j]; b[j] = bias ? bias[nb + j] : 0.0f; }
        for (size_t m = m_begin; m < m_end; m += 4) {
            const int8_t *ap[4];
            for (size_t r = 0; r < 4; r++) ap[r] = q + (m + r < m_end ? m + r : m_end - 1) * q_stride;
            int32x4_t acc[4][4];
            for (int r = 0; r < 4; r++)
                for (int p = 0; p < 4; p++) acc[r][p] = vdupq_n_s32(0);
            for (size_t kb = 0; kb <= kfull; kb++) {
                if (kb == kfull && !krem) break;
                const int8_t *wp = w + kb * 64;
                const int8x16_t w0 = vld1q_s8(wp), w1 = vld1q_s8(wp + 16), w2 = vld1q_s8(wp + 32), w3 = vld1q_s8(wp + 48);
                for (int r = 0; r < 4; r++) {
                    int8_t t[8] = {0};
                    const int8_t *src = ap[r] + kb * 8;
                    if (kb == kfull) { memcpy(t, src, krem); src = t; }
                    const int8x16_t va = dup8(src);
                    acc[r][0] = vdotq_s32(acc[r][0], w0, va);
                    acc[r][1] = vdotq_s32(acc[r][1], w1, va);
                    acc[r][2] = vdotq_s32(acc[r][2], w2, va);
                    acc[r][3] = vdotq_s32(acc[r][3], w3, va);
                }
            }
            for (size_t r = 0; r < 4 && m + r < m_end; r++)
                store_row(out + (m + r) * out_stride + nb, count, vpaddq_s32(acc[r][0], acc[r][1]), vpaddq_s32(acc[r][2], acc[r][3]),
                          wsum_lo, wsum_hi, zero_point[m + r], scale[m + r], ws, b);
        }
    }
}
#endif
