// qs8 GEMM, 2 rows x 8 channels, k in blocks of 8, ARMv8.0 NEON (Cortex-A53/A72).
// Each SMULL product is widened into int32 by SADALP right away: adding two products in int16
// overflows for -128 * -128 + -128 * -128. On the A72 SMULL issues on F0 and SADALP on F1, so the
// pair sustains 8 MACs per cycle, the core's SMLAL peak (llvm-mca: 16 cycles per 128 MACs).
// Weights are loaded as D registers: SMULL2 on Q loads made the compiler add EXTs. Rows past the end repeat the last row
// and store to it (the same bytes); a partial block of channels is written through a buffer.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_blocks_neon.h"

/// Weights as 8-byte loads (LDP of D registers): SMULL on each, no EXT to reach high halves.
static inline void mac_block(int32x4_t acc0[8], int32x4_t acc1[8], const int8_t *wp, int8x8_t va0, int8x8_t va1) {
    for (int j = 0; j < 8; j++) {
        const int8x8_t vw = vld1_s8(wp + 8 * j);
        acc0[j] = vpadalq_s16(acc0[j], vmull_s8(vw, va0));
        acc1[j] = vpadalq_s16(acc1[j], vmull_s8(vw, va1));
    }
}

static inline int8x8_t finish(const int32x4_t acc[8], int32x4_t bias_lo, int32x4_t bias_hi, const ember_neon_rq *r0,
                              const ember_neon_rq *r1, const ember_neon_out *o) {
    const int32x4_t lo = vpaddq_s32(vpaddq_s32(acc[0], acc[1]), vpaddq_s32(acc[2], acc[3]));
    const int32x4_t hi = vpaddq_s32(vpaddq_s32(acc[4], acc[5]), vpaddq_s32(acc[6], acc[7]));
    return ember_neon_requant8(vaddq_s32(lo, bias_lo), vaddq_s32(hi, bias_hi), r0, r1, o);
}

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
static void ember_qs8_gemm_2x8c8__neon_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit,
                                            const int8_t *a, size_t a_stride, const uint8_t *blk,
                                            int8_t *dst, size_t dst_stride, const ember_neon_rq *r0p,
                                            const ember_neon_rq *r1p, const ember_neon_out *op) {
    const ember_neon_rq r0 = *r0p, r1 = *r1p;  // local copies: int8 stores may alias anything
    const ember_neon_out o = *op;
    const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
    const int8_t *w = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += 2) {
        const size_t i1 = m + 1 < m1 ? 1 : 0;
        const int8_t *a0 = a + m * a_stride, *a1 = a0 + i1 * a_stride;
        int32x4_t acc0[8], acc1[8];
        for (int j = 0; j < 8; j++) { acc0[j] = vdupq_n_s32(0); acc1[j] = vdupq_n_s32(0); }
        if (krem) {  // the partial last group of 8 first (ember_gemm_ktail)
            int8_t t0[8], t1[8];
            mac_block(acc0, acc1, w + kfull * 64, vld1_s8(ember_gemm_ktail(a0 + kfull * 8, krem, a_limit, t0)),
                      vld1_s8(ember_gemm_ktail(a1 + kfull * 8, krem, a_limit, t1)));
        }
        const int8_t *wp = w;
        for (size_t kb = 0; kb < kfull; kb++, wp += 64, a0 += 8, a1 += 8) mac_block(acc0, acc1, wp, vld1_s8(a0), vld1_s8(a1));
        int8_t *d0 = dst + (m - m0) * dst_stride;
        vst1_s8(d0, finish(acc0, bias_lo, bias_hi, &r0, &r1, &o));
        vst1_s8(d0 + i1 * dst_stride, finish(acc1, bias_lo, bias_hi, &r0, &r1, &o));
    }
}

void ember_qs8_gemm_2x8c8__neon(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    ember_neon_qs8_gemm_blocks(ember_qs8_gemm_2x8c8__neon_rows, 2, m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
}
#endif
