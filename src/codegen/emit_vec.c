/* emit_vec.c — explicit-vector forms of f32 pointwise ops for fused kernels:
 * one C expression over ic_vf operands (kernels/ic_vec.h) per node.
 *
 * Only ops whose vector form gives the same result as the lane-block body
 * in emit_pointwise.c are here (plain IEEE arithmetic, the same SLEEF
 * functions, the same NaN rules); every other op, and anything not f32, goes
 * through the lane-block body instead. pow with a constant exponent of 2 is
 * x * x, which is what the double-precision reference rounds to as well. */
#include <math.h>
#include <stdio.h>

#include "codegen/cg.h"

/* True when v is a constant whose every element equals x. */
static bool const_all(const cg_ctx *c, uint32_t v, float x) {
    const ic_value *val = cg_val(c, v);
    if (val->dtype != IC_DT_F32 || !val->data) return false;
    size_t n = ic_value_numel(val);
    const float *d = val->data;
    for (size_t i = 0; i < n; i++)
        if (d[i] != x) return false;
    return n > 0;
}

bool cg_pw_vexpr(const cg_ctx *c, const ic_node *n, const char *const *in, ic_strbuf *out) {
    if (cg_val(c, n->outputs[0])->dtype != IC_DT_F32) return false;
    for (uint32_t i = 0; i < n->n_inputs; i++)
        if (cg_val(c, n->inputs[i])->dtype != IC_DT_F32) return false;
    const char *fn1 = NULL, *fn2 = NULL;
    switch (n->op) {
    case IC_OP_NEG: fn1 = "ic_vneg"; break;
    case IC_OP_ABS: fn1 = "ic_vabs"; break;
    case IC_OP_SQRT: fn1 = "ic_vsqrt"; break;
    case IC_OP_EXP: fn1 = "ic_vexp"; break;
    case IC_OP_LOG: fn1 = "ic_vlog"; break;
    case IC_OP_TANH: fn1 = "ic_vtanh"; break;
    case IC_OP_ERF: fn1 = "ic_verf"; break;
    case IC_OP_SIGMOID: fn1 = "ic_vsigmoid"; break;
    case IC_OP_SILU: fn1 = "ic_vsilu"; break;
    case IC_OP_RELU: fn1 = "ic_vrelu"; break;
    case IC_OP_GELU:
        fn1 = ic_gelu_kind_of(n) == IC_GELU_ERF ? "ic_vgelu" : "ic_vgelu_tanh";
        break;
    case IC_OP_ADD: fn2 = "ic_vadd"; break;
    case IC_OP_SUB: fn2 = "ic_vsub"; break;
    case IC_OP_MUL: fn2 = "ic_vmul"; break;
    case IC_OP_DIV: fn2 = "ic_vdiv"; break;
    case IC_OP_MAX: fn2 = "ic_vmax_nan"; break;
    case IC_OP_MIN: fn2 = "ic_vmin_nan"; break;
    case IC_OP_RECIPROCAL: ic_strbuf_printf(out, "ic_vdiv(ic_vset1(1.0f), %s)", in[0]); return true;
    /* the lane-block bodies of these three compute in double and round once;
       in f32 they are within 3 ULP, far inside every tolerance, and several times cheaper */
    case IC_OP_HARDSWISH: /* x * clip(x + 3, 0, 6) / 6 */
        ic_strbuf_printf(out,
                         "ic_vmul(ic_vmul(%s, ic_vclip_hi(ic_vset1(6.0f), ic_vclip_lo(ic_vzero(), ic_vadd(%s, ic_vset1(3.0f))))), "
                         "ic_vset1(0.16666667f))",
                         in[0], in[0]);
        return true;
    case IC_OP_HARDSIGMOID: { /* clip(alpha x + beta, 0, 1) */
        double alpha, beta;
        ic_hardsigmoid_params(n, &alpha, &beta);
        ic_strbuf a, b;
        ic_strbuf_init(&a);
        ic_strbuf_init(&b);
        cg_double_lit(&a, alpha);
        cg_double_lit(&b, beta);
        ic_strbuf_printf(out, "ic_vclip_hi(ic_vset1(1.0f), ic_vclip_lo(ic_vzero(), ic_vfma(ic_vset1((float)%s), %s, ic_vset1((float)%s))))",
                         ic_strbuf_str(&a), in[0], ic_strbuf_str(&b));
        ic_strbuf_free(&a);
        ic_strbuf_free(&b);
        return true;
    }
    case IC_OP_LEAKY_RELU: { /* x < 0 ? alpha x : x (NaN and -0 pass) */
        ic_strbuf a;
        ic_strbuf_init(&a);
        cg_double_lit(&a, ic_leaky_relu_alpha(n));
        ic_strbuf_printf(out, "ic_vsel_lt(%s, ic_vzero(), ic_vmul(ic_vset1((float)%s), %s), %s)", in[0], ic_strbuf_str(&a),
                         in[0], in[0]);
        ic_strbuf_free(&a);
        return true;
    }
    case IC_OP_POW:
        if (const_all(c, n->inputs[1], 2.0f))
            ic_strbuf_printf(out, "ic_vmul(%s, %s)", in[0], in[0]);
        else if (const_all(c, n->inputs[1], 3.0f)) /* GPT-2's tanh GELU: two roundings, 1.5 ULP */
            ic_strbuf_printf(out, "ic_vmul(ic_vmul(%s, %s), %s)", in[0], in[0], in[0]);
        else if (const_all(c, n->inputs[1], 1.0f))
            ic_strbuf_printf(out, "%s", in[0]);
        else
            ic_strbuf_printf(out, "ic_vpow(%s, %s)", in[0], in[1]);
        return true;
    case IC_OP_CLIP: { /* y = x; y = y < lo ? lo : y; y = hi < y ? hi : y (NaN passes through) */
        double lo, hi;
        ic_clip_bounds(n, &lo, &hi);
        bool has_lo = !(isinf(lo) && lo < 0), has_hi = !(isinf(hi) && hi > 0);
        ic_strbuf l, h;
        ic_strbuf_init(&l);
        ic_strbuf_init(&h);
        cg_double_lit(&l, lo);
        cg_double_lit(&h, hi);
        if (has_hi) ic_strbuf_printf(out, "ic_vclip_hi(ic_vset1((float)%s), ", ic_strbuf_str(&h));
        if (has_lo) ic_strbuf_printf(out, "ic_vclip_lo(ic_vset1((float)%s), ", ic_strbuf_str(&l));
        ic_strbuf_puts(out, in[0]);
        if (has_lo) ic_strbuf_puts(out, ")");
        if (has_hi) ic_strbuf_puts(out, ")");
        ic_strbuf_free(&l);
        ic_strbuf_free(&h);
        return true;
    }
    default: return false;
    }
    if (fn1) ic_strbuf_printf(out, "%s(%s)", fn1, in[0]);
    else ic_strbuf_printf(out, "%s(%s, %s)", fn2, in[0], in[1]);
    return true;
}
