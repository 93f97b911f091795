/* interp_shape.c — reference views and data movement: reshape, squeeze,
 * unsqueeze, flatten (a byte copy), transpose, expand, slice (strided
 * copies through ic_strided_copy), concat, split and gather (block copies).
 *
 * Every op here moves whole elements with memcpy, so it works for every dtype.
 * Result shapes come from shape inference; each kernel re-derives what it
 * indexes with and refuses a result shape that disagrees. */
#include <stdio.h>
#include <string.h>

#include "ir/interp_impl.h"

static ic_status same_dtype(const ic_node *n, const ic_tensor *x, const ic_tensor *out, ic_diag *d) {
    return x->dtype == out->dtype ? IC_OK : ic_interp_bad_dtypes(n, x->dtype, out->dtype, d);
}

ic_status ic_interp_view(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    IC_TRY(same_dtype(n, in[0], out, d));
    if (ic_tensor_numel(in[0]) != ic_tensor_numel(out))
        return ic_interp_bad_shape(n, "result has a different element count", d);
    memcpy(out->data, in[0]->data, ic_tensor_nbytes(out));
    return IC_OK;
}

ic_status ic_interp_transpose(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    IC_TRY(same_dtype(n, x, out, d));
    int32_t rank = x->shape.rank;
    int32_t perm[IC_MAX_RANK];
    IC_TRY(ic_transpose_perm(n, rank, perm, d));
    int64_t dense[IC_MAX_RANK], strides[IC_MAX_RANK];
    ic_dense_strides(&x->shape, dense);
    for (int i = 0; i < rank; i++) {
        if (out->shape.rank != rank || out->shape.dims[i] != x->shape.dims[perm[i]])
            return ic_interp_bad_shape(n, "result shape disagrees with perm", d);
        strides[i] = dense[perm[i]];
    }
    ic_strided_copy(out, x, strides, 0);
    return IC_OK;
}

ic_status ic_interp_expand(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    IC_TRY(same_dtype(n, in[0], out, d));
    int64_t strides[IC_MAX_RANK];
    if (!ic_bcast_strides(&in[0]->shape, &out->shape, strides))
        return ic_interp_bad_shape(n, "input does not broadcast to the result shape", d);
    ic_strided_copy(out, in[0], strides, 0);
    return IC_OK;
}

ic_status ic_interp_slice(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    IC_TRY(same_dtype(n, x, out, d));
    int32_t rank = x->shape.rank;
    if (out->shape.rank != rank) return ic_interp_bad_shape(n, "result rank differs from input", d);
    ic_slice_params p;
    IC_TRY(ic_slice_params_get(n, &x->shape, &p, d));
    const int64_t *start = p.start, *step = p.step, *count = p.count;
    int64_t dense[IC_MAX_RANK], strides[IC_MAX_RANK], base = 0;
    ic_dense_strides(&x->shape, dense);
    for (int i = 0; i < rank; i++) {
        if (out->shape.dims[i] != count[i])
            return ic_diag_set(d, IC_ERR_INVALID, "slice: axis %d selects %lld elements but the result has %lld", i,
                               (long long)count[i], (long long)out->shape.dims[i]);
        base += start[i] * dense[i];
        strides[i] = step[i] * dense[i];
    }
    if (ic_tensor_numel(out) == 0) return IC_OK; /* base may point past an empty input */
    ic_strided_copy(out, x, strides, base);
    return IC_OK;
}

/* For concat and split: part agrees with whole on dtype, rank and every dim
 * but axis; adds its axis dim to *total. */
static ic_status check_part(const ic_node *n, const ic_tensor *whole, const ic_tensor *part, int32_t axis,
                            int64_t *total, ic_diag *d) {
    if (part->dtype != whole->dtype) return ic_interp_bad_dtypes(n, part->dtype, whole->dtype, d);
    if (part->shape.rank != whole->shape.rank) return ic_interp_bad_shape(n, "operands differ in rank", d);
    for (int i = 0; i < whole->shape.rank; i++)
        if (i != axis && part->shape.dims[i] != whole->shape.dims[i])
            return ic_interp_bad_shape(n, "operands differ in a dim other than axis", d);
    *total += part->shape.dims[axis];
    return IC_OK;
}

ic_status ic_interp_concat(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    int32_t axis;
    IC_TRY(ic_axis_of(n, out->shape.rank, &axis, d));
    int64_t total = 0;
    for (uint32_t k = 0; k < n->n_inputs; k++) IC_TRY(check_part(n, out, in[k], axis, &total, d));
    if (total != out->shape.dims[axis]) return ic_interp_bad_shape(n, "sizes along axis do not add up", d);
    size_t es = ic_dtype_size(out->dtype);
    int64_t outer = ic_dims_prod(&out->shape, 0, axis), inner = ic_dims_prod(&out->shape, axis + 1, out->shape.rank);
    char *dst = out->data;
    for (int64_t o = 0; o < outer; o++)
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            size_t chunk = (size_t)(in[k]->shape.dims[axis] * inner) * es;
            memcpy(dst, (const char *)in[k]->data + (size_t)o * chunk, chunk);
            dst += chunk;
        }
    return IC_OK;
}

ic_status ic_interp_split(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));
    /* The piece sizes are the results' dims along axis, as shape inference set them from `sizes`. */
    int64_t total = 0;
    for (uint32_t k = 0; k < n->n_outputs; k++) IC_TRY(check_part(n, x, &out[k], axis, &total, d));
    if (total != x->shape.dims[axis]) return ic_interp_bad_shape(n, "sizes along axis do not add up", d);
    size_t es = ic_dtype_size(x->dtype);
    int64_t outer = ic_dims_prod(&x->shape, 0, axis), inner = ic_dims_prod(&x->shape, axis + 1, x->shape.rank);
    const char *src = x->data;
    for (int64_t o = 0; o < outer; o++)
        for (uint32_t k = 0; k < n->n_outputs; k++) {
            size_t chunk = (size_t)(out[k].shape.dims[axis] * inner) * es;
            memcpy((char *)out[k].data + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
    return IC_OK;
}

ic_status ic_interp_gather(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *idx = in[1];
    IC_TRY(same_dtype(n, x, out, d));
    if (idx->dtype != IC_DT_I32 && idx->dtype != IC_DT_I64) return ic_interp_bad_dtype(n, idx->dtype, d);
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));

    /* out.shape = x.shape[:axis] + idx.shape + x.shape[axis+1:] */
    int32_t r = x->shape.rank, q = idx->shape.rank;
    bool ok = out->shape.rank == r + q - 1;
    for (int i = 0; ok && i < out->shape.rank; i++) {
        int64_t want = i < axis ? x->shape.dims[i] : i < axis + q ? idx->shape.dims[i - axis] : x->shape.dims[i - q + 1];
        ok = out->shape.dims[i] == want;
    }
    if (!ok) return ic_interp_bad_shape(n, "result shape disagrees with data and indices", d);

    int64_t dim = x->shape.dims[axis];
    size_t n_idx = ic_tensor_numel(idx);
    for (size_t j = 0; j < n_idx; j++) { /* every index is checked, even when the result is empty */
        int64_t v = ic_ld_i(idx, j);
        if (v < -dim || v >= dim)
            return ic_diag_set(d, IC_ERR_RUNTIME, "gather: index %lld out of range for axis %d of size %lld",
                               (long long)v, axis, (long long)dim);
    }
    size_t es = ic_dtype_size(x->dtype);
    int64_t outer = ic_dims_prod(&x->shape, 0, axis);
    size_t block = (size_t)ic_dims_prod(&x->shape, axis + 1, r) * es; /* bytes per index */
    const char *src = x->data;
    char *dst = out->data;
    for (int64_t o = 0; o < outer; o++)
        for (size_t j = 0; j < n_idx; j++) {
            int64_t v = ic_ld_i(idx, j);
            if (v < 0) v += dim;
            memcpy(dst, src + ((size_t)o * (size_t)dim + (size_t)v) * block, block);
            dst += block;
        }
    return IC_OK;
}
