// Multi-head self-attention, 512-bit vectors, bit for bit ember_f32_attention__ref: every score
// and output element gets the twin's operations in the twin's order (a multiply, then an add;
// no fused multiply-add), only 16 at a time with explicit broadcasts. The compiler's own AVX-512
// clone of the portable C spilled (26 against 2.3 ms per 128-token MiniLM embedding). Needs only
// AVX-512 F; it sits at the AVX-512 VNNI level, the first x86 path with 512-bit vectors.
#include <math.h>
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw")))
enum { QR = EMBER_ATTENTION_QR, KC = EMBER_ATTENTION_KC };
_Static_assert(EMBER_ATTENTION_QR == 4 && EMBER_ATTENTION_KC == 16, "one 512-bit vector of keys for each of 4 queries");

/// Scores of 4 queries against keys [j, j + 16·W) (W = 1 or 2 vectors): acc = q0·k0, then
/// acc + qd·kd; two key vectors give 8 independent add chains.
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline void scores4(const int W, size_t j, size_t tp, size_t head_size,
                                                                             const float *const q[QR], const float *kt, float *p) {
    __m512 acc[QR][2], k[2];
    for (int w = 0; w < W; w++) k[w] = _mm512_loadu_ps(kt + j + 16 * w);
    for (int r = 0; r < QR; r++) {
        const __m512 b = _mm512_set1_ps(q[r][0]);
        for (int w = 0; w < W; w++) acc[r][w] = _mm512_mul_ps(b, k[w]);
    }
    for (size_t d = 1; d < head_size; d++) {
        for (int w = 0; w < W; w++) k[w] = _mm512_loadu_ps(kt + d * tp + j + 16 * w);
        for (int r = 0; r < QR; r++) {
            const __m512 b = _mm512_set1_ps(q[r][d]);
            for (int w = 0; w < W; w++) acc[r][w] = _mm512_add_ps(acc[r][w], _mm512_mul_ps(b, k[w]));
        }
    }
    for (int r = 0; r < QR; r++)
        for (int w = 0; w < W; w++) _mm512_storeu_ps(p + r * tp + j + 16 * w, acc[r][w]);
}

/// out_r[c] = p_r[0]·v_0[c], then + p_r[j]·v_j[c] in order of j, for R (2 or 4) queries of head
/// size 32: 2R independent add chains, each V row loaded once.
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline void values32(const int R, size_t tokens, const float *const p[4],
                                                                              const float *v, float *const o[4]) {
    __m512 acc[4][2];
    __m512 v0 = _mm512_loadu_ps(v), v1 = _mm512_loadu_ps(v + 16);
    for (int r = 0; r < R; r++) {
        const __m512 b = _mm512_set1_ps(p[r][0]);
        acc[r][0] = _mm512_mul_ps(b, v0);
        acc[r][1] = _mm512_mul_ps(b, v1);
    }
    for (size_t j = 1; j < tokens; j++) {
        v0 = _mm512_loadu_ps(v + j * 32);
        v1 = _mm512_loadu_ps(v + j * 32 + 16);
        for (int r = 0; r < R; r++) {
            const __m512 b = _mm512_set1_ps(p[r][j]);
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_mul_ps(b, v0));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_mul_ps(b, v1));
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(o[r], acc[r][0]);
        _mm512_storeu_ps(o[r] + 16, acc[r][1]);
    }
}

/// One query, any head size: the twin's loop.
EMBER_TARGET_AVX512 static void values_row(size_t tokens, size_t head_size, const float *p, const float *v, float *o) {
    for (size_t c = 0; c < head_size; c++) o[c] = p[0] * v[c];
    for (size_t j = 1; j < tokens; j++) {
        const float pj = p[j];
        const float *vj = v + j * head_size;
        for (size_t c = 0; c < head_size; c++) o[c] = o[c] + pj * vj[c];
    }
}

EMBER_TARGET_AVX512
void ember_f32_attention__avx512vnni(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                                     const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                                     float *out, size_t out_stride) {
    (void)mask;
    const size_t hidden = heads * head_size, tp = (tokens + KC - 1) / KC * KC;
    const float scale = 1.0f / sqrtf((float)head_size);
    float *kt = scratch;                 // [head_size][tp]: K of this head, transposed, zero-padded keys
    float *v = kt + head_size * tp;      // [tokens][head_size]
    float *p = v + tokens * head_size;   // [QR][tp]: QR queries' scores, then probabilities
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
            size_t j = 0;
            for (; j + 32 <= tp; j += 32) scores4(2, j, tp, head_size, q, kt, p);
            if (j < tp) scores4(1, j, tp, head_size, q, kt, p);
            for (size_t r = 0; r < rows; r++) ember_f32_encoder_softmax(tokens, p + r * tp, scale);
            size_t r = 0;
            if (head_size == 32) {
                const float *pr[4];
                float *o[4];
                for (size_t s = 0; s < 4; s++) {
                    const size_t t = s < rows ? s : rows - 1;
                    pr[s] = p + t * tp;
                    o[s] = out + (i + t) * out_stride + q_off;
                }
                if (rows == 4) values32(4, tokens, pr, v, o), r = 4;
                else if (rows >= 2) values32(2, tokens, pr, v, o), r = 2;
            }
            for (; r < rows; r++) values_row(tokens, head_size, p + r * tp, v, out + (i + r) * out_stride + q_off);
        }
    }
}
#endif
