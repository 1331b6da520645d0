// Weight packing for every qs8 GEMM kernel of every ISA: family "qs8-gemm-n8k8-v1".
#include "ember_kernels_internal.h"

const char *ember_qs8_gemm_packing(void) { return "qs8-gemm-n8k8-v1"; }

size_t ember_qs8_gemm_packed_size(size_t n, size_t k) {
    return ember_round_up(n, EMBER_GEMM_NR) / EMBER_GEMM_NR * ember_gemm_block_bytes(k);
}

// Packed layout, in index order (Np = n rounded up to 8, Kp = k rounded up to 8):
//
//   for nb in 0 ..< Np/8                          -- block of 8 output channels
//     int32 bias'[8]                              -- bias[n] - input_zero_point * sum_k w[n][k]
//     for kb in 0 ..< Kp/8                        -- block of 8 k
//       for j in 0 ..< 8                          -- channel nb*8 + j
//         int8 w[nb*8 + j][kb*8 + 0 ..< 8]        -- 8 consecutive k of one channel
//
// i.e. dst = bias | kb-j-kk. Each 16-byte pair of channels (j, j+1) at one kb is exactly the
// 2x8 operand of SMMLA, the indexed operand of SDOT-by-element (4-byte lanes = 4 k of one
// channel, ember_gemm_dot8x8_neon.h), two 8-byte SMULL operands, and sign-extends to one AVX2
// VPMADDWD operand. Channels >= n and k >= k are zero,
// so kernels read whole blocks and never look outside the blob. Little-endian int32.
void ember_qs8_gemm_pack(size_t n, size_t k, const int8_t *w, const int32_t *bias,
                         int32_t input_zero_point, void *packed) {
    const size_t kp = ember_round_up(k, EMBER_GEMM_KR);
    const size_t np = ember_round_up(n, EMBER_GEMM_NR);
    uint8_t *dst = (uint8_t *)packed;
    for (size_t nb = 0; nb < np; nb += EMBER_GEMM_NR) {
        int32_t b[EMBER_GEMM_NR];
        for (size_t j = 0; j < EMBER_GEMM_NR; j++) {
            const size_t ch = nb + j;
            int32_t v = 0;
            if (ch < n) {
                int32_t sum = 0;
                for (size_t i = 0; i < k; i++) sum += w[ch * k + i];
                v = ember_wrap_add(bias ? bias[ch] : 0, ember_wrap_mul(-input_zero_point, sum));
            }
            b[j] = v;
        }
        memcpy(dst, b, sizeof b);
        int8_t *wd = (int8_t *)(dst + sizeof b);
        for (size_t kb = 0; kb < kp; kb += EMBER_GEMM_KR)
            for (size_t j = 0; j < EMBER_GEMM_NR; j++)
                for (size_t kk = 0; kk < EMBER_GEMM_KR; kk++) {
                    const size_t ch = nb + j, i = kb + kk;
                    *wd++ = (ch < n && i < k) ? w[ch * k + i] : 0;
                }
        dst += ember_gemm_block_bytes(k);
    }
}

// One pass over the weight bytes (biases skipped), written as a reduction the compiler
// vectorizes: the engine calls it once per layer when it plans, never per inference.
int ember_qs8_gemm_packed_narrow(size_t n, size_t k, const void *packed) {
    const size_t blocks = ember_round_up(n, EMBER_GEMM_NR) / EMBER_GEMM_NR, wbytes = ember_gemm_block_bytes(k) - 32;
    const uint8_t *blk = (const uint8_t *)packed;
    for (size_t nb = 0; nb < blocks; nb++, blk += ember_gemm_block_bytes(k)) {
        const int8_t *w = (const int8_t *)(blk + 32);
        int8_t lowest = 0;
        for (size_t i = 0; i < wbytes; i++) lowest = w[i] < lowest ? w[i] : lowest;
        if (lowest == INT8_MIN) return 0;
    }
    return 1;
}
