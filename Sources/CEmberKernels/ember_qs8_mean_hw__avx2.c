// TFLite int8 MEAN over H and W, x86-64 AVX2: 8 channels per step, their int32 sums over the
// pixels in one vector (the twin walks each channel down the image, one byte per pixel row),
// then the twin's arithmetic on the 8 lanes: the zero-point term, ember_avx2_mbqm (the same
// formula as ember_requantize, so the same bits), the output zero point and the int32 clamp,
// and the (int8_t) truncation of the clamped value. The last c % 8 channels go through a
// zero-padded copy of each pixel's bytes.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx2.h"

EMBER_TARGET_AVX2
void ember_qs8_mean_hw__avx2(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out, const ember_qs8_mean_params *p) {
    const size_t count = h * w;
    int32_t m[8], l[8], r[8];
    ember_uniform_requant(p->multiplier, p->shift, 8, m, l, r);
    const ember_avx2_rq rq = ember_avx2_rq_load(m, l, r);
    const __m256i zp_term = _mm256_set1_epi32(ember_wrap_mul(-p->in_zero_point, (int32_t)count));
    const __m256i ozp = _mm256_set1_epi32(p->out_zero_point), mn = _mm256_set1_epi32(p->min), mx = _mm256_set1_epi32(p->max);
    for (size_t ch = 0; ch < c; ch += 8) {
        const size_t lanes = c - ch < 8 ? c - ch : 8;
        __m256i sum = _mm256_setzero_si256();
        if (lanes == 8) {
            for (size_t i = 0; i < count; i++)
                sum = _mm256_add_epi32(sum, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(in + i * c + ch))));
        } else {
            for (size_t i = 0; i < count; i++) {
                int8_t px[8] = {0};
                memcpy(px, in + i * c + ch, lanes);
                sum = _mm256_add_epi32(sum, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)px)));
            }
        }
        const __m256i v = _mm256_add_epi32(ember_avx2_mbqm(_mm256_add_epi32(sum, zp_term), &rq), ozp);
        int32_t res[8];
        _mm256_storeu_si256((__m256i *)res, _mm256_min_epi32(_mm256_max_epi32(v, mn), mx));
        for (size_t j = 0; j < lanes; j++) out[ch + j] = (int8_t)res[j];
    }
}
#endif
