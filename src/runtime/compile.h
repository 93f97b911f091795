/* compile.h — model file to cached .so: parse, lower, hash, codegen, cc, cache. */
#ifndef INDUCTC_COMPILE_H
#define INDUCTC_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"
#include "ir/onnx.h"

typedef struct ic_compile_options {
    const char *cache_dir;     /* NULL: the default (see cache.h) */
    bool no_cache;             /* build in a temporary dir, do not read or write the cache */
    const char *emit_c;        /* also write the generated C here, its weights blob beside it (NULL: no) */
    bool print_ir_after_all;   /* print the IR to stderr after each pass */
    bool verbose;              /* time per pass and for cc on stderr */
    bool progress;             /* show progress on stderr (if a tty) for compiles over a second */
    const ic_onnx_input_shape *input_shapes; /* ONNX: static shapes for inputs (dynamic dims), may be NULL */
    uint32_t n_input_shapes;   /* entries in input_shapes */
} ic_compile_options;

typedef struct ic_compile_result {
    char so_path[4096]; /* the built (or cached) .so; with no_cache, inside a temporary dir the caller removes */
    bool cache_hit;     /* no compilation was needed */
    char key[33];       /* the cache key, 32 hex digits */
} ic_compile_result;

/* Reads a model file (.graph text or ONNX, recognised by content) into a
 * graph, not yet lowered; opt (may be NULL) supplies ONNX input shapes. */
ic_status ic_compile_load_model(const char *model_path, const ic_compile_options *opt, const ic_allocator *alloc,
                                ic_graph **out_graph, ic_diag *d);
/* The same with no options. The format is recognised by content: a .graph
 * text starts, after blank space and comments, with the word `graph`; an
 * ONNX file starts with a ModelProto field (or is named *.onnx). */
ic_status ic_compile_parse_file(const char *model_path, const ic_allocator *alloc, ic_graph **out_graph,
                                ic_diag *d);
/* Loads a model file (.graph or ONNX; recognised by content), lowers and compiles it. */
ic_status ic_compile_file(const char *model_path, const ic_compile_options *opt, ic_compile_result *out,
                          ic_diag *d);
/* Same for a graph already in memory (the pipeline mutates it). */
ic_status ic_compile_graph(ic_graph *g, const ic_compile_options *opt, ic_compile_result *out, ic_diag *d);

#endif
