/* kernel_check.c — not a test executable of its own: test_codegen compiles it
 * at run time with the model compiler flags (one IC_ISA_* macro per build)
 * and calls ic_kernel_check() through dlopen. It sweeps every block function
 * of kernels/ic_kernels.h against its double-precision ic_ref_* twin:
 * within a stated relative tolerance per function (a few ULP; 64 subnormal
 * ULP absolute; both GELUs also an absolute 2e-7 |x|, the error
 * their formulas share with PyTorch's), NaN where the reference is NaN, and exactly the
 * same infinities. */
#include <stdio.h>

#include "ic_kernels.h"

#define TOL_ABS 9e-44 /* 64 ULP of a subnormal result: those keep fewer significant bits */

typedef void (*block_fn)(float *y, const float *x);
typedef float (*ref_fn)(float x);

/* Compares one function over n inputs; writes the first mismatch to msg. */
static int check(const char *name, block_fn f, ref_fn ref, const float *x, int n, double tol, double tol_x, char *msg,
                 size_t size) {
    for (int i = 0; i < n; i += IC_VW) {
        float in[IC_VW], out[IC_VW];
        for (int l = 0; l < IC_VW; l++) in[l] = i + l < n ? x[i + l] : 0.0f;
        f(out, in);
        for (int l = 0; l < IC_VW && i + l < n; l++) {
            double want = ref(in[l]), got = out[l];
            int ok = (isnan(want) && isnan(got)) || got == want || (!isinf(want) && fabs(got - want) <= tol * fabs(want) + (tol_x > 0.0 ? tol_x * fabs(in[l]) : 0.0) + TOL_ABS);
            if (!ok) {
                snprintf(msg, size, "%s(%.9g): got %.9g, want %.9g", name, in[l], got, want);
                return 1;
            }
        }
    }
    return 0;
}

static void pow_block(float *y, const float *x) {
    float e[IC_VW];
    for (int l = 0; l < IC_VW; l++) e[l] = 2.5f - x[l] * 0.25f;
    ic_pow_f32_v(y, x, e);
}
static float pow_ref(float x) { return ic_ref_pow(x, 2.5f - x * 0.25f); }

__attribute__((visibility("default"))) int ic_kernel_check(char *msg, size_t size) {
    enum { N = 40000 };
    static float wide[N + 8], far[N + 8], pos[N + 8], unit[N + 8];
    for (int i = 0; i < N; i++) {
        wide[i] = -12.0f + 24.0f * (float)i / N;      /* activations' interesting range */
        far[i] = -120.0f + 240.0f * (float)i / N;     /* overflow and underflow of exp */
        pos[i] = ldexpf(1.0f + (float)(i % 1000) / 1000.0f, i / 1000 - 20); /* 2^-20 .. 2^20 */
        unit[i] = -1.05f + 2.1f * (float)i / N;                            /* asin's domain and a little beyond */
    }
    const float special[8] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f, 88.0f};
    for (int i = 0; i < 8; i++) wide[N + i] = far[N + i] = pos[N + i] = unit[N + i] = special[i];
    struct {
        const char *name; /* for the message */
        block_fn f;       /* the vector block function */
        ref_fn ref;       /* its reference */
        const float *x;   /* inputs */
        double tol;       /* relative tolerance */
        double tol_x;     /* absolute tolerance per unit of |x| */
    } cases[] = {
        {"exp", ic_exp_f32_v, ic_ref_exp, wide, 1e-6, 0.0},
        {"log", ic_log_f32_v, ic_ref_log, pos, 1e-6, 0.0},
        {"tanh", ic_tanh_f32_v, ic_ref_tanh, wide, 1e-6, 0.0},
        {"erf", ic_erf_f32_v, ic_ref_erf, wide, 1e-6, 0.0},
        {"erfc", ic_erfc_f32_v, ic_ref_erfc, wide, 1e-6, 0.0},
        {"sqrt", ic_sqrt_f32_v, ic_ref_sqrt, pos, 1e-7, 0.0},
        {"sigmoid", ic_sigmoid_f32_v, ic_ref_sigmoid, wide, 1e-6, 0.0},
        {"silu", ic_silu_f32_v, ic_ref_silu, wide, 1e-6, 0.0},
        {"gelu", ic_gelu_f32_v, ic_ref_gelu, wide, 1e-6, 2e-7},
        {"gelu_tanh", ic_gelu_tanh_f32_v, ic_ref_gelu_tanh, wide, 1e-6, 2e-7},
        {"pow", pow_block, pow_ref, pos, 1e-6, 0.0},
        {"exp", ic_exp_f32_v, ic_ref_exp, far, 1e-6, 0.0},
        {"tanh", ic_tanh_f32_v, ic_ref_tanh, far, 1e-6, 0.0},
        {"erf", ic_erf_f32_v, ic_ref_erf, far, 1e-6, 0.0},
        {"sigmoid", ic_sigmoid_f32_v, ic_ref_sigmoid, far, 1e-6, 0.0},
        {"silu", ic_silu_f32_v, ic_ref_silu, far, 1e-6, 0.0},
        {"gelu", ic_gelu_f32_v, ic_ref_gelu, far, 1e-6, 2e-7},
        {"gelu_tanh", ic_gelu_tanh_f32_v, ic_ref_gelu_tanh, far, 1e-6, 2e-7},
        {"expm1", ic_expm1_f32_v, ic_ref_expm1, wide, 1e-6, 0.0},
        {"expm1", ic_expm1_f32_v, ic_ref_expm1, far, 1e-6, 0.0},
        {"log1p", ic_log1p_f32_v, ic_ref_log1p, pos, 1e-6, 0.0},
        {"softplus", ic_softplus_f32_v, ic_ref_softplus, wide, 1e-6, 0.0},
        {"softplus", ic_softplus_f32_v, ic_ref_softplus, far, 1e-6, 0.0},
        {"sin", ic_sin_f32_v, ic_ref_sin, far, 1e-6, 0.0},
        {"cos", ic_cos_f32_v, ic_ref_cos, far, 1e-6, 0.0},
        {"tan", ic_tan_f32_v, ic_ref_tan, wide, 1e-6, 0.0},
        {"asin", ic_asin_f32_v, ic_ref_asin, unit, 1e-6, 0.0},
        {"acos", ic_acos_f32_v, ic_ref_acos, unit, 1e-6, 0.0},
        {"atan", ic_atan_f32_v, ic_ref_atan, far, 1e-6, 0.0},
        {"sinh", ic_sinh_f32_v, ic_ref_sinh, far, 1e-6, 0.0},
        {"cosh", ic_cosh_f32_v, ic_ref_cosh, far, 1e-6, 0.0},
        {"asinh", ic_asinh_f32_v, ic_ref_asinh, far, 1e-6, 0.0},
        {"acosh", ic_acosh_f32_v, ic_ref_acosh, pos, 1e-6, 0.0},
        {"atanh", ic_atanh_f32_v, ic_ref_atanh, unit, 1e-6, 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (check(cases[i].name, cases[i].f, cases[i].ref, cases[i].x, N + 8, cases[i].tol, cases[i].tol_x, msg, size)) return 1;
    snprintf(msg, size, "ok (IC_VW %d)", IC_VW);
    return 0;
}
