/* shape_sparse.c — shape and dtype rules of the sparse aggregation ops
 * (docs/ops.md): csr_build (COO edges to destination-sorted CSR), spmm
 * (CSR times dense rows with a reduction) and segment_reduce (rows reduced
 * by sorted segment ids). Messages read "OP RESULT: problem" like shape.c. */
#include <stdarg.h>
#include <stdio.h>

#include "ir/shape_ext.h"

typedef struct sp_ctx {
    ic_graph *g;      /* the graph */
    const ic_node *n; /* the node */
    ic_diag *d;       /* where errors go */
} sp_ctx;

static const ic_value *in(const sp_ctx *c, uint32_t i) { return &c->g->values[c->n->inputs[i]]; }

static ic_status fail(const sp_ctx *c, const char *fmt, ...) IC_PRINTF(2, 3);
static ic_status fail(const sp_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ic_status s = ic_infer_fail_v(c->g, c->n, c->d, fmt, ap);
    va_end(ap);
    return s;
}

static const char *ty(const sp_ctx *c, uint32_t i) {
    static _Thread_local char buf[2][160];
    char *b = buf[i & 1];
    ic_value_type_str(in(c, i), b, sizeof buf[0]);
    return b;
}

static void set(const sp_ctx *c, uint32_t k, ic_dtype t, int32_t rank, int64_t d0, int64_t d1) {
    ic_value *v = &c->g->values[c->n->outputs[k]];
    v->dtype = t;
    v->shape = (ic_shape){.rank = rank, .dims = {d0, d1}};
}

static bool index_vector(const ic_value *v) { return (v->dtype == IC_DT_I32 || v->dtype == IC_DT_I64) && v->shape.rank == 1; }

/* csr_build(src, dst [, scale]) {num_nodes, num_src} -> rowptr i32[N+1], col i32[E] [, val f32[E]] */
static ic_status infer_csr_build(const sp_ctx *c) {
    const ic_value *src = in(c, 0), *dst = in(c, 1);
    if (c->n->n_outputs != c->n->n_inputs)
        return fail(c, "%u inputs need %u results (rowptr, col%s)", c->n->n_inputs, c->n->n_inputs,
                    c->n->n_inputs == 3 ? ", val" : "");
    if (!index_vector(src)) return fail(c, "src must be i32[E] or i64[E], got %s", ty(c, 0));
    if (!index_vector(dst) || !ic_shape_equal(&dst->shape, &src->shape))
        return fail(c, "dst %s must be an index vector like src %s", ty(c, 1), ty(c, 0));
    int64_t e = src->shape.dims[0], nn = ic_attr_int(c->n, "num_nodes", -1);
    int64_t ns = ic_attr_int(c->n, "num_src", nn);
    if (nn < 0 || ns < 0) return fail(c, "num_nodes (>= 0) is required; num_src (default num_nodes) must be >= 0");
    if (e > INT32_MAX || nn >= INT32_MAX || ns > INT32_MAX) return fail(c, "more than 2^31 - 1 nodes or edges");
    if (c->n->n_inputs == 3) {
        const ic_value *s = in(c, 2);
        if (s->dtype != IC_DT_F32 || !ic_shape_equal(&s->shape, &src->shape))
            return fail(c, "scale %s must be f32 with src's shape %s", ty(c, 2), ty(c, 0));
        set(c, 2, IC_DT_F32, 1, e, 0);
    }
    set(c, 0, IC_DT_I32, 1, nn + 1, 0);
    set(c, 1, IC_DT_I32, 1, e, 0);
    return IC_OK;
}

/* spmm(rowptr [N+1], col [nnz] [, val f32[nnz]], x f32[M, F] [, data f32[N, F]]) -> f32[N, F] */
static ic_status infer_spmm(const sp_ctx *c) {
    ic_agg_params p;
    IC_TRY(ic_spmm_params_get(c->n, &in(c, 0)->shape, &p, c->d));
    const ic_value *rp = in(c, 0), *col = in(c, 1), *x = in(c, p.scaled ? 3 : 2);
    if (!index_vector(rp)) return fail(c, "rowptr must be i32[N+1] or i64[N+1], got %s", ty(c, 0));
    if (!index_vector(col)) return fail(c, "col must be i32[nnz] or i64[nnz], got %s", ty(c, 1));
    if (p.scaled && (in(c, 2)->dtype != IC_DT_F32 || !ic_shape_equal(&in(c, 2)->shape, &col->shape)))
        return fail(c, "val %s must be f32 with col's shape %s", ty(c, 2), ty(c, 1));
    if (x->dtype != IC_DT_F32 || x->shape.rank != 2) return fail(c, "x must be f32[M, F], got %s", ty(c, p.scaled ? 3 : 2));
    if (p.has_data) {
        const ic_value *dv = in(c, c->n->n_inputs - 1);
        if (dv->dtype != IC_DT_F32 || dv->shape.rank != 2 || dv->shape.dims[0] != p.num_nodes ||
            dv->shape.dims[1] != x->shape.dims[1])
            return fail(c, "data %s must be f32[%lld, %lld]", ty(c, c->n->n_inputs - 1), (long long)p.num_nodes,
                        (long long)x->shape.dims[1]);
    }
    set(c, 0, IC_DT_F32, 2, p.num_nodes, x->shape.dims[1]);
    return IC_OK;
}

/* segment_reduce(x f32[M, F], ids [M]) {reduction, num_segments} -> f32[num_segments, F] */
static ic_status infer_segment_reduce(const sp_ctx *c) {
    ic_agg_reduction red;
    IC_TRY(ic_agg_reduction_of(c->n, &red, c->d));
    const ic_value *x = in(c, 0), *ids = in(c, 1);
    if (x->dtype != IC_DT_F32 || x->shape.rank != 2) return fail(c, "x must be f32[M, F], got %s", ty(c, 0));
    if (!index_vector(ids) || ids->shape.dims[0] != x->shape.dims[0])
        return fail(c, "ids must be i32[M] or i64[M] with M = %lld, got %s", (long long)x->shape.dims[0], ty(c, 1));
    int64_t ns = ic_attr_int(c->n, "num_segments", -1);
    if (ns < 0) return fail(c, "num_segments (>= 0) is required");
    set(c, 0, IC_DT_F32, 2, ns, x->shape.dims[1]);
    return IC_OK;
}

ic_status ic_infer_sparse(ic_graph *g, uint32_t node, ic_diag *d) {
    sp_ctx c = {g, &g->nodes[node], d};
    switch (c.n->op) {
    case IC_OP_CSR_BUILD: return infer_csr_build(&c);
    case IC_OP_SPMM: return infer_spmm(&c);
    case IC_OP_SEGMENT_REDUCE: return infer_segment_reduce(&c);
    default: return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: no shape rule", ic_op_get(c.n->op)->name);
    }
}
