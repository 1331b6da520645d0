// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 8 rows x 16 channels, AVX-512 VNNI.
// One 512-bit load is a whole packed group (8 channels x 8 k), its int32 lanes alternate k 0-3 /
// 4-7 of each channel, and a row's 8 bytes broadcast to all 8 qwords match them. A tile takes two
// packed blocks of 8 channels: per 8 k, two weight loads and 8 row broadcasts feed 16 VPDPBUSD in
// 16 independent chains (12 rows x 8 channels took 1 + 12 loads for 12, and left a 4-row tail
// tile at 64 tokens; 8 rows divide 16, 64, 128 and their halves for two threads; 8 x 24 measured
// no faster). The first tile of each block pair prefetches the next pair's weights: in the
// model they come from memory (33 MiB of weights), and MiniLM at 64 tokens took 3.19 ms without,
// 2.66 with (minimum of 5 interleaved runs each). Exact as the AVX2 paths: rows biased to u8
// once per chunk, acc - (zp + 128) * Σw in int32 wrap-around, the float stage without FMA; the
// same bits as the scalar twin.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define MR 8
#define A_BYTES 65536  ///< u8 rows per chunk (64 KiB: 40 rows at K = 1536, stays in L2 across the blocks)

/// Rows [m0, m1) of q as u8 (x + 128), K padded with zeros to kp8 (zero weights there).
EMBER_TARGET_AVX512VNNI static void rows_to_u8(const int8_t *q, size_t q_stride, size_t m0, size_t m1, size_t k, size_t kp8,
                                               uint8_t *a) {
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (size_t m = m0; m < m1; m++) {
        const int8_t *src = q + m * q_stride;
        uint8_t *dst = a + (m - m0) * kp8;
        size_t i = 0;
        for (; i + 32 <= k; i += 32)
            _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)), bias));
        for (; i < k; i++) dst[i] = (uint8_t)(src[i] ^ 0x80);
        for (; i < kp8; i++) dst[i] = 0;
    }
}

/// [c0 c0 c1 c1 ... c7 c7] partial sums to the 8 channel sums in order.
EMBER_TARGET_AVX512VNNI static inline __m256i reduce8(__m512i acc) {
    const __m256i sums = _mm256_hadd_epi32(_mm512_castsi512_si256(acc), _mm512_extracti64x4_epi64(acc, 1));
    return _mm256_permute4x64_epi64(sums, _MM_SHUFFLE(3, 1, 2, 0));
}

typedef struct {
    const int8_t *w;    ///< the block's packed weights
    size_t count;       ///< channels of the block below n (8 but in the last)
    __m256i wsum;       ///< Σw per channel (the packed block's biases)
    __m256 ws, bias;    ///< weight scales and biases (0 past n or without bias)
} block_consts;

EMBER_TARGET_AVX512VNNI static block_consts block_at(const void *packed, size_t block, size_t nb, size_t n, const float *w_scale,
                                                     const float *bias) {
    const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
    const size_t count = n - nb < 8 ? n - nb : 8;
    float wsv[8] = {0}, bv[8] = {0};
    for (size_t j = 0; j < count; j++) { wsv[j] = w_scale[nb + j]; bv[j] = bias ? bias[nb + j] : 0.0f; }
    return (block_consts){(const int8_t *)(blk + 32), count, _mm256_loadu_si256((const __m256i *)blk), _mm256_loadu_ps(wsv),
                          _mm256_loadu_ps(bv)};
}

/// scale·w_scale·(acc − (zp + 128)·Σw) + bias, as the twin evaluates it, stored to `count` floats.
EMBER_TARGET_AVX512VNNI static inline void store_row(float *dst, __m256i acc, int32_t zp, float s, const block_consts *c) {
    const __m256i centered = _mm256_sub_epi32(acc, _mm256_mullo_epi32(c->wsum, _mm256_set1_epi32((int32_t)((uint32_t)zp + 128u))));
    const __m256 f = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(s), c->ws), _mm256_cvtepi32_ps(centered)), c->bias);
    if (c->count == 8) { _mm256_storeu_ps(dst, f); return; }
    float t[8];
    _mm256_storeu_ps(t, f);
    memcpy(dst, t, c->count * sizeof(float));
}

/// R rows (R <= MR) of B (1 or 2) blocks of 8 channels from the u8 rows `a` (constants after inlining).
/// With PF, also prefetches the next two blocks' weights (`pf`, the same layout) a line per 8 k.
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void tile(const int R, const int B, const int PF, const uint8_t *a,
                                                                              size_t kp8, const int32_t *zp, const float *scale,
                                                                              const block_consts c[2], const int8_t *const pf[2],
                                                                              float *out, size_t out_stride) {
    __m512i acc[MR][2];
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++) acc[r][b] = _mm512_setzero_si512();
    for (size_t i = 0; i < kp8; i += 8) {
        __m512i wv[2];
        for (int b = 0; b < B; b++) wv[b] = _mm512_loadu_si512((const void *)(c[b].w + i * 8));
        if (PF)
            for (int b = 0; b < 2; b++) _mm_prefetch((const char *)(pf[b] + i * 8), _MM_HINT_T0);
        for (int r = 0; r < R; r++) {
            int64_t bytes;
            memcpy(&bytes, a + r * kp8 + i, 8);
            const __m512i av = _mm512_set1_epi64(bytes);
            for (int b = 0; b < B; b++) acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], av, wv[b]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++) store_row(out + r * out_stride + 8 * b, reduce8(acc[r][b]), zp[r], scale[r], &c[b]);
}

/// Fewer than MR rows, or one block: a tile of exactly that shape.
EMBER_TARGET_AVX512VNNI __attribute__((noinline)) static void tail_tile(size_t rows, int blocks, const uint8_t *a, size_t kp8,
                                                                        const int32_t *zp, const float *scale,
                                                                        const block_consts c[2], float *out, size_t out_stride) {
    switch (rows * 2 + (size_t)(blocks - 1)) {
#define TAIL(R) case 2 * R: tile(R, 1, 0, a, kp8, zp, scale, c, NULL, out, out_stride); break; \
                case 2 * R + 1: tile(R, 2, 0, a, kp8, zp, scale, c, NULL, out, out_stride); break;
    TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5) TAIL(6) TAIL(7)
    case 2 * MR: tile(MR, 1, 0, a, kp8, zp, scale, c, NULL, out, out_stride); break;
#undef TAIL
    default: break;
    }
}

EMBER_TARGET_AVX512VNNI
void ember_qd8_gemm_8x16c8__avx512vnni(size_t m_begin, size_t m_end, size_t n, size_t k,
                                       const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                       const void *packed, const float *w_scale, const float *bias,
                                       float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    if (kp8 * MR > A_BYTES) {  // K over 8192: a tile's rows would not fit the buffer
        ember_qd8_gemm_3x8c8__avx2(m_begin, m_end, n, k, q, q_stride, scale, zero_point, packed, w_scale, bias, out, out_stride);
        return;
    }
    const size_t mc = A_BYTES / kp8 / MR * MR;
    _Alignas(64) uint8_t a[A_BYTES];
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        rows_to_u8(q, q_stride, m0, m1, k, kp8, a);
        for (size_t nb = 0; nb < n; nb += 16) {
            const int blocks = n - nb > 8 ? 2 : 1;
            block_consts c[2];
            c[0] = block_at(packed, block, nb, n, w_scale, bias);
            c[1] = blocks == 2 ? block_at(packed, block, nb + 8, n, w_scale, bias) : c[0];
            // The next two blocks' weights (or these again at the end), fetched during the first tile:
            // weights come from memory once per chunk and a load miss stalls all 16 chains.
            const size_t next = nb + 16 < n ? nb + 16 : nb, next2 = next + 8 < n ? next + 8 : next;
            const int8_t *const pf[2] = {(const int8_t *)packed + (next / 8) * block + 32, (const int8_t *)packed + (next2 / 8) * block + 32};
            size_t m = m0;
            if (blocks == 2 && m + MR <= m1) {
                tile(MR, 2, 1, a, kp8, zero_point + m, scale + m, c, pf, out + m * out_stride + nb, out_stride);
                for (m += MR; m + MR <= m1; m += MR)
                    tile(MR, 2, 0, a + (m - m0) * kp8, kp8, zero_point + m, scale + m, c, NULL, out + m * out_stride + nb, out_stride);
            }
            for (; m < m1; m += MR) {
                const size_t rows = m1 - m < MR ? m1 - m : MR;
                tail_tile(rows, blocks, a + (m - m0) * kp8, kp8, zero_point + m, scale + m, c, out + m * out_stride + nb, out_stride);
            }
        }
    }
}
#endif
