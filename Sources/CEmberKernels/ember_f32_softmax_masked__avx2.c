// Masked softmax on AVX2, 8 floats at a time, with the vector exp of ember_f32_vmath_avx2.h.
// Within 1e-6 of the libm twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <math.h>
#include "ember_f32_vmath_avx2.h"

EMBER_TARGET_AVX2 static inline float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}
EMBER_TARGET_AVX2 static inline float hsum8(__m256 v) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

EMBER_TARGET_AVX2 void ember_f32_softmax_masked__avx2(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale, float *out) {
    const __m256 vs = _mm256_set1_ps(scale), ninf = _mm256_set1_ps(-INFINITY);
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * cols;
        float *o = out + r * cols;
        // Masked columns become -inf before the max and exp(-inf - max) = 0 after it.
        __m256 vmax = ninf;
        size_t c = 0;
        for (; c + 8 <= cols; c += 8) {
            __m256 s = _mm256_mul_ps(_mm256_loadu_ps(v + c), vs);
            if (mask) {
                const __m256i mk = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(mask + c)));
                s = _mm256_blendv_ps(s, ninf, _mm256_castsi256_ps(_mm256_cmpeq_epi32(mk, _mm256_setzero_si256())));
            }
            _mm256_storeu_ps(o + c, s);
            vmax = _mm256_max_ps(vmax, s);
        }
        float max = hmax8(vmax);
        for (; c < cols; c++) {
            const float s = (!mask || mask[c]) ? scale * v[c] : -INFINITY;
            o[c] = s;
            if (s > max) max = s;
        }
        if (max == -INFINITY) { for (c = 0; c < cols; c++) o[c] = 0.0f; continue; }
        const __m256 vm = _mm256_set1_ps(max);
        __m256 vsum = _mm256_setzero_ps();
        for (c = 0; c + 8 <= cols; c += 8) {
            const __m256 s = _mm256_loadu_ps(o + c);
            const __m256 e = _mm256_blendv_ps(ember_avx2_exp(_mm256_sub_ps(s, vm)), _mm256_setzero_ps(), _mm256_cmp_ps(s, ninf, _CMP_EQ_OQ));
            _mm256_storeu_ps(o + c, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        float sum = hsum8(vsum);
        for (; c < cols; c++) { const float e = o[c] == -INFINITY ? 0.0f : expf(o[c] - max); o[c] = e; sum += e; }
        const __m256 inv = _mm256_set1_ps(1.0f / sum);
        for (c = 0; c + 8 <= cols; c += 8) _mm256_storeu_ps(o + c, _mm256_mul_ps(_mm256_loadu_ps(o + c), inv));
        for (; c < cols; c++) o[c] *= 1.0f / sum;
    }
}
#endif
