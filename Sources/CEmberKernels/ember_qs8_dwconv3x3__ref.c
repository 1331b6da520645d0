// Scalar reference twin of the depthwise 3x3 convolution, reading the packed layout.
#include "ember_kernels_internal.h"

void ember_qs8_dwconv3x3__ref(const int8_t *in, size_t h, size_t w, size_t c,
                              size_t stride, size_t pad_top, size_t pad_left,
                              size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                              const void *packed, int8_t input_zero_point, int8_t *out,
                              const ember_qs8_output *q) {
    (void)out_h;
    for (size_t oy = oy_begin; oy < oy_end; oy++)
        for (size_t ox = 0; ox < out_w; ox++)
            for (size_t ch = 0; ch < c; ch++) {
                const uint8_t *blk = (const uint8_t *)packed + (ch / EMBER_DW_CB) * ember_dw_block_bytes();
                const size_t j = ch % EMBER_DW_CB;
                int32_t acc;
                memcpy(&acc, blk + j * sizeof(int32_t), sizeof acc);
                const int8_t *wt = (const int8_t *)(blk + EMBER_DW_CB * sizeof(int32_t));
                for (size_t ky = 0; ky < 3; ky++)
                    for (size_t kx = 0; kx < 3; kx++) {
                        const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky) - (ptrdiff_t)pad_top;
                        const ptrdiff_t ix = (ptrdiff_t)(ox * stride + kx) - (ptrdiff_t)pad_left;
                        const int32_t v = (iy >= 0 && iy < (ptrdiff_t)h && ix >= 0 && ix < (ptrdiff_t)w)
                            ? in[((size_t)iy * w + (size_t)ix) * c + ch] : input_zero_point;
                        acc = ember_wrap_add(acc, v * wt[(ky * 3 + kx) * EMBER_DW_CB + j]);
                    }
                out[(oy * out_w + ox) * c + ch] = ember_output_value(ember_requantize(acc, q->multiplier[ch], q->shift[ch]), q->zero_point, q->min, q->max);
            }
}
