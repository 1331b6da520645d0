// Per-row dynamic quantization, 512-bit vectors: ember_qd8_quantize_rows__avx2 16 at a time, bit
// for bit the scalar twin (ember_qd8_quantize_rows__ref): the same multiplication by 1 / s, roundf
// as truncation of x + copysign(0.49999997, x), NaN to 0, and VPMOVSDB's
// saturation as the clamp to [-128, 127]. Needs only AVX-512 F; it sits at the AVX-512 VNNI
// level, the first x86 path with 512-bit vectors. 128 rows of K = 1536: 55 -> 33 us against the
// AVX2 path at first; the shorter rounding and four range chains took the 12 unscaled linears'
// quantization of a 128-token MiniLM embedding from 0.25 to 0.21 ms (`encoder_kernels 128 10
// smooth`, tools/bench-kernels/encoder_kernels.c, docs/benchmarks.md has the build line).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>
#include <math.h>

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw")))

/// min(x, 0) and max(x, 0) of a row as the twin's comparisons find them (NaN skipped: MINPS and
/// MAXPS return their second operand, the running value, when either is NaN or both are zeros).
/// Four running vectors, so four independent chains hide the latency; splitting the row changes
/// nothing: with NaN skipped and a zero never replacing a zero, the result is the row's minimum
/// (maximum), or +0, whichever order the values come in.
EMBER_TARGET_AVX512 static void row_range(const float *v, size_t k, float *lo_out, float *hi_out) {
    __m512 lo[4], hi[4];
    for (int u = 0; u < 4; u++) lo[u] = hi[u] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= k; i += 64)
        for (int u = 0; u < 4; u++) {
            const __m512 x = _mm512_loadu_ps(v + i + 16 * u);
            lo[u] = _mm512_min_ps(x, lo[u]);
            hi[u] = _mm512_max_ps(x, hi[u]);
        }
    for (; i + 16 <= k; i += 16) {
        const __m512 x = _mm512_loadu_ps(v + i);
        lo[0] = _mm512_min_ps(x, lo[0]);
        hi[0] = _mm512_max_ps(x, hi[0]);
    }
    float l[64], h[64];
    for (int u = 0; u < 4; u++) { _mm512_storeu_ps(l + 16 * u, lo[u]); _mm512_storeu_ps(h + 16 * u, hi[u]); }
    ember_qd8_range_finish(l, h, 64, v, i, k, lo_out, hi_out);
}

/// roundf(x * inv) with NaN as 0, clamped to ±1e6, plus the zero point, as int32. roundf is
/// truncation of x + copysign(0.49999997f, x) (the float just below one half): equal to roundf
/// for every float: tools/checks/roundf_trick.c checks all 2^32 bit patterns (NaN aside), and
/// the kernel tests check every path on and next to the ties and integers of the int8 range.
EMBER_TARGET_AVX512 static inline __m512i quantize16(__m512 v, __m512 inv, __m512i zp) {
    const __m512 x = _mm512_mul_ps(v, inv);
    const __m512 half = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN),
                                                                      _mm512_set1_epi32(0x3EFFFFFF), 0xEA));  // (x & sign) | 0.49999997
    __m512 r = _mm512_add_ps(x, half);
    r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), r);  // NaN -> +0
    r = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-1e6f)), _mm512_set1_ps(1e6f));
    return _mm512_add_epi32(_mm512_cvttps_epi32(r), zp);
}

EMBER_TARGET_AVX512
void ember_qd8_quantize_rows__avx512vnni(size_t rows, size_t k, const float *x, size_t x_stride,
                                         int8_t *q, size_t q_stride, float *scale, int32_t *zero_point) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * x_stride;
        int8_t *out = q + r * q_stride;
        float lo, hi;
        row_range(v, k, &lo, &hi);
        int32_t zp;
        const float s = ember_qd8_row_scale(lo, hi, &zp);
        const __m512 vs = _mm512_set1_ps(ember_qd8_row_inverse(s));
        const __m512i vzp = _mm512_set1_epi32(zp);
        size_t i = 0;
        for (; i + 16 <= k; i += 16)
            _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtsepi32_epi8(quantize16(_mm512_loadu_ps(v + i), vs, vzp)));
        if (i < k) {  // the last k % 16: masked (lanes past k are 1s, and are not stored)
            const __mmask16 tail = (__mmask16)((1u << (k - i)) - 1);
            const __m512 t = _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), tail, v + i);
            int8_t bytes[16];
            _mm_storeu_si128((__m128i *)bytes, _mm512_cvtsepi32_epi8(quantize16(t, vs, vzp)));
            memcpy(out + i, bytes, k - i);
        }
        scale[r] = s;
        zero_point[r] = zp;
    }
}
#endif
