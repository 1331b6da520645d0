// Picks the libgpiod API from the header itself, so no pkg-config --modversion is needed:
// v1's gpiod.h defines GPIOD_LINE_BULK_MAX_LINES (and GPIOD_BIT); v2's defines only its guard.
// Override with -DCGPIOD_FORCE_V1 / -DCGPIOD_FORCE_V2 if a future header breaks the rule.
#ifndef CGPIOD_VERSION_H
#define CGPIOD_VERSION_H
#include <gpiod.h>
#if defined(CGPIOD_FORCE_V1)
#define CGPIOD_V1 1
#elif defined(CGPIOD_FORCE_V2)
#define CGPIOD_V2 1
#elif defined(GPIOD_LINE_BULK_MAX_LINES) || defined(GPIOD_BIT)
#define CGPIOD_V1 1
#else
#define CGPIOD_V2 1
#endif
#endif
