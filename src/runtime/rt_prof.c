/* rt_prof.c — the clock behind per-kernel-group profiles
 * (`inductc run --profile`); generated run() code reads it around each group
 * only while profiling is switched on. */
#include <time.h>

#include "rt.h"

double ic_rt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
