// Multi-head self-attention, NEON, bit for bit ember_f32_attention__ref: every score and output
// element gets the twin's operations in the twin's order (its fmaf as one FMLA), with four steps
// of the reduction per load of the broadcast operand. The compiler's build of the portable C loads
// each query value (scores) and probability (×V) on its own, 10 to 11 loads and loop instructions
// per 16 FMLA; here one 4-float load feeds 4 FMLA by element of each, which leaves 4 to 5.
// The softmax is the twin's own function.
#include <math.h>
#include <string.h>
#include "ember_kernels_internal.h"
#include "ember_f32_attention_row.h"
#if defined(EMBER_ARCH_ARM64)
#include <arm_neon.h>

enum { QR = EMBER_ATTENTION_QR, KC = EMBER_ATTENTION_KC };
_Static_assert(EMBER_ATTENTION_QR == 4 && EMBER_ATTENTION_KC == 16, "4 queries x 4 vectors of keys: 16 accumulators");

/// acc[r][w] = fma(q[r][d], k[w], acc[r][w]) for one d, q[r][d] being lane `lane` of q4[r].
#define SCORE_STEP(lane, d)                                                                         \
    do {                                                                                            \
        const float *kd = kb + (d) * KC;                                                            \
        const float32x4_t k0 = vld1q_f32(kd), k1 = vld1q_f32(kd + 4), k2 = vld1q_f32(kd + 8), k3 = vld1q_f32(kd + 12); \
        for (int r = 0; r < QR; r++) {                                                              \
            acc[r][0] = vfmaq_laneq_f32(acc[r][0], k0, q4[r], lane);                                \
            acc[r][1] = vfmaq_laneq_f32(acc[r][1], k1, q4[r], lane);                                \
            acc[r][2] = vfmaq_laneq_f32(acc[r][2], k2, q4[r], lane);                                \
            acc[r][3] = vfmaq_laneq_f32(acc[r][3], k3, q4[r], lane);                                \
        }                                                                                           \
    } while (0)

/// The twin's scores_block: scores[r][j] = q_r[0]·k_j[0], then fma in order of d, for QR queries
/// and every (padded) key, 16 keys at a time. K is stored per block of 16 keys, [d][16] within
/// it (`kt` of the caller), so the step's loads run in one stream.
static void scores(size_t tp, size_t head_size, const float *const q[QR], const float *kt, float *p) {
    for (size_t j = 0; j < tp; j += KC) {
        const float *kb = kt + j * head_size;
        float32x4_t acc[QR][4], q4[QR];
        size_t d = 0;
        if (head_size >= 4) {
            for (int r = 0; r < QR; r++) q4[r] = vld1q_f32(q[r]);
            const float32x4_t k0 = vld1q_f32(kb), k1 = vld1q_f32(kb + 4), k2 = vld1q_f32(kb + 8), k3 = vld1q_f32(kb + 12);
            for (int r = 0; r < QR; r++) {  // d = 0: a product, as the twin starts
                acc[r][0] = vmulq_laneq_f32(k0, q4[r], 0);
                acc[r][1] = vmulq_laneq_f32(k1, q4[r], 0);
                acc[r][2] = vmulq_laneq_f32(k2, q4[r], 0);
                acc[r][3] = vmulq_laneq_f32(k3, q4[r], 0);
            }
            SCORE_STEP(1, 1);
            SCORE_STEP(2, 2);
            SCORE_STEP(3, 3);
            for (d = 4; d + 4 <= head_size; d += 4) {
                for (int r = 0; r < QR; r++) q4[r] = vld1q_f32(q[r] + d);
                SCORE_STEP(0, d);
                SCORE_STEP(1, d + 1);
                SCORE_STEP(2, d + 2);
                SCORE_STEP(3, d + 3);
            }
        } else {
            for (int r = 0; r < QR; r++)
                for (int w = 0; w < 4; w++) acc[r][w] = vmulq_n_f32(vld1q_f32(kb + 4 * w), q[r][0]);
            d = 1;
        }
        for (; d < head_size; d++)
            for (int r = 0; r < QR; r++)
                for (int w = 0; w < 4; w++) acc[r][w] = vfmaq_n_f32(acc[r][w], vld1q_f32(kb + d * KC + 4 * w), q[r][d]);
        for (int r = 0; r < QR; r++)
            for (int w = 0; w < 4; w++) vst1q_f32(p + r * tp + j + 4 * w, acc[r][w]);
    }
}

/// out_r[c] = fma(p_r[j], v_j[c], ...) for one j, p_r[j] being lane `lane` of p4[r].
#define VALUE_STEP(lane, jj)                                                                        \
    do {                                                                                            \
        const float *vj = v + (jj) * 32;                                                            \
        for (int w = 0; w < 8; w++) {                                                               \
            const float32x4_t x = vld1q_f32(vj + 4 * w);                                            \
            acc[0][w] = vfmaq_laneq_f32(acc[0][w], x, p4[0], lane);                                 \
            acc[1][w] = vfmaq_laneq_f32(acc[1][w], x, p4[1], lane);                                 \
        }                                                                                           \
    } while (0)

/// The twin's values_block32 for 2 queries: out_r[c] = p_r[0]·v_0[c], then fma in order of j.
static void values2x32(size_t tokens, const float *const p[2], const float *v, float *const o[2]) {
    float32x4_t acc[2][8], p4[2];
    size_t j = 0;
    if (tokens >= 4) {
        p4[0] = vld1q_f32(p[0]);
        p4[1] = vld1q_f32(p[1]);
        for (int w = 0; w < 8; w++) {  // j = 0: a product, as the twin starts
            const float32x4_t x = vld1q_f32(v + 4 * w);
            acc[0][w] = vmulq_laneq_f32(x, p4[0], 0);
            acc[1][w] = vmulq_laneq_f32(x, p4[1], 0);
        }
        VALUE_STEP(1, 1);
        VALUE_STEP(2, 2);
        VALUE_STEP(3, 3);
        for (j = 4; j + 4 <= tokens; j += 4) {
            p4[0] = vld1q_f32(p[0] + j);
            p4[1] = vld1q_f32(p[1] + j);
            VALUE_STEP(0, j);
            VALUE_STEP(1, j + 1);
            VALUE_STEP(2, j + 2);
            VALUE_STEP(3, j + 3);
        }
    } else {
        for (int w = 0; w < 8; w++) {
            const float32x4_t x = vld1q_f32(v + 4 * w);
            acc[0][w] = vmulq_n_f32(x, p[0][0]);
            acc[1][w] = vmulq_n_f32(x, p[1][0]);
        }
        j = 1;
    }
    for (; j < tokens; j++)
        for (int w = 0; w < 8; w++) {
            const float32x4_t x = vld1q_f32(v + j * 32 + 4 * w);
            acc[0][w] = vfmaq_n_f32(acc[0][w], x, p[0][j]);
            acc[1][w] = vfmaq_n_f32(acc[1][w], x, p[1][j]);
        }
    for (int w = 0; w < 8; w++) {
        vst1q_f32(o[0] + 4 * w, acc[0][w]);
        vst1q_f32(o[1] + 4 * w, acc[1][w]);
    }
}

void ember_f32_attention__neon(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                               const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                               float *out, size_t out_stride) {
    (void)mask;
    const size_t hidden = heads * head_size, tp = (tokens + KC - 1) / KC * KC;
    const float scale = 1.0f / sqrtf((float)head_size);
    float *kt = scratch;                 // [tp / 16][head_size][16]: K of this head by blocks of keys, zero-padded
    float *v = kt + head_size * tp;      // [tokens][head_size]
    float *p = v + tokens * head_size;   // [QR][tp]: QR queries' scores, then probabilities
    for (size_t h = head_begin; h < head_end; h++) {
        const size_t q_off = h * head_size, k_off = hidden + h * head_size, v_off = 2 * hidden + h * head_size;
        for (size_t d = 0; d < head_size; d++)
            for (size_t j = tokens; j < tp; j++) kt[j / KC * KC * head_size + d * KC + j % KC] = 0.0f;
        for (size_t j = 0; j < tokens; j++) {
            const float *row = qkv + j * qkv_stride;
            float *kj = kt + j / KC * KC * head_size + j % KC;
            for (size_t d = 0; d < head_size; d++) kj[d * KC] = row[k_off + d];
            memcpy(v + j * head_size, row + v_off, head_size * sizeof(float));
        }
        for (size_t i = 0; i < tokens; i += QR) {
            const size_t rows = tokens - i < QR ? tokens - i : QR;
            const float *q[QR];  // past the last query: repeat it (computed, not used)
            for (size_t r = 0; r < QR; r++) q[r] = qkv + (i + (r < rows ? r : rows - 1)) * qkv_stride + q_off;
            scores(tp, head_size, q, kt, p);
            for (size_t r = 0; r < rows; r++) ember_f32_encoder_softmax(tokens, p + r * tp, scale);
            size_t r = 0;
            if (head_size == 32)
                for (; r + 2 <= rows; r += 2) {
                    const float *pr[2] = {p + r * tp, p + (r + 1) * tp};
                    float *o[2] = {out + (i + r) * out_stride + q_off, out + (i + r + 1) * out_stride + q_off};
                    values2x32(tokens, pr, v, o);
                }
            for (; r < rows; r++) ember_attention_values_row(tokens, head_size, p + r * tp, v, out + (i + r) * out_stride + q_off);
        }
    }
}
#endif
