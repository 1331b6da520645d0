// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 2 rows x 8 channels, AVX2.
// Same packing and inner loop as ember_qs8_gemm_2x8c8__avx2; float output stage with multiply
// and add kept separate (no FMA), so results equal the scalar twin bit for bit.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>

EMBER_TARGET_AVX2 static inline __m256i row8(const int8_t *p) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}

EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
    return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EMBER_TARGET_AVX2 static inline void store_row(float *dst, size_t count, __m256i acc, __m256i wsum, int32_t zp, float s,
                                               __m256 ws, __m256 b) {
    const __m256i c = _mm256_sub_epi32(acc, _mm256_mullo_epi32(wsum, _mm256_set1_epi32(zp)));
    const __m256 f = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(s), ws), _mm256_cvtepi32_ps(c)), b);
    if (count == 8) { _mm256_storeu_ps(dst, f); return; }
    float t[8];
    _mm256_storeu_ps(t, f);
    memcpy(dst, t, count * sizeof(float));
}

EMBER_TARGET_AVX2
void ember_qd8_gemm_2x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                const void *packed, const float *w_scale, const float *bias,
                                float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kfull = k / 8, krem = k % 8;
    for (size_t nb = 0; nb < n; nb += 8) {
        const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
        const __m256i wsum = _mm256_loadu_si256((const __m256i *)blk);
        const int8_t *w = (const int8_t *)(blk + 32);
        const size_t count = n - nb < 8 ? n - nb : 8;
        float wsv[8] = {0}, bv[8] = {0};
        for (size_t j = 0; j < count; j++) { wsv[j] = w_scale[nb + j]; bv[j] = bias ? bias[nb + j] : 0.0f; }
        const __m256 ws = _mm256_loadu_ps(wsv), b = _mm256_loadu_ps(bv);
        for (size_t m = m_begin; m < m_end; m += 2) {
            const int8_t *a0 = q + m * q_stride, *a1 = m + 1 < m_end ? a0 + q_stride : a0;
            __m256i acc0[4], acc1[4];
            for (int p = 0; p < 4; p++) { acc0[p] = _mm256_setzero_si256(); acc1[p] = _mm256_setzero_si256(); }
            for (size_t kb = 0; kb <= kfull; kb++) {
                if (kb == kfull && !krem) break;
                int8_t t0[8] = {0}, t1[8] = {0};
                const int8_t *s0 = a0 + kb * 8, *s1 = a1 + kb * 8;
                if (kb == kfull) { memcpy(t0, s0, krem); memcpy(t1, s1, krem); s0 = t0; s1 = t1; }
                const __m256i va0 = row8(s0), va1 = row8(s1);
                for (int p = 0; p < 4; p++) {
                    const __m256i vw = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + kb * 64 + 16 * p)));
                    acc0[p] = _mm256_add_epi32(acc0[p], _mm256_madd_epi16(va0, vw));
                    acc1[p] = _mm256_add_epi32(acc1[p], _mm256_madd_epi16(va1, vw));
                }
            }
            store_row(out + m * out_stride + nb, count, reduce8(acc0), wsum, zero_point[m], scale[m], ws, b);
            if (m + 1 < m_end) store_row(out + (m + 1) * out_stride + nb, count, reduce8(acc1), wsum, zero_point[m + 1], scale[m + 1], ws, b);
        }
    }
}
#endif
