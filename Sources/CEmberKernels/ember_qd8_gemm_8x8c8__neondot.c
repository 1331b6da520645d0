// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 8 rows x 8 channels, indexed SDOT.
// Same transposed rows and tile as ember_qs8_gemm_8x8c8__neondot (ember_gemm_dot8x8_neon.h); the
// output stage is float: scale[m] * w_scale[n] * (float)(acc - zp[m] * wsum[n]) + bias[n],
// multiply and add kept separate (no fused multiply-add) so results equal the scalar twin bit for bit.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_dot8x8_neon.h"

#define MR EMBER_DOT_MR

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
void ember_qd8_gemm_8x8c8__neondot(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                   const void *packed, const float *w_scale, const float *bias,
                                   float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), tile_bytes = ember_round_up(k, 16) * MR;
    const size_t seg = tile_bytes <= EMBER_DOT_SCRATCH ? k : EMBER_DOT_MAX_K;
    const size_t mc = ember_dot_row_chunk(k);
    const int8_t *const q_limit = ember_gemm_a_end(q, m_end, q_stride, k);
    int8_t at[EMBER_DOT_SCRATCH];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (seg == k)
            for (size_t m = m0; m < m1; m += MR) {
                const int8_t *rows[MR];
                ember_dot_tile_rows(q, q_stride, m, m1, rows);
                ember_dot_pack_rows(rows, 0, k, q_limit, at + (m - m0) / MR * tile_bytes);
            }
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int32x4_t wsum_lo = vld1q_s32((const int32_t *)blk), wsum_hi = vld1q_s32((const int32_t *)blk + 4);
            const int8_t *w = (const int8_t *)(blk + 32);
            const size_t count = n - nb < 8 ? n - nb : 8;
            float ws[8] = {0}, b[8] = {0};
            for (size_t j = 0; j < count; j++) { ws[j] = w_scale[nb + j]; b[j] = bias ? bias[nb + j] : 0.0f; }
            for (size_t m = m0; m < m1; m += MR) {
                int32x4_t acc[16];
                for (int i = 0; i < 16; i++) acc[i] = vdupq_n_s32(0);
                if (seg == k) {
                    const int8_t *t = at + (m - m0) / MR * tile_bytes;
                    if (m1 - m > MR / 2) ember_dot_tile(acc, t, w, (k + 7) / 8, 0);
                    else ember_dot_tile(acc, t, w, (k + 7) / 8, 1);
                } else {
                    const int8_t *rows[MR];
                    ember_dot_tile_rows(q, q_stride, m, m1, rows);
                    for (size_t k0 = 0; k0 < k; k0 += seg) {
                        const size_t k1 = k0 + seg < k ? k0 + seg : k;
                        ember_dot_pack_rows(rows, k0, k1, q_limit, at);
                        if (m1 - m > MR / 2) ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 0);
                        else ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 1);
                    }
                }
                int32x4_t v[MR][2];
                ember_dot_rows(acc, v);
                for (size_t r = 0; r < MR && m + r < m1; r++)
                    store_row(out + (m + r) * out_stride + nb, count, v[r][0], v[r][1], wsum_lo, wsum_hi, zero_point[m + r],
                              scale[m + r], ws, b);
            }
        }
    }
}
#endif
