// The ×V sum of one query for any head size, shared by every attention path (ember_f32_attention*.c):
// o[c] = p[0]·v_0[c], then fmaf(p[j], v_j[c], o[c]) in order of j. Always inlined, so it is
// compiled for its caller's target (the AVX2 clone, AVX-512, NEON) with the same operations.
#ifndef EMBER_F32_ATTENTION_ROW_H
#define EMBER_F32_ATTENTION_ROW_H
#include <math.h>
#include <stddef.h>

__attribute__((always_inline)) static inline void ember_attention_values_row(size_t tokens, size_t head_size, const float *restrict p,
                                                                            const float *restrict v, float *restrict o) {
    for (size_t c = 0; c < head_size; c++) o[c] = p[0] * v[c];
    for (size_t j = 1; j < tokens; j++) {
        const float pj = p[j];
        const float *restrict vj = v + j * head_size;
        for (size_t c = 0; c < head_size; c++) o[c] = fmaf(pj, vj[c], o[c]);
    }
}
#endif
