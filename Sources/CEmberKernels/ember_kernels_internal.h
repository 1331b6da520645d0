// Internal: the per-operator kernel tables (they drive dispatch, tests and benchmarks alike),
// the kernel declarations, and the ISA attribute spellings. Not part of the public API.
#ifndef EMBER_KERNELS_INTERNAL_H
#define EMBER_KERNELS_INTERNAL_H

#include <stddef.h>
#include <math.h>
#include <string.h>
#include "ember_kernels.h"
#include "ember_fixedpoint.h"

// Per-function ISA (never whole-target flags, so the fallback runs on any CPU). These spellings
// work with clang and gcc 12.
#if defined(__aarch64__)
#define EMBER_ARCH_ARM64 1
#define EMBER_TARGET_NEON        /* baseline on AArch64 */
#define EMBER_TARGET_NEONDOT     __attribute__((target("arch=armv8.2-a+dotprod")))
#define EMBER_TARGET_I8MM        __attribute__((target("arch=armv8.2-a+i8mm")))
#define EMBER_TARGET_CRC         __attribute__((target("arch=armv8-a+crc")))
#elif defined(__x86_64__)
#define EMBER_ARCH_X86_64 1
#define EMBER_TARGET_AVX2        __attribute__((target("avx2,fma")))
#define EMBER_TARGET_SSE42       __attribute__((target("sse4.2")))
#endif

// The encoder's portable float operators (same bits on every CPU) are vectorized by the compiler:
// NEON is the AArch64 baseline; on x86-64 the loader picks an AVX2 (EMBER_WIDE) or also an
// AVX-512 (EMBER_WIDEST) clone for CPUs that have it: the same operations in the same order per
// element, only wider vectors, so the same bits.
// ThreadSanitizer instruments the clones' ifunc resolvers, which the loader runs before the
// sanitizer's runtime starts (a crash in __tsan_func_entry at start-up): its builds take the
// baseline code only.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EMBER_NO_CLONES 1
#endif
#endif
#if defined(EMBER_ARCH_X86_64) && defined(__ELF__) && !defined(EMBER_NO_CLONES)
// Code that calls fmaf uses EMBER_WIDE_FMA or EMBER_WIDEST, whose AVX2 clone is x86-64-v3 (AVX2
// with FMA): a clone needs FMA to inline fmaf; the baseline clone calls libm's fmaf, correctly
// rounded too, so the same bits, only slower.
#define EMBER_WIDE __attribute__((target_clones("avx2", "default")))
#define EMBER_WIDE_FMA __attribute__((target_clones("arch=x86-64-v3", "default")))
#define EMBER_WIDEST __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EMBER_WIDE
#define EMBER_WIDEST
#define EMBER_WIDE_FMA
#endif

// ---- Dynamic quantization of one float row (every ember_qd8_quantize_rows path) ----
/// The row's scale (hi - lo) / 255 (1 for an empty, constant or non-finite range) and zero point,
/// from the row's range [lo, hi] (which includes 0). The zero point is clamped while still a float:
/// a huge range with s = 1 would overflow the int32 conversion.
static inline float ember_qd8_row_scale(float lo, float hi, int32_t *zero_point) {
    float s = (hi - lo) / 255.0f;
    if (!(s > 0.0f) || !isfinite(s)) s = 1.0f;
    float z = roundf(-128.0f - lo / s);
    z = z < -128.0f ? -128.0f : z > 127.0f ? 127.0f : z;
    *zero_point = z == z ? (int32_t)z : -128;
    return s;
}

/// What a row's values are multiplied by before rounding: 1 / s, once per row. Every path
/// multiplies by this same float, so all give the twin's bytes, and none divides per element (a
/// 4-float FDIV keeps the Cortex-A72's divider busy for 14-34 cycles).
static inline float ember_qd8_row_inverse(float s) { return 1.0f / s; }

/// One element as the twin quantizes it: roundf(v * inv), inv = ember_qd8_row_inverse(s), NaN as 0,
/// clamped to ±1e6, plus the zero point, saturated to int8 (the vector paths' tails use it too).
static inline int8_t ember_qd8_quantize_value(float v, float inv, int32_t zero_point) {
    float t = roundf(v * inv);
    if (!(t == t)) t = 0.0f;
    if (t > 1e6f) t = 1e6f;
    if (t < -1e6f) t = -1e6f;
    return (int8_t)ember_clamp((int32_t)t + zero_point, -128, 127);
}

/// The end of a vector path's row range: its `lanes` running minima and maxima folded in lane
/// order, then the elements [i, k) one by one, with the twin's comparisons (starting from 0).
static inline void ember_qd8_range_finish(const float *lane_lo, const float *lane_hi, size_t lanes,
                                          const float *v, size_t i, size_t k, float *lo, float *hi) {
    float a = 0.0f, b = 0.0f;
    for (size_t j = 0; j < lanes; j++) { if (lane_lo[j] < a) a = lane_lo[j]; if (lane_hi[j] > b) b = lane_hi[j]; }
    for (; i < k; i++) { if (v[i] < a) a = v[i]; if (v[i] > b) b = v[i]; }
    *lo = a;
    *hi = b;
}

// ---- GEMM packing "qs8-gemm-n8k8-v1" (see ember_qs8_gemm_pack.c for the index order) ----
#define EMBER_GEMM_NR 8
#define EMBER_GEMM_KR 8
static inline size_t ember_round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
/// Bytes of one packed block of NR output channels: NR int32 bias' then Kp x NR weight bytes.
static inline size_t ember_gemm_block_bytes(size_t k) {
    return EMBER_GEMM_NR * sizeof(int32_t) + EMBER_GEMM_NR * ember_round_up(k, EMBER_GEMM_KR);
}

/// Rows per chunk in the GEMM kernels: a chunk of A rows and its output rows stay in L1 while
/// every block of 8 channels passes over them (output lines are then written whole).
#define EMBER_GEMM_MAX_CHUNK 256
static inline size_t ember_gemm_row_chunk(size_t k, size_t mr) {
    size_t rows = 12288 / (k + 64);
    if (rows > EMBER_GEMM_MAX_CHUNK) rows = EMBER_GEMM_MAX_CHUNK;
    rows = rows / mr * mr;
    return rows < mr ? mr : rows;
}

/// The last partial group of 8 k of a row (krem = k % 8 bytes at p) as 8 readable bytes: in place
/// when those 8 bytes end inside the matrix (`limit` = the end of its last row: rows are
/// [m][a_stride], so they are the next row's bytes), else a zero-padded copy in `buf`. The bytes
/// past k meet the packing's zero weights, so their values never matter; this spares the copy
/// for every row but the last few (the stem convolution has k = 27).
static inline const int8_t *ember_gemm_a_end(const int8_t *a, size_t m_end, size_t a_stride, size_t k) {
    return m_end ? a + (m_end - 1) * a_stride + k : a;
}
static inline const int8_t *ember_gemm_ktail(const int8_t *p, size_t krem, const int8_t *limit, int8_t buf[8]) {
    if (p + 8 <= limit) return p;
    for (size_t i = 0; i < 8; i++) buf[i] = i < krem ? p[i] : 0;  // no library call: it would spill vector registers
    return buf;
}

// ---- Depthwise 3x3 packing "qs8-dw3x3-c16-v1" ----
#define EMBER_DW_CB 16
static inline size_t ember_dw_block_bytes(void) { return EMBER_DW_CB * sizeof(int32_t) + 9 * EMBER_DW_CB; }

// ---- Function types (identical to the public entry points) ----
typedef void (*ember_qs8_gemm_fn)(size_t m_begin, size_t m_end, size_t n, size_t k,
                                  const int8_t *a, size_t a_stride, const void *packed,
                                  int8_t *out, size_t out_stride, const ember_qs8_output *q);
typedef void (*ember_qs8_dwconv3x3_fn)(const int8_t *in, size_t h, size_t w, size_t c,
                                       size_t stride, size_t pad_top, size_t pad_left,
                                       size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                                       const void *packed, int8_t input_zero_point, int8_t *out,
                                       const ember_qs8_output *q);
typedef void (*ember_qd8_gemm_fn)(size_t m_begin, size_t m_end, size_t n, size_t k,
                                  const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                                  const void *packed, const float *w_scale, const float *bias,
                                  float *out, size_t out_stride);
typedef void (*ember_qd8_quantize_rows_fn)(size_t rows, size_t k, const float *x, size_t x_stride,
                                           int8_t *q, size_t q_stride, float *scale, int32_t *zero_point);
typedef void (*ember_f32_gelu_fn)(size_t count, const float *x, float *out);
typedef void (*ember_f32_softmax_fn)(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale, float *out);
typedef void (*ember_f32_attention_fn)(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                                       const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                                       float *out, size_t out_stride);
typedef void (*ember_f32_encoder_hadamard_fn)(size_t rows, size_t k, size_t block, const float *x, size_t x_stride,
                                              const float *scale, float *out);
/// ember_f32_attention's blocking, shared by its paths (the scratch layout depends on it): scores
/// for QR queries x KC keys at a time, keys zero-padded to a multiple of KC.
#define EMBER_ATTENTION_QR 4
#define EMBER_ATTENTION_KC 16
typedef void (*ember_f32_layernorm_fn)(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                                       float eps, float *out);
typedef void (*ember_qs8_add_fn)(size_t count, const int8_t *a, const int8_t *b, int8_t *out,
                                 const ember_qs8_add_params *p);
typedef void (*ember_qs8_mean_hw_fn)(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out,
                                     const ember_qs8_mean_params *p);
typedef uint32_t (*ember_crc32c_fn)(uint32_t crc, const void *data, size_t length);

/// One row of an operator's kernel table.
typedef struct ember_kernel_entry {
    const char *name;   ///< e.g. "ember_qs8_gemm_8x8c8__neondot"
    ember_isa isa;      ///< the path it needs
    void (*fn)(void);   ///< cast to the operator's function type
    unsigned mr;        ///< rows per tile (GEMM), 0 elsewhere; for benchmarks and docs
    unsigned narrow;    ///< 1: weights must hold no -128; chosen only by the `_narrow` entry points
} ember_kernel_entry;

/// An operator and every kernel compiled in for it, lowest ISA first.
typedef struct ember_kernel_table {
    const char *op;                      ///< "qs8_gemm", ...
    const ember_kernel_entry *entries;
    size_t count;
} ember_kernel_table;

/// All operator tables (count in *n).
const ember_kernel_table *ember_kernel_tables(size_t *n);
/// The table of one operator, or NULL.
const ember_kernel_table *ember_kernel_table_for(const char *op);
/// Internal pseudo-path for the CRC32C instructions (ARMv8 CRC32 extension / SSE4.2): optional in
/// ARMv8.0, so detected on its own; allowed under any cap except "scalar".
#define EMBER_ISA_CRC ((ember_isa)8)

/// True if this CPU can run `isa` and it was compiled in.
int ember_isa_available(ember_isa isa);

// ---- Kernels ----
void ember_qs8_gemm__ref(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                         int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_2x8c8__neon(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_2x8c8__neon_mlal(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                     int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_8x8c8__neondot(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                   int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_8x8c8__neondot_smallk(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                          int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_8x8c8__i8mm(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_3x8c8__avx2(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_2x8c8__avx2(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_6x8c8__avxvnni(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                   int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_7x16c8__avx512vnni(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                       int8_t *, size_t, const ember_qs8_output *);
void ember_qs8_gemm_2x16c8__avx512vnni(size_t, size_t, size_t, size_t, const int8_t *, size_t, const void *,
                                       int8_t *, size_t, const ember_qs8_output *);

void ember_qs8_dwconv3x3__ref(const int8_t *, size_t, size_t, size_t, size_t, size_t, size_t, size_t,
                              size_t, size_t, size_t, const void *, int8_t, int8_t *, const ember_qs8_output *);
void ember_qs8_dwconv3x3_c16__neon(const int8_t *, size_t, size_t, size_t, size_t, size_t, size_t, size_t,
                                   size_t, size_t, size_t, const void *, int8_t, int8_t *, const ember_qs8_output *);
void ember_qs8_dwconv3x3_c16__avx2(const int8_t *, size_t, size_t, size_t, size_t, size_t, size_t, size_t,
                                   size_t, size_t, size_t, const void *, int8_t, int8_t *, const ember_qs8_output *);
void ember_qs8_dwconv3x3_c64__avx512vnni(const int8_t *, size_t, size_t, size_t, size_t, size_t, size_t, size_t,
                                         size_t, size_t, size_t, const void *, int8_t, int8_t *, const ember_qs8_output *);

void ember_qs8_add__ref(size_t, const int8_t *, const int8_t *, int8_t *, const ember_qs8_add_params *);
void ember_qs8_add__neon(size_t, const int8_t *, const int8_t *, int8_t *, const ember_qs8_add_params *);
void ember_qs8_add__avx2(size_t, const int8_t *, const int8_t *, int8_t *, const ember_qs8_add_params *);
void ember_qs8_add__avx512vnni(size_t, const int8_t *, const int8_t *, int8_t *, const ember_qs8_add_params *);
void ember_qs8_mean_hw__ref(const int8_t *, size_t, size_t, size_t, int8_t *, const ember_qs8_mean_params *);
void ember_qs8_mean_hw__avx2(const int8_t *, size_t, size_t, size_t, int8_t *, const ember_qs8_mean_params *);

void ember_qd8_quantize_rows__ref(size_t, size_t, const float *, size_t, int8_t *, size_t, float *, int32_t *);
void ember_qd8_quantize_rows__neon(size_t, size_t, const float *, size_t, int8_t *, size_t, float *, int32_t *);
void ember_qd8_quantize_rows__avx2(size_t, size_t, const float *, size_t, int8_t *, size_t, float *, int32_t *);
void ember_qd8_quantize_rows__avx512vnni(size_t, size_t, const float *, size_t, int8_t *, size_t, float *, int32_t *);
void ember_qd8_gemm__ref(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                         const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_2x8c8__neon(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_2x8c8__neon_mlal(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                     const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_8x8c8__neondot(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                   const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_8x8c8__i8mm(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_2x8c8__avx2(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_3x8c8__avx2(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_6x8c8__avxvnni(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);
void ember_qd8_gemm_8x16c8__avx512vnni(size_t, size_t, size_t, size_t, const int8_t *, size_t, const float *, const int32_t *,
                                const void *, const float *, const float *, float *, size_t);

void ember_f32_attention__ref(size_t, size_t, size_t, const float *, size_t, const uint8_t *, size_t, size_t, float *, float *, size_t);
void ember_f32_attention__neon(size_t, size_t, size_t, const float *, size_t, const uint8_t *, size_t, size_t, float *, float *, size_t);
void ember_f32_attention__avx512vnni(size_t, size_t, size_t, const float *, size_t, const uint8_t *, size_t, size_t, float *, float *,
                                     size_t);
void ember_f32_encoder_hadamard__ref(size_t, size_t, size_t, const float *, size_t, const float *, float *);
void ember_f32_encoder_hadamard__avx512vnni(size_t, size_t, size_t, const float *, size_t, const float *, float *);
void ember_f32_layernorm__ref(size_t, size_t, const float *, const float *, const float *, float, float *);
void ember_f32_layernorm__neon(size_t, size_t, const float *, const float *, const float *, float, float *);
void ember_f32_layernorm__avx2(size_t, size_t, const float *, const float *, const float *, float, float *);
void ember_f32_gelu__ref(size_t, const float *, float *);
void ember_f32_gelu__neon(size_t, const float *, float *);
void ember_f32_gelu__avx2(size_t, const float *, float *);
void ember_f32_softmax_masked__ref(size_t, size_t, const float *, const uint8_t *, float, float *);
void ember_f32_softmax_masked__neon(size_t, size_t, const float *, const uint8_t *, float, float *);
void ember_f32_softmax_masked__avx2(size_t, size_t, const float *, const uint8_t *, float, float *);

uint32_t ember_crc32c__ref(uint32_t crc, const void *data, size_t length);
uint32_t ember_crc32c__armcrc(uint32_t crc, const void *data, size_t length);
uint32_t ember_crc32c__sse42(uint32_t crc, const void *data, size_t length);

/// Loads the 8 (or fewer, zero-filled) per-channel requantization parameters of channels
/// [n0, n0 + 8) into fixed arrays; shared by all GEMM kernels' output stages.
static inline void ember_load_requant8(const ember_qs8_output *q, size_t n0, size_t n, int32_t mult[8],
                                       int32_t lshift[8], int32_t rshift[8]) {
    for (size_t j = 0; j < 8; j++) {
        int32_t m = 0, s = 0;
        if (n0 + j < n) { m = q->multiplier[n0 + j]; s = q->shift[n0 + j]; }
        if (s > 31) s = 31;
        if (s < -31) s = -31;
        mult[j] = m; lshift[j] = s > 0 ? s : 0; rshift[j] = s > 0 ? 0 : -s;
    }
}

/// One multiplier and shift in every lane, split as ember_requantize does (shift limited to
/// [-31, 31], positive = left); for operators with per-tensor requantization (ADD).
static inline void ember_uniform_requant(int32_t m, int32_t s, size_t lanes, int32_t *mult, int32_t *lshift, int32_t *rshift) {
    if (s > 31) s = 31;
    if (s < -31) s = -31;
    for (size_t j = 0; j < lanes; j++) { mult[j] = m; lshift[j] = s > 0 ? s : 0; rshift[j] = s > 0 ? 0 : -s; }
}

#endif
