// Depthwise 3x3, AVX-512 F/BW + VNNI: 64 channels (four packed c16 blocks) per pass, the last
// c % 64 channels in 32-channel passes. Loop order: output row, pass, output pixel; the pairs or
// quads of taps that a pixel multiplies are built per input column and shared with the
// neighbouring pixels (stride 1: one new column per pixel, stride 2: two).
// 64-channel pass, VPDPBUSD (u8 x s8, four products per int32 lane): per input column, the
// bytes of rows 0, 1, 2 (+128, as u8) and a fourth byte with weight 0 interleaved per channel
// (two levels of in-lane unpacks, 4 ZMM); the weights likewise (taps kx, 3 + kx, 6 + kx, 0).
// A pixel is 3 VPDPBUSD per 16 channels; the +128 comes back out of the bias
// (bias' - 128 * sum of weights, taken from the packed weights once per call).
// 32-channel pass, VPDPWSSD (int16 pairs): P[ix] = rows 0 and 1 of column ix (taps kx, 3 + kx)
// and Q[ix] = row 2 at ix and ix + 1 (taps 6, 7; or tap 8 beside a zero weight); a pixel whose
// first column is b sums P[b], P[b+1], P[b+2], Q[b], Q[b+2], 5 VPDPWSSD per 16 channels.
// The unpacks work within 128-bit lanes; bias and requantization constants are permuted into
// the accumulators' lane order, and the saturating packs restore channel order. A column
// outside the input reads a 64-byte row of the input zero point (as do padding rows), so no load
// leaves the input; a last pass of fewer than 32 channels uses masked loads and stores.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx512.h"
#include "ember_dwconv_taps.h"

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define DW_INLINE EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline
#define QUAD_CHUNK (EMBER_DW_CHUNK / 4)  ///< 64-channel passes whose constants are prepared at once

/// A pass's output stage: ember_avx512_mbqm without or with its left-shift / INT32_MIN steps; the
/// rq64 form (ember_requant_avx512.h) for ReLU outputs with zero point -128 and clamp [-128, 127]
/// (no sign correction, the packs' saturation is the clamp), and with the correction and clamp.
enum { DW_OUT_PLAIN, DW_OUT_GENERAL, DW_OUT64_RELU, DW_OUT64 };

/// The output stage for channels [cb, cb + count) and the rq64 choice.
static int dw_out_mode(const ember_qs8_output *q, size_t cb, size_t count, int general) {
    if (!ember_rq64_ok(q, cb, cb + count)) return general ? DW_OUT_GENERAL : DW_OUT_PLAIN;
    return q->zero_point == -128 && q->min <= -128 && q->max >= 127 ? DW_OUT64_RELU : DW_OUT64;
}

/// Two taps' int16 inputs (or weights) interleaved per channel, in the accumulators' lane order.
typedef struct dw_pair {
    __m512i lo, hi;
} dw_pair;

/// A 32-channel pass's constants: weight pairs (taps 0,3), (1,4), (2,5), (6,7), (8,zero); bias
/// and requantization per accumulator; the channel mask of a pass over fewer channels.
typedef struct dw_group {
    dw_pair w[5], bias;
    ember_avx512_rqu rq[2];
    __mmask64 mask;
    int full, mode;
} dw_group;

typedef struct dw_geom {
    size_t w, c, pad_left, out_w;
    const int8_t *zp;  ///< 64 bytes of the input zero point
    __m512i out_zp, out_min, out_max;  ///< int16 lanes
} dw_geom;

/// 16 accumulators requantized in output stage MODE (a constant after inlining): v, or v + zp
/// in the rq64 stages.
DW_INLINE __m512i dw_requant(__m512i acc, const ember_avx512_rqu *r, const int MODE) {
    if (MODE == DW_OUT64_RELU || MODE == DW_OUT64) return ember_avx512_mbqm64(acc, &r->rq64, MODE == DW_OUT64);
    ember_avx512_rq rq = r->rq;
    if (MODE == DW_OUT_PLAIN) rq.any_lshift = rq.any_min_mult = 0;
    return ember_avx512_mbqm(acc, &rq);
}

/// Zero point and clamp of 32 int16 lanes (packed from dw_requant's results) in output stage MODE.
DW_INLINE __m512i dw_clamp16(__m512i s, const dw_geom *g, const int MODE) {
    if (MODE == DW_OUT64_RELU) return s;
    if (MODE != DW_OUT64) s = _mm512_adds_epi16(s, g->out_zp);
    return _mm512_min_epi16(_mm512_max_epi16(s, g->out_min), g->out_max);
}

DW_INLINE dw_pair dw_unpack(__m512i a, __m512i b) {
    return (dw_pair){_mm512_unpacklo_epi16(a, b), _mm512_unpackhi_epi16(a, b)};
}

/// Channel of accumulator lane i: lo holds {0-3, 8-11, 16-19, 24-27}, hi the other halves.
static int dw_lane_channel(int half, int i) { return (i / 4) * 8 + half * 4 + i % 4; }

EMBER_TARGET_AVX512VNNI static void dw_group_load(dw_group *k, const uint8_t *packed, size_t cb, size_t c, const ember_qs8_output *q) {
    const size_t nch = c - cb < 32 ? c - cb : 32;
    const int two = nch > 16;  // the second block exists
    const uint8_t *b0 = packed + cb / 16 * ember_dw_block_bytes(), *b1 = b0 + ember_dw_block_bytes();
    __m512i t[10];
    for (int i = 0; i < 9; i++) {
        const __m128i lo = _mm_loadu_si128((const __m128i *)(b0 + 64 + 16 * i));
        const __m128i hi = two ? _mm_loadu_si128((const __m128i *)(b1 + 64 + 16 * i)) : _mm_setzero_si128();
        t[i] = _mm512_cvtepi8_epi16(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1));
    }
    t[9] = _mm512_setzero_si512();
    static const int pair[5][2] = {{0, 3}, {1, 4}, {2, 5}, {6, 7}, {8, 9}};
    for (int i = 0; i < 5; i++) k->w[i] = dw_unpack(t[pair[i][0]], t[pair[i][1]]);
    const __m512i bias0 = _mm512_loadu_si512(b0), bias1 = two ? _mm512_loadu_si512(b1) : _mm512_setzero_si512();
    const __m512i idx_lo = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    k->bias.lo = _mm512_permutex2var_epi32(bias0, idx_lo, bias1);
    k->bias.hi = _mm512_permutex2var_epi32(bias0, _mm512_add_epi32(idx_lo, _mm512_set1_epi32(4)), bias1);
    int32_t mult[32], ls[32], rs[32];
    ember_dw_load_requant16(q, cb, c, mult, ls, rs);
    ember_dw_load_requant16(q, cb + 16, c, mult + 16, ls + 16, rs + 16);
    for (int half = 0; half < 2; half++) {
        int32_t m16[16], l16[16], r16[16];
        for (int i = 0; i < 16; i++) {
            const int ch = dw_lane_channel(half, i);
            m16[i] = mult[ch]; l16[i] = ls[ch]; r16[i] = rs[ch];
        }
        k->rq[half].rq = ember_avx512_rq_load(m16, l16, r16);
    }
    k->full = nch == 32;
    k->mask = k->full ? ~(__mmask64)0 : ((__mmask64)1 << nch) - 1;
    k->mode = dw_out_mode(q, cb, nch, k->rq[0].rq.any_lshift | k->rq[0].rq.any_min_mult | k->rq[1].rq.any_lshift | k->rq[1].rq.any_min_mult);
    if (k->mode >= DW_OUT64_RELU)
        for (int half = 0; half < 2; half++) {
            int32_t m16[16], r16[16];
            for (int i = 0; i < 16; i++) { m16[i] = mult[dw_lane_channel(half, i)]; r16[i] = rs[dw_lane_channel(half, i)]; }
            k->rq[half].rq64 = ember_avx512_rq64_load(m16, r16, q->zero_point);
        }
}

/// Input column ix of one row (row: the group's first channel at column 0; cs: pixel stride, 0
/// for a padding row), widened to int16.
DW_INLINE __m512i dw_load(const int8_t *row, size_t cs, ptrdiff_t ix, const dw_geom *g, __mmask64 m, int full) {
    const int8_t *p = (size_t)ix < g->w ? row + (size_t)ix * cs : g->zp;
    const __m256i v = full ? _mm256_loadu_si256((const __m256i *)p) : _mm512_castsi512_si256(_mm512_maskz_loadu_epi8(m, p));
    return _mm512_cvtepi8_epi16(v);
}

/// One output pixel's 32 (or mask) bytes from its five pairs.
DW_INLINE void dw_pixel(dw_pair p0, dw_pair p1, dw_pair p2, dw_pair q0, dw_pair q2, const dw_group *k, int mode,
                        int full, const dw_geom *g, int8_t *dst) {
    __m512i lo = _mm512_dpwssd_epi32(k->bias.lo, p0.lo, k->w[0].lo), hi = _mm512_dpwssd_epi32(k->bias.hi, p0.hi, k->w[0].hi);
    lo = _mm512_dpwssd_epi32(lo, p1.lo, k->w[1].lo); hi = _mm512_dpwssd_epi32(hi, p1.hi, k->w[1].hi);
    lo = _mm512_dpwssd_epi32(lo, p2.lo, k->w[2].lo); hi = _mm512_dpwssd_epi32(hi, p2.hi, k->w[2].hi);
    lo = _mm512_dpwssd_epi32(lo, q0.lo, k->w[3].lo); hi = _mm512_dpwssd_epi32(hi, q0.hi, k->w[3].hi);
    lo = _mm512_dpwssd_epi32(lo, q2.lo, k->w[4].lo); hi = _mm512_dpwssd_epi32(hi, q2.hi, k->w[4].hi);
    const __m512i s = dw_clamp16(_mm512_packs_epi32(dw_requant(lo, &k->rq[0], mode), dw_requant(hi, &k->rq[1], mode)), g, mode);
    const __m256i b = _mm512_cvtsepi16_epi8(s);  // saturating: the clamp to [-128, 127] of DW_OUT64_RELU
    if (full) _mm256_storeu_si256((__m256i *)dst, b);
    else _mm512_mask_storeu_epi8(dst, k->mask, _mm512_castsi256_si512(b));
}

/// One output row of a 32-channel pass; s (1 or 2), mode and full are constants in every caller.
DW_INLINE void dw_row(const int8_t *const r[3], const size_t cs[3], const dw_geom *g, const dw_group *k,
                      size_t s, int mode, int full, int8_t *dst) {
    const __mmask64 m = k->mask;
#define LD(ky, ix) dw_load(r[ky], cs[ky], (ix), g, m, full)
    ptrdiff_t b = -(ptrdiff_t)g->pad_left;
    dw_pair p0 = dw_unpack(LD(0, b), LD(1, b)), q0 = dw_unpack(LD(2, b), LD(2, b + 1));
    if (s == 1) {
        dw_pair p1 = dw_unpack(LD(0, b + 1), LD(1, b + 1));
        __m512i c2 = LD(2, b + 2);
        dw_pair q1 = dw_unpack(LD(2, b + 1), c2);
        for (size_t x = 0; x < g->out_w; x++, b++, dst += g->c) {
            const dw_pair p2 = dw_unpack(LD(0, b + 2), LD(1, b + 2));
            const __m512i c3 = LD(2, b + 3);
            const dw_pair q2 = dw_unpack(c2, c3);
            dw_pixel(p0, p1, p2, q0, q2, k, mode, full, g, dst);
            p0 = p1; p1 = p2; q0 = q1; q1 = q2; c2 = c3;
        }
    } else {
        for (size_t x = 0; x < g->out_w; x++, b += 2, dst += g->c) {
            const dw_pair p1 = dw_unpack(LD(0, b + 1), LD(1, b + 1)), p2 = dw_unpack(LD(0, b + 2), LD(1, b + 2));
            const dw_pair q2 = dw_unpack(LD(2, b + 2), LD(2, b + 3));
            dw_pixel(p0, p1, p2, q0, q2, k, mode, full, g, dst);
            p0 = p2; q0 = q2;
        }
    }
#undef LD
}

/// 64 channels as 4 bytes each (rows 0, 1, 2 of one column and a fourth byte) for VPDPBUSD;
/// accumulator j, lane 4L + i holds channel 16L + 4j + i (two levels of in-lane unpacks).
typedef struct dw_quad {
    __m512i v[4];
} dw_quad;

/// A 64-channel pass's constants.
typedef struct dw_group64 {
    dw_quad w[3];      ///< per kx: taps kx, 3 + kx, 6 + kx and a zero weight
    __m512i bias[4];   ///< bias' - 128 * sum of the weights (inputs go in as a + 128)
    ember_avx512_rqu rq[4];
    int mode;
} dw_group64;

DW_INLINE dw_quad dw_interleave4(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i ab_lo = _mm512_unpacklo_epi8(a, b), ab_hi = _mm512_unpackhi_epi8(a, b);
    const __m512i cd_lo = _mm512_unpacklo_epi8(c, d), cd_hi = _mm512_unpackhi_epi8(c, d);
    return (dw_quad){{_mm512_unpacklo_epi16(ab_lo, cd_lo), _mm512_unpackhi_epi16(ab_lo, cd_lo),
                      _mm512_unpacklo_epi16(ab_hi, cd_hi), _mm512_unpackhi_epi16(ab_hi, cd_hi)}};
}

EMBER_TARGET_AVX512VNNI static void dw_group64_load(dw_group64 *k, const uint8_t *packed, size_t cb, size_t c, const ember_qs8_output *q) {
    const uint8_t *blk = packed + cb / 16 * ember_dw_block_bytes();
    __m512i t[9];
    int32_t bias[64];
    for (int i = 0; i < 9; i++) {
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(blk + 64 + 16 * i)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + ember_dw_block_bytes() + 64 + 16 * i)), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 2 * ember_dw_block_bytes() + 64 + 16 * i)), 2);
        t[i] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(blk + 3 * ember_dw_block_bytes() + 64 + 16 * i)), 3);
    }
    for (int b = 0; b < 4; b++) memcpy(bias + 16 * b, blk + b * ember_dw_block_bytes(), 16 * sizeof(int32_t));
    for (int kx = 0; kx < 3; kx++) k->w[kx] = dw_interleave4(t[kx], t[3 + kx], t[6 + kx], _mm512_setzero_si512());
    int32_t mult[64], ls[64], rs[64];
    for (int b = 0; b < 4; b++) ember_dw_load_requant16(q, cb + 16 * b, c, mult + 16 * b, ls + 16 * b, rs + 16 * b);
    int general = 0;
    for (int j = 0; j < 4; j++) {
        int32_t b16[16], m16[16], l16[16], r16[16];
        for (int n = 0; n < 16; n++) {
            const int ch = 16 * (n / 4) + 4 * j + n % 4;
            b16[n] = bias[ch]; m16[n] = mult[ch]; l16[n] = ls[ch]; r16[n] = rs[ch];
        }
        __m512i corr = _mm512_setzero_si512();
        for (int kx = 0; kx < 3; kx++) corr = _mm512_dpbusd_epi32(corr, _mm512_set1_epi8(-128), k->w[kx].v[j]);
        k->bias[j] = _mm512_sub_epi32(_mm512_loadu_si512(b16), corr);
        k->rq[j].rq = ember_avx512_rq_load(m16, l16, r16);
        general |= k->rq[j].rq.any_lshift | k->rq[j].rq.any_min_mult;
    }
    k->mode = dw_out_mode(q, cb, 64, general);
    if (k->mode >= DW_OUT64_RELU)
        for (int j = 0; j < 4; j++) {
            int32_t m16[16], r16[16];
            for (int i = 0; i < 16; i++) { m16[i] = mult[16 * (i / 4) + 4 * j + i % 4]; r16[i] = rs[16 * (i / 4) + 4 * j + i % 4]; }
            k->rq[j].rq64 = ember_avx512_rq64_load(m16, r16, q->zero_point);
        }
}

/// Input column ix of the three rows as u8 (a + 128), interleaved per channel.
DW_INLINE dw_quad dw_col64(const int8_t *const r[3], const size_t cs[3], ptrdiff_t ix, const dw_geom *g) {
    const int inside = (size_t)ix < g->w;
    const __m512i flip = _mm512_set1_epi8(-128);
    __m512i v[3];
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++)
        v[ky] = _mm512_xor_si512(_mm512_loadu_si512(inside ? r[ky] + (size_t)ix * cs[ky] : g->zp), flip);
    return dw_interleave4(v[0], v[1], v[2], v[2]);
}

/// P output pixels (1 or 2; each constant load serves all of them): pixel p's three columns are
/// col[S * p + kx] (S = stride).
DW_INLINE void dw_pixels64(const int P, const int S, const dw_quad *col, const dw_group64 *k, int mode,
                           const dw_geom *g, int8_t *dst) {
    __m512i r[2][4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        const __m512i w0 = k->w[0].v[j], w1 = k->w[1].v[j], w2 = k->w[2].v[j];
        for (int p = 0; p < P; p++) {
            __m512i acc = _mm512_dpbusd_epi32(k->bias[j], col[S * p].v[j], w0);
            acc = _mm512_dpbusd_epi32(acc, col[S * p + 1].v[j], w1);
            acc = _mm512_dpbusd_epi32(acc, col[S * p + 2].v[j], w2);
            r[p][j] = dw_requant(acc, &k->rq[j], mode);
        }
    }
    for (int p = 0; p < P; p++) {
        const __m512i s01 = dw_clamp16(_mm512_packs_epi32(r[p][0], r[p][1]), g, mode), s23 = dw_clamp16(_mm512_packs_epi32(r[p][2], r[p][3]), g, mode);
        _mm512_storeu_si512(dst + p * g->c, _mm512_packs_epi16(s01, s23));  // exact after the clamp
    }
}

DW_INLINE void dw_row64(const int8_t *const r[3], const size_t cs[3], const dw_geom *g, const dw_group64 *k,
                        size_t s, int mode, int8_t *dst) {
    ptrdiff_t b = -(ptrdiff_t)g->pad_left;
    dw_quad col[5];
    col[0] = dw_col64(r, cs, b, g);
    size_t x = 0;
    if (s == 1) {
        col[1] = dw_col64(r, cs, b + 1, g);
        for (; x + 2 <= g->out_w; x += 2, b += 2, dst += 2 * g->c) {
            col[2] = dw_col64(r, cs, b + 2, g);
            col[3] = dw_col64(r, cs, b + 3, g);
            dw_pixels64(2, 1, col, k, mode, g, dst);
            col[0] = col[2]; col[1] = col[3];
        }
        if (x < g->out_w) {
            col[2] = dw_col64(r, cs, b + 2, g);
            dw_pixels64(1, 1, col, k, mode, g, dst);
        }
    } else {  // one pixel per step: two were slower at stride 2 (112x112x96: 0.053 -> 0.058 ms)
        for (; x < g->out_w; x++, b += 2, dst += g->c) {
            col[1] = dw_col64(r, cs, b + 1, g);
            col[2] = dw_col64(r, cs, b + 2, g);
            dw_pixels64(1, 2, col, k, mode, g, dst);
            col[0] = col[2];
        }
    }
}

/// Input row pointers of output row oy at column 0 (a padding row: the zero-point row, stride 0).
static void dw_input_rows(const int8_t *in, size_t h, size_t w, size_t c, size_t stride, size_t pad_top, size_t oy,
                          const int8_t *zp, const int8_t *r0[3], size_t cs[3]) {
    for (size_t ky = 0; ky < 3; ky++) {
        const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky) - (ptrdiff_t)pad_top;
        const int inside = iy >= 0 && iy < (ptrdiff_t)h;
        r0[ky] = inside ? in + (size_t)iy * w * c : zp;
        cs[ky] = inside ? c : 0;
    }
}

EMBER_TARGET_AVX512VNNI
void ember_qs8_dwconv3x3_c64__avx512vnni(const int8_t *in, size_t h, size_t w, size_t c,
                                         size_t stride, size_t pad_top, size_t pad_left,
                                         size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                         const void *packed, int8_t input_zero_point, int8_t *out,
                                         const ember_qs8_output *q) {
    if (stride > 2) {  // no column is shared between pixels: the AVX2 kernel's loop is as good
        ember_qs8_dwconv3x3_c16__avx2(in, h, w, c, stride, pad_top, pad_left, out_h, out_w, oy_begin, oy_end,
                                      packed, input_zero_point, out, q);
        return;
    }
    int8_t zp64[64];
    memset(zp64, input_zero_point, sizeof zp64);
    const dw_geom g = {w, c, pad_left, out_w, zp64,
                       _mm512_set1_epi16((int16_t)ember_clamp(q->zero_point, INT16_MIN, INT16_MAX)),
                       _mm512_set1_epi16((int16_t)ember_clamp(q->min, -128, 127)),
                       _mm512_set1_epi16((int16_t)ember_clamp(q->max, -128, 127))};
    const int8_t *r0[3], *rb[3];
    size_t cs[3];
    // 64-channel passes; constants for QUAD_CHUNK of them at a time (stack space).
    const size_t nquads = c / 64;
    for (size_t g0 = 0; g0 < nquads; g0 += QUAD_CHUNK) {
        const size_t g1 = g0 + QUAD_CHUNK < nquads ? g0 + QUAD_CHUNK : nquads;
        dw_group64 k[QUAD_CHUNK];
        for (size_t gi = g0; gi < g1; gi++) dw_group64_load(&k[gi - g0], (const uint8_t *)packed, gi * 64, c, q);
        for (size_t oy = oy_begin; oy < oy_end; oy++) {
            dw_input_rows(in, h, w, c, stride, pad_top, oy, zp64, r0, cs);
            for (size_t gi = g0; gi < g1; gi++) {
                const dw_group64 *kg = &k[gi - g0];
                for (int ky = 0; ky < 3; ky++) rb[ky] = cs[ky] ? r0[ky] + gi * 64 : r0[ky];
                int8_t *dst = out + oy * out_w * c + gi * 64;
                switch ((stride == 2) * 4 + kg->mode) {
#define ROW64(S, MODE) case (S - 1) * 4 + MODE: dw_row64(rb, cs, &g, kg, S, MODE, dst); break;
                ROW64(1, DW_OUT_PLAIN) ROW64(1, DW_OUT_GENERAL) ROW64(1, DW_OUT64_RELU) ROW64(1, DW_OUT64)
                ROW64(2, DW_OUT_PLAIN) ROW64(2, DW_OUT_GENERAL) ROW64(2, DW_OUT64_RELU) ROW64(2, DW_OUT64)
#undef ROW64
                default: break;
                }
            }
        }
    }
    // The last c % 64 channels: one or two 32-channel passes.
    const size_t c64 = nquads * 64, nrest = (c - c64 + 31) / 32;
    if (nrest == 0) return;
    dw_group k[2];
    for (size_t gi = 0; gi < nrest; gi++) dw_group_load(&k[gi], (const uint8_t *)packed, c64 + gi * 32, c, q);
    for (size_t oy = oy_begin; oy < oy_end; oy++) {
        dw_input_rows(in, h, w, c, stride, pad_top, oy, zp64, r0, cs);
        for (size_t gi = 0; gi < nrest; gi++) {
            const dw_group *kg = &k[gi];
            const size_t cb = c64 + gi * 32;
            for (int ky = 0; ky < 3; ky++) rb[ky] = cs[ky] ? r0[ky] + cb : r0[ky];
            int8_t *dst = out + oy * out_w * c + cb;
            switch ((stride == 2) * 8 + kg->mode * 2 + kg->full) {
#define ROW(S, MODE) case (S - 1) * 8 + MODE * 2: dw_row(rb, cs, &g, kg, S, MODE, 0, dst); break; \
                     case (S - 1) * 8 + MODE * 2 + 1: dw_row(rb, cs, &g, kg, S, MODE, 1, dst); break;
            ROW(1, DW_OUT_PLAIN) ROW(1, DW_OUT_GENERAL) ROW(1, DW_OUT64_RELU) ROW(1, DW_OUT64)
            ROW(2, DW_OUT_PLAIN) ROW(2, DW_OUT_GENERAL) ROW(2, DW_OUT64_RELU) ROW(2, DW_OUT64)
#undef ROW
            default: break;
            }
        }
    }
}
#endif
