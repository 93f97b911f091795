/* interp_pool.c — reference max_pool2d and avg_pool2d over NCHW (or, with
 * layout=nhwc, NHWC) f32.
 *
 * The output size (including ceil_mode and the rule that drops a last window
 * starting in the end padding) comes from shape inference; here each output
 * position just visits its window. Padding never wins a max (an all-padding
 * window gives -inf); max propagates NaN. avg divides by the count of real
 * elements, or with count_include_pad by the window clipped to the padded
 * input (H + pad_bottom, W + pad_right), as PyTorch does: the part of a
 * ceil_mode window that hangs past the padding is not counted. */
#include <math.h>

#include "ir/interp_impl.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

ic_status ic_interp_pool2d(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    if (x->dtype != IC_DT_F32 || out->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, x->dtype, d);
    ic_pool_params p;
    IC_TRY(ic_pool_params_get(n, &p, d));
    if (x->shape.rank != 4 || out->shape.rank != 4)
        return ic_interp_bad_shape(n, "x and the result must be 4-D", d);
    int64_t xd[4], yd[4], xs[4], ys[4]; /* logical N, C, H, W and their strides */
    ic_interp_act_dims(&x->shape, p.channels_last, xd);
    ic_interp_act_dims(&out->shape, p.channels_last, yd);
    ic_interp_act_strides(&x->shape, p.channels_last, xs);
    ic_interp_act_strides(&out->shape, p.channels_last, ys);
    if (yd[0] != xd[0] || yd[1] != xd[1])
        return ic_interp_bad_shape(n, "x and the result must have the same N and C", d);
    bool is_max = n->op == IC_OP_MAX_POOL2D;
    int64_t channels = xd[1], planes = xd[0] * xd[1], h = xd[2], w = xd[3];
    int64_t oh = yd[2], ow = yd[3];
    int64_t kh = p.kernel[0], kw = p.kernel[1];
    int64_t dh = is_max ? p.dilations[0] : 1, dw = is_max ? p.dilations[1] : 1; /* avg has no dilations */
    for (int64_t pl = 0; pl < planes; pl++) {
        int64_t b = pl / channels, ch = pl % channels;
        int64_t xbase = b * xs[0] + ch * xs[1], ybase = b * ys[0] + ch * ys[1];
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                int64_t y0 = oy * p.strides[0] - p.pads[0], x0 = ox * p.strides[1] - p.pads[1];
                double best = -INFINITY, sum = 0.0;
                int64_t count = 0;
                for (int64_t ky = 0; ky < kh; ky++) {
                    int64_t iy = y0 + ky * dh;
                    if (iy < 0 || iy >= h) continue;
                    for (int64_t kx = 0; kx < kw; kx++) {
                        int64_t ix = x0 + kx * dw;
                        if (ix < 0 || ix >= w) continue;
                        double v = ic_ld_f(x, (size_t)(xbase + iy * xs[2] + ix * xs[3]));
                        if (isnan(v) || v > best) best = v; /* once NaN, nothing compares greater */
                        sum += v;
                        count++;
                    }
                }
                double y;
                if (is_max) {
                    y = best;
                } else if (p.count_include_pad) {
                    int64_t hh = min64(y0 + kh, h + p.pads[2]) - y0, ww = min64(x0 + kw, w + p.pads[3]) - x0;
                    y = sum / (double)(hh * ww);
                } else {
                    y = sum / (double)count; /* no real element: 0/0 = NaN */
                }
                ic_st_f(out, (size_t)(ybase + oy * ys[2] + ox * ys[3]), y);
            }
    }
    return IC_OK;
}
