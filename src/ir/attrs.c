/* attrs.c — reading node attributes, with every default in one place.
 *
 * Shape inference, the interpreter and codegen read attributes only through
 * these functions, so an op's defaults cannot drift between them. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ir/ir.h"

const ic_attr *ic_node_attr(const ic_node *n, const char *name) {
    for (uint32_t i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
    return NULL;
}

int64_t ic_attr_int(const ic_node *n, const char *name, int64_t dflt) {
    const ic_attr *a = ic_node_attr(n, name);
    if (!a) return dflt;
    if (a->kind == IC_ATTR_INT) return a->i;
    if (a->kind == IC_ATTR_FLOAT) return (int64_t)a->f;
    return dflt;
}

double ic_attr_float(const ic_node *n, const char *name, double dflt) {
    const ic_attr *a = ic_node_attr(n, name);
    if (!a) return dflt;
    if (a->kind == IC_ATTR_FLOAT) return a->f;
    if (a->kind == IC_ATTR_INT) return (double)a->i;
    return dflt;
}

const char *ic_attr_str(const ic_node *n, const char *name, const char *dflt) {
    const ic_attr *a = ic_node_attr(n, name);
    return a && a->kind == IC_ATTR_STRING ? a->s : dflt;
}

const int64_t *ic_attr_ints(const ic_node *n, const char *name, uint32_t *out_n) {
    const ic_attr *a = ic_node_attr(n, name);
    if (!a || a->kind != IC_ATTR_INTS) {
        *out_n = 0;
        return NULL;
    }
    *out_n = a->n;
    return a->ints;
}

ic_attr ic_attr_make_int(const char *name, int64_t v) {
    return (ic_attr){.name = name, .kind = IC_ATTR_INT, .i = v};
}
ic_attr ic_attr_make_float(const char *name, double v) {
    return (ic_attr){.name = name, .kind = IC_ATTR_FLOAT, .f = v};
}
ic_attr ic_attr_make_ints(const char *name, const int64_t *v, uint32_t n) {
    return (ic_attr){.name = name, .kind = IC_ATTR_INTS, .n = n, .ints = v};
}
ic_attr ic_attr_make_floats(const char *name, const double *v, uint32_t n) {
    return (ic_attr){.name = name, .kind = IC_ATTR_FLOATS, .n = n, .floats = v};
}
ic_attr ic_attr_make_string(const char *name, const char *s) {
    return (ic_attr){.name = name, .kind = IC_ATTR_STRING, .s = s};
}

/* Reads an int list of exactly want entries into out, or leaves out alone if absent. */
static ic_status read_fixed(const ic_node *n, const char *name, uint32_t want, int64_t *out, ic_diag *d) {
    uint32_t k;
    const int64_t *v = ic_attr_ints(n, name, &k);
    if (!v) return IC_OK;
    if (k != want)
        return ic_diag_set(d, IC_ERR_INVALID, "%s: attribute %s needs %u values, got %u", ic_op_get(n->op)->name,
                           name, want, k);
    memcpy(out, v, want * sizeof *out);
    return IC_OK;
}

/* The layout attribute of conv and pooling ops: "nchw" (default) or "nhwc". */
static ic_status read_layout(const ic_node *n, bool *channels_last, ic_diag *d) {
    const char *s = ic_attr_str(n, "layout", "nchw");
    *channels_last = strcmp(s, "nhwc") == 0;
    if (!*channels_last && strcmp(s, "nchw") != 0)
        return ic_diag_set(d, IC_ERR_INVALID, "%s: layout must be nchw or nhwc, got '%s'", ic_op_get(n->op)->name, s);
    return IC_OK;
}

ic_status ic_conv_params_get(const ic_node *n, ic_conv_params *out, ic_diag *d) {
    *out = (ic_conv_params){.strides = {1, 1}, .pads = {0, 0, 0, 0}, .dilations = {1, 1}, .group = 1};
    IC_TRY(read_fixed(n, "strides", 2, out->strides, d));
    IC_TRY(read_fixed(n, "pads", 4, out->pads, d));
    IC_TRY(read_fixed(n, "dilations", 2, out->dilations, d));
    out->group = ic_attr_int(n, "group", 1);
    const char *op = ic_op_get(n->op)->name;
    for (int i = 0; i < 2; i++) {
        if (out->strides[i] < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: strides must be >= 1", op);
        if (out->dilations[i] < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: dilations must be >= 1", op);
    }
    for (int i = 0; i < 4; i++)
        if (out->pads[i] < 0) return ic_diag_set(d, IC_ERR_INVALID, "%s: pads must be >= 0", op);
    if (out->group < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: group must be >= 1", op);
    if (n->op == IC_OP_CONV_TRANSPOSE) {
        IC_TRY(read_fixed(n, "output_padding", 2, out->output_padding, d));
        for (int i = 0; i < 2; i++)
            if (out->output_padding[i] < 0 ||
                (out->output_padding[i] >= out->strides[i] && out->output_padding[i] >= out->dilations[i]))
                return ic_diag_set(d, IC_ERR_INVALID, "%s: output_padding must be >= 0 and below the stride or dilation", op);
    }
    return read_layout(n, &out->channels_last, d);
}

ic_status ic_pool_params_get(const ic_node *n, ic_pool_params *out, ic_diag *d) {
    *out = (ic_pool_params){.kernel = {0, 0}, .strides = {1, 1}, .pads = {0, 0, 0, 0}, .dilations = {1, 1}};
    const char *op = ic_op_get(n->op)->name;
    uint32_t k;
    if (!ic_attr_ints(n, "kernel", &k)) return ic_diag_set(d, IC_ERR_INVALID, "%s: attribute kernel is required", op);
    IC_TRY(read_fixed(n, "kernel", 2, out->kernel, d));
    IC_TRY(read_fixed(n, "strides", 2, out->strides, d));
    IC_TRY(read_fixed(n, "pads", 4, out->pads, d));
    IC_TRY(read_fixed(n, "dilations", 2, out->dilations, d));
    out->ceil_mode = ic_attr_int(n, "ceil_mode", 0) != 0;
    out->count_include_pad = ic_attr_int(n, "count_include_pad", 0) != 0;
    for (int i = 0; i < 2; i++) {
        if (out->kernel[i] < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: kernel must be >= 1", op);
        if (out->strides[i] < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: strides must be >= 1", op);
        if (out->dilations[i] < 1) return ic_diag_set(d, IC_ERR_INVALID, "%s: dilations must be >= 1", op);
    }
    for (int i = 0; i < 4; i++)
        if (out->pads[i] < 0 || out->pads[i] >= out->kernel[i % 2] * out->dilations[i % 2])
            return ic_diag_set(d, IC_ERR_INVALID, "%s: pads must be >= 0 and smaller than the window", op);
    return read_layout(n, &out->channels_last, d);
}

ic_gemm_params ic_gemm_params_get(const ic_node *n) {
    return (ic_gemm_params){
        .alpha = ic_attr_float(n, "alpha", 1.0),
        .beta = ic_attr_float(n, "beta", 1.0),
        .trans_a = ic_attr_int(n, "trans_a", 0) != 0,
        .trans_b = ic_attr_int(n, "trans_b", 0) != 0,
    };
}

double ic_leaky_relu_alpha(const ic_node *n) { return ic_attr_float(n, "alpha", 0.01); }

void ic_hardsigmoid_params(const ic_node *n, double *alpha, double *beta) {
    *alpha = ic_attr_float(n, "alpha", 0.2);
    *beta = ic_attr_float(n, "beta", 0.5);
}

void ic_clip_bounds(const ic_node *n, double *lo, double *hi) {
    *lo = ic_attr_float(n, "min", -INFINITY);
    *hi = ic_attr_float(n, "max", INFINITY);
}

ic_gelu_kind ic_gelu_kind_of(const ic_node *n) {
    const char *s = ic_attr_str(n, "approximate", "none");
    return strcmp(s, "tanh") == 0 ? IC_GELU_TANH : IC_GELU_ERF;
}

double ic_epsilon_of(const ic_node *n) { return ic_attr_float(n, "epsilon", 1e-5); }

bool ic_axis_normalize(int64_t axis, int32_t rank, int32_t *out_axis) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    *out_axis = (int32_t)axis;
    return true;
}

bool ic_reduce_axes_mask(const ic_node *n, int32_t rank, uint32_t *out_mask, ic_diag *d) {
    uint32_t k;
    const int64_t *axes = ic_attr_ints(n, "axes", &k);
    uint32_t mask = 0;
    if (!axes || k == 0) {
        *out_mask = rank ? (1u << rank) - 1u : 0;
        return true;
    }
    for (uint32_t i = 0; i < k; i++) {
        int32_t a;
        if (!ic_axis_normalize(axes[i], rank, &a)) {
            ic_diag_set(d, IC_ERR_INVALID, "%s: axis %lld out of range for rank %d", ic_op_get(n->op)->name,
                        (long long)axes[i], rank);
            return false;
        }
        if (mask & (1u << a)) {
            ic_diag_set(d, IC_ERR_INVALID, "%s: axis %lld repeated", ic_op_get(n->op)->name, (long long)axes[i]);
            return false;
        }
        mask |= 1u << a;
    }
    *out_mask = mask;
    return true;
}

bool ic_reduce_keepdims(const ic_node *n) { return ic_attr_int(n, "keepdims", 1) != 0; }

ic_status ic_axis_of(const ic_node *n, int32_t rank, int32_t *out_axis, ic_diag *d) {
    const char *op = ic_op_get(n->op)->name;
    int64_t dflt;
    switch (n->op) {
    case IC_OP_SOFTMAX:
    case IC_OP_LOG_SOFTMAX:
    case IC_OP_LAYERNORM: dflt = -1; break;
    case IC_OP_CONCAT:
        if (!ic_node_attr(n, "axis")) return ic_diag_set(d, IC_ERR_INVALID, "%s: attribute 'axis' is required", op);
        dflt = 0;
        break;
    default: dflt = 0; break;
    }
    int64_t axis = ic_attr_int(n, "axis", dflt);
    if (!ic_axis_normalize(axis, rank, out_axis))
        return ic_diag_set(d, IC_ERR_INVALID, "%s: axis %lld out of range for rank %d", op, (long long)axis, rank);
    return IC_OK;
}

ic_status ic_transpose_perm(const ic_node *n, int32_t rank, int32_t out_perm[IC_MAX_RANK], ic_diag *d) {
    uint32_t k;
    const int64_t *perm = ic_attr_ints(n, "perm", &k);
    if (perm && (int32_t)k != rank)
        return ic_diag_set(d, IC_ERR_INVALID, "transpose: 'perm' has %u entries for rank %d", k, rank);
    uint32_t seen = 0;
    for (int32_t i = 0; i < rank; i++) {
        int64_t p = perm ? perm[i] : rank - 1 - i;
        if (p < 0) p += rank;
        if (p < 0 || p >= rank || (seen & (1u << p)))
            return ic_diag_set(d, IC_ERR_INVALID, "transpose: 'perm' is not a permutation of 0..%d", rank - 1);
        seen |= 1u << p;
        out_perm[i] = (int32_t)p;
    }
    return IC_OK;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

ic_status ic_slice_params_get(const ic_node *n, const ic_shape *in, ic_slice_params *out, ic_diag *d) {
    int32_t rank = in->rank;
    uint32_t ns, ne, na, nst;
    const int64_t *starts = ic_attr_ints(n, "starts", &ns), *ends = ic_attr_ints(n, "ends", &ne);
    const int64_t *axes = ic_attr_ints(n, "axes", &na), *steps = ic_attr_ints(n, "steps", &nst);
    if (!starts || !ends || ns != ne)
        return ic_diag_set(d, IC_ERR_INVALID, "slice: 'starts' and 'ends' are required and of equal length");
    if ((axes && na != ns) || (steps && nst != ns))
        return ic_diag_set(d, IC_ERR_INVALID, "slice: 'axes' and 'steps' must match 'starts' in length");
    for (int i = 0; i < rank; i++) {
        out->start[i] = 0;
        out->step[i] = 1;
        out->count[i] = in->dims[i];
    }
    uint32_t seen = 0;
    for (uint32_t k = 0; k < ns; k++) {
        int32_t a;
        int64_t ax = axes ? axes[k] : (int64_t)k;
        if (!ic_axis_normalize(ax, rank, &a))
            return ic_diag_set(d, IC_ERR_INVALID, "slice: axis %lld out of range for rank %d", (long long)ax, rank);
        if (seen & (1u << a)) return ic_diag_set(d, IC_ERR_INVALID, "slice: axis %lld repeated", (long long)ax);
        seen |= 1u << a;
        int64_t dim = in->dims[a], s = starts[k], e = ends[k], st = steps ? steps[k] : 1;
        if (st == 0) return ic_diag_set(d, IC_ERR_INVALID, "slice: steps must not be 0");
        /* negative counts from the end (saturating, so INT64_MIN stays safe), then clamp */
        if (s < 0) s = s < INT64_MIN + dim ? INT64_MIN : s + dim;
        if (e < 0) e = e < INT64_MIN + dim ? INT64_MIN : e + dim;
        int64_t c;
        if (dim == 0) {
            s = 0;
            c = 0;
        } else if (st > 0) {
            s = clamp64(s, 0, dim);
            e = clamp64(e, 0, dim);
            c = e > s ? (int64_t)((uint64_t)(e - s - 1) / (uint64_t)st) + 1 : 0;
        } else {
            s = clamp64(s, 0, dim - 1);
            e = clamp64(e, -1, dim - 1);
            c = s > e ? (int64_t)((uint64_t)(s - e - 1) / (0u - (uint64_t)st)) + 1 : 0;
        }
        out->start[a] = c ? s : 0;
        out->step[a] = c > 1 ? st : 1; /* a huge step that picks one element must not overflow a stride */
        out->count[a] = c;
    }
    return IC_OK;
}

/* --- ops of the ONNX front end ---------------------------------------------------- */

double ic_elu_alpha(const ic_node *n) {
    return ic_attr_float(n, "alpha", n->op == IC_OP_SELU ? 1.67326319217681884765625 : 1.0);
}

double ic_selu_gamma(const ic_node *n) { return ic_attr_float(n, "gamma", 1.05070102214813232421875); }

bool ic_mod_is_fmod(const ic_node *n) { return ic_attr_int(n, "fmod", 0) != 0; }

ic_status ic_arg_params_get(const ic_node *n, int32_t rank, ic_arg_params *out, ic_diag *d) {
    int64_t axis = ic_attr_int(n, "axis", 0);
    if (!ic_axis_normalize(axis, rank, &out->axis))
        return ic_diag_set(d, IC_ERR_INVALID, "%s: axis %lld out of range for rank %d", ic_op_get(n->op)->name,
                           (long long)axis, rank);
    out->keepdims = ic_attr_int(n, "keepdims", 1) != 0;
    out->select_last = ic_attr_int(n, "select_last_index", 0) != 0;
    return IC_OK;
}

ic_status ic_cumsum_params_get(const ic_node *n, int32_t rank, ic_cumsum_params *out, ic_diag *d) {
    if (!ic_node_attr(n, "axis")) return ic_diag_set(d, IC_ERR_INVALID, "cumsum: attribute 'axis' is required");
    int64_t axis = ic_attr_int(n, "axis", 0);
    if (!ic_axis_normalize(axis, rank, &out->axis))
        return ic_diag_set(d, IC_ERR_INVALID, "cumsum: axis %lld out of range for rank %d", (long long)axis, rank);
    out->exclusive = ic_attr_int(n, "exclusive", 0) != 0;
    out->reverse = ic_attr_int(n, "reverse", 0) != 0;
    return IC_OK;
}

ic_status ic_topk_params_get(const ic_node *n, const ic_shape *x, ic_topk_params *out, ic_diag *d) {
    int64_t axis = ic_attr_int(n, "axis", -1);
    if (!ic_axis_normalize(axis, x->rank, &out->axis))
        return ic_diag_set(d, IC_ERR_INVALID, "topk: axis %lld out of range for rank %d", (long long)axis, x->rank);
    out->k = ic_attr_int(n, "k", -1);
    if (out->k < 0 || out->k > x->dims[out->axis])
        return ic_diag_set(d, IC_ERR_INVALID, "topk: k = %lld must be given and lie in [0, %lld] (the axis' size)",
                           (long long)out->k, (long long)x->dims[out->axis]);
    out->largest = ic_attr_int(n, "largest", 1) != 0;
    return IC_OK;
}

ic_status ic_scatter_reduction_of(const ic_node *n, ic_scatter_reduction *out, ic_diag *d) {
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    const char *s = ic_attr_str(n, "reduction", "none");
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (ic_scatter_reduction)i;
            return IC_OK;
        }
    return ic_diag_set(d, IC_ERR_INVALID, "%s: reduction '%s' is not none, add, mul, max or min", ic_op_get(n->op)->name, s);
}

int64_t ic_gather_nd_batch_dims(const ic_node *n) { return ic_attr_int(n, "batch_dims", 0); }

ic_status ic_agg_reduction_of(const ic_node *n, ic_agg_reduction *out, ic_diag *d) {
    static const char *const names[] = {"sum", "mean", "max", "min"};
    const char *s = ic_attr_str(n, "reduction", "sum");
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (ic_agg_reduction)i;
            return IC_OK;
        }
    return ic_diag_set(d, IC_ERR_INVALID, "%s: reduction '%s' is not sum, mean, max or min", ic_op_get(n->op)->name, s);
}

ic_status ic_spmm_params_get(const ic_node *n, const ic_shape *rowptr, ic_agg_params *out, ic_diag *d) {
    IC_TRY(ic_agg_reduction_of(n, &out->red, d));
    out->include_self = ic_attr_int(n, "include_self", 0) != 0;
    out->scaled = ic_attr_int(n, "scaled", 0) != 0;
    uint32_t base = out->scaled ? 4u : 3u;
    if (n->n_inputs != base && n->n_inputs != base + 1)
        return ic_diag_set(d, IC_ERR_INVALID, "spmm: %u inputs; want rowptr, col%s, x and optional data", n->n_inputs,
                           out->scaled ? ", val" : "");
    out->has_data = n->n_inputs == base + 1;
    if (rowptr->rank != 1 || rowptr->dims[0] < 1) return ic_diag_set(d, IC_ERR_INVALID, "spmm: rowptr must be [N + 1]");
    out->num_nodes = rowptr->dims[0] - 1;
    return IC_OK;
}

ic_status ic_agg_params_get(const ic_node *n, const ic_shape *last, ic_agg_params *out, ic_diag *d) {
    IC_TRY(ic_agg_reduction_of(n, &out->red, d));
    out->include_self = ic_attr_int(n, "include_self", 0) != 0;
    out->scaled = ic_attr_int(n, "scaled", 0) != 0;
    uint32_t base = out->scaled ? 4u : 3u;
    if (n->n_inputs != base && n->n_inputs != base + 1)
        return ic_diag_set(d, IC_ERR_INVALID, "edge_aggregate: %u inputs; want x, src, dst%s and optional data", n->n_inputs,
                           out->scaled ? ", scale" : "");
    out->has_data = n->n_inputs == base + 1;
    out->num_nodes = ic_attr_int(n, "num_nodes", -1);
    if (out->has_data) {
        if (last->rank != 2) return ic_diag_set(d, IC_ERR_INVALID, "edge_aggregate: data must have rank 2");
        if (out->num_nodes >= 0 && out->num_nodes != last->dims[0])
            return ic_diag_set(d, IC_ERR_INVALID, "edge_aggregate: num_nodes %lld differs from data's %lld rows",
                               (long long)out->num_nodes, (long long)last->dims[0]);
        out->num_nodes = last->dims[0];
    } else if (out->num_nodes < 0) {
        return ic_diag_set(d, IC_ERR_INVALID, "edge_aggregate: num_nodes (>= 0) is required without data");
    }
    return IC_OK;
}

ic_status ic_tile_repeats(const ic_node *n, int32_t rank, int64_t out[IC_MAX_RANK], ic_diag *d) {
    uint32_t k;
    const int64_t *r = ic_attr_ints(n, "repeats", &k);
    if (!r && !ic_node_attr(n, "repeats")) return ic_diag_set(d, IC_ERR_INVALID, "tile: attribute 'repeats' is required");
    if ((int32_t)k != rank)
        return ic_diag_set(d, IC_ERR_INVALID, "tile: 'repeats' has %u entries for rank %d", k, rank);
    for (int32_t i = 0; i < rank; i++) {
        if (r[i] < 0) return ic_diag_set(d, IC_ERR_INVALID, "tile: repeats must be >= 0");
        out[i] = r[i];
    }
    return IC_OK;
}

ic_status ic_pad_params_get(const ic_node *n, int32_t rank, ic_pad_params *out, ic_diag *d) {
    uint32_t k;
    const int64_t *pads = ic_attr_ints(n, "pads", &k);
    if (!pads && !ic_node_attr(n, "pads")) return ic_diag_set(d, IC_ERR_INVALID, "pad: attribute 'pads' is required");
    if (k != 2u * (uint32_t)rank)
        return ic_diag_set(d, IC_ERR_INVALID, "pad: 'pads' has %u entries for rank %d (needs %d)", k, rank, 2 * rank);
    memset(out, 0, sizeof *out);
    for (int32_t i = 0; i < rank; i++) {
        out->begin[i] = pads[i];
        out->end[i] = pads[rank + i];
        /* keep dims far from int64 overflow; shape inference bounds the result anyway */
        if (out->begin[i] < -((int64_t)1 << 40) || out->begin[i] > ((int64_t)1 << 40) ||
            out->end[i] < -((int64_t)1 << 40) || out->end[i] > ((int64_t)1 << 40))
            return ic_diag_set(d, IC_ERR_INVALID, "pad: pads entry out of range");
    }
    const char *mode = ic_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant") == 0)
        out->mode = IC_PAD_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        out->mode = IC_PAD_REFLECT;
    else if (strcmp(mode, "edge") == 0)
        out->mode = IC_PAD_EDGE;
    else
        return ic_diag_set(d, IC_ERR_INVALID, "pad: mode '%s' is not constant, reflect or edge", mode);
    out->value = ic_attr_float(n, "value", 0.0);
    return IC_OK;
}

ic_trilu_params ic_trilu_params_get(const ic_node *n) {
    return (ic_trilu_params){.upper = ic_attr_int(n, "upper", 1) != 0, .k = ic_attr_int(n, "k", 0)};
}

/* Index of s in names[0..count), or -1. */
static int pick(const char *s, const char *const *names, int count) {
    for (int i = 0; i < count; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

ic_status ic_resize_params_get(const ic_node *n, const ic_shape *in, ic_resize_params *out, ic_diag *d) {
    static const char *const modes[] = {"nearest", "linear"};
    static const char *const coords[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                         "tf_half_pixel_for_nn"};
    static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    memset(out, 0, sizeof *out);
    const char *s = ic_attr_str(n, "mode", "nearest");
    int m = pick(s, modes, 2);
    if (m < 0) return ic_diag_set(d, IC_ERR_UNSUPPORTED, "resize: mode '%s' is not supported (nearest or linear)", s);
    out->mode = (ic_resize_mode)m;
    s = ic_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    m = pick(s, coords, 5);
    if (m < 0)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED,
                           "resize: coordinate_transformation_mode '%s' is not supported (half_pixel, asymmetric, "
                           "align_corners, pytorch_half_pixel or tf_half_pixel_for_nn)", s);
    out->coord = (ic_resize_coord)m;
    s = ic_attr_str(n, "nearest_mode", "round_prefer_floor");
    m = pick(s, nearest, 4);
    if (m < 0)
        return ic_diag_set(d, IC_ERR_INVALID,
                           "resize: nearest_mode '%s' is not round_prefer_floor, round_prefer_ceil, floor or ceil", s);
    out->nearest = (ic_resize_nearest)m;

    uint32_t k;
    const int64_t *sizes = ic_attr_ints(n, "sizes", &k);
    if (!sizes && !ic_node_attr(n, "sizes")) return ic_diag_set(d, IC_ERR_INVALID, "resize: attribute 'sizes' is required");
    if ((int32_t)k != in->rank)
        return ic_diag_set(d, IC_ERR_INVALID, "resize: 'sizes' has %u entries for rank %d", k, in->rank);
    const ic_attr *sc = ic_node_attr(n, "scales");
    if (sc && !(sc->kind == IC_ATTR_FLOATS || sc->kind == IC_ATTR_INTS))
        return ic_diag_set(d, IC_ERR_INVALID, "resize: 'scales' must be a list of floats");
    if (sc && (int32_t)sc->n != in->rank)
        return ic_diag_set(d, IC_ERR_INVALID, "resize: 'scales' has %u entries for rank %d", sc->n, in->rank);
    out->has_scales = sc != NULL;
    for (int32_t i = 0; i < in->rank; i++) {
        if (sizes[i] < 0 || sizes[i] > ((int64_t)1 << 40))
            return ic_diag_set(d, IC_ERR_INVALID, "resize: sizes must be in [0, 2^40]");
        out->sizes[i] = sizes[i];
        if (sc) {
            double v = sc->kind == IC_ATTR_FLOATS ? sc->floats[i] : (double)sc->ints[i];
            if (!(v > 0.0) || isinf(v)) return ic_diag_set(d, IC_ERR_INVALID, "resize: scales must be positive and finite");
            out->scales[i] = v;
        } else {
            out->scales[i] = in->dims[i] ? (double)sizes[i] / (double)in->dims[i] : 1.0;
        }
    }
    return IC_OK;
}

ic_status ic_d2s_params_get(const ic_node *n, ic_d2s_params *out, ic_diag *d) {
    const char *op = ic_op_get(n->op)->name;
    if (!ic_node_attr(n, "blocksize")) return ic_diag_set(d, IC_ERR_INVALID, "%s: attribute 'blocksize' is required", op);
    out->blocksize = ic_attr_int(n, "blocksize", 0);
    if (out->blocksize < 1 || out->blocksize > ((int64_t)1 << 20))
        return ic_diag_set(d, IC_ERR_INVALID, "%s: blocksize must be >= 1", op);
    const char *mode = ic_attr_str(n, "mode", "DCR");
    if (n->op == IC_OP_DEPTH_TO_SPACE && strcmp(mode, "DCR") != 0 && strcmp(mode, "CRD") != 0)
        return ic_diag_set(d, IC_ERR_INVALID, "%s: mode '%s' is not DCR or CRD", op, mode);
    out->crd = strcmp(mode, "CRD") == 0;
    return IC_OK;
}
