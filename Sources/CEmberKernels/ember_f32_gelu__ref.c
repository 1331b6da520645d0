// GELU, exact erf form, through libm. Twin of the NEON and AVX2 paths.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_f32_gelu__ref(size_t count, const float *x, float *out) {
    // 1 + erf(x / sqrt 2) = erfc(-x / sqrt 2): no cancellation for negative x.
    for (size_t i = 0; i < count; i++) out[i] = x[i] * 0.5f * erfcf(-x[i] * 0.70710678118654752f);
}
