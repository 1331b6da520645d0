// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 8 rows x 8 channels, ARMv8.6 int8
// matrix multiply (SMMLA), on the interleaved tile of ember_gemm_i8mm_neon.h: half the multiply
// instructions of the SDOT kernel. The float output stage is the twin's, multiply and add kept
// separate: scale[m] * w_scale[n] * (float)(acc - zp[m] * wsum[n]) + bias[n].
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_i8mm_neon.h"
#include "ember_qd8_neon.h"

#define MR EMBER_I8MM_MR

/// One row's 8 channels to float at dst, as the twin rounds them.
EMBER_TARGET_I8MM static inline void store_row(float *dst, int32x4_t lo, int32x4_t hi, int32x4_t wsum_lo, int32x4_t wsum_hi,
                                               int32_t zp, float s, float32x4_t ws_lo, float32x4_t ws_hi,
                                               float32x4_t b_lo, float32x4_t b_hi) {
    const int32x4_t c_lo = vmlsq_n_s32(lo, wsum_lo, zp), c_hi = vmlsq_n_s32(hi, wsum_hi, zp);
    vst1q_f32(dst, vaddq_f32(vmulq_f32(vmulq_n_f32(ws_lo, s), vcvtq_f32_s32(c_lo)), b_lo));
    vst1q_f32(dst + 4, vaddq_f32(vmulq_f32(vmulq_n_f32(ws_hi, s), vcvtq_f32_s32(c_hi)), b_hi));
}

EMBER_TARGET_I8MM
void ember_qd8_gemm_8x8c8__i8mm(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                const void *packed, const float *w_scale, const float *bias,
                                float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kb_count = (k + 7) / 8, kpad = kb_count * 8;
    const int interleave = ember_i8mm_interleaves(k);
    const size_t mc = ember_i8mm_chunk(k);
    const int8_t *const q_limit = ember_gemm_a_end(q, m_end, q_stride, k);
    int8_t pairs[EMBER_I8MM_SCRATCH];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (interleave)
            for (size_t m = m0; m < m1; m += MR) ember_i8mm_pack_tile(q, q_stride, m, m1, k, pairs + (m - m0) * kpad);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int32x4_t wsum_lo = vld1q_s32((const int32_t *)blk), wsum_hi = vld1q_s32((const int32_t *)blk + 4);
            const int8_t *w = (const int8_t *)(blk + 32);
            const size_t count = n - nb < 8 ? n - nb : 8;
            float32x4_t ws[2], b[2];
            ember_qd8_neon_block_scales(w_scale, bias, nb, n, ws, b);
            for (size_t m = m0; m < m1; m += MR) {
                int32x4_t acc[MR / 2][4];
                for (int rp = 0; rp < MR / 2; rp++)
                    for (int p = 0; p < 4; p++) acc[rp][p] = vdupq_n_s32(0);
                // The tile is addressed from `pairs` itself: through a pointer that may be NULL, clang 21
                // stored the accumulators on every step (102.6 M instead of 76.5 M instructions).
                if (interleave) ember_i8mm_tile(acc, pairs + (m - m0) * kpad, w, kb_count, MR / 2);
                else ember_i8mm_tile_direct(acc, q, q_stride, m, m1, k, q_limit, w);
                // acc[rp][p] = [row 2rp: ch 2p, 2p+1 | row 2rp+1: ch 2p, 2p+1]: even rows are the low halves.
                // A whole tile is stored in place; a partial one (rows or channels) through a buffer.
                const int whole = m1 - m >= MR && count == 8;
                float buf[MR * 8];
                float *const d = whole ? out + m * out_stride + nb : buf;
                const size_t stride = whole ? out_stride : 8;
                for (int rp = 0; rp < MR / 2; rp++) {
                    const int64x2_t p0 = vreinterpretq_s64_s32(acc[rp][0]), p1 = vreinterpretq_s64_s32(acc[rp][1]);
                    const int64x2_t p2 = vreinterpretq_s64_s32(acc[rp][2]), p3 = vreinterpretq_s64_s32(acc[rp][3]);
                    const size_t even = m + 2 * (size_t)rp < m1 ? m + 2 * (size_t)rp : m1 - 1, odd = even + 1 < m1 ? even + 1 : even;
                    store_row(d + 2 * rp * stride, vreinterpretq_s32_s64(vzip1q_s64(p0, p1)), vreinterpretq_s32_s64(vzip1q_s64(p2, p3)),
                              wsum_lo, wsum_hi, zero_point[even], scale[even], ws[0], ws[1], b[0], b[1]);
                    store_row(d + (2 * rp + 1) * stride, vreinterpretq_s32_s64(vzip2q_s64(p0, p1)), vreinterpretq_s32_s64(vzip2q_s64(p2, p3)),
                              wsum_lo, wsum_hi, zero_point[odd], scale[odd], ws[0], ws[1], b[0], b[1]);
                }
                if (!whole)
                    for (size_t r = 0; r < MR && m + r < m1; r++) memcpy(out + (m + r) * out_stride + nb, buf + r * 8, count * sizeof(float));
            }
        }
    }
}
#endif
