/* test_gnn.c — GNN message passing: the edge_aggregate op, the aggregate
 * pass and the exported GCN / GraphSAGE / GIN models (tests/fixtures/gnn,
 * written once by bench/gnn/make_fixtures.py; no torch needed here).
 *
 *   - generated CSR kernel vs the reference interpreter, every reduction,
 *     with and without data / include_self / scale, i32 and i64 indices,
 *     negative indices, empty rows, duplicate edges, self loops, odd feature
 *     sizes, and one size large enough for the parallel paths;
 *   - interpreter and kernel vs torch.scatter_reduce and index_add_ results;
 *   - run-time index errors;
 *   - the pass fires on the exported patterns (the .graph fixtures) and the
 *     interpreter gives the same results before and after; it leaves
 *     non-matching scatters alone;
 *   - the ONNX fixtures compile and match PyTorch within 1e-4 relative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/interp.h"
#include "ir/text.h"
#include "lower/pipeline.h"
#include "runtime/compile.h"
#include "runtime/loader.h"
#include "runtime/npy.h"
#include "test_util.h"

#define FIX IC_SOURCE_DIR "/tests/fixtures/gnn/"

/* ---- helpers ----------------------------------------------------------------------- */

static ic_graph *new_graph(const char *name) {
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, name, &g), IC_OK);
    return g;
}

static uint32_t input(ic_graph *g, const char *name, ic_dtype t, int rank, int64_t d0, int64_t d1) {
    ic_shape s = {.rank = rank, .dims = {d0, d1}};
    uint32_t v = ic_graph_add_input(g, name, t, &s);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static uint32_t const_index(ic_graph *g, const char *name, ic_dtype t, const int64_t *v, int64_t n) {
    ic_shape s = {.rank = 1, .dims = {n}};
    void *buf = malloc((size_t)n * 8 + 8);
    for (int64_t i = 0; i < n; i++) {
        if (t == IC_DT_I32) ((int32_t *)buf)[i] = (int32_t)v[i];
        else ((int64_t *)buf)[i] = v[i];
    }
    uint32_t id = ic_graph_add_constant(g, name, t, &s, buf);
    free(buf);
    assert_int_not_equal(id, IC_NONE);
    return id;
}

/* Adds edge_aggregate and marks it as an output named "<red>_<k>". */
static uint32_t aggregate(ic_graph *g, const uint32_t *ins, uint32_t n_in, const char *red, int self, int scaled,
                          int64_t nodes) {
    ic_attr a[4] = {ic_attr_make_string("reduction", red), ic_attr_make_int("include_self", self),
                    ic_attr_make_int("scaled", scaled), ic_attr_make_int("num_nodes", nodes)};
    ic_diag d = {0};
    uint32_t y = ic_graph_build(g, IC_OP_EDGE_AGGREGATE, ins, n_in, a, 4, &d);
    if (y == IC_NONE) fail_msg("edge_aggregate: %s", d.msg);
    char name[64];
    snprintf(name, sizeof name, "%s_%u", red, g->n_outputs);
    g->values[y].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, y));
    return y;
}

static inductc_tensor abi(const ic_tensor *t) {
    return (inductc_tensor){.data = t->data, .dtype = t->dtype, .rank = t->shape.rank, .dims = t->shape.dims};
}

/* Compiles g (through the pipeline) and runs it on in; returns run()'s code
 * (0 ok) and the error text in err. outs are allocated here. */
static int compile_run(ic_graph *g, const ic_tensor *in, ic_tensor *outs, char *err, size_t err_size) {
    ic_compile_options opt = {0};
    ic_compile_result res;
    ic_diag d = {0};
    if (ic_compile_graph(g, &opt, &res, &d) != IC_OK) fail_msg("compile %s: %s", g->name, d.msg);
    ic_loaded_model lm;
    if (ic_model_load(res.so_path, &lm, &d) != IC_OK) fail_msg("load: %s", d.msg);
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = 2};
    inductc_model *m;
    if (lm.create(&mo, &m) != 0) fail_msg("create: %s", lm.last_error(NULL));
    inductc_tensor ti[16], to[64];
    assert_true(g->n_inputs <= 16 && g->n_outputs <= 64);
    for (uint32_t i = 0; i < g->n_inputs; i++) ti[i] = abi(&in[i]);
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        const ic_value *v = &g->values[g->outputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &outs[i], NULL), IC_OK);
        memset(outs[i].data, 0xA5, ic_tensor_nbytes(&outs[i]));
        to[i] = abi(&outs[i]);
    }
    int rc = lm.run(m, ti, g->n_inputs, to, g->n_outputs);
    snprintf(err, err_size, "%s", rc ? lm.last_error(m) : "");
    lm.destroy(m);
    ic_model_unload(&lm);
    return rc;
}

static void free_all(ic_tensor *t, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) ic_tensor_free(&t[i]);
}

static ic_tensor load_npy(const char *name) {
    char path[512];
    snprintf(path, sizeof path, FIX "%s", name);
    ic_tensor t;
    ic_diag d = {0};
    if (ic_npy_read(path, &t, &d) != IC_OK) fail_msg("%s: %s", path, d.msg);
    return t;
}

/* ---- kernel vs interpreter ------------------------------------------------------------ */

/* Edges with self loops, duplicates, negative (wrapped) indices and empty rows (dst never >= nodes - 3). */
static void make_edges(int64_t e, int64_t m, int64_t nodes, uint64_t seed, int64_t *src, int64_t *dst) {
    ic_test_rng r;
    ic_test_rng_seed(&r, seed);
    for (int64_t i = 0; i < e; i++) {
        src[i] = (int64_t)(ic_test_rng_next(&r) % (uint64_t)m);
        dst[i] = (int64_t)(ic_test_rng_next(&r) % (uint64_t)(nodes - 3));
        if (i % 7 == 0) src[i] = dst[i] < m ? dst[i] : src[i];     /* self loop */
        if (i % 11 == 5) src[i] = src[i - 1], dst[i] = dst[i - 1]; /* duplicate */
        if (i % 5 == 1) src[i] -= m;                               /* negative */
        if (i % 9 == 2) dst[i] -= nodes;
    }
}

/* Every reduction x include_self x data x scale on one edge set. */
static void add_all(ic_graph *g, uint32_t x, uint32_t src, uint32_t dst, uint32_t scale, uint32_t data, int64_t nodes) {
    static const char *reds[] = {"sum", "mean", "max", "min"};
    for (int r = 0; r < 4; r++)
        for (int scaled = 0; scaled < 2; scaled++) {
            uint32_t ins[5] = {x, src, dst, scale}, k = scaled ? 4 : 3;
            aggregate(g, ins, k, reds[r], 0, scaled, nodes); /* no data: empty rows 0 */
            ins[k] = data;
            aggregate(g, ins, k + 1, reds[r], 0, scaled, nodes);
            aggregate(g, ins, k + 1, reds[r], 1, scaled, nodes);
        }
}

static void check_vs_interp(ic_graph *g, double tol) {
    ic_tensor in[16], want[64], got[64];
    ic_test_rng r;
    ic_test_rng_seed(&r, 99);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &in[i], NULL), IC_OK);
        ic_test_fill(&in[i], &r, -2, 2);
    }
    ic_diag d = {0};
    if (ic_interp_run(g, in, want, &d) != IC_OK) fail_msg("interp: %s", d.msg);
    char err[256];
    if (compile_run(g, in, got, err, sizeof err) != 0) fail_msg("run: %s", err);
    int ok = 1;
    for (uint32_t i = 0; i < g->n_outputs; i++) ok &= ic_test_allclose(&got[i], &want[i], tol, tol, g->values[g->outputs[i]].name);
    free_all(got, g->n_outputs);
    free_all(want, g->n_outputs);
    free_all(in, g->n_inputs);
    assert_true(ok);
}

static void test_kernel_small(void **state) {
    (void)state;
    ic_graph *g = new_graph("agg_small");
    const int64_t m = 13, nodes = 17, e = 61;
    int64_t src[61], dst[61];
    make_edges(e, m, nodes, 7, src, dst);
    for (int f = 0; f < 2; f++) { /* odd feature sizes: 7 and 33 (a vector plus a tail) */
        int64_t fs = f ? 33 : 7;
        char nx[8], ns[8], nd[8];
        snprintf(nx, sizeof nx, "x%d", f), snprintf(ns, sizeof ns, "w%d", f), snprintf(nd, sizeof nd, "data%d", f);
        uint32_t x = input(g, nx, IC_DT_F32, 2, m, fs), w = input(g, ns, IC_DT_F32, 1, e, 0);
        uint32_t data = input(g, nd, IC_DT_F32, 2, nodes, fs);
        ic_dtype it = f ? IC_DT_I32 : IC_DT_I64;
        uint32_t s = const_index(g, f ? "s32" : "s64", it, src, e), t = const_index(g, f ? "t32" : "t64", it, dst, e);
        add_all(g, x, s, t, w, data, nodes);
    }
    /* no edges at all */
    uint32_t x0 = input(g, "x_e", IC_DT_F32, 2, 4, 3), d0 = input(g, "d_e", IC_DT_F32, 2, 5, 3);
    uint32_t es = const_index(g, "none_s", IC_DT_I64, NULL, 0), et = const_index(g, "none_t", IC_DT_I64, NULL, 0);
    aggregate(g, (uint32_t[]){x0, es, et}, 3, "max", 0, 0, 5);
    aggregate(g, (uint32_t[]){x0, es, et, d0}, 4, "mean", 0, 0, 5);
    check_vs_interp(g, 1e-5);
    ic_graph_destroy(g);
}

static void test_kernel_large(void **state) {
    (void)state;
    ic_graph *g = new_graph("agg_large");
    const int64_t m = 3001, nodes = 2500, e = 70001, f = 20;
    int64_t *src = malloc(e * 8), *dst = malloc(e * 8);
    make_edges(e, m, nodes, 11, src, dst);
    for (int64_t i = 0; i < e; i += 3) dst[i] = 17; /* one hub row */
    uint32_t x = input(g, "x", IC_DT_F32, 2, m, f), w = input(g, "w", IC_DT_F32, 1, e, 0);
    uint32_t data = input(g, "data", IC_DT_F32, 2, nodes, f);
    uint32_t s = const_index(g, "s", IC_DT_I64, src, e);
    uint32_t tc = const_index(g, "tc", IC_DT_I64, dst, e);
    aggregate(g, (uint32_t[]){x, s, tc, w}, 4, "sum", 0, 1, nodes);
    aggregate(g, (uint32_t[]){x, s, tc, data}, 4, "mean", 1, 0, nodes);
    aggregate(g, (uint32_t[]){x, s, tc, w, data}, 5, "max", 0, 1, nodes);
    free(src), free(dst);
    check_vs_interp(g, 1e-4); /* the hub row sums 23k terms */
    ic_graph_destroy(g);
}

/* A bad index fails run() with a message, like the interpreter. */
static void test_kernel_bad_index(void **state) {
    (void)state;
    ic_graph *g = new_graph("agg_bad");
    uint32_t x = input(g, "x", IC_DT_F32, 2, 4, 3), s = input(g, "s", IC_DT_I64, 1, 5, 0), t = input(g, "t", IC_DT_I64, 1, 5, 0);
    aggregate(g, (uint32_t[]){x, s, t}, 3, "sum", 0, 0, 6);
    ic_tensor in[3], out[1];
    for (int i = 0; i < 3; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &in[i], NULL), IC_OK);
        memset(in[i].data, 0, ic_tensor_nbytes(&in[i]));
    }
    ((int64_t *)in[2].data)[3] = 6; /* dst out of range */
    ic_diag d = {0};
    assert_int_equal(ic_interp_run(g, in, out, &d), IC_ERR_RUNTIME);
    char err[256];
    assert_int_not_equal(compile_run(g, in, out, err, sizeof err), 0);
    assert_non_null(strstr(err, "out of range"));
    free_all(out, 1);
    free_all(in, 3);
    ic_graph_destroy(g);
}

/* ---- vs PyTorch -------------------------------------------------------------------------- */

static void test_vs_torch(void **state) {
    (void)state;
    ic_tensor x = load_npy("x.npy"), ei = load_npy("edge_index.npy"), w = load_npy("pt_scale.npy");
    ic_tensor data = load_npy("pt_data.npy");
    int64_t n = x.shape.dims[0], f = x.shape.dims[1], e = ei.shape.dims[1];
    ic_graph *g = new_graph("agg_torch");
    uint32_t xv = input(g, "x", IC_DT_F32, 2, n, f), sv = input(g, "src", IC_DT_I64, 1, e, 0);
    uint32_t tv = input(g, "dst", IC_DT_I64, 1, e, 0), wv = input(g, "w", IC_DT_F32, 1, e, 0);
    uint32_t dv = input(g, "data", IC_DT_F32, 2, n, f);
    static const char *reds[] = {"sum", "mean", "max", "min"}, *pt[] = {"sum", "mean", "amax", "amin"};
    for (int r = 0; r < 4; r++)
        for (int self = 1; self >= 0; self--) aggregate(g, (uint32_t[]){xv, sv, tv, wv, dv}, 5, reds[r], self, 1, n);
    aggregate(g, (uint32_t[]){xv, sv, tv}, 3, "sum", 0, 0, n); /* index_add_ into zeros */
    ic_tensor in[5] = {x, {0}, {0}, w, data};
    ic_shape es = {.rank = 1, .dims = {e}};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(ic_tensor_alloc(IC_DT_I64, &es, &in[1 + k], NULL), IC_OK);
        memcpy(in[1 + k].data, (int64_t *)ei.data + k * e, (size_t)e * 8);
    }
    ic_tensor want[9], got[9];
    ic_diag d = {0};
    if (ic_interp_run(g, in, want, &d) != IC_OK) fail_msg("interp: %s", d.msg);
    char err[256];
    if (compile_run(g, in, got, err, sizeof err) != 0) fail_msg("run: %s", err);
    int ok = 1;
    for (int i = 0; i < 9; i++) {
        char name[64];
        if (i < 8) snprintf(name, sizeof name, "pt_%s_%s.npy", pt[i / 2], i % 2 ? "noself" : "self");
        else snprintf(name, sizeof name, "pt_index_add.npy");
        ic_tensor ref = load_npy(name);
        ok &= ic_test_allclose(&want[i], &ref, 1e-5, 1e-6, name);
        ok &= ic_test_allclose(&got[i], &ref, 1e-5, 1e-6, name);
        ic_tensor_free(&ref);
    }
    free_all(want, 9), free_all(got, 9), free_all(in, 5);
    ic_tensor_free(&ei);
    ic_graph_destroy(g);
    assert_true(ok);
}

/* ---- the pass ----------------------------------------------------------------------------- */

static int count_op(const ic_graph *g, ic_op op, int rank) {
    int k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        k += g->nodes[i].op == op && (rank < 0 || g->values[g->nodes[i].outputs[0]].shape.rank == rank);
    return k;
}

static void run_to(ic_graph *g, const char *pass) {
    ic_pipeline_options po = {.verify = true, .stop_after = pass};
    ic_diag d = {0};
    if (ic_pipeline_run(g, &po, &d) != IC_OK) fail_msg("pipeline: %s", d.msg);
}

static void test_pass_models(void **state) {
    (void)state;
    static const char *models[] = {"gcn", "sage", "gin"};
    ic_tensor in[2] = {load_npy("x.npy"), load_npy("edge_index.npy")};
    for (int k = 0; k < 3; k++) {
        char path[512];
        snprintf(path, sizeof path, FIX "%s.graph", models[k]);
        ic_graph *g;
        ic_diag d = {0};
        if (ic_text_parse_file(path, NULL, &g, &d) != IC_OK) fail_msg("%s: %s", path, d.msg);
        assert_int_equal(count_op(g, IC_OP_SCATTER_ELEMENTS, 2), 2);
        ic_tensor before[1], after[1];
        if (ic_interp_run(g, in, before, &d) != IC_OK) fail_msg("interp: %s", d.msg);
        run_to(g, "aggregate");
        assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 2);
        assert_int_equal(count_op(g, IC_OP_SCATTER_ELEMENTS, 2), 0);
        assert_int_equal(count_op(g, IC_OP_GATHER, 2), 0); /* no edges x features gather left */
        if (ic_interp_run(g, in, after, &d) != IC_OK) fail_msg("interp: %s", d.msg);
        assert_true(ic_test_allclose(&after[0], &before[0], 1e-5, 1e-6, models[k]));
        ic_tensor want = {0}, got[1];
        snprintf(path, sizeof path, "%s_y.npy", models[k]);
        want = load_npy(path);
        char err[256];
        if (compile_run(g, in, got, err, sizeof err) != 0) fail_msg("run: %s", err);
        assert_true(ic_test_allclose(&got[0], &want, 1e-4, 1e-5, models[k]));
        ic_tensor_free(&want), free_all(got, 1), free_all(before, 1), free_all(after, 1);
        ic_graph_destroy(g);
    }
    free_all(in, 2);
}

/* Scatters the pass must leave alone: axis 1, reduction mul, indices not broadcast from a vector. */
static void test_pass_leaves_others(void **state) {
    (void)state;
    static const char text[] =
        "graph \"others\" {\n"
        "  input %x : f32[6,4]\n  input %src : i64[9]\n  input %dst : i64[9]\n  input %idx : i64[9,4]\n"
        "  %z : f32[6,4] = constant {value=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}\n"
        "  %g : f32[9,4] = gather(%x, %src) {axis=0}\n"
        "  %u : i64[9,1] = unsqueeze(%dst) {axes=[1]}\n"
        "  %e : i64[9,4] = expand(%u) {shape=[9,4]}\n"
        "  %mul : f32[6,4] = scatter_elements(%z, %e, %g) {axis=0, reduction=mul}\n"
        "  %raw : f32[6,4] = scatter_elements(%z, %idx, %g) {axis=0, reduction=add}\n"
        "  %ok : f32[6,4] = scatter_elements(%z, %e, %g) {axis=0, reduction=add}\n"
        "  output %mul, %raw, %ok\n}\n";
    ic_graph *g;
    ic_diag d = {0};
    if (ic_text_parse(text, sizeof text - 1, "others", NULL, &g, &d) != IC_OK) fail_msg("parse: %s", d.msg);
    run_to(g, "aggregate");
    assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 1);
    assert_int_equal(count_op(g, IC_OP_SCATTER_ELEMENTS, -1), 2);
    ic_graph_destroy(g);
}

/* ---- ONNX fixtures end to end ------------------------------------------------------------- */

static void test_onnx_models(void **state) {
    (void)state;
    static const char *models[] = {"gcn", "sage", "gin"};
    ic_tensor in[2] = {load_npy("x.npy"), load_npy("edge_index.npy")};
    for (int k = 0; k < 3; k++) {
        char path[512];
        snprintf(path, sizeof path, FIX "%s.onnx", models[k]);
        ic_graph *g;
        ic_diag d = {0};
        if (ic_compile_parse_file(path, NULL, &g, &d) != IC_OK) fail_msg("%s: %s", path, d.msg);
        ic_tensor got[1];
        char err[256];
        if (compile_run(g, in, got, err, sizeof err) != 0) fail_msg("run: %s", err);
        assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 2);
        snprintf(path, sizeof path, "%s_y.npy", models[k]);
        ic_tensor want = load_npy(path);
        assert_true(ic_test_allclose(&got[0], &want, 1e-4, 1e-5, models[k]));
        ic_tensor_free(&want), free_all(got, 1);
        ic_graph_destroy(g);
    }
    free_all(in, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_small),     cmocka_unit_test(test_kernel_large),
        cmocka_unit_test(test_kernel_bad_index), cmocka_unit_test(test_vs_torch),
        cmocka_unit_test(test_pass_models),      cmocka_unit_test(test_pass_leaves_others),
        cmocka_unit_test(test_onnx_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
