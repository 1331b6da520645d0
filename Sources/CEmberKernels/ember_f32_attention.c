// Multi-head self-attention over one sequence, float32, portable C: the twin of the dispatched paths. Every output element is
// computed by the same sequence of IEEE operations whatever the vector width the compiler picks
// (the loops vectorize across independent outputs, never across a reduction, each multiply-add is
// an explicit fmaf and nothing else is fused: -ffp-contract=off), so results are identical on
// every CPU. fmaf is one instruction on AArch64 (FMLA) and in the x86-64-v3 clone.
#include <math.h>
#include <string.h>
#include "ember_kernels_internal.h"
#include "ember_f32_attention_row.h"

// x86-64: an AVX2 + FMA clone (EMBER_WIDE_FMA, ember_kernels_internal.h).
// The helpers must be inlined into each clone: called, they would run the baseline (SSE2) code.
#define EMBER_INLINE __attribute__((always_inline)) static inline

// Queries per score block, keys per score block, queries per x V block: 4 x 16 sums fit
// AArch64's 32 vector registers; on x86-64 (AVX2 clone, clang 19) 4 x 16 also measured faster
// than 4 x 8: 2.3 against 12.6 ms of attention per 128-token MiniLM embedding. The block sizes
// change no result: every element's operations stay in the same order.
enum { QR = EMBER_ATTENTION_QR, KC = EMBER_ATTENTION_KC, VR = 2 };

static size_t keys_padded(size_t tokens) { return (tokens + KC - 1) / KC * KC; }

size_t ember_f32_attention_scratch(size_t tokens, size_t head_size) {
    const size_t tp = keys_padded(tokens);
    return (head_size * tp + tokens * head_size + QR * tp) * sizeof(float);
}

// scores[r][j] = sum_d q_r[d] * k_j[d], summed in order of d, for QR queries and all (padded)
// keys: each K column block is loaded once for QR queries, the QR x KC sums stay in registers.
EMBER_INLINE void scores_block(size_t tp, size_t head_size, const float *const q[QR], const float *restrict kt,
                                float *restrict p) {
    for (size_t j = 0; j < tp; j += KC) {
        float acc[QR][KC];
        for (size_t r = 0; r < QR; r++)
            for (size_t u = 0; u < KC; u++) acc[r][u] = q[r][0] * kt[j + u];
        for (size_t d = 1; d < head_size; d++) {
            const float *restrict kd = kt + d * tp + j;
            for (size_t r = 0; r < QR; r++) {
                const float qd = q[r][d];
                for (size_t u = 0; u < KC; u++) acc[r][u] = fmaf(qd, kd[u], acc[r][u]);
            }
        }
        for (size_t r = 0; r < QR; r++)
            for (size_t u = 0; u < KC; u++) p[r * tp + j + u] = acc[r][u];
    }
}

// out_r[c] = sum_j p_r[j] * v_j[c], summed in order of j, for VR queries of head size 32 (MiniLM's
// and BERT-base's): the VR x 32 sums stay in registers and each V row is loaded once.
EMBER_INLINE void values_block32(size_t tokens, const float *const p[VR], const float *restrict v, float *const o[VR]) {
    float acc[VR][32];
    for (size_t r = 0; r < VR; r++)
        for (size_t c = 0; c < 32; c++) acc[r][c] = p[r][0] * v[c];
    for (size_t j = 1; j < tokens; j++) {
        const float *restrict vj = v + j * 32;
        for (size_t r = 0; r < VR; r++) {
            const float pj = p[r][j];
            for (size_t c = 0; c < 32; c++) acc[r][c] = fmaf(pj, vj[c], acc[r][c]);
        }
    }
    for (size_t r = 0; r < VR; r++)
        for (size_t c = 0; c < 32; c++) o[r][c] = acc[r][c];
}

EMBER_WIDE_FMA void ember_f32_attention__ref(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                                    const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                                    float *out, size_t out_stride) {
    (void)mask;
    const size_t hidden = heads * head_size, tp = keys_padded(tokens);
    const float scale = 1.0f / sqrtf((float)head_size);
    float *restrict kt = scratch;                 // [head_size][tp]: K of this head, transposed, zero-padded keys
    float *restrict v = kt + head_size * tp;      // [tokens][head_size]
    float *restrict p = v + tokens * head_size;   // [QR][tp]: QR queries' scores, then probabilities
    for (size_t h = head_begin; h < head_end; h++) {
        const size_t q_off = h * head_size, k_off = hidden + h * head_size, v_off = 2 * hidden + h * head_size;
        for (size_t d = 0; d < head_size; d++)
            for (size_t j = tokens; j < tp; j++) kt[d * tp + j] = 0.0f;
        for (size_t j = 0; j < tokens; j++) {
            const float *row = qkv + j * qkv_stride;
            for (size_t d = 0; d < head_size; d++) kt[d * tp + j] = row[k_off + d];
            memcpy(v + j * head_size, row + v_off, head_size * sizeof(float));
        }
        for (size_t i = 0; i < tokens; i += QR) {
            const size_t rows = tokens - i < QR ? tokens - i : QR;
            const float *q[QR];  // past the last query: repeat it (computed, not used)
            for (size_t r = 0; r < QR; r++) q[r] = qkv + (i + (r < rows ? r : rows - 1)) * qkv_stride + q_off;
            scores_block(tp, head_size, q, kt, p);
            for (size_t r = 0; r < rows; r++) ember_f32_encoder_softmax(tokens, p + r * tp, scale);
            size_t r = 0;
            if (head_size == 32)
                for (; r + VR <= rows; r += VR) {
                    const float *pr[VR];
                    float *o[VR];
                    for (size_t s = 0; s < VR; s++) { pr[s] = p + (r + s) * tp; o[s] = out + (i + r + s) * out_stride + q_off; }
                    values_block32(tokens, pr, v, o);
                }
            for (; r < rows; r++) ember_attention_values_row(tokens, head_size, p + r * tp, v, out + (i + r) * out_stride + q_off);
        }
    }
}
