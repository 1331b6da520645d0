// qs8 GEMM, 6 rows x 8 channels, k in blocks of 8, AVX-VNNI: ember_qs8_gemm_7x16c8__avx512vnni's
// scheme on 256-bit vectors, for CPUs with AVX-VNNI and no AVX-512. Exact the same way: rows as u8
// (a + 128) into the non-saturating VPDPBUSD, 128 * Σw per channel (from the packed block) taken
// back out, the AVX2 output stage. A 256-bit load holds 4 channels x 8 k, so a row costs one
// 64-bit broadcast and two VPDPBUSD per 8 k. 6 rows: 12 accumulators, 2 weight vectors and a
// broadcast fill 15 of the 16 registers.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_qs8_vnni_avx2.h"

#define EMBER_TARGET_AVXVNNI __attribute__((target("avx2,fma,avxvnni")))
#define MR 6
#define A_BYTES 65536  ///< u8 rows per chunk (at most; a tile's rows must fit: K up to 10920)

/// [c0 c0 c1 c1 c2 c2 c3 c3] and [c4 c4 ... c7 c7] partial sums to the 8 channel sums in order.
EMBER_TARGET_AVXVNNI static inline __m256i reduce8(__m256i lo, __m256i hi) {
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo, hi), _MM_SHUFFLE(3, 1, 2, 0));
}

typedef struct {
    __m256i base;       ///< packed bias - 128 * Σw per channel
    ember_avx2_rq rq;
    ember_avx2_out o;
    ember_avx2_out16 o16;
    size_t ncount;
} block_consts;

/// R rows (R <= MR, a constant after inlining) of one block of 8 channels from the u8 rows `a`.
EMBER_TARGET_AVXVNNI __attribute__((always_inline)) static inline void tile(const int R, const uint8_t *a, size_t kp8, const int8_t *w,
                                                                           const block_consts *c, int8_t *out, size_t out_stride) {
    __m256i lo[MR], hi[MR];
    for (int r = 0; r < R; r++) { lo[r] = _mm256_setzero_si256(); hi[r] = _mm256_setzero_si256(); }
    for (size_t i = 0; i < kp8; i += 8, w += 64) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
        for (int r = 0; r < R; r++) {
            int64_t bytes;
            memcpy(&bytes, a + r * kp8 + i, 8);
            const __m256i va = _mm256_set1_epi64x(bytes);
            lo[r] = _mm256_dpbusd_avx_epi32(lo[r], va, w0);
            hi[r] = _mm256_dpbusd_avx_epi32(hi[r], va, w1);
        }
    }
    int r = 0;
    for (; r + 2 <= R; r += 2)
        ember_qs8_vnni_store_rows2(out + r * out_stride, out + (r + 1) * out_stride, reduce8(lo[r], hi[r]), reduce8(lo[r + 1], hi[r + 1]), c->base, &c->rq, &c->o16, c->ncount);
    if (r < R) ember_qs8_vnni_store_row(out + r * out_stride, reduce8(lo[r], hi[r]), c->base, &c->rq, &c->o, c->ncount);
}

/// Rows [m, m1) of one block, m1 - m < MR: one tile of exactly that many rows.
EMBER_TARGET_AVXVNNI __attribute__((noinline)) static void tail_tile(size_t rows, const uint8_t *a, size_t kp8, const int8_t *w,
                                                                     const block_consts *c, int8_t *out, size_t out_stride) {
    switch (rows) {
#define TAIL(R) case R: tile(R, a, kp8, w, c, out, out_stride); break;
    TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5)
#undef TAIL
    default: break;
    }
}

EMBER_TARGET_AVXVNNI
void ember_qs8_gemm_6x8c8__avxvnni(size_t m_begin, size_t m_end, size_t n, size_t k,
                                   const int8_t *a, size_t a_stride, const void *packed,
                                   int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    if (kp8 * MR > A_BYTES) {
        ember_qs8_gemm_3x8c8__avx2(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    // At least 4 tiles per chunk: the block's Σw is summed once per chunk, and at two tiles per
    // chunk (K = 960) it cost 10%.
    size_t mc = ember_gemm_row_chunk(k, MR);
    if (mc < 4 * MR) mc = 4 * MR;
    if (mc * kp8 > A_BYTES) mc = A_BYTES / kp8 / MR * MR;
    _Alignas(64) uint8_t au[A_BYTES];
    block_consts c;
    c.o = ember_avx2_out_load(q);
    c.o16 = ember_avx2_out16_load(q);
    const __m256i ones128 = _mm256_set1_epi8((char)0x80);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        ember_qs8_rows_to_u8(a, a_stride, m0, m1, k, kp8, au);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int8_t *w = (const int8_t *)(blk + 32);
            __m256i ws0 = _mm256_setzero_si256(), ws1 = _mm256_setzero_si256();
            for (size_t i = 0; i < kp8 * 8; i += 64) {
                ws0 = _mm256_dpbusd_avx_epi32(ws0, ones128, _mm256_loadu_si256((const __m256i *)(w + i)));
                ws1 = _mm256_dpbusd_avx_epi32(ws1, ones128, _mm256_loadu_si256((const __m256i *)(w + i + 32)));
            }
            c.base = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)blk), reduce8(ws0, ws1));
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            c.rq = ember_avx2_rq_load(mult, ls, rs);
            c.ncount = n - nb < 8 ? n - nb : 8;
            size_t m = m0;
            for (; m + MR <= m1; m += MR) tile(MR, au + (m - m0) * kp8, kp8, w, &c, out + m * out_stride + nb, out_stride);
            if (m < m1) tail_tile(m1 - m, au + (m - m0) * kp8, kp8, w, &c, out + m * out_stride + nb, out_stride);
        }
    }
}
#endif
