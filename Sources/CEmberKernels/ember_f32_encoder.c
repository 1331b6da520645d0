// The encoder's float operators in portable C, with the same bits on every CPU: no libm
// transcendental (whose results differ between C libraries and versions), no reduction the
// compiler may reorder (sums run in a fixed order), no multiply-add the compiler fuses on its own
// (-ffp-contract=off): where a fused one is meant, it is an explicit fmaf (correctly rounded on
// every CPU, an instruction where the target has FMA).
// Elementwise loops are branch-free so the compiler vectorizes them across independent
// elements, which does not change any result. The dispatched ember_f32_layernorm / gelu /
// softmax_masked SIMD paths are within 1e-6 of their twins but not bit-identical; the encoder
// uses these instead so that every kernel path gives identical embeddings.
#include <math.h>
#include <string.h>
#include "ember_kernels_internal.h"

// x86-64: an AVX2 clone of each function (EMBER_WIDE, ember_kernels_internal.h; with FMA where
// fmaf is used, EMBER_WIDE_FMA). GELU also gets an AVX-512 clone (EMBER_WIDEST): its polynomial
// and division run twice as fast in 512-bit vectors (0.61 -> 0.31 ms per 128-token MiniLM
// embedding); softmax and attention did not gain.

// Sums in double, in 8 fixed lanes (element i goes to lane i % 8, the lanes combine pairwise):
// independent chains the compiler vectorizes, the same order at every vector width.
static inline double lanes_total(const double l[8]) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

EMBER_WIDE void ember_f32_encoder_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                                            float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        float *o = out + r * dim;
        double sums[8] = {0}, squares[8] = {0};
        size_t i = 0;
        for (; i + 8 <= dim; i += 8)
            for (size_t u = 0; u < 8; u++) sums[u] += v[i + u];
        for (size_t u = 0; i + u < dim; u++) sums[u] += v[i + u];
        const double mean = lanes_total(sums) / (double)dim;
        for (i = 0; i + 8 <= dim; i += 8)
            for (size_t u = 0; u < 8; u++) { const double d = v[i + u] - mean; squares[u] += d * d; }
        for (size_t u = 0; i + u < dim; u++) { const double d = v[i + u] - mean; squares[u] += d * d; }
        const float m = (float)mean;
        const float inv = (float)(1.0 / sqrt(lanes_total(squares) / (double)dim + eps));
        for (i = 0; i < dim; i++) {
            const float normalized = (v[i] - m) * inv;
            const float scaled = normalized * gamma[i];
            o[i] = scaled + beta[i];
        }
    }
}

// erf(|x|) from Abramowitz & Stegun 7.1.28: 1 - (1 + a1 x + ... + a6 x^6)^-16, |error| <= 3e-7.
// Horner steps as fmaf: 128 x 1536 GELUs took 49 us as multiply and add, 37 us fused.
static inline float erf_abs(float a) {
    float p = 0.0000430638f;
    p = fmaf(p, a, 0.0002765672f);
    p = fmaf(p, a, 0.0001520143f);
    p = fmaf(p, a, 0.0092705272f);
    p = fmaf(p, a, 0.0422820123f);
    p = fmaf(p, a, 0.0705230784f);
    p = fmaf(p, a, 1.0f);
    p = p * p; p = p * p; p = p * p; p = p * p;  // ^16
    return 1.0f - 1.0f / p;
}

EMBER_WIDEST void ember_f32_encoder_gelu(size_t count, const float *restrict x, float *restrict out) {
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
// Every multiply-add is one fmaf (correctly rounded, so the same bits on every path, in half the
// instructions of a multiply and an add); the SIMD copy in ember_f32_attention__avx512vnni.c
// must stay in step with this.
static inline float exp_nonpositive(float x) {
    if (x < -87.0f) x = -87.0f;
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    const float shifted = fmaf(x, 1.44269504088896341f, shifter);
    const float n = shifted - shifter;
    const float r = fmaf(-n, 1.42860682030941723e-6f, fmaf(-n, 0.693145751953125f, x));
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// The max and the sum run in 8 fixed lanes (element c goes to lane c % 8, the lanes combine
// pairwise): independent chains the compiler vectorizes, the same order at every vector width.
// The exponent is fmaf(scale, v, -max): the max of the rounded scale·v, so it may be a rounding
// error above 0, which exp_nonpositive takes.
EMBER_WIDE_FMA void ember_f32_encoder_softmax(size_t cols, float *v, float scale) {
    float lane_max[8], lane_sum[8];
    for (size_t u = 0; u < 8; u++) { lane_max[u] = -INFINITY; lane_sum[u] = 0.0f; }
    size_t c = 0;
    for (; c + 8 <= cols; c += 8)
        for (size_t u = 0; u < 8; u++) { const float s = scale * v[c + u]; lane_max[u] = s > lane_max[u] ? s : lane_max[u]; }
    for (size_t u = 0; c + u < cols; u++) { const float s = scale * v[c + u]; lane_max[u] = s > lane_max[u] ? s : lane_max[u]; }
    float max = lane_max[0];
    for (size_t u = 1; u < 8; u++) max = lane_max[u] > max ? lane_max[u] : max;
    for (c = 0; c + 8 <= cols; c += 8)
        for (size_t u = 0; u < 8; u++) { v[c + u] = exp_nonpositive(fmaf(scale, v[c + u], -max)); lane_sum[u] = lane_sum[u] + v[c + u]; }
    for (size_t u = 0; c + u < cols; u++) { v[c + u] = exp_nonpositive(fmaf(scale, v[c + u], -max)); lane_sum[u] = lane_sum[u] + v[c + u]; }
    const float sum = ((lane_sum[0] + lane_sum[1]) + (lane_sum[2] + lane_sum[3])) + ((lane_sum[4] + lane_sum[5]) + (lane_sum[6] + lane_sum[7]));
    const float inv = 1.0f / sum;
    for (c = 0; c < cols; c++) v[c] = v[c] * inv;
}

EMBER_WIDE void ember_f32_encoder_add(size_t count, const float *restrict a, const float *restrict b, float *restrict out) {
    for (size_t i = 0; i < count; i++) out[i] = a[i] + b[i];
}

// The embedding lookup of a float16 word table: out = float(half) + add, elementwise. Widening a
// half is exact, so every path (F16C's VCVTPH2PS in the x86-64-v3 clone, FCVTL on AArch64, the
// baseline clone's software conversion) gives the same bits.
EMBER_WIDE_FMA void ember_f32_encoder_add_half(size_t count, const uint16_t *restrict half, const float *restrict add,
                                               float *restrict out) {
    for (size_t i = 0; i < count; i++) {
        _Float16 h;
        memcpy(&h, &half[i], sizeof h);
        out[i] = (float)h + add[i];
    }
}

// dynamicLinear's optional input scale (SmoothQuant: the converter folds 1/s into it). One
// multiply per element, so the same bits on every CPU.
EMBER_WIDE void ember_f32_encoder_scale_columns(size_t rows, size_t k, const float *restrict x, size_t x_stride,
                                                const float *restrict scale, float *restrict out) {
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < k; i++) out[r * k + i] = x[r * x_stride + i] * scale[i];
}

// The sentence-embedding tail. Mean pooling sums each dimension over the tokens in token order
// (double), a block of dimensions at a time so the compiler vectorizes across dimensions.
EMBER_WIDE void ember_f32_mean_pool(size_t tokens, size_t dim, const float *x, const uint8_t *mask, float *out) {
    size_t count = 0;
    for (size_t t = 0; t < tokens; t++) count += (!mask || mask[t]) ? 1 : 0;
    enum { BLOCK = 64 };
    for (size_t i0 = 0; i0 < dim; i0 += BLOCK) {
        const size_t width = dim - i0 < BLOCK ? dim - i0 : BLOCK;
        double sums[BLOCK] = {0};
        for (size_t t = 0; t < tokens; t++) {
            if (mask && !mask[t]) continue;
            const float *row = x + t * dim + i0;
            for (size_t j = 0; j < width; j++) sums[j] += row[j];
        }
        for (size_t j = 0; j < width; j++) out[i0 + j] = count ? (float)(sums[j] / (double)count) : 0.0f;
    }
}

/// Each row divided by max(||row||_2, eps); the squares summed in the 8 fixed lanes.
EMBER_WIDE void ember_f32_l2_normalize(size_t rows, size_t dim, const float *x, float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * dim;
        double squares[8] = {0};
        size_t i = 0;
        for (; i + 8 <= dim; i += 8)
            for (size_t u = 0; u < 8; u++) squares[u] += (double)v[i + u] * v[i + u];
        for (size_t u = 0; i + u < dim; u++) squares[u] += (double)v[i + u] * v[i + u];
        double norm = sqrt(lanes_total(squares));
        if (norm < eps) norm = eps;
        const float inv = (float)(1.0 / norm);
        for (size_t j = 0; j < dim; j++) out[r * dim + j] = v[j] * inv;
    }
}
