// TFLite reference int8 MEAN over H and W (QuantizedMeanOrSum): the count is folded into the
// multiplier beforehand (ember_qs8_mean_multiplier).
#include "ember_kernels_internal.h"

void ember_qs8_mean_hw__ref(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out, const ember_qs8_mean_params *p) {
    const int32_t count = (int32_t)(h * w);
    for (size_t ch = 0; ch < c; ch++) {
        int32_t sum = 0;
        for (size_t i = 0; i < h * w; i++) sum += in[i * c + ch];
        const int32_t shifted = ember_wrap_add(sum, ember_wrap_mul(-p->in_zero_point, count));
        const int32_t v = ember_wrap_add(ember_requantize(shifted, p->multiplier, p->shift), p->out_zero_point);
        out[ch] = (int8_t)ember_clamp(v, p->min, p->max);
    }
}
