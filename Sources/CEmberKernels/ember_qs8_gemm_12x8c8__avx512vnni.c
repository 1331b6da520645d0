// qs8 GEMM, 12 rows x 8 channels, k in blocks of 8, AVX-512 VNNI. VPDPBUSD (not the saturating
// VPDPBUSDS) adds four u8 x s8 products into each int32 lane exactly, wrapping as the twin's
// int32 sums do. The rows go in as u8 (a + 128, once per row chunk) and the 128 * Σw this adds
// comes back out per channel: the packed bias holds bias - zp * Σw, not Σw, so Σw is taken from
// the packed block itself (VPDPBUSD of 0x80 bytes with the weights, once per block and chunk).
// One 512-bit load is a whole packed group (8 channels x 8 k); its int32 lanes alternate k 0-3 /
// 4-7 of each channel and the row's 8 bytes broadcast to every qword match them, so a row costs
// one broadcast and one VPDPBUSD per 8 k; the two partial sums per channel are added at the end.
// 12 rows: 12 independent chains cover VPDPBUSD's latency. The output stage takes two rows per
// 16-lane AVX-512 pass (ember_requant_avx512.h: the AVX2 stage's formula, its ReLU form where
// the clamp allows, one clamp and VPMOVDB); an odd last row the AVX2 one.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_qs8_vnni_avx2.h"
#include "ember_requant_avx512.h"

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define MR 12
#define A_BYTES 65536  ///< u8 rows per chunk (at most; a tile's rows must fit: K up to 5456)

/// [c0 c0 c1 c1 ... c7 c7] partial sums to the 8 channel sums in order.
EMBER_TARGET_AVX512VNNI static inline __m256i reduce8(__m512i acc) {
    const __m256i sums = _mm256_hadd_epi32(_mm512_castsi512_si256(acc), _mm512_extracti64x4_epi64(acc, 1));
    return _mm256_permute4x64_epi64(sums, _MM_SHUFFLE(3, 1, 2, 0));
}

/// Two rows' [c0 c0 c1 c1 ... c7 c7] partial sums to [r0 c0..c7 | r1 c0..c7]: each lane pair
/// summed in its low dword, then both rows' even dwords gathered by one VPERMT2D.
EMBER_TARGET_AVX512VNNI static inline __m512i reduce16(__m512i acc0, __m512i acc1) {
    const __m512i s0 = _mm512_add_epi32(acc0, _mm512_srli_epi64(acc0, 32)), s1 = _mm512_add_epi32(acc1, _mm512_srli_epi64(acc1, 32));
    return _mm512_permutex2var_epi32(s0, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), s1);
}

typedef struct {
    __m256i base;       ///< packed bias - 128 * Σw per channel
    __m512i base2;      ///< the same for two rows
    ember_avx2_rq rq;
    ember_avx512_rq rq2;
    ember_avx2_out o;
    ember_avx512_out o16;
    size_t ncount;
} block_consts;

/// R rows (R <= MR, a constant after inlining) of one block of 8 channels from the u8 rows `a`.
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void tile(const int R, const uint8_t *a, size_t kp8, const int8_t *w,
                                                                              const block_consts *c, int8_t *out, size_t out_stride) {
    // Chains per row: a tile of 1-3 rows (the classifier's single row) was bound by VPDPBUSD's
    // latency with one chain per row.
    const int S = R == 1 ? 4 : R < 4 ? 2 : 1;
    __m512i acc[MR][4];
    for (int r = 0; r < R; r++)
        for (int s = 0; s < S; s++) acc[r][s] = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 8 * S <= kp8; i += 8 * S, w += 64 * S)
        for (int s = 0; s < S; s++) {
            const __m512i wv = _mm512_loadu_si512((const void *)(w + 64 * s));
            for (int r = 0; r < R; r++) {
                int64_t bytes;
                memcpy(&bytes, a + r * kp8 + i + 8 * s, 8);
                acc[r][s] = _mm512_dpbusd_epi32(acc[r][s], _mm512_set1_epi64(bytes), wv);
            }
        }
    for (; i < kp8; i += 8, w += 64) {
        const __m512i wv = _mm512_loadu_si512((const void *)w);
        for (int r = 0; r < R; r++) {
            int64_t bytes;
            memcpy(&bytes, a + r * kp8 + i, 8);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], _mm512_set1_epi64(bytes), wv);
        }
    }
    for (int r = 0; r < R; r++)
        for (int s = 1; s < S; s++) acc[r][0] = _mm512_add_epi32(acc[r][0], acc[r][s]);
    int r = 0;
    for (; r + 2 <= R; r += 2) {
        const __m512i x = _mm512_add_epi32(reduce16(acc[r][0], acc[r + 1][0]), c->base2);
        const __m128i v = ember_avx512_out_bytes(c->o16.relu ? ember_avx512_mbqm_relu(x, &c->rq2) : ember_avx512_mbqm(x, &c->rq2), &c->o16);
        int8_t *d0 = out + r * out_stride, *d1 = out + (r + 1) * out_stride;
        if (c->ncount == 8) {
            _mm_storel_epi64((__m128i *)d0, v);
            _mm_storel_epi64((__m128i *)d1, _mm_unpackhi_epi64(v, v));
        } else {
            int8_t tmp[16];
            _mm_storeu_si128((__m128i *)tmp, v);
            ember_store_partial8(d0, tmp, c->ncount);
            ember_store_partial8(d1, tmp + 8, c->ncount);
        }
    }
    if (r < R) ember_qs8_vnni_store_row(out + r * out_stride, reduce8(acc[r][0]), c->base, &c->rq, &c->o, c->ncount);
}

/// Rows [m, m1) of one block, m1 - m < MR: one tile of exactly that many rows.
EMBER_TARGET_AVX512VNNI __attribute__((noinline)) static void tail_tile(size_t rows, const uint8_t *a, size_t kp8, const int8_t *w,
                                                                        const block_consts *c, int8_t *out, size_t out_stride) {
    switch (rows) {
#define TAIL(R) case R: tile(R, a, kp8, w, c, out, out_stride); break;
    TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5) TAIL(6) TAIL(7) TAIL(8) TAIL(9) TAIL(10) TAIL(11)
#undef TAIL
    default: break;
    }
}

EMBER_TARGET_AVX512VNNI
void ember_qs8_gemm_12x8c8__avx512vnni(size_t m_begin, size_t m_end, size_t n, size_t k,
                                       const int8_t *a, size_t a_stride, const void *packed,
                                       int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    if (kp8 * MR > A_BYTES) {
        ember_qs8_gemm_3x8c8__avx2(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    // At least 4 tiles per chunk: the block's Σw is summed once per chunk, and at one tile per
    // chunk (K over 448) it cost 20% at K = 576-960.
    size_t mc = ember_gemm_row_chunk(k, MR);
    if (mc < 4 * MR) mc = 4 * MR;
    if (mc * kp8 > A_BYTES) mc = A_BYTES / kp8 / MR * MR;
    _Alignas(64) uint8_t au[A_BYTES];
    block_consts c;
    c.o = ember_avx2_out_load(q);
    c.o16 = ember_avx512_out_load(q);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        ember_qs8_rows_to_u8(a, a_stride, m0, m1, k, kp8, au);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            const int8_t *w = (const int8_t *)(blk + 32);
            // Σw in 4 chains: at one row per call (the classifier) this pass is half the work.
            const __m512i bias = _mm512_set1_epi8((char)0x80);
            __m512i ws = _mm512_setzero_si512(), ws1 = ws, ws2 = ws, ws3 = ws;
            size_t i = 0;
            for (; i + 32 <= kp8; i += 32) {
                ws = _mm512_dpbusd_epi32(ws, bias, _mm512_loadu_si512((const void *)(w + i * 8)));
                ws1 = _mm512_dpbusd_epi32(ws1, bias, _mm512_loadu_si512((const void *)(w + i * 8 + 64)));
                ws2 = _mm512_dpbusd_epi32(ws2, bias, _mm512_loadu_si512((const void *)(w + i * 8 + 128)));
                ws3 = _mm512_dpbusd_epi32(ws3, bias, _mm512_loadu_si512((const void *)(w + i * 8 + 192)));
            }
            for (; i < kp8; i += 8) ws = _mm512_dpbusd_epi32(ws, bias, _mm512_loadu_si512((const void *)(w + i * 8)));
            ws = _mm512_add_epi32(_mm512_add_epi32(ws, ws1), _mm512_add_epi32(ws2, ws3));
            c.base = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)blk), reduce8(ws));
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            c.rq = ember_avx2_rq_load(mult, ls, rs);
            c.rq2 = ember_avx512_rq_from_avx2(&c.rq);
            c.base2 = ember_avx512_dup(c.base);
            c.ncount = n - nb < 8 ? n - nb : 8;
            size_t m = m0;
            for (; m + MR <= m1; m += MR) tile(MR, au + (m - m0) * kp8, kp8, w, &c, out + m * out_stride + nb, out_stride);
            if (m < m1) tail_tile(m1 - m, au + (m - m0) * kp8, kp8, w, &c, out + m * out_stride + nb, out_stride);
        }
    }
}
#endif
