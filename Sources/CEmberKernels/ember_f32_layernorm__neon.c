// Layer normalization on AArch64 NEON, 4 floats at a time: two passes (mean, then the variance
// of the centred values, both summed in float over 4 lanes), then scale and shift. Within 1e-5
// relative of the double-precision twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include <arm_neon.h>
#include <math.h>

void ember_f32_layernorm__neon(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                               float eps, float *out) {
    if (dim % 4 != 0 || !gamma || !beta) { ember_f32_layernorm__ref(rows, dim, x, gamma, beta, eps, out); return; }
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        float *o = out + r * dim;
        float32x4_t s = vdupq_n_f32(0.0f);
        for (size_t i = 0; i < dim; i += 4) s = vaddq_f32(s, vld1q_f32(v + i));
        const float mean = vaddvq_f32(s) / (float)dim;
        const float32x4_t vm = vdupq_n_f32(mean);
        float32x4_t q = vdupq_n_f32(0.0f);
        for (size_t i = 0; i < dim; i += 4) { const float32x4_t d = vsubq_f32(vld1q_f32(v + i), vm); q = vfmaq_f32(q, d, d); }
        const float32x4_t inv = vdupq_n_f32(1.0f / sqrtf(vaddvq_f32(q) / (float)dim + eps));
        for (size_t i = 0; i < dim; i += 4) {
            const float32x4_t n = vmulq_f32(vsubq_f32(vld1q_f32(v + i), vm), inv);
            vst1q_f32(o + i, vaddq_f32(vmulq_f32(n, vld1q_f32(gamma + i)), vld1q_f32(beta + i)));
        }
    }
}
#endif
