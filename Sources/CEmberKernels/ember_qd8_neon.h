// Pieces shared by the NEON qd8 GEMMs: a block's weight scales and biases (every AArch64 path), and
// for the ARMv8.0 ones (ember_qd8_gemm_2x8c8__neon and its SMLAL form __neon_mlal) the SMULL +
// SADALP block of 8 k and the float output stage, whose multiply and add stay separate so results
// equal the scalar twin.
#ifndef EMBER_QD8_NEON_H
#define EMBER_QD8_NEON_H
#include <arm_neon.h>
#include "ember_kernels_internal.h"

/// The weight scales and biases of channels [nb, nb + 8): zero past n, and a NULL bias still adds
/// +0.0f, as the twin does (-0.0f + 0.0f = +0.0f). A whole block is two vector loads each.
static inline void ember_qd8_neon_block_scales(const float *w_scale, const float *bias, size_t nb, size_t n, float32x4_t ws[2],
                                               float32x4_t b[2]) {
    if (n - nb >= 8) {
        ws[0] = vld1q_f32(w_scale + nb), ws[1] = vld1q_f32(w_scale + nb + 4);
        b[0] = bias ? vld1q_f32(bias + nb) : vdupq_n_f32(0.0f), b[1] = bias ? vld1q_f32(bias + nb + 4) : vdupq_n_f32(0.0f);
        return;
    }
    float wt[8] = {0}, bt[8] = {0};
    for (size_t j = 0; nb + j < n; j++) { wt[j] = w_scale[nb + j]; bt[j] = bias ? bias[nb + j] : 0.0f; }
    ws[0] = vld1q_f32(wt), ws[1] = vld1q_f32(wt + 4), b[0] = vld1q_f32(bt), b[1] = vld1q_f32(bt + 4);
}

/// Weights as 8-byte loads (LDP of D registers): SMULL on each, no EXT to reach high halves.
static inline void ember_qd8_neon_mac_block(int32x4_t acc0[8], int32x4_t acc1[8], const int8_t *wp, int8x8_t va0, int8x8_t va1) {
    for (int j = 0; j < 8; j++) {
        const int8x8_t vw = vld1_s8(wp + 8 * j);
        acc0[j] = vpadalq_s16(acc0[j], vmull_s8(vw, va0));
        acc1[j] = vpadalq_s16(acc1[j], vmull_s8(vw, va1));
    }
}

static inline void ember_qd8_neon_store_row(float *dst, size_t count, const int32x4_t acc[8], int32x4_t wsum_lo, int32x4_t wsum_hi,
                             int32_t zp, float s, const float32x4_t ws[2], const float32x4_t b[2]) {
    const int32x4_t lo = vpaddq_s32(vpaddq_s32(acc[0], acc[1]), vpaddq_s32(acc[2], acc[3]));
    const int32x4_t hi = vpaddq_s32(vpaddq_s32(acc[4], acc[5]), vpaddq_s32(acc[6], acc[7]));
    const int32x4_t c_lo = vsubq_s32(lo, vmulq_n_s32(wsum_lo, zp)), c_hi = vsubq_s32(hi, vmulq_n_s32(wsum_hi, zp));
    const float32x4_t f_lo = vaddq_f32(vmulq_f32(vmulq_n_f32(ws[0], s), vcvtq_f32_s32(c_lo)), b[0]);
    const float32x4_t f_hi = vaddq_f32(vmulq_f32(vmulq_n_f32(ws[1], s), vcvtq_f32_s32(c_hi)), b[1]);
    if (count == 8) { vst1q_f32(dst, f_lo); vst1q_f32(dst + 4, f_hi); return; }
    float t[8];
    vst1q_f32(t, f_lo);
    vst1q_f32(t + 4, f_hi);
    memcpy(dst, t, count * sizeof(float));
}
#endif
