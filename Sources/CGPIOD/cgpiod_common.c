#include "cgpiod.h"
#include "cgpiod_version.h"
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
