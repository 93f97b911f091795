/* interp_resize.c — reference resize: nearest (any dtype) and linear
 * (f32: multilinear over every resized dim), with the ONNX coordinate modes
 * of ic_resize_sample (index_maps.c).
 *
 * Linear sums, in double, value * prod(weight) over the 2^k corners of the k
 * dims that interpolate; a dim whose every weight is 0 (an identity or an
 * integer-ratio mapping) just indexes, so it never multiplies an infinity by
 * 0. Codegen uses the same rule. */
#include <stdlib.h>
#include <string.h>

#include "ir/interp_impl.h"

ic_status ic_interp_resize(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_resize_params p;
    IC_TRY(ic_resize_params_get(n, &x->shape, &p, d));
    int32_t r = x->shape.rank;
    if (out->dtype != x->dtype || out->shape.rank != r) return ic_interp_bad_shape(n, "result type differs", d);
    for (int i = 0; i < r; i++)
        if (out->shape.dims[i] != p.sizes[i] || (x->shape.dims[i] == 0 && p.sizes[i] > 0))
            return ic_interp_bad_shape(n, "result shape does not match sizes", d);
    bool linear = p.mode == IC_RESIZE_LINEAR;
    if (linear && x->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, x->dtype, d);
    size_t count = ic_tensor_numel(out);
    if (count == 0) return IC_OK;

    /* per dim: source indices and weights of every output index */
    int64_t total = 0, at[IC_MAX_RANK];
    for (int i = 0; i < r; i++) {
        at[i] = total;
        total += p.sizes[i];
    }
    int64_t *i0 = malloc((size_t)(total ? total : 1) * 2 * sizeof *i0);
    double *w = malloc((size_t)(total ? total : 1) * sizeof *w);
    if (!i0 || !w) {
        free(i0);
        free(w);
        return ic_diag_set(d, IC_ERR_NOMEM, "resize: out of memory");
    }
    int64_t *i1 = i0 + total;
    bool interp[IC_MAX_RANK] = {false}; /* dims that blend two samples */
    int nk = 0, kdims[IC_MAX_RANK];
    for (int i = 0; i < r; i++) {
        for (int64_t k = 0; k < p.sizes[i]; k++) {
            ic_resize_sample(&p, i, x->shape.dims[i], k, &i0[at[i] + k], &i1[at[i] + k], &w[at[i] + k]);
            if (w[at[i] + k] != 0.0) interp[i] = true;
        }
        if (linear && interp[i]) kdims[nk++] = i;
    }

    int64_t xs[IC_MAX_RANK];
    ic_dense_strides(&x->shape, xs);
    size_t es = ic_dtype_size(x->dtype);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 0, NULL, NULL);
    for (size_t e = 0; e < count; e++, ic_iter_next(&it)) {
        int64_t base = 0; /* offset of the corner with every blending dim at its lower sample */
        for (int i = 0; i < r; i++) base += i0[at[i] + it.idx[i]] * xs[i];
        if (!linear || nk == 0) {
            memcpy((char *)out->data + e * es, (const char *)x->data + (size_t)base * es, es);
            continue;
        }
        double sum = 0.0;
        for (uint32_t corner = 0; corner < (1u << nk); corner++) {
            int64_t off = base;
            double wt = 1.0;
            for (int j = 0; j < nk; j++) {
                int dim = kdims[j];
                int64_t t = at[dim] + it.idx[dim];
                if (corner & (1u << j)) {
                    off += (i1[t] - i0[t]) * xs[dim];
                    wt *= w[t];
                } else {
                    wt *= 1.0 - w[t];
                }
            }
            sum += wt * ic_ld_f(x, (size_t)off);
        }
        ic_st_f(out, e, sum);
    }
    free(i0);
    free(w);
    return IC_OK;
}
