// Layer normalization of each row (biased variance, sums in double). Twin of the NEON and AVX2
// paths (which sum in float).
#include <math.h>
#include "ember_kernels_internal.h"

void ember_f32_layernorm__ref(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
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
