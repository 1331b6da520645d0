// qs8 GEMM, 8 rows x 8 channels, k in blocks of 8, ARMv8.6 int8 matrix multiply (SMMLA), on the
// interleaved tile of ember_gemm_i8mm_neon.h (a chunk of rows is interleaved once and reused by
// every block of 8 channels). The accumulators start at the bias and are requantized in SMMLA's
// own layout, with each constant duplicated per channel pair ([c, c+1, c, c+1]); only the final
// bytes are reordered into rows. A tile past the end repeats the last row and is not stored there;
// a partial block of channels is written through a buffer.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_i8mm_neon.h"
#include "ember_requant_neon.h"

#define MR EMBER_I8MM_MR

/// One block's output constants in SMMLA layout: index p holds channels (2p, 2p+1) twice.
typedef struct {
    int32x4_t bias[4], mult[4], lshift[4], neg_rshift[4];
    int all_right;  ///< every lane shifts right by at least 1 and none left (ember_neon_rdbp_pos)
} i8mm_block;

/// [x0 x1 x2 x3] -> [x0 x1 x0 x1] (HI = 0) or [x2 x3 x2 x3] (HI = 1).
#define EMBER_PAIR2(x, HI) vreinterpretq_s32_s64(vdupq_laneq_s64(vreinterpretq_s64_s32(x), HI))

EMBER_TARGET_I8MM static void ember_qs8_gemm_8x8c8__i8mm_block(const ember_qs8_output *q, size_t nb, size_t n, const uint8_t *blk,
                                                               i8mm_block *b) {
    ember_neon_rq r[2];
    if (n - nb >= 8) ember_neon_rq_load8(q, nb, &r[0], &r[1]);
    else {
        int32_t mult[8], ls[8], rs[8];
        ember_load_requant8(q, nb, n, mult, ls, rs);
        r[0] = ember_neon_rq_load(mult, ls, rs);
        r[1] = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
    }
    // Every lane shifting right by at least 1 (neg_rshift < 0) implies no left shift.
    b->all_right = vmaxvq_s32(vmaxq_s32(r[0].neg_rshift, r[1].neg_rshift)) < 0;
    for (int h = 0; h < 2; h++) {
        const int32x4_t bias = vld1q_s32((const int32_t *)blk + 4 * h);
        b->bias[2 * h] = EMBER_PAIR2(bias, 0);
        b->bias[2 * h + 1] = EMBER_PAIR2(bias, 1);
        b->mult[2 * h] = EMBER_PAIR2(r[h].mult, 0);
        b->mult[2 * h + 1] = EMBER_PAIR2(r[h].mult, 1);
        b->lshift[2 * h] = EMBER_PAIR2(r[h].lshift, 0);
        b->lshift[2 * h + 1] = EMBER_PAIR2(r[h].lshift, 1);
        b->neg_rshift[2 * h] = EMBER_PAIR2(r[h].neg_rshift, 0);
        b->neg_rshift[2 * h + 1] = EMBER_PAIR2(r[h].neg_rshift, 1);
    }
}

/// The output stage of one tile: acc (bias plus products) requantized per ember_neon_mbqm (a zero
/// left shift is a no-op; ALL_RIGHT drops it and the rounding fix-up's AND), saturated to int8, the
/// zero point added and clamped, and the first `rows` rows stored.
EMBER_TARGET_I8MM __attribute__((always_inline)) static inline void store_tile(int32x4_t acc[4][4], const i8mm_block *b, int all_right,
                                                                              const ember_neon_out *o, int8_t *dst,
                                                                              size_t dst_stride, size_t rows) {
    for (int rp = 0; rp < 4; rp++)
        for (int p = 0; p < 4; p++) {
            int32x4_t x = acc[rp][p];
            if (!all_right) x = vshlq_s32(x, b->lshift[p]);
            x = vqrdmulhq_s32(x, b->mult[p]);
            acc[rp][p] = all_right ? ember_neon_rdbp_pos(x, b->neg_rshift[p]) : ember_neon_rdbp(x, b->neg_rshift[p]);
        }
    // Per row pair, int8 saturation then the clamp (equal to ember_neon_requant8's int16 clamp,
    // min and max lying in [-128, 127]): bytes [e0 e1 o0 o1 e2 e3 o2 o3 e4 e5 o4 o5 e6 e7 o6 o7].
    const int16_t lo = vgetq_lane_s16(o->mn, 0), hi = vgetq_lane_s16(o->mx, 0);
    int8x16_t pb[4];
    for (int rp = 0; rp < 4; rp++) {
        const int16x8_t c0123 = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[rp][0]), vqmovn_s32(acc[rp][1])), o->zp);
        const int16x8_t c4567 = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[rp][2]), vqmovn_s32(acc[rp][3])), o->zp);
        pb[rp] = vcombine_s8(vqmovn_s16(c0123), vqmovn_s16(c4567));
        if (lo > INT8_MIN || hi < INT8_MAX) pb[rp] = vminq_s8(vmaxq_s8(pb[rp], vdupq_n_s8((int8_t)lo)), vdupq_n_s8((int8_t)hi));
    }
    // As 2-byte lanes the even rows are the even lanes: rows (0, 2), (1, 3), (4, 6), (5, 7).
    const int64x2_t r02 = vreinterpretq_s64_s16(vuzp1q_s16(vreinterpretq_s16_s8(pb[0]), vreinterpretq_s16_s8(pb[1])));
    const int64x2_t r13 = vreinterpretq_s64_s16(vuzp2q_s16(vreinterpretq_s16_s8(pb[0]), vreinterpretq_s16_s8(pb[1])));
    const int64x2_t r46 = vreinterpretq_s64_s16(vuzp1q_s16(vreinterpretq_s16_s8(pb[2]), vreinterpretq_s16_s8(pb[3])));
    const int64x2_t r57 = vreinterpretq_s64_s16(vuzp2q_s16(vreinterpretq_s16_s8(pb[2]), vreinterpretq_s16_s8(pb[3])));
    if (rows == MR) {
        vst1q_lane_s64((int64_t *)(void *)dst, r02, 0); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r13, 0); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r02, 1); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r13, 1); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r46, 0); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r57, 0); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r46, 1); dst += dst_stride;
        vst1q_lane_s64((int64_t *)(void *)dst, r57, 1);
    } else {  // the last, partial tile of the range
        int64_t t[MR];
        vst1q_lane_s64(&t[0], r02, 0); vst1q_lane_s64(&t[1], r13, 0); vst1q_lane_s64(&t[2], r02, 1); vst1q_lane_s64(&t[3], r13, 1);
        vst1q_lane_s64(&t[4], r46, 0); vst1q_lane_s64(&t[5], r57, 0); vst1q_lane_s64(&t[6], r46, 1); vst1q_lane_s64(&t[7], r57, 1);
        for (size_t r = 0; r < rows; r++) memcpy(dst + r * dst_stride, &t[r], 8);
    }
}

/// One tile from the bias to the stored bytes; PAIRS row pairs multiplied (0: rows read in place).
/// Each caller's accumulators stay in registers because every variant is a whole inlined copy.
EMBER_TARGET_I8MM __attribute__((always_inline)) static inline void tile(const i8mm_block *b, int all_right, int pairs,
                                                                        const int8_t *t, const int8_t *a, size_t a_stride,
                                                                        size_t m, size_t m1, size_t k, const int8_t *a_limit,
                                                                        const int8_t *w, const ember_neon_out *o, int8_t *dst,
                                                                        size_t dst_stride) {
    int32x4_t acc[4][4];
    for (int rp = 0; rp < 4; rp++)
        for (int p = 0; p < 4; p++) acc[rp][p] = b->bias[p];
    if (pairs) ember_i8mm_tile(acc, t, w, (k + 7) / 8, pairs);
    else ember_i8mm_tile_direct(acc, a, a_stride, m, m1, k, a_limit, w);
    store_tile(acc, b, all_right, o, dst, dst_stride, m1 - m < MR ? m1 - m : MR);
}

/// Tiles of rows [m0, m1) for one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
/// `tiles` holds the chunk interleaved, or is NULL (rows read in place).
EMBER_TARGET_I8MM __attribute__((always_inline)) static inline void rows_of_block(size_t m0, size_t m1, size_t k,
                                                                                 const int8_t *tiles, const int8_t *a,
                                                                                 size_t a_stride, const int8_t *a_limit,
                                                                                 const int8_t *w, const i8mm_block *b,
                                                                                 int all_right, const ember_neon_out *o,
                                                                                 int8_t *dst, size_t dst_stride) {
    const size_t tile_bytes = ember_round_up(k, 8) * MR;
    for (size_t m = m0; m < m1; m += MR, dst += MR * dst_stride) {
        const int8_t *t = tiles ? tiles + (m - m0) / MR * tile_bytes : NULL;
        if (!tiles) tile(b, all_right, 0, t, a, a_stride, m, m1, k, a_limit, w, o, dst, dst_stride);
        else if (m1 - m > 2) tile(b, all_right, 4, t, a, a_stride, m, m1, k, a_limit, w, o, dst, dst_stride);
        else tile(b, all_right, 1, t, a, a_stride, m, m1, k, a_limit, w, o, dst, dst_stride);  // M = 1: a classifier
    }
}

EMBER_TARGET_I8MM static void ember_qs8_gemm_8x8c8__i8mm_rows(size_t m0, size_t m1, size_t k, const int8_t *tiles, const int8_t *a,
                                                              size_t a_stride, const int8_t *a_limit, const int8_t *w,
                                                              const i8mm_block *bp, const ember_neon_out *op, int8_t *dst,
                                                              size_t dst_stride) {
    const i8mm_block b = *bp;  // local copies: int8 stores may alias anything
    const ember_neon_out o = *op;
    if (b.all_right)  // the usual case: multipliers below 0.5
        rows_of_block(m0, m1, k, tiles, a, a_stride, a_limit, w, &b, 1, &o, dst, dst_stride);
    else
        rows_of_block(m0, m1, k, tiles, a, a_stride, a_limit, w, &b, 0, &o, dst, dst_stride);
}

EMBER_TARGET_I8MM
void ember_qs8_gemm_8x8c8__i8mm(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    // K = 0: the twin gives bias-only outputs. K <= 32 (MobileNetV2's first expansions): the output
    // stage outweighs the multiplies, and the SDOT kernel's one-channel-per-lane layout does it in
    // fewer instructions (every i8mm core has the dot product).
    if (k == 0) {
        ember_qs8_gemm__ref(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    if (k <= 32) {
        ember_qs8_gemm_8x8c8__neondot_smallk(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    const size_t block = ember_gemm_block_bytes(k), kpad = ember_round_up(k, 8);
    const int interleave = ember_i8mm_interleaves(k);
    const size_t mc = ember_i8mm_chunk(k);
    const ember_neon_out o = ember_neon_out_load(q);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    int8_t tiles[EMBER_I8MM_SCRATCH];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (interleave)
            for (size_t m = m0; m < m1; m += MR) ember_i8mm_pack_tile(a, a_stride, m, m1, k, tiles + (m - m0) * kpad);
        const int8_t *const t = interleave ? tiles : NULL;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            i8mm_block b;
            ember_qs8_gemm_8x8c8__i8mm_block(q, nb, n, blk, &b);
            const int8_t *w = (const int8_t *)(blk + 32);
            if (n - nb >= 8) {
                ember_qs8_gemm_8x8c8__i8mm_rows(m0, m1, k, t, a, a_stride, a_limit, w, &b, &o, out + m0 * out_stride + nb, out_stride);
            } else {
                int8_t tmp[EMBER_GEMM_MAX_CHUNK * 8];
                ember_qs8_gemm_8x8c8__i8mm_rows(m0, m1, k, t, a, a_stride, a_limit, w, &b, &o, tmp, 8);
                for (size_t m = m0; m < m1; m++) memcpy(out + m * out_stride + nb, tmp + (m - m0) * 8, n - nb);
            }
        }
    }
}
#endif
