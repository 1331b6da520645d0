// What the v1 and v2 halves of the shim share: the chip handle (gpiod_chip_open and
// gpiod_chip_close have the same shape in both APIs) and bounded string copies.
#ifndef CGPIOD_INTERNAL_H
#define CGPIOD_INTERNAL_H
#include "cgpiod.h"
#include "cgpiod_version.h"
#include <stddef.h>

struct cgpiod_chip { struct gpiod_chip *chip; };

/// Copies `src` (NULL as "") into `dst` of `len` bytes, truncated and always terminated.
void cgpiod_copy_string(char *dst, size_t len, const char *src);

#endif
