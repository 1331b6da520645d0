// qs8 GEMM, 3 rows x 8 channels, k in blocks of 8, x86-64 AVX2. 12 accumulators, 3 rows and one
// weight register fill the 16 YMM registers. Bytes are sign-extended to int16 and multiplied
// with VPMADDWD (pairs summed in int32, exact); VPMADDUBSW would saturate on raw int8.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"

#define MR 3

EMBER_TARGET_AVX2 static inline __m256i row8(const int8_t *p) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}

EMBER_TARGET_AVX2 static inline void mac_block(__m256i acc[MR][4], const int8_t *wp, const int8_t *const ap[MR], size_t off) {
    __m256i va[MR];
    for (int r = 0; r < MR; r++) va[r] = row8(ap[r] + off);
    for (int p = 0; p < 4; p++) {
        const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wp + 16 * p)));
        for (int r = 0; r < MR; r++) acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(va[r], vw));
    }
}

/// acc[p] = [c2p x4 partial | c2p+1 x4 partial] to [c0..c7].
EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
    return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EMBER_TARGET_AVX2
void ember_qs8_gemm_3x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    const ember_avx2_out o = ember_avx2_out_load(q);
    const size_t mc = ember_gemm_row_chunk(k, MR);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const __m256i bias = _mm256_loadu_si256((const __m256i *)blk);
            const int8_t *w = (const int8_t *)(blk + 32);
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            const ember_avx2_rq rq = ember_avx2_rq_load(mult, ls, rs);
            const size_t ncount = n - nb < 8 ? n - nb : 8;
            for (size_t m = m0; m < m1; m += MR) {
                const int8_t *ap[MR];
                for (size_t r = 0; r < MR; r++) ap[r] = a + (m + r < m1 ? m + r : m1 - 1) * a_stride;
                __m256i acc[MR][4];
                for (int r = 0; r < MR; r++)
                    for (int p = 0; p < 4; p++) acc[r][p] = _mm256_setzero_si256();
                const int8_t *wp = w;
                for (size_t kb = 0; kb < kfull; kb++, wp += 64) mac_block(acc, wp, ap, kb * 8);
                if (krem) {
                    int8_t t[MR][8];
                    const int8_t *tp[MR];
                    for (int r = 0; r < MR; r++) tp[r] = ember_gemm_ktail(ap[r] + kfull * 8, krem, a_limit, t[r]);
                    mac_block(acc, wp, tp, 0);
                }
                for (size_t r = 0; r < MR && m + r < m1; r++) {
                    const __m128i v = ember_avx2_output8(_mm256_add_epi32(reduce8(acc[r]), bias), &rq, &o);
                    int8_t *dst = out + (m + r) * out_stride + nb;
                    if (ncount == 8) _mm_storel_epi64((__m128i *)dst, v);
                    else { int8_t tmp[8]; _mm_storel_epi64((__m128i *)tmp, v); memcpy(dst, tmp, ncount); }
                }
            }
        }
    }
}
#endif
