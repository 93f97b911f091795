/* fuzz_graph_parser.c — libFuzzer target for the .graph parser: any bytes must
 * end in a graph or a one-line error, never a crash, hang or leak; a graph that
 * parses must also print and parse back.
 *
 * Built by tests/fuzz/CMakeLists.txt when configured with clang and
 * -DIC_FUZZ=ON; tools/ci_extra.sh fuzz builds and runs it for a fixed time.
 * By hand, from the repository root:
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DIC_SANITIZE=ON -DIC_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_graph_parser
 *   cp -r tests/fuzz/corpus_graph /tmp/corpus    # new inputs are written into it
 *   build-fuzz/tests/fuzz/fuzz_graph_parser -max_len=4096 -dict=tests/fuzz/graph.dict /tmp/corpus
 *
 * Inputs name no sidecar file that exists, so weights lines fail
 * with an i/o error; everything else is reachable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ir/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ic_graph *g = NULL;
    ic_diag d = {0};
    ic_status st = ic_text_parse((const char *)data, size, "/nonexistent/fuzz.graph", NULL, &g, &d);
    if (st != IC_OK) {
        if (g || !d.msg[0] || strchr(d.msg, '\n')) __builtin_trap();
        return 0;
    }
    /* what parses must print, and the print must parse and print the same */
    ic_strbuf a, b;
    ic_strbuf_init(&a);
    ic_strbuf_init(&b);
    if (ic_text_print(g, &a, &d) != IC_OK) __builtin_trap();
    ic_graph *g2 = NULL;
    if (ic_text_parse(ic_strbuf_str(&a), a.len, "/nonexistent/fuzz.graph", NULL, &g2, &d) != IC_OK) __builtin_trap();
    if (ic_text_print(g2, &b, &d) != IC_OK || strcmp(ic_strbuf_str(&a), ic_strbuf_str(&b)) != 0) __builtin_trap();
    ic_strbuf_free(&a);
    ic_strbuf_free(&b);
    ic_graph_destroy(g2);
    ic_graph_destroy(g);
    return 0;
}
