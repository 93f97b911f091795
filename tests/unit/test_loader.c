/* test_loader.c — a compiled example model through the loader, the way a
 * host program uses it: many create/destroy cycles leak nothing, two threads
 * running two instances agree bit for bit with one thread, bad run()
 * arguments are errors, a cache entry corrupted on disk is rebuilt rather
 * than loaded, and a .so with a malformed description is refused. */
#define _POSIX_C_SOURCE 200809L

#include "helpers/test_util.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cache.h"
#include "runtime/cc.h"
#include "runtime/compile.h"
#include "runtime/loader.h"

#ifndef IC_SOURCE_DIR
#define IC_SOURCE_DIR "."
#endif

static char g_tmp[256];            /* scratch directory, removed at the end */
static ic_loaded_model g_cnn;      /* examples/tiny_cnn.graph, compiled and loaded once */
static float g_x[1 * 3 * 32 * 32]; /* its input */

static int setup(void **state) {
    (void)state;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/ic_test_loader_XXXXXX");
    if (!mkdtemp(g_tmp)) return -1;
    ic_compile_options opt = {0}; /* the suite's cache ($INDUCTC_CACHE_DIR) */
    ic_compile_result res;
    ic_diag d = {0};
    if (ic_compile_file(IC_SOURCE_DIR "/examples/tiny_cnn.graph", &opt, &res, &d) != IC_OK ||
        ic_model_load(res.so_path, &g_cnn, &d) != IC_OK) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    ic_test_rng r;
    ic_test_rng_seed(&r, 5);
    for (size_t i = 0; i < sizeof g_x / sizeof g_x[0]; i++) g_x[i] = (float)ic_test_rng_uniform(&r, -1, 1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ic_model_unload(&g_cnn);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* One run of instance m on g_x into y (10 floats); the run's return code. */
static int run_cnn(inductc_model *m, float *y) {
    const inductc_model_info *info = g_cnn.info;
    inductc_tensor in = {g_x, INDUCTC_DTYPE_F32, info->inputs[0].rank, info->inputs[0].dims};
    inductc_tensor out = {y, INDUCTC_DTYPE_F32, info->outputs[0].rank, info->outputs[0].dims};
    return g_cnn.run(m, &in, 1, &out, 1);
}

static inductc_model *create_cnn(int threads) {
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = threads};
    inductc_model *m = NULL;
    if (g_cnn.create(&mo, &m) != 0) fail_msg("create: %s", g_cnn.last_error(NULL));
    return m;
}

static void test_signature(void **state) {
    (void)state;
    const inductc_model_info *info = g_cnn.info;
    assert_int_equal(info->abi_version, INDUCTC_MODEL_ABI_VERSION);
    assert_string_equal(info->name, "tiny_cnn");
    assert_int_equal(info->n_inputs, 1);
    assert_int_equal(info->n_outputs, 1);
    assert_int_equal(info->inputs[0].rank, 4);
    assert_int_equal(info->inputs[0].dims[1], 3);
    assert_int_equal(info->outputs[0].dims[1], 10);
}

/* --- bad arguments are errors, not crashes ---------------------------------------- */

static void expect_run_error(inductc_model *m, const inductc_tensor *in, uint32_t nin, const inductc_tensor *out,
                             uint32_t nout, const char *want) {
    int rc = g_cnn.run(m, in, nin, out, nout);
    const char *msg = g_cnn.last_error(m);
    if (rc == 0 || !msg || !strstr(msg, want)) fail_msg("run: rc %d, message '%s', wanted '%s'", rc, msg, want);
}

static void test_run_checks(void **state) {
    (void)state;
    inductc_model *m = create_cnn(1);
    const inductc_model_info *info = g_cnn.info;
    float y[10];
    int64_t xd[4] = {1, 3, 32, 32}, yd[2] = {1, 10}, bad[4] = {1, 3, 32, 31}, big[4] = {1, 3, 32, INT64_MAX};
    inductc_tensor in = {g_x, INDUCTC_DTYPE_F32, 4, xd}, out = {y, INDUCTC_DTYPE_F32, 2, yd};
    assert_int_equal(g_cnn.run(m, &in, 1, &out, 1), 0);

    expect_run_error(m, NULL, 1, &out, 1, "inputs is NULL");
    expect_run_error(m, &in, 1, NULL, 1, "outputs is NULL");
    expect_run_error(m, &in, 0, &out, 1, "expected 1 inputs, got 0");
    expect_run_error(m, &in, 2, &out, 1, "expected 1 inputs, got 2");
    expect_run_error(m, &in, 1, &out, 0, "expected 1 outputs, got 0");
    inductc_tensor w = in;
    w.data = NULL;
    expect_run_error(m, &w, 1, &out, 1, "data is NULL");
    w = in;
    w.dtype = INDUCTC_DTYPE_F16;
    expect_run_error(m, &w, 1, &out, 1, "expected f32[1,3,32,32], got f16[1,3,32,32]");
    w.dtype = 99;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    w.dtype = -1;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    w = in;
    w.dims = bad;
    expect_run_error(m, &w, 1, &out, 1, "got f32[1,3,32,31]");
    w.dims = big;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    w = in;
    w.dims = NULL;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    w.dims = xd;
    w.rank = -3;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    w.rank = 1000;
    expect_run_error(m, &w, 1, &out, 1, "input 'x'");
    inductc_tensor o = out;
    o.data = NULL;
    expect_run_error(m, &in, 1, &o, 1, "data is NULL");
    o = out;
    o.data = g_x; /* the output would overwrite the input */
    expect_run_error(m, &in, 1, &o, 1, "overlaps");
    /* after all that, a good run still works */
    assert_int_equal(g_cnn.run(m, &in, 1, &out, 1), 0);
    assert_int_not_equal(g_cnn.run(NULL, &in, 1, &out, 1), 0);
    assert_int_not_equal(g_cnn.create(NULL, NULL), 0);
    assert_non_null(strstr(g_cnn.last_error(NULL), "out_model is NULL"));
    (void)info;
    g_cnn.destroy(m);
}

/* --- many instances: nothing leaks -------------------------------------------------- */

/* The sanitizers' count of live heap bytes, when built with one. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static size_t heap_in_use(void) {
    if (__sanitizer_get_current_allocated_bytes) return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* small chunks in use + mmapped chunks */
}

static void cycles(int n, float *y) {
    for (int i = 0; i < n; i++) {
        inductc_model *m = create_cnn(2);
        if (i % 50 == 0 && run_cnn(m, y) != 0) fail_msg("run: %s", g_cnn.last_error(m));
        g_cnn.destroy(m);
    }
}

/* 1000 create/destroy cycles (a run every 50th): heap growth between cycle
 * 100 and cycle 1000 must stay under 16 bytes a cycle. The first 100 warm up
 * what oneDNN and OpenMP allocate once (thread pools, primitive cache). */
static void test_create_destroy_no_leak(void **state) {
    (void)state;
    float y[10];
    cycles(100, y);
    size_t before = heap_in_use();
    cycles(900, y);
    size_t after = heap_in_use();
    long growth = (long)after - (long)before;
    printf("heap in use after 100 cycles: %zu bytes; after 1000: %zu (%+ld)\n", before, after, growth);
    if (growth > 900 * 16) fail_msg("the heap grew by %ld bytes over 900 create/destroy cycles", growth);
}

/* --- two threads, two instances --------------------------------------------------------- */

typedef struct job {
    const float *want; /* the one-thread result */
    int threads;       /* OpenMP threads for the instance */
    int runs;          /* runs done */
    int bad;           /* runs that failed or differed */
} job;

static void *job_main(void *arg) {
    job *j = arg;
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = j->threads};
    inductc_model *m = NULL;
    if (g_cnn.create(&mo, &m) != 0) {
        j->bad = -1;
        return NULL;
    }
    for (int i = 0; i < 20; i++) {
        float y[10] = {0};
        if (run_cnn(m, y) != 0 || memcmp(y, j->want, sizeof y) != 0) j->bad++;
        j->runs++;
    }
    g_cnn.destroy(m);
    return NULL;
}

static void test_two_threads(void **state) {
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        float want[10];
        inductc_model *m = create_cnn(threads);
        assert_int_equal(run_cnn(m, want), 0);
        g_cnn.destroy(m);
        float sum = 0;
        for (int i = 0; i < 10; i++) sum += want[i];
        assert_float_equal(sum, 1.0, 1e-5); /* softmax */
        job jobs[2] = {{want, threads, 0, 0}, {want, threads, 0, 0}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, job_main, &jobs[i]), 0);
        for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(jobs[i].bad, 0);
            assert_int_equal(jobs[i].runs, 20);
        }
    }
}

/* --- cache entries are checked before they are loaded ------------------------------------ */

static void flip_byte(const char *path, long off) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc(c ^ 0x40, f);
    assert_int_equal(fclose(f), 0);
}

static void test_corrupt_entry_rebuilt(void **state) {
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/cache", g_tmp);
    ic_compile_options opt = {.cache_dir = dir};
    ic_compile_result r1, r2, r3;
    ic_diag d = {0};
    const char *model = IC_SOURCE_DIR "/examples/embed.graph";
    if (ic_compile_file(model, &opt, &r1, &d) != IC_OK) fail_msg("compile: %s", d.msg);
    assert_false(r1.cache_hit);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700); /* created private */
    assert_int_equal(stat(r1.so_path, &st), 0);
    assert_int_equal(st.st_mode & 022, 0);
    if (ic_compile_file(model, &opt, &r2, &d) != IC_OK) fail_msg("compile: %s", d.msg);
    assert_true(r2.cache_hit);
    assert_string_equal(r1.so_path, r2.so_path);

    /* one byte of the code changes: a structural check would not notice, the hash does */
    flip_byte(r1.so_path, (long)(st.st_size / 3));
    if (ic_compile_file(model, &opt, &r3, &d) != IC_OK) fail_msg("compile: %s", d.msg);
    assert_false(r3.cache_hit);
    assert_string_equal(r1.so_path, r3.so_path);
    ic_loaded_model lm;
    if (ic_model_load(r3.so_path, &lm, &d) != IC_OK) fail_msg("load: %s", d.msg);
    inductc_model *m = NULL;
    assert_int_equal(lm.create(NULL, &m), 0);
    lm.destroy(m);
    ic_model_unload(&lm);
    if (ic_compile_file(model, &opt, &r3, &d) != IC_OK) fail_msg("compile: %s", d.msg);
    assert_true(r3.cache_hit);

    /* an entry rewritten for another model ABI is stale */
    FILE *f = fopen(r1.so_path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, -IC_CACHE_TRAILER_SIZE + 32, SEEK_END), 0);
    fputc(INDUCTC_MODEL_ABI_VERSION + 1, f);
    fclose(f);
    if (ic_compile_file(model, &opt, &r3, &d) != IC_OK) fail_msg("compile: %s", d.msg);
    assert_false(r3.cache_hit);

    /* no lock files or build directories are left behind */
    ic_cache_entry *v;
    size_t n;
    assert_int_equal(ic_cache_list(dir, &v, &n, &d), IC_OK);
    assert_int_equal(n, 1);
    free(v);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) = 1", dir);
    assert_int_equal(system(cmd), 0);
}

/* --- a .so that lies about itself is refused --------------------------------------------- */

static void build_fake(const char *name, const char *info_body, char *so, size_t size) {
    char c[400];
    snprintf(c, sizeof c, "%s/%s.c", g_tmp, name);
    snprintf(so, size, "%s/%s.so", g_tmp, name);
    FILE *f = fopen(c, "w");
    assert_non_null(f);
    fprintf(f,
            "#include \"inductc/model.h\"\n"
            "#define E __attribute__((visibility(\"default\")))\n"
            "static const int64_t dims[2] = {2, 3};\n"
            "static const inductc_tensor_info good[1] = {{\"x\", INDUCTC_DTYPE_F32, 2, dims}};\n"
            "static const inductc_model_info info = {%s};\n"
            "E const inductc_model_info *inductc_model_query(void) { return &info; }\n"
            "E int inductc_model_create(const inductc_model_options *o, inductc_model **m) { (void)o; *m = 0; return 1; }\n"
            "E int inductc_model_run(inductc_model *m, const inductc_tensor *i, uint32_t ni, const inductc_tensor *o,\n"
            "                      uint32_t no) { (void)m; (void)i; (void)ni; (void)o; (void)no; return 1; }\n"
            "E const char *inductc_model_last_error(const inductc_model *m) { (void)m; return \"fake\"; }\n"
            "E void inductc_model_destroy(inductc_model *m) { (void)m; }\n",
            info_body);
    assert_int_equal(fclose(f), 0);
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    cfg.rt_library[0] = '\0';
    cfg.flags[cfg.n_flags++] = "-Wno-unused-variable";
    ic_diag d = {0};
    if (ic_cc_build(&cfg, c, so, &d) != IC_OK) fail_msg("cc: %s", d.msg);
}

static void expect_refused(const char *name, const char *info_body, const char *want) {
    char so[400];
    build_fake(name, info_body, so, sizeof so);
    ic_loaded_model lm;
    ic_diag d = {0};
    assert_int_equal(ic_model_load(so, &lm, &d), IC_ERR_RUNTIME);
    if (!strstr(d.msg, want)) fail_msg("%s: message '%s', wanted '%s'", name, d.msg, want);
    assert_null(lm.handle);
}

static void test_malformed_description(void **state) {
    (void)state;
    char so[400];
    build_fake("fake_ok", "1, {0}, \"sse\", \"ok\", 1, 1, good, good", so, sizeof so);
    ic_loaded_model lm;
    ic_diag d = {0};
    if (ic_model_load(so, &lm, &d) != IC_OK) fail_msg("load: %s", d.msg);
    ic_model_unload(&lm);
    expect_refused("fake_abi", "7, {0}, \"sse\", \"a\", 1, 1, good, good", "ABI version 7, this inductc expects 1");
    expect_refused("fake_null", "1, {0}, \"sse\", \"a\", 3, 1, 0, good", "3 inputs but no input table");
    expect_refused("fake_many", "1, {0}, \"sse\", \"a\", 1, 4000000000u, good, good", "4000000000 outputs");
    expect_refused("fake_name", "1, {0}, \"sse\", 0, 1, 1, good, good", "no name or isa");
    expect_refused("fake_dtype",
                   "1, {0}, \"sse\", \"a\", 1, 1, (const inductc_tensor_info[]){{\"x\", 42, 2, dims}}, good",
                   "input 0 has unknown dtype 42");
    expect_refused("fake_rank",
                   "1, {0}, \"sse\", \"a\", 1, 1, good, (const inductc_tensor_info[]){{\"y\", 1, 99, dims}}",
                   "output 0 has rank 99");
    expect_refused("fake_dims",
                   "1, {0}, \"sse\", \"a\", 1, 1, (const inductc_tensor_info[]){{\"x\", 1, 2, 0}}, good",
                   "input 0 has no dims");
    expect_refused("fake_noname",
                   "1, {0}, \"sse\", \"a\", 1, 1, (const inductc_tensor_info[]){{0, 1, 2, dims}}, good",
                   "input 0 has no name");
    expect_refused("fake_neg",
                   "1, {0}, \"sse\", \"a\", 1, 1, (const inductc_tensor_info[]){{\"x\", 1, 1, "
                   "(const int64_t[]){-5}}}, good",
                   "input 0 has a negative dimension");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_run_checks),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_create_destroy_no_leak),
        cmocka_unit_test(test_corrupt_entry_rebuilt),
        cmocka_unit_test(test_malformed_description),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
