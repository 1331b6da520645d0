// qs8 GEMM, 4 rows x 8 channels, k in blocks of 8, ARMv8.2 dot product (Cortex-A76 / Pi 5).
// A 16-byte weight load holds channels (2p, 2p+1) x 8 k; the row's 8 k bytes are duplicated in
// both halves (LD1R), so one SDOT gives [c2p k0-3, c2p k4-7, c2p+1 k0-3, c2p+1 k4-7]; pairwise
// adds at the end turn those into per-channel sums. Inner loop: 16 SDOT, 2 LDP, 4 LD1R.
// Rows past the end of the range repeat the last row and store to it (the same bytes), so the
// output stage has no branches; a partial block of channels is written through a buffer.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"

EMBER_TARGET_NEONDOT static inline int8x16_t dup8(const int8_t *p) {
    return vreinterpretq_s8_s64(vld1q_dup_s64((const int64_t *)(const void *)p));
}

#define MAC_ROW(acc0, acc1, acc2, acc3, va)          \
    do {                                             \
        const int8x16_t va_ = (va);                  \
        acc0 = vdotq_s32(acc0, w0, va_);             \
        acc1 = vdotq_s32(acc1, w1, va_);             \
        acc2 = vdotq_s32(acc2, w2, va_);             \
        acc3 = vdotq_s32(acc3, w3, va_);             \
    } while (0)

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
EMBER_TARGET_NEONDOT static void ember_qs8_gemm_4x8c8__neondot_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit,
                                            const int8_t *a, size_t a_stride, const uint8_t *blk,
                                            int8_t *dst, size_t dst_stride, const ember_neon_rq *r0p,
                                            const ember_neon_rq *r1p, const ember_neon_out *op) {
    // Local copies: int8 stores may alias anything, which would force reloads after each store.
    const ember_neon_rq rq0 = *r0p, rq1 = *r1p, *r0 = &rq0, *r1 = &rq1;
    const ember_neon_out out_c = *op, *o = &out_c;
    const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
    const int8_t *w = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += 4) {
        const size_t i1 = m + 1 < m1 ? 1 : 0, i2 = m + 2 < m1 ? 2 : i1, i3 = m + 3 < m1 ? 3 : i2;
        const int8_t *a0 = a + m * a_stride, *a1 = a0 + i1 * a_stride, *a2 = a0 + i2 * a_stride, *a3 = a0 + i3 * a_stride;
        int8_t *d0 = dst + (m - m0) * dst_stride;
        int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        int32x4_t c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        if (krem) {  // the partial last group of 8 first (ember_gemm_ktail)
            const int8_t *wt = w + kfull * 64;
            const int8x16_t w0 = vld1q_s8(wt), w1 = vld1q_s8(wt + 16), w2 = vld1q_s8(wt + 32), w3 = vld1q_s8(wt + 48);
            int8_t t[4][8];
            MAC_ROW(c00, c01, c02, c03, dup8(ember_gemm_ktail(a0 + kfull * 8, krem, a_limit, t[0])));
            MAC_ROW(c10, c11, c12, c13, dup8(ember_gemm_ktail(a1 + kfull * 8, krem, a_limit, t[1])));
            MAC_ROW(c20, c21, c22, c23, dup8(ember_gemm_ktail(a2 + kfull * 8, krem, a_limit, t[2])));
            MAC_ROW(c30, c31, c32, c33, dup8(ember_gemm_ktail(a3 + kfull * 8, krem, a_limit, t[3])));
        }
        const int8_t *wp = w;
        for (size_t kb = 0; kb < kfull; kb++) {
            const int8x16_t w0 = vld1q_s8(wp), w1 = vld1q_s8(wp + 16), w2 = vld1q_s8(wp + 32), w3 = vld1q_s8(wp + 48);
            wp += 64;
            MAC_ROW(c00, c01, c02, c03, dup8(a0)); a0 += 8;
            MAC_ROW(c10, c11, c12, c13, dup8(a1)); a1 += 8;
            MAC_ROW(c20, c21, c22, c23, dup8(a2)); a2 += 8;
            MAC_ROW(c30, c31, c32, c33, dup8(a3)); a3 += 8;
        }
        vst1_s8(d0, ember_neon_requant8(vaddq_s32(vpaddq_s32(c00, c01), bias_lo), vaddq_s32(vpaddq_s32(c02, c03), bias_hi), r0, r1, o));
        vst1_s8(d0 + i1 * dst_stride, ember_neon_requant8(vaddq_s32(vpaddq_s32(c10, c11), bias_lo), vaddq_s32(vpaddq_s32(c12, c13), bias_hi), r0, r1, o));
        vst1_s8(d0 + i2 * dst_stride, ember_neon_requant8(vaddq_s32(vpaddq_s32(c20, c21), bias_lo), vaddq_s32(vpaddq_s32(c22, c23), bias_hi), r0, r1, o));
        vst1_s8(d0 + i3 * dst_stride, ember_neon_requant8(vaddq_s32(vpaddq_s32(c30, c31), bias_lo), vaddq_s32(vpaddq_s32(c32, c33), bias_hi), r0, r1, o));
    }
}

EMBER_TARGET_NEONDOT
void ember_qs8_gemm_4x8c8__neondot(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *a, size_t a_stride, const void *packed,
                                   int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    const ember_neon_out o = ember_neon_out_load(q);
    const size_t mc = ember_gemm_row_chunk(k, 4);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            const ember_neon_rq r0 = ember_neon_rq_load(mult, ls, rs), r1 = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
            if (n - nb >= 8) {
                ember_qs8_gemm_4x8c8__neondot_rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, out + m0 * out_stride + nb, out_stride, &r0, &r1, &o);
            } else {
                int8_t tmp[EMBER_GEMM_MAX_CHUNK * 8];
                ember_qs8_gemm_4x8c8__neondot_rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, tmp, 8, &r0, &r1, &o);
                for (size_t m = m0; m < m1; m++) memcpy(out + m * out_stride + nb, tmp + (m - m0) * 8, n - nb);
            }
        }
    }
}
#endif
