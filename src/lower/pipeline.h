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
ic_status ic_pass_fold_batchnorm(ic_graph *g, ic_diag *d); /* fold_batchnorm.c */
ic_status ic_pass_layout(ic_graph *g, ic_diag *d);         /* layout.c: NHWC across conv chains */
ic_status ic_pass_aggregate(ic_graph *g, ic_diag *d);      /* aggregate.c: gather -> scale -> scatter as edge_aggregate */
/* fuse_epilogue.c: node->group for library ops and their post-op chains.
 * Group ids are the node index of the group's first node, so they are unique;
 * later grouping passes leave nodes whose group is set alone. */
ic_status ic_pass_fuse_epilogue(ic_graph *g, ic_diag *d);
/* fuse.c: node->group for loop kernels (pointwise chains, reductions and row
 * ops with their producers and consumers, views folded in); reorders the
 * nodes so each group is consecutive and numbers groups in execution order. */
ic_status ic_pass_fuse(ic_graph *g, ic_diag *d);

#endif
