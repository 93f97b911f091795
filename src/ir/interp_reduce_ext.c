/* interp_reduce_ext.c — reference reductions and scans of the ONNX front end:
 * reduce_prod, reduce_l2, reduce_sum_square, reduce_log_sum_exp, argmax,
 * argmin and cumsum.
 *
 * f32 accumulates in double and rounds once per result; integers (i32, i64)
 * wrap. reduce_log_sum_exp is max + log(sum(exp(x - max))): NaN if any
 * element is NaN, the max itself when that is infinite, -inf when empty.
 * argmax / argmin take the first extreme (the last with select_last_index);
 * NaN counts as the extreme, like numpy and PyTorch: the first (or last) NaN
 * wins. cumsum keeps one running double sum per row and rounds each output. */
#include <math.h>
#include <stdlib.h>

#include "ir/interp_impl.h"

/* x viewed as [outer, len, inner] around axis. */
typedef struct axis_view {
    int64_t outer, len, inner;
} axis_view;

static axis_view view_around(const ic_shape *s, int32_t axis) {
    return (axis_view){ic_dims_prod(s, 0, axis), s->dims[axis], ic_dims_prod(s, axis + 1, s->rank)};
}

static void reduce_f32(ic_op op, const ic_tensor *x, ic_iter *it, double *acc, double *mx, size_t n_out,
                       ic_tensor *out) {
    size_t n_in = ic_tensor_numel(x);
    for (size_t o = 0; o < n_out; o++) {
        acc[o] = op == IC_OP_REDUCE_PROD ? 1.0 : 0.0;
        mx[o] = -INFINITY;
    }
    if (op == IC_OP_REDUCE_LOG_SUM_EXP) { /* first pass: the max of each output, NaN sticking */
        for (size_t i = 0; i < n_in; i++, ic_iter_next(it)) {
            double v = ic_ld_f(x, (size_t)it->off[0]), *m = &mx[it->off[1]];
            if (isnan(v) || v > *m) *m = v;
        }
    }
    for (size_t i = 0; i < n_in; i++, ic_iter_next(it)) {
        double v = ic_ld_f(x, (size_t)it->off[0]), *a = &acc[it->off[1]];
        switch (op) {
        case IC_OP_REDUCE_PROD: *a *= v; break;
        case IC_OP_REDUCE_LOG_SUM_EXP: {
            double m = mx[it->off[1]];
            if (isfinite(m)) *a += exp(v - m);
            break;
        }
        default: *a += v * v; break; /* l2, sum_square */
        }
    }
    for (size_t o = 0; o < n_out; o++) {
        double r = acc[o];
        if (op == IC_OP_REDUCE_L2) r = sqrt(r);
        if (op == IC_OP_REDUCE_LOG_SUM_EXP) r = isfinite(mx[o]) ? mx[o] + log(acc[o]) : mx[o];
        ic_st_f(out, o, r);
    }
}

static void reduce_int(ic_op op, const ic_tensor *x, ic_iter *it, uint64_t *acc, size_t n_out, ic_tensor *out) {
    size_t n_in = ic_tensor_numel(x);
    for (size_t o = 0; o < n_out; o++) acc[o] = op == IC_OP_REDUCE_PROD ? 1u : 0u;
    for (size_t i = 0; i < n_in; i++, ic_iter_next(it)) {
        uint64_t v = (uint64_t)ic_ld_i(x, (size_t)it->off[0]), *a = &acc[it->off[1]];
        if (op == IC_OP_REDUCE_PROD)
            *a *= v;
        else
            *a += v * v;
    }
    for (size_t o = 0; o < n_out; o++) ic_st_i(out, o, (int64_t)acc[o]);
}

ic_status ic_interp_reduce_ext(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    int32_t rank = x->shape.rank;
    uint32_t mask;
    if (!ic_reduce_axes_mask(n, rank, &mask, d)) return IC_ERR_INVALID;
    ic_dtype t = x->dtype;
    bool f32_only = n->op == IC_OP_REDUCE_L2 || n->op == IC_OP_REDUCE_LOG_SUM_EXP;
    if (f32_only ? t != IC_DT_F32 : !ic_dtype_is_arith(t)) return ic_interp_bad_dtype(n, t, d);
    if (out->dtype != t) return ic_interp_bad_dtypes(n, t, out->dtype, d);
    ic_iter it;
    size_t n_out = ic_interp_reduce_iter(&x->shape, mask, &it, NULL);
    if (n_out != ic_tensor_numel(out)) return ic_interp_bad_shape(n, "result shape does not match the reduced axes", d);
    size_t cap = n_out ? n_out : 1;
    if (t == IC_DT_F32) {
        double *acc = malloc(2 * cap * sizeof *acc);
        if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", ic_op_get(n->op)->name);
        reduce_f32(n->op, x, &it, acc, acc + cap, n_out, out);
        free(acc);
    } else {
        uint64_t *acc = malloc(cap * sizeof *acc);
        if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", ic_op_get(n->op)->name);
        reduce_int(n->op, x, &it, acc, n_out, out);
        free(acc);
    }
    return IC_OK;
}

/* Whether v replaces the best so far (NaN is the most extreme value). */
static bool better_f(double v, double best, bool is_max, bool last) {
    if (isnan(best)) return last && isnan(v);
    if (isnan(v)) return true;
    return is_max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
}

static bool better_i(int64_t v, int64_t best, bool is_max, bool last) {
    return is_max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
}

ic_status ic_interp_argminmax(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_arg_params p;
    IC_TRY(ic_arg_params_get(n, x->shape.rank, &p, d));
    if (!ic_dtype_is_arith(x->dtype)) return ic_interp_bad_dtype(n, x->dtype, d);
    if (out->dtype != IC_DT_I64) return ic_interp_bad_dtypes(n, x->dtype, out->dtype, d);
    axis_view v = view_around(&x->shape, p.axis);
    if ((size_t)(v.outer * v.inner) != ic_tensor_numel(out)) return ic_interp_bad_shape(n, "result shape does not match", d);
    if (v.len == 0 && v.outer * v.inner != 0) return ic_interp_bad_shape(n, "the axis is empty", d);
    bool is_max = n->op == IC_OP_ARGMAX, f = x->dtype == IC_DT_F32;
    for (int64_t o = 0; o < v.outer; o++)
        for (int64_t i = 0; i < v.inner; i++) {
            size_t base = (size_t)(o * v.len * v.inner + i);
            int64_t best = 0;
            for (int64_t j = 1; j < v.len; j++) {
                size_t at = base + (size_t)(j * v.inner), bt = base + (size_t)(best * v.inner);
                bool take = f ? better_f(ic_ld_f(x, at), ic_ld_f(x, bt), is_max, p.select_last)
                              : better_i(ic_ld_i(x, at), ic_ld_i(x, bt), is_max, p.select_last);
                if (take) best = j;
            }
            ic_st_i(out, (size_t)(o * v.inner + i), best);
        }
    return IC_OK;
}

ic_status ic_interp_cumsum(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_cumsum_params p;
    IC_TRY(ic_cumsum_params_get(n, x->shape.rank, &p, d));
    if (!ic_dtype_is_arith(x->dtype)) return ic_interp_bad_dtype(n, x->dtype, d);
    if (out->dtype != x->dtype || !ic_shape_equal(&x->shape, &out->shape))
        return ic_interp_bad_shape(n, "result type differs from input", d);
    axis_view v = view_around(&x->shape, p.axis);
    bool f = x->dtype == IC_DT_F32;
    for (int64_t o = 0; o < v.outer; o++)
        for (int64_t i = 0; i < v.inner; i++) {
            double facc = 0.0;
            uint64_t iacc = 0;
            for (int64_t s = 0; s < v.len; s++) {
                int64_t j = p.reverse ? v.len - 1 - s : s;
                size_t at = (size_t)((o * v.len + j) * v.inner + i);
                if (f) {
                    double val = ic_ld_f(x, at);
                    if (!p.exclusive) facc += val;
                    ic_st_f(out, at, facc);
                    if (p.exclusive) facc += val;
                } else {
                    uint64_t val = (uint64_t)ic_ld_i(x, at);
                    if (!p.exclusive) iacc += val;
                    ic_st_i(out, at, (int64_t)iacc);
                    if (p.exclusive) iacc += val;
                }
            }
        }
    return IC_OK;
}
