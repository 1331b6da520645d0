// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 8 rows x 8 channels, indexed SDOT.
// Same transposed rows and tile as ember_qs8_gemm_8x8c8__neondot (ember_gemm_dot8x8_neon.h); the
// output stage is float: scale[m] * w_scale[n] * (float)(acc - zp[m] * wsum[n]) + bias[n],
// multiply and add kept separate (no fused multiply-add) so results equal the scalar twin bit for
// bit. It works on the transposed sums (a channel's constants are lanes, a row group's zero points
// and scales are vectors) and transposes the floats back to rows.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_gemm_dot8x8_neon.h"
#include "ember_qd8_neon.h"

#define MR EMBER_DOT_MR

/// Channel c (lane L of the lo or hi block constants) of row group g, to float:
/// scale[m] * w_scale[c] * (float)(acc - zp[m] * wsum[c]) + bias[c], as the twin rounds it.
#define FLOAT_CHANNEL(c, g, half, L)                                                                      \
    vaddq_f32(vmulq_f32(vmulq_laneq_f32(sc[g], ws_##half, L),                                             \
                        vcvtq_f32_s32(vmlsq_laneq_s32(acc[2 * (c) + (g)], zp[g], wsum_##half, L))),       \
              vdupq_laneq_f32(b_##half, L))

/// Rows 4g..4g+3, channels 4h..4h+3 of the tile (lanes = rows) transposed to 4 row vectors, stored
/// at d (row stride `stride` floats, + 4h).
#define STORE_QUAD(g, h, half)                                                                            \
    do {                                                                                                  \
        const float32x4_t f0 = FLOAT_CHANNEL(4 * h + 0, g, half, 0), f1 = FLOAT_CHANNEL(4 * h + 1, g, half, 1); \
        const float32x4_t f2 = FLOAT_CHANNEL(4 * h + 2, g, half, 2), f3 = FLOAT_CHANNEL(4 * h + 3, g, half, 3); \
        const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(f0, f1)), t1 = vreinterpretq_f64_f32(vtrn2q_f32(f0, f1)); \
        const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(f2, f3)), t3 = vreinterpretq_f64_f32(vtrn2q_f32(f2, f3)); \
        float *p = d + 4 * g * stride + 4 * h;                                                            \
        vst1q_f32(p, vreinterpretq_f32_f64(vzip1q_f64(t0, t2)));                                          \
        vst1q_f32(p + stride, vreinterpretq_f32_f64(vzip1q_f64(t1, t3)));                                 \
        vst1q_f32(p + 2 * stride, vreinterpretq_f32_f64(vzip2q_f64(t0, t2)));                             \
        vst1q_f32(p + 3 * stride, vreinterpretq_f32_f64(vzip2q_f64(t1, t3)));                             \
    } while (0)

EMBER_TARGET_NEONDOT
void ember_qd8_gemm_8x8c8__neondot(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                   const void *packed, const float *w_scale, const float *bias,
                                   float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), tile_bytes = ember_round_up(k, 16) * MR;
    const size_t seg = tile_bytes <= EMBER_DOT_SCRATCH ? k : EMBER_DOT_MAX_K;
    const size_t mc = ember_dot_row_chunk(k);
    const int8_t *const q_limit = ember_gemm_a_end(q, m_end, q_stride, k);
    int8_t at[EMBER_DOT_SCRATCH];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (seg == k) ember_dot_pack_chunk(q, q_stride, m0, m1, k, q_limit, tile_bytes, at);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int32x4_t wsum_lo = vld1q_s32((const int32_t *)blk), wsum_hi = vld1q_s32((const int32_t *)blk + 4);
            const int8_t *w = (const int8_t *)(blk + 32);
            const size_t count = n - nb < 8 ? n - nb : 8;
            float32x4_t ws[2], b[2];
            ember_qd8_neon_block_scales(w_scale, bias, nb, n, ws, b);
            const float32x4_t ws_lo = ws[0], ws_hi = ws[1], b_lo = b[0], b_hi = b[1];
            for (size_t m = m0; m < m1; m += MR) {
                int32x4_t acc[16];
                for (int i = 0; i < 16; i++) acc[i] = vdupq_n_s32(0);
                if (seg == k) {
                    const int8_t *t = at + (m - m0) / MR * tile_bytes;
                    if (m1 - m > MR / 2) ember_dot_tile(acc, t, w, (k + 7) / 8, 0);
                    else ember_dot_tile(acc, t, w, (k + 7) / 8, 1);
                } else {
                    const int8_t *rows[MR];
                    ember_dot_tile_rows(q, q_stride, m, m1, rows);
                    for (size_t k0 = 0; k0 < k; k0 += seg) {
                        const size_t k1 = k0 + seg < k ? k0 + seg : k;
                        ember_dot_pack_rows(rows, k0, k1, q_limit, at);
                        if (m1 - m > MR / 2) ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 0);
                        else ember_dot_tile(acc, at, w + k0 * 8, (k1 - k0 + 7) / 8, 1);
                    }
                }
                // The tile's per-row zero points and scales (rows past m1 repeat the last one).
                int32x4_t zp[2];
                float32x4_t sc[2];
                if (m1 - m >= MR) {
                    zp[0] = vld1q_s32(zero_point + m); zp[1] = vld1q_s32(zero_point + m + 4);
                    sc[0] = vld1q_f32(scale + m); sc[1] = vld1q_f32(scale + m + 4);
                } else {
                    int32_t z[MR];
                    float f[MR];
                    for (size_t r = 0; r < MR; r++) {
                        const size_t i = m + r < m1 ? m + r : m1 - 1;
                        z[r] = zero_point[i];
                        f[r] = scale[i];
                    }
                    zp[0] = vld1q_s32(z); zp[1] = vld1q_s32(z + 4);
                    sc[0] = vld1q_f32(f); sc[1] = vld1q_f32(f + 4);
                }
                // A whole tile is stored in place; a partial one (rows or channels) through a buffer.
                const int whole = m1 - m >= MR && count == 8;
                float buf[MR * 8];
                float *const d = whole ? out + m * out_stride + nb : buf;
                const size_t stride = whole ? out_stride : 8;
                STORE_QUAD(0, 0, lo); STORE_QUAD(0, 1, hi); STORE_QUAD(1, 0, lo); STORE_QUAD(1, 1, hi);
                if (!whole)
                    for (size_t r = 0; r < MR && m + r < m1; r++) memcpy(out + (m + r) * out_stride + nb, buf + r * 8, count * sizeof(float));
            }
        }
    }
}
#endif
