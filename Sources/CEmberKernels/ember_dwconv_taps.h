// Shared by the SIMD depthwise kernels: the 9 tap addresses of one output pixel, for the last
// partial block of channels (full blocks address their taps from row pointers). A tap that
// falls in the padding points at a 16-byte row of the input zero point and does not advance
// with the channel block (its mask is 0), so no kernel reads outside the input.
// Requantization constants are prepared per block once per call, in chunks of EMBER_DW_CHUNK
// blocks (stack space).
#ifndef EMBER_DWCONV_TAPS_H
#define EMBER_DWCONV_TAPS_H
#include "ember_kernels_internal.h"

#define EMBER_DW_CHUNK 32

typedef struct ember_dw_taps {
    const int8_t *ptr[9];
    size_t mask[9];  ///< all ones for an input pixel (advances with the channel), 0 for padding
} ember_dw_taps;

/// Fills the taps of output pixel (oy, ox); returns 1 if none falls in the padding.
static inline int ember_dw_taps_at(ember_dw_taps *t, const int8_t *in, size_t h, size_t w, size_t c,
                                   size_t stride, size_t pad_top, size_t pad_left, size_t oy, size_t ox,
                                   const int8_t *zp16) {
    const ptrdiff_t y0 = (ptrdiff_t)(oy * stride) - (ptrdiff_t)pad_top;
    const ptrdiff_t x0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    if (y0 >= 0 && x0 >= 0 && y0 + 3 <= (ptrdiff_t)h && x0 + 3 <= (ptrdiff_t)w) {
        const int8_t *base = in + ((size_t)y0 * w + (size_t)x0) * c;
        for (size_t k = 0; k < 9; k++) { t->ptr[k] = base + ((k / 3) * w + k % 3) * c; t->mask[k] = ~(size_t)0; }
        return 1;
    }
    for (size_t ky = 0; ky < 3; ky++)
        for (size_t kx = 0; kx < 3; kx++) {
            const ptrdiff_t iy = y0 + (ptrdiff_t)ky, ix = x0 + (ptrdiff_t)kx;
            const int inside = iy >= 0 && iy < (ptrdiff_t)h && ix >= 0 && ix < (ptrdiff_t)w;
            t->ptr[ky * 3 + kx] = inside ? in + ((size_t)iy * w + (size_t)ix) * c : zp16;
            t->mask[ky * 3 + kx] = inside ? ~(size_t)0 : 0;
        }
    return 0;
}

/// The 9 tap addresses of channels [cb, cb + 16); when fewer than 16 channels remain (`avail`),
/// the tails are copied into `tmp` (9 x 16 bytes) so nothing past the input is read.
static inline void ember_dw_block_ptrs(const ember_dw_taps *t, size_t cb, size_t avail, int8_t tmp[9][16], const int8_t *p[9]) {
    for (int i = 0; i < 9; i++) {
        p[i] = t->ptr[i] + (cb & t->mask[i]);
        if (avail < 16 && t->mask[i]) {
            memset(tmp[i], 0, 16);
            memcpy(tmp[i], p[i], avail);
            p[i] = tmp[i];
        }
    }
}

/// Per-channel requantization constants for channels [cb, cb+16), zero beyond c.
static inline void ember_dw_load_requant16(const ember_qs8_output *q, size_t cb, size_t c,
                                           int32_t mult[16], int32_t ls[16], int32_t rs[16]) {
    ember_load_requant8(q, cb, c, mult, ls, rs);
    ember_load_requant8(q, cb + 8, c, mult + 8, ls + 8, rs + 8);
}
#endif
