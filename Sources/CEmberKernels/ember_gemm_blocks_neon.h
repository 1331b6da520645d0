// The outer loops shared by the NEON and NEON-SMLAL qs8 GEMMs: rows in chunks that keep a
// block's weights in cache, then blocks of 8 channels, each with its requantization constants
// loaded once; a partial last block is written through a buffer. A kernel supplies only its
// row-tile function (`rows`, inlined here as a constant, so the call is direct).
#ifndef EMBER_GEMM_BLOCKS_NEON_H
#define EMBER_GEMM_BLOCKS_NEON_H
#include "ember_requant_neon.h"

/// Rows [m0, m1) of one block of 8 channels; row m goes to dst + (m - m0) * dst_stride.
typedef void (*ember_neon_gemm_rows_fn)(size_t m0, size_t m1, size_t kfull, size_t krem, const int8_t *a_limit,
                                        const int8_t *a, size_t a_stride, const uint8_t *blk,
                                        int8_t *dst, size_t dst_stride, const ember_neon_rq *r0,
                                        const ember_neon_rq *r1, const ember_neon_out *o);

__attribute__((always_inline)) static inline void
ember_neon_qs8_gemm_blocks(ember_neon_gemm_rows_fn rows, size_t mr, size_t m_begin, size_t m_end, size_t n, size_t k,
                           const int8_t *a, size_t a_stride, const void *packed,
                           int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    const ember_neon_out o = ember_neon_out_load(q);
    const size_t mc = ember_gemm_row_chunk(k, mr);
    const int8_t *const a_limit = ember_gemm_a_end(a, m_end, a_stride, k);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            int32_t mult[8], ls[8], rs[8];
            ember_load_requant8(q, nb, n, mult, ls, rs);
            const ember_neon_rq r0 = ember_neon_rq_load(mult, ls, rs), r1 = ember_neon_rq_load(mult + 4, ls + 4, rs + 4);
            if (n - nb >= 8) {
                rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, out + m0 * out_stride + nb, out_stride, &r0, &r1, &o);
            } else {
                int8_t tmp[EMBER_GEMM_MAX_CHUNK * 8];
                rows(m0, m1, kfull, krem, a_limit, a, a_stride, blk, tmp, 8, &r0, &r1, &o);
                for (size_t m = m0; m < m1; m++) memcpy(out + m * out_stride + nb, tmp + (m - m0) * 8, n - nb);
            }
        }
    }
}
#endif
