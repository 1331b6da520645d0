// qs8 GEMM, 2 rows x 8 channels, k in blocks of 8, x86-64 AVX2.
// Bytes are sign-extended to int16 and multiplied with VPMADDWD (pairs summed in int32, exact);
// VPMADDUBSW would saturate on raw int8 and is not used.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"

EMBER_TARGET_AVX2 static inline __m256i row8(const int8_t *p) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}

EMBER_TARGET_AVX2 static inline void mac_block(__m256i acc0[4], __m256i acc1[4], const int8_t *wp, __m256i va0, __m256i va1) {
    for (int p = 0; p < 4; p++) {
        const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wp + 16 * p)));
        acc0[p] = _mm256_add_epi32(acc0[p], _mm256_madd_epi16(va0, vw));
        acc1[p] = _mm256_add_epi32(acc1[p], _mm256_madd_epi16(va1, vw));
    }
}

/// acc[p] = [c2p x4 partial | c2p+1 x4 partial] to [c0..c7].
EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
    return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EMBER_TARGET_AVX2
void ember_qs8_gemm_2x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    const ember_avx2_out o = ember_avx2_out_load(q);
    const size_t mc = ember_gemm_row_chunk(k, 2);
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
            for (size_t m = m0; m < m1; m += 2) {
                const int8_t *a0 = a + m * a_stride;
                const int8_t *a1 = m + 1 < m1 ? a0 + a_stride : a0;
                __m256i acc0[4], acc1[4];
                for (int p = 0; p < 4; p++) { acc0[p] = _mm256_setzero_si256(); acc1[p] = _mm256_setzero_si256(); }
                const int8_t *wp = w;
                for (size_t kb = 0; kb < kfull; kb++, wp += 64) mac_block(acc0, acc1, wp, row8(a0 + kb * 8), row8(a1 + kb * 8));
                if (krem) {
                    int8_t t0[8], t1[8];
                    mac_block(acc0, acc1, wp, row8(ember_gemm_ktail(a0 + kfull * 8, krem, a_limit, t0)),
                              row8(ember_gemm_ktail(a1 + kfull * 8, krem, a_limit, t1)));
                }
                int8_t v[8];
                _mm_storel_epi64((__m128i *)v, ember_avx2_output8(_mm256_add_epi32(reduce8(acc0), bias), &rq, &o));
                ember_store_partial8(out + m * out_stride + nb, v, ncount);
                if (m + 1 < m1) {
                    _mm_storel_epi64((__m128i *)v, ember_avx2_output8(_mm256_add_epi32(reduce8(acc1), bias), &rq, &o));
                    ember_store_partial8(out + (m + 1) * out_stride + nb, v, ncount);
                }
            }
        }
    }
}
#endif
