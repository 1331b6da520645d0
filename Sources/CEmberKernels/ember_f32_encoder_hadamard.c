// dynamicLinear's optional block Hadamard rotation (QuaRot-style): every block of `block` columns
// of every row is multiplied by the Sylvester Hadamard matrix H_block (entries +-1, not
// normalized; the converter folds 1/block into the weights). Rotating spreads an outlier channel
// over the block, so one int8 scale per row fits all of it. The optional per-column input scale
// (SmoothQuant) is applied first, as ember_f32_encoder_scale_columns does, in the same pass.
//
// The transform is the radix-2 butterfly network, stage h = 1, 2, 4, ... (pairs j, j + h within
// each 2h columns: a + b, a - b), so every output is one fixed tree of float additions and the
// result has the same bits on every CPU and at every vector width. Speed: in 8-float vectors
// (GCC/Clang vector extensions), stages 1, 2 and 4 within a vector as `(v ^ sign) + swap(v)` (a
// sign flip is exact and a + (-b) is a - b), the rest between vectors. 64 columns stay in 8
// registers from load to store (128 columns in 16 spilled to the stack with AVX2, and would with
// NEON, and were slower); the stages of larger blocks then run in memory, in L1. Clang keeps the
// registers; GCC 12 does not (the result is the same, several times slower). The twin of the
// dispatched paths (ember_f32_encoder_hadamard__avx512vnni: 16-float vectors, 128 columns held).
#include <stdint.h>
#include <string.h>
#include "ember_kernels_internal.h"

typedef float ember_f32x8 __attribute__((vector_size(32)));
typedef uint32_t ember_u32x8 __attribute__((vector_size(32)));

// Vectors only by pointer: passing them by value would depend on the clone's ABI.
static inline void load8(ember_f32x8 *v, const float *p) { memcpy(v, p, sizeof *v); }
static inline void store8(float *p, const ember_f32x8 *v) { memcpy(p, v, sizeof *v); }

// Stages 1, 2 and 4 within one 8-column group.
static inline void within8(ember_f32x8 *v) {
    const uint32_t m = 0x80000000u;
    const ember_u32x8 s1 = {0, m, 0, m, 0, m, 0, m}, s2 = {0, 0, m, m, 0, 0, m, m}, s4 = {0, 0, 0, 0, m, m, m, m};
    ember_f32x8 x = *v;
    x = (ember_f32x8)((ember_u32x8)x ^ s1) + __builtin_shufflevector(x, x, 1, 0, 3, 2, 5, 4, 7, 6);
    x = (ember_f32x8)((ember_u32x8)x ^ s2) + __builtin_shufflevector(x, x, 2, 3, 0, 1, 6, 7, 4, 5);
    x = (ember_f32x8)((ember_u32x8)x ^ s4) + __builtin_shufflevector(x, x, 4, 5, 6, 7, 0, 1, 2, 3);
    *v = x;
}

// One block of `groups` (<= 8, a constant after inlining) 8-column groups, read from `in` (times
// `scale` when there is one), rotated in registers and written to `out` (which may be `in`).
static inline __attribute__((always_inline)) void block_in_registers(const float *in, const float *scale, float *out,
                                                                      const size_t groups) {
    ember_f32x8 v[8];
    for (size_t g = 0; g < groups; g++) {
        load8(&v[g], in + 8 * g);
        if (scale) {
            ember_f32x8 s;
            load8(&s, scale + 8 * g);
            v[g] = v[g] * s;
        }
        within8(&v[g]);
    }
    for (size_t h = 1; h < groups; h *= 2)
        for (size_t g = 0; g < groups; g += 2 * h)
            for (size_t j = g; j < g + h; j++) {
                const ember_f32x8 a = v[j], b = v[j + h];
                v[j] = a + b;
                v[j + h] = a - b;
            }
    for (size_t g = 0; g < groups; g++) store8(out + 8 * g, &v[g]);
}

EMBER_WIDE void ember_f32_encoder_hadamard__ref(size_t rows, size_t k, size_t block, const float *x, size_t x_stride,
                                                const float *scale, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *in = x + r * x_stride;
        float *row = out + r * k;
        if (block < 8) {  // 2 or 4: the butterflies one by one
            for (size_t i = 0; i < k; i++) row[i] = scale ? in[i] * scale[i] : in[i];
            for (size_t h = 1; h < block; h *= 2)
                for (size_t g = 0; g < k; g += 2 * h)
                    for (size_t j = g; j < g + h; j++) {
                        const float a = row[j], b = row[j + h];
                        row[j] = a + b;
                        row[j + h] = a - b;
                    }
            continue;
        }
        const size_t step = block < 64 ? block : 64;
        for (size_t c = 0; c < k; c += step) {
            const float *s = scale ? scale + c : NULL;
            switch (step) {  // constant group counts, so the registers are named
            case 8: block_in_registers(in + c, s, row + c, 1); break;
            case 16: block_in_registers(in + c, s, row + c, 2); break;
            case 32: block_in_registers(in + c, s, row + c, 4); break;
            default: block_in_registers(in + c, s, row + c, 8); break;
            }
        }
        // Blocks above 64 columns: the remaining stages in memory.
        for (size_t h = 64; h < block; h *= 2)
            for (size_t g = 0; g < k; g += 2 * h)
                for (size_t j = g; j < g + h; j += 8) {
                    ember_f32x8 a, b;
                    load8(&a, row + j);
                    load8(&b, row + j + h);
                    const ember_f32x8 sum = a + b, difference = a - b;
                    store8(row + j, &sum);
                    store8(row + j + h, &difference);
                }
    }
}
