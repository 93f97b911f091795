/* interp_reduce.c — reference reductions: reduce_sum, reduce_mean,
 * reduce_max, reduce_min over any axes, and global_avg_pool /
 * global_max_pool (the same reductions over every axis from 2 on).
 *
 * One walk over the input adds each element into the accumulator of its
 * output position (the input index with reduced dims zeroed). f32
 * accumulates in double; max/min propagate NaN; an empty reduction gives the
 * identity: 0 for sum, NaN for mean (0/0), -inf / +inf for max / min.
 * Integers (i32, i64) accumulate in int64 (sum wraps); their mean truncates
 * toward zero (empty: 0, as division by zero); an empty max / min gives the
 * dtype's smallest / largest value. */
#include <math.h>
#include <stdlib.h>

#include "ir/interp_impl.h"

typedef enum reduce_kind { RED_SUM, RED_MEAN, RED_MAX, RED_MIN } reduce_kind;

static reduce_kind reduce_kind_of(ic_op op) {
    switch (op) {
    case IC_OP_REDUCE_SUM: return RED_SUM;
    case IC_OP_REDUCE_MEAN:
    case IC_OP_GLOBAL_AVG_POOL: return RED_MEAN;
    case IC_OP_REDUCE_MAX:
    case IC_OP_GLOBAL_MAX_POOL: return RED_MAX;
    case IC_OP_REDUCE_MIN: return RED_MIN;
    default: IC_ASSERT(!"reduce_kind_of: not a reduction");
    }
    return RED_SUM;
}

/* f32: acc[o] holds the running value of output o. */
static void reduce_f32(reduce_kind k, const ic_tensor *x, ic_iter *it, double *acc, size_t n_out, double count,
                       ic_tensor *out) {
    double init = k == RED_MAX ? -INFINITY : k == RED_MIN ? INFINITY : 0.0;
    for (size_t o = 0; o < n_out; o++) acc[o] = init;
    size_t n_in = ic_tensor_numel(x);
    for (size_t i = 0; i < n_in; i++, ic_iter_next(it)) {
        double v = ic_ld_f(x, (size_t)it->off[0]), *a = &acc[it->off[1]];
        switch (k) {
        case RED_SUM:
        case RED_MEAN: *a += v; break;
        case RED_MAX: if (isnan(v) || v > *a) *a = v; break; /* once NaN, nothing compares greater */
        case RED_MIN: if (isnan(v) || v < *a) *a = v; break;
        }
    }
    for (size_t o = 0; o < n_out; o++) ic_st_f(out, o, k == RED_MEAN ? acc[o] / count : acc[o]);
}

static void reduce_int(reduce_kind k, const ic_tensor *x, ic_iter *it, int64_t *acc, size_t n_out, int64_t count,
                       ic_tensor *out) {
    int64_t lo = x->dtype == IC_DT_I32 ? INT32_MIN : INT64_MIN, hi = x->dtype == IC_DT_I32 ? INT32_MAX : INT64_MAX;
    int64_t init = k == RED_MAX ? lo : k == RED_MIN ? hi : 0;
    for (size_t o = 0; o < n_out; o++) acc[o] = init;
    size_t n_in = ic_tensor_numel(x);
    for (size_t i = 0; i < n_in; i++, ic_iter_next(it)) {
        int64_t v = ic_ld_i(x, (size_t)it->off[0]), *a = &acc[it->off[1]];
        switch (k) {
        case RED_SUM:
        case RED_MEAN: *a = (int64_t)((uint64_t)*a + (uint64_t)v); break;
        case RED_MAX: if (v > *a) *a = v; break;
        case RED_MIN: if (v < *a) *a = v; break;
        }
    }
    for (size_t o = 0; o < n_out; o++) {
        int64_t v = acc[o];
        if (k == RED_MEAN) v = count ? v / count : 0;
        ic_st_i(out, o, v);
    }
}

size_t ic_interp_reduce_iter(const ic_shape *x, uint32_t mask, ic_iter *it, int64_t *count) {
    ic_shape kept = *x;
    int64_t c = 1;
    for (int i = 0; i < x->rank; i++)
        if (mask & (1u << i)) {
            c *= kept.dims[i];
            kept.dims[i] = 1;
        }
    int64_t strides[2][IC_MAX_RANK];
    ic_dense_strides(x, strides[0]);
    ic_dense_strides(&kept, strides[1]);
    for (int i = 0; i < x->rank; i++)
        if (mask & (1u << i)) strides[1][i] = 0;
    ic_iter_init(it, x, 2, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    if (count) *count = c;
    return ic_shape_numel(&kept);
}

ic_status ic_interp_reduce(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    int32_t rank = x->shape.rank;
    uint32_t mask;
    if (n->op == IC_OP_GLOBAL_AVG_POOL || n->op == IC_OP_GLOBAL_MAX_POOL) {
        if (rank < 2) return ic_interp_bad_shape(n, "input needs rank >= 2", d);
        mask = ((1u << rank) - 1u) & ~3u;
    } else if (!ic_reduce_axes_mask(n, rank, &mask, d)) {
        return IC_ERR_INVALID;
    }
    ic_dtype t = x->dtype;
    if (!ic_dtype_is_arith(t)) return ic_interp_bad_dtype(n, t, d);
    if (out->dtype != t) return ic_interp_bad_dtypes(n, t, out->dtype, d);

    ic_iter it;
    int64_t count;
    size_t n_out = ic_interp_reduce_iter(&x->shape, mask, &it, &count);
    if (n_out != ic_tensor_numel(out)) return ic_interp_bad_shape(n, "result shape does not match the reduced axes", d);

    reduce_kind k = reduce_kind_of(n->op);
    if (t == IC_DT_F32) {
        double *acc = malloc((n_out ? n_out : 1) * sizeof *acc);
        if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", ic_op_get(n->op)->name);
        reduce_f32(k, x, &it, acc, n_out, (double)count, out);
        free(acc);
    } else {
        int64_t *acc = malloc((n_out ? n_out : 1) * sizeof *acc);
        if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", ic_op_get(n->op)->name);
        reduce_int(k, x, &it, acc, n_out, count, out);
        free(acc);
    }
    return IC_OK;
}
