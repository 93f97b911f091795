/* onnx_ops_math.c — ONNX elementwise ops, activations and reductions onto
 * core ops.
 *
 * Version notes handled here: opsets before 7 broadcast only with the
 * `broadcast` attribute (B aligned at `axis` of A); Clip takes min/max as
 * attributes before opset 11 and as constant inputs after; ReduceSum takes
 * axes as an input from opset 13 (the other reductions from 18, past what we
 * import); Pow's exponent may have another type than its base. */
#include <math.h>
#include <string.h>

#include "ir/onnx_impl.h"

/* --- helpers ------------------------------------------------------------------------- */

/* Opset < 7: with broadcast=1 and an axis, B's dims line up with A's from
 * `axis` on; pad B with trailing 1s so numpy broadcasting does the same. */
static ic_status legacy_broadcast(onnx_node *n, uint32_t a, uint32_t *b) {
    if (n->im->opset >= 7 || !onnx_attr_int(n, "broadcast", 0) || !onnx_attr(n, "axis")) return IC_OK;
    const ic_value *va = onnx_val(n, a), *vb = onnx_val(n, *b);
    int64_t axis = onnx_attr_int(n, "axis", 0);
    if (axis < 0) axis += va->shape.rank;
    int64_t trail = va->shape.rank - axis - vb->shape.rank;
    if (axis < 0 || trail < 0) return onnx_invalid(n, "broadcast axis %lld does not fit", (long long)axis);
    if (trail == 0) return IC_OK;
    int64_t dims[IC_MAX_RANK];
    int32_t r = 0;
    for (int i = 0; i < vb->shape.rank; i++) dims[r++] = vb->shape.dims[i];
    for (int64_t i = 0; i < trail; i++) dims[r++] = 1;
    return onnx_reshape(n, *b, dims, r, b);
}

static ic_status binary(onnx_node *n, ic_op op) {
    uint32_t a, b, y;
    IC_TRY(onnx_req(n, 0, &a));
    IC_TRY(onnx_req(n, 1, &b));
    IC_TRY(legacy_broadcast(n, a, &b));
    IC_TRY(onnx_emit2(n, op, a, b, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status unary(onnx_node *n, ic_op op, const ic_attr *attrs, uint32_t n_attrs) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_emit1(n, op, x, attrs, n_attrs, &y));
    return onnx_set_out(n, 0, y);
}

/* A unary op that may not exist in this build yet. */
static ic_status unary_named(onnx_node *n, const char *irop, const ic_attr *attrs, uint32_t n_attrs) {
    ic_op op;
    IC_TRY(onnx_need_op(n, irop, &op));
    return unary(n, op, attrs, n_attrs);
}

/* --- binary and variadic ---------------------------------------------------------------- */

static ic_status map_add(onnx_node *n) { return binary(n, IC_OP_ADD); }
static ic_status map_sub(onnx_node *n) { return binary(n, IC_OP_SUB); }
static ic_status map_mul(onnx_node *n) { return binary(n, IC_OP_MUL); }
static ic_status map_div(onnx_node *n) { return binary(n, IC_OP_DIV); }
static ic_status map_equal(onnx_node *n) { return binary(n, IC_OP_EQUAL); }
static ic_status map_less(onnx_node *n) { return binary(n, IC_OP_LESS); }
static ic_status map_less_equal(onnx_node *n) { return binary(n, IC_OP_LESS_EQUAL); }
static ic_status map_greater(onnx_node *n) { return binary(n, IC_OP_GREATER); }
static ic_status map_greater_equal(onnx_node *n) { return binary(n, IC_OP_GREATER_EQUAL); }
static ic_status map_and(onnx_node *n) { return binary(n, IC_OP_AND); }
static ic_status map_or(onnx_node *n) { return binary(n, IC_OP_OR); }

static ic_status map_xor(onnx_node *n) {
    uint32_t a, b, e, y;
    IC_TRY(onnx_req(n, 0, &a));
    IC_TRY(onnx_req(n, 1, &b));
    IC_TRY(legacy_broadcast(n, a, &b));
    IC_TRY(onnx_emit2(n, IC_OP_EQUAL, a, b, &e));
    IC_TRY(onnx_emit1(n, IC_OP_NOT, e, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_mod(onnx_node *n) {
    ic_op op;
    IC_TRY(onnx_need_op(n, "mod", &op));
    uint32_t a, b, y;
    IC_TRY(onnx_req(n, 0, &a));
    IC_TRY(onnx_req(n, 1, &b));
    ic_attr at = ic_attr_make_int("fmod", onnx_attr_int(n, "fmod", 0));
    uint32_t in[2] = {a, b};
    IC_TRY(onnx_emit(n, op, in, 2, &at, 1, &y));
    return onnx_set_out(n, 0, y);
}

/* Pow: the IR's pow is f32 only with one dtype; other types go through f32. */
static ic_status map_pow(onnx_node *n) {
    uint32_t a, b, y;
    IC_TRY(onnx_req(n, 0, &a));
    IC_TRY(onnx_req(n, 1, &b));
    IC_TRY(legacy_broadcast(n, a, &b));
    ic_dtype base = onnx_val(n, a)->dtype;
    if (base != IC_DT_F32 && base != IC_DT_I32 && base != IC_DT_I64)
        return onnx_unsupported(n, "Pow on %s is not supported", ic_dtype_name(base));
    ic_dtype et = onnx_val(n, b)->dtype;
    if (et != IC_DT_F32 && et != IC_DT_I32 && et != IC_DT_I64)
        return onnx_unsupported(n, "a %s exponent is not supported", ic_dtype_name(et));
    uint32_t fa, fb;
    IC_TRY(onnx_cast(n, a, IC_DT_F32, &fa));
    IC_TRY(onnx_cast(n, b, IC_DT_F32, &fb));
    IC_TRY(onnx_emit2(n, IC_OP_POW, fa, fb, &y));
    IC_TRY(onnx_cast(n, y, base, &y));
    return onnx_set_out(n, 0, y);
}

/* Max, Min, Sum, Mean: a left fold of the binary op over the inputs. */
static ic_status variadic(onnx_node *n, ic_op op, bool mean) {
    if (n->n_in == 0) return onnx_invalid(n, "needs at least one input");
    uint32_t acc;
    IC_TRY(onnx_req(n, 0, &acc));
    for (uint32_t i = 1; i < n->n_in; i++) {
        uint32_t x;
        IC_TRY(onnx_req(n, i, &x));
        IC_TRY(onnx_emit2(n, op, acc, x, &acc));
    }
    if (mean && n->n_in > 1) {
        uint32_t k;
        IC_TRY(onnx_const_scalar(n, onnx_val(n, acc)->dtype, (double)n->n_in, &k));
        IC_TRY(onnx_emit2(n, IC_OP_DIV, acc, k, &acc));
    }
    return onnx_set_out(n, 0, acc);
}

static ic_status map_max(onnx_node *n) { return variadic(n, IC_OP_MAX, false); }
static ic_status map_min(onnx_node *n) { return variadic(n, IC_OP_MIN, false); }
static ic_status map_sum(onnx_node *n) { return variadic(n, IC_OP_ADD, false); }
static ic_status map_mean(onnx_node *n) { return variadic(n, IC_OP_ADD, true); }

/* --- unary ---------------------------------------------------------------------------------- */

static ic_status map_abs(onnx_node *n) { return unary(n, IC_OP_ABS, NULL, 0); }
static ic_status map_neg(onnx_node *n) { return unary(n, IC_OP_NEG, NULL, 0); }
static ic_status map_sqrt(onnx_node *n) { return unary(n, IC_OP_SQRT, NULL, 0); }
static ic_status map_reciprocal(onnx_node *n) { return unary(n, IC_OP_RECIPROCAL, NULL, 0); }
static ic_status map_exp(onnx_node *n) { return unary(n, IC_OP_EXP, NULL, 0); }
static ic_status map_log(onnx_node *n) { return unary(n, IC_OP_LOG, NULL, 0); }
static ic_status map_tanh(onnx_node *n) { return unary(n, IC_OP_TANH, NULL, 0); }
static ic_status map_sigmoid(onnx_node *n) { return unary(n, IC_OP_SIGMOID, NULL, 0); }
static ic_status map_erf(onnx_node *n) { return unary(n, IC_OP_ERF, NULL, 0); }
static ic_status map_floor(onnx_node *n) { return unary(n, IC_OP_FLOOR, NULL, 0); }
static ic_status map_ceil(onnx_node *n) { return unary(n, IC_OP_CEIL, NULL, 0); }
static ic_status map_relu(onnx_node *n) { return unary(n, IC_OP_RELU, NULL, 0); }
static ic_status map_not(onnx_node *n) { return unary(n, IC_OP_NOT, NULL, 0); }
static ic_status map_hardswish(onnx_node *n) { return unary(n, IC_OP_HARDSWISH, NULL, 0); }
static ic_status map_round(onnx_node *n) { return unary_named(n, "round", NULL, 0); }
static ic_status map_sign(onnx_node *n) { return unary_named(n, "sign", NULL, 0); }
static ic_status map_softplus(onnx_node *n) { return unary_named(n, "softplus", NULL, 0); }
static ic_status map_softsign(onnx_node *n) { return unary_named(n, "softsign", NULL, 0); }
static ic_status map_isnan(onnx_node *n) { return unary_named(n, "isnan", NULL, 0); }
static ic_status map_sin(onnx_node *n) { return unary_named(n, "sin", NULL, 0); }
static ic_status map_cos(onnx_node *n) { return unary_named(n, "cos", NULL, 0); }
static ic_status map_tan(onnx_node *n) { return unary_named(n, "tan", NULL, 0); }
static ic_status map_asin(onnx_node *n) { return unary_named(n, "asin", NULL, 0); }
static ic_status map_acos(onnx_node *n) { return unary_named(n, "acos", NULL, 0); }
static ic_status map_atan(onnx_node *n) { return unary_named(n, "atan", NULL, 0); }
static ic_status map_sinh(onnx_node *n) { return unary_named(n, "sinh", NULL, 0); }
static ic_status map_cosh(onnx_node *n) { return unary_named(n, "cosh", NULL, 0); }
static ic_status map_asinh(onnx_node *n) { return unary_named(n, "asinh", NULL, 0); }
static ic_status map_acosh(onnx_node *n) { return unary_named(n, "acosh", NULL, 0); }
static ic_status map_atanh(onnx_node *n) { return unary_named(n, "atanh", NULL, 0); }

static ic_status map_leaky_relu(onnx_node *n) {
    ic_attr a = ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 0.01));
    return unary(n, IC_OP_LEAKY_RELU, &a, 1);
}

static ic_status map_elu(onnx_node *n) {
    ic_attr a = ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 1.0));
    return unary_named(n, "elu", &a, 1);
}

static ic_status map_celu(onnx_node *n) {
    ic_attr a = ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 1.0));
    return unary_named(n, "celu", &a, 1);
}

static ic_status map_selu(onnx_node *n) {
    ic_attr a[2] = {ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 1.67326319217681884765625)),
                    ic_attr_make_float("gamma", onnx_attr_float(n, "gamma", 1.05070102214813232421875))};
    return unary_named(n, "selu", a, 2);
}

static ic_status map_hardsigmoid(onnx_node *n) {
    ic_attr a[2] = {ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 0.2)),
                    ic_attr_make_float("beta", onnx_attr_float(n, "beta", 0.5))};
    return unary(n, IC_OP_HARDSIGMOID, a, 2);
}

/* ThresholdedRelu: x > alpha ? x : 0. */
static ic_status map_thresholded_relu(onnx_node *n) {
    uint32_t x, alpha, zero, c, y;
    IC_TRY(onnx_req(n, 0, &x));
    ic_dtype dt = onnx_val(n, x)->dtype;
    IC_TRY(onnx_const_scalar(n, dt, onnx_attr_float(n, "alpha", 1.0), &alpha));
    IC_TRY(onnx_const_scalar(n, dt, 0, &zero));
    IC_TRY(onnx_emit2(n, IC_OP_GREATER, x, alpha, &c));
    uint32_t in[3] = {c, x, zero};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, in, 3, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

/* Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0. */
static ic_status map_shrink(onnx_node *n) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    ic_dtype dt = onnx_val(n, x)->dtype;
    double lambd = onnx_attr_float(n, "lambd", 0.5), bias = onnx_attr_float(n, "bias", 0.0);
    uint32_t nl, pl, b, zero, lo, hi, xb, xmb, inner;
    IC_TRY(onnx_const_scalar(n, dt, -lambd, &nl));
    IC_TRY(onnx_const_scalar(n, dt, lambd, &pl));
    IC_TRY(onnx_const_scalar(n, dt, bias, &b));
    IC_TRY(onnx_const_scalar(n, dt, 0, &zero));
    IC_TRY(onnx_emit2(n, IC_OP_LESS, x, nl, &lo));
    IC_TRY(onnx_emit2(n, IC_OP_GREATER, x, pl, &hi));
    IC_TRY(onnx_emit2(n, IC_OP_ADD, x, b, &xb));
    IC_TRY(onnx_emit2(n, IC_OP_SUB, x, b, &xmb));
    uint32_t w1[3] = {hi, xmb, zero};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, w1, 3, NULL, 0, &inner));
    uint32_t w2[3] = {lo, xb, inner};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, w2, 3, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

/* PRelu: x < 0 ? slope * x : x, slope broadcast to x. Before opset 7 a
 * slope of [C] goes with dim 1 of x. */
static ic_status map_prelu(onnx_node *n) {
    uint32_t x, slope, zero, neg, prod, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &slope));
    ic_shape xs = onnx_val(n, x)->shape, ss = onnx_val(n, slope)->shape;
    ic_dtype dt = onnx_val(n, x)->dtype;
    if (n->im->opset < 7 && ss.rank == 1 && xs.rank >= 2 && ss.dims[0] == xs.dims[1] && ss.dims[0] != 1) {
        int64_t dims[IC_MAX_RANK];
        int32_t r = xs.rank - 1;
        dims[0] = ss.dims[0];
        for (int32_t i = 1; i < r; i++) dims[i] = 1;
        IC_TRY(onnx_reshape(n, slope, dims, r, &slope));
    }
    IC_TRY(onnx_const_scalar(n, dt, 0, &zero));
    IC_TRY(onnx_emit2(n, IC_OP_LESS, x, zero, &neg));
    IC_TRY(onnx_emit2(n, IC_OP_MUL, x, slope, &prod));
    uint32_t in[3] = {neg, prod, x};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, in, 3, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_clip(onnx_node *n) {
    double lo = -INFINITY, hi = INFINITY;
    if (n->im->opset < 11) {
        lo = onnx_attr_float(n, "min", -INFINITY);
        hi = onnx_attr_float(n, "max", INFINITY);
    } else {
        const double *v;
        uint32_t k;
        if (onnx_in(n, 1) != IC_NONE) {
            IC_TRY(onnx_const_doubles(n, onnx_in(n, 1), "min", &v, &k));
            if (k != 1) return onnx_invalid(n, "min must be a scalar");
            lo = v[0];
        }
        if (onnx_in(n, 2) != IC_NONE) {
            IC_TRY(onnx_const_doubles(n, onnx_in(n, 2), "max", &v, &k));
            if (k != 1) return onnx_invalid(n, "max must be a scalar");
            hi = v[0];
        }
    }
    ic_attr a[2];
    uint32_t na = 0;
    if (lo != -INFINITY) a[na++] = ic_attr_make_float("min", lo);
    if (hi != INFINITY) a[na++] = ic_attr_make_float("max", hi);
    return unary(n, IC_OP_CLIP, a, na);
}

static ic_status cast_to(onnx_node *n, ic_dtype to, int32_t onnx_to) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    if (to == IC_DT_INVALID) return onnx_unsupported(n, "cast to %s is not supported", ic_onnx_dtype_name(onnx_to));
    IC_TRY(onnx_cast(n, x, to, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_cast(onnx_node *n) {
    const Onnx__AttributeProto *a = onnx_attr(n, "to");
    if (!a) return onnx_invalid(n, "attribute 'to' is required");
    if (a->has_s) return onnx_unsupported(n, "'to' given as a string (opset 1)");
    int32_t to = (int32_t)onnx_attr_int(n, "to", 0);
    return cast_to(n, ic_onnx_dtype(to, n->im->demote_f64), to);
}

static ic_status map_cast_like(onnx_node *n) {
    uint32_t like;
    IC_TRY(onnx_req(n, 1, &like));
    ic_dtype dt = onnx_val(n, like)->dtype;
    return cast_to(n, dt, ic_onnx_dtype_to_onnx(dt));
}

/* IsInf with detect_negative / detect_positive. */
static ic_status map_isinf(onnx_node *n) {
    bool neg = onnx_attr_int(n, "detect_negative", 1) != 0, pos = onnx_attr_int(n, "detect_positive", 1) != 0;
    if (neg && pos) return unary_named(n, "isinf", NULL, 0);
    uint32_t x, c, y;
    IC_TRY(onnx_req(n, 0, &x));
    if (onnx_val(n, x)->dtype != IC_DT_F32) return onnx_unsupported(n, "IsInf on %s", ic_dtype_name(onnx_val(n, x)->dtype));
    IC_TRY(onnx_const_scalar(n, IC_DT_F32, pos ? INFINITY : -INFINITY, &c));
    /* neither: nothing is detected; x < -inf is false everywhere */
    IC_TRY(onnx_emit2(n, pos || neg ? IC_OP_EQUAL : IC_OP_LESS, x, c, &y));
    return onnx_set_out(n, 0, y);
}

/* --- reductions ------------------------------------------------------------------------------- */

/* The axes of a reduction (attribute, or input 1 where the opset moved it
 * there), whether any were given, and the identity case of
 * noop_with_empty_axes. */
static ic_status reduce_axes(onnx_node *n, bool axes_input, const int64_t **axes, uint32_t *k, bool *noop) {
    *noop = false;
    if (axes_input) {
        *axes = NULL;
        *k = 0;
        if (onnx_in(n, 1) != IC_NONE) IC_TRY(onnx_const_ints(n, onnx_in(n, 1), "axes", axes, k));
    } else {
        onnx_attr_ints(n, "axes", axes, k);
    }
    if (*k == 0 && onnx_attr_int(n, "noop_with_empty_axes", 0)) *noop = true;
    return IC_OK;
}

/* Emits reduce op over x with the node's axes and keepdims. */
static ic_status reduce_emit(onnx_node *n, ic_op op, uint32_t x, bool axes_input, uint32_t *y) {
    const int64_t *axes;
    uint32_t k;
    bool noop;
    IC_TRY(reduce_axes(n, axes_input, &axes, &k, &noop));
    if (noop) {
        *y = x;
        return IC_OK;
    }
    ic_attr a[2];
    uint32_t na = 0;
    a[na++] = ic_attr_make_int("keepdims", onnx_attr_int(n, "keepdims", 1) ? 1 : 0);
    if (k) a[na++] = ic_attr_make_ints("axes", axes, k);
    return onnx_emit1(n, op, x, a, na, y);
}

static ic_status reduce_simple(onnx_node *n, ic_op op, bool axes_input) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(reduce_emit(n, op, x, axes_input, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status reduce_named(onnx_node *n, const char *irop) {
    ic_op op;
    IC_TRY(onnx_need_op(n, irop, &op));
    return reduce_simple(n, op, false);
}

static ic_status map_reduce_sum(onnx_node *n) { return reduce_simple(n, IC_OP_REDUCE_SUM, n->im->opset >= 13); }
static ic_status map_reduce_mean(onnx_node *n) { return reduce_simple(n, IC_OP_REDUCE_MEAN, false); }
static ic_status map_reduce_max(onnx_node *n) { return reduce_simple(n, IC_OP_REDUCE_MAX, false); }
static ic_status map_reduce_min(onnx_node *n) { return reduce_simple(n, IC_OP_REDUCE_MIN, false); }
static ic_status map_reduce_prod(onnx_node *n) { return reduce_named(n, "reduce_prod"); }
static ic_status map_reduce_l2(onnx_node *n) { return reduce_named(n, "reduce_l2"); }
static ic_status map_reduce_sum_square(onnx_node *n) { return reduce_named(n, "reduce_sum_square"); }
static ic_status map_reduce_log_sum_exp(onnx_node *n) { return reduce_named(n, "reduce_log_sum_exp"); }

/* ReduceL1 = reduce_sum(abs(x)). */
static ic_status map_reduce_l1(onnx_node *n) {
    uint32_t x, ax, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_emit1(n, IC_OP_ABS, x, NULL, 0, &ax));
    IC_TRY(reduce_emit(n, IC_OP_REDUCE_SUM, ax, false, &y));
    return onnx_set_out(n, 0, y);
}

/* ReduceLogSum = log(reduce_sum(x)). */
static ic_status map_reduce_log_sum(onnx_node *n) {
    uint32_t x, s, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(reduce_emit(n, IC_OP_REDUCE_SUM, x, false, &s));
    IC_TRY(onnx_emit1(n, IC_OP_LOG, s, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status arg_reduce(onnx_node *n, const char *irop) {
    ic_op op;
    IC_TRY(onnx_need_op(n, irop, &op));
    ic_attr a[3] = {ic_attr_make_int("axis", onnx_attr_int(n, "axis", 0)),
                    ic_attr_make_int("keepdims", onnx_attr_int(n, "keepdims", 1) ? 1 : 0),
                    ic_attr_make_int("select_last_index", onnx_attr_int(n, "select_last_index", 0) ? 1 : 0)};
    return unary(n, op, a, 3);
}

static ic_status map_argmax(onnx_node *n) { return arg_reduce(n, "argmax"); }
static ic_status map_argmin(onnx_node *n) { return arg_reduce(n, "argmin"); }

static ic_status map_cumsum(onnx_node *n) {
    ic_op op;
    IC_TRY(onnx_need_op(n, "cumsum", &op));
    uint32_t axis_v;
    IC_TRY(onnx_req(n, 1, &axis_v));
    const int64_t *axis;
    uint32_t k;
    IC_TRY(onnx_const_ints(n, axis_v, "axis", &axis, &k));
    if (k != 1) return onnx_invalid(n, "axis must hold one value");
    ic_attr a[3] = {ic_attr_make_int("axis", axis[0]),
                    ic_attr_make_int("exclusive", onnx_attr_int(n, "exclusive", 0) ? 1 : 0),
                    ic_attr_make_int("reverse", onnx_attr_int(n, "reverse", 0) ? 1 : 0)};
    return unary(n, op, a, 3);
}

/* TopK: k an attribute before opset 10, a constant input from 10 on; `sorted`
 * = 0 allows any order, and the sorted one is among them. */
static ic_status map_topk(onnx_node *n) {
    uint32_t x, out[2];
    IC_TRY(onnx_req(n, 0, &x));
    int64_t k = onnx_attr_int(n, "k", -1);
    if (n->im->opset >= 10) {
        uint32_t kv;
        IC_TRY(onnx_req(n, 1, &kv));
        const int64_t *ks;
        uint32_t nk;
        IC_TRY(onnx_const_ints(n, kv, "K", &ks, &nk));
        if (nk != 1) return onnx_invalid(n, "K must hold one value");
        k = ks[0];
    }
    ic_attr a[3] = {ic_attr_make_int("k", k), ic_attr_make_int("axis", onnx_attr_int(n, "axis", -1)),
                    ic_attr_make_int("largest", onnx_attr_int(n, "largest", 1) ? 1 : 0)};
    IC_TRY(onnx_emit_multi(n, IC_OP_TOPK, &x, 1, a, 3, 2, out));
    IC_TRY(onnx_set_out(n, 0, out[0]));
    return onnx_n_out(n) > 1 ? onnx_set_out(n, 1, out[1]) : IC_OK;
}

const onnx_op_entry ic_onnx_ops_math[] = {
    {"Add", map_add}, {"Sub", map_sub}, {"Mul", map_mul}, {"Div", map_div}, {"Pow", map_pow}, {"Mod", map_mod},
    {"Equal", map_equal}, {"Less", map_less}, {"LessOrEqual", map_less_equal}, {"Greater", map_greater},
    {"GreaterOrEqual", map_greater_equal}, {"And", map_and}, {"Or", map_or}, {"Xor", map_xor},
    {"Max", map_max}, {"Min", map_min}, {"Sum", map_sum}, {"Mean", map_mean},
    {"Abs", map_abs}, {"Neg", map_neg}, {"Sqrt", map_sqrt}, {"Reciprocal", map_reciprocal}, {"Exp", map_exp},
    {"Log", map_log}, {"Tanh", map_tanh}, {"Sigmoid", map_sigmoid}, {"Erf", map_erf}, {"Floor", map_floor},
    {"Ceil", map_ceil}, {"Relu", map_relu}, {"Not", map_not}, {"HardSwish", map_hardswish}, {"Round", map_round},
    {"Sign", map_sign}, {"Softplus", map_softplus}, {"Softsign", map_softsign}, {"IsNaN", map_isnan},
    {"Sin", map_sin}, {"Cos", map_cos}, {"Tan", map_tan}, {"Asin", map_asin}, {"Acos", map_acos}, {"Atan", map_atan},
    {"Sinh", map_sinh}, {"Cosh", map_cosh}, {"Asinh", map_asinh}, {"Acosh", map_acosh}, {"Atanh", map_atanh},
    {"IsInf", map_isinf}, {"LeakyRelu", map_leaky_relu}, {"Elu", map_elu}, {"Celu", map_celu}, {"Selu", map_selu},
    {"HardSigmoid", map_hardsigmoid}, {"ThresholdedRelu", map_thresholded_relu}, {"Shrink", map_shrink},
    {"PRelu", map_prelu}, {"Clip", map_clip}, {"Cast", map_cast}, {"CastLike", map_cast_like},
    {"ReduceSum", map_reduce_sum}, {"ReduceMean", map_reduce_mean}, {"ReduceMax", map_reduce_max},
    {"ReduceMin", map_reduce_min}, {"ReduceProd", map_reduce_prod}, {"ReduceL2", map_reduce_l2},
    {"ReduceSumSquare", map_reduce_sum_square}, {"ReduceLogSumExp", map_reduce_log_sum_exp},
    {"ReduceL1", map_reduce_l1}, {"ReduceLogSum", map_reduce_log_sum},
    {"ArgMax", map_argmax}, {"ArgMin", map_argmin}, {"CumSum", map_cumsum}, {"TopK", map_topk},
    {NULL, NULL},
};
