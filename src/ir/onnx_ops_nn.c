/* onnx_ops_nn.c — ONNX network layers onto core ops: MatMul, Gemm, Conv,
 * ConvTranspose, pooling, normalisations, Softmax/LogSoftmax, Identity and
 * Dropout.
 *
 * Convolutions and pools are 2-D in the IR. 1-D ones become 2-D by
 * inserting a unit H dim (and removing it after); 3-D ones are sums (maxima)
 * of 2-D ones over depth slices (onnx_ops_nn3d.c).
 * auto_pad (SAME_UPPER, SAME_LOWER, VALID) becomes explicit pads. Before
 * opset 13 Softmax/LogSoftmax coerce the input to 2-D at `axis`, which is a
 * reshape around a last-axis softmax. */
#include <string.h>

#include "ir/onnx_impl.h"

/* --- spatial parameters ---------------------------------------------------------------- */

/* Window parameters of a conv or pool, normalised to 2-D. */
typedef struct window2d {
    int64_t kernel[2];    /* kH, kW */
    int64_t strides[2];   /* along H, W */
    int64_t dilations[2]; /* along H, W */
    int64_t pads[4];      /* top, left, bottom, right */
    bool one_d;           /* the ONNX op was 1-D: a unit H dim was added */
} window2d;

/* Reads a per-spatial-dim int list attribute (k entries expected) into out,
 * leaving the defaults in out when absent. */
static ic_status spatial_attr(onnx_node *n, const char *name, uint32_t k, int64_t *out) {
    const int64_t *v;
    uint32_t m;
    if (!onnx_attr_ints(n, name, &v, &m) || m == 0) return IC_OK;
    if (m != k) return onnx_invalid(n, "attribute %s has %u values, expected %u", name, m, k);
    for (uint32_t i = 0; i < k; i++) {
        if (v[i] < 0 || v[i] > ((int64_t)1 << 30)) return onnx_invalid(n, "attribute %s has an invalid value", name);
        out[i] = v[i];
    }
    return IC_OK;
}

ic_status onnx_window_attrs(onnx_node *n, const ic_shape *xs, const int64_t *kernel, bool dilations_ok,
                            onnx_window *w) {
    int sp = xs->rank - 2;
    if (sp < 1 || sp > 3) return onnx_unsupported(n, "only 1-D, 2-D and 3-D windows are supported (input rank %d)", xs->rank);
    memset(w, 0, sizeof *w);
    w->sp = sp;
    for (int i = 0; i < sp; i++) {
        w->kernel[i] = kernel[i];
        w->strides[i] = w->dilations[i] = 1;
    }
    IC_TRY(spatial_attr(n, "strides", (uint32_t)sp, w->strides));
    if (dilations_ok) IC_TRY(spatial_attr(n, "dilations", (uint32_t)sp, w->dilations));
    IC_TRY(spatial_attr(n, "pads", (uint32_t)sp * 2, w->pads));
    for (int i = 0; i < sp; i++)
        if (w->strides[i] < 1 || w->dilations[i] < 1 || w->kernel[i] < 1)
            return onnx_invalid(n, "kernel, strides and dilations must be positive");
    const char *auto_pad = onnx_attr_str(n, "auto_pad", "NOTSET");
    if (strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0) {
        for (int i = 0; i < sp; i++) {
            int64_t in = xs->dims[2 + i];
            int64_t out = (in + w->strides[i] - 1) / w->strides[i];
            int64_t total = (out - 1) * w->strides[i] + (w->kernel[i] - 1) * w->dilations[i] + 1 - in;
            if (total < 0) total = 0;
            int64_t small = total / 2, big = total - small;
            bool upper = auto_pad[5] == 'U';
            w->pads[i] = upper ? small : big;
            w->pads[i + sp] = upper ? big : small;
        }
    } else if (strcmp(auto_pad, "VALID") == 0) {
        memset(w->pads, 0, sizeof w->pads);
    } else if (strcmp(auto_pad, "NOTSET") != 0 && auto_pad[0]) {
        return onnx_invalid(n, "unknown auto_pad '%s'", auto_pad);
    }
    return IC_OK;
}

/* The window of node n over input x (rank 3 or 4) as 2-D parameters. */
static ic_status window_get(onnx_node *n, uint32_t x, const int64_t *kernel, bool dilations_ok, window2d *w) {
    ic_shape xs = onnx_val(n, x)->shape;
    onnx_window nd;
    IC_TRY(onnx_window_attrs(n, &xs, kernel, dilations_ok, &nd));
    memset(w, 0, sizeof *w);
    if (nd.sp == 2) {
        memcpy(w->kernel, nd.kernel, sizeof w->kernel);
        memcpy(w->strides, nd.strides, sizeof w->strides);
        memcpy(w->dilations, nd.dilations, sizeof w->dilations);
        memcpy(w->pads, nd.pads, sizeof w->pads);
    } else if (nd.sp == 1) {
        w->one_d = true;
        w->kernel[0] = 1, w->kernel[1] = nd.kernel[0];
        w->strides[0] = 1, w->strides[1] = nd.strides[0];
        w->dilations[0] = 1, w->dilations[1] = nd.dilations[0];
        w->pads[0] = 0, w->pads[1] = nd.pads[0], w->pads[2] = 0, w->pads[3] = nd.pads[1];
    } else {
        return onnx_unsupported(n, "3-D windows go through onnx_ops_nn3d.c");
    }
    return IC_OK;
}

/* Inserts a unit dim at axis 2 (1-D → 2-D). */
static ic_status add_h(onnx_node *n, uint32_t x, uint32_t *out) {
    int64_t axis = 2;
    ic_attr a = ic_attr_make_ints("axes", &axis, 1);
    return onnx_emit1(n, IC_OP_UNSQUEEZE, x, &a, 1, out);
}

static ic_status drop_h(onnx_node *n, uint32_t x, uint32_t *out) {
    int64_t axis = 2;
    ic_attr a = ic_attr_make_ints("axes", &axis, 1);
    return onnx_emit1(n, IC_OP_SQUEEZE, x, &a, 1, out);
}

/* --- MatMul, Gemm ------------------------------------------------------------------------ */

static ic_status map_matmul(onnx_node *n) {
    uint32_t a, b, y;
    IC_TRY(onnx_req(n, 0, &a));
    IC_TRY(onnx_req(n, 1, &b));
    IC_TRY(onnx_emit2(n, IC_OP_MATMUL, a, b, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_gemm(onnx_node *n) {
    uint32_t in[3], y;
    IC_TRY(onnx_req(n, 0, &in[0]));
    IC_TRY(onnx_req(n, 1, &in[1]));
    uint32_t nin = 2;
    if (onnx_in(n, 2) != IC_NONE) in[nin++] = onnx_in(n, 2);
    ic_attr a[4] = {ic_attr_make_float("alpha", onnx_attr_float(n, "alpha", 1.0)),
                    ic_attr_make_float("beta", onnx_attr_float(n, "beta", 1.0)),
                    ic_attr_make_int("trans_a", onnx_attr_int(n, "transA", 0) ? 1 : 0),
                    ic_attr_make_int("trans_b", onnx_attr_int(n, "transB", 0) ? 1 : 0)};
    IC_TRY(onnx_emit(n, IC_OP_GEMM, in, nin, a, 4, &y));
    return onnx_set_out(n, 0, y);
}

/* --- Conv, ConvTranspose -------------------------------------------------------------------- */

static ic_status map_conv(onnx_node *n) {
    uint32_t x, w, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &w));
    const ic_value *vx = onnx_val(n, x), *vw = onnx_val(n, w);
    if (vw->shape.rank != vx->shape.rank) return onnx_invalid(n, "weight rank differs from input rank");
    if (vx->shape.rank < 3) return onnx_invalid(n, "input rank must be at least 3");
    if (vx->shape.rank == 5) return onnx_conv3d(n);
    window2d win;
    IC_TRY(window_get(n, x, vw->shape.dims + 2, true, &win));
    int64_t group = onnx_attr_int(n, "group", 1);
    if (win.one_d) {
        IC_TRY(add_h(n, x, &x));
        IC_TRY(add_h(n, w, &w));
    }
    uint32_t in[3] = {x, w, IC_NONE}, nin = 2;
    if (onnx_in(n, 2) != IC_NONE) in[nin++] = onnx_in(n, 2);
    ic_attr a[4] = {ic_attr_make_ints("strides", win.strides, 2), ic_attr_make_ints("pads", win.pads, 4),
                    ic_attr_make_ints("dilations", win.dilations, 2), ic_attr_make_int("group", group)};
    IC_TRY(onnx_emit(n, IC_OP_CONV2D, in, nin, a, 4, &y));
    if (win.one_d) IC_TRY(drop_h(n, y, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_conv_transpose(onnx_node *n) {
    ic_op op;
    IC_TRY(onnx_need_op(n, "conv_transpose", &op));
    uint32_t x, w, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &w));
    const ic_value *vx = onnx_val(n, x), *vw = onnx_val(n, w);
    int sp = vx->shape.rank - 2;
    if (vw->shape.rank != vx->shape.rank || sp < 1) return onnx_invalid(n, "input and weight ranks do not match");
    if (sp > 2) return onnx_unsupported(n, "only 1-D and 2-D ConvTranspose are supported");
    int64_t strides[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0}, outpad[2] = {0, 0}, outshape[2] = {0, 0};
    IC_TRY(spatial_attr(n, "strides", (uint32_t)sp, strides));
    IC_TRY(spatial_attr(n, "dilations", (uint32_t)sp, dil));
    IC_TRY(spatial_attr(n, "pads", (uint32_t)sp * 2, pads));
    IC_TRY(spatial_attr(n, "output_padding", (uint32_t)sp, outpad));
    const int64_t *os;
    uint32_t nos;
    bool has_os = onnx_attr_ints(n, "output_shape", &os, &nos) && nos > 0;
    const char *auto_pad = onnx_attr_str(n, "auto_pad", "NOTSET");
    bool same = strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0;
    if (has_os) {
        if (nos != (uint32_t)sp && nos != (uint32_t)sp + 2) return onnx_invalid(n, "output_shape has the wrong length");
        for (int i = 0; i < sp; i++) outshape[i] = os[nos - (uint32_t)sp + (uint32_t)i];
    }
    if (has_os || same) {
        for (int i = 0; i < sp; i++) {
            int64_t in = vx->shape.dims[2 + i], k = vw->shape.dims[2 + i];
            int64_t want = has_os ? outshape[i] : in * strides[i];
            int64_t total = strides[i] * (in - 1) + outpad[i] + ((k - 1) * dil[i] + 1) - want;
            if (total < 0) {
                /* the output is larger than the padding-free result: extra output_padding */
                outpad[i] -= total;
                total = 0;
            }
            bool upper = strcmp(auto_pad, "SAME_UPPER") == 0;
            pads[i] = upper ? total / 2 : total - total / 2;
            pads[i + sp] = upper ? total - total / 2 : total / 2;
        }
    }
    int64_t group = onnx_attr_int(n, "group", 1);
    int64_t s2[2], d2[2], p4[4], op2[2];
    if (sp == 1) {
        IC_TRY(add_h(n, x, &x));
        IC_TRY(add_h(n, w, &w));
        s2[0] = 1, s2[1] = strides[0];
        d2[0] = 1, d2[1] = dil[0];
        p4[0] = 0, p4[1] = pads[0], p4[2] = 0, p4[3] = pads[1];
        op2[0] = 0, op2[1] = outpad[0];
    } else {
        memcpy(s2, strides, sizeof s2);
        memcpy(d2, dil, sizeof d2);
        memcpy(p4, pads, sizeof p4);
        memcpy(op2, outpad, sizeof op2);
    }
    uint32_t in[3] = {x, w, IC_NONE}, nin = 2;
    if (onnx_in(n, 2) != IC_NONE) in[nin++] = onnx_in(n, 2);
    ic_attr a[5] = {ic_attr_make_ints("strides", s2, 2), ic_attr_make_ints("pads", p4, 4),
                    ic_attr_make_ints("dilations", d2, 2), ic_attr_make_int("group", group),
                    ic_attr_make_ints("output_padding", op2, 2)};
    IC_TRY(onnx_emit(n, op, in, nin, a, 5, &y));
    if (sp == 1) IC_TRY(drop_h(n, y, &y));
    return onnx_set_out(n, 0, y);
}

/* --- pooling ------------------------------------------------------------------------------------ */

static ic_status pool(onnx_node *n, bool is_max) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    if (is_max && onnx_out_used(n, 1)) return onnx_unsupported(n, "the Indices result is not supported");
    const ic_value *vx = onnx_val(n, x);
    if (vx->shape.rank < 3) return onnx_invalid(n, "input rank must be at least 3");
    const int64_t *ks;
    uint32_t nk;
    if (!onnx_attr_ints(n, "kernel_shape", &ks, &nk) || nk != (uint32_t)vx->shape.rank - 2) {
        if (vx->shape.rank - 2 > 3) return onnx_unsupported(n, "only 1-D, 2-D and 3-D pooling is supported");
        return onnx_invalid(n, "kernel_shape must have one entry per spatial dim");
    }
    for (uint32_t i = 0; i < nk; i++)
        if (ks[i] < 1) return onnx_invalid(n, "kernel_shape entries must be positive");
    if (vx->shape.rank == 5) return onnx_pool3d(n, is_max, ks);
    window2d win;
    IC_TRY(window_get(n, x, ks, is_max, &win));
    if (win.one_d) IC_TRY(add_h(n, x, &x));
    ic_attr a[6];
    uint32_t na = 0;
    a[na++] = ic_attr_make_ints("kernel", win.kernel, 2);
    a[na++] = ic_attr_make_ints("strides", win.strides, 2);
    a[na++] = ic_attr_make_ints("pads", win.pads, 4);
    a[na++] = ic_attr_make_int("ceil_mode", onnx_attr_int(n, "ceil_mode", 0) ? 1 : 0);
    if (is_max)
        a[na++] = ic_attr_make_ints("dilations", win.dilations, 2);
    else
        a[na++] = ic_attr_make_int("count_include_pad", onnx_attr_int(n, "count_include_pad", 0) ? 1 : 0);
    IC_TRY(onnx_emit1(n, is_max ? IC_OP_MAX_POOL2D : IC_OP_AVG_POOL2D, x, a, na, &y));
    if (win.one_d) IC_TRY(drop_h(n, y, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_max_pool(onnx_node *n) {
    if (onnx_attr_int(n, "storage_order", 0) && onnx_out_used(n, 1))
        return onnx_unsupported(n, "storage_order=1 is not supported");
    return pool(n, true);
}
static ic_status map_avg_pool(onnx_node *n) { return pool(n, false); }

static ic_status global_pool(onnx_node *n, ic_op op) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_emit1(n, op, x, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}
static ic_status map_global_avg_pool(onnx_node *n) { return global_pool(n, IC_OP_GLOBAL_AVG_POOL); }
static ic_status map_global_max_pool(onnx_node *n) { return global_pool(n, IC_OP_GLOBAL_MAX_POOL); }

/* --- normalisation -------------------------------------------------------------------------------- */

static ic_status map_batchnorm(onnx_node *n) {
    for (uint32_t i = 1; i < onnx_n_out(n); i++)
        if (onnx_out_used(n, i)) return onnx_unsupported(n, "training outputs (running mean/var) are not supported");
    if (onnx_attr_int(n, "training_mode", 0)) return onnx_unsupported(n, "training_mode=1 is not supported");
    if (n->im->opset < 9 && onnx_attr_int(n, "spatial", 1) == 0)
        return onnx_unsupported(n, "spatial=0 is not supported");
    uint32_t in[5], y;
    for (uint32_t i = 0; i < 5; i++) IC_TRY(onnx_req(n, i, &in[i]));
    ic_attr a = ic_attr_make_float("epsilon", onnx_attr_float(n, "epsilon", 1e-5));
    IC_TRY(onnx_emit(n, IC_OP_BATCHNORM, in, 5, &a, 1, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_instance_norm(onnx_node *n) {
    ic_op op;
    IC_TRY(onnx_need_op(n, "instance_norm", &op));
    uint32_t in[3], y;
    for (uint32_t i = 0; i < 3; i++) IC_TRY(onnx_req(n, i, &in[i]));
    ic_attr a = ic_attr_make_float("epsilon", onnx_attr_float(n, "epsilon", 1e-5));
    IC_TRY(onnx_emit(n, op, in, 3, &a, 1, &y));
    return onnx_set_out(n, 0, y);
}

/* LayerNormalization spelled out, for when Mean and InvStdDev are wanted too. */
static ic_status layernorm_parts(onnx_node *n) {
    uint32_t x, scale, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &scale));
    int32_t rank = onnx_val(n, x)->shape.rank;
    int32_t axis;
    if (onnx_val(n, x)->dtype != IC_DT_F32) return onnx_unsupported(n, "only float input is supported");
    if (!ic_axis_normalize(onnx_attr_int(n, "axis", -1), rank, &axis)) return onnx_invalid(n, "axis out of range");
    int64_t axes[IC_MAX_RANK];
    for (int32_t i = axis; i < rank; i++) axes[i - axis] = i;
    ic_attr ra[2] = {ic_attr_make_ints("axes", axes, (uint32_t)(rank - axis)), ic_attr_make_int("keepdims", 1)};
    uint32_t mean, d, sq, var, eps, ve, sd, inv;
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_MEAN, x, ra, 2, &mean));
    IC_TRY(onnx_emit2(n, IC_OP_SUB, x, mean, &d));
    IC_TRY(onnx_emit2(n, IC_OP_MUL, d, d, &sq));
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_MEAN, sq, ra, 2, &var));
    IC_TRY(onnx_const_scalar(n, IC_DT_F32, onnx_attr_float(n, "epsilon", 1e-5), &eps));
    IC_TRY(onnx_emit2(n, IC_OP_ADD, var, eps, &ve));
    IC_TRY(onnx_emit1(n, IC_OP_SQRT, ve, NULL, 0, &sd));
    IC_TRY(onnx_emit1(n, IC_OP_RECIPROCAL, sd, NULL, 0, &inv));
    IC_TRY(onnx_emit2(n, IC_OP_MUL, d, inv, &y));
    IC_TRY(onnx_emit2(n, IC_OP_MUL, y, scale, &y));
    if (onnx_in(n, 2) != IC_NONE) IC_TRY(onnx_emit2(n, IC_OP_ADD, y, onnx_in(n, 2), &y));
    IC_TRY(onnx_set_out(n, 0, y));
    IC_TRY(onnx_set_out(n, 1, mean));
    return onnx_set_out(n, 2, inv);
}

static ic_status map_layernorm(onnx_node *n) {
    if (onnx_out_used(n, 1) || onnx_out_used(n, 2)) return layernorm_parts(n);
    uint32_t in[3], y, nin = 2;
    IC_TRY(onnx_req(n, 0, &in[0]));
    IC_TRY(onnx_req(n, 1, &in[1]));
    if (onnx_in(n, 2) != IC_NONE) in[nin++] = onnx_in(n, 2);
    ic_attr a[2] = {ic_attr_make_int("axis", onnx_attr_int(n, "axis", -1)),
                    ic_attr_make_float("epsilon", onnx_attr_float(n, "epsilon", 1e-5))};
    IC_TRY(onnx_emit(n, IC_OP_LAYERNORM, in, nin, a, 2, &y));
    return onnx_set_out(n, 0, y);
}

/* MeanVarianceNormalization: (x - mean) / sqrt(var + 1e-9) over axes (default 0, 2, 3). */
static ic_status map_mvn(onnx_node *n) {
    uint32_t x, mean, dx, sq, var, eps, ve, sd, y;
    IC_TRY(onnx_req(n, 0, &x));
    static const int64_t dflt[3] = {0, 2, 3};
    const int64_t *axes;
    uint32_t k;
    if (!onnx_attr_ints(n, "axes", &axes, &k)) {
        axes = dflt;
        k = 3;
    }
    ic_attr a[2] = {ic_attr_make_ints("axes", axes, k), ic_attr_make_int("keepdims", 1)};
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_MEAN, x, a, 2, &mean));
    IC_TRY(onnx_emit2(n, IC_OP_SUB, x, mean, &dx));
    IC_TRY(onnx_emit2(n, IC_OP_MUL, dx, dx, &sq));
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_MEAN, sq, a, 2, &var));
    IC_TRY(onnx_const_scalar(n, IC_DT_F32, 1e-9, &eps));
    IC_TRY(onnx_emit2(n, IC_OP_ADD, var, eps, &ve));
    IC_TRY(onnx_emit1(n, IC_OP_SQRT, ve, NULL, 0, &sd));
    IC_TRY(onnx_emit2(n, IC_OP_DIV, dx, sd, &y));
    return onnx_set_out(n, 0, y);
}

/* --- softmax ------------------------------------------------------------------------------------------ */

static ic_status softmax(onnx_node *n, ic_op op) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    const ic_value *vx = onnx_val(n, x);
    int32_t rank = vx->shape.rank;
    bool legacy = n->im->opset < 13;
    int64_t axis = onnx_attr_int(n, "axis", legacy ? 1 : -1);
    if (axis < -rank || axis >= (rank ? rank : 1)) return onnx_invalid(n, "axis %lld out of range", (long long)axis);
    if (axis < 0) axis += rank;
    if (!legacy || axis == rank - 1 || rank == 0) {
        ic_attr a = ic_attr_make_int("axis", rank ? axis : -1);
        IC_TRY(onnx_emit1(n, op, x, &a, 1, &y));
        return onnx_set_out(n, 0, y);
    }
    /* coerce to [prod(dims[:axis]), prod(dims[axis:])], softmax the rows, reshape back */
    ic_shape s = vx->shape;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < rank; i++) *(i < axis ? &outer : &inner) *= s.dims[i];
    if (outer == 0 || inner == 0) return onnx_unsupported(n, "empty input");
    int64_t flat[2] = {outer, inner};
    uint32_t f;
    IC_TRY(onnx_reshape(n, x, flat, 2, &f));
    ic_attr a = ic_attr_make_int("axis", -1);
    IC_TRY(onnx_emit1(n, op, f, &a, 1, &f));
    IC_TRY(onnx_reshape(n, f, s.dims, rank, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_softmax(onnx_node *n) { return softmax(n, IC_OP_SOFTMAX); }
static ic_status map_log_softmax(onnx_node *n) { return softmax(n, IC_OP_LOG_SOFTMAX); }

/* --- pass-through ------------------------------------------------------------------------------------------ */

static ic_status map_identity(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    return onnx_set_out(n, 0, x);
}

/* Dropout at inference: y = x; the mask, if wanted, is all true. */
static ic_status map_dropout(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    if (onnx_in(n, 2) != IC_NONE) {
        uint32_t k;
        const double *tv;
        IC_TRY(onnx_const_doubles(n, onnx_in(n, 2), "training_mode", &tv, &k));
        double ratio = 0.5; /* training with ratio 0 is still the identity */
        if (onnx_in(n, 1) != IC_NONE) {
            const double *rv;
            uint32_t kr;
            IC_TRY(onnx_const_doubles(n, onnx_in(n, 1), "ratio", &rv, &kr));
            if (kr == 1) ratio = rv[0];
        }
        if (k == 1 && tv[0] != 0 && ratio != 0) return onnx_unsupported(n, "training_mode=true is not supported");
    }
    if (n->im->opset < 7 && onnx_attr(n, "is_test") && !onnx_attr_int(n, "is_test", 0))
        return onnx_unsupported(n, "is_test=0 (training) is not supported");
    IC_TRY(onnx_set_out(n, 0, x));
    if (onnx_out_used(n, 1)) {
        ic_shape s = onnx_val(n, x)->shape;
        uint32_t one, mask;
        IC_TRY(onnx_const_scalar(n, IC_DT_BOOL, 1, &one));
        ic_attr a = ic_attr_make_ints("shape", s.dims, (uint32_t)s.rank);
        IC_TRY(onnx_emit1(n, IC_OP_EXPAND, one, &a, 1, &mask));
        IC_TRY(onnx_set_out(n, 1, mask));
    }
    return IC_OK;
}

const onnx_op_entry ic_onnx_ops_nn[] = {
    {"MatMul", map_matmul}, {"Gemm", map_gemm}, {"Conv", map_conv}, {"ConvTranspose", map_conv_transpose},
    {"MaxPool", map_max_pool}, {"AveragePool", map_avg_pool}, {"GlobalAveragePool", map_global_avg_pool},
    {"GlobalMaxPool", map_global_max_pool}, {"BatchNormalization", map_batchnorm},
    {"InstanceNormalization", map_instance_norm}, {"LayerNormalization", map_layernorm},
    {"MeanVarianceNormalization", map_mvn}, {"Softmax", map_softmax}, {"LogSoftmax", map_log_softmax},
    {"Identity", map_identity}, {"Dropout", map_dropout},
    {NULL, NULL},
};
