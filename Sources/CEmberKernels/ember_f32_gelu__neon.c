// GELU (erf form) on NEON, 4 floats at a time, as x/2 * erfc(-x/sqrt 2) with the vector erfc of
// ember_f32_vmath_neon.h. Within 1e-6 relative of the libm twin, not bit-identical.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include <math.h>
#include "ember_f32_vmath_neon.h"

void ember_f32_gelu__neon(size_t count, const float *x, float *out) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        // 1 + erf(v / sqrt 2) = erfc(-v / sqrt 2): 2 - erfc(|z|) for v >= 0, erfc(|z|) below.
        const float32x4_t e = ember_neon_erfc_pos(vabsq_f32(vmulq_n_f32(v, 0.70710678118654752f)));
        const float32x4_t one_plus_erf = vbslq_f32(vcgezq_f32(v), vsubq_f32(vdupq_n_f32(2.0f), e), e);
        vst1q_f32(out + i, vmulq_f32(vmulq_n_f32(v, 0.5f), one_plus_erf));
    }
    if (i < count) ember_f32_gelu__ref(count - i, x + i, out + i);
}
#endif
