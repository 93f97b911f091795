/* test_api.c — include/inductc/inductc.h, through libinductc.so as a host
 * program links it: compile + load + run an ONNX model and compare with
 * PyTorch's output (tests/fixtures/onnx/conv_bn.*), the cache handing back
 * the same file, static shapes for a dynamic input
 * (tests/fixtures/onnx/dyn_relu.onnx, written with onnx.helper: Relu over
 * [batch, 4]), and every failure as a non-zero return with a one-line
 * message from inductc_last_error(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inductc/inductc.h"
#include "runtime/npy.h"
#include "test_util.h"

static char g_cache[] = "/tmp/ic_api_cacheXXXXXX";

static void fixture(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/tests/fixtures/onnx/%s", IC_SOURCE_DIR, name);
}

static inductc_compile_options options(void) {
    inductc_compile_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.cache_dir = g_cache;
    return o;
}

/* Fails the test, showing the library's message, unless rc is 0. */
static void ok(int rc, const char *what) {
    if (rc != 0) fail_msg("%s: %s", what, inductc_last_error());
    assert_string_equal(inductc_last_error(), "");
}

/* Expects a failure whose message contains want. */
static void fails_with(int rc, const char *want) {
    assert_int_not_equal(rc, 0);
    const char *msg = inductc_last_error();
    if (!strstr(msg, want)) fail_msg("message '%s' does not mention '%s'", msg, want);
    assert_null(strchr(msg, '\n'));
}

static void test_open_run_matches_pytorch(void **state) {
    (void)state;
    char model[4096], in_path[4096], out_path[4096];
    fixture(model, sizeof model, "conv_bn.onnx");
    fixture(in_path, sizeof in_path, "conv_bn.in0.npy");
    fixture(out_path, sizeof out_path, "conv_bn.out0.npy");
    inductc_compile_options o = options();
    inductc_library *lib;
    ok(inductc_open(model, &o, &lib), "open");
    const inductc_model_info *info = inductc_library_info(lib);
    assert_int_equal(info->n_inputs, 1);
    assert_int_equal(info->n_outputs, 1);

    ic_tensor x, want, got;
    ic_diag d = {0};
    assert_int_equal(ic_npy_read(in_path, &x, &d), IC_OK);
    assert_int_equal(ic_npy_read(out_path, &want, &d), IC_OK);
    assert_int_equal(ic_tensor_alloc(want.dtype, &want.shape, &got, &d), IC_OK);
    inductc_tensor in = {x.data, info->inputs[0].dtype, info->inputs[0].rank, info->inputs[0].dims};
    inductc_tensor out = {got.data, info->outputs[0].dtype, info->outputs[0].rank, info->outputs[0].dims};

    inductc_model *m;
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = 2};
    ok(inductc_create(lib, &mo, &m), "create");
    ok(inductc_run(lib, m, &in, 1, &out, 1), "run");
    assert_true(ic_test_allclose(&got, &want, 1e-4, 1e-5, "conv_bn through inductc.h"));

    /* a mismatch is the model's own checked error, passed through */
    fails_with(inductc_run(lib, m, &in, 0, &out, 1), "input");
    inductc_destroy(lib, m);
    inductc_close(lib);

    /* compiling again finds the same cache entry */
    char a[4096], b[4096];
    ok(inductc_compile(model, &o, a, sizeof a), "compile");
    ok(inductc_compile(model, &o, b, sizeof b), "compile again");
    assert_string_equal(a, b);
    assert_int_equal(strncmp(a, g_cache, strlen(g_cache)), 0);
    fails_with(inductc_compile(model, &o, a, 8), "too small");
    ic_tensor_free(&x);
    ic_tensor_free(&want);
    ic_tensor_free(&got);
}

static void test_input_shapes(void **state) {
    (void)state;
    char model[4096];
    fixture(model, sizeof model, "dyn_relu.onnx");
    inductc_compile_options o = options();
    inductc_library *lib = (inductc_library *)&o; /* must be reset to NULL on failure */
    fails_with(inductc_open(model, &o, &lib), "dynamic dim");
    assert_null(lib);

    const int64_t dims[2] = {3, 4};
    inductc_input_shape shape = {"x", 2, dims};
    o.input_shapes = &shape;
    o.n_input_shapes = 1;
    ok(inductc_open(model, &o, &lib), "open with a static shape");
    const inductc_model_info *info = inductc_library_info(lib);
    assert_int_equal(info->inputs[0].rank, 2);
    assert_int_equal(info->inputs[0].dims[0], 3);
    float xs[12], ys[12];
    for (int i = 0; i < 12; i++) xs[i] = (float)i - 5.5f;
    inductc_tensor in = {xs, INDUCTC_DTYPE_F32, 2, dims}, out = {ys, INDUCTC_DTYPE_F32, 2, dims};
    inductc_model *m;
    ok(inductc_create(lib, NULL, &m), "create");
    ok(inductc_run(lib, m, &in, 1, &out, 1), "run");
    for (int i = 0; i < 12; i++) assert_true(ys[i] == fmaxf(xs[i], 0.0f));
    inductc_destroy(lib, m);
    inductc_close(lib);

    const int64_t bad[2] = {-1, 4};
    shape.dims = bad;
    fails_with(inductc_open(model, &o, &lib), "negative");
    shape.rank = 9;
    fails_with(inductc_open(model, &o, &lib), "rank");
    o.input_shapes = NULL;
    fails_with(inductc_open(model, &o, &lib), "NULL");
}

static void test_errors(void **state) {
    (void)state;
    inductc_compile_options o = options();
    inductc_library *lib;
    char so[4096];
    fails_with(inductc_open("/nonexistent/model.onnx", &o, &lib), "/nonexistent/model.onnx");
    assert_null(lib);

    char garbage[] = "/tmp/ic_api_garbageXXXXXX";
    int fd = mkstemp(garbage);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "graph \"g\" { %x : f32[2] = relu(%nope) }\n", 40), 40);
    close(fd);
    fails_with(inductc_compile(garbage, &o, so, sizeof so), "nope");
    fails_with(inductc_load(garbage, &lib), garbage); /* not a shared object */
    assert_null(lib);
    unlink(garbage);

    o.struct_size = 0;
    fails_with(inductc_compile(garbage, &o, so, sizeof so), "struct_size");
    fails_with(inductc_compile(NULL, NULL, so, sizeof so), "NULL");
    fails_with(inductc_load(NULL, &lib), "NULL");
    fails_with(inductc_create(NULL, NULL, NULL), "NULL");
    fails_with(inductc_run(NULL, NULL, NULL, 0, NULL, 0), "NULL");
    assert_null(inductc_library_info(NULL));
    inductc_destroy(NULL, NULL);
    inductc_close(NULL);
}

static int setup(void **state) {
    (void)state;
    return mkdtemp(g_cache) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_cache);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_run_matches_pytorch),
        cmocka_unit_test(test_input_shapes),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
