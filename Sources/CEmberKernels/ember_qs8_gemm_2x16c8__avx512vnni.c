// qs8 GEMM for small K (at most 32: MobileNetV2's widest layers, K = 16, 24, 27, 32), AVX-512
// VNNI; larger K goes to ember_qs8_gemm_7x16c8__avx512vnni. At K = 16 a c8 tile kernel spends
// most of its time after the products: the per-tile reduction of k 0-3 / 4-7 partial sums, the
// u8 copy of the rows, per-block constants. Here each int32 lane is one output channel: per call,
// two packed 8-channel blocks (a "pair", 16 channels) are regrouped by VPERMT2D into one vector
// per 4 k (lane c = channel c's 4 bytes), so a row's 16 sums come out of VPDPBUSD in channel
// order, with no reduction. Two rows at a time, all channels: the row's 4-byte groups (biased to
// u8, a + 128 = a XOR 0x80) are broadcast once and serve every pair; the 128 * Σw this adds is
// taken out of the bias, as in the 7x16 kernel. Output: ember_avx512_requant_bytes on the 16
// lanes (the rq64 form where every channel of the group of pairs allows it: one rounding in
// 64-bit lanes with the zero point inside; else ember_avx512_mbqm or its ReLU form, the zero
// point and clamp), one 16-byte store. Same bytes as ember_qs8_gemm__ref.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include "ember_requant_avx512.h"

#define EMBER_TARGET_AVX512VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))
#define MAX_KQ 8     ///< groups of 4 k: K <= 32
#define GROUP 16     ///< pairs whose constants are prepared at once (256 channels, 15 KiB of stack)

typedef struct {
    __m512i w[MAX_KQ];  ///< lane c: channel c's k 4g..4g+3 (zero past k and past n)
    __m512i base;       ///< packed bias - 128 * Σw, wrapping as the twin's int32 sums
    ember_avx512_rqu rq;  ///< rq64 when the call's group of pairs passed ember_rq64_ok
} pair_consts;

/// Channels [nb, nb + 16) of the packed blob: blocks nb/8 and nb/8 + 1 (a missing second block
/// reads as zeros: the blob holds only ceil(n / 8) blocks).
EMBER_TARGET_AVX512VNNI static void prepare_pair(const uint8_t *packed, size_t block, size_t nb, size_t n, size_t kq,
                                                 const ember_qs8_output *q, int rq64, pair_consts *p) {
    const uint8_t *blk0 = packed + (nb / 8) * block, *blk1 = nb + 8 < n ? blk0 + block : NULL;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    __m512i ws = _mm512_setzero_si512();
    for (size_t g = 0; g < kq; g++) {
        const size_t off = 32 + (g / 2) * 64;
        const __m512i b0 = _mm512_loadu_si512((const void *)(blk0 + off));
        const __m512i b1 = blk1 ? _mm512_loadu_si512((const void *)(blk1 + off)) : _mm512_setzero_si512();
        p->w[g] = _mm512_permutex2var_epi32(b0, g % 2 ? odd : even, b1);
        ws = _mm512_dpbusd_epi32(ws, _mm512_set1_epi8((char)0x80), p->w[g]);
    }
    const __m256i bias0 = _mm256_loadu_si256((const __m256i *)blk0);
    const __m256i bias1 = blk1 ? _mm256_loadu_si256((const __m256i *)blk1) : _mm256_setzero_si256();
    p->base = _mm512_sub_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(bias0), bias1, 1), ws);
    int32_t mult[16], ls[16], rs[16];
    ember_load_requant8(q, nb, n, mult, ls, rs);
    ember_load_requant8(q, nb + 8, n, mult + 8, ls + 8, rs + 8);
    if (rq64) p->rq.rq64 = ember_avx512_rq64_load(mult, rs, q->zero_point);
    else p->rq.rq = ember_avx512_rq_load(mult, ls, rs);
}

/// Row `row`'s KQ groups of 4 bytes, each broadcast and biased to u8. The last group's bytes past
/// k are not read (the row may end the buffer); as u8 they are 0x80, against zero weights.
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void load_row(const int KQ, const int8_t *row, __mmask64 tail,
                                                                                   __m512i x[MAX_KQ]) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (int g = 0; g + 1 < KQ; g++) {
        int32_t v;
        memcpy(&v, row + 4 * g, 4);
        x[g] = _mm512_xor_si512(_mm512_set1_epi32(v), flip);
    }
    const __m512i last = _mm512_maskz_loadu_epi8(tail, row + 4 * (KQ - 1));
    x[KQ - 1] = _mm512_xor_si512(_mm512_broadcastd_epi32(_mm512_castsi512_si128(last)), flip);
}

/// R rows from m (R, KQ, MODE constants after inlining) for the `np` prepared pairs from channel n0.
/// From 4 groups of k on, each row's sums run in two chains (even and odd groups) to halve
/// VPDPBUSD's latency chain.
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void rows(const int R, const int KQ, const int MODE, size_t m, size_t n, __mmask64 tail,
                                                                               const int8_t *a, size_t a_stride, size_t n0,
                                                                               const pair_consts *pc, size_t np, int8_t *out,
                                                                               size_t out_stride, const ember_avx512_out *o) {
    __m512i x[R][MAX_KQ];
    for (int r = 0; r < R; r++) load_row(KQ, a + (m + r) * a_stride, tail, x[r]);
    for (size_t p = 0; p < np; p++) {
        __m512i acc[R], acc1[R];
        for (int r = 0; r < R; r++) { acc[r] = pc[p].base; acc1[r] = _mm512_setzero_si512(); }
        for (int g = 0; g < KQ; g++) {
            const __m512i w = _mm512_load_si512((const void *)&pc[p].w[g]);
            for (int r = 0; r < R; r++) {
                if (KQ >= 4 && g % 2) acc1[r] = _mm512_dpbusd_epi32(acc1[r], x[r][g], w);
                else acc[r] = _mm512_dpbusd_epi32(acc[r], x[r][g], w);
            }
        }
        const size_t left = n - n0 - 16 * p;
        for (int r = 0; r < R; r++) {
            const __m512i sums = KQ >= 4 ? _mm512_add_epi32(acc[r], acc1[r]) : acc[r];
            const __m128i b = ember_avx512_requant_bytes(sums, &pc[p].rq, o, MODE);
            int8_t *dst = out + (m + r) * out_stride + n0 + 16 * p;
            if (left >= 16) _mm_storeu_si128((__m128i *)dst, b);
            else _mm512_mask_storeu_epi8(dst, ((__mmask64)1 << left) - 1, _mm512_castsi128_si512(b));
        }
    }
}

/// Rows [m_begin, m_end), two at a time (each weight load serves both).
EMBER_TARGET_AVX512VNNI __attribute__((always_inline)) static inline void all_rows(const int KQ, const int MODE, size_t m_begin, size_t m_end, size_t n,
                                                                                   size_t k, const int8_t *a, size_t a_stride, size_t n0,
                                                                                   const pair_consts *pc, size_t np, int8_t *out,
                                                                                   size_t out_stride, const ember_avx512_out *o) {
    const __mmask64 tail = k % 4 ? ((__mmask64)1 << (k % 4)) - 1 : 0xF;
    size_t m = m_begin;
    for (; m + 2 <= m_end; m += 2) rows(2, KQ, MODE, m, n, tail, a, a_stride, n0, pc, np, out, out_stride, o);
    for (; m < m_end; m++) rows(1, KQ, MODE, m, n, tail, a, a_stride, n0, pc, np, out, out_stride, o);
}

EMBER_TARGET_AVX512VNNI
void ember_qs8_gemm_2x16c8__avx512vnni(size_t m_begin, size_t m_end, size_t n, size_t k,
                                       const int8_t *a, size_t a_stride, const void *packed,
                                       int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    if (k > 4 * MAX_KQ || k == 0) {
        ember_qs8_gemm_7x16c8__avx512vnni(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
        return;
    }
    const size_t block = ember_gemm_block_bytes(k), kq = (k + 3) / 4;
    const ember_avx512_out o = ember_avx512_out_load(q);
    _Alignas(64) pair_consts pc[GROUP];
    for (size_t n0 = 0; n0 < n; n0 += 16 * GROUP) {
        const size_t n1 = n0 + 16 * GROUP < n ? n0 + 16 * GROUP : n;
        const int rq64 = ember_rq64_ok(q, n0, n1);
        size_t np = 0;
        for (; np < GROUP && n0 + 16 * np < n; np++) prepare_pair((const uint8_t *)packed, block, n0 + 16 * np, n, kq, q, rq64, &pc[np]);
        switch (kq * 8 + ember_avx512_out_mode(&o, rq64)) {
#define MODE_CASE(KQ, MODE) \
    case KQ * 8 + MODE: all_rows(KQ, MODE, m_begin, m_end, n, k, a, a_stride, n0, pc, np, out, out_stride, &o); break;
#define KQ_CASE(KQ) MODE_CASE(KQ, EMBER_OUT_GENERAL) MODE_CASE(KQ, EMBER_OUT_RELU) MODE_CASE(KQ, EMBER_OUT64_RELU) \
                    MODE_CASE(KQ, EMBER_OUT64) MODE_CASE(KQ, EMBER_OUT64_CLAMP)
        KQ_CASE(1) KQ_CASE(2) KQ_CASE(3) KQ_CASE(4) KQ_CASE(5) KQ_CASE(6) KQ_CASE(7) KQ_CASE(8)
#undef KQ_CASE
#undef MODE_CASE
        default: break;
        }
    }
}
#endif
