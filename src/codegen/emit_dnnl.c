/* emit_dnnl.c — library groups (conv2d, conv_transpose, matmul, gemm and the
 * epilogue fuse_epilogue put after them), channels-last pooling and the
 * NCHW <-> NHWC transposes at the edges of channels-last regions as oneDNN
 * primitives.
 *
 * Each group gets one primitive slot in the instance. create() builds it from
 * static descriptors — tensors as dims plus strides in oneDNN's dim order, so
 * NHWC activations are used where they lie — and passes constant weights so
 * the runtime prepacks them once per process (a static ic_rt_shared per slot).
 * The run body only calls ic_rt_run on this run's buffers. The epilogue
 * becomes post-ops: eltwise for unary nodes, binary for a second operand,
 * and sum for a residual add whose buffer the memory plan handed to the
 * group's result (so the primitive accumulates into it in place). Numpy
 * matmul rules (1-D promotion, batch broadcasting) and Gemm's transposes
 * become dims and strides; Gemm's beta*C is written into the output first and
 * folded in by a sum post-op, or used as the bias when it is one. */
#include <stdio.h>
#include <string.h>

#include "codegen/cg.h"
#include "lower/epilogue.h"

/* A tensor descriptor being built: ic_rt_md in the compiler. */
typedef struct dmd {
    int nd;                           /* rank */
    int64_t dims[IC_MAX_RANK + 2];    /* oneDNN-order dims */
    int64_t strides[IC_MAX_RANK + 2]; /* element strides */
} dmd;

/* One post-op being built. */
typedef struct post {
    const char *kind;  /* "IC_RT_PO_ELTWISE", ... */
    const char *alg;   /* its algorithm enumerator, or "0" */
    double alpha;      /* eltwise parameter / sum scale */
    double beta;       /* eltwise parameter */
    dmd src1;          /* binary operand layout */
    uint32_t operand;  /* binary operand value, IC_NONE otherwise */
} post;

#define MAX_POST 16
/* Primitives with less work than this (multiply-adds, or elements moved)
 * are created and run on one thread: a parallel region costs more than it
 * saves (squeeze-excite convs on 1x1 images, small matmuls). */
#define SERIAL_WORK (1 << 18)

/* What a library group computes, as the emitter sees it. */
typedef struct lib_group {
    const ic_node *lead;  /* the library op */
    uint32_t out;         /* the group's result value */
    post post[MAX_POST];  /* the epilogue */
    int n_post;           /* entries in post */
    uint32_t sum_value;   /* residual accumulated in place (same buffer as out), IC_NONE if none */
    bool serial;          /* too small to be worth more than one thread */
    char ops[160];        /* "conv2d+add+relu", for comments */
} lib_group;

/* The constant-data pointer for v in create(), or "NULL" when v is computed at run time. */
static void const_arg(cg_ctx *c, uint32_t v, ic_strbuf *b) {
    if (c->bufs[cg_root(c, v)].kind == CG_STORE_CONST)
        cg_ptr_expr(c, v, false, b);
    else
        ic_strbuf_puts(b, "NULL");
}

static bool is_const(const cg_ctx *c, uint32_t v) { return c->bufs[cg_root(c, v)].kind == CG_STORE_CONST; }

static void dims_list(ic_strbuf *b, const int64_t *v, int n) {
    ic_strbuf_puts(b, "{");
    for (int i = 0; i < n; i++) ic_strbuf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
    ic_strbuf_puts(b, "}");
}

static void md_lit(ic_strbuf *b, const dmd *m) {
    ic_strbuf_printf(b, "{%d, ", m->nd);
    dims_list(b, m->dims, m->nd);
    ic_strbuf_puts(b, ", ");
    dims_list(b, m->strides, m->nd);
    ic_strbuf_puts(b, "}");
}

/* The descriptor of a dense tensor of shape s (right-aligned to rank nd with
 * 1s) seen through perm: oneDNN dim k is dim perm[k] of the aligned shape. */
static dmd md_perm(const ic_shape *s, int nd, const int *perm) {
    ic_shape a = {.rank = nd};
    int off = nd - s->rank;
    for (int i = 0; i < nd; i++) a.dims[i] = i < off ? 1 : s->dims[i - off];
    int64_t st[IC_MAX_RANK];
    cg_dense_strides(&a, st);
    dmd m = {.nd = nd};
    for (int k = 0; k < nd; k++) {
        m.dims[k] = a.dims[perm[k]];
        m.strides[k] = st[perm[k]];
    }
    return m;
}

static const int PERM_NCHW[4] = {0, 1, 2, 3};
static const int PERM_NHWC[4] = {0, 3, 1, 2}; /* oneDNN's N, C, H, W from an NHWC array */
static const int PERM_ID[IC_MAX_RANK] = {0, 1, 2, 3, 4, 5, 6, 7};

/* --- the epilogue ------------------------------------------------------------------ */

static bool group_reads(const cg_ctx *c, const cg_group *grp, uint32_t v, uint32_t skip_node, uint32_t skip_input) {
    for (uint32_t k = 0; k < grp->n_nodes; k++) {
        const ic_node *n = &c->g->nodes[grp->nodes[k]];
        for (uint32_t i = 0; i < n->n_inputs; i++)
            if (!(grp->nodes[k] == skip_node && i == skip_input) && cg_root(c, n->inputs[i]) == cg_root(c, v)) return true;
    }
    return false;
}

uint32_t cg_library_sum_candidate(const cg_ctx *c, uint32_t gi) {
    const cg_group *grp = &c->groups[gi];
    const ic_graph *g = c->g;
    if (grp->kind != CG_GROUP_LIBRARY || grp->n_nodes < 2) return IC_NONE;
    const ic_value *dst = &g->values[g->nodes[grp->nodes[0]].outputs[0]];
    for (uint32_t k = 1; k < grp->n_nodes; k++) {
        const ic_node *n = &g->nodes[grp->nodes[k]];
        if (n->op != IC_OP_ADD) continue;
        for (uint32_t i = 0; i < 2; i++) {
            uint32_t v = n->inputs[i];
            const ic_node *p = g->values[v].producer == IC_NONE ? NULL : &g->nodes[g->values[v].producer];
            bool in_chain = p && p->group == g->nodes[grp->nodes[0]].group;
            if (in_chain || !ic_shape_equal(&g->values[v].shape, &dst->shape)) continue;
            if (group_reads(c, grp, v, grp->nodes[k], i)) continue; /* the primitive would read what it overwrites */
            return v;
        }
        return IC_NONE; /* only the first add may accumulate */
    }
    return IC_NONE;
}

/* Walks the group's nodes after the lead into post-ops. perm maps oneDNN dst
 * dims to IR dims of the result (rank nd). */
static ic_status build_epilogue(cg_ctx *c, uint32_t gi, lib_group *lg, int nd, const int *perm) {
    const cg_group *grp = &c->groups[gi];
    const ic_graph *g = c->g;
    lg->lead = &g->nodes[grp->nodes[0]];
    uint32_t cur = lg->lead->outputs[0];
    snprintf(lg->ops, sizeof lg->ops, "%s", ic_op_get(lg->lead->op)->name);
    lg->sum_value = IC_NONE;
    uint32_t cand = cg_library_sum_candidate(c, gi);
    uint32_t out = g->nodes[grp->nodes[grp->n_nodes - 1]].outputs[0];
    const cg_buf *ob = &c->bufs[cg_root(c, out)];
    bool in_place = cand != IC_NONE && ob->kind == CG_STORE_ARENA && c->bufs[cg_root(c, cand)].kind == CG_STORE_ARENA &&
                    c->bufs[cg_root(c, cand)].offset == ob->offset;
    for (uint32_t k = 1; k < grp->n_nodes; k++) {
        const ic_node *n = &g->nodes[grp->nodes[k]];
        size_t len = strlen(lg->ops);
        snprintf(lg->ops + len, sizeof lg->ops - len, "+%s", ic_op_get(n->op)->name);
        if (lg->n_post + 2 > MAX_POST)
            return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: group %u has more than %d post-ops", gi, MAX_POST);
        post *q = &lg->post[lg->n_post];
        *q = (post){.alg = "0", .operand = IC_NONE};
        ic_epi_eltwise e[2];
        int ne;
        if (n->n_inputs == 1 && n->inputs[0] == cur && k + 1 < grp->n_nodes && ic_epilogue_gate(n)) {
            /* x * gate(x): the mul that follows emits it */
            const ic_node *m = &g->nodes[grp->nodes[k + 1]];
            uint32_t gv = n->outputs[0];
            if (m->op == IC_OP_MUL &&
                ((m->inputs[0] == cur && m->inputs[1] == gv) || (m->inputs[1] == cur && m->inputs[0] == gv))) {
                *q = (post){.kind = "IC_RT_PO_ELTWISE", .alg = ic_epilogue_gate(n), .alpha = 1.0, .operand = IC_NONE};
                lg->n_post++;
                k++;
                snprintf(lg->ops + strlen(lg->ops), sizeof lg->ops - strlen(lg->ops), "+mul");
                cur = m->outputs[0];
                continue;
            }
        }
        if ((ne = ic_epilogue_eltwise(g, n, e)) > 0 && n->inputs[0] == cur) {
            for (int j = 0; j < ne; j++)
                lg->post[lg->n_post++] =
                    (post){.kind = "IC_RT_PO_ELTWISE", .alg = e[j].alg, .alpha = e[j].alpha, .beta = e[j].beta, .operand = IC_NONE};
            cur = n->outputs[0];
            continue;
        }
        int pos = n->n_inputs == 2 && n->inputs[0] == cur ? 0 : 1;
        const char *alg = n->n_inputs == 2 && n->inputs[pos] == cur ? ic_epilogue_binary(n, pos) : NULL;
        if (!alg)
            return ic_diag_set(c->d, IC_ERR_INVALID, "internal error: %s cannot be a post-op of group %u",
                               ic_op_get(n->op)->name, gi);
        uint32_t other = n->inputs[1 - pos];
        if (in_place && other == cand && lg->sum_value == IC_NONE) {
            *q = (post){.kind = "IC_RT_PO_SUM", .alg = "0", .alpha = 1.0, .operand = IC_NONE};
            lg->sum_value = other;
        } else {
            *q = (post){.kind = "IC_RT_PO_BINARY", .alg = alg, .operand = other};
            q->src1 = md_perm(&g->values[other].shape, nd, perm);
        }
        lg->n_post++;
        cur = n->outputs[0];
    }
    lg->out = cur;
    return IC_OK;
}

static void emit_post_table(cg_ctx *c, const lib_group *lg) {
    ic_strbuf *cr = &c->create;
    if (!lg->n_post) return;
    ic_strbuf_printf(cr, "        static const ic_rt_postop post[%d] = {\n", lg->n_post);
    for (int i = 0; i < lg->n_post; i++) {
        const post *q = &lg->post[i];
        ic_strbuf_printf(cr, "            {.kind = %s, .alg = %s, .alpha = (float)", q->kind, q->alg);
        cg_double_lit(cr, q->alpha);
        ic_strbuf_puts(cr, ", .beta = (float)");
        cg_double_lit(cr, q->beta);
        if (q->operand != IC_NONE) {
            ic_strbuf_puts(cr, ", .src1 = ");
            md_lit(cr, &q->src1);
        }
        ic_strbuf_puts(cr, "},\n");
    }
    ic_strbuf_puts(cr, "        };\n");
}

/* One thread around a tiny primitive's creation or execution; on failure the
 * caller (create, run) restores the instance's thread count itself. */
static void serial_begin(ic_strbuf *b, const lib_group *lg) {
    if (lg->serial) ic_strbuf_puts(b, "        omp_set_num_threads(1); /* tiny: one thread */\n");
}
static void serial_end(ic_strbuf *b, const lib_group *lg) {
    if (lg->serial) ic_strbuf_puts(b, "        omp_set_num_threads(m->num_threads);\n");
}

/* The run-body call: binary operands, then ic_rt_run. src, weights and bias
 * are C expressions. */
static void emit_run(cg_ctx *c, uint32_t gi, uint32_t k, const lib_group *lg, const char *src, const char *weights,
                     const char *bias) {
    ic_strbuf *b = &c->body;
    ic_strbuf_printf(b, "    { /* group %u: %s */\n", gi, lg->ops);
    bool any = false;
    for (int i = 0; i < lg->n_post; i++) any |= lg->post[i].operand != IC_NONE;
    if (any) {
        ic_strbuf_printf(b, "        const void *post[%d] = {", lg->n_post);
        for (int i = 0; i < lg->n_post; i++) {
            if (i) ic_strbuf_puts(b, ", ");
            if (lg->post[i].operand == IC_NONE)
                ic_strbuf_puts(b, "NULL");
            else
                cg_ptr_expr(c, lg->post[i].operand, false, b);
        }
        ic_strbuf_puts(b, "};\n");
    }
    serial_begin(b, lg);
    ic_strbuf_printf(b, "        if (ic_rt_run(m->dnnl, m->prim[%u], %s, %s, %s, ", k, src, weights, bias);
    cg_ptr_expr(c, lg->out, true, b);
    ic_strbuf_printf(b, ", %s, m->err, IC_ERR_SIZE)) return 1;\n", any ? "post" : "NULL");
    serial_end(b, lg);
    ic_strbuf_puts(b, "    }\n");
}

/* Appends a C expression for v's pointer to a fresh string in buf. */
static const char *ptr_str(cg_ctx *c, uint32_t v, char *buf, size_t size) {
    ic_strbuf t;
    ic_strbuf_init(&t);
    cg_ptr_expr(c, v, false, &t);
    snprintf(buf, size, "%s", ic_strbuf_str(&t));
    ic_strbuf_free(&t);
    return buf;
}

/* --- convolution and deconvolution ---------------------------------------------------- */

static ic_status emit_conv(cg_ctx *c, uint32_t gi) {
    lib_group lg = {0};
    const ic_node *n = &c->g->nodes[c->groups[gi].nodes[0]];
    ic_conv_params p;
    IC_TRY(ic_conv_params_get(n, &p, c->d));
    const int *perm = p.channels_last ? PERM_NHWC : PERM_NCHW;
    IC_TRY(build_epilogue(c, gi, &lg, 4, perm));
    const ic_value *x = cg_val(c, n->inputs[0]), *w = cg_val(c, n->inputs[1]), *y = cg_val(c, n->outputs[0]);
    bool has_bias = n->n_inputs == 3;
    dmd src = md_perm(&x->shape, 4, perm), dst = md_perm(&y->shape, 4, perm);
    double macs = (double)ic_value_numel(n->op == IC_OP_CONV_TRANSPOSE ? x : y) * (double)ic_value_numel(w) /
                  (double)w->shape.dims[0];
    lg.serial = macs < SERIAL_WORK;
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: %s */\n", gi, lg.ops);
    emit_post_table(c, &lg);
    ic_strbuf_puts(cr, "        static const ic_rt_conv_desc d = {\n            .src = ");
    md_lit(cr, &src);
    ic_strbuf_puts(cr, ",\n            .dst = ");
    md_lit(cr, &dst);
    ic_strbuf_puts(cr, ",\n            .weights = ");
    dims_list(cr, w->shape.dims, 4);
    ic_strbuf_puts(cr, ", .strides = ");
    dims_list(cr, p.strides, 2);
    ic_strbuf_puts(cr, ", .dilations = ");
    dims_list(cr, p.dilations, 2);
    ic_strbuf_puts(cr, ", .pad_l = ");
    dims_list(cr, p.pads, 2);
    ic_strbuf_puts(cr, ", .pad_r = ");
    dims_list(cr, p.pads + 2, 2);
    ic_strbuf_printf(cr, ",\n            .group = %lld, .transposed = %d, .has_bias = %d, .n_post = %d, .post = %s};\n",
                     (long long)p.group, n->op == IC_OP_CONV_TRANSPOSE, has_bias, lg.n_post, lg.n_post ? "post" : "NULL");
    ic_strbuf_puts(cr, "        static ic_rt_shared shared;\n");
    serial_begin(cr, &lg);
    ic_strbuf_puts(cr, "        if (ic_rt_conv_create(m->dnnl, &d, ");
    const_arg(c, n->inputs[1], cr);
    ic_strbuf_puts(cr, ", ");
    if (has_bias)
        const_arg(c, n->inputs[2], cr);
    else
        ic_strbuf_puts(cr, "NULL");
    ic_strbuf_printf(cr, ", &shared, &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n", k);
    serial_end(cr, &lg);
    ic_strbuf_puts(cr, "    }\n");

    char sb[128], wb[128] = "NULL", bb[128] = "NULL";
    ptr_str(c, n->inputs[0], sb, sizeof sb);
    if (!is_const(c, n->inputs[1])) ptr_str(c, n->inputs[1], wb, sizeof wb);
    if (has_bias && !is_const(c, n->inputs[2])) ptr_str(c, n->inputs[2], bb, sizeof bb);
    emit_run(c, gi, k, &lg, sb, wb, bb);
    return IC_OK;
}

/* --- matmul and gemm --------------------------------------------------------------------- */

/* Appends creation of a matmul primitive to create() and returns its slot. */
static uint32_t create_matmul(cg_ctx *c, uint32_t gi, const lib_group *lg, const dmd *a, const dmd *b, const dmd *dst,
                              const dmd *bias, double alpha, uint32_t b_value, uint32_t bias_value) {
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: %s */\n", gi, lg->ops);
    emit_post_table(c, lg);
    ic_strbuf_puts(cr, "        static const ic_rt_matmul_desc d = {\n            .a = ");
    md_lit(cr, a);
    ic_strbuf_puts(cr, ",\n            .b = ");
    md_lit(cr, b);
    ic_strbuf_puts(cr, ",\n            .dst = ");
    md_lit(cr, dst);
    if (bias) {
        ic_strbuf_puts(cr, ",\n            .bias = ");
        md_lit(cr, bias);
    }
    ic_strbuf_puts(cr, ",\n            .alpha = (float)");
    cg_double_lit(cr, alpha);
    ic_strbuf_printf(cr, ", .n_post = %d, .post = %s};\n", lg->n_post, lg->n_post ? "post" : "NULL");
    ic_strbuf_puts(cr, "        static ic_rt_shared shared;\n");
    serial_begin(cr, lg);
    ic_strbuf_puts(cr, "        if (ic_rt_matmul_create(m->dnnl, &d, ");
    const_arg(c, b_value, cr);
    ic_strbuf_puts(cr, ", ");
    if (bias_value != IC_NONE)
        const_arg(c, bias_value, cr);
    else
        ic_strbuf_puts(cr, "NULL");
    ic_strbuf_printf(cr, ", &shared, &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n", k);
    serial_end(cr, lg);
    ic_strbuf_puts(cr, "    }\n");
    return k;
}

/* Dense row-major descriptor of dims (rank nd). */
static dmd md_dense(const int64_t *dims, int rank, int nd) {
    ic_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dims[i] = dims[i];
    return md_perm(&s, nd, PERM_ID);
}

/* With a 2-D right operand, the batch dims of a dense left operand are just
 * more rows: [b..., M, K] x [K, N] is one [b...*M, K] x [K, N] GEMM instead of
 * prod(b) small ones (nn.MultiheadAttention's sequence-first [L, 1, E]
 * inputs would otherwise run L matrix-vector products). Rewrites a, dst and
 * every binary post-op operand to rank 2; false (nothing changed) when an
 * operand broadcasts over some rows but not all, which rank 2 cannot say. */
static bool collapse_batch_rows(const cg_ctx *c, lib_group *lg, dmd *a, dmd *dst) {
    int nd = dst->nd;
    int64_t rows = 1;
    for (int i = 0; i < nd - 1; i++) rows *= dst->dims[i];
    dmd src1[MAX_POST];
    for (int k = 0; k < lg->n_post; k++) {
        if (lg->post[k].operand == IC_NONE) continue;
        const ic_shape *s = &c->g->values[lg->post[k].operand].shape;
        ic_shape p = {.rank = nd};
        for (int i = 0; i < nd; i++) p.dims[i] = i < nd - s->rank ? 1 : s->dims[i - (nd - s->rank)];
        bool all_rows = true, no_rows = true;
        for (int i = 0; i < nd - 1; i++) {
            all_rows &= p.dims[i] == dst->dims[i];
            no_rows &= p.dims[i] == 1;
        }
        if (!all_rows && !no_rows) return false;
        src1[k] = md_dense((int64_t[]){no_rows ? 1 : rows, p.dims[nd - 1]}, 2, 2);
    }
    for (int k = 0; k < lg->n_post; k++)
        if (lg->post[k].operand != IC_NONE) lg->post[k].src1 = src1[k];
    *a = md_dense((int64_t[]){rows, a->dims[nd - 1]}, 2, 2);
    *dst = md_dense((int64_t[]){rows, dst->dims[nd - 1]}, 2, 2);
    return true;
}

static ic_status emit_matmul(cg_ctx *c, uint32_t gi) {
    const ic_node *n = &c->g->nodes[c->groups[gi].nodes[0]];
    const ic_value *va = cg_val(c, n->inputs[0]), *vb = cg_val(c, n->inputs[1]), *out = cg_val(c, n->outputs[0]);
    ic_shape sa = va->shape, sb = vb->shape;
    if (sa.rank == 1) sa = (ic_shape){.rank = 2, .dims = {1, va->shape.dims[0]}};
    if (sb.rank == 1) sb = (ic_shape){.rank = 2, .dims = {vb->shape.dims[0], 1}};
    int nd = sa.rank > sb.rank ? sa.rank : sb.rank;
    dmd a = md_dense(sa.dims, sa.rank, nd), b = md_dense(sb.dims, sb.rank, nd);
    int64_t dst_dims[IC_MAX_RANK];
    for (int i = 0; i < nd - 2; i++) dst_dims[i] = a.dims[i] == 1 ? b.dims[i] : a.dims[i];
    dst_dims[nd - 2] = a.dims[nd - 2];
    dst_dims[nd - 1] = b.dims[nd - 1];
    dmd dst = md_dense(dst_dims, nd, nd);
    if (a.dims[nd - 1] == 0) { /* K = 0: no primitive, zeros */
        ic_strbuf_printf(&c->body, "    memset(");
        cg_ptr_expr(c, n->outputs[0], true, &c->body);
        ic_strbuf_printf(&c->body, ", 0, %zu); /* group %u: matmul with K = 0 */\n", ic_value_nbytes(out), gi);
        return IC_OK;
    }
    lib_group lg = {0};
    /* 1-D operands drop a dim of the result: the epilogue (never fused then) would not line up */
    IC_TRY(build_epilogue(c, gi, &lg, nd, PERM_ID));
    if (lg.n_post && out->shape.rank != nd)
        return ic_diag_set(c->d, IC_ERR_INVALID, "internal error: matmul group %u has an epilogue on a 1-D result", gi);
    lg.serial = (double)ic_value_numel(out) * (double)a.dims[nd - 1] < SERIAL_WORK;
    if (nd > 2 && sb.rank == 2 && collapse_batch_rows(c, &lg, &a, &dst)) b = md_dense(sb.dims, 2, 2);
    uint32_t k = create_matmul(c, gi, &lg, &a, &b, &dst, NULL, 1.0, n->inputs[1], IC_NONE);
    char ab[128], bb[128] = "NULL";
    ptr_str(c, n->inputs[0], ab, sizeof ab);
    if (!is_const(c, n->inputs[1])) ptr_str(c, n->inputs[1], bb, sizeof bb);
    emit_run(c, gi, k, &lg, ab, bb, "NULL");
    return IC_OK;
}

/* dst (dense [M, N]) = scale * C broadcast, as a loop in the run body. */
static void emit_fill_c(cg_ctx *c, uint32_t gi, uint32_t cv, uint32_t dst, double scale) {
    const ic_value *cval = cg_val(c, cv), *out = cg_val(c, dst);
    cg_nest nest = {.space = out->shape, .n_ops = 2};
    cg_operand *a = &nest.ops[0], *y = &nest.ops[1];
    snprintf(a->ptr, sizeof a->ptr, "cin");
    snprintf(a->lanes, sizeof a->lanes, "a0");
    a->dtype = IC_DT_F32;
    cg_bcast_strides(&cval->shape, &out->shape, a->strides);
    snprintf(y->ptr, sizeof y->ptr, "cout");
    snprintf(y->lanes, sizeof y->lanes, "y");
    y->dtype = IC_DT_F32;
    y->store = true;
    cg_dense_strides(&out->shape, y->strides);
    ic_strbuf body;
    ic_strbuf_init(&body);
    if (scale == 1.0) {
        ic_strbuf_puts(&body, "            IC_LANES(l) y[l] = a0[l];\n");
    } else {
        ic_strbuf_puts(&body, "            IC_LANES(l) y[l] = (float)(");
        cg_double_lit(&body, scale);
        ic_strbuf_puts(&body, " * (double)a0[l]);\n");
    }
    ic_strbuf_printf(&c->body, "    { /* group %u: gemm's C into the output */\n        const float *restrict cin = ", gi);
    cg_ptr_expr(c, cv, false, &c->body);
    ic_strbuf_puts(&c->body, ";\n        float *restrict cout = ");
    cg_ptr_expr(c, dst, true, &c->body);
    ic_strbuf_puts(&c->body, ";\n");
    cg_emit_nest(&c->body, &nest, ic_strbuf_str(&body));
    ic_strbuf_puts(&c->body, "    }\n");
    ic_strbuf_free(&body);
}

static ic_status emit_gemm(cg_ctx *c, uint32_t gi) {
    const ic_node *n = &c->g->nodes[c->groups[gi].nodes[0]];
    const ic_value *va = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    uint32_t cv = n->n_inputs == 3 ? n->inputs[2] : IC_NONE;
    ic_gemm_params p = ic_gemm_params_get(n);
    int64_t mm = out->shape.dims[0], nn = out->shape.dims[1];
    int64_t kdim = va->shape.dims[p.trans_a ? 0 : 1];
    double beta = cv != IC_NONE ? p.beta : 0.0;
    dmd a = {.nd = 2, .dims = {mm, kdim}}, b = {.nd = 2, .dims = {kdim, nn}};
    a.strides[0] = p.trans_a ? 1 : kdim;
    a.strides[1] = p.trans_a ? mm : 1;
    b.strides[0] = p.trans_b ? 1 : nn;
    b.strides[1] = p.trans_b ? kdim : 1;
    if (kdim == 0) {
        if (cv != IC_NONE && beta != 0.0) {
            emit_fill_c(c, gi, cv, n->outputs[0], beta);
        } else {
            ic_strbuf_puts(&c->body, "    memset(");
            cg_ptr_expr(c, n->outputs[0], true, &c->body);
            ic_strbuf_printf(&c->body, ", 0, %zu); /* group %u: gemm with K = 0 */\n", ic_value_nbytes(out), gi);
        }
        return IC_OK;
    }
    int64_t dd[2] = {mm, nn};
    dmd dst = md_dense(dd, 2, 2);
    /* C as the bias: [N] or [1, N] with alpha = beta = 1 */
    const ic_shape *cs = cv != IC_NONE ? &cg_val(c, cv)->shape : NULL;
    bool c_bias = cs && beta == 1.0 && p.alpha == 1.0 && (cs->rank == 1 || (cs->rank == 2 && cs->dims[0] == 1)) &&
                  cs->dims[cs->rank - 1] == nn;
    lib_group lg = {0};
    dmd bias = {0};
    if (c_bias) {
        int64_t bd[2] = {1, nn};
        bias = md_dense(bd, 2, 2);
    } else if (cv != IC_NONE && beta != 0.0) {
        /* beta * C through a sum post-op on dst, which the run body fills with C first */
        lg.post[lg.n_post++] = (post){.kind = "IC_RT_PO_SUM", .alg = "0", .alpha = beta, .operand = IC_NONE};
        if (c->groups[gi].n_nodes > 1)
            return ic_diag_set(c->d, IC_ERR_INVALID, "internal error: gemm group %u has C and an epilogue", gi);
    }
    int pre = lg.n_post;
    IC_TRY(build_epilogue(c, gi, &lg, 2, PERM_ID)); /* appends after the sum */
    lg.serial = (double)mm * (double)nn * (double)kdim < SERIAL_WORK;
    uint32_t k = create_matmul(c, gi, &lg, &a, &b, &dst, c_bias ? &bias : NULL, p.alpha, n->inputs[1],
                               c_bias ? cv : IC_NONE);
    if (pre) emit_fill_c(c, gi, cv, n->outputs[0], 1.0);
    char ab[128], bb[128] = "NULL", cb[128] = "NULL";
    ptr_str(c, n->inputs[0], ab, sizeof ab);
    if (!is_const(c, n->inputs[1])) ptr_str(c, n->inputs[1], bb, sizeof bb);
    if (c_bias && !is_const(c, cv)) ptr_str(c, cv, cb, sizeof cb);
    emit_run(c, gi, k, &lg, ab, bb, cb);
    return IC_OK;
}

/* --- pooling (channels-last) -------------------------------------------------------------- */

ic_status cg_emit_dnnl_pool(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_pool_params p;
    IC_TRY(ic_pool_params_get(n, &p, c->d));
    const int *perm = p.channels_last ? PERM_NHWC : PERM_NCHW;
    const ic_value *x = cg_val(c, n->inputs[0]), *y = cg_val(c, n->outputs[0]);
    dmd src = md_perm(&x->shape, 4, perm), dst = md_perm(&y->shape, 4, perm);
    bool is_max = n->op == IC_OP_MAX_POOL2D;
    int64_t dil[2] = {is_max ? p.dilations[0] : 1, is_max ? p.dilations[1] : 1};
    int64_t pad_r[2];
    for (int i = 0; i < 2; i++) { /* ceil mode: padding at the end until the last window fits */
        int64_t need = (dst.dims[2 + i] - 1) * p.strides[i] + dil[i] * (p.kernel[i] - 1) + 1 - src.dims[2 + i] - p.pads[i];
        pad_r[i] = need > p.pads[2 + i] ? need : p.pads[2 + i];
    }
    const char *alg = is_max ? "IC_RT_POOL_MAX" : p.count_include_pad ? "IC_RT_POOL_AVG_INCLUDE_PAD" : "IC_RT_POOL_AVG_EXCLUDE_PAD";
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: %s */\n        static const ic_rt_pool_desc d = {\n            .src = ", gi,
                     ic_op_get(n->op)->name);
    md_lit(cr, &src);
    ic_strbuf_puts(cr, ",\n            .dst = ");
    md_lit(cr, &dst);
    ic_strbuf_printf(cr, ",\n            .alg = %s, .kernel = ", alg);
    dims_list(cr, p.kernel, 2);
    ic_strbuf_puts(cr, ", .strides = ");
    dims_list(cr, p.strides, 2);
    ic_strbuf_puts(cr, ", .dilations = ");
    dims_list(cr, dil, 2);
    ic_strbuf_puts(cr, ", .pad_l = ");
    dims_list(cr, p.pads, 2);
    ic_strbuf_puts(cr, ", .pad_r = ");
    dims_list(cr, pad_r, 2);
    lib_group lg = {.lead = n, .out = n->outputs[0]};
    lg.serial = (double)ic_value_numel(y) * (double)(p.kernel[0] * p.kernel[1]) < SERIAL_WORK;
    ic_strbuf_puts(cr, "};\n");
    serial_begin(cr, &lg);
    ic_strbuf_printf(cr, "        if (ic_rt_pool_create(m->dnnl, &d, &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n", k);
    serial_end(cr, &lg);
    ic_strbuf_puts(cr, "    }\n");
    snprintf(lg.ops, sizeof lg.ops, "%s", ic_op_get(n->op)->name);
    char sb[128];
    ptr_str(c, n->inputs[0], sb, sizeof sb);
    emit_run(c, gi, k, &lg, sb, "NULL", "NULL");
    return IC_OK;
}

/* --- layout conversions -------------------------------------------------------------- */

bool cg_dnnl_is_layout_transpose(const cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    if (n->op != IC_OP_TRANSPOSE || x->dtype != IC_DT_F32 || x->shape.rank != 4) return false;
    uint32_t k;
    const int64_t *p = ic_attr_ints(n, "perm", &k);
    if (!p || k != 4 || p[0] != 0) return false;
    return (p[1] == 2 && p[2] == 3 && p[3] == 1) || (p[1] == 3 && p[2] == 1 && p[3] == 2);
}

ic_status cg_emit_dnnl_reorder(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *y = cg_val(c, n->outputs[0]);
    int32_t perm[IC_MAX_RANK];
    IC_TRY(ic_transpose_perm(n, 4, perm, c->d));
    /* logical dims are the result's; the source is x read through the permutation */
    int64_t xs[IC_MAX_RANK];
    cg_dense_strides(&x->shape, xs);
    dmd src = {.nd = 4}, dst = md_perm(&y->shape, 4, PERM_NCHW);
    for (int k = 0; k < 4; k++) {
        src.dims[k] = x->shape.dims[perm[k]];
        src.strides[k] = xs[perm[k]];
    }
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: transpose as a oneDNN reorder */\n        static const ic_rt_md src = ", gi);
    md_lit(cr, &src);
    ic_strbuf_puts(cr, ", dst = ");
    md_lit(cr, &dst);
    lib_group lg = {.lead = n, .out = n->outputs[0]};
    lg.serial = ic_value_numel(y) < SERIAL_WORK;
    ic_strbuf_puts(cr, ";\n");
    serial_begin(cr, &lg);
    ic_strbuf_printf(cr, "        if (ic_rt_reorder_create(m->dnnl, &src, &dst, &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n", k);
    serial_end(cr, &lg);
    ic_strbuf_puts(cr, "    }\n");
    snprintf(lg.ops, sizeof lg.ops, "transpose");
    char sb[128];
    ptr_str(c, n->inputs[0], sb, sizeof sb);
    emit_run(c, gi, k, &lg, sb, "NULL", "NULL");
    return IC_OK;
}

ic_status cg_emit_library(cg_ctx *c, uint32_t gi) {
    const ic_node *n = &c->g->nodes[c->groups[gi].nodes[0]];
    switch (n->op) {
    case IC_OP_CONV2D:
    case IC_OP_CONV_TRANSPOSE: return emit_conv(c, gi);
    case IC_OP_MATMUL: return emit_matmul(c, gi);
    case IC_OP_GEMM: return emit_gemm(c, gi);
    default:
        return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: no library lowering for %s", ic_op_get(n->op)->name);
    }
}
