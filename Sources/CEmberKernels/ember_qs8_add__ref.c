// TFLite reference int8 ADD: both inputs offset by their zero points, scaled up by 2^left_shift,
// rescaled by their own multipliers, summed, rescaled to the output, clamped.
#include "ember_kernels_internal.h"

void ember_qs8_add__ref(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    const int32_t ls = p->left_shift < 0 ? 0 : (p->left_shift > 30 ? 30 : p->left_shift);
    for (size_t i = 0; i < count; i++) {
        const int32_t x = ember_wrap_mul((int32_t)a[i] - p->a_zero_point, (int32_t)1 << ls);
        const int32_t y = ember_wrap_mul((int32_t)b[i] - p->b_zero_point, (int32_t)1 << ls);
        const int32_t sum = ember_wrap_add(ember_requantize(x, p->a_multiplier, p->a_shift),
                                           ember_requantize(y, p->b_multiplier, p->b_shift));
        const int32_t v = ember_wrap_add(ember_requantize(sum, p->out_multiplier, p->out_shift), p->out_zero_point);
        out[i] = (int8_t)ember_clamp(v, p->min, p->max);
    }
}
