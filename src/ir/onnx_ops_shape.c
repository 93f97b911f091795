/* onnx_ops_shape.c — ONNX shape, view and data-movement ops, and the ops
 * that make constants, onto core ops.
 *
 * Where ONNX takes a constant *input* (Reshape's shape, Slice's starts,
 * Pad's pads, Tile's repeats ...) the IR takes an attribute: the input must
 * be a constant after folding, else the node is unsupported. Attribute →
 * input migrations handled: Reshape (opset 5), Slice (10), Pad (11), Split,
 * Squeeze, Unsqueeze (13), Upsample's scales (9), Resize (10 vs 11+).
 * Shape, Size, ConstantOfShape, Range and EyeLike become constants directly
 * (shapes are static). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/onnx_impl.h"

static ic_status one_in_one_out(onnx_node *n, ic_op op, const ic_attr *a, uint32_t na) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_emit1(n, op, x, a, na, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status named_op(onnx_node *n, const char *irop, const uint32_t *in, uint32_t nin, const ic_attr *a,
                          uint32_t na) {
    ic_op op;
    IC_TRY(onnx_need_op(n, irop, &op));
    uint32_t y;
    IC_TRY(onnx_emit(n, op, in, nin, a, na, &y));
    return onnx_set_out(n, 0, y);
}

/* A list given as an attribute before `since` and as a constant input (index
 * idx) from then on; *present says whether it was given at all. */
static ic_status attr_or_input(onnx_node *n, int64_t since, const char *attr, uint32_t idx, const char *what,
                               const int64_t **out, uint32_t *k, bool *present) {
    if (n->im->opset < since) {
        *present = onnx_attr_ints(n, attr, out, k);
        return IC_OK;
    }
    *present = onnx_in(n, idx) != IC_NONE;
    *out = NULL;
    *k = 0;
    if (*present) IC_TRY(onnx_const_ints(n, onnx_in(n, idx), what, out, k));
    return IC_OK;
}

/* --- views -------------------------------------------------------------------------------- */

static ic_status map_reshape(onnx_node *n) {
    uint32_t x, y;
    IC_TRY(onnx_req(n, 0, &x));
    const int64_t *shape;
    uint32_t k;
    bool present;
    IC_TRY(attr_or_input(n, 5, "shape", 1, "shape", &shape, &k, &present));
    if (!present) return onnx_invalid(n, "shape is required");
    if (k > IC_MAX_RANK) return onnx_unsupported(n, "rank %u is more than supported", k);
    if (onnx_attr_int(n, "allowzero", 0))
        for (uint32_t i = 0; i < k; i++)
            if (shape[i] == 0) return onnx_unsupported(n, "allowzero=1 with a 0 in shape");
    ic_attr a = ic_attr_make_ints("shape", shape, k);
    IC_TRY(onnx_emit1(n, IC_OP_RESHAPE, x, &a, 1, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_flatten(onnx_node *n) {
    ic_attr a = ic_attr_make_int("axis", onnx_attr_int(n, "axis", 1));
    return one_in_one_out(n, IC_OP_FLATTEN, &a, 1);
}

static ic_status map_transpose(onnx_node *n) {
    const int64_t *perm;
    uint32_t k;
    if (onnx_attr_ints(n, "perm", &perm, &k) && k) {
        ic_attr a = ic_attr_make_ints("perm", perm, k);
        return one_in_one_out(n, IC_OP_TRANSPOSE, &a, 1);
    }
    return one_in_one_out(n, IC_OP_TRANSPOSE, NULL, 0);
}

static ic_status map_squeeze(onnx_node *n) {
    const int64_t *axes;
    uint32_t k;
    bool present;
    IC_TRY(attr_or_input(n, 13, "axes", 1, "axes", &axes, &k, &present));
    if (!present || k == 0) return one_in_one_out(n, IC_OP_SQUEEZE, NULL, 0);
    ic_attr a = ic_attr_make_ints("axes", axes, k);
    return one_in_one_out(n, IC_OP_SQUEEZE, &a, 1);
}

static ic_status map_unsqueeze(onnx_node *n) {
    const int64_t *axes;
    uint32_t k;
    bool present;
    IC_TRY(attr_or_input(n, 13, "axes", 1, "axes", &axes, &k, &present));
    if (!present || k == 0) return onnx_invalid(n, "axes is required");
    ic_attr a = ic_attr_make_ints("axes", axes, k);
    return one_in_one_out(n, IC_OP_UNSQUEEZE, &a, 1);
}

/* --- concat, split, slice ------------------------------------------------------------------- */

static ic_status map_concat(onnx_node *n) {
    if (n->n_in == 0) return onnx_invalid(n, "needs at least one input");
    for (uint32_t i = 0; i < n->n_in; i++)
        if (n->in[i] == IC_NONE) return onnx_invalid(n, "input %u is empty", i);
    ic_attr a = ic_attr_make_int("axis", onnx_attr_int(n, "axis", n->im->opset < 4 ? 1 : 0));
    if (!onnx_attr(n, "axis") && n->im->opset >= 4) return onnx_invalid(n, "attribute axis is required");
    uint32_t y;
    IC_TRY(onnx_emit(n, IC_OP_CONCAT, n->in, n->n_in, &a, 1, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_split(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    uint32_t nout = onnx_n_out(n);
    if (nout == 0) return onnx_invalid(n, "no results");
    const int64_t *sizes;
    uint32_t k;
    bool present;
    IC_TRY(attr_or_input(n, 13, "split", 1, "split", &sizes, &k, &present));
    ic_attr a[2];
    uint32_t na = 0;
    int64_t axis = onnx_attr_int(n, "axis", 0);
    a[na++] = ic_attr_make_int("axis", axis);
    if (present && k) {
        if (k != nout) return onnx_invalid(n, "split has %u sizes for %u results", k, nout);
        a[na++] = ic_attr_make_ints("sizes", sizes, k);
    } else {
        /* equal parts; ONNX requires the dim to divide evenly */
        const ic_value *vx = onnx_val(n, x);
        int32_t ax;
        if (!ic_axis_normalize(axis, vx->shape.rank, &ax)) return onnx_invalid(n, "axis out of range");
        if (vx->shape.dims[ax] % nout) return onnx_invalid(n, "dim %lld does not split into %u equal parts",
                                                           (long long)vx->shape.dims[ax], nout);
    }
    uint32_t *outs = calloc(nout, sizeof *outs);
    if (!outs) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    ic_status s = onnx_emit_multi(n, IC_OP_SPLIT, &x, 1, a, na, nout, outs);
    for (uint32_t i = 0; s == IC_OK && i < nout; i++) s = onnx_set_out(n, i, outs[i]);
    free(outs);
    return s;
}

static ic_status map_slice(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
    uint32_t ks, ke, ka = 0, kst = 0;
    bool p1, p2, p3 = false, p4 = false;
    if (n->im->opset < 10) {
        p1 = onnx_attr_ints(n, "starts", &starts, &ks);
        p2 = onnx_attr_ints(n, "ends", &ends, &ke);
        p3 = onnx_attr_ints(n, "axes", &axes, &ka);
    } else {
        IC_TRY(attr_or_input(n, 10, "", 1, "starts", &starts, &ks, &p1));
        IC_TRY(attr_or_input(n, 10, "", 2, "ends", &ends, &ke, &p2));
        IC_TRY(attr_or_input(n, 10, "", 3, "axes", &axes, &ka, &p3));
        IC_TRY(attr_or_input(n, 10, "", 4, "steps", &steps, &kst, &p4));
    }
    if (!p1 || !p2) return onnx_invalid(n, "starts and ends are required");
    if (ks != ke || (p3 && ka != ks) || (p4 && kst != ks)) return onnx_invalid(n, "starts, ends, axes and steps differ in length");
    ic_attr a[4];
    uint32_t na = 0;
    a[na++] = ic_attr_make_ints("starts", starts, ks);
    a[na++] = ic_attr_make_ints("ends", ends, ke);
    if (p3 && ka) a[na++] = ic_attr_make_ints("axes", axes, ka);
    if (p4 && kst) a[na++] = ic_attr_make_ints("steps", steps, kst);
    return one_in_one_out(n, IC_OP_SLICE, a, na);
}

/* --- gather / scatter ------------------------------------------------------------------------- */

static ic_status map_gather(onnx_node *n) {
    uint32_t in[2], y;
    IC_TRY(onnx_req(n, 0, &in[0]));
    IC_TRY(onnx_req(n, 1, &in[1]));
    ic_attr a = ic_attr_make_int("axis", onnx_attr_int(n, "axis", 0));
    IC_TRY(onnx_emit(n, IC_OP_GATHER, in, 2, &a, 1, &y));
    return onnx_set_out(n, 0, y);
}

static ic_status map_gather_elements(onnx_node *n) {
    uint32_t in[2];
    IC_TRY(onnx_req(n, 0, &in[0]));
    IC_TRY(onnx_req(n, 1, &in[1]));
    ic_attr a = ic_attr_make_int("axis", onnx_attr_int(n, "axis", 0));
    return named_op(n, "gather_elements", in, 2, &a, 1);
}

static ic_status map_gather_nd(onnx_node *n) {
    uint32_t in[2];
    IC_TRY(onnx_req(n, 0, &in[0]));
    IC_TRY(onnx_req(n, 1, &in[1]));
    ic_attr a = ic_attr_make_int("batch_dims", onnx_attr_int(n, "batch_dims", 0));
    return named_op(n, "gather_nd", in, 2, &a, 1);
}

static ic_status map_scatter_elements(onnx_node *n) {
    uint32_t in[3];
    for (uint32_t i = 0; i < 3; i++) IC_TRY(onnx_req(n, i, &in[i]));
    ic_attr a[2] = {ic_attr_make_int("axis", onnx_attr_int(n, "axis", 0)),
                    ic_attr_make_string("reduction", onnx_attr_str(n, "reduction", "none"))};
    return named_op(n, "scatter_elements", in, 3, a, 2);
}

static ic_status map_scatter_nd(onnx_node *n) {
    uint32_t in[3];
    for (uint32_t i = 0; i < 3; i++) IC_TRY(onnx_req(n, i, &in[i]));
    ic_attr a = ic_attr_make_string("reduction", onnx_attr_str(n, "reduction", "none"));
    return named_op(n, "scatter_nd", in, 3, &a, 1);
}

/* --- expand, tile, pad, trilu ---------------------------------------------------------------------- */

static ic_status map_expand(onnx_node *n) {
    uint32_t sv;
    IC_TRY(onnx_req(n, 1, &sv));
    const int64_t *shape;
    uint32_t k;
    IC_TRY(onnx_const_ints(n, sv, "shape", &shape, &k));
    if (k > IC_MAX_RANK) return onnx_unsupported(n, "rank %u is more than supported", k);
    ic_attr a = ic_attr_make_ints("shape", shape, k);
    return one_in_one_out(n, IC_OP_EXPAND, &a, 1);
}

static ic_status map_tile(onnx_node *n) {
    uint32_t x, rv;
    IC_TRY(onnx_req(n, 0, &x));
    IC_TRY(onnx_req(n, 1, &rv));
    const int64_t *reps;
    uint32_t k;
    IC_TRY(onnx_const_ints(n, rv, "repeats", &reps, &k));
    ic_attr a = ic_attr_make_ints("repeats", reps, k);
    return named_op(n, "tile", &x, 1, &a, 1);
}

static ic_status map_pad(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    const int64_t *pads;
    uint32_t k;
    double value = 0;
    if (n->im->opset < 11) {
        if (!onnx_attr_ints(n, "pads", &pads, &k) && !onnx_attr_ints(n, "paddings", &pads, &k))
            return onnx_invalid(n, "pads is required");
        value = onnx_attr_float(n, "value", 0.0);
    } else {
        uint32_t pv;
        IC_TRY(onnx_req(n, 1, &pv));
        IC_TRY(onnx_const_ints(n, pv, "pads", &pads, &k));
        if (onnx_in(n, 2) != IC_NONE) {
            const double *v;
            uint32_t kv;
            IC_TRY(onnx_const_doubles(n, onnx_in(n, 2), "constant_value", &v, &kv));
            if (kv > 1) return onnx_invalid(n, "constant_value must be a scalar");
            if (kv == 1) value = v[0];
        }
        if (onnx_in(n, 3) != IC_NONE) return onnx_unsupported(n, "the axes input is not supported");
    }
    if (k != 2u * (uint32_t)onnx_val(n, x)->shape.rank) return onnx_invalid(n, "pads needs 2 entries per dim");
    for (uint32_t i = 0; i < k; i++)
        if (pads[i] < 0) return onnx_unsupported(n, "negative pads are not supported");
    const char *mode = onnx_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant") != 0 && strcmp(mode, "reflect") != 0 && strcmp(mode, "edge") != 0)
        return onnx_unsupported(n, "mode '%s' is not supported", mode);
    ic_attr a[3] = {ic_attr_make_ints("pads", pads, k), ic_attr_make_string("mode", mode),
                    ic_attr_make_float("value", value)};
    return named_op(n, "pad", &x, 1, a, 3);
}

static ic_status map_trilu(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    int64_t k = 0;
    if (onnx_in(n, 1) != IC_NONE) {
        const int64_t *kv;
        uint32_t nk;
        IC_TRY(onnx_const_ints(n, onnx_in(n, 1), "k", &kv, &nk));
        if (nk != 1) return onnx_invalid(n, "k must be a scalar");
        k = kv[0];
    }
    ic_attr a[2] = {ic_attr_make_int("upper", onnx_attr_int(n, "upper", 1) ? 1 : 0), ic_attr_make_int("k", k)};
    return named_op(n, "trilu", &x, 1, a, 2);
}

/* --- resize ------------------------------------------------------------------------------------------- */

/* Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample
 * (7: scales attribute; 9: input): static output sizes, from sizes or
 * floor(in * scale). */
static ic_status resize(onnx_node *n, const double *scales, uint32_t ns, const int64_t *sizes, uint32_t nsz,
                        const char *coord, const char *nearest) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    const ic_value *vx = onnx_val(n, x);
    int32_t r = vx->shape.rank;
    int64_t out[IC_MAX_RANK];
    if (nsz) {
        if (nsz != (uint32_t)r) return onnx_invalid(n, "sizes needs one entry per dim");
        memcpy(out, sizes, (size_t)r * sizeof *out);
    } else {
        if (ns != (uint32_t)r) return onnx_invalid(n, "scales needs one entry per dim");
        for (int i = 0; i < r; i++) {
            if (!(scales[i] > 0) || !isfinite(scales[i])) return onnx_invalid(n, "scales must be positive");
            double o = floor((double)vx->shape.dims[i] * scales[i]);
            if (o > (double)((int64_t)1 << 40)) return onnx_invalid(n, "the result is absurdly large");
            out[i] = (int64_t)o;
        }
    }
    const char *mode = onnx_attr_str(n, "mode", "nearest");
    if (strcmp(mode, "nearest") != 0 && strcmp(mode, "linear") != 0 && strcmp(mode, "bilinear") != 0)
        return onnx_unsupported(n, "mode '%s' is not supported", mode);
    if (strcmp(mode, "bilinear") == 0) mode = "linear";
    if (strcmp(coord, "tf_crop_and_resize") == 0) return onnx_unsupported(n, "tf_crop_and_resize is not supported");
    ic_op op;
    IC_TRY(onnx_need_op(n, "resize", &op));
    double cubic_a = onnx_attr_float(n, "cubic_coeff_a", -0.75);
    int64_t exclude = onnx_attr_int(n, "exclude_outside", 0);
    ic_attr a[8];
    uint32_t na = 0;
    a[na++] = ic_attr_make_string("mode", mode);
    a[na++] = ic_attr_make_string("coordinate_transformation_mode", coord);
    a[na++] = ic_attr_make_string("nearest_mode", nearest);
    a[na++] = ic_attr_make_ints("sizes", out, (uint32_t)r);
    /* optional attributes, where the IR op takes them; the scales themselves
       matter when in * scale is not a whole number (they differ from out/in) */
    if (onnx_op_has_attr(op, "cubic_coeff_a")) a[na++] = ic_attr_make_float("cubic_coeff_a", cubic_a);
    if (onnx_op_has_attr(op, "exclude_outside")) a[na++] = ic_attr_make_int("exclude_outside", exclude);
    else if (exclude) return onnx_unsupported(n, "exclude_outside=1 is not supported");
    if (onnx_op_has_attr(op, "extrapolation_value"))
        a[na++] = ic_attr_make_float("extrapolation_value", onnx_attr_float(n, "extrapolation_value", 0.0));
    if (ns && !nsz && onnx_op_has_attr(op, "scales")) a[na++] = ic_attr_make_floats("scales", scales, ns);
    return named_op(n, "resize", &x, 1, a, na);
}

static ic_status map_resize(onnx_node *n) {
    const double *scales = NULL;
    const int64_t *sizes = NULL;
    uint32_t ns = 0, nsz = 0;
    if (n->im->opset < 11) {
        uint32_t sv;
        IC_TRY(onnx_req(n, 1, &sv));
        IC_TRY(onnx_const_doubles(n, sv, "scales", &scales, &ns));
        return resize(n, scales, ns, NULL, 0, "asymmetric", "floor");
    }
    if (onnx_in(n, 2) != IC_NONE) IC_TRY(onnx_const_doubles(n, onnx_in(n, 2), "scales", &scales, &ns));
    if (onnx_in(n, 3) != IC_NONE) IC_TRY(onnx_const_ints(n, onnx_in(n, 3), "sizes", &sizes, &nsz));
    if (!ns && !nsz) return onnx_invalid(n, "one of scales and sizes is required");
    const char *coord = onnx_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    const char *nearest = onnx_attr_str(n, "nearest_mode", "round_prefer_floor");
    return resize(n, ns ? scales : NULL, ns, nsz ? sizes : NULL, nsz, coord, nearest);
}

static ic_status map_upsample(onnx_node *n) {
    const double *scales;
    uint32_t ns;
    if (n->im->opset < 9) {
        const float *f;
        if (!onnx_attr_floats(n, "scales", &f, &ns)) return onnx_invalid(n, "scales is required");
        double *d = ic_arena_alloc(n->im->g->arena, (ns ? ns : 1) * sizeof *d);
        if (!d) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < ns; i++) d[i] = f[i];
        scales = d;
    } else {
        uint32_t sv;
        IC_TRY(onnx_req(n, 1, &sv));
        IC_TRY(onnx_const_doubles(n, sv, "scales", &scales, &ns));
    }
    return resize(n, scales, ns, NULL, 0, "asymmetric", "floor");
}

static ic_status map_depth_to_space(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    ic_attr a[2] = {ic_attr_make_int("blocksize", onnx_attr_int(n, "blocksize", 0)),
                    ic_attr_make_string("mode", onnx_attr_str(n, "mode", "DCR"))};
    return named_op(n, "depth_to_space", &x, 1, a, 2);
}

static ic_status map_space_to_depth(onnx_node *n) {
    uint32_t x;
    IC_TRY(onnx_req(n, 0, &x));
    ic_attr a = ic_attr_make_int("blocksize", onnx_attr_int(n, "blocksize", 0));
    return named_op(n, "space_to_depth", &x, 1, &a, 1);
}

static ic_status map_where(onnx_node *n) {
    uint32_t in[3], y;
    for (uint32_t i = 0; i < 3; i++) IC_TRY(onnx_req(n, i, &in[i]));
    IC_TRY(onnx_emit(n, IC_OP_WHERE, in, 3, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

/* --- constants ---------------------------------------------------------------------------------------- */

/* A constant from a TensorProto (Constant's value, ConstantOfShape's value). */
static ic_status const_from_tensor(onnx_node *n, const Onnx__TensorProto *t, uint32_t *out_v) {
    ic_dtype dt;
    ic_shape s;
    ic_status st = ic_onnx_tensor_type(t, n->im->demote_f64, &dt, &s, n->im->d);
    if (st == IC_ERR_UNSUPPORTED) return onnx_unsupported(n, "%s", n->im->d->msg);
    IC_TRY(st);
    ic_graph *g = n->im->g;
    size_t nbytes = ic_shape_numel(&s) * ic_dtype_size(dt);
    IC_TRY(ic_onnx_tensor_fill(t, n->im->base_dir, dt, NULL, nbytes, n->im->d));
    void *data = ic_arena_alloc(g->arena, nbytes ? nbytes : 1);
    if (!data) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    IC_TRY(ic_onnx_tensor_fill(t, n->im->base_dir, dt, data, nbytes, n->im->d));
    return onnx_const(n, dt, &s, data, out_v);
}

static ic_status map_constant(onnx_node *n) {
    const Onnx__AttributeProto *a;
    uint32_t v;
    if ((a = onnx_attr(n, "value")) && a->t) {
        IC_TRY(const_from_tensor(n, a->t, &v));
    } else if ((a = onnx_attr(n, "value_float")) && a->has_f) {
        IC_TRY(onnx_const_scalar(n, IC_DT_F32, a->f, &v));
    } else if ((a = onnx_attr(n, "value_int")) && a->has_i) {
        ic_shape s = {.rank = 0};
        IC_TRY(onnx_const(n, IC_DT_I64, &s, &a->i, &v)); /* exact, not through a double */
    } else if ((a = onnx_attr(n, "value_floats"))) {
        float *f = ic_arena_alloc(n->im->g->arena, (a->n_floats ? a->n_floats : 1) * sizeof *f);
        if (!f) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
        if (a->n_floats) memcpy(f, a->floats, a->n_floats * sizeof *f);
        ic_shape s = {.rank = 1, .dims = {(int64_t)a->n_floats}};
        IC_TRY(onnx_const(n, IC_DT_F32, &s, f, &v));
    } else if ((a = onnx_attr(n, "value_ints"))) {
        ic_shape s = {.rank = 1, .dims = {(int64_t)a->n_ints}};
        IC_TRY(onnx_const(n, IC_DT_I64, &s, a->n_ints ? (const void *)a->ints : (const void *)"\0\0\0\0\0\0\0", &v));
    } else if (onnx_attr(n, "sparse_value")) {
        return onnx_unsupported(n, "sparse_value is not supported");
    } else if (onnx_attr(n, "value_string") || onnx_attr(n, "value_strings")) {
        return onnx_unsupported(n, "string constants are not supported");
    } else {
        return onnx_invalid(n, "no value attribute");
    }
    return onnx_set_out(n, 0, v);
}

static ic_status map_constant_of_shape(onnx_node *n) {
    uint32_t sv;
    IC_TRY(onnx_req(n, 0, &sv));
    const int64_t *dims;
    uint32_t k;
    IC_TRY(onnx_const_ints(n, sv, "shape", &dims, &k));
    if (k > IC_MAX_RANK) return onnx_unsupported(n, "rank %u is more than supported", k);
    ic_shape s = {.rank = (int32_t)k};
    double numel = 1;
    for (uint32_t i = 0; i < k; i++) {
        if (dims[i] < 0) return onnx_invalid(n, "negative dim in shape");
        s.dims[i] = dims[i];
        numel *= (double)dims[i];
    }
    ic_dtype dt = IC_DT_F32;
    uint8_t elem[8] = {0};
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    if (a && a->t) {
        ic_shape es;
        ic_status st = ic_onnx_tensor_type(a->t, n->im->demote_f64, &dt, &es, n->im->d);
        if (st == IC_ERR_UNSUPPORTED) return onnx_unsupported(n, "%s", n->im->d->msg);
        IC_TRY(st);
        if (ic_shape_numel(&es) != 1) return onnx_invalid(n, "value must hold one element");
        IC_TRY(ic_onnx_tensor_fill(a->t, n->im->base_dir, dt, elem, ic_dtype_size(dt), n->im->d));
    }
    size_t es = ic_dtype_size(dt);
    if (numel * (double)es > (double)n->im->fold_limit)
        return onnx_unsupported(n, "the constant would be larger than the fold limit");
    size_t cnt = (size_t)numel;
    uint8_t *data = ic_arena_alloc(n->im->g->arena, cnt * es + 1);
    if (!data) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < cnt; i++) memcpy(data + i * es, elem, es);
    uint32_t v;
    IC_TRY(onnx_const(n, dt, &s, data, &v));
    return onnx_set_out(n, 0, v);
}

static ic_status map_shape(onnx_node *n) {
    uint32_t x, v;
    IC_TRY(onnx_req(n, 0, &x));
    const ic_shape *s = &onnx_val(n, x)->shape;
    int64_t r = s->rank, start = onnx_attr_int(n, "start", 0), end = onnx_attr_int(n, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = start < 0 ? 0 : start > r ? r : start;
    end = end < 0 ? 0 : end > r ? r : end;
    if (end < start) end = start;
    IC_TRY(onnx_const_i64s(n, s->dims + start, (uint32_t)(end - start), &v));
    return onnx_set_out(n, 0, v);
}

static ic_status map_size(onnx_node *n) {
    uint32_t x, v;
    IC_TRY(onnx_req(n, 0, &x));
    int64_t numel = (int64_t)ic_value_numel(onnx_val(n, x));
    ic_shape s = {.rank = 0};
    IC_TRY(onnx_const(n, IC_DT_I64, &s, &numel, &v));
    return onnx_set_out(n, 0, v);
}

static ic_status map_range(onnx_node *n) {
    uint32_t in[3];
    const double *vals[3];
    uint32_t k;
    for (uint32_t i = 0; i < 3; i++) {
        IC_TRY(onnx_req(n, i, &in[i]));
        IC_TRY(onnx_const_doubles(n, in[i], i == 0 ? "start" : i == 1 ? "limit" : "delta", &vals[i], &k));
        if (k != 1) return onnx_invalid(n, "start, limit and delta must be scalars");
    }
    ic_dtype dt = onnx_val(n, in[0])->dtype;
    double start = vals[0][0], limit = vals[1][0], delta = vals[2][0];
    if (delta == 0 || !isfinite(start) || !isfinite(limit) || !isfinite(delta)) return onnx_invalid(n, "bad range");
    double cnt = ceil((limit - start) / delta);
    if (cnt < 0) cnt = 0;
    if (cnt * (double)ic_dtype_size(dt) > (double)n->im->fold_limit)
        return onnx_unsupported(n, "the range would be larger than the fold limit");
    size_t c = (size_t)cnt;
    ic_shape s = {.rank = 1, .dims = {(int64_t)c}};
    void *data = ic_arena_alloc(n->im->g->arena, c * ic_dtype_size(dt) + 8);
    if (!data) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c; i++) {
        switch (dt) {
        case IC_DT_F32: ((float *)data)[i] = (float)start + (float)i * (float)delta; break;
        case IC_DT_I32: ((int32_t *)data)[i] = (int32_t)((int64_t)start + (int64_t)i * (int64_t)delta); break;
        case IC_DT_I64: ((int64_t *)data)[i] = (int64_t)start + (int64_t)i * (int64_t)delta; break;
        default: return onnx_unsupported(n, "Range over %s", ic_dtype_name(dt));
        }
    }
    uint32_t v;
    IC_TRY(onnx_const(n, dt, &s, data, &v));
    return onnx_set_out(n, 0, v);
}

/* EyeLike: a constant, since the input's shape is static. */
static ic_status map_eye_like(onnx_node *n) {
    uint32_t x, v;
    IC_TRY(onnx_req(n, 0, &x));
    const ic_value *vx = onnx_val(n, x);
    if (vx->shape.rank != 2) return onnx_invalid(n, "input must be 2-D");
    ic_dtype dt = vx->dtype;
    if (onnx_attr(n, "dtype")) {
        int32_t ot = (int32_t)onnx_attr_int(n, "dtype", 1);
        dt = ic_onnx_dtype(ot, n->im->demote_f64);
        if (dt == IC_DT_INVALID) return onnx_unsupported(n, "dtype %s is not supported", ic_onnx_dtype_name(ot));
    }
    int64_t rows = vx->shape.dims[0], cols = vx->shape.dims[1], k = onnx_attr_int(n, "k", 0);
    if ((double)rows * (double)cols * 8 > (double)n->im->fold_limit) return onnx_unsupported(n, "too large to fold");
    size_t es = ic_dtype_size(dt);
    uint8_t *data = ic_arena_alloc(n->im->g->arena, (size_t)(rows * cols) * es + 8);
    if (!data) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < rows; i++) {
        int64_t j = i + k;
        if (j < 0 || j >= cols) continue;
        uint8_t *p = data + (size_t)(i * cols + j) * es;
        switch (dt) {
        case IC_DT_F32: { float one = 1; memcpy(p, &one, 4); break; }
        case IC_DT_I32: { int32_t one = 1; memcpy(p, &one, 4); break; }
        case IC_DT_I64: { int64_t one = 1; memcpy(p, &one, 8); break; }
        case IC_DT_F16: case IC_DT_BF16: { uint16_t one = ic_half_from_f64(1.0, dt); memcpy(p, &one, 2); break; }
        default: *p = 1; break;
        }
    }
    ic_shape s = vx->shape; /* vx moves when the constant is added */
    IC_TRY(onnx_const(n, dt, &s, data, &v));
    return onnx_set_out(n, 0, v);
}

/* OneHot(indices, depth, values[off, on]): where(unsqueeze(idx, axis) == range, on, off). */
static ic_status map_one_hot(onnx_node *n) {
    uint32_t idx, dv, vv;
    IC_TRY(onnx_req(n, 0, &idx));
    IC_TRY(onnx_req(n, 1, &dv));
    IC_TRY(onnx_req(n, 2, &vv));
    const double *depth_d;
    uint32_t k;
    IC_TRY(onnx_const_doubles(n, dv, "depth", &depth_d, &k));
    if (k != 1 || !(depth_d[0] >= 1) || depth_d[0] > (double)(1 << 24)) return onnx_invalid(n, "depth must be a positive scalar");
    int64_t depth = (int64_t)depth_d[0];
    ic_dtype vdt = onnx_val(n, vv)->dtype;
    const double *vals;
    IC_TRY(onnx_const_doubles(n, vv, "values", &vals, &k));
    if (k != 2) return onnx_invalid(n, "values must hold two elements");
    int32_t in_rank = onnx_val(n, idx)->shape.rank, out_rank = in_rank + 1;
    if (out_rank > IC_MAX_RANK) return onnx_unsupported(n, "rank too large");
    int64_t axis = onnx_attr_int(n, "axis", -1);
    if (axis < 0) axis += out_rank;
    if (axis < 0 || axis >= out_rank) return onnx_invalid(n, "axis out of range");
    uint32_t i64, zero, dep, neg, wrapped, u, r, eq, off, on, y;
    IC_TRY(onnx_cast(n, idx, IC_DT_I64, &i64));
    IC_TRY(onnx_const_scalar(n, IC_DT_I64, 0, &zero));
    IC_TRY(onnx_const_scalar(n, IC_DT_I64, (double)depth, &dep));
    IC_TRY(onnx_emit2(n, IC_OP_LESS, i64, zero, &neg));
    IC_TRY(onnx_emit2(n, IC_OP_ADD, i64, dep, &wrapped));
    uint32_t w[3] = {neg, wrapped, i64};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, w, 3, NULL, 0, &i64));
    ic_attr ua = ic_attr_make_ints("axes", &axis, 1);
    IC_TRY(onnx_emit1(n, IC_OP_UNSQUEEZE, i64, &ua, 1, &u));
    int64_t *rng = ic_arena_alloc(n->im->g->arena, (size_t)depth * sizeof *rng);
    if (!rng) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < depth; i++) rng[i] = i;
    ic_shape rs = {.rank = out_rank - (int32_t)axis};
    for (int i = 0; i < rs.rank; i++) rs.dims[i] = 1;
    rs.dims[0] = depth;
    IC_TRY(onnx_const(n, IC_DT_I64, &rs, rng, &r));
    IC_TRY(onnx_emit2(n, IC_OP_EQUAL, u, r, &eq));
    IC_TRY(onnx_const_scalar(n, vdt, vals[0], &off));
    IC_TRY(onnx_const_scalar(n, vdt, vals[1], &on));
    uint32_t wh[3] = {eq, on, off};
    IC_TRY(onnx_emit(n, IC_OP_WHERE, wh, 3, NULL, 0, &y));
    return onnx_set_out(n, 0, y);
}

const onnx_op_entry ic_onnx_ops_shape[] = {
    {"Reshape", map_reshape}, {"Flatten", map_flatten}, {"Transpose", map_transpose}, {"Squeeze", map_squeeze},
    {"Unsqueeze", map_unsqueeze}, {"Concat", map_concat}, {"Split", map_split}, {"Slice", map_slice},
    {"Gather", map_gather}, {"GatherElements", map_gather_elements}, {"GatherND", map_gather_nd},
    {"ScatterElements", map_scatter_elements}, {"Scatter", map_scatter_elements}, {"ScatterND", map_scatter_nd},
    {"Expand", map_expand}, {"Tile", map_tile}, {"Pad", map_pad}, {"Trilu", map_trilu}, {"Resize", map_resize},
    {"Upsample", map_upsample}, {"DepthToSpace", map_depth_to_space}, {"SpaceToDepth", map_space_to_depth},
    {"Where", map_where}, {"Constant", map_constant}, {"ConstantOfShape", map_constant_of_shape},
    {"Shape", map_shape}, {"Size", map_size}, {"Range", map_range}, {"EyeLike", map_eye_like},
    {"OneHot", map_one_hot},
    {NULL, NULL},
};
