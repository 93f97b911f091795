/* onnx_ops_nn3d.c — 3-D Conv, MaxPool and AveragePool spelled with the IR's
 * 2-D ops.
 *
 * A 3-D window over [N, C, D, H, W] is a 2-D window over (H, W) applied to
 * kD depth slices: slice k holds depth planes k*dil, k*dil + stride, ... (one
 * per output depth), moved into the batch as [N*Dout, C, H, W]. Then
 *   conv3d  = sum over k of conv2d(slice k, W[:, :, k]) (+ bias once),
 *   maxpool = max over k of max_pool2d(slice k),
 *   avgpool = sum over k of avg_pool2d(slice k) / the depth count,
 * and the result goes back to [N, M, Dout, Ho, Wo]. Depth padding is a pad
 * of the input (zeros; the lowest float for max pooling), and the depth count
 * of an average excludes padded planes unless count_include_pad. */
#include <float.h>
#include <string.h>

#include "ir/onnx_impl.h"

/* Splits x [N,C,D,H,W] into w->kernel[0] slices [N*Dout, C, H, W]. */
static ic_status depth_slices(onnx_node *n, uint32_t x, const onnx_window *w, double pad_value, int64_t *out_dout,
                              uint32_t *slices) {
    ic_shape s = onnx_val(n, x)->shape;
    int64_t lo = w->pads[0], hi = w->pads[3];
    if (lo || hi) {
        ic_op pad;
        IC_TRY(onnx_need_op(n, "pad", &pad));
        int64_t pads[10] = {0, 0, lo, 0, 0, 0, 0, hi, 0, 0};
        ic_attr a[3] = {ic_attr_make_ints("pads", pads, 10), ic_attr_make_string("mode", "constant"),
                        ic_attr_make_float("value", pad_value)};
        IC_TRY(onnx_emit1(n, pad, x, a, 3, &x));
    }
    int64_t dp = s.dims[2] + lo + hi, kd = w->kernel[0], stride = w->strides[0], dil = w->dilations[0];
    int64_t eff = dil * (kd - 1) + 1;
    if (dp < eff) return onnx_invalid(n, "the window is deeper than the padded input");
    int64_t dout = (dp - eff) / stride + 1;
    int64_t perm[5] = {0, 2, 1, 3, 4}, axis = 2;
    int64_t flat[4] = {s.dims[0] * dout, s.dims[1], s.dims[3], s.dims[4]};
    for (int64_t k = 0; k < kd; k++) {
        int64_t start = k * dil, end = start + (dout - 1) * stride + 1;
        ic_attr sa[4] = {ic_attr_make_ints("starts", &start, 1), ic_attr_make_ints("ends", &end, 1),
                         ic_attr_make_ints("axes", &axis, 1), ic_attr_make_ints("steps", &stride, 1)};
        ic_attr ta = ic_attr_make_ints("perm", perm, 5);
        uint32_t v;
        IC_TRY(onnx_emit1(n, IC_OP_SLICE, x, sa, 4, &v));
        IC_TRY(onnx_emit1(n, IC_OP_TRANSPOSE, v, &ta, 1, &v));
        IC_TRY(onnx_reshape(n, v, flat, 4, &slices[k]));
    }
    *out_dout = dout;
    return IC_OK;
}

/* y [N*Dout, M, Ho, Wo] → [N, M, Dout, Ho, Wo]; div (if not IC_NONE) divides
 * the [N, Dout, M, Ho, Wo] view first. */
static ic_status from_batch(onnx_node *n, uint32_t y, int64_t batch, int64_t dout, uint32_t div, uint32_t *out_v) {
    ic_shape s = onnx_val(n, y)->shape;
    int64_t dims[5] = {batch, dout, s.dims[1], s.dims[2], s.dims[3]};
    IC_TRY(onnx_reshape(n, y, dims, 5, &y));
    if (div != IC_NONE) IC_TRY(onnx_emit2(n, IC_OP_DIV, y, div, &y));
    int64_t perm[5] = {0, 2, 1, 3, 4};
    ic_attr ta = ic_attr_make_ints("perm", perm, 5);
    return onnx_emit1(n, IC_OP_TRANSPOSE, y, &ta, 1, out_v);
}

ic_status onnx_conv3d(onnx_node *n) {
    uint32_t x, wt, y = IC_NONE;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &wt));
    ic_shape xs = onnx_val(n, x)->shape, ws = onnx_val(n, wt)->shape;
    if (ws.rank != 5) return onnx_invalid(n, "weight must be 5-D");
    onnx_window w;
    IC_TRY(onnx_window_attrs(n, &xs, ws.dims + 2, true, &w));
    if (w.kernel[0] > 64) return onnx_unsupported(n, "kernel depth %lld is too large", (long long)w.kernel[0]);
    uint32_t slices[64];
    int64_t dout;
    IC_TRY(depth_slices(n, x, &w, 0.0, &dout, slices));
    int64_t group = onnx_attr_int(n, "group", 1), axis = 2;
    int64_t strides[2] = {w.strides[1], w.strides[2]}, dil[2] = {w.dilations[1], w.dilations[2]};
    int64_t pads[4] = {w.pads[1], w.pads[2], w.pads[4], w.pads[5]};
    int64_t wflat[4] = {ws.dims[0], ws.dims[1], ws.dims[3], ws.dims[4]};
    ic_attr ca[4] = {ic_attr_make_ints("strides", strides, 2), ic_attr_make_ints("pads", pads, 4),
                     ic_attr_make_ints("dilations", dil, 2), ic_attr_make_int("group", group)};
    for (int64_t k = 0; k < w.kernel[0]; k++) {
        int64_t start = k, end = k + 1;
        ic_attr sa[3] = {ic_attr_make_ints("starts", &start, 1), ic_attr_make_ints("ends", &end, 1),
                         ic_attr_make_ints("axes", &axis, 1)};
        uint32_t wk, yk;
        IC_TRY(onnx_emit1(n, IC_OP_SLICE, wt, sa, 3, &wk));
        IC_TRY(onnx_reshape(n, wk, wflat, 4, &wk));
        uint32_t in[3] = {slices[k], wk, onnx_in(n, 2)};
        IC_TRY(onnx_emit(n, IC_OP_CONV2D, in, k == 0 && in[2] != IC_NONE ? 3 : 2, ca, 4, &yk));
        if (y == IC_NONE) y = yk;
        else IC_TRY(onnx_emit2(n, IC_OP_ADD, y, yk, &y));
    }
    IC_TRY(from_batch(n, y, xs.dims[0], dout, IC_NONE, &y));
    return onnx_set_out(n, 0, y);
}

ic_status onnx_pool3d(onnx_node *n, bool is_max, const int64_t *kernel) {
    uint32_t x, y = IC_NONE;
    IC_TRY(onnx_req(n, 0, &x));
    ic_shape xs = onnx_val(n, x)->shape;
    onnx_window w;
    IC_TRY(onnx_window_attrs(n, &xs, kernel, is_max, &w));
    if (onnx_attr_int(n, "ceil_mode", 0)) return onnx_unsupported(n, "ceil_mode=1 is not supported for 3-D pooling");
    if (w.kernel[0] > 64) return onnx_unsupported(n, "kernel depth %lld is too large", (long long)w.kernel[0]);
    uint32_t slices[64];
    int64_t dout;
    IC_TRY(depth_slices(n, x, &w, is_max ? -FLT_MAX : 0.0, &dout, slices));
    bool include_pad = onnx_attr_int(n, "count_include_pad", 0) != 0;
    int64_t kernel2[2] = {w.kernel[1], w.kernel[2]}, strides[2] = {w.strides[1], w.strides[2]};
    int64_t dil[2] = {w.dilations[1], w.dilations[2]}, pads[4] = {w.pads[1], w.pads[2], w.pads[4], w.pads[5]};
    ic_attr pa[4] = {ic_attr_make_ints("kernel", kernel2, 2), ic_attr_make_ints("strides", strides, 2),
                     ic_attr_make_ints("pads", pads, 4),
                     is_max ? ic_attr_make_ints("dilations", dil, 2)
                            : ic_attr_make_int("count_include_pad", include_pad ? 1 : 0)};
    for (int64_t k = 0; k < w.kernel[0]; k++) {
        uint32_t yk;
        IC_TRY(onnx_emit1(n, is_max ? IC_OP_MAX_POOL2D : IC_OP_AVG_POOL2D, slices[k], pa, 4, &yk));
        if (y == IC_NONE) y = yk;
        else IC_TRY(onnx_emit2(n, is_max ? IC_OP_MAX : IC_OP_ADD, y, yk, &y));
    }
    uint32_t div = IC_NONE;
    if (!is_max) {
        /* planes that count per output depth: all kD, or those not in the padding */
        float cnt[4096];
        if (dout > 4096) return onnx_unsupported(n, "output depth too large");
        for (int64_t od = 0; od < dout; od++) {
            int64_t c = 0;
            for (int64_t k = 0; k < w.kernel[0]; k++) {
                int64_t d = od * w.strides[0] + k * w.dilations[0] - w.pads[0];
                c += include_pad || (d >= 0 && d < xs.dims[2]);
            }
            cnt[od] = (float)(c ? c : 1);
        }
        ic_shape cs = {.rank = 5, .dims = {1, dout, 1, 1, 1}};
        IC_TRY(onnx_const(n, IC_DT_F32, &cs, cnt, &div));
    }
    IC_TRY(from_batch(n, y, xs.dims[0], dout, div, &y));
    return onnx_set_out(n, 0, y);
}
