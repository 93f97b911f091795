/* test_build.h — compiling test graphs (or hand-written C) to loaded models
 * and checking them against the reference interpreter, shared by the tests
 * that exercise codegen directly (test_codegen, test_ops_ext_codegen).
 *
 * Builds go straight through codegen and cc (no cache) into a per-process
 * temporary root, with the generated C compiled -Wall -Wextra -Werror, in
 * parallel; each keeps its directory for inspection (IC_KEEP_TMP=1 keeps the
 * root after the run). */
#ifndef INDUCTC_TEST_BUILD_H
#define INDUCTC_TEST_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "inductc/model.h"
#include "ir/ir.h"
#include "ir/tensor.h"
#include "runtime/loader.h"

/* One graph (or C source) on its way to a loaded model. */
typedef struct ic_test_build {
    ic_graph *g;        /* the graph, or NULL when source is given */
    const char *source; /* hand-written C to compile instead of a graph */
    const char *name;   /* directory name for a source build */
    const char *isa;    /* target ISA; NULL: this CPU's */
    const char *extra;  /* one more cc flag, or NULL */
    bool lower;         /* run the lowering pipeline (fusion) before codegen */
    char dir[512];      /* temp dir holding model.c, weights.bin, model.so */
    char so[600];       /* the built .so */
    ic_status status;   /* outcome of compiling */
    ic_diag d;          /* its message */
    double seconds;     /* wall time of codegen + cc */
} ic_test_build;

/* Creates the temporary root ($TMPDIR or /tmp, named after prefix); 0 on success. */
int ic_test_build_root_init(const char *prefix);
/* The root's path (for tests that write files of their own there). */
const char *ic_test_build_root(void);
/* Removes the root unless IC_KEEP_TMP is set. */
void ic_test_build_root_remove(void);
/* Writes n bytes of data to path; IC_ERR_IO with a message on failure. */
ic_status ic_test_write_file(const char *path, const void *data, size_t n, ic_diag *d);
/* Compiles every build, a few at a time per CPU; prints the wall time as "<what>: ...". */
void ic_test_compile_all(ic_test_build *bs, int n, const char *what);

/* Input value ranges by input name. Defaults: f32 uniform [-3, 3) ([0.1, 4)
 * for names starting with 'p'), signed integers [-6, 6), u8 [0, 256), f16
 * and bf16 random bits. */
typedef struct ic_test_range {
    const char *name; /* graph input name; NULL ends a list */
    double lo, hi;    /* uniform range (integers: floored) */
} ic_test_range;
void ic_test_make_inputs(const ic_graph *g, const ic_test_range *ranges, uint64_t seed, ic_tensor *in);

/* A loaded model with one instance. */
typedef struct ic_test_live {
    ic_loaded_model lm; /* the .so */
    inductc_model *m;   /* the instance */
} ic_test_live;
/* Loads b and creates an instance with the given threads; fails the test on error. */
void ic_test_open(const ic_test_build *b, ic_test_live *l, int threads);
void ic_test_close(ic_test_live *l);
/* Runs g's model on in; outputs allocated like g's and poisoned first; run()'s status. */
int ic_test_run(ic_test_live *l, const ic_graph *g, const ic_tensor *in, ic_tensor *out);
/* Loads b, runs it and the interpreter on the same inputs (seeded) and
 * compares every output: f32 within rtol/atol, f16/bf16 bit for bit,
 * integers exactly. Fails the test on any difference. */
void ic_test_check_build(const ic_test_build *b, const ic_test_range *ranges, uint64_t seed, double rtol, double atol);

#endif
