/* The affine suite shares the kernel suite's driver code (generator, timer, result lines). */
#include "../kernels/harness.h"
