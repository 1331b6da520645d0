// TFLite reference QUANTIZE (float -> int8, int8 -> int8) and DEQUANTIZE.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_qs8_quantize(size_t count, const float *in, float scale, int32_t zero_point, int8_t *out) {
    for (size_t i = 0; i < count; i++) {
        float r = roundf(in[i] / scale);  // TfLiteRound: half away from zero, in float
        if (!(r == r)) r = 0.0f;          // NaN: no TFLite-defined value; use the zero point
        if (r > 1e6f) r = 1e6f;           // keeps the int conversion defined; clamps below anyway
        if (r < -1e6f) r = -1e6f;
        out[i] = (int8_t)ember_clamp((int32_t)r + zero_point, -128, 127);
    }
}

void ember_qs8_dequantize(size_t count, const int8_t *in, float scale, int32_t zero_point, float *out) {
    const double s = scale;  // TFLite's reference computes in double, then rounds to float
    for (size_t i = 0; i < count; i++) out[i] = (float)(s * (double)((int32_t)in[i] - zero_point));
}

void ember_qs8_requantize(size_t count, const int8_t *in, int32_t in_zero_point,
                          int32_t multiplier, int32_t shift, int32_t out_zero_point, int8_t *out) {
    for (size_t i = 0; i < count; i++) {
        const int32_t v = ember_wrap_add(ember_requantize((int32_t)in[i] - in_zero_point, multiplier, shift), out_zero_point);
        out[i] = (int8_t)ember_clamp(v, -128, 127);
    }
}
