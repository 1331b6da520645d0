// The block Hadamard rotation in 512-bit vectors, bit for bit ember_f32_encoder_hadamard__ref:
// the same butterfly network in the same stage order (h = 1, 2, 4, ...; a + b and a - b), so
// every output is the same tree of additions. Stages 1 to 8 run within a 16-float vector as
// `(v ^ sign) + swap(v)`, stages 16 to 64 between vectors with 128 columns in 8 of the 32 zmm
// registers (the portable kernel's AVX-512 clone holds 64 in 8-float vectors: AVX2 has 16
// registers), the stages of larger blocks in memory. Blocks below 16 go to the twin. Needs only
// AVX-512 F; it sits at the AVX-512 VNNI level, the first x86 path with 512-bit vectors.
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <immintrin.h>

#define EMBER_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f")))

/// Stage h (1, 2, 4 or 8) within one vector: lanes with bit h set become a - b, the others a + b.
EMBER_TARGET_AVX512 static inline __m512 within16(__m512 x) {
    const __m512i s1 = _mm512_set_epi32(INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0,
                                        INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0);
    const __m512i s2 = _mm512_set_epi32(INT32_MIN, INT32_MIN, 0, 0, INT32_MIN, INT32_MIN, 0, 0,
                                        INT32_MIN, INT32_MIN, 0, 0, INT32_MIN, INT32_MIN, 0, 0);
    const __m512i s4 = _mm512_set_epi32(INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 0, 0, 0, 0,
                                        INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 0, 0, 0, 0);
    const __m512i s8 = _mm512_set_epi32(INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN,
                                        0, 0, 0, 0, 0, 0, 0, 0);
#define FLIP(v, s) _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), s))
    x = _mm512_add_ps(FLIP(x, s1), _mm512_permute_ps(x, 0xB1));          // pairs of lanes swapped
    x = _mm512_add_ps(FLIP(x, s2), _mm512_permute_ps(x, 0x4E));          // pairs of pairs
    x = _mm512_add_ps(FLIP(x, s4), _mm512_shuffle_f32x4(x, x, 0xB1));    // 128-bit lanes swapped
    x = _mm512_add_ps(FLIP(x, s8), _mm512_shuffle_f32x4(x, x, 0x4E));    // 256-bit halves swapped
#undef FLIP
    return x;
}

/// One block of `groups` (1 to 8, a constant after inlining) 16-column groups from `in` (times
/// `scale` when there is one), rotated in registers and stored to `out` (which may be `in`).
EMBER_TARGET_AVX512 __attribute__((always_inline)) static inline void block16(const float *in, const float *scale, float *out,
                                                                              const size_t groups) {
    __m512 v[8];
    for (size_t g = 0; g < groups; g++) {
        v[g] = _mm512_loadu_ps(in + 16 * g);
        if (scale) v[g] = _mm512_mul_ps(v[g], _mm512_loadu_ps(scale + 16 * g));
        v[g] = within16(v[g]);
    }
    for (size_t h = 1; h < groups; h *= 2)
        for (size_t g = 0; g < groups; g += 2 * h)
            for (size_t j = g; j < g + h; j++) {
                const __m512 a = v[j], b = v[j + h];
                v[j] = _mm512_add_ps(a, b);
                v[j + h] = _mm512_sub_ps(a, b);
            }
    for (size_t g = 0; g < groups; g++) _mm512_storeu_ps(out + 16 * g, v[g]);
}

EMBER_TARGET_AVX512 void ember_f32_encoder_hadamard__avx512vnni(size_t rows, size_t k, size_t block, const float *x, size_t x_stride,
                                                               const float *scale, float *out) {
    if (block < 16) {
        ember_f32_encoder_hadamard__ref(rows, k, block, x, x_stride, scale, out);
        return;
    }
    const size_t step = block < 128 ? block : 128;
    for (size_t r = 0; r < rows; r++) {
        const float *in = x + r * x_stride;
        float *row = out + r * k;
        for (size_t c = 0; c < k; c += step) {
            const float *s = scale ? scale + c : NULL;
            switch (step) {  // constant group counts, so the registers are named
            case 16: block16(in + c, s, row + c, 1); break;
            case 32: block16(in + c, s, row + c, 2); break;
            case 64: block16(in + c, s, row + c, 4); break;
            default: block16(in + c, s, row + c, 8); break;
            }
        }
        // Blocks above 128 columns: the remaining stages in memory.
        for (size_t h = 128; h < block; h *= 2)
            for (size_t g = 0; g < k; g += 2 * h)
                for (size_t j = g; j < g + h; j += 16) {
                    const __m512 a = _mm512_loadu_ps(row + j), b = _mm512_loadu_ps(row + j + h);
                    _mm512_storeu_ps(row + j, _mm512_add_ps(a, b));
                    _mm512_storeu_ps(row + j + h, _mm512_sub_ps(a, b));
                }
    }
}
#endif
