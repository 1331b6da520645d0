// CEmberKernels: the public C API of Ember's compute kernels.
//
// Conventions (see docs/kernels.md):
//  * NHWC activations; int8 values with a zero point; per-output-channel symmetric int8 weights;
//    int32 bias. Requantization is TFLite's: MultiplyByQuantizedMultiplier with a Q31 multiplier
//    and a shift (positive = left), rounding exactly as TFLite's reference kernels do.
//  * Every operator below dispatches through the table chosen once by ember_kernels_init();
//    every ISA path has a scalar twin named `..__ref` and produces identical bytes.
//  * Weights are packed once (by `ember convert`) with the pack function paired with the kernel;
//    the packed layout is universal: every kernel of every ISA reads the same bytes.
#ifndef EMBER_KERNELS_H
#define EMBER_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------------------------
// CPU features and dispatch
// ---------------------------------------------------------------------------------------------

/// Instruction-set paths, lowest first. A path may only be chosen if compiled in and reported
/// by the CPU (getauxval on AArch64, cpuid/xgetbv on x86-64).
typedef enum ember_isa {
    EMBER_ISA_SCALAR = 0,   ///< portable C, the reference twins
    EMBER_ISA_NEON = 1,     ///< AArch64 ARMv8.0 Advanced SIMD (SMLAL); Cortex-A53/A72
    EMBER_ISA_NEONDOT = 2,  ///< ARMv8.2 dot product (SDOT); Cortex-A76 (Pi 5)
    EMBER_ISA_I8MM = 3,     ///< ARMv8.6 int8 matrix multiply (SMMLA)
    EMBER_ISA_AVX2 = 16,    ///< x86-64 AVX2 + FMA
    EMBER_ISA_AVXVNNI = 17, ///< x86-64 AVX-VNNI (VEX VPDPBUSD on 256-bit vectors)
    EMBER_ISA_AVX512VNNI = 18, ///< x86-64 AVX-512 F/BW/VNNI (VPDPBUSD on 512-bit vectors) with AVX-VNNI
} ember_isa;

/// Bit set of the features this CPU reports, `1u << ember_isa`.
uint32_t ember_cpu_features(void);

/// Chooses the best path for every operator once. `max_isa` caps the choice (pass -1 for no cap);
/// the environment variable EMBER_ISA (scalar, neon, neondot, i8mm, avx2, avxvnni, avx512vnni) caps it too.
/// Returns the path chosen for the GEMM. Idempotent; safe to call from several threads.
ember_isa ember_kernels_init(int max_isa);

/// Name of a path ("scalar", "neon", ...).
const char *ember_isa_name(ember_isa isa);

/// Name of the kernel chosen for an operator, e.g. "ember_qs8_gemm_8x8c8__neondot".
/// `op` is one of the operator names below without the `ember_` prefix ("qs8_gemm", ...).
/// Returns NULL for an unknown operator.
const char *ember_kernel_name(const char *op);

// ---------------------------------------------------------------------------------------------
// Requantization
// ---------------------------------------------------------------------------------------------

/// TFLite's QuantizeMultiplier: a double scale in (0, 1e9) to a Q31 multiplier and shift.
/// Returns 0 on success, -1 if the scale cannot be represented.
int ember_quantize_multiplier(double scale, int32_t *multiplier, int32_t *shift);

/// TFLite's MultiplyByQuantizedMultiplier(x, multiplier, shift) (double rounding form).
int32_t ember_requantize(int32_t x, int32_t multiplier, int32_t shift);

/// Output stage of every int8 operator with per-channel requantization:
/// out = clamp(sat16(sat16(MultiplyByQuantizedMultiplier(acc, multiplier, shift)) + zero_point),
/// min, max). The int16 saturation equals TFLite's int32 addition wherever that addition does
/// not overflow (TFLite leaves overflow undefined); it is what the SIMD paths do.
typedef struct ember_qs8_output {
    const int32_t *multiplier; ///< [channels] Q31 multipliers
    const int32_t *shift;      ///< [channels] shifts (positive = left)
    int32_t zero_point;        ///< output zero point
    int32_t min, max;          ///< clamp in the quantized domain (fused activation), within [-128, 127]
} ember_qs8_output;

// ---------------------------------------------------------------------------------------------
// qs8 GEMM: out[m][n] = requant(bias'[n] + sum_k a[m][k] * w[n][k]) with per-channel requant.
// Used by 1x1 convolutions, by KxK convolutions after im2col, and by fully connected layers.
// ---------------------------------------------------------------------------------------------

/// Bytes needed for packed weights of an N x K matrix (including bias and padding).
size_t ember_qs8_gemm_packed_size(size_t n, size_t k);

/// Packs weights `w` ([n][k], row n = output channel, as TFLite's OHWI flattened) and `bias` ([n],
/// may be NULL) into `packed`. The input zero point is folded into the bias here:
/// bias'[n] = bias[n] - input_zero_point * sum_k w[n][k].
void ember_qs8_gemm_pack(size_t n, size_t k, const int8_t *w, const int32_t *bias,
                         int32_t input_zero_point, void *packed);

/// Packing family written into .ember files, e.g. "qs8-gemm-n8k8-v1". A file packed for a
/// different family must be refused.
const char *ember_qs8_gemm_packing(void);

/// Rows [m_begin, m_end) of the GEMM. `a` is [m][a_stride], `out` is [m][out_stride] (int8).
void ember_qs8_gemm(size_t m_begin, size_t m_end, size_t n, size_t k,
                    const int8_t *a, size_t a_stride, const void *packed,
                    int8_t *out, size_t out_stride, const ember_qs8_output *q);

/// 1 if no weight in packed GEMM weights is -128 ("narrow range" [-127, 127], what TFLite's int8
/// weight spec and the encoder's symmetric quantizer produce), else 0. One pass over the blob:
/// call it once per layer when planning, and pick ember_qs8_gemm_narrow / ember_qd8_gemm_f32_narrow.
int ember_qs8_gemm_packed_narrow(size_t n, size_t k, const void *packed);

/// ember_qs8_gemm for weights with ember_qs8_gemm_packed_narrow() == 1: the same bytes, through
/// kernels that may add two products in int16 (exact only without -128). Any other weights give
/// wrong sums here. ember_kernel_name("qs8_gemm_narrow") names the choice.
void ember_qs8_gemm_narrow(size_t m_begin, size_t m_end, size_t n, size_t k,
                           const int8_t *a, size_t a_stride, const void *packed,
                           int8_t *out, size_t out_stride, const ember_qs8_output *q);

/// im2col for a KxK convolution on an NHWC int8 image: writes rows [oy_begin, oy_end) x OW of
/// [kh*kw*c] bytes each; taps outside the image are filled with `pad_value` (the input zero point).
void ember_qs8_im2col(const int8_t *in, size_t h, size_t w, size_t c,
                      size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                      size_t dilation_h, size_t dilation_w, size_t pad_top, size_t pad_left,
                      size_t oy_begin, size_t oy_end, size_t out_w, int8_t pad_value, int8_t *cols);

// ---------------------------------------------------------------------------------------------
// Depthwise 3x3 convolution, per-channel, stride 1 or 2, multiplier 1.
// ---------------------------------------------------------------------------------------------

size_t ember_qs8_dwconv3x3_packed_size(size_t c);
/// Packing family of depthwise weights, e.g. "qs8-dw3x3-c16-v1" (refuse files with another).
const char *ember_qs8_dwconv3x3_packing(void);
/// Packs weights [3][3][c] (TFLite [1,3,3,C]) and bias [c] (may be NULL); zero point folded as above.
void ember_qs8_dwconv3x3_pack(size_t c, const int8_t *w, const int32_t *bias,
                              int32_t input_zero_point, void *packed);
/// Output rows [oy_begin, oy_end). Padded taps behave as the input zero point.
void ember_qs8_dwconv3x3(const int8_t *in, size_t h, size_t w, size_t c,
                         size_t stride, size_t pad_top, size_t pad_left,
                         size_t out_h, size_t out_w, size_t oy_begin, size_t oy_end,
                         const void *packed, int8_t input_zero_point, int8_t *out,
                         const ember_qs8_output *q);

// ---------------------------------------------------------------------------------------------
// Elementwise and reductions (TFLite reference semantics)
// ---------------------------------------------------------------------------------------------

/// TFLite int8 ADD: both inputs rescaled with left_shift then their multipliers, summed,
/// rescaled to the output, clamped. Parameters as TFLite's ArithmeticParams (min <= max).
typedef struct ember_qs8_add_params {
    int32_t a_zero_point, b_zero_point, out_zero_point;
    int32_t left_shift;
    int32_t a_multiplier, a_shift, b_multiplier, b_shift, out_multiplier, out_shift;
    int32_t min, max;
} ember_qs8_add_params;
void ember_qs8_add(size_t count, const int8_t *a, const int8_t *b, int8_t *out,
                   const ember_qs8_add_params *p);

/// TFLite int8 MEAN over H and W of [h][w][c] (keep_dims or not is the caller's shape concern).
/// out[c] = clamp(MultiplyByQuantizedMultiplier(sum - in_zero_point * h*w, multiplier, shift)
///                + out_zero_point, min, max), as TFLite's reference QuantizedMeanOrSum.
/// How to fill multiplier/shift exactly as TFLite does: ember_quantize_multiplier(in_scale /
/// out_scale) (both scales as double from the float tensor scales), then
/// ember_qs8_mean_multiplier(that, h*w) folds 1/count in. min/max: -128, 127 (MEAN has no
/// fused activation).
typedef struct ember_qs8_mean_params {
    int32_t in_zero_point, out_zero_point;
    int32_t multiplier, shift; ///< as TFLite computes them for the reduction size (see above)
    int32_t min, max;
} ember_qs8_mean_params;

/// Folds 1/count into a multiplier and shift the way TFLite's reference MEAN does:
/// s = min(floor(log2(count)), 32, 31 + shift); multiplier' = (multiplier << s) / count (int64,
/// truncating); shift' = shift - s. Returns 0, or -1 if count is 0 or too large.
int ember_qs8_mean_multiplier(int32_t multiplier, int32_t shift, size_t count,
                              int32_t *out_multiplier, int32_t *out_shift);
void ember_qs8_mean_hw(const int8_t *in, size_t h, size_t w, size_t c, int8_t *out,
                       const ember_qs8_mean_params *p);

/// TFLite int8 AVERAGE_POOL_2D (reference rounding of the average).
void ember_qs8_avgpool(const int8_t *in, size_t h, size_t w, size_t c,
                       size_t kh, size_t kw, size_t stride_h, size_t stride_w,
                       size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                       int32_t min, int32_t max, int8_t *out);

/// TFLite int8 SOFTMAX (reference kernel's fixed-point path), rows of `depth` values.
/// Parameters as TFLite's Prepare computes them (beta from the op, input scale as double):
/// input_multiplier/input_left_shift = QuantizeMultiplier(min(beta * in_scale * 2^(31-5),
/// 2^31 - 1)) (the shift is >= 0); diff_min = -floor((2^5 - 1) * 2^(31-5) / 2^input_left_shift).
/// TFLite requires the int8 output to have scale 1/256 and zero point -128.
typedef struct ember_qs8_softmax_params {
    int32_t input_multiplier, input_left_shift, diff_min;
    int32_t out_zero_point; ///< -128 for int8 softmax outputs with scale 1/256
} ember_qs8_softmax_params;
void ember_qs8_softmax(size_t rows, size_t depth, const int8_t *in, int8_t *out,
                       const ember_qs8_softmax_params *p);

/// float -> int8 (TFLite QUANTIZE: round half away from zero, then zero point, clamp).
void ember_qs8_quantize(size_t count, const float *in, float scale, int32_t zero_point, int8_t *out);
/// int8 -> float (TFLite DEQUANTIZE).
void ember_qs8_dequantize(size_t count, const int8_t *in, float scale, int32_t zero_point, float *out);
/// int8 -> int8 with a different scale / zero point (TFLite int8 QUANTIZE of an int8 tensor).
void ember_qs8_requantize(size_t count, const int8_t *in, int32_t in_zero_point,
                          int32_t multiplier, int32_t shift, int32_t out_zero_point, int8_t *out);

// ---------------------------------------------------------------------------------------------
// Encoder kernels: dynamic quantization and float operators (portable C; no SIMD paths yet)
// ---------------------------------------------------------------------------------------------

/// Quantizes each row of float activations to int8 with its own scale and zero point
/// (asymmetric, the range always includes 0): scale = (max(x, 0) - min(x, 0)) / 255 (1 if the row
/// is all zeros), zero_point = clamp(round(-128 - min(x, 0) / scale), -128, 127),
/// q = clamp(round(x / scale) + zero_point, -128, 127); rounding half away from zero.
void ember_qd8_quantize_rows(size_t rows, size_t k, const float *x, size_t x_stride,
                             int8_t *q, size_t q_stride, float *scale, int32_t *zero_point);

/// Dynamic-quantization GEMM with float output:
/// out[m][n] = scale[m] * w_scale[n] * (float)(sum_k q[m][k] * w[n][k] - zero_point[m] * wsum[n]) + bias[n]
/// (evaluated in that order, float; the sums exactly in int32). The weights must be packed with
/// ember_qs8_gemm_pack(n, k, w, NULL, -1, packed): the packed biases then hold wsum[n] =
/// sum_k w[n][k]. `bias` may be NULL. Rows [m_begin, m_end).
void ember_qd8_gemm_f32(size_t m_begin, size_t m_end, size_t n, size_t k,
                        const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                        const void *packed, const float *w_scale, const float *bias,
                        float *out, size_t out_stride);
/// ember_qd8_gemm_f32 for weights with ember_qs8_gemm_packed_narrow() == 1 (same results; see
/// ember_qs8_gemm_narrow). ember_kernel_name("qd8_gemm_narrow") names the choice.
void ember_qd8_gemm_f32_narrow(size_t m_begin, size_t m_end, size_t n, size_t k,
                               const int8_t *q, size_t q_stride, const float *scale, const int32_t *zero_point,
                               const void *packed, const float *w_scale, const float *bias,
                               float *out, size_t out_stride);

/// Layer normalization of each row: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance).
void ember_f32_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                         float eps, float *out);
/// GELU with the exact erf form: x * 0.5 * (1 + erf(x / sqrt(2))).
void ember_f32_gelu(size_t count, const float *x, float *out);
/// Softmax of each row of `scale * x` over the columns whose mask byte is non-zero (mask [cols],
/// NULL = all); masked columns get 0. A row with no unmasked column becomes all zeros.
void ember_f32_softmax_masked(size_t rows, size_t cols, const float *x, const uint8_t *mask, float scale,
                              float *out);
/// Mean over the tokens whose mask byte is non-zero (mask [tokens], NULL = all) of x [tokens][dim].
/// No unmasked token gives zeros.
void ember_f32_mean_pool(size_t tokens, size_t dim, const float *x, const uint8_t *mask, float *out);
/// Each row divided by max(||row||_2, eps).
void ember_f32_l2_normalize(size_t rows, size_t dim, const float *x, float eps, float *out);

/// The encoder's float operators with identical bits on every CPU (portable C, no libm
/// transcendental, fixed summation order; the dispatched float kernels above are only within
/// 1e-6 of each other across paths). Layer norm as ember_f32_layernorm (sums in double); GELU
/// with erf from Abramowitz & Stegun 7.1.28 (|error| <= 3e-7); softmax of one row of scale * x
/// with a polynomial exp.
void ember_f32_encoder_layernorm(size_t rows, size_t dim, const float *x, const float *gamma, const float *beta,
                                 float eps, float *out);
void ember_f32_encoder_gelu(size_t count, const float *x, float *out);
void ember_f32_encoder_softmax(size_t cols, float *values, float scale);  // in place
/// out = a + b, elementwise (the residual connections).
void ember_f32_encoder_add(size_t count, const float *a, const float *b, float *out);
/// out[i] = (float)half[i] + add[i] (IEEE binary16 bits, widened exactly): the encoder's
/// embedding lookup of a float16 word table plus the position row.
void ember_f32_encoder_add_half(size_t count, const uint16_t *half, const float *add, float *out);
/// out[r][i] = x[r * x_stride + i] * scale[i] for r < rows, i < k; `out` is dense [rows][k]
/// (dynamicLinear's optional per-column input scale).
void ember_f32_encoder_scale_columns(size_t rows, size_t k, const float *x, size_t x_stride, const float *scale,
                                     float *out);

/// out[r] = (x[r * x_stride ...] * scale) . blockdiag(H_block) for r < rows: each row of k columns
/// is multiplied by the optional per-column `scale` (NULL: none; one float multiply, as
/// ember_f32_encoder_scale_columns), then each block of `block` columns (a power of two dividing
/// k) by the Sylvester Hadamard matrix H_block (H_1 = [1], H_2m = [[H_m, H_m], [H_m, -H_m]]; not
/// normalized). `out` is dense [rows][k] and may be `x` (with x_stride = k). dynamicLinear's
/// optional rotation (`hadamard_block`). Every path gives the same bits (one butterfly network).
void ember_f32_encoder_hadamard(size_t rows, size_t k, size_t block, const float *x, size_t x_stride,
                                const float *scale, float *out);

/// Bytes of float scratch one ember_f32_attention call needs for `tokens` tokens.
size_t ember_f32_attention_scratch(size_t tokens, size_t head_size);
/// Self-attention of heads [head_begin, head_end) over one sequence: `qkv` is [tokens][qkv_stride]
/// with Q, K, V of all heads side by side (Q at column 0, K at heads*head_size, V at
/// 2*heads*head_size; head h at h*head_size within each); per head and query i:
/// out[i][h*head_size + c] = sum_j softmax_j(q_i . k_j / sqrt(head_size)) v_j[c] over the keys
/// (mask must be NULL: every token of the sequence is attended; the softmax is
/// ember_f32_encoder_softmax). Portable C, identical results on every CPU.
void ember_f32_attention(size_t tokens, size_t heads, size_t head_size, const float *qkv, size_t qkv_stride,
                         const uint8_t *mask, size_t head_begin, size_t head_end, float *scratch,
                         float *out, size_t out_stride);

// ---------------------------------------------------------------------------------------------
// Checksums (used by the .ember container)
// ---------------------------------------------------------------------------------------------

/// CRC-32C (Castagnoli), hardware-accelerated where the CPU has it. Chain by passing the
/// previous value as `crc` (start with 0).
uint32_t ember_crc32c(uint32_t crc, const void *data, size_t length);

// ---------------------------------------------------------------------------------------------
// Thread pool: split work across cores without allocating per call.
// ---------------------------------------------------------------------------------------------

typedef struct ember_threadpool ember_threadpool;
/// `threads` counts the calling thread; 1 means run inline. Returns NULL on failure.
ember_threadpool *ember_threadpool_create(size_t threads);
void ember_threadpool_destroy(ember_threadpool *pool);
size_t ember_threadpool_threads(const ember_threadpool *pool);
/// Lets only `threads` of the pool's threads (the caller counted, clamped to 1...threads) take
/// part in the jobs that follow; the rest sleep instead of spinning. Call between jobs only.
/// Every task still runs: the caller alone finishes a job nobody helps with.
void ember_threadpool_set_active(ember_threadpool *pool, size_t threads);
/// Pins the pool's worker threads (not the caller) to the CPUs `cpus[0..count)`: each worker
/// may run on any of them. Returns 0, or an errno (EINVAL for no CPUs or one outside
/// 0...CPU_SETSIZE-1; else the first worker's pthread_setaffinity_np error): a worker that could
/// not be pinned keeps its affinity and the pool works on. Call between jobs only.
int ember_threadpool_pin(ember_threadpool *pool, const int *cpus, size_t count);
/// Calls fn(ctx, i) for i in [0, tasks) across the pool's threads; returns when all are done.
/// Not reentrant: one parallel_for at a time per pool. `pool` may be NULL (runs inline).
void ember_threadpool_parallel_for(ember_threadpool *pool, size_t tasks,
                                   void (*fn)(void *ctx, size_t task), void *ctx);

#ifdef __cplusplus
}
#endif
#endif // EMBER_KERNELS_H
