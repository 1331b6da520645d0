// Weight packing for every depthwise 3x3 kernel: family "qs8-dw3x3-c16-v1".
#include "ember_kernels_internal.h"

size_t ember_qs8_dwconv3x3_packed_size(size_t c) {
    return ember_round_up(c, EMBER_DW_CB) / EMBER_DW_CB * ember_dw_block_bytes();
}

const char *ember_qs8_dwconv3x3_packing(void) { return "qs8-dw3x3-c16-v1"; }

// Packed layout, in index order (Cp = c rounded up to 16):
//
//   for cb in 0 ..< Cp/16                  -- block of 16 channels
//     int32 bias'[16]                      -- bias[ch] - input_zero_point * sum_t w[t][ch]
//     for t in 0 ..< 9                     -- tap t = ky*3 + kx
//       int8 w[t][cb*16 + 0 ..< 16]        -- 16 consecutive channels
//
// Channels >= c are zero. Little-endian int32.
void ember_qs8_dwconv3x3_pack(size_t c, const int8_t *w, const int32_t *bias,
                              int32_t input_zero_point, void *packed) {
    uint8_t *dst = (uint8_t *)packed;
    for (size_t cb = 0; cb < c; cb += EMBER_DW_CB) {
        int32_t b[EMBER_DW_CB];
        int8_t wt[9 * EMBER_DW_CB];
        for (size_t j = 0; j < EMBER_DW_CB; j++) {
            const size_t ch = cb + j;
            int32_t sum = 0;
            for (size_t t = 0; t < 9; t++) {
                const int8_t v = ch < c ? w[t * c + ch] : 0;
                wt[t * EMBER_DW_CB + j] = v;
                sum += v;
            }
            b[j] = ch < c ? ember_wrap_add(bias ? bias[ch] : 0, ember_wrap_mul(-input_zero_point, sum)) : 0;
        }
        memcpy(dst, b, sizeof b);
        memcpy(dst + sizeof b, wt, sizeof wt);
        dst += ember_dw_block_bytes();
    }
}
