/* interp_pointwise.c — reference kernels for pointwise ops: unary math and
 * activations, binary arithmetic and comparisons with numpy broadcasting,
 * logic, and where.
 *
 * f32 is computed in double and rounded once (see interp_impl.h). Integer
 * (i32, i64) results wrap modulo 2^bits. Choices beyond docs/ops.md:
 *   - integer div: truncates toward zero; x/0 = 0; INT_MIN/-1 wraps to INT_MIN.
 *   - integer pow: exact (wrapping) repeated multiplication for exponent >= 0;
 *     for exponent < 0 the true value 1/x^-e truncated toward zero, i.e. 1 for
 *     x = 1, +-1 for x = -1, 0 otherwise (0^negative is 0, like division by 0).
 *   - integer clip: the bounds become the nearest integers inside [min, max]
 *     (ceil(min), floor(max)), saturated to the dtype's range.
 *   - floor and ceil on integers are the identity.
 *   - relu, max, min, clip propagate NaN; comparisons with NaN are false. */
#include <math.h>
#include <string.h>

#include "ir/interp_impl.h"

#define SQRT1_2 0.70710678118654752440   /* 1/sqrt(2) */
#define SQRT_2_OVER_PI 0.79788456080286535588 /* sqrt(2/pi) */

/* Attribute values an element function may need, decoded once per node. */
typedef struct unary_params {
    double alpha;      /* leaky_relu slope, hardsigmoid alpha */
    double beta;       /* hardsigmoid beta */
    double lo, hi;     /* clip bounds */
    ic_gelu_kind gelu; /* gelu flavour */
} unary_params;

static bool unary_float_only(ic_op op) {
    switch (op) {
    case IC_OP_SQRT: case IC_OP_RECIPROCAL: case IC_OP_EXP: case IC_OP_LOG: case IC_OP_TANH:
    case IC_OP_SIGMOID: case IC_OP_ERF: case IC_OP_LEAKY_RELU: case IC_OP_GELU: case IC_OP_SILU:
    case IC_OP_HARDSWISH: case IC_OP_HARDSIGMOID:
        return true;
    default:
        return false;
    }
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static double unary_f(ic_op op, const unary_params *p, double x) {
    switch (op) {
    case IC_OP_NEG: return -x;
    case IC_OP_ABS: return fabs(x);
    case IC_OP_SQRT: return sqrt(x);
    case IC_OP_RECIPROCAL: return 1.0 / x;
    case IC_OP_EXP: return exp(x);
    case IC_OP_LOG: return log(x);
    case IC_OP_TANH: return tanh(x);
    case IC_OP_SIGMOID: return sigmoid(x);
    case IC_OP_ERF: return erf(x);
    case IC_OP_FLOOR: return floor(x);
    case IC_OP_CEIL: return ceil(x);
    case IC_OP_RELU: return isnan(x) ? x : x > 0.0 ? x : 0.0;
    case IC_OP_LEAKY_RELU: return x >= 0.0 ? x : p->alpha * x;
    case IC_OP_GELU:
        /* 1 + erf(z) = erfc(-z) and (1 + tanh(u)) / 2 = 1 / (1 + e^-2u) keep
           precision for large negative x, where the textbook forms cancel */
        if (p->gelu == IC_GELU_TANH) return x / (1.0 + exp(-2.0 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        return 0.5 * x * erfc(-x * SQRT1_2);
    case IC_OP_SILU: return x * sigmoid(x);
    case IC_OP_HARDSWISH: return x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0;
    case IC_OP_HARDSIGMOID: {
        double y = p->alpha * x + p->beta;
        if (isnan(y)) return y;
        return y < 0.0 ? 0.0 : y > 1.0 ? 1.0 : y;
    }
    case IC_OP_CLIP: {
        double y = x < p->lo ? p->lo : x; /* NaN compares false and passes through */
        return y > p->hi ? p->hi : y;
    }
    default: IC_ASSERT(!"unary_f: not a unary float op");
    }
    return 0.0;
}

/* Smallest and largest value of an integer dtype. */
static void int_range(ic_dtype t, int64_t *lo, int64_t *hi) {
    switch (t) {
    case IC_DT_I32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case IC_DT_I64: *lo = INT64_MIN; *hi = INT64_MAX; break;
    default: IC_ASSERT(!"int_range: not an arithmetic integer dtype");
    }
}

/* v clamped to [lo, hi] (v may be +-inf; NaN gives lo). */
static int64_t clamp_to_int(double v, int64_t lo, int64_t hi) {
    if (!(v > (double)lo)) return lo; /* (double)lo is exact: lo is -2^31 or -2^63 */
    if (v >= (double)hi) return hi;   /* (double)hi rounds up to 2^31-1 exactly or 2^63 */
    return (int64_t)v;
}

static int64_t unary_i(ic_op op, const unary_params *p, ic_dtype t, int64_t x) {
    switch (op) {
    case IC_OP_NEG: return (int64_t)(0u - (uint64_t)x);
    case IC_OP_ABS: return x < 0 ? (int64_t)(0u - (uint64_t)x) : x;
    case IC_OP_FLOOR:
    case IC_OP_CEIL: return x;
    case IC_OP_RELU: return x > 0 ? x : 0;
    case IC_OP_CLIP: {
        int64_t rlo, rhi;
        int_range(t, &rlo, &rhi);
        int64_t lo = clamp_to_int(ceil(p->lo), rlo, rhi), hi = clamp_to_int(floor(p->hi), rlo, rhi);
        int64_t y = x < lo ? lo : x;
        return y > hi ? hi : y;
    }
    default: IC_ASSERT(!"unary_i: not a unary integer op");
    }
    return 0;
}

ic_status ic_interp_unary(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    ic_dtype t = x->dtype;
    if (out->dtype != t) return ic_interp_bad_dtypes(n, t, out->dtype, d);
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    size_t numel = ic_tensor_numel(x);

    if (n->op == IC_OP_NOT) {
        if (t != IC_DT_BOOL) return ic_interp_bad_dtype(n, t, d);
        for (size_t i = 0; i < numel; i++) ic_st_i(out, i, !ic_ld_i(x, i));
        return IC_OK;
    }

    unary_params p = {0};
    p.alpha = ic_leaky_relu_alpha(n);
    if (n->op == IC_OP_HARDSIGMOID) ic_hardsigmoid_params(n, &p.alpha, &p.beta);
    ic_clip_bounds(n, &p.lo, &p.hi);
    p.gelu = ic_gelu_kind_of(n);

    if (t == IC_DT_F32) {
        for (size_t i = 0; i < numel; i++) ic_st_f(out, i, unary_f(n->op, &p, ic_ld_f(x, i)));
        return IC_OK;
    }
    if ((t == IC_DT_I32 || t == IC_DT_I64) && !unary_float_only(n->op)) {
        for (size_t i = 0; i < numel; i++) ic_st_i(out, i, unary_i(n->op, &p, t, ic_ld_i(x, i)));
        return IC_OK;
    }
    return ic_interp_bad_dtype(n, t, d);
}

/* --- binary -------------------------------------------------------------------- */

static bool is_comparison(ic_op op) {
    return op == IC_OP_EQUAL || op == IC_OP_LESS || op == IC_OP_LESS_EQUAL || op == IC_OP_GREATER ||
           op == IC_OP_GREATER_EQUAL;
}

static bool is_logic(ic_op op) { return op == IC_OP_AND || op == IC_OP_OR; }

/* Comparisons, on doubles (f32) or int64 (integers); a macro so both share one table. */
#define COMPARE(op, a, b)                                                                           \
    ((op) == IC_OP_EQUAL ? (a) == (b) : (op) == IC_OP_LESS ? (a) < (b) : (op) == IC_OP_LESS_EQUAL ? (a) <= (b) \
     : (op) == IC_OP_GREATER ? (a) > (b) : (a) >= (b))

static double binary_f(ic_op op, double a, double b) {
    switch (op) {
    case IC_OP_ADD: return a + b;
    case IC_OP_SUB: return a - b;
    case IC_OP_MUL: return a * b;
    case IC_OP_DIV: return a / b;
    case IC_OP_POW: return pow(a, b);
    case IC_OP_MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
    case IC_OP_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
    default: IC_ASSERT(!"binary_f: not a binary float op");
    }
    return 0.0;
}

/* a ** e for integers, wrapping (see the file comment for e < 0). */
static int64_t ipow(int64_t a, int64_t e) {
    if (e < 0) {
        if (a == 1) return 1;
        if (a == -1) return (e & 1) ? -1 : 1;
        return 0;
    }
    uint64_t result = 1, base = (uint64_t)a;
    for (uint64_t k = (uint64_t)e; k; k >>= 1) { /* square and multiply */
        if (k & 1) result *= base;
        base *= base;
    }
    return (int64_t)result;
}

static int64_t binary_i(ic_op op, int64_t a, int64_t b) {
    switch (op) {
    case IC_OP_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
    case IC_OP_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
    case IC_OP_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
    case IC_OP_DIV:
        if (b == 0) return 0;
        if (b == -1) return (int64_t)(0u - (uint64_t)a); /* INT64_MIN / -1 wraps */
        return a / b;                                    /* C truncates toward zero */
    case IC_OP_POW: return ipow(a, b);
    case IC_OP_MAX: return a > b ? a : b;
    case IC_OP_MIN: return a < b ? a : b;
    default: IC_ASSERT(!"binary_i: not a binary integer op");
    }
    return 0;
}

ic_status ic_interp_binary(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *a = in[0], *b = in[1];
    ic_dtype t = a->dtype;
    ic_op op = n->op;
    if (b->dtype != t) return ic_interp_bad_dtypes(n, t, b->dtype, d);
    ic_dtype want = is_comparison(op) ? IC_DT_BOOL : t;
    if (out->dtype != want) return ic_interp_bad_dtypes(n, t, out->dtype, d);
    if (is_logic(op)) {
        if (t != IC_DT_BOOL) return ic_interp_bad_dtype(n, t, d);
    } else if (is_comparison(op)) {
        if (!(t == IC_DT_F32 || ic_dtype_is_intlike(t))) return ic_interp_bad_dtype(n, t, d);
    } else if (!ic_dtype_is_arith(t)) {
        return ic_interp_bad_dtype(n, t, d);
    }

    int64_t strides[2][IC_MAX_RANK];
    if (!ic_bcast_strides(&a->shape, &out->shape, strides[0]) || !ic_bcast_strides(&b->shape, &out->shape, strides[1]))
        return ic_interp_bad_shape(n, "operands do not broadcast to the result shape", d);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 2, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    size_t numel = ic_tensor_numel(out);
    for (size_t i = 0; i < numel; i++, ic_iter_next(&it)) {
        size_t ia = (size_t)it.off[0], ib = (size_t)it.off[1];
        if (t == IC_DT_F32) {
            double x = ic_ld_f(a, ia), y = ic_ld_f(b, ib);
            if (is_comparison(op))
                ic_st_i(out, i, COMPARE(op, x, y));
            else
                ic_st_f(out, i, binary_f(op, x, y));
        } else {
            int64_t x = ic_ld_i(a, ia), y = ic_ld_i(b, ib);
            if (is_comparison(op))
                ic_st_i(out, i, COMPARE(op, x, y));
            else if (op == IC_OP_AND)
                ic_st_i(out, i, x && y);
            else if (op == IC_OP_OR)
                ic_st_i(out, i, x || y);
            else
                ic_st_i(out, i, binary_i(op, x, y));
        }
    }
    return IC_OK;
}

/* --- where --------------------------------------------------------------------- */

ic_status ic_interp_where(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *c = in[0], *a = in[1], *b = in[2];
    if (c->dtype != IC_DT_BOOL) return ic_interp_bad_dtype(n, c->dtype, d);
    if (a->dtype != b->dtype || out->dtype != a->dtype) return ic_interp_bad_dtypes(n, a->dtype, b->dtype, d);
    int64_t strides[3][IC_MAX_RANK];
    if (!ic_bcast_strides(&c->shape, &out->shape, strides[0]) || !ic_bcast_strides(&a->shape, &out->shape, strides[1]) ||
        !ic_bcast_strides(&b->shape, &out->shape, strides[2]))
        return ic_interp_bad_shape(n, "operands do not broadcast to the result shape", d);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 3, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    size_t es = ic_dtype_size(out->dtype), numel = ic_tensor_numel(out);
    const uint8_t *cond = c->data;
    for (size_t i = 0; i < numel; i++, ic_iter_next(&it)) {
        const ic_tensor *src = cond[it.off[0]] ? a : b;
        size_t off = (size_t)(cond[it.off[0]] ? it.off[1] : it.off[2]);
        memcpy((char *)out->data + i * es, (const char *)src->data + off * es, es);
    }
    return IC_OK;
}
