/* attrs.c — reading node attributes, with every default in one place.
 *
 * Shape inference, the interpreter and codegen read attributes only through
 * these functions, so an op's defaults cannot drift between them. */
#include <math.h>
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
    return IC_OK;
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
    return IC_OK;
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
