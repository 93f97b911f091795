/* emit_aggregate.c — edge_aggregate as one CSR aggregation kernel without
 * atomics (semantics in docs/ops.md, reference in interp_aggregate.c).
 *
 * Per run, inside one omp parallel region:
 *   1. every src / dst index is checked (a bad one fails the run);
 *   2. a counting sort by destination builds CSR from the COO edges: each
 *      thread counts the dst of its contiguous slice of edges, one thread
 *      turns the per-thread counts into row starts and per-thread cursors,
 *      and each thread then scatters its slice's (src, scale) pairs. The
 *      sort is stable, so every row sees its edges in their given order, as
 *      the interpreter applies them;
 *   3. destination rows are reduced in parallel (dynamic schedule: power-law
 *      degrees make rows very uneven), each row accumulated in place in the
 *      output, vectorised over the features, the next rows to gather
 *      prefetched. The edges x features tensor never exists.
 * The CSR arrays (int32 sources, f32 scales, int64 row starts and per-thread
 * counts) are malloc'ed per run and freed at the end. */
#include <stdio.h>

#include "codegen/cg.h"

#define AGG_PREFETCH 4 /* edges ahead whose source rows are prefetched */

/* The statement combining v into the accumulator row element o[j]. */
static const char *combine_stmt(ic_agg_reduction red) {
    switch (red) {
    case IC_AGG_MAX: return "o[j] = (v > o[j] || v != v) ? v : o[j];";
    case IC_AGG_MIN: return "o[j] = (v < o[j] || v != v) ? v : o[j];";
    default: return "o[j] += v;";
    }
}

static void emit_checks(ic_strbuf *b, const cg_ctx *c, const ic_node *n, long long m, long long nn, long long e) {
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    ic_strbuf_puts(b, "    int bad = 0;\n");
    if (e >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for reduction(|: bad)\n");
    ic_strbuf_printf(b, "    for (int64_t e = 0; e < %lld; e++)\n", e);
    ic_strbuf_printf(b, "        bad |= in1[e] < -%lldLL || in1[e] >= %lldLL || in2[e] < -%lldLL || in2[e] >= %lldLL;\n", m, m,
                     nn, nn);
    ic_strbuf_printf(b, "    for (int64_t e = 0; bad && e < %lld; e++)\n", e);
    ic_strbuf_printf(b, "        if (in1[e] < -%lldLL || in1[e] >= %lldLL || in2[e] < -%lldLL || in2[e] >= %lldLL)\n", m, m, nn,
                     nn);
    ic_strbuf_puts(b, "            return ic_rt_fail(m->err, sizeof m->err, \"edge_aggregate %s: edge %lld (src %lld, dst %lld) "
                      "out of range\", ");
    cg_c_string(b, label);
    ic_strbuf_puts(b, ", (long long)e, (long long)in1[e], (long long)in2[e]);\n");
}

/* Step 2: counting sort of the edges by destination into rp / ss / sw. */
static void emit_sort(ic_strbuf *b, bool scaled, long long m, long long nn, long long e) {
    ic_strbuf_puts(b, "        const int t = omp_get_thread_num();\n");
    ic_strbuf_puts(b, "        #pragma omp single\n        nt = omp_get_num_threads();\n"); /* implicit barrier */
    ic_strbuf_printf(b, "        const int64_t e0 = %lldLL * t / nt, e1 = %lldLL * (t + 1) / nt;\n", e, e);
    ic_strbuf_printf(b, "        int64_t *restrict ct = cnt + (size_t)t * %lld;\n", nn + 1);
    ic_strbuf_printf(b, "        for (int64_t e = e0; e < e1; e++) ct[in2[e] < 0 ? in2[e] + %lld : in2[e]]++;\n", nn);
    ic_strbuf_puts(b, "        #pragma omp barrier\n        #pragma omp single\n        {\n            int64_t run = 0;\n");
    ic_strbuf_printf(b, "            for (int64_t v = 0; v < %lld; v++) {\n                rp[v] = run;\n", nn);
    ic_strbuf_printf(b, "                for (int u = 0; u < nt; u++) {\n"
                        "                    int64_t *q = cnt + (size_t)u * %lld + v;\n"
                        "                    const int64_t k = *q;\n                    *q = run;\n"
                        "                    run += k;\n                }\n            }\n",
                     nn + 1);
    ic_strbuf_printf(b, "            rp[%lld] = run;\n        }\n", nn);
    ic_strbuf_puts(b, "        for (int64_t e = e0; e < e1; e++) {\n");
    ic_strbuf_printf(b, "            const int64_t p = ct[in2[e] < 0 ? in2[e] + %lld : in2[e]]++;\n", nn);
    ic_strbuf_printf(b, "            ss[p] = (int32_t)(in1[e] < 0 ? in1[e] + %lld : in1[e]);\n", m);
    if (scaled) ic_strbuf_puts(b, "            sw[p] = in3[e];\n");
    ic_strbuf_puts(b, "        }\n        #pragma omp barrier\n");
}

/* Step 3: every destination row reduced from its CSR edges. */
static void emit_rows(ic_strbuf *b, const ic_agg_params *p, const char *data, long long nn, long long f) {
    bool self = p->include_self && data;
    const char *ident = p->red == IC_AGG_MAX ? "-INFINITY" : p->red == IC_AGG_MIN ? "INFINITY" : "0.0f";
    ic_strbuf_puts(b, "        #pragma omp for schedule(dynamic, 16)\n");
    ic_strbuf_printf(b, "        for (int64_t i = 0; i < %lld; i++) {\n", nn);
    ic_strbuf_printf(b, "            float *restrict o = out0 + i * %lld;\n", f);
    ic_strbuf_puts(b, "            const int64_t k0 = rp[i], k1 = rp[i + 1];\n");
    if (self || data) ic_strbuf_printf(b, "            const float *restrict dr = %s + i * %lld;\n", data, f);
    if (self)
        ic_strbuf_printf(b, "            memcpy(o, dr, %lld * sizeof(float));\n", f);
    else
        ic_strbuf_printf(b, "            if (k0 == k1) { %s; continue; }\n"
                            "            for (int64_t j = 0; j < %lld; j++) o[j] = %s;\n",
                         data ? "memcpy(o, dr, sizeof(float) * F)" : "memset(o, 0, sizeof(float) * F)", f, ident);
    ic_strbuf_puts(b, "            for (int64_t k = k0; k < k1; k++) {\n");
    ic_strbuf_printf(b, "                if (k + %d < k1) {\n", AGG_PREFETCH);
    ic_strbuf_printf(b, "                    const float *pf = in0 + (int64_t)ss[k + %d] * %lld;\n", AGG_PREFETCH, f);
    ic_strbuf_printf(b, "                    for (int64_t j = 0; j < %lld; j += 16) __builtin_prefetch(pf + j);\n", f);
    ic_strbuf_puts(b, "                }\n");
    ic_strbuf_printf(b, "                const float *restrict xr = in0 + (int64_t)ss[k] * %lld;\n", f);
    if (p->scaled) ic_strbuf_puts(b, "                const float w = sw[k];\n");
    ic_strbuf_puts(b, "                #pragma omp simd\n");
    ic_strbuf_printf(b, "                for (int64_t j = 0; j < %lld; j++) { const float v = %s; %s }\n", f,
                     p->scaled ? "w * xr[j]" : "xr[j]", combine_stmt(p->red));
    ic_strbuf_puts(b, "            }\n");
    if (p->red == IC_AGG_MEAN)
        ic_strbuf_printf(b, "            const float c = (float)(k1 - k0 + %d);\n"
                            "            for (int64_t j = 0; j < %lld; j++) o[j] /= c;\n",
                         self ? 1 : 0, f);
    ic_strbuf_puts(b, "        }\n");
}

ic_status cg_emit_edge_aggregate(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_agg_params p;
    IC_TRY(ic_agg_params_get(n, &cg_val(c, n->inputs[n->n_inputs - 1])->shape, &p, c->d));
    const ic_value *x = cg_val(c, n->inputs[0]), *src = cg_val(c, n->inputs[1]);
    long long m = (long long)x->shape.dims[0], f = (long long)x->shape.dims[1], nn = (long long)p.num_nodes;
    long long e = (long long)src->shape.dims[0];
    if (m > INT32_MAX || e > INT32_MAX || nn > INT32_MAX)
        return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "edge_aggregate: more than 2^31 nodes or edges");
    char data[8] = "";
    if (p.has_data) snprintf(data, sizeof data, "in%u", n->n_inputs - 1);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf *b = &c->kern;
    emit_checks(b, c, n, m, nn, e);
    ic_strbuf_printf(b, "    enum { F = %lld };\n", f);
    if ((e + nn) * (f + 1) < CG_PAR_MIN) /* small: one thread, no fork/join */
        ic_strbuf_puts(b, "    int nt = 1;\n");
    else
        ic_strbuf_puts(b, "    int nt = omp_get_max_threads();\n    if (nt > 256) nt = 256;\n");
    ic_strbuf_printf(b, "    int64_t *cnt = calloc((size_t)nt * %lld, sizeof(int64_t)), *rp = malloc(%lld * sizeof(int64_t));\n",
                     nn + 1, nn + 1);
    ic_strbuf_printf(b, "    int32_t *ss = malloc(%lld * sizeof(int32_t));\n", e ? e : 1);
    if (p.scaled)
        ic_strbuf_printf(b, "    float *sw = malloc(%lld * sizeof(float));\n", e ? e : 1);
    else
        ic_strbuf_puts(b, "    float *sw = NULL;\n");
    ic_strbuf_printf(b, "    if (!cnt || !rp || !ss%s) {\n", p.scaled ? " || !sw" : "");
    ic_strbuf_puts(b, "        free(cnt), free(rp), free(ss), free(sw);\n"
                      "        return ic_rt_fail(m->err, sizeof m->err, \"edge_aggregate: out of memory\");\n    }\n");
    ic_strbuf_puts(b, "    #pragma omp parallel num_threads(nt)\n    {\n");
    emit_sort(b, p.scaled, m, nn, e);
    emit_rows(b, &p, p.has_data ? data : NULL, nn, f);
    ic_strbuf_puts(b, "    }\n    free(cnt), free(rp), free(ss), free(sw);\n    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}
