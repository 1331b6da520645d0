// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): a slicing-by-one table fallback and the
// SSE4.2 / ARMv8 CRC32C instructions, chosen through the dispatch table.
#include <pthread.h>
#include "ember_kernels_internal.h"
#if defined(EMBER_ARCH_X86_64)
#include <nmmintrin.h>
#elif defined(EMBER_ARCH_ARM64)
#include <arm_acle.h>
#endif

static uint32_t crc_table[256];
static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int j = 0; j < 8; j++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc_table[i] = c;
    }
}

uint32_t ember_crc32c__ref(uint32_t crc, const void *data, size_t length) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_table);
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    for (size_t i = 0; i < length; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

#if defined(EMBER_ARCH_X86_64)
EMBER_TARGET_SSE42 uint32_t ember_crc32c__sse42(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = ~crc;
    for (; length >= 8; length -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
    }
    uint32_t c32 = (uint32_t)c;
    for (; length; length--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}
#endif

#if defined(EMBER_ARCH_ARM64)
EMBER_TARGET_CRC uint32_t ember_crc32c__armcrc(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    for (; length >= 8; length -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __crc32cd(c, v);
    }
    for (; length; length--) c = __crc32cb(c, *p++);
    return ~c;
}
#endif
