/* test_ops_ext_interp.c — the reference interpreter on the ops of the ONNX
 * front end, against values computed independently of it: small cases worked
 * by hand, the examples of ONNX's own backend tests (libonnx-testdata, named
 * per case), and arrays numpy produced once (pasted below; each block names
 * the numpy expression). Also the documented choices (NaN in argmax, last
 * update wins in scatter, repeated reflection and cropping in pad, half-even
 * round), run-time index errors and shape-rule errors.
 *
 * The numpy data came from rng = np.random.default_rng(2024), drawn in the
 * order the arrays appear; inputs were rounded to f32 first, expected values
 * computed in float64 (f64) from those f32 inputs and rounded to f32 once.
 * xd is [-3, -1.5, -0.5, 0, 0.25, 1, 2.5, 4] as f64. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/test_util.h"

#include "ir/interp.h"

/* ---- numpy data -------------------------------------------------------------- */

/* numpy: arr('u_elu', np.where(xd>0, xd, np.expm1(xd))); arr('u_elu_a', np.where(xd>0, xd, 0.5*np.expm1(xd))) */
static const float u_elu[8] = {
    -0.950212955f, -0.776869833f, -0.393469334f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f,
};
static const float u_elu_a[8] = {
    -0.475106478f, -0.388434917f, -0.196734667f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f,
};
/* numpy: a, g = 1.67326319217681884765625, 1.05070102214813232421875; arr('u_selu', g*np.where(xd>0, xd,
 * a*np.expm1(xd))); arr('u_selu_b', 1.25*np.where(xd>0, xd, 1.5*np.expm1(xd))) */
static const float u_selu[8] = {
    -1.6705687f, -1.36581433f, -0.691758215f, 0.0f, 0.262675256f, 1.05070102f, 2.62675261f, 4.20280409f,
};
static const float u_selu_b[8] = {
    -1.78164923f, -1.45663095f, -0.737755001f, 0.0f, 0.3125f, 1.25f, 3.125f, 5.0f,
};
/* numpy: arr('u_celu', np.maximum(0, xd) + np.minimum(0, 2*np.expm1(xd/2))) */
static const float u_celu[8] = {
    -1.55373967f, -1.05526686f, -0.442398429f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f,
};
/* numpy: arr('u_softplus', np.log1p(np.exp(xd))); arr('u_softsign', xd/(1+np.abs(xd))) */
static const float u_softplus[8] = {
    0.048587352f, 0.201413274f, 0.474076986f, 0.693147182f, 0.825939417f, 1.31326163f, 2.57888985f, 4.01814985f,
};
static const float u_softsign[8] = {
    -0.75f, -0.600000024f, -0.333333343f, 0.0f, 0.200000003f, 0.5f, 0.714285731f, 0.800000012f,
};
/* numpy: r = rng.uniform(-2, 2, (2,3,4)).astype(np.float32); rd = r.astype(f64); arr('red_x', r) */
static const float red_x[24] = {
    0.703325331f, -1.14270723f, -0.762191892f, 1.19786441f, 1.98320842f, -1.43107271f, -1.68509781f,
    -1.27670479f, -0.561412454f, -1.32152295f, 0.355037272f, 0.467230052f, -1.57845724f, 0.262924194f,
    -1.98148143f, -0.139523208f, 1.90248883f, 1.19771373f, 0.387289464f, -0.698601365f, -1.17462432f,
    -0.229097739f, -0.88783443f, 1.49983132f,
};
/* numpy: arr('red_prod1', rd.prod(1)); arr('red_l2_20', np.sqrt((rd**2).sum((2,0)))); arr('red_ssq', (rd**2).sum()) */
static const float red_prod1[8] = {
    -0.783080935f, -2.16108274f, 0.45599848f, -0.714543879f, 3.52739358f, -0.0721446946f, 0.681330264f,
    0.146190211f,
};
static const float red_l2_20[3] = {
    3.21288872f, 4.01778984f, 2.62220025f,
};
static const float red_ssq[1] = {
    33.3412209f,
};
/* numpy: lse(a, ax) = m + log(sum(exp(a - m))) with m = a.max(ax); arr('red_lse1', lse(rd, 1)); arr('red_lsem1', lse(rd, -1)) */
static const float red_lse1[8] = {
    2.28816986f, -0.192692548f, 0.731551468f, 1.646263f, 1.97654784f, 1.68797433f, 0.704281807f, 1.76609743f,
};
static const float red_lsem1[6] = {
    1.81141365f, 2.07561564f, 1.35039091f, 0.922137201f, 2.48368526f, 1.7912035f,
};
/* numpy: c = rng.uniform(-2, 2, (3,5)).astype(np.float32); cd = c.astype(f64); arr('cs_x', c) */
static const float cs_x[15] = {
    -1.14737058f, -0.903019965f, 1.22872794f, -0.926538706f, -0.927748501f, -1.71647286f, -0.131164744f,
    -0.943178236f, 1.55576813f, -0.854726732f, 1.09506774f, -0.0510205552f, -0.127923816f, 1.85972083f,
    1.59290934f,
};
/* numpy: arr('cs_1', np.cumsum(cd, 1)); arr('cs_0_rev_excl', np.flip(np.cumsum(np.flip(cd, 0), 0), 0) - cd) */
static const float cs_1[15] = {
    -1.14737058f, -2.05039048f, -0.821662605f, -1.74820137f, -2.67594981f, -1.71647286f, -1.84763765f,
    -2.79081583f, -1.2350477f, -2.08977437f, 1.09506774f, 1.04404724f, 0.91612339f, 2.7758441f, 4.36875343f,
};
static const float cs_0_rev_excl[15] = {
    -0.621405125f, -0.182185292f, -1.07110202f, 3.41548896f, 0.738182604f, 1.09506774f, -0.0510205552f,
    -0.127923816f, 1.85972083f, 1.59290934f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,
};
/* numpy: x = rng.uniform(-2, 2, (2,3,2,3)); s = rng.uniform(0.5, 1.5, 3); b = rng.uniform(-1, 1, 3) (all f32) */
static const float in_x[36] = {
    -1.68386269f, -1.01918292f, -1.26085174f, 1.6218996f, 0.215328172f, -0.513364077f, 1.3355881f,
    -0.604909658f, 0.726616204f, -1.08659768f, -1.90451086f, 0.784475923f, -0.652588964f, -0.632029593f,
    -0.896636546f, -0.994625032f, 0.280422121f, -0.6645751f, -0.297608823f, -1.19228077f, 0.0206386838f,
    0.34154892f, -0.318799347f, -0.386212528f, 1.77577126f, -1.80715048f, -0.695704818f, 0.0757253245f,
    0.39381662f, -1.83081961f, -1.03497279f, -1.7829746f, -1.96907699f, -0.711608827f, -0.372005165f,
    1.43669736f,
};
static const float in_s[3] = {0.513476431f, 1.21623564f, 0.956953526f};
static const float in_b[3] = {0.178150028f, -0.707211137f, 0.603918016f};
/* numpy: xd = x.astype(f64); arr('in_y', (xd - xd.mean((2,3), keepdims=True)) / np.sqrt(xd.var((2,3),
 * keepdims=True) + 1e-3) * s[:,None,None] + b[:,None,None]) */
static const float in_y[36] = {
    -0.402930319f, -0.0924184844f, -0.205316514f, 1.14138985f, 0.484295815f, 0.143879876f, 0.829814374f,
    -1.2123903f, 0.188924536f, -1.71932495f, -2.58010721f, 0.249816835f, 0.467240244f, 0.514666438f,
    -0.0957271382f, -0.321766347f, 2.61950421f, 0.439590693f, 0.186723039f, -0.791161716f, 0.534570515f,
    0.885328412f, 0.163561597f, 0.0898783579f, 1.32486153f, -2.10326219f, -1.03983593f, -0.301734924f,
    0.00261342339f, -2.12590885f, 0.351680845f, -0.28576827f, -0.444365203f, 0.62725246f, 0.916663587f,
    2.45804453f,
};

/* ---- running one op ------------------------------------------------------------ */

/* One input of the op under test. */
typedef struct tin {
    ic_dtype t;       /* dtype */
    ic_shape s;       /* shape */
    const void *data; /* row-major elements */
} tin;

#define F32(s, ...) ((tin){IC_DT_F32, s, (const float[]){__VA_ARGS__}})
#define I32(s, ...) ((tin){IC_DT_I32, s, (const int32_t[]){__VA_ARGS__}})
#define I64(s, ...) ((tin){IC_DT_I64, s, (const int64_t[]){__VA_ARGS__}})
#define INS(...) (tin[]){__VA_ARGS__}, (uint32_t)(sizeof((tin[]){__VA_ARGS__}) / sizeof(tin))
#define ATTRS(...) (ic_attr[]){__VA_ARGS__}, (uint32_t)(sizeof((ic_attr[]){__VA_ARGS__}) / sizeof(ic_attr))
#define NOATTRS NULL, 0
#define AI(name, v) ic_attr_make_int(name, v)
#define AF(name, v) ic_attr_make_float(name, v)
#define AS(name, v) ic_attr_make_string(name, v)
#define AIS(name, ...) ic_attr_make_ints(name, (const int64_t[]){__VA_ARGS__}, sizeof((int64_t[]){__VA_ARGS__}) / 8)
#define AFS(name, ...) ic_attr_make_floats(name, (const double[]){__VA_ARGS__}, sizeof((double[]){__VA_ARGS__}) / 8)

/* Builds graph "op(inputs) {attrs}" and runs it. Returns the status of
 * shape inference or, if that passed, of the interpreter; *out holds the
 * result on success. d gets the message. */
static ic_status run_op(ic_op op, const tin *ins, uint32_t nin, const ic_attr *attrs, uint32_t na, ic_tensor *out,
                        ic_diag *d) {
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, "t", &g), IC_OK);
    uint32_t ids[4];
    ic_tensor tins[4];
    for (uint32_t i = 0; i < nin; i++) {
        char name[16];
        snprintf(name, sizeof name, "in%u", i);
        ids[i] = ic_graph_add_input(g, name, ins[i].t, &ins[i].s);
        tins[i] = (ic_tensor){.dtype = ins[i].t, .shape = ins[i].s, .data = (void *)ins[i].data};
    }
    uint32_t v = ic_graph_build(g, op, ids, nin, attrs, na, d);
    ic_status s = v == IC_NONE ? d->status : IC_OK;
    if (s == IC_OK) {
        g->values[v].name = "y";
        assert_true(ic_graph_add_output(g, v));
        assert_int_equal(ic_verify(g, d), IC_OK);
        s = ic_interp_run(g, tins, out, d);
    }
    ic_graph_destroy(g);
    return s;
}

/* Runs the op and compares with want (dtype wt, shape ws) within rtol (0: exact). */
static void expect_out(const char *what, ic_op op, const tin *ins, uint32_t nin, const ic_attr *attrs, uint32_t na,
                       ic_dtype wt, ic_shape ws, const void *want, double rtol) {
    ic_tensor out;
    ic_diag d = {0};
    if (run_op(op, ins, nin, attrs, na, &out, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    ic_tensor w = {.dtype = wt, .shape = ws, .data = (void *)want};
    int ok = ic_test_allclose(&out, &w, rtol, rtol ? 1e-45 : 0, what);
    ic_tensor_free(&out);
    if (!ok) fail_msg("%s: result differs", what);
}
#define EXPECT_F32(what, op, ins, attrs, ws, rtol, ...) \
    expect_out(what, op, ins, attrs, IC_DT_F32, ws, (const float[]){__VA_ARGS__}, rtol)
#define EXPECT_I64(what, op, ins, attrs, ws, ...) expect_out(what, op, ins, attrs, IC_DT_I64, ws, (const int64_t[]){__VA_ARGS__}, 0)
#define EXPECT_I32(what, op, ins, attrs, ws, ...) expect_out(what, op, ins, attrs, IC_DT_I32, ws, (const int32_t[]){__VA_ARGS__}, 0)
#define EXPECT_BOOL(what, op, ins, attrs, ws, ...) expect_out(what, op, ins, attrs, IC_DT_BOOL, ws, (const uint8_t[]){__VA_ARGS__}, 0)

/* The op must fail with status want and a message containing text. */
static void expect_error(const char *what, ic_op op, const tin *ins, uint32_t nin, const ic_attr *attrs, uint32_t na,
                         ic_status want, const char *text) {
    ic_tensor out;
    ic_diag d = {0};
    ic_status s = run_op(op, ins, nin, attrs, na, &out, &d);
    if (s == IC_OK) ic_tensor_free(&out);
    if (s != want || !strstr(d.msg, text)) fail_msg("%s: status %d '%s', wanted %d '%s'", what, s, d.msg, want, text);
}

#define XD F32(S1(8), -3.0f, -1.5f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f)

/* ---- pointwise --------------------------------------------------------------------- */

static void test_activations(void **state) {
    (void)state;
    expect_out("elu", IC_OP_ELU, INS(XD), NOATTRS, IC_DT_F32, S1(8), u_elu, 2e-7);
    expect_out("elu a", IC_OP_ELU, INS(XD), ATTRS(AF("alpha", 0.5)), IC_DT_F32, S1(8), u_elu_a, 2e-7);
    expect_out("selu", IC_OP_SELU, INS(XD), NOATTRS, IC_DT_F32, S1(8), u_selu, 2e-7);
    expect_out("selu ag", IC_OP_SELU, INS(XD), ATTRS(AF("alpha", 1.5), AF("gamma", 1.25)), IC_DT_F32, S1(8), u_selu_b, 2e-7);
    expect_out("celu", IC_OP_CELU, INS(XD), ATTRS(AF("alpha", 2.0)), IC_DT_F32, S1(8), u_celu, 2e-7);
    expect_out("softplus", IC_OP_SOFTPLUS, INS(XD), NOATTRS, IC_DT_F32, S1(8), u_softplus, 2e-7);
    expect_out("softsign", IC_OP_SOFTSIGN, INS(XD), NOATTRS, IC_DT_F32, S1(8), u_softsign, 2e-7);
    /* softplus stays finite and exact far out: numpy np.log1p(np.exp(-100.0)) = 3.78350585e-44 as f32 */
    EXPECT_F32("softplus far", IC_OP_SOFTPLUS, INS(F32(S1(5), -100.0f, 100.0f, INFINITY, -INFINITY, NAN)), NOATTRS, S1(5),
               1e-7, 3.78350585e-44f, 100.0f, INFINITY, 0.0f, NAN);
    /* test_elu_example / test_selu_example / test_celu: ONNX defaults alpha 1, (1.67326, 1.0507), 1 */
    EXPECT_F32("elu onnx", IC_OP_ELU, INS(F32(S1(3), -1.0f, 0.0f, 1.0f)), ATTRS(AF("alpha", 2.0)), S1(3), 2e-7,
               -1.26424110f, 0.0f, 1.0f);
    EXPECT_F32("selu onnx", IC_OP_SELU, INS(F32(S1(3), -1.0f, 0.0f, 1.0f)), ATTRS(AF("alpha", 2.0), AF("gamma", 3.0)),
               S1(3), 2e-7, -3.79272318f, 0.0f, 3.0f);
}

static void test_round_sign_isnan_isinf(void **state) {
    (void)state;
    /* numpy np.round (half to even) of these f32 values */
    EXPECT_F32("round", IC_OP_ROUND,
               INS(F32(S1(12), -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.49999997f, -0.6f, 3.7f, 16777215.0f, INFINITY, NAN)),
               NOATTRS, S1(12), 0, -2.0f, -2.0f, -0.0f, 0.0f, 2.0f, 2.0f, 0.0f, -1.0f, 4.0f, 16777215.0f, INFINITY, NAN);
    EXPECT_F32("sign f32", IC_OP_SIGN, INS(F32(S1(6), -2.0f, 0.0f, -0.0f, 3.0f, NAN, -INFINITY)), NOATTRS, S1(6), 0,
               -1.0f, 0.0f, -0.0f, 1.0f, NAN, -1.0f);
    EXPECT_I32("sign i32", IC_OP_SIGN, INS(I32(S1(4), -5, 0, 7, INT32_MIN)), NOATTRS, S1(4), -1, 0, 1, -1);
    EXPECT_I64("sign i64", IC_OP_SIGN, INS(I64(S2(1, 3), INT64_MAX, 0, -1)), NOATTRS, S2(1, 3), 1, 0, -1);
    EXPECT_BOOL("isnan", IC_OP_ISNAN, INS(F32(S1(5), NAN, INFINITY, -INFINITY, 1.0f, 0.0f)), NOATTRS, S1(5), 1, 0, 0, 0, 0);
    EXPECT_BOOL("isinf", IC_OP_ISINF, INS(F32(S1(5), NAN, INFINITY, -INFINITY, 1.0f, 0.0f)), NOATTRS, S1(5), 0, 1, 1, 0, 0);
    expect_error("isnan i32", IC_OP_ISNAN, INS(I32(S1(1), 1)), NOATTRS, IC_ERR_INVALID, "needs f32 input");
    expect_error("elu i64", IC_OP_ELU, INS(I64(S1(1), 1)), NOATTRS, IC_ERR_INVALID, "needs f32 input");
}

static void test_mod(void **state) {
    (void)state;
    /* test_mod_mixed_sign_int64 (fmod 0: the sign of the divisor) and test_mod_int64_fmod */
    tin a = I64(S1(6), -4, 7, 5, 4, -7, 8), b = I64(S1(6), 2, -3, 8, -2, 3, 5);
    EXPECT_I64("mod i64", IC_OP_MOD, INS(a, b), NOATTRS, S1(6), 0, -2, 5, 0, 2, 3);
    EXPECT_I64("fmod i64", IC_OP_MOD, INS(a, b), ATTRS(AI("fmod", 1)), S1(6), 0, 1, 5, 0, -1, 3);
    /* test_mod_mixed_sign_float32 (fmod 1); numpy np.mod of the same f32 inputs for fmod 0 */
    tin fa = F32(S1(6), -4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f), fb = F32(S1(6), 2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f);
    EXPECT_F32("fmod f32", IC_OP_MOD, INS(fa, fb), ATTRS(AI("fmod", 1)), S1(6), 0, -0.100000381f, 0.399999619f, 5.0f,
               0.100000381f, -0.399999619f, 3.0f);
    EXPECT_F32("mod f32", IC_OP_MOD, INS(fa, fb), NOATTRS, S1(6), 0, 1.99999952f, -3.00000048f, 5.0f, -1.99999952f,
               3.00000048f, 3.0f);
    /* by zero (and INT_MIN by -1, which would trap in C) give 0; broadcasting i32 [2,3] by [3] */
    EXPECT_I64("mod by 0", IC_OP_MOD, INS(I64(S1(3), 5, -5, INT64_MIN), I64(S1(3), 0, 0, -1)), NOATTRS, S1(3), 0, 0, 0);
    EXPECT_I32("mod bcast", IC_OP_MOD, INS(I32(S2(2, 3), 7, -7, 9, -9, 10, 0), I32(S1(3), 3, 3, -4)), NOATTRS, S2(2, 3),
               1, 2, -3, 0, 1, 0);
    EXPECT_I32("fmod bcast", IC_OP_MOD, INS(I32(S2(2, 3), 7, -7, 9, -9, 10, 0), I32(S1(3), 3, 3, -4)),
               ATTRS(AI("fmod", 1)), S2(2, 3), 1, -1, 1, 0, 1, 0);
    expect_error("mod mixed", IC_OP_MOD, INS(I32(S1(1), 1), I64(S1(1), 1)), NOATTRS, IC_ERR_INVALID, "operand dtypes differ");
}

/* ---- reductions and scans ------------------------------------------------------------ */

static void test_reductions(void **state) {
    (void)state;
    tin x = {IC_DT_F32, S3(2, 3, 4), red_x};
    expect_out("prod", IC_OP_REDUCE_PROD, INS(x), ATTRS(AIS("axes", 1), AI("keepdims", 0)), IC_DT_F32, S2(2, 4),
               red_prod1, 2e-7);
    expect_out("l2", IC_OP_REDUCE_L2, INS(x), ATTRS(AIS("axes", 2, -3), AI("keepdims", 0)), IC_DT_F32, S1(3), red_l2_20,
               2e-7);
    expect_out("ssq", IC_OP_REDUCE_SUM_SQUARE, INS(x), NOATTRS, IC_DT_F32, S3(1, 1, 1), red_ssq, 2e-7);
    expect_out("lse", IC_OP_REDUCE_LOG_SUM_EXP, INS(x), ATTRS(AIS("axes", 1), AI("keepdims", 0)), IC_DT_F32, S2(2, 4),
               red_lse1, 2e-7);
    expect_out("lse -1", IC_OP_REDUCE_LOG_SUM_EXP, INS(x), ATTRS(AIS("axes", -1), AI("keepdims", 1)), IC_DT_F32,
               S3(2, 3, 1), red_lsem1, 2e-7);
    /* log_sum_exp's special rows: NaN, all -inf, +inf, equal values (log 2), huge values (no overflow) */
    EXPECT_F32("lse special", IC_OP_REDUCE_LOG_SUM_EXP,
               INS(F32(S2(5, 2), 1.0f, NAN, -INFINITY, -INFINITY, INFINITY, 1.0f, 0.0f, 0.0f, 1000.0f, 1000.0f)),
               ATTRS(AIS("axes", 1), AI("keepdims", 0)), S1(5), 2e-7, NAN, -INFINITY, INFINITY, 0.693147182f, 1000.69315f);
    /* integers: wrapping product ((2^40)^2 = 2^80 = 0 mod 2^64) and sum of squares */
    EXPECT_I32("prod i32", IC_OP_REDUCE_PROD, INS(I32(S2(2, 3), 1, 2, 3, -4, 5, 6)), ATTRS(AIS("axes", 1)), S2(2, 1), 6,
               -120);
    EXPECT_I32("ssq i32", IC_OP_REDUCE_SUM_SQUARE, INS(I32(S2(2, 3), 1, 2, 3, -4, 5, 6)), ATTRS(AI("keepdims", 0)), S0(), 91);
    EXPECT_I64("prod wraps", IC_OP_REDUCE_PROD, INS(I64(S1(2), (int64_t)1 << 40, (int64_t)1 << 40)), NOATTRS, S1(1), 0);
    /* empty reductions: prod 1, l2 0, sum_square 0, log_sum_exp -inf */
    tin e = {IC_DT_F32, S2(2, 0), NULL};
    EXPECT_F32("prod empty", IC_OP_REDUCE_PROD, INS(e), ATTRS(AIS("axes", 1)), S2(2, 1), 0, 1.0f, 1.0f);
    EXPECT_F32("l2 empty", IC_OP_REDUCE_L2, INS(e), ATTRS(AIS("axes", 1)), S2(2, 1), 0, 0.0f, 0.0f);
    EXPECT_F32("ssq empty", IC_OP_REDUCE_SUM_SQUARE, INS(e), ATTRS(AIS("axes", 1)), S2(2, 1), 0, 0.0f, 0.0f);
    EXPECT_F32("lse empty", IC_OP_REDUCE_LOG_SUM_EXP, INS(e), ATTRS(AIS("axes", 1)), S2(2, 1), 0, -INFINITY, -INFINITY);
    expect_error("l2 int", IC_OP_REDUCE_L2, INS(I32(S1(2), 1, 2)), NOATTRS, IC_ERR_INVALID, "needs f32 input");
    expect_error("prod axis", IC_OP_REDUCE_PROD, INS(x), ATTRS(AIS("axes", 3)), IC_ERR_INVALID, "axis 3 out of range");
}

static void test_argmax_argmin(void **state) {
    (void)state;
    /* ties pick the first (or, with select_last_index, the last); NaN is the extreme of both */
    tin x = F32(S2(3, 4), 1.0f, 5.0f, 5.0f, 2.0f, 7.0f, 7.0f, 0.0f, 0.0f, NAN, 3.0f, NAN, 9.0f);
    EXPECT_I64("argmax", IC_OP_ARGMAX, INS(x), ATTRS(AI("axis", 1), AI("keepdims", 0)), S1(3), 1, 0, 0);
    EXPECT_I64("argmax last", IC_OP_ARGMAX, INS(x), ATTRS(AI("axis", 1), AI("keepdims", 0), AI("select_last_index", 1)),
               S1(3), 2, 1, 2);
    EXPECT_I64("argmin", IC_OP_ARGMIN, INS(x), ATTRS(AI("axis", -1)), S2(3, 1), 0, 2, 0);
    EXPECT_I64("argmin last", IC_OP_ARGMIN, INS(x), ATTRS(AI("axis", -1), AI("select_last_index", 1)), S2(3, 1), 0, 3, 2);
    EXPECT_I64("argmax axis 0", IC_OP_ARGMAX, INS(x), NOATTRS, S2(1, 4), 2, 1, 2, 2);
    tin xi = I32(S2(2, 3), 3, -1, 3, 0, 0, -2);
    EXPECT_I64("argmax i32", IC_OP_ARGMAX, INS(xi), ATTRS(AI("axis", 1), AI("keepdims", 0)), S1(2), 0, 0);
    EXPECT_I64("argmax i32 last", IC_OP_ARGMAX, INS(xi), ATTRS(AI("axis", 1), AI("keepdims", 0), AI("select_last_index", 1)),
               S1(2), 2, 1);
    EXPECT_I64("argmin i32", IC_OP_ARGMIN, INS(xi), ATTRS(AI("axis", 1), AI("keepdims", 0)), S1(2), 1, 2);
    /* test_argmax_keepdims_example: [[2, 1], [3, 10]], axis 1 */
    EXPECT_I64("argmax onnx", IC_OP_ARGMAX, INS(I64(S2(2, 2), 2, 1, 3, 10)), ATTRS(AI("axis", 1)), S2(2, 1), 0, 1);
    expect_error("argmax empty", IC_OP_ARGMAX, INS(((tin){IC_DT_F32, S2(2, 0), NULL})), ATTRS(AI("axis", 1)),
                 IC_ERR_INVALID, "empty axis");
    expect_error("argmax axis", IC_OP_ARGMAX, INS(x), ATTRS(AI("axis", 2)), IC_ERR_INVALID, "axis 2 out of range");
}

/* topk(x) {k, axis, largest}: both results against want_v / want_i. */
static void expect_topk(const char *what, tin x, int64_t k, int64_t axis, int largest, ic_shape ws, const float *want_v,
                        const int64_t *want_i) {
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, "t", &g), IC_OK);
    uint32_t xv = ic_graph_add_input(g, "x", x.t, &x.s);
    ic_attr a[3] = {AI("k", k), AI("axis", axis), AI("largest", largest)};
    ic_diag d = {0};
    uint32_t v = ic_graph_build(g, IC_OP_TOPK, &xv, 1, a, 3, &d);
    if (v == IC_NONE) fail_msg("%s: %s", what, d.msg);
    uint32_t iv = g->nodes[g->values[v].producer].outputs[1];
    g->values[v].name = "v";
    g->values[iv].name = "i";
    assert_true(ic_graph_add_output(g, v) && ic_graph_add_output(g, iv));
    ic_tensor in = {.dtype = x.t, .shape = x.s, .data = (void *)x.data}, out[2];
    if (ic_interp_run(g, &in, out, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    ic_tensor wv = {.dtype = IC_DT_F32, .shape = ws, .data = (void *)want_v};
    ic_tensor wi = {.dtype = IC_DT_I64, .shape = ws, .data = (void *)want_i};
    assert_true(ic_test_allclose(&out[0], &wv, 0, 0, what));
    assert_true(ic_test_allclose(&out[1], &wi, 0, 0, what));
    ic_tensor_free(&out[0]);
    ic_tensor_free(&out[1]);
    ic_graph_destroy(g);
}

static void test_topk(void **state) {
    (void)state;
    /* equal values in index order; NaN above every number: first when largest, last when smallest */
    tin x = F32(S2(2, 6), 3.0f, 1.0f, NAN, 3.0f, -INFINITY, 2.0f, 0.0f, -0.5f, 7.0f, 7.0f, 7.0f, -1.0f);
    expect_topk("largest", x, 3, 1, 1, S2(2, 3), (const float[]){NAN, 3.0f, 3.0f, 7.0f, 7.0f, 7.0f},
                (const int64_t[]){2, 0, 3, 2, 3, 4});
    expect_topk("smallest", x, 3, -1, 0, S2(2, 3), (const float[]){-INFINITY, 1.0f, 2.0f, -1.0f, -0.5f, 0.0f},
                (const int64_t[]){4, 1, 5, 5, 1, 0});
    expect_topk("all, smallest", x, 6, 1, 0, S2(2, 6),
                (const float[]){-INFINITY, 1.0f, 2.0f, 3.0f, 3.0f, NAN, -1.0f, -0.5f, 0.0f, 7.0f, 7.0f, 7.0f},
                (const int64_t[]){4, 1, 5, 0, 3, 2, 5, 1, 0, 2, 3, 4});
    expect_topk("axis 0", x, 1, 0, 1, S2(1, 6), (const float[]){3.0f, 1.0f, NAN, 7.0f, 7.0f, 2.0f},
                (const int64_t[]){0, 0, 0, 1, 1, 0});
    expect_topk("k = 0", x, 0, 1, 1, S2(2, 0), NULL, NULL);
    /* test_top_k: [[0..3], [4..7], [8..11]], k 3 */
    expect_topk("onnx", F32(S2(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 3, 1, 1, S2(3, 3),
                (const float[]){3, 2, 1, 7, 6, 5, 11, 10, 9}, (const int64_t[]){3, 2, 1, 3, 2, 1, 3, 2, 1});
    expect_error("topk k", IC_OP_TOPK, INS(x), ATTRS(AI("k", 7)), IC_ERR_INVALID, "k = 7 must be given and lie in [0, 6]");
    expect_error("topk no k", IC_OP_TOPK, INS(x), NOATTRS, IC_ERR_INVALID, "k = -1 must be given");
    expect_error("topk axis", IC_OP_TOPK, INS(x), ATTRS(AI("k", 1), AI("axis", 2)), IC_ERR_INVALID, "axis 2 out of range");
}

static void test_cumsum(void **state) {
    (void)state;
    /* test_cumsum_1d, _exclusive, _reverse, _reverse_exclusive */
    tin x = F32(S1(5), 1.0f, 2.0f, 3.0f, 4.0f, 5.0f);
    EXPECT_F32("cumsum", IC_OP_CUMSUM, INS(x), ATTRS(AI("axis", 0)), S1(5), 0, 1.0f, 3.0f, 6.0f, 10.0f, 15.0f);
    EXPECT_F32("exclusive", IC_OP_CUMSUM, INS(x), ATTRS(AI("axis", 0), AI("exclusive", 1)), S1(5), 0, 0.0f, 1.0f, 3.0f,
               6.0f, 10.0f);
    EXPECT_F32("reverse", IC_OP_CUMSUM, INS(x), ATTRS(AI("axis", 0), AI("reverse", 1)), S1(5), 0, 15.0f, 14.0f, 12.0f,
               9.0f, 5.0f);
    EXPECT_F32("reverse exclusive", IC_OP_CUMSUM, INS(x), ATTRS(AI("axis", -1), AI("reverse", 1), AI("exclusive", 1)),
               S1(5), 0, 14.0f, 12.0f, 9.0f, 5.0f, 0.0f);
    tin c = {IC_DT_F32, S2(3, 5), cs_x};
    expect_out("cumsum axis 1", IC_OP_CUMSUM, INS(c), ATTRS(AI("axis", 1)), IC_DT_F32, S2(3, 5), cs_1, 2e-7);
    expect_out("cumsum axis 0 rev excl", IC_OP_CUMSUM, INS(c), ATTRS(AI("axis", 0), AI("reverse", 1), AI("exclusive", 1)),
               IC_DT_F32, S2(3, 5), cs_0_rev_excl, 2e-7);
    EXPECT_I64("cumsum i64", IC_OP_CUMSUM, INS(I64(S2(2, 3), 1, 2, 3, 4, 5, 6)), ATTRS(AI("axis", -1)), S2(2, 3), 1, 3, 6,
               4, 9, 15);
    EXPECT_I32("cumsum i32 wraps", IC_OP_CUMSUM, INS(I32(S1(2), INT32_MAX, 1)), ATTRS(AI("axis", 0)), S1(2), INT32_MAX,
               INT32_MIN);
    expect_error("cumsum no axis", IC_OP_CUMSUM, INS(x), NOATTRS, IC_ERR_INVALID, "attribute 'axis' is required");
}

static void test_instance_norm(void **state) {
    (void)state;
    tin x = {IC_DT_F32, S4(2, 3, 2, 3), in_x}, s = {IC_DT_F32, S1(3), in_s}, b = {IC_DT_F32, S1(3), in_b};
    expect_out("instance_norm", IC_OP_INSTANCE_NORM, INS(x, s, b), ATTRS(AF("epsilon", 1e-3)), IC_DT_F32, S4(2, 3, 2, 3),
               in_y, 1e-6);
    /* a channel of one element normalises to 0: only the bias is left */
    EXPECT_F32("instance_norm 1", IC_OP_INSTANCE_NORM, INS(F32(S2(1, 2), 5.0f, -3.0f), F32(S1(2), 2.0f, 2.0f),
                                                           F32(S1(2), 0.5f, -0.5f)),
               NOATTRS, S2(1, 2), 0, 0.5f, -0.5f);
    expect_error("instance_norm scale", IC_OP_INSTANCE_NORM, INS(x, F32(S1(2), 1.0f, 1.0f), b), NOATTRS, IC_ERR_INVALID,
                 "scale must be f32[3]");
}

/* ---- indexing ---------------------------------------------------------------------------- */

static void test_gather_elements(void **state) {
    (void)state;
    /* test_gather_elements_0, _1 and _negative_indices */
    EXPECT_F32("ge 0", IC_OP_GATHER_ELEMENTS, INS(F32(S2(2, 2), 1, 2, 3, 4), I64(S2(2, 2), 0, 0, 1, 0)),
               ATTRS(AI("axis", 1)), S2(2, 2), 0, 1, 1, 4, 3);
    tin d33 = F32(S2(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
    EXPECT_F32("ge 1", IC_OP_GATHER_ELEMENTS, INS(d33, I32(S2(2, 3), 1, 2, 0, 2, 0, 0)), NOATTRS, S2(2, 3), 0, 4, 8, 3, 7,
               2, 3);
    EXPECT_F32("ge neg", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S2(2, 3), -1, -2, 0, -2, 0, 0)), ATTRS(AI("axis", 0)),
               S2(2, 3), 0, 7, 5, 3, 4, 2, 3);
    /* indices smaller than data outside the axis; negative axis */
    EXPECT_F32("ge small", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S2(2, 1), 2, -3)), ATTRS(AI("axis", -1)), S2(2, 1), 0, 3, 4);
    expect_error("ge range", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S2(1, 1), 3)), ATTRS(AI("axis", 1)), IC_ERR_RUNTIME,
                 "gather_elements: index 3 out of range for axis 1 of size 3");
    expect_error("ge range neg", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S2(1, 1), -4)), NOATTRS, IC_ERR_RUNTIME,
                 "index -4 out of range for axis 0 of size 3");
    expect_error("ge shape", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S2(4, 1), 0, 0, 0, 0)), ATTRS(AI("axis", 1)),
                 IC_ERR_INVALID, "outside axis 1");
    expect_error("ge rank", IC_OP_GATHER_ELEMENTS, INS(d33, I64(S1(1), 0)), NOATTRS, IC_ERR_INVALID, "must have the rank");
}

static void test_gather_nd(void **state) {
    (void)state;
    /* test_gathernd_example_int32, _float32, _int32_batch_dim1 */
    EXPECT_I32("gnd int32", IC_OP_GATHER_ND, INS(I32(S2(2, 2), 0, 1, 2, 3), I64(S2(2, 2), 0, 0, 1, 1)), NOATTRS, S1(2), 0, 3);
    tin d222 = F32(S3(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7);
    EXPECT_F32("gnd float32", IC_OP_GATHER_ND, INS(d222, I64(S3(2, 1, 2), 0, 1, 1, 0)), NOATTRS, S3(2, 1, 2), 0, 2, 3, 4, 5);
    EXPECT_F32("gnd batch", IC_OP_GATHER_ND, INS(d222, I64(S2(2, 1), 1, 0)), ATTRS(AI("batch_dims", 1)), S2(2, 2), 0, 2, 3,
               4, 5);
    /* negative index, whole-slice gather, full tuples with a batch dim */
    EXPECT_F32("gnd neg", IC_OP_GATHER_ND, INS(d222, I32(S2(1, 1), -1)), NOATTRS, S3(1, 2, 2), 0, 4, 5, 6, 7);
    EXPECT_F32("gnd batch full", IC_OP_GATHER_ND, INS(d222, I64(S2(2, 2), 1, 1, 0, -1)), ATTRS(AI("batch_dims", 1)), S1(2),
               0, 3, 5);
    expect_error("gnd range", IC_OP_GATHER_ND, INS(d222, I64(S2(1, 2), 0, 2)), NOATTRS, IC_ERR_RUNTIME,
                 "gather_nd: index 2 out of range for axis 1 of size 2");
    expect_error("gnd tuple", IC_OP_GATHER_ND, INS(d222, I64(S2(1, 4), 0, 0, 0, 0)), NOATTRS, IC_ERR_INVALID,
                 "index tuples of length 4 do not fit");
    expect_error("gnd batch", IC_OP_GATHER_ND, INS(d222, I64(S2(3, 1), 0, 0, 0)), ATTRS(AI("batch_dims", 1)),
                 IC_ERR_INVALID, "batch dims");
}

static void test_scatter_elements(void **state) {
    (void)state;
    /* test_scatter_elements_with_axis, _without_axis, _with_duplicate_indices (add), _with_negative_indices */
    tin d = F32(S2(1, 5), 1, 2, 3, 4, 5), u = F32(S2(1, 2), 1.1f, 2.1f);
    EXPECT_F32("se axis", IC_OP_SCATTER_ELEMENTS, INS(d, I64(S2(1, 2), 1, 3), u), ATTRS(AI("axis", 1)), S2(1, 5), 0, 1.0f,
               1.1f, 3.0f, 2.1f, 5.0f);
    EXPECT_F32("se no axis", IC_OP_SCATTER_ELEMENTS,
               INS(F32(S2(3, 3), 0, 0, 0, 0, 0, 0, 0, 0, 0), I64(S2(2, 3), 1, 0, 2, 0, 2, 1),
                   F32(S2(2, 3), 1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f)),
               NOATTRS, S2(3, 3), 0, 2.0f, 1.1f, 0.0f, 1.0f, 0.0f, 2.2f, 0.0f, 2.1f, 1.2f);
    EXPECT_F32("se neg", IC_OP_SCATTER_ELEMENTS, INS(d, I64(S2(1, 2), 1, -3), u), ATTRS(AI("axis", 1)), S2(1, 5), 0, 1.0f,
               1.1f, 2.1f, 4.0f, 5.0f);
    /* duplicates under every reduction: none keeps the last; the others fold in order, rounding each
     * step to f32 (numpy: np.float32(np.float32(2 * np.float32(1.1)) * np.float32(2.1)) = 4.61999989) */
    tin dup = I32(S2(1, 2), 1, 1);
    EXPECT_F32("se dup none", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AI("axis", 1)), S2(1, 5), 0, 1.0f, 2.1f, 3.0f,
               4.0f, 5.0f);
    EXPECT_F32("se dup add", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AI("axis", 1), AS("reduction", "add")), S2(1, 5),
               0, 1.0f, 5.19999981f, 3.0f, 4.0f, 5.0f);
    EXPECT_F32("se dup mul", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AI("axis", 1), AS("reduction", "mul")), S2(1, 5),
               0, 1.0f, 4.61999989f, 3.0f, 4.0f, 5.0f);
    EXPECT_F32("se dup max", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AI("axis", 1), AS("reduction", "max")), S2(1, 5),
               0, 1.0f, 2.1f, 3.0f, 4.0f, 5.0f);
    EXPECT_F32("se dup min", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AI("axis", 1), AS("reduction", "min")), S2(1, 5),
               0, 1.0f, 1.1f, 3.0f, 4.0f, 5.0f);
    EXPECT_F32("se max nan", IC_OP_SCATTER_ELEMENTS, INS(d, dup, F32(S2(1, 2), NAN, 9.0f)),
               ATTRS(AI("axis", 1), AS("reduction", "max")), S2(1, 5), 0, 1.0f, NAN, 3.0f, 4.0f, 5.0f);
    EXPECT_I64("se i64 add", IC_OP_SCATTER_ELEMENTS, INS(I64(S2(2, 2), 1, 2, 3, 4), I64(S2(2, 2), 1, 1, 0, 0),
                                                          I64(S2(2, 2), 10, 20, 30, 40)),
               ATTRS(AI("axis", -1), AS("reduction", "add")), S2(2, 2), 1, 32, 73, 4);
    expect_error("se range", IC_OP_SCATTER_ELEMENTS, INS(d, I64(S2(1, 2), 1, 5), u), ATTRS(AI("axis", 1)), IC_ERR_RUNTIME,
                 "scatter_elements: index 5 out of range for axis 1 of size 5");
    expect_error("se reduction", IC_OP_SCATTER_ELEMENTS, INS(d, dup, u), ATTRS(AS("reduction", "sum")), IC_ERR_INVALID,
                 "reduction 'sum' is not none, add, mul, max or min");
    expect_error("se updates", IC_OP_SCATTER_ELEMENTS, INS(d, dup, F32(S2(1, 1), 1.0f)), NOATTRS, IC_ERR_INVALID,
                 "updates");
}

static void test_scatter_nd(void **state) {
    (void)state;
    /* test_scatternd's 1-D example */
    EXPECT_F32("snd", IC_OP_SCATTER_ND, INS(F32(S1(8), 1, 2, 3, 4, 5, 6, 7, 8), I64(S2(4, 1), 4, 3, 1, 7),
                                            F32(S1(4), 9, 10, 11, 12)),
               NOATTRS, S1(8), 0, 1, 11, 3, 10, 9, 6, 7, 12);
    /* slices */
    EXPECT_F32("snd slices", IC_OP_SCATTER_ND, INS(F32(S2(3, 2), 0, 0, 0, 0, 0, 0), I64(S2(2, 1), 2, 0),
                                                   F32(S2(2, 2), 1, 2, 3, 4)),
               NOATTRS, S2(3, 2), 0, 3, 4, 0, 0, 1, 2);
    /* duplicates (and a negative index) under every reduction */
    tin d = F32(S1(4), 1, 2, 3, 4), i = I64(S2(3, 1), 1, 1, -1), u = F32(S1(3), 10, 20, 5);
    EXPECT_F32("snd none", IC_OP_SCATTER_ND, INS(d, i, u), NOATTRS, S1(4), 0, 1, 20, 3, 5);
    EXPECT_F32("snd add", IC_OP_SCATTER_ND, INS(d, i, u), ATTRS(AS("reduction", "add")), S1(4), 0, 1, 32, 3, 9);
    EXPECT_F32("snd mul", IC_OP_SCATTER_ND, INS(d, i, u), ATTRS(AS("reduction", "mul")), S1(4), 0, 1, 400, 3, 20);
    EXPECT_F32("snd max", IC_OP_SCATTER_ND, INS(d, i, u), ATTRS(AS("reduction", "max")), S1(4), 0, 1, 20, 3, 5);
    EXPECT_F32("snd min", IC_OP_SCATTER_ND, INS(d, i, u), ATTRS(AS("reduction", "min")), S1(4), 0, 1, 2, 3, 4);
    /* full tuples (scalar updates), i64 data */
    EXPECT_I64("snd full", IC_OP_SCATTER_ND, INS(I64(S2(2, 3), 0, 0, 0, 0, 0, 0), I32(S2(2, 2), 0, 1, 1, -1),
                                                 I64(S1(2), 7, 8)),
               NOATTRS, S2(2, 3), 0, 7, 0, 0, 0, 8);
    expect_error("snd range", IC_OP_SCATTER_ND, INS(d, I64(S2(1, 1), 4), F32(S1(1), 1)), NOATTRS, IC_ERR_RUNTIME,
                 "scatter_nd: index 4 out of range for axis 0 of size 4");
    expect_error("snd updates", IC_OP_SCATTER_ND, INS(d, i, F32(S1(2), 1, 2)), NOATTRS, IC_ERR_INVALID,
                 "updates must be f32[3], got f32[2]");
}

/* ---- layout ------------------------------------------------------------------------------- */

static void test_tile(void **state) {
    (void)state;
    EXPECT_I64("tile", IC_OP_TILE, INS(I64(S2(2, 2), 1, 2, 3, 4)), ATTRS(AIS("repeats", 2, 3)), S2(4, 6), 1, 2, 1, 2, 1,
               2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4);
    EXPECT_F32("tile 1", IC_OP_TILE, INS(F32(S2(1, 3), 1, 2, 3)), ATTRS(AIS("repeats", 2, 1)), S2(2, 3), 0, 1, 2, 3, 1, 2, 3);
    tin x = F32(S1(2), 1, 2);
    ic_tensor out;
    ic_diag d = {0};
    assert_int_equal(run_op(IC_OP_TILE, INS(x), ATTRS(AIS("repeats", 0)), &out, &d), IC_OK);
    assert_int_equal(out.shape.dims[0], 0);
    ic_tensor_free(&out);
    expect_error("tile count", IC_OP_TILE, INS(x), ATTRS(AIS("repeats", 1, 2)), IC_ERR_INVALID, "'repeats' has 2 entries");
    expect_error("tile neg", IC_OP_TILE, INS(x), ATTRS(AIS("repeats", -1)), IC_ERR_INVALID, "repeats must be >= 0");
}

static void test_pad(void **state) {
    (void)state;
    tin x = F32(S2(2, 3), 1, 2, 3, 4, 5, 6);
    /* constant with a negative (cropping) begin */
    EXPECT_F32("pad crop", IC_OP_PAD, INS(x), ATTRS(AIS("pads", 1, -1, 0, 2), AF("value", 9)), S2(3, 4), 0, 9, 9, 9, 9, 2,
               3, 9, 9, 5, 6, 9, 9);
    /* numpy np.pad([1,2,3], (2,3), 'reflect') and (5,5): reflection repeats past the edges */
    tin v = F32(S1(3), 1, 2, 3);
    EXPECT_F32("reflect", IC_OP_PAD, INS(v), ATTRS(AIS("pads", 2, 3), AS("mode", "reflect")), S1(8), 0, 3, 2, 1, 2, 3, 2,
               1, 2);
    EXPECT_F32("reflect far", IC_OP_PAD, INS(v), ATTRS(AIS("pads", 5, 5), AS("mode", "reflect")), S1(13), 0, 2, 1, 2, 3,
               2, 1, 2, 3, 2, 1, 2, 3, 2);
    /* numpy np.pad(np.arange(1, 10).reshape(3, 3), 1, 'reflect') */
    EXPECT_F32("reflect 2d", IC_OP_PAD, INS(F32(S2(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9)),
               ATTRS(AIS("pads", 1, 1, 1, 1), AS("mode", "reflect")), S2(5, 5), 0, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5,
               6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5);
    EXPECT_F32("edge", IC_OP_PAD, INS(F32(S2(2, 2), 1, 2, 3, 4)), ATTRS(AIS("pads", 1, 0, 0, 2), AS("mode", "edge")),
               S2(3, 4), 0, 1, 2, 2, 2, 1, 2, 2, 2, 3, 4, 4, 4);
    /* cropping first, then reflecting the kept part: [1..5] -> [2..5] -> + 2 reflected */
    EXPECT_F32("crop reflect", IC_OP_PAD, INS(F32(S1(5), 1, 2, 3, 4, 5)), ATTRS(AIS("pads", -1, 2), AS("mode", "reflect")),
               S1(6), 0, 2, 3, 4, 5, 4, 3);
    EXPECT_F32("crop edge", IC_OP_PAD, INS(F32(S1(5), 1, 2, 3, 4, 5)), ATTRS(AIS("pads", 2, -3), AS("mode", "edge")),
               S1(4), 0, 1, 1, 1, 2);
    EXPECT_F32("reflect one", IC_OP_PAD, INS(F32(S1(1), 7)), ATTRS(AIS("pads", 2, 1), AS("mode", "reflect")), S1(4), 0, 7,
               7, 7, 7);
    /* integer fill: truncated toward zero */
    EXPECT_I32("pad i32", IC_OP_PAD, INS(I32(S1(2), 1, 2)), ATTRS(AIS("pads", 1, 1), AF("value", -7.9)), S1(4), -7, 1, 2,
               -7);
    expect_error("pad count", IC_OP_PAD, INS(x), ATTRS(AIS("pads", 1, 1)), IC_ERR_INVALID, "'pads' has 2 entries for rank 2");
    expect_error("pad crop", IC_OP_PAD, INS(x), ATTRS(AIS("pads", 0, -2, 0, -2)), IC_ERR_INVALID, "pads crop more than dim 1");
    expect_error("pad mode", IC_OP_PAD, INS(x), ATTRS(AIS("pads", 0, 0, 0, 0), AS("mode", "wrap")), IC_ERR_INVALID,
                 "mode 'wrap' is not constant, reflect or edge");
    expect_error("pad empty edge", IC_OP_PAD, INS(x), ATTRS(AIS("pads", 0, -3, 0, 2), AS("mode", "edge")), IC_ERR_INVALID,
                 "edge padding needs a non-empty dim 1");
}

static void test_trilu(void **state) {
    (void)state;
    tin x = F32(S2(3, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    EXPECT_F32("triu", IC_OP_TRILU, INS(x), NOATTRS, S2(3, 4), 0, 1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12);
    EXPECT_F32("triu 1", IC_OP_TRILU, INS(x), ATTRS(AI("k", 1)), S2(3, 4), 0, 0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12);
    EXPECT_F32("triu -1", IC_OP_TRILU, INS(x), ATTRS(AI("k", -1)), S2(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12);
    EXPECT_F32("tril", IC_OP_TRILU, INS(x), ATTRS(AI("upper", 0)), S2(3, 4), 0, 1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0);
    EXPECT_F32("tril -1", IC_OP_TRILU, INS(x), ATTRS(AI("upper", 0), AI("k", -1)), S2(3, 4), 0, 0, 0, 0, 0, 5, 0, 0, 0, 9,
               10, 0, 0);
    EXPECT_F32("tril out", IC_OP_TRILU, INS(x), ATTRS(AI("upper", 0), AI("k", 5)), S2(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
               10, 11, 12);
    EXPECT_F32("triu out", IC_OP_TRILU, INS(x), ATTRS(AI("k", 5)), S2(3, 4), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    EXPECT_I64("triu batch", IC_OP_TRILU, INS(I64(S3(2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8)), ATTRS(AI("k", INT64_MIN)),
               S3(2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8);
    expect_error("trilu rank", IC_OP_TRILU, INS(F32(S1(2), 1, 2)), NOATTRS, IC_ERR_INVALID, "needs rank >= 2");
}

static void test_depth_space(void **state) {
    (void)state;
    /* test_depthtospace_example (DCR) and test_depthtospace_crd_mode_example */
    tin x = F32(S4(1, 8, 2, 3), 0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 18, 19, 20, 21, 22, 23, 27, 28, 29, 30, 31, 32, 36,
                37, 38, 39, 40, 41, 45, 46, 47, 48, 49, 50, 54, 55, 56, 57, 58, 59, 63, 64, 65, 66, 67, 68);
    EXPECT_F32("d2s dcr", IC_OP_DEPTH_TO_SPACE, INS(x), ATTRS(AI("blocksize", 2), AS("mode", "DCR")), S4(1, 2, 4, 6), 0, 0,
               18, 1, 19, 2, 20, 36, 54, 37, 55, 38, 56, 3, 21, 4, 22, 5, 23, 39, 57, 40, 58, 41, 59, 9, 27, 10, 28, 11, 29,
               45, 63, 46, 64, 47, 65, 12, 30, 13, 31, 14, 32, 48, 66, 49, 67, 50, 68);
    EXPECT_F32("d2s crd", IC_OP_DEPTH_TO_SPACE, INS(x), ATTRS(AI("blocksize", 2), AS("mode", "CRD")), S4(1, 2, 4, 6), 0, 0,
               9, 1, 10, 2, 11, 18, 27, 19, 28, 20, 29, 3, 12, 4, 13, 5, 14, 21, 30, 22, 31, 23, 32, 36, 45, 37, 46, 38, 47,
               54, 63, 55, 64, 56, 65, 39, 48, 40, 49, 41, 50, 57, 66, 58, 67, 59, 68);
    /* test_spacetodepth_example */
    EXPECT_F32("s2d", IC_OP_SPACE_TO_DEPTH,
               INS(F32(S4(1, 1, 4, 6), 0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20, 3, 9, 4, 10, 5, 11, 15, 21, 16, 22, 17, 23)),
               ATTRS(AI("blocksize", 2)), S4(1, 4, 2, 3), 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
               18, 19, 20, 21, 22, 23);
    expect_error("d2s channels", IC_OP_DEPTH_TO_SPACE, INS(F32(S4(1, 3, 1, 1), 1, 2, 3)), ATTRS(AI("blocksize", 2)),
                 IC_ERR_INVALID, "not a multiple of blocksize^2");
    expect_error("d2s mode", IC_OP_DEPTH_TO_SPACE, INS(x), ATTRS(AI("blocksize", 2), AS("mode", "XYZ")), IC_ERR_INVALID,
                 "mode 'XYZ' is not DCR or CRD");
    expect_error("s2d size", IC_OP_SPACE_TO_DEPTH, INS(x), ATTRS(AI("blocksize", 2)), IC_ERR_INVALID, "not multiples");
    expect_error("s2d block", IC_OP_SPACE_TO_DEPTH, INS(x), NOATTRS, IC_ERR_INVALID, "'blocksize' is required");
}

/* ---- resize: the ONNX backend tests' inputs and expected outputs ----------------------------- */

static void test_resize(void **state) {
    (void)state;
    const double s06 = 0.60000002384185791; /* the f32 scale 0.6 the ONNX tests use */
    tin x24 = F32(S4(1, 1, 2, 4), 1, 2, 3, 4, 5, 6, 7, 8), x22 = F32(S4(1, 1, 2, 2), 1, 2, 3, 4);
    tin x44 = F32(S4(1, 1, 4, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    /* test_resize_downsample_scales_linear, _align_corners, _nearest */
    EXPECT_F32("down linear", IC_OP_RESIZE, INS(x24),
               ATTRS(AS("mode", "linear"), AIS("sizes", 1, 1, 1, 2), AFS("scales", 1.0, 1.0, s06, s06)), S4(1, 1, 1, 2),
               1e-6, 2.66666651f, 4.33333302f);
    EXPECT_F32("down linear ac", IC_OP_RESIZE, INS(x24),
               ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", "align_corners"), AIS("sizes", 1, 1, 1, 2),
                     AFS("scales", 1.0, 1.0, s06, s06)),
               S4(1, 1, 1, 2), 1e-6, 1.0f, 3.14285707f);
    EXPECT_F32("down nearest", IC_OP_RESIZE, INS(x24), ATTRS(AIS("sizes", 1, 1, 1, 2), AFS("scales", 1.0, 1.0, s06, s06)),
               S4(1, 1, 1, 2), 0, 1, 3);
    /* test_resize_downsample_sizes_linear_pytorch_half_pixel, _sizes_nearest, _nearest_tf_half_pixel_for_nn */
    EXPECT_F32("down pytorch", IC_OP_RESIZE, INS(x44),
               ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", "pytorch_half_pixel"),
                     AIS("sizes", 1, 1, 3, 1)),
               S4(1, 1, 3, 1), 1e-6, 1.66666663f, 7.0f, 12.333333f);
    EXPECT_F32("down sizes nearest", IC_OP_RESIZE, INS(x24), ATTRS(AIS("sizes", 1, 1, 1, 3)), S4(1, 1, 1, 3), 0, 1, 2, 4);
    EXPECT_F32("down tf nn", IC_OP_RESIZE, INS(x44),
               ATTRS(AS("coordinate_transformation_mode", "tf_half_pixel_for_nn"), AIS("sizes", 1, 1, 3, 2)),
               S4(1, 1, 3, 2), 0, 6, 8, 10, 12, 14, 16);
    /* test_resize_upsample_scales_linear, _align_corners, _scales_nearest */
    EXPECT_F32("up linear", IC_OP_RESIZE, INS(x22),
               ATTRS(AS("mode", "linear"), AIS("sizes", 1, 1, 4, 4), AFS("scales", 1.0, 1.0, 2.0, 2.0)), S4(1, 1, 4, 4),
               1e-6, 1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f,
               4.0f);
    EXPECT_F32("up linear ac", IC_OP_RESIZE, INS(x22),
               ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", "align_corners"), AIS("sizes", 1, 1, 4, 4)),
               S4(1, 1, 4, 4), 1e-6, 1.0f, 1.33333337f, 1.66666663f, 2.0f, 1.66666663f, 2.0f, 2.33333325f, 2.66666675f,
               2.33333325f, 2.66666675f, 3.0f, 3.33333325f, 3.0f, 3.33333325f, 3.66666675f, 4.0f);
    EXPECT_F32("up nearest", IC_OP_RESIZE, INS(x22), ATTRS(AIS("sizes", 1, 1, 4, 6), AFS("scales", 1.0, 1.0, 2.0, 3.0)),
               S4(1, 1, 4, 6), 0, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4);
    /* test_resize_upsample_sizes_nearest (7x8 from 2x2) */
    EXPECT_F32("up sizes nearest", IC_OP_RESIZE, INS(x22), ATTRS(AIS("sizes", 1, 1, 7, 8)), S4(1, 1, 7, 8), 0, 1, 1, 1, 1,
               2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3,
               3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4);
    /* test_resize_upsample_sizes_nearest_ceil_half_pixel, _floor_align_corners, _round_prefer_ceil_asymmetric */
    EXPECT_F32("ceil half_pixel", IC_OP_RESIZE, INS(x44), ATTRS(AS("nearest_mode", "ceil"), AIS("sizes", 1, 1, 8, 8)),
               S4(1, 1, 8, 8), 0, 1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7, 7, 8, 8, 8, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 11,
               12, 12, 12, 9, 10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16,
               13, 14, 14, 15, 15, 16, 16, 16);
    EXPECT_F32("floor align_corners", IC_OP_RESIZE, INS(x44),
               ATTRS(AS("nearest_mode", "floor"), AS("coordinate_transformation_mode", "align_corners"),
                     AIS("sizes", 1, 1, 8, 8)),
               S4(1, 1, 8, 8), 0, 1, 1, 1, 2, 2, 3, 3, 4, 1, 1, 1, 2, 2, 3, 3, 4, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 5, 6, 6, 7,
               7, 8, 5, 5, 5, 6, 6, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 12, 9, 9, 9, 10, 10, 11, 11, 12, 13, 13, 13, 14, 14,
               15, 15, 16);
    EXPECT_F32("prefer ceil asymmetric", IC_OP_RESIZE, INS(x44),
               ATTRS(AS("nearest_mode", "round_prefer_ceil"), AS("coordinate_transformation_mode", "asymmetric"),
                     AIS("sizes", 1, 1, 8, 8)),
               S4(1, 1, 8, 8), 0, 1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7, 7, 8, 8, 8, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 11,
               12, 12, 12, 9, 10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16,
               13, 14, 14, 15, 15, 16, 16, 16);
    /* nearest on integers; identity */
    EXPECT_I64("nearest i64", IC_OP_RESIZE, INS(I64(S2(1, 2), 5, 9)), ATTRS(AIS("sizes", 2, 4)), S2(2, 4), 5, 5, 9, 9, 5,
               5, 9, 9);
    EXPECT_F32("identity", IC_OP_RESIZE, INS(x22), ATTRS(AS("mode", "linear"), AIS("sizes", 1, 1, 2, 2)), S4(1, 1, 2, 2), 0,
               1, 2, 3, 4);
    expect_error("cubic", IC_OP_RESIZE, INS(x22), ATTRS(AS("mode", "cubic"), AIS("sizes", 1, 1, 4, 4)), IC_ERR_UNSUPPORTED,
                 "mode 'cubic' is not supported");
    expect_error("crop and resize", IC_OP_RESIZE, INS(x22),
                 ATTRS(AS("coordinate_transformation_mode", "tf_crop_and_resize"), AIS("sizes", 1, 1, 4, 4)),
                 IC_ERR_UNSUPPORTED, "'tf_crop_and_resize' is not supported");
    expect_error("no sizes", IC_OP_RESIZE, INS(x22), NOATTRS, IC_ERR_INVALID, "'sizes' is required");
    expect_error("sizes rank", IC_OP_RESIZE, INS(x22), ATTRS(AIS("sizes", 4, 4)), IC_ERR_INVALID, "2 entries for rank 4");
    expect_error("linear int", IC_OP_RESIZE, INS(I64(S1(2), 1, 2)), ATTRS(AS("mode", "linear"), AIS("sizes", 4)),
                 IC_ERR_INVALID, "linear mode does not take i64");
    expect_error("bad scale", IC_OP_RESIZE, INS(x22), ATTRS(AIS("sizes", 1, 1, 4, 4), AFS("scales", 1.0, 1.0, 0.0, 2.0)),
                 IC_ERR_INVALID, "scales must be positive");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activations),     cmocka_unit_test(test_round_sign_isnan_isinf),
        cmocka_unit_test(test_mod),             cmocka_unit_test(test_reductions),
        cmocka_unit_test(test_argmax_argmin),   cmocka_unit_test(test_cumsum),
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_instance_norm),   cmocka_unit_test(test_gather_elements),
        cmocka_unit_test(test_gather_nd),       cmocka_unit_test(test_scatter_elements),
        cmocka_unit_test(test_scatter_nd),      cmocka_unit_test(test_tile),
        cmocka_unit_test(test_pad),             cmocka_unit_test(test_trilu),
        cmocka_unit_test(test_depth_space),     cmocka_unit_test(test_resize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
