// TFLite reference int8 AVERAGE_POOL_2D: the average of the taps inside the image, rounded half
// away from zero, clamped.
#include "ember_kernels_internal.h"

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
