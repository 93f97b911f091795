/* emit_sparse.c — kernels of csr_build, spmm and segment_reduce
 * (docs/ops.md), built from the two halves in emit_aggregate.c (csr.h).
 *
 * csr_build is the parallel counting sort alone; its outputs are ordinary
 * values (arena, or weights blob when the aggregate pass built them at
 * compile time), so every spmm over the same edges reads one CSR.
 * spmm is the row reduction alone. Its CSR is checked per run (rowptr runs
 * from 0 up to nnz without decreasing, every col is a row of x) unless it is
 * known good: the results of a csr_build whose num_src is at most x's row
 * count, or constants checked here at compile time.
 * segment_reduce finds each segment's first row by binary search over the
 * sorted ids (checked per run), then reduces rows like spmm with col[k] = k. */
#include <stdio.h>

#include "codegen/csr.h"

ic_status cg_emit_csr_build(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *src = cg_val(c, n->inputs[0]);
    long long e = (long long)src->shape.dims[0], nn = (long long)ic_attr_int(n, "num_nodes", -1);
    long long ns = (long long)ic_attr_int(n, "num_src", nn);
    bool scaled = n->n_inputs == 3;
    char label[128], what[160];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    snprintf(what, sizeof what, "csr_build %s", label);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf *b = &c->kern;
    cg_csr_build bs = {.src = "in0", .dst = "in1", .scale = scaled ? "in2" : NULL, .rp = "out0", .col = "out1",
                       .val = scaled ? "out2" : NULL, .m = ns, .n = nn, .e = e};
    cg_csr_emit_threads(b, 4 * (e + nn));
    cg_csr_emit_build_decls(b, nn);
    ic_strbuf_puts(b, "    #pragma omp parallel num_threads(nt_max)\n    {\n"
                      "        const int t = omp_get_thread_num(), nt = omp_get_num_threads();\n");
    cg_csr_emit_build(b, &bs);
    ic_strbuf_puts(b, "        (void)csr_bad;\n    }\n");
    cg_csr_emit_build_free(b);
    ic_strbuf_puts(b, "    if (!bad) return 0;\n");
    cg_csr_emit_bad_edge(b, &bs, what);
    ic_strbuf_puts(b, "    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}

/* Integer element k of constant v. */
static int64_t const_int(const ic_value *v, size_t k) {
    return v->dtype == IC_DT_I32 ? ((const int32_t *)v->data)[k] : ((const int64_t *)v->data)[k];
}

/* True when the CSR (rp, col) over x's m rows needs no run-time check. */
static bool csr_trusted(const cg_ctx *c, uint32_t rp, uint32_t col, int64_t m) {
    const ic_value *r = cg_val(c, rp), *k = cg_val(c, col);
    if (r->producer != IC_NONE && r->producer == k->producer && r->index == 0 && k->index == 1) {
        const ic_node *b = &c->g->nodes[r->producer];
        if (b->op == IC_OP_CSR_BUILD) return ic_attr_int(b, "num_src", ic_attr_int(b, "num_nodes", -1)) <= m;
    }
    if (!r->data || !k->data) return false;
    size_t n1 = ic_value_numel(r), nnz = ic_value_numel(k);
    for (size_t i = 0; i < n1; i++) {
        int64_t a = const_int(r, i);
        if (a < (i ? const_int(r, i - 1) : 0) || (i == 0 && a != 0) || a > (int64_t)nnz || (i == n1 - 1 && a != (int64_t)nnz))
            return false;
    }
    for (size_t i = 0; i < nnz; i++)
        if (const_int(k, i) < 0 || const_int(k, i) >= m) return false;
    return true;
}

ic_status cg_emit_spmm(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_agg_params p;
    IC_TRY(ic_spmm_params_get(n, &cg_val(c, n->inputs[0])->shape, &p, c->d));
    uint32_t xi = p.scaled ? 3 : 2;
    const ic_value *x = cg_val(c, n->inputs[xi]), *col = cg_val(c, n->inputs[1]);
    long long m = (long long)x->shape.dims[0], f = (long long)x->shape.dims[1], nn = (long long)p.num_nodes;
    long long nnz = (long long)col->shape.dims[0];
    bool trusted = csr_trusted(c, n->inputs[0], n->inputs[1], m);
    char xs[8], ds[8];
    snprintf(xs, sizeof xs, "in%u", xi);
    snprintf(ds, sizeof ds, "in%u", n->n_inputs - 1);
    cg_csr_emit_helpers(&c->kern);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | (trusted ? 0 : CG_K_FAILS));
    ic_strbuf *b = &c->kern;
    if (trusted) {
        ic_strbuf_puts(b, "    (void)m;\n");
    } else {
        ic_strbuf_printf(b, "    int bad = in0[0] != 0 || in0[%lld] != %lld;\n", nn, nnz);
        if (nn + nnz >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for reduction(|: bad)\n");
        ic_strbuf_printf(b, "    for (int64_t i = 0; i < %lld; i++) bad |= in0[i] > in0[i + 1];\n", nn);
        if (nnz >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for reduction(|: bad)\n");
        ic_strbuf_printf(b, "    for (int64_t k = 0; k < %lld; k++) bad |= (uint64_t)in1[k] >= %lluULL;\n", nnz,
                         (unsigned long long)m);
        ic_strbuf_puts(b, "    if (bad) return ic_rt_fail(m->err, sizeof m->err, \"spmm %s: rowptr must rise from 0 to nnz and "
                          "every col be a row of x\", ");
        char label[128];
        ic_value_label(c->g, n->outputs[0], label, sizeof label);
        cg_c_string(b, label);
        ic_strbuf_puts(b, ");\n");
    }
    cg_csr_rows rs = {.rp = "in0", .col = "in1", .val = p.scaled ? "in2" : NULL, .x = xs, .data = p.has_data ? ds : NULL,
                      .out = "out0", .red = p.red, .include_self = p.include_self && p.has_data, .n = nn, .f = f};
    cg_csr_emit_threads(b, (nnz + nn) * (f + 1));
    ic_strbuf_puts(b, "    #pragma omp parallel num_threads(nt_max)\n    {\n"
                      "        const int t = omp_get_thread_num(), nt = omp_get_num_threads();\n");
    cg_csr_emit_rows(b, &rs);
    ic_strbuf_puts(b, "    }\n");
    if (!trusted) ic_strbuf_puts(b, "    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}

ic_status cg_emit_segment_reduce(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_agg_reduction red;
    IC_TRY(ic_agg_reduction_of(n, &red, c->d));
    const ic_value *x = cg_val(c, n->inputs[0]);
    long long m = (long long)x->shape.dims[0], f = (long long)x->shape.dims[1];
    long long ns = (long long)ic_attr_int(n, "num_segments", -1);
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    cg_csr_emit_helpers(&c->kern);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf *b = &c->kern;
    ic_strbuf_puts(b, "    int bad = 0;\n");
    if (m >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for reduction(|: bad)\n");
    ic_strbuf_printf(b, "    for (int64_t k = 0; k < %lld; k++) bad |= in1[k] < 0 || in1[k] >= %lld || (k && in1[k] < in1[k - 1]);\n",
                     m, ns);
    ic_strbuf_puts(b, "    if (bad) return ic_rt_fail(m->err, sizeof m->err, \"segment_reduce %s: ids must be sorted and in "
                      "[0, num_segments)\", ");
    cg_c_string(b, label);
    ic_strbuf_puts(b, ");\n");
    ic_strbuf_printf(b, "    int64_t *rp = malloc(%lld * sizeof(int64_t));\n", ns + 1);
    ic_strbuf_puts(b, "    if (!rp) return ic_rt_fail(m->err, sizeof m->err, \"segment_reduce: out of memory\");\n");
    if (ns >= CG_PAR_MIN / 16) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t i = 0; i <= %lld; i++) { /* first row of segment i */\n"
                        "        int64_t lo = 0, hi = %lld;\n"
                        "        while (lo < hi) {\n            const int64_t mid = (lo + hi) / 2;\n"
                        "            if (in1[mid] < i) lo = mid + 1;\n            else hi = mid;\n        }\n"
                        "        rp[i] = lo;\n    }\n",
                     ns, m);
    cg_csr_rows rs = {.rp = "rp", .x = "in0", .out = "out0", .red = red, .n = ns, .f = f};
    cg_csr_emit_threads(b, (m + ns) * (f + 1));
    ic_strbuf_puts(b, "    #pragma omp parallel num_threads(nt_max)\n    {\n"
                      "        const int t = omp_get_thread_num(), nt = omp_get_num_threads();\n");
    cg_csr_emit_rows(b, &rs);
    ic_strbuf_puts(b, "    }\n    free(rp);\n    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}
