// Exhaustive check of the row quantizers' rounding (ember_qd8_quantize_rows__avx2/__avx512vnni):
// truncf(x + copysignf(0.49999997f, x)) == roundf(x) for every float bit pattern but NaN.
// About 10 s on one core; not part of the test suite (the kernel tests check the ties and
// their neighbours on every path).
//   clang -O2 -ffp-contract=off tools/checks/roundf_trick.c -lm -o .build/roundf_trick && .build/roundf_trick
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const float just_below_half = 0.49999997f;  // nextafterf(0.5f, 0), bits 0x3EFFFFFF
    uint64_t checked = 0, wrong = 0;
    for (uint64_t u = 0; u <= 0xFFFFFFFFull; u++) {
        const uint32_t bits = (uint32_t)u;
        float x;
        memcpy(&x, &bits, sizeof x);
        if (x != x) continue;
        checked++;
        if (truncf(x + copysignf(just_below_half, x)) != roundf(x)) {
            if (wrong++ < 5) printf("x = %.9g: roundf %g, trick %g\n", x, roundf(x), truncf(x + copysignf(just_below_half, x)));
        }
    }
    printf("%llu floats checked, %llu differ\n", (unsigned long long)checked, (unsigned long long)wrong);
    return wrong != 0;
}
