/* layout.c — keeps activations channels-last (NHWC) across conv chains.
 *
 * Measured on the target machine (bench/onednn/conv_bench.c over every conv
 * of resnet50, mobilenet_v2/v3, efficientnet_b0, densenet121, squeezenet1_1),
 * oneDNN's NHWC convolutions run as fast as its blocked (nChw16c) ones and
 * 1.3-5x faster than NCHW, and NHWC is an ordinary dense layout that every
 * generated loop can read. So the IR itself says where data is NHWC:
 *
 *  1. Anchors: every NCHW conv2d / conv_transpose becomes
 *         transpose(conv{layout=nhwc}(transpose(x, [0,2,3,1]), w, b), [0,3,1,2])
 *     (weights stay OIHW; the runtime reorders them anyway).
 *  2. Sinking: a transpose back to NCHW ("T") moves below the ops that do
 *     not care about layout, rewriting them for NHWC: pointwise ops (other
 *     operands are permuted constants or free views of small tensors),
 *     batchnorm (as a per-channel mul and add), concat and pad (axes
 *     remapped), reductions with keepdims, global pools (a reduce_mean /
 *     reduce_max over H and W), max/avg pooling (layout=nhwc), and another
 *     transpose (the perms compose; the pair around two convs cancels).
 *  3. Cleanup: transposes that only move size-1 dims become reshapes.
 * What remains are real reorders: at graph inputs and outputs, and before
 * ops that need NCHW (say a reshape that splits channels). Runs to a fixed
 * point, with DCE and a topological re-sort after every round. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/pipeline.h"
#include "lower/rewrite.h"

#define MAX_ROUNDS 64
#define MAX_ATTRS 16

static const int64_t TO_NHWC[4] = {0, 2, 3, 1};
static const int64_t TO_NCHW[4] = {0, 3, 1, 2};
/* NCHW dim d sits at NHWC position NHWC_POS[d] */
static const int64_t NHWC_POS[4] = {0, 3, 1, 2};

/* The NHWC value a is when v = transpose(a, [0,3,1,2]) of a rank-4 a, else IC_NONE. */
static uint32_t t_source(const ic_graph *g, uint32_t v) {
    const ic_value *val = &g->values[v];
    if (val->kind != IC_VALUE_NODE || val->producer == IC_NONE) return IC_NONE;
    const ic_node *n = &g->nodes[val->producer];
    if (n->op != IC_OP_TRANSPOSE || val->shape.rank != 4) return IC_NONE;
    uint32_t k;
    const int64_t *perm = ic_attr_ints(n, "perm", &k);
    if (!perm || k != 4) return IC_NONE;
    for (int i = 0; i < 4; i++)
        if (perm[i] != TO_NCHW[i]) return IC_NONE;
    return n->inputs[0];
}

/* Copies n's attributes, minus any named in over, plus over. */
static uint32_t merge_attrs(const ic_node *n, const ic_attr *over, uint32_t n_over, ic_attr *out) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->n_attrs && k < MAX_ATTRS; i++) {
        bool replaced = false;
        for (uint32_t j = 0; j < n_over; j++) replaced |= strcmp(n->attrs[i].name, over[j].name) == 0;
        if (!replaced) out[k++] = n->attrs[i];
    }
    for (uint32_t j = 0; j < n_over && k < MAX_ATTRS; j++) out[k++] = over[j];
    return k;
}

static uint32_t mk_transpose(ic_graph *g, uint32_t v, const int64_t perm[4], ic_diag *d) {
    ic_attr a = ic_attr_make_ints("perm", perm, 4);
    return ic_graph_build(g, IC_OP_TRANSPOSE, &v, 1, &a, 1, d);
}

/* Makes node `node`'s result old_y be computed as T(new_y) from now on. */
static ic_status redirect(ic_graph *g, uint32_t old_y, uint32_t new_y, ic_diag *d) {
    if (new_y == IC_NONE) return d->status ? d->status : IC_ERR_INVALID;
    uint32_t t = mk_transpose(g, new_y, TO_NCHW, d);
    if (t == IC_NONE) return d->status ? d->status : IC_ERR_INVALID;
    g->values[new_y].name = g->values[old_y].name;
    if (ic_rw_is_output(g, old_y)) g->values[t].name = g->values[old_y].name;
    g->values[old_y].name = NULL;
    ic_rw_replace_uses(g, old_y, t, 0);
    return IC_OK;
}

/* Builds op(ins) with n's attributes overridden by over; returns the result. */
static uint32_t rebuild(ic_graph *g, uint32_t node, ic_op op, const uint32_t *ins, uint32_t n_ins, const ic_attr *over,
                        uint32_t n_over, ic_diag *d) {
    ic_attr attrs[MAX_ATTRS];
    uint32_t na = merge_attrs(&g->nodes[node], over, n_over, attrs);
    return ic_graph_build(g, op, ins, n_ins, attrs, na, d);
}

/* --- anchors ------------------------------------------------------------------- */

static ic_status anchor_conv(ic_graph *g, uint32_t i, ic_diag *d) {
    ic_conv_params p;
    IC_TRY(ic_conv_params_get(&g->nodes[i], &p, d));
    const ic_node *n = &g->nodes[i];
    if (p.channels_last || g->values[n->inputs[0]].shape.rank != 4) return IC_OK;
    uint32_t old_y = n->outputs[0];
    uint32_t ins[3] = {n->inputs[0], n->inputs[1], n->n_inputs > 2 ? n->inputs[2] : IC_NONE};
    uint32_t n_ins = n->n_inputs;
    ins[0] = mk_transpose(g, ins[0], TO_NHWC, d);
    if (ins[0] == IC_NONE) return d->status ? d->status : IC_ERR_INVALID;
    ic_attr lay = ic_attr_make_string("layout", "nhwc");
    return redirect(g, old_y, rebuild(g, i, g->nodes[i].op, ins, n_ins, &lay, 1, d), d);
}

/* --- sinking ------------------------------------------------------------------- */

/* A constant of rank <= 4, aligned right to rank 4 and permuted to NHWC. */
static uint32_t permute_const(ic_graph *g, uint32_t v, ic_diag *d) {
    const ic_value *val = &g->values[v];
    int64_t u[4] = {1, 1, 1, 1};
    for (int i = 0; i < val->shape.rank; i++) u[4 - val->shape.rank + i] = val->shape.dims[i];
    ic_shape s = {.rank = 4, .dims = {u[0], u[2], u[3], u[1]}};
    size_t es = ic_dtype_size(val->dtype), nb = ic_value_nbytes(val);
    unsigned char *buf = malloc(nb ? nb : 1);
    if (!buf) {
        ic_diag_set(d, IC_ERR_NOMEM, "out of memory permuting a constant");
        return IC_NONE;
    }
    const unsigned char *src = val->data;
    size_t at = 0;
    for (int64_t a = 0; a < u[0]; a++)
        for (int64_t h = 0; h < u[2]; h++)
            for (int64_t w = 0; w < u[3]; w++)
                for (int64_t c = 0; c < u[1]; c++) {
                    size_t from = (size_t)(((a * u[1] + c) * u[2] + h) * u[3] + w);
                    memcpy(buf + at, src + from * es, es);
                    at += es;
                }
    uint32_t r = ic_graph_add_constant(g, NULL, val->dtype, &s, buf);
    free(buf);
    if (r == IC_NONE) ic_diag_set(d, IC_ERR_NOMEM, "out of memory permuting a constant");
    return r;
}

/* Elements of v's shape that are not 1. */
static int non_unit_dims(const ic_value *v) {
    int k = 0;
    for (int i = 0; i < v->shape.rank; i++) k += v->shape.dims[i] != 1;
    return k;
}

/* An operand of a rank-4 pointwise op in NHWC: the T source, a permuted
 * constant, or a view of a small value with at most one non-1 dim.
 * IC_NONE (without an error) when it would need a real copy. */
static uint32_t nhwc_operand(ic_graph *g, uint32_t v, ic_diag *d) {
    uint32_t a = t_source(g, v);
    if (a != IC_NONE) return a;
    const ic_value *val = &g->values[v];
    if (val->shape.rank > 4) return IC_NONE;
    if (ic_rw_is_const(g, v)) return permute_const(g, v, d);
    if (non_unit_dims(val) > 1) return IC_NONE;
    int64_t u[4] = {1, 1, 1, 1};
    for (int i = 0; i < val->shape.rank; i++) u[4 - val->shape.rank + i] = val->shape.dims[i];
    ic_attr a4 = ic_attr_make_ints("shape", u, 4);
    uint32_t r = ic_graph_build(g, IC_OP_RESHAPE, &v, 1, &a4, 1, d);
    if (r == IC_NONE) return IC_NONE;
    int64_t s[4] = {u[0], u[2], u[3], u[1]};
    ic_attr a5 = ic_attr_make_ints("shape", s, 4);
    return ic_graph_build(g, IC_OP_RESHAPE, &r, 1, &a5, 1, d); /* only size-1 dims move: a view */
}

static bool any_t_input(const ic_graph *g, const ic_node *n) {
    for (uint32_t k = 0; k < n->n_inputs; k++)
        if (t_source(g, n->inputs[k]) != IC_NONE) return true;
    return false;
}

static ic_status sink_pointwise(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    if (g->values[n->outputs[0]].shape.rank != 4 || n->n_inputs > 3) return IC_OK;
    uint32_t ins[3];
    uint32_t n_ins = n->n_inputs;
    for (uint32_t k = 0; k < n_ins; k++) {
        ins[k] = nhwc_operand(g, g->nodes[i].inputs[k], d);
        if (ins[k] == IC_NONE) return d->status; /* stays NCHW; later DCE drops what we built */
    }
    *changed = true;
    return redirect(g, g->nodes[i].outputs[0], rebuild(g, i, g->nodes[i].op, ins, n_ins, NULL, 0, d), d);
}

/* batchnorm over NCHW channel dim 1 = mul and add by per-channel constants in NHWC. */
static ic_status sink_batchnorm(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    uint32_t a = t_source(g, n->inputs[0]);
    int64_t c = g->values[a].shape.dims[3];
    for (uint32_t k = 1; k < 5; k++)
        if (!ic_rw_is_const(g, n->inputs[k]) || g->values[n->inputs[k]].dtype != IC_DT_F32 ||
            (int64_t)ic_value_numel(&g->values[n->inputs[k]]) != c)
            return IC_OK;
    const float *scale = g->values[n->inputs[1]].data, *shift = g->values[n->inputs[2]].data;
    const float *mean = g->values[n->inputs[3]].data, *var = g->values[n->inputs[4]].data;
    float *k = malloc((size_t)(2 * c) * sizeof *k);
    if (!k) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory rewriting a batchnorm");
    double eps = ic_epsilon_of(n);
    for (int64_t j = 0; j < c; j++) {
        double kk = (double)scale[j] / sqrt((double)var[j] + eps);
        k[j] = (float)kk;
        k[c + j] = (float)((double)shift[j] - (double)mean[j] * kk);
    }
    ic_shape s = {.rank = 4, .dims = {1, 1, 1, c}};
    uint32_t kc = ic_graph_add_constant(g, NULL, IC_DT_F32, &s, k);
    uint32_t bc = kc == IC_NONE ? IC_NONE : ic_graph_add_constant(g, NULL, IC_DT_F32, &s, k + c);
    free(k);
    if (bc == IC_NONE) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory rewriting a batchnorm");
    uint32_t ins[2] = {a, kc};
    uint32_t m = ic_graph_build(g, IC_OP_MUL, ins, 2, NULL, 0, d);
    if (m == IC_NONE) return d->status;
    ins[0] = m, ins[1] = bc;
    *changed = true;
    return redirect(g, g->nodes[i].outputs[0], ic_graph_build(g, IC_OP_ADD, ins, 2, NULL, 0, d), d);
}

static ic_status sink_concat(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    int32_t axis;
    if (g->values[n->outputs[0]].shape.rank != 4) return IC_OK;
    IC_TRY(ic_axis_of(n, 4, &axis, d));
    uint32_t n_ins = n->n_inputs;
    uint32_t *ins = malloc(n_ins * sizeof *ins);
    if (!ins) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory rewriting a concat");
    for (uint32_t k = 0; k < n_ins; k++)
        if ((ins[k] = t_source(g, g->nodes[i].inputs[k])) == IC_NONE) {
            free(ins);
            return IC_OK;
        }
    ic_attr ax = ic_attr_make_int("axis", NHWC_POS[axis]);
    *changed = true;
    ic_status s = redirect(g, g->nodes[i].outputs[0], rebuild(g, i, IC_OP_CONCAT, ins, n_ins, &ax, 1, d), d);
    free(ins);
    return s;
}

/* reduce_* with keepdims, and the global pools (over H and W). */
static ic_status sink_reduce(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    uint32_t a = t_source(g, n->inputs[0]);
    ic_op op = n->op;
    int64_t axes[4];
    uint32_t n_axes = 0;
    if (op == IC_OP_GLOBAL_AVG_POOL || op == IC_OP_GLOBAL_MAX_POOL) {
        axes[n_axes++] = 1, axes[n_axes++] = 2;
        op = op == IC_OP_GLOBAL_AVG_POOL ? IC_OP_REDUCE_MEAN : IC_OP_REDUCE_MAX;
    } else {
        if (!ic_reduce_keepdims(n)) return IC_OK;
        uint32_t mask;
        if (!ic_reduce_axes_mask(n, 4, &mask, d)) return d->status;
        uint32_t nhwc_mask = 0;
        for (int k = 0; k < 4; k++)
            if (mask & (1u << k)) nhwc_mask |= 1u << NHWC_POS[k];
        for (int k = 0; k < 4; k++)
            if (nhwc_mask & (1u << k)) axes[n_axes++] = k;
    }
    ic_attr at[2] = {ic_attr_make_ints("axes", axes, n_axes), ic_attr_make_int("keepdims", 1)};
    *changed = true;
    return redirect(g, g->nodes[i].outputs[0], ic_graph_build(g, op, &a, 1, at, 2, d), d);
}

static ic_status sink_pool(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    ic_pool_params p;
    IC_TRY(ic_pool_params_get(&g->nodes[i], &p, d));
    /* oneDNN counts the ceil-mode overhang as padding: PyTorch does not */
    if (g->nodes[i].op == IC_OP_AVG_POOL2D && p.count_include_pad && p.ceil_mode) return IC_OK;
    uint32_t a = t_source(g, g->nodes[i].inputs[0]);
    ic_attr lay = ic_attr_make_string("layout", "nhwc");
    *changed = true;
    return redirect(g, g->nodes[i].outputs[0], rebuild(g, i, g->nodes[i].op, &a, 1, &lay, 1, d), d);
}

static ic_status sink_pad(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    uint32_t k;
    const int64_t *pads = ic_attr_ints(n, "pads", &k);
    if (!pads || k != 8) return IC_OK;
    uint32_t a = t_source(g, n->inputs[0]);
    bool zero = true;
    for (int j = 0; j < 8; j++) zero &= pads[j] == 0;
    *changed = true;
    if (zero) { /* a no-op: the consumers read T directly */
        ic_rw_replace_uses(g, n->outputs[0], n->inputs[0], 0);
        return IC_OK;
    }
    int64_t np[8];
    for (int j = 0; j < 4; j++) {
        np[NHWC_POS[j]] = pads[j];
        np[4 + NHWC_POS[j]] = pads[4 + j];
    }
    ic_attr pa = ic_attr_make_ints("pads", np, 8);
    return redirect(g, g->nodes[i].outputs[0], rebuild(g, i, IC_OP_PAD, &a, 1, &pa, 1, d), d);
}

/* transpose(transpose(a, P), Q) = transpose(a, P∘Q), or a itself. */
static ic_status compose_transpose(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    int32_t q[IC_MAX_RANK];
    IC_TRY(ic_transpose_perm(n, 4, q, d));
    uint32_t a = t_source(g, n->inputs[0]);
    int64_t r[4];
    bool identity = true;
    for (int k = 0; k < 4; k++) {
        r[k] = TO_NCHW[q[k]];
        identity &= r[k] == k;
    }
    uint32_t y = n->outputs[0];
    *changed = true;
    if (identity && !ic_rw_is_output(g, y)) {
        ic_rw_replace_uses(g, y, a, 0);
        return IC_OK;
    }
    uint32_t t;
    if (identity) { /* a graph output keeps its own value (and ABI name): a view of a, copied out */
        ic_attr sh = ic_attr_make_ints("shape", g->values[y].shape.dims, 4);
        t = ic_graph_build(g, IC_OP_RESHAPE, &a, 1, &sh, 1, d);
    } else {
        t = mk_transpose(g, a, r, d);
    }
    if (t == IC_NONE) return d->status;
    g->values[t].name = g->values[y].name;
    g->values[y].name = NULL;
    ic_rw_replace_uses(g, y, t, 0);
    return IC_OK;
}

static ic_status sink_node(ic_graph *g, uint32_t i, bool *changed, ic_diag *d) {
    const ic_node *n = &g->nodes[i];
    if (n->op == IC_OP_CONSTANT || !any_t_input(g, n)) return IC_OK;
    bool first_t = t_source(g, n->inputs[0]) != IC_NONE;
    switch (n->op) {
    case IC_OP_BATCHNORM: return first_t ? sink_batchnorm(g, i, changed, d) : IC_OK;
    case IC_OP_CONCAT: return sink_concat(g, i, changed, d);
    case IC_OP_REDUCE_SUM: case IC_OP_REDUCE_MEAN: case IC_OP_REDUCE_MAX: case IC_OP_REDUCE_MIN:
    case IC_OP_GLOBAL_AVG_POOL: case IC_OP_GLOBAL_MAX_POOL:
        return sink_reduce(g, i, changed, d);
    case IC_OP_MAX_POOL2D: case IC_OP_AVG_POOL2D: return sink_pool(g, i, changed, d);
    case IC_OP_PAD: return sink_pad(g, i, changed, d);
    case IC_OP_TRANSPOSE: return compose_transpose(g, i, changed, d);
    default: break;
    }
    if (ic_op_get(n->op)->kind == IC_KIND_POINTWISE && n->n_outputs == 1) return sink_pointwise(g, i, changed, d);
    return IC_OK;
}

/* --- cleanup -------------------------------------------------------------------- */

/* A transpose that keeps the order of every dim longer than 1 moves no data. */
static ic_status transposes_to_reshapes(ic_graph *g, ic_diag *d) {
    uint32_t n_nodes = g->n_nodes;
    for (uint32_t i = 0; i < n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if (n->op != IC_OP_TRANSPOSE) continue;
        const ic_value *x = &g->values[n->inputs[0]];
        int32_t perm[IC_MAX_RANK];
        IC_TRY(ic_transpose_perm(n, x->shape.rank, perm, d));
        int last = -1;
        bool moves = false;
        for (int k = 0; k < x->shape.rank; k++) {
            if (x->shape.dims[perm[k]] == 1) continue;
            if (perm[k] < last) moves = true;
            last = perm[k];
        }
        if (moves) continue;
        uint32_t y = n->outputs[0], src = n->inputs[0];
        ic_attr a = ic_attr_make_ints("shape", g->values[y].shape.dims, (uint32_t)g->values[y].shape.rank);
        uint32_t r = ic_graph_build(g, IC_OP_RESHAPE, &src, 1, &a, 1, d);
        if (r == IC_NONE) return d->status;
        g->values[r].name = g->values[y].name;
        g->values[y].name = NULL;
        ic_rw_replace_uses(g, y, r, 0);
    }
    return IC_OK;
}

static bool has_nchw_conv(const ic_graph *g) {
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if ((n->op == IC_OP_CONV2D || n->op == IC_OP_CONV_TRANSPOSE) &&
            strcmp(ic_attr_str(n, "layout", "nchw"), "nhwc") != 0)
            return true;
    }
    return false;
}

ic_status ic_pass_layout(ic_graph *g, ic_diag *d) {
    if (!has_nchw_conv(g)) return IC_OK;
    uint32_t n_nodes = g->n_nodes;
    for (uint32_t i = 0; i < n_nodes; i++)
        if (g->nodes[i].op == IC_OP_CONV2D || g->nodes[i].op == IC_OP_CONV_TRANSPOSE) IC_TRY(anchor_conv(g, i, d));
    IC_TRY(ic_rw_toposort(g, d));
    IC_TRY(ic_pass_dce(g, d));
    bool changed = true;
    for (int round = 0; changed && round < MAX_ROUNDS; round++) {
        changed = false;
        n_nodes = g->n_nodes;
        for (uint32_t i = 0; i < n_nodes; i++) IC_TRY(sink_node(g, i, &changed, d));
        IC_TRY(ic_rw_toposort(g, d));
        IC_TRY(ic_pass_dce(g, d));
    }
    IC_TRY(transposes_to_reshapes(g, d));
    IC_TRY(ic_rw_toposort(g, d));
    return ic_pass_dce(g, d);
}
