/* test_ir.c — graph building, shape inference per op, the verifier and DCE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/pipeline.h"
#include "test_util.h"

#define SHAPE(...) ic_test_shape((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})

static ic_graph *new_graph(void) {
    ic_graph *g = NULL;
    assert_int_equal(ic_graph_create(NULL, "t", &g), IC_OK);
    return g;
}

/* Asserts that value v has exactly the given type string. */
static void assert_type(ic_graph *g, uint32_t v, const char *want) {
    assert_int_not_equal(v, IC_NONE);
    char buf[128];
    ic_value_type_str(&g->values[v], buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_broadcast_pointwise(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape sa = SHAPE(2, 1, 4), sb = SHAPE(3, 1);
    uint32_t a = ic_graph_add_input(g, "a", IC_DT_F32, &sa), b = ic_graph_add_input(g, "b", IC_DT_F32, &sb);
    uint32_t ab[2] = {a, b};
    assert_type(g, ic_graph_build(g, IC_OP_ADD, ab, 2, NULL, 0, &d), "f32[2,3,4]");
    assert_type(g, ic_graph_build(g, IC_OP_LESS, ab, 2, NULL, 0, &d), "bool[2,3,4]");
    ic_shape sc = SHAPE(5);
    uint32_t c = ic_graph_add_input(g, "c", IC_DT_F32, &sc);
    uint32_t ac[2] = {a, c};
    assert_int_equal(ic_graph_build(g, IC_OP_MUL, ac, 2, NULL, 0, &d), IC_NONE);
    assert_int_equal(d.status, IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "do not broadcast"));
    ic_shape si = SHAPE(4);
    uint32_t i = ic_graph_add_input(g, "i", IC_DT_I64, &si);
    uint32_t ai[2] = {a, i};
    assert_int_equal(ic_graph_build(g, IC_OP_ADD, ai, 2, NULL, 0, &d), IC_NONE);
    assert_non_null(strstr(d.msg, "dtypes differ"));
    assert_int_equal(ic_graph_build(g, IC_OP_EXP, &i, 1, NULL, 0, &d), IC_NONE);
    assert_non_null(strstr(d.msg, "needs f32"));
    ic_attr to = ic_attr_make_string("to", "f32");
    assert_type(g, ic_graph_build(g, IC_OP_CAST, &i, 1, &to, 1, &d), "f32[4]");
    ic_graph_destroy(g);
}

static void test_reductions(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape s = SHAPE(2, 3, 4);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    int64_t axes[] = {-1, 0};
    ic_attr at[2] = {ic_attr_make_ints("axes", axes, 2), ic_attr_make_int("keepdims", 0)};
    assert_type(g, ic_graph_build(g, IC_OP_REDUCE_SUM, &x, 1, at, 2, &d), "f32[3]");
    assert_type(g, ic_graph_build(g, IC_OP_REDUCE_MAX, &x, 1, at, 1, &d), "f32[1,3,1]");
    assert_type(g, ic_graph_build(g, IC_OP_REDUCE_MEAN, &x, 1, NULL, 0, &d), "f32[1,1,1]");
    int64_t bad[] = {3};
    ic_attr ab = ic_attr_make_ints("axes", bad, 1);
    assert_int_equal(ic_graph_build(g, IC_OP_REDUCE_MIN, &x, 1, &ab, 1, &d), IC_NONE);
    assert_non_null(strstr(d.msg, "out of range"));
    ic_graph_destroy(g);
}

static void test_views(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape s = SHAPE(2, 3, 4);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    int64_t shp[] = {0, -1};
    ic_attr a = ic_attr_make_ints("shape", shp, 2);
    assert_type(g, ic_graph_build(g, IC_OP_RESHAPE, &x, 1, &a, 1, &d), "f32[2,12]");
    int64_t bad[] = {5, -1};
    a = ic_attr_make_ints("shape", bad, 2);
    assert_int_equal(ic_graph_build(g, IC_OP_RESHAPE, &x, 1, &a, 1, &d), IC_NONE);
    int64_t perm[] = {2, 0, 1};
    a = ic_attr_make_ints("perm", perm, 3);
    assert_type(g, ic_graph_build(g, IC_OP_TRANSPOSE, &x, 1, &a, 1, &d), "f32[4,2,3]");
    int64_t ax[] = {0, 3};
    a = ic_attr_make_ints("axes", ax, 2);
    uint32_t u = ic_graph_build(g, IC_OP_UNSQUEEZE, &x, 1, &a, 1, &d);
    assert_type(g, u, "f32[1,2,3,1,4]");
    assert_type(g, ic_graph_build(g, IC_OP_SQUEEZE, &u, 1, NULL, 0, &d), "f32[2,3,4]");
    assert_type(g, ic_graph_build(g, IC_OP_FLATTEN, &x, 1, NULL, 0, &d), "f32[2,12]");
    int64_t es[] = {5, 2, 1, 4};
    a = ic_attr_make_ints("shape", es, 4);
    assert_type(g, ic_graph_build(g, IC_OP_EXPAND, &x, 1, &a, 1, &d), "f32[5,2,3,4]");
    int64_t st[] = {-1, 1}, en[] = {-100, 1000}, sax[] = {2, 1}, stp[] = {-2, 1};
    ic_attr sl[4] = {ic_attr_make_ints("starts", st, 2), ic_attr_make_ints("ends", en, 2),
                     ic_attr_make_ints("axes", sax, 2), ic_attr_make_ints("steps", stp, 2)};
    assert_type(g, ic_graph_build(g, IC_OP_SLICE, &x, 1, sl, 4, &d), "f32[2,2,2]");
    uint32_t xx[3] = {x, x, x};
    ic_attr cat = ic_attr_make_int("axis", -2);
    assert_type(g, ic_graph_build(g, IC_OP_CONCAT, xx, 3, &cat, 1, &d), "f32[2,9,4]");
    int64_t sizes[] = {1, 3};
    ic_attr sp[2] = {ic_attr_make_int("axis", 2), ic_attr_make_ints("sizes", sizes, 2)};
    uint32_t node = ic_graph_add_node(g, IC_OP_SPLIT, &x, 1, 2, sp, 2);
    assert_int_equal(ic_infer_node(g, node, &d), IC_OK);
    assert_type(g, g->nodes[node].outputs[0], "f32[2,3,1]");
    assert_type(g, g->nodes[node].outputs[1], "f32[2,3,3]");
    ic_shape is = SHAPE(5, 6);
    uint32_t idx = ic_graph_add_input(g, "idx", IC_DT_I64, &is);
    uint32_t gi[2] = {x, idx};
    ic_attr gax = ic_attr_make_int("axis", 1);
    assert_type(g, ic_graph_build(g, IC_OP_GATHER, gi, 2, &gax, 1, &d), "f32[2,5,6,4]");
    ic_graph_destroy(g);
}

static void test_library_and_windows(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape sx = SHAPE(1, 8, 15, 16), sw = SHAPE(16, 4, 3, 3);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &sx), w = ic_graph_add_input(g, "w", IC_DT_F32, &sw);
    int64_t strides[] = {2, 2}, pads[] = {1, 0, 1, 2}, dil[] = {1, 2};
    ic_attr ca[4] = {ic_attr_make_ints("strides", strides, 2), ic_attr_make_ints("pads", pads, 4),
                     ic_attr_make_ints("dilations", dil, 2), ic_attr_make_int("group", 2)};
    uint32_t xw[2] = {x, w};
    /* H: (15+2-3)/2+1 = 8; W: (16+2-5)/2+1 = 7 */
    assert_type(g, ic_graph_build(g, IC_OP_CONV2D, xw, 2, ca, 4, &d), "f32[1,16,8,7]");
    ca[3] = ic_attr_make_int("group", 3);
    assert_int_equal(ic_graph_build(g, IC_OP_CONV2D, xw, 2, ca, 4, &d), IC_NONE);
    int64_t k[] = {3, 3}, ps[] = {2, 2};
    ic_attr pa[3] = {ic_attr_make_ints("kernel", k, 2), ic_attr_make_ints("strides", ps, 2),
                     ic_attr_make_int("ceil_mode", 1)};
    /* H: ceil((15-3)/2)+1 = 7; W: ceil(13/2)+1 = 8, last window starts at 14 < 16: kept */
    assert_type(g, ic_graph_build(g, IC_OP_MAX_POOL2D, &x, 1, pa, 3, &d), "f32[1,8,7,8]");
    assert_type(g, ic_graph_build(g, IC_OP_GLOBAL_AVG_POOL, &x, 1, NULL, 0, &d), "f32[1,8,1,1]");
    ic_shape sa = SHAPE(3, 1, 4, 5), sb = SHAPE(7, 5, 2), sv = SHAPE(5);
    uint32_t a = ic_graph_add_input(g, "a", IC_DT_F32, &sa), b = ic_graph_add_input(g, "b", IC_DT_F32, &sb);
    uint32_t v = ic_graph_add_input(g, "v", IC_DT_F32, &sv);
    uint32_t ab[2] = {a, b}, av[2] = {a, v}, va[2] = {v, b};
    assert_type(g, ic_graph_build(g, IC_OP_MATMUL, ab, 2, NULL, 0, &d), "f32[3,7,4,2]");
    assert_type(g, ic_graph_build(g, IC_OP_MATMUL, av, 2, NULL, 0, &d), "f32[3,1,4]");
    assert_type(g, ic_graph_build(g, IC_OP_MATMUL, va, 2, NULL, 0, &d), "f32[7,2]");
    ic_shape ga = SHAPE(6, 4), gb = SHAPE(3, 6), gc = SHAPE(3);
    uint32_t A = ic_graph_add_input(g, "A", IC_DT_F32, &ga), B = ic_graph_add_input(g, "B", IC_DT_F32, &gb);
    uint32_t C = ic_graph_add_input(g, "C", IC_DT_F32, &gc);
    ic_attr gt[2] = {ic_attr_make_int("trans_a", 1), ic_attr_make_int("trans_b", 1)};
    uint32_t abc[3] = {A, B, C};
    assert_type(g, ic_graph_build(g, IC_OP_GEMM, abc, 3, gt, 2, &d), "f32[4,3]");
    ic_graph_destroy(g);
}

static void test_verify_rejects(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape s = SHAPE(4);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    uint32_t y = ic_graph_build(g, IC_OP_RELU, &x, 1, NULL, 0, &d);
    g->values[y].name = "y";
    assert_true(ic_graph_add_output(g, y));
    assert_int_equal(ic_verify(g, &d), IC_OK);
    /* an attribute relu does not take */
    ic_attr bogus = ic_attr_make_int("alpha", 1);
    g->nodes[0].attrs = &bogus;
    g->nodes[0].n_attrs = 1;
    assert_int_equal(ic_verify(g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "unknown attribute 'alpha'"));
    g->nodes[0].n_attrs = 0;
    /* a declared shape that inference disagrees with */
    g->values[y].shape.dims[0] = 5;
    assert_int_equal(ic_verify(g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "typed f32[5]"));
    g->values[y].shape.dims[0] = 4;
    /* a use before definition */
    g->nodes[0].inputs[0] = y;
    assert_int_equal(ic_verify(g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "before it is defined"));
    ic_graph_destroy(g);
}

static void test_dce(void **state) {
    (void)state;
    ic_graph *g = new_graph();
    ic_diag d = {0};
    ic_shape s = SHAPE(4);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    ic_graph_build(g, IC_OP_EXP, &x, 1, NULL, 0, &d); /* dead */
    uint32_t y = ic_graph_build(g, IC_OP_RELU, &x, 1, NULL, 0, &d);
    g->values[y].name = "y";
    ic_graph_add_output(g, y);
    ic_pipeline_options opt = {.verify = true};
    assert_int_equal(ic_pipeline_run(g, &opt, &d), IC_OK);
    assert_int_equal(g->n_nodes, 1);
    assert_int_equal(g->nodes[0].op, IC_OP_RELU);
    assert_int_equal(g->n_values, 2);
    assert_string_equal(g->values[g->outputs[0]].name, "y");
    ic_graph_destroy(g);
}

/* An allocator that fails after a budget, to check NOMEM paths stay clean. */
static void *failing_alloc(void *ctx, size_t n) {
    int *budget = ctx;
    if ((*budget)-- <= 0) return NULL;
    return malloc(n);
}
static void failing_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

static void test_allocation_failure(void **state) {
    (void)state;
    for (int budget = 0; budget < 6; budget++) {
        int b = budget;
        ic_allocator al = {failing_alloc, failing_free, &b};
        ic_graph *g = NULL;
        if (ic_graph_create(&al, "t", &g) != IC_OK) {
            assert_null(g);
            continue;
        }
        ic_shape s = SHAPE(1000, 100);
        uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
        if (x != IC_NONE) {
            ic_diag d = {0};
            uint32_t y = IC_NONE;
            for (int i = 0; i < 2000 && (y = ic_graph_build(g, IC_OP_RELU, &x, 1, NULL, 0, &d)) != IC_NONE; i++) x = y;
            assert_int_equal(y, IC_NONE);
            assert_int_equal(d.status, IC_ERR_NOMEM);
        }
        ic_graph_destroy(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broadcast_pointwise), cmocka_unit_test(test_reductions),
        cmocka_unit_test(test_views),               cmocka_unit_test(test_library_and_windows),
        cmocka_unit_test(test_verify_rejects),      cmocka_unit_test(test_dce),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
