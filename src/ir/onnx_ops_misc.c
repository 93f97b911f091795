/* onnx_ops_misc.c — ONNX ops that are compositions of several core ops and
 * fit no other family: the loss functions (NegativeLogLikelihoodLoss,
 * SoftmaxCrossEntropyLoss) and Hardmax.
 *
 * The losses pick each sample's class with gather_elements along the class
 * axis, weight it (gather from the class weights, zero where the target is
 * ignore_index) and reduce: none, sum, or mean = sum(loss) / sum(weights). */
#include <string.h>

#include "ir/onnx_impl.h"

/* loss = -x[n, t[n, ...], ...] * w[t] reduced; x is [N, C, d...] log-probabilities. */
static ic_status nll(onnx_node *n, uint32_t x, uint32_t target, uint32_t weight, uint32_t *out_v) {
    const char *reduction = onnx_attr_str(n, "reduction", "mean");
    if (strcmp(reduction, "none") != 0 && strcmp(reduction, "sum") != 0 && strcmp(reduction, "mean") != 0)
        return onnx_invalid(n, "unknown reduction '%s'", reduction);
    ic_op gather_el;
    IC_TRY(onnx_need_op(n, "gather_elements", &gather_el));
    ic_dtype xdt = onnx_val(n, x)->dtype, tdt = onnx_val(n, target)->dtype;
    if (xdt != IC_DT_F32) return onnx_unsupported(n, "%s scores are not supported", ic_dtype_name(xdt));
    if (tdt != IC_DT_I64 && tdt != IC_DT_I32) return onnx_invalid(n, "target must be int32 or int64");
    if (onnx_val(n, x)->shape.rank < 2) return onnx_invalid(n, "input must have rank >= 2");

    bool has_ignore = onnx_attr(n, "ignore_index") != NULL;
    uint32_t t = target, mask = IC_NONE;
    if (has_ignore) {
        uint32_t ign, zero;
        IC_TRY(onnx_const_scalar(n, tdt, (double)onnx_attr_int(n, "ignore_index", 0), &ign));
        IC_TRY(onnx_const_scalar(n, tdt, 0, &zero));
        IC_TRY(onnx_emit2(n, IC_OP_EQUAL, target, ign, &mask));
        uint32_t w[3] = {mask, zero, target};
        IC_TRY(onnx_emit(n, IC_OP_WHERE, w, 3, NULL, 0, &t));
    }
    int64_t one = 1;
    ic_attr ax1 = ic_attr_make_ints("axes", &one, 1);
    uint32_t tu, picked, loss;
    IC_TRY(onnx_emit1(n, IC_OP_UNSQUEEZE, t, &ax1, 1, &tu));
    ic_attr ga = ic_attr_make_int("axis", 1);
    uint32_t gin[2] = {x, tu};
    IC_TRY(onnx_emit(n, gather_el, gin, 2, &ga, 1, &picked));
    IC_TRY(onnx_emit1(n, IC_OP_SQUEEZE, picked, &ax1, 1, &picked));
    IC_TRY(onnx_emit1(n, IC_OP_NEG, picked, NULL, 0, &loss));

    /* per-element weight: w[t], zero where ignored; IC_NONE means all ones */
    uint32_t wt = IC_NONE;
    if (weight != IC_NONE) {
        ic_attr a0 = ic_attr_make_int("axis", 0);
        uint32_t in[2] = {weight, t};
        IC_TRY(onnx_emit(n, IC_OP_GATHER, in, 2, &a0, 1, &wt));
    }
    if (has_ignore) {
        uint32_t zero, base = wt;
        IC_TRY(onnx_const_scalar(n, IC_DT_F32, 0, &zero));
        if (base == IC_NONE) IC_TRY(onnx_const_scalar(n, IC_DT_F32, 1, &base));
        uint32_t w[3] = {mask, zero, base};
        IC_TRY(onnx_emit(n, IC_OP_WHERE, w, 3, NULL, 0, &wt));
    }
    if (wt != IC_NONE) IC_TRY(onnx_emit2(n, IC_OP_MUL, loss, wt, &loss));

    if (strcmp(reduction, "none") == 0) {
        *out_v = loss;
        return IC_OK;
    }
    ic_attr all = ic_attr_make_int("keepdims", 0);
    uint32_t total;
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_SUM, loss, &all, 1, &total));
    if (strcmp(reduction, "sum") == 0) {
        *out_v = total;
        return IC_OK;
    }
    if (wt == IC_NONE) return onnx_emit1(n, IC_OP_REDUCE_MEAN, loss, &all, 1, out_v);
    uint32_t wsum; /* w[t] has the loss's shape */
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_SUM, wt, &all, 1, &wsum));
    return onnx_emit2(n, IC_OP_DIV, total, wsum, out_v);
}

static ic_status map_nll_loss(onnx_node *n) {
    uint32_t x, t, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &t));
    IC_TRY(nll(n, x, t, onnx_in(n, 2), &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_softmax_ce_loss(onnx_node *n) {
    uint32_t x, t, lp, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &t));
    if (onnx_val(n, x)->dtype != IC_DT_F32)
        return onnx_unsupported(n, "%s scores are not supported", ic_dtype_name(onnx_val(n, x)->dtype));
    ic_attr a = ic_attr_make_int("axis", 1);
    IC_TRY(onnx_emit1(n, IC_OP_LOG_SOFTMAX, x, &a, 1, &lp));
    IC_TRY(nll(n, lp, t, onnx_in(n, 2), &y));
    IC_TRY(onnx_set_out(n, 0, y));
    return onnx_set_out(n, 1, lp);
}

/* Hardmax: 1 at the first maximum along axis, 0 elsewhere (before opset 13
 * over the input coerced to 2-D at axis). */
static ic_status map_hardmax(onnx_node *n) {
    ic_op argmax;
    IC_TRY(onnx_need_op(n, "argmax", &argmax));
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    ic_shape s = onnx_val(n, x)->shape;
    ic_dtype dt = s.rank ? onnx_val(n, x)->dtype : IC_DT_F32;
    bool legacy = n->im->opset < 13;
    int64_t axis = onnx_attr_int(n, "axis", legacy ? 1 : -1);
    if (axis < -s.rank || axis >= s.rank) return onnx_invalid(n, "axis out of range");
    if (axis < 0) axis += s.rank;
    uint32_t v = x;
    ic_shape work = s;
    if (legacy && axis != s.rank - 1) {
        int64_t outer = 1, inner = 1;
        for (int i = 0; i < s.rank; i++) *(i < axis ? &outer : &inner) *= s.dims[i];
        int64_t flat[2] = {outer, inner};
        IC_TRY(onnx_reshape(n, x, flat, 2, &v));
        work = (ic_shape){.rank = 2, .dims = {outer, inner}};
        axis = 1;
    }
    ic_attr aa[3] = {ic_attr_make_int("axis", axis), ic_attr_make_int("keepdims", 1),
                     ic_attr_make_int("select_last_index", 0)};
    uint32_t am, r, eq, oh;
    IC_TRY(onnx_emit1(n, argmax, v, aa, 3, &am));
    int64_t len = work.dims[axis];
    int64_t *rng = ic_arena_alloc(n->im->g->arena, (size_t)(len ? len : 1) * sizeof *rng);
    if (!rng) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < len; i++) rng[i] = i;
    ic_shape rs = {.rank = work.rank - (int32_t)axis};
    for (int i = 0; i < rs.rank; i++) rs.dims[i] = 1;
    rs.dims[0] = len;
    IC_TRY(onnx_const(n, IC_DT_I64, &rs, rng, &r));
    IC_TRY(onnx_emit2(n, IC_OP_EQUAL, am, r, &eq));
    IC_TRY(onnx_cast(n, eq, dt, &oh));
    IC_TRY(onnx_reshape(n, oh, s.dims, s.rank, &y));
    return onnx_set_out(n, 0, y);
}

const onnx_op_entry ic_onnx_ops_misc[] = {
    {"NegativeLogLikelihoodLoss", map_nll_loss},
    {"SoftmaxCrossEntropyLoss", map_softmax_ce_loss},
    {"Hardmax", map_hardmax},
    {NULL, NULL},
};
