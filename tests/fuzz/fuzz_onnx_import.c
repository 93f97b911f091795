/* fuzz_onnx_import.c — libFuzzer target for the ONNX importer: any bytes must
 * end in a verified graph or a one-line error, never a crash, hang or leak.
 * Graphs that import are also run through the reference interpreter (on
 * zeroed inputs, when small), so folding and mapping bugs surface too.
 *
 * Built by tests/fuzz/CMakeLists.txt when configured with clang and
 * -DIC_FUZZ=ON; tools/ci_extra.sh fuzz builds and runs it for a fixed time.
 * By hand, from the repository root:
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DIC_SANITIZE=ON -DIC_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_onnx_import
 *   cp -r tests/fuzz/corpus_onnx /tmp/corpus    # new inputs are written into it
 *   build-fuzz/tests/fuzz/fuzz_onnx_import -max_len=8192 -rss_limit_mb=4096 /tmp/corpus
 *
 * The model path names a directory that does not exist, so external data
 * fails with an i/o error; everything else is reachable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir/interp.h"
#include "ir/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ic_graph *g = NULL;
    ic_diag d = {0};
    ic_onnx_options opt = {.fold_limit = 1 << 20}; /* keep folding cheap */
    ic_status st = ic_onnx_import(data, size, "/nonexistent/fuzz.onnx", &opt, NULL, &g, &d);
    if (st != IC_OK) {
        if (g || !d.msg[0] || strchr(d.msg, '\n')) __builtin_trap();
        return 0;
    }
    if (ic_verify(g, &d) != IC_OK) __builtin_trap();
    /* run small graphs on zeroed inputs: errors are fine, crashes are not */
    size_t total = 0;
    for (uint32_t i = 0; i < g->n_values; i++) total += ic_value_nbytes(&g->values[i]);
    if (total < ((size_t)1 << 22) && g->n_inputs < 64) {
        ic_tensor in[64], *out = calloc(g->n_outputs + 1, sizeof *out);
        uint32_t k = 0;
        bool ok = out != NULL;
        for (; ok && k < g->n_inputs; k++) {
            const ic_value *v = &g->values[g->inputs[k]];
            ok = ic_tensor_alloc(v->dtype, &v->shape, &in[k], &d) == IC_OK;
        }
        if (ok && ic_interp_run(g, in, out, &d) == IC_OK)
            for (uint32_t i = 0; i < g->n_outputs; i++) ic_tensor_free(&out[i]);
        for (uint32_t i = 0; i < k; i++) ic_tensor_free(&in[i]);
        free(out);
    }
    ic_graph_destroy(g);
    return 0;
}
