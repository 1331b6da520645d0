// Dynamic-quantization GEMM (int8 x int8 -> int32 -> float), 3 rows x 8 channels, AVX2. The
// integer part follows ember_qs8_gemm_3x8c8__avx2: each chunk of rows and each block's weights
// are sign-extended to int16 once, so the inner loop is one VBROADCASTI128 per row and VPMADDWD
// straight from memory (12 accumulators). The weights are converted with their channels paired
// as [c | c+4] per vector, so the unpack-and-add horizontal sums come out in channel order and
// the float stage needs no permute. Multiply and add stay separate (no FMA): the floats equal
// the scalar twin's bit for bit. K > KMAX16 goes to the 2x8 kernel (its weights would not fit
// the stack buffer).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>
#include "ember_rows_int16_avx2.h"

#define MR 3               ///< rows per tile
#define KMAX16 1536           ///< longest K converted to int16 (BERT-small FFN down projection)
#define A16_ELEMENTS 36864    ///< int16 row buffer (72 KiB, 24 rows at K = 1536): bounds the rows per chunk;
                              ///< 36 KiB converted K = 1536's weights every 12 rows (5% slower)

/// acc[p] = [channel p x4 partial | channel p+4 x4 partial] to the 8 sums in channel order.
EMBER_TARGET_AVX2 static inline __m256i reduce8(const __m256i acc[4]) {
    const __m256i s01 = _mm256_add_epi32(_mm256_unpacklo_epi32(acc[0], acc[1]), _mm256_unpackhi_epi32(acc[0], acc[1]));
    const __m256i s23 = _mm256_add_epi32(_mm256_unpacklo_epi32(acc[2], acc[3]), _mm256_unpackhi_epi32(acc[2], acc[3]));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
}

typedef struct {
    __m256i wsum;       ///< Σw per channel (the packed block's biases)
    __m256 ws, bias;    ///< weight scales and biases (0 past n or without bias)
} block_consts;

/// scale·w_scale·(acc − zp·Σw) + bias, as the twin evaluates it, stored to `count` floats.
EMBER_TARGET_AVX2 static inline void store_row(float *dst, size_t count, __m256i acc, int32_t zp, float s, const block_consts *c) {
    const __m256i centered = _mm256_sub_epi32(acc, _mm256_mullo_epi32(c->wsum, _mm256_set1_epi32(zp)));
    const __m256 f = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(s), c->ws), _mm256_cvtepi32_ps(centered)), c->bias);
    if (count == 8) { _mm256_storeu_ps(dst, f); return; }
    float t[8];
    _mm256_storeu_ps(t, f);
    memcpy(dst, t, count * sizeof(float));
}

typedef struct {
    size_t kp8, out_stride, count;
    const float *scale;
    const int32_t *zero_point;
    const int16_t *a16, *w16;   ///< int16 rows of the chunk (row stride kp8) and the block's weights
} tile_args;

/// Rows m..m+R-1 (R <= MR, a compile-time constant after inlining) of one block of 8 channels,
/// all int16: one VBROADCASTI128 per row and VPMADDWD straight from memory.
EMBER_TARGET_AVX2 __attribute__((always_inline)) static inline void tile(const int R, size_t m, size_t m0, const tile_args *t,
                                                                       const block_consts *c, float *out) {
    const size_t kp8 = t->kp8;
    const int16_t *w16 = t->w16, *ap[MR];  // locals: the barrier below would reload fields of *t
    for (int r = 0; r < R; r++) ap[r] = t->a16 + (m + r - m0) * kp8;
    __m256i acc[MR][4];
    for (int r = 0; r < R; r++)
        for (int p = 0; p < 4; p++) acc[r][p] = _mm256_setzero_si256();
    for (size_t i = 0; i < kp8; i += 8, w16 += 64) {
        for (int r = 0; r < R; r++) {
            const __m256i va = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(ap[r] + i)));
            for (int p = 0; p < 4; p++)
                acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(va, _mm256_load_si256((const __m256i *)(w16 + 16 * p))));
            // Compiler barrier: with 3 rows clang would hold the 4 weight vectors across the rows
            // (18 registers, an accumulator spilled in the inner loop). It binds only if the asm
            // may see the weights: the tiles are not inlined into the owner of the w16 array.
            if (R > 2) __asm__ volatile("" ::: "memory");
        }
    }
    for (int r = 0; r < R; r++)
        store_row(out + (m + r) * t->out_stride, t->count, reduce8(acc[r]), t->zero_point[m + r], t->scale[m + r], c);
}

/// Rows [m0, m1) of one block of 8 channels (`out` points at the block's first channel): tiles of
/// 3 rows, the last 1 or 2 rows in a smaller tile (at 16 tokens a repeated row costs 12%).
EMBER_TARGET_AVX2 __attribute__((noinline)) static void block_rows(size_t m0, size_t m1, const tile_args *t, const block_consts *cp, float *out) {
    const block_consts c = *cp;  // local copy: float stores may alias anything
    size_t m = m0;
    for (; m + MR <= m1; m += MR) tile(MR, m, m0, t, &c, out);
    if (m1 - m == 2) tile(2, m, m0, t, &c, out);
    else if (m1 - m == 1) tile(1, m, m0, t, &c, out);
}

/// A block's weights as int16, each group of 8 k as 4 vectors [c0|c4] [c1|c5] [c2|c6] [c3|c7]
/// (the packing has [c0|c1] [c2|c3] ...; the pairing puts reduce8's sums in channel order).
EMBER_TARGET_AVX2 static void weights_to_int16(const int8_t *w8, size_t kp8, int16_t *w16) {
    for (size_t i = 0; i < kp8 * 8; i += 64) {
        const __m256i x01 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i)));
        const __m256i x23 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i + 16)));
        const __m256i x45 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i + 32)));
        const __m256i x67 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w8 + i + 48)));
        _mm256_store_si256((__m256i *)(w16 + i), _mm256_permute2x128_si256(x01, x45, 0x20));
        _mm256_store_si256((__m256i *)(w16 + i + 16), _mm256_permute2x128_si256(x01, x45, 0x31));
        _mm256_store_si256((__m256i *)(w16 + i + 32), _mm256_permute2x128_si256(x23, x67, 0x20));
        _mm256_store_si256((__m256i *)(w16 + i + 48), _mm256_permute2x128_si256(x23, x67, 0x31));
    }
}

EMBER_TARGET_AVX2
void ember_qd8_gemm_3x8c8__avx2(size_t m_begin, size_t m_end, size_t n, size_t k,
                                const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                const void *packed, const float *w_scale, const float *bias,
                                float *out, size_t out_stride) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    if (kp8 > KMAX16) {
        ember_qd8_gemm_2x8c8__avx2(m_begin, m_end, n, k, q, q_stride, scale, zero_point, packed, w_scale, bias, out, out_stride);
        return;
    }
    size_t mc = A16_ELEMENTS / kp8 / MR * MR;
    if (mc > EMBER_GEMM_MAX_CHUNK) mc = EMBER_GEMM_MAX_CHUNK / MR * MR;
    _Alignas(32) int16_t w16[KMAX16 * 8];
    _Alignas(32) int16_t a16[A16_ELEMENTS];
    const int8_t *a_limit = ember_gemm_a_end(q, m_end, q_stride, k);
    tile_args t = {kp8, out_stride, 8, scale, zero_point, a16, w16};
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        ember_avx2_rows_to_int16(q, q_stride, m0, m1, k, kp8, a_limit, a16);
        for (size_t nb = 0; nb < n; nb += 8) {
            const uint8_t *blk = (const uint8_t *)packed + (nb / 8) * block;
            t.count = n - nb < 8 ? n - nb : 8;
            float wsv[8] = {0}, bv[8] = {0};
            for (size_t j = 0; j < t.count; j++) { wsv[j] = w_scale[nb + j]; bv[j] = bias ? bias[nb + j] : 0.0f; }
            const block_consts c = {_mm256_loadu_si256((const __m256i *)blk), _mm256_loadu_ps(wsv), _mm256_loadu_ps(bv)};
            weights_to_int16((const int8_t *)(blk + 32), kp8, w16);
            block_rows(m0, m1, &t, &c, out + nb);
        }
    }
}
#endif
