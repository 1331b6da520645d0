// CPU feature detection: AArch64 from the kernel's hwcaps (getauxval; also what qemu-user
// reports for its -cpu model), x86-64 from CPUID plus XGETBV (the OS must save YMM state).
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_ARM64) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#elif defined(EMBER_ARCH_X86_64)
#include <cpuid.h>
#endif

static uint32_t detect(void) {
    uint32_t f = 1u << EMBER_ISA_SCALAR;
#if defined(EMBER_ARCH_ARM64)
    f |= 1u << EMBER_ISA_NEON;  // Advanced SIMD is mandatory in AArch64 Linux ABIs
#if defined(__linux__)
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (hw & HWCAP_ASIMDDP) f |= 1u << EMBER_ISA_NEONDOT;
    if (hw & HWCAP_CRC32) f |= 1u << EMBER_ISA_CRC;
    if ((hw & HWCAP_ASIMDDP) && (hw2 & HWCAP2_I8MM)) f |= 1u << EMBER_ISA_I8MM;
#endif
#elif defined(EMBER_ARCH_X86_64)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        if ((c >> 20) & 1) f |= 1u << EMBER_ISA_CRC;  // SSE4.2
        const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
        int ymm_ok = 0, zmm_ok = 0;
        if (osxsave) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            ymm_ok = (lo & 6) == 6;          // XMM and YMM state enabled by the OS
            zmm_ok = (lo & 0xE6) == 0xE6;    // and the opmask and both ZMM halves
        }
        if (ymm_ok && avx && fma && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            if ((b >> 5) & 1) f |= 1u << EMBER_ISA_AVX2;
            // AVX-VNNI (leaf 7 sub-leaf 1, EAX bit 4): the qd8 GEMM (VPDPBUSD on 256-bit vectors).
            unsigned a1, b1, c1, d1;
            if (((b >> 5) & 1) && __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1) && ((a1 >> 4) & 1))
                f |= 1u << EMBER_ISA_AVXVNNI;
            // AVX-512 F (EBX 16), BW (EBX 30) and VNNI (ECX 11) with opmask and ZMM state enabled.
            if (((b >> 5) & 1) && zmm_ok && ((b >> 16) & 1) && ((b >> 30) & 1) && ((c >> 11) & 1))
                f |= 1u << EMBER_ISA_AVX512VNNI;
        }
    }
#endif
    return f;
}

static uint32_t all_features(void) {
    static uint32_t cached;  // 0 = not yet detected (bit 0, scalar, is always set once detected)
    uint32_t f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!f) { f = detect(); __atomic_store_n(&cached, f, __ATOMIC_RELAXED); }
    return f;
}

uint32_t ember_cpu_features(void) { return all_features() & ~(1u << EMBER_ISA_CRC); }

int ember_isa_available(ember_isa isa) {
    if ((unsigned)isa >= 32) return 0;
    return (all_features() >> isa) & 1u;
}

const char *ember_isa_name(ember_isa isa) {
    if (isa == EMBER_ISA_CRC) return "crc";
    switch (isa) {
    case EMBER_ISA_SCALAR: return "scalar";
    case EMBER_ISA_NEON: return "neon";
    case EMBER_ISA_NEONDOT: return "neondot";
    case EMBER_ISA_I8MM: return "i8mm";
    case EMBER_ISA_AVX2: return "avx2";
    case EMBER_ISA_AVXVNNI: return "avxvnni";
    case EMBER_ISA_AVX512VNNI: return "avx512vnni";
    }
    return "unknown";
}
