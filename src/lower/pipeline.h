/* pipeline.h — the ordered list of lowering passes. */
#ifndef INDUCTC_PIPELINE_H
#define INDUCTC_PIPELINE_H

#include <stdbool.h>

#include "ir/ir.h"

typedef ic_status (*ic_pass_fn)(ic_graph *g, ic_diag *d);

typedef struct ic_pass {
    const char *name; /* as in --stop-after=NAME */
    ic_pass_fn run;   /* the pass */
} ic_pass;

/* The passes in order, and how many. */
const ic_pass *ic_pipeline_passes(int *out_count);

typedef struct ic_pipeline_options {
    bool print_after_all; /* print the IR to stderr after every pass */
    const char *stop_after; /* pass name, or NULL to run them all */
    bool verify;          /* run ic_verify after every pass */
    bool verbose;         /* time per pass on stderr */
} ic_pipeline_options;

ic_status ic_pipeline_run(ic_graph *g, const ic_pipeline_options *opt, ic_diag *d);

/* The passes themselves, one per file. */
ic_status ic_pass_dce(ic_graph *g, ic_diag *d);

#endif
