// The parts of the shim that are the same for libgpiod 1.6 (v1 API) and 2.x (v2 API).
#include "cgpiod_internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cgpiod_api_major(void) {
#if CGPIOD_V1
    return 1;
#else
    return 2;
#endif
}

const char *cgpiod_library_version(void) {
#if CGPIOD_V1
    return gpiod_version_string();
#else
    return gpiod_api_version();
#endif
}

cgpiod_chip *cgpiod_chip_open(const char *path) {
    struct gpiod_chip *raw = gpiod_chip_open(path);
    if (!raw) return NULL;
    cgpiod_chip *chip = malloc(sizeof *chip);
    if (!chip) { gpiod_chip_close(raw); errno = ENOMEM; return NULL; }
    chip->chip = raw;
    return chip;
}

void cgpiod_chip_close(cgpiod_chip *chip) {
    if (!chip) return;
    gpiod_chip_close(chip->chip);
    free(chip);
}

void cgpiod_copy_string(char *dst, size_t len, const char *src) {
    if (len == 0) return;
    if (!src) src = "";
    strncpy(dst, src, len - 1);
    dst[len - 1] = 0;
}
