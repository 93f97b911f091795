/* interp_math_ext.c — reference kernels for the pointwise ops of the ONNX
 * front end: elu, selu, celu, softplus, softsign, round, sign, isnan, isinf,
 * the trigonometric and hyperbolic functions and their inverses (libm), and
 * mod (binary, numpy broadcasting).
 *
 * f32 is computed in double and rounded once (interp_impl.h). Choices beyond
 * docs/ops.md: elu/selu/celu use expm1 for the negative branch; round is half
 * to even and independent of the FP rounding mode; sign keeps 0, -0 and NaN;
 * integer mod by 0 (and by -1, where INT_MIN % -1 would trap) gives 0. */
#include <math.h>

#include "ir/interp_impl.h"

/* Attribute values decoded once per node. */
typedef struct ext_params {
    double alpha; /* elu, selu, celu */
    double gamma; /* selu */
} ext_params;

/* Half to even, for any rounding mode the host may have set. */
static double round_even(double x) {
    if (!isfinite(x)) return x;
    double f = floor(x), r = x - f; /* exact for values converted from float */
    if (r > 0.5) return f + 1.0;
    if (r < 0.5) return f;
    return fmod(f, 2.0) == 0.0 ? f : f + 1.0;
}

static double unary_f(ic_op op, const ext_params *p, double x) {
    switch (op) {
    case IC_OP_ELU: return x > 0.0 ? x : p->alpha * expm1(x);
    case IC_OP_SELU: return p->gamma * (x > 0.0 ? x : p->alpha * expm1(x));
    case IC_OP_CELU: return x > 0.0 ? x : p->alpha * expm1(x / p->alpha);
    case IC_OP_SOFTPLUS: return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x))); /* no overflow for large |x| */
    case IC_OP_SOFTSIGN: return x / (1.0 + fabs(x));
    case IC_OP_ROUND: return round_even(x);
    case IC_OP_SIGN: return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : x;
    case IC_OP_SIN: return sin(x);
    case IC_OP_COS: return cos(x);
    case IC_OP_TAN: return tan(x);
    case IC_OP_ASIN: return asin(x);
    case IC_OP_ACOS: return acos(x);
    case IC_OP_ATAN: return atan(x);
    case IC_OP_SINH: return sinh(x);
    case IC_OP_COSH: return cosh(x);
    case IC_OP_ASINH: return asinh(x);
    case IC_OP_ACOSH: return acosh(x);
    case IC_OP_ATANH: return atanh(x);
    default: IC_ASSERT(!"unary_f: not an extension unary op");
    }
    return 0.0;
}

ic_status ic_interp_unary_ext(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_dtype t = x->dtype;
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    size_t numel = ic_tensor_numel(x);
    if (n->op == IC_OP_ISNAN || n->op == IC_OP_ISINF) {
        if (t != IC_DT_F32 || out->dtype != IC_DT_BOOL) return ic_interp_bad_dtypes(n, t, out->dtype, d);
        for (size_t i = 0; i < numel; i++) {
            double v = ic_ld_f(x, i);
            ic_st_i(out, i, n->op == IC_OP_ISNAN ? isnan(v) : isinf(v));
        }
        return IC_OK;
    }
    if (out->dtype != t) return ic_interp_bad_dtypes(n, t, out->dtype, d);
    if (n->op == IC_OP_SIGN && (t == IC_DT_I32 || t == IC_DT_I64)) {
        for (size_t i = 0; i < numel; i++) {
            int64_t v = ic_ld_i(x, i);
            ic_st_i(out, i, (v > 0) - (v < 0));
        }
        return IC_OK;
    }
    if (t != IC_DT_F32) return ic_interp_bad_dtype(n, t, d);
    ext_params p = {.alpha = ic_elu_alpha(n), .gamma = ic_selu_gamma(n)};
    for (size_t i = 0; i < numel; i++) ic_st_f(out, i, unary_f(n->op, &p, ic_ld_f(x, i)));
    return IC_OK;
}

/* a mod b for doubles: C fmod, or (python) the sign of b with 0 signed like b. */
static double mod_f(double a, double b, bool c_fmod) {
    double r = fmod(a, b); /* exact */
    if (c_fmod) return r;
    if (r == 0.0) return copysign(0.0, b);
    return (r < 0.0) != (b < 0.0) ? r + b : r;
}

static int64_t mod_i(int64_t a, int64_t b, bool c_fmod) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b; /* C: the sign of a */
    if (!c_fmod && r != 0 && (r < 0) != (b < 0)) r += b;
    return r;
}

ic_status ic_interp_mod(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *a = in[0], *b = in[1];
    ic_dtype t = a->dtype;
    if (b->dtype != t || out->dtype != t) return ic_interp_bad_dtypes(n, t, b->dtype, d);
    if (!ic_dtype_is_arith(t)) return ic_interp_bad_dtype(n, t, d);
    int64_t strides[2][IC_MAX_RANK];
    if (!ic_bcast_strides(&a->shape, &out->shape, strides[0]) || !ic_bcast_strides(&b->shape, &out->shape, strides[1]))
        return ic_interp_bad_shape(n, "operands do not broadcast to the result shape", d);
    bool c_fmod = ic_mod_is_fmod(n);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 2, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    size_t numel = ic_tensor_numel(out);
    for (size_t i = 0; i < numel; i++, ic_iter_next(&it)) {
        size_t ia = (size_t)it.off[0], ib = (size_t)it.off[1];
        if (t == IC_DT_F32)
            ic_st_f(out, i, mod_f(ic_ld_f(a, ia), ic_ld_f(b, ib), c_fmod));
        else
            ic_st_i(out, i, mod_i(ic_ld_i(a, ia), ic_ld_i(b, ib), c_fmod));
    }
    return IC_OK;
}
