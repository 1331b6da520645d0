// qs8 GEMM, 4 rows x 8 channels, k in blocks of 8, ARMv8.6 int8 matrix multiply (SMMLA).
// The packed pair of channels (2p, 2p+1) x 8 k is SMMLA's right operand as stored; two rows'
// 8 k bytes form the left operand; each SMMLA adds [r0c0, r0c1, r1c0, r1c1].
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"

EMBER_TARGET_I8MM static inline void mac_block(int32x4_t acc[2][4], const int8_t *wp, const int8_t *const ap[4], size_t off) {
    const int8x16_t w0 = vld1q_s8(wp), w1 = vld1q_s8(wp + 16), w2 = vld1q_s8(wp + 32), w3 = vld1q_s8(wp + 48);
    for (int rp = 0; rp < 2; rp++) {
        const int8x16_t va = vcombine_s8(vld1_s8(ap[2 * rp] + off), vld1_s8(ap[2 * rp + 1] + off));
        acc[rp][0] = vmmlaq_s32(acc[rp][0], va, w0);
        acc[rp][1] = vmmlaq_s32(acc[rp][1], va, w1);
        acc[rp][2] = vmmlaq_s32(acc[rp][2], va, w2);
        acc[rp][3] = vmmlaq_s32(acc[rp][3], va, w3);
    }
}

EMBER_TARGET_I8MM
void ember_qs8_gemm_4x8c8__i8mm(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    const size_t mc = ember_gemm_row_chunk(k, 4);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
            const int8_t *w = (const int8_t *)(blk + 32);
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            const ember_neon_rq r0 = ember_neon_rq_load(mult, ls, rs), r1 = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
            const size_t ncount = n - nb < 8 ? n - nb : 8;
            for (size_t m = m0; m < m1; m += 4) {
                const int8_t *ap[4];
                for (size_t r = 0; r < 4; r++) ap[r] = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
                int32x4_t acc[2][4];
                for (int rp = 0; rp < 2; rp++)
                    for (int p = 0; p < 4; p++) acc[rp][p] = vdupq_n_s32(0);
                const int8_t *wp = w;
                for (size_t kb = 0; kb < kfull; kb++, wp += 64) mac_block(acc, wp, ap, kb * 8);
                if (krem) {
                    int8_t t[4][8] = {{0}};
                    const int8_t *tp[4];
                    for (int r = 0; r < 4; r++) { memcpy(t[r], ap[r] + kfull * 8, krem); tp[r] = t[r]; }
                    mac_block(acc, wp, tp, 0);
                }
                for (size_t r = 0; r < 4 && m + r < m1; r++) {
                    const int32x4_t *pr = acc[r / 2];
                    int32x4_t lo, hi;
                    if ((r & 1) == 0) {  // even row: low 64 bits of each 2x2 result
                        lo = vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(pr[0]), vreinterpretq_s64_s32(pr[1])));
                        hi = vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(pr[2]), vreinterpretq_s64_s32(pr[3])));
                    } else {
                        lo = vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(pr[0]), vreinterpretq_s64_s32(pr[1])));
                        hi = vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(pr[2]), vreinterpretq_s64_s32(pr[3])));
                    }
                    ember_neon_store_partial8(out + (m + r) * out_stride + nb,
                        ember_neon_requant8(vaddq_s32(lo, bias_lo), vaddq_s32(hi, bias_hi), &r0, &r1, q), ncount);
                }
            }
        }
    }
}
#endif
