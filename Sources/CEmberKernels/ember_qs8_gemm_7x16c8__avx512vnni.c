// qs8 GEMM for K > 32, 7 rows x 16 channels, AVX-512 VNNI (ember_qs8_gemm_2x16c8__avx512vnni
// hands those layers here). The qd8 8x16 kernel's loop: one 512-bit load is a whole packed
// group (8 channels x 8 k), its int32 lanes alternate k 0-3 / 4-7 of each channel and a row's 8
// bytes broadcast to all 8 qwords match them; a tile takes two packed blocks, so per 8 k two
// weight loads and 7 row broadcasts feed 14 VPDPBUSD in 14 chains (the 12x8 kernel it replaced:
// 1 + 12 loads for 12, and an output pass per two rows of 8 channels; 0.95 -> 0.72 ms over
// MobileNetV2's K > 32 layers). 7 rows: MobileNetV2's M (12544 ... 49
// = 7 * 2^i, as for any 224-pixel input) has no tail; 8 rows left one of 4 rows at M = 196 and
// of 1 at M = 49. VPDPBUSD (not VPDPBUSDS) wraps as the twin's int32 sums; rows go in as u8
// (a + 128, once per row chunk) and the 128 * Σw this adds is taken from the packed blocks
// (VPDPBUSD of 0x80 bytes, once per block pair and chunk); base = bias' - 128 * Σw starts each
// accumulator (in the even lanes: 0.726 -> 0.715 ms). Output: one row's two blocks' pair
// sums folded to its 16 channels in order (two shifts, two adds, one VPERMT2D), the pair's output
// stage with per-lane constants (ember_avx512_requant_bytes: rq64 where its channels allow), one
// 16-byte store; a single last block
// (N = 24, 1000) takes two rows per pass instead. Same bytes as ember_qs8_gemm__ref.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_qs8_vnni_avx2.h"
#include "ember_requant_avx512.h"

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define MR 7
#define A_BYTES 65536  ///< u8 rows per chunk (at most; a tile's rows must fit: K up to 9360)

/// Two [c0 c0 c1 c1 ... c7 c7] partial sums to [x c0..c7 | y c0..c7]: each lane pair summed in
/// its low dword, then the even dwords of both gathered by one VPERMT2D.
EMBER_TARGET_AVX512VNNI static inline __m512i reduce16(__m512i x, __m512i y) {
    const __m512i s0 = _mm512_add_epi32(x, _mm512_srli_epi64(x, 32)), s1 = _mm512_add_epi32(y, _mm512_srli_epi64(y, 32));
    return _mm512_permutex2var_epi32(s0, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), s1);
}

typedef struct {
    const int8_t *w[2];  ///< the two blocks' packed weights (the first twice when there is one)
    __m512i base[2];     ///< packed bias - 128 * Σw per block, in the even lanes (an accumulator's start)
    ember_avx512_rqu rq;
    int mode;            ///< output stage (ember_avx512_out_mode)
    size_t left;         ///< channels from nb to n
} pair_consts;

/// Channels [nb, nb + 16): blocks nb/8 and nb/8 + 1 (the blob holds only ceil(n / 8) blocks).
EMBER_TARGET_AVX512VNNI static void prepare_pair(const uint8_t *packed, size_t block, size_t nb, size_t n, size_t kp8,
                                                 const ember_qs8_output *q, const ember_avx512_out *o, pair_consts *p) {
    const uint8_t *blk0 = packed + (nb / 8) * block, *blk1 = nb + 8 < n ? blk0 + block : NULL;
    p->w[0] = (const int8_t *)(blk0 + 32);
    p->w[1] = blk1 ? (const int8_t *)(blk1 + 32) : p->w[0];
    // Both blocks in two chains each: for the classifier (one row) this pass is a third of the work,
    // and one chain at a time was bound by VPDPBUSD's latency.
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512i ws[2][2] = {{_mm512_setzero_si512(), _mm512_setzero_si512()}, {_mm512_setzero_si512(), _mm512_setzero_si512()}};
    size_t i = 0;
    for (; i + 16 <= kp8; i += 16)
        for (int h = 0; h < 2; h++)
            for (int b = 0; b < 2; b++) ws[b][h] = _mm512_dpbusd_epi32(ws[b][h], flip, _mm512_loadu_si512((const void *)(p->w[b] + i * 8 + 64 * h)));
    if (i < kp8)
        for (int b = 0; b < 2; b++) ws[b][0] = _mm512_dpbusd_epi32(ws[b][0], flip, _mm512_loadu_si512((const void *)(p->w[b] + i * 8)));
    // One block: its 8 channels' constants in both halves (a tile of it outputs two rows per pass).
    const __m256i bias0 = _mm256_loadu_si256((const __m256i *)blk0);
    const __m256i bias1 = blk1 ? _mm256_loadu_si256((const __m256i *)blk1) : bias0;
    const __m512i base = _mm512_sub_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(bias0), bias1, 1), reduce16(_mm512_add_epi32(ws[0][0], ws[0][1]), _mm512_add_epi32(ws[1][0], ws[1][1])));
    // Lane 2j of block b's start: channel j's base, so the pair sums fold it in.
    p->base[0] = _mm512_maskz_permutexvar_epi32(0x5555, _mm512_setr_epi32(0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0), base);
    p->base[1] = _mm512_maskz_permutexvar_epi32(0x5555, _mm512_setr_epi32(8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15, 0), base);
    int32_t mult[16], ls[16], rs[16];
    ember_load_requant8(q, nb, n, mult, ls, rs);
    ember_load_requant8(q, blk1 ? nb + 8 : nb, n, mult + 8, ls + 8, rs + 8);
    const int rq64 = ember_rq64_ok(q, nb, nb + 16 < n ? nb + 16 : n);
    if (rq64) p->rq.rq64 = ember_avx512_rq64_load(mult, rs, q->zero_point);
    else p->rq.rq = ember_avx512_rq_load(mult, ls, rs);
    p->mode = ember_avx512_out_mode(o, rq64);
    p->left = n - nb;
}

/// R rows (R <= MR) of B (1 or 2) blocks from the u8 rows `a` (R, B, PF constants after
/// inlining). With PF, also prefetches `pf` (the next pair's weights) a line per block per 8 k.
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void tile(const int R, const int B, const int PF, const uint8_t *a,
                                                                              size_t kp8, const pair_consts *c, const int8_t *const pf[2],
                                                                              const ember_avx512_out *o, int8_t *out, size_t out_stride) {
    // Chains per row and block: 1-2 rows (the classifier) were bound by VPDPBUSD's latency with one.
    const int S = R == 1 ? 4 : R == 2 ? 2 : 1;
    __m512i acc[MR][2][4];
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) acc[r][b][s] = s ? _mm512_setzero_si512() : c->base[b];
    size_t i = 0;
    for (; i + 8 * S <= kp8; i += 8 * S)
        for (int s = 0; s < S; s++) {
            __m512i wv[2];
            for (int b = 0; b < B; b++) wv[b] = _mm512_loadu_si512((const void *)(c->w[b] + (i + 8 * s) * 8));
            if (PF)
                for (int b = 0; b < 2; b++) _mm_prefetch((const char *)(pf[b] + (i + 8 * s) * 8), _MM_HINT_T0);
            for (int r = 0; r < R; r++) {
                int64_t bytes;
                memcpy(&bytes, a + r * kp8 + i + 8 * s, 8);
                const __m512i av = _mm512_set1_epi64(bytes);
                for (int b = 0; b < B; b++) acc[r][b][s] = _mm512_dpbusd_epi32(acc[r][b][s], av, wv[b]);
            }
        }
    for (; S > 1 && i < kp8; i += 8)
        for (int b = 0; b < B; b++) {
            const __m512i wv = _mm512_loadu_si512((const void *)(c->w[b] + i * 8));
            for (int r = 0; r < R; r++) {
                int64_t bytes;
                memcpy(&bytes, a + r * kp8 + i, 8);
                acc[r][b][0] = _mm512_dpbusd_epi32(acc[r][b][0], _mm512_set1_epi64(bytes), wv);
            }
        }
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++)
            for (int s = 1; s < S; s++) acc[r][b][0] = _mm512_add_epi32(acc[r][b][0], acc[r][b][s]);
    // Sums of rows r and r + 1 (B = 1, channels in both halves) or of row r's two blocks (B = 2).
    // Unrolled: as a loop (clang left it rolled, the body is large) the accumulators went through
    // the stack, 14 stores and loads per tile (MobileNetV2's K > 32 layers 0.863 -> 0.768 ms).
#pragma GCC unroll 8
    for (int r = 0; r < R; r += 3 - B) {
        const __m512i x1 = B == 2 ? acc[r][1][0] : r + 1 < R ? acc[r + 1][0][0] : _mm512_setzero_si512();
        const __m512i x = reduce16(acc[r][0][0], x1);
        __m128i v;
        switch (c->mode) {
        case EMBER_OUT_GENERAL: v = ember_avx512_requant_bytes(x, &c->rq, o, EMBER_OUT_GENERAL); break;
        case EMBER_OUT_RELU: v = ember_avx512_requant_bytes(x, &c->rq, o, EMBER_OUT_RELU); break;
        case EMBER_OUT64_RELU: v = ember_avx512_requant_bytes(x, &c->rq, o, EMBER_OUT64_RELU); break;
        case EMBER_OUT64: v = ember_avx512_requant_bytes(x, &c->rq, o, EMBER_OUT64); break;
        default: v = ember_avx512_requant_bytes(x, &c->rq, o, EMBER_OUT64_CLAMP); break;
        }
        int8_t *dst = out + r * out_stride;
        if (B == 2) {
            if (c->left >= 16) _mm_storeu_si128((__m128i *)dst, v);
            else _mm512_mask_storeu_epi8(dst, ((__mmask64)1 << c->left) - 1, _mm512_castsi128_si512(v));
        } else {
            const __mmask64 mask = ((__mmask64)1 << c->left) - 1;  // left <= 8
            _mm512_mask_storeu_epi8(dst, mask, _mm512_castsi128_si512(v));
            if (r + 1 < R) _mm512_mask_storeu_epi8(dst + out_stride, mask, _mm512_castsi128_si512(_mm_srli_si128(v, 8)));
        }
    }
}

/// Fewer than MR rows, or one block: a tile of exactly that shape.
EMBER_TARGET_AVX512VNNI __attribute__((noinline)) static void tail_tile(size_t rows, int blocks, const uint8_t *a, size_t kp8,
                                                                        const pair_consts *c, const ember_avx512_out *o, int8_t *out,
                                                                        size_t out_stride) {
    switch (rows * 2 + (size_t)(blocks - 1)) {
#define TAIL(R) case 2 * R: tile(R, 1, 0, a, kp8, c, NULL, o, out, out_stride); break; \
                case 2 * R + 1: tile(R, 2, 0, a, kp8, c, NULL, o, out, out_stride); break;
    TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5) TAIL(6)
    case 2 * MR: tile(MR, 1, 0, a, kp8, c, NULL, o, out, out_stride); break;
#undef TAIL
    default: break;
    }
}

EMBER_TARGET_AVX512VNNI
void ember_qs8_gemm_7x16c8__avx512vnni(size_t m_begin, size_t m_end, size_t n, size_t k,
                                       const int8_t *a, size_t a_stride, const void *packed,
                                       int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    const size_t block = ember_gemm_block_bytes(k), kp8 = ember_round_up(k, 8);
    if (kp8 * MR > A_BYTES) {  // K over 9360: a tile's rows would not fit the buffer
        ember_qs8_gemm_3x8c8__avx2(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    // As many rows per chunk as the buffer holds, in even chunks: a block pair's Σw and constants
    // are made once per chunk, and L1-sized chunks (12 KiB) cost 8% over MobileNetV2's K > 32
    // layers (M = 49 at K = 960 in chunks of 28 and 21 redid them for 4 and 3 tiles).
    size_t mc = kp8 ? A_BYTES / kp8 / MR * MR : EMBER_GEMM_MAX_CHUNK;
    const size_t rows = m_end - m_begin, chunks = (rows + mc - 1) / mc;
    if (chunks > 1) mc = ember_round_up((rows + chunks - 1) / chunks, MR);
    _Alignas(64) uint8_t au[A_BYTES];
    const ember_avx512_out o = ember_avx512_out_load(q);
    for (size_t m0 = m_begin; m0 < m_end; m0 += mc) {
        const size_t m1 = m0 + mc < m_end ? m0 + mc : m_end;
        ember_qs8_rows_to_u8(a, a_stride, m0, m1, k, kp8, au);
        for (size_t nb = 0; nb < n; nb += 16) {
            const int blocks = n - nb > 8 ? 2 : 1;
            pair_consts c;
            prepare_pair((const uint8_t *)packed, block, nb, n, kp8, q, &o, &c);
            // The next pair's weights (or these again at the end), fetched during the first tile.
            const size_t next = nb + 16 < n ? nb + 16 : nb, next2 = next + 8 < n ? next + 8 : next;
            const int8_t *const pf[2] = {(const int8_t *)packed + (next / 8) * block + 32, (const int8_t *)packed + (next2 / 8) * block + 32};
            size_t m = m0;
            if (blocks == 2 && m + MR <= m1) {
                tile(MR, 2, 1, au, kp8, &c, pf, &o, out + m * out_stride + nb, out_stride);
                for (m += MR; m + MR <= m1; m += MR) tile(MR, 2, 0, au + (m - m0) * kp8, kp8, &c, NULL, &o, out + m * out_stride + nb, out_stride);
            }
            for (; m < m1; m += MR) {
                const size_t r = m1 - m < MR ? m1 - m : MR;
                tail_tile(r, blocks, au + (m - m0) * kp8, kp8, &c, &o, out + m * out_stride + nb, out_stride);
            }
        }
    }
}
#endif
