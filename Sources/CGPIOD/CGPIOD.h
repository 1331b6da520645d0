// libgpiod for Swift (v1 1.6 on bookworm, v2 2.x on trixie; EmberGPIO chooses at build time).
#include <gpiod.h>
