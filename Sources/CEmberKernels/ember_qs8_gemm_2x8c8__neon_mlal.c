// qs8 GEMM, 2 rows x 8 channels, k in blocks of 8, ARMv8.0 NEON (Cortex-A53/A72), for weights
// in [-127, 127] only (no -128: TFLite's int8 weight range; ember_qs8_gemm_packed_narrow).
// Two blocks of k share one int16 product: SMULL of block kb, SMLAL of block kb + 1, then one
// SADALP into int32, 3 instructions per 16 MACs where ember_qs8_gemm_2x8c8__neon needs 4.
// Exact because |a0*w0 + a1*w1| <= 2 * 128 * 127 = 32512 < 32767; a weight of -128 could reach
// 32768, so layers holding one use ember_qs8_gemm_2x8c8__neon. An odd last block and the partial
// k group take the SMULL + SADALP form (pairing them cost the K = 27 stem 8% more instructions:
// the compiler spilled). The first pair of blocks starts the accumulators with SADDLP (no
// zeroing: 16 instructions per tile, a tenth of a K = 16 tile). Otherwise the same tiling as
// that kernel.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_blocks_neon.h"

/// One block of 8 k: SMULL + SADALP (exact for any weight).
static inline void mac_block(int32x4_t acc0[8], int32x4_t acc1[8], const int8_t *wp, int8x8_t va0, int8x8_t va1) {
    for (int j = 0; j < 8; j++) {
        const int8x8_t vw = vld1_s8(wp + 8 * j);
        acc0[j] = vpadalq_s16(acc0[j], vmull_s8(vw, va0));
        acc1[j] = vpadalq_s16(acc1[j], vmull_s8(vw, va1));
    }
}

/// Two blocks of 8 k: weights of block kb at wp, of kb + 1 at wp + 64; row 0's bytes of the two
/// blocks in va0, vb0, row 1's in va1, vb1.
/// `first` (a constant after inlining): the accumulators start here.
static inline void mac_block2(int32x4_t acc0[8], int32x4_t acc1[8], const int8_t *wp, int8x8_t va0, int8x8_t vb0,
                              int8x8_t va1, int8x8_t vb1, int first) {
    for (int j = 0; j < 8; j++) {
        const int8x8_t vw = vld1_s8(wp + 8 * j), vx = vld1_s8(wp + 64 + 8 * j);
        const int16x8_t p0 = vmlal_s8(vmull_s8(vw, va0), vx, vb0), p1 = vmlal_s8(vmull_s8(vw, va1), vx, vb1);
        acc0[j] = first ? vpaddlq_s16(p0) : vpadalq_s16(acc0[j], p0);
        acc1[j] = first ? vpaddlq_s16(p1) : vpadalq_s16(acc1[j], p1);
    }
}

static inline int8x8_t finish(const int32x4_t acc[8], int32x4_t bias_lo, int32x4_t bias_hi, const ember_neon_rq *r0,
                              const ember_neon_rq *r1, const ember_neon_out *o) {
    const int32x4_t lo = vpaddq_s32(vpaddq_s32(acc[0], acc[1]), vpaddq_s32(acc[2], acc[3]));
    const int32x4_t hi = vpaddq_s32(vpaddq_s32(acc[4], acc[5]), vpaddq_s32(acc[6], acc[7]));
    return ember_neon_requant8(vaddq_s32(lo, bias_lo), vaddq_s32(hi, bias_hi), r0, r1, o);
}

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
/// `lshift` (a constant after inlining) says whether any channel of the block shifts left:
/// without, the output stage has no branch and two fewer constants to keep in registers.
static inline __attribute__((always_inline)) void
mlal_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit, const int8_t *a, size_t a_stride,
          const uint8_t *blk, int8_t *dst, size_t dst_stride, const ember_neon_rq *r0p, const ember_neon_rq *r1p,
          const ember_neon_out *op, int lshift) {
    ember_neon_rq r0 = *r0p, r1 = *r1p;  // local copies: int8 stores may alias anything
    r0.any_lshift = r1.any_lshift = lshift;
    const ember_neon_out o = *op;
    const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
    const int8_t *w = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += 2) {
        const size_t i1 = m + 1 < m1 ? 1 : 0;
        const int8_t *a0 = a + m * a_stride, *a1 = a0 + i1 * a_stride;
        int32x4_t acc0[8], acc1[8];
        const int8_t *wp = w;
        size_t kb = 3;  // the pair loop's next second block
        if (kfull >= 2) {
            mac_block2(acc0, acc1, wp, vld1_s8(a0), vld1_s8(a0 + 8), vld1_s8(a1), vld1_s8(a1 + 8), 1);
            wp += 128, a0 += 16, a1 += 16;
        } else {
            for (int j = 0; j < 8; j++) { acc0[j] = vdupq_n_s32(0); acc1[j] = vdupq_n_s32(0); }
            kb = 1;
        }
        for (; kb < kfull; kb += 2, wp += 128, a0 += 16, a1 += 16)
            mac_block2(acc0, acc1, wp, vld1_s8(a0), vld1_s8(a0 + 8), vld1_s8(a1), vld1_s8(a1 + 8), 0);
        if (kfull & 1) {
            mac_block(acc0, acc1, wp, vld1_s8(a0), vld1_s8(a1));
            wp += 64, a0 += 8, a1 += 8;
        }
        if (krem) {  // the partial last group of 8 (ember_gemm_ktail)
            int8_t t0[8], t1[8];
            mac_block(acc0, acc1, wp, vld1_s8(ember_gemm_ktail(a0, krem, a_limit, t0)),
                      vld1_s8(ember_gemm_ktail(a1, krem, a_limit, t1)));
        }
        int8_t *d0 = dst + (m - m0) * dst_stride;
        vst1_s8(d0, finish(acc0, bias_lo, bias_hi, &r0, &r1, &o));
        vst1_s8(d0 + i1 * dst_stride, finish(acc1, bias_lo, bias_hi, &r0, &r1, &o));
    }
}

/// One copy of the loop without left shifts (TFLite's usual case: scales below 1), one with.
static void ember_qs8_gemm_2x8c8__neon_mlal_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit,
                                                 const int8_t *a, size_t a_stride, const uint8_t *blk,
                                                 int8_t *dst, size_t dst_stride, const ember_neon_rq *r0p,
                                                 const ember_neon_rq *r1p, const ember_neon_out *op) {
    if (r0p->any_lshift || r1p->any_lshift)
        mlal_rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, dst, dst_stride, r0p, r1p, op, 1);
    else
        mlal_rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, dst, dst_stride, r0p, r1p, op, 0);
}

void ember_qs8_gemm_2x8c8__neon_mlal(size_t m_begin, size_t m_end, size_t n, size_t k,
                                     const int8_t *a, size_t a_stride, const void *packed,
                                     int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    ember_neon_qs8_gemm_blocks(ember_qs8_gemm_2x8c8__neon_mlal_rows, 2, m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
}
#endif
