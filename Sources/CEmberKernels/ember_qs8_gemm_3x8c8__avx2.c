// qs8 GEMM, 3 rows x 8 channels, k in blocks of 8, x86-64 AVX2. Bytes are sign-extended to int16
// and multiplied with VPMADDWD (pairs summed in int32, exact); VPMADDUBSW would saturate on raw
// int8. Each block's weights are sign-extended once per chunk of rows into an int16 buffer, so
// VPMADDWD takes them straight from memory: 12 accumulators, one row and one product register
// fit the 16 YMM registers without spilling (converting per tile needed a 17th register).
// The output stage is unrolled over the 3 rows; rows past the end repeat the last row and store
// to it (the same bytes).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"

#define MR 3
#define KMAX16 1024  ///< longest K whose block is converted to int16 (16 KiB); longer K converts per tile

EMBER_TARGET_AVX2 static inline __m256i row8(const int8_t *p) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}

/// One group of 8 k for the 3 rows: `w16` the group's 4 int16 weight vectors (channel pairs).
EMBER_TARGET_AVX2 static inline void mac16(__m256i acc[MR][4], const int16_t *w16, const int8_t *a0, const int8_t *a1, const int8_t *a2) {
    const int8_t *ap[MR] = {a0, a1, a2};
    for (int r = 0; r < MR; r++) {
        const __m256i va = row8(ap[r]);
        for (int p = 0; p < 4; p++)
            acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(va, _mm256_load_si256((const __m256i *)(w16 + 16 * p))));
        // Compiler barrier: without it clang keeps the 4 weight vectors in registers across the
        // rows, which needs 18 registers and spills an accumulator in the inner loop.
        __asm__ volatile("" ::: "memory");
    }
}

/// The same from int8 weights (K > KMAX16), sign-extended here.
EMBER_TARGET_AVX2 static inline void mac8(__m256i acc[MR][4], const int8_t *w8, const int8_t *a0, const int8_t *a1, const int8_t *a2) {
    const int8_t *ap[MR] = {a0, a1, a2};
    for (int p = 0; p < 4; p++) {
        const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + 16 * p)));
        for (int r = 0; r < MR; r++) acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(row8(ap[r]), vw));
    }
}

/// acc[p] = [c2p x4 partial | c2p+1 x4 partial] to [c0..c7].
EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
    return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EMBER_TARGET_AVX2 static inline void store_row(int8_t *dst, __m128i v, size_t ncount) {
    if (ncount == 8) { _mm_storel_epi64((__m128i *)dst, v); return; }
    int8_t tmp[8];
    _mm_storel_epi64((__m128i *)tmp, v);
    memcpy(dst, tmp, ncount);
}

/// Rows [m0, m1) of one block of 8 channels; `w16` is the block's int16 weights or NULL.
EMBER_TARGET_AVX2 static void block_rows(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a, size_t a_stride,
                                         const int8_t *a_limit, const uint8_t *blk, const int16_t *w16, int8_t *out,
                                         size_t out_stride, size_t ncount, const ember_avx2_rq *rqp, const ember_avx2_out *op) {
    const ember_avx2_rq rq = *rqp;  // local copies: int8 stores may alias anything
    const ember_avx2_out o = *op;
    const __m256i bias = _mm256_loadu_si256((const __m256i *)blk);
    const int8_t *w8 = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += MR) {
        const size_t r1 = m + 1 < m1 ? m + 1 : m, r2 = m + 2 < m1 ? m + 2 : r1;
        const int8_t *a0 = a + m * a_stride, *a1 = a + r1 * a_stride, *a2 = a + r2 * a_stride;
        __m256i acc[MR][4];
        for (int r = 0; r < MR; r++)
            for (int p = 0; p < 4; p++) acc[r][p] = _mm256_setzero_si256();
        if (w16) {
            for (size_t kb = 0; kb < kfull; kb++) mac16(acc, w16 + kb * 64, a0 + kb * 8, a1 + kb * 8, a2 + kb * 8);
        } else {
            for (size_t kb = 0; kb < kfull; kb++) mac8(acc, w8 + kb * 64, a0 + kb * 8, a1 + kb * 8, a2 + kb * 8);
        }
        if (krem) {
            int8_t t[MR][8];
            const int8_t *t0 = ember_gemm_ktail(a0 + kfull * 8, krem, a_limit, t[0]);
            const int8_t *t1 = ember_gemm_ktail(a1 + kfull * 8, krem, a_limit, t[1]);
            const int8_t *t2 = ember_gemm_ktail(a2 + kfull * 8, krem, a_limit, t[2]);
            if (w16) mac16(acc, w16 + kfull * 64, t0, t1, t2);
            else mac8(acc, w8 + kfull * 64, t0, t1, t2);
        }
        const __m128i v0 = ember_avx2_output8(_mm256_add_epi32(reduce8(acc[0]), bias), &rq, &o);
        const __m128i v1 = ember_avx2_output8(_mm256_add_epi32(reduce8(acc[1]), bias), &rq, &o);
        const __m128i v2 = ember_avx2_output8(_mm256_add_epi32(reduce8(acc[2]), bias), &rq, &o);
        store_row(out + m * out_stride, v0, ncount);
        store_row(out + r1 * out_stride, v1, ncount);
        store_row(out + r2 * out_stride, v2, ncount);
    }
}

EMBER_TARGET_AVX2
void ember_qs8_gemm_3x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8, kp = kfull + (krem != 0);
    const ember_avx2_out o = ember_avx2_out_load(q);
    const size_t mc = ember_gemm_row_chunk(k, MR);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    _Alignas(32) int16_t w16[KMAX16 * 8];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            const ember_avx2_rq rq = ember_avx2_rq_load(mult, ls, rs);
            const int convert = kp * 8 <= KMAX16;
            if (convert) {
                const int8_t *w8 = (const int8_t *)(blk + 32);
                for (size_t i = 0; i < kp * 64; i += 16)
                    _mm256_store_si256((__m256i *)(w16 + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i))));
            }
            block_rows(m0, m1, kfull, krem, a, a_stride, a_limit, blk, convert ? w16 : NULL, out + nb, out_stride,
                       n - nb < 8 ? n - nb : 8, &rq, &o);
        }
    }
}
#endif
