// Multi-head self-attention, 512-bit vectors, bit for bit ember_f32_attention__ref: every score
// and output element gets the twin's operations in the twin's order (its fmaf as one FMA), only
// 16 at a time with explicit broadcasts; the softmax too (the twin's exp and 8 sum lanes). The compiler's own AVX-512
// clone of the portable C spilled (26 against 2.3 ms per 128-token MiniLM embedding). Needs only
// AVX-512 F; it sits at the AVX-512 VNNI level, the first x86 path with 512-bit vectors.
#include <math.h>
#include "ember_kernels_internal.h"
#include "ember_f32_attention_row.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw")))
enum { QR = EMBER_ATTENTION_QR, KC = EMBER_ATTENTION_KC };
_Static_assert(EMBER_ATTENTION_QR == 4 && EMBER_ATTENTION_KC == 16, "one 512-bit vector of keys for each of 4 queries");

/// Scores of 4 queries against keys [j, j + 16·W) (W = 1 to 4 vectors): acc = q0·k0, then
/// fma(qd, kd, acc); four key vectors give 16 independent chains and 8 loads per 16 FMAs.
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline void scores4(const int W, size_t j, size_t tp, size_t head_size,
                                                                             const float *const q[QR], const float *kt, float *p) {
    __m512 acc[QR][4], k[4];
    for (int w = 0; w < W; w++) k[w] = _mm512_loadu_ps(kt + j + 16 * w);
    for (int r = 0; r < QR; r++) {
        const __m512 b = _mm512_set1_ps(q[r][0]);
        for (int w = 0; w < W; w++) acc[r][w] = _mm512_mul_ps(b, k[w]);
    }
    for (size_t d = 1; d < head_size; d++) {
        for (int w = 0; w < W; w++) k[w] = _mm512_loadu_ps(kt + d * tp + j + 16 * w);
        for (int r = 0; r < QR; r++) {
            const __m512 b = _mm512_set1_ps(q[r][d]);
            for (int w = 0; w < W; w++) acc[r][w] = _mm512_fmadd_ps(b, k[w], acc[r][w]);
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
            acc[r][0] = _mm512_fmadd_ps(b, v0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(b, v1, acc[r][1]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(o[r], acc[r][0]);
        _mm512_storeu_ps(o[r] + 16, acc[r][1]);
    }
}

/// e^x for 16 x <= 0 (up to a rounding error above): exp_nonpositive of ember_f32_encoder.c,
/// operation for operation (fmaf is one FMA; the clamp a max, the same for non-NaN x).
EMBER_TARGET_AVX512 static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), shifter), shifter);
    const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723e-6f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x));
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

EMBER_TARGET_AVX512 static inline __m256 high_half(__m512 x) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)); }

/// ember_f32_encoder_softmax of R rows (1 to 4) of `cols` scores, 16 at a time and the rows
/// interleaved (one row alone is a chain of dependent passes). The max is the same set's; the
/// sum keeps the twin's 8 lanes (element c in lane c % 8, in order of c), so each 16 exps are
/// added as two halves; lanes past `cols` add +0, which changes no sum of exps.
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline void softmax16(const int R, size_t cols, float *v, size_t stride,
                                                                               float scale) {
    const __m512 sv = _mm512_set1_ps(scale);
    const size_t full = cols / 16 * 16;
    const __mmask16 tail = (__mmask16)((1u << (cols - full)) - 1);
    __m512 mx[4], neg_max[4], inv[4];
    __m256 sum[4];
    for (int r = 0; r < R; r++) mx[r] = _mm512_set1_ps(-INFINITY);
    for (size_t c = 0; c < full; c += 16)
        for (int r = 0; r < R; r++) mx[r] = _mm512_max_ps(mx[r], _mm512_mul_ps(sv, _mm512_loadu_ps(v + r * stride + c)));
    for (int r = 0; r < R; r++) {
        if (tail) mx[r] = _mm512_mask_max_ps(mx[r], tail, mx[r], _mm512_mul_ps(sv, _mm512_maskz_loadu_ps(tail, v + r * stride + full)));
        neg_max[r] = _mm512_set1_ps(-_mm512_reduce_max_ps(mx[r]));
        sum[r] = _mm256_setzero_ps();
    }
    for (size_t c = 0; c < full; c += 16)
        for (int r = 0; r < R; r++) {
            const __m512 e = exp16(_mm512_fmadd_ps(sv, _mm512_loadu_ps(v + r * stride + c), neg_max[r]));
            _mm512_storeu_ps(v + r * stride + c, e);
            sum[r] = _mm256_add_ps(_mm256_add_ps(sum[r], _mm512_castps512_ps256(e)), high_half(e));
        }
    for (int r = 0; r < R; r++) {
        if (tail) {
            const __m512 e = _mm512_maskz_mov_ps(tail, exp16(_mm512_fmadd_ps(sv, _mm512_maskz_loadu_ps(tail, v + r * stride + full), neg_max[r])));
            _mm512_mask_storeu_ps(v + r * stride + full, tail, e);
            sum[r] = _mm256_add_ps(sum[r], _mm512_castps512_ps256(e));
            if (cols - full > 8) sum[r] = _mm256_add_ps(sum[r], high_half(e));
        }
        float l[8];
        _mm256_storeu_ps(l, sum[r]);
        inv[r] = _mm512_set1_ps(1.0f / (((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))));
    }
    for (size_t c = 0; c < full; c += 16)
        for (int r = 0; r < R; r++) _mm512_storeu_ps(v + r * stride + c, _mm512_mul_ps(_mm512_loadu_ps(v + r * stride + c), inv[r]));
    if (tail)
        for (int r = 0; r < R; r++)
            _mm512_mask_storeu_ps(v + r * stride + full, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, v + r * stride + full), inv[r]));
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
            for (; j + 64 <= tp; j += 64) scores4(4, j, tp, head_size, q, kt, p);
            switch ((tp - j) / 16) {
            case 3: scores4(3, j, tp, head_size, q, kt, p); break;
            case 2: scores4(2, j, tp, head_size, q, kt, p); break;
            case 1: scores4(1, j, tp, head_size, q, kt, p); break;
            default: break;
            }
            if (rows == 4) softmax16(4, tokens, p, tp, scale);
            else for (size_t r = 0; r < rows; r++) softmax16(1, tokens, p + r * tp, tp, scale);
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
            for (; r < rows; r++) ember_attention_values_row(tokens, head_size, p + r * tp, v, out + (i + r) * out_stride + q_off);
        }
    }
}
#endif
