// Shared by the SIMD depthwise kernels: the 9 tap addresses of one output pixel. A tap that
// falls in the padding points at a 16-byte row of the input zero point and does not advance
// with the channel block (its `step` is 0), so no kernel reads outside the input.
#ifndef EMBER_DWCONV_TAPS_H
#define EMBER_DWCONV_TAPS_H
#include "ember_kernels_internal.h"

typedef struct ember_dw_taps {
    const int8_t *ptr[9];
    size_t step[9];  ///< 1 for an input pixel, 0 for padding
} ember_dw_taps;

static inline void ember_dw_taps_at(ember_dw_taps *t, const int8_t *in, size_t h, size_t w, size_t c,
                                    size_t stride, size_t pad_top, size_t pad_left, size_t oy, size_t ox,
                                    const int8_t *zp16) {
    for (size_t ky = 0; ky < 3; ky++)
        for (size_t kx = 0; kx < 3; kx++) {
            const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky) - (ptrdiff_t)pad_top;
            const ptrdiff_t ix = (ptrdiff_t)(ox * stride + kx) - (ptrdiff_t)pad_left;
            const int inside = iy >= 0 && iy < (ptrdiff_t)h && ix >= 0 && ix < (ptrdiff_t)w;
            t->ptr[ky * 3 + kx] = inside ? in + ((size_t)iy * w + (size_t)ix) * c : zp16;
            t->step[ky * 3 + kx] = inside ? 1 : 0;
        }
}

/// 16 channels of tap `i` starting at channel cb; `avail` < 16 copies the tail into `tmp`.
static inline const int8_t *ember_dw_tap16(const ember_dw_taps *t, int i, size_t cb, size_t avail, int8_t tmp[16]) {
    const int8_t *p = t->ptr[i] + cb * t->step[i];
    if (avail >= 16 || t->step[i] == 0) return p;
    memset(tmp, 0, 16);
    memcpy(tmp, p, avail);
    return tmp;
}

/// Per-channel requantization constants for channels [cb, cb+16), zero beyond c.
static inline void ember_dw_load_requant16(const ember_qs8_output *q, size_t cb, size_t c,
                                           int32_t mult[16], int32_t ls[16], int32_t rs[16]) {
    ember_load_requant8(q, cb, c, mult, ls, rs);
    ember_load_requant8(q, cb + 8, c, mult + 8, ls + 8, rs + 8);
}
#endif
