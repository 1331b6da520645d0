// Sentence-embedding tail of the encoder: masked mean pooling over tokens, L2 normalization.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_f32_mean_pool(size_t tokens, size_t dim, const float *x, const uint8_t *mask, float *out) {
    size_t count = 0;
    for (size_t t = 0; t < tokens; t++) count += (!mask || mask[t]) ? 1 : 0;
    for (size_t i = 0; i < dim; i++) {
        double sum = 0;
        for (size_t t = 0; t < tokens; t++) if (!mask || mask[t]) sum += x[t * dim + i];
        out[i] = count ? (float)(sum / (double)count) : 0.0f;
    }
}

void ember_f32_l2_normalize(size_t rows, size_t dim, const float *x, float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        double ss = 0;
        for (size_t i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
        double norm = sqrt(ss);
        if (norm < eps) norm = eps;
        const float inv = (float)(1.0 / norm);
        for (size_t i = 0; i < dim; i++) out[r * dim + i] = x[r * dim + i] * inv;
    }
}
