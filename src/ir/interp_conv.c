/* interp_conv.c — reference conv_transpose (ONNX ConvTranspose) over NCHW or
 * NHWC f32: every input element scatters x * w into the output window it
 * covers, accumulated in double, then the bias is added.
 *
 * For input position (iy, ix), kernel tap (ky, kx), the output position is
 * oy = iy*stride - pad_top + ky*dilation (same for x); positions outside the
 * output (cut by pads, or beyond it) are dropped. Weights are
 * [C, M/group, kH, kW]: input channel c of group g feeds output channels
 * g*(M/group) ... (g+1)*(M/group)-1. */
#include <stdlib.h>

#include "ir/interp_impl.h"

ic_status ic_interp_conv_transpose(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *w = in[1], *bias = n->n_inputs > 2 ? in[2] : NULL;
    ic_conv_view v;
    IC_TRY(ic_interp_conv_view(n, in, out, &v, d));
    const ic_conv_params p = v.p;
    const int64_t *xd = v.xd, *yd = v.yd, *xs = v.xs, *ys = v.ys;
    int64_t nb = xd[0], c_in = xd[1], h = xd[2], wd = xd[3];
    int64_t mg = w->shape.dims[1], kh = w->shape.dims[2], kw = w->shape.dims[3];
    int64_t g = p.group, m = mg * g, oh = yd[2], ow = yd[3];
    if (w->shape.dims[0] != c_in || c_in % g != 0) return ic_interp_bad_shape(n, "channels do not match w and group", d);
    if (yd[0] != nb || yd[1] != m) return ic_interp_bad_shape(n, "result shape disagrees", d);
    if (bias && (int64_t)ic_tensor_numel(bias) != m) return ic_interp_bad_shape(n, "bias needs one value per output channel", d);
    int64_t cg = c_in / g; /* input channels per group */

    size_t total = ic_tensor_numel(out);
    double *acc = calloc(total ? total : 1, sizeof *acc);
    if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "conv_transpose: out of memory");
    const float *px = x->data, *pw = w->data;
    for (int64_t b = 0; b < nb; b++)
        for (int64_t ci = 0; ci < c_in; ci++) {
            int64_t grp = ci / cg;
            for (int64_t iy = 0; iy < h; iy++)
                for (int64_t ix = 0; ix < wd; ix++) {
                    double xv = px[b * xs[0] + ci * xs[1] + iy * xs[2] + ix * xs[3]];
                    for (int64_t o = 0; o < mg; o++) {
                        int64_t oc = grp * mg + o;
                        const float *wc = pw + (ci * mg + o) * kh * kw;
                        for (int64_t ky = 0; ky < kh; ky++) {
                            int64_t oy = iy * p.strides[0] - p.pads[0] + ky * p.dilations[0];
                            if (oy < 0 || oy >= oh) continue;
                            for (int64_t kx = 0; kx < kw; kx++) {
                                int64_t ox = ix * p.strides[1] - p.pads[1] + kx * p.dilations[1];
                                if (ox < 0 || ox >= ow) continue;
                                acc[b * ys[0] + oc * ys[1] + oy * ys[2] + ox * ys[3]] += xv * (double)wc[ky * kw + kx];
                            }
                        }
                    }
                }
        }
    for (int64_t b = 0; b < nb; b++)
        for (int64_t oc = 0; oc < m; oc++) {
            double b0 = bias ? ic_ld_f(bias, (size_t)oc) : 0.0;
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    size_t i = (size_t)(b * ys[0] + oc * ys[1] + oy * ys[2] + ox * ys[3]);
                    ic_st_f(out, i, acc[i] + b0);
                }
        }
    free(acc);
    return IC_OK;
}
