/* tensor.c — dense host tensors; see tensor.h. */
#include "ir/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ic_status ic_tensor_alloc(ic_dtype dtype, const ic_shape *shape, ic_tensor *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    size_t es = ic_dtype_size(dtype);
    if (!es) return ic_diag_set(d, IC_ERR_INVALID, "tensor of invalid dtype");
    if (shape->rank < 0 || shape->rank > IC_MAX_RANK)
        return ic_diag_set(d, IC_ERR_INVALID, "tensor rank %d out of range", shape->rank);
    size_t n = es;
    for (int i = 0; i < shape->rank; i++) {
        int64_t dim = shape->dims[i];
        if (dim < 0) return ic_diag_set(d, IC_ERR_INVALID, "negative dimension %lld", (long long)dim);
        if (dim && n > ((size_t)1 << 46) / (size_t)dim)
            return ic_diag_set(d, IC_ERR_INVALID, "tensor too large");
        n *= (size_t)dim;
    }
    /* 64-byte aligned, like the arena of a model: kernels may then use
       aligned and streaming stores on these buffers too (inductc run, tests) */
    size_t bytes = (n + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory allocating %zu bytes", n);
    memset(p, 0, bytes ? bytes : 64);
    out->dtype = dtype;
    out->shape = *shape;
    out->data = p;
    return IC_OK;
}

void ic_tensor_free(ic_tensor *t) {
    if (!t) return;
    free(t->data);
    t->data = NULL;
}

size_t ic_tensor_numel(const ic_tensor *t) { return ic_shape_numel(&t->shape); }
size_t ic_tensor_nbytes(const ic_tensor *t) { return ic_tensor_numel(t) * ic_dtype_size(t->dtype); }

/* Layout of the two 16-bit float formats. */
typedef struct half_format {
    int mant_bits; /* stored mantissa bits */
    int bias;      /* exponent bias */
    int exp_max;   /* all-ones exponent field (inf / NaN) */
} half_format;

static half_format half_format_of(ic_dtype t) {
    if (t == IC_DT_F16) return (half_format){.mant_bits = 10, .bias = 15, .exp_max = 31};
    return (half_format){.mant_bits = 7, .bias = 127, .exp_max = 255}; /* bf16 */
}

double ic_half_to_f64(uint16_t h, ic_dtype t) {
    half_format f = half_format_of(t);
    int sign = h >> 15;
    int e = (h >> f.mant_bits) & f.exp_max;
    int m = h & ((1 << f.mant_bits) - 1);
    double v;
    if (e == f.exp_max)
        v = m ? NAN : INFINITY;
    else if (e == 0)
        v = ldexp(m, 1 - f.bias - f.mant_bits); /* subnormal */
    else
        v = ldexp(m + (1 << f.mant_bits), e - f.bias - f.mant_bits);
    return sign ? -v : v;
}

uint16_t ic_half_from_f64(double v, ic_dtype t) {
    half_format f = half_format_of(t);
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    uint16_t inf = (uint16_t)(f.exp_max << f.mant_bits);
    if (isnan(v)) return (uint16_t)(sign | inf | (1 << (f.mant_bits - 1)));
    if (isinf(v)) return (uint16_t)(sign | inf);
    double a = fabs(v);
    int one = 1 << f.mant_bits; /* the implicit leading 1 in mantissa units */
    int exp;
    frexp(a, &exp); /* a = m * 2^exp, m in [0.5, 1) */
    int e = exp - 1; /* a = (2m) * 2^e, 2m in [1, 2) */
    if (a == 0.0 || e < 1 - f.bias) {
        /* subnormal (or zero): units of 2^(1 - bias - mant_bits); nearbyint
         * rounds to nearest even, and a carry into `one` is the smallest
         * normal, which the same bit pattern encodes. */
        double q = nearbyint(ldexp(a, f.bias - 1 + f.mant_bits));
        return (uint16_t)(sign | (uint16_t)q);
    }
    double q = nearbyint(ldexp(a, f.mant_bits - e)); /* in [one, 2*one] */
    if (q == 2.0 * one) {
        q = one;
        e++;
    }
    if (e + f.bias >= f.exp_max) return (uint16_t)(sign | inf);
    return (uint16_t)(sign | ((e + f.bias) << f.mant_bits) | ((int)q - one));
}

double ic_tensor_get_f64(const ic_tensor *t, size_t i) {
    switch (t->dtype) {
    case IC_DT_F32: return ((const float *)t->data)[i];
    case IC_DT_I8: return ((const int8_t *)t->data)[i];
    case IC_DT_U8:
    case IC_DT_BOOL: return ((const uint8_t *)t->data)[i];
    case IC_DT_I32: return ((const int32_t *)t->data)[i];
    case IC_DT_I64: return (double)((const int64_t *)t->data)[i];
    case IC_DT_F16:
    case IC_DT_BF16: return ic_half_to_f64(((const uint16_t *)t->data)[i], t->dtype);
    default: return 0.0;
    }
}
