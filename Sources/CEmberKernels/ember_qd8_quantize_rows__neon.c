// Per-row dynamic quantization of the encoder's activations, NEON, bit for bit the scalar twin's
// result (ember_qd8_quantize_rows__ref): the row range by the twin's strict comparisons (NaN and
// -0.0 never replace the running value), the same multiplication by 1 / s, FCVTAS for roundf (ties
// away from zero; NaN gives 0; saturation stands in for the twin's ±1e6 clamp, which lands outside
// [-128, 127] either way), saturating adds and narrows for the final clamp. The twin's libm roundf
// per element was about 24 M of 137 M non-GEMM AArch64 instructions per 128-token MiniLM embedding.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64)
#include <arm_neon.h>
#include <math.h>

/// min(x, 0) and max(x, 0) of a row as the twin's comparisons find them. Four running pairs: with
/// one, each compare-and-select waits for the one before (llvm-mca: 2.0 -> 1.25 cycles per value on
/// Cortex-A72, 1.0 -> 0.5 on Neoverse-N1). FMINNM/FMAXNM would take half the instructions but turn
/// a signalling NaN into a quiet one that then drops the lane's earlier minimum; the twin skips it.
static void row_range(const float *v, size_t k, float *lo_out, float *hi_out) {
    float32x4_t lo[4], hi[4];
    for (int j = 0; j < 4; j++) lo[j] = hi[j] = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 16 <= k; i += 16)
        for (int j = 0; j < 4; j++) {
            const float32x4_t x = vld1q_f32(v + i + 4 * j);
            lo[j] = vbslq_f32(vcltq_f32(x, lo[j]), x, lo[j]);
            hi[j] = vbslq_f32(vcgtq_f32(x, hi[j]), x, hi[j]);
        }
    for (; i + 4 <= k; i += 4) {
        const float32x4_t x = vld1q_f32(v + i);
        lo[0] = vbslq_f32(vcltq_f32(x, lo[0]), x, lo[0]);
        hi[0] = vbslq_f32(vcgtq_f32(x, hi[0]), x, hi[0]);
    }
    float l[16], h[16];
    for (int j = 0; j < 4; j++) { vst1q_f32(l + 4 * j, lo[j]); vst1q_f32(h + 4 * j, hi[j]); }
    ember_qd8_range_finish(l, h, 16, v, i, k, lo_out, hi_out);
}

/// roundf(x * inv) + zp, saturated to int32.
static inline int32x4_t quantize4(const float *p, float32x4_t inv, int32x4_t zp) {
    return vqaddq_s32(vcvtaq_s32_f32(vmulq_f32(vld1q_f32(p), inv)), zp);
}

void ember_qd8_quantize_rows__neon(size_t rows, size_t k, const float *x, size_t x_stride,
                                   int8_t *q, size_t q_stride, float *scale, int32_t *zero_point) {
    for (size_t r = 0; r < rows; r++) {
        const float *v = x + r * x_stride;
        int8_t *out = q + r * q_stride;
        float lo, hi;
        row_range(v, k, &lo, &hi);
        int32_t zp;
        const float s = ember_qd8_row_scale(lo, hi, &zp), inv = ember_qd8_row_inverse(s);
        const float32x4_t vs = vdupq_n_f32(inv);
        const int32x4_t vzp = vdupq_n_s32(zp);
        size_t i = 0;
        for (; i + 16 <= k; i += 16) {
            const int16x8_t a = vcombine_s16(vqmovn_s32(quantize4(v + i, vs, vzp)), vqmovn_s32(quantize4(v + i + 4, vs, vzp)));
            const int16x8_t b = vcombine_s16(vqmovn_s32(quantize4(v + i + 8, vs, vzp)), vqmovn_s32(quantize4(v + i + 12, vs, vzp)));
            vst1q_s8(out + i, vcombine_s8(vqmovn_s16(a), vqmovn_s16(b)));
        }
        for (; i < k; i++) out[i] = ember_qd8_quantize_value(v[i], inv, zp);
        scale[r] = s;
        zero_point[r] = zp;
    }
}
#endif
