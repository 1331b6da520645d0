// Depthwise 3x3, 32 channels (two packed c16 blocks) per pass, AVX-512 F/BW + VNNI.
// Loop order: output row, group of 32 channels, output pixel. The 32 channels of one input pixel
// are 32 contiguous bytes, so one VPMOVSXBW widens them to a ZMM of int16, and VPDPWSSD adds two
// taps' int16 products per channel into its int32 lane (exact; wraps like the twin's sums).
// Taps are paired so that pairs are shared between neighbouring output pixels: per input column
// ix, P[ix] = rows 0 and 1 interleaved (taps kx and 3 + kx) and Q[ix] = row 2 at ix and ix + 1
// (taps 6, 7 when ix is the pixel's first column; tap 8 with a zero weight when it is the third).
// A pixel at first column b sums P[b], P[b+1], P[b+2], Q[b], Q[b+2]: 5 VPDPWSSD per 16 lanes,
// and at stride 1 each pixel makes only P[b+2] and Q[b+2] (3 loads, 4 unpacks), at stride 2
// P[b+1], P[b+2] and Q[b+2] (6 loads, 6 unpacks); the AVX2 kernel makes all 5 pairs (9, 10).
// The unpacks work within 128-bit lanes: the two accumulators hold channels {0-3, 8-11, 16-19,
// 24-27} and {4-7, 12-15, 20-23, 28-31}; bias and requantization constants are permuted to match
// and VPACKSSDW of the two restores channel order. A column outside the input reads a 64-byte
// row of the input zero point (as do padding rows), so no load leaves the input; the last group
// of fewer than 32 channels uses masked loads and stores (no copies, no separate tail path).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx512.h"
#include "ember_dwconv_taps.h"

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define DW_INLINE EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline
#define GROUP_CHUNK (EMBER_DW_CHUNK / 2)  ///< groups whose constants are prepared at once (stack space)

/// Two taps' int16 inputs (or weights) interleaved per channel, in the accumulators' lane order.
typedef struct dw_pair {
    __m512i lo, hi;
} dw_pair;

/// One group's constants: weight pairs (taps 0,3), (1,4), (2,5), (6,7), (8,zero); bias and
/// requantization per accumulator; the channel mask of a partial group.
typedef struct dw_group {
    dw_pair w[5], bias;
    ember_avx512_rq rq[2];
    __mmask64 mask;
    int full, general;
} dw_group;

typedef struct dw_geom {
    size_t w, c, pad_left, out_w;
    const int8_t *zp;  ///< 64 bytes of the input zero point
    __m512i out_zp, out_min, out_max;  ///< int16 lanes
} dw_geom;

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
        k->rq[half] = ember_avx512_rq_load(m16, l16, r16);
    }
    k->full = nch == 32;
    k->mask = k->full ? ~(__mmask64)0 : ((__mmask64)1 << nch) - 1;
    k->general = k->rq[0].any_lshift | k->rq[0].any_min_mult | k->rq[1].any_lshift | k->rq[1].any_min_mult;
}

/// Input column ix of one row (row: the group's first channel at column 0; cs: pixel stride, 0
/// for a padding row), widened to int16.
DW_INLINE __m512i dw_load(const int8_t *row, size_t cs, ptrdiff_t ix, const dw_geom *g, __mmask64 m, int full) {
    const int8_t *p = (size_t)ix < g->w ? row + (size_t)ix * cs : g->zp;
    const __m256i v = full ? _mm256_loadu_si256((const __m256i *)p) : _mm512_castsi512_si256(_mm512_maskz_loadu_epi8(m, p));
    return _mm512_cvtepi8_epi16(v);
}

/// One output pixel's 32 (or mask) bytes from its five pairs.
DW_INLINE void dw_pixel(dw_pair p0, dw_pair p1, dw_pair p2, dw_pair q0, dw_pair q2, const dw_group *k, int general,
                        int full, const dw_geom *g, int8_t *dst) {
    __m512i lo = _mm512_dpwssd_epi32(k->bias.lo, p0.lo, k->w[0].lo), hi = _mm512_dpwssd_epi32(k->bias.hi, p0.hi, k->w[0].hi);
    lo = _mm512_dpwssd_epi32(lo, p1.lo, k->w[1].lo); hi = _mm512_dpwssd_epi32(hi, p1.hi, k->w[1].hi);
    lo = _mm512_dpwssd_epi32(lo, p2.lo, k->w[2].lo); hi = _mm512_dpwssd_epi32(hi, p2.hi, k->w[2].hi);
    lo = _mm512_dpwssd_epi32(lo, q0.lo, k->w[3].lo); hi = _mm512_dpwssd_epi32(hi, q0.hi, k->w[3].hi);
    lo = _mm512_dpwssd_epi32(lo, q2.lo, k->w[4].lo); hi = _mm512_dpwssd_epi32(hi, q2.hi, k->w[4].hi);
    ember_avx512_rq r0 = k->rq[0], r1 = k->rq[1];
    if (!general) r0.any_lshift = r0.any_min_mult = r1.any_lshift = r1.any_min_mult = 0;
    __m512i s = _mm512_packs_epi32(ember_avx512_mbqm(lo, &r0), ember_avx512_mbqm(hi, &r1));
    s = _mm512_min_epi16(_mm512_max_epi16(_mm512_adds_epi16(s, g->out_zp), g->out_min), g->out_max);
    const __m256i b = _mm512_cvtepi16_epi8(s);  // exact after the clamp
    if (full) _mm256_storeu_si256((__m256i *)dst, b);
    else _mm512_mask_storeu_epi8(dst, k->mask, _mm512_castsi256_si512(b));
}

/// One output row of one group; s (1 or 2), general and full are constants in every caller.
DW_INLINE void dw_row(const int8_t *const r[3], const size_t cs[3], const dw_geom *g, const dw_group *k,
                      size_t s, int general, int full, int8_t *dst) {
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
            dw_pixel(p0, p1, p2, q0, q2, k, general, full, g, dst);
            p0 = p1; p1 = p2; q0 = q1; q1 = q2; c2 = c3;
        }
    } else {
        for (size_t x = 0; x < g->out_w; x++, b += 2, dst += g->c) {
            const dw_pair p1 = dw_unpack(LD(0, b + 1), LD(1, b + 1)), p2 = dw_unpack(LD(0, b + 2), LD(1, b + 2));
            const dw_pair q2 = dw_unpack(LD(2, b + 2), LD(2, b + 3));
            dw_pixel(p0, p1, p2, q0, q2, k, general, full, g, dst);
            p0 = p2; q0 = q2;
        }
    }
#undef LD
}

EMBER_TARGET_AVX512VNNI
void ember_qs8_dwconv3x3_c32__avx512vnni(const int8_t *in, size_t h, size_t w, size_t c,
                                         size_t stride, size_t pad_top, size_t pad_left,
                                         size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                         const void *packed, int8_t input_zero_point, int8_t *out,
                                         const ember_qs8_output *q) {
    if (stride > 2) {  // no pair is shared between pixels: the AVX2 kernel's loop is as good
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
    const size_t ngroups = (c + 31) / 32;
    for (size_t g0 = 0; g0 < ngroups; g0 += GROUP_CHUNK) {
        const size_t g1 = g0 + GROUP_CHUNK < ngroups ? g0 + GROUP_CHUNK : ngroups;
        dw_group k[GROUP_CHUNK];
        for (size_t gi = g0; gi < g1; gi++) dw_group_load(&k[gi - g0], (const uint8_t *)packed, gi * 32, c, q);
        for (size_t oy = oy_begin; oy < oy_end; oy++) {
            const int8_t *r0[3];
            size_t cs[3];
            for (size_t ky = 0; ky < 3; ky++) {
                const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky) - (ptrdiff_t)pad_top;
                const int inside = iy >= 0 && iy < (ptrdiff_t)h;
                r0[ky] = inside ? in + (size_t)iy * w * c : zp64;
                cs[ky] = inside ? c : 0;
            }
            for (size_t gi = g0; gi < g1; gi++) {
                const dw_group *kg = &k[gi - g0];
                const size_t cb = gi * 32;
                const int8_t *rb[3];
                for (int ky = 0; ky < 3; ky++) rb[ky] = cs[ky] ? r0[ky] + cb : r0[ky];
                int8_t *dst = out + oy * out_w * c + cb;
                const int sel = (stride == 2) * 4 + kg->general * 2 + kg->full;
                switch (sel) {
                case 0: dw_row(rb, cs, &g, kg, 1, 0, 0, dst); break;
                case 1: dw_row(rb, cs, &g, kg, 1, 0, 1, dst); break;
                case 2: dw_row(rb, cs, &g, kg, 1, 1, 0, dst); break;
                case 3: dw_row(rb, cs, &g, kg, 1, 1, 1, dst); break;
                case 4: dw_row(rb, cs, &g, kg, 2, 0, 0, dst); break;
                case 5: dw_row(rb, cs, &g, kg, 2, 0, 1, dst); break;
                case 6: dw_row(rb, cs, &g, kg, 2, 1, 0, dst); break;
                default: dw_row(rb, cs, &g, kg, 2, 1, 1, dst); break;
                }
            }
        }
    }
}
#endif
