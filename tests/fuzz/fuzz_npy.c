/* fuzz_npy.c — libFuzzer target for the .npy reader (ic_npy_read_mem).
 *
 * Built by tests/fuzz/CMakeLists.txt when configured with clang and
 * -DIC_FUZZ=ON (see fuzz_graph_parser.c); tools/ci_extra.sh fuzz runs it:
 *
 *     build-fuzz/tests/fuzz/fuzz_npy -max_total_time=60 /tmp/copy-of-corpus_npy
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
