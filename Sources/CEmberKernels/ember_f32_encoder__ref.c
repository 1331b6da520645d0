// Float operators of the encoder (MiniLM-style BERT): layer norm, GELU (erf), masked softmax,
// mean pooling, L2 normalization. Portable C; sums in double where a long reduction would
// otherwise lose precision for hidden sizes in the hundreds.
#include <math.h>
#include "ember_kernels_internal.h"

void ember_f32_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                         float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        double sum = 0;
        for (size_t i = 0; i < dim; i++) sum += v[i];
        const double mean = dim ? sum / (double)dim : 0;
        double var = 0;
        for (size_t i = 0; i < dim; i++) { const double d = v[i] - mean; var += d * d; }
        var = dim ? var / (double)dim : 0;
        const float inv = (float)(1.0 / sqrt(var + (double)eps));
        for (size_t i = 0; i < dim; i++)
            out[r * dim + i] = ((float)(v[i] - mean) * inv) * (gamma ? gamma[i] : 1.0f) + (beta ? beta[i] : 0.0f);
    }
}

void ember_f32_gelu__ref(size_t count, const float *x, float *out) {
    // 1 + erf(x / sqrt 2) = erfc(-x / sqrt 2): no cancellation for negative x.
    for (size_t i = 0; i < count; i++) out[i] = x[i] * 0.5f * erfcf(-x[i] * 0.70710678118654752f);
}

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
