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
        // MobileNetV2's widest layers have K = 16, 24, 27, 32: byte by byte, the copy cost as much
        // as the products.
        if (i + 16 <= k) {
            _mm_storeu_si128((__m128i *)(d + i), _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i)), _mm256_castsi256_si128(flip)));
            i += 16;
        }
        if (i + 8 <= k) {
            _mm_storel_epi64((__m128i *)(d + i), _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(src + i)), _mm256_castsi256_si128(flip)));
            i += 8;
        }
        for (; i < k; i++) d[i] = (uint8_t)(src[i] ^ 0x80);
        for (; i < kp8; i++) d[i] = 0;
    }
}

/// Two rows' 8 channel sums as ember_qs8_vnni_store_row does, sharing the packs and the clamp: the
/// int16 packs leave [r0 c0-3, r1 c0-3 | r0 c4-7, r1 c4-7] and interleaving the halves' dwords
/// puts each row's bytes in channel order.
EMBER_TARGET_AVX2 static inline void ember_qs8_vnni_store_rows2(int8_t *dst0, int8_t *dst1, __m256i acc0, __m256i acc1, __m256i base,
                                                                const ember_avx2_rq *rq, const ember_avx2_out16 *o, size_t ncount) {
    __m256i w = _mm256_packs_epi32(ember_avx2_mbqm(_mm256_add_epi32(acc0, base), rq), ember_avx2_mbqm(_mm256_add_epi32(acc1, base), rq));
    w = _mm256_min_epi16(_mm256_max_epi16(_mm256_adds_epi16(w, o->zp), o->mn), o->mx);
    const __m256i b = _mm256_packs_epi16(w, w);
    const __m128i v = _mm_unpacklo_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    int8_t tmp[16];
    if (ncount == 8) {
        _mm_storel_epi64((__m128i *)dst0, v);
        _mm_storel_epi64((__m128i *)dst1, _mm_unpackhi_epi64(v, v));
        return;
    }
    _mm_storeu_si128((__m128i *)tmp, v);
    ember_store_partial8(dst0, tmp, ncount);
    ember_store_partial8(dst1, tmp + 8, ncount);
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
