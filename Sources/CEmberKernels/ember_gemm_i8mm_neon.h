// The SMMLA tile shared by the i8mm GEMMs (qs8 and qd8). The packed weights' pair of channels
// (2p, 2p+1) x 8 k is SMMLA's right operand as stored; a chunk of rows is first interleaved per
// 8-row tile and 8 k as the four left operands in a row (rows 0-1, 2-3, 4-5, 6-7: 8 k of the even
// row, then of the odd one), so per 8 k a tile loads 64 bytes of rows and 64 of weights and does
// 16 SMMLA. acc[rp][p] = [row 2rp: ch 2p, 2p+1 | row 2rp+1: ch 2p, 2p+1].
#ifndef EMBER_GEMM_I8MM_NEON_H
#define EMBER_GEMM_I8MM_NEON_H
#include <arm_neon.h>
#include <string.h>
#include "ember_kernels_internal.h"

#define EMBER_I8MM_MR 8
/// Bytes of interleaved rows kept on the stack: a chunk of 8-row tiles of k up to 2048. Longer
/// rows are read in place (two 8-byte loads per operand).
#define EMBER_I8MM_SCRATCH 16384

/// Whether rows of k bytes are interleaved (a tile fits the scratch).
static inline int ember_i8mm_interleaves(size_t k) { return k > 0 && EMBER_I8MM_MR * ember_round_up(k, 8) <= EMBER_I8MM_SCRATCH; }

/// Rows per chunk: as many tiles as the scratch holds, else the GEMMs' usual chunk.
static inline size_t ember_i8mm_chunk(size_t k) {
    const size_t mc = ember_i8mm_interleaves(k) ? EMBER_I8MM_SCRATCH / (EMBER_I8MM_MR * ember_round_up(k, 8)) * EMBER_I8MM_MR
                                                : ember_gemm_row_chunk(k, EMBER_I8MM_MR);
    return mc > EMBER_GEMM_MAX_CHUNK ? EMBER_GEMM_MAX_CHUNK : mc;
}

/// Rows [m, m1) (at most 8, the last repeated) as one interleaved tile at dst; k past the end is zero.
EMBER_TARGET_I8MM __attribute__((always_inline)) static inline void
ember_i8mm_pack_tile(const int8_t *a, size_t a_stride, size_t m, size_t m1, size_t k, int8_t *dst) {
    for (size_t r = 0; r < EMBER_I8MM_MR; r++) {
        const int8_t *row = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
        int8_t *d = dst + (r / 2) * 16 + (r % 2) * 8;
        size_t i = 0;
        for (; i + 8 <= k; i += 8) memcpy(d + i * 8, row + i, 8);
        if (i < k) {
            int8_t tail[8] = {0};
            memcpy(tail, row + i, k - i);
            memcpy(d + i * 8, tail, 8);
        }
    }
}

EMBER_TARGET_I8MM static inline int8x16_t ember_i8mm_rows2(const int8_t *p, const int8_t *q) {
    int64_t x, y;
    memcpy(&x, p, 8);
    memcpy(&y, q, 8);
    return vreinterpretq_s8_s64(vcombine_s64(vcreate_s64((uint64_t)x), vcreate_s64((uint64_t)y)));
}

/// acc += the first `pairs` row pairs of an interleaved tile t times the weights w, over kb_count
/// (at least 1) groups of 8 k. `pairs` is a constant after inlining (a short tile skips the
/// repeated rows).
EMBER_TARGET_I8MM __attribute__((always_inline)) static inline void ember_i8mm_tile(int32x4_t acc[4][4], const int8_t *t,
                                                                                   const int8_t *w, size_t kb_count, int pairs) {
    const int8_t *const w_end = w + kb_count * 64;
    do {  // not `for`: the compiler would duplicate the accumulators' set-up for kb_count = 0
        const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48);
        for (int rp = 0; rp < pairs; rp++) {
            const int8x16_t va = vld1q_s8(t + rp * 16);
            acc[rp][0] = vmmlaq_s32(acc[rp][0], va, w0);
            acc[rp][1] = vmmlaq_s32(acc[rp][1], va, w1);
            acc[rp][2] = vmmlaq_s32(acc[rp][2], va, w2);
            acc[rp][3] = vmmlaq_s32(acc[rp][3], va, w3);
        }
        w += 64;
        t += 64;
    } while (w != w_end);
}

/// ember_i8mm_tile for rows read in place (k too long to interleave): rows [m, m1) of a, the last
/// repeated; `limit` as for ember_gemm_ktail.
EMBER_TARGET_I8MM static inline void ember_i8mm_tile_direct(int32x4_t acc[4][4], const int8_t *a, size_t a_stride, size_t m,
                                                            size_t m1, size_t k, const int8_t *limit, const int8_t *w) {
    const int8_t *ap[EMBER_I8MM_MR];
    for (size_t r = 0; r < EMBER_I8MM_MR; r++) ap[r] = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
    for (size_t kb = 0; kb < (k + 7) / 8; kb++, w += 64) {
        const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48);
        const size_t krem = kb * 8 + 8 <= k ? 0 : k % 8;
        for (int rp = 0; rp < 4; rp++) {
            int8_t t0[8], t1[8];
            const int8x16_t va = krem ? ember_i8mm_rows2(ember_gemm_ktail(ap[2 * rp] + kb * 8, krem, limit, t0),
                                                         ember_gemm_ktail(ap[2 * rp + 1] + kb * 8, krem, limit, t1))
                                      : ember_i8mm_rows2(ap[2 * rp] + kb * 8, ap[2 * rp + 1] + kb * 8);
            acc[rp][0] = vmmlaq_s32(acc[rp][0], va, w0);
            acc[rp][1] = vmmlaq_s32(acc[rp][1], va, w1);
            acc[rp][2] = vmmlaq_s32(acc[rp][2], va, w2);
            acc[rp][3] = vmmlaq_s32(acc[rp][3], va, w3);
        }
    }
}
#endif
