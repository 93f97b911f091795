/* shape.c — shape and dtype inference: one rule per op, following docs/ops.md.
 *
 * ic_infer_node sets the dtype and shape of a node's results from its inputs
 * and attributes, and rejects what the op cannot take (incompatible
 * broadcasts, bad axes, wrong dtypes) with a message naming the node. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/shape_ext.h"

/* Everything a rule needs about the node it infers. */
typedef struct infer_ctx {
    ic_graph *g;        /* the graph */
    const ic_node *n;   /* the node */
    const char *op;     /* its op name */
    ic_diag *d;         /* where errors go */
} infer_ctx;

static const ic_value *in(const infer_ctx *c, uint32_t i) { return &c->g->values[c->n->inputs[i]]; }
static ic_value *out(const infer_ctx *c, uint32_t i) { return &c->g->values[c->n->outputs[i]]; }

static ic_status fail(const infer_ctx *c, const char *fmt, const char *detail) {
    char label[256];
    ic_value_label(c->g, c->n->outputs[0], label, sizeof label);
    return ic_diag_set(c->d, IC_ERR_INVALID, "%s %s: %s%s", c->op, label, fmt, detail ? detail : "");
}

static ic_status set_out(const infer_ctx *c, uint32_t i, ic_dtype dt, const ic_shape *s) {
    ic_value *v = out(c, i);
    v->dtype = dt;
    v->shape = *s;
    return IC_OK;
}

static const char *type_of(const infer_ctx *c, uint32_t i, char *buf, size_t n) {
    ic_value_type_str(in(c, i), buf, n);
    return buf;
}

bool ic_broadcast_shapes(const ic_shape *a, const ic_shape *b, ic_shape *o) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    ic_shape res = {.rank = r};
    for (int i = 0; i < r; i++) {
        int ia = a->rank - r + i, ib = b->rank - r + i;
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da == db || db == 1)
            res.dims[i] = da;
        else if (da == 1)
            res.dims[i] = db;
        else
            return false;
    }
    *o = res;
    return true;
}

/* Dims must stay small enough that numel * 8 bytes cannot overflow. */
static bool shape_sane(const ic_shape *s) {
    if (s->rank < 0 || s->rank > IC_MAX_RANK) return false;
    double n = 1;
    for (int i = 0; i < s->rank; i++) {
        if (s->dims[i] < 0) return false;
        n *= (double)s->dims[i];
    }
    return n < (double)((int64_t)1 << 44);
}

static bool float_only(ic_op op) {
    switch (op) {
    case IC_OP_SQRT: case IC_OP_RECIPROCAL: case IC_OP_EXP: case IC_OP_LOG: case IC_OP_TANH:
    case IC_OP_SIGMOID: case IC_OP_ERF: case IC_OP_FLOOR: case IC_OP_CEIL: case IC_OP_GELU:
    case IC_OP_SILU: case IC_OP_HARDSWISH: case IC_OP_HARDSIGMOID: case IC_OP_LEAKY_RELU:
    case IC_OP_POW: case IC_OP_BATCHNORM:
        return true;
    default:
        return false;
    }
}

static bool arith_dtype(ic_dtype t) { return t == IC_DT_F32 || t == IC_DT_I32 || t == IC_DT_I64; }

static ic_status infer_pointwise(const infer_ctx *c) {
    char b1[128], b2[128], b3[300];
    ic_op op = c->n->op;
    uint32_t nin = c->n->n_inputs;
    if (op == IC_OP_CAST) {
        const char *to = ic_attr_str(c->n, "to", NULL);
        ic_dtype dt = to ? ic_dtype_from_name(to, strlen(to)) : IC_DT_INVALID;
        if (dt == IC_DT_INVALID) return fail(c, "attribute 'to' must name a dtype", NULL);
        return set_out(c, 0, dt, &in(c, 0)->shape);
    }
    if (op == IC_OP_BATCHNORM) {
        const ic_value *x = in(c, 0);
        if (x->dtype != IC_DT_F32) return fail(c, "needs f32 input, got ", type_of(c, 0, b1, sizeof b1));
        if (x->shape.rank < 2) return fail(c, "input needs rank >= 2, got ", type_of(c, 0, b1, sizeof b1));
        for (uint32_t i = 1; i < 5; i++) {
            const ic_value *p = in(c, i);
            if (p->dtype != IC_DT_F32 || p->shape.rank != 1 || p->shape.dims[0] != x->shape.dims[1]) {
                snprintf(b3, sizeof b3, "%u must be f32[%lld], got %s", i, (long long)x->shape.dims[1],
                         type_of(c, i, b2, sizeof b2));
                return fail(c, "parameter ", b3);
            }
        }
        return set_out(c, 0, IC_DT_F32, &x->shape);
    }
    /* operands other than where's condition must share one dtype */
    uint32_t first = op == IC_OP_WHERE ? 1 : 0;
    ic_dtype dt = in(c, first)->dtype;
    for (uint32_t i = first + 1; i < nin; i++)
        if (in(c, i)->dtype != dt) {
            snprintf(b3, sizeof b3, "%s and %s", type_of(c, first, b1, sizeof b1), type_of(c, i, b2, sizeof b2));
            return fail(c, "operand dtypes differ: ", b3);
        }
    if (op == IC_OP_WHERE && in(c, 0)->dtype != IC_DT_BOOL)
        return fail(c, "condition must be bool, got ", type_of(c, 0, b1, sizeof b1));
    ic_dtype res = dt;
    switch (op) {
    case IC_OP_NOT: case IC_OP_AND: case IC_OP_OR:
        if (dt != IC_DT_BOOL) return fail(c, "needs bool operands, got ", type_of(c, first, b1, sizeof b1));
        break;
    case IC_OP_EQUAL:
        if (dt == IC_DT_F16 || dt == IC_DT_BF16) return fail(c, "f16/bf16 operands are not supported: ", type_of(c, 0, b1, sizeof b1));
        res = IC_DT_BOOL;
        break;
    case IC_OP_LESS: case IC_OP_LESS_EQUAL: case IC_OP_GREATER: case IC_OP_GREATER_EQUAL:
        if (!arith_dtype(dt)) return fail(c, "needs f32, i32 or i64 operands, got ", type_of(c, 0, b1, sizeof b1));
        res = IC_DT_BOOL;
        break;
    case IC_OP_WHERE:
        if (dt == IC_DT_F16 || dt == IC_DT_BF16) return fail(c, "f16/bf16 operands are not supported: ", type_of(c, 1, b1, sizeof b1));
        break;
    default:
        if (float_only(op) ? dt != IC_DT_F32 : !arith_dtype(dt))
            return fail(c, float_only(op) ? "needs f32 operands, got " : "needs f32, i32 or i64 operands, got ",
                        type_of(c, first, b1, sizeof b1));
        break;
    }
    ic_shape s = in(c, 0)->shape;
    for (uint32_t i = 1; i < nin; i++) {
        ic_shape t;
        if (!ic_broadcast_shapes(&s, &in(c, i)->shape, &t)) {
            snprintf(b3, sizeof b3, "%s and %s", type_of(c, 0, b1, sizeof b1), type_of(c, i, b2, sizeof b2));
            return fail(c, "shapes do not broadcast: ", b3);
        }
        s = t;
    }
    return set_out(c, 0, res, &s);
}

static ic_status infer_reduce(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    char b1[128];
    if (!arith_dtype(x->dtype)) return fail(c, "needs f32, i32 or i64 input, got ", type_of(c, 0, b1, sizeof b1));
    uint32_t mask;
    bool keep = true;
    if (c->n->op == IC_OP_GLOBAL_AVG_POOL || c->n->op == IC_OP_GLOBAL_MAX_POOL) {
        if (x->shape.rank < 3) return fail(c, "input needs rank >= 3 (N, C, spatial...), got ", type_of(c, 0, b1, sizeof b1));
        if (x->dtype != IC_DT_F32) return fail(c, "needs f32 input, got ", type_of(c, 0, b1, sizeof b1));
        mask = ((1u << x->shape.rank) - 1u) & ~3u;
    } else {
        if (!ic_reduce_axes_mask(c->n, x->shape.rank, &mask, c->d)) return c->d ? c->d->status : IC_ERR_INVALID;
        keep = ic_reduce_keepdims(c->n);
    }
    ic_shape s = {.rank = 0};
    for (int i = 0; i < x->shape.rank; i++) {
        if (mask & (1u << i)) {
            if (keep) s.dims[s.rank++] = 1;
        } else {
            s.dims[s.rank++] = x->shape.dims[i];
        }
    }
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_row(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    char b1[128], b2[200];
    if (x->dtype != IC_DT_F32) return fail(c, "needs f32 input, got ", type_of(c, 0, b1, sizeof b1));
    int32_t axis;
    IC_TRY(ic_axis_of(c->n, x->shape.rank, &axis, c->d));
    if (c->n->op == IC_OP_LAYERNORM) {
        ic_shape row = {.rank = x->shape.rank - axis};
        for (int i = axis; i < x->shape.rank; i++) row.dims[i - axis] = x->shape.dims[i];
        for (uint32_t i = 1; i < c->n->n_inputs; i++) {
            ic_shape b;
            if (in(c, i)->dtype != IC_DT_F32 || !ic_broadcast_shapes(&row, &in(c, i)->shape, &b) ||
                !ic_shape_equal(&b, &row)) {
                snprintf(b2, sizeof b2, "%s does not broadcast to the input's normalised dims",
                         type_of(c, i, b1, sizeof b1));
                return fail(c, i == 1 ? "scale " : "bias ", b2);
            }
        }
    }
    return set_out(c, 0, IC_DT_F32, &x->shape);
}

static ic_status infer_reshape(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    uint32_t k;
    const int64_t *sh = ic_attr_ints(c->n, "shape", &k);
    if (!sh && k == 0 && !ic_node_attr(c->n, "shape")) return fail(c, "attribute 'shape' is required", NULL);
    if (k > IC_MAX_RANK) return fail(c, "too many dims in 'shape'", NULL);
    ic_shape s = {.rank = (int32_t)k};
    int infer_at = -1;
    size_t known = 1;
    for (uint32_t i = 0; i < k; i++) {
        int64_t v = sh[i];
        if (v == 0) {
            if ((int)i >= x->shape.rank) return fail(c, "0 in 'shape' past the input's rank", NULL);
            v = x->shape.dims[i];
        }
        if (v == -1) {
            if (infer_at >= 0) return fail(c, "more than one -1 in 'shape'", NULL);
            infer_at = (int)i;
            continue;
        }
        if (v < 0) return fail(c, "negative size in 'shape'", NULL);
        s.dims[i] = v;
        known *= (size_t)v;
    }
    size_t total = ic_value_numel(x);
    char b1[128];
    if (infer_at >= 0) {
        if (known == 0 || total % known) return fail(c, "cannot infer -1 in 'shape' for input ", type_of(c, 0, b1, sizeof b1));
        s.dims[infer_at] = (int64_t)(total / known);
    } else if (known != total) {
        return fail(c, "'shape' has a different element count than input ", type_of(c, 0, b1, sizeof b1));
    }
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_squeeze(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    uint32_t k, mask = 0;
    const int64_t *axes = ic_attr_ints(c->n, "axes", &k);
    char b1[128];
    for (uint32_t i = 0; i < k; i++) {
        int32_t a;
        if (!ic_axis_normalize(axes[i], x->shape.rank, &a)) return fail(c, "axis out of range for ", type_of(c, 0, b1, sizeof b1));
        if (x->shape.dims[a] != 1) return fail(c, "squeezed dim is not 1 in ", type_of(c, 0, b1, sizeof b1));
        mask |= 1u << a;
    }
    ic_shape s = {.rank = 0};
    for (int i = 0; i < x->shape.rank; i++) {
        bool drop = k ? (mask >> i) & 1 : x->shape.dims[i] == 1;
        if (!drop) s.dims[s.rank++] = x->shape.dims[i];
    }
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_unsqueeze(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    uint32_t k, mask = 0;
    const int64_t *axes = ic_attr_ints(c->n, "axes", &k);
    if (!k) return fail(c, "attribute 'axes' is required", NULL);
    int32_t r = x->shape.rank + (int32_t)k;
    if (r > IC_MAX_RANK) return fail(c, "result rank exceeds the maximum", NULL);
    for (uint32_t i = 0; i < k; i++) {
        int32_t a;
        if (!ic_axis_normalize(axes[i], r, &a)) return fail(c, "axis out of range", NULL);
        if (mask & (1u << a)) return fail(c, "axis repeated", NULL);
        mask |= 1u << a;
    }
    ic_shape s = {.rank = r};
    int j = 0;
    for (int i = 0; i < r; i++) s.dims[i] = (mask >> i) & 1 ? 1 : x->shape.dims[j++];
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_flatten(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    int64_t axis = ic_attr_int(c->n, "axis", 1);
    if (axis < 0) axis += x->shape.rank;
    if (axis < 0 || axis > x->shape.rank) return fail(c, "axis out of range", NULL);
    ic_shape s = {.rank = 2, .dims = {1, 1}};
    for (int i = 0; i < x->shape.rank; i++) s.dims[i < axis ? 0 : 1] *= x->shape.dims[i];
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_transpose(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    int32_t perm[IC_MAX_RANK];
    IC_TRY(ic_transpose_perm(c->n, x->shape.rank, perm, c->d));
    ic_shape s = {.rank = x->shape.rank};
    for (int i = 0; i < s.rank; i++) s.dims[i] = x->shape.dims[perm[i]];
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_expand(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    uint32_t k;
    const int64_t *sh = ic_attr_ints(c->n, "shape", &k);
    if (k > IC_MAX_RANK) return fail(c, "too many dims in 'shape'", NULL);
    ic_shape t = {.rank = (int32_t)k}, s;
    for (uint32_t i = 0; i < k; i++) {
        if (sh[i] < 0) return fail(c, "negative size in 'shape'", NULL);
        t.dims[i] = sh[i];
    }
    char b1[128];
    if (!ic_broadcast_shapes(&x->shape, &t, &s)) return fail(c, "'shape' does not broadcast with input ", type_of(c, 0, b1, sizeof b1));
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_slice(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    ic_slice_params p;
    IC_TRY(ic_slice_params_get(c->n, &x->shape, &p, c->d));
    ic_shape s = x->shape;
    for (int i = 0; i < s.rank; i++) s.dims[i] = p.count[i];
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_concat(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    int32_t axis;
    IC_TRY(ic_axis_of(c->n, x->shape.rank, &axis, c->d));
    ic_shape s = x->shape;
    char b1[128], b2[128], b3[300];
    for (uint32_t i = 1; i < c->n->n_inputs; i++) {
        const ic_value *y = in(c, i);
        bool ok = y->dtype == x->dtype && y->shape.rank == x->shape.rank;
        for (int j = 0; ok && j < x->shape.rank; j++)
            if (j != axis && y->shape.dims[j] != x->shape.dims[j]) ok = false;
        if (!ok) {
            snprintf(b3, sizeof b3, "%s and %s", type_of(c, 0, b1, sizeof b1), type_of(c, i, b2, sizeof b2));
            return fail(c, "inputs do not match outside the concat axis: ", b3);
        }
        s.dims[axis] += y->shape.dims[axis];
    }
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_split(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    int32_t axis;
    IC_TRY(ic_axis_of(c->n, x->shape.rank, &axis, c->d));
    uint32_t nout = c->n->n_outputs, k;
    const int64_t *sizes = ic_attr_ints(c->n, "sizes", &k);
    int64_t dim = x->shape.dims[axis], total = 0;
    if (nout < 1) return fail(c, "needs at least one result", NULL);
    if (sizes && k != nout) return fail(c, "'sizes' must have one entry per result", NULL);
    int64_t part = (dim + (int64_t)nout - 1) / (int64_t)nout;
    for (uint32_t i = 0; i < nout; i++) {
        int64_t len = sizes ? sizes[i] : (total + part <= dim ? part : dim - total);
        if (len < 0) return fail(c, "negative size in 'sizes'", NULL);
        if (len > dim - total) return fail(c, "'sizes' do not add up to the split dim", NULL); /* no overflow */
        ic_shape s = x->shape;
        s.dims[axis] = len;
        set_out(c, i, x->dtype, &s);
        total += len;
    }
    if (total != dim) return fail(c, "'sizes' do not add up to the split dim", NULL);
    return IC_OK;
}

static ic_status infer_gather(const infer_ctx *c) {
    const ic_value *x = in(c, 0), *idx = in(c, 1);
    char b1[128];
    if (idx->dtype != IC_DT_I32 && idx->dtype != IC_DT_I64) return fail(c, "indices must be i32 or i64, got ", type_of(c, 1, b1, sizeof b1));
    int32_t axis;
    IC_TRY(ic_axis_of(c->n, x->shape.rank, &axis, c->d));
    if (x->shape.rank - 1 + idx->shape.rank > IC_MAX_RANK) return fail(c, "result rank exceeds the maximum", NULL);
    ic_shape s = {.rank = 0};
    for (int i = 0; i < axis; i++) s.dims[s.rank++] = x->shape.dims[i];
    for (int i = 0; i < idx->shape.rank; i++) s.dims[s.rank++] = idx->shape.dims[i];
    for (int i = axis + 1; i < x->shape.rank; i++) s.dims[s.rank++] = x->shape.dims[i];
    return set_out(c, 0, x->dtype, &s);
}

static ic_status infer_matmul(const infer_ctx *c) {
    const ic_value *a = in(c, 0), *b = in(c, 1);
    char b1[128], b2[128], b3[300];
    snprintf(b3, sizeof b3, "%s and %s", type_of(c, 0, b1, sizeof b1), type_of(c, 1, b2, sizeof b2));
    if (a->dtype != IC_DT_F32 || b->dtype != IC_DT_F32) return fail(c, "needs f32 operands: ", b3);
    if (a->shape.rank < 1 || b->shape.rank < 1) return fail(c, "operands must have rank >= 1: ", b3);
    ic_shape sa = a->shape, sb = b->shape;
    if (sa.rank == 1) { sa.rank = 2; sa.dims[1] = sa.dims[0]; sa.dims[0] = 1; }
    if (sb.rank == 1) { sb.rank = 2; sb.dims[1] = 1; }
    int64_t m = sa.dims[sa.rank - 2], k = sa.dims[sa.rank - 1], k2 = sb.dims[sb.rank - 2], n = sb.dims[sb.rank - 1];
    if (k != k2) return fail(c, "inner dimensions differ: ", b3);
    ic_shape ba = {.rank = sa.rank - 2}, bb = {.rank = sb.rank - 2}, bo;
    memcpy(ba.dims, sa.dims, sizeof(int64_t) * (size_t)ba.rank);
    memcpy(bb.dims, sb.dims, sizeof(int64_t) * (size_t)bb.rank);
    if (!ic_broadcast_shapes(&ba, &bb, &bo)) return fail(c, "batch dimensions do not broadcast: ", b3);
    ic_shape s = bo;
    if (a->shape.rank > 1) s.dims[s.rank++] = m;
    if (b->shape.rank > 1) s.dims[s.rank++] = n;
    return set_out(c, 0, IC_DT_F32, &s);
}

static ic_status infer_gemm(const infer_ctx *c) {
    const ic_value *a = in(c, 0), *b = in(c, 1);
    char b1[128], b2[128], b3[300];
    snprintf(b3, sizeof b3, "%s and %s", type_of(c, 0, b1, sizeof b1), type_of(c, 1, b2, sizeof b2));
    if (a->dtype != IC_DT_F32 || b->dtype != IC_DT_F32) return fail(c, "needs f32 operands: ", b3);
    if (a->shape.rank != 2 || b->shape.rank != 2) return fail(c, "needs 2-D operands: ", b3);
    ic_gemm_params p = ic_gemm_params_get(c->n);
    int64_t m = a->shape.dims[p.trans_a ? 1 : 0], k = a->shape.dims[p.trans_a ? 0 : 1];
    int64_t k2 = b->shape.dims[p.trans_b ? 1 : 0], n = b->shape.dims[p.trans_b ? 0 : 1];
    if (k != k2) return fail(c, "inner dimensions differ: ", b3);
    ic_shape s = {.rank = 2, .dims = {m, n}};
    if (c->n->n_inputs == 3) {
        ic_shape t;
        const ic_value *cc = in(c, 2);
        if (cc->dtype != IC_DT_F32 || !ic_broadcast_shapes(&s, &cc->shape, &t) || !ic_shape_equal(&s, &t))
            return fail(c, "C does not broadcast to the result: ", type_of(c, 2, b1, sizeof b1));
    }
    return set_out(c, 0, IC_DT_F32, &s);
}

/* Output size along one spatial dim of a conv or pooling window. */
static int64_t window_out(int64_t in_size, int64_t k, int64_t stride, int64_t pad_lo, int64_t pad_hi, int64_t dil,
                          bool ceil_mode) {
    /* sizes, pads and strides come from files: -1 (refused) where the arithmetic would overflow */
    int64_t eff, padded, span, o;
    if (__builtin_mul_overflow(dil, k - 1, &eff) || __builtin_add_overflow(eff, 1, &eff) ||
        __builtin_add_overflow(in_size, pad_lo, &padded) || __builtin_add_overflow(padded, pad_hi, &padded) ||
        __builtin_sub_overflow(padded, eff, &span) || span < 0 || stride <= 0)
        return -1;
    if (ceil_mode && __builtin_add_overflow(span, stride - 1, &o)) return -1;
    o = (ceil_mode ? o / stride : span / stride) + 1;
    /* a last window that would start in the end padding is dropped */
    if (ceil_mode && (o - 1) * stride >= in_size + pad_lo) o--;
    return o;
}

/* conv2d and conv_transpose. Weights are [M, C/group, kH, kW] for conv2d and
 * [C, M/group, kH, kW] for conv_transpose (ONNX); layout=nhwc puts the
 * channels of x and the result last. */
static ic_status infer_conv(const infer_ctx *c) {
    const ic_value *x = in(c, 0), *w = in(c, 1);
    char b1[128], b2[128], b3[300];
    snprintf(b3, sizeof b3, "input %s, weight %s", type_of(c, 0, b1, sizeof b1), type_of(c, 1, b2, sizeof b2));
    if (x->dtype != IC_DT_F32 || w->dtype != IC_DT_F32) return fail(c, "needs f32 operands: ", b3);
    if (x->shape.rank != 4 || w->shape.rank != 4) return fail(c, "needs 4-D input and weight: ", b3);
    ic_conv_params p;
    IC_TRY(ic_conv_params_get(c->n, &p, c->d));
    bool transposed = c->n->op == IC_OP_CONV_TRANSPOSE;
    int cdim = p.channels_last ? 3 : 1, sdim = p.channels_last ? 1 : 2; /* channel dim, first spatial dim */
    int64_t cin = x->shape.dims[cdim];
    int64_t cout = transposed ? w->shape.dims[1] * p.group : w->shape.dims[0];
    bool ok = transposed ? w->shape.dims[0] == cin && cin % p.group == 0
                         : cin % p.group == 0 && cout % p.group == 0 && w->shape.dims[1] * p.group == cin;
    if (!ok) return fail(c, "channels do not match the weight and group: ", b3);
    if (c->n->n_inputs == 3) {
        const ic_value *bias = in(c, 2);
        if (bias->dtype != IC_DT_F32 || bias->shape.rank != 1 || bias->shape.dims[0] != cout)
            return fail(c, "bias must be f32[out channels], got ", type_of(c, 2, b1, sizeof b1));
    }
    ic_shape s = {.rank = 4};
    s.dims[0] = x->shape.dims[0];
    s.dims[cdim] = cout;
    for (int i = 0; i < 2; i++) {
        int64_t in_size = x->shape.dims[sdim + i], k = w->shape.dims[2 + i];
        if (transposed) {
            int64_t o = p.strides[i] * (in_size - 1) + p.output_padding[i] + p.dilations[i] * (k - 1) + 1 - p.pads[i] -
                        p.pads[i + 2];
            if (in_size == 0) o = 0;
            if (o < 0) return fail(c, "pads remove more than the whole output: ", b3);
            s.dims[sdim + i] = o;
        } else {
            s.dims[sdim + i] = window_out(in_size, k, p.strides[i], p.pads[i], p.pads[i + 2], p.dilations[i], false);
            if (s.dims[sdim + i] < 0) return fail(c, "kernel larger than the padded input: ", b3);
        }
    }
    return set_out(c, 0, IC_DT_F32, &s);
}

static ic_status infer_pool(const infer_ctx *c) {
    const ic_value *x = in(c, 0);
    char b1[128];
    if (x->dtype != IC_DT_F32 || x->shape.rank != 4) return fail(c, "needs an f32 4-D input, got ", type_of(c, 0, b1, sizeof b1));
    ic_pool_params p;
    IC_TRY(ic_pool_params_get(c->n, &p, c->d));
    ic_shape s = x->shape;
    int sdim = p.channels_last ? 1 : 2; /* first spatial dim */
    for (int i = 0; i < 2; i++) {
        s.dims[sdim + i] = window_out(x->shape.dims[sdim + i], p.kernel[i], p.strides[i], p.pads[i], p.pads[i + 2],
                                      p.dilations[i], p.ceil_mode);
        if (s.dims[sdim + i] < 0) return fail(c, "window larger than the padded input ", type_of(c, 0, b1, sizeof b1));
    }
    return set_out(c, 0, IC_DT_F32, &s);
}

static ic_status infer_constant(const infer_ctx *c) {
    const ic_value *v = out(c, 0);
    if (v->dtype == IC_DT_INVALID || !v->data)
        return fail(c, "constant has no type or data", NULL);
    return IC_OK;
}

ic_status ic_infer_node(ic_graph *g, uint32_t node, ic_diag *d) {
    const ic_node *n = &g->nodes[node];
    const ic_op_info *info = ic_op_get(n->op);
    infer_ctx c = {g, n, info->name, d};
    if ((int)n->n_inputs < info->min_inputs || (info->max_inputs >= 0 && (int)n->n_inputs > info->max_inputs))
        return ic_diag_set(d, IC_ERR_INVALID, "%s: takes %d to %d inputs, got %u", info->name, info->min_inputs,
                           info->max_inputs, n->n_inputs);
    if (n->n_outputs == 0 || (info->n_outputs >= 0 && (int)n->n_outputs != info->n_outputs))
        return ic_diag_set(d, IC_ERR_INVALID, "%s: wrong number of results (%u)", info->name, n->n_outputs);
    for (uint32_t i = 0; i < n->n_inputs; i++)
        if (n->inputs[i] >= g->n_values || g->values[n->inputs[i]].dtype == IC_DT_INVALID)
            return ic_diag_set(d, IC_ERR_INVALID, "%s: input %u is undefined", info->name, i);
    ic_status s;
    switch (n->op) {
    case IC_OP_CONSTANT: s = infer_constant(&c); break;
    case IC_OP_RESHAPE: s = infer_reshape(&c); break;
    case IC_OP_SQUEEZE: s = infer_squeeze(&c); break;
    case IC_OP_UNSQUEEZE: s = infer_unsqueeze(&c); break;
    case IC_OP_FLATTEN: s = infer_flatten(&c); break;
    case IC_OP_TRANSPOSE: s = infer_transpose(&c); break;
    case IC_OP_EXPAND: s = infer_expand(&c); break;
    case IC_OP_SLICE: s = infer_slice(&c); break;
    case IC_OP_CONCAT: s = infer_concat(&c); break;
    case IC_OP_SPLIT: s = infer_split(&c); break;
    case IC_OP_GATHER: s = infer_gather(&c); break;
    case IC_OP_MATMUL: s = infer_matmul(&c); break;
    case IC_OP_GEMM: s = infer_gemm(&c); break;
    case IC_OP_CONV2D:
    case IC_OP_CONV_TRANSPOSE: s = infer_conv(&c); break;
    case IC_OP_MAX_POOL2D:
    case IC_OP_AVG_POOL2D: s = infer_pool(&c); break;
    case IC_OP_ELU: case IC_OP_SELU: case IC_OP_CELU: case IC_OP_SOFTPLUS: case IC_OP_SOFTSIGN: case IC_OP_ROUND:
    case IC_OP_SIGN: case IC_OP_ISNAN: case IC_OP_ISINF: case IC_OP_MOD: case IC_OP_REDUCE_PROD: case IC_OP_REDUCE_L2:
    case IC_OP_REDUCE_SUM_SQUARE: case IC_OP_REDUCE_LOG_SUM_EXP: case IC_OP_ARGMAX: case IC_OP_ARGMIN:
    case IC_OP_CUMSUM: case IC_OP_TOPK: case IC_OP_INSTANCE_NORM: case IC_OP_GATHER_ELEMENTS: case IC_OP_GATHER_ND:
    case IC_OP_SCATTER_ELEMENTS: case IC_OP_SCATTER_ND: case IC_OP_TILE: case IC_OP_PAD: case IC_OP_TRILU:
    case IC_OP_RESIZE: case IC_OP_DEPTH_TO_SPACE: case IC_OP_SPACE_TO_DEPTH: case IC_OP_EDGE_AGGREGATE:
    case IC_OP_CSR_BUILD: case IC_OP_SPMM: case IC_OP_SEGMENT_REDUCE:
    case IC_OP_SIN: case IC_OP_COS: case IC_OP_TAN: case IC_OP_ASIN: case IC_OP_ACOS: case IC_OP_ATAN:
    case IC_OP_SINH: case IC_OP_COSH: case IC_OP_ASINH: case IC_OP_ACOSH: case IC_OP_ATANH:
        s = ic_infer_ext(g, node, d); /* shape_ext.c */
        break;
    default:
        switch (info->kind) {
        case IC_KIND_POINTWISE: s = infer_pointwise(&c); break;
        case IC_KIND_REDUCTION: s = infer_reduce(&c); break;
        case IC_KIND_ROW: s = infer_row(&c); break;
        default: s = ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: no shape rule", info->name); break;
        }
    }
    if (s != IC_OK) return s;
    for (uint32_t i = 0; i < n->n_outputs; i++)
        if (!shape_sane(&g->values[n->outputs[i]].shape)) return fail(&c, "result is too large", NULL);
    return IC_OK;
}

ic_status ic_infer_graph(ic_graph *g, ic_diag *d) {
    for (uint32_t i = 0; i < g->n_nodes; i++) IC_TRY(ic_infer_node(g, i, d));
    return IC_OK;
}
