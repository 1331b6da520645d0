// Per-row dynamic quantization of the encoder's activations, AVX2, bit for bit the scalar twin's
// result (ember_qd8_quantize_rows__ref): the same multiplication by the row's 1 / s, roundf as
// truncation of x + copysign(0.49999997, x), NaN to 0, clamps by saturating packs. The scalar
// version (a libm roundf per element) took about 7 of MiniLM's 42 ms at 128 tokens.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>
#include <math.h>

/// min(x, 0) and max(x, 0) of a row as the twin's comparisons find them (NaN skipped: MINPS and
/// MAXPS return their second operand, the running value, when either is NaN or both are zeros).
EMBER_TARGET_AVX2 static void row_range(const float *v, size_t k, float *lo_out, float *hi_out) {
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        const __m256 x = _mm256_loadu_ps(v + i);
        lo = _mm256_min_ps(x, lo);
        hi = _mm256_max_ps(x, hi);
    }
    float l[8], h[8];
    _mm256_storeu_ps(l, lo);
    _mm256_storeu_ps(h, hi);
    ember_qd8_range_finish(l, h, 8, v, i, k, lo_out, hi_out);
}

/// roundf(x * inv) with NaN as 0, clamped to ±1e6, as int32. roundf is truncation of
/// x + copysign(0.49999997f, x), the float just below one half (exact for every float; see the
/// AVX-512 path).
EMBER_TARGET_AVX2 static inline __m256i quantize8(const float *p, __m256 inv) {
    const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(p), inv);
    const __m256 half = _mm256_or_ps(_mm256_and_ps(x, _mm256_set1_ps(-0.0f)), _mm256_castsi256_ps(_mm256_set1_epi32(0x3EFFFFFF)));
    __m256 r = _mm256_add_ps(x, half);
    r = _mm256_and_ps(r, _mm256_cmp_ps(x, x, _CMP_ORD_Q));  // NaN -> +0
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-1e6f)), _mm256_set1_ps(1e6f));
    return _mm256_cvttps_epi32(r);
}

EMBER_TARGET_AVX2
void ember_qd8_quantize_rows__avx2(size_t rows, size_t k, const float *x, size_t x_stride,
                                   int8_t *q, size_t q_stride, float *scale, int32_t *zero_point) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * x_stride;
        int8_t *out = q + r * q_stride;
        float lo, hi;
        row_range(v, k, &lo, &hi);
        int32_t zp;
        const float s = ember_qd8_row_scale(lo, hi, &zp), inv = ember_qd8_row_inverse(s);
        const __m256 vs = _mm256_set1_ps(inv);
        const __m256i vzp = _mm256_set1_epi32(zp);
        size_t i = 0;
        for (; i + 32 <= k; i += 32) {
            const __m256i a0 = _mm256_add_epi32(quantize8(v + i, vs), vzp), a1 = _mm256_add_epi32(quantize8(v + i + 8, vs), vzp);
            const __m256i a2 = _mm256_add_epi32(quantize8(v + i + 16, vs), vzp), a3 = _mm256_add_epi32(quantize8(v + i + 24, vs), vzp);
            // Saturating packs clamp to [-128, 127]; they interleave the 128-bit halves, VPERMD undoes it.
            const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(a0, a1), _mm256_packs_epi32(a2, a3));
            _mm256_storeu_si256((__m256i *)(out + i), _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
        }
        for (; i < k; i++) out[i] = ember_qd8_quantize_value(v[i], inv, zp);
        scale[r] = s;
        zero_point[r] = zp;
    }
}
#endif
