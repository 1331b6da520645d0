// AArch64 NEON float math for the encoder kernels: exp and erfc on 4 lanes.
// exp: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, degree-6 Taylor polynomial, scaled by
// 2^n through the exponent bits (relative error about 2e-7 for x in [-87, 88]).
// erfc (x >= 0): t = 1 / (1 + x/2), erfc = t exp(-x^2 + P(t)) with the classic Chebyshev-fitted
// P of Numerical Recipes' erfcc (fractional error below 1.2e-7).
#ifndef EMBER_F32_VMATH_NEON_H
#define EMBER_F32_VMATH_NEON_H
#include <arm_neon.h>

static inline float32x4_t ember_neon_exp(float32x4_t x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.0f));
    const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));     // ln2 high part (exact product)
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));                // ln2 low part
    float32x4_t p = vdupq_n_f32(1.0f / 720.0f);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

/// erfc(x) for x >= 0.
static inline float32x4_t ember_neon_erfc_pos(float32x4_t x) {
    const float32x4_t t = vdivq_f32(vdupq_n_f32(1.0f), vfmaq_f32(vdupq_n_f32(1.0f), x, vdupq_n_f32(0.5f)));
    static const float c[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
                                0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};
    float32x4_t p = vdupq_n_f32(c[9]);
    for (int i = 8; i >= 0; i--) p = vfmaq_f32(vdupq_n_f32(c[i]), p, t);
    return vmulq_f32(t, ember_neon_exp(vsubq_f32(p, vmulq_f32(x, x))));
}
#endif
