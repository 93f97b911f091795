/* interp_instnorm.c — reference instance_norm(x, scale, bias): for every
 * (n, c), (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c] over the
 * spatial dims (2 and up), with the biased variance; two passes in double. */
#include <math.h>

#include "ir/interp_impl.h"

ic_status ic_interp_instance_norm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *scale = in[1], *bias = in[2];
    for (int i = 0; i < 3; i++)
        if (in[i]->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, in[i]->dtype, d);
    if (x->shape.rank < 2 || out->dtype != IC_DT_F32 || !ic_shape_equal(&x->shape, &out->shape))
        return ic_interp_bad_shape(n, "needs x of rank >= 2 and a result like it", d);
    int64_t nb = x->shape.dims[0], ch = x->shape.dims[1], len = ic_dims_prod(&x->shape, 2, x->shape.rank);
    if ((int64_t)ic_tensor_numel(scale) != ch || (int64_t)ic_tensor_numel(bias) != ch)
        return ic_interp_bad_shape(n, "scale and bias need one value per channel", d);
    double eps = ic_epsilon_of(n);
    for (int64_t b = 0; b < nb; b++)
        for (int64_t c = 0; c < ch; c++) {
            size_t base = (size_t)((b * ch + c) * len);
            double mean = 0.0, var = 0.0;
            for (int64_t i = 0; i < len; i++) mean += ic_ld_f(x, base + (size_t)i);
            mean /= (double)len;
            for (int64_t i = 0; i < len; i++) {
                double t = ic_ld_f(x, base + (size_t)i) - mean;
                var += t * t;
            }
            var /= (double)len;
            double denom = sqrt(var + eps), s = ic_ld_f(scale, (size_t)c), sh = ic_ld_f(bias, (size_t)c);
            for (int64_t i = 0; i < len; i++)
                ic_st_f(out, base + (size_t)i, (ic_ld_f(x, base + (size_t)i) - mean) / denom * s + sh);
        }
    return IC_OK;
}
