// im2col for KxK convolutions on NHWC int8: one row of kh*kw*c bytes per output pixel, taps in
// (ky, kx, c) order to match TFLite's OHWI filters flattened to [Cout][kh*kw*Cin].
// With dilation_w 1 the kw taps of one kernel row are kw*c contiguous input bytes: copied as one
// span. Spans of at most 32 bytes (the 3x3 stem: 9) are moved as fixed 16-byte copies (one
// vector load and store on AVX2 and NEON) that may run past the span: the extra bytes land on
// output positions written later, and never past the input or the output rows of this call.
// Pixels whose kernel lies wholly inside the input, with spans of at most 16 bytes, take a loop
// of bare 16-byte copies (the stem: 1.77 M -> 0.14 M instructions per inference, docs/kernels.md).
#include "ember_kernels_internal.h"

/// Copies n bytes; may write up to 16 - n bytes after dst + n when that stays below dst_end and
/// reading 16 bytes stays below src_end.
static inline void copy_span(int8_t *dst, const int8_t *src, size_t n, const int8_t *dst_end, const int8_t *src_end) {
    if (n <= 32 && dst + 32 <= dst_end && src + 32 <= src_end) {
        memcpy(dst, src, 16);
        if (n > 16) memcpy(dst + 16, src + 16, 16);
    } else {
        memcpy(dst, src, n);
    }
}

/// Pixel ox of output row oy, any geometry.
static void im2col_pixel(const int8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                         size_t dilation_h, size_t dilation_w, size_t pad_top, size_t pad_left, size_t oy, size_t ox,
                         int8_t pad_value, int8_t *dst, const int8_t *cols_end, const int8_t *in_end) {
    const size_t span = kw * c;
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride_w) - (ptrdiff_t)pad_left;
    const int whole = dilation_w == 1 && ix0 >= 0 && ix0 + (ptrdiff_t)kw <= (ptrdiff_t)w;
    for (size_t ky = 0; ky < kh; ky++) {
        const ptrdiff_t iy = (ptrdiff_t)(oy * stride_h + ky * dilation_h) - (ptrdiff_t)pad_top;
        if (iy < 0 || iy >= (ptrdiff_t)h) {
            memset(dst, pad_value, span);
            dst += span;
        } else if (whole) {
            copy_span(dst, in + ((size_t)iy * w + (size_t)ix0) * c, span, cols_end, in_end);
            dst += span;
        } else {
            for (size_t kx = 0; kx < kw; kx++, dst += c) {
                const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dilation_w);
                if (ix >= 0 && ix < (ptrdiff_t)w)
                    memcpy(dst, in + ((size_t)iy * w + (size_t)ix) * c, c);
                else
                    memset(dst, pad_value, c);
            }
        }
    }
}

void ember_qs8_im2col(const int8_t *in, size_t h, size_t w, size_t c,
                      size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                      size_t dilation_h, size_t dilation_w, size_t pad_top, size_t pad_left,
                      size_t oy_begin, size_t oy_end, size_t out_w, int8_t pad_value, int8_t *cols) {
    const size_t row = kh * kw * c, span = kw * c, in_row = dilation_h * w * c;
    const int8_t *const in_end = in + h * w * c;
    const int8_t *const cols_end = cols + (oy_end > oy_begin ? oy_end - oy_begin : 0) * out_w * row;
    // Pixels [xa, xb) of a row whose kernel rows are all inside read whole spans of at most 16
    // bytes (the stem's 9): one 16-byte copy per kernel row, no per-tap checks.
    size_t xa = (pad_left + stride_w - 1) / stride_w, xb = w + pad_left >= kw ? (w + pad_left - kw) / stride_w + 1 : 0;
    if (xb > out_w) xb = out_w;
    if (dilation_w != 1 || span > 16) xb = 0;
    for (size_t oy = oy_begin; oy < oy_end; oy++) {
        const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride_h) - (ptrdiff_t)pad_top;
        const int rows_inside = iy0 >= 0 && iy0 + (ptrdiff_t)((kh - 1) * dilation_h) < (ptrdiff_t)h;
        int8_t *const dst_row = cols + (oy - oy_begin) * out_w * row;
        for (size_t ox = 0; ox < out_w; ox++) {
            if (rows_inside && ox == xa && xa < xb) {
                const int8_t *src = in + ((size_t)iy0 * w + ox * stride_w - pad_left) * c;
                int8_t *dst = dst_row + ox * row;
                // Each copy may run up to 16 - span bytes past its span: onto the next span, or
                // the next pixel's row; never past the output rows or the input (the last pixels
                // of a call may be left to im2col_pixel for that).
                size_t n = xb - ox;
                const size_t step = stride_w * c;
                while (n && (dst + (n - 1) * row + row - span + 16 > cols_end || src + (n - 1) * step + (kh - 1) * in_row + 16 > in_end)) n--;
                ox += n;
                if (kh == 3) {  // the usual kernel, with constant offsets
                    for (; n; n--, src += step, dst += row) {
                        memcpy(dst, src, 16);
                        memcpy(dst + span, src + in_row, 16);
                        memcpy(dst + 2 * span, src + 2 * in_row, 16);
                    }
                } else {
                    for (; n; n--, src += step, dst += row)
                        for (size_t ky = 0; ky < kh; ky++) memcpy(dst + ky * span, src + ky * in_row, 16);
                }
                if (ox == out_w) break;
            }
            im2col_pixel(in, h, w, c, kh, kw, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, oy, ox,
                         pad_value, dst_row + ox * row, cols_end, in_end);
        }
    }
}
