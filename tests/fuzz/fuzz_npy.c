/* fuzz_npy.c — libFuzzer target for the .npy reader (ic_npy_read_mem).
 *
 * Not built by CMake: it needs clang's -fsanitize=fuzzer. From the repo root:
 *
 *     clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *         tests/fuzz/fuzz_npy.c src/runtime/npy.c src/ir/tensor.c src/ir/diag.c \
 *         src/ir/graph.c src/ir/ops.c src/ir/arena.c src/ir/attrs.c \
 *         src/ir/shape.c -lm -o /tmp/fuzz_npy
 *     /tmp/fuzz_npy -max_total_time=60 tests/fuzz/corpus_npy
 *
 * The reader must return an error, never crash or read out of bounds, for
 * any bytes; when it succeeds the tensor's size must fit in the input. */
#include <stdint.h>
#include <stdlib.h>

#include "runtime/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ic_tensor t;
    ic_diag d = {0};
    if (ic_npy_read_mem(data, size, "fuzz.npy", &t, &d) == IC_OK) {
        if (ic_tensor_nbytes(&t) > size) abort();
        ic_tensor_free(&t);
    }
    return 0;
}
