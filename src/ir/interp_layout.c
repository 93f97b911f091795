/* interp_layout.c — reference kernels for ops that rearrange elements by an
 * index map: tile, pad (constant / reflect / edge, negative pads crop),
 * trilu, depth_to_space (DCR and CRD) and space_to_depth. Every dtype;
 * nothing is computed, elements are copied (or filled). */
#include <math.h>
#include <string.h>

#include "ir/interp_impl.h"

ic_status ic_interp_tile(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    int64_t rep[IC_MAX_RANK], xs[IC_MAX_RANK];
    IC_TRY(ic_tile_repeats(n, x->shape.rank, rep, d));
    if (out->dtype != x->dtype || out->shape.rank != x->shape.rank) return ic_interp_bad_shape(n, "result type differs", d);
    for (int i = 0; i < x->shape.rank; i++)
        if (out->shape.dims[i] != x->shape.dims[i] * rep[i]) return ic_interp_bad_shape(n, "result shape does not match", d);
    ic_dense_strides(&x->shape, xs);
    size_t es = ic_dtype_size(x->dtype), count = ic_tensor_numel(out);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 0, NULL, NULL);
    for (size_t i = 0; i < count; i++, ic_iter_next(&it)) {
        int64_t src = 0;
        for (int k = 0; k < x->shape.rank; k++) src += it.idx[k] % x->shape.dims[k] * xs[k];
        memcpy((char *)out->data + i * es, (const char *)x->data + (size_t)src * es, es);
    }
    return IC_OK;
}

/* pad's fill value for an integer dtype: truncated toward zero, saturated (NaN: 0). */
static int64_t int_fill(double v) {
    if (isnan(v)) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

ic_status ic_interp_pad(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_pad_params p;
    IC_TRY(ic_pad_params_get(n, x->shape.rank, &p, d));
    int32_t r = x->shape.rank;
    if (out->dtype != x->dtype || out->shape.rank != r) return ic_interp_bad_shape(n, "result type differs", d);
    for (int i = 0; i < r; i++)
        if (out->shape.dims[i] != x->shape.dims[i] + p.begin[i] + p.end[i])
            return ic_interp_bad_shape(n, "result shape does not match the pads", d);
    /* the fill element, in the result's dtype */
    ic_tensor fill = {.dtype = x->dtype, .shape = {.rank = 0}};
    uint64_t fill_bytes = 0;
    fill.data = &fill_bytes;
    if (x->dtype == IC_DT_F32)
        ic_st_f(&fill, 0, p.value);
    else if (x->dtype == IC_DT_F16 || x->dtype == IC_DT_BF16)
        *(uint16_t *)fill.data = ic_half_from_f64(p.value, x->dtype);
    else
        ic_st_i(&fill, 0, int_fill(p.value));
    int64_t xs[IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    size_t es = ic_dtype_size(x->dtype), count = ic_tensor_numel(out);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 0, NULL, NULL);
    for (size_t i = 0; i < count; i++, ic_iter_next(&it)) {
        int64_t src = 0;
        for (int k = 0; k < r && src >= 0; k++) {
            int64_t s = ic_pad_source(&p, k, x->shape.dims[k], it.idx[k]);
            src = s < 0 ? -1 : src + s * xs[k];
        }
        memcpy((char *)out->data + i * es, src < 0 ? (const char *)fill.data : (const char *)x->data + (size_t)src * es, es);
    }
    return IC_OK;
}

ic_status ic_interp_trilu(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    int32_t r = x->shape.rank;
    if (r < 2 || out->dtype != x->dtype || !ic_shape_equal(&x->shape, &out->shape))
        return ic_interp_bad_shape(n, "needs rank >= 2 and a result like its input", d);
    ic_trilu_params p = ic_trilu_params_get(n);
    int64_t rows = x->shape.dims[r - 2], cols = x->shape.dims[r - 1], mats = ic_dims_prod(&x->shape, 0, r - 2);
    size_t es = ic_dtype_size(x->dtype);
    for (int64_t m = 0; m < mats; m++)
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                size_t at = (size_t)((m * rows + i) * cols + j) * es;
                bool keep = p.upper ? j - i >= p.k : j - i <= p.k;
                if (keep) memcpy((char *)out->data + at, (const char *)x->data + at, es);
                else memset((char *)out->data + at, 0, es);
            }
    return IC_OK;
}

/* depth_to_space and space_to_depth: one loop over the space side [N, C', H*b, W*b]. */
ic_status ic_interp_depth_space(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_d2s_params p;
    IC_TRY(ic_d2s_params_get(n, &p, d));
    bool d2s = n->op == IC_OP_DEPTH_TO_SPACE;
    const ic_tensor *deep = d2s ? x : out, *wide = d2s ? out : x; /* [N, C'*b*b, H, W] and [N, C', H*b, W*b] */
    if (x->shape.rank != 4 || out->shape.rank != 4 || out->dtype != x->dtype)
        return ic_interp_bad_shape(n, "needs 4-D tensors", d);
    int64_t b = p.blocksize, nb = wide->shape.dims[0], c1 = wide->shape.dims[1];
    int64_t h = deep->shape.dims[2], w = deep->shape.dims[3];
    if (deep->shape.dims[1] != c1 * b * b || wide->shape.dims[2] != h * b || wide->shape.dims[3] != w * b)
        return ic_interp_bad_shape(n, "result shape does not match the blocksize", d);
    size_t es = ic_dtype_size(x->dtype);
    for (int64_t ni = 0; ni < nb; ni++)
        for (int64_t c = 0; c < c1; c++)
            for (int64_t y = 0; y < h * b; y++)
                for (int64_t z = 0; z < w * b; z++) {
                    int64_t bh = y % b, bw = z % b;
                    int64_t dc = d2s && p.crd ? c * b * b + bh * b + bw : (bh * b + bw) * c1 + c; /* deep channel */
                    size_t wi = (size_t)(((ni * c1 + c) * h * b + y) * w * b + z);
                    size_t di = (size_t)(((ni * c1 * b * b + dc) * h + y / b) * w + z / b);
                    if (d2s) memcpy((char *)out->data + wi * es, (const char *)x->data + di * es, es);
                    else memcpy((char *)out->data + di * es, (const char *)x->data + wi * es, es);
                }
    return IC_OK;
}
