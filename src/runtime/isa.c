/* isa.c — picks the vector ISA the generated code targets on this CPU.
 *
 * The answer is part of the cache key and is recorded in every .so, whose
 * create() checks the same features again before running anything. */
#include "runtime/isa.h"

const char *ic_isa_detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "avx512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
    return "sse";
}
