/* shape_ext.c — shape and dtype rules of the ONNX front end's ops, following
 * docs/ops.md. Each rule rejects what the op cannot take (bad dtypes, ranks,
 * index shapes, attributes) with a message "OP RESULT: problem" like the
 * rules in shape.c; ic_infer_node then bounds the result size. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir/shape_ext.h"

/* What a rule needs about its node. */
typedef struct ext_ctx {
    ic_graph *g;      /* the graph */
    const ic_node *n; /* the node */
    const char *op;   /* its op name */
    ic_diag *d;       /* where errors go */
} ext_ctx;

static const ic_value *in(const ext_ctx *c, uint32_t i) { return &c->g->values[c->n->inputs[i]]; }

ic_status ic_infer_fail_v(const ic_graph *g, const ic_node *n, ic_diag *d, const char *fmt, va_list ap) {
    char label[256], msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    ic_value_label(g, n->outputs[0], label, sizeof label);
    return ic_diag_set(d, IC_ERR_INVALID, "%s %s: %s", ic_op_get(n->op)->name, label, msg);
}

static ic_status fail(const ext_ctx *c, const char *fmt, ...) IC_PRINTF(2, 3);
static ic_status fail(const ext_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ic_status s = ic_infer_fail_v(c->g, c->n, c->d, fmt, ap);
    va_end(ap);
    return s;
}

static ic_status set_out(const ext_ctx *c, ic_dtype dt, const ic_shape *s) {
    ic_value *v = &c->g->values[c->n->outputs[0]];
    v->dtype = dt;
    v->shape = *s;
    return IC_OK;
}

/* "f32[2,3]" of input i, in a thread-local buffer per input (messages name up to three). */
static const char *ty(const ext_ctx *c, uint32_t i) {
    static _Thread_local char buf[3][160];
    char *b = buf[i % 3];
    ic_value_type_str(in(c, i), b, sizeof buf[0]);
    return b;
}

static bool arith(ic_dtype t) { return t == IC_DT_F32 || t == IC_DT_I32 || t == IC_DT_I64; }
static bool index_dtype(ic_dtype t) { return t == IC_DT_I32 || t == IC_DT_I64; }

static ic_status infer_unary(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    switch (c->n->op) {
    case IC_OP_SIGN:
        if (!arith(x->dtype)) return fail(c, "needs f32, i32 or i64 input, got %s", ty(c, 0));
        return set_out(c, x->dtype, &x->shape);
    case IC_OP_ISNAN:
    case IC_OP_ISINF:
        if (x->dtype != IC_DT_F32) return fail(c, "needs f32 input, got %s", ty(c, 0));
        return set_out(c, IC_DT_BOOL, &x->shape);
    default:
        if (x->dtype != IC_DT_F32) return fail(c, "needs f32 input, got %s", ty(c, 0));
        return set_out(c, IC_DT_F32, &x->shape);
    }
}

static ic_status infer_mod(const ext_ctx *c) {
    const ic_value *a = in(c, 0), *b = in(c, 1);
    if (a->dtype != b->dtype) return fail(c, "operand dtypes differ: %s and %s", ty(c, 0), ty(c, 1));
    if (!arith(a->dtype)) return fail(c, "needs f32, i32 or i64 operands, got %s", ty(c, 0));
    ic_shape s;
    if (!ic_broadcast_shapes(&a->shape, &b->shape, &s)) return fail(c, "shapes do not broadcast: %s and %s", ty(c, 0), ty(c, 1));
    return set_out(c, a->dtype, &s);
}

/* Result shape of reducing the dims in mask. */
static ic_shape reduced(const ic_shape *x, uint32_t mask, bool keep) {
    ic_shape s = {.rank = 0};
    for (int i = 0; i < x->rank; i++) {
        if (!(mask & (1u << i)))
            s.dims[s.rank++] = x->dims[i];
        else if (keep)
            s.dims[s.rank++] = 1;
    }
    return s;
}

static ic_status infer_reduce(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    ic_op op = c->n->op;
    bool f32_only = op == IC_OP_REDUCE_L2 || op == IC_OP_REDUCE_LOG_SUM_EXP;
    if (f32_only ? x->dtype != IC_DT_F32 : !arith(x->dtype))
        return fail(c, "needs %s input, got %s", f32_only ? "f32" : "f32, i32 or i64", ty(c, 0));
    uint32_t mask;
    if (!ic_reduce_axes_mask(c->n, x->shape.rank, &mask, c->d)) return c->d ? c->d->status : IC_ERR_INVALID;
    ic_shape s = reduced(&x->shape, mask, ic_reduce_keepdims(c->n));
    return set_out(c, x->dtype, &s);
}

static ic_status infer_arg(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    if (!arith(x->dtype)) return fail(c, "needs f32, i32 or i64 input, got %s", ty(c, 0));
    ic_arg_params p;
    IC_TRY(ic_arg_params_get(c->n, x->shape.rank, &p, c->d));
    if (x->shape.dims[p.axis] == 0) return fail(c, "cannot take the %s of an empty axis in %s", c->op, ty(c, 0));
    ic_shape s = reduced(&x->shape, 1u << p.axis, p.keepdims);
    return set_out(c, IC_DT_I64, &s);
}

/* topk(x) -> values (x's dtype), indices (i64), both x's shape with k along the axis */
static ic_status infer_topk(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    if (!arith(x->dtype)) return fail(c, "needs f32, i32 or i64 input, got %s", ty(c, 0));
    if (c->n->n_outputs != 2) return fail(c, "has two results (values, indices)");
    ic_topk_params p;
    IC_TRY(ic_topk_params_get(c->n, &x->shape, &p, c->d));
    ic_shape s = x->shape;
    s.dims[p.axis] = p.k;
    ic_value *vals = &c->g->values[c->n->outputs[0]], *idx = &c->g->values[c->n->outputs[1]];
    vals->dtype = x->dtype;
    vals->shape = s;
    idx->dtype = IC_DT_I64;
    idx->shape = s;
    return IC_OK;
}

static ic_status infer_cumsum(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    if (!arith(x->dtype)) return fail(c, "needs f32, i32 or i64 input, got %s", ty(c, 0));
    ic_cumsum_params p;
    IC_TRY(ic_cumsum_params_get(c->n, x->shape.rank, &p, c->d));
    return set_out(c, x->dtype, &x->shape);
}

static ic_status infer_instance_norm(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    if (x->dtype != IC_DT_F32 || x->shape.rank < 2) return fail(c, "needs an f32 input of rank >= 2, got %s", ty(c, 0));
    for (uint32_t i = 1; i < 3; i++) {
        const ic_value *p = in(c, i);
        if (p->dtype != IC_DT_F32 || p->shape.rank != 1 || p->shape.dims[0] != x->shape.dims[1])
            return fail(c, "%s must be f32[%lld], got %s", i == 1 ? "scale" : "bias", (long long)x->shape.dims[1],
                        ty(c, i));
    }
    return set_out(c, IC_DT_F32, &x->shape);
}

/* gather_elements and scatter_elements: indices (and updates) of data's rank,
 * no longer than data outside the axis. */
static ic_status infer_elements(const ext_ctx *c) {
    const ic_value *x = in(c, 0), *idx = in(c, 1);
    bool scatter = c->n->op == IC_OP_SCATTER_ELEMENTS;
    if (!index_dtype(idx->dtype)) return fail(c, "indices must be i32 or i64, got %s", ty(c, 1));
    if (x->shape.rank < 1 || idx->shape.rank != x->shape.rank)
        return fail(c, "indices %s must have the rank of data %s (>= 1)", ty(c, 1), ty(c, 0));
    int32_t axis;
    IC_TRY(ic_axis_of(c->n, x->shape.rank, &axis, c->d));
    for (int i = 0; i < x->shape.rank; i++)
        if (i != axis && idx->shape.dims[i] > x->shape.dims[i])
            return fail(c, "indices %s are larger than data %s outside axis %d", ty(c, 1), ty(c, 0), axis);
    if (!scatter) return set_out(c, x->dtype, &idx->shape);
    const ic_value *u = in(c, 2);
    if (u->dtype != x->dtype || !ic_shape_equal(&u->shape, &idx->shape))
        return fail(c, "updates %s must have data's dtype and the indices' shape %s", ty(c, 2), ty(c, 1));
    ic_scatter_reduction red;
    IC_TRY(ic_scatter_reduction_of(c->n, &red, c->d));
    if (red != IC_SCATTER_NONE && !arith(x->dtype))
        return fail(c, "reduction needs f32, i32 or i64 data, got %s", ty(c, 0));
    return set_out(c, x->dtype, &x->shape);
}

/* edge_aggregate: x f32[M, F], src/dst i32|i64 [E], scale f32[E], data f32[N, F]. */
static ic_status infer_edge_aggregate(const ext_ctx *c) {
    ic_agg_params p;
    IC_TRY(ic_agg_params_get(c->n, &in(c, c->n->n_inputs - 1)->shape, &p, c->d));
    const ic_value *x = in(c, 0), *src = in(c, 1), *dst = in(c, 2);
    if (x->dtype != IC_DT_F32 || x->shape.rank != 2) return fail(c, "x must be f32[M, F], got %s", ty(c, 0));
    if (!index_dtype(src->dtype) || src->shape.rank != 1) return fail(c, "src must be i32[E] or i64[E], got %s", ty(c, 1));
    if (!index_dtype(dst->dtype) || !ic_shape_equal(&dst->shape, &src->shape))
        return fail(c, "dst %s must be an index vector like src %s", ty(c, 2), ty(c, 1));
    if (p.scaled) {
        const ic_value *s = in(c, 3);
        if (s->dtype != IC_DT_F32 || !ic_shape_equal(&s->shape, &src->shape))
            return fail(c, "scale %s must be f32 with src's shape %s", ty(c, 3), ty(c, 1));
    }
    ic_shape o = {.rank = 2, .dims = {p.num_nodes, x->shape.dims[1]}};
    if (p.has_data) {
        uint32_t k = p.scaled ? 4 : 3;
        if (in(c, k)->dtype != IC_DT_F32 || !ic_shape_equal(&in(c, k)->shape, &o))
            return fail(c, "data %s must be f32[N, %lld]", ty(c, k), (long long)x->shape.dims[1]);
    }
    return set_out(c, IC_DT_F32, &o);
}

static ic_status infer_gather_nd(const ext_ctx *c) {
    const ic_value *x = in(c, 0), *idx = in(c, 1);
    if (!index_dtype(idx->dtype)) return fail(c, "indices must be i32 or i64, got %s", ty(c, 1));
    int32_t r = x->shape.rank, q = idx->shape.rank;
    if (r < 1 || q < 1) return fail(c, "data %s and indices %s need rank >= 1", ty(c, 0), ty(c, 1));
    int64_t b = ic_gather_nd_batch_dims(c->n), k = idx->shape.dims[q - 1];
    if (b < 0 || b >= (q < r ? q : r)) return fail(c, "batch_dims %lld must be in [0, %d)", (long long)b, q < r ? q : r);
    if (k < 1 || b + k > r)
        return fail(c, "index tuples of length %lld do not fit data %s after %lld batch dims", (long long)k, ty(c, 0),
                    (long long)b);
    for (int i = 0; i < b; i++)
        if (idx->shape.dims[i] != x->shape.dims[i]) return fail(c, "batch dims of %s and %s differ", ty(c, 0), ty(c, 1));
    if (q - 1 + r - b - k > IC_MAX_RANK) return fail(c, "result rank exceeds the maximum");
    ic_shape s = {.rank = 0};
    for (int i = 0; i < q - 1; i++) s.dims[s.rank++] = idx->shape.dims[i];
    for (int64_t i = b + k; i < r; i++) s.dims[s.rank++] = x->shape.dims[i];
    return set_out(c, x->dtype, &s);
}

static ic_status infer_scatter_nd(const ext_ctx *c) {
    const ic_value *x = in(c, 0), *idx = in(c, 1), *u = in(c, 2);
    if (!index_dtype(idx->dtype)) return fail(c, "indices must be i32 or i64, got %s", ty(c, 1));
    int32_t r = x->shape.rank, q = idx->shape.rank;
    if (r < 1 || q < 1) return fail(c, "data %s and indices %s need rank >= 1", ty(c, 0), ty(c, 1));
    int64_t k = idx->shape.dims[q - 1];
    if (k < 1 || k > r) return fail(c, "index tuples of length %lld do not fit data %s", (long long)k, ty(c, 0));
    ic_shape want = {.rank = 0};
    if (q - 1 + r - k > IC_MAX_RANK) return fail(c, "updates rank exceeds the maximum");
    for (int i = 0; i < q - 1; i++) want.dims[want.rank++] = idx->shape.dims[i];
    for (int64_t i = k; i < r; i++) want.dims[want.rank++] = x->shape.dims[i];
    if (u->dtype != x->dtype || !ic_shape_equal(&u->shape, &want)) {
        ic_value w = {.dtype = x->dtype, .shape = want};
        char ws[160];
        ic_value_type_str(&w, ws, sizeof ws);
        return fail(c, "updates must be %s, got %s", ws, ty(c, 2));
    }
    ic_scatter_reduction red;
    IC_TRY(ic_scatter_reduction_of(c->n, &red, c->d));
    if (red != IC_SCATTER_NONE && !arith(x->dtype))
        return fail(c, "reduction needs f32, i32 or i64 data, got %s", ty(c, 0));
    return set_out(c, x->dtype, &x->shape);
}

static ic_status infer_tile(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    int64_t rep[IC_MAX_RANK];
    IC_TRY(ic_tile_repeats(c->n, x->shape.rank, rep, c->d));
    ic_shape s = x->shape;
    for (int i = 0; i < s.rank; i++) {
        if (rep[i] && s.dims[i] > ((int64_t)1 << 44) / rep[i]) return fail(c, "result is too large");
        s.dims[i] *= rep[i];
    }
    return set_out(c, x->dtype, &s);
}

static ic_status infer_pad(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    ic_pad_params p;
    IC_TRY(ic_pad_params_get(c->n, x->shape.rank, &p, c->d));
    ic_shape s = x->shape;
    for (int i = 0; i < s.rank; i++) {
        int64_t len = x->shape.dims[i];
        int64_t kept = len - (p.begin[i] < 0 ? -p.begin[i] : 0) - (p.end[i] < 0 ? -p.end[i] : 0);
        if (kept < 0) return fail(c, "pads crop more than dim %d of %s holds", i, ty(c, 0));
        s.dims[i] = len + p.begin[i] + p.end[i];
        if (kept == 0 && s.dims[i] > 0 && p.mode != IC_PAD_CONSTANT)
            return fail(c, "%s padding needs a non-empty dim %d in %s", p.mode == IC_PAD_EDGE ? "edge" : "reflect", i,
                        ty(c, 0));
    }
    return set_out(c, x->dtype, &s);
}

static ic_status infer_trilu(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    if (x->shape.rank < 2) return fail(c, "needs rank >= 2, got %s", ty(c, 0));
    return set_out(c, x->dtype, &x->shape);
}

static ic_status infer_resize(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    ic_resize_params p;
    IC_TRY(ic_resize_params_get(c->n, &x->shape, &p, c->d));
    if (p.mode == IC_RESIZE_LINEAR && x->dtype != IC_DT_F32) return fail(c, "linear mode does not take %s", ty(c, 0));
    ic_shape s = {.rank = x->shape.rank};
    for (int i = 0; i < s.rank; i++) {
        s.dims[i] = p.sizes[i];
        if (x->shape.dims[i] == 0 && p.sizes[i] > 0) return fail(c, "cannot resize the empty dim %d of %s", i, ty(c, 0));
    }
    return set_out(c, x->dtype, &s);
}

static ic_status infer_d2s(const ext_ctx *c) {
    const ic_value *x = in(c, 0);
    ic_d2s_params p;
    IC_TRY(ic_d2s_params_get(c->n, &p, c->d));
    if (x->shape.rank != 4) return fail(c, "needs a 4-D input [N,C,H,W], got %s", ty(c, 0));
    int64_t b = p.blocksize, n = x->shape.dims[0], ch = x->shape.dims[1], h = x->shape.dims[2], w = x->shape.dims[3];
    ic_shape s = {.rank = 4};
    if (c->n->op == IC_OP_DEPTH_TO_SPACE) {
        if (ch % (b * b)) return fail(c, "channels of %s are not a multiple of blocksize^2 = %lld", ty(c, 0), (long long)(b * b));
        if (h > ((int64_t)1 << 44) / b || w > ((int64_t)1 << 44) / b) return fail(c, "result is too large");
        s.dims[0] = n, s.dims[1] = ch / (b * b), s.dims[2] = h * b, s.dims[3] = w * b;
    } else {
        if (h % b || w % b) return fail(c, "H and W of %s are not multiples of blocksize %lld", ty(c, 0), (long long)b);
        if (ch > ((int64_t)1 << 44) / (b * b)) return fail(c, "result is too large");
        s.dims[0] = n, s.dims[1] = ch * b * b, s.dims[2] = h / b, s.dims[3] = w / b;
    }
    return set_out(c, x->dtype, &s);
}

ic_status ic_infer_ext(ic_graph *g, uint32_t node, ic_diag *d) {
    const ic_node *n = &g->nodes[node];
    ext_ctx c = {g, n, ic_op_get(n->op)->name, d};
    switch (n->op) {
    case IC_OP_ELU: case IC_OP_SELU: case IC_OP_CELU: case IC_OP_SOFTPLUS: case IC_OP_SOFTSIGN: case IC_OP_ROUND:
    case IC_OP_SIGN: case IC_OP_ISNAN: case IC_OP_ISINF:
    case IC_OP_SIN: case IC_OP_COS: case IC_OP_TAN: case IC_OP_ASIN: case IC_OP_ACOS: case IC_OP_ATAN:
    case IC_OP_SINH: case IC_OP_COSH: case IC_OP_ASINH: case IC_OP_ACOSH: case IC_OP_ATANH:
        return infer_unary(&c);
    case IC_OP_MOD: return infer_mod(&c);
    case IC_OP_REDUCE_PROD: case IC_OP_REDUCE_L2: case IC_OP_REDUCE_SUM_SQUARE: case IC_OP_REDUCE_LOG_SUM_EXP:
        return infer_reduce(&c);
    case IC_OP_ARGMAX: case IC_OP_ARGMIN: return infer_arg(&c);
    case IC_OP_CUMSUM: return infer_cumsum(&c);
    case IC_OP_TOPK: return infer_topk(&c);
    case IC_OP_INSTANCE_NORM: return infer_instance_norm(&c);
    case IC_OP_GATHER_ELEMENTS: case IC_OP_SCATTER_ELEMENTS: return infer_elements(&c);
    case IC_OP_GATHER_ND: return infer_gather_nd(&c);
    case IC_OP_SCATTER_ND: return infer_scatter_nd(&c);
    case IC_OP_TILE: return infer_tile(&c);
    case IC_OP_PAD: return infer_pad(&c);
    case IC_OP_TRILU: return infer_trilu(&c);
    case IC_OP_RESIZE: return infer_resize(&c);
    case IC_OP_DEPTH_TO_SPACE: case IC_OP_SPACE_TO_DEPTH: return infer_d2s(&c);
    case IC_OP_EDGE_AGGREGATE: return infer_edge_aggregate(&c);
    case IC_OP_CSR_BUILD: case IC_OP_SPMM: case IC_OP_SEGMENT_REDUCE: return ic_infer_sparse(g, node, d);
    default: return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: no shape rule", c.op);
    }
}
