// Depthwise 3x3, 16 channels at a time, x86-64 AVX2.
// Loop order: output row, block of 16 channels, output pixel, as the NEON kernel: each pixel
// reads its 9 input vectors at fixed offsets from 3 row pointers (a padding row is the 16-byte
// zero-point row with strides 0, a padding column a select of that row); only the last partial
// block goes through ember_dw_taps (zero-padded copies).
//
// Two taps at a time with VPMADDWD: the two taps' int16 inputs interleaved per channel
// (VPUNPCKLWD/HWD) times the matching weight pairs, widened once per block and row, give
// a0*w0 + a1*w1 per channel in int32, exactly. The unpacks work within 128-bit lanes, so the two
// accumulators hold channels {0-3, 8-11} and {4-7, 12-15}; bias and requantization constants are
// loaded in that order, and VPACKSSDW of the two restores channel order.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"
#include "ember_dwconv_taps.h"

#define DW_INLINE EMBER_TARGET_AVX2 __attribute__((always_inline)) static inline

/// Channel of accumulator lane i: lo holds {0-3, 8-11}, hi {4-7, 12-15}.
static const uint8_t dw_lane_channel[2][8] = {{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}};

/// One block's constants for an output row: 5 tap groups (4 pairs and tap 8 with a zero
/// weight) x 2 accumulators of interleaved int16 weights, bias and requantization per accumulator.
typedef struct dw_block {
    __m256i w[5][2], bias[2];
    ember_avx2_rq rq[2];
} dw_block;

/// Zero point and clamp of one call's output.
typedef struct dw_out {
    __m256i zp, mn, mx;
} dw_out;

/// The weights go through the same widening and unpacking as the inputs, so lanes match.
DW_INLINE void dw_block_load(dw_block *k, const uint8_t *blk, const ember_avx2_rq rq[2]) {
    const __m256i b0 = _mm256_loadu_si256((const __m256i *)blk), b1 = _mm256_loadu_si256((const __m256i *)(blk + 32));
    k->bias[0] = _mm256_permute2x128_si256(b0, b1, 0x20);
    k->bias[1] = _mm256_permute2x128_si256(b0, b1, 0x31);
    const int8_t *wt = (const int8_t *)(blk + 64);
    for (int g = 0; g < 5; g++) {
        const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wt + 32 * g)));
        const __m256i w1 = g < 4 ? _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wt + 32 * g + 16))) : _mm256_setzero_si256();
        k->w[g][0] = _mm256_unpacklo_epi16(w0, w1);
        k->w[g][1] = _mm256_unpackhi_epi16(w0, w1);
    }
    k->rq[0] = rq[0];
    k->rq[1] = rq[1];
}

/// 16 output bytes of one pixel from its 9 input addresses. `general`: some lane has a left
/// shift or the multiplier INT32_MIN (a constant in every caller).
DW_INLINE __m128i dw_pixel(const int8_t *const p[9], const dw_block *k, int general, const dw_out *o) {
    __m256i acc[2] = {k->bias[0], k->bias[1]};
    for (int g = 0; g < 5; g++) {
        const __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p[2 * g]));
        const __m256i a1 = g < 4 ? _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p[2 * g + 1])) : a0;
        acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(_mm256_unpacklo_epi16(a0, a1), k->w[g][0]));
        acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(_mm256_unpackhi_epi16(a0, a1), k->w[g][1]));
    }
    __m256i v[2];
    for (int half = 0; half < 2; half++) {
        ember_avx2_rq r = k->rq[half];
        if (!general) r.any_lshift = r.any_min_mult = 0;
        v[half] = ember_avx2_mbqm(acc[half], &r);
    }
    const __m256i s = _mm256_min_epi16(_mm256_max_epi16(_mm256_adds_epi16(_mm256_packs_epi32(v[0], v[1]), o->zp), o->mn), o->mx);
    return _mm_packs_epi16(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

/// Call geometry.
typedef struct dw_geom {
    const int8_t *in;
    size_t h, w, c, stride, pad_top, pad_left;
    const int8_t *zp16;
    size_t xa, xb;  ///< interior pixels [xa, xb): all three input columns inside the row
} dw_geom;

/// Output row oy of one full block. r0[ky] is input row ky at column 0 and the block's first
/// channel, col[ky] its pixel stride (0 for a padding row: r0[ky] is then the zero-point row).
DW_INLINE void dw_row(const dw_geom *g, size_t out_w, const int8_t *const r0[3], const size_t col[3],
                      const dw_block *k, int general, const dw_out *o, int8_t *dst) {
    const size_t c = g->c, s = g->stride, w = g->w;
    const size_t xa = g->xa, xb = g->xb;
    for (size_t ox = 0; ox < out_w; ox++) {
        if (ox == xa && xa < xb) {
            const int8_t *r[3];
            for (int ky = 0; ky < 3; ky++) r[ky] = r0[ky] + (xa * s - g->pad_left) * col[ky];
            for (int8_t *d = dst + xa * c; ox < xb; ox++, d += c) {
                const int8_t *p[9];
                for (int ky = 0; ky < 3; ky++) {
                    p[3 * ky] = r[ky];
                    p[3 * ky + 1] = r[ky] + col[ky];
                    p[3 * ky + 2] = r[ky] + 2 * col[ky];
                    r[ky] += s * col[ky];
                }
                _mm_storeu_si128((__m128i *)d, dw_pixel(p, k, general, o));
            }
            if (ox == out_w) break;
        }
        const ptrdiff_t x0 = (ptrdiff_t)(ox * s) - (ptrdiff_t)g->pad_left;
        const int8_t *p[9];
        for (int kx = 0; kx < 3; kx++) {
            const ptrdiff_t ix = x0 + kx;
            const int inside = ix >= 0 && ix < (ptrdiff_t)w;
            for (int ky = 0; ky < 3; ky++) p[3 * ky + kx] = inside ? r0[ky] + (size_t)ix * col[ky] : g->zp16;
        }
        _mm_storeu_si128((__m128i *)(dst + ox * c), dw_pixel(p, k, general, o));
    }
}

/// The partial last block (avail < 16 channels from cb) of pixel (oy, ox).
EMBER_TARGET_AVX2 static void dw_pixel_partial(const dw_geom *g, size_t oy, size_t ox, size_t cb, size_t avail,
                                               const dw_block *k, const dw_out *o, int8_t *dst) {
    ember_dw_taps taps;
    ember_dw_taps_at(&taps, g->in, g->h, g->w, g->c, g->stride, g->pad_top, g->pad_left, oy, ox, g->zp16);
    int8_t tmp[9][16], v[16];
    const int8_t *p[9];
    ember_dw_block_ptrs(&taps, cb, avail, tmp, p);
    _mm_storeu_si128((__m128i *)v, dw_pixel(p, k, 1, o));
    memcpy(dst, v, avail);
}

EMBER_TARGET_AVX2
void ember_qs8_dwconv3x3_c16__avx2(const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                   const void *packed, int8_t input_zero_point, int8_t *out,
                                   const ember_qs8_output *q) {
    (void)out_h;
    const ember_avx2_out o8 = ember_avx2_out_load(q);
    const dw_out o = {_mm256_broadcastsi128_si256(o8.zp), _mm256_broadcastsi128_si256(o8.mn), _mm256_broadcastsi128_si256(o8.mx)};
    int8_t zp16[16];
    memset(zp16, input_zero_point, sizeof zp16);
    size_t xa = (pad_left + stride - 1) / stride, xb = w + pad_left >= 3 ? (w + pad_left - 3) / stride + 1 : 0;
    if (xa > out_w) xa = out_w;
    if (xb < xa) xb = xa;
    if (xb > out_w) xb = out_w;
    const dw_geom g = {in, h, w, c, stride, pad_top, pad_left, zp16, xa, xb};
    const size_t nblocks = (c + 15) / 16, nfull = c / 16;
    for (size_t b0 = 0; b0 < nblocks; b0 += EMBER_DW_CHUNK) {
        const size_t b1 = b0 + EMBER_DW_CHUNK < nblocks ? b0 + EMBER_DW_CHUNK : nblocks;
        ember_avx2_rq rq[EMBER_DW_CHUNK][2];
        for (size_t b = b0; b < b1; b++) {
            int32_t mult[16], ls[16], rs[16];
            ember_dw_load_requant16(q, b * 16, c, mult, ls, rs);
            for (int half = 0; half < 2; half++) {
                int32_t m8[8], l8[8], r8[8];
                for (int i = 0; i < 8; i++) {
                    const int ch = dw_lane_channel[half][i];
                    m8[i] = mult[ch]; l8[i] = ls[ch]; r8[i] = rs[ch];
                }
                rq[b - b0][half] = ember_avx2_rq_load(m8, l8, r8);
            }
        }
        for (size_t oy = oy_begin; oy < oy_end; oy++) {
            const int8_t *r0[3];
            size_t col[3];
            for (size_t ky = 0; ky < 3; ky++) {
                const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky) - (ptrdiff_t)pad_top;
                const int inside = iy >= 0 && iy < (ptrdiff_t)h;
                r0[ky] = inside ? in + (size_t)iy * w * c : zp16;
                col[ky] = inside ? c : 0;
            }
            for (size_t b = b0; b < b1; b++) {
                dw_block k;
                dw_block_load(&k, (const uint8_t *)packed + b * ember_dw_block_bytes(), rq[b - b0]);
                const size_t cb = b * 16;
                int8_t *dst = out + oy * out_w * c + cb;
                if (b >= nfull) {
                    for (size_t ox = 0; ox < out_w; ox++) dw_pixel_partial(&g, oy, ox, cb, c - cb, &k, &o, dst + ox * c);
                    continue;
                }
                const int8_t *rb[3];
                for (int ky = 0; ky < 3; ky++) rb[ky] = col[ky] ? r0[ky] + cb : r0[ky];
                const int general = k.rq[0].any_lshift | k.rq[0].any_min_mult | k.rq[1].any_lshift | k.rq[1].any_min_mult;
                if (general) dw_row(&g, out_w, rb, col, &k, 1, &o, dst);
                else dw_row(&g, out_w, rb, col, &k, 0, &o, dst);
            }
        }
    }
}
#endif
