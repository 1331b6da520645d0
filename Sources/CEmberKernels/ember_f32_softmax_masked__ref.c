// Softmax over the unmasked columns of each row, through libm. Twin of the NEON and AVX2 paths.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_f32_softmax_masked__ref(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale,
                              float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * cols;
        float *o = out + r * cols;
        float max = -INFINITY;
        for (size_t c = 0; c < cols; c++) if ((!mask || mask[c]) && scale * v[c] > max) max = scale * v[c];
        if (max == -INFINITY) { for (size_t c = 0; c < cols; c++) o[c] = 0.0f; continue; }
        double sum = 0;
        for (size_t c = 0; c < cols; c++) {
            const float e = (!mask || mask[c]) ? expf(scale * v[c] - max) : 0.0f;
            o[c] = e;
            sum += e;
        }
        const float inv = (float)(1.0 / sum);
        for (size_t c = 0; c < cols; c++) o[c] *= inv;
    }
}
