// Kernel test harness: every kernel path this CPU has (taken from the operator tables) against
// its scalar twin, byte for byte, and the twins against direct TFLite-semantics loops on
// unpacked weights. Seeded; prints the seed and the first mismatch on failure.
//
//   kernel_tests [--seed N] [--quick] [--expect-isa NAME]
//     --quick       smaller shape sweep (for runs under qemu)
//     --expect-isa  fail unless dispatch picks this GEMM path (checks detection and EMBER_ISA)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // sched_getaffinity, CPU_SET
#endif
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ember_kernels.h"
#include "ember_kernels_internal.h"

static uint64_t g_seed, g_rng;
static int g_quick, g_failures;
static long g_checks;

static uint64_t rnd(void) {  // splitmix64
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static int32_t rnd_range(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint64_t)(hi - lo + 1)); }
static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", n); exit(2); }
    return p;
}

#define FAIL(...) do { fprintf(stderr, "FAIL (seed %" PRIu64 "): ", g_seed); fprintf(stderr, __VA_ARGS__); \
                       fputc('\n', stderr); fflush(stderr); g_failures++; } while (0)

/// Compares bytes; reports the first mismatch with its (row, col) in a [rows][cols] view.
static int same_bytes(const char *what, const char *kernel, const int8_t *got, const int8_t *want, size_t count, size_t cols) {
    g_checks++;
    for (size_t i = 0; i < count; i++)
        if (got[i] != want[i]) {
            FAIL("%s: %s differs at index %zu (row %zu, col %zu): got %d, expected %d", what, kernel, i,
                 cols ? i / cols : 0, cols ? i % cols : i, got[i], want[i]);
            return 0;
        }
    return 1;
}

// ---- Data generators: modes cover random data and the extremes ----
enum { FILL_RANDOM, FILL_MIN, FILL_MAX, FILL_EXTREMES };
static void fill(int8_t *p, size_t n, int mode, int lo) {
    for (size_t i = 0; i < n; i++) {
        switch (mode) {
        case FILL_MIN: p[i] = (int8_t)lo; break;
        case FILL_MAX: p[i] = 127; break;
        case FILL_EXTREMES: p[i] = (rnd() & 1) ? (int8_t)lo : 127; break;
        default: p[i] = (int8_t)rnd_range(lo, 127);
        }
    }
}

/// Per-channel requantization: realistic scales, or extremes of multiplier and shift.
typedef struct { int32_t *mult, *shift; ember_qs8_output q; } requant;
static void make_requant(requant *r, size_t n, int extreme) {
    r->mult = xmalloc(n * sizeof(int32_t));
    r->shift = xmalloc(n * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        if (!extreme) {
            const double scale = ldexp(0.5 + (double)(rnd() % 1000000) / 2e6, -rnd_range(0, 14));
            ember_quantize_multiplier(scale, &r->mult[i], &r->shift[i]);
        } else {
            static const int32_t ms[] = {0, 1, INT32_MAX, 1 << 30, (1 << 30) + 1, INT32_MIN, -1, 1518500250};
            r->mult[i] = (rnd() & 1) ? ms[rnd() % 8] : (int32_t)rnd();
            static const int32_t ss[] = {-31, -30, 0, 1, 31, 30, -1, 16};
            r->shift[i] = (rnd() & 1) ? ss[rnd() % 8] : rnd_range(-31, 31);
        }
    }
    r->q.multiplier = r->mult;
    r->q.shift = r->shift;
    r->q.zero_point = extreme ? ((rnd() & 1) ? -128 : 127) : rnd_range(-128, 127);
    r->q.min = (rnd() % 3 == 0) ? rnd_range(-128, 0) : -128;
    r->q.max = (rnd() % 3 == 0) ? rnd_range(r->q.min, 127) : 127;
}
static void free_requant(requant *r) { free(r->mult); free(r->shift); }

// ---- Fixed-point and quantize_multiplier known values (TFLite semantics) ----
static void test_requantize_known(void) {
    int32_t m, s;
    struct { double scale; int32_t m, s; } qm[] = {
        {0.5, 1 << 30, 0}, {1.0, 1 << 30, 1}, {0.25, 1 << 30, -1}, {0.0, 0, 0},
        {0.75, 1610612736, 0}, {1e-12, 0, 0}, {3.0, 1610612736, 2},
    };
    for (size_t i = 0; i < sizeof qm / sizeof qm[0]; i++) {
        g_checks++;
        if (ember_quantize_multiplier(qm[i].scale, &m, &s) != 0 || m != qm[i].m || s != qm[i].s)
            FAIL("quantize_multiplier(%g) = (%d, %d), expected (%d, %d)", qm[i].scale, m, s, qm[i].m, qm[i].s);
    }
    g_checks++;
    if (ember_quantize_multiplier(-1.0, &m, &s) == 0 || ember_quantize_multiplier(NAN, &m, &s) == 0)
        FAIL("quantize_multiplier accepted a negative or NaN scale");
    struct { int32_t x, m, s, want; } rq[] = {
        {100, 1 << 30, 0, 50}, {-100, 1 << 30, 0, -50}, {3, 1 << 30, -1, 1},   // 0.75 -> 1
        {-3, 1 << 30, -1, -1}, {5, 1 << 30, -1, 2},                            // 1.25 -> 2: double rounding (2.5 -> 3, 1.5 -> 2)
        {6, 1 << 30, -2, 1}, {-6, 1 << 30, -2, -1},                            // 0.75 -> 1, ties away
        {2, 1 << 30, -2, 0},                                                   // 0.25 -> 0
        {-2, 1 << 30, -1, -1}, {2, 1 << 30, -1, 1},                            // -0.5 -> -1, 0.5 -> 1
        {INT32_MIN, INT32_MIN, 0, INT32_MAX}, {1, INT32_MAX, 31, -INT32_MAX},  // saturation; 1 << 31 wraps to INT32_MIN
        {1000, 1518500250, 3, 5657},                                           // 1000 * 8 * 0.7071 = 5656.85
    };
    for (size_t i = 0; i < sizeof rq / sizeof rq[0]; i++) {
        g_checks++;
        const int32_t got = ember_requantize(rq[i].x, rq[i].m, rq[i].s);
        if (got != rq[i].want) FAIL("requantize(%d, %d, %d) = %d, expected %d", rq[i].x, rq[i].m, rq[i].s, got, rq[i].want);
    }
    // MEAN: TFLite folds 1/count into the multiplier (count 49, scale ratio 1.0).
    int32_t mm, ms;
    g_checks++;
    if (ember_qs8_mean_multiplier(1 << 30, 1, 49, &mm, &ms) != 0 || mm != (int32_t)(((int64_t)1 << 35) / 49) || ms != -4)
        FAIL("mean_multiplier(2^30, 1, 49) = (%d, %d)", mm, ms);
}

// ---- GEMM ----
/// TFLite reference conv/FC inner product on unpacked weights: sum (a - zp) * w + bias, requantized.
static void gemm_tflite(size_t m, size_t n, size_t k, const int8_t *a, size_t a_stride, const int8_t *w,
                        const int32_t *bias, int32_t zp, const ember_qs8_output *q, int8_t *out, size_t out_stride) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t acc = 0;
            for (size_t t = 0; t < k; t++) acc += ((int32_t)a[i * a_stride + t] - zp) * w[j * k + t];
            if (bias) acc += bias[j];
            out[i * out_stride + j] = ember_output_value(ember_requantize(acc, q->multiplier[j], q->shift[j]), q->zero_point, q->min, q->max);
        }
}

/// Weights from [wlo, 127] (wlo = -127: narrow range, so the narrow kernels run too).
static void check_gemm_w(size_t m, size_t n, size_t k, int amode, int wmode, int wlo, int extreme) {
    const size_t a_stride = k + (rnd() % 3 == 0 ? rnd() % 9 : 0), out_stride = n + (rnd() % 3 == 0 ? rnd() % 9 : 0);
    int8_t *a = xmalloc(m * a_stride), *w = xmalloc(n * k);
    int32_t *bias = xmalloc(n * sizeof(int32_t));
    fill(a, m * a_stride, amode, -128);
    fill(w, n * k, wmode, wlo);
    for (size_t j = 0; j < n; j++) bias[j] = extreme ? (int32_t)rnd() % 100000000 : rnd_range(-20000, 20000);
    const int32_t zp = extreme ? ((rnd() & 1) ? -128 : 127) : rnd_range(-128, 127);
    requant r;
    make_requant(&r, n, extreme);
    void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
    const int use_bias = rnd() % 8 != 0;  // NULL bias is allowed
    ember_qs8_gemm_pack(n, k, w, use_bias ? bias : NULL, zp, packed);
    int8_t *want = xmalloc(m * out_stride), *twin = xmalloc(m * out_stride), *got = xmalloc(m * out_stride);
    memset(want, 0x5A, m * out_stride);
    memset(twin, 0x5A, m * out_stride);
    gemm_tflite(m, n, k, a, a_stride, w, use_bias ? bias : NULL, zp, &r.q, want, out_stride);
    ember_qs8_gemm__ref(0, m, n, k, a, a_stride, packed, twin, out_stride, &r.q);
    char what[160];
    snprintf(what, sizeof what, "qs8_gemm m=%zu n=%zu k=%zu zp=%d modes=%d/%d extreme=%d", m, n, k, zp, amode, wmode, extreme);
    same_bytes(what, "ember_qs8_gemm__ref vs TFLite loop", twin, want, m * out_stride, out_stride);
    const ember_kernel_table *t = ember_kernel_table_for("qs8_gemm");
    // Narrow-range kernels run only on weights without -128, as the engine picks them.
    int has_min = 0;
    for (size_t i = 0; i < n * k; i++) has_min |= w[i] == INT8_MIN;
    const int narrow = ember_qs8_gemm_packed_narrow(n, k, packed);
    g_checks++;
    if (narrow == has_min) FAIL("%s: ember_qs8_gemm_packed_narrow = %d with%s -128 in the weights", what, narrow, has_min ? "" : " no");
    // Split rows unevenly, as threads do: also exercises m_begin > 0 and partial tiles.
    const size_t split = m > 1 ? (size_t)rnd() % m : 0;
    if (narrow) {
        memset(got, 0x5A, m * out_stride);
        ember_qs8_gemm_narrow(0, split, n, k, a, a_stride, packed, got, out_stride, &r.q);
        ember_qs8_gemm_narrow(split, m, n, k, a, a_stride, packed, got, out_stride, &r.q);
        same_bytes(what, ember_kernel_name("qs8_gemm_narrow"), got, twin, m * out_stride, out_stride);
    }
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa) || (t->entries[e].narrow && !narrow)) continue;
        const ember_qs8_gemm_fn fn = (ember_qs8_gemm_fn)t->entries[e].fn;
        memset(got, 0x5A, m * out_stride);
        fn(0, split, n, k, a, a_stride, packed, got, out_stride, &r.q);
        fn(split, m, n, k, a, a_stride, packed, got, out_stride, &r.q);
        same_bytes(what, t->entries[e].name, got, twin, m * out_stride, out_stride);
    }
    free(a); free(w); free(bias); free(packed); free(want); free(twin); free(got); free_requant(&r);
}

static void check_gemm(size_t m, size_t n, size_t k, int amode, int wmode, int extreme) {
    check_gemm_w(m, n, k, amode, wmode, (rnd() & 1) ? -128 : -127, extreme);
}

/// The narrow-range scan sees a single -128 anywhere (any channel block, k tail, last byte), and
/// the narrow choice is the general one or a narrow kernel of the same path; a narrow kernel
/// really pairs products in int16: with -128 x -128 it must go wrong (so the tests above ran it).
static void test_gemm_narrow(void) {
    for (int rep = 0; rep < 40; rep++) {
        const size_t n = (size_t)rnd_range(1, 40), k = (size_t)rnd_range(1, 100);
        int8_t *w = xmalloc(n * k);
        fill(w, n * k, FILL_RANDOM, -127);
        void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
        ember_qs8_gemm_pack(n, k, w, NULL, 0, packed);
        g_checks++;
        if (!ember_qs8_gemm_packed_narrow(n, k, packed)) FAIL("packed_narrow n=%zu k=%zu: no -128, got 0", n, k);
        const size_t at = rep == 0 ? n * k - 1 : rep == 1 ? 0 : (size_t)rnd() % (n * k);
        w[at] = INT8_MIN;
        ember_qs8_gemm_pack(n, k, w, NULL, 0, packed);
        g_checks++;
        if (ember_qs8_gemm_packed_narrow(n, k, packed)) FAIL("packed_narrow n=%zu k=%zu: -128 at %zu, got 1", n, k, at);
        free(w); free(packed);
    }
    static const char *const ops[] = {"qs8_gemm", "qd8_gemm"};
    for (size_t o = 0; o < 2; o++) {
        char name[32];
        snprintf(name, sizeof name, "%s_narrow", ops[o]);
        const char *general = ember_kernel_name(ops[o]), *narrow = ember_kernel_name(name);
        const ember_kernel_table *t = ember_kernel_table_for(ops[o]);
        const ember_kernel_entry *g = NULL, *nw = NULL;
        for (size_t e = 0; e < t->count; e++) {
            if (general && !strcmp(t->entries[e].name, general)) g = &t->entries[e];
            if (narrow && !strcmp(t->entries[e].name, narrow)) nw = &t->entries[e];
        }
        g_checks++;
        if (!g || !nw || g->narrow || nw->isa != g->isa || (nw != g && !nw->narrow))
            FAIL("%s: general choice %s, narrow choice %s", ops[o], general ? general : "(none)", narrow ? narrow : "(none)");
    }
    const size_t m = 3, n = 8, k = 16;
    int8_t a[3 * 16], w[8 * 16], twin[3 * 8], got[3 * 8];
    memset(a, -128, sizeof a);
    memset(w, -128, sizeof w);
    int32_t mult[8], shift[8];
    for (size_t j = 0; j < n; j++) { mult[j] = 1 << 30; shift[j] = -10; }
    const ember_qs8_output q = {mult, shift, 0, -128, 127};
    void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
    ember_qs8_gemm_pack(n, k, w, NULL, 0, packed);
    ember_qs8_gemm__ref(0, m, n, k, a, k, packed, twin, n, &q);
    const ember_kernel_table *t = ember_kernel_table_for("qs8_gemm");
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa) || !t->entries[e].narrow) continue;
        ((ember_qs8_gemm_fn)t->entries[e].fn)(0, m, n, k, a, k, packed, got, n, &q);
        g_checks++;
        if (!memcmp(got, twin, sizeof got)) FAIL("%s gave the exact sums for -128 x -128: its int16 pairing did not run", t->entries[e].name);
    }
    free(packed);
}

// MobileNetV2 1.0/224 pointwise layers (H*W, Cin, Cout); M is reduced where too slow.
static const size_t mnv2_pointwise[][3] = {
    {12544, 32, 16}, {12544, 16, 96}, {3136, 96, 24}, {3136, 24, 144}, {3136, 144, 24}, {784, 144, 32},
    {784, 32, 192}, {784, 192, 32}, {196, 192, 64}, {196, 64, 384}, {196, 384, 64}, {196, 384, 96},
    {196, 96, 576}, {196, 576, 96}, {49, 576, 160}, {49, 160, 960}, {49, 960, 160}, {49, 960, 320},
    {49, 320, 1280}, {1, 1280, 1000},
};

/// Output zero points beyond int8 (the output stage's general form: int16 saturation before and
/// after the zero point), with and without an activation clamp; and ReLU-like clamps (the lower
/// end at or above the zero point: the AVX-512 kernels' ember_avx512_mbqm_relu), including TFLite's
/// ReLU6 form, the lower end equal to the zero point and the upper 127 (ember_avx512_out_bytes_relu's
/// saturating form when the zero point is <= 0).
static void test_gemm_output_zero_points(void) {
    enum { CLAMP_AT_ZP = INT32_MIN };  // the lower end is the zero point (clamped to int8)
    static const int32_t zps[] = {-40000, -32768, -1000, -129, -128, -5, 0, 128, 300, 32767, 40000},
                         clamps[][2] = {{-128, 127}, {-128, -5}, {3, 127}, {CLAMP_AT_ZP, 127}};
    const size_t m = 5, n = 40, kinds = sizeof clamps / sizeof clamps[0];
    for (size_t z = 0; z < kinds * sizeof zps / sizeof zps[0]; z++) {
        const size_t k = (const size_t[]){16, 27, 40, 64, 24}[z % 5];  // K > 32: the 7x16 kernel's output stage
        int8_t a[5 * 64], w[40 * 64], twin[5 * 40], got[5 * 40];
        int32_t bias[40];
        fill(a, m * k, FILL_RANDOM, -128);
        fill(w, n * k, FILL_RANDOM, -128);
        for (size_t j = 0; j < n; j++) bias[j] = rnd_range(-3000000, 3000000);
        requant r;
        make_requant(&r, n, 0);
        r.q.zero_point = zps[z / kinds];
        r.q.min = clamps[z % kinds][0] == CLAMP_AT_ZP ? ember_clamp(r.q.zero_point, -128, 127) : clamps[z % kinds][0];
        r.q.max = clamps[z % kinds][1];
        void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
        ember_qs8_gemm_pack(n, k, w, bias, rnd_range(-128, 127), packed);
        ember_qs8_gemm__ref(0, m, n, k, a, k, packed, twin, n, &r.q);
        const ember_kernel_table *t = ember_kernel_table_for("qs8_gemm");
        char what[96];
        snprintf(what, sizeof what, "qs8_gemm output zero point %d, clamp [%d, %d], k=%zu", r.q.zero_point, r.q.min, r.q.max, k);
        for (size_t e = 1; e < t->count; e++) {
            if (!ember_isa_available(t->entries[e].isa) || t->entries[e].narrow) continue;
            memset(got, 0x5A, sizeof got);
            ((ember_qs8_gemm_fn)t->entries[e].fn)(0, m, n, k, a, k, packed, got, n, &r.q);
            same_bytes(what, t->entries[e].name, got, twin, m * n, n);
        }
        free(packed); free_requant(&r);
    }
}

/// A sum near a rounding tie of mbqm(x, m, -e): h = srdhm(x, m) at or next to (2j + 1) * 2^(e-1)
/// or j * 2^e, or an extreme.
static int32_t rq64_sum(int32_t m, int e) {
    if (m == 0 || rnd() % 4 == 0) return (const int32_t[]){INT32_MIN, INT32_MAX, 0, -1, 1, (int32_t)rnd()}[rnd() % 6];
    const int64_t j = rnd_range(-150, 150), h = rnd() & 1 ? (2 * j + 1) * ((int64_t)1 << (e - 1)) : j * ((int64_t)1 << e);  // within the int8 range
    const int64_t x = h * ((int64_t)1 << 31) / m + rnd_range(-2, 2);  // multiplies: << of a negative is undefined
    return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : (int32_t)x;
}

/// An odd multiplier and a sum whose product p lies at or one below a step of srdhm's rounding
/// (p + 2^30 = 0 or -1 mod 2^31) where h = srdhm is at or one below a tie of the divide by 2^e:
/// both roundings on their edge (found by trial, e <= 12; m < 2^(e+8) keeps the result small).
static void rq64_edge(int e, int32_t *m, int32_t *x) {
    for (;;) {
        const uint32_t mo = (uint32_t)rnd_range(1 << (e - 1), 1 << (e + 6)) * 2 + 1;
        uint32_t inv = mo;  // mo^-1 mod 2^32 (Newton: each step doubles the correct bits)
        for (int i = 0; i < 5; i++) inv *= 2 - mo * inv;
        const uint32_t target = (1u << 30) - (uint32_t)(rnd() & 1);
        const int64_t xv = (int64_t)((target * inv) & 0x7FFFFFFF) * (rnd() & 1 ? 1 : -1);
        const int64_t h = (xv * mo + (1 << 30)) >> 31, r = h & ((1 << e) - 1);
        if (r == (1 << (e - 1)) || r == (1 << (e - 1)) - 1) { *m = (int32_t)mo; *x = (int32_t)xv; return; }
    }
}

/// Output parameters for the rq64 tests, `count` channels (call `rep` of a test; with `ties` the
/// sums are the biases): a zero point and clamp kind ([-128, 127], ReLU-like with the lower end at
/// the zero point, narrower), each channel's multiplier (limits or random) and right shift 1-24,
/// biases at either rounding's ties; and in 2 calls of 8 one channel or the zero point outside the
/// form (shift 0, shift 25 with the largest products, a zero point past int8): the general form.
static void rq64_params(int rep, int ties, size_t count, ember_qs8_output *q, int32_t *mult, int32_t *shift, int32_t *bias) {
    static const int32_t ms[] = {0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MIN, -(1 << 30), 1518500250};
    static const int32_t zps[] = {-128, -128, 127, -5, 0, 99};
    *q = (ember_qs8_output){mult, shift, zps[rnd() % 6], -128, 127};
    const int kind = (int)(rnd() % 3);
    if (kind == 1) q->min = q->zero_point;
    if (kind == 2) { q->min = -100; q->max = 50; }
    for (size_t j = 0; j < count; j++) {
        mult[j] = rnd() % 2 ? ms[rnd() % 8] : (int32_t)rnd();
        shift[j] = rnd() % 4 ? -rnd_range(1, 24) : (rnd() & 1 ? -1 : -24);
        bias[j] = ties ? rq64_sum(mult[j], -shift[j]) : rep % 3 == 0 ? (int32_t)rnd() : rnd_range(-3000000, 3000000);
        if (ties && rnd() % 3 == 0) {
            shift[j] = -rnd_range(1, 12);
            rq64_edge(-shift[j], &mult[j], &bias[j]);
        }
    }
    if (rep % 8 >= 6) {
        const size_t j = (size_t)rnd() % count;
        switch (rnd() % 3) {
        case 0: shift[j] = 0; break;
        case 1:
            shift[j] = -25;
            mult[j] = rnd() & 1 ? INT32_MIN : INT32_MAX;
            if (ties) bias[j] = rnd() & 1 ? INT32_MIN : INT32_MAX;
            break;
        default: q->zero_point = (const int32_t[]){-129, 128, -40000, 40000}[rnd() % 4]; break;
        }
    }
}

/// The AVX-512 kernels' one-rounding output stage (ember_requant_avx512.h, "rq64"): every right
/// shift it takes (1-24) and its edges (shift 0 and 25, the latter with the largest products;
/// zero points past int8: the general form for that call), multipliers at the limits (0, 1, 2^30 whose products tie often, INT32_MAX,
/// INT32_MIN, negative), and its output stages: clamp [-128, 127] with zp = -128 (no sign
/// correction) and with another zp, and a narrower clamp. Every other call has zero weights, so
/// the sums are the biases: sums at ties of either rounding (rq64_sum, rq64_edge) and at ±2^31.
static void test_gemm_rq64(void) {
    const size_t m = 3, n = 40;
    for (int rep = 0; rep < (g_quick ? 100 : 400); rep++) {
        const size_t k = (const size_t[]){16, 27, 32, 8, 40, 64}[rep % 6];  // K > 32: the 7x16 kernel
        const int ties = rep % 2;
        int8_t a[3 * 64], w[40 * 64], twin[3 * 40], got[3 * 40];
        int32_t bias[40], mult[40], shift[40];
        fill(a, m * k, rep / 2 % 4, -128);
        fill(w, n * k, rep / 8 % 4, -128);
        if (ties) memset(w, 0, sizeof w);
        ember_qs8_output q;
        rq64_params(rep, ties, n, &q, mult, shift, bias);
        void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
        ember_qs8_gemm_pack(n, k, w, bias, rnd_range(-128, 127), packed);
        ember_qs8_gemm__ref(0, m, n, k, a, k, packed, twin, n, &q);
        const ember_kernel_table *t = ember_kernel_table_for("qs8_gemm");
        char what[128];
        snprintf(what, sizeof what, "qs8_gemm rq64 k=%zu zp=%d clamp [%d, %d] rep %d", k, q.zero_point, q.min, q.max, rep);
        for (size_t e = 1; e < t->count; e++) {
            if (!ember_isa_available(t->entries[e].isa) || t->entries[e].narrow) continue;
            memset(got, 0x5A, sizeof got);
            ((ember_qs8_gemm_fn)t->entries[e].fn)(0, m, n, k, a, k, packed, got, n, &q);
            same_bytes(what, t->entries[e].name, got, twin, m * n, n);
        }
        free(packed);
    }
}

static void test_gemm(void) {
    // Small shapes: 1, 13 and every remainder of the tiles (MR up to 12, NR = KR = 8), K = 3 and 27
    // (the RGB stem's im2col).
    const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 23, 25};
    const size_t ns[] = {1, 3, 7, 8, 9, 13, 16, 17, 24};
    const size_t ks[] = {1, 2, 3, 7, 8, 9, 13, 15, 16, 17, 27, 31, 32, 33, 64};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
            for (size_t l = 0; l < sizeof ks / sizeof ks[0]; l++)
                if (!g_quick || (i + j + l) % 3 == 0) check_gemm(ms[i], ns[j], ks[l], FILL_RANDOM, FILL_RANDOM, (i + j + l) % 4 == 0);
    // Extremes: -128 inputs against -128 / -127 weights (int16 pair overflow), long K.
    const int modes[][2] = {{FILL_MIN, FILL_MIN}, {FILL_EXTREMES, FILL_EXTREMES}, {FILL_MAX, FILL_MIN}, {FILL_MIN, FILL_EXTREMES}};
    for (size_t i = 0; i < 4; i++) {
        check_gemm(5, 17, 960, modes[i][0], modes[i][1], 0);
        check_gemm(13, 9, 1280, modes[i][0], modes[i][1], 1);
        // Narrow range at its limit: pairs of -128 x -127 sum to 32512 in int16.
        check_gemm_w(5, 17, 968, modes[i][0], modes[i][1], -127, 0);
        check_gemm_w(13, 9, 1288, modes[i][0], modes[i][1], -127, 1);
    }
    // K past the NEON-dot kernel's stack buffer of transposed rows (k segments): 2048 fits, 2049 not.
    check_gemm(11, 13, 2048, FILL_RANDOM, FILL_RANDOM, 0);
    check_gemm(17, 9, 2049, FILL_RANDOM, FILL_RANDOM, 0);
    check_gemm(9, 16, 4100, FILL_EXTREMES, FILL_EXTREMES, 1);
    // K past the VNNI kernels' row buffers (7 x 9360, 6 x 10920 bytes): they hand over to AVX2.
    check_gemm(13, 9, 5465, FILL_EXTREMES, FILL_EXTREMES, 1);
    check_gemm(7, 9, 10929, FILL_RANDOM, FILL_MIN, 0);
    for (int rep = 0; rep < (g_quick ? 20 : 100); rep++)
        check_gemm((size_t)rnd_range(1, 40), (size_t)rnd_range(1, 70), (size_t)rnd_range(1, 300), (int)(rnd() % 4), (int)(rnd() % 4), (int)(rnd() % 2));
    for (size_t i = 0; i < sizeof mnv2_pointwise / sizeof mnv2_pointwise[0]; i++) {
        size_t m = mnv2_pointwise[i][0];
        const size_t cap = g_quick ? 13 : 300;
        if (m > cap) m = cap;
        check_gemm(m, mnv2_pointwise[i][2], mnv2_pointwise[i][1], FILL_RANDOM, FILL_RANDOM, 0);
        check_gemm_w(m, mnv2_pointwise[i][2], mnv2_pointwise[i][1], FILL_RANDOM, FILL_RANDOM, -127, 0);
    }
    check_gemm_w(300, 32, 27, FILL_RANDOM, FILL_RANDOM, -127, 0);  // the stem after im2col (K = 27)
    check_gemm(13, 17, 0, FILL_RANDOM, FILL_RANDOM, 0);  // K = 0 (an empty input): bias-only outputs
    // K <= 32 (the AVX-512 2x16 kernel: 16 channels per vector, pairs of packed blocks, 16 pairs
    // prepared at a time): every group count of 4 k with its tail, channel counts across the 16-
    // and 256-channel steps, odd row counts, extreme values.
    const size_t sks[] = {1, 3, 4, 5, 8, 12, 16, 20, 24, 27, 28, 29, 32}, sns[] = {15, 16, 31, 33, 40, 255, 256, 257, 300, 520};
    for (size_t l = 0; l < sizeof sks / sizeof sks[0]; l++)
        for (size_t j = 0; j < sizeof sns / sizeof sns[0]; j++)
            if (!g_quick || (l + j) % 3 == 0) check_gemm((size_t)rnd_range(1, 7), sns[j], sks[l], (int)((l + j) % 4), (int)(j % 4), (l + j) % 2);
    // K <= 32 on NEON-dot (ember_qs8_gemm_8x8c8__neondot_smallk): row chunks of 16 KiB (1024 rows at
    // K <= 16, 512 at K <= 32) and their edges, 8-row tiles with 1..7 rows left, -128 inputs.
    const size_t cms[] = {49, 196, 513, 1030};
    for (size_t i = 0; i < sizeof cms / sizeof cms[0]; i++) {
        check_gemm(cms[i], 9 + 8 * i, (size_t[]){16, 27, 24, 13}[i], FILL_RANDOM, FILL_RANDOM, (int)(i % 2));
        if (!g_quick) check_gemm(cms[i], 17, (size_t[]){32, 8, 27, 1}[i], FILL_MIN, FILL_EXTREMES, (int)(i % 2 == 0));
    }
    // K > 32 (the AVX-512 7x16 kernel: 7-row tiles over block pairs, a single last block two rows
    // per pass, chunks of rows split evenly): row counts around 7 and 14 and MobileNetV2's 49,
    // channel counts with no, one or a partial second block, K tails of 8, extreme values.
    const size_t lms[] = {1, 2, 6, 7, 8, 13, 14, 15, 49, 50}, lns[] = {8, 9, 16, 17, 24, 31, 40};
    const size_t lks[] = {33, 40, 64, 96, 144, 160, 576, 960, 1280};
    for (size_t i = 0; i < sizeof lms / sizeof lms[0]; i++)
        for (size_t j = 0; j < sizeof lns / sizeof lns[0]; j++)
            for (size_t l = 0; l < sizeof lks / sizeof lks[0]; l++)
                if (!g_quick || (i + j + l) % 4 == 0) check_gemm(lms[i], lns[j], lks[l], (int)((i + l) % 4), (int)((j + l) % 4), (i + j + l) % 3 == 0);
    check_gemm(300, 24, 576, FILL_RANDOM, FILL_RANDOM, 0);   // many chunks of rows
    check_gemm(197, 40, 96, FILL_MIN, FILL_EXTREMES, 1);
    check_gemm(3, 1000, 1280, FILL_RANDOM, FILL_RANDOM, 1);  // the classifier's shape (M = 1 and 3)
    check_gemm(1, 1000, 1280, FILL_EXTREMES, FILL_MIN, 0);
    check_gemm(9, 9, 9360, FILL_EXTREMES, FILL_EXTREMES, 1);  // the 7x16 kernel's row buffer: fits
    check_gemm(9, 9, 9361, FILL_MIN, FILL_MIN, 0);            // past it: AVX2 takes over
    test_gemm_output_zero_points();
    test_gemm_rq64();
    test_gemm_narrow();
}

// ---- im2col + GEMM vs a direct convolution (the KxK path, e.g. MobileNetV2's first layer) ----
static void check_conv(size_t h, size_t w, size_t cin, size_t cout, size_t kh, size_t stride, size_t pad, size_t dil) {
    const size_t eff = (kh - 1) * dil + 1;
    if (h + 2 * pad < eff || w + 2 * pad < eff) return;
    const size_t oh = (h + 2 * pad - eff) / stride + 1, ow = (w + 2 * pad - eff) / stride + 1, kk = kh * kh * cin;
    int8_t *in = xmalloc(h * w * cin), *wt = xmalloc(cout * kk), *cols = xmalloc(oh * ow * kk);
    int32_t *bias = xmalloc(cout * sizeof(int32_t));
    fill(in, h * w * cin, FILL_RANDOM, -128);
    fill(wt, cout * kk, FILL_RANDOM, -127);
    for (size_t j = 0; j < cout; j++) bias[j] = rnd_range(-5000, 5000);
    const int32_t zp = rnd_range(-128, 127);
    requant r;
    make_requant(&r, cout, 0);
    int8_t *want = xmalloc(oh * ow * cout), *got = xmalloc(oh * ow * cout);
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t o = 0; o < cout; o++) {
                int32_t acc = bias[o];
                for (size_t ky = 0; ky < kh; ky++)
                    for (size_t kx = 0; kx < kh; kx++) {
                        const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky * dil) - (ptrdiff_t)pad;
                        const ptrdiff_t ix = (ptrdiff_t)(ox * stride + kx * dil) - (ptrdiff_t)pad;
                        if (iy < 0 || ix < 0 || iy >= (ptrdiff_t)h || ix >= (ptrdiff_t)w) continue;  // TFLite skips padding
                        for (size_t c = 0; c < cin; c++)
                            acc += ((int32_t)in[((size_t)iy * w + (size_t)ix) * cin + c] - zp) * wt[o * kk + (ky * kh + kx) * cin + c];
                    }
                want[(oy * ow + ox) * cout + o] = ember_output_value(ember_requantize(acc, r.mult[o], r.shift[o]), r.q.zero_point, r.q.min, r.q.max);
            }
    void *packed = xmalloc(ember_qs8_gemm_packed_size(cout, kk));
    ember_qs8_gemm_pack(cout, kk, wt, bias, zp, packed);
    const size_t split = oh / 2;  // two bands, as the engine does per thread
    ember_qs8_im2col(in, h, w, cin, kh, kh, stride, stride, dil, dil, pad, pad, 0, split, ow, (int8_t)zp, cols);
    ember_qs8_im2col(in, h, w, cin, kh, kh, stride, stride, dil, dil, pad, pad, split, oh, ow, (int8_t)zp, cols + split * ow * kk);
    ember_qs8_gemm(0, oh * ow, cout, kk, cols, kk, packed, got, cout, &r.q);
    char what[128];
    snprintf(what, sizeof what, "conv %zux%zux%zu -> %zu k%zu s%zu p%zu d%zu", h, w, cin, cout, kh, stride, pad, dil);
    same_bytes(what, ember_kernel_name("qs8_gemm"), got, want, oh * ow * cout, cout);
    free(in); free(wt); free(cols); free(bias); free(want); free(got); free(packed); free_requant(&r);
}

/// im2col alone against a naive loop (its span copies may over-copy: output sized exactly, so
/// ASan builds catch any write past it). Rows [oy0, oy1) only.
static void check_im2col(size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t stride, size_t pad, size_t dil) {
    const size_t effh = (kh - 1) * dil + 1, effw = (kw - 1) * dil + 1;
    if (h + 2 * pad < effh || w + 2 * pad < effw) return;
    const size_t oh = (h + 2 * pad - effh) / stride + 1, ow = (w + 2 * pad - effw) / stride + 1, row = kh * kw * c;
    const size_t oy0 = (size_t)rnd() % oh, oy1 = oy0 + 1 + (size_t)rnd() % (oh - oy0);
    int8_t *in = xmalloc(h * w * c), *got = xmalloc((oy1 - oy0) * ow * row), *want = xmalloc((oy1 - oy0) * ow * row);
    fill(in, h * w * c, FILL_RANDOM, -128);
    const int8_t padv = (int8_t)rnd_range(-128, 127);
    for (size_t oy = oy0; oy < oy1; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t ky = 0; ky < kh; ky++)
                for (size_t kx = 0; kx < kw; kx++)
                    for (size_t ch = 0; ch < c; ch++) {
                        const ptrdiff_t iy = (ptrdiff_t)(oy * stride + ky * dil) - (ptrdiff_t)pad;
                        const ptrdiff_t ix = (ptrdiff_t)(ox * stride + kx * dil) - (ptrdiff_t)pad;
                        const int inside = iy >= 0 && ix >= 0 && iy < (ptrdiff_t)h && ix < (ptrdiff_t)w;
                        want[((oy - oy0) * ow + ox) * row + (ky * kw + kx) * c + ch] =
                            inside ? in[((size_t)iy * w + (size_t)ix) * c + ch] : padv;
                    }
    ember_qs8_im2col(in, h, w, c, kh, kw, stride, stride, dil, dil, pad, pad, oy0, oy1, ow, padv, got);
    char what[128];
    snprintf(what, sizeof what, "im2col %zux%zux%zu k%zux%zu s%zu p%zu d%zu rows %zu..%zu", h, w, c, kh, kw, stride, pad, dil, oy0, oy1);
    same_bytes(what, "ember_qs8_im2col", got, want, (oy1 - oy0) * ow * row, row);
    free(in); free(got); free(want);
}

static void test_conv(void) {
    for (size_t c = 1; c <= 12; c++)
        for (size_t kk = 1; kk <= 3; kk += 2)
            for (size_t stride = 1; stride <= 2; stride++)
                for (size_t pad = 0; pad <= 1; pad++)
                    for (size_t dil = 1; dil <= 2; dil++) check_im2col(7 + c % 3, 9 - c % 4, c, kk, kk, stride, pad, dil);
    check_im2col(20, 20, 3, 3, 3, 2, 0, 1);  // the stem's shape, reduced
    check_im2col(23, 23, 3, 3, 3, 2, 0, 1);  // the bundled model's stem: explicitly padded input (odd), pad 0
    check_im2col(9, 9, 2, 5, 5, 1, 2, 1);    // 16-byte copies, kernel height other than 3
    check_im2col(5, 6, 16, 3, 3, 1, 1, 1);   // 48-byte spans
    check_im2col(5, 6, 5, 3, 5, 1, 1, 1);    // kh != kw
    check_conv(g_quick ? 15 : 32, g_quick ? 15 : 32, 3, 32, 3, 2, 1, 1);  // MobileNetV2 stem, reduced
    check_conv(7, 9, 5, 13, 3, 1, 1, 1);
    check_conv(8, 8, 16, 8, 3, 2, 0, 1);
    check_conv(9, 7, 3, 4, 3, 1, 2, 2);
    check_conv(1, 1, 13, 7, 3, 1, 1, 1);
    check_conv(6, 5, 2, 3, 1, 1, 0, 1);
}

// ---- Depthwise 3x3 ----
// pair128: channel c/2 has weights -128 on taps 2 and 3 and inputs -128 (two products of 16384:
// the SIMD paths that sum tap pairs in int16 must notice).
static void check_dw_pads(size_t h, size_t w, size_t c, size_t stride, size_t pad_top, size_t pad_left,
                          size_t pad_bottom, size_t pad_right, int mode, int extreme, int pair128) {
    if (h + pad_top + pad_bottom < 3 || w + pad_left + pad_right < 3) return;
    const size_t oh = (h + pad_top + pad_bottom - 3) / stride + 1, ow = (w + pad_left + pad_right - 3) / stride + 1;
    int8_t *in = xmalloc(h * w * c), *wt = xmalloc(9 * c);
    int32_t *bias = xmalloc(c * sizeof(int32_t));
    fill(in, h * w * c, mode, -128);
    fill(wt, 9 * c, mode, (rnd() & 1) ? -128 : -127);
    if (pair128) {
        wt[2 * c + c / 2] = wt[3 * c + c / 2] = -128;
        for (size_t i = 0; i < h * w; i++) in[i * c + c / 2] = -128;
    }
    for (size_t j = 0; j < c; j++) bias[j] = rnd_range(-30000, 30000);
    const int32_t zp = extreme ? ((rnd() & 1) ? -128 : 127) : rnd_range(-128, 127);
    requant r;
    make_requant(&r, c, extreme);
    void *packed = xmalloc(ember_qs8_dwconv3x3_packed_size(c));
    ember_qs8_dwconv3x3_pack(c, wt, bias, zp, packed);
    const size_t bytes = oh * ow * c;
    int8_t *want = xmalloc(bytes), *twin = xmalloc(bytes), *got = xmalloc(bytes);
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t ch = 0; ch < c; ch++) {
                int32_t acc = bias[ch];
                for (size_t t = 0; t < 9; t++) {
                    const ptrdiff_t iy = (ptrdiff_t)(oy * stride + t / 3) - (ptrdiff_t)pad_top;
                    const ptrdiff_t ix = (ptrdiff_t)(ox * stride + t % 3) - (ptrdiff_t)pad_left;
                    if (iy < 0 || ix < 0 || iy >= (ptrdiff_t)h || ix >= (ptrdiff_t)w) continue;
                    acc += ((int32_t)in[((size_t)iy * w + (size_t)ix) * c + ch] - zp) * wt[t * c + ch];
                }
                want[(oy * ow + ox) * c + ch] = ember_output_value(ember_requantize(acc, r.mult[ch], r.shift[ch]), r.q.zero_point, r.q.min, r.q.max);
            }
    ember_qs8_dwconv3x3__ref(in, h, w, c, stride, pad_top, pad_left, oh, ow, 0, oh, packed, (int8_t)zp, twin, &r.q);
    char what[128];
    snprintf(what, sizeof what, "dwconv3x3 %zux%zux%zu s%zu pad %zu,%zu,%zu,%zu zp=%d", h, w, c, stride, pad_top, pad_left, pad_bottom, pad_right, zp);
    same_bytes(what, "ember_qs8_dwconv3x3__ref vs TFLite loop", twin, want, bytes, c);
    const ember_kernel_table *t = ember_kernel_table_for("qs8_dwconv3x3");
    const size_t split = oh > 1 ? (size_t)rnd() % oh : 0;
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa)) continue;
        const ember_qs8_dwconv3x3_fn fn = (ember_qs8_dwconv3x3_fn)t->entries[e].fn;
        memset(got, 0x5A, bytes);
        fn(in, h, w, c, stride, pad_top, pad_left, oh, ow, 0, split, packed, (int8_t)zp, got, &r.q);
        fn(in, h, w, c, stride, pad_top, pad_left, oh, ow, split, oh, packed, (int8_t)zp, got, &r.q);
        same_bytes(what, t->entries[e].name, got, twin, bytes, c);
    }
    free(in); free(wt); free(bias); free(packed); free(want); free(twin); free(got); free_requant(&r);
}
/// Both sides padded by the given amounts.
static void check_dw(size_t h, size_t w, size_t c, size_t stride, size_t pad_top, size_t pad_left, int mode, int extreme, int pair128) {
    check_dw_pads(h, w, c, stride, pad_top, pad_left, pad_top, pad_left, mode, extreme, pair128);
}

/// The AVX-512 depthwise kernel's rq64 output stages (as test_gemm_rq64): 64- and 32-channel
/// passes, shifts 1-24 and the edges that select the general form, multipliers at the limits, and
/// with zero weights every other call, sums at both roundings' ties and at ±2^31.
static void test_dwconv_rq64(void) {
    for (int rep = 0; rep < (g_quick ? 60 : 240); rep++) {
        const size_t c = (const size_t[]){32, 64, 96, 144, 8}[rep % 5], h = 4, w = 5, stride = 1 + (size_t)(rep / 5 % 2);
        const size_t oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
        const int ties = rep % 2;
        int8_t in[4 * 5 * 144], wt[9 * 144], twin[4 * 5 * 144], got[4 * 5 * 144];
        int32_t bias[144], mult[144], shift[144];
        fill(in, h * w * c, rep / 2 % 4, -128);
        fill(wt, 9 * c, rep / 8 % 4, -128);
        if (ties) memset(wt, 0, sizeof wt);
        ember_qs8_output q;
        rq64_params(rep, ties, c, &q, mult, shift, bias);
        const int8_t izp = (int8_t)rnd_range(-128, 127);
        void *packed = xmalloc(ember_qs8_dwconv3x3_packed_size(c));
        ember_qs8_dwconv3x3_pack(c, wt, bias, izp, packed);
        ember_qs8_dwconv3x3__ref(in, h, w, c, stride, 1, 1, oh, ow, 0, oh, packed, izp, twin, &q);
        const ember_kernel_table *t = ember_kernel_table_for("qs8_dwconv3x3");
        char what[128];
        snprintf(what, sizeof what, "dwconv3x3 rq64 c=%zu s%zu zp=%d clamp [%d, %d] rep %d", c, stride, q.zero_point, q.min, q.max, rep);
        for (size_t e = 1; e < t->count; e++) {
            if (!ember_isa_available(t->entries[e].isa)) continue;
            memset(got, 0x5A, sizeof got);
            ((ember_qs8_dwconv3x3_fn)t->entries[e].fn)(in, h, w, c, stride, 1, 1, oh, ow, 0, oh, packed, izp, got, &q);
            same_bytes(what, t->entries[e].name, got, twin, oh * ow * c, c);
        }
        free(packed);
    }
}

static void test_dwconv(void) {
    const size_t hs[] = {1, 2, 3, 5, 13}, cs[] = {1, 8, 15, 16, 17, 33};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 6; j++)
            for (size_t s = 1; s <= 2; s++)
                for (size_t p = 0; p <= 1; p++)
                    if (!g_quick || (i + j + s + p) % 2 == 0)
                        check_dw(hs[i], hs[(i + j) % 5], cs[j], s, p, (p + j) % 2, FILL_RANDOM, (i + j) % 3 == 0, 0);
    for (int mode = FILL_MIN; mode <= FILL_EXTREMES; mode++) check_dw(6, 7, 24, 1, 1, 1, mode, 1, 0);
    // 13 and 16k + r channels, padding 2 (more than one edge pixel), -128 weight pairs.
    static const size_t cs2[] = {13, 40, 53};
    for (size_t j = 0; j < 3; j++)
        for (size_t s = 1; s <= 2; s++) {
            check_dw(9, 11, cs2[j], s, 2, 2, FILL_RANDOM, 0, 0);
            check_dw(8, 10, cs2[j], s, 1, 2, FILL_RANDOM, 1, 0);
            check_dw(7, 12, cs2[j], s, 1, 1, FILL_RANDOM, j == 1, 1);
            check_dw(12, 3, cs2[j], s, 0, 1, FILL_RANDOM, 0, 1);
        }
    check_dw(10, 10, 48, 1, 1, 1, FILL_RANDOM, 0, 1);
    check_dw(11, 10, 80, 3, 1, 1, FILL_RANDOM, 0, 0);  // stride 3: the AVX-512 kernel hands it to AVX2
    check_dw_pads(9, 8, 17, 3, 0, 1, 1, 0, FILL_RANDOM, 1, 0);
    // Widths 1..9 (the sliding column windows' starts and ends) with each side padded 0 or 1
    // independently, at channel counts around the 16- and 32-channel passes and the model's.
    static const size_t cs3[] = {1, 13, 16, 17, 32, 48, 96, 144, 960};
    for (size_t j = 0; j < sizeof cs3 / sizeof cs3[0]; j++)
        for (size_t wd = 1; wd <= 9; wd++)
            for (size_t s = 1; s <= 2; s++)
                for (unsigned pads = 0; pads < 16; pads++) {
                    if (g_quick && (j + wd + s + pads) % 4 != 0) continue;
                    const size_t n = j * 9 + wd + pads;
                    check_dw_pads(2 + (wd + pads) % 4, wd, cs3[j], s, pads & 1, (pads >> 1) & 1, (pads >> 2) & 1, (pads >> 3) & 1,
                                  n % 7 == 0 ? FILL_MIN : n % 7 == 1 ? FILL_EXTREMES : FILL_RANDOM, n % 3 == 0, n % 5 == 0);
                }
    // MobileNetV2 depthwise layers (H = W, C, stride) with H reduced; TF 'SAME' pads 1 (s1) or 0/1 (s2).
    static const size_t layers[][3] = {{112, 32, 1}, {112, 96, 2}, {56, 144, 1}, {56, 144, 2}, {28, 192, 1},
                                       {28, 192, 2}, {14, 384, 1}, {14, 576, 1}, {14, 576, 2}, {7, 960, 1}};
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        size_t hh = layers[i][0];
        const size_t cap = g_quick ? 6 : 28;
        if (hh > cap) hh = cap;
        const size_t s = layers[i][2];
        check_dw(hh, hh, layers[i][1], s, s == 1 ? 1 : 0, s == 1 ? 1 : 0, FILL_RANDOM, 0, 0);
        if (s == 2) check_dw_pads(hh, hh, layers[i][1], s, 0, 0, 1, 1, FILL_RANDOM, 0, 0);  // TF 'SAME', even H
        // The bundled model: an explicit PAD op before each stride-2 layer, which then runs unpadded
        // on H + 2 (even) or H + 1 (odd) rows, with real per-channel shifts (mixed in 1 of 2 runs).
        if (s == 2) check_dw(hh + 2, hh + 2, layers[i][1], s, 0, 0, FILL_RANDOM, 0, 0);
        if (s == 2) check_dw(hh + 1, hh + 1, layers[i][1], s, 0, 0, FILL_RANDOM, (int)(rnd() & 1), 0);
    }
    test_dwconv_rq64();
}

// ---- ADD: every path against the twin, realistic and extreme parameters ----
static void check_add(size_t count, int extreme, int mode) {
    ember_qs8_add_params p;
    if (!extreme) {  // as TFLite's Prepare: left shift 20, inputs rescaled to twice the larger scale
        const double sa = ldexp(1.0 + (double)(rnd() % 1000) / 1000, -rnd_range(3, 9));
        const double sb = ldexp(1.0 + (double)(rnd() % 1000) / 1000, -rnd_range(3, 9));
        const double so = ldexp(1.0 + (double)(rnd() % 1000) / 1000, -rnd_range(2, 9));
        const double twice = 2 * (sa > sb ? sa : sb);
        p.left_shift = 20;
        ember_quantize_multiplier(sa / twice, &p.a_multiplier, &p.a_shift);
        ember_quantize_multiplier(sb / twice, &p.b_multiplier, &p.b_shift);
        ember_quantize_multiplier(twice / ((1 << 20) * so), &p.out_multiplier, &p.out_shift);
        p.a_zero_point = rnd_range(-128, 127);
        p.b_zero_point = rnd_range(-128, 127);
        p.out_zero_point = rnd_range(-128, 127);
        p.min = (rnd() % 3 == 0) ? rnd_range(-128, 0) : -128;
        p.max = (rnd() % 3 == 0) ? rnd_range(p.min, 127) : 127;
    } else if (extreme == 2) {  // inputs within the AVX-512 path's cheap rescale (int8 zero points, left
        // shift 8..23, multipliers >= 0, right shifts), the output stage magnifying the sum: an error of 1 in
        // either rescaled input changes the output bytes
        int32_t *mult[2] = {&p.a_multiplier, &p.b_multiplier}, *shift[2] = {&p.a_shift, &p.b_shift};
        for (int i = 0; i < 2; i++) {
            *mult[i] = (rnd() % 4 == 0) ? ((rnd() & 1) ? INT32_MAX : 0) : (int32_t)(rnd() & 0x7FFFFFFF);
            *shift[i] = (rnd() % 4 == 0) ? ((rnd() & 1) ? 0 : -40) : rnd_range(-31, 0);
        }
        p.left_shift = (rnd() % 3 == 0) ? 20 : rnd_range(8, 23);
        p.a_zero_point = (rnd() & 1) ? ((rnd() & 1) ? -128 : 127) : rnd_range(-128, 127);
        p.b_zero_point = (rnd() & 1) ? ((rnd() & 1) ? -128 : 127) : rnd_range(-128, 127);
        p.out_multiplier = (int32_t)(rnd() & 0x7FFFFFFF) | (1 << 30);
        p.out_shift = rnd_range(0, 2);
        p.out_zero_point = rnd_range(-128, 127);
        p.min = INT32_MIN;  // no clamp: every bit of the sum's low byte shows
        p.max = INT32_MAX;
    } else {  // any multiplier (also negative, INT32_MIN), shifts beyond +-31, wrapping sums, wide clamps
        static const int32_t ms[] = {0, 1, INT32_MAX, 1 << 30, (1 << 30) + 1, INT32_MIN, -1, 1518500250};
        static const int32_t ss[] = {-40, -31, -30, 0, 1, 31, 30, -1, 16, 40};
        int32_t *mult[3] = {&p.a_multiplier, &p.b_multiplier, &p.out_multiplier}, *shift[3] = {&p.a_shift, &p.b_shift, &p.out_shift};
        for (int i = 0; i < 3; i++) {
            *mult[i] = (rnd() & 1) ? ms[rnd() % 8] : (int32_t)rnd();
            *shift[i] = (rnd() & 1) ? ss[rnd() % 10] : rnd_range(-31, 31);
        }
        p.left_shift = rnd_range(-2, 33);
        p.a_zero_point = (rnd() & 1) ? ((rnd() & 1) ? -128 : 127) : rnd_range(-300, 300);
        p.b_zero_point = (rnd() & 1) ? ((rnd() & 1) ? -128 : 127) : rnd_range(-300, 300);
        p.out_zero_point = rnd_range(-100000, 100000);
        p.min = rnd_range(-1000, 127);  // outside [-128, 127] too: the twin truncates the clamped value
        p.max = rnd_range(p.min, 1000);
    }
    const size_t off = rnd() % 4;  // unaligned starts
    int8_t *a = xmalloc(count + off), *b = xmalloc(count + off), *want = xmalloc(count), *got = xmalloc(count + 1);
    fill(a, count + off, mode, -128);
    fill(b, count + off, (int)(rnd() % 4), -128);
    ember_qs8_add__ref(count, a + off, b + off, want, &p);
    char what[200];
    snprintf(what, sizeof what, "qs8_add count=%zu ls=%d a=(%d,%d,zp %d) b=(%d,%d,zp %d) out=(%d,%d,zp %d) [%d,%d]", count, p.left_shift,
             p.a_multiplier, p.a_shift, p.a_zero_point, p.b_multiplier, p.b_shift, p.b_zero_point, p.out_multiplier, p.out_shift,
             p.out_zero_point, p.min, p.max);
    const ember_kernel_table *t = ember_kernel_table_for("qs8_add");
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa)) continue;
        memset(got, 0x5A, count + 1);
        ((ember_qs8_add_fn)t->entries[e].fn)(count, a + off, b + off, got, &p);
        same_bytes(what, t->entries[e].name, got, want, count, 0);
        g_checks++;
        if (got[count] != 0x5A) FAIL("%s: %s wrote past the end", what, t->entries[e].name);
    }
    free(a); free(b); free(want); free(got);
}

static void test_add(void) {
    // Every length 1..70 (the 32- and 64-byte steps and their tails), then longer odd ones.
    for (size_t n = 1; n <= 70; n++)
        for (int extreme = 0; extreme <= 2; extreme++)
            for (int rep = 0; rep < (g_quick ? 1 : 4); rep++) check_add(n, extreme, (int)(rnd() % 4));
    const size_t counts[] = {100, 127, 128, 129, 191, 1000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        for (int extreme = 0; extreme <= 2; extreme++)
            for (int rep = 0; rep < (g_quick ? 3 : 12); rep++) check_add(counts[i], extreme, (int)(rnd() % 4));
    // MobileNetV2's residual adds (H*W*C), fewer under --quick.
    const size_t layers[] = {56 * 56 * 24, 28 * 28 * 32, 14 * 14 * 64, 14 * 14 * 96, 7 * 7 * 160};
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        check_add(g_quick ? layers[i] / 8 + 5 : layers[i], (int)(i & 1), FILL_RANDOM);
}

// ---- MEAN over H, W: every path against the twin ----
static void check_mean(size_t h, size_t w, size_t c, int extreme, int mode) {
    ember_qs8_mean_params p;
    if (!extreme) {  // as the converter: in/out scale ratio, 1/count folded in
        int32_t m0, s0;
        ember_quantize_multiplier(ldexp(1.0 + (double)(rnd() % 1000) / 1000, -rnd_range(0, 3)), &m0, &s0);
        ember_qs8_mean_multiplier(m0, s0, h * w, &p.multiplier, &p.shift);
        p.in_zero_point = rnd_range(-128, 127);
        p.out_zero_point = rnd_range(-128, 127);
        p.min = -128;
        p.max = 127;
    } else {  // any multiplier (also INT32_MIN), shifts beyond +-31, wrapping sums, clamps outside int8
        static const int32_t ms[] = {0, 1, INT32_MAX, 1 << 30, INT32_MIN, -1};
        p.multiplier = (rnd() & 1) ? ms[rnd() % 6] : (int32_t)rnd();
        p.shift = (rnd() & 1) ? rnd_range(-40, 40) : rnd_range(-31, 31);
        p.in_zero_point = (rnd() & 1) ? ((rnd() & 1) ? -128 : 127) : rnd_range(-100000, 100000);
        p.out_zero_point = rnd_range(-100000, 100000);
        p.min = rnd_range(-1000, 127);
        p.max = rnd_range(p.min, 1000);
    }
    const size_t n = h * w * c;
    int8_t *in = xmalloc(n), *want = xmalloc(c), *got = xmalloc(c + 1);
    fill(in, n, mode, -128);
    ember_qs8_mean_hw__ref(in, h, w, c, want, &p);
    char what[160];
    snprintf(what, sizeof what, "qs8_mean_hw %zux%zux%zu in zp %d out zp %d m %d s %d [%d,%d]", h, w, c, p.in_zero_point,
             p.out_zero_point, p.multiplier, p.shift, p.min, p.max);
    const ember_kernel_table *t = ember_kernel_table_for("qs8_mean_hw");
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa)) continue;
        memset(got, 0x5A, c + 1);
        ((ember_qs8_mean_hw_fn)t->entries[e].fn)(in, h, w, c, got, &p);
        same_bytes(what, t->entries[e].name, got, want, c, 0);
        g_checks++;
        if (got[c] != 0x5A) FAIL("%s: %s wrote past the end", what, t->entries[e].name);
    }
    free(in); free(want); free(got);
}

static void test_mean(void) {
    // Channels 1..40 (the 8-channel steps and their tails), small images, both parameter kinds.
    for (size_t c = 1; c <= 40; c++)
        for (int extreme = 0; extreme <= 1; extreme++)
            check_mean(1 + rnd() % 9, 1 + rnd() % 9, c, extreme, (int)(rnd() % 4));
    check_mean(1, 1, 13, 1, FILL_MIN);
    check_mean(7, 7, 1280, 0, FILL_RANDOM);  // MobileNetV2's head
    check_mean(7, 7, 1280, 1, FILL_MIN);
    check_mean(16, 16, 1003, 0, FILL_EXTREMES);
}

// ---- Elementwise ops: scalar only; checked against float semantics within one step ----
static void test_elementwise(void) {
    // ADD: TFLite's usual parameters (left shift 20, twice the larger input scale).
    const double sa = 0.05, sb = 0.02, so = 0.06, twice = 2 * 0.05;
    ember_qs8_add_params p = {.a_zero_point = -3, .b_zero_point = 10, .out_zero_point = -7, .left_shift = 20, .min = -128, .max = 127};
    ember_quantize_multiplier(sa / twice, &p.a_multiplier, &p.a_shift);
    ember_quantize_multiplier(sb / twice, &p.b_multiplier, &p.b_shift);
    ember_quantize_multiplier(twice / ((1 << 20) * so), &p.out_multiplier, &p.out_shift);
    int8_t a[256], b[256], o[256];
    for (int i = 0; i < 256; i++) { a[i] = (int8_t)i; b[i] = (int8_t)rnd(); }
    ember_qs8_add(256, a, b, o, &p);
    for (int i = 0; i < 256; i++) {
        const double real = sa * (a[i] + 3) + sb * (b[i] - 10);
        double e = round(real / so) - 7;
        e = e < -128 ? -128 : (e > 127 ? 127 : e);
        g_checks++;
        if (fabs(o[i] - e) > 1) { FAIL("add: a=%d b=%d got %d expected about %.0f", a[i], b[i], o[i], e); break; }
    }
    // MEAN over 7x7x5.
    int8_t in[49 * 5], mo[5];
    fill(in, sizeof in, FILL_RANDOM, -128);
    ember_qs8_mean_params mp = {.in_zero_point = 4, .out_zero_point = -2, .min = -128, .max = 127};
    int32_t m0, s0;
    ember_quantize_multiplier(0.03 / 0.02, &m0, &s0);
    ember_qs8_mean_multiplier(m0, s0, 49, &mp.multiplier, &mp.shift);
    ember_qs8_mean_hw(in, 7, 7, 5, mo, &mp);
    for (int c = 0; c < 5; c++) {
        double sum = 0;
        for (int i = 0; i < 49; i++) sum += in[i * 5 + c] - 4;
        double e = round(sum / 49 * 0.03 / 0.02) - 2;
        e = e < -128 ? -128 : (e > 127 ? 127 : e);
        g_checks++;
        if (fabs(mo[c] - e) > 1) FAIL("mean: channel %d got %d expected about %.0f", c, mo[c], e);
    }
    // AVERAGE_POOL: an exact small case (2x2 window, stride 2, no padding; and a padded corner).
    const int8_t pin[16] = {1, 2, 3, 4, 5, 6, 7, 8, -9, -10, -11, -12, -13, -14, -15, -16};
    int8_t pout[4];
    ember_qs8_avgpool(pin, 4, 4, 1, 2, 2, 2, 2, 0, 0, 2, 2, -128, 127, pout);
    const int8_t pwant[4] = {4, 6, -12, -14};  // (1+2+5+6)/4 = 3.5 -> 4; (-9-10-13-14)/4 = -11.5 -> -12
    same_bytes("avgpool 4x4 k2 s2", "ember_qs8_avgpool", pout, pwant, 4, 2);
    ember_qs8_avgpool(pin, 4, 4, 1, 3, 3, 3, 3, 1, 1, 1, 1, -128, 127, pout);
    const int8_t pwant2[1] = {4};  // padded corner: (1+2+5+6)/4 only counts the 4 real taps
    same_bytes("avgpool padded corner", "ember_qs8_avgpool", pout, pwant2, 1, 1);
    // SOFTMAX: parameters as TFLite's Prepare, beta 1, input scale 0.1; compare to float softmax.
    const double in_scale = 0.1;
    ember_qs8_softmax_params sp = {.out_zero_point = -128};
    double real_mult = 1.0 * in_scale * (double)(1 << 26);
    if (real_mult > 2147483647.0) real_mult = 2147483647.0;
    ember_quantize_multiplier(real_mult, &sp.input_multiplier, &sp.input_left_shift);
    sp.diff_min = -(int32_t)floor(31.0 * (double)(1 << 26) / ldexp(1.0, sp.input_left_shift));
    int8_t sx[2 * 40], sy[2 * 40];
    fill(sx, sizeof sx, FILL_RANDOM, -128);
    ember_qs8_softmax(2, 40, sx, sy, &sp);
    for (int r = 0; r < 2; r++) {
        double mx = -1e9, sum = 0;
        for (int i = 0; i < 40; i++) mx = fmax(mx, sx[r * 40 + i]);
        for (int i = 0; i < 40; i++) sum += exp(in_scale * (sx[r * 40 + i] - mx));
        for (int i = 0; i < 40; i++) {
            double e = round(exp(in_scale * (sx[r * 40 + i] - mx)) / sum * 256) - 128;
            e = e > 127 ? 127 : e;
            g_checks++;
            if (fabs(sy[r * 40 + i] - e) > 1) { FAIL("softmax: row %d col %d got %d expected about %.0f", r, i, sy[r * 40 + i], e); break; }
        }
    }
    // QUANTIZE / DEQUANTIZE / int8 requantize: exact expectations.
    const float qf[6] = {0.25f, -0.25f, 0.75f, 100.0f, -100.0f, 0.0f};
    int8_t qo[6];
    ember_qs8_quantize(6, qf, 0.5f, 1, qo);
    const int8_t qwant[6] = {2, 0, 3, 127, -128, 1};  // 0.5 -> 1 (away from zero), -0.5 -> -1, 1.5 -> 2
    same_bytes("quantize", "ember_qs8_quantize", qo, qwant, 6, 6);
    float df[2];
    const int8_t di[2] = {-128, 127};
    ember_qs8_dequantize(2, di, 0.5f, -3, df);
    g_checks++;
    if (df[0] != -62.5f || df[1] != 65.0f) FAIL("dequantize: got %g %g", df[0], df[1]);
    int8_t ro[3];
    const int8_t ri[3] = {-128, 0, 127};
    ember_qs8_requantize(3, ri, 0, 1 << 30, 0, 5, ro);  // * 0.5 then + 5
    const int8_t rwant[3] = {-59, 5, 69};
    same_bytes("requantize", "ember_qs8_requantize", ro, rwant, 3, 3);
}

// ---- Encoder kernels (float, dynamic quantization) ----
static float frand(void) { return (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }
static int close_to(double got, double want, double tol) { return fabs(got - want) <= tol * (1.0 + fabs(want)); }

/// Every qd8 path equals the twin on encoder-sized K (int16 row chunks of several tiles, K past
/// the AVX2 3x8 kernel's int16 limit, the NEON-dot kernel's buffer of transposed rows, an odd k
/// tail, the AVX-VNNI kernel's u8 row chunks, the AVX-512 kernel's chunks at K = 1536 and its
/// fallback past K = 8192) with uneven row splits and n % 8 != 0; 1 and 13;
/// MiniLM's QKV shape; extreme values. Each shape runs with weights holding -128 and with
/// narrow-range weights (then the narrow kernels and ember_qd8_gemm_f32_narrow run too; the last
/// shape: -128 rows x -127 weights).
static void qd8_paths_match_twin(void) {
    static const size_t shapes[][3] = {{67, 21, 384}, {40, 13, 1536}, {9, 11, 1541}, {31, 8, 2000}, {5, 3, 8},
                                       {1, 1, 1}, {13, 13, 13}, {130, 1152, 384}, {6, 17, 1536}, {7, 9, 1000},
                                       {4, 17, 27}, {19, 13, 2049}, {10, 9, 4100}, {64, 40, 1536}, {9, 19, 8200}, {6, 5, 1544}};
    const size_t nshapes = sizeof shapes / sizeof shapes[0];
    const ember_kernel_table *qt = ember_kernel_table_for("qd8_gemm");
    for (size_t s = 0; s < 2 * nshapes; s++) {
        const int narrow = s >= nshapes;
        const size_t m = shapes[s % nshapes][0], n = shapes[s % nshapes][1], k = shapes[s % nshapes][2];
        int8_t *qa = xmalloc(m * k), *w = xmalloc(n * k);
        float *scale = xmalloc(m * sizeof(float)), *ws = xmalloc(n * sizeof(float)), *bias = xmalloc(n * sizeof(float));
        float *twin = xmalloc(m * n * sizeof(float)), *got = xmalloc(m * n * sizeof(float));
        int32_t *zp = xmalloc(m * sizeof(int32_t));
        for (size_t i = 0; i < m * k; i++) qa[i] = (int8_t)(rnd() >> 56);
        for (size_t i = 0; i < n * k; i++) w[i] = (int8_t)(rnd() >> 56);
        w[rnd() % (n * k)] = INT8_MIN;
        if (narrow)
            for (size_t i = 0; i < n * k; i++) w[i] = w[i] == INT8_MIN ? -127 : w[i];
        if (s == 2 * nshapes - 1) {
            memset(qa, -128, m * k);
            for (size_t i = 0; i < n * k; i++) w[i] = i % 3 ? -127 : 127;
        }
        for (size_t r = 0; r < m; r++) { scale[r] = 0.01f + 0.02f * fabsf(frand()); zp[r] = (int32_t)(rnd() % 256) - 128; }
        if (s == 6 || s == 8) {  // extremes: inputs of -128, weights at both limits, zero points at the limits
            for (size_t i = 0; i < m * k; i++) qa[i] = -128;
            for (size_t i = 0; i < n * k; i++) w[i] = i % 3 ? -128 : 127;
            for (size_t r = 0; r < m; r++) zp[r] = r % 2 ? 127 : -128;
        }
        for (size_t j = 0; j < n; j++) { ws[j] = 0.001f + 0.01f * fabsf(frand()); bias[j] = frand(); }
        void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
        ember_qs8_gemm_pack(n, k, w, NULL, -1, packed);
        const float *b = s % 2 ? NULL : bias;
        ember_qd8_gemm__ref(0, m, n, k, qa, k, scale, zp, packed, ws, b, twin, n);
        g_checks++;
        if (ember_qs8_gemm_packed_narrow(n, k, packed) != narrow) FAIL("qd8 m=%zu n=%zu k=%zu: packed_narrow != %d", m, n, k, narrow);
        if (narrow) {
            memset(got, 0, m * n * sizeof(float));
            ember_qd8_gemm_f32_narrow(0, m / 2, n, k, qa, k, scale, zp, packed, ws, b, got, n);
            ember_qd8_gemm_f32_narrow(m / 2, m, n, k, qa, k, scale, zp, packed, ws, b, got, n);
            g_checks++;
            if (memcmp(got, twin, m * n * sizeof(float)) != 0)
                FAIL("%s differs from ember_qd8_gemm__ref at m=%zu n=%zu k=%zu", ember_kernel_name("qd8_gemm_narrow"), m, n, k);
        }
        for (size_t e = 1; e < qt->count; e++) {
            if (!ember_isa_available(qt->entries[e].isa) || (qt->entries[e].narrow && !narrow)) continue;
            const ember_qd8_gemm_fn fn = (ember_qd8_gemm_fn)qt->entries[e].fn;
            const size_t split = m / 3 + 1;
            memset(got, 0, m * n * sizeof(float));
            fn(0, split, n, k, qa, k, scale, zp, packed, ws, b, got, n);
            fn(split, m, n, k, qa, k, scale, zp, packed, ws, b, got, n);
            g_checks++;
            if (memcmp(got, twin, m * n * sizeof(float)) != 0)
                FAIL("%s differs from ember_qd8_gemm__ref at m=%zu n=%zu k=%zu", qt->entries[e].name, m, n, k);
        }
        free(qa); free(w); free(scale); free(ws); free(bias); free(twin); free(got); free(zp); free(packed);
    }
}

/// Every per-row quantizer path equals the twin bit for bit: random rows, rows whose values land
/// on halves (ties round away from zero), all zeros, -0.0, huge values, infinities and NaN; row
/// lengths 1, 13, not multiples of any vector width, and MiniLM's 384 and 1536.
static void qd8_quantize_paths_match_twin(size_t k) {
    const size_t rows = 9;
    float *x = xmalloc(rows * k * sizeof(float)), *s0 = xmalloc(rows * sizeof(float)), *s1 = xmalloc(rows * sizeof(float));
    int8_t *q0 = xmalloc(rows * k), *q1 = xmalloc(rows * k);
    int32_t *z0 = xmalloc(rows * sizeof(int32_t)), *z1 = xmalloc(rows * sizeof(int32_t));
    for (size_t i = 0; i < rows * k; i++) x[i] = frand() * 5.0f;
    for (size_t i = 0; i < k; i++) {
        // Ties and integers, exactly and up to two floats away: the range [-16, 15.875] gives scale
        // 31.875 / 255 = 1/8 exactly, and v / (1/8) = 8v is exact (ties round away from zero).
        float tie = (float)((int)((i / 2) % 201) - 100) + (i % 2 ? 0.5f : 0.0f);
        for (int step = (int)((i / 402 + 2) % 5) - 2; step != 0; step += step > 0 ? -1 : 1) tie = nextafterf(tie, step > 0 ? INFINITY : -INFINITY);
        x[1 * k + i] = i == 0 ? -16.0f : i == 1 ? 15.875f : tie * 0.125f;
        x[2 * k + i] = 0.0f;
        x[3 * k + i] = i % 3 ? -0.0f : 1e-30f;
        x[4 * k + i] = i % 5 ? frand() : 3e38f;
        x[5 * k + i] = i == k / 2 ? INFINITY : frand();
        x[6 * k + i] = i % 7 == 3 ? NAN : frand() - 0.5f;
        x[7 * k + i] = i == k - 1 ? -INFINITY : frand() + 2.0f;
        x[8 * k + i] = i % 2 ? 3e38f : -3e38f;  // hi - lo overflows to infinity
    }
    const ember_kernel_table *t = ember_kernel_table_for("qd8_quantize_rows");
    ember_qd8_quantize_rows__ref(rows, k, x, k, q0, k, s0, z0);
    // An infinite range gives scale 1, and the zero point saturates at 127 on every CPU (converted
    // to int32 first, it was undefined: INT32_MIN on x86-64, INT32_MAX on AArch64).
    g_checks++;
    if (s0[7] != 1.0f || z0[7] != 127 || (k > 1 && (s0[8] != 1.0f || z0[8] != 127)))
        FAIL("infinite row ranges: scale %g / %g, zero point %d / %d (want 1, 127)", s0[7], s0[8], z0[7], z0[8]);
    g_checks++;
    if (k > 3 && (s0[1] != 0.125f || q0[k + 3] != (int8_t)ember_clamp(-99 + z0[1], -128, 127)))  // -98.5 -> -99
        FAIL("qd8 ties: scale %g (want 0.125), q %d (want %d)", s0[1], q0[k + 3], -99 + z0[1]);
    for (size_t e = 1; e < t->count; e++) {
        if (!ember_isa_available(t->entries[e].isa)) continue;
        ((ember_qd8_quantize_rows_fn)t->entries[e].fn)(rows, k, x, k, q1, k, s1, z1);
        g_checks++;
        if (memcmp(q0, q1, rows * k) || memcmp(s0, s1, rows * sizeof(float)) || memcmp(z0, z1, rows * sizeof(int32_t)))
            FAIL("%s differs from ember_qd8_quantize_rows__ref (k %zu)", t->entries[e].name, k);
    }
    free(x); free(s0); free(s1); free(q0); free(q1); free(z0); free(z1);
}

static void attention_paths_match_twin(void);
static void hadamard_paths_match_twin(void);

static void test_encoder(void) {
    // Dynamic quantization: the float result equals the formula on exact int32 sums, bit for bit,
    // and approximates the float product within the quantization error.
    const size_t m = 7, n = 19, k = 45;
    float x[7 * 45], wf[19 * 45], ws[19], bias[19], scale[7], out[7 * 19];
    int8_t qa[7 * 45], w[19 * 45];
    int32_t zp[7];
    for (size_t i = 0; i < m * k; i++) x[i] = frand() * 3.0f + (i % 7 == 0 ? 1.5f : 0.0f);
    for (size_t j = 0; j < n; j++) {
        float amax = 0;
        for (size_t i = 0; i < k; i++) { wf[j * k + i] = frand() * 0.2f; amax = fmaxf(amax, fabsf(wf[j * k + i])); }
        ws[j] = amax / 127.0f;
        for (size_t i = 0; i < k; i++) w[j * k + i] = (int8_t)lrintf(wf[j * k + i] / ws[j]);
        bias[j] = frand();
    }
    ember_qd8_quantize_rows(m, k, x, k, qa, k, scale, zp);
    for (size_t r = 0; r < m; r++)
        for (size_t i = 0; i < k; i++) {
            g_checks++;
            const double back = scale[r] * ((int32_t)qa[r * k + i] - zp[r]);
            if (fabs(back - x[r * k + i]) > 0.5 * scale[r] + 1e-6) { FAIL("qd8 quantize row %zu col %zu: %g -> %g", r, i, x[r * k + i], back); return; }
        }
    void *packed = xmalloc(ember_qs8_gemm_packed_size(n, k));
    ember_qs8_gemm_pack(n, k, w, NULL, -1, packed);
    ember_qd8_gemm_f32(0, m, n, k, qa, k, scale, zp, packed, ws, bias, out, n);
    // Every path of the table gives the same floats as the twin, over uneven row splits.
    const ember_kernel_table *qt = ember_kernel_table_for("qd8_gemm");
    float *twin = xmalloc(m * n * sizeof(float)), *got = xmalloc(m * n * sizeof(float));
    ember_qd8_gemm__ref(0, m, n, k, qa, k, scale, zp, packed, ws, bias, twin, n);
    for (size_t e = 1; e < qt->count; e++) {
        if (!ember_isa_available(qt->entries[e].isa)) continue;  // weights from lrintf(x / (max|x| / 127)): narrow
        const ember_qd8_gemm_fn fn = (ember_qd8_gemm_fn)qt->entries[e].fn;
        fn(0, 3, n, k, qa, k, scale, zp, packed, ws, bias, got, n);
        fn(3, m, n, k, qa, k, scale, zp, packed, ws, bias, got, n);
        g_checks++;
        if (memcmp(got, twin, m * n * sizeof(float)) != 0) FAIL("%s differs from ember_qd8_gemm__ref", qt->entries[e].name);
    }
    free(twin);
    free(got);
    qd8_paths_match_twin();
    attention_paths_match_twin();
    hadamard_paths_match_twin();
    static const size_t quantize_k[] = {1, 13, 16, 31, 77, 384, 1536};
    for (size_t i = 0; i < sizeof quantize_k / sizeof quantize_k[0]; i++) qd8_quantize_paths_match_twin(quantize_k[i]);
    for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < n; j++) {
            int32_t acc = 0, wsum = 0;
            double real = bias[j];
            for (size_t i = 0; i < k; i++) { acc += qa[r * k + i] * w[j * k + i]; wsum += w[j * k + i]; real += (double)x[r * k + i] * wf[j * k + i]; }
            const float product = scale[r] * ws[j] * (float)(acc - zp[r] * wsum);
            const float want = product + bias[j];
            g_checks++;
            if (out[r * n + j] != want) { FAIL("qd8 gemm [%zu][%zu] = %.9g, expected %.9g", r, j, out[r * n + j], want); break; }
            g_checks++;
            if (fabs(out[r * n + j] - real) > 0.05) { FAIL("qd8 gemm [%zu][%zu] = %g, float product %g", r, j, out[r * n + j], real); break; }
        }
    free(packed);
    // Layer norm: zero mean, unit variance before gamma/beta.
    float ln[3 * 384], g[384], b[384], lo[3 * 384];
    for (size_t i = 0; i < 3 * 384; i++) ln[i] = frand() * 4.0f + 2.0f;
    for (size_t i = 0; i < 384; i++) { g[i] = 1.0f; b[i] = 0.0f; }
    ember_f32_layernorm(3, 384, ln, g, b, 1e-12f, lo);
    for (size_t r = 0; r < 3; r++) {
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < 384; i++) { s1 += lo[r * 384 + i]; s2 += (double)lo[r * 384 + i] * lo[r * 384 + i]; }
        g_checks++;
        if (fabs(s1 / 384) > 1e-5 || fabs(s2 / 384 - 1) > 1e-4) FAIL("layernorm row %zu: mean %g, var %g", r, s1 / 384, s2 / 384);
    }
    // Every layer norm path against the double-precision twin (gamma/beta random; 384 = MiniLM).
    {
        const ember_kernel_table *lt = ember_kernel_table_for("f32_layernorm");
        static float lx[5 * 384], lg[384], lb[384], lref[5 * 384], lsim[5 * 384];
        for (size_t i = 0; i < 5 * 384; i++) lx[i] = frand() * 10.0f + (i < 384 ? 100.0f : 0.0f);  // row 0 far from 0
        for (size_t i = 0; i < 384; i++) { lg[i] = 1.0f + frand(); lb[i] = frand(); }
        ember_f32_layernorm__ref(5, 384, lx, lg, lb, 1e-12f, lref);
        for (size_t e = 1; e < lt->count; e++) {
            if (!ember_isa_available(lt->entries[e].isa)) continue;
            ((ember_f32_layernorm_fn)lt->entries[e].fn)(5, 384, lx, lg, lb, 1e-12f, lsim);
            for (size_t i = 0; i < 5 * 384; i++) {
                g_checks++;
                if (fabsf(lsim[i] - lref[i]) > 1e-5f * (1.0f + fabsf(lref[i]))) { FAIL("%s [%zu] = %g, twin %g", lt->entries[e].name, i, lsim[i], lref[i]); break; }
            }
        }
    }
    // GELU at known points (erf form).
    const float gx[4] = {0.0f, 1.0f, -1.0f, 3.0f}, gw[4] = {0.0f, 0.8413447460685429f, -0.15865525393145707f, 2.995950276f};
    float gy[4];
    ember_f32_gelu(4, gx, gy);
    for (int i = 0; i < 4; i++) { g_checks++; if (!close_to(gy[i], gw[i], 1e-6)) FAIL("gelu(%g) = %.9g, expected %.9g", gx[i], gy[i], gw[i]); }
    // Masked softmax: masked columns 0, the rest sums to 1 and matches exp ratios.
    const float sx[5] = {1.0f, 2.0f, 3.0f, 100.0f, -1.0f};
    const uint8_t smask[5] = {1, 1, 1, 0, 1};
    float sy[5];
    ember_f32_softmax_masked(1, 5, sx, smask, 0.5f, sy);
    const double z = exp(0.5) + exp(1.0) + exp(1.5) + exp(-0.5);
    const double sw[5] = {exp(0.5) / z, exp(1.0) / z, exp(1.5) / z, 0.0, exp(-0.5) / z};
    for (int i = 0; i < 5; i++) { g_checks++; if (!close_to(sy[i], sw[i], 1e-6)) FAIL("softmax_masked[%d] = %g, expected %g", i, sy[i], sw[i]); }
    // SIMD GELU and masked softmax against their twins (libm): within float rounding.
    enum { NG = 1000 };
    float *gx2 = xmalloc(NG * sizeof(float)), *gref = xmalloc(NG * sizeof(float)), *gsim = xmalloc(NG * sizeof(float));
    for (int i = 0; i < NG; i++) gx2[i] = i < 20 ? (float)(i - 10) : frand() * 12.0f;
    ember_f32_gelu__ref(NG - 3, gx2, gref);
    const ember_kernel_table *gt = ember_kernel_table_for("f32_gelu");
    for (size_t e = 1; e < gt->count; e++) {
        if (!ember_isa_available(gt->entries[e].isa)) continue;
        ((ember_f32_gelu_fn)gt->entries[e].fn)(NG - 3, gx2, gsim);  // odd count: the scalar tail too
        for (int i = 0; i < NG - 3; i++) {
            g_checks++;
            if (fabsf(gsim[i] - gref[i]) > 1e-6f * (1.0f + fabsf(gref[i]))) {
                FAIL("%s(%g) = %.9g, twin %.9g", gt->entries[e].name, gx2[i], gsim[i], gref[i]);
                break;
            }
        }
    }
    const ember_kernel_table *st = ember_kernel_table_for("f32_softmax_masked");
    for (size_t cols = 1; cols <= 37; cols += 4) {
        float sx2[3 * 40], sref[3 * 40], ssim[3 * 40];
        uint8_t mk[40];
        for (size_t i = 0; i < 3 * cols; i++) sx2[i] = frand() * 20.0f;
        for (size_t i = 0; i < cols; i++) mk[i] = (uint8_t)(rnd() % 4 != 0);
        const uint8_t *use = (cols % 8 == 1) ? NULL : mk;
        ember_f32_softmax_masked__ref(3, cols, sx2, use, 0.125f, sref);
        for (size_t e = 1; e < st->count; e++) {
            if (!ember_isa_available(st->entries[e].isa)) continue;
            ((ember_f32_softmax_fn)st->entries[e].fn)(3, cols, sx2, use, 0.125f, ssim);
            for (size_t i = 0; i < 3 * cols; i++) {
                g_checks++;
                if (fabsf(ssim[i] - sref[i]) > 1e-6f) { FAIL("%s cols %zu [%zu] = %g, twin %g", st->entries[e].name, cols, i, ssim[i], sref[i]); break; }
            }
        }
    }
    {   // a fully masked row gives zeros on every path
        const float zx[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        const uint8_t zm[9] = {0};
        float zy[9];
        for (size_t e = 0; e < st->count; e++) {
            if (!ember_isa_available(st->entries[e].isa)) continue;
            memset(zy, 0x7F, sizeof zy);
            ((ember_f32_softmax_fn)st->entries[e].fn)(1, 9, zx, zm, 1.0f, zy);
            for (int i = 0; i < 9; i++) { g_checks++; if (zy[i] != 0.0f) { FAIL("%s: fully masked row gave %g", st->entries[e].name, zy[i]); break; } }
        }
    }
    free(gx2); free(gref); free(gsim);
    // Mean pooling over unmasked tokens, then L2 normalization.
    const float px[3 * 2] = {1, 2, 10, 20, 3, 6};
    const uint8_t pmask[3] = {1, 0, 1};
    float py[2], pn[2];
    ember_f32_mean_pool(3, 2, px, pmask, py);
    g_checks++;
    if (py[0] != 2.0f || py[1] != 4.0f) FAIL("mean_pool = (%g, %g), expected (2, 4)", py[0], py[1]);
    ember_f32_l2_normalize(1, 2, py, 1e-12f, pn);
    g_checks++;
    if (!close_to(pn[0], 1 / sqrt(5.0), 1e-7) || !close_to(pn[1], 2 / sqrt(5.0), 1e-7)) FAIL("l2_normalize = (%g, %g)", pn[0], pn[1]);
}

// The embedding tail and the residual add, on shapes that cross their vector and block widths:
// mean pooling equals a token-ordered double sum per dimension (the same bits), L2 normalization
// is within 1e-6 of the double formula (all-zero rows stay zero), the add is exact.
static void test_encoder_tail(void) {
    static const size_t dims[] = {1, 7, 13, 64, 65, 384, 1000};
    static const size_t token_counts[] = {1, 7, 37};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t tc = 0; tc < sizeof token_counts / sizeof token_counts[0]; tc++) {
            const size_t dim = dims[d], tokens = token_counts[tc];
            float *x = xmalloc(tokens * dim * sizeof(float)), *y = xmalloc(dim * sizeof(float)), *n = xmalloc(dim * sizeof(float));
            uint8_t *mask = xmalloc(tokens);
            for (size_t i = 0; i < tokens * dim; i++) x[i] = 4.0f * frand();
            for (int pass = 0; pass < 3; pass++) {  // no mask, a random mask, every token masked
                for (size_t t = 0; t < tokens; t++) mask[t] = pass == 1 ? (uint8_t)(rnd() % 2) : 0;
                const uint8_t *m = pass == 0 ? NULL : mask;
                ember_f32_mean_pool(tokens, dim, x, m, y);
                size_t count = 0;
                for (size_t t = 0; t < tokens; t++) count += (!m || m[t]) ? 1 : 0;
                for (size_t i = 0; i < dim; i++) {
                    double sum = 0;
                    for (size_t t = 0; t < tokens; t++) if (!m || m[t]) sum += x[t * dim + i];
                    const float want = count ? (float)(sum / (double)count) : 0.0f;
                    g_checks++;
                    if (memcmp(&y[i], &want, sizeof want)) { FAIL("mean_pool dim %zu tokens %zu [%zu] = %.9g, want %.9g", dim, tokens, i, y[i], want); break; }
                }
                ember_f32_l2_normalize(1, dim, y, 1e-12f, n);
                double ss = 0;
                for (size_t i = 0; i < dim; i++) ss += (double)y[i] * y[i];
                const double norm = sqrt(ss) < 1e-12 ? 1e-12 : sqrt(ss);
                for (size_t i = 0; i < dim; i++) {
                    g_checks++;
                    if (!close_to(n[i], y[i] / norm, 1e-6)) { FAIL("l2_normalize dim %zu [%zu] = %.9g, want %.9g", dim, i, n[i], y[i] / norm); break; }
                }
            }
            free(x); free(y); free(n); free(mask);
        }
    for (size_t count = 1; count <= 1031; count += 93) {
        float *a = xmalloc((count + 1) * sizeof(float)), *b = xmalloc((count + 1) * sizeof(float)), *out = xmalloc((count + 1) * sizeof(float));
        for (size_t i = 0; i <= count; i++) { a[i] = 1e3f * frand(); b[i] = frand(); }
        ember_f32_encoder_add(count, a + 1, b + 1, out + 1);  // unaligned, as a row range starts
        for (size_t i = 1; i <= count; i++) {
            const float want = a[i] + b[i];
            g_checks++;
            if (memcmp(&out[i], &want, sizeof want)) { FAIL("encoder_add [%zu] = %.9g, want %.9g", i, out[i], want); break; }
        }
        free(a); free(b); free(out);
    }
    for (size_t rows = 1; rows <= 9; rows += 4)
        for (size_t k = 1; k <= 400; k += 37) {
            const size_t stride = k + 3;
            float *x = xmalloc((rows * stride + 1) * sizeof(float)), *s = xmalloc(k * sizeof(float)), *out = xmalloc(rows * k * sizeof(float));
            for (size_t i = 0; i <= rows * stride; i++) x[i] = 1e3f * frand();
            for (size_t i = 0; i < k; i++) s[i] = 0.01f + fabsf(4.0f * frand());
            ember_f32_encoder_scale_columns(rows, k, x + 1, stride, s, out);  // unaligned, as a row range starts
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < k; i++) {
                    const float want = x[1 + r * stride + i] * s[i];
                    g_checks++;
                    if (memcmp(&out[r * k + i], &want, sizeof want)) {
                        FAIL("encoder_scale_columns rows %zu k %zu [%zu][%zu] = %.9g, want %.9g", rows, k, r, i, out[r * k + i], want);
                        r = rows; break;
                    }
                }
            free(x); free(s); free(out);
        }
}

// ---- CRC-32C ----
// The encoder's portable float operators: close to libm, and the same bits on every CPU (the
// hash of their outputs on fixed inputs is a constant, checked natively and under qemu-aarch64).
static uint64_t fnv_floats(uint64_t h, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &v[i], 4);
        for (int j = 0; j < 4; j++) { h ^= (b >> (8 * j)) & 0xff; h *= 1099511628211ull; }
    }
    return h;
}

/// Every float16 bit pattern widened plus a float: the same bits as widening by hand (sign,
/// exponent rebias, subnormals normalized; infinities kept, NaN stays NaN) and one float add.
static void test_encoder_add_half(void) {
    enum { N = 65536 };
    uint16_t *h = xmalloc(N * sizeof(uint16_t));
    float *add = xmalloc(N * sizeof(float)), *out = xmalloc(N * sizeof(float));
    for (size_t i = 0; i < N; i++) { h[i] = (uint16_t)i; add[i] = i % 3 ? 0.0f : frand(); }
    ember_f32_encoder_add_half(N, h, add, out);
    for (size_t i = 0; i < N; i++) {
        const uint32_t sign = (uint32_t)(i & 0x8000) << 16, exponent = (i >> 10) & 0x1f, mantissa = i & 0x3ff;
        float widened;
        if (exponent == 0x1f) {
            widened = mantissa ? NAN : (sign ? -INFINITY : INFINITY);
        } else {
            const float magnitude = exponent ? ldexpf((float)(mantissa | 0x400), (int)exponent - 25) : ldexpf((float)mantissa, -24);
            widened = sign ? -magnitude : magnitude;
        }
        const float want = widened + add[i];
        g_checks++;
        if (isnan(want) ? !isnan(out[i]) : memcmp(&out[i], &want, sizeof want) != 0) {
            FAIL("encoder_add_half 0x%04zx + %.9g = %.9g, want %.9g", i, add[i], out[i], want);
            break;
        }
    }
    free(h); free(add); free(out);
}

/// The block Hadamard rotation: small integers come out exact (every partial sum is an integer
/// below 2^24; in place); random floats, times a column scale, read with a row stride into a
/// separate output, within float rounding of the double-precision product (x * s) . H_b with
/// H_b[i][j] = (-1)^popcount(i & j); blocks 2 to 512, k up to 1536, unaligned rows.
static void test_encoder_hadamard(void) {
    static const size_t shapes[][3] = {{1, 2, 2}, {3, 8, 4}, {2, 24, 8}, {5, 48, 16}, {9, 384, 128}, {2, 1536, 128}, {1, 512, 256},
                                       {4, 96, 32}, {3, 192, 64}, {2, 1024, 512}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t rows = shapes[s][0], k = shapes[s][1], b = shapes[s][2], stride = k + 5;
        float *ints = xmalloc((rows * k + 1) * sizeof(float)), *reals = xmalloc((rows * stride + 1) * sizeof(float));
        float *scale = xmalloc((k + 1) * sizeof(float)), *out = xmalloc((rows * k + 1) * sizeof(float));
        float *x = xmalloc(rows * k * sizeof(float));
        for (size_t i = 0; i < rows * k; i++) ints[i + 1] = (float)((int)(frand() * 200.0f));
        for (size_t i = 0; i < rows * stride; i++) reals[i + 1] = 5.0f * frand();
        for (size_t i = 0; i < k; i++) scale[i + 1] = 0.01f + fabsf(4.0f * frand());
        for (int pass = 0; pass < 2; pass++) {
            const float *got;
            if (pass == 0) {  // in place, unaligned as scratch rows may be
                memcpy(x, ints + 1, rows * k * sizeof(float));
                ember_f32_encoder_hadamard(rows, k, b, ints + 1, k, NULL, ints + 1);
                got = ints + 1;
            } else {
                for (size_t r = 0; r < rows; r++)
                    for (size_t i = 0; i < k; i++) x[r * k + i] = reals[1 + r * stride + i] * scale[1 + i];
                ember_f32_encoder_hadamard(rows, k, b, reals + 1, stride, scale + 1, out + 1);
                got = out + 1;
            }
            for (size_t r = 0; r < rows; r++)
                for (size_t j = 0; j < k; j++) {
                    const size_t base = j / b * b;
                    double want = 0, magnitude = 0;
                    for (size_t i = 0; i < b; i++) {
                        const double v = x[r * k + base + i];
                        want += __builtin_popcountll(i & (j - base)) & 1 ? -v : v;
                        magnitude += fabs(v);
                    }
                    g_checks++;
                    if (pass == 0 ? got[r * k + j] != (float)want : fabs(got[r * k + j] - want) > 1e-6 * magnitude) {
                        FAIL("encoder_hadamard rows %zu k %zu block %zu pass %d [%zu][%zu] = %.9g, want %.9g", rows, k, b, pass, r, j,
                             got[r * k + j], want);
                        r = rows; break;
                    }
                }
        }
        free(ints); free(reals); free(scale); free(out); free(x);
    }
    // Same bits on every CPU: the hash of a fixed input's rotation is a constant (checked natively
    // and under qemu-aarch64).
    uint64_t saved = g_rng;
    g_rng = 777;
    static float v[4 * 1536];
    for (size_t i = 0; i < sizeof v / 4; i++) v[i] = 3.0f * frand();
    g_rng = saved;
    ember_f32_encoder_hadamard(2, 1536, 128, v, 1536, NULL, v);
    ember_f32_encoder_hadamard(8, 384, 64, v + 2 * 1536, 384, NULL, v + 2 * 1536);
    const uint64_t h = fnv_floats(14695981039346656037ull, v, sizeof v / 4), want = 0xb0fb648152ff5469ull;
    g_checks++;
    if (h != want) FAIL("encoder_hadamard hash %016" PRIx64 ", expected %016" PRIx64 " (not the same bits as on x86-64)", h, want);
}

/// Every rotation path equals the twin bit for bit: blocks 2 to 4096 (the AVX-512 path hands
/// blocks below 16 to the twin, holds up to 128 columns in registers and runs larger blocks'
/// stages in memory), with and without a column scale, strided rows into a separate output and
/// in place, unaligned.
static void hadamard_paths_match_twin(void) {
    static const size_t shapes[][3] = {{3, 8, 2}, {2, 24, 8}, {5, 48, 16}, {4, 96, 32}, {3, 192, 64}, {9, 384, 128},
                                       {2, 1536, 128}, {1, 512, 256}, {2, 1024, 512}, {1, 4096, 4096}};
    const ember_kernel_table *t = ember_kernel_table_for("f32_encoder_hadamard");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t rows = shapes[s][0], k = shapes[s][1], b = shapes[s][2], stride = k + 3;
        float *x = xmalloc((rows * stride + 1) * sizeof(float)), *scale = xmalloc((k + 1) * sizeof(float));
        float *twin = xmalloc(rows * k * sizeof(float)), *got = xmalloc((rows * k + 1) * sizeof(float));
        for (size_t i = 0; i < rows * stride; i++) x[i + 1] = 7.0f * frand();
        for (size_t i = 0; i < k; i++) scale[i + 1] = 0.01f + fabsf(3.0f * frand());
        for (int scaled = 0; scaled < 2; scaled++) {
            const float *sc = scaled ? scale + 1 : NULL;
            ember_f32_encoder_hadamard__ref(rows, k, b, x + 1, stride, sc, twin);
            for (size_t e = 1; e < t->count; e++) {
                if (!ember_isa_available(t->entries[e].isa)) continue;
                const ember_f32_encoder_hadamard_fn fn = (ember_f32_encoder_hadamard_fn)t->entries[e].fn;
                fn(rows, k, b, x + 1, stride, sc, got + 1);
                g_checks++;
                if (memcmp(got + 1, twin, rows * k * sizeof(float)) != 0)
                    FAIL("%s differs from ember_f32_encoder_hadamard__ref (rows %zu, k %zu, block %zu, scale %d)", t->entries[e].name,
                         rows, k, b, scaled);
                for (size_t r = 0; r < rows; r++) memcpy(got + 1 + r * k, x + 1 + r * stride, k * sizeof(float));  // in place
                fn(rows, k, b, got + 1, k, sc, got + 1);
                g_checks++;
                if (memcmp(got + 1, twin, rows * k * sizeof(float)) != 0)
                    FAIL("%s in place differs from ember_f32_encoder_hadamard__ref (rows %zu, k %zu, block %zu, scale %d)",
                         t->entries[e].name, rows, k, b, scaled);
            }
        }
        free(x); free(scale); free(twin); free(got);
    }
}

/// Every attention path equals the twin bit for bit: 1 to 3 and 13 tokens, lengths that are not
/// multiples of the query or key blocks, MiniLM's 128, head sizes 8, 32 (the blocked V sums) and
/// 64, head sizes that are not a multiple of 4 (1, 3, 6: the NEON path's single steps), a head
/// range that skips the first head.
static void attention_paths_match_twin(void) {
    static const size_t shapes[][3] = {{1, 2, 32}, {13, 3, 32}, {37, 2, 8}, {128, 2, 32}, {21, 2, 64}, {50, 3, 32}, {64, 2, 32}, {102, 2, 32},
                                       {3, 2, 32}, {2, 2, 32}, {9, 2, 6}, {6, 3, 3}, {2, 1, 1}, {19, 2, 36}};
    const ember_kernel_table *t = ember_kernel_table_for("f32_attention");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t tokens = shapes[s][0], heads = shapes[s][1], d = shapes[s][2], hidden = heads * d;
        const size_t first = s == 5 ? 1 : 0;
        float *qkv = xmalloc(tokens * 3 * hidden * sizeof(float)), *scratch = xmalloc(ember_f32_attention_scratch(tokens, d));
        float *twin = xmalloc(tokens * hidden * sizeof(float)), *got = xmalloc(tokens * hidden * sizeof(float));
        for (size_t i = 0; i < tokens * 3 * hidden; i++) qkv[i] = 4.0f * frand();
        memset(twin, 0, tokens * hidden * sizeof(float));
        ember_f32_attention__ref(tokens, heads, d, qkv, 3 * hidden, NULL, first, heads, scratch, twin, hidden);
        for (size_t e = 1; e < t->count; e++) {
            if (!ember_isa_available(t->entries[e].isa)) continue;
            memset(got, 0, tokens * hidden * sizeof(float));
            ((ember_f32_attention_fn)t->entries[e].fn)(tokens, heads, d, qkv, 3 * hidden, NULL, first, heads, scratch, got, hidden);
            g_checks++;
            if (memcmp(got, twin, tokens * hidden * sizeof(float)) != 0)
                FAIL("%s differs from ember_f32_attention__ref (tokens %zu, heads %zu, head size %zu)", t->entries[e].name, tokens, heads, d);
        }
        free(qkv); free(scratch); free(twin); free(got);
    }
}

static void test_encoder_portable(void) {
    enum { T = 37, HEADS = 3, D = 8, HID = HEADS * D, G = 4001 };
    uint64_t saved = g_rng;
    g_rng = 12345;  // fixed inputs: the hash below is a constant
    static float qkv[T * 3 * HID], att[T * HID], gx[G], gy[G], ln[T * HID], gamma[HID], beta[HID];
    for (size_t i = 0; i < sizeof qkv / 4; i++) qkv[i] = 3.0f * frand();
    for (size_t i = 0; i < HID; i++) { gamma[i] = 1.0f + 0.5f * frand(); beta[i] = 0.2f * frand(); }
    for (size_t i = 0; i < G; i++) gx[i] = -10.0f + 20.0f * (float)i / (G - 1);
    g_rng = saved;
    float *scratch = xmalloc(ember_f32_attention_scratch(T, 32));  // enough for head sizes 8 and 32
    ember_f32_attention(T, HEADS, D, qkv, 3 * HID, NULL, 0, HEADS, scratch, att, HID);
    ember_f32_encoder_layernorm(T, HID, att, gamma, beta, 1e-12f, ln);
    ember_f32_encoder_gelu(G, gx, gy);
    uint64_t h = fnv_floats(fnv_floats(fnv_floats(14695981039346656037ull, att, T * HID), ln, T * HID), gy, G);
    // Head size 32 has its own register-blocked path: same bits as the generic one.
    static float qkv32[T * 3 * 64], att32[T * 64];
    for (size_t i = 0; i < sizeof qkv32 / 4; i++) qkv32[i] = qkv[i % (sizeof qkv / 4)] * 0.5f;
    ember_f32_attention(T, 2, 32, qkv32, 3 * 64, NULL, 0, 2, scratch, att32, 64);
    h = fnv_floats(h, att32, T * 64);
    free(scratch);
    g_checks++;
    const uint64_t want = 0x4c44a8b899f94bb9ull;
    if (h != want) FAIL("portable encoder ops hash %016" PRIx64 ", expected %016" PRIx64 " (not the same bits as on x86-64)", h, want);
    // Accuracy against double-precision formulas.
    for (size_t i = 0; i < G; i++) {
        const double x = gx[i], want_g = x * 0.5 * (1.0 + erf(x / sqrt(2.0)));
        g_checks++;
        if (fabs(gy[i] - want_g) > 1e-6 * (1.0 + fabs(want_g))) { FAIL("gelu(%g) = %.9g, want %.9g", x, gy[i], want_g); break; }
    }
    for (size_t i = 0; i < T; i++) {
        for (size_t hd = 0; hd < HEADS; hd++) {
            double p[T], sum = 0, mx = -1e300;
            for (size_t j = 0; j < T; j++) {
                double s = 0;
                for (size_t c = 0; c < D; c++) s += (double)qkv[i * 3 * HID + hd * D + c] * qkv[j * 3 * HID + HID + hd * D + c];
                p[j] = s / sqrt((double)D);
                if (p[j] > mx) mx = p[j];
            }
            for (size_t j = 0; j < T; j++) { p[j] = exp(p[j] - mx); sum += p[j]; }
            for (size_t c = 0; c < D; c++) {
                double o = 0;
                for (size_t j = 0; j < T; j++) o += p[j] / sum * qkv[j * 3 * HID + 2 * HID + hd * D + c];
                g_checks++;
                if (!close_to(att[i * HID + hd * D + c], o, 1e-5)) { FAIL("attention[%zu][%zu] = %.9g, want %.9g", i, hd * D + c, att[i * HID + hd * D + c], o); return; }
            }
        }
    }
}

static void test_crc(void) {
    g_checks++;
    if (ember_crc32c(0, "123456789", 9) != 0xE3069283u) FAIL("crc32c check value: got %08x", ember_crc32c(0, "123456789", 9));
    const ember_kernel_table *t = ember_kernel_table_for("crc32c");
    uint8_t buf[1100];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)rnd();
    for (int rep = 0; rep < 200; rep++) {
        const size_t off = rnd() % 16, len = rnd() % 1000;
        const uint32_t seed = (rep & 1) ? (uint32_t)rnd() : 0;
        const uint32_t want = ember_crc32c__ref(seed, buf + off, len);
        for (size_t e = 0; e < t->count; e++) {
            if (!ember_isa_available(t->entries[e].isa)) continue;
            const uint32_t got = ((ember_crc32c_fn)t->entries[e].fn)(seed, buf + off, len);
            g_checks++;
            if (got != want) { FAIL("%s(len %zu, off %zu) = %08x, expected %08x", t->entries[e].name, len, off, got, want); return; }
        }
        // Chaining: crc(a + b) = crc(crc(a), b).
        const size_t cut = len ? rnd() % len : 0;
        g_checks++;
        if (ember_crc32c(ember_crc32c(seed, buf + off, cut), buf + off + cut, len - cut) != want) FAIL("crc32c chaining at %zu/%zu", cut, len);
    }
}

// ---- Thread pool ----
typedef struct { unsigned *hits; } pool_ctx;
static void count_task(void *ctx, size_t i) { __atomic_add_fetch(&((pool_ctx *)ctx)->hits[i], 1, __ATOMIC_RELAXED); }
static void test_threadpool(void) {
    for (size_t threads = 1; threads <= 4; threads++) {
        ember_threadpool *pool = ember_threadpool_create(threads);
        g_checks++;
        if (!pool || ember_threadpool_threads(pool) != threads) { FAIL("threadpool_create(%zu)", threads); continue; }
        for (int round = 0; round < 50; round++) {
            const size_t tasks = (size_t)rnd_range(0, 300);
            unsigned *hits = calloc(tasks + 1, sizeof(unsigned));
            pool_ctx ctx = {hits};
            ember_threadpool_parallel_for(pool, tasks, count_task, &ctx);
            for (size_t i = 0; i < tasks; i++) {
                g_checks++;
                if (hits[i] != 1) { FAIL("threadpool(%zu threads): task %zu of %zu ran %u times", threads, i, tasks, hits[i]); break; }
            }
            free(hits);
        }
        ember_threadpool_destroy(pool);
    }
}

// Pinning: every task a worker runs sees the requested CPU set as its thread's affinity.
typedef struct { pthread_t caller; int on_worker[64]; cpu_set_t seen[64]; } pin_ctx;
static void pin_task(void *ctx, size_t i) {
    pin_ctx *c = ctx;
    usleep(1000);  // long enough for the sleeping workers to wake and take tasks
    c->on_worker[i] = !pthread_equal(pthread_self(), c->caller);
    if (sched_getaffinity(0, sizeof c->seen[i], &c->seen[i]) != 0) CPU_ZERO(&c->seen[i]);
}
static int run_pinned_job(ember_threadpool *pool, const cpu_set_t *want, const char *what) {
    static pin_ctx c;
    memset(&c, 0, sizeof c);
    c.caller = pthread_self();
    ember_threadpool_parallel_for(pool, 64, pin_task, &c);
    int on_workers = 0;
    for (size_t i = 0; i < 64; i++) {
        if (!c.on_worker[i]) continue;
        on_workers++;
        g_checks++;
        if (!CPU_EQUAL(&c.seen[i], want)) { FAIL("threadpool pinned to %s: task %zu ran on a worker with another affinity", what, i); return 0; }
    }
    g_checks++;
    if (on_workers == 0) { FAIL("threadpool pinned to %s: no task ran on a worker", what); return 0; }
    return 1;
}
static void test_threadpool_pinning(void) {
    cpu_set_t allowed, after;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) { FAIL("sched_getaffinity: errno %d", errno); return; }
    int cpus[CPU_SETSIZE];
    int ncpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) if (CPU_ISSET(cpu, &allowed)) cpus[ncpus++] = cpu;
    ember_threadpool *pool = ember_threadpool_create(3);
    if (!pool) { FAIL("threadpool_create(3)"); return; }
    // Each CPU this process may use on its own, then all of them.
    for (int k = 0; k <= ncpus; k++) {
        const int count = k < ncpus ? 1 : ncpus;
        cpu_set_t want;
        CPU_ZERO(&want);
        for (int i = 0; i < count; i++) CPU_SET(cpus[k < ncpus ? k : i], &want);
        char what[32];
        snprintf(what, sizeof what, k < ncpus ? "CPU %d" : "all %d CPUs", k < ncpus ? cpus[k] : ncpus);
        const int rc = ember_threadpool_pin(pool, k < ncpus ? &cpus[k] : cpus, (size_t)count);
        g_checks++;
        if (rc != 0) { FAIL("threadpool_pin(%s) = %d", what, rc); break; }
        if (!run_pinned_job(pool, &want, what)) break;
    }
    // Refused pins change nothing, and the pool works on.
    const int outside = CPU_SETSIZE, offline = CPU_SETSIZE - 1;
    g_checks += 3;
    if (ember_threadpool_pin(pool, &outside, 1) != EINVAL) FAIL("threadpool_pin(CPU_SETSIZE) accepted");
    if (ember_threadpool_pin(pool, cpus, 0) != EINVAL) FAIL("threadpool_pin with no CPUs accepted");
    if (!CPU_ISSET(offline, &allowed) && ember_threadpool_pin(pool, &offline, 1) == 0) FAIL("threadpool_pin(CPU %d) accepted", offline);
    run_pinned_job(pool, &allowed, "all CPUs, after refused pins");
    // The caller is never pinned.
    g_checks++;
    if (sched_getaffinity(0, sizeof after, &after) != 0 || !CPU_EQUAL(&after, &allowed)) FAIL("threadpool_pin changed the caller's affinity");
    ember_threadpool_destroy(pool);
}

int main(int argc, char **argv) {
    const char *expect = NULL;
    g_seed = (uint64_t)time(NULL);
    const char *env_seed = getenv("EMBER_TEST_SEED");
    if (env_seed) g_seed = strtoull(env_seed, NULL, 10);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) g_seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--quick")) g_quick = 1;
        else if (!strcmp(argv[i], "--expect-isa") && i + 1 < argc) expect = argv[++i];
        else { fprintf(stderr, "usage: %s [--seed N] [--quick] [--expect-isa NAME]\n", argv[0]); return 2; }
    }
    g_rng = g_seed;
    const ember_isa chosen = ember_kernels_init(-1);
    printf("kernel_tests: seed %" PRIu64 "%s; cpu features:", g_seed, g_quick ? " (quick)" : "");
    for (int i = 0; i < 32; i++) if (ember_cpu_features() >> i & 1) printf(" %s", ember_isa_name((ember_isa)i));
    printf("; chosen: gemm %s (narrow weights: %s), qd8 gemm %s, dwconv %s, add %s, crc %s\n", ember_kernel_name("qs8_gemm"),
           ember_kernel_name("qs8_gemm_narrow"), ember_kernel_name("qd8_gemm"), ember_kernel_name("qs8_dwconv3x3"),
           ember_kernel_name("qs8_add"), ember_kernel_name("crc32c"));
    fflush(stdout);
    if (expect && strcmp(expect, ember_isa_name(chosen)) != 0) {
        FAIL("dispatch chose %s for the GEMM, expected %s", ember_isa_name(chosen), expect);
        return 1;
    }
    // Every path has its own qd8 GEMM (the encoder's), so dispatch must pick that one too.
    const ember_kernel_table *qd8 = ember_kernel_table_for("qd8_gemm");
    for (size_t e = 0; expect && e < qd8->count; e++) {
        if (strcmp(qd8->entries[e].name, ember_kernel_name("qd8_gemm")) != 0) continue;
        g_checks++;
        if (qd8->entries[e].isa != chosen) {
            FAIL("dispatch chose %s for the qd8 GEMM, expected a %s kernel", qd8->entries[e].name, expect);
            return 1;
        }
    }
    test_requantize_known();
    test_gemm();
    test_conv();
    test_dwconv();
    test_add();
    test_mean();
    test_elementwise();
    test_encoder();
    test_encoder_portable();
    test_encoder_hadamard();
    test_encoder_add_half();
    test_encoder_tail();
    test_crc();
    test_threadpool();
    test_threadpool_pinning();
    if (g_failures) { fprintf(stderr, "kernel_tests: %d FAILED of %ld checks (seed %" PRIu64 ")\n", g_failures, g_checks, g_seed); return 1; }
    printf("kernel_tests: all %ld checks passed\n", g_checks);
    return 0;
}
