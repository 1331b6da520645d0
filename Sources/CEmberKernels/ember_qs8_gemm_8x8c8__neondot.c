// qs8 GEMM, 8 rows x 8 channels, k in blocks of 8, ARMv8.2 dot product (Cortex-A76 / Pi 5).
// Indexed SDOT with the packed weights as the indexed operand and transposed rows as the other
// (ember_gemm_dot8x8_neon.h): per 8 k, 32 SDOT, 4 weight and 4 row loads. A chunk of rows is
// transposed once into a stack buffer and reused by every block of 8 channels. Rows past the end
// of the range repeat the last row and are not stored; a partial block of channels is written
// through a buffer.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_dot8x8_neon.h"
#include "ember_requant_neon.h"

#define MR EMBER_DOT_MR

/// Requantizes channel c (lane L of the lo or hi constants) of both row groups, in place. LSHIFT:
/// some lane shifts left; POS: every lane shifts right by at least 1 (ember_neon_rdbp_pos).
#define RQ_CHANNEL(c, half, L, LSHIFT, POS)                                                                \
    do {                                                                                                   \
        const int32x4_t ne = vdupq_laneq_s32(r##half.neg_rshift, L);                                       \
        for (int g = 0; g < 2; g++) {                                                                      \
            int32x4_t x = acc[2 * (c) + g];                                                                \
            if (LSHIFT) x = vshlq_s32(x, vdupq_laneq_s32(r##half.lshift, L));                              \
            x = vqrdmulhq_laneq_s32(x, r##half.mult, L);                                                   \
            acc[2 * (c) + g] = (POS) ? ember_neon_rdbp_pos(x, ne) : ember_neon_rdbp(x, ne);                \
        }                                                                                                  \
    } while (0)
#define RQ_TILE(LSHIFT, POS)                                                                               \
    do {                                                                                                   \
        RQ_CHANNEL(0, 0, 0, LSHIFT, POS); RQ_CHANNEL(1, 0, 1, LSHIFT, POS);                                \
        RQ_CHANNEL(2, 0, 2, LSHIFT, POS); RQ_CHANNEL(3, 0, 3, LSHIFT, POS);                                \
        RQ_CHANNEL(4, 1, 0, LSHIFT, POS); RQ_CHANNEL(5, 1, 1, LSHIFT, POS);                                \
        RQ_CHANNEL(6, 1, 2, LSHIFT, POS); RQ_CHANNEL(7, 1, 3, LSHIFT, POS);                                \
    } while (0)

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride. `at` holds
/// the chunk's rows transposed (`seg` = k), or is a one-tile buffer refilled per k segment.
/// The output stage works on the transposed sums (one channel per register, so its bias and
/// requantization constants are lanes) and transposes only the final bytes back to rows.
EMBER_TARGET_NEONDOT static void ember_qs8_gemm_8x8c8__neondot_rows(size_t m0, size_t m1, size_t k, size_t seg, const int8_t *a,
                                                                   size_t a_stride, const int8_t *a_limit, int8_t *at,
                                                                   const uint8_t *blk, int8_t *dst, size_t dst_stride,
                                                                   const ember_neon_rq *r0p, const ember_neon_rq *r1p,
                                                                   const ember_neon_out *op) {
    const ember_neon_rq r0 = *r0p, r1 = *r1p;  // local copies: int8 stores may alias anything
    const int lshift = r0.any_lshift | r1.any_lshift;
    const int all_right = vmaxvq_s32(vmaxq_s32(r0.neg_rshift, r1.neg_rshift)) < 0;
    const int16x8_t zp = op->zp;
    const int16_t lo = vgetq_lane_s16(op->mn, 0), hi = vgetq_lane_s16(op->mx, 0);
    const int8x16_t mn = vdupq_n_s8((int8_t)lo), mx = vdupq_n_s8((int8_t)hi);
    const int clamp = lo > INT8_MIN || hi < INT8_MAX;  // TFLite's int8 models mostly clamp to all of int8
    const int32x4_t bias_lo = vld1q_s32((const int32_t *)blk), bias_hi = vld1q_s32((const int32_t *)blk + 4);
    const int8_t *w = (const int8_t *)(blk + 32);
    const size_t tile_bytes = ember_round_up(k, 16) * MR;
    for (size_t m = m0; m < m1; m += MR, dst += MR * dst_stride) {
        int32x4_t acc[16];
        acc[0] = acc[1] = vdupq_laneq_s32(bias_lo, 0);
        acc[2] = acc[3] = vdupq_laneq_s32(bias_lo, 1);
        acc[4] = acc[5] = vdupq_laneq_s32(bias_lo, 2);
        acc[6] = acc[7] = vdupq_laneq_s32(bias_lo, 3);
        acc[8] = acc[9] = vdupq_laneq_s32(bias_hi, 0);
        acc[10] = acc[11] = vdupq_laneq_s32(bias_hi, 1);
        acc[12] = acc[13] = vdupq_laneq_s32(bias_hi, 2);
        acc[14] = acc[15] = vdupq_laneq_s32(bias_hi, 3);
        if (seg == k) {
            const int8_t *t = at + (m - m0) / MR * tile_bytes;
            if (m1 - m > MR / 2) ember_dot_tile(acc, t, w, (k + 7) / 8, 0);
            else ember_dot_tile(acc, t, w, (k + 7) / 8, 1);
        } else {
            const int8_t *rows[MR];
            ember_dot_tile_rows(a, a_stride, m, m1, rows);
            for (size_t k0 = 0; k0 < k; k0 += seg) {
                const size_t k1 = k0 + seg < k ? k0 + seg : k;
                ember_dot_pack_rows(rows, k0, k1, a_limit, at);
                if (m1 - m > MR / 2) ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 0);
                else ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 1);
            }
        }
        if (lshift) RQ_TILE(1, 0);
        else if (all_right) RQ_TILE(0, 1);  // the usual case: multipliers below 0.5
        else RQ_TILE(0, 0);
        // b[p] = [channel 2p rows 0-7 | channel 2p+1 rows 0-7]; int8 saturation then the clamp
        // equals ember_neon_requant8's int16 clamp (min and max lie in [-128, 127]), and is that
        // clamp alone when [min, max] is all of int8.
        int8x16_t b[4];
        for (int p = 0; p < 4; p++) {
            const int16x8_t e = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[4 * p]), vqmovn_s32(acc[4 * p + 1])), zp);
            const int16x8_t o = vqaddq_s16(vcombine_s16(vqmovn_s32(acc[4 * p + 2]), vqmovn_s32(acc[4 * p + 3])), zp);
            b[p] = vcombine_s8(vqmovn_s16(e), vqmovn_s16(o));
        }
        if (clamp)
            for (int p = 0; p < 4; p++) b[p] = vminq_s8(vmaxq_s8(b[p], mn), mx);
        // 8x8 byte transpose: channels (0,2 | 1,3), then (0,2,4,6 | 1,3,5,7), then whole rows.
        const int16x8_t z0 = vreinterpretq_s16_s8(vzip1q_s8(b[0], b[1])), z1 = vreinterpretq_s16_s8(vzip2q_s8(b[0], b[1]));
        const int16x8_t z2 = vreinterpretq_s16_s8(vzip1q_s8(b[2], b[3])), z3 = vreinterpretq_s16_s8(vzip2q_s8(b[2], b[3]));
        const int8x16_t u0 = vreinterpretq_s8_s16(vzip1q_s16(z0, z2)), u1 = vreinterpretq_s8_s16(vzip2q_s16(z0, z2));
        const int8x16_t v0 = vreinterpretq_s8_s16(vzip1q_s16(z1, z3)), v1 = vreinterpretq_s8_s16(vzip2q_s16(z1, z3));
        const int64x2_t rows01 = vreinterpretq_s64_s8(vzip1q_s8(u0, v0)), rows23 = vreinterpretq_s64_s8(vzip2q_s8(u0, v0));
        const int64x2_t rows45 = vreinterpretq_s64_s8(vzip1q_s8(u1, v1)), rows67 = vreinterpretq_s64_s8(vzip2q_s8(u1, v1));
        int8_t *d = dst;
        if (m1 - m >= MR) {
            vst1q_lane_s64((int64_t *)(void *)d, rows01, 0); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows01, 1); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows23, 0); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows23, 1); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows45, 0); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows45, 1); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows67, 0); d += dst_stride;
            vst1q_lane_s64((int64_t *)(void *)d, rows67, 1);
        } else {  // the last, partial tile of the range
            int64_t t[MR];
            vst1q_s64(t, rows01); vst1q_s64(t + 2, rows23); vst1q_s64(t + 4, rows45); vst1q_s64(t + 6, rows67);
            for (size_t r = 0; r < m1 - m; r++) memcpy(d + r * dst_stride, &t[r], 8);
        }
    }
}

EMBER_TARGET_NEONDOT
void ember_qs8_gemm_8x8c8__neondot(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *a, size_t a_stride, const void *packed,
                                   int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    if (k == 0) {  // ember_dot_tile runs at least one block of k; the twin gives bias-only outputs
        ember_qs8_gemm__ref(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    const size_t block = ember_gemm_block_bytes(k), tile_bytes = ember_round_up(k, 16) * MR;
    const size_t seg = tile_bytes <= EMBER_DOT_SCRATCH ? k : EMBER_DOT_MAX_K;
    const ember_neon_out o = ember_neon_out_load(q);
    const size_t mc = ember_dot_row_chunk(k);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    int8_t at[EMBER_DOT_SCRATCH];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (seg == k) ember_dot_pack_chunk(a, a_stride, m0, m1, k, a_limit, tile_bytes, at);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            ember_neon_rq r0, r1;
            if (n - nb >= 8) {
                ember_neon_rq_load8(q, nb, &r0, &r1);
                ember_qs8_gemm_8x8c8__neondot_rows(m0, m1, k, seg, a, a_stride, a_limit, at, blk, out + m0 * out_stride + nb,
                                                   out_stride, &r0, &r1, &o);
            } else {
                int32_t mult[8], ls[8], rs[8];
                ember_load_requant8(q, nb, n, mult, ls, rs);
                r0 = ember_neon_rq_load(mult, ls, rs);
                r1 = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
                int8_t tmp[EMBER_GEMM_MAX_CHUNK * 8];
                ember_qs8_gemm_8x8c8__neondot_rows(m0, m1, k, seg, a, a_stride, a_limit, at, blk, tmp, 8, &r0, &r1, &o);
                for (size_t m = m0; m < m1; m++) memcpy(out + m * out_stride + nb, tmp + (m - m0) * 8, n - nb);
            }
        }
    }
}
#endif
