// Multi-head self-attention over one sequence, float32, portable C. Every output element is
// computed by the same sequence of IEEE operations whatever the vector width the compiler picks
// (the loops vectorize across independent outputs, never across a reduction, and the library is
// built with -ffp-contract=off), so results are identical on every CPU.
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

size_t ember_f32_attention_scratch(size_t tokens, size_t head_size) {
    return (2 * head_size + 1) * tokens * sizeof(float);
}

EMBER_WIDE void ember_f32_attention(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                         const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                         float *out, size_t out_stride) {
    const size_t hidden = heads * head_size;
    const float scale = 1.0f / sqrtf((float)head_size);
    float *restrict kt = scratch;                 // [head_size][tokens]: K of this head, transposed
    float *restrict v = kt + head_size * tokens;  // [tokens][head_size]
    float *restrict p = v + tokens * head_size;   // [tokens]: one query's scores, then probabilities
    for (size_t h = head_begin; h < head_end; h++) {
        const size_t q_off = h * head_size, k_off = hidden + h * head_size, v_off = 2 * hidden + h * head_size;
        for (size_t j = 0; j < tokens; j++) {
            const float *row = qkv + j * qkv_stride;
            for (size_t d = 0; d < head_size; d++) kt[d * tokens + j] = row[k_off + d];
            memcpy(v + j * head_size, row + v_off, head_size * sizeof(float));
        }
        for (size_t i = 0; i < tokens; i++) {
            const float *restrict q = qkv + i * qkv_stride + q_off;
            // scores[j] = sum_d q[d] * k[j][d], summed in order of d for every j; 8 scores at
            // a time stay in registers across d.
            size_t j = 0;
            for (; j + 8 <= tokens; j += 8) {
                float acc[8];
                for (size_t u = 0; u < 8; u++) acc[u] = q[0] * kt[j + u];
                for (size_t d = 1; d < head_size; d++) {
                    const float qd = q[d];
                    const float *restrict kd = kt + d * tokens + j;
                    for (size_t u = 0; u < 8; u++) acc[u] = acc[u] + qd * kd[u];
                }
                for (size_t u = 0; u < 8; u++) p[j + u] = acc[u];
            }
            for (; j < tokens; j++) {
                float acc = q[0] * kt[j];
                for (size_t d = 1; d < head_size; d++) acc = acc + q[d] * kt[d * tokens + j];
                p[j] = acc;
            }
            (void)mask;
            ember_f32_encoder_softmax(tokens, p, scale);
            // out[c] = sum_j p[j] * v[j][c], summed in order of j for every c.
            float *restrict o = out + i * out_stride + h * head_size;
            if (head_size == 32) {  // MiniLM and BERT-base's head size: the sums stay in registers
                float acc[32];
                for (size_t c = 0; c < 32; c++) acc[c] = p[0] * v[c];
                for (size_t j = 1; j < tokens; j++) {
                    const float pj = p[j];
                    const float *restrict vj = v + j * 32;
                    for (size_t c = 0; c < 32; c++) acc[c] = acc[c] + pj * vj[c];
                }
                for (size_t c = 0; c < 32; c++) o[c] = acc[c];
                continue;
            }
            for (size_t c = 0; c < head_size; c++) o[c] = p[0] * v[c];
            for (size_t j = 1; j < tokens; j++) {
                const float pj = p[j];
                const float *restrict vj = v + j * head_size;
                for (size_t c = 0; c < head_size; c++) o[c] = o[c] + pj * vj[c];
            }
        }
    }
}
