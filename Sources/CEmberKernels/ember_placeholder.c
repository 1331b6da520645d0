#include "ember_kernels.h"
