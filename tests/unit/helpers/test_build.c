/* test_build.c — see test_build.h: test graphs to loaded models, checked
 * against the reference interpreter. */
#define _POSIX_C_SOURCE 200809L
#include "test_build.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "ir/interp.h"
#include "lower/pipeline.h"
#include "runtime/cc.h"
#include "runtime/isa.h"
#include "test_util.h"

static char g_root[256];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ic_test_build_root_init(const char *prefix) {
    const char *tmp = getenv("TMPDIR");
    snprintf(g_root, sizeof g_root, "%s/%s_XXXXXX", tmp && tmp[0] ? tmp : "/tmp", prefix);
    return mkdtemp(g_root) ? 0 : -1;
}

const char *ic_test_build_root(void) { return g_root; }

void ic_test_build_root_remove(void) {
    if (!g_root[0] || getenv("IC_KEEP_TMP")) return;
    char *argv[] = {"rm", "-rf", g_root, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execvp("rm", argv);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

ic_status ic_test_write_file(const char *path, const void *data, size_t n, ic_diag *d) {
    FILE *f = fopen(path, "wb");
    if (!f) return ic_diag_set(d, IC_ERR_IO, "cannot write %s", path);
    size_t w = n ? fwrite(data, 1, n, f) : 0;
    int bad = fclose(f) != 0 || w != n;
    return bad ? ic_diag_set(d, IC_ERR_IO, "cannot write %s", path) : IC_OK;
}

/* Writes b's C (generated or given) and its weights, then runs cc. */
static ic_status compile_one(ic_test_build *b) {
    static int counter;
    int id = __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    snprintf(b->dir, sizeof b->dir, "%s/m%02d_%s", g_root, id, b->g ? b->g->name : b->name);
    if (mkdir(b->dir, 0700) != 0) return ic_diag_set(&b->d, IC_ERR_IO, "mkdir %s failed", b->dir);
    char c_path[600], blob_path[600];
    snprintf(c_path, sizeof c_path, "%s/model.c", b->dir);
    snprintf(blob_path, sizeof blob_path, "%s/weights.bin", b->dir);
    snprintf(b->so, sizeof b->so, "%s/model.so", b->dir);
    if (b->g) {
        IC_TRY(ic_verify(b->g, &b->d));
        if (b->lower) {
            ic_pipeline_options po = {.verify = true};
            IC_TRY(ic_pipeline_run(b->g, &po, &b->d));
        }
        ic_codegen_options opt = {.isa = b->isa ? b->isa : ic_isa_detect(), .blob_path = blob_path};
        for (int i = 0; i < 16; i++) opt.graph_hash[i] = (uint8_t)(i * 17);
        ic_strbuf src, blob;
        ic_strbuf_init(&src);
        ic_strbuf_init(&blob);
        ic_status s = ic_codegen_emit(b->g, &opt, &src, &blob, &b->d);
        if (s == IC_OK) s = ic_test_write_file(c_path, ic_strbuf_str(&src), src.len, &b->d);
        if (s == IC_OK) s = ic_test_write_file(blob_path, blob.data ? blob.data : "", blob.len, &b->d);
        ic_strbuf_free(&src);
        ic_strbuf_free(&blob);
        IC_TRY(s);
    } else {
        IC_TRY(ic_test_write_file(c_path, b->source, strlen(b->source), &b->d));
    }
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    ic_cc_config_set_isa(&cfg, b->isa);
    cfg.flags[cfg.n_flags++] = "-Wall";
    cfg.flags[cfg.n_flags++] = "-Wextra";
    cfg.flags[cfg.n_flags++] = "-Werror";
    if (b->extra) cfg.flags[cfg.n_flags++] = b->extra;
    return ic_cc_build(&cfg, c_path, b->so, &b->d);
}

static void *compile_thread(void *arg) {
    ic_test_build *b = arg;
    double t0 = now();
    b->status = compile_one(b);
    b->seconds = now() - t0;
    return NULL;
}

void ic_test_compile_all(ic_test_build *bs, int n, const char *what) {
    double t0 = now();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int par = cpus > 0 ? (int)(cpus > 4 ? 8 : cpus * 2) : 2;
    for (int i = 0; i < n; i += par) {
        pthread_t th[16];
        int k = 0;
        for (; k < par && i + k < n; k++) pthread_create(&th[k], NULL, compile_thread, &bs[i + k]);
        for (int j = 0; j < k; j++) pthread_join(th[j], NULL);
    }
    double worst = 0;
    for (int i = 0; i < n; i++) worst = bs[i].seconds > worst ? bs[i].seconds : worst;
    fprintf(stderr, "%s: compiled %d models in %.2f s (slowest %.2f s)\n", what, n, now() - t0, worst);
}

void ic_test_make_inputs(const ic_graph *g, const ic_test_range *ranges, uint64_t seed, ic_tensor *in) {
    ic_test_rng r;
    ic_test_rng_seed(&r, seed);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        ic_tensor *t = &in[i];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, t, NULL), IC_OK);
        if (t->dtype == IC_DT_F16 || t->dtype == IC_DT_BF16) {
            uint16_t *p = t->data;
            for (size_t k = 0; k < ic_tensor_numel(t); k++) p[k] = (uint16_t)ic_test_rng_next(&r);
            continue;
        }
        double lo = -3, hi = 3;
        if (t->dtype == IC_DT_U8) lo = 0, hi = 256;
        else if (ic_dtype_is_int(t->dtype)) lo = -6, hi = 6;
        else if (v->name && v->name[0] == 'p' && t->dtype == IC_DT_F32) lo = 0.1, hi = 4;
        for (const ic_test_range *q = ranges; q && q->name; q++)
            if (v->name && strcmp(q->name, v->name) == 0) lo = q->lo, hi = q->hi;
        ic_test_fill(t, &r, lo, hi);
    }
}

void ic_test_open(const ic_test_build *b, ic_test_live *l, int threads) {
    if (b->status != IC_OK) fail_msg("compiling %s: %s", b->g ? b->g->name : b->name, b->d.msg);
    ic_diag d = {0};
    if (ic_model_load(b->so, &l->lm, &d) != IC_OK) fail_msg("loading %s: %s", b->so, d.msg);
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = threads};
    if (l->lm.create(&mo, &l->m) != 0) fail_msg("create %s: %s", b->so, l->lm.last_error(NULL));
}

void ic_test_close(ic_test_live *l) {
    l->lm.destroy(l->m);
    ic_model_unload(&l->lm);
}

static inductc_tensor abi_tensor(const ic_tensor *t) {
    return (inductc_tensor){.data = t->data, .dtype = t->dtype, .rank = t->shape.rank, .dims = t->shape.dims};
}

int ic_test_run(ic_test_live *l, const ic_graph *g, const ic_tensor *in, ic_tensor *out) {
    inductc_tensor *ti = calloc(g->n_inputs + 1, sizeof *ti), *to = calloc(g->n_outputs + 1, sizeof *to);
    assert_true(ti && to);
    for (uint32_t i = 0; i < g->n_inputs; i++) ti[i] = abi_tensor(&in[i]);
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        const ic_value *v = &g->values[g->outputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &out[i], NULL), IC_OK);
        memset(out[i].data, 0xA5, ic_tensor_nbytes(&out[i])); /* catch unwritten elements */
        to[i] = abi_tensor(&out[i]);
    }
    int rc = l->lm.run(l->m, ti, g->n_inputs, to, g->n_outputs);
    free(ti);
    free(to);
    return rc;
}

/* One output against the interpreter's. */
static int compare(const ic_tensor *got, const ic_tensor *want, double rtol, double atol, const char *what) {
    if (want->dtype == IC_DT_F16 || want->dtype == IC_DT_BF16) {
        if (ic_shape_equal(&got->shape, &want->shape) && memcmp(got->data, want->data, ic_tensor_nbytes(want)) == 0)
            return 1;
        fprintf(stderr, "%s: bits differ\n", what);
        return 0;
    }
    if (want->dtype == IC_DT_F32) return ic_test_allclose(got, want, rtol, atol, what);
    return ic_test_allclose(got, want, 0, 0, what);
}

void ic_test_check_build(const ic_test_build *b, const ic_test_range *ranges, uint64_t seed, double rtol, double atol) {
    ic_test_live l;
    ic_test_open(b, &l, 2);
    const ic_graph *g = b->g;
    ic_tensor *in = calloc(g->n_inputs + 1, sizeof *in), *want = calloc(g->n_outputs + 1, sizeof *want),
              *got = calloc(g->n_outputs + 1, sizeof *got);
    assert_true(in && want && got);
    ic_diag d = {0};
    ic_test_make_inputs(g, ranges, seed, in);
    if (ic_interp_run(g, in, want, &d) != IC_OK) fail_msg("interp %s: %s", g->name, d.msg);
    if (ic_test_run(&l, g, in, got) != 0) fail_msg("run %s: %s", g->name, l.lm.last_error(l.m));
    int ok = 1;
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        char what[160];
        snprintf(what, sizeof what, "%s/%s", g->name, g->values[g->outputs[i]].name);
        ok &= compare(&got[i], &want[i], rtol, atol, what);
        ic_tensor_free(&got[i]);
        ic_tensor_free(&want[i]);
    }
    for (uint32_t i = 0; i < g->n_inputs; i++) ic_tensor_free(&in[i]);
    free(in);
    free(want);
    free(got);
    ic_test_close(&l);
    if (!ok) fail_msg("%s: outputs differ from the interpreter (generated C in %s)", g->name, b->dir);
}
