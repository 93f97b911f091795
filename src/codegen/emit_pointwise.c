/* emit_pointwise.c — elementwise ops (unary, binary, where, cast, batchnorm)
 * as lane-block loop nests with numpy broadcasting.
 *
 * Each op becomes a few statements over lane blocks (a0, a1, ... in, y out):
 * plain arithmetic as IC_LANES loops, transcendental functions as one SLEEF
 * call per block (ic_exp_f32_v ...). Semantics follow docs/ops.md: integer
 * arithmetic wraps (computed in the unsigned type), integer division by zero
 * gives 0, max/min propagate NaN, float->int casts truncate. Ops whose
 * reference is "compute in double, round once" (parametrised activations,
 * batchnorm) are computed in double here too. When fusion arrives, a group's
 * bodies are simply concatenated inside one nest. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "codegen/cg.h"

/* Unsigned type of the same width, for wrapping integer arithmetic. */
static const char *utype(ic_dtype t) { return t == IC_DT_I64 ? "uint64_t" : "uint32_t"; }

/* A pointwise body: statements writing lane block y from a0..aN. */
static void lanes(ic_strbuf *b, const char *fmt, ...) IC_PRINTF(2, 3);
static void lanes(ic_strbuf *b, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ic_strbuf_printf(b, "            IC_LANES(l) %s;\n", buf);
}

static ic_status unsupported(cg_ctx *c, const ic_node *n, ic_dtype t) {
    return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: %s on %s is not supported", ic_op_get(n->op)->name,
                       ic_dtype_name(t));
}

/* Literal of v in double, as text. */
static const char *dlit(double v, char *buf, size_t size) {
    ic_strbuf t;
    ic_strbuf_init(&t);
    cg_double_lit(&t, v);
    snprintf(buf, size, "%s", ic_strbuf_str(&t));
    ic_strbuf_free(&t);
    return buf;
}

static ic_status body_unary_f32(cg_ctx *c, const ic_node *n, ic_strbuf *b) {
    char l1[64], l2[64];
    switch (n->op) {
    case IC_OP_NEG: lanes(b, "y[l] = -a0[l]"); break;
    case IC_OP_ABS: lanes(b, "y[l] = fabsf(a0[l])"); break;
    case IC_OP_SQRT: ic_strbuf_puts(b, "            ic_sqrt_f32_v(y, a0);\n"); break;
    case IC_OP_RECIPROCAL: lanes(b, "y[l] = 1.0f / a0[l]"); break;
    case IC_OP_EXP: ic_strbuf_puts(b, "            ic_exp_f32_v(y, a0);\n"); break;
    case IC_OP_LOG: ic_strbuf_puts(b, "            ic_log_f32_v(y, a0);\n"); break;
    case IC_OP_TANH: ic_strbuf_puts(b, "            ic_tanh_f32_v(y, a0);\n"); break;
    case IC_OP_SIGMOID: ic_strbuf_puts(b, "            ic_sigmoid_f32_v(y, a0);\n"); break;
    case IC_OP_ERF: ic_strbuf_puts(b, "            ic_erf_f32_v(y, a0);\n"); break;
    case IC_OP_FLOOR: lanes(b, "y[l] = floorf(a0[l])"); break;
    case IC_OP_CEIL: lanes(b, "y[l] = ceilf(a0[l])"); break;
    case IC_OP_RELU: lanes(b, "y[l] = a0[l] < 0.0f ? 0.0f : a0[l]"); break;
    case IC_OP_LEAKY_RELU:
        lanes(b, "y[l] = a0[l] >= 0.0f ? a0[l] : (float)(%s * (double)a0[l])",
              dlit(ic_leaky_relu_alpha(n), l1, sizeof l1));
        break;
    case IC_OP_GELU:
        ic_strbuf_puts(b, ic_gelu_kind_of(n) == IC_GELU_TANH ? "            ic_gelu_tanh_f32_v(y, a0);\n"
                                                            : "            ic_gelu_f32_v(y, a0);\n");
        break;
    case IC_OP_SILU: ic_strbuf_puts(b, "            ic_silu_f32_v(y, a0);\n"); break;
    case IC_OP_HARDSWISH:
        lanes(b, "{ const double t = (double)a0[l] + 3.0; "
                 "y[l] = (float)((double)a0[l] * (t < 0.0 ? 0.0 : t > 6.0 ? 6.0 : t) / 6.0); }");
        break;
    case IC_OP_HARDSIGMOID: {
        double alpha, beta;
        ic_hardsigmoid_params(n, &alpha, &beta);
        lanes(b, "{ const double t = %s * (double)a0[l] + %s; y[l] = (float)(t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t); }",
              dlit(alpha, l1, sizeof l1), dlit(beta, l2, sizeof l2));
        break;
    }
    case IC_OP_CLIP: {
        double lo, hi;
        ic_clip_bounds(n, &lo, &hi);
        lanes(b, "y[l] = a0[l]");
        if (!(isinf(lo) && lo < 0)) lanes(b, "y[l] = y[l] < (float)%s ? (float)%s : y[l]", dlit(lo, l1, sizeof l1), l1);
        if (!(isinf(hi) && hi > 0)) lanes(b, "y[l] = y[l] > (float)%s ? (float)%s : y[l]", dlit(hi, l1, sizeof l1), l1);
        break;
    }
    case IC_OP_ELU: /* x > 0 ? x : alpha * expm1(x), selu scaled by gamma, in double like the reference */
        ic_strbuf_puts(b, "            { float t[IC_VW]; ic_expm1_f32_v(t, a0);\n");
        lanes(b, "y[l] = a0[l] > 0.0f ? a0[l] : (float)(%s * (double)t[l])", dlit(ic_elu_alpha(n), l1, sizeof l1));
        ic_strbuf_puts(b, "            }\n");
        break;
    case IC_OP_SELU:
        ic_strbuf_puts(b, "            { float t[IC_VW]; ic_expm1_f32_v(t, a0);\n");
        lanes(b, "y[l] = (float)(%s * (a0[l] > 0.0f ? (double)a0[l] : %s * (double)t[l]))",
              dlit(ic_selu_gamma(n), l1, sizeof l1), dlit(ic_elu_alpha(n), l2, sizeof l2));
        ic_strbuf_puts(b, "            }\n");
        break;
    case IC_OP_CELU: /* x > 0 ? x : alpha * expm1(x / alpha) */
        ic_strbuf_puts(b, "            { float u[IC_VW], t[IC_VW];\n");
        lanes(b, "u[l] = (float)((double)a0[l] / %s)", dlit(ic_elu_alpha(n), l1, sizeof l1));
        ic_strbuf_puts(b, "            ic_expm1_f32_v(t, u);\n");
        lanes(b, "y[l] = a0[l] > 0.0f ? a0[l] : (float)(%s * (double)t[l])", l1);
        ic_strbuf_puts(b, "            }\n");
        break;
    case IC_OP_SOFTPLUS: ic_strbuf_puts(b, "            ic_softplus_f32_v(y, a0);\n"); break;
    case IC_OP_SOFTSIGN: lanes(b, "y[l] = a0[l] / (1.0f + fabsf(a0[l]))"); break;
    case IC_OP_ROUND: /* half to even whatever the rounding mode; inf and NaN pass through */
        lanes(b, "{ const float f = floorf(a0[l]), r = a0[l] - f; "
                 "y[l] = r > 0.5f ? f + 1.0f : r < 0.5f ? f : (f - 2.0f * floorf(0.5f * f) == 0.0f ? f : f + 1.0f); }");
        break;
    case IC_OP_SIGN: lanes(b, "y[l] = a0[l] > 0.0f ? 1.0f : a0[l] < 0.0f ? -1.0f : a0[l]"); break;
    case IC_OP_ISNAN: lanes(b, "y[l] = (uint8_t)(a0[l] != a0[l])"); break;
    case IC_OP_ISINF: lanes(b, "y[l] = (uint8_t)(fabsf(a0[l]) == INFINITY)"); break;
    case IC_OP_SIN: ic_strbuf_puts(b, "            ic_sin_f32_v(y, a0);\n"); break;
    case IC_OP_COS: ic_strbuf_puts(b, "            ic_cos_f32_v(y, a0);\n"); break;
    case IC_OP_TAN: ic_strbuf_puts(b, "            ic_tan_f32_v(y, a0);\n"); break;
    case IC_OP_ASIN: ic_strbuf_puts(b, "            ic_asin_f32_v(y, a0);\n"); break;
    case IC_OP_ACOS: ic_strbuf_puts(b, "            ic_acos_f32_v(y, a0);\n"); break;
    case IC_OP_ATAN: ic_strbuf_puts(b, "            ic_atan_f32_v(y, a0);\n"); break;
    case IC_OP_SINH: ic_strbuf_puts(b, "            ic_sinh_f32_v(y, a0);\n"); break;
    case IC_OP_COSH: ic_strbuf_puts(b, "            ic_cosh_f32_v(y, a0);\n"); break;
    case IC_OP_ASINH: ic_strbuf_puts(b, "            ic_asinh_f32_v(y, a0);\n"); break;
    case IC_OP_ACOSH: ic_strbuf_puts(b, "            ic_acosh_f32_v(y, a0);\n"); break;
    case IC_OP_ATANH: ic_strbuf_puts(b, "            ic_atanh_f32_v(y, a0);\n"); break;
    default: return unsupported(c, n, IC_DT_F32);
    }
    return IC_OK;
}

/* Integer (i32 / i64) bound of a float clip attribute; false when unbounded. */
static bool int_bound(double v, ic_dtype t, bool lower, long long *out) {
    if (isnan(v) || isinf(v)) return false;
    double r = lower ? ceil(v) : floor(v);
    double lim = t == IC_DT_I64 ? 9.2233720368547758e18 : 2147483648.0;
    if (r >= lim) r = t == IC_DT_I64 ? 9.2233720368547748e18 : lim - 1;
    if (r < -lim) r = -lim;
    *out = (long long)r;
    return true;
}

/* "(int32_t)5LL"; the most negative int64 has no literal of its own. */
static const char *int_lit(long long v, const char *ct, char *buf, size_t size) {
    if (v == INT64_MIN)
        snprintf(buf, size, "INT64_MIN");
    else
        snprintf(buf, size, "(%s)%lldLL", ct, v);
    return buf;
}

static ic_status body_unary_int(cg_ctx *c, const ic_node *n, ic_dtype t, ic_strbuf *b) {
    const char *ct = ic_dtype_ctype(t), *ut = utype(t);
    switch (n->op) {
    case IC_OP_NEG: lanes(b, "y[l] = (%s)(0u - (%s)a0[l])", ct, ut); break;
    case IC_OP_ABS: lanes(b, "y[l] = a0[l] < 0 ? (%s)(0u - (%s)a0[l]) : a0[l]", ct, ut); break;
    case IC_OP_RELU: lanes(b, "y[l] = a0[l] < 0 ? 0 : a0[l]"); break;
    case IC_OP_CLIP: {
        double lo, hi;
        long long v;
        ic_clip_bounds(n, &lo, &hi);
        lanes(b, "y[l] = a0[l]");
        char lit[48];
        if (int_bound(lo, t, true, &v)) lanes(b, "y[l] = y[l] < %s ? %s : y[l]", int_lit(v, ct, lit, sizeof lit), lit);
        if (int_bound(hi, t, false, &v)) lanes(b, "y[l] = y[l] > %s ? %s : y[l]", int_lit(v, ct, lit, sizeof lit), lit);
        break;
    }
    case IC_OP_SIGN: lanes(b, "y[l] = (%s)((a0[l] > 0) - (a0[l] < 0))", ct); break;
    default: return unsupported(c, n, t);
    }
    return IC_OK;
}

static ic_status body_binary(cg_ctx *c, const ic_node *n, ic_dtype t, ic_strbuf *b) {
    const char *ct = ic_dtype_ctype(t);
    bool f = t == IC_DT_F32, wide = t == IC_DT_I32 || t == IC_DT_I64;
    const char *cmp = NULL;
    switch (n->op) {
    case IC_OP_EQUAL: cmp = "=="; break;
    case IC_OP_LESS: cmp = "<"; break;
    case IC_OP_LESS_EQUAL: cmp = "<="; break;
    case IC_OP_GREATER: cmp = ">"; break;
    case IC_OP_GREATER_EQUAL: cmp = ">="; break;
    default: break;
    }
    if (cmp) {
        lanes(b, "y[l] = (uint8_t)(a0[l] %s a1[l])", cmp);
        return IC_OK;
    }
    const char *arith = n->op == IC_OP_ADD ? "+" : n->op == IC_OP_SUB ? "-" : n->op == IC_OP_MUL ? "*" : NULL;
    switch (n->op) {
    case IC_OP_AND: lanes(b, "y[l] = (uint8_t)(a0[l] && a1[l])"); return IC_OK;
    case IC_OP_OR: lanes(b, "y[l] = (uint8_t)(a0[l] || a1[l])"); return IC_OK;
    case IC_OP_ADD:
    case IC_OP_SUB:
    case IC_OP_MUL:
        if (f)
            lanes(b, "y[l] = a0[l] %s a1[l]", arith);
        else if (wide)
            lanes(b, "y[l] = (%s)((%s)a0[l] %s (%s)a1[l])", ct, utype(t), arith, utype(t));
        else
            return unsupported(c, n, t);
        return IC_OK;
    case IC_OP_DIV:
        if (f)
            lanes(b, "y[l] = a0[l] / a1[l]");
        else if (wide)
            ic_strbuf_printf(b,
                             "            for (int l = 0; l < IC_VW; l++)\n"
                             "                y[l] = a1[l] == 0 ? 0 : a1[l] == -1 ? (%s)(0u - (%s)a0[l]) : a0[l] / a1[l];\n",
                             ct, utype(t));
        else
            return unsupported(c, n, t);
        return IC_OK;
    case IC_OP_POW:
        if (!f) return unsupported(c, n, t);
        ic_strbuf_puts(b, "            ic_pow_f32_v(y, a0, a1);\n");
        return IC_OK;
    case IC_OP_MAX:
    case IC_OP_MIN: {
        const char *op = n->op == IC_OP_MAX ? ">" : "<";
        if (f)
            lanes(b, "y[l] = (a0[l] != a0[l] || a1[l] != a1[l]) ? a0[l] + a1[l] : (a0[l] %s a1[l] ? a0[l] : a1[l])", op);
        else
            lanes(b, "y[l] = a0[l] %s a1[l] ? a0[l] : a1[l]", op);
        return IC_OK;
    }
    case IC_OP_MOD: { /* fmod=1: C fmod; else the sign of the divisor; integer x mod 0 (or -1) is 0 */
        bool c_fmod = ic_mod_is_fmod(n);
        if (f && c_fmod)
            lanes(b, "y[l] = fmodf(a0[l], a1[l])");
        else if (f)
            lanes(b, "{ const float r = fmodf(a0[l], a1[l]); "
                     "y[l] = r == 0.0f ? copysignf(0.0f, a1[l]) : (r < 0.0f) != (a1[l] < 0.0f) ? r + a1[l] : r; }");
        else if (!wide)
            return unsupported(c, n, t);
        else
            ic_strbuf_printf(b,
                             "            for (int l = 0; l < IC_VW; l++) {\n"
                             "                const %s r = a1[l] == 0 || a1[l] == -1 ? 0 : a0[l] %% a1[l];\n"
                             "                y[l] = %s;\n"
                             "            }\n",
                             ct, c_fmod ? "r" : "r != 0 && (r < 0) != (a1[l] < 0) ? r + a1[l] : r");
        return IC_OK;
    }
    default: return unsupported(c, n, t);
    }
}

/* The ic_h2d / ic_d2h format arguments of a 16-bit float dtype. */
static const char *half_args(ic_dtype t) { return t == IC_DT_F16 ? "10, 15, 31" : "7, 127, 255"; }

static bool is_half(ic_dtype t) { return t == IC_DT_F16 || t == IC_DT_BF16; }

static const char *int_lo(ic_dtype t) {
    return t == IC_DT_I8 ? "INT8_MIN" : t == IC_DT_U8 ? "0" : t == IC_DT_I32 ? "INT32_MIN" : "INT64_MIN";
}
static const char *int_hi(ic_dtype t) {
    return t == IC_DT_I8 ? "INT8_MAX" : t == IC_DT_U8 ? "UINT8_MAX" : t == IC_DT_I32 ? "INT32_MAX" : "INT64_MAX";
}

/* Casts to or from f16/bf16 go through double like the reference
 * (interp_cast.c): one rounding to nearest even when narrowing. */
static void body_cast_half(ic_dtype from, ic_dtype to, ic_strbuf *b) {
    const char *ct = ic_dtype_ctype(to);
    if (is_half(from)) {
        ic_strbuf_printf(b, "            for (int l = 0; l < IC_VW; l++) {\n"
                            "                const double v = ic_h2d(a0[l], %s);\n", half_args(from));
        if (is_half(to))
            ic_strbuf_printf(b, "                y[l] = ic_d2h(v, %s);\n", half_args(to));
        else if (to == IC_DT_F32)
            ic_strbuf_puts(b, "                y[l] = (float)v;\n");
        else if (to == IC_DT_BOOL)
            ic_strbuf_puts(b, "                y[l] = (uint8_t)(v != 0.0);\n");
        else /* exact in float: the f32 rule */
            ic_strbuf_printf(b, "                y[l] = (%s)ic_f2i((float)v, %s, %s);\n", ct, int_lo(to), int_hi(to));
        ic_strbuf_puts(b, "            }\n");
        return;
    }
    lanes(b, "y[l] = ic_d2h((double)a0[l], %s)", half_args(to));
}

static ic_status body_cast(cg_ctx *c, const ic_node *n, ic_dtype from, ic_dtype to, ic_strbuf *b) {
    (void)c;
    (void)n;
    const char *ct = ic_dtype_ctype(to);
    if (is_half(from) || is_half(to))
        body_cast_half(from, to, b);
    else if (to == IC_DT_BOOL)
        lanes(b, "y[l] = (uint8_t)(a0[l] != 0)");
    else if (from == IC_DT_F32 && to != IC_DT_F32)
        ic_strbuf_printf(b, "            for (int l = 0; l < IC_VW; l++) y[l] = (%s)ic_f2i(a0[l], %s, %s);\n", ct, int_lo(to),
                         int_hi(to));
    else
        lanes(b, "y[l] = (%s)a0[l]", ct);
    return IC_OK;
}

/* (x - mean) / sqrt(var + eps) * scale + bias, in double like the reference. */
static void body_batchnorm(const ic_node *n, ic_strbuf *b) {
    char e[64];
    lanes(b, "y[l] = (float)(((double)a0[l] - a3[l]) / sqrt((double)a4[l] + %s) * a1[l] + a2[l])",
          dlit(ic_epsilon_of(n), e, sizeof e));
}

ic_status cg_pw_body(cg_ctx *c, const ic_node *n, ic_strbuf *body) {
    const ic_value *out = cg_val(c, n->outputs[0]);
    const ic_value *x = cg_val(c, n->inputs[0]);
    ic_dtype t = cg_val(c, n->inputs[n->op == IC_OP_WHERE ? 1 : 0])->dtype;
    ic_status s = IC_OK;
    const ic_op_info *info = ic_op_get(n->op);
    if (n->op == IC_OP_CAST)
        s = body_cast(c, n, x->dtype, out->dtype, body);
    else if (n->op == IC_OP_BATCHNORM)
        body_batchnorm(n, body);
    else if (n->op == IC_OP_WHERE)
        lanes(body, "y[l] = a0[l] ? a1[l] : a2[l]");
    else if (n->op == IC_OP_NOT)
        lanes(body, "y[l] = (uint8_t)!a0[l]");
    else if (info->min_inputs == 2)
        s = body_binary(c, n, t, body);
    else if (t == IC_DT_F32)
        s = body_unary_f32(c, n, body);
    else if (t == IC_DT_I32 || t == IC_DT_I64)
        s = body_unary_int(c, n, t, body);
    else
        s = unsupported(c, n, t);
    if (s == IC_OK && !ic_strbuf_ok(body)) s = ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory in codegen");
    return s;
}

ic_status cg_emit_pointwise(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *out = cg_val(c, n->outputs[0]);
    ic_strbuf body;
    ic_strbuf_init(&body);
    ic_status s = cg_pw_body(c, n, &body);
    if (s != IC_OK) {
        ic_strbuf_free(&body);
        return s;
    }

    cg_nest nest = {.space = out->shape};
    for (uint32_t i = 0; i < n->n_inputs; i++) {
        cg_operand *o = &nest.ops[nest.n_ops++];
        const ic_value *v = cg_val(c, n->inputs[i]);
        snprintf(o->ptr, sizeof o->ptr, "in%u", i);
        snprintf(o->lanes, sizeof o->lanes, "a%u", i);
        o->dtype = v->dtype;
        if (n->op == IC_OP_BATCHNORM && i > 0) {
            /* per-channel parameters: stride 1 along dim 1, 0 elsewhere */
            for (int k = 0; k < out->shape.rank; k++) o->strides[k] = k == 1 ? 1 : 0;
        } else {
            cg_bcast_strides(&v->shape, &out->shape, o->strides);
        }
    }
    cg_operand *y = &nest.ops[nest.n_ops++];
    snprintf(y->ptr, sizeof y->ptr, "out0");
    snprintf(y->lanes, sizeof y->lanes, "y");
    y->dtype = out->dtype;
    y->store = true;
    cg_dense_strides(&out->shape, y->strides);

    cg_kernel_begin(c, gi, n, 0);
    cg_emit_nest(&c->kern, &nest, ic_strbuf_str(&body));
    cg_kernel_end(c);
    ic_strbuf_free(&body);
    return IC_OK;
}
