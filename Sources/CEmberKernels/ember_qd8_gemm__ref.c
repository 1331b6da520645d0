// Dynamic quantization for the encoder: per-row int8 activations times per-channel int8 weights
// (the qs8 GEMM packing, packed with zero point -1 so its biases hold the weight sums), int32
// accumulation, float output. Portable C.
#include <math.h>
#include "ember_kernels_internal.h"

// The float output must not use fused multiply-add (the SIMD twins do not): the library is
// built with -ffp-contract=off (Package.swift, the test and benchmark scripts).

void ember_qd8_quantize_rows__ref(size_t rows, size_t k, const float *x, size_t x_stride,
                             int8_t *q, size_t q_stride, float *scale, int32_t *zero_point) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * x_stride;
        float lo = 0.0f, hi = 0.0f;
        for (size_t i = 0; i < k; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
        int32_t zp;
        const float s = ember_qd8_row_scale(lo, hi, &zp), inv = ember_qd8_row_inverse(s);
        for (size_t i = 0; i < k; i++) q[r * q_stride + i] = ember_qd8_quantize_value(v[i], inv, zp);
        scale[r] = s;
        zero_point[r] = zp;
    }
}

void ember_qd8_gemm__ref(size_t m_begin, size_t m_end, size_t n, size_t k,
                        const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                        const void *packed, const float *w_scale, const float *bias,
                        float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k);
    for (size_t m = m_begin; m < m_end; m++) {
        const int8_t *row = q + m * q_stride;
        for (size_t ch = 0; ch < n; ch++) {
            const uint8_t *blk = (const uint8_t *)packed + (ch / EMBER_GEMM_NR) * block;
            const size_t j = ch % EMBER_GEMM_NR;
            int32_t wsum;
            memcpy(&wsum, blk + j * sizeof(int32_t), sizeof wsum);
            const int8_t *w = (const int8_t *)(blk + EMBER_GEMM_NR * sizeof(int32_t));
            int32_t acc = 0;
            for (size_t i = 0; i < k; i++)
                acc = ember_wrap_add(acc, (int32_t)row[i] * w[(i / 8) * 64 + j * 8 + i % 8]);
            const int32_t centered = ember_wrap_add(acc, ember_wrap_mul(-zero_point[m], wsum));
            // Two statements: the product must not be fused with the addition (SIMD twins do not fuse).
            const float product = scale[m] * w_scale[ch] * (float)centered;
            out[m * out_stride + ch] = product + (bias ? bias[ch] : 0.0f);
        }
    }
}
