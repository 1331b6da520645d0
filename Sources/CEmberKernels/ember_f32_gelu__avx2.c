// GELU (erf form) on AVX2, 8 floats at a time, as x/2 * erfc(-x/sqrt 2) with the vector erfc of
// ember_f32_vmath_avx2.h. Within 1e-6 relative of the libm twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <math.h>
#include "ember_f32_vmath_avx2.h"

EMBER_TARGET_AVX2 void ember_f32_gelu__avx2(size_t count, const float *x, float *out) {
    size_t i = 0;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (; i + 8 <= count; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        // 1 + erf(v / sqrt 2) = erfc(-v / sqrt 2): 2 - erfc(|z|) for v >= 0, erfc(|z|) below.
        const __m256 e = ember_avx2_erfc_pos(_mm256_andnot_ps(sign, _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f))));
        const __m256 ge = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ);
        const __m256 one_plus_erf = _mm256_blendv_ps(e, _mm256_sub_ps(_mm256_set1_ps(2.0f), e), ge);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.5f)), one_plus_erf));
    }
    if (i < count) ember_f32_gelu__ref(count - i, x + i, out + i);
}
#endif
