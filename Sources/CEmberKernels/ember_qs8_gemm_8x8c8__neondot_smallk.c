// qs8 GEMM, 8 rows x 8 channels, for small K (at most 32: MobileNetV2's stem K = 27 and expands K = 16, 24, 32), ARMv8.2
// dot product (Cortex-A76 / Pi 5); larger K goes to ember_qs8_gemm_8x8c8__neondot. At small K the
// 8x8 kernel spends more instructions after the SDOTs than on them: its sums come out one channel
// per register (lanes = rows), so the output stage broadcasts each channel's constants and
// transposes the bytes back to rows. Here each int32 lane is one channel (as in the AVX-512
// ember_qs8_gemm_2x16c8__avx512vnni): per block of 8 channels the packed weights are regrouped once
// per chunk of rows into two registers per 4 k (lane c = channel c's 4 bytes, UZP1/UZP2 of the
// packed pairs), and the rows are the INDEXED operand of SDOT, read as stored (no transposition):
// a 16-byte load serves 4 groups of 4 k. A row's 8 sums are two registers in channel order, so the
// requantization takes its constants as whole vectors and two rows narrow into one register of
// 16 output bytes. Same bytes as ember_qs8_gemm__ref.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"

#define MR 8  ///< rows per tile: 8 reuse the weights and constants twice as often as 4 (docs/benchmarks.md)
#define MAX_KQ 8         ///< groups of 4 k: K <= 32
#define CHUNK_BYTES 16384  ///< rows per chunk: as many as fit in this many bytes (the 8x8 kernel's L1 budget)

/// Output stage forms, chosen once per block (see ember_neon_rdbp_pos).
enum { RQ_LSHIFT, RQ_POS, RQ_ANY };

/// The block's packed weights (k groups of 8, each as 8 channels x 8 bytes) regrouped: w[2g + h] =
/// channels 4h..4h+3 of k 4g..4g+3, lane c = channel 4h + c's 4 bytes. kq is even (packing pads k to 8).
EMBER_TARGET_NEONDOT static void ember_qs8_gemm_8x8c8__neondot_smallk_regroup(const int8_t *p, size_t kq, int8x16_t w[2 * MAX_KQ]) {
    for (size_t g = 0; g < kq; g += 2, p += 64) {
        const int32x4_t p0 = vreinterpretq_s32_s8(vld1q_s8(p)), p1 = vreinterpretq_s32_s8(vld1q_s8(p + 16));
        const int32x4_t p2 = vreinterpretq_s32_s8(vld1q_s8(p + 32)), p3 = vreinterpretq_s32_s8(vld1q_s8(p + 48));
        w[2 * g + 0] = vreinterpretq_s8_s32(vuzp1q_s32(p0, p1));
        w[2 * g + 1] = vreinterpretq_s8_s32(vuzp1q_s32(p2, p3));
        w[2 * g + 2] = vreinterpretq_s8_s32(vuzp2q_s32(p0, p1));
        w[2 * g + 3] = vreinterpretq_s8_s32(vuzp2q_s32(p2, p3));
    }
}

/// One tile: MR rows (pointers; each read as KQ / 4 rounded up 16-byte loads) times 8 channels, then
/// requantized and narrowed: out[p] = bytes of rows 2p (low half) and 2p + 1 (high half).
EMBER_TARGET_NEONDOT static inline __attribute__((always_inline)) void
tile(const int KQ, const int MODE, const int8_t *const rows[MR], const int8x16_t *w, int32x4_t bias0, int32x4_t bias1,
     const ember_neon_rq *r0, const ember_neon_rq *r1, int16x8_t zp, int8x16_t out[MR / 2]) {
    int32x4_t acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = bias0, acc[r][1] = bias1;
#pragma GCC unroll 2
    for (int s = 0; s < KQ; s += 4) {
        int8x16_t x[MR];
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) x[r] = vld1q_s8(rows[r] + 4 * s);
#pragma GCC unroll 4
        for (int g = 0; g < 4; g++) {
            if (s + g >= KQ) break;
#pragma GCC unroll 8
            for (int r = 0; r < MR; r++) {
                // the lane index must be a constant: spelled out per g
                switch (g) {
                case 0: acc[r][0] = vdotq_laneq_s32(acc[r][0], w[2 * (s + 0)], x[r], 0);
                        acc[r][1] = vdotq_laneq_s32(acc[r][1], w[2 * (s + 0) + 1], x[r], 0); break;
                case 1: acc[r][0] = vdotq_laneq_s32(acc[r][0], w[2 * (s + 1)], x[r], 1);
                        acc[r][1] = vdotq_laneq_s32(acc[r][1], w[2 * (s + 1) + 1], x[r], 1); break;
                case 2: acc[r][0] = vdotq_laneq_s32(acc[r][0], w[2 * (s + 2)], x[r], 2);
                        acc[r][1] = vdotq_laneq_s32(acc[r][1], w[2 * (s + 2) + 1], x[r], 2); break;
                default: acc[r][0] = vdotq_laneq_s32(acc[r][0], w[2 * (s + 3)], x[r], 3);
                         acc[r][1] = vdotq_laneq_s32(acc[r][1], w[2 * (s + 3) + 1], x[r], 3); break;
                }
            }
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            const ember_neon_rq *q = h ? r1 : r0;
            int32x4_t v = acc[r][h];
            if (MODE == RQ_LSHIFT) v = vshlq_s32(v, q->lshift);
            v = vqrdmulhq_s32(v, q->mult);
            acc[r][h] = MODE == RQ_POS ? ember_neon_rdbp_pos(v, q->neg_rshift) : ember_neon_rdbp(v, q->neg_rshift);
        }
#pragma GCC unroll 4
    for (int p = 0; p < MR / 2; p++) {
        const int16x8_t e = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[2 * p][0]), vqmovn_s32(acc[2 * p][1])), zp);
        const int16x8_t o = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[2 * p + 1][0]), vqmovn_s32(acc[2 * p + 1][1])), zp);
        out[p] = vcombine_s8(vqmovn_s16(e), vqmovn_s16(o));
    }
}

/// Rows [m0, m1) of one block of 8 channels (cols of them stored), rows read from a (rows whose
/// 16-byte loads would pass `limit` go through zero-padded copies; rows past m1 repeat the last).
/// STRIDE: a_stride as a constant (0: not known); CLAMP = 0: [min, max] is all of int8.
EMBER_TARGET_NEONDOT static inline __attribute__((always_inline)) void
block_rows(const int KQ, const int MODE, const size_t STRIDE, const int CLAMP, size_t m0, size_t m1, const int8_t *a, size_t a_stride, size_t k,
           const int8_t *limit, const int8x16_t *w, int32x4_t bias0, int32x4_t bias1, const ember_neon_rq *r0,
           const ember_neon_rq *r1, const ember_neon_out *o, int8_t *dst, size_t dst_stride, size_t cols) {
    const size_t span = (size_t)(KQ + 3) / 4 * 16;  // bytes a tile reads per row
    const int16_t lo = vgetq_lane_s16(o->mn, 0), hi = vgetq_lane_s16(o->mx, 0);
    const int8x16_t mn = vdupq_n_s8((int8_t)lo), mx = vdupq_n_s8((int8_t)hi);
    const int clamp = CLAMP && (lo > INT8_MIN || hi < INT8_MAX);  // narrowing already saturates to all of int8
    const ember_neon_rq q0 = *r0, q1 = *r1;            // local copies: int8 stores may alias anything
    const int16x8_t zp = o->zp;
    size_t m = m0;
    const int8_t *row = a + m0 * a_stride;
    // Tiles whose rows all lie in [m0, m1) and read nothing past limit, counted once.
    size_t fast = cols == 8 ? (m1 - m0) / MR : 0;
    const ptrdiff_t room = limit - a - (ptrdiff_t)span;               // the last row start read whole
    const size_t whole = room < 0 ? 0 : (size_t)room / a_stride + 1;  // rows [0, whole) are read in place
    const size_t whole_tiles = whole > m0 ? (whole - m0) / MR : 0;
    if (fast > whole_tiles) fast = whole_tiles;
    for (; fast; fast--, m += MR, row += MR * a_stride) {
        const int8_t *rows[MR];
        for (int r = 0; r < MR; r++) rows[r] = row + r * (STRIDE ? STRIDE : a_stride);
        int8x16_t b[MR / 2];
        tile(KQ, MODE, rows, w, bias0, bias1, &q0, &q1, zp, b);
        if (clamp)
            for (int p = 0; p < MR / 2; p++) b[p] = vminq_s8(vmaxq_s8(b[p], mn), mx);
        int8_t *d = dst + (m - m0) * dst_stride;
        for (int p = 0; p < MR / 2; p++, d += 2 * dst_stride) {
            vst1q_lane_s64((int64_t *)(void *)d, vreinterpretq_s64_s8(b[p]), 0);
            vst1q_lane_s64((int64_t *)(void *)(d + dst_stride), vreinterpretq_s64_s8(b[p]), 1);
        }
    }
    // The rest: the last rows of the range or of the matrix, or a partial block of channels.
    for (; m < m1; m += MR) {
        int8_t copy[MR][32];
        const int8_t *rows[MR];
        for (size_t r = 0; r < MR; r++) {
            rows[r] = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
            if (rows[r] + span > limit) {
                for (size_t j = 0; j < span; j++) copy[r][j] = j < k ? rows[r][j] : 0;  // no library call (spills)
                rows[r] = copy[r];
            }
        }
        int8x16_t b[MR / 2];
        tile(KQ, MODE, rows, w, bias0, bias1, &q0, &q1, zp, b);
        int8_t t[MR * 8];
        for (int p = 0; p < MR / 2; p++) vst1q_s8(t + 16 * p, clamp ? vminq_s8(vmaxq_s8(b[p], mn), mx) : b[p]);
        for (size_t r = 0; r < MR && m + r < m1; r++) memcpy(dst + (m + r - m0) * dst_stride, t + 8 * r, cols);
    }
}

#define BLOCK_S(KQ, MODE, STRIDE, CLAMP) \
    block_rows(KQ, MODE, STRIDE, CLAMP, m0, m1, a, a_stride, k, limit, w, bias0, bias1, r0, r1, o, dst, dst_stride, cols)
/// Rows stored one after another (1x1 convolutions: stride = K; the stem's im2col: 27) get the
/// stride as a constant in the usual output form, without a clamp: row addresses become load
/// offsets, and the loop keeps one flag fewer.
#define BLOCK(KQ, MODE)                                                                                   \
    do {                                                                                                  \
        if (MODE == RQ_POS && !clamp && a_stride == 4 * (KQ)) BLOCK_S(KQ, MODE, 4 * (KQ), 0);             \
        else if (MODE == RQ_POS && !clamp && (KQ) == 8 && a_stride == 27) BLOCK_S(KQ, MODE, 27, 0);       \
        else BLOCK_S(KQ, MODE, 0, 1);                                                                     \
    } while (0)
#define BLOCK_KQ(MODE)                                                                                    \
    do {                                                                                                  \
        if (kq == 2) BLOCK(2, MODE);                                                                      \
        else if (kq == 4) BLOCK(4, MODE);                                                                 \
        else if (kq == 6) BLOCK(6, MODE);                                                                 \
        else BLOCK(8, MODE);                                                                              \
    } while (0)
/// One block of channels over rows [m0, m1): the K and output-stage specializations.
EMBER_TARGET_NEONDOT static void ember_qs8_gemm_8x8c8__neondot_smallk_block(size_t kq, size_t m0, size_t m1, const int8_t *a, size_t a_stride, size_t k,
                                       const int8_t *limit, const int8x16_t *w, int32x4_t bias0, int32x4_t bias1,
                                       const ember_neon_rq *r0, const ember_neon_rq *r1, const ember_neon_out *o,
                                       int8_t *dst, size_t dst_stride, size_t cols) {
    const int clamp = vgetq_lane_s16(o->mn, 0) > INT8_MIN || vgetq_lane_s16(o->mx, 0) < INT8_MAX;
    if (r0->any_lshift | r1->any_lshift) BLOCK_KQ(RQ_LSHIFT);
    else if (vmaxvq_s32(vmaxq_s32(r0->neg_rshift, r1->neg_rshift)) < 0) BLOCK_KQ(RQ_POS);  // the usual case
    else BLOCK_KQ(RQ_ANY);
}
#undef BLOCK_KQ
#undef BLOCK
#undef BLOCK_S

EMBER_TARGET_NEONDOT
void ember_qs8_gemm_8x8c8__neondot_smallk(size_t m_begin, size_t m_end, size_t n, size_t k,
                                          const int8_t *a, size_t a_stride, const void *packed,
                                          int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    if (k == 0 || k > 4 * MAX_KQ) {
        ember_qs8_gemm_8x8c8__neondot(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    const size_t block_bytes = ember_gemm_block_bytes(k), kq = ember_round_up(k, 8) / 4;
    const ember_neon_out o = ember_neon_out_load(q);
    const int8_t *const limit = ember_gemm_a_end(a, m_end, a_stride, k);
    size_t mc = CHUNK_BYTES / ember_round_up(k, 16) / MR * MR;
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block_bytes;
            int8x16_t w[2 * MAX_KQ];
            ember_qs8_gemm_8x8c8__neondot_smallk_regroup((const int8_t *)(blk + 32), kq, w);
            const int32x4_t bias0 = vld1q_s32((const int32_t *)blk), bias1 = vld1q_s32((const int32_t *)blk + 4);
            ember_neon_rq r0, r1;
            if (n - nb >= 8) {
                ember_neon_rq_load8(q, nb, &r0, &r1);
            } else {
                int32_t mult[8], ls[8], rs[8];
                ember_load_requant8(q, nb, n, mult, ls, rs);
                r0 = ember_neon_rq_load(mult, ls, rs);
                r1 = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
            }
            ember_qs8_gemm_8x8c8__neondot_smallk_block(kq, m0, m1, a, a_stride, k, limit, w, bias0, bias1, &r0, &r1, &o,
                                                       out + m0 * out_stride + nb, out_stride, n - nb < 8 ? n - nb : 8);
        }
    }
}
#endif
