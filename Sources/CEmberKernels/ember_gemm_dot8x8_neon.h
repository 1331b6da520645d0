// The 8-row x 8-channel dot-product tile shared by the qs8 and qd8 NEON-dot GEMMs, on the c8
// packing ("qs8-gemm-n8k8-v1") as stored. A weight register holds [c k0-3 | c k4-7 | c+1 k0-3 |
// c+1 k4-7], so its 4-byte lanes are k-groups of one channel: they are the INDEXED operand of
// SDOT (Vd.4S, Vn.16B, Vm.4B[i]) and the other operand carries 4 ROWS x 4 k. Each SDOT then adds
// 4 rows of one channel: no duplicated row loads, no pairwise adds. The rows are transposed into
// that order once per chunk of rows (ember_dot_pack_rows) and reused by every block of channels.
#ifndef EMBER_GEMM_DOT8X8_NEON_H
#define EMBER_GEMM_DOT8X8_NEON_H
#include <arm_neon.h>
#include "ember_kernels_internal.h"

#define EMBER_DOT_MR 8
/// Bytes of transposed rows a kernel keeps on its stack. A chunk of rows (ember_dot_row_chunk) fits
/// whenever k <= EMBER_DOT_MAX_K; a longer k is processed in segments of EMBER_DOT_MAX_K,
/// re-transposed for each block of channels.
#define EMBER_DOT_SCRATCH 16384
#define EMBER_DOT_MAX_K (EMBER_DOT_SCRATCH / EMBER_DOT_MR)

/// Rows per chunk: as many whole tiles as the buffer holds (at most EMBER_GEMM_MAX_CHUNK). The
/// buffer, one block of weights and the chunk's outputs for it are what each block of channels
/// touches, so they stay in L1; larger chunks mean fewer passes over the weights.
static inline size_t ember_dot_row_chunk(size_t k) {
    size_t rows = EMBER_DOT_SCRATCH / ember_round_up(k, 16) / EMBER_DOT_MR * EMBER_DOT_MR;
    if (rows > EMBER_GEMM_MAX_CHUNK) rows = EMBER_GEMM_MAX_CHUNK;
    return rows < EMBER_DOT_MR ? EMBER_DOT_MR : rows;
}

/// 16 k of 4 rows (r0-r3) as two blocks of the transposed order (32-bit 4x4 transposes); `both` =
/// 0 writes only the first block of 8 k.
EMBER_TARGET_NEONDOT static inline void ember_dot_pack16(int32x4_t r0, int32x4_t r1, int32x4_t r2, int32x4_t r3, int8_t *d, int both) {
    const int64x2_t t0 = vreinterpretq_s64_s32(vtrn1q_s32(r0, r1)), t1 = vreinterpretq_s64_s32(vtrn2q_s32(r0, r1));
    const int64x2_t t2 = vreinterpretq_s64_s32(vtrn1q_s32(r2, r3)), t3 = vreinterpretq_s64_s32(vtrn2q_s32(r2, r3));
    vst1q_s8(d, vreinterpretq_s8_s64(vzip1q_s64(t0, t2)));       // k0-3
    vst1q_s8(d + 16, vreinterpretq_s8_s64(vzip1q_s64(t1, t3)));  // k4-7
    if (both) {
        vst1q_s8(d + 64, vreinterpretq_s8_s64(vzip2q_s64(t0, t2)));  // k8-11
        vst1q_s8(d + 80, vreinterpretq_s8_s64(vzip2q_s64(t1, t3)));  // k12-15
    }
}
static inline int32x4_t ember_dot_ld16(const int8_t *p) { return vreinterpretq_s32_s8(vld1q_s8(p)); }

/// Transposed order, per tile of 8 rows and per 8 k (64 bytes): [rows 0-3 k0-3][rows 0-3 k4-7]
/// [rows 4-7 k0-3][rows 4-7 k4-7], each row's 4 k as one 32-bit lane. Writes k [k0, k1) of the
/// 8 rows `rows` (k0 a multiple of 16) as round_up(k1 - k0, 8) / 8 blocks to dst. Bytes past k1
/// meet the packing's zero weights; like ember_gemm_ktail, the last partial 16 bytes are read in
/// place when they end before `limit`, else copied zero-padded.
EMBER_TARGET_NEONDOT static inline __attribute__((always_inline)) void ember_dot_pack_rows(const int8_t *const rows[EMBER_DOT_MR], size_t k0, size_t k1,
                                                                                           const int8_t *limit, int8_t *dst) {
    size_t kk = k0;
    for (; kk + 16 <= k1; kk += 16, dst += 128) {
        ember_dot_pack16(ember_dot_ld16(rows[0] + kk), ember_dot_ld16(rows[1] + kk), ember_dot_ld16(rows[2] + kk),
                         ember_dot_ld16(rows[3] + kk), dst, 1);
        ember_dot_pack16(ember_dot_ld16(rows[4] + kk), ember_dot_ld16(rows[5] + kk), ember_dot_ld16(rows[6] + kk),
                         ember_dot_ld16(rows[7] + kk), dst + 32, 1);
    }
    if (kk == k1) return;
    int8_t t[EMBER_DOT_MR][16];
    const int8_t *p[EMBER_DOT_MR];
    for (size_t r = 0; r < EMBER_DOT_MR; r++) {
        p[r] = rows[r] + kk;
        if (p[r] + 16 > limit) {
            for (size_t j = 0; j < 16; j++) t[r][j] = kk + j < k1 ? p[r][j] : 0;  // no library call (spills)
            p[r] = t[r];
        }
    }
    const int both = kk + 8 < k1;
    ember_dot_pack16(ember_dot_ld16(p[0]), ember_dot_ld16(p[1]), ember_dot_ld16(p[2]), ember_dot_ld16(p[3]), dst, both);
    ember_dot_pack16(ember_dot_ld16(p[4]), ember_dot_ld16(p[5]), ember_dot_ld16(p[6]), ember_dot_ld16(p[7]), dst + 32, both);
}

/// Adds `kblocks` (at least 1) blocks of 8 k of one tile: acc[2 * c + g] holds channel c of rows 4g..4g+3
/// (lanes = rows). `at` = transposed rows, `w` = the packed weights of the same k. `half` (a
/// constant) skips rows 4-7 when the range's last tile has at most 4 rows (MobileNetV2's 49-row
/// layers and its classifier's single row); those accumulators then keep their initial values.
#define EMBER_DOT_PAIR(p, wp, a0, a1, a2, a3)                                                          \
    acc[4 * p + 0] = vdotq_laneq_s32(vdotq_laneq_s32(acc[4 * p + 0], a0, wp, 0), a1, wp, 1);          \
    acc[4 * p + 2] = vdotq_laneq_s32(vdotq_laneq_s32(acc[4 * p + 2], a0, wp, 2), a1, wp, 3);          \
    if (!half) {                                                                                        \
        acc[4 * p + 1] = vdotq_laneq_s32(vdotq_laneq_s32(acc[4 * p + 1], a2, wp, 0), a3, wp, 1);      \
        acc[4 * p + 3] = vdotq_laneq_s32(vdotq_laneq_s32(acc[4 * p + 3], a2, wp, 2), a3, wp, 3);      \
    }
#define EMBER_DOT_BLOCK(at, w)                                                                          \
    do {                                                                                                \
        /* one LD1 of 4 (or 2) registers each: fewer instructions than LDP pairs */                    \
        const int8x16x4_t a_ = half ? (int8x16x4_t){0} : vld1q_s8_x4(at), w_ = vld1q_s8_x4(w);        \
        const int8x16x2_t h_ = vld1q_s8_x2(at);                                                         \
        const int8x16_t a0 = half ? h_.val[0] : a_.val[0], a1 = half ? h_.val[1] : a_.val[1];           \
        const int8x16_t a2 = a_.val[2], a3 = a_.val[3];                                                 \
        const int8x16_t w0 = w_.val[0], w1 = w_.val[1], w2 = w_.val[2], w3 = w_.val[3];                 \
        EMBER_DOT_PAIR(0, w0, a0, a1, a2, a3)                                                           \
        EMBER_DOT_PAIR(1, w1, a0, a1, a2, a3)                                                           \
        EMBER_DOT_PAIR(2, w2, a0, a1, a2, a3)                                                           \
        EMBER_DOT_PAIR(3, w3, a0, a1, a2, a3)                                                           \
    } while (0)
EMBER_TARGET_NEONDOT static inline __attribute__((always_inline)) void ember_dot_tile(int32x4_t acc[16], const int8_t *at,
                                                                                      const int8_t *w, size_t kblocks, int half) {
    // One block per trip, do-while: clang 17 (the board's) then post-increments both loads (unrolled
    // by two it copied the pointers and an accumulator each trip), and without a zero-trip path it
    // no longer reloads the 16 initial accumulators twice per tile.
    do {
        EMBER_DOT_BLOCK(at, w);
        at += 64, w += 64;
    } while (--kblocks);
}
#undef EMBER_DOT_BLOCK
#undef EMBER_DOT_PAIR

/// The rows of one tile starting at row m of a chunk ending at m1: rows past m1 repeat the last row.
static inline void ember_dot_tile_rows(const int8_t *a, size_t a_stride, size_t m, size_t m1, const int8_t *rows[EMBER_DOT_MR]) {
    for (size_t r = 0; r < EMBER_DOT_MR; r++) rows[r] = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
}

/// Every tile of the chunk of rows [m0, m1) transposed once into `at`, tile_bytes apart (K fits
/// the scratch buffer; longer K is packed per segment by the kernel).
EMBER_TARGET_NEONDOT static inline __attribute__((always_inline)) void
ember_dot_pack_chunk(const int8_t *a, size_t a_stride, size_t m0, size_t m1, size_t k, const int8_t *a_limit,
                     size_t tile_bytes, int8_t *at) {
    for (size_t m = m0; m < m1; m += EMBER_DOT_MR) {
        const int8_t *rows[EMBER_DOT_MR];
        ember_dot_tile_rows(a, a_stride, m, m1, rows);
        ember_dot_pack_rows(rows, 0, k, a_limit, at + (m - m0) / EMBER_DOT_MR * tile_bytes);
    }
}
#endif
