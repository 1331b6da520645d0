// Depthwise 3x3, 16 channels at a time, x86-64 AVX2. Products are formed exactly in int16
// (|p| <= 16384) and sign-extended to int32 before summing. Per output pixel the 9 tap pointers
// are set once; full blocks of 16 channels advance them (padding taps do not advance), the last
// partial block goes through zero-padded copies.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"
#include "ember_dwconv_taps.h"

/// One block of 16 channels: `p[t]` are the taps' addresses for this block.
EMBER_TARGET_AVX2 static inline __m128i block16(const int8_t *const p[9], const uint8_t *blk, const ember_avx2_rq rq[2], const ember_avx2_out *o) {
    const int8_t *wt = (const int8_t *)(blk + 64);
    __m256i acc_lo = _mm256_loadu_si256((const __m256i *)blk), acc_hi = _mm256_loadu_si256((const __m256i *)(blk + 32));
    for (int t = 0; t < 9; t++) {
        const __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p[t]));
        const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wt + 16 * t)));
        const __m256i prod = _mm256_mullo_epi16(va, vw);
        acc_lo = _mm256_add_epi32(acc_lo, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
        acc_hi = _mm256_add_epi32(acc_hi, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
    }
    return _mm_unpacklo_epi64(ember_avx2_output8(acc_lo, &rq[0], o), ember_avx2_output8(acc_hi, &rq[1], o));
}

EMBER_TARGET_AVX2
void ember_qs8_dwconv3x3_c16__avx2(const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                   const void *packed, int8_t input_zero_point, int8_t *out,
                                   const ember_qs8_output *q) {
    (void)out_h;
    const ember_avx2_out o = ember_avx2_out_load(q);
    int8_t zp16[16];
    memset(zp16, input_zero_point, sizeof zp16);
    const size_t nblocks = (c + 15) / 16, nfull = c / 16;
    for (size_t b0 = 0; b0 < nblocks; b0 += EMBER_DW_CHUNK) {
        const size_t b1 = b0 + EMBER_DW_CHUNK < nblocks ? b0 + EMBER_DW_CHUNK : nblocks;
        const size_t bfull = b1 < nfull ? b1 : nfull;  // blocks [b0, bfull) have 16 channels
        ember_avx2_rq rq[EMBER_DW_CHUNK][2];
        for (size_t b = b0; b < b1; b++) {
            int32_t mult[16], ls[16], rs[16];
            ember_dw_load_requant16(q, b * 16, c, mult, ls, rs);
            rq[b - b0][0] = ember_avx2_rq_load(mult, ls, rs);
            rq[b - b0][1] = ember_avx2_rq_load(mult + 8, ls + 8, rs + 8);
        }
        for (size_t oy = oy_begin; oy < oy_end; oy++)
            for (size_t ox = 0; ox < out_w; ox++) {
                ember_dw_taps taps;
                ember_dw_taps_at(&taps, in, h, w, c, stride, pad_top, pad_left, oy, ox, zp16);
                int8_t *dst = out + (oy * out_w + ox) * c + b0 * 16;
                const int8_t *p[9];
                size_t inc[9];
                for (int t = 0; t < 9; t++) { p[t] = taps.ptr[t] + (b0 * 16 & taps.mask[t]); inc[t] = 16 & taps.mask[t]; }
                const uint8_t *blk = (const uint8_t *)packed + b0 * ember_dw_block_bytes();
                for (size_t b = b0; b < bfull; b++, dst += 16, blk += ember_dw_block_bytes()) {
                    _mm_storeu_si128((__m128i *)dst, block16(p, blk, rq[b - b0], &o));
                    for (int t = 0; t < 9; t++) p[t] += inc[t];
                }
                if (bfull < b1) {  // the last, partial block
                    int8_t tmp[9][16], v[16];
                    const int8_t *pt[9];
                    ember_dw_block_ptrs(&taps, bfull * 16, c - bfull * 16, tmp, pt);
                    _mm_storeu_si128((__m128i *)v, block16(pt, blk, rq[bfull - b0], &o));
                    memcpy(dst, v, c - bfull * 16);
                }
            }
    }
}
#endif
