// TFLite reference int8 ADD, MEAN over H and W, AVERAGE_POOL_2D, QUANTIZE / DEQUANTIZE /
// int8 requantize. Portable C only: they are a small share of the work.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_qs8_add(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
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

void ember_qs8_mean_hw(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out, const ember_qs8_mean_params *p) {
    const int32_t count = (int32_t)(h * w);
    for (size_t ch = 0; ch < c; ch++) {
        int32_t sum = 0;
        for (size_t i = 0; i < h * w; i++) sum += in[i * c + ch];
        const int32_t shifted = ember_wrap_add(sum, ember_wrap_mul(-p->in_zero_point, count));
        const int32_t v = ember_wrap_add(ember_requantize(shifted, p->multiplier, p->shift), p->out_zero_point);
        out[ch] = (int8_t)ember_clamp(v, p->min, p->max);
    }
}

void ember_qs8_avgpool(const int8_t *in, size_t h, size_t w, size_t c,
                       size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                       size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                       int32_t min, int32_t max, int8_t *out) {
    for (size_t oy = 0; oy < out_h; oy++)
        for (size_t ox = 0; ox < out_w; ox++) {
            const ptrdiff_t y0 = (ptrdiff_t)(oy * stride_h) - (ptrdiff_t)pad_top;
            const ptrdiff_t x0 = (ptrdiff_t)(ox * stride_w) - (ptrdiff_t)pad_left;
            // The window clipped to the image; padding does not count (TFLite's filter_count).
            const ptrdiff_t ys = y0 < 0 ? 0 : y0, xs = x0 < 0 ? 0 : x0;
            const ptrdiff_t ye = y0 + (ptrdiff_t)kh < (ptrdiff_t)h ? y0 + (ptrdiff_t)kh : (ptrdiff_t)h;
            const ptrdiff_t xe = x0 + (ptrdiff_t)kw < (ptrdiff_t)w ? x0 + (ptrdiff_t)kw : (ptrdiff_t)w;
            for (size_t ch = 0; ch < c; ch++) {
                int32_t acc = 0, n = 0;
                for (ptrdiff_t y = ys; y < ye; y++)
                    for (ptrdiff_t x = xs; x < xe; x++) { acc += in[((size_t)y * w + (size_t)x) * c + ch]; n++; }
                if (n == 0) { out[(oy * out_w + ox) * c + ch] = (int8_t)ember_clamp(0, min, max); continue; }
                // Rounds half away from zero, with C's truncating division.
                acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                out[(oy * out_w + ox) * c + ch] = (int8_t)ember_clamp(acc, min, max);
            }
        }
}

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
