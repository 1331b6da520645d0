// x86-64 AVX2: rows of an int8 GEMM operand sign-extended to int16 once per chunk, shared by the
// 3x8 qs8 and qd8 kernels (their inner loops then multiply int16 straight from memory).
#ifndef EMBER_ROWS_INT16_AVX2_H
#define EMBER_ROWS_INT16_AVX2_H
#include <immintrin.h>
#include "ember_kernels_internal.h"

/// Rows [m0, m1) of `a` as int16, kp8 values per row; the k tail as ember_gemm_ktail reads it.
EMBER_TARGET_AVX2 static inline void ember_avx2_rows_to_int16(const int8_t *a, size_t a_stride, size_t m0, size_t m1,
                                                               size_t k, size_t kp8, const int8_t *a_limit, int16_t *a16) {
    const size_t kfull8 = k / 8 * 8;
    for (size_t m = m0; m < m1; m++, a16 += kp8) {
        const int8_t *row = a + m * a_stride;
        size_t i = 0;
        for (; i + 16 <= kfull8; i += 16)
            _mm256_storeu_si256((__m256i *)(a16 + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(row + i))));
        for (; i + 8 <= kfull8; i += 8)
            _mm_storeu_si128((__m128i *)(a16 + i), _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(row + i))));
        if (i < kp8) {
            int8_t t[8];
            const int8_t *p = ember_gemm_ktail(row + i, k - i, a_limit, t);
            _mm_storeu_si128((__m128i *)(a16 + i), _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
        }
    }
}
#endif
