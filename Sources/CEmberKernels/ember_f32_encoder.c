// The encoder's float operators in portable C, with the same bits on every CPU: no libm
// transcendental (whose results differ between C libraries and versions), no reduction the
// compiler may reorder (sums run in a fixed order), no fused multiply-add (-ffp-contract=off).
// Elementwise loops are branch-free so the compiler vectorizes them across independent
// elements, which does not change any result. The dispatched ember_f32_layernorm / gelu /
// softmax_masked SIMD paths are within 1e-6 of their twins but not bit-identical; the encoder
// uses these instead so that every kernel path gives identical embeddings.
#include <math.h>
#include <string.h>
#include "ember_kernels_internal.h"

// x86-64: an AVX2 clone of each function, chosen by the loader for CPUs that have it (same
// operations in the same order per element, only wider vectors: the same bits).
#if defined(EMBER_ARCH_X86_64) && defined(__ELF__)
#define EMBER_WIDE __attribute__((target_clones("avx2", "default")))
#else
#define EMBER_WIDE
#endif

void ember_f32_encoder_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                                 float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        float *o = out + r * dim;
        double sum = 0;
        for (size_t i = 0; i < dim; i++) sum += v[i];
        const double mean = sum / (double)dim;
        double squares = 0;
        for (size_t i = 0; i < dim; i++) { const double d = v[i] - mean; squares += d * d; }
        const float m = (float)mean;
        const float inv = (float)(1.0 / sqrt(squares / (double)dim + eps));
        for (size_t i = 0; i < dim; i++) {
            const float normalized = (v[i] - m) * inv;
            const float scaled = normalized * gamma[i];
            o[i] = scaled + beta[i];
        }
    }
}

// erf(|x|) from Abramowitz & Stegun 7.1.28: 1 - (1 + a1 x + ... + a6 x^6)^-16, |error| <= 3e-7.
static inline float erf_abs(float a) {
    float p = 0.0000430638f;
    p = p * a + 0.0002765672f;
    p = p * a + 0.0001520143f;
    p = p * a + 0.0092705272f;
    p = p * a + 0.0422820123f;
    p = p * a + 0.0705230784f;
    p = p * a + 1.0f;
    p = p * p; p = p * p; p = p * p; p = p * p;  // ^16
    return 1.0f - 1.0f / p;
}

EMBER_WIDE void ember_f32_encoder_gelu(size_t count, const float *restrict x, float *restrict out) {
    for (size_t i = 0; i < count; i++) {
        const float v = x[i];
        const float a = fabsf(v) * 0.70710678118654752f;
        const float e = erf_abs(a < 10.0f ? a : 10.0f);
        const float signed_e = v < 0.0f ? -e : e;
        const float half = v * 0.5f;
        out[i] = half * (1.0f + signed_e);
    }
}

// e^x for x <= 0 (x >= -87.3: 2^n stays normal): x = n ln2 + r, |r| <= ln2/2, e^r by a degree-7
// Taylor polynomial (relative error < 2e-8 before rounding), times 2^n built in the exponent bits.
static inline float exp_nonpositive(float x) {
    if (x < -87.0f) x = -87.0f;
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    const float shifted = x * 1.44269504088896341f + shifter;
    const float n = shifted - shifter;
    const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

EMBER_WIDE void ember_f32_encoder_softmax(size_t cols, float *v, float scale) {
    float max = -INFINITY;
    for (size_t c = 0; c < cols; c++) { const float s = scale * v[c]; max = s > max ? s : max; }
    for (size_t c = 0; c < cols; c++) v[c] = exp_nonpositive(scale * v[c] - max);
    double sum = 0;
    for (size_t c = 0; c < cols; c++) sum += v[c];
    const float inv = (float)(1.0 / sum);
    for (size_t c = 0; c < cols; c++) v[c] = v[c] * inv;
}
