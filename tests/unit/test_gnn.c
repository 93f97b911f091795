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
#include "test_build.h"
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

/* Marks y as the graph output named "<what>_<k>" (k: outputs so far). */
static void add_named_output(ic_graph *g, uint32_t y, const char *what) {
    char name[64];
    snprintf(name, sizeof name, "%s_%u", what, g->n_outputs);
    g->values[y].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, y));
}

/* Adds edge_aggregate and marks it as an output named "<red>_<k>". */
static uint32_t aggregate(ic_graph *g, const uint32_t *ins, uint32_t n_in, const char *red, int self, int scaled,
                          int64_t nodes) {
    ic_attr a[4] = {ic_attr_make_string("reduction", red), ic_attr_make_int("include_self", self),
                    ic_attr_make_int("scaled", scaled), ic_attr_make_int("num_nodes", nodes)};
    ic_diag d = {0};
    uint32_t y = ic_graph_build(g, IC_OP_EDGE_AGGREGATE, ins, n_in, a, 4, &d);
    if (y == IC_NONE) fail_msg("edge_aggregate: %s", d.msg);
    add_named_output(g, y, red);
    return y;
}

/* Compiles g (through the pipeline and the cache) and runs it on in; returns
 * run()'s code (0 ok) and the error text in err. outs are allocated here. */
static int compile_run(ic_graph *g, const ic_tensor *in, ic_tensor *outs, char *err, size_t err_size) {
    ic_compile_options opt = {0};
    ic_compile_result res;
    ic_diag d = {0};
    if (ic_compile_graph(g, &opt, &res, &d) != IC_OK) fail_msg("compile %s: %s", g->name, d.msg);
    ic_test_live l;
    if (ic_model_load(res.so_path, &l.lm, &d) != IC_OK) fail_msg("load: %s", d.msg);
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = 2};
    if (l.lm.create(&mo, &l.m) != 0) fail_msg("create: %s", l.lm.last_error(NULL));
    int rc = ic_test_run(&l, g, in, outs);
    snprintf(err, err_size, "%s", rc ? l.lm.last_error(l.m) : "");
    ic_test_close(&l);
    return rc;
}

static void free_all(ic_tensor *t, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) ic_tensor_free(&t[i]);
}

static ic_tensor load_npy(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, FIX "%s", name);
    ic_tensor t;
    ic_diag d = {0};
    if (ic_npy_read(path, &t, &d) != IC_OK) fail_msg("%s: %s", path, d.msg);
    return t;
}

static int count_op(const ic_graph *g, ic_op op, int rank) {
    int k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        k += g->nodes[i].op == op && (rank < 0 || g->values[g->nodes[i].outputs[0]].shape.rank == rank);
    return k;
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

/* Compiled vs interpreter on random inputs, except those preset names (preset[i].data set; may be NULL). */
static void check_vs_interp_with(ic_graph *g, double tol, const ic_tensor *preset) {
    ic_tensor in[16], want[64], got[64];
    ic_test_rng r;
    ic_test_rng_seed(&r, 99);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &in[i], NULL), IC_OK);
        if (preset && preset[i].data) memcpy(in[i].data, preset[i].data, ic_tensor_nbytes(&in[i]));
        else ic_test_fill(&in[i], &r, -2, 2);
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

static void check_vs_interp(ic_graph *g, double tol) { check_vs_interp_with(g, tol, NULL); }

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
        if (f) { /* a constant scale too: its CSR (with the scales sorted) is built at compile time */
            float wc[61];
            for (int i = 0; i < e; i++) wc[i] = 0.25f * (float)(i % 9) - 1.0f;
            uint32_t wv = ic_graph_add_constant(g, "wc", IC_DT_F32, &(ic_shape){.rank = 1, .dims = {e}}, wc);
            aggregate(g, (uint32_t[]){x, s, t, wv, data}, 5, "mean", 1, 1, nodes);
            aggregate(g, (uint32_t[]){x, s, t, wv}, 4, "min", 0, 1, nodes);
        }
    }
    /* no edges at all */
    uint32_t x0 = input(g, "x_e", IC_DT_F32, 2, 4, 3), d0 = input(g, "d_e", IC_DT_F32, 2, 5, 3);
    uint32_t es = const_index(g, "none_s", IC_DT_I64, NULL, 0), et = const_index(g, "none_t", IC_DT_I64, NULL, 0);
    aggregate(g, (uint32_t[]){x0, es, et}, 3, "max", 0, 0, 5);
    aggregate(g, (uint32_t[]){x0, es, et, d0}, 4, "mean", 0, 0, 5);
    check_vs_interp(g, 1e-5);
    /* constant edges: their CSR is built at compile time, except where the scale is an input (one per edge set) */
    assert_int_equal(count_op(g, IC_OP_CSR_BUILD, -1), 2);
    assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 0);
    assert_int_equal(count_op(g, IC_OP_SPMM, -1), 2 * 24 + 2 + 2);
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

    /* constant edges with a bad one: no CSR at compile time, the fused kernel fails the run */
    g = new_graph("agg_bad_const");
    x = input(g, "x", IC_DT_F32, 2, 4, 3);
    s = const_index(g, "s", IC_DT_I32, (const int64_t[]){0, 1, 2, 3, -4}, 5);
    t = const_index(g, "t", IC_DT_I32, (const int64_t[]){0, 5, 1, -7, 2}, 5);
    aggregate(g, (uint32_t[]){x, s, t}, 3, "mean", 0, 0, 6);
    ic_tensor in2[1];
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &g->values[x].shape, &in2[0], NULL), IC_OK);
    assert_int_equal(ic_interp_run(g, in2, out, &d), IC_ERR_RUNTIME);
    assert_int_not_equal(compile_run(g, in2, out, err, sizeof err), 0);
    assert_non_null(strstr(err, "edge 3 (src 3, dst -7) out of range"));
    assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 1);
    free_all(out, 1);
    free_all(in2, 1);
    ic_graph_destroy(g);
}

/* Edges as inputs: the CSR is built per run, once per distinct (src, dst, scale) and shared. F = 290 takes
 * several register blocks of features and a tail. */
static void test_kernel_input_edges(void **state) {
    (void)state;
    for (int big = 0; big < 2; big++) {
        ic_graph *g = new_graph(big ? "agg_in_large" : "agg_in_small");
        const int64_t m = big ? 3001 : 13, nodes = big ? 2500 : 17, e = big ? 70001 : 61, f = big ? 20 : 290;
        int64_t *src = malloc((size_t)e * 8), *dst = malloc((size_t)e * 8);
        make_edges(e, m, nodes, 5, src, dst);
        if (big)
            for (int64_t i = 0; i < e; i += 3) dst[i] = 17; /* one hub row */
        ic_dtype it = big ? IC_DT_I64 : IC_DT_I32;
        uint32_t x = input(g, "x", IC_DT_F32, 2, m, f), s = input(g, "src", it, 1, e, 0), t = input(g, "dst", it, 1, e, 0);
        uint32_t w = input(g, "w", IC_DT_F32, 1, e, 0), data = input(g, "data", IC_DT_F32, 2, nodes, f);
        add_all(g, x, s, t, w, data, nodes);
        ic_tensor preset[5] = {{0}};
        ic_shape es = {.rank = 1, .dims = {e}};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(ic_tensor_alloc(it, &es, &preset[1 + k], NULL), IC_OK);
            for (int64_t i = 0; i < e; i++) {
                int64_t v = k ? dst[i] : src[i];
                if (big) ((int64_t *)preset[1 + k].data)[i] = v;
                else ((int32_t *)preset[1 + k].data)[i] = (int32_t)v;
            }
        }
        check_vs_interp_with(g, big ? 1e-4 : 1e-5, preset);
        assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 0);
        assert_int_equal(count_op(g, IC_OP_CSR_BUILD, -1), 2); /* unscaled and scaled */
        assert_int_equal(count_op(g, IC_OP_SPMM, -1), 24);
        free_all(preset, 5);
        free(src), free(dst);
        ic_graph_destroy(g);
    }
}

/* spmm over a CSR the caller gives (i64, rows empty and long, cols unsorted), every reduction. */
static void test_spmm_user_csr(void **state) {
    (void)state;
    static const char *reds[] = {"sum", "mean", "max", "min"};
    const int64_t n = 301, m = 257, f = 19;
    ic_test_rng r;
    ic_test_rng_seed(&r, 3);
    int64_t rp[302], nnz = 0;
    for (int64_t i = 0; i < n; i++) {
        rp[i] = nnz;
        nnz += i % 5 == 3 ? 0 : i == 7 ? 400 : (int64_t)(ic_test_rng_next(&r) % 9);
    }
    rp[n] = nnz;
    ic_graph *g = new_graph("spmm_user");
    uint32_t x = input(g, "x", IC_DT_F32, 2, m, f), data = input(g, "data", IC_DT_F32, 2, n, f);
    uint32_t rpv = input(g, "rowptr", IC_DT_I64, 1, n + 1, 0), colv = input(g, "col", IC_DT_I64, 1, nnz, 0);
    uint32_t val = input(g, "val", IC_DT_F32, 1, nnz, 0);
    for (int k = 0; k < 4; k++)
        for (int v = 0; v < 3; v++) { /* plain, scaled with data, with data included */
            uint32_t ins[5] = {rpv, colv}, n_in = 2;
            if (v == 1) ins[n_in++] = val;
            ins[n_in++] = x;
            if (v) ins[n_in++] = data;
            ic_attr a[3] = {ic_attr_make_string("reduction", reds[k]), ic_attr_make_int("include_self", v == 2),
                            ic_attr_make_int("scaled", v == 1)};
            ic_diag d = {0};
            uint32_t y = ic_graph_build(g, IC_OP_SPMM, ins, n_in, a, 3, &d);
            if (y == IC_NONE) fail_msg("spmm: %s", d.msg);
            add_named_output(g, y, reds[k]);
        }
    ic_tensor preset[5] = {{0}};
    assert_int_equal(ic_tensor_alloc(IC_DT_I64, &g->values[rpv].shape, &preset[2], NULL), IC_OK);
    assert_int_equal(ic_tensor_alloc(IC_DT_I64, &g->values[colv].shape, &preset[3], NULL), IC_OK);
    memcpy(preset[2].data, rp, sizeof rp);
    for (int64_t k = 0; k < nnz; k++) ((int64_t *)preset[3].data)[k] = (int64_t)(ic_test_rng_next(&r) % (uint64_t)m);
    check_vs_interp_with(g, 1e-5, preset);
    /* a col out of range or a falling rowptr fails the run, as in the interpreter */
    ic_tensor in[5], out[12];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ic_tensor_alloc(g->values[g->inputs[i]].dtype, &g->values[g->inputs[i]].shape, &in[i], NULL), IC_OK);
        if (preset[i].data) memcpy(in[i].data, preset[i].data, ic_tensor_nbytes(&in[i]));
    }
    for (int bad = 0; bad < 2; bad++) {
        if (bad) ((int64_t *)in[2].data)[9] = ((int64_t *)in[2].data)[10] + 1;
        else ((int64_t *)in[3].data)[5] = m;
        ic_diag d = {0};
        assert_int_equal(ic_interp_run(g, in, out, &d), IC_ERR_RUNTIME);
        char err[256];
        assert_int_not_equal(compile_run(g, in, out, err, sizeof err), 0);
        assert_non_null(strstr(err, "rowptr must rise"));
        free_all(out, 12);
    }
    free_all(in, 5), free_all(preset, 5);
    ic_graph_destroy(g);
}

/* csr_build + spmm as a .graph user writes them: num_src beyond x's rows makes spmm check col per run. */
static void test_csr_build_user(void **state) {
    (void)state;
    static const char text[] =
        "graph \"user_csr\" {\n"
        "  input %x : f32[7,5]\n  input %src : i64[12]\n  input %dst : i64[12]\n  input %w : f32[12]\n"
        "  input %src2 : i64[12]\n"
        "  %rp : i32[5], %col : i32[12], %val : f32[12] = csr_build(%src, %dst, %w) {num_nodes=4, num_src=7}\n"
        "  %rq : i32[5], %cq : i32[12] = csr_build(%src2, %dst) {num_nodes=4, num_src=9}\n"
        "  %a : f32[4,5] = spmm(%rp, %col, %val, %x) {reduction=mean, scaled=1}\n"
        "  %b : f32[4,5] = spmm(%rq, %cq, %x) {reduction=max}\n"
        "  output %a, %b, %rp, %col, %val\n}\n";
    ic_graph *g;
    ic_diag d = {0};
    if (ic_text_parse(text, sizeof text - 1, "user_csr", NULL, &g, &d) != IC_OK) fail_msg("parse: %s", d.msg);
    ic_tensor preset[5] = {{0}};
    ic_shape es = {.rank = 1, .dims = {12}};
    static const int64_t src[12] = {0, 6, -1, 3, 3, 2, 0, -7, 5, 6, 1, 4}, dst[12] = {3, 0, 0, 3, -1, 1, 0, 3, 0, 3, 1, 0};
    for (int k = 1; k < 5; k++) { /* inputs src, dst, src2 (w stays random) */
        if (k == 3) continue;
        assert_int_equal(ic_tensor_alloc(IC_DT_I64, &es, &preset[k], NULL), IC_OK);
        memcpy(preset[k].data, k == 2 ? dst : src, sizeof src);
    }
    ((int64_t *)preset[4].data)[2] = 6, ((int64_t *)preset[4].data)[7] = 0; /* no negatives: num_src 9 would wrap them past x */
    check_vs_interp_with(g, 1e-6, preset);
    /* a src in [7, 9) passes csr_build (num_src 9) but not spmm, which knows x has 7 rows */
    ((int64_t *)preset[4].data)[4] = 8;
    ic_tensor in[5], out[5];
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &g->values[g->inputs[0]].shape, &in[0], NULL), IC_OK);
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &es, &in[3], NULL), IC_OK);
    in[1] = preset[1], in[2] = preset[2], in[4] = preset[4];
    assert_int_equal(ic_interp_run(g, in, out, &d), IC_ERR_RUNTIME);
    char err[256];
    assert_int_not_equal(compile_run(g, in, out, err, sizeof err), 0);
    assert_non_null(strstr(err, "every col be a row of x"));
    free_all(out, 5);
    ic_tensor_free(&in[0]), ic_tensor_free(&in[3]);
    free_all(preset, 5);
    ic_graph_destroy(g);
}

/* segment_reduce over sorted ids with empty segments; unsorted ids fail. */
static void test_segment_reduce(void **state) {
    (void)state;
    static const char *reds[] = {"sum", "mean", "max", "min"};
    for (int big = 0; big < 2; big++) {
        const int64_t m = big ? 5000 : 23, f = big ? 20 : 7, ns = big ? 1200 : 9;
        ic_graph *g = new_graph("segment");
        uint32_t x = input(g, "x", IC_DT_F32, 2, m, f), ids = input(g, "ids", big ? IC_DT_I64 : IC_DT_I32, 1, m, 0);
        for (int k = 0; k < 4; k++) {
            ic_attr a[2] = {ic_attr_make_string("reduction", reds[k]), ic_attr_make_int("num_segments", ns)};
            ic_diag d = {0};
            uint32_t y = ic_graph_build(g, IC_OP_SEGMENT_REDUCE, (uint32_t[]){x, ids}, 2, a, 2, &d);
            if (y == IC_NONE) fail_msg("segment_reduce: %s", d.msg);
            add_named_output(g, y, reds[k]);
        }
        ic_tensor preset[2] = {{0}};
        assert_int_equal(ic_tensor_alloc(g->values[ids].dtype, &g->values[ids].shape, &preset[1], NULL), IC_OK);
        for (int64_t k = 0; k < m; k++) { /* segments 0, 2 and the last two are empty */
            int64_t v = 1 + (k * (ns - 3)) / m;
            v += v >= 2;
            if (big) ((int64_t *)preset[1].data)[k] = v;
            else ((int32_t *)preset[1].data)[k] = (int32_t)v;
        }
        check_vs_interp_with(g, 1e-5, preset);
        ic_tensor in[2], out[4];
        assert_int_equal(ic_tensor_alloc(IC_DT_F32, &g->values[x].shape, &in[0], NULL), IC_OK);
        assert_int_equal(ic_tensor_alloc(preset[1].dtype, &preset[1].shape, &in[1], NULL), IC_OK);
        memcpy(in[1].data, preset[1].data, ic_tensor_nbytes(&in[1]));
        if (big) ((int64_t *)in[1].data)[m / 2] = 0;
        else ((int32_t *)in[1].data)[m / 2] = 0;
        ic_diag d = {0};
        assert_int_equal(ic_interp_run(g, in, out, &d), IC_ERR_RUNTIME);
        char err[256];
        assert_int_not_equal(compile_run(g, in, out, err, sizeof err), 0);
        assert_non_null(strstr(err, "sorted"));
        free_all(out, 4), free_all(in, 2), free_all(preset, 2);
        ic_graph_destroy(g);
    }
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
        assert_int_equal(count_op(g, IC_OP_EDGE_AGGREGATE, -1), 0);
        assert_int_equal(count_op(g, IC_OP_SPMM, -1), 2);
        assert_int_equal(count_op(g, IC_OP_CSR_BUILD, -1), 1); /* one CSR for both layers */
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
    assert_int_equal(count_op(g, IC_OP_SPMM, -1), 1);
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
        assert_int_equal(count_op(g, IC_OP_SPMM, -1), 2);
        assert_int_equal(count_op(g, IC_OP_CSR_BUILD, -1), 1);
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
        cmocka_unit_test(test_kernel_input_edges), cmocka_unit_test(test_spmm_user_csr),
        cmocka_unit_test(test_segment_reduce),   cmocka_unit_test(test_csr_build_user),
        cmocka_unit_test(test_pass_models),      cmocka_unit_test(test_pass_leaves_others),
        cmocka_unit_test(test_onnx_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
