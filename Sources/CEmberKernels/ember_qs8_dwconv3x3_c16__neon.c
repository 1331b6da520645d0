// Depthwise 3x3, 16 channels at a time, AArch64 NEON (all AArch64 CPUs).
// Loop order: output row, block of 16 channels, output pixel. The block's requantization
// constants stay in registers across the row, its weights and bias are read from the packed block
// per pixel (7 LDP; in registers too they spilled, as many loads); each pixel reads its 9 input vectors
// at fixed offsets from 3 row pointers (a padding row is the 16-byte zero-point row with strides
// 0, a padding column a select of that row). Only the last partial block goes through
// ember_dw_taps (zero-padded copies, nothing read past the input).
//
// Products a*w (int8 x int8) fit int16. Two taps are summed in int16 (SMULL + SMLAL) before
// widening into int32: with |w| <= 127 a product is within [-16256, 16256], with a = w = -128 it is
// 16384, so a pair overflows int16 only if both its weights are -128 in the same channel. Blocks
// with such a pair (never in TFLite's symmetric int8 weights) take the one-tap-at-a-time path.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include "ember_requant_neon.h"
#include "ember_dwconv_taps.h"

#define DW_INLINE __attribute__((always_inline)) static inline
// Loops over taps and lanes must unroll completely, so the arrays of vectors live in registers:
// clang 17 (Debian trixie's swiftlang 6.0.3, the board's compiler) left the tap loops rolled,
// with a[] on the stack (19.17 M instructions on the model's depthwise layers, 12.53 M with clang 21).
#define DW_UNROLL _Pragma("GCC unroll 16")

/// How a block is computed, fixed per block once per call; each mode compiles to its own
/// branch-free row loop.
enum {
    DW_FAST,    ///< tap pairs, and every lane shifts right (no left shift, simpler rounding fixup)
    DW_PAIRED,  ///< tap pairs, any shifts
    DW_SINGLE,  ///< one tap at a time (a pair of -128 weights), any shifts
};

/// Per-block constants prepared once per call.
typedef struct dw_rq {
    int32x4_t mult[4], lshift[4], neg_rshift[4];
    int mode;
} dw_rq;

/// One block's weights and constants for an output row.
typedef struct dw_block {
    const int8_t *w;
    int32x4_t mult[4], lshift[4], neg_rshift[4];
    const int32_t *bias;
} dw_block;

DW_INLINE dw_block dw_block_load(const uint8_t *blk, const dw_rq *r) {
    dw_block k;
    k.bias = (const int32_t *)blk;
    DW_UNROLL for (int i = 0; i < 4; i++) {
        k.mult[i] = r->mult[i];
        k.lshift[i] = r->lshift[i];
        k.neg_rshift[i] = r->neg_rshift[i];
    }
    k.w = (const int8_t *)blk + 64;
    return k;
}

DW_INLINE void dw_add16(int32x4_t acc[4], int16x8_t lo, int16x8_t hi) {
    acc[0] = vaddw_s16(acc[0], vget_low_s16(lo));
    acc[1] = vaddw_high_s16(acc[1], lo);
    acc[2] = vaddw_s16(acc[2], vget_low_s16(hi));
    acc[3] = vaddw_high_s16(acc[3], hi);
}

DW_INLINE void dw_add_single(int32x4_t acc[4], int8x16_t a, int8x16_t w) {
    dw_add16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(w)), vmull_high_s8(a, w));
}

DW_INLINE void dw_add_pair(int32x4_t acc[4], int8x16_t a0, int8x16_t w0, int8x16_t a1, int8x16_t w1) {
    dw_add16(acc, vmlal_s8(vmull_s8(vget_low_s8(a0), vget_low_s8(w0)), vget_low_s8(a1), vget_low_s8(w1)),
             vmlal_high_s8(vmull_high_s8(a0, w0), a1, w1));
}

/// Zero point, clamp and saturation of one call's output, as int8 and int16 lanes.
typedef struct dw_out {
    int8x16_t mn, mx;
    int16x8_t zp;
} dw_out;

/// 16 output bytes of one pixel from its 9 input vectors.
DW_INLINE int8x16_t dw_pixel(const int8x16_t a[9], const dw_block *k, int mode, const dw_out *o) {
    int32x4_t acc[4] = {vld1q_s32(k->bias), vld1q_s32(k->bias + 4), vld1q_s32(k->bias + 8), vld1q_s32(k->bias + 12)};
    if (mode == DW_SINGLE) {
        DW_UNROLL for (int t = 0; t < 9; t++) dw_add_single(acc, a[t], vld1q_s8(k->w + 16 * t));
    } else {
        DW_UNROLL for (int t = 0; t < 8; t += 2) dw_add_pair(acc, a[t], vld1q_s8(k->w + 16 * t), a[t + 1], vld1q_s8(k->w + 16 * t + 16));
        dw_add_single(acc, a[8], vld1q_s8(k->w + 128));
    }
    int32x4_t v[4];
    DW_UNROLL for (int i = 0; i < 4; i++) {
        if (mode == DW_FAST) {  // every shift e > 0: ember_neon_rdbp's fixup is x + (x >> 31)
            const int32x4_t x = vqrdmulhq_s32(acc[i], k->mult[i]);
            v[i] = vrshlq_s32(vsraq_n_s32(x, x, 31), k->neg_rshift[i]);
        } else {
            v[i] = ember_neon_rdbp(vqrdmulhq_s32(vshlq_s32(acc[i], k->lshift[i]), k->mult[i]), k->neg_rshift[i]);
        }
    }
    // Zero point in int16, then saturation to int8 and the clamp there: the same as clamping in
    // int16 first (ember_output_value), because the clamp bounds lie within [-128, 127].
    const int16x8_t lo = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(v[0]), v[1]), o->zp);
    const int16x8_t hi = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(v[2]), v[3]), o->zp);
    return vminq_s8(vmaxq_s8(vqmovn_high_s16(vqmovn_s16(lo), hi), o->mn), o->mx);
}

/// Call geometry, shared by the per-pixel paths.
typedef struct dw_geom {
    const int8_t *in;
    size_t h, w, c, stride, pad_top, pad_left;
    const int8_t *zp16;
    size_t xa, xb;  ///< interior pixels [xa, xb): all three input columns inside the row
} dw_geom;

/// The partial last block (avail < 16 channels from cb) of pixel (oy, ox), through zero-padded
/// copies of its taps.
static void dw_pixel_partial(const dw_geom *g, size_t oy, size_t ox, size_t cb, size_t avail,
                             const dw_block *k, const dw_out *o, int8_t *dst) {
    ember_dw_taps taps;
    ember_dw_taps_at(&taps, g->in, g->h, g->w, g->c, g->stride, g->pad_top, g->pad_left, oy, ox, g->zp16);
    int8_t tmp[9][16], v[16];
    const int8_t *p[9];
    ember_dw_block_ptrs(&taps, cb, avail, tmp, p);
    int8x16_t a[9];
    for (int t = 0; t < 9; t++) a[t] = vld1q_s8(p[t]);
    vst1q_s8(v, dw_pixel(a, k, DW_SINGLE, o));
    memcpy(dst, v, avail);
}

/// Output row oy of one full block. r0[ky] is input row ky at column 0 and the block's first
/// channel, col[ky] its pixel stride (0 for a padding row: r0[ky] is then the zero-point row).
/// Pixels outside [xa, xb) load the zero-point row for their padding columns.
DW_INLINE void dw_row(const dw_geom *g, size_t out_w, const int8_t *const r0[3], const size_t col[3],
                      const dw_block *k, int mode, const dw_out *o, int8_t *dst) {
    const size_t c = g->c, s = g->stride, w = g->w;
    const size_t xa = g->xa, xb = g->xb;
    for (size_t ox = 0; ox < out_w; ox++) {
        if (ox == xa && xa < xb) {
            const int8_t *r[3];
            for (int ky = 0; ky < 3; ky++) r[ky] = r0[ky] + (xa * s - g->pad_left) * col[ky];
            const size_t step[3] = {s * col[0], s * col[1], s * col[2]};
            int8_t *d = dst + xa * c;
            for (; ox + 2 <= xb; ox += 2, d += 2 * c) {  // two pixels share the weight loads
                int8x16_t a[9], b[9];
                DW_UNROLL for (int ky = 0; ky < 3; ky++) {
                    a[3 * ky] = vld1q_s8(r[ky]);
                    a[3 * ky + 1] = vld1q_s8(r[ky] + col[ky]);
                    a[3 * ky + 2] = vld1q_s8(r[ky] + 2 * col[ky]);
                    b[3 * ky] = vld1q_s8(r[ky] + step[ky]);
                    b[3 * ky + 1] = vld1q_s8(r[ky] + step[ky] + col[ky]);
                    b[3 * ky + 2] = vld1q_s8(r[ky] + step[ky] + 2 * col[ky]);
                    r[ky] += 2 * step[ky];
                }
                const int8x16_t va = dw_pixel(a, k, mode, o), vb = dw_pixel(b, k, mode, o);
                vst1q_s8(d, va);
                vst1q_s8(d + c, vb);
            }
            for (; ox < xb; ox++, d += c) {
                int8x16_t a[9];
                DW_UNROLL for (int ky = 0; ky < 3; ky++) {
                    a[3 * ky] = vld1q_s8(r[ky]);
                    a[3 * ky + 1] = vld1q_s8(r[ky] + col[ky]);
                    a[3 * ky + 2] = vld1q_s8(r[ky] + 2 * col[ky]);
                    r[ky] += step[ky];
                }
                vst1q_s8(d, dw_pixel(a, k, mode, o));
            }
            if (ox == out_w) break;
        }
        const ptrdiff_t x0 = (ptrdiff_t)(ox * s) - (ptrdiff_t)g->pad_left;
        int8x16_t a[9];
        DW_UNROLL for (int kx = 0; kx < 3; kx++) {
            const ptrdiff_t ix = x0 + kx;
            const int inside = ix >= 0 && ix < (ptrdiff_t)w;
            DW_UNROLL for (int ky = 0; ky < 3; ky++) a[3 * ky + kx] = vld1q_s8(inside ? r0[ky] + (size_t)ix * col[ky] : g->zp16);
        }
        vst1q_s8(dst + ox * c, dw_pixel(a, k, mode, o));
    }
}

void ember_qs8_dwconv3x3_c16__neon(const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                   const void *packed, int8_t input_zero_point, int8_t *out,
                                   const ember_qs8_output *q) {
    (void)out_h;
    const ember_neon_out o16 = ember_neon_out_load(q);
    const dw_out o = {vcombine_s8(vmovn_s16(o16.mn), vmovn_s16(o16.mn)), vcombine_s8(vmovn_s16(o16.mx), vmovn_s16(o16.mx)), o16.zp};
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
        dw_rq rq[EMBER_DW_CHUNK];
        for (size_t b = b0; b < b1; b++) {
            int32_t mult[16], ls[16], rs[16];
            ember_dw_load_requant16(q, b * 16, c, mult, ls, rs);
            dw_rq *r = &rq[b - b0];
            int all_right = 1;
            for (int i = 0; i < 16; i++) all_right &= rs[i] > 0;
            for (int i = 0; i < 4; i++) {
                const ember_neon_rq e = ember_neon_rq_load(mult + 4 * i, ls + 4 * i, rs + 4 * i);
                r->mult[i] = e.mult;
                r->lshift[i] = e.lshift;
                r->neg_rshift[i] = e.neg_rshift;
            }
            const int8_t *wt = (const int8_t *)packed + b * ember_dw_block_bytes() + 64;
            uint8x16_t bad = vdupq_n_u8(0);
            for (int t = 0; t < 8; t += 2)
                bad = vorrq_u8(bad, vandq_u8(vceqq_s8(vld1q_s8(wt + 16 * t), vdupq_n_s8(-128)),
                                             vceqq_s8(vld1q_s8(wt + 16 * t + 16), vdupq_n_s8(-128))));
            r->mode = vmaxvq_u8(bad) ? DW_SINGLE : all_right ? DW_FAST : DW_PAIRED;
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
                const dw_block k = dw_block_load((const uint8_t *)packed + b * ember_dw_block_bytes(), &rq[b - b0]);
                const size_t cb = b * 16;
                int8_t *dst = out + oy * out_w * c + cb;
                if (b >= nfull) {
                    for (size_t ox = 0; ox < out_w; ox++) dw_pixel_partial(&g, oy, ox, cb, c - cb, &k, &o, dst + ox * c);
                    continue;
                }
                const int8_t *rb[3];
                for (int ky = 0; ky < 3; ky++) rb[ky] = col[ky] ? r0[ky] + cb : r0[ky];
                switch (rq[b - b0].mode) {
                case DW_FAST: dw_row(&g, out_w, rb, col, &k, DW_FAST, &o, dst); break;
                case DW_PAIRED: dw_row(&g, out_w, rb, col, &k, DW_PAIRED, &o, dst); break;
                default: dw_row(&g, out_w, rb, col, &k, DW_SINGLE, &o, dst); break;
                }
            }
        }
    }
}
#endif
