/* interp_cast.c — the reference cast between every dtype (the f16/bf16
 * conversions live in tensor.c).
 *
 * Rules (docs/ops.md plus the choices it leaves open):
 *   - float -> integer: truncate toward zero; NaN -> 0; out of range saturates
 *     to the target's min/max (+-inf too).
 *   - integer -> integer: wraps modulo 2^bits (like C, numpy and PyTorch).
 *   - anything -> bool: x != 0 (NaN is nonzero, so true); bool -> x is 0 or 1.
 *   - integer -> f32: one rounding to nearest even ((float)int64).
 *   - anything -> f16/bf16: through double, then one rounding to nearest even
 *     (exact for every float source and every integer below 2^53; integers
 *     above that round twice, which can differ by one bf16 ulp).
 *   - float narrowing overflows to +-inf; NaN stays NaN (quiet, sign kept). */
#include <math.h>
#include <string.h>

#include "ir/interp_impl.h"

/* A source element: a float value or an integer value. */
typedef struct scalar {
    bool is_float; /* which member holds it */
    double f;      /* f32, f16, bf16 sources */
    int64_t i;     /* integer and bool sources */
} scalar;

static scalar load(const ic_tensor *t, size_t i) {
    switch (t->dtype) {
    case IC_DT_F32: return (scalar){.is_float = true, .f = ic_ld_f(t, i)};
    case IC_DT_F16:
    case IC_DT_BF16: return (scalar){.is_float = true, .f = ic_half_to_f64(((const uint16_t *)t->data)[i], t->dtype)};
    default: return (scalar){.is_float = false, .i = ic_ld_i(t, i)};
    }
}

/* Float to an integer dtype: truncate, NaN -> 0, saturate. */
static int64_t float_to_int(double v, ic_dtype t) {
    int64_t lo, hi;
    switch (t) {
    case IC_DT_I8: lo = INT8_MIN; hi = INT8_MAX; break;
    case IC_DT_U8: lo = 0; hi = UINT8_MAX; break;
    case IC_DT_I32: lo = INT32_MIN; hi = INT32_MAX; break;
    default: lo = INT64_MIN; hi = INT64_MAX; break;
    }
    if (isnan(v)) return 0;
    v = trunc(v);
    if (v <= (double)lo) return lo;
    if (v >= (double)hi) return hi; /* for i64, (double)hi is 2^63: anything >= saturates */
    return (int64_t)v;
}

static void store(ic_tensor *t, size_t i, scalar s) {
    switch (t->dtype) {
    case IC_DT_F32: ((float *)t->data)[i] = s.is_float ? (float)s.f : (float)s.i; break;
    case IC_DT_F16:
    case IC_DT_BF16: ((uint16_t *)t->data)[i] = ic_half_from_f64(s.is_float ? s.f : (double)s.i, t->dtype); break;
    case IC_DT_BOOL: ic_st_i(t, i, s.is_float ? s.f != 0.0 : s.i != 0); break;
    default: ic_st_i(t, i, s.is_float ? float_to_int(s.f, t->dtype) : s.i); break;
    }
}

static bool castable(ic_dtype t) { return t == IC_DT_F32 || t == IC_DT_F16 || t == IC_DT_BF16 || ic_dtype_is_intlike(t); }

ic_status ic_interp_cast(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    if (!castable(x->dtype) || !castable(out->dtype)) return ic_interp_bad_dtypes(n, x->dtype, out->dtype, d);
    if (!ic_shape_equal(&x->shape, &out->shape)) return ic_interp_bad_shape(n, "result shape differs from input", d);
    size_t numel = ic_tensor_numel(x);
    for (size_t i = 0; i < numel; i++) store(out, i, load(x, i));
    return IC_OK;
}
