/* interp_index.c — reference kernels for index-driven ops: gather_elements,
 * gather_nd, scatter_elements and scatter_nd (ONNX semantics).
 *
 * Indices are i32 or i64; a negative index counts from the end of its dim.
 * Every index is checked before anything is read or written, and one out of
 * range is a run-time error (IC_ERR_RUNTIME). Scatters copy data to the
 * result first, then apply the updates in row-major order of the indices, so
 * with reduction none the last of several updates to one element wins; add,
 * mul, max and min combine in that same order (f32 in double, rounded after
 * each step; max/min propagate NaN; integers wrap). */
#include <math.h>
#include <string.h>

#include "ir/interp_impl.h"

/* Checks every index in idx against dim; an error names op, axis and value. */
static ic_status check_indices(const ic_node *n, const ic_tensor *idx, int32_t axis, int64_t dim, ic_diag *d) {
    size_t count = ic_tensor_numel(idx);
    for (size_t i = 0; i < count; i++) {
        int64_t v = ic_ld_i(idx, i);
        if (v < -dim || v >= dim)
            return ic_diag_set(d, IC_ERR_RUNTIME, "%s: index %lld out of range for axis %d of size %lld",
                               ic_op_get(n->op)->name, (long long)v, axis, (long long)dim);
    }
    return IC_OK;
}

/* Index tuples of gather_nd / scatter_nd: entry j of each k-tuple indexes data dim first + j. */
static ic_status check_tuples(const ic_node *n, const ic_tensor *idx, const ic_shape *data, int32_t first, int64_t k,
                              ic_diag *d) {
    size_t count = ic_tensor_numel(idx);
    for (size_t i = 0; i < count; i++) {
        int32_t axis = first + (int32_t)(i % (size_t)k);
        int64_t v = ic_ld_i(idx, i), dim = data->dims[axis];
        if (v < -dim || v >= dim)
            return ic_diag_set(d, IC_ERR_RUNTIME, "%s: index %lld out of range for axis %d of size %lld",
                               ic_op_get(n->op)->name, (long long)v, axis, (long long)dim);
    }
    return IC_OK;
}

static int64_t wrap(int64_t v, int64_t dim) { return v < 0 ? v + dim : v; }

/* Element offset in data of the k-tuple starting at idx element t * k, plus base. */
static int64_t tuple_offset(const ic_tensor *idx, size_t t, int64_t k, const ic_shape *data, const int64_t *strides,
                            int32_t first) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; j++) {
        int32_t a = first + (int32_t)j;
        off += wrap(ic_ld_i(idx, t * (size_t)k + (size_t)j), data->dims[a]) * strides[a];
    }
    return off;
}

ic_status ic_interp_gather_elements(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *idx = in[1];
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));
    if (!ic_dtype_is_int(idx->dtype) || idx->shape.rank != x->shape.rank || out->dtype != x->dtype ||
        !ic_shape_equal(&out->shape, &idx->shape))
        return ic_interp_bad_shape(n, "indices and result must match data's rank and the indices' shape", d);
    for (int i = 0; i < x->shape.rank; i++)
        if (i != axis && idx->shape.dims[i] > x->shape.dims[i])
            return ic_interp_bad_shape(n, "indices are larger than data outside the axis", d);
    int64_t dim = x->shape.dims[axis];
    IC_TRY(check_indices(n, idx, axis, dim, d));
    int64_t xs[IC_MAX_RANK], strides[1][IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    memcpy(strides[0], xs, sizeof xs);
    strides[0][axis] = 0; /* the axis coordinate comes from the index */
    ic_iter it;
    ic_iter_init(&it, &idx->shape, 1, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    size_t es = ic_dtype_size(x->dtype), count = ic_tensor_numel(idx);
    for (size_t i = 0; i < count; i++, ic_iter_next(&it)) {
        int64_t src = it.off[0] + wrap(ic_ld_i(idx, i), dim) * xs[axis];
        memcpy((char *)out->data + i * es, (const char *)x->data + (size_t)src * es, es);
    }
    return IC_OK;
}

ic_status ic_interp_gather_nd(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *idx = in[1];
    int32_t r = x->shape.rank, q = idx->shape.rank;
    int64_t b = ic_gather_nd_batch_dims(n), k = q ? idx->shape.dims[q - 1] : 0;
    if (!ic_dtype_is_int(idx->dtype) || q < 1 || k < 1 || b < 0 || b + k > r || b >= q || out->dtype != x->dtype)
        return ic_interp_bad_shape(n, "indices do not fit data", d);
    IC_TRY(check_tuples(n, idx, &x->shape, (int32_t)b, k, d));
    int64_t xs[IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    size_t es = ic_dtype_size(x->dtype);
    int64_t slice = ic_dims_prod(&x->shape, (int32_t)(b + k), r);        /* elements per tuple */
    int64_t batch_stride = ic_dims_prod(&x->shape, (int32_t)b, r);       /* data elements per batch */
    int64_t tuples = ic_dims_prod(&idx->shape, 0, q - 1);
    int64_t per_batch = ic_dims_prod(&idx->shape, (int32_t)b, q - 1);    /* tuples per batch */
    if ((size_t)(tuples * slice) != ic_tensor_numel(out)) return ic_interp_bad_shape(n, "result shape does not match", d);
    for (int64_t t = 0; t < tuples; t++) {
        int64_t off = (t / per_batch) * batch_stride + tuple_offset(idx, (size_t)t, k, &x->shape, xs, (int32_t)b);
        memcpy((char *)out->data + (size_t)(t * slice) * es, (const char *)x->data + (size_t)off * es,
               (size_t)slice * es);
    }
    return IC_OK;
}

/* --- scatters ---------------------------------------------------------------------- */

/* out[o] = reduce(out[o], u[i]). */
static void combine(ic_tensor *out, size_t o, const ic_tensor *u, size_t i, ic_scatter_reduction red) {
    if (red == IC_SCATTER_NONE) {
        size_t es = ic_dtype_size(out->dtype);
        memcpy((char *)out->data + o * es, (const char *)u->data + i * es, es);
        return;
    }
    if (out->dtype == IC_DT_F32) {
        double a = ic_ld_f(out, o), b = ic_ld_f(u, i), r;
        switch (red) {
        case IC_SCATTER_ADD: r = a + b; break;
        case IC_SCATTER_MUL: r = a * b; break;
        case IC_SCATTER_MAX: r = isnan(a) || isnan(b) ? NAN : a > b ? a : b; break;
        default: r = isnan(a) || isnan(b) ? NAN : a < b ? a : b; break;
        }
        ic_st_f(out, o, r);
        return;
    }
    int64_t a = ic_ld_i(out, o), b = ic_ld_i(u, i), r;
    switch (red) {
    case IC_SCATTER_ADD: r = (int64_t)((uint64_t)a + (uint64_t)b); break;
    case IC_SCATTER_MUL: r = (int64_t)((uint64_t)a * (uint64_t)b); break;
    case IC_SCATTER_MAX: r = a > b ? a : b; break;
    default: r = a < b ? a : b; break;
    }
    ic_st_i(out, o, r);
}

/* Copies data into out and decodes the reduction; checks dtypes. */
static ic_status scatter_start(const ic_node *n, const ic_tensor *x, const ic_tensor *u, ic_tensor *out,
                               ic_scatter_reduction *red, ic_diag *d) {
    IC_TRY(ic_scatter_reduction_of(n, red, d));
    if (u->dtype != x->dtype || out->dtype != x->dtype || !ic_shape_equal(&out->shape, &x->shape))
        return ic_interp_bad_dtypes(n, x->dtype, u->dtype, d);
    if (*red != IC_SCATTER_NONE && !ic_dtype_is_arith(x->dtype)) return ic_interp_bad_dtype(n, x->dtype, d);
    memcpy(out->data, x->data, ic_tensor_nbytes(x));
    return IC_OK;
}

ic_status ic_interp_scatter_elements(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *idx = in[1], *u = in[2];
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));
    if (!ic_dtype_is_int(idx->dtype) || idx->shape.rank != x->shape.rank || !ic_shape_equal(&idx->shape, &u->shape))
        return ic_interp_bad_shape(n, "indices and updates must match data's rank and each other", d);
    for (int i = 0; i < x->shape.rank; i++)
        if (i != axis && idx->shape.dims[i] > x->shape.dims[i])
            return ic_interp_bad_shape(n, "indices are larger than data outside the axis", d);
    ic_scatter_reduction red;
    IC_TRY(scatter_start(n, x, u, out, &red, d));
    int64_t dim = x->shape.dims[axis];
    IC_TRY(check_indices(n, idx, axis, dim, d));
    int64_t xs[IC_MAX_RANK], strides[1][IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    memcpy(strides[0], xs, sizeof xs);
    strides[0][axis] = 0;
    ic_iter it;
    ic_iter_init(&it, &idx->shape, 1, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    size_t count = ic_tensor_numel(idx);
    for (size_t i = 0; i < count; i++, ic_iter_next(&it))
        combine(out, (size_t)(it.off[0] + wrap(ic_ld_i(idx, i), dim) * xs[axis]), u, i, red);
    return IC_OK;
}

ic_status ic_interp_scatter_nd(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *idx = in[1], *u = in[2];
    int32_t r = x->shape.rank, q = idx->shape.rank;
    int64_t k = q ? idx->shape.dims[q - 1] : 0;
    if (!ic_dtype_is_int(idx->dtype) || q < 1 || k < 1 || k > r) return ic_interp_bad_shape(n, "indices do not fit data", d);
    int64_t tuples = ic_dims_prod(&idx->shape, 0, q - 1), slice = ic_dims_prod(&x->shape, (int32_t)k, r);
    if ((size_t)(tuples * slice) != ic_tensor_numel(u)) return ic_interp_bad_shape(n, "updates do not match the indices", d);
    ic_scatter_reduction red;
    IC_TRY(scatter_start(n, x, u, out, &red, d));
    IC_TRY(check_tuples(n, idx, &x->shape, 0, k, d));
    int64_t xs[IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    for (int64_t t = 0; t < tuples; t++) {
        int64_t off = tuple_offset(idx, (size_t)t, k, &x->shape, xs, 0);
        for (int64_t s = 0; s < slice; s++) combine(out, (size_t)(off + s), u, (size_t)(t * slice + s), red);
    }
    return IC_OK;
}
