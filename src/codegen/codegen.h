/* codegen.h — turns a lowered graph into one C11 translation unit that
 * implements include/inductc/model.h (query, create, run, last_error,
 * destroy). Memory-bound ops become OpenMP loops; conv/matmul/gemm become
 * oneDNN primitives created and prepacked at create time (src/runtime/rt.h). */
#ifndef INDUCTC_CODEGEN_H
#define INDUCTC_CODEGEN_H

#include <stdint.h>

#include "ir/ir.h"
#include "ir/strbuf.h"

typedef struct ic_codegen_options {
    const char *isa;        /* "avx512", "avx2" or "sse": recorded in query() and checked at create */
    uint8_t graph_hash[16]; /* recorded in query() */
    const char *blob_path;  /* absolute path the source .incbin's the weights blob from */
} ic_codegen_options;

/* Appends the C source for g to out_c and the weights blob (every constant's
 * data, 64-byte aligned) to out_blob; the caller writes the blob to
 * opt->blob_path before compiling. The graph must have passed ic_verify and
 * the lowering pipeline. */
ic_status ic_codegen_emit(const ic_graph *g, const ic_codegen_options *opt, ic_strbuf *out_c, ic_strbuf *out_blob,
                          ic_diag *d);

#endif
