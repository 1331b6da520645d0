// Links the CGPIOD shim against a libgpiod and checks, without any GPIO hardware, that the API
// version compiled in is the expected one and that a missing chip fails with ENOENT.
#include "cgpiod.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int expected = argc > 1 ? atoi(argv[1]) : 0;
    printf("cgpiod api v%d, library %s\n", cgpiod_api_major(), cgpiod_library_version());
    if (cgpiod_api_major() != expected) { fprintf(stderr, "expected API v%d\n", expected); return 1; }
    errno = 0;
    if (cgpiod_chip_open("/dev/ember-no-such-gpiochip") || errno != ENOENT) {
        fprintf(stderr, "opening a missing chip: expected ENOENT, got errno %d\n", errno); return 1;
    }
    errno = 0;
    if (cgpiod_request_input("/dev/ember-no-such-gpiochip", 17, CGPIOD_EDGE_RISING, CGPIOD_BIAS_AS_IS, 0, "t")
        || errno != ENOENT) {
        fprintf(stderr, "requesting on a missing chip: expected ENOENT, got errno %d\n", errno); return 1;
    }
    puts("ok");
    return 0;
}
