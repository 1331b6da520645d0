// Scalar reference twin of the qs8 GEMM: reads the packed layout with plain loops. Every other
// GEMM kernel must produce the same bytes.
#include "ember_kernels_internal.h"

void ember_qs8_gemm__ref(size_t m_begin, size_t m_end, size_t n, size_t k,
                         const int8_t *a, size_t a_stride, const void *packed,
                         int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k);
    for (size_t m = m_begin; m < m_end; m++) {
        const int8_t *row = a + m * a_stride;
        for (size_t ch = 0; ch < n; ch++) {
            const uint8_t *blk = (const uint8_t *)packed + (ch / EMBER_GEMM_NR) * block;
            const size_t j = ch % EMBER_GEMM_NR;
            int32_t acc;
            memcpy(&acc, blk + j * sizeof(int32_t), sizeof acc);
            const int8_t *w = (const int8_t *)(blk + EMBER_GEMM_NR * sizeof(int32_t));
            for (size_t i = 0; i < k; i++) {
                const int8_t wv = w[(i / EMBER_GEMM_KR) * EMBER_GEMM_NR * EMBER_GEMM_KR + j * EMBER_GEMM_KR + i % EMBER_GEMM_KR];
                acc = ember_wrap_add(acc, (int32_t)row[i] * (int32_t)wv);
            }
            out[m * out_stride + ch] = ember_output_value(ember_requantize(acc, q->multiplier[ch], q->shift[ch]), q->zero_point, q->min, q->max);
        }
    }
}
