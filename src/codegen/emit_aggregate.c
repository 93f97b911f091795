/* emit_aggregate.c — the CSR aggregation kernel without atomics (csr.h),
 * and edge_aggregate as one such kernel (semantics in docs/ops.md,
 * reference in interp_aggregate.c).
 *
 * Build (one pass over the edges to count, one to scatter, no serial phase):
 *   1. each thread counts the destinations of its contiguous slice of edges
 *      into its own int32 counts, checking each dst on the way;
 *   2. each thread turns a block of destination rows into row starts and
 *      per-thread cursors (two passes: block totals, then prefix from the
 *      block's offset);
 *   3. each thread scatters its slice's (src, scale) into the CSR arrays,
 *      prefetching for writing the slots of the edges CSR_PREFETCH ahead
 *      (random writes are what this pass waits on), and checking each src
 *      (a bad one sets `bad` after the arrays are written in bounds: the
 *      caller must then fail instead of reading them).
 *   The sort is stable, so every row sees its edges in their given order,
 *   as the interpreter applies them.
 * Rows: thread t reduces the rows whose cost (edges + 1 per row) falls in
 * the t-th equal share, so power-law degrees do not unbalance the threads.
 * Each row is accumulated in vector registers over a block of at most eight
 * vectors of features (larger F walks the row's edges once per block), the
 * source rows of the edges AGG_PREFETCH ahead (across row boundaries)
 * prefetched, and stored once (streaming stores when the result is aligned:
 * it is written once and not read here). The edges x features tensor never
 * exists.
 *
 * edge_aggregate compiled directly allocates its CSR per run; the aggregate
 * pass lowers it to csr_build + spmm (emit_sparse.c), whose CSR lives in the
 * arena or the weights blob and is shared by every layer, and keeps it only
 * when constant edges are out of range (this kernel then fails the run). */
#include <stdio.h>

#include "codegen/csr.h"

#define AGG_PREFETCH 24 /* edges ahead whose source rows the row reduction prefetches */
#define AGG_LOC "3"     /* their locality: into L1 (prefetching to L2 only was slower) */
#define CSR_PREFETCH 64 /* edges ahead whose CSR slots the build's scatter prefetches for writing */

void cg_csr_emit_helpers(ic_strbuf *kern) {
    ic_strbuf_puts(kern, "#ifndef IC_AGG_HELPERS\n#define IC_AGG_HELPERS\n"
                         "/* a streaming (non-temporal) store of one aligned vector: result rows are\n"
                         "   written once, so reading their lines in first would only cost bandwidth */\n"
                         "static inline void ic_agg_stream(float *p, ic_vf v) {\n"
                         "#if IC_VW == 16\n    _mm512_stream_ps(p, v);\n"
                         "#elif IC_VW == 8\n    _mm256_stream_ps(p, v);\n"
                         "#else\n    _mm_stream_ps(p, v);\n#endif\n}\n#endif\n\n");
}

void cg_csr_emit_threads(ic_strbuf *b, long long work) {
    if (work < CG_PAR_MIN) /* small: one thread, no fork/join */
        ic_strbuf_puts(b, "    int nt_max = 1;\n");
    else
        ic_strbuf_puts(b, "    int nt_max = omp_get_max_threads();\n    if (nt_max > 256) nt_max = 256;\n");
}

void cg_csr_emit_build_decls(ic_strbuf *b, long long n) {
    ic_strbuf_printf(b, "    int32_t *cnt = malloc((size_t)nt_max * %lld * sizeof(int32_t));\n", n + 1);
    ic_strbuf_puts(b, "    if (!cnt) return ic_rt_fail(m->err, sizeof m->err, \"csr build: out of memory\");\n"
                      "    int64_t part[256];\n    int bad = 0;\n");
}

void cg_csr_emit_build_free(ic_strbuf *b) { ic_strbuf_puts(b, "    free(cnt);\n"); }

/* Statements wrapping s and d into [0, m) / [0, n) (still out of range when bad). */
static void emit_wrap(ic_strbuf *b, const cg_csr_build *s, const char *ind) {
    ic_strbuf_printf(b, "%sint64_t s = %s[e], d = %s[e];\n", ind, s->src, s->dst);
    ic_strbuf_printf(b, "%ss += s < 0 ? %lldLL : 0;\n%sd += d < 0 ? %lldLL : 0;\n", ind, s->m, ind, s->n);
}

void cg_csr_emit_build(ic_strbuf *b, const cg_csr_build *s) {
    long long n1 = s->n + 1;
    ic_strbuf_puts(b, "        /* CSR build, 1: per-thread counts of the destinations, indices checked */\n");
    ic_strbuf_printf(b, "        int32_t *restrict ct = cnt + (size_t)t * %lld;\n", n1);
    ic_strbuf_printf(b, "        const int64_t e0 = %lldLL * t / nt, e1 = %lldLL * (t + 1) / nt;\n", s->e, s->e);
    ic_strbuf_printf(b, "        memset(ct, 0, %lld * sizeof(int32_t));\n", n1);
    ic_strbuf_puts(b, "        int lb = 0;\n        for (int64_t e = e0; e < e1; e++) {\n");
    ic_strbuf_printf(b, "            int64_t d = %s[e];\n            d += d < 0 ? %lldLL : 0;\n", s->dst, s->n);
    ic_strbuf_printf(b, "            if ((uint64_t)d < %lluULL) ct[d]++;\n            else lb = 1;\n        }\n",
                     (unsigned long long)s->n);
    ic_strbuf_puts(b, "        if (lb) {\n            #pragma omp atomic write\n            bad = 1;\n        }\n"
                      "        #pragma omp barrier\n        int csr_bad;\n"
                      "        #pragma omp atomic read\n        csr_bad = bad;\n        if (!csr_bad) {\n");
    ic_strbuf_puts(b, "            /* 2: row starts and per-thread cursors, each thread a block of rows */\n");
    ic_strbuf_printf(b, "            const int64_t v0 = %lldLL * t / nt, v1 = %lldLL * (t + 1) / nt;\n", s->n, s->n);
    ic_strbuf_puts(b, "            int64_t sum = 0;\n            for (int64_t v = v0; v < v1; v++)\n");
    ic_strbuf_printf(b, "                for (int u = 0; u < nt; u++) sum += cnt[(size_t)u * %lld + v];\n", n1);
    ic_strbuf_puts(b, "            part[t] = sum;\n            #pragma omp barrier\n            int64_t run = 0;\n"
                      "            for (int u = 0; u < t; u++) run += part[u];\n"
                      "            for (int64_t v = v0; v < v1; v++) {\n");
    ic_strbuf_printf(b, "                %s[v] = (int32_t)run;\n                for (int u = 0; u < nt; u++) {\n", s->rp);
    ic_strbuf_printf(b, "                    int32_t *q = cnt + (size_t)u * %lld + v;\n", n1);
    ic_strbuf_puts(b, "                    const int32_t k = *q;\n                    *q = (int32_t)run;\n"
                      "                    run += k;\n                }\n            }\n");
    ic_strbuf_printf(b, "            if (t == nt - 1) %s[%lld] = (int32_t)run;\n            #pragma omp barrier\n", s->rp, s->n);
    ic_strbuf_puts(b, "            /* 3: each slice's edges scattered to their rows, in order */\n"
                      "            for (int64_t e = e0; e < e1; e++) {\n");
    emit_wrap(b, s, "                ");
    ic_strbuf_printf(b, "                if (e + %d < e1) { /* the slots edge e + %d will write, in cache by then */\n", CSR_PREFETCH,
                     CSR_PREFETCH);
    ic_strbuf_printf(b, "                    int64_t dn = %s[e + %d];\n                    dn += dn < 0 ? %lldLL : 0;\n", s->dst,
                     CSR_PREFETCH, s->n);
    ic_strbuf_printf(b, "                    __builtin_prefetch(%s + ct[dn], 1);\n", s->col);
    if (s->scale) ic_strbuf_printf(b, "                    __builtin_prefetch(%s + ct[dn], 1);\n", s->val);
    ic_strbuf_puts(b, "                }\n");
    ic_strbuf_printf(b, "                lb |= (uint64_t)s >= %lluULL;\n", (unsigned long long)s->m);
    ic_strbuf_printf(b, "                const int32_t p = ct[d]++;\n                %s[p] = (int32_t)s;\n", s->col);
    if (s->scale) ic_strbuf_printf(b, "                %s[p] = %s[e];\n", s->val, s->scale);
    ic_strbuf_puts(b, "            }\n            if (lb) {\n                #pragma omp atomic write\n                bad = 1;\n"
                      "            }\n            #pragma omp barrier\n            #pragma omp atomic read\n"
                      "            csr_bad = bad;\n        }\n");
}

void cg_csr_emit_bad_edge(ic_strbuf *b, const cg_csr_build *s, const char *what) {
    ic_strbuf_printf(b, "    for (int64_t e = 0; e < %lld; e++) {\n", s->e);
    emit_wrap(b, s, "        ");
    ic_strbuf_printf(b, "        if ((uint64_t)s >= %lluULL || (uint64_t)d >= %lluULL)\n", (unsigned long long)s->m,
                     (unsigned long long)s->n);
    ic_strbuf_puts(b, "            return ic_rt_fail(m->err, sizeof m->err, \"%s: edge %lld (src %lld, dst %lld) out of range\", ");
    cg_c_string(b, what);
    ic_strbuf_printf(b, ",\n                              (long long)e, (long long)%s[e], (long long)%s[e]);\n    }\n", s->src,
                     s->dst);
}

/* The accumulator update for message mv. */
static const char *combine_expr(ic_agg_reduction red) {
    switch (red) {
    case IC_AGG_MAX: return "ic_vmax_nan(mv, acc[v])";
    case IC_AGG_MIN: return "ic_vmin_nan(mv, acc[v])";
    default: return "ic_vadd(acc[v], mv)";
    }
}

/* One block of nf features from column j0 of the current row, in registers. */
static void emit_block(ic_strbuf *b, const cg_csr_rows *r, const char *j0, const char *nf) {
    const char *ident = r->red == IC_AGG_MAX ? "-INFINITY" : r->red == IC_AGG_MIN ? "INFINITY" : "0.0f";
    const char *in = "                ";
    ic_strbuf_printf(b, "%s{\n%s    enum { NF = %s, NV = (NF + IC_VW - 1) / IC_VW, NL = NF - (NV - 1) * IC_VW };\n", in, in, nf);
    ic_strbuf_printf(b, "%s    const int64_t j0 = %s;\n%s    ic_vf acc[NV ? NV : 1];\n", in, j0, in);
    ic_strbuf_printf(b, "%s    #pragma GCC unroll 8\n%s    for (int v = 0; v < NV; v++)\n", in, in);
    if (r->include_self)
        ic_strbuf_printf(b, "%s        acc[v] = v < NV - 1 || NL == IC_VW ? ic_vld(dr + j0 + v * IC_VW) "
                            ": ic_vld_n(dr + j0 + v * IC_VW, NL);\n",
                         in);
    else
        ic_strbuf_printf(b, "%s        acc[v] = ic_vset1(%s);\n", in, ident);
    ic_strbuf_printf(b, "%s    for (int64_t k = k0; k < k1; k++) {\n", in);
    if (r->col) {
        ic_strbuf_printf(b, "%s        const int64_t kp = k + %d < kend ? k + %d : kend - 1;\n", in, AGG_PREFETCH, AGG_PREFETCH);
        ic_strbuf_printf(b, "%s        const float *pf = %s + (int64_t)%s[kp] * %lld + j0;\n", in, r->x, r->col, r->f);
        ic_strbuf_printf(b, "%s        for (int l = 0; l < NF; l += 16) __builtin_prefetch(pf + l, 0, %s);\n", in, AGG_LOC);
        ic_strbuf_printf(b, "%s        const float *restrict xr = %s + (int64_t)%s[k] * %lld + j0;\n", in, r->x, r->col, r->f);
    } else {
        ic_strbuf_printf(b, "%s        const float *restrict xr = %s + k * %lld + j0;\n", in, r->x, r->f);
    }
    if (r->val) ic_strbuf_printf(b, "%s        const ic_vf w = ic_vset1(%s[k]);\n", in, r->val);
    ic_strbuf_printf(b, "%s        #pragma GCC unroll 8\n%s        for (int v = 0; v < NV; v++) {\n", in, in);
    ic_strbuf_printf(b, "%s            %sic_vf mv = v < NV - 1 || NL == IC_VW ? ic_vld(xr + v * IC_VW) "
                        ": ic_vld_n(xr + v * IC_VW, NL);\n",
                     in, r->val ? "" : "const ");
    if (r->val) ic_strbuf_printf(b, "%s            mv = ic_vmul(w, mv);\n", in);
    ic_strbuf_printf(b, "%s            acc[v] = %s;\n%s        }\n%s    }\n", in, combine_expr(r->red), in, in);
    if (r->red == IC_AGG_MEAN) {
        ic_strbuf_printf(b, "%s    const ic_vf c = ic_vset1((float)(k1 - k0 + %d));\n", in, r->include_self ? 1 : 0);
        ic_strbuf_printf(b, "%s    #pragma GCC unroll 8\n%s    for (int v = 0; v < NV; v++) acc[v] = ic_vdiv(acc[v], c);\n", in, in);
    }
    ic_strbuf_printf(b, "%s    #pragma GCC unroll 8\n%s    for (int v = 0; v < NV; v++) {\n", in, in);
    ic_strbuf_printf(b, "%s        if (F %% IC_VW == 0 && nts) ic_agg_stream(o + j0 + v * IC_VW, acc[v]);\n", in);
    ic_strbuf_printf(b, "%s        else if (v < NV - 1 || NL == IC_VW) ic_vst(o + j0 + v * IC_VW, acc[v]);\n"
                        "%s        else ic_vst_n(o + j0 + v * IC_VW, acc[v], NL);\n%s    }\n%s}\n",
                     in, in, in, in);
}

/* Sets `want`'s first row: the smallest i with rp[i] + i >= want (rows cost one plus their edges). */
static void emit_split(ic_strbuf *b, const cg_csr_rows *r, const char *var, const char *share) {
    ic_strbuf_printf(b, "            int64_t %s = 0;\n            {\n", var);
    ic_strbuf_printf(b, "                const int64_t want = %s;\n                int64_t hi = %lld;\n", share, r->n);
    ic_strbuf_printf(b, "                while (%s < hi) {\n                    const int64_t mid = (%s + hi) / 2;\n", var, var);
    ic_strbuf_printf(b, "                    if ((int64_t)%s[mid] + mid < want) %s = mid + 1;\n"
                        "                    else hi = mid;\n                }\n            }\n",
                     r->rp, var);
}

void cg_csr_emit_rows(ic_strbuf *b, const cg_csr_rows *r) {
    ic_strbuf_puts(b, "        /* rows: an equal share of (edges + rows) per thread */\n        {\n");
    ic_strbuf_printf(b, "            const int64_t tot = (int64_t)%s[%lld] + %lld;\n", r->rp, r->n, r->n);
    emit_split(b, r, "r0", "tot * t / nt");
    emit_split(b, r, "r1", "tot * (t + 1) / nt");
    ic_strbuf_printf(b, "            const int64_t kend = %s[r1];\n            (void)kend;\n", r->rp);
    ic_strbuf_printf(b, "            enum { F = %lld, CB = 8 * IC_VW, NB = F / CB, FT = F %% CB };\n", r->f);
    ic_strbuf_printf(b, "            const int nts = ((uintptr_t)%s & 63) == 0; /* streaming stores */\n", r->out);
    ic_strbuf_puts(b, "            for (int64_t i = r0; i < r1; i++) {\n");
    ic_strbuf_printf(b, "                const int64_t k0 = %s[i], k1 = %s[i + 1];\n", r->rp, r->rp);
    ic_strbuf_printf(b, "                float *restrict o = %s + i * F;\n", r->out);
    if (r->data) ic_strbuf_printf(b, "                const float *restrict dr = %s + i * F;\n", r->data);
    if (!r->include_self)
        ic_strbuf_printf(b, "                if (k0 == k1) {\n                    %s;\n                    continue;\n                }\n",
                         r->data ? "memcpy(o, dr, F * sizeof(float))" : "memset(o, 0, F * sizeof(float))");
    ic_strbuf_puts(b, "                for (int64_t jb = 0; jb < NB; jb++)\n");
    emit_block(b, r, "jb * CB", "CB");
    ic_strbuf_puts(b, "                if (FT)\n");
    emit_block(b, r, "NB * CB", "FT");
    ic_strbuf_puts(b, "            }\n            _mm_sfence();\n        }\n");
}

ic_status cg_emit_edge_aggregate(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_agg_params p;
    IC_TRY(ic_agg_params_get(n, &cg_val(c, n->inputs[n->n_inputs - 1])->shape, &p, c->d));
    const ic_value *x = cg_val(c, n->inputs[0]), *src = cg_val(c, n->inputs[1]);
    long long m = (long long)x->shape.dims[0], f = (long long)x->shape.dims[1], nn = (long long)p.num_nodes;
    long long e = (long long)src->shape.dims[0];
    if (m > INT32_MAX || e > INT32_MAX || nn >= INT32_MAX)
        return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "edge_aggregate: more than 2^31 nodes or edges");
    char data[8] = "", label[128];
    if (p.has_data) snprintf(data, sizeof data, "in%u", n->n_inputs - 1);
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    cg_csr_emit_helpers(&c->kern);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf *b = &c->kern;
    cg_csr_build bs = {.src = "in1", .dst = "in2", .scale = p.scaled ? "in3" : NULL, .rp = "rp", .col = "col",
                       .val = p.scaled ? "val" : NULL, .m = m, .n = nn, .e = e};
    cg_csr_rows rs = {.rp = "rp", .col = "col", .val = bs.val, .x = "in0", .data = p.has_data ? data : NULL,
                      .out = "out0", .red = p.red, .include_self = p.include_self && p.has_data, .n = nn, .f = f};
    cg_csr_emit_threads(b, (e + nn) * (f + 1));
    cg_csr_emit_build_decls(b, nn);
    ic_strbuf_printf(b, "    int32_t *rp = malloc(%lld * sizeof(int32_t)), *col = malloc(%lld * sizeof(int32_t));\n", nn + 1,
                     e ? e : 1);
    if (p.scaled)
        ic_strbuf_printf(b, "    float *val = malloc(%lld * sizeof(float));\n", e ? e : 1);
    else
        ic_strbuf_puts(b, "    float *val = NULL;\n");
    ic_strbuf_printf(b, "    if (!rp || !col%s) {\n", p.scaled ? " || !val" : "");
    ic_strbuf_puts(b, "        free(cnt), free(rp), free(col), free(val);\n"
                      "        return ic_rt_fail(m->err, sizeof m->err, \"edge_aggregate: out of memory\");\n    }\n");
    ic_strbuf_puts(b, "    #pragma omp parallel num_threads(nt_max)\n    {\n"
                      "        const int t = omp_get_thread_num(), nt = omp_get_num_threads();\n");
    cg_csr_emit_build(b, &bs);
    ic_strbuf_puts(b, "        if (!csr_bad) {\n");
    cg_csr_emit_rows(b, &rs);
    ic_strbuf_puts(b, "        }\n    }\n    free(rp), free(col), free(val);\n");
    cg_csr_emit_build_free(b);
    ic_strbuf_puts(b, "    if (!bad) return 0;\n");
    char msg[160];
    snprintf(msg, sizeof msg, "edge_aggregate %s", label);
    cg_csr_emit_bad_edge(b, &bs, msg);
    ic_strbuf_puts(b, "    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}
