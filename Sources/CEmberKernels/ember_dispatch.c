// The per-operator kernel tables and the one-time choice of a kernel per operator: the highest
// path that is compiled in, reported by the CPU, and within the caps (argument and EMBER_ISA).
// GEMM operators get a second choice for weights without -128 (the `_narrow` entry points).
#include <pthread.h>
#include <stdlib.h>
#include "ember_kernels_internal.h"

#define ENTRY(fn_, isa_, mr_) {#fn_, isa_, (void (*)(void))fn_, mr_, 0}
#define NARROW_ENTRY(fn_, isa_, mr_) {#fn_, isa_, (void (*)(void))fn_, mr_, 1}

static const ember_kernel_entry gemm_entries[] = {
    ENTRY(ember_qs8_gemm__ref, EMBER_ISA_SCALAR, 1),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_qs8_gemm_2x8c8__neon, EMBER_ISA_NEON, 2),
    NARROW_ENTRY(ember_qs8_gemm_2x8c8__neon_mlal, EMBER_ISA_NEON, 2),
    ENTRY(ember_qs8_gemm_8x8c8__neondot, EMBER_ISA_NEONDOT, 8),
    ENTRY(ember_qs8_gemm_8x8c8__neondot_smallk, EMBER_ISA_NEONDOT, 8),
    ENTRY(ember_qs8_gemm_8x8c8__i8mm, EMBER_ISA_I8MM, 8),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qs8_gemm_2x8c8__avx2, EMBER_ISA_AVX2, 2),
    ENTRY(ember_qs8_gemm_3x8c8__avx2, EMBER_ISA_AVX2, 3),
    ENTRY(ember_qs8_gemm_6x8c8__avxvnni, EMBER_ISA_AVXVNNI, 6),
    ENTRY(ember_qs8_gemm_7x16c8__avx512vnni, EMBER_ISA_AVX512VNNI, 7),
    ENTRY(ember_qs8_gemm_2x16c8__avx512vnni, EMBER_ISA_AVX512VNNI, 2),
#endif
};
static const ember_kernel_entry dwconv_entries[] = {
    ENTRY(ember_qs8_dwconv3x3__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_qs8_dwconv3x3_c16__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qs8_dwconv3x3_c16__avx2, EMBER_ISA_AVX2, 0),
    ENTRY(ember_qs8_dwconv3x3_c64__avx512vnni, EMBER_ISA_AVX512VNNI, 0),
#endif
};
static const ember_kernel_entry qd8_gemm_entries[] = {
    ENTRY(ember_qd8_gemm__ref, EMBER_ISA_SCALAR, 1),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_qd8_gemm_2x8c8__neon, EMBER_ISA_NEON, 2),
    NARROW_ENTRY(ember_qd8_gemm_2x8c8__neon_mlal, EMBER_ISA_NEON, 2),
    ENTRY(ember_qd8_gemm_8x8c8__neondot, EMBER_ISA_NEONDOT, 8),
    ENTRY(ember_qd8_gemm_8x8c8__i8mm, EMBER_ISA_I8MM, 8),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qd8_gemm_2x8c8__avx2, EMBER_ISA_AVX2, 2),
    ENTRY(ember_qd8_gemm_3x8c8__avx2, EMBER_ISA_AVX2, 3),
    ENTRY(ember_qd8_gemm_6x8c8__avxvnni, EMBER_ISA_AVXVNNI, 6),
    ENTRY(ember_qd8_gemm_8x16c8__avx512vnni, EMBER_ISA_AVX512VNNI, 8),
#endif
};
static const ember_kernel_entry qd8_quantize_entries[] = {
    ENTRY(ember_qd8_quantize_rows__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_qd8_quantize_rows__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qd8_quantize_rows__avx2, EMBER_ISA_AVX2, 0),
    ENTRY(ember_qd8_quantize_rows__avx512vnni, EMBER_ISA_AVX512VNNI, 0),
#endif
};
static const ember_kernel_entry layernorm_entries[] = {
    ENTRY(ember_f32_layernorm__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_f32_layernorm__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_f32_layernorm__avx2, EMBER_ISA_AVX2, 0),
#endif
};
static const ember_kernel_entry gelu_entries[] = {
    ENTRY(ember_f32_gelu__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_f32_gelu__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_f32_gelu__avx2, EMBER_ISA_AVX2, 0),
#endif
};
static const ember_kernel_entry softmax_f32_entries[] = {
    ENTRY(ember_f32_softmax_masked__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_f32_softmax_masked__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_f32_softmax_masked__avx2, EMBER_ISA_AVX2, 0),
#endif
};
static const ember_kernel_entry add_entries[] = {
    ENTRY(ember_qs8_add__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_qs8_add__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qs8_add__avx2, EMBER_ISA_AVX2, 0),
    ENTRY(ember_qs8_add__avx512vnni, EMBER_ISA_AVX512VNNI, 0),
#endif
};
static const ember_kernel_entry mean_entries[] = {
    ENTRY(ember_qs8_mean_hw__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_X86_64)
    ENTRY(ember_qs8_mean_hw__avx2, EMBER_ISA_AVX2, 0),
#endif
};
static const ember_kernel_entry crc_entries[] = {
    ENTRY(ember_crc32c__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_crc32c__armcrc, EMBER_ISA_CRC, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_crc32c__sse42, EMBER_ISA_CRC, 0),
#endif
};

static const ember_kernel_entry attention_entries[] = {
    ENTRY(ember_f32_attention__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_ARM64)
    ENTRY(ember_f32_attention__neon, EMBER_ISA_NEON, 0),
#elif defined(EMBER_ARCH_X86_64)
    ENTRY(ember_f32_attention__avx512vnni, EMBER_ISA_AVX512VNNI, 0),
#endif
};

// Operators with only a portable implementation still get a table, so names and reports are uniform.
static const ember_kernel_entry hadamard_entries[] = {
    ENTRY(ember_f32_encoder_hadamard__ref, EMBER_ISA_SCALAR, 0),
#if defined(EMBER_ARCH_X86_64)
    ENTRY(ember_f32_encoder_hadamard__avx512vnni, EMBER_ISA_AVX512VNNI, 0),
#endif
};

static void scalar_only(void) {}
static const ember_kernel_entry im2col_entries[] = {{"ember_qs8_im2col__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};
static const ember_kernel_entry avgpool_entries[] = {{"ember_qs8_avgpool__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};
static const ember_kernel_entry softmax_entries[] = {{"ember_qs8_softmax__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};
static const ember_kernel_entry quantize_entries[] = {{"ember_qs8_quantize__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};
static const ember_kernel_entry dequantize_entries[] = {{"ember_qs8_dequantize__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};
static const ember_kernel_entry requantize_entries[] = {{"ember_qs8_requantize__ref", EMBER_ISA_SCALAR, scalar_only, 0, 0}};

#define TABLE(op_, arr_) {op_, arr_, sizeof(arr_) / sizeof(arr_[0])}
enum { T_GEMM, T_DWCONV, T_CRC, T_QD8, T_GELU, T_SOFTMAX_F32, T_LAYERNORM, T_IM2COL, T_ADD, T_QD8_QUANTIZE, T_ATTENTION, T_MEAN, T_HADAMARD };  // positions of the dispatched operators in tables[]
static const ember_kernel_table tables[] = {
    TABLE("qs8_gemm", gemm_entries),
    TABLE("qs8_dwconv3x3", dwconv_entries),
    TABLE("crc32c", crc_entries),
    TABLE("qd8_gemm", qd8_gemm_entries),
    TABLE("f32_gelu", gelu_entries),
    TABLE("f32_softmax_masked", softmax_f32_entries),
    TABLE("f32_layernorm", layernorm_entries),
    TABLE("qs8_im2col", im2col_entries),
    TABLE("qs8_add", add_entries),
    TABLE("qd8_quantize_rows", qd8_quantize_entries),
    TABLE("f32_attention", attention_entries),
    TABLE("qs8_mean_hw", mean_entries),
    TABLE("f32_encoder_hadamard", hadamard_entries),
    TABLE("qs8_avgpool", avgpool_entries),
    TABLE("qs8_softmax", softmax_entries),
    TABLE("qs8_quantize", quantize_entries),
    TABLE("qs8_dequantize", dequantize_entries),
    TABLE("qs8_requantize", requantize_entries),
};
#define TABLE_COUNT (sizeof(tables) / sizeof(tables[0]))

const ember_kernel_table *ember_kernel_tables(size_t *n) { *n = TABLE_COUNT; return tables; }

const ember_kernel_table *ember_kernel_table_for(const char *op) {
    if (!op) return NULL;
    for (size_t i = 0; i < TABLE_COUNT; i++)
        if (strcmp(tables[i].op, op) == 0) return &tables[i];
    return NULL;
}

// Chosen entry per table (index into tables[]), and the choice for narrow-range weights, which
// may also take the table's `narrow` entries; published with release stores.
static const ember_kernel_entry *chosen[TABLE_COUNT], *chosen_narrow[TABLE_COUNT];
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static int env_cap(void) {
    const char *s = getenv("EMBER_ISA");
    if (!s || !*s) return -1;
    static const ember_isa all[] = {EMBER_ISA_SCALAR, EMBER_ISA_NEON, EMBER_ISA_NEONDOT, EMBER_ISA_I8MM,
                                    EMBER_ISA_AVX2, EMBER_ISA_AVXVNNI, EMBER_ISA_AVX512VNNI};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, ember_isa_name(all[i])) == 0) return (int)all[i];
    return EMBER_ISA_SCALAR;  // an unknown name must not enable anything: be safe
}

/// Caps compare within one architecture: NEON paths are numbered 1..3, x86 paths 16..
static int within_cap(ember_isa isa, int cap) {
    if (cap < 0 || isa == EMBER_ISA_SCALAR) return 1;
    if (isa == EMBER_ISA_CRC) return cap != EMBER_ISA_SCALAR;
    return (int)isa <= cap;
}

ember_isa ember_kernels_init(int max_isa) {
    pthread_mutex_lock(&init_lock);
    const int ecap = env_cap();
    int cap = max_isa;
    if (ecap >= 0 && (cap < 0 || ecap < cap)) cap = ecap;
    for (size_t t = 0; t < TABLE_COUNT; t++) {
        const ember_kernel_entry *best = &tables[t].entries[0], *best_narrow = best;
        for (size_t i = 1; i < tables[t].count; i++) {
            const ember_kernel_entry *e = &tables[t].entries[i];
            if (!ember_isa_available(e->isa) || !within_cap(e->isa, cap)) continue;
            if (e->isa >= best_narrow->isa) best_narrow = e;  // at one path, the narrow kernel is listed last
            if (!e->narrow && e->isa >= best->isa) best = e;
        }
        __atomic_store_n(&chosen_narrow[t], best_narrow, __ATOMIC_RELEASE);
        __atomic_store_n(&chosen[t], best, __ATOMIC_RELEASE);
    }
    const ember_isa gemm = chosen[T_GEMM]->isa;
    pthread_mutex_unlock(&init_lock);
    return gemm;
}

static const ember_kernel_entry *choice(size_t t) {
    const ember_kernel_entry *e = __atomic_load_n(&chosen[t], __ATOMIC_ACQUIRE);
    if (!e) { ember_kernels_init(-1); e = __atomic_load_n(&chosen[t], __ATOMIC_ACQUIRE); }
    return e;
}

static const ember_kernel_entry *choice_narrow(size_t t) {
    choice(t);  // initializes both choices (chosen_narrow is stored first)
    return __atomic_load_n(&chosen_narrow[t], __ATOMIC_ACQUIRE);
}

/// "qs8_gemm" names the general choice, "qs8_gemm_narrow" the one for weights without -128.
const char *ember_kernel_name(const char *op) {
    if (!op) return NULL;
    const size_t len = strlen(op), suffix = sizeof "_narrow" - 1;
    const int narrow = len > suffix && strcmp(op + len - suffix, "_narrow") == 0;
    for (size_t t = 0; t < TABLE_COUNT; t++) {
        if (strcmp(tables[t].op, op) == 0) return choice(t)->name;
        if (narrow && strlen(tables[t].op) == len - suffix && strncmp(tables[t].op, op, len - suffix) == 0)
            return choice_narrow(t)->name;
    }
    return NULL;
}

// ---- Public entry points of the dispatched operators ----

void ember_qs8_gemm(size_t m_begin, size_t m_end, size_t n, size_t k,
                    const int8_t *a, size_t a_stride, const void *packed,
                    int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    if (m_begin >= m_end || n == 0) return;
    ((ember_qs8_gemm_fn)choice(T_GEMM)->fn)(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
}

void ember_qs8_gemm_narrow(size_t m_begin, size_t m_end, size_t n, size_t k,
                           const int8_t *a, size_t a_stride, const void *packed,
                           int8_t *out, size_t out_stride, const ember_qs8_output *q) {
    if (m_begin >= m_end || n == 0) return;
    ((ember_qs8_gemm_fn)choice_narrow(T_GEMM)->fn)(m_begin, m_end, n, k, a, a_stride, packed, out, out_stride, q);
}

void ember_qs8_dwconv3x3(const int8_t *in, size_t h, size_t w, size_t c,
                         size_t stride, size_t pad_top, size_t pad_left,
                         size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                         const void *packed, int8_t input_zero_point, int8_t *out,
                         const ember_qs8_output *q) {
    if (oy_begin >= oy_end || c == 0 || out_w == 0) return;
    ((ember_qs8_dwconv3x3_fn)choice(T_DWCONV)->fn)(in, h, w, c, stride, pad_top, pad_left, out_h, out_w,
                                            oy_begin, oy_end, packed, input_zero_point, out, q);
}

void ember_qd8_quantize_rows(size_t rows, size_t k, const float *x, size_t x_stride,
                             int8_t *q, size_t q_stride, float *scale, int32_t *zero_point) {
    if (rows == 0) return;
    ((ember_qd8_quantize_rows_fn)choice(T_QD8_QUANTIZE)->fn)(rows, k, x, x_stride, q, q_stride, scale, zero_point);
}

void ember_qd8_gemm_f32(size_t m_begin, size_t m_end, size_t n, size_t k,
                        const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                        const void *packed, const float *w_scale, const float *bias,
                        float *out, size_t out_stride) {
    if (m_begin >= m_end || n == 0) return;
    ((ember_qd8_gemm_fn)choice(T_QD8)->fn)(m_begin, m_end, n, k, q, q_stride, scale, zero_point, packed, w_scale, bias, out, out_stride);
}

void ember_qd8_gemm_f32_narrow(size_t m_begin, size_t m_end, size_t n, size_t k,
                               const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                               const void *packed, const float *w_scale, const float *bias,
                               float *out, size_t out_stride) {
    if (m_begin >= m_end || n == 0) return;
    ((ember_qd8_gemm_fn)choice_narrow(T_QD8)->fn)(m_begin, m_end, n, k, q, q_stride, scale, zero_point, packed, w_scale, bias, out, out_stride);
}

void ember_f32_attention(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                         const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                         float *out, size_t out_stride) {
    ((ember_f32_attention_fn)choice(T_ATTENTION)->fn)(tokens, heads, head_size, qkv, qkv_stride, mask, head_begin, head_end,
                                                      scratch, out, out_stride);
}

void ember_f32_encoder_hadamard(size_t rows, size_t k, size_t block, const float *x, size_t x_stride,
                                const float *scale, float *out) {
    ((ember_f32_encoder_hadamard_fn)choice(T_HADAMARD)->fn)(rows, k, block, x, x_stride, scale, out);
}

void ember_f32_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                         float eps, float *out) {
    ((ember_f32_layernorm_fn)choice(T_LAYERNORM)->fn)(rows, dim, x, gamma, beta, eps, out);
}

void ember_f32_gelu(size_t count, const float *x, float *out) {
    ((ember_f32_gelu_fn)choice(T_GELU)->fn)(count, x, out);
}

void ember_f32_softmax_masked(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale, float *out) {
    ((ember_f32_softmax_fn)choice(T_SOFTMAX_F32)->fn)(rows, cols, x, mask, scale, out);
}

void ember_qs8_add(size_t count, const int8_t *a, const int8_t *b, int8_t *out, const ember_qs8_add_params *p) {
    if (count == 0) return;
    ((ember_qs8_add_fn)choice(T_ADD)->fn)(count, a, b, out, p);
}

void ember_qs8_mean_hw(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out, const ember_qs8_mean_params *p) {
    if (c == 0) return;
    ((ember_qs8_mean_hw_fn)choice(T_MEAN)->fn)(in, h, w, c, out, p);
}

uint32_t ember_crc32c(uint32_t crc, const void *data, size_t length) {
    return ((ember_crc32c_fn)choice(T_CRC)->fn)(crc, data, length);
}
