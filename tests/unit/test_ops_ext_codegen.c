/* test_ops_ext_codegen.c — generated C against the reference interpreter for
 * the ops of the ONNX front end (elu ... mod, reduce_prod ... cumsum,
 * gather_elements, gather_nd, scatter_*, tile, pad, trilu, resize,
 * depth_to_space, space_to_depth, instance_norm).
 *
 * The ops are batched into a few graphs with many independent outputs (each
 * cc run costs most of a second), compiled in parallel threads through
 * ic_codegen_emit -> cc (-Wall -Wextra -Werror) -> ic_model_load, run on
 * deterministic random inputs and compared with ic_interp_run: f32 within
 * rtol 1e-5 (atol 1e-6, or 1e-5 where an op sums many terms), everything
 * else exactly. Parameterisations: odd sizes (lane tails), broadcasting,
 * negative axes and indices, duplicate indices under every scatter reduction,
 * empty dims, every resize mode and coordinate mode, every pad mode with
 * negative pads, trilu k values, both depth_to_space modes, sizes large
 * enough for the parallel paths, and one graph built for SSE. One graph
 * goes through the lowering pipeline first, so the new pointwise ops also
 * run inside fused kernels, next to the new non-fusible ops. Also: the
 * run-time index errors of the four index ops (run() fails with a message,
 * the next good run works). IC_KEEP_TMP=1 keeps the generated files. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/interp.h"
#include "runtime/loader.h"
#include "test_build.h"
#include "test_util.h"

/* ---- graph building -------------------------------------------------------------- */


#define ATTRS(...) (ic_attr[]){__VA_ARGS__}, (uint32_t)(sizeof((ic_attr[]){__VA_ARGS__}) / sizeof(ic_attr))
#define OP(g, op, ins, ...) \
    ic_test_node(g, op, (uint32_t[])ins, (uint32_t)(sizeof((uint32_t[])ins) / sizeof(uint32_t)), __VA_ARGS__)
#define IN(...) {__VA_ARGS__}
#define NOATTRS NULL, 0
#define AI(name, v) ic_attr_make_int(name, v)
#define AF(name, v) ic_attr_make_float(name, v)
#define AS(name, v) ic_attr_make_string(name, v)
#define AIS(name, ...) ic_attr_make_ints(name, (const int64_t[]){__VA_ARGS__}, sizeof((int64_t[]){__VA_ARGS__}) / 8)
#define AFS(name, ...) ic_attr_make_floats(name, (const double[]){__VA_ARGS__}, sizeof((double[]){__VA_ARGS__}) / 8)

/* Marks v as the next graph output, named "<op>_<n>". */
static void out(ic_graph *g, uint32_t v) {
    char name[64];
    snprintf(name, sizeof name, "%s_%u", ic_op_get(g->nodes[g->values[v].producer].op)->name, g->n_outputs);
    g->values[v].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, v));
}

static uint32_t constant_f32(ic_graph *g, const char *name, ic_shape s, const float *data) {
    uint32_t v = ic_graph_add_constant(g, name, IC_DT_F32, &s, data);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

/* Runs b's model and the interpreter on the same inputs and compares every
 * output: f32 within rtol 1e-5 and atol, everything else exactly. */
static void check_build(const ic_test_build *b, const ic_test_range *ranges, double atol) {
    ic_test_check_build(b, ranges, 4321, 1e-5, atol);
}

/* ---- the graphs ------------------------------------------------------------------------ */

/* Special f32 values: ties for round, NaN, infinities, signed zeros, huge and tiny. */
static const float k_special[16] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, NAN, INFINITY, -INFINITY, -0.0f, 0.0f,
                                    1e30f, -1e30f, 1e-30f, 88.0f, -100.0f};

/* Both results of topk(x) {k, axis, largest} as graph outputs. */
static void topk_out(ic_graph *g, uint32_t x, int64_t k, int64_t axis, int largest) {
    uint32_t v = OP(g, IC_OP_TOPK, IN(x), ATTRS(AI("k", k), AI("axis", axis), AI("largest", largest)));
    out(g, v);
    out(g, g->nodes[g->values[v].producer].outputs[1]);
}

static ic_graph *graph_pointwise(const char *name) {
    ic_graph *g = ic_test_graph_new(name);
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S2(3, 37));
    uint32_t sp = constant_f32(g, "special", S1(16), k_special);
    uint32_t xs = OP(g, IC_OP_ADD, IN(sp, ic_test_input(g, "zs", IC_DT_F32, S1(16))), NOATTRS); /* zs is all 0 */
    ic_op plain[] = {IC_OP_ELU,   IC_OP_SELU,  IC_OP_CELU, IC_OP_SOFTPLUS, IC_OP_SOFTSIGN, IC_OP_ROUND,
                     IC_OP_SIGN,  IC_OP_ISNAN, IC_OP_ISINF, IC_OP_SIN,     IC_OP_COS,      IC_OP_TAN,
                     IC_OP_ASIN,  IC_OP_ACOS,  IC_OP_ATAN,  IC_OP_SINH,    IC_OP_COSH,     IC_OP_ASINH,
                     IC_OP_ACOSH, IC_OP_ATANH};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        out(g, OP(g, plain[i], IN(x), NOATTRS));
        out(g, OP(g, plain[i], IN(xs), NOATTRS));
    }
    topk_out(g, xs, 16, 0, 1); /* NaN, infinities and signed zeros ranked */
    topk_out(g, xs, 16, 0, 0);
    out(g, OP(g, IC_OP_ELU, IN(x), ATTRS(AF("alpha", 0.3))));
    out(g, OP(g, IC_OP_SELU, IN(x), ATTRS(AF("alpha", 1.5), AF("gamma", 0.75))));
    out(g, OP(g, IC_OP_CELU, IN(x), ATTRS(AF("alpha", 0.4))));
    uint32_t x2 = OP(g, IC_OP_MUL, IN(x, ic_test_input(g, "two", IC_DT_F32, S0())), NOATTRS); /* halves land on ties */
    out(g, OP(g, IC_OP_ROUND, IN(OP(g, IC_OP_FLOOR, IN(x2), NOATTRS)), NOATTRS));
    uint32_t xi = ic_test_input(g, "xi", IC_DT_I32, S2(4, 19)), xl = ic_test_input(g, "xl", IC_DT_I64, S1(23));
    out(g, OP(g, IC_OP_SIGN, IN(xi), NOATTRS));
    out(g, OP(g, IC_OP_SIGN, IN(xl), NOATTRS));
    /* mod: both flavours, every dtype, broadcasting, zero divisors (integers in [-6, 6)) */
    uint32_t ib = ic_test_input(g, "ib", IC_DT_I32, S1(19)), lb = ic_test_input(g, "lb", IC_DT_I64, S2(2, 1));
    uint32_t la = ic_test_input(g, "la", IC_DT_I64, S2(2, 23)), fb = ic_test_input(g, "fb", IC_DT_F32, S2(3, 1));
    for (int fm = 0; fm < 2; fm++) {
        out(g, OP(g, IC_OP_MOD, IN(xi, ib), ATTRS(AI("fmod", fm))));
        out(g, OP(g, IC_OP_MOD, IN(la, lb), ATTRS(AI("fmod", fm))));
        out(g, OP(g, IC_OP_MOD, IN(x, fb), ATTRS(AI("fmod", fm))));
        out(g, OP(g, IC_OP_MOD, IN(xs, sp), ATTRS(AI("fmod", fm))));
    }
    /* long: chunked, parallel */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S1(40007));
    out(g, OP(g, IC_OP_SOFTPLUS, IN(big), NOATTRS));
    out(g, OP(g, IC_OP_ELU, IN(big), NOATTRS));
    return g;
}

static const ic_test_range r_pointwise[] = {{"zs", 0, 0}, {"two", 2, 2}, {"fb", -2, 2}, {"half", 0.5, 0.5}, {NULL, 0, 0}};

static ic_graph *graph_reduce(void) {
    ic_graph *g = ic_test_graph_new("ext_reduce");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(3, 4, 5, 6));
    uint32_t px = ic_test_input(g, "px", IC_DT_F32, S3(4, 5, 6)); /* near 1: products stay finite */
    uint32_t xi = ic_test_input(g, "xi", IC_DT_I32, S3(4, 5, 6)), xl = ic_test_input(g, "xl", IC_DT_I64, S2(7, 3));
    uint32_t e = ic_test_input(g, "e", IC_DT_F32, S3(2, 0, 3));
    ic_op fops[] = {IC_OP_REDUCE_L2, IC_OP_REDUCE_SUM_SQUARE, IC_OP_REDUCE_LOG_SUM_EXP};
    for (size_t i = 0; i < 3; i++) {
        out(g, OP(g, fops[i], IN(x), ATTRS(AIS("axes", 1))));
        out(g, OP(g, fops[i], IN(x), ATTRS(AIS("axes", -1), AI("keepdims", 0))));
        out(g, OP(g, fops[i], IN(x), ATTRS(AIS("axes", 0, 2))));
        out(g, OP(g, fops[i], IN(x), ATTRS(AIS("axes", 1, 3), AI("keepdims", 0))));
        out(g, OP(g, fops[i], IN(x), NOATTRS));
        out(g, OP(g, fops[i], IN(e), ATTRS(AIS("axes", 1))));
    }
    out(g, OP(g, IC_OP_REDUCE_PROD, IN(px), ATTRS(AIS("axes", 1))));
    out(g, OP(g, IC_OP_REDUCE_PROD, IN(px), ATTRS(AIS("axes", 0, -1), AI("keepdims", 0))));
    out(g, OP(g, IC_OP_REDUCE_PROD, IN(e), ATTRS(AIS("axes", 1))));
    out(g, OP(g, IC_OP_REDUCE_PROD, IN(xi), ATTRS(AIS("axes", 2))));
    out(g, OP(g, IC_OP_REDUCE_PROD, IN(xl), NOATTRS));
    out(g, OP(g, IC_OP_REDUCE_SUM_SQUARE, IN(xi), ATTRS(AIS("axes", 0, 1))));
    out(g, OP(g, IC_OP_REDUCE_SUM_SQUARE, IN(xl), ATTRS(AIS("axes", 0), AI("keepdims", 0))));
    /* log_sum_exp on NaN, infinities and huge values */
    uint32_t sp = constant_f32(g, "special", S2(4, 4), k_special);
    uint32_t mix = OP(g, IC_OP_ADD, IN(sp, ic_test_input(g, "xs", IC_DT_F32, S2(4, 4))), NOATTRS);
    out(g, OP(g, IC_OP_REDUCE_LOG_SUM_EXP, IN(mix), ATTRS(AIS("axes", 1))));
    out(g, OP(g, IC_OP_REDUCE_LOG_SUM_EXP, IN(mix), ATTRS(AIS("axes", 0))));
    out(g, OP(g, IC_OP_REDUCE_L2, IN(mix), ATTRS(AIS("axes", 1))));
    /* large: one output (parallel reduction) and many (parallel over outputs) */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S2(70, 1000));
    out(g, OP(g, IC_OP_REDUCE_SUM_SQUARE, IN(big), NOATTRS));
    out(g, OP(g, IC_OP_REDUCE_L2, IN(big), ATTRS(AIS("axes", 1))));
    out(g, OP(g, IC_OP_REDUCE_LOG_SUM_EXP, IN(big), ATTRS(AIS("axes", 0))));

    /* argmax / argmin: ties (integer-valued floats), NaN, select_last_index, every axis, ints */
    uint32_t tie = OP(g, IC_OP_CAST, IN(ic_test_input(g, "ti", IC_DT_I32, S3(5, 7, 9))), ATTRS(AS("to", "f32")));
    ic_op aops[] = {IC_OP_ARGMAX, IC_OP_ARGMIN};
    for (int i = 0; i < 2; i++)
        for (int last = 0; last < 2; last++) {
            out(g, OP(g, aops[i], IN(tie), ATTRS(AI("axis", 1), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(tie), ATTRS(AI("axis", -1), AI("keepdims", 0), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(tie), ATTRS(AI("axis", 0), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(mix), ATTRS(AI("axis", 1), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(mix), ATTRS(AI("axis", 0), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(xi), ATTRS(AI("axis", 2), AI("select_last_index", last))));
            out(g, OP(g, aops[i], IN(xl), ATTRS(AI("axis", 0), AI("keepdims", 0), AI("select_last_index", last))));
        }
    out(g, OP(g, IC_OP_ARGMAX, IN(big), ATTRS(AI("axis", 1))));
    out(g, OP(g, IC_OP_ARGMIN, IN(big), ATTRS(AI("axis", 0))));

    /* cumsum: every flag combination, inner 1 and inner > 1 (blocked), ints, long rows */
    uint32_t c3 = ic_test_input(g, "c3", IC_DT_F32, S3(3, 17, 5));
    uint32_t wide = ic_test_input(g, "wide", IC_DT_F32, S3(2, 9, 600)); /* inner 600: three blocks */
    for (int ex = 0; ex < 2; ex++)
        for (int rev = 0; rev < 2; rev++) {
            out(g, OP(g, IC_OP_CUMSUM, IN(c3), ATTRS(AI("axis", 1), AI("exclusive", ex), AI("reverse", rev))));
            out(g, OP(g, IC_OP_CUMSUM, IN(c3), ATTRS(AI("axis", -1), AI("exclusive", ex), AI("reverse", rev))));
            out(g, OP(g, IC_OP_CUMSUM, IN(xi), ATTRS(AI("axis", 0), AI("exclusive", ex), AI("reverse", rev))));
            out(g, OP(g, IC_OP_CUMSUM, IN(xl), ATTRS(AI("axis", 1), AI("exclusive", ex), AI("reverse", rev))));
        }
    out(g, OP(g, IC_OP_CUMSUM, IN(wide), ATTRS(AI("axis", 1))));
    out(g, OP(g, IC_OP_CUMSUM, IN(big), ATTRS(AI("axis", 1), AI("reverse", 1))));
    out(g, OP(g, IC_OP_CUMSUM, IN(e), ATTRS(AI("axis", 0))));
    /* topk: ties (floored values), k = 1 and k = the axis size, the selection and the heap paths
       (k above 32 on 600-long rows), rows along a middle axis, integers */
    uint32_t ties = OP(g, IC_OP_FLOOR, IN(c3), NOATTRS);
    for (int largest = 0; largest < 2; largest++) {
        topk_out(g, ties, 4, 1, largest);
        topk_out(g, c3, 17, 1, largest);
        topk_out(g, c3, 1, -1, largest);
        topk_out(g, wide, 40, -1, largest);
        topk_out(g, OP(g, IC_OP_FLOOR, IN(wide), NOATTRS), 250, 2, largest);
        topk_out(g, xi, 2, 0, largest);
        topk_out(g, xl, 3, 1, largest);
    }
    topk_out(g, big, 5, 1, 1); /* large enough to run in parallel */
    return g;
}

static const ic_test_range r_reduce[] = {{"px", 0.8, 1.25}, {"xs", -1, 1}, {"ti", 0, 4}, {"xi", -9, 9}, {NULL, 0, 0}};

static ic_graph *graph_index(void) {
    ic_graph *g = ic_test_graph_new("ext_index");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S3(4, 5, 6));
    uint32_t xh = ic_test_input(g, "xh", IC_DT_F16, S2(6, 7));
    uint32_t xb = ic_test_input(g, "xb", IC_DT_BOOL, S2(6, 7));
    uint32_t xl = ic_test_input(g, "xl", IC_DT_I64, S2(6, 7));
    /* gather_elements along every axis; indices smaller than data, negative, i32 and i64 */
    uint32_t i4 = ic_test_input(g, "i4", IC_DT_I64, S3(3, 5, 6)); /* [-4, 4) */
    uint32_t i5 = ic_test_input(g, "i5", IC_DT_I32, S3(4, 3, 2)); /* [-5, 5) */
    uint32_t i6 = ic_test_input(g, "i6", IC_DT_I64, S3(2, 5, 9)); /* [-6, 6) */
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(x, i4), NOATTRS));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(x, i5), ATTRS(AI("axis", 1))));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(x, i6), ATTRS(AI("axis", -1))));
    uint32_t j6 = ic_test_input(g, "j6", IC_DT_I32, S2(5, 7));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(xh, j6), ATTRS(AI("axis", 0))));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(xb, j6), ATTRS(AI("axis", 0))));
    /* gather_nd: k = 1, 2, 3 (scalars), batch_dims 1 and 2, negatives */
    uint32_t t1 = ic_test_input(g, "k4", IC_DT_I64, S2(3, 1)); /* [-4, 4) */
    uint32_t t2 = ic_test_input(g, "t2", IC_DT_I64, S3(2, 3, 2)); /* [-4, 4): fits dims 4 and 5 */
    uint32_t t3 = ic_test_input(g, "t3", IC_DT_I32, S2(7, 3));    /* [-4, 4) */
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, t1), NOATTRS));
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, t2), NOATTRS));
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, t3), NOATTRS));
    uint32_t b1 = ic_test_input(g, "b1", IC_DT_I64, S3(4, 3, 1)); /* [-5, 5) */
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, b1), ATTRS(AI("batch_dims", 1))));
    uint32_t b2 = ic_test_input(g, "b2", IC_DT_I64, S3(4, 5, 1)); /* [-6, 6) */
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, b2), ATTRS(AI("batch_dims", 2))));
    uint32_t tl = ic_test_input(g, "tl", IC_DT_I64, S2(9, 2));
    out(g, OP(g, IC_OP_GATHER_ND, IN(xl, tl), NOATTRS));
    out(g, OP(g, IC_OP_GATHER_ND, IN(xh, tl), NOATTRS));

    /* scatter_elements: small index ranges make duplicates; every reduction, dtype and axis */
    const char *reds[] = {"none", "add", "mul", "max", "min"};
    uint32_t u4 = ic_test_input(g, "u4", IC_DT_F32, S3(3, 5, 6));
    uint32_t d4 = ic_test_input(g, "d4", IC_DT_I64, S3(3, 5, 6)); /* [-2, 2): many duplicates along axis 0 */
    uint32_t q6 = ic_test_input(g, "q6", IC_DT_I32, S3(4, 5, 6)); /* [-3, 3): duplicates along the last axis */
    uint32_t uq = ic_test_input(g, "uq", IC_DT_F32, S3(4, 5, 6));
    uint32_t li = ic_test_input(g, "li", IC_DT_I64, S2(6, 7)), lu = ic_test_input(g, "lu", IC_DT_I64, S2(6, 7));
    for (int r = 0; r < 5; r++) {
        out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(x, d4, u4), ATTRS(AS("reduction", reds[r]))));
        out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(x, q6, uq), ATTRS(AI("axis", -1), AS("reduction", reds[r]))));
        out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(xl, li, lu), ATTRS(AI("axis", 1), AS("reduction", reds[r]))));
    }
    out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(xh, li, xh), ATTRS(AI("axis", 1))));
    out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(xb, li, xb), ATTRS(AI("axis", 0))));
    /* scatter_nd: slices, scalars (full tuples), duplicates, every reduction */
    uint32_t s1 = ic_test_input(g, "s1", IC_DT_I64, S2(6, 1)); /* [-2, 2): duplicates */
    uint32_t v1 = ic_test_input(g, "v1", IC_DT_F32, S3(6, 5, 6));
    uint32_t s3 = t3; /* full tuples: scalar updates */
    uint32_t v3 = ic_test_input(g, "v3", IC_DT_F32, S1(7));
    uint32_t sl = ic_test_input(g, "sl", IC_DT_I64, S2(8, 1)), vl = ic_test_input(g, "vl", IC_DT_I64, S2(8, 7));
    for (int r = 0; r < 5; r++) {
        out(g, OP(g, IC_OP_SCATTER_ND, IN(x, s1, v1), ATTRS(AS("reduction", reds[r]))));
        out(g, OP(g, IC_OP_SCATTER_ND, IN(x, s3, v3), ATTRS(AS("reduction", reds[r]))));
        out(g, OP(g, IC_OP_SCATTER_ND, IN(xl, sl, vl), ATTRS(AS("reduction", reds[r]))));
    }
    /* large: parallel over lines / slice blocks */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S2(64, 4000));
    uint32_t bi = ic_test_input(g, "bi", IC_DT_I64, S2(64, 4000)); /* [-6, 6) along axis 1 */
    uint32_t bu = ic_test_input(g, "bu", IC_DT_F32, S2(64, 4000));
    out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(big, bi, bu), ATTRS(AI("axis", 1), AS("reduction", "add"))));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(big, bi), ATTRS(AI("axis", 1))));
    uint32_t bs = ic_test_input(g, "bs", IC_DT_I64, S2(5, 1)), bv = ic_test_input(g, "bv", IC_DT_F32, S2(5, 4000));
    out(g, OP(g, IC_OP_SCATTER_ND, IN(big, bs, bv), ATTRS(AS("reduction", "mul"))));
    out(g, OP(g, IC_OP_GATHER_ND, IN(big, bs), NOATTRS));
    return g;
}

static const ic_test_range r_index[] = {{"i4", -4, 4}, {"k4", -4, 4}, {"i5", -5, 5}, {"t2", -4, 4}, {"t3", -4, 4}, {"b1", -5, 5},
                                {"tl", -6, 6}, {"d4", -2, 2}, {"q6", -3, 3}, {"li", -6, 6}, {"s1", -2, 2},
                                {"sl", -3, 3}, {"bs", -3, 3}, {NULL, 0, 0}};

static ic_graph *graph_layout(void) {
    ic_graph *g = ic_test_graph_new("ext_layout");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S3(3, 4, 5));
    uint32_t xu = ic_test_input(g, "xu", IC_DT_U8, S2(5, 7));
    uint32_t xh = ic_test_input(g, "xh", IC_DT_F16, S2(5, 7));
    uint32_t xl = ic_test_input(g, "xl", IC_DT_I64, S1(6));
    uint32_t x1 = ic_test_input(g, "x1", IC_DT_F32, S2(3, 1));
    /* tile */
    out(g, OP(g, IC_OP_TILE, IN(x), ATTRS(AIS("repeats", 2, 1, 3))));
    out(g, OP(g, IC_OP_TILE, IN(xu), ATTRS(AIS("repeats", 1, 4))));
    out(g, OP(g, IC_OP_TILE, IN(xl), ATTRS(AIS("repeats", 5))));
    out(g, OP(g, IC_OP_TILE, IN(x1), ATTRS(AIS("repeats", 3, 7))));
    /* pad: every mode, negative pads (crop), pads past the length (repeated reflection), every dim */
    const char *modes[] = {"constant", "reflect", "edge"};
    for (int m = 0; m < 3; m++) {
        out(g, OP(g, IC_OP_PAD, IN(x), ATTRS(AIS("pads", 1, 0, 2, 0, 3, 1), AS("mode", modes[m]), AF("value", 1.5))));
        out(g, OP(g, IC_OP_PAD, IN(x), ATTRS(AIS("pads", -1, 2, -2, 1, -1, 3), AS("mode", modes[m]))));
        out(g, OP(g, IC_OP_PAD, IN(x), ATTRS(AIS("pads", 0, 7, 9, 0, 6, 11), AS("mode", modes[m]))));
        out(g, OP(g, IC_OP_PAD, IN(xu), ATTRS(AIS("pads", 2, -3, 1, 4), AS("mode", modes[m]), AF("value", 300.0))));
        out(g, OP(g, IC_OP_PAD, IN(xh), ATTRS(AIS("pads", 1, 1, 1, 1), AS("mode", modes[m]), AF("value", -2.0))));
        out(g, OP(g, IC_OP_PAD, IN(xl), ATTRS(AIS("pads", 5, 8), AS("mode", modes[m]), AF("value", -7.9))));
        out(g, OP(g, IC_OP_PAD, IN(x1), ATTRS(AIS("pads", 0, 3, 1, 2), AS("mode", modes[m]))));
    }
    out(g, OP(g, IC_OP_PAD, IN(x), ATTRS(AIS("pads", 0, 0, -5, 0, 0, 0))));
    /* trilu: k from below the matrix to past it, batches, dtypes */
    uint32_t m = ic_test_input(g, "m", IC_DT_F32, S3(2, 5, 7));
    for (int64_t k = -6; k <= 8; k += 2) {
        out(g, OP(g, IC_OP_TRILU, IN(m), ATTRS(AI("k", k))));
        out(g, OP(g, IC_OP_TRILU, IN(m), ATTRS(AI("upper", 0), AI("k", k))));
    }
    out(g, OP(g, IC_OP_TRILU, IN(xu), ATTRS(AI("k", -1))));
    out(g, OP(g, IC_OP_TRILU, IN(xh), ATTRS(AI("upper", 0), AI("k", INT64_MAX))));
    /* depth_to_space both modes, space_to_depth, round trips, dtypes */
    uint32_t y = ic_test_input(g, "y", IC_DT_F32, S4(2, 18, 3, 5));
    out(g, OP(g, IC_OP_DEPTH_TO_SPACE, IN(y), ATTRS(AI("blocksize", 3))));
    out(g, OP(g, IC_OP_DEPTH_TO_SPACE, IN(y), ATTRS(AI("blocksize", 3), AS("mode", "CRD"))));
    out(g, OP(g, IC_OP_DEPTH_TO_SPACE, IN(y), ATTRS(AI("blocksize", 1))));
    out(g, OP(g, IC_OP_SPACE_TO_DEPTH, IN(OP(g, IC_OP_DEPTH_TO_SPACE, IN(y), ATTRS(AI("blocksize", 3)))),
              ATTRS(AI("blocksize", 3))));
    uint32_t z = ic_test_input(g, "z", IC_DT_I64, S4(1, 2, 6, 4));
    out(g, OP(g, IC_OP_SPACE_TO_DEPTH, IN(z), ATTRS(AI("blocksize", 2))));
    out(g, OP(g, IC_OP_DEPTH_TO_SPACE, IN(OP(g, IC_OP_SPACE_TO_DEPTH, IN(z), ATTRS(AI("blocksize", 2)))),
              ATTRS(AI("blocksize", 2), AS("mode", "CRD"))));
    /* large: parallel rows */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S3(8, 64, 60));
    out(g, OP(g, IC_OP_PAD, IN(big), ATTRS(AIS("pads", 0, 2, 3, 0, 1, 2), AS("mode", "reflect"))));
    out(g, OP(g, IC_OP_TILE, IN(big), ATTRS(AIS("repeats", 1, 2, 2))));
    out(g, OP(g, IC_OP_TRILU, IN(big), ATTRS(AI("k", 3))));
    out(g, OP(g, IC_OP_DEPTH_TO_SPACE, IN(ic_test_input(g, "bd", IC_DT_F32, S4(2, 64, 16, 16))), ATTRS(AI("blocksize", 4))));
    return g;
}

static ic_graph *graph_resize(void) {
    ic_graph *g = ic_test_graph_new("ext_resize");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S4(2, 3, 5, 7));
    const char *coords[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"};
    const char *nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    for (int c = 0; c < 5; c++) {
        /* linear up, down, and with explicit non-integer scales; one size of 1 */
        if (c != 4) {
            out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", coords[c]),
                                                    AIS("sizes", 2, 3, 11, 16))));
            out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", coords[c]),
                                                    AIS("sizes", 2, 3, 3, 1))));
            out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", coords[c]),
                                                    AIS("sizes", 2, 3, 8, 4), AFS("scales", 1.0, 1.0, 1.7, 0.6))));
        }
        for (int nm = 0; nm < 4; nm++) {
            out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("coordinate_transformation_mode", coords[c]),
                                                    AS("nearest_mode", nearest[nm]), AIS("sizes", 2, 3, 9, 13))));
            out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("coordinate_transformation_mode", coords[c]),
                                                    AS("nearest_mode", nearest[nm]), AIS("sizes", 2, 3, 3, 4),
                                                    AFS("scales", 1.0, 1.0, 0.6, 0.6))));
        }
    }
    /* linear over every dim (5 blending dims: the corner loop), over one middle dim, and with identity dims */
    uint32_t x5 = ic_test_input(g, "x5", IC_DT_F32, S5(2, 3, 2, 3, 4));
    out(g, OP(g, IC_OP_RESIZE, IN(x5), ATTRS(AS("mode", "linear"), AIS("sizes", 3, 5, 3, 4, 7))));
    out(g, OP(g, IC_OP_RESIZE, IN(x5), ATTRS(AS("mode", "linear"), AIS("sizes", 2, 5, 2, 3, 4))));
    out(g, OP(g, IC_OP_RESIZE, IN(x5), ATTRS(AS("mode", "linear"), AIS("sizes", 2, 3, 2, 3, 4))));
    out(g, OP(g, IC_OP_RESIZE, IN(x), ATTRS(AS("mode", "linear"), AS("coordinate_transformation_mode", "asymmetric"),
                                            AIS("sizes", 2, 3, 10, 14)))); /* integer ratio: weights 0 or 0.5 */
    /* nearest on other dtypes; 1-D */
    out(g, OP(g, IC_OP_RESIZE, IN(ic_test_input(g, "xl", IC_DT_I64, S2(3, 4))), ATTRS(AIS("sizes", 5, 9))));
    out(g, OP(g, IC_OP_RESIZE, IN(ic_test_input(g, "xu", IC_DT_U8, S1(6))), ATTRS(AIS("sizes", 13))));
    out(g, OP(g, IC_OP_RESIZE, IN(ic_test_input(g, "v", IC_DT_F32, S1(6))), ATTRS(AS("mode", "linear"), AIS("sizes", 17))));
    /* large: parallel */
    uint32_t big = ic_test_input(g, "big", IC_DT_F32, S4(1, 8, 40, 40));
    out(g, OP(g, IC_OP_RESIZE, IN(big), ATTRS(AS("mode", "linear"), AIS("sizes", 1, 8, 80, 80))));
    out(g, OP(g, IC_OP_RESIZE, IN(big), ATTRS(AIS("sizes", 1, 8, 100, 60))));
    return g;
}

static ic_graph *graph_norm(void) {
    ic_graph *g = ic_test_graph_new("ext_norm");
    uint32_t sc = ic_test_input(g, "sc", IC_DT_F32, S1(3)), bi = ic_test_input(g, "bi", IC_DT_F32, S1(3));
    out(g, OP(g, IC_OP_INSTANCE_NORM, IN(ic_test_input(g, "x3", IC_DT_F32, S3(2, 3, 17)), sc, bi), NOATTRS));
    out(g, OP(g, IC_OP_INSTANCE_NORM, IN(ic_test_input(g, "x4", IC_DT_F32, S4(2, 3, 5, 7)), sc, bi), ATTRS(AF("epsilon", 0.01))));
    out(g, OP(g, IC_OP_INSTANCE_NORM, IN(ic_test_input(g, "x5", IC_DT_F32, S5(1, 3, 2, 3, 4)), sc, bi), NOATTRS));
    out(g, OP(g, IC_OP_INSTANCE_NORM, IN(ic_test_input(g, "x2", IC_DT_F32, S2(4, 3)), sc, bi), NOATTRS));
    uint32_t s8 = ic_test_input(g, "s8", IC_DT_F32, S1(8)), b8 = ic_test_input(g, "b8", IC_DT_F32, S1(8));
    out(g, OP(g, IC_OP_INSTANCE_NORM, IN(ic_test_input(g, "big", IC_DT_F32, S4(2, 8, 40, 40)), s8, b8), NOATTRS));
    return g;
}

/* Chains through the lowering pipeline: the new pointwise ops fused with each other and with
 * existing ones, around the ops that stay kernels of their own. */
static ic_graph *graph_fused(void) {
    ic_graph *g = graph_pointwise("ext_fused");
    uint32_t x = ic_test_input(g, "fx", IC_DT_F32, S3(4, 6, 33));
    uint32_t h = OP(g, IC_OP_SOFTPLUS, IN(OP(g, IC_OP_ELU, IN(x), ATTRS(AF("alpha", 0.7)))), NOATTRS);
    h = OP(g, IC_OP_ADD, IN(h, OP(g, IC_OP_SELU, IN(x), NOATTRS)), NOATTRS);
    uint32_t m = OP(g, IC_OP_MOD, IN(h, ic_test_input(g, "fm", IC_DT_F32, S1(33))), ATTRS(AI("fmod", 1)));
    out(g, OP(g, IC_OP_SOFTSIGN, IN(OP(g, IC_OP_ROUND, IN(OP(g, IC_OP_MUL, IN(m, x), NOATTRS)), NOATTRS)), NOATTRS));
    out(g, OP(g, IC_OP_REDUCE_SUM, IN(OP(g, IC_OP_CELU, IN(h), NOATTRS)), ATTRS(AIS("axes", -1))));
    out(g, OP(g, IC_OP_SOFTMAX, IN(OP(g, IC_OP_SIGN, IN(m), NOATTRS)), NOATTRS));
    uint32_t cs = OP(g, IC_OP_CUMSUM, IN(h), ATTRS(AI("axis", 2)));
    out(g, OP(g, IC_OP_ARGMAX, IN(OP(g, IC_OP_ELU, IN(cs), NOATTRS)), ATTRS(AI("axis", 1))));
    uint32_t p = OP(g, IC_OP_PAD, IN(OP(g, IC_OP_SOFTPLUS, IN(x), NOATTRS)), ATTRS(AIS("pads", 0, 1, 2, 0, 1, 2), AS("mode", "edge")));
    out(g, OP(g, IC_OP_LAYERNORM, IN(OP(g, IC_OP_CELU, IN(p), NOATTRS)), NOATTRS));
    out(g, OP(g, IC_OP_ISNAN, IN(OP(g, IC_OP_REDUCE_LOG_SUM_EXP, IN(p), ATTRS(AIS("axes", 1)))), NOATTRS));
    /* rotary-embedding style: x cos(t) + y sin(t), and inverse functions of a squashed value */
    uint32_t th = ic_test_input(g, "th", IC_DT_F32, S1(33));
    uint32_t rot = OP(g, IC_OP_ADD, IN(OP(g, IC_OP_MUL, IN(x, OP(g, IC_OP_COS, IN(th), NOATTRS)), NOATTRS),
                                      OP(g, IC_OP_MUL, IN(h, OP(g, IC_OP_SIN, IN(th), NOATTRS)), NOATTRS)),
                       NOATTRS);
    uint32_t sq = OP(g, IC_OP_MUL, IN(OP(g, IC_OP_TANH, IN(rot), NOATTRS), ic_test_input(g, "half", IC_DT_F32, S0())),
                     NOATTRS); /* in [-1/2, 1/2]: well inside asin's and atanh's domains */
    out(g, OP(g, IC_OP_ADD, IN(OP(g, IC_OP_ATANH, IN(sq), NOATTRS), OP(g, IC_OP_ASIN, IN(sq), NOATTRS)), NOATTRS));
    return g;
}

/* The run-time index errors: one graph with each index op reading the same indices. */
static ic_graph *graph_errors(void) {
    ic_graph *g = ic_test_graph_new("ext_errors");
    uint32_t x = ic_test_input(g, "x", IC_DT_F32, S2(3, 4));
    uint32_t idx = ic_test_input(g, "idx", IC_DT_I64, S2(2, 1));
    uint32_t upd = ic_test_input(g, "upd", IC_DT_F32, S2(2, 1));
    uint32_t u4 = ic_test_input(g, "u4", IC_DT_F32, S2(2, 4));
    out(g, OP(g, IC_OP_GATHER_ELEMENTS, IN(x, idx), NOATTRS));
    out(g, OP(g, IC_OP_GATHER_ND, IN(x, idx), NOATTRS));
    out(g, OP(g, IC_OP_SCATTER_ELEMENTS, IN(x, idx, upd), ATTRS(AS("reduction", "add"))));
    out(g, OP(g, IC_OP_SCATTER_ND, IN(x, idx, u4), NOATTRS));
    return g;
}

/* ---- tests ----------------------------------------------------------------------------- */

enum { B_POINTWISE, B_POINTWISE_SSE, B_FUSED, B_REDUCE, B_INDEX, B_LAYOUT, B_RESIZE, B_NORM, B_ERRORS, N_BUILDS };
static ic_test_build g_builds[N_BUILDS];

static int setup_all(void **state) {
    (void)state;
    if (ic_test_build_root_init("ic_ops_ext") != 0) return -1;
    g_builds[B_POINTWISE].g = graph_pointwise("ext_pointwise");
    g_builds[B_POINTWISE_SSE] = (ic_test_build){.g = graph_pointwise("ext_pointwise_sse"), .isa = "sse"};
    g_builds[B_FUSED] = (ic_test_build){.g = graph_fused(), .lower = true};
    g_builds[B_REDUCE].g = graph_reduce();
    g_builds[B_INDEX].g = graph_index();
    g_builds[B_LAYOUT].g = graph_layout();
    g_builds[B_RESIZE].g = graph_resize();
    g_builds[B_NORM].g = graph_norm();
    g_builds[B_ERRORS].g = graph_errors();
    ic_test_compile_all(g_builds, N_BUILDS, "test_ops_ext_codegen");
    return 0;
}

static int teardown_all(void **state) {
    (void)state;
    for (int i = 0; i < N_BUILDS; i++) ic_graph_destroy(g_builds[i].g);
    ic_test_build_root_remove();
    return 0;
}

static void test_pointwise(void **state) {
    (void)state;
    check_build(&g_builds[B_POINTWISE], r_pointwise, 1e-6);
}

static void test_pointwise_sse(void **state) {
    (void)state;
    check_build(&g_builds[B_POINTWISE_SSE], r_pointwise, 1e-6);
}

static void test_fused(void **state) {
    (void)state;
    check_build(&g_builds[B_FUSED], r_pointwise, 1e-5);
}

static void test_reduce_scan(void **state) {
    (void)state;
    check_build(&g_builds[B_REDUCE], r_reduce, 1e-5);
}

static void test_index(void **state) {
    (void)state;
    check_build(&g_builds[B_INDEX], r_index, 1e-6);
}

static void test_layout(void **state) {
    (void)state;
    check_build(&g_builds[B_LAYOUT], NULL, 0);
}

static void test_resize(void **state) {
    (void)state;
    check_build(&g_builds[B_RESIZE], NULL, 1e-6);
}

static void test_norm(void **state) {
    (void)state;
    static const ic_test_range r[] = {{"sc", 0.5, 1.5}, {"s8", 0.5, 1.5}, {NULL, 0, 0}};
    check_build(&g_builds[B_NORM], r, 1e-5);
}

/* run() must fail with a message containing want; the interpreter agrees it is an error. */
static void expect_run_error(ic_test_live *l, const ic_graph *g, ic_tensor *in, const char *want) {
    ic_tensor outs[8], ref[8];
    ic_diag d = {0};
    int rc = ic_test_run(l, g, in, outs);
    const char *msg = l->lm.last_error(l->m);
    if (rc == 0 || !strstr(msg, want)) fail_msg("run: rc %d, message '%s', wanted '%s'", rc, msg, want);
    for (uint32_t i = 0; i < g->n_outputs; i++) ic_tensor_free(&outs[i]);
    assert_int_equal(ic_interp_run(g, in, ref, &d), IC_ERR_RUNTIME);
}

static void test_index_errors(void **state) {
    (void)state;
    ic_test_build *b = &g_builds[B_ERRORS];
    ic_test_live l;
    ic_test_open(b, &l, 2);
    const ic_graph *g = b->g;
    ic_tensor in[4], outs[8];
    ic_test_make_inputs(g, NULL, 7, in);
    int64_t *idx = in[1].data;
    idx[0] = 2, idx[1] = -3;
    assert_int_equal(ic_test_run(&l, g, in, outs), 0);
    for (uint32_t i = 0; i < g->n_outputs; i++) ic_tensor_free(&outs[i]);
    idx[1] = 3;
    expect_run_error(&l, g, in, "gather_elements %gather_elements_0: index 3 out of range for axis 0 of size 3");
    idx[1] = -4;
    expect_run_error(&l, g, in, "index -4 out of range for axis 0 of size 3");
    idx[1] = 1;
    assert_int_equal(ic_test_run(&l, g, in, outs), 0); /* the next good run works */
    for (uint32_t i = 0; i < g->n_outputs; i++) ic_tensor_free(&outs[i]);
    for (uint32_t i = 0; i < g->n_inputs; i++) ic_tensor_free(&in[i]);
    ic_test_close(&l);
}

/* Each index op's own message: a one-op model per op, built here (these compile quickly). */
static void test_index_error_messages(void **state) {
    (void)state;
    const ic_op ops[] = {IC_OP_GATHER_ND, IC_OP_SCATTER_ELEMENTS, IC_OP_SCATTER_ND};
    const char *want[] = {"gather_nd %y: index 5 out of range for axis 0 of size 3",
                          "scatter_elements %y: index 5 out of range for axis 0 of size 3",
                          "scatter_nd %y: index 5 out of range for axis 0 of size 3"};
    ic_test_build bs[3];
    for (int k = 0; k < 3; k++) {
        ic_graph *g = ic_test_graph_new(ic_op_get(ops[k])->name);
        uint32_t x = ic_test_input(g, "x", IC_DT_F32, S2(3, 4)), idx = ic_test_input(g, "idx", IC_DT_I64, S2(2, 1));
        uint32_t v = ops[k] == IC_OP_GATHER_ND ? OP(g, ops[k], IN(x, idx), NOATTRS)
                     : ops[k] == IC_OP_SCATTER_ND ? OP(g, ops[k], IN(x, idx, ic_test_input(g, "u", IC_DT_F32, S2(2, 4))), NOATTRS)
                                                  : OP(g, ops[k], IN(x, idx, ic_test_input(g, "u", IC_DT_F32, S2(2, 1))), NOATTRS);
        g->values[v].name = "y";
        assert_true(ic_graph_add_output(g, v));
        bs[k] = (ic_test_build){.g = g};
    }
    ic_test_compile_all(bs, 3, "test_index_error_messages");
    for (int k = 0; k < 3; k++) {
        ic_test_live l;
        ic_test_open(&bs[k], &l, 2);
        ic_tensor in[3];
        ic_test_make_inputs(bs[k].g, NULL, 9, in);
        int64_t *idx = in[1].data;
        idx[0] = 0, idx[1] = 5;
        expect_run_error(&l, bs[k].g, in, want[k]);
        idx[1] = -3;
        ic_tensor outs[1];
        assert_int_equal(ic_test_run(&l, bs[k].g, in, outs), 0);
        ic_tensor_free(&outs[0]);
        for (uint32_t i = 0; i < bs[k].g->n_inputs; i++) ic_tensor_free(&in[i]);
        ic_test_close(&l);
        ic_graph_destroy(bs[k].g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointwise),    cmocka_unit_test(test_pointwise_sse),
        cmocka_unit_test(test_fused),        cmocka_unit_test(test_reduce_scan),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_layout),       cmocka_unit_test(test_resize),
        cmocka_unit_test(test_norm),         cmocka_unit_test(test_index_errors),
        cmocka_unit_test(test_index_error_messages),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
