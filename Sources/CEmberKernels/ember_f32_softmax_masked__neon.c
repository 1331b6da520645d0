// Masked softmax on NEON, 4 floats at a time, with the vector exp of ember_f32_vmath_neon.h.
// Within 1e-6 of the libm twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include <math.h>
#include "ember_f32_vmath_neon.h"

void ember_f32_softmax_masked__neon(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale, float *out) {
    const float32x4_t vs = vdupq_n_f32(scale), ninf = vdupq_n_f32(-INFINITY);
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * cols;
        float *o = out + r * cols;
        // Masked columns become -inf before the max and exp(-inf - max) = 0 after it.
        float32x4_t vmax = ninf;
        size_t c = 0;
        for (; c + 4 <= cols; c += 4) {
            float32x4_t s = vmulq_f32(vld1q_f32(v + c), vs);
            if (mask) {
                const uint32_t mk[4] = {mask[c], mask[c + 1], mask[c + 2], mask[c + 3]};
                s = vbslq_f32(vceqzq_u32(vld1q_u32(mk)), ninf, s);
            }
            vst1q_f32(o + c, s);
            vmax = vmaxq_f32(vmax, s);
        }
        float max = vmaxvq_f32(vmax);
        for (; c < cols; c++) {
            const float s = (!mask || mask[c]) ? scale * v[c] : -INFINITY;
            o[c] = s;
            if (s > max) max = s;
        }
        if (max == -INFINITY) { for (c = 0; c < cols; c++) o[c] = 0.0f; continue; }
        const float32x4_t vm = vdupq_n_f32(max);
        float32x4_t vsum = vdupq_n_f32(0.0f);
        for (c = 0; c + 4 <= cols; c += 4) {
            const float32x4_t s = vld1q_f32(o + c);
            const float32x4_t e = vbslq_f32(vceqq_f32(s, ninf), vdupq_n_f32(0.0f), ember_neon_exp(vsubq_f32(s, vm)));
            vst1q_f32(o + c, e);
            vsum = vaddq_f32(vsum, e);
        }
        float sum = vaddvq_f32(vsum);
        for (; c < cols; c++) { const float e = o[c] == -INFINITY ? 0.0f : expf(o[c] - max); o[c] = e; sum += e; }
        const float32x4_t inv = vdupq_n_f32(1.0f / sum);
        for (c = 0; c + 4 <= cols; c += 4) vst1q_f32(o + c, vmulq_f32(vld1q_f32(o + c), inv));
        for (; c < cols; c++) o[c] *= 1.0f / sum;
    }
}
#endif
