/* test_codegen.c — generated C against the reference interpreter.
 *
 * Every op in ops.def is built into a few graphs (many independent outputs
 * per graph, since each cc run costs most of a second), compiled through
 * ic_codegen_emit -> cc (-Wall -Wextra -Werror) -> ic_model_load, run on
 * deterministic random inputs and compared with ic_interp_run: f32 within
 * rtol 1e-5 (plus atol 1e-6, or 1e-5 where an op sums many terms), integers
 * and bool exactly, f16/bf16 bit for bit. All models are compiled up front in
 * parallel threads. Also covered: the other ISAs' code paths, run()'s
 * argument checks, gather's run-time index error, two instances on two
 * threads, the CPU-feature refusal in create (IC_FAKE_MISSING_CPU_FEATURE
 * hook), loader and cc errors, the memory plan's reuse and view aliasing, and
 * kernels/ic_kernels.h's vector functions against their references
 * (kernel_check.c, compiled per ISA). IC_KEEP_TMP=1 keeps the generated files. */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "ir/interp.h"
#include "runtime/cc.h"
#include "runtime/isa.h"
#include "runtime/loader.h"
#include "test_build.h"
#include "test_util.h"

/* ------------------------------------------------------------------------- */
/* graph building                                                            */
/* ------------------------------------------------------------------------- */


#define OP1(g, op, a, ...) ic_test_node(g, op, (uint32_t[]){a}, 1, (ic_attr[]){__VA_ARGS__}, sizeof((ic_attr[]){__VA_ARGS__}) / sizeof(ic_attr))
#define OP1N(g, op, a) ic_test_node(g, op, (uint32_t[]){a}, 1, NULL, 0)
#define OP2(g, op, a, b) ic_test_node(g, op, (uint32_t[]){a, b}, 2, NULL, 0)
#define OPN(g, op, ins, attrs) \
    ic_test_node(g, op, ins, sizeof(ins) / sizeof(uint32_t), attrs, sizeof(attrs) / sizeof(ic_attr))

/* Marks v as a graph output named name (names must be unique). */
static void output(ic_graph *g, uint32_t v, const char *name) {
    g->values[v].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, v));
}

/* Output named "<op>_<n>" for quick batches. */
static void out_auto(ic_graph *g, uint32_t v) {
    char name[64];
    snprintf(name, sizeof name, "%s_%u", ic_op_get(g->nodes[g->values[v].producer].op)->name, g->n_outputs);
    output(g, v, name);
}

static uint32_t constant_f32(ic_graph *g, const char *name, ic_shape s, ic_test_rng *r, double lo, double hi) {
    size_t n = ic_shape_numel(&s);
    float *data = malloc((n ? n : 1) * sizeof *data);
    for (size_t i = 0; i < n; i++) data[i] = (float)ic_test_rng_uniform(r, lo, hi);
    uint32_t v = ic_graph_add_constant(g, name, IC_DT_F32, &s, data);
    free(data);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

/* Tolerances for one graph's f32 outputs. */
typedef struct tol {
    double rtol; /* relative */
    double atol; /* absolute, for results that are sums of many terms */
} tol;

/* Runs b's model and the interpreter on the same inputs and compares every output. */
static void check_build(const ic_test_build *b, const ic_test_range *ranges, tol t) {
    ic_test_check_build(b, ranges, 1234, t.rtol, t.atol);
}

/* ------------------------------------------------------------------------- */
/* the graphs                                                                */
/* ------------------------------------------------------------------------- */

/* Every unary f32 op (odd sizes, so lane tails are exercised). */
static ic_graph *graph_unary_f32(void) {
    ic_graph *g = ic_test_graph_new("unary_f32");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S2(3, 37));
    uint32_t px = ic_test_input(g, "px", IC_DT_F32, S2(3, 37));
    ic_op plain[] = {IC_OP_NEG, IC_OP_ABS, IC_OP_EXP, IC_OP_TANH, IC_OP_SIGMOID, IC_OP_ERF, IC_OP_FLOOR,
                     IC_OP_CEIL, IC_OP_RELU, IC_OP_LEAKY_RELU, IC_OP_GELU, IC_OP_SILU, IC_OP_HARDSWISH,
                     IC_OP_HARDSIGMOID, IC_OP_CLIP};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) out_auto(g, OP1N(g, plain[i], x));
    ic_op positive[] = {IC_OP_SQRT, IC_OP_RECIPROCAL, IC_OP_LOG};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) out_auto(g, OP1N(g, positive[i], px));
    out_auto(g, OP1(g, IC_OP_LEAKY_RELU, x, ic_attr_make_float("alpha", 0.3)));
    out_auto(g, OP1(g, IC_OP_GELU, x, ic_attr_make_string("approximate", "tanh")));
    out_auto(g, OP1(g, IC_OP_HARDSIGMOID, x, ic_attr_make_float("alpha", 0.25), ic_attr_make_float("beta", 0.4)));
    out_auto(g, OP1(g, IC_OP_CLIP, x, ic_attr_make_float("min", -0.5), ic_attr_make_float("max", 1.25)));
    out_auto(g, OP1(g, IC_OP_CLIP, x, ic_attr_make_float("min", 0.1)));
    /* a rank-0 input and a long 1-D one (chunked, parallel) */
    uint32_t s = ic_test_input(g, "s", IC_DT_F32, S0());
    out_auto(g, OP1N(g, IC_OP_EXP, s));
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S1(40007));
    out_auto(g, OP1N(g, IC_OP_TANH, big));
    out_auto(g, OP1N(g, IC_OP_GELU, big));
    return g;
}

/* Integer and bool unary ops, and casts between every supported dtype pair. */
static ic_graph *graph_unary_int_cast(void) {
    ic_graph *g = ic_test_graph_new("unary_int_cast");
    uint32_t xi = ic_test_input(g, "xi", IC_DT_I32, S2(4, 19));
    uint32_t xl = ic_test_input(g, "xl", IC_DT_I64, S1(23));
    uint32_t xb = ic_test_input(g, "xb", IC_DT_BOOL, S2(2, 21));
    uint32_t xf = ic_test_input(g, "xf", IC_DT_F32, S2(5, 13));
    uint32_t xu = ic_test_input(g, "xu", IC_DT_U8, S1(30));
    uint32_t x8 = ic_test_input(g, "x8", IC_DT_I8, S1(30));
    ic_op ops[] = {IC_OP_NEG, IC_OP_ABS, IC_OP_RELU, IC_OP_CLIP};
    for (size_t i = 0; i < 4; i++) {
        out_auto(g, OP1N(g, ops[i], xi));
        out_auto(g, OP1N(g, ops[i], xl));
    }
    out_auto(g, OP1(g, IC_OP_CLIP, xi, ic_attr_make_float("min", -2.5), ic_attr_make_float("max", 3.5)));
    out_auto(g, OP1(g, IC_OP_CLIP, xl, ic_attr_make_float("min", -1e30), ic_attr_make_float("max", 2)));
    out_auto(g, OP1N(g, IC_OP_NOT, xb));
    /* f16 / bf16 inputs are random bits: NaNs, infinities and subnormals included */
    uint32_t xh = ic_test_input(g, "xh", IC_DT_F16, S1(301)), xbf = ic_test_input(g, "xbf", IC_DT_BF16, S1(301));
    const char *to[] = {"f32", "i8", "u8", "i32", "i64", "bool", "f16", "bf16"};
    uint32_t from[] = {xi, xl, xb, xf, xu, x8, xh, xbf};
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++) out_auto(g, OP1(g, IC_OP_CAST, from[i], ic_attr_make_string("to", to[j])));
    /* f32 values around the f16 range's edges: overflow, the largest finite, subnormals, ties */
    uint32_t edge = ic_test_input(g, "xedge", IC_DT_F32, S1(64));
    out_auto(g, OP1(g, IC_OP_CAST, edge, ic_attr_make_string("to", "f16")));
    out_auto(g, OP1(g, IC_OP_CAST, edge, ic_attr_make_string("to", "bf16")));
    uint32_t tiny = ic_test_input(g, "xtiny", IC_DT_F32, S1(64)); /* f16 subnormals lie below 6.1e-5 */
    out_auto(g, OP1(g, IC_OP_CAST, tiny, ic_attr_make_string("to", "f16")));
    return g;
}

/* Binary ops with numpy broadcasting (rank mismatch, size-1 dims, scalars) over f32 / i32 / i64, where, logic. */
static ic_graph *graph_binary(void) {
    ic_graph *g = ic_test_graph_new("binary");
    uint32_t a = ic_test_input(g, "a", IC_DT_F32, S4(2, 3, 4, 5));
    uint32_t b = ic_test_input(g, "b", IC_DT_F32, S2(4, 1));
    uint32_t pa = ic_test_input(g, "pa", IC_DT_F32, S3(3, 1, 5));
    uint32_t s = ic_test_input(g, "s", IC_DT_F32, S0());
    uint32_t ia = ic_test_input(g, "ia", IC_DT_I32, S3(3, 4, 5));
    uint32_t ib = ic_test_input(g, "ib", IC_DT_I32, S2(1, 5));
    uint32_t la = ic_test_input(g, "la", IC_DT_I64, S2(6, 7));
    uint32_t lb = ic_test_input(g, "lb", IC_DT_I64, S1(7));
    uint32_t c = ic_test_input(g, "c", IC_DT_BOOL, S3(3, 1, 5));
    uint32_t c2 = ic_test_input(g, "c2", IC_DT_BOOL, S1(5));
    uint32_t c9 = ic_test_input(g, "c9", IC_DT_BOOL, S1(9));
    uint32_t u1 = ic_test_input(g, "u1", IC_DT_U8, S1(9));
    uint32_t u2 = ic_test_input(g, "u2", IC_DT_U8, S1(9));
    ic_op arith[] = {IC_OP_ADD, IC_OP_SUB, IC_OP_MUL, IC_OP_DIV, IC_OP_MAX, IC_OP_MIN, IC_OP_EQUAL, IC_OP_LESS,
                     IC_OP_LESS_EQUAL, IC_OP_GREATER, IC_OP_GREATER_EQUAL};
    for (size_t i = 0; i < sizeof arith / sizeof arith[0]; i++) {
        out_auto(g, OP2(g, arith[i], a, b));
        out_auto(g, OP2(g, arith[i], ia, ib));
        out_auto(g, OP2(g, arith[i], lb, la));
    }
    out_auto(g, OP2(g, IC_OP_ADD, s, a));
    out_auto(g, OP2(g, IC_OP_MUL, a, s));
    out_auto(g, OP2(g, IC_OP_SUB, b, pa));
    out_auto(g, OP2(g, IC_OP_POW, pa, b));
    out_auto(g, OP2(g, IC_OP_POW, pa, s));
    out_auto(g, OP2(g, IC_OP_EQUAL, c, c2));
    out_auto(g, OP2(g, IC_OP_EQUAL, u1, u2));
    out_auto(g, OP2(g, IC_OP_AND, c, c2));
    out_auto(g, OP2(g, IC_OP_OR, c2, c));
    out_auto(g, ic_test_node(g, IC_OP_WHERE, (uint32_t[]){c, a, b}, 3, NULL, 0));
    out_auto(g, ic_test_node(g, IC_OP_WHERE, (uint32_t[]){c2, ia, ib}, 3, NULL, 0));
    out_auto(g, ic_test_node(g, IC_OP_WHERE, (uint32_t[]){c9, u1, u2}, 3, NULL, 0));
    /* large broadcast: parallel, chunked inner dim */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S2(3, 20000));
    uint32_t row = ic_test_input(g, "row", IC_DT_F32, S1(20000));
    uint32_t col = ic_test_input(g, "col", IC_DT_F32, S2(3, 1));
    out_auto(g, OP2(g, IC_OP_ADD, big, row));
    out_auto(g, OP2(g, IC_OP_MUL, col, big));
    return g;
}

/* Reductions over every kind of axis set, dtypes, empty axes, global pools, NaN. */
static ic_graph *graph_reduce(void) {
    ic_graph *g = ic_test_graph_new("reduce");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(3, 4, 5, 6));
    uint32_t xi = ic_test_input(g, "xi", IC_DT_I32, S3(4, 5, 6));
    uint32_t xl = ic_test_input(g, "xl", IC_DT_I64, S2(7, 3));
    uint32_t e = ic_test_input(g, "e", IC_DT_F32, S3(2, 0, 3));
    uint32_t ei = ic_test_input(g, "ei", IC_DT_I32, S2(0, 4));
    ic_op ops[] = {IC_OP_REDUCE_SUM, IC_OP_REDUCE_MEAN, IC_OP_REDUCE_MAX, IC_OP_REDUCE_MIN};
    int64_t ax1[] = {1}, axm1[] = {-1}, ax02[] = {0, 2}, ax13[] = {1, 3}, ax0[] = {0};
    for (size_t i = 0; i < 4; i++) {
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("axes", ax1, 1)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("axes", axm1, 1), ic_attr_make_int("keepdims", 0)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("axes", ax02, 2)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("axes", ax13, 2), ic_attr_make_int("keepdims", 0)));
        out_auto(g, OP1N(g, ops[i], x));
        out_auto(g, OP1(g, ops[i], xi, ic_attr_make_ints("axes", ax1, 1)));
        out_auto(g, OP1N(g, ops[i], xi));
        out_auto(g, OP1(g, ops[i], xl, ic_attr_make_ints("axes", ax0, 1), ic_attr_make_int("keepdims", 0)));
        out_auto(g, OP1(g, ops[i], e, ic_attr_make_ints("axes", ax1, 1)));
        out_auto(g, OP1(g, ops[i], ei, ic_attr_make_ints("axes", ax0, 1)));
    }
    uint32_t img = ic_test_input(g, "img", IC_DT_F32, S4(2, 3, 5, 7));
    out_auto(g, OP1N(g, IC_OP_GLOBAL_AVG_POOL, img));
    out_auto(g, OP1N(g, IC_OP_GLOBAL_MAX_POOL, img));
    /* NaN and infinities: max/min must propagate NaN */
    float special[8] = {1.0f, NAN, -2.0f, INFINITY, 3.0f, -INFINITY, 0.5f, -0.5f};
    ic_shape ss = S2(2, 4);
    uint32_t sp = ic_graph_add_constant(g, "special", IC_DT_F32, &ss, special);
    uint32_t xs = ic_test_input(g, "xs", IC_DT_F32, S2(2, 4));
    uint32_t mix = OP2(g, IC_OP_ADD, sp, xs);
    for (size_t i = 0; i < 4; i++) out_auto(g, OP1(g, ops[i], mix, ic_attr_make_ints("axes", axm1, 1)));
    out_auto(g, OP2(g, IC_OP_MAX, mix, xs));
    out_auto(g, OP2(g, IC_OP_MIN, xs, mix));
    out_auto(g, OP1N(g, IC_OP_RELU, mix));
    /* large: one output (parallel reduction) and many outputs (parallel over outputs) */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S2(70, 1000));
    out_auto(g, OP1N(g, IC_OP_REDUCE_SUM, big));
    out_auto(g, OP1N(g, IC_OP_REDUCE_MEAN, big));
    out_auto(g, OP1(g, IC_OP_REDUCE_SUM, big, ic_attr_make_ints("axes", axm1, 1)));
    out_auto(g, OP1(g, IC_OP_REDUCE_MAX, big, ic_attr_make_ints("axes", ax0, 1)));
    return g;
}

/* softmax / log_softmax (contiguous and strided rows), layernorm with broadcast params, batchnorm. */
static ic_graph *graph_rows(void) {
    ic_graph *g = ic_test_graph_new("rows");
    ic_test_rng r;
    ic_test_rng_seed(&r, 7);
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S2(4, 33));
    uint32_t y = ic_test_input(g, "y", IC_DT_F32, S3(2, 5, 7));
    for (int lg = 0; lg < 2; lg++) {
        ic_op op = lg ? IC_OP_LOG_SOFTMAX : IC_OP_SOFTMAX;
        out_auto(g, OP1N(g, op, x));
        out_auto(g, OP1(g, op, y, ic_attr_make_int("axis", 1)));
        out_auto(g, OP1(g, op, y, ic_attr_make_int("axis", -3)));
        out_auto(g, OP1(g, op, y, ic_attr_make_int("axis", 2)));
    }
    uint32_t sc = ic_test_input(g, "sc", IC_DT_F32, S1(33));
    uint32_t bi = ic_test_input(g, "bi", IC_DT_F32, S1(33));
    out_auto(g, OPN(g, IC_OP_LAYERNORM, ((uint32_t[]){x, sc, bi}), ((ic_attr[]){ic_attr_make_float("epsilon", 1e-3)})));
    out_auto(g, OP1N(g, IC_OP_LAYERNORM, x));
    uint32_t sc2 = constant_f32(g, "sc2", S2(5, 1), &r, 0.5, 1.5);
    uint32_t bi2 = ic_test_input(g, "bi2", IC_DT_F32, S1(7));
    out_auto(g, OPN(g, IC_OP_LAYERNORM, ((uint32_t[]){y, sc2, bi2}), ((ic_attr[]){ic_attr_make_int("axis", 1)})));
    out_auto(g, OPN(g, IC_OP_LAYERNORM, ((uint32_t[]){y, bi2}), ((ic_attr[]){ic_attr_make_int("axis", -1)})));
    uint32_t img = ic_test_input(g, "img", IC_DT_F32, S4(2, 3, 4, 5));
    uint32_t bs = ic_test_input(g, "bs", IC_DT_F32, S1(3)), bb = ic_test_input(g, "bb", IC_DT_F32, S1(3));
    uint32_t bm = ic_test_input(g, "bm", IC_DT_F32, S1(3)), bv = ic_test_input(g, "pbv", IC_DT_F32, S1(3));
    out_auto(g, ic_test_node(g, IC_OP_BATCHNORM, (uint32_t[]){img, bs, bb, bm, bv}, 5, NULL, 0));
    uint32_t x3 = ic_test_input(g, "x3", IC_DT_F32, S3(2, 3, 9));
    out_auto(g, ic_test_node(g, IC_OP_BATCHNORM, (uint32_t[]){x3, bs, bb, bm, bv}, 5,
                     (ic_attr[]){ic_attr_make_float("epsilon", 0.01)}, 1));
    /* large: parallel rows */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S2(64, 1000));
    out_auto(g, OP1N(g, IC_OP_SOFTMAX, big));
    out_auto(g, OP1N(g, IC_OP_LAYERNORM, big));
    return g;
}

/* Views (aliased and copied), transpose, expand, slice, concat, split, gather, over several dtypes. */
static ic_graph *graph_movement(void) {
    ic_graph *g = ic_test_graph_new("movement");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(2, 3, 4, 5));
    uint32_t xh = ic_test_input(g, "xh", IC_DT_F16, S3(3, 4, 5));
    uint32_t xl = ic_test_input(g, "xl", IC_DT_I64, S3(3, 1, 5));
    uint32_t xb = ic_test_input(g, "xb", IC_DT_BOOL, S2(6, 4));
    uint32_t xu = ic_test_input(g, "xu", IC_DT_U8, S2(6, 4));
    int64_t p0213[] = {0, 2, 1, 3}, pneg[] = {-1, 0, 1}, p10[] = {1, 0};
    out_auto(g, OP1(g, IC_OP_TRANSPOSE, x, ic_attr_make_ints("perm", p0213, 4)));
    out_auto(g, OP1N(g, IC_OP_TRANSPOSE, x));
    out_auto(g, OP1(g, IC_OP_TRANSPOSE, xh, ic_attr_make_ints("perm", pneg, 3)));
    out_auto(g, OP1(g, IC_OP_TRANSPOSE, xb, ic_attr_make_ints("perm", p10, 2)));
    int64_t e1[] = {2, 3, 4, 5}, e2[] = {2, 3, 4, 5};
    out_auto(g, OP1(g, IC_OP_EXPAND, xl, ic_attr_make_ints("shape", e1, 4)));
    uint32_t col = ic_test_input(g, "col", IC_DT_F32, S2(4, 1));
    out_auto(g, OP1(g, IC_OP_EXPAND, col, ic_attr_make_ints("shape", e2, 4)));
    /* slices: negative starts, negative steps, clamped ends, axes subsets */
    int64_t st1[] = {1, -3}, en1[] = {100, -1}, ax1[] = {1, 3};
    out_auto(g, OP1(g, IC_OP_SLICE, x, ic_attr_make_ints("starts", st1, 2), ic_attr_make_ints("ends", en1, 2),
                    ic_attr_make_ints("axes", ax1, 2)));
    int64_t st2[] = {-1, 4}, en2[] = {-100, 0}, ax2[] = {-1, 2}, sp2[] = {-2, -1};
    out_auto(g, OP1(g, IC_OP_SLICE, x, ic_attr_make_ints("starts", st2, 2), ic_attr_make_ints("ends", en2, 2),
                    ic_attr_make_ints("axes", ax2, 2), ic_attr_make_ints("steps", sp2, 2)));
    int64_t st3[] = {0, 1}, en3[] = {3, 5}, sp3[] = {2, 3};
    out_auto(g, OP1(g, IC_OP_SLICE, xh, ic_attr_make_ints("starts", st3, 2), ic_attr_make_ints("ends", en3, 2),
                    ic_attr_make_ints("steps", sp3, 2)));
    int64_t st4[] = {2}, en4[] = {2};
    out_auto(g, OP1(g, IC_OP_SLICE, xu, ic_attr_make_ints("starts", st4, 1), ic_attr_make_ints("ends", en4, 1)));
    /* concat with an empty piece, negative axis */
    uint32_t c1 = ic_test_input(g, "c1", IC_DT_F32, S3(2, 3, 5));
    uint32_t c2 = ic_test_input(g, "c2", IC_DT_F32, S3(2, 1, 5));
    uint32_t c3 = ic_test_input(g, "c3", IC_DT_F32, S3(2, 0, 5));
    out_auto(g, OPN(g, IC_OP_CONCAT, ((uint32_t[]){c1, c3, c2, c1}), ((ic_attr[]){ic_attr_make_int("axis", -2)})));
    out_auto(g, OPN(g, IC_OP_CONCAT, ((uint32_t[]){xb, xb}), ((ic_attr[]){ic_attr_make_int("axis", 1)})));
    uint32_t c4 = ic_test_input(g, "c4", IC_DT_F32, S3(1, 3, 5));
    out_auto(g, OPN(g, IC_OP_CONCAT, ((uint32_t[]){c4, c1}), ((ic_attr[]){ic_attr_make_int("axis", 0)})));
    /* split: equal parts (last smaller) and explicit sizes */
    ic_attr sa[] = {ic_attr_make_int("axis", 3)};
    uint32_t sn = ic_graph_add_node(g, IC_OP_SPLIT, (uint32_t[]){x}, 1, 2, sa, 1);
    assert_int_equal(ic_infer_node(g, sn, NULL), IC_OK);
    out_auto(g, g->nodes[sn].outputs[0]);
    out_auto(g, g->nodes[sn].outputs[1]);
    int64_t sizes[] = {1, 0, 3};
    ic_attr sb[] = {ic_attr_make_int("axis", -1), ic_attr_make_ints("sizes", sizes, 3)};
    uint32_t sm = ic_graph_add_node(g, IC_OP_SPLIT, (uint32_t[]){xu}, 1, 3, sb, 2);
    assert_int_equal(ic_infer_node(g, sm, NULL), IC_OK);
    for (int i = 0; i < 3; i++) out_auto(g, g->nodes[sm].outputs[i]);
    /* gather: i64 indices with negatives on axis 0, 2-D i32 indices on axis 1 */
    uint32_t i1 = ic_test_input(g, "i1", IC_DT_I64, S1(7));
    uint32_t i2 = ic_test_input(g, "i2", IC_DT_I32, S2(2, 3));
    out_auto(g, OP2(g, IC_OP_GATHER, x, i1));
    out_auto(g, ic_test_node(g, IC_OP_GATHER, (uint32_t[]){x, i2}, 2, (ic_attr[]){ic_attr_make_int("axis", -3)}, 1));
    out_auto(g, ic_test_node(g, IC_OP_GATHER, (uint32_t[]){xh, i2}, 2, (ic_attr[]){ic_attr_make_int("axis", 1)}, 1));
    /* views: as outputs (copied) and as intermediates (aliased) feeding other ops */
    int64_t rs[] = {0, -1, 10}, ax0[] = {0}, ax2b[] = {1, 3};
    out_auto(g, OP1(g, IC_OP_RESHAPE, x, ic_attr_make_ints("shape", rs, 3)));
    out_auto(g, OP1N(g, IC_OP_SQUEEZE, xl));
    out_auto(g, OP1(g, IC_OP_UNSQUEEZE, xb, ic_attr_make_ints("axes", ax2b, 2)));
    out_auto(g, OP1N(g, IC_OP_FLATTEN, x));
    uint32_t v1 = OP1(g, IC_OP_FLATTEN, x, ic_attr_make_int("axis", 3));
    uint32_t v2 = OP1(g, IC_OP_UNSQUEEZE, v1, ic_attr_make_ints("axes", ax0, 1));
    uint32_t v3 = OP1N(g, IC_OP_SQUEEZE, v2);
    out_auto(g, OP2(g, IC_OP_MUL, v3, v1));
    int64_t rs2[] = {6, 20};
    uint32_t v4 = OP1(g, IC_OP_RESHAPE, x, ic_attr_make_ints("shape", rs2, 2));
    out_auto(g, OP1(g, IC_OP_TRANSPOSE, v4, ic_attr_make_ints("perm", p10, 2)));
    /* outputs that are a graph input and a constant */
    output(g, col, "col_out");
    float k[3] = {1, 2, 3};
    ic_shape ks = S1(3);
    output(g, ic_graph_add_constant(g, "kconst", IC_DT_F32, &ks, k), "k_out");
    return g;
}

/* conv2d: strides, asymmetric pads, dilation, groups, depthwise, no bias, 1x1, run-time weights. */
static ic_graph *graph_conv(void) {
    ic_graph *g = ic_test_graph_new("conv");
    ic_test_rng r;
    ic_test_rng_seed(&r, 11);
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(2, 4, 9, 11));
    uint32_t w1 = constant_f32(g, "w1", S4(6, 4, 3, 3), &r, -1, 1);
    uint32_t b1 = constant_f32(g, "b1", S1(6), &r, -1, 1);
    int64_t st[] = {2, 1}, pads[] = {1, 0, 2, 1}, dil[] = {2, 1};
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, w1, b1}),
                    ((ic_attr[]){ic_attr_make_ints("strides", st, 2), ic_attr_make_ints("pads", pads, 4),
                                 ic_attr_make_ints("dilations", dil, 2)})));
    uint32_t wg = constant_f32(g, "wg", S4(8, 2, 3, 3), &r, -1, 1);
    int64_t p1[] = {1, 1, 1, 1};
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, wg}),
                    ((ic_attr[]){ic_attr_make_int("group", 2), ic_attr_make_ints("pads", p1, 4)})));
    uint32_t wd = constant_f32(g, "wd", S4(8, 1, 3, 3), &r, -1, 1);
    uint32_t bd = constant_f32(g, "bd", S1(8), &r, -1, 1);
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, wd, bd}),
                    ((ic_attr[]){ic_attr_make_int("group", 4), ic_attr_make_ints("strides", st, 2)})));
    uint32_t w11 = constant_f32(g, "w11", S4(5, 4, 1, 1), &r, -1, 1);
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, w11}), ((ic_attr[]){ic_attr_make_int("group", 1)})));
    /* weights and bias computed at run time (no prepacking) */
    uint32_t wr = ic_test_input(g, "wr", IC_DT_F32, S4(3, 4, 2, 2));
    uint32_t br = ic_test_input(g, "br", IC_DT_F32, S1(3));
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, wr, br}), ((ic_attr[]){ic_attr_make_int("group", 1)})));
    /* a conv feeding a conv through the arena */
    uint32_t h = OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, wg}), ((ic_attr[]){ic_attr_make_int("group", 2)}));
    uint32_t w2 = constant_f32(g, "w2", S4(2, 8, 3, 3), &r, -1, 1);
    out_auto(g, OPN(g, IC_OP_CONV2D, ((uint32_t[]){OP1N(g, IC_OP_RELU, h), w2}), ((ic_attr[]){ic_attr_make_int("group", 1)})));
    return g;
}

/* matmul (1-D, 2-D, batched with broadcasting, constant and run-time B) and gemm (transposes, alpha, beta, C). */
static ic_graph *graph_matmul(void) {
    ic_graph *g = ic_test_graph_new("matmul");
    ic_test_rng r;
    ic_test_rng_seed(&r, 13);
    uint32_t v = ic_test_input(g, "v", IC_DT_F32, S1(6));
    uint32_t a = ic_test_input(g, "a", IC_DT_F32, S2(5, 6));
    uint32_t bc = constant_f32(g, "bc", S2(6, 7), &r, -1, 1);
    uint32_t bv = ic_test_input(g, "bv", IC_DT_F32, S1(7));
    out_auto(g, OP2(g, IC_OP_MATMUL, v, v));
    out_auto(g, OP2(g, IC_OP_MATMUL, v, bc));
    out_auto(g, OP2(g, IC_OP_MATMUL, a, v));
    out_auto(g, OP2(g, IC_OP_MATMUL, a, bc));
    out_auto(g, OP2(g, IC_OP_MATMUL, bc, bv));
    uint32_t ba = ic_test_input(g, "ba", IC_DT_F32, S4(2, 1, 4, 6));
    uint32_t bb = ic_test_input(g, "bb", IC_DT_F32, S3(3, 6, 5));
    out_auto(g, OP2(g, IC_OP_MATMUL, ba, bb));
    uint32_t bk = constant_f32(g, "bk", S3(3, 6, 5), &r, -1, 1);
    out_auto(g, OP2(g, IC_OP_MATMUL, ba, bk));
    out_auto(g, OP2(g, IC_OP_MATMUL, ba, bc));
    out_auto(g, OP2(g, IC_OP_MATMUL, v, bb));
    uint32_t at = ic_test_input(g, "at", IC_DT_F32, S2(6, 5));
    uint32_t bt = constant_f32(g, "bt", S2(7, 6), &r, -1, 1);
    uint32_t cn = ic_test_input(g, "cn", IC_DT_F32, S1(7));
    uint32_t cm = ic_test_input(g, "cm", IC_DT_F32, S2(5, 1));
    uint32_t cs = ic_test_input(g, "cs", IC_DT_F32, S0());
    out_auto(g, OP2(g, IC_OP_GEMM, a, bc));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){at, bt, cn}),
                    ((ic_attr[]){ic_attr_make_int("trans_a", 1), ic_attr_make_int("trans_b", 1),
                                 ic_attr_make_float("alpha", 0.5), ic_attr_make_float("beta", 2.0)})));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){a, bt, cm}), ((ic_attr[]){ic_attr_make_int("trans_b", 1)})));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){at, bc, cs}),
                    ((ic_attr[]){ic_attr_make_int("trans_a", 1), ic_attr_make_float("beta", -1.5)})));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){a, bc, cn}), ((ic_attr[]){ic_attr_make_float("beta", 0.0)})));
    uint32_t bt2 = ic_test_input(g, "bt2", IC_DT_F32, S2(7, 6));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){a, bt2, cn}), ((ic_attr[]){ic_attr_make_int("trans_b", 1)})));
    /* K = 0 */
    uint32_t z1 = ic_test_input(g, "z1", IC_DT_F32, S2(3, 0)), z2 = ic_test_input(g, "z2", IC_DT_F32, S2(0, 4));
    out_auto(g, OP2(g, IC_OP_MATMUL, z1, z2));
    uint32_t c34 = ic_test_input(g, "c34", IC_DT_F32, S2(3, 4));
    out_auto(g, OPN(g, IC_OP_GEMM, ((uint32_t[]){z1, z2, c34}), ((ic_attr[]){ic_attr_make_float("beta", 3.0)})));
    return g;
}

/* max/avg pooling: strides, pads, dilations, ceil_mode (with a dropped last window), count_include_pad. */
static ic_graph *graph_pool(void) {
    ic_graph *g = ic_test_graph_new("pool");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(2, 3, 10, 9));
    int64_t k3[] = {3, 3}, k22[] = {2, 2}, k23[] = {2, 3}, s2[] = {2, 2}, s3[] = {3, 2}, p1[] = {1, 1, 1, 1},
            pa[] = {1, 0, 0, 1}, d2[] = {2, 1};
    ic_op ops[] = {IC_OP_MAX_POOL2D, IC_OP_AVG_POOL2D};
    for (int i = 0; i < 2; i++) {
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("kernel", k3, 2)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("kernel", k3, 2), ic_attr_make_ints("strides", s2, 2),
                        ic_attr_make_ints("pads", p1, 4), ic_attr_make_int("ceil_mode", 1)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("kernel", k22, 2), ic_attr_make_ints("strides", s3, 2),
                        ic_attr_make_ints("pads", pa, 4), ic_attr_make_int("ceil_mode", 1)));
        out_auto(g, OP1(g, ops[i], x, ic_attr_make_ints("kernel", k23, 2), ic_attr_make_ints("strides", s2, 2),
                        ic_attr_make_int("ceil_mode", 1)));
    }
    out_auto(g, OP1(g, IC_OP_MAX_POOL2D, x, ic_attr_make_ints("kernel", k22, 2), ic_attr_make_ints("dilations", d2, 2),
                    ic_attr_make_ints("pads", p1, 4)));
    for (int cip = 0; cip < 2; cip++) {
        out_auto(g, OP1(g, IC_OP_AVG_POOL2D, x, ic_attr_make_ints("kernel", k3, 2), ic_attr_make_ints("strides", s2, 2),
                        ic_attr_make_ints("pads", p1, 4), ic_attr_make_int("ceil_mode", 1),
                        ic_attr_make_int("count_include_pad", cip)));
        out_auto(g, OP1(g, IC_OP_AVG_POOL2D, x, ic_attr_make_ints("kernel", k22, 2), ic_attr_make_ints("strides", s3, 2),
                        ic_attr_make_ints("pads", pa, 4), ic_attr_make_int("count_include_pad", cip)));
    }
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S4(2, 16, 32, 32));
    out_auto(g, OP1(g, IC_OP_MAX_POOL2D, big, ic_attr_make_ints("kernel", k3, 2), ic_attr_make_ints("strides", s2, 2),
                    ic_attr_make_ints("pads", p1, 4)));
    return g;
}

/* A small model for the ABI checks: two inputs, an arena intermediate, gather. */
static ic_graph *graph_api(void) {
    ic_graph *g = ic_test_graph_new("api");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(1, 3, 4, 5));
    uint32_t idx = ic_test_input(g, "idx", IC_DT_I64, S1(3));
    uint32_t r = OP1N(g, IC_OP_RELU, x);
    output(g, OP2(g, IC_OP_ADD, r, x), "y");
    output(g, ic_test_node(g, IC_OP_GATHER, (uint32_t[]){r, idx}, 2, (ic_attr[]){ic_attr_make_int("axis", 1)}, 1), "g");
    return g;
}

/* Enough work for parallel loops and oneDNN threads: the two-thread test's model. */
static ic_graph *graph_threads(void) {
    ic_graph *g = ic_test_graph_new("threads");
    ic_test_rng r;
    ic_test_rng_seed(&r, 17);
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(4, 8, 32, 32));
    uint32_t w = constant_f32(g, "w", S4(8, 8, 3, 3), &r, -0.3, 0.3);
    int64_t p1[] = {1, 1, 1, 1};
    uint32_t c = OPN(g, IC_OP_CONV2D, ((uint32_t[]){x, w}), ((ic_attr[]){ic_attr_make_ints("pads", p1, 4)}));
    uint32_t h = OP2(g, IC_OP_ADD, OP1N(g, IC_OP_GELU, c), x);
    uint32_t sm = OP1N(g, IC_OP_SOFTMAX, h);
    uint32_t m = constant_f32(g, "m", S2(32, 32), &r, -1, 1);
    output(g, OP1N(g, IC_OP_LAYERNORM, OP2(g, IC_OP_MATMUL, sm, m)), "y");
    return g;
}

/* Hand-written model sources for the loader's error paths. */
#define FAKE_SO_HEAD                                                                                    \
    "#include \"inductc/model.h\"\n"                                                                    \
    "#define E __attribute__((visibility(\"default\")))\n"                                              \
    "static const inductc_model_info info = {.abi_version = 7, .isa = \"sse\", .name = \"fake\"};\n"     \
    "E const inductc_model_info *inductc_model_query(void) { return &info; }\n"                         \
    "E int inductc_model_create(const inductc_model_options *o, inductc_model **m) { (void)o; *m = 0; return 1; }\n" \
    "E int inductc_model_run(inductc_model *m, const inductc_tensor *i, uint32_t ni, const inductc_tensor *o,\n" \
    "                        uint32_t no) { (void)m; (void)i; (void)ni; (void)o; (void)no; return 1; }\n"       \
    "E const char *inductc_model_last_error(const inductc_model *m) { (void)m; return \"\"; }\n"
static const char *const src_abi7 = FAKE_SO_HEAD "E void inductc_model_destroy(inductc_model *m) { (void)m; }\n";
static const char *const src_no_destroy = FAKE_SO_HEAD;

/* ------------------------------------------------------------------------- */
/* tests                                                                     */
/* ------------------------------------------------------------------------- */

enum {
    B_UNARY_F32, B_UNARY_INT, B_BINARY, B_REDUCE, B_ROWS, B_MOVEMENT, B_CONV, B_MATMUL, B_POOL, /* ops */
    B_UNARY_AVX2, B_UNARY_SSE, B_ROWS_SSE,                                                    /* other ISAs */
    B_API, B_FAKE_ISA, B_THREADS, B_ABI7, B_NO_DESTROY,                                       /* ABI, loader */
    B_KCHECK, B_KCHECK_AVX2, B_KCHECK_SSE,                                                    /* kernels vs refs */
    N_BUILDS
};
static ic_test_build g_builds[N_BUILDS];

static const char *isa_macro(const char *isa) {
    return strcmp(isa, "avx512") == 0 ? "-DIC_ISA_AVX512" : strcmp(isa, "avx2") == 0 ? "-DIC_ISA_AVX2" : "-DIC_ISA_SSE";
}

/* The whole file as a NUL-terminated string (leaked: it lives as long as the test). */
static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (t && fread(t, 1, (size_t)n, f) != (size_t)n) {
        free(t);
        t = NULL;
    }
    if (t) t[n] = '\0';
    fclose(f);
    return t;
}

static int setup_all(void **state) {
    (void)state;
    if (ic_test_build_root_init("ic_codegen") != 0) return -1;
    g_builds[B_UNARY_F32].g = graph_unary_f32();
    g_builds[B_UNARY_INT].g = graph_unary_int_cast();
    g_builds[B_BINARY].g = graph_binary();
    g_builds[B_REDUCE].g = graph_reduce();
    g_builds[B_ROWS].g = graph_rows();
    g_builds[B_MOVEMENT].g = graph_movement();
    g_builds[B_CONV].g = graph_conv();
    g_builds[B_MATMUL].g = graph_matmul();
    g_builds[B_POOL].g = graph_pool();
    g_builds[B_UNARY_AVX2] = (ic_test_build){.g = graph_unary_f32(), .isa = "avx2"};
    g_builds[B_UNARY_SSE] = (ic_test_build){.g = graph_unary_f32(), .isa = "sse"};
    g_builds[B_ROWS_SSE] = (ic_test_build){.g = graph_rows(), .isa = "sse"};
    g_builds[B_API].g = graph_api();
    g_builds[B_FAKE_ISA] = (ic_test_build){.g = graph_api(), .extra = "-DIC_FAKE_MISSING_CPU_FEATURE=\"avx512_fake\""};
    g_builds[B_THREADS].g = graph_threads();
    g_builds[B_ABI7] = (ic_test_build){.source = src_abi7, .name = "abi7"};
    g_builds[B_NO_DESTROY] = (ic_test_build){.source = src_no_destroy, .name = "no_destroy"};
    static char *kcheck;
    kcheck = read_text(IC_SOURCE_DIR "/tests/unit/kernel_check.c");
    if (!kcheck) return -1;
    const char *host = ic_isa_detect();
    g_builds[B_KCHECK] = (ic_test_build){.source = kcheck, .name = "kcheck", .extra = isa_macro(host)};
    g_builds[B_KCHECK_AVX2] = (ic_test_build){.source = kcheck, .name = "kcheck_avx2", .isa = "avx2", .extra = "-DIC_ISA_AVX2"};
    g_builds[B_KCHECK_SSE] = (ic_test_build){.source = kcheck, .name = "kcheck_sse", .isa = "sse", .extra = "-DIC_ISA_SSE"};
    ic_test_compile_all(g_builds, N_BUILDS, "test_codegen");
    return 0;
}

static int teardown_all(void **state) {
    (void)state;
    for (int i = 0; i < N_BUILDS; i++) ic_graph_destroy(g_builds[i].g);
    ic_test_build_root_remove();
    return 0;
}

static const tol T_EXACT_F32 = {1e-5, 1e-6};

static const tol T_SUMS_F32 = {1e-5, 1e-5};

static void test_unary_f32(void **state) {
    (void)state;
    check_build(&g_builds[B_UNARY_F32], NULL, T_EXACT_F32);
}

static void test_unary_int_cast(void **state) {
    (void)state;
    static const ic_test_range r[] = {{"xf", -300, 300}, {"xi", -200, 400}, {"xl", -1e6, 1e6}, {"xedge", -7e4, 7e4},
                                      {"xtiny", -1e-4, 1e-4}, {NULL, 0, 0}};
    check_build(&g_builds[B_UNARY_INT], r, T_EXACT_F32);
}

static void test_binary(void **state) {
    (void)state;
    check_build(&g_builds[B_BINARY], NULL, T_EXACT_F32);
}

static void test_reduce(void **state) {
    (void)state;
    check_build(&g_builds[B_REDUCE], NULL, T_SUMS_F32);
}

static void test_rows(void **state) {
    (void)state;
    check_build(&g_builds[B_ROWS], NULL, T_SUMS_F32);
}

static void test_movement(void **state) {
    (void)state;
    static const ic_test_range r[] = {{"i1", -2, 2}, {"i2", -3, 3}, {NULL, 0, 0}};
    check_build(&g_builds[B_MOVEMENT], r, T_EXACT_F32);
}

static void test_conv(void **state) {
    (void)state;
    check_build(&g_builds[B_CONV], NULL, T_SUMS_F32);
}

static void test_matmul(void **state) {
    (void)state;
    check_build(&g_builds[B_MATMUL], NULL, T_SUMS_F32);
}

static void test_pool(void **state) {
    (void)state;
    check_build(&g_builds[B_POOL], NULL, T_EXACT_F32);
}

static void test_other_isas(void **state) {
    (void)state;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        check_build(&g_builds[B_UNARY_AVX2], NULL, T_EXACT_F32);
    check_build(&g_builds[B_UNARY_SSE], NULL, T_EXACT_F32);
    check_build(&g_builds[B_ROWS_SSE], NULL, T_SUMS_F32);
}

/* run() must fail with a message containing want. */
static void expect_run_error(ic_test_live *lm, const inductc_tensor *in, uint32_t nin, const inductc_tensor *out,
                             uint32_t nout, const char *want) {
    int rc = lm->lm.run(lm->m, in, nin, out, nout);
    const char *msg = lm->lm.last_error(lm->m);
    if (rc == 0 || !strstr(msg, want)) fail_msg("run: rc %d, message '%s', wanted '%s'", rc, msg, want);
}

static void test_run_checks(void **state) {
    (void)state;
    ic_test_live lm;
    ic_test_open(&g_builds[B_API], &lm, 1);
    const inductc_model_info *info = lm.lm.info;
    assert_int_equal(info->n_inputs, 2);
    assert_int_equal(info->n_outputs, 2);
    assert_string_equal(info->inputs[0].name, "x");
    assert_string_equal(info->outputs[1].name, "g");
    assert_int_equal(info->inputs[1].dtype, INDUCTC_DTYPE_I64);
    assert_string_equal(info->isa, ic_isa_detect());
    assert_string_equal(info->name, "api");
    assert_int_equal(info->graph_hash[1], 17);

    float x[60], y[60], gth[60];
    int64_t idx[3] = {2, 0, -1};
    for (int i = 0; i < 60; i++) x[i] = (float)(i - 30);
    int64_t xd[4] = {1, 3, 4, 5}, bad[4] = {1, 3, 4, 6}, idd[1] = {3};
    inductc_tensor in[2] = {{x, INDUCTC_DTYPE_F32, 4, xd}, {idx, INDUCTC_DTYPE_I64, 1, idd}};
    inductc_tensor out[2] = {{y, INDUCTC_DTYPE_F32, 4, xd}, {gth, INDUCTC_DTYPE_F32, 4, xd}};
    assert_int_equal(lm.lm.run(lm.m, in, 2, out, 2), 0);
    assert_string_equal(lm.lm.last_error(lm.m), "");
    assert_true(y[0] == -30.0f && y[59] == 29.0f + 29.0f);
    assert_true(gth[0] == 10.0f && gth[20] == 0.0f && gth[59] == 29.0f); /* idx 2, 0, -1 */

    expect_run_error(&lm, in, 1, out, 2, "expected 2 inputs, got 1");
    expect_run_error(&lm, in, 2, out, 3, "expected 2 outputs, got 3");
    expect_run_error(&lm, NULL, 2, out, 2, "inputs is NULL");
    inductc_tensor w[2];
    memcpy(w, in, sizeof w);
    w[0].dtype = INDUCTC_DTYPE_I32;
    expect_run_error(&lm, w, 2, out, 2, "input 'x': expected f32[1,3,4,5], got i32[1,3,4,5]");
    memcpy(w, in, sizeof w);
    w[0].dims = bad;
    expect_run_error(&lm, w, 2, out, 2, "input 'x': expected f32[1,3,4,5], got f32[1,3,4,6]");
    w[0].dims = xd;
    w[0].rank = 3;
    expect_run_error(&lm, w, 2, out, 2, "input 'x': expected f32[1,3,4,5], got f32[1,3,4]");
    memcpy(w, in, sizeof w);
    w[1].data = NULL;
    expect_run_error(&lm, w, 2, out, 2, "input 'idx': data is NULL");
    memcpy(w, in, sizeof w);
    w[1].dims = NULL;
    expect_run_error(&lm, w, 2, out, 2, "input 'idx': expected i64[3], got i64[?]");
    inductc_tensor o2[2];
    memcpy(o2, out, sizeof o2);
    o2[1].dims = bad;
    expect_run_error(&lm, in, 2, o2, 2, "output 'g': expected f32[1,3,4,5], got f32[1,3,4,6]");
    o2[1].dims = xd;
    o2[1].data = x;
    expect_run_error(&lm, in, 2, o2, 2, "output 'g' overlaps input 'x'");
    o2[1].data = y;
    expect_run_error(&lm, in, 2, o2, 2, "output 'g' overlaps output 'y'");

    /* gather out of range: an error from run, not a crash; the next good run works */
    idx[1] = 3;
    expect_run_error(&lm, in, 2, out, 2, "index 3 out of range for axis 1 of size 3");
    idx[1] = -4;
    expect_run_error(&lm, in, 2, out, 2, "index -4 out of range");
    idx[1] = -3;
    assert_int_equal(lm.lm.run(lm.m, in, 2, out, 2), 0);
    assert_true(gth[20] == 0.0f);

    /* create's own errors */
    assert_int_not_equal(lm.lm.create(NULL, NULL), 0);
    assert_non_null(strstr(lm.lm.last_error(NULL), "out_model is NULL"));
    assert_int_not_equal(lm.lm.run(NULL, in, 2, out, 2), 0);
    inductc_model *m2 = NULL;
    assert_int_equal(lm.lm.create(NULL, &m2), 0); /* NULL options are fine */
    assert_string_equal(lm.lm.last_error(NULL), "");
    assert_int_equal(lm.lm.run(m2, in, 2, out, 2), 0);
    lm.lm.destroy(m2);
    lm.lm.destroy(NULL);
    ic_test_close(&lm);
}

static void test_fake_isa_refused(void **state) {
    (void)state;
    ic_test_build *b = &g_builds[B_FAKE_ISA];
    if (b->status != IC_OK) fail_msg("compiling: %s", b->d.msg);
    ic_loaded_model lm;
    ic_diag d = {0};
    assert_int_equal(ic_model_load(b->so, &lm, &d), IC_OK);
    inductc_model *m = (inductc_model *)&lm; /* must be reset to NULL */
    assert_int_not_equal(lm.create(NULL, &m), 0);
    assert_null(m);
    const char *msg = lm.last_error(NULL);
    char want[128];
    snprintf(want, sizeof want, "compiled for %s but this CPU lacks: avx512_fake", ic_isa_detect());
    if (!strstr(msg, want)) fail_msg("create error '%s', wanted '%s'", msg, want);
    ic_model_unload(&lm);
}

/* Two threads, two instances of one model, many runs each: every output must
 * equal a single-threaded reference run bit for bit. */
typedef struct thread_job {
    const ic_loaded_model *lm; /* shared .so */
    const float *x;            /* shared input */
    const float *want;         /* reference output */
    size_t n_out;              /* floats in the output */
    int failures;              /* runs that failed or differed */
} thread_job;

static void *thread_main(void *arg) {
    thread_job *j = arg;
    inductc_model *m = NULL;
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = 2};
    if (j->lm->create(&mo, &m) != 0) {
        j->failures = -1;
        return NULL;
    }
    const inductc_model_info *info = j->lm->info;
    float *y = malloc(j->n_out * sizeof *y);
    for (int it = 0; it < 8; it++) {
        inductc_tensor in = {(void *)j->x, INDUCTC_DTYPE_F32, info->inputs[0].rank, info->inputs[0].dims};
        inductc_tensor out = {y, INDUCTC_DTYPE_F32, info->outputs[0].rank, info->outputs[0].dims};
        memset(y, 0, j->n_out * sizeof *y);
        if (j->lm->run(m, &in, 1, &out, 1) != 0 || memcmp(y, j->want, j->n_out * sizeof *y) != 0) j->failures++;
    }
    free(y);
    j->lm->destroy(m);
    return NULL;
}

static void test_two_threads(void **state) {
    (void)state;
    ic_test_build *b = &g_builds[B_THREADS];
    check_build(b, NULL, T_SUMS_F32); /* correct at all */
    ic_test_live lm;
    ic_test_open(b, &lm, 2);
    const inductc_model_info *info = lm.lm.info;
    size_t n_in = 4 * 8 * 32 * 32, n_out = n_in;
    float *x = malloc(n_in * sizeof *x), *want = malloc(n_out * sizeof *want);
    ic_test_rng r;
    ic_test_rng_seed(&r, 99);
    for (size_t i = 0; i < n_in; i++) x[i] = (float)ic_test_rng_uniform(&r, -2, 2);
    inductc_tensor in = {x, INDUCTC_DTYPE_F32, info->inputs[0].rank, info->inputs[0].dims};
    inductc_tensor out = {want, INDUCTC_DTYPE_F32, info->outputs[0].rank, info->outputs[0].dims};
    assert_int_equal(lm.lm.run(lm.m, &in, 1, &out, 1), 0);
    thread_job jobs[2] = {{&lm.lm, x, want, n_out, 0}, {&lm.lm, x, want, n_out, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, thread_main, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].failures, 0);
    assert_int_equal(jobs[1].failures, 0);
    free(x);
    free(want);
    ic_test_close(&lm);
}

static void test_loader_errors(void **state) {
    (void)state;
    ic_loaded_model lm;
    ic_diag d = {0};
    /* not an ELF file */
    char path[600];
    snprintf(path, sizeof path, "%s/not_elf.so", ic_test_build_root());
    assert_int_equal(ic_test_write_file(path, "hello, world\n", 13, &d), IC_OK);
    assert_int_equal(ic_model_load(path, &lm, &d), IC_ERR_RUNTIME);
    if (!strstr(d.msg, "cannot load model") || !strstr(d.msg, "not_elf.so")) fail_msg("message: %s", d.msg);
    assert_null(lm.handle);
    /* missing file */
    snprintf(path, sizeof path, "%s/missing.so", ic_test_build_root());
    assert_int_equal(ic_model_load(path, &lm, &d), IC_ERR_RUNTIME);
    assert_non_null(strstr(d.msg, "missing.so"));
    /* a missing symbol is named */
    ic_test_build *b = &g_builds[B_NO_DESTROY];
    if (b->status != IC_OK) fail_msg("compiling: %s", b->d.msg);
    assert_int_equal(ic_model_load(b->so, &lm, &d), IC_ERR_RUNTIME);
    if (!strstr(d.msg, "missing symbol inductc_model_destroy")) fail_msg("message: %s", d.msg);
    /* an ABI this build does not speak */
    b = &g_builds[B_ABI7];
    if (b->status != IC_OK) fail_msg("compiling: %s", b->d.msg);
    assert_int_equal(ic_model_load(b->so, &lm, &d), IC_ERR_RUNTIME);
    if (!strstr(d.msg, "model.so: ABI version 7, this inductc expects 1")) fail_msg("message: %s", d.msg);
    ic_model_unload(NULL);
}

static void test_cc_errors(void **state) {
    (void)state;
    ic_diag d = {0};
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    char c_path[600], so_path[600];
    snprintf(c_path, sizeof c_path, "%s/broken.c", ic_test_build_root());
    snprintf(so_path, sizeof so_path, "%s/broken.so", ic_test_build_root());
    const char *bad = "int f(void) { return 1 }\n";
    assert_int_equal(ic_test_write_file(c_path, bad, strlen(bad), &d), IC_OK);
    assert_int_equal(ic_cc_build(&cfg, c_path, so_path, &d), IC_ERR_COMPILE);
    if (!strstr(d.msg, "cc failed (exit 1): ") || !strstr(d.msg, "broken.c") || !strstr(d.msg, "command: "))
        fail_msg("message: %s", d.msg);
    snprintf(cfg.cc, sizeof cfg.cc, "/nonexistent/xyz-cc");
    assert_int_equal(ic_cc_build(&cfg, c_path, so_path, &d), IC_ERR_COMPILE);
    assert_string_equal(d.msg, "cannot run C compiler '/nonexistent/xyz-cc': No such file or directory");
    ic_strbuf v;
    ic_strbuf_init(&v);
    assert_int_equal(ic_cc_version(&cfg, &v, &d), IC_ERR_COMPILE);
    ic_cc_config_default(&cfg);
    assert_int_equal(ic_cc_version(&cfg, &v, &d), IC_OK);
    assert_true(v.len > 0 && !strchr(ic_strbuf_str(&v), '\n'));
    ic_strbuf_free(&v);
    /* the fingerprint names the compiler, its flags and hashes the runtime */
    ic_strbuf fp;
    ic_strbuf_init(&fp);
    assert_int_equal(ic_cc_fingerprint(&cfg, &fp, &d), IC_OK);
    assert_non_null(strstr(ic_strbuf_str(&fp), "-march=native"));
    assert_non_null(strstr(ic_strbuf_str(&fp), "rt_library="));
    assert_non_null(strstr(ic_strbuf_str(&fp), "ic_kernels.h="));
    assert_null(strstr(ic_strbuf_str(&fp), "fast-math"));
    ic_strbuf_free(&fp);
    snprintf(cfg.rt_library, sizeof cfg.rt_library, "%s/no-such-lib.a", ic_test_build_root());
    ic_strbuf_init(&fp);
    assert_int_equal(ic_cc_fingerprint(&cfg, &fp, &d), IC_ERR_IO);
    assert_non_null(strstr(d.msg, "no-such-lib.a"));
    ic_strbuf_free(&fp);
}

static void test_codegen_errors(void **state) {
    (void)state;
    ic_strbuf src, blob;
    ic_strbuf_init(&src);
    ic_strbuf_init(&blob);
    ic_diag d = {0};
    ic_codegen_options opt = {.isa = "neon", .blob_path = "/tmp/x.bin"};
    assert_int_equal(ic_codegen_emit(g_builds[B_API].g, &opt, &src, &blob, &d), IC_ERR_USAGE);
    assert_non_null(strstr(d.msg, "unknown isa 'neon'"));
    /* a blob path the assembler string cannot carry */
    opt = (ic_codegen_options){.isa = "sse", .blob_path = "/tmp/a\nb.bin"};
    assert_int_equal(ic_codegen_emit(g_builds[B_CONV].g, &opt, &src, &blob, &d), IC_ERR_UNSUPPORTED);
    ic_strbuf_free(&src);
    ic_strbuf_free(&blob);
    const char *isa = ic_isa_detect();
    assert_true(strcmp(isa, "avx512") == 0 || strcmp(isa, "avx2") == 0 || strcmp(isa, "sse") == 0);
}

/* The memory plan reuses dead buffers and views alias instead of copying. */
static void test_memplan_structure(void **state) {
    (void)state;
    ic_graph *g = ic_test_graph_new("chain");
    uint32_t v = ic_test_input(g, "x", IC_DT_F32, S1(1000));
    for (int i = 0; i < 6; i++) v = OP1N(g, IC_OP_RELU, v);
    int64_t sh[] = {10, 100};
    uint32_t r = OP1(g, IC_OP_RESHAPE, v, ic_attr_make_ints("shape", sh, 2));
    output(g, OP1N(g, IC_OP_NEG, r), "y");
    output(g, OP1(g, IC_OP_RESHAPE, v, ic_attr_make_ints("shape", sh, 2)), "z");
    float none[1] = {0};
    ic_shape s0 = S1(0);
    uint32_t e = ic_graph_add_constant(g, "empty", IC_DT_F32, &s0, none);
    assert_int_not_equal(e, IC_NONE);
    output(g, OPN(g, IC_OP_CONCAT, ((uint32_t[]){v, e}), ((ic_attr[]){ic_attr_make_int("axis", 0)})), "w");
    ic_strbuf src, blob;
    ic_strbuf_init(&src);
    ic_strbuf_init(&blob);
    ic_diag d = {0};
    ic_codegen_options opt = {.isa = "sse", .blob_path = "/unused"};
    assert_int_equal(ic_codegen_emit(g, &opt, &src, &blob, &d), IC_OK);
    const char *c = ic_strbuf_str(&src);
    const char *a = strstr(c, "#define IC_ARENA_SIZE ");
    assert_non_null(a);
    /* six 4000-byte intermediates ping-pong between two 4032-byte slots */
    assert_int_equal(strtoull(a + strlen("#define IC_ARENA_SIZE "), NULL, 10), 2 * 4032);
    assert_non_null(strstr(c, "group 6: reshape %7 aliases %6")); /* the intermediate view: no code */
    assert_null(strstr(c, "ic_k6_reshape"));
    assert_non_null(strstr(c, "ic_k8_reshape")); /* the output view: a copy */
    assert_null(strstr(c, "ic_weights"));        /* no constants, no blob */
    assert_int_equal(blob.len, 0);
    ic_strbuf_free(&src);
    ic_strbuf_free(&blob);
    ic_graph_destroy(g);
}

/* Every SLEEF block function against its double-precision reference, per ISA. */
static void test_kernels_vs_reference(void **state) {
    (void)state;
    int ids[] = {B_KCHECK, B_KCHECK_AVX2, B_KCHECK_SSE};
    for (int i = 0; i < 3; i++) {
        ic_test_build *b = &g_builds[ids[i]];
        if (b->isa && strcmp(b->isa, "avx2") == 0 && !__builtin_cpu_supports("avx2")) continue;
        if (b->status != IC_OK) fail_msg("compiling %s: %s", b->name, b->d.msg);
        void *h = dlopen(b->so, RTLD_NOW | RTLD_LOCAL);
        if (!h) fail_msg("dlopen %s: %s", b->so, dlerror());
        int (*check)(char *, size_t);
        void *sym = dlsym(h, "ic_kernel_check");
        assert_non_null(sym);
        memcpy(&check, &sym, sizeof check);
        char msg[256] = "";
        if (check(msg, sizeof msg) != 0) fail_msg("%s: %s", b->name, msg);
        dlclose(h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unary_f32),
        cmocka_unit_test(test_unary_int_cast),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_movement),
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_other_isas),
        cmocka_unit_test(test_run_checks),
        cmocka_unit_test(test_fake_isa_refused),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_cc_errors),
        cmocka_unit_test(test_codegen_errors),
        cmocka_unit_test(test_memplan_structure),
        cmocka_unit_test(test_kernels_vs_reference),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
