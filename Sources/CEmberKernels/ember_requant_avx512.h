// AVX-512 output stage on 16 lanes (two rows of 8 channels, or one row of 16): ember_avx2_mbqm's
// operations (the same formula, so the same bits), a cheaper form for ReLU-clamped layers, then
// the zero point and clamp and one VPMOVDB. Where the AVX2 stage is half of a small-K GEMM's
// time (K = 16-32), one 16-lane pass replaces two 8-lane ones.
#ifndef EMBER_REQUANT_AVX512_H
#define EMBER_REQUANT_AVX512_H
#include "ember_requant_avx2.h"

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw")))

typedef struct ember_avx512_rq {
    __m512i mult, mult_odd, lshift, rshift, rround;  ///< an ember_avx2_rq's 8 lanes in both halves
    int any_lshift, any_min_mult;
} ember_avx512_rq;

EMBER_TARGET_AVX512 static inline __m512i ember_avx512_dup(__m256i v) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(v), v, 1);
}

/// The 8 channels' constants for two rows of them.
EMBER_TARGET_AVX512 static inline ember_avx512_rq ember_avx512_rq_from_avx2(const ember_avx2_rq *r) {
    ember_avx512_rq q;
    q.mult = ember_avx512_dup(r->mult);
    q.mult_odd = ember_avx512_dup(r->mult_odd);
    q.lshift = ember_avx512_dup(r->lshift);
    q.rshift = ember_avx512_dup(r->rshift);
    q.rround = ember_avx512_dup(r->rround);
    q.any_lshift = r->any_lshift;
    q.any_min_mult = r->any_min_mult;
    return q;
}

/// 16 lanes' own constants (ember_avx2_rq_load on 16 lanes), for kernels with 16 channels per vector.
EMBER_TARGET_AVX512 static inline ember_avx512_rq ember_avx512_rq_load(const int32_t mult[16], const int32_t lshift[16], const int32_t rshift[16]) {
    ember_avx512_rq q;
    q.mult = _mm512_loadu_si512(mult);
    q.mult_odd = _mm512_shuffle_epi32(q.mult, _MM_PERM_DDBB);
    q.lshift = _mm512_loadu_si512(lshift);
    q.rshift = _mm512_loadu_si512(rshift);
    q.rround = _mm512_srli_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), q.rshift), 1);
    q.any_lshift = q.any_min_mult = 0;
    for (int i = 0; i < 16; i++) { q.any_lshift |= lshift[i] != 0; q.any_min_mult |= mult[i] == INT32_MIN; }
    return q;
}

/// The saturating rounding doubling high multiply of ember_avx2_mbqm (after its left shift) on 16
/// lanes; opmasks stand in for VPBLENDD and VPBLENDVB (no 512-bit form).
EMBER_TARGET_AVX512 static inline __m512i ember_avx512_high_mul(__m512i x, const ember_avx512_rq *r) {
    if (r->any_lshift) x = _mm512_sllv_epi32(x, r->lshift);
    const __m512i nudge = _mm512_set1_epi64((int64_t)1 << 30);
    const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, r->mult), nudge);
    const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), r->mult_odd), nudge);
    __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
    if (r->any_min_mult) {
        const __m512i imin = _mm512_set1_epi32(INT32_MIN);
        const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, imin) & _mm512_cmpeq_epi32_mask(r->mult, imin);
        h = _mm512_mask_mov_epi32(h, sat, _mm512_set1_epi32(INT32_MAX));
    }
    return h;
}

/// ember_avx2_mbqm on 16 lanes; an opmask stands in for VPSIGND (no 512-bit form).
EMBER_TARGET_AVX512 static inline __m512i ember_avx512_mbqm(__m512i x, const ember_avx512_rq *r) {
    const __m512i h = ember_avx512_high_mul(x, r);
    // Rounding divide as there: |h| rounded half up, then the sign of h restored (0 stays 0).
    const __m512i mag = _mm512_srlv_epi32(_mm512_add_epi32(_mm512_abs_epi32(h), r->rround), r->rshift);
    return _mm512_mask_sub_epi32(mag, _mm512_cmplt_epi32_mask(h, _mm512_setzero_si512()), _mm512_setzero_si512(), mag);
}

/// max(ember_avx512_mbqm(x), 0) in two fewer steps: the rounding divide is monotone and maps 0 to
/// 0, so it can take max(h, 0) and skip the sign. For output stages that clamp at or above 0
/// (ReLU and ReLU6 layers: the lower clamp minus the zero point is >= 0).
EMBER_TARGET_AVX512 static inline __m512i ember_avx512_mbqm_relu(__m512i x, const ember_avx512_rq *r) {
    const __m512i h = ember_avx512_high_mul(x, r);
    return _mm512_srlv_epi32(_mm512_add_epi32(_mm512_max_epi32(h, _mm512_setzero_si512()), r->rround), r->rshift);
}

/// The zero point and clamp (ember_output_value) on 16 int32 lanes, and the narrow to bytes.
typedef struct ember_avx512_out {
    __m512i lo, hi, zp32, mn, mx;
    __m128i zp8;
    int fast;
    int relu;  ///< fast, and the clamp's lower end (minus the zero point) >= 0: ember_avx512_mbqm_relu
    int relu_saturates;  ///< relu, lower end = zero point <= 0, upper end 127: ember_avx512_out_bytes_relu's short form
    int wide;  ///< the clamp is [-128, 127]: VPMOVSDB's saturation alone (rq64 form)
} ember_avx512_out;

/// fast: clamp(sat16(v) + zp, mn, mx) = clamp(v, max(-32768, mn - zp), min(32767, mx - zp)) + zp
/// when mn <= mx and that interval is not empty (always with int8 zero points); the + zp is
/// added to the bytes after VPMOVDB's truncation (exact mod 256; the result is in [mn, mx]).
/// Otherwise the AVX2 stage's steps: saturate to int16, add zp, saturate, max mn, min mx.
EMBER_TARGET_AVX512 static inline ember_avx512_out ember_avx512_out_load(const ember_qs8_output *q) {
    ember_avx512_out o;
    const int32_t zp = ember_clamp(q->zero_point, INT16_MIN, INT16_MAX), mn = ember_clamp(q->min, -128, 127),
                  mx = ember_clamp(q->max, -128, 127);
    const int32_t lo = mn - zp > INT16_MIN ? mn - zp : INT16_MIN, hi = mx - zp < INT16_MAX ? mx - zp : INT16_MAX;
    o.fast = mn <= mx && lo <= hi;
    o.relu = o.fast && lo >= 0;
    o.relu_saturates = o.relu && lo == 0 && mx == 127 && zp <= 0;
    o.wide = mn == -128 && mx == 127;
    o.lo = _mm512_set1_epi32(o.fast ? lo : INT16_MIN);
    o.hi = _mm512_set1_epi32(o.fast ? hi : INT16_MAX);
    o.zp32 = _mm512_set1_epi32(zp);
    o.mn = _mm512_set1_epi32(mn);
    o.mx = _mm512_set1_epi32(mx);
    o.zp8 = _mm_set1_epi8((char)zp);
    return o;
}

/// 16 requantized lanes to 16 int8 in lane order (two rows: the low and high 8 bytes).
EMBER_TARGET_AVX512 static inline __m128i ember_avx512_out_bytes(__m512i v, const ember_avx512_out *o) {
    v = _mm512_min_epi32(_mm512_max_epi32(v, o->lo), o->hi);
    if (o->fast) return _mm_add_epi8(_mm512_cvtepi32_epi8(v), o->zp8);
    v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, o->zp32), o->lo), o->hi);
    return _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(v, o->mn), o->mx));
}

/// ember_avx512_out_bytes of a ReLU-form result (ember_avx512_mbqm_relu, so v >= 0). With
/// relu_saturates (a ReLU / ReLU6 output whose zero point is the lower end and whose upper end is
/// 127, as TFLite quantizes [0, 6]) the clamp is what VPMOVSDB's saturation does to v + zp:
/// v + zp >= zp = mn, it cannot overflow (zp <= 0), and above 127 it saturates to mx = 127.
EMBER_TARGET_AVX512 static inline __m128i ember_avx512_out_bytes_relu(__m512i v, const ember_avx512_out *o) {
    if (o->relu_saturates) return _mm512_cvtsepi32_epi8(_mm512_add_epi32(v, o->zp32));
    return ember_avx512_out_bytes(v, o);
}


// ---- One rounding in 64-bit lanes (the "rq64" form) ----
// With e = the right shift, 1 <= e, no left shift: srdhm(x, m) = floor((p + 2^30) / 2^31) for
// p = x * m (the form above), and RoundingDivideByPOT(h, e) = floor((h + 2^(e-1) - [h < 0]) / 2^e).
// Nested floors of divisions by powers of two are one floor, so
//   mbqm(x) + zp = floor((p + 2^30 + 2^(30+e) - 2^31 * [h < 0] + zp * 2^(31+e)) / 2^(31+e)),
// one VPSRAVQ of the 64-bit product after one add (per-lane constant), where the AVX2 form needs the
// blend of two shifted halves and then |h|, add, shift, sign. [h < 0] may be taken as [p < 0]: they
// differ only for -2^30 <= p < 0, where h = 0 and both forms give zp. When the clamp's lower end is
// at or above zp (ReLU outputs) the correction can be left out: for p < 0 the value is <= zp either
// way. Bounds: -2^62 < p <= 2^62, and for e <= 24 and an int8 zp the constant's magnitude is
// below 2^62 - 2^53 (with the -2^31), so the sum fits int64 (e = 25 would not); |mbqm(x)| <= 2^30
// for e >= 1, so the value + zp fits int32 (a VPMOVSDB's saturation then matches the twin's int16
// saturations and the clamp to [-128, 127]). Multiplier 0
// gives 0 for any shift (its lanes use e = 1). INT32_MIN * INT32_MIN (p = 2^62, where srdhm
// saturates to 2^31 - 1) gives 2^(31-e) = RoundingDivideByPOT(2^31 - 1, e) all the same.
#define EMBER_RQ64_MAX_SHIFT 24

typedef struct ember_avx512_rq64 {
    __m512i mult, mult_odd;           ///< as in ember_avx512_rq
    __m512i add_even, add_odd;        ///< 64-bit lanes, channels 0, 2, .. 14 and 1, 3, .. 15: 2^30 + 2^(30+e) + zp * 2^(31+e)
    __m512i shift_even, shift_odd;    ///< 31 + e and e - 1 for the same channels
} ember_avx512_rq64;

/// True if channels [n0, n1) of q (shifts limited to [-31, 31] as ember_load_requant8 does) and
/// its zero point suit the rq64 form.
static inline int ember_rq64_ok(const ember_qs8_output *q, size_t n0, size_t n1) {
    if (q->zero_point < -128 || q->zero_point > 127) return 0;
    for (size_t j = n0; j < n1; j++) {
        const int32_t m = q->multiplier[j], s = q->shift[j];
        if (m != 0 && (s > -1 || s < -EMBER_RQ64_MAX_SHIFT)) return 0;
    }
    return 1;
}

/// 16 lanes' rq64 constants (ember_load_requant8's arrays of channels that passed ember_rq64_ok).
EMBER_TARGET_AVX512 static inline ember_avx512_rq64 ember_avx512_rq64_load(const int32_t mult[16], const int32_t rshift[16], int32_t zp) {
    int64_t add[16], shift[16];
    for (int i = 0; i < 16; i++) {
        const int e = mult[i] ? rshift[i] : 1;
        const int j = i / 2 + 8 * (i % 2);  // even channels first
        add[j] = ((int64_t)1 << 30) + ((int64_t)1 << (30 + e)) + (int64_t)zp * ((int64_t)1 << (31 + e));
        shift[j] = i % 2 ? e - 1 : 31 + e;
    }
    ember_avx512_rq64 q;
    q.mult = _mm512_loadu_si512(mult);
    q.mult_odd = _mm512_shuffle_epi32(q.mult, _MM_PERM_DDBB);
    q.add_even = _mm512_loadu_si512(add);
    q.add_odd = _mm512_loadu_si512(add + 8);
    q.shift_even = _mm512_loadu_si512(shift);
    q.shift_odd = _mm512_loadu_si512(shift + 8);
    return q;
}

/// mbqm(x) + zp on 16 lanes in the rq64 form; SIGN: with the correction for negative products
/// (constant after inlining; 0 only where a clamp at or above zp follows).
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline __m512i ember_avx512_mbqm64(__m512i x, const ember_avx512_rq64 *r, const int SIGN) {
    const __m512i pe = _mm512_mul_epi32(x, r->mult), po = _mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), r->mult_odd);
    __m512i te = _mm512_add_epi64(pe, r->add_even), to = _mm512_add_epi64(po, r->add_odd);
    if (SIGN) {
        const __m512i half = _mm512_set1_epi64((int64_t)1 << 31), zero = _mm512_setzero_si512();
        te = _mm512_mask_sub_epi64(te, _mm512_cmplt_epi64_mask(pe, zero), te, half);
        to = _mm512_mask_sub_epi64(to, _mm512_cmplt_epi64_mask(po, zero), to, half);
    }
    // Even channels: the low dword of t >> (31 + e); odd: the high dword of t >> (e - 1).
    return _mm512_mask_blend_epi32(0xAAAA, _mm512_srav_epi64(te, r->shift_even), _mm512_srav_epi64(to, r->shift_odd));
}

/// A channel range's requantization constants: the general form, or rq64 (ember_rq64_ok).
typedef union ember_avx512_rqu {
    ember_avx512_rq rq;
    ember_avx512_rq64 rq64;
} ember_avx512_rqu;

/// Output stages: the general form and its ReLU form; rq64 without the sign correction (ReLU,
/// clamp [-128, 127], so zp = -128: MobileNetV2's expand layers), with it (clamp [-128, 127]:
/// linear layers), and with any clamp.
enum { EMBER_OUT_GENERAL, EMBER_OUT_RELU, EMBER_OUT64_RELU, EMBER_OUT64, EMBER_OUT64_CLAMP };

static inline int ember_avx512_out_mode(const ember_avx512_out *o, int rq64) {
    if (!rq64) return o->relu ? EMBER_OUT_RELU : EMBER_OUT_GENERAL;
    if (!o->wide) return EMBER_OUT64_CLAMP;
    return o->relu ? EMBER_OUT64_RELU : EMBER_OUT64;
}

/// 16 int32 sums to 16 output bytes in output stage MODE (a constant after inlining).
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline __m128i ember_avx512_requant_bytes(__m512i x, const ember_avx512_rqu *r,
                                                                                                   const ember_avx512_out *o, const int MODE) {
    switch (MODE) {
    case EMBER_OUT_GENERAL: return ember_avx512_out_bytes(ember_avx512_mbqm(x, &r->rq), o);
    case EMBER_OUT_RELU: return ember_avx512_out_bytes_relu(ember_avx512_mbqm_relu(x, &r->rq), o);
    case EMBER_OUT64_RELU: return _mm512_cvtsepi32_epi8(ember_avx512_mbqm64(x, &r->rq64, 0));
    case EMBER_OUT64: return _mm512_cvtsepi32_epi8(ember_avx512_mbqm64(x, &r->rq64, 1));
    default: return _mm512_cvtsepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(ember_avx512_mbqm64(x, &r->rq64, 1), o->mn), o->mx));
    }
}

#endif
