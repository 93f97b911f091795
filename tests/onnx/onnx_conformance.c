/* onnx_conformance.c — runs the ONNX backend test suites (Debian's
 * libonnx-testdata) through inductc and compares with their outputs.
 *
 *   onnx_conformance DATA_DIR EXPECTED_PASS CACHE_DIR [options]
 *     --suites a,b      suites under DATA_DIR (default node,pytorch-converted,pytorch-operator)
 *     --jobs N          tests run at once (default 2)
 *     --timeout S       seconds per test before it is killed (default 60)
 *     --filter TEXT     only tests whose name contains TEXT
 *     --write FILE      write the passing tests to FILE (to update EXPECTED_PASS)
 *     -v                also list unsupported tests with the reason
 *
 * Each test (DATA_DIR/SUITE/TEST/model.onnx with test_data_set_*) runs in a
 * child process of its own: import, compile through the normal compile path
 * and cache, load the .so, run every data set, compare every output (dtype,
 * shape, and |got - want| <= 1e-5 + 1e-3 |want| with NaN equal to NaN, as
 * ONNX's own backend tests do; integers and bools exactly). A crash or a
 * timeout fails that test only. An import that reports IC_ERR_UNSUPPORTED
 * counts as unsupported, anything else that goes wrong as failed. A model
 * unsupported only because an input must be a constant (node tests feed
 * Reshape's shape, Clip's bounds ... as graph inputs) is imported again with
 * those inputs bound to the test's values, as a user would with
 * ic_onnx_options.bindings; a model unsupported because of float64 is
 * imported again with float64 demoted to float32 (demote_f64). Such passes
 * are counted separately.
 *
 * Prints "SUITE: passed N, failed N, unsupported N" per suite and the failing
 * names. Exits 1 when a test listed in EXPECTED_PASS ("suite/test" per line,
 * # comments) does not pass; tests that pass but are not listed are printed
 * so the list can be updated. Exits 77 (skipped) when DATA_DIR is missing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ir/onnx.h"
#include "runtime/compile.h"
#include "runtime/loader.h"

#define MAX_JOBS 16
#define MSG_MAX 600

typedef enum outcome { PASS, FAIL, UNSUPPORTED } outcome;

typedef struct test_case {
    char suite[64];      /* suite directory name */
    char name[256];      /* test directory name */
    outcome result;      /* set when it finishes */
    char msg[MSG_MAX];   /* first line of the reason for FAIL / UNSUPPORTED */
    double seconds;      /* wall time */
} test_case;

typedef struct options {
    const char *data_dir;      /* DATA_DIR */
    const char *expected_path; /* EXPECTED_PASS */
    const char *cache_dir;     /* CACHE_DIR */
    char suites[512];          /* comma-separated */
    int jobs;                  /* parallel children */
    int timeout;               /* seconds per test */
    const char *filter;        /* substring, or NULL */
    const char *write_path;    /* --write FILE, or NULL */
    bool verbose;              /* -v */
} options;

/* snprintf that truncates quietly: paths and messages here are bounded, and
 * a cut message is better than none. */
static void fmt(char *buf, size_t size, const char *f, ...) IC_PRINTF(3, 4);
static void fmt(char *buf, size_t size, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- one test, in the child ----------------------------------------------------------------- */

static bool close_enough(double got, double want) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= 1e-5 + 1e-3 * fabs(want);
}

/* Compares one output; on mismatch writes why into msg. */
static bool compare(const ic_tensor *got, const ic_tensor *want, int idx, char *msg, size_t size) {
    if (got->dtype != want->dtype) {
        fmt(msg, size, "output %d: dtype %s, expected %s", idx, ic_dtype_name(got->dtype), ic_dtype_name(want->dtype));
        return false;
    }
    if (!ic_shape_equal(&got->shape, &want->shape)) {
        char a[128], b[128];
        ic_value va = {.dtype = got->dtype, .shape = got->shape}, vb = {.dtype = want->dtype, .shape = want->shape};
        ic_value_type_str(&va, a, sizeof a);
        ic_value_type_str(&vb, b, sizeof b);
        fmt(msg, size, "output %d: shape %s, expected %s", idx, a, b);
        return false;
    }
    size_t n = ic_tensor_numel(got), bad = 0, first = 0;
    bool is_float = ic_dtype_is_float(got->dtype);
    for (size_t i = 0; i < n; i++) {
        double g = ic_tensor_get_f64(got, i), w = ic_tensor_get_f64(want, i);
        bool ok = is_float ? close_enough(g, w) : g == w;
        if (!ok && bad++ == 0) first = i;
    }
    if (bad) {
        fmt(msg, size, "output %d: %zu of %zu elements differ; first at %zu: got %.9g, expected %.9g", idx, bad, n,
                 first, ic_tensor_get_f64(got, first), ic_tensor_get_f64(want, first));
        return false;
    }
    return true;
}

static int count_files(const char *dir, const char *prefix) {
    int n = 0;
    char p[4096];
    for (;; n++) {
        fmt(p, sizeof p, "%s/%s_%d.pb", dir, prefix, n);
        if (access(p, R_OK) != 0) return n;
    }
}

/* How a test's model was imported. */
typedef struct import_mode {
    bool demote;   /* float64 computed as float32 */
    bool bound[64];/* input_i bound as a constant */
    int n_bound;   /* entries set in bound */
} import_mode;

static int count_data_sets(const char *test_dir) {
    int n = 0;
    char dir[4200];
    struct stat st;
    for (;; n++) {
        fmt(dir, sizeof dir, "%s/test_data_set_%d", test_dir, n);
        if (stat(dir, &st) != 0) return n;
    }
}

/* Runs every data set of a loaded model; returns PASS or FAIL with msg.
 * bound[i] marks input_i files that were bound as constants at import (not fed). */
static outcome run_data_sets(const char *test_dir, ic_loaded_model *lm, const import_mode *mode, char *msg,
                             size_t size) {
    const bool *bound = mode->bound, demote = mode->demote;
    int n_bound = mode->n_bound;
    const inductc_model_info *info = lm->info;
    inductc_model *inst = NULL;
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = 1};
    if (lm->create(&mo, &inst) != 0) {
        fmt(msg, size, "create failed: %s", lm->last_error(NULL));
        return FAIL;
    }
    outcome result = PASS;
    int sets = 0;
    for (int ds = 0; result == PASS; ds++) {
        char dir[4096];
        fmt(dir, sizeof dir, "%s/test_data_set_%d", test_dir, ds);
        struct stat st;
        if (stat(dir, &st) != 0) break;
        sets++;
        int nin = count_files(dir, "input"), nout = count_files(dir, "output");
        if ((uint32_t)(nin - n_bound) != info->n_inputs || (uint32_t)nout != info->n_outputs) {
            fmt(msg, size, "data set %d has %d inputs and %d outputs; the model %u and %u", ds, nin - n_bound,
                     nout, info->n_inputs, info->n_outputs);
            result = FAIL;
            break;
        }
        ic_tensor *in = calloc((size_t)nin + 1, sizeof *in), *want = calloc((size_t)nout + 1, sizeof *want);
        ic_tensor *got = calloc((size_t)nout + 1, sizeof *got);
        inductc_tensor *ain = calloc((size_t)nin + 1, sizeof *ain), *aout = calloc((size_t)nout + 1, sizeof *aout);
        ic_diag d = {0};
        int fed = 0;
        for (int i = 0; result == PASS && i < nin; i++) {
            char p[4200];
            fmt(p, sizeof p, "%s/input_%d.pb", dir, i);
            if (bound[i]) continue;
            if (ic_onnx_read_tensor_file(p, demote, &in[i], NULL, 0, &d) != IC_OK) {
                fmt(msg, size, "%s", d.msg);
                result = d.status == IC_ERR_UNSUPPORTED ? UNSUPPORTED : FAIL;
            } else {
                ain[fed++] = (inductc_tensor){in[i].data, in[i].dtype, in[i].shape.rank, in[i].shape.dims};
            }
        }
        for (int i = 0; result == PASS && i < nout; i++) {
            char p[4200];
            fmt(p, sizeof p, "%s/output_%d.pb", dir, i);
            const inductc_tensor_info *ti = &info->outputs[i];
            ic_shape s = {.rank = ti->rank};
            memcpy(s.dims, ti->dims, sizeof(int64_t) * (size_t)ti->rank);
            if (ic_onnx_read_tensor_file(p, demote, &want[i], NULL, 0, &d) != IC_OK) {
                fmt(msg, size, "%s", d.msg);
                result = d.status == IC_ERR_UNSUPPORTED ? UNSUPPORTED : FAIL;
            } else if (ic_tensor_alloc((ic_dtype)ti->dtype, &s, &got[i], &d) != IC_OK) {
                fmt(msg, size, "%s", d.msg);
                result = FAIL;
            } else {
                aout[i] = (inductc_tensor){got[i].data, got[i].dtype, got[i].shape.rank, got[i].shape.dims};
            }
        }
        if (result == PASS && lm->run(inst, ain, (uint32_t)fed, aout, (uint32_t)nout) != 0) {
            fmt(msg, size, "run failed: %s", lm->last_error(inst));
            result = FAIL;
        }
        for (int i = 0; result == PASS && i < nout; i++)
            if (!compare(&got[i], &want[i], i, msg, size)) result = FAIL;
        for (int i = 0; i < nin; i++) ic_tensor_free(&in[i]);
        for (int i = 0; i < nout; i++) {
            ic_tensor_free(&want[i]);
            ic_tensor_free(&got[i]);
        }
        free(in);
        free(want);
        free(got);
        free(ain);
        free(aout);
    }
    lm->destroy(inst);
    if (result == PASS && sets == 0) {
        fmt(msg, size, "no test_data_set_0");
        result = FAIL;
    }
    return result;
}

/* Imports model.onnx. Two retries for models that are unsupported as given:
 * with float64 demoted to float32 (ic_onnx_options.demote_f64) when float64
 * is the reason, and, when some input must be a constant (Reshape's shape,
 * Clip's bounds ... given as graph inputs) and the test has a single data
 * set, with every input but the first bound to its value from that set. */
static outcome import_test(const char *dir, ic_graph **g, import_mode *mode, char *msg, size_t size) {
    char model[4200];
    fmt(model, sizeof model, "%s/model.onnx", dir);
    ic_diag d = {0};
    memset(mode, 0, sizeof *mode);
    ic_onnx_options opt = {0};
    ic_status s = ic_onnx_import_file(model, &opt, NULL, g, &d);
    if (s == IC_ERR_UNSUPPORTED && strstr(d.msg, "double")) {
        opt.demote_f64 = mode->demote = true;
        s = ic_onnx_import_file(model, &opt, NULL, g, &d);
    }
    if (s == IC_OK) return PASS;
    fmt(msg, size, "%s", d.msg);
    if (s != IC_ERR_UNSUPPORTED) return FAIL;
    if (!strstr(d.msg, "must be a constant") || count_data_sets(dir) != 1) return UNSUPPORTED;
    char set[4300];
    fmt(set, sizeof set, "%s/test_data_set_0", dir);
    int nin = count_files(set, "input");
    if (nin < 2 || nin > 64) return UNSUPPORTED;
    ic_tensor vals[64];
    char names[64][128];
    ic_onnx_binding b[64];
    uint32_t nb = 0;
    memset(vals, 0, sizeof vals);
    for (int i = 1; i < nin; i++) {
        char p[4400];
        fmt(p, sizeof p, "%s/input_%d.pb", set, i);
        if (ic_onnx_read_tensor_file(p, mode->demote, &vals[i], names[i], sizeof names[i], &d) != IC_OK || !names[i][0])
            continue;
        b[nb++] = (ic_onnx_binding){.name = names[i], .value = &vals[i]};
        mode->bound[i] = true;
        mode->n_bound++;
    }
    opt.bindings = b;
    opt.n_bindings = nb;
    outcome r = PASS;
    if (ic_onnx_import_file(model, &opt, NULL, g, &d) != IC_OK) {
        r = d.status == IC_ERR_UNSUPPORTED ? UNSUPPORTED : FAIL;
        fmt(msg, size, "%s (with inputs bound)", d.msg);
    }
    for (int i = 0; i < nin; i++) ic_tensor_free(&vals[i]);
    return r;
}

static outcome run_test(const options *o, const test_case *t, char *msg, size_t size) {
    char dir[4096];
    fmt(dir, sizeof dir, "%s/%s/%s", o->data_dir, t->suite, t->name);
    ic_diag d = {0};
    ic_graph *g;
    import_mode mode;
    outcome r = import_test(dir, &g, &mode, msg, size);
    if (r != PASS) return r;
    ic_compile_options co = {.cache_dir = o->cache_dir};
    ic_compile_result res;
    ic_status s = ic_compile_graph(g, &co, &res, &d);
    ic_graph_destroy(g);
    if (s != IC_OK) {
        fmt(msg, size, "compile: %s", d.msg);
        return FAIL;
    }
    ic_loaded_model lm;
    if (ic_model_load(res.so_path, &lm, &d) != IC_OK) {
        fmt(msg, size, "load: %s", d.msg);
        return FAIL;
    }
    r = run_data_sets(dir, &lm, &mode, msg, size);
    ic_model_unload(&lm);
    if (r == PASS) fmt(msg, size, "%s%s", mode.n_bound ? "bound " : "", mode.demote ? "f64" : "");
    return r;
}

/* --- the pool ---------------------------------------------------------------------------------- */

typedef struct worker {
    pid_t pid;       /* child, 0 when idle */
    int fd;          /* read end of the result pipe */
    size_t test;     /* index into the test list */
    double start;    /* when it started */
    char buf[MSG_MAX + 2]; /* bytes read so far */
    size_t len;      /* used bytes of buf */
    bool killed;     /* timed out and killed */
} worker;

static void start(const options *o, test_case *tests, size_t i, worker *w) {
    int p[2];
    if (pipe(p) != 0) {
        tests[i].result = FAIL;
        fmt(tests[i].msg, MSG_MAX, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        close(p[0]);
        if (!o->verbose) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) {
                dup2(null, 1);
                dup2(null, 2);
            }
        }
        char msg[MSG_MAX];
        msg[0] = '\0';
        outcome r = run_test(o, &tests[i], msg, sizeof msg);
        char out[MSG_MAX + 2];
        fmt(out, sizeof out, "%c%s", r == PASS ? 'P' : r == FAIL ? 'F' : 'U', msg);
        size_t n = strlen(out);
        for (size_t k = 0; k < n; k++)
            if (out[k] == '\n') out[k] = ' ';
        ssize_t wr = write(p[1], out, n);
        (void)wr;
        _exit(0);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        tests[i].result = FAIL;
        fmt(tests[i].msg, MSG_MAX, "fork: %s", strerror(errno));
        return;
    }
    setpgid(pid, pid);
    *w = (worker){.pid = pid, .fd = p[0], .test = i, .start = now_s()};
}

/* Reaps w's child after its pipe closed and records the result. */
static void finish(test_case *tests, worker *w) {
    close(w->fd);
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    test_case *t = &tests[w->test];
    t->seconds = now_s() - w->start;
    w->buf[w->len] = '\0';
    if (w->killed) {
        t->result = FAIL;
        fmt(t->msg, MSG_MAX, "timed out");
    } else if (WIFSIGNALED(status)) {
        t->result = FAIL;
        fmt(t->msg, MSG_MAX, "crashed: signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (w->len == 0) {
        t->result = FAIL;
        fmt(t->msg, MSG_MAX, "child exited with status %d and no result", WEXITSTATUS(status));
    } else {
        t->result = w->buf[0] == 'P' ? PASS : w->buf[0] == 'U' ? UNSUPPORTED : FAIL;
        fmt(t->msg, MSG_MAX, "%s", w->buf + 1);
    }
    w->pid = 0;
}

static void run_all(const options *o, test_case *tests, size_t n) {
    worker w[MAX_JOBS];
    memset(w, 0, sizeof w);
    size_t next = 0, done = 0;
    int jobs = o->jobs;
    while (done < n) {
        for (int j = 0; j < jobs && next < n; j++)
            if (!w[j].pid) start(o, tests, next++, &w[j]);
        struct pollfd pf[MAX_JOBS];
        int map[MAX_JOBS], np = 0;
        for (int j = 0; j < jobs; j++)
            if (w[j].pid) {
                pf[np] = (struct pollfd){.fd = w[j].fd, .events = POLLIN};
                map[np++] = j;
            }
        if (np == 0) {
            /* every start failed (fork/pipe): those tests are recorded */
            done = next;
            continue;
        }
        poll(pf, (nfds_t)np, 200);
        double t = now_s();
        for (int k = 0; k < np; k++) {
            worker *x = &w[map[k]];
            if (pf[k].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t r = read(x->fd, x->buf + x->len, sizeof x->buf - 1 - x->len);
                if (r > 0) {
                    x->len += (size_t)r;
                    if (x->len < sizeof x->buf - 1) continue;
                }
                if (r < 0 && errno == EINTR) continue;
                finish(tests, x);
                done++;
                continue;
            }
            if (!x->killed && t - x->start > o->timeout) {
                x->killed = true;
                kill(-x->pid, SIGKILL);
                kill(x->pid, SIGKILL);
            }
        }
    }
}

/* --- listing, expected passes, report ---------------------------------------------------------------------- */

static int cmp_tests(const void *a, const void *b) {
    const test_case *x = a, *y = b;
    int c = strcmp(x->suite, y->suite);
    return c ? c : strcmp(x->name, y->name);
}

static bool add_suite(const options *o, const char *suite, test_case **tests, size_t *n, size_t *cap) {
    char dir[4096];
    fmt(dir, sizeof dir, "%s/%s", o->data_dir, suite);
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "onnx_conformance: cannot open %s: %s\n", dir, strerror(errno));
        return false;
    }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (o->filter && !strstr(e->d_name, o->filter)) continue;
        char model[4400];
        fmt(model, sizeof model, "%s/%s/model.onnx", dir, e->d_name);
        if (access(model, R_OK) != 0) continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *tests = realloc(*tests, *cap * sizeof **tests);
            if (!*tests) return false;
        }
        test_case *t = &(*tests)[(*n)++];
        memset(t, 0, sizeof *t);
        fmt(t->suite, sizeof t->suite, "%s", suite);
        fmt(t->name, sizeof t->name, "%s", e->d_name);
    }
    closedir(dp);
    return true;
}

/* Reads "suite/test" lines into a NULL-terminated array. */
static char **read_expected(const char *path, size_t *out_n) {
    *out_n = 0;
    FILE *f = fopen(path, "r");
    size_t cap = 64, n = 0;
    char **list = calloc(cap, sizeof *list);
    if (!f || !list) {
        if (f) fclose(f);
        return list;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (!*s || *s == '#') continue;
        if (n + 1 >= cap) {
            cap *= 2;
            char **nl = realloc(list, cap * sizeof *nl);
            if (!nl) break;
            list = nl;
        }
        list[n++] = strdup(s);
    }
    list[n] = NULL;
    fclose(f);
    *out_n = n;
    return list;
}

static bool listed(char **list, size_t n, const test_case *t) {
    char key[340];
    fmt(key, sizeof key, "%s/%s", t->suite, t->name);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], key) == 0) return true;
    return false;
}

static void usage(void) {
    fprintf(stderr, "usage: onnx_conformance DATA_DIR EXPECTED_PASS CACHE_DIR [--suites a,b] [--jobs N] "
                    "[--timeout S] [--filter TEXT] [--write FILE] [-v]\n");
}

int main(int argc, char **argv) {
    options o = {.jobs = 2, .timeout = 60};
    fmt(o.suites, sizeof o.suites, "node,pytorch-converted,pytorch-operator");
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "--suites") == 0 && has_val) fmt(o.suites, sizeof o.suites, "%s", argv[++i]);
        else if (strcmp(a, "--jobs") == 0 && has_val) o.jobs = atoi(argv[++i]);
        else if (strcmp(a, "--timeout") == 0 && has_val) o.timeout = atoi(argv[++i]);
        else if (strcmp(a, "--filter") == 0 && has_val) o.filter = argv[++i];
        else if (strcmp(a, "--write") == 0 && has_val) o.write_path = argv[++i];
        else if (strcmp(a, "-v") == 0) o.verbose = true;
        else if (a[0] == '-') { usage(); return 2; }
        else if (pos == 0) { o.data_dir = a; pos++; }
        else if (pos == 1) { o.expected_path = a; pos++; }
        else if (pos == 2) { o.cache_dir = a; pos++; }
        else { usage(); return 2; }
    }
    if (pos != 3 || o.jobs < 1 || o.jobs > MAX_JOBS || o.timeout < 1) {
        usage();
        return 2;
    }
    struct stat st;
    if (stat(o.data_dir, &st) != 0) {
        printf("onnx_conformance: %s not found (install libonnx-testdata); skipped\n", o.data_dir);
        return 77;
    }
    mkdir(o.cache_dir, 0755);

    test_case *tests = NULL;
    size_t n = 0, cap = 0;
    char suites[512];
    fmt(suites, sizeof suites, "%s", o.suites);
    for (char *tok = strtok(suites, ","); tok; tok = strtok(NULL, ","))
        if (!add_suite(&o, tok, &tests, &n, &cap)) return 1;
    qsort(tests, n, sizeof *tests, cmp_tests);

    double t0 = now_s();
    run_all(&o, tests, n);
    double elapsed = now_s() - t0;

    size_t n_expected;
    char **expected = read_expected(o.expected_path, &n_expected);
    int regressions = 0, new_passes = 0;
    fmt(suites, sizeof suites, "%s", o.suites);
    for (char *tok = strtok(suites, ","); tok; tok = strtok(NULL, ",")) {
        int p = 0, f = 0, u = 0, b = 0, h = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(tests[i].suite, tok) != 0) continue;
            if (tests[i].result == PASS) p++, b += strstr(tests[i].msg, "bound") != NULL, h += strstr(tests[i].msg, "f64") != NULL;
            else if (tests[i].result == FAIL) f++;
            else u++;
        }
        printf("%s: passed %d, failed %d, unsupported %d\n", tok, p, f, u);
        if (b) printf("  (%d of the passes with shape-like graph inputs bound as constants)\n", b);
        if (h) printf("  (%d of the passes with float64 computed as float32)\n", h);
        for (size_t i = 0; i < n; i++)
            if (strcmp(tests[i].suite, tok) == 0 && tests[i].result == FAIL)
                printf("  FAIL %s: %s\n", tests[i].name, tests[i].msg);
        for (size_t i = 0; o.verbose && i < n; i++)
            if (strcmp(tests[i].suite, tok) == 0 && tests[i].result == UNSUPPORTED)
                printf("  UNSUPPORTED %s: %s\n", tests[i].name, tests[i].msg);
    }
    for (size_t i = 0; i < n; i++) {
        bool want = listed(expected, n_expected, &tests[i]);
        if (want && tests[i].result != PASS) {
            printf("REGRESSION %s/%s: %s\n", tests[i].suite, tests[i].name,
                   tests[i].result == UNSUPPORTED ? "now unsupported" : "now fails");
            regressions++;
        } else if (!want && tests[i].result == PASS) {
            if (new_passes++ == 0) printf("newly passing (add to %s):\n", o.expected_path);
            printf("  %s/%s\n", tests[i].suite, tests[i].name);
        }
    }
    if (o.write_path) {
        FILE *f = fopen(o.write_path, "w");
        if (f) {
            fprintf(f, "# ONNX backend tests (Debian libonnx-testdata) that inductc passes; the ctest test\n"
                       "# onnx_conformance fails when one of these stops passing. Regenerate with\n"
                       "#   build/tests/onnx_conformance /usr/share/libonnx-testdata/data \\\n"
                       "#     tests/onnx/expected_pass.txt /tmp/onnx-cache --write tests/onnx/expected_pass.txt\n");
            for (size_t i = 0; i < n; i++)
                if (tests[i].result == PASS) fprintf(f, "%s/%s\n", tests[i].suite, tests[i].name);
            fclose(f);
            printf("wrote %s\n", o.write_path);
        } else {
            fprintf(stderr, "onnx_conformance: cannot write %s: %s\n", o.write_path, strerror(errno));
        }
    }
    printf("%zu tests in %.1f s; %d regressions, %d newly passing\n", n, elapsed, regressions, new_passes);
    for (size_t i = 0; i < n_expected; i++) free(expected[i]);
    free(expected);
    free(tests);
    return regressions ? 1 : 0;
}
