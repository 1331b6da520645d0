// im2col for KxK convolutions on NHWC int8: one row of kh*kw*c bytes per output pixel, taps in
// (ky, kx, c) order to match TFLite's OHWI filters flattened to [Cout][kh*kw*Cin].
#include "ember_kernels_internal.h"

void ember_qs8_im2col(const int8_t *in, size_t h, size_t w, size_t c,
                      size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                      size_t dilation_h, size_t dilation_w, size_t pad_top, size_t pad_left,
                      size_t oy_begin, size_t oy_end, size_t out_w, int8_t pad_value, int8_t *cols) {
    const size_t row = kh * kw * c;
    for (size_t oy = oy_begin; oy < oy_end; oy++)
        for (size_t ox = 0; ox < out_w; ox++) {
            int8_t *dst = cols + ((oy - oy_begin) * out_w + ox) * row;
            for (size_t ky = 0; ky < kh; ky++) {
                const ptrdiff_t iy = (ptrdiff_t)(oy * stride_h + ky * dilation_h) - (ptrdiff_t)pad_top;
                for (size_t kx = 0; kx < kw; kx++, dst += c) {
                    const ptrdiff_t ix = (ptrdiff_t)(ox * stride_w + kx * dilation_w) - (ptrdiff_t)pad_left;
                    if (iy >= 0 && iy < (ptrdiff_t)h && ix >= 0 && ix < (ptrdiff_t)w)
                        memcpy(dst, in + ((size_t)iy * w + (size_t)ix) * c, c);
                    else
                        memset(dst, pad_value, c);
                }
            }
        }
}
