/* pipeline.c — the ordered list of lowering passes and the loop that runs
 * them, printing or verifying between passes on request. Nothing more. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ir/text.h"
#include "lower/pipeline.h"

static const ic_pass passes[] = {
    {"dce", ic_pass_dce},
    {"fold_batchnorm", ic_pass_fold_batchnorm},
    {"aggregate", ic_pass_aggregate},         /* GNN message passing; before fuse takes its muls */
    {"layout", ic_pass_layout},
    {"fuse_epilogue", ic_pass_fuse_epilogue}, /* before fuse: it claims library ops and their epilogues */
    {"fuse", ic_pass_fuse},                   /* loop kernels from the rest; orders nodes by group */
};

const ic_pass *ic_pipeline_passes(int *out_count) {
    *out_count = (int)(sizeof passes / sizeof passes[0]);
    return passes;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static ic_status print_ir(const ic_graph *g, const char *after, ic_diag *d) {
    ic_strbuf b;
    ic_strbuf_init(&b);
    ic_status s = ic_text_print(g, &b, d);
    if (s == IC_OK) fprintf(stderr, "# IR after %s\n%s", after, ic_strbuf_str(&b));
    ic_strbuf_free(&b);
    return s;
}

ic_status ic_pipeline_run(ic_graph *g, const ic_pipeline_options *opt, ic_diag *d) {
    static const ic_pipeline_options none = {0};
    if (!opt) opt = &none;
    int n;
    const ic_pass *list = ic_pipeline_passes(&n);
    if (opt->stop_after) {
        bool known = false;
        for (int i = 0; i < n; i++) known |= strcmp(list[i].name, opt->stop_after) == 0;
        if (!known) return ic_diag_set(d, IC_ERR_USAGE, "unknown pass '%s'", opt->stop_after);
    }
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        ic_status s = list[i].run(g, d);
        if (s != IC_OK) {
            ic_diag_prefix(d, "pass %s", list[i].name);
            return s;
        }
        if (opt->verbose) fprintf(stderr, "inductc: pass %-12s %8.2f ms\n", list[i].name, now_ms() - t0);
        if (opt->verify && (s = ic_verify(g, d)) != IC_OK) {
            ic_diag_prefix(d, "internal error: the graph is invalid after pass %s", list[i].name);
            return s;
        }
        if (opt->print_after_all) IC_TRY(print_ir(g, list[i].name, d));
        if (opt->stop_after && strcmp(opt->stop_after, list[i].name) == 0) break;
    }
    return IC_OK;
}
