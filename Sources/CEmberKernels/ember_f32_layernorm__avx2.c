// Layer normalization on x86-64 AVX2, 8 floats at a time: two passes (mean, then the variance
// of the centred values, both summed in float over 8 lanes), then scale and shift. Within 1e-5
// relative of the double-precision twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>
#include <math.h>

EMBER_TARGET_AVX2 static inline float hsum8(__m256 v) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

EMBER_TARGET_AVX2 void ember_f32_layernorm__avx2(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                                                 float eps, float *out) {
    if (dim % 8 != 0 || !gamma || !beta) { ember_f32_layernorm__ref(rows, dim, x, gamma, beta, eps, out); return; }
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        float *o = out + r * dim;
        __m256 s = _mm256_setzero_ps();
        for (size_t i = 0; i < dim; i += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(v + i));
        const float mean = hsum8(s) / (float)dim;
        const __m256 vm = _mm256_set1_ps(mean);
        __m256 q = _mm256_setzero_ps();
        for (size_t i = 0; i < dim; i += 8) { const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(v + i), vm); q = _mm256_fmadd_ps(d, d, q); }
        const __m256 inv = _mm256_set1_ps(1.0f / sqrtf(hsum8(q) / (float)dim + eps));
        for (size_t i = 0; i < dim; i += 8) {
            const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(v + i), vm), inv);
            _mm256_storeu_ps(o + i, _mm256_add_ps(_mm256_mul_ps(n, _mm256_loadu_ps(gamma + i)), _mm256_loadu_ps(beta + i)));
        }
    }
}
#endif
