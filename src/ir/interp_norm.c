/* interp_norm.c — reference row ops and normalisation: softmax,
 * log_softmax, layernorm and batchnorm (f32 only, computed in double).
 *
 * softmax subtracts the row max first: a row of all -inf gives NaN (the max
 * is -inf and -inf - -inf is NaN), as in PyTorch; any NaN in a row makes the
 * whole row NaN. layernorm uses the biased variance, two-pass in double. */
#include <math.h>
#include <stdlib.h>

#include "ir/interp_impl.h"

/* An error unless every present tensor in in[0..k) and out is f32. */
static ic_status all_f32(const ic_node *n, const ic_tensor *const *in, uint32_t k, const ic_tensor *out,
                         ic_diag *d) {
    for (uint32_t i = 0; i < k; i++)
        if (in[i] && in[i]->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, in[i]->dtype, d);
    if (out->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, out->dtype, d);
    return IC_OK;
}

ic_status ic_interp_softmax(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    IC_TRY(all_f32(n, in, 1, out, d));
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));
    int64_t outer = ic_dims_prod(&x->shape, 0, axis), len = x->shape.dims[axis];
    int64_t inner = ic_dims_prod(&x->shape, axis + 1, x->shape.rank);
    bool log_form = n->op == IC_OP_LOG_SOFTMAX;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            size_t base = (size_t)(o * len * inner + i); /* element j of this row is at base + j*inner */
            double m = -INFINITY;
            for (int64_t j = 0; j < len; j++) {
                double v = ic_ld_f(x, base + (size_t)(j * inner));
                if (isnan(v) || v > m) m = v;
            }
            double sum = 0.0;
            for (int64_t j = 0; j < len; j++) sum += exp(ic_ld_f(x, base + (size_t)(j * inner)) - m);
            for (int64_t j = 0; j < len; j++) {
                size_t k = base + (size_t)(j * inner);
                double z = ic_ld_f(x, k) - m;
                ic_st_f(out, k, log_form ? z - log(sum) : exp(z) / sum);
            }
        }
    return IC_OK;
}

ic_status ic_interp_layernorm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    const ic_tensor *scale = n->n_inputs > 1 ? in[1] : NULL, *bias = n->n_inputs > 2 ? in[2] : NULL;
    IC_TRY(all_f32(n, in, n->n_inputs, out, d));
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, d));
    double eps = ic_epsilon_of(n);

    /* The normalised block x.shape[axis:] and where scale/bias sit for each of its elements. */
    ic_shape tail = {.rank = x->shape.rank - axis};
    for (int i = 0; i < tail.rank; i++) tail.dims[i] = x->shape.dims[axis + i];
    int64_t rows = ic_dims_prod(&x->shape, 0, axis), len = (int64_t)ic_shape_numel(&tail);
    int64_t strides[2][IC_MAX_RANK] = {{0}};
    if ((scale && !ic_bcast_strides(&scale->shape, &tail, strides[0])) ||
        (bias && !ic_bcast_strides(&bias->shape, &tail, strides[1])))
        return ic_interp_bad_shape(n, "scale and bias must broadcast to x.shape[axis:]", d);
    int64_t *poff = malloc((size_t)(len ? len : 1) * 2 * sizeof *poff); /* [j] scale offset, [len+j] bias offset */
    if (!poff) return ic_diag_set(d, IC_ERR_NOMEM, "layernorm: out of memory");
    ic_iter it;
    ic_iter_init(&it, &tail, 2, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    for (int64_t j = 0; j < len; j++, ic_iter_next(&it)) {
        poff[j] = it.off[0];
        poff[len + j] = it.off[1];
    }

    for (int64_t r = 0; r < rows; r++) {
        size_t base = (size_t)(r * len);
        double mean = 0.0, var = 0.0;
        for (int64_t j = 0; j < len; j++) mean += ic_ld_f(x, base + (size_t)j);
        mean /= (double)len;
        for (int64_t j = 0; j < len; j++) {
            double c = ic_ld_f(x, base + (size_t)j) - mean;
            var += c * c;
        }
        var /= (double)len;
        double denom = sqrt(var + eps);
        for (int64_t j = 0; j < len; j++) {
            double y = (ic_ld_f(x, base + (size_t)j) - mean) / denom;
            if (scale) y *= ic_ld_f(scale, (size_t)poff[j]);
            if (bias) y += ic_ld_f(bias, (size_t)poff[len + j]);
            ic_st_f(out, base + (size_t)j, y);
        }
    }
    free(poff);
    return IC_OK;
}

ic_status ic_interp_batchnorm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *scale = in[1], *bias = in[2], *mean = in[3], *var = in[4];
    IC_TRY(all_f32(n, in, 5, out, d));
    if (x->shape.rank < 2) return ic_interp_bad_shape(n, "x needs rank >= 2", d);
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    int64_t c_dim = x->shape.dims[1];
    for (int k = 1; k < 5; k++)
        if ((int64_t)ic_tensor_numel(in[k]) != c_dim)
            return ic_interp_bad_shape(n, "scale, bias, mean and var need one value per channel", d);
    double eps = ic_epsilon_of(n);
    int64_t batch = x->shape.dims[0], inner = ic_dims_prod(&x->shape, 2, x->shape.rank);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t c = 0; c < c_dim; c++) {
            double m = ic_ld_f(mean, (size_t)c), denom = sqrt(ic_ld_f(var, (size_t)c) + eps);
            double s = ic_ld_f(scale, (size_t)c), sh = ic_ld_f(bias, (size_t)c);
            size_t base = (size_t)((b * c_dim + c) * inner);
            for (int64_t i = 0; i < inner; i++) {
                size_t k = base + (size_t)i;
                ic_st_f(out, k, (ic_ld_f(x, k) - m) / denom * s + sh);
            }
        }
    return IC_OK;
}
