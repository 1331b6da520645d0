// Shared by the qs8 VNNI GEMMs (AVX-VNNI and AVX-512 VNNI): rows biased to u8 for VPDPBUSD, and
// one row's output through the AVX2 requantization (ember_requant_avx2.h), so the bytes are the
// AVX2 kernels' and the scalar twin's.
#ifndef EMBER_QS8_VNNI_AVX2_H
#define EMBER_QS8_VNNI_AVX2_H
#include "ember_requant_avx2.h"

/// Rows [m0, m1) of a as u8 (a + 128 = a XOR 0x80), K padded with zeros to kp8 (zero weights
/// there), at row stride kp8 in `dst`. Once per row chunk: VPDPBUSD takes the rows unsigned.
EMBER_TARGET_AVX2 static inline void ember_qs8_rows_to_u8(const int8_t *a, size_t a_stride, size_t m0, size_t m1, size_t k,
                                                          size_t kp8, uint8_t *dst) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    for (size_t m = m0; m < m1; m++) {
        const int8_t *src = a + m * a_stride;
        uint8_t *d = dst + (m - m0) * kp8;
        size_t i = 0;
        for (; i + 32 <= k; i += 32)
            _mm256_storeu_si256((__m256i *)(d + i), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)), flip));
        for (; i < k; i++) d[i] = (uint8_t)(src[i] ^ 0x80);
        for (; i < kp8; i++) d[i] = 0;
    }
}

/// Requantizes one row's 8 channel sums (acc + base, base = packed bias - 128 * Σw, int32
/// wrap-around as the twin's) and stores `ncount` bytes.
EMBER_TARGET_AVX2 static inline void ember_qs8_vnni_store_row(int8_t *dst, __m256i acc, __m256i base, const ember_avx2_rq *rq,
                                                              const ember_avx2_out *o, size_t ncount) {
    const __m128i v = ember_avx2_output8(_mm256_add_epi32(acc, base), rq, o);
    if (ncount == 8) { _mm_storel_epi64((__m128i *)dst, v); return; }
    int8_t tmp[8];
    _mm_storel_epi64((__m128i *)tmp, v);
    ember_store_partial8(dst, tmp, ncount);
}
#endif
