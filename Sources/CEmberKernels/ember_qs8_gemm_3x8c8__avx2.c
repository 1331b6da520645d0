// qs8 GEMM, 3 rows x 8 channels, k in blocks of 8, x86-64 AVX2. Bytes are sign-extended to int16
// and multiplied with VPMADDWD (pairs summed in int32, exact); VPMADDUBSW would saturate on raw
// int8. For K <= 1024, each chunk of rows (the k tail as ember_gemm_ktail reads it) and each
// block's weights are sign-extended to int16 once, so the inner loop is one VBROADCASTI128 per
// row and VPMADDWD straight from memory: 12 accumulators, one row and one product register fit
// the 16 YMM registers (converting per tile needed a 17th and clang spilled an accumulator).
// The output stage is unrolled over the rows; rows past the end repeat the last row and store
// to it (the same bytes).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"
#include "ember_rows_int16_avx2.h"

#define MR 3
#define KMAX16 1024           ///< longest K converted to int16; longer K converts per tile
#define A16_ELEMENTS 12288    ///< int16 row buffer (24 KiB): bounds the rows per chunk

EMBER_TARGET_AVX2 static inline __m256i row8(const int8_t *p) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}

/// One group of 8 k for the 3 rows, all int16: `a*` the rows' 8 values, `w16` the group's 4
/// weight vectors (channel pairs).
EMBER_TARGET_AVX2 static inline void mac16(__m256i acc[MR][4], const int16_t *w16, const int16_t *a0, const int16_t *a1, const int16_t *a2) {
    const int16_t *ap[MR] = {a0, a1, a2};
    for (int r = 0; r < MR; r++) {
        const __m256i va = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)ap[r]));
        for (int p = 0; p < 4; p++)
            acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(va, _mm256_load_si256((const __m256i *)(w16 + 16 * p))));
        // Compiler barrier: without it clang keeps the 4 weight vectors in registers across the
        // rows, which needs 18 registers and spills an accumulator in the inner loop.
        __asm__ volatile("" ::: "memory");
    }
}

/// The same from int8 rows and weights (K > KMAX16), sign-extended here.
EMBER_TARGET_AVX2 static inline void mac8(__m256i acc[MR][4], const int8_t *w8, const int8_t *a0, const int8_t *a1, const int8_t *a2) {
    const int8_t *ap[MR] = {a0, a1, a2};
    for (int p = 0; p < 4; p++) {
        const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + 16 * p)));
        for (int r = 0; r < MR; r++) acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(row8(ap[r]), vw));
    }
}

/// acc[p] = [c2p x4 partial | c2p+1 x4 partial] to the sums in the order [c0 c2 c4 c6 c1 c3 c5 c7]
/// (unpacks and adds; VPHADDD and a lane-crossing VPERMD cost more). The bias and requantization
/// constants are permuted to that order once per block; output3 restores channel order.
EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s01 = _mm256_add_epi32(_mm256_unpacklo_epi32(acc[0], acc[1]), _mm256_unpackhi_epi32(acc[0], acc[1]));
    const __m256i s23 = _mm256_add_epi32(_mm256_unpacklo_epi32(acc[2], acc[3]), _mm256_unpackhi_epi32(acc[2], acc[3]));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
}

/// Output stage of the 3 rows at once (requantized, reduce8's order): zero point and clamp on
/// 16 int16 lanes, as ember_avx2_output8 does per row. The packs leave each row's even channels
/// in the low half and its odd channels in the high half; interleaving the halves' bytes puts
/// every row in channel order. Rows 0 and 1 in the result's two 64-bit halves, row 2 in `*r2`.
EMBER_TARGET_AVX2 static inline __m128i output3(__m256i v0, __m256i v1, __m256i v2, const ember_avx2_out16 *o, __m128i *r2) {
    __m256i w01 = _mm256_packs_epi32(v0, v1), w22 = _mm256_packs_epi32(v2, v2);
    w01 = _mm256_min_epi16(_mm256_max_epi16(_mm256_adds_epi16(w01, o->zp), o->mn), o->mx);
    w22 = _mm256_min_epi16(_mm256_max_epi16(_mm256_adds_epi16(w22, o->zp), o->mn), o->mx);
    const __m256i b = _mm256_packs_epi16(w01, w22);  // [r0 even, r1 even, r2 even, r2 even | the odd ones]
    const __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
    *r2 = _mm_unpackhi_epi8(lo, hi);
    return _mm_unpacklo_epi8(lo, hi);
}

EMBER_TARGET_AVX2 static inline void store_row(int8_t *dst, __m128i v, size_t ncount) {
    if (ncount == 8) { _mm_storel_epi64((__m128i *)dst, v); return; }
    int8_t tmp[8];
    _mm_storel_epi64((__m128i *)tmp, v);
    memcpy(dst, tmp, ncount);
}

typedef struct {
    size_t kfull, krem, a_stride, out_stride, ncount;
    const int8_t *a, *a_limit;   ///< int8 rows (K > KMAX16)
    const int16_t *a16, *w16;    ///< int16 rows of the chunk (row stride kp * 8) and block weights, or NULL
} tile_args;

/// Rows [m0, m1) of one block of 8 channels (`out` points at the block's first channel).
EMBER_TARGET_AVX2 static void block_rows(size_t m0, size_t m1, const tile_args *t, const uint8_t *blk, int8_t *out,
                                         const ember_avx2_rq *rqp, const ember_avx2_out16 *op) {
    const ember_avx2_rq rq = *rqp;  // local copies: int8 stores may alias anything
    const ember_avx2_out16 o = *op;
    const size_t kfull = t->kfull, krem = t->krem, kp8 = (kfull + (krem != 0)) * 8;
    const __m256i bias = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)blk), _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    const int8_t *w8 = (const int8_t *)(blk + 32);
    for (size_t m = m0; m < m1; m += MR) {
        const size_t r1 = m + 1 < m1 ? m + 1 : m, r2 = m + 2 < m1 ? m + 2 : r1;
        __m256i acc[MR][4];
        for (int r = 0; r < MR; r++)
            for (int p = 0; p < 4; p++) acc[r][p] = _mm256_setzero_si256();
        if (t->a16) {
            const int16_t *a0 = t->a16 + (m - m0) * kp8, *a1 = t->a16 + (r1 - m0) * kp8, *a2 = t->a16 + (r2 - m0) * kp8;
            for (size_t i = 0; i < kp8; i += 8) mac16(acc, t->w16 + i * 8, a0 + i, a1 + i, a2 + i);
        } else {
            const int8_t *a0 = t->a + m * t->a_stride, *a1 = t->a + r1 * t->a_stride, *a2 = t->a + r2 * t->a_stride;
            for (size_t kb = 0; kb < kfull; kb++) mac8(acc, w8 + kb * 64, a0 + kb * 8, a1 + kb * 8, a2 + kb * 8);
            if (krem) {
                int8_t tb[MR][8];
                mac8(acc, w8 + kfull * 64, ember_gemm_ktail(a0 + kfull * 8, krem, t->a_limit, tb[0]),
                     ember_gemm_ktail(a1 + kfull * 8, krem, t->a_limit, tb[1]), ember_gemm_ktail(a2 + kfull * 8, krem, t->a_limit, tb[2]));
            }
        }
        __m128i v2;
        const __m128i v01 = output3(ember_avx2_mbqm(_mm256_add_epi32(reduce8(acc[0]), bias), &rq),
                                    ember_avx2_mbqm(_mm256_add_epi32(reduce8(acc[1]), bias), &rq),
                                    ember_avx2_mbqm(_mm256_add_epi32(reduce8(acc[2]), bias), &rq), &o, &v2);
        store_row(out + m * t->out_stride, v01, t->ncount);
        store_row(out + r1 * t->out_stride, _mm_unpackhi_epi64(v01, v01), t->ncount);
        store_row(out + r2 * t->out_stride, v2, t->ncount);
    }
}

EMBER_TARGET_AVX2
void ember_qs8_gemm_3x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *a, size_t a_stride, const void *packed,
                                int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    const ember_avx2_out16 o = ember_avx2_out16_load(q);
    const int convert = kp8 <= KMAX16;
    size_t mc = ember_gemm_row_chunk(k, MR);
    if (convert && mc * kp8 > A16_ELEMENTS) mc = A16_ELEMENTS / kp8 / MR * MR;
    _Alignas(32) int16_t w16[KMAX16 * 8];
    _Alignas(32) int16_t a16[A16_ELEMENTS];
    tile_args t = {k / 8, k % 8, a_stride, out_stride, 8, a, ember_gemm_a_end(a, m_end, a_stride, k),
                   convert ? a16 : NULL, convert ? w16 : NULL};
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        if (convert) ember_avx2_rows_to_int16(a, a_stride, m0, m1, k, kp8, t.a_limit, a16);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            int32_t mult[8], ls[8], rs[8], pm[8], pl[8], pr[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            for (int j = 0; j < 8; j++) {  // reduce8's channel order
                const int c = j < 4 ? 2 * j : 2 * (j - 4) + 1;
                pm[j] = mult[c]; pl[j] = ls[c]; pr[j] = rs[c];
            }
            const ember_avx2_rq rq = ember_avx2_rq_load(pm, pl, pr);
            if (convert) {
                const int8_t *w8 = (const int8_t *)(blk + 32);
                for (size_t i = 0; i < kp8 * 8; i += 16)
                    _mm256_store_si256((__m256i *)(w16 + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i))));
            }
            t.ncount = n - nb < 8 ? n - nb : 8;
            block_rows(m0, m1, &t, blk, out + nb, &rq, &o);
        }
    }
}
#endif
