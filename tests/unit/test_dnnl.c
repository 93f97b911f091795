/* test_dnnl.c — the oneDNN path end to end: every conv / conv_transpose /
 * matmul / gemm configuration and post-op chain compiled through the whole
 * pipeline (fold_batchnorm, layout, fuse_epilogue, ...) and compared with the
 * reference interpreter on the original graph; plus what the passes decided
 * (batchnorm folded, NHWC kept between convs, epilogues fused, residual sums
 * in place), prepacked weights shared by concurrent instances, and the
 * profile and stats exports.
 *
 * Tolerances: f32 accumulation against the interpreter's double, and
 * oneDNN's polynomial eltwise approximations: |got - want| <= 1e-4 + 1e-4|want|
 * for the data here (values of order 1, K up to a few hundred). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/interp.h"
#include "lower/pipeline.h"
#include "runtime/compile.h"
#include "runtime/loader.h"
#include "test_util.h"

#define RTOL 1e-4
#define ATOL 1e-4

/* --- building graphs ---------------------------------------------------------------- */

static ic_graph *new_graph(const char *name) {
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, name, &g), IC_OK);
    return g;
}

static ic_shape s4(int64_t a, int64_t b, int64_t c, int64_t d) { return (ic_shape){.rank = 4, .dims = {a, b, c, d}}; }
static ic_shape s3(int64_t a, int64_t b, int64_t c) { return (ic_shape){.rank = 3, .dims = {a, b, c}}; }
static ic_shape s2(int64_t a, int64_t b) { return (ic_shape){.rank = 2, .dims = {a, b}}; }
static ic_shape s1(int64_t a) { return (ic_shape){.rank = 1, .dims = {a}}; }

static uint32_t input(ic_graph *g, ic_shape s) {
    char name[32];
    snprintf(name, sizeof name, "in%u", g->n_inputs);
    uint32_t v = ic_graph_add_input(g, name, IC_DT_F32, &s);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static uint32_t cst(ic_graph *g, ic_shape s, ic_test_rng *r, double lo, double hi) {
    size_t n = ic_shape_numel(&s);
    float *data = malloc((n ? n : 1) * sizeof *data);
    for (size_t i = 0; i < n; i++) data[i] = (float)ic_test_rng_uniform(r, lo, hi);
    uint32_t v = ic_graph_add_constant(g, NULL, IC_DT_F32, &s, data);
    free(data);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static uint32_t op(ic_graph *g, ic_op o, const uint32_t *in, uint32_t n_in, const ic_attr *a, uint32_t n_a) {
    ic_diag d = {0};
    uint32_t v = ic_graph_build(g, o, in, n_in, a, n_a, &d);
    if (v == IC_NONE) fail_msg("building %s: %s", ic_op_get(o)->name, d.msg);
    return v;
}
#define OP(g, o, ins, ...) \
    op(g, o, ins, sizeof(ins) / sizeof(uint32_t), (ic_attr[]){__VA_ARGS__}, sizeof((ic_attr[]){__VA_ARGS__}) / sizeof(ic_attr))
#define OP0(g, o, ins) op(g, o, ins, sizeof(ins) / sizeof(uint32_t), NULL, 0)
#define IN(...) ((uint32_t[]){__VA_ARGS__})
#define INTS(...) (const int64_t[]){__VA_ARGS__}, sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)

static void output(ic_graph *g, uint32_t v) {
    char name[32];
    snprintf(name, sizeof name, "out%u", g->n_outputs);
    g->values[v].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, v));
}

/* A conv2d with the given parameters on x; w and b random. */
typedef struct conv_cfg {
    int64_t m, kh, kw;          /* output channels, kernel */
    int64_t sh, sw;             /* strides */
    int64_t pt, pl, pb, pr;     /* pads */
    int64_t dh, dw;             /* dilations */
    int64_t group;              /* groups */
    int bias;                   /* with a bias */
} conv_cfg;

static uint32_t conv(ic_graph *g, ic_test_rng *r, uint32_t x, conv_cfg k) {
    int64_t c = g->values[x].shape.dims[1];
    uint32_t w = cst(g, s4(k.m, c / k.group, k.kh, k.kw), r, -0.5, 0.5);
    ic_attr a[] = {ic_attr_make_ints("strides", INTS(k.sh, k.sw)), ic_attr_make_ints("pads", INTS(k.pt, k.pl, k.pb, k.pr)),
                   ic_attr_make_ints("dilations", INTS(k.dh, k.dw)), ic_attr_make_int("group", k.group)};
    if (k.bias) return op(g, IC_OP_CONV2D, IN(x, w, cst(g, s1(k.m), r, -1, 1)), 3, a, 4);
    return op(g, IC_OP_CONV2D, IN(x, w), 2, a, 4);
}

/* --- compiling and comparing ----------------------------------------------------------- */

/* A compiled model and the lowered graph it came from. */
typedef struct compiled {
    ic_loaded_model lm; /* the loaded .so */
    char c_text[1 << 16]; /* the start of the generated C */
} compiled;

/* Random inputs for g. */
static ic_tensor *make_inputs(const ic_graph *g, uint64_t seed) {
    ic_test_rng r;
    ic_test_rng_seed(&r, seed);
    ic_tensor *in = calloc(g->n_inputs + 1, sizeof *in);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        ic_diag d = {0};
        const ic_value *v = &g->values[g->inputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &in[i], &d), IC_OK);
        ic_test_fill(&in[i], &r, -1.0, 1.0);
    }
    return in;
}

/* Runs an instance on inputs into freshly allocated outputs shaped like ref. */
static ic_tensor *run_model(const ic_loaded_model *lm, inductc_model *m, const ic_tensor *in, uint32_t n_in,
                            const ic_tensor *ref, uint32_t n_out) {
    inductc_tensor *ai = calloc(n_in + 1, sizeof *ai), *ao = calloc(n_out + 1, sizeof *ao);
    ic_tensor *out = calloc(n_out + 1, sizeof *out);
    for (uint32_t i = 0; i < n_in; i++) ai[i] = (inductc_tensor){in[i].data, in[i].dtype, in[i].shape.rank, in[i].shape.dims};
    for (uint32_t i = 0; i < n_out; i++) {
        ic_diag d = {0};
        assert_int_equal(ic_tensor_alloc(ref[i].dtype, &ref[i].shape, &out[i], &d), IC_OK);
        ao[i] = (inductc_tensor){out[i].data, out[i].dtype, out[i].shape.rank, out[i].shape.dims};
    }
    if (lm->run(m, ai, n_in, ao, n_out) != 0) fail_msg("run failed: %s", lm->last_error(m));
    free(ai);
    free(ao);
    return out;
}

static void free_tensors(ic_tensor *t, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) ic_tensor_free(&t[i]);
    free(t);
}

/* Interprets g, compiles it (the pipeline changes g: afterwards it is the
 * lowered graph), runs the .so on the same inputs and compares. The caller
 * unloads cm->lm. */
static void check_graph(ic_graph *g, compiled *cm, uint64_t seed) {
    uint32_t n_in = g->n_inputs, n_out = g->n_outputs;
    ic_tensor *in = make_inputs(g, seed);
    ic_tensor *ref = calloc(n_out + 1, sizeof *ref);
    ic_diag d = {0};
    if (ic_interp_run(g, in, ref, &d) != IC_OK) fail_msg("interpreter: %s", d.msg);
    char c_path[256];
    snprintf(c_path, sizeof c_path, "/tmp/ic_test_dnnl_%d_%s.c", (int)getpid(), g->name);
    ic_compile_options opt = {.emit_c = c_path};
    ic_compile_result res;
    if (ic_compile_graph(g, &opt, &res, &d) != IC_OK) fail_msg("compiling %s: %s", g->name, d.msg);
    FILE *f = fopen(c_path, "r");
    assert_non_null(f);
    size_t got = fread(cm->c_text, 1, sizeof cm->c_text - 1, f);
    cm->c_text[got] = '\0';
    fclose(f);
    remove(c_path);
    char blob[300];
    snprintf(blob, sizeof blob, "%s.blob", c_path);
    remove(blob);
    if (ic_model_load(res.so_path, &cm->lm, &d) != IC_OK) fail_msg("loading: %s", d.msg);
    inductc_model *m;
    if (cm->lm.create(NULL, &m) != 0) fail_msg("create: %s", cm->lm.last_error(NULL));
    ic_tensor *out = run_model(&cm->lm, m, in, n_in, ref, n_out);
    for (uint32_t i = 0; i < n_out; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s output %u", g->name, i);
        assert_true(ic_test_allclose(&out[i], &ref[i], RTOL, ATOL, what));
    }
    cm->lm.destroy(m);
    free_tensors(out, n_out);
    free_tensors(ref, n_out);
    free_tensors(in, n_in);
}

static int count_op(const ic_graph *g, ic_op o) {
    int k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) k += g->nodes[i].op == o;
    return k;
}

/* Nodes sharing the group of the node producing v. */
static int group_size(const ic_graph *g, uint32_t node) {
    int k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) k += g->nodes[i].group == g->nodes[node].group;
    return k;
}

static uint32_t first_node(const ic_graph *g, ic_op o) {
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == o) return i;
    fail_msg("no %s node", ic_op_get(o)->name);
    return IC_NONE;
}

/* --- tests ------------------------------------------------------------------------------ */

static void test_conv_configs(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 11);
    ic_graph *g = new_graph("convs");
    struct {
        ic_shape x;
        conv_cfg k;
    } cases[] = {
        {s4(1, 3, 17, 19), {8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},   /* padded, bias */
        {s4(2, 8, 15, 13), {16, 3, 3, 2, 2, 0, 1, 2, 0, 1, 1, 1, 0}},  /* strided, asymmetric pads, batch 2 */
        {s4(1, 6, 20, 20), {6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1}},   /* dilated */
        {s4(1, 8, 12, 12), {12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1}},  /* grouped */
        {s4(1, 16, 14, 14), {16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16, 1}}, /* depthwise, strided */
        {s4(1, 32, 7, 7), {64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1}},   /* pointwise */
        {s4(1, 4, 9, 11), {5, 5, 3, 2, 1, 2, 1, 2, 1, 1, 2, 1, 0}},    /* non-square kernel, mixed stride and dilation */
        {s4(3, 5, 8, 8), {7, 2, 2, 3, 3, 0, 0, 0, 0, 1, 1, 1, 1}},     /* stride larger than the kernel */
        {s4(1, 24, 10, 10), {24, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 24, 1}}, /* depthwise 5x5 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) output(g, conv(g, &r, input(g, cases[i].x), cases[i].k));
    /* a chain: NHWC flows from one conv to the next */
    uint32_t x = input(g, s4(1, 8, 16, 16));
    uint32_t c1 = conv(g, &r, x, (conv_cfg){16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    uint32_t c2 = conv(g, &r, c1, (conv_cfg){16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16, 1});
    output(g, conv(g, &r, c2, (conv_cfg){8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1}));
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 1);
    /* every conv is channels-last; between the chained convs no transpose is left */
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == IC_OP_CONV2D) assert_string_equal(ic_attr_str(&g->nodes[i], "layout", ""), "nhwc");
    assert_int_equal(count_op(g, IC_OP_TRANSPOSE), 2 * 10); /* one in and one out per independent case and chain */
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

static uint32_t deconv(ic_graph *g, ic_test_rng *r, uint32_t x, int64_t m, int64_t k, int64_t s, const int64_t pads[4],
                       int64_t dil, int64_t group, int64_t opad, int bias) {
    int64_t c = g->values[x].shape.dims[1];
    uint32_t w = cst(g, s4(c, m / group, k, k), r, -0.5, 0.5);
    ic_attr a[] = {ic_attr_make_ints("strides", INTS(s, s)), ic_attr_make_ints("pads", pads, 4),
                   ic_attr_make_ints("dilations", INTS(dil, dil)), ic_attr_make_int("group", group),
                   ic_attr_make_ints("output_padding", INTS(opad, opad))};
    if (bias) return op(g, IC_OP_CONV_TRANSPOSE, IN(x, w, cst(g, s1(m), r, -1, 1)), 3, a, 5);
    return op(g, IC_OP_CONV_TRANSPOSE, IN(x, w), 2, a, 5);
}

static void test_conv_transpose(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 12);
    ic_graph *g = new_graph("deconvs");
    output(g, deconv(g, &r, input(g, s4(1, 4, 5, 5)), 6, 3, 2, (int64_t[]){1, 1, 1, 1}, 1, 1, 1, 1));
    output(g, deconv(g, &r, input(g, s4(2, 6, 4, 7)), 4, 4, 2, (int64_t[]){1, 0, 1, 2}, 1, 2, 0, 0));
    output(g, deconv(g, &r, input(g, s4(1, 3, 6, 6)), 5, 3, 1, (int64_t[]){0, 0, 0, 0}, 2, 1, 0, 1));
    output(g, deconv(g, &r, input(g, s4(1, 8, 5, 5)), 8, 3, 3, (int64_t[]){1, 1, 0, 0}, 1, 8, 2, 1));
    /* conv_transpose + relu as one primitive, and batchnorm folded into it */
    uint32_t y = deconv(g, &r, input(g, s4(1, 4, 6, 6)), 6, 2, 2, (int64_t[]){0, 0, 0, 0}, 1, 2, 0, 1);
    uint32_t bn = op(g, IC_OP_BATCHNORM,
                     IN(y, cst(g, s1(6), &r, 0.5, 1.5), cst(g, s1(6), &r, -1, 1), cst(g, s1(6), &r, -1, 1),
                        cst(g, s1(6), &r, 0.5, 2)),
                     5, NULL, 0);
    output(g, OP0(g, IC_OP_RELU, IN(bn)));
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 2);
    assert_int_equal(count_op(g, IC_OP_BATCHNORM), 0);
    assert_int_equal(count_op(g, IC_OP_CONV_TRANSPOSE), 5);
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

static void test_matmul_gemm(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 13);
    ic_graph *g = new_graph("matmuls");
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, (ic_shape){.rank = 4, .dims = {2, 3, 5, 7}}), cst(g, s2(7, 4), &r, -1, 1))));
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, s2(5, 7)), input(g, s3(2, 7, 3)))));              /* broadcast a */
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, s3(4, 3, 5)), input(g, s3(4, 5, 6)))));           /* batched */
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, s1(6)), cst(g, s3(2, 6, 3), &r, -1, 1))));        /* 1-D a */
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, s3(2, 3, 6)), input(g, s1(6)))));                  /* 1-D b */
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, (ic_shape){.rank = 4, .dims = {3, 1, 2, 4}}),
                                      input(g, (ic_shape){.rank = 4, .dims = {1, 2, 4, 5}}))));  /* both broadcast */
    /* gemm: transposes, alpha, beta, C of every broadcast shape */
    uint32_t a = input(g, s2(6, 9)), at = input(g, s2(9, 6));
    uint32_t b = cst(g, s2(9, 5), &r, -1, 1), bt = cst(g, s2(5, 9), &r, -1, 1);
    ic_attr tb[] = {ic_attr_make_int("trans_b", 1)};
    ic_attr ta[] = {ic_attr_make_int("trans_a", 1), ic_attr_make_float("alpha", 0.5), ic_attr_make_float("beta", 2.0)};
    output(g, op(g, IC_OP_GEMM, IN(a, bt, cst(g, s1(5), &r, -1, 1)), 3, tb, 1));       /* Linear: C is the bias */
    output(g, op(g, IC_OP_GEMM, IN(at, b, cst(g, s2(6, 5), &r, -1, 1)), 3, ta, 3));    /* full C, scaled */
    output(g, op(g, IC_OP_GEMM, IN(at, b, cst(g, s2(6, 1), &r, -1, 1)), 3, ta, 3));    /* column C */
    output(g, op(g, IC_OP_GEMM, IN(a, input(g, s2(9, 5)), cst(g, s2(1, 5), &r, -1, 1)), 3, NULL, 0)); /* runtime B */
    output(g, OP0(g, IC_OP_GEMM, IN(a, b)));
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 3);
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* [b..., M, K] x [K, N] runs as one [b...*M, K] GEMM (sequence-first attention
 * inputs [L, 1, E] would otherwise be L matrix-vector products), its post-op
 * operands (bias, residual: all rows or none) collapsed with it. */
static void test_matmul_batch_rows(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 16);
    ic_graph *g = new_graph("batch_rows");
    uint32_t x = input(g, s3(37, 1, 24)), w = cst(g, s2(24, 40), &r, -1, 1);
    uint32_t bias = cst(g, s1(40), &r, -1, 1), res = input(g, s3(37, 1, 40));
    uint32_t y = OP0(g, IC_OP_ADD, IN(bias, OP0(g, IC_OP_MATMUL, IN(x, w))));
    output(g, OP0(g, IC_OP_RELU, IN(OP0(g, IC_OP_ADD, IN(y, res)))));                       /* bias, residual, relu */
    uint32_t x4 = input(g, (ic_shape){.rank = 4, .dims = {2, 3, 5, 24}});
    output(g, OP0(g, IC_OP_MUL, IN(OP0(g, IC_OP_MATMUL, IN(x4, w)), input(g, (ic_shape){.rank = 4, .dims = {2, 3, 5, 40}}))));
    output(g, OP0(g, IC_OP_MATMUL, IN(input(g, s3(4, 6, 24)), input(g, s2(24, 9)))));     /* run-time B */
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 6);
    assert_non_null(strstr(cm->c_text, ".a = {2, {37, 24}")); /* the [37, 1, 24] input as 37 rows */
    assert_non_null(strstr(cm->c_text, ".a = {2, {24, 24}")); /* the run-time B case */
    assert_non_null(strstr(cm->c_text, ".a = {2, {30, 24}")); /* [2, 3, 5, 24] as 30 rows */
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* One conv feeding each unary epilogue op: each pair becomes one group. */
static void test_eltwise_post_ops(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 14);
    ic_graph *g = new_graph("eltwise");
    struct {
        ic_op op;
        ic_attr a[2];
        uint32_t n;
    } cases[] = {
        {IC_OP_RELU, {{0}}, 0},
        {IC_OP_LEAKY_RELU, {ic_attr_make_float("alpha", 0.1)}, 1},
        {IC_OP_CLIP, {ic_attr_make_float("min", 0.0), ic_attr_make_float("max", 6.0)}, 2},
        {IC_OP_CLIP, {ic_attr_make_float("min", -0.5)}, 1},
        {IC_OP_SIGMOID, {{0}}, 0},
        {IC_OP_TANH, {{0}}, 0},
        {IC_OP_GELU, {{0}}, 0},
        {IC_OP_GELU, {ic_attr_make_string("approximate", "tanh")}, 1},
        {IC_OP_SILU, {{0}}, 0},
        {IC_OP_HARDSWISH, {{0}}, 0},
        {IC_OP_HARDSIGMOID, {ic_attr_make_float("alpha", 0.25), ic_attr_make_float("beta", 0.4)}, 2},
        {IC_OP_ELU, {ic_attr_make_float("alpha", 0.7)}, 1},
        {IC_OP_NEG, {{0}}, 0},
    };
    uint32_t x = input(g, s4(1, 8, 9, 9));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t c = conv(g, &r, x, (conv_cfg){8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
        output(g, op(g, cases[i].op, IN(c), 1, cases[i].a, cases[i].n));
    }
    /* matmul and gemm epilogues */
    uint32_t a = input(g, s2(4, 16));
    uint32_t mm = OP0(g, IC_OP_MATMUL, IN(a, cst(g, s2(16, 8), &r, -1, 1)));
    output(g, OP0(g, IC_OP_GELU, IN(OP0(g, IC_OP_ADD, IN(mm, cst(g, s1(8), &r, -1, 1))))));
    ic_attr tb[] = {ic_attr_make_int("trans_b", 1)};
    output(g, OP0(g, IC_OP_RELU, IN(op(g, IC_OP_GEMM, IN(a, cst(g, s2(8, 16), &r, -1, 1), cst(g, s1(8), &r, -1, 1)), 3, tb, 1))));
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 4);
    /* every library op carries its epilogue: no pointwise node is left on its own */
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if (ic_op_get(n->op)->kind != IC_KIND_POINTWISE) continue;
        assert_int_not_equal(n->group, IC_NONE);
        const ic_node *lead = NULL;
        for (uint32_t j = 0; j < g->n_nodes; j++)
            if (g->nodes[j].group == n->group && ic_op_get(g->nodes[j].op)->kind == IC_KIND_LIBRARY) lead = &g->nodes[j];
        assert_non_null(lead);
    }
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* Residual adds (sum in place or binary), per-channel scales, silu and
 * hardswish spelled as ONNX exports them, chains such as conv+add+relu. */
static void test_binary_post_ops(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 15);
    ic_graph *g = new_graph("binary");
    conv_cfg k3 = {16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, k1 = {16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
    uint32_t x = input(g, s4(1, 16, 10, 10));
    /* a bottleneck: the residual x0 dies at the add, so the sum accumulates into it */
    uint32_t x0 = OP0(g, IC_OP_RELU, IN(conv(g, &r, x, k1)));
    uint32_t y = OP0(g, IC_OP_RELU, IN(conv(g, &r, x0, k3)));
    uint32_t z = OP0(g, IC_OP_RELU, IN(OP0(g, IC_OP_ADD, IN(conv(g, &r, y, k1), x0))));
    /* the residual z stays alive (read again later): a binary add */
    uint32_t u = OP0(g, IC_OP_ADD, IN(z, conv(g, &r, z, k3)));
    uint32_t v = OP0(g, IC_OP_SUB, IN(conv(g, &r, u, k1), z));
    /* squeeze-excite: per-channel scale from a pooled branch, silu and hardswish as x * gate(x) */
    uint32_t gap = OP0(g, IC_OP_GLOBAL_AVG_POOL, IN(v));
    uint32_t se = OP0(g, IC_OP_SIGMOID, IN(conv(g, &r, gap, k1)));
    uint32_t c = conv(g, &r, v, k3);
    uint32_t sw = OP0(g, IC_OP_MUL, IN(c, OP0(g, IC_OP_SIGMOID, IN(c))));
    uint32_t scaled = OP0(g, IC_OP_MUL, IN(conv(g, &r, sw, k1), se));
    ic_attr hs[] = {ic_attr_make_float("alpha", 1.0 / 6.0), ic_attr_make_float("beta", 0.5)};
    uint32_t c2 = conv(g, &r, scaled, k3);
    uint32_t hsw = OP0(g, IC_OP_MUL, IN(op(g, IC_OP_HARDSIGMOID, IN(c2), 1, hs, 2), c2));
    uint32_t per_c = OP0(g, IC_OP_ADD, IN(conv(g, &r, hsw, k1), cst(g, s3(16, 1, 1), &r, -1, 1)));
    uint32_t scalar = OP0(g, IC_OP_MUL, IN(per_c, cst(g, (ic_shape){.rank = 0}, &r, 0.5, 1.5)));
    output(g, scalar);
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 5);
    assert_non_null(strstr(cm->c_text, "IC_RT_PO_SUM"));      /* the dead residual accumulates in place */
    assert_non_null(strstr(cm->c_text, "IC_RT_BIN_ADD"));     /* the live one is a binary add */
    assert_non_null(strstr(cm->c_text, "IC_RT_ELT_SWISH"));
    assert_non_null(strstr(cm->c_text, "IC_RT_ELT_HARDSWISH"));
    assert_non_null(strstr(cm->c_text, "IC_RT_BIN_MUL"));
    assert_int_equal(count_op(g, IC_OP_SIGMOID), 2); /* one as swish in a group, one after the SE conv */
    assert_int_equal(group_size(g, first_node(g, IC_OP_SUB)), 2);
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* What sits between convs keeps NHWC: pooling (oneDNN), concat, batchnorm
 * after a concat (a per-channel mul and add), global pooling, flatten. */
static void test_layout_between_convs(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 16);
    ic_graph *g = new_graph("layout");
    uint32_t x = input(g, s4(1, 3, 23, 23));
    uint32_t c1 = OP0(g, IC_OP_RELU, IN(conv(g, &r, x, (conv_cfg){16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1})));
    ic_attr mp[] = {ic_attr_make_ints("kernel", INTS(3, 3)), ic_attr_make_ints("strides", INTS(2, 2)),
                    ic_attr_make_int("ceil_mode", 1)};
    uint32_t p = op(g, IC_OP_MAX_POOL2D, IN(c1), 1, mp, 3);
    uint32_t e1 = conv(g, &r, p, (conv_cfg){8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1});
    uint32_t e3 = conv(g, &r, p, (conv_cfg){8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    uint32_t cat = OP(g, IC_OP_CONCAT, IN(e1, e3, p), ic_attr_make_int("axis", 1));
    uint32_t bn = op(g, IC_OP_BATCHNORM,
                     IN(cat, cst(g, s1(32), &r, 0.5, 1.5), cst(g, s1(32), &r, -1, 1), cst(g, s1(32), &r, -1, 1),
                        cst(g, s1(32), &r, 0.5, 2)),
                     5, NULL, 0);
    uint32_t act = OP0(g, IC_OP_RELU, IN(bn));
    ic_attr ap[] = {ic_attr_make_ints("kernel", INTS(2, 2)), ic_attr_make_ints("strides", INTS(2, 2)),
                    ic_attr_make_ints("pads", INTS(1, 1, 0, 0)), ic_attr_make_int("count_include_pad", 1)};
    uint32_t ap2 = op(g, IC_OP_AVG_POOL2D, IN(act), 1, ap, 4);
    ic_attr ap3[] = {ic_attr_make_ints("kernel", INTS(3, 3)), ic_attr_make_ints("pads", INTS(1, 1, 1, 1))};
    uint32_t ap4 = op(g, IC_OP_AVG_POOL2D, IN(ap2), 1, ap3, 2);
    uint32_t c4 = conv(g, &r, ap4, (conv_cfg){24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    uint32_t flat = OP(g, IC_OP_FLATTEN, IN(OP0(g, IC_OP_GLOBAL_AVG_POOL, IN(c4))), ic_attr_make_int("axis", 1));
    ic_attr tb[] = {ic_attr_make_int("trans_b", 1)};
    output(g, op(g, IC_OP_GEMM, IN(flat, cst(g, s2(10, 24), &r, -1, 1), cst(g, s1(10), &r, -1, 1)), 3, tb, 1));
    output(g, c1); /* an NCHW graph output in the middle of the NHWC chain */
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 6);
    /* transposes only at the boundaries: the input, and the NCHW copy of c1 */
    assert_int_equal(count_op(g, IC_OP_TRANSPOSE), 2);
    assert_int_equal(count_op(g, IC_OP_BATCHNORM), 0);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == IC_OP_MAX_POOL2D || g->nodes[i].op == IC_OP_AVG_POOL2D)
            assert_string_equal(ic_attr_str(&g->nodes[i], "layout", ""), "nhwc");
    assert_non_null(strstr(cm->c_text, "ic_rt_pool_create"));
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* Two instances run at once on two threads and share prepacked weights; one
 * outlives the other. Also the stats and profile exports. */
typedef struct job {
    const ic_loaded_model *lm; /* the model */
    inductc_model *m;          /* this thread's instance */
    const ic_tensor *in;       /* inputs */
    uint32_t n_in;             /* entries in in */
    const ic_tensor *ref;      /* expected outputs */
    uint32_t n_out;            /* entries in ref */
    int ok;                    /* every run matched */
} job;

static void *run_job(void *arg) {
    job *j = arg;
    j->ok = 1;
    for (int it = 0; it < 5; it++) {
        ic_tensor *out = run_model(j->lm, j->m, j->in, j->n_in, j->ref, j->n_out);
        for (uint32_t i = 0; i < j->n_out; i++) j->ok &= ic_test_allclose(&out[i], &j->ref[i], RTOL, ATOL, "concurrent");
        free_tensors(out, j->n_out);
    }
    return NULL;
}

static void test_instances_share_weights(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 17);
    ic_graph *g = new_graph("shared");
    uint32_t x = input(g, s4(1, 16, 20, 20));
    uint32_t c = OP0(g, IC_OP_RELU, IN(conv(g, &r, x, (conv_cfg){32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})));
    c = OP0(g, IC_OP_RELU, IN(conv(g, &r, c, (conv_cfg){32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1})));
    output(g, c);
    ic_tensor *in = make_inputs(g, 7);
    ic_tensor *ref = calloc(2, sizeof *ref);
    ic_diag d = {0};
    assert_int_equal(ic_interp_run(g, in, ref, &d), IC_OK);
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 7);
    inductc_model *m1, *m2;
    inductc_model_options one = {.struct_size = sizeof one, .num_threads = 1};
    assert_int_equal(cm->lm.create(&one, &m1), 0);
    assert_int_equal(cm->lm.create(&one, &m2), 0);
    inductc_model_stats_fn stats;
    *(void **)&stats = dlsym(cm->lm.handle, INDUCTC_MODEL_SYM_STATS);
    assert_non_null(stats);
    inductc_model_stats s1 = {.struct_size = sizeof s1}, s2 = {.struct_size = sizeof s2};
    assert_int_equal(stats(m1, &s1), 0);
    assert_int_equal(stats(m2, &s2), 0);
    assert_true(s1.n_primitives >= 2); /* two convs (and the input reorder, unless a fused kernel took it) */
    assert_true(s1.prepacked_bytes >= (16 * 32 * 9 + 32 * 32 * 9) * 4);
    assert_true(s1.prepacked_bytes == s2.prepacked_bytes);
    assert_true(s1.weights_bytes >= (16 * 32 * 9 + 32 * 32 * 9 + 64) * 4);
    assert_true(s1.arena_bytes >= 20 * 20 * 32 * 4);
    job j1 = {&cm->lm, m1, in, 1, ref, 1, 0}, j2 = {&cm->lm, m2, in, 1, ref, 1, 0};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, run_job, &j1), 0);
    assert_int_equal(pthread_create(&t2, NULL, run_job, &j2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_true(j1.ok && j2.ok);
    cm->lm.destroy(m1); /* m2 still uses the shared weights */
    run_job(&j2);
    assert_true(j2.ok);
    /* profile: two groups (two conv+relu), timed over 5 runs */
    inductc_model_profile_fn prof;
    inductc_model_profile_read_fn rd;
    *(void **)&prof = dlsym(cm->lm.handle, INDUCTC_MODEL_SYM_PROFILE);
    *(void **)&rd = dlsym(cm->lm.handle, INDUCTC_MODEL_SYM_PROFILE_READ);
    assert_non_null(prof);
    assert_non_null(rd);
    assert_int_equal(prof(m2, 1), 0);
    run_job(&j2);
    inductc_profile_entry e[8];
    uint32_t n = rd(m2, e, 8);
    int convs = 0;
    for (uint32_t i = 0; i < n && i < 8; i++) {
        assert_int_equal(e[i].calls, 5);
        if (strcmp(e[i].ops, "conv2d+relu") == 0) convs++, assert_true(e[i].total_ms > 0.0);
    }
    assert_int_equal(convs, 2);
    cm->lm.destroy(m2);
    free_tensors(ref, 1);
    free_tensors(in, 1);
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

/* The memory plan reuses offsets: a long chain needs about two activations. */
static void test_arena_reuse(void **state) {
    (void)state;
    ic_test_rng r;
    ic_test_rng_seed(&r, 18);
    ic_graph *g = new_graph("arena");
    uint32_t x = input(g, s4(1, 16, 32, 32));
    /* 1x1 convs: with K = 16 the values stay of order 1 through the chain */
    for (int i = 0; i < 8; i++) x = OP0(g, IC_OP_RELU, IN(conv(g, &r, x, (conv_cfg){16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1})));
    output(g, x);
    compiled *cm = calloc(1, sizeof *cm);
    check_graph(g, cm, 8);
    inductc_model *m;
    assert_int_equal(cm->lm.create(NULL, &m), 0);
    inductc_model_stats_fn stats;
    *(void **)&stats = dlsym(cm->lm.handle, INDUCTC_MODEL_SYM_STATS);
    inductc_model_stats st = {.struct_size = sizeof st};
    assert_int_equal(stats(m, &st), 0);
    uint64_t act = 16 * 32 * 32 * 4;
    assert_true(st.arena_bytes - st.scratchpad_bytes <= 2 * act); /* the NHWC input copy and one activation */
    cm->lm.destroy(m);
    ic_model_unload(&cm->lm);
    free(cm);
    ic_graph_destroy(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_configs),
        cmocka_unit_test(test_conv_transpose),
        cmocka_unit_test(test_matmul_gemm),
        cmocka_unit_test(test_matmul_batch_rows),
        cmocka_unit_test(test_eltwise_post_ops),
        cmocka_unit_test(test_binary_post_ops),
        cmocka_unit_test(test_layout_between_convs),
        cmocka_unit_test(test_instances_share_weights),
        cmocka_unit_test(test_arena_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
