// The kernel calls of one all-MiniLM-L6-v2 embedding (6 layers: layer norms, per-row
// quantization, qd8 GEMMs, attention, GELU, residual adds; mean pooling, L2 normalization), in
// the engine's order and shapes, on seeded random data and weights, with the dispatched kernels.
// One thread; times are the thread's CPU time (robust to a busy host). For per-kernel instruction counts under qemu (tools/qemu-icount/count-encoder.sh)
// and per-kernel times natively; not a test.
//
//   encoder_kernels [tokens [runs [smooth|rotate]]]      (default 128 tokens, 1 run)
// `smooth`: the QKV and FFN-up linears take dynamicLinear's input scale (SmoothQuant) as the
// engine runs it: ember_f32_encoder_scale_columns 8 rows at a time, each chunk then quantized.
// `rotate`: what `ember convert` writes by default: smoothed as above, and every linear's rows
// rotated in 128-column Hadamard blocks (ember_f32_encoder_hadamard, which applies the scale).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ember_kernels.h"

enum { HIDDEN = 384, HEADS = 12, FFN = 1536, LAYERS = 6 };

static uint32_t g_state = 12345;
static uint32_t rnd(void) { g_state = g_state * 1664525u + 1013904223u; return g_state >> 8; }
static float rndf(float amplitude) { return amplitude * ((float)(rnd() & 0xFFFF) / 32768.0f - 1.0f); }

typedef struct { size_t n, k; void *packed; float *w_scale, *bias; int narrow; } linear;

static linear make_linear(size_t n, size_t k) {
    int8_t *w = malloc(n * k);
    // [-127, 127], as `ember convert`'s symmetric quantizer writes: the dispatch picks the same
    // narrow-weight kernels (ember_qs8_gemm_packed_narrow) as for a real encoder.
    for (size_t i = 0; i < n * k; i++) w[i] = (int8_t)((int)(rnd() % 255) - 127);
    linear l = {n, k, malloc(ember_qs8_gemm_packed_size(n, k)), malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    ember_qs8_gemm_pack(n, k, w, NULL, -1, l.packed);
    l.narrow = ember_qs8_gemm_packed_narrow(n, k, l.packed);  // as the engine's planner decides
    for (size_t i = 0; i < n; i++) { l.w_scale[i] = 0.0005f + 1e-6f * (float)i; l.bias[i] = rndf(0.1f); }
    free(w);
    return l;
}

// Time per kernel kind in the current run; the run with the best total is printed.
enum { K_QUANTIZE, K_SCALE_QUANTIZE, K_GEMM, K_ATTENTION, K_LAYERNORM, K_GELU, K_RESIDUAL, K_POOL, K_KINDS };
static const char *const kind_names[K_KINDS] = {"qd8_quantize_rows", "scale/rotate + quantize", "qd8_gemm", "f32_attention",
                                                "f32_encoder_layernorm", "f32_encoder_gelu", "residual add", "mean pool + L2"};
static double g_ms[K_KINDS], g_best_ms[K_KINDS];
static struct timespec g_mark;
static double lap(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    const double ms = (double)(now.tv_sec - g_mark.tv_sec) * 1e3 + (double)(now.tv_nsec - g_mark.tv_nsec) * 1e-6;
    g_mark = now;
    return ms;
}
#define TIMED(kind, call) do { lap(); call; g_ms[kind] += lap(); } while (0)

static int8_t *g_q;
static float *g_scale;
static int32_t *g_zp;
static float *g_smooth, *g_scaled;  // input scale [HIDDEN] and 8 scaled rows; NULL without `smooth`
static int g_rotate;

// `smoothed`: the linear has an input scale when the run is `smooth` (the chunk loop is timed as
// one: a clock read per 8 rows would weigh on the result).
static void run_linear(const linear *l, size_t tokens, const float *x, float *out, int smoothed) {
    if ((smoothed && g_smooth) || g_rotate) {
        lap();
        for (size_t r = 0; r < tokens; r += 8) {
            const size_t rows = tokens - r < 8 ? tokens - r : 8;
            if (g_rotate)
                ember_f32_encoder_hadamard(rows, l->k, 128, x + r * l->k, l->k, smoothed ? g_smooth : NULL, g_scaled);
            else
                ember_f32_encoder_scale_columns(rows, l->k, x + r * l->k, l->k, g_smooth, g_scaled);
            ember_qd8_quantize_rows(rows, l->k, g_scaled, l->k, g_q + r * l->k, l->k, g_scale + r, g_zp + r);
        }
        g_ms[K_SCALE_QUANTIZE] += lap();
    } else {
        TIMED(K_QUANTIZE, ember_qd8_quantize_rows(tokens, l->k, x, l->k, g_q, l->k, g_scale, g_zp));
    }
    TIMED(K_GEMM, (l->narrow ? ember_qd8_gemm_f32_narrow : ember_qd8_gemm_f32)(0, tokens, l->n, l->k, g_q, l->k, g_scale, g_zp, l->packed, l->w_scale, l->bias, out, l->n));
}

static void residual_add(size_t count, const float *a, const float *b, float *out) {
    for (size_t i = 0; i < count; i++) out[i] = a[i] + b[i];
}

int main(int argc, char **argv) {
    const size_t tokens = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
    const size_t runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    int smooth = 0;
    for (int a = 3; a < argc; a++) {
        if (!strcmp(argv[a], "rotate")) g_rotate = 1;
        else if (!strcmp(argv[a], "smooth")) smooth = 1;
        else { fprintf(stderr, "unknown mode '%s' (smooth, rotate)\n", argv[a]); return 2; }
    }
    smooth |= g_rotate;
    if (tokens < 1 || tokens > 512) { fprintf(stderr, "tokens must be 1...512\n"); return 2; }
    ember_kernels_init(-1);
    linear qkv[LAYERS], proj[LAYERS], up[LAYERS], down[LAYERS];
    float *gamma = malloc(HIDDEN * sizeof(float)), *beta = malloc(HIDDEN * sizeof(float));
    for (size_t i = 0; i < HIDDEN; i++) { gamma[i] = 1.0f + rndf(0.2f); beta[i] = rndf(0.1f); }
    for (size_t l = 0; l < LAYERS; l++) {
        qkv[l] = make_linear(3 * HIDDEN, HIDDEN); proj[l] = make_linear(HIDDEN, HIDDEN);
        up[l] = make_linear(FFN, HIDDEN); down[l] = make_linear(HIDDEN, FFN);
    }
    float *x = malloc(tokens * HIDDEN * sizeof(float)), *h = malloc(tokens * HIDDEN * sizeof(float));
    float *t = malloc(tokens * FFN * sizeof(float)), *u = malloc(tokens * FFN * sizeof(float));
    float *a = malloc(tokens * HIDDEN * sizeof(float)), *pooled = malloc(HIDDEN * sizeof(float));
    float *scratch = malloc(ember_f32_attention_scratch(tokens, HIDDEN / HEADS));
    g_q = malloc(tokens * FFN); g_scale = malloc(tokens * sizeof(float)); g_zp = malloc(tokens * sizeof(int32_t));
    if (smooth) {
        g_smooth = malloc(HIDDEN * sizeof(float)); g_scaled = malloc(8 * FFN * sizeof(float));
        for (size_t i = 0; i < HIDDEN; i++) g_smooth[i] = 1.0f + rndf(0.75f);
    }
    double best = 1e30;
    for (size_t r = 0; r < runs; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (size_t k = 0; k < K_KINDS; k++) g_ms[k] = 0;
        g_state = 777;
        for (size_t i = 0; i < tokens * HIDDEN; i++) x[i] = rndf(1.0f);
        TIMED(K_LAYERNORM, ember_f32_encoder_layernorm(tokens, HIDDEN, x, gamma, beta, 1e-12f, h));
        for (size_t l = 0; l < LAYERS; l++) {
            run_linear(&qkv[l], tokens, h, t, 1);
            TIMED(K_ATTENTION, ember_f32_attention(tokens, HEADS, HIDDEN / HEADS, t, 3 * HIDDEN, NULL, 0, HEADS, scratch, a, HIDDEN));
            run_linear(&proj[l], tokens, a, x, 0);
            TIMED(K_RESIDUAL, residual_add(tokens * HIDDEN, x, h, x));
            TIMED(K_LAYERNORM, ember_f32_encoder_layernorm(tokens, HIDDEN, x, gamma, beta, 1e-12f, h));
            run_linear(&up[l], tokens, h, t, 1);
            TIMED(K_GELU, ember_f32_encoder_gelu(tokens * FFN, t, u));
            run_linear(&down[l], tokens, u, x, 0);
            TIMED(K_RESIDUAL, residual_add(tokens * HIDDEN, x, h, x));
            TIMED(K_LAYERNORM, ember_f32_encoder_layernorm(tokens, HIDDEN, x, gamma, beta, 1e-12f, h));
        }
        TIMED(K_POOL, ember_f32_mean_pool(tokens, HIDDEN, h, NULL, pooled));
        TIMED(K_POOL, ember_f32_l2_normalize(1, HIDDEN, pooled, 1e-12f, pooled));
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        const double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
        if (ms < best) {
            best = ms;
            for (size_t k = 0; k < K_KINDS; k++) g_best_ms[k] = g_ms[k];
        }
    }
    uint32_t hash = 2166136261u;  // FNV-1a of the embedding's bits: equal on every path and CPU
    for (size_t i = 0; i < HIDDEN; i++) {
        uint32_t b;
        memcpy(&b, &pooled[i], 4);
        for (int j = 0; j < 4; j++) { hash ^= (b >> (8 * j)) & 0xFF; hash *= 16777619u; }
    }
    printf("%zu tokens%s: %.3f ms per embedding (best of %zu runs), embedding hash %08x\n", tokens,
           g_rotate ? " (smoothed QKV and FFN-up inputs, every input rotated)" : smooth ? " (smoothed QKV and FFN-up inputs)" : "",
           best, runs, hash);
    for (size_t k = 0; k < K_KINDS; k++) printf("  %-22s %8.3f ms\n", kind_names[k], g_best_ms[k]);
    return 0;
}
