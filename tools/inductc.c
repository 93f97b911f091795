/* inductc.c — the command-line tool: compile a model to a shared object, run
 * it (or the reference interpreter) on .npy or generated inputs, describe it.
 *
 *     inductc MODEL -o OUT.so [compile options]
 *     inductc run OUT.so|MODEL [--input NAME=FILE.npy]... [run options]
 *     inductc info OUT.so|MODEL
 *
 * This is the only place that decides exit codes: 0 success, 1 bad input or a
 * failed compile/run (one line on stderr, "inductc: <what went wrong>"), 2 bad
 * usage (one line with a hint to --help). */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inductc/model.h"
#include "ir/interp.h"
#include "ir/ir.h"
#include "ir/tensor.h"
#include "ir/text.h"
#include "lower/pipeline.h"
#include "runtime/cache.h"
#include "runtime/compile.h"
#include "runtime/loader.h"
#include "runtime/npy.h"
#include "runtime/profile.h"

#ifndef IC_VERSION
#define IC_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: inductc MODEL -o OUT.so [compile options]   compile a .graph or ONNX model to a shared object\n"
    "       inductc run OUT.so|MODEL [run options]      run it and print each output's checksum\n"
    "       inductc info OUT.so|MODEL                   describe a compiled model\n"
    "       inductc cache list|clear|prune [--max-size SIZE] [--cache-dir DIR]\n"
    "                                                   show or delete compile cache entries\n"
    "       inductc --help | --version\n"
    "\n"
    "compile options (also accepted by run and info when given a MODEL):\n"
    "  -o FILE               write the shared object here (required)\n"
    "  --cache-dir DIR       compile cache (default $INDUCTC_CACHE_DIR, else\n"
    "                        $XDG_CACHE_HOME/inductc, else ~/.cache/inductc)\n"
    "  --no-cache            build in a temporary directory; neither read nor write the cache\n"
    "  --emit-c FILE         also write the generated C, and its weights blob as FILE.blob\n"
    "  --print-ir-after-all  print the IR to stderr after every pass\n"
    "  --stop-after PASS     run the passes up to PASS, print the IR to stdout, build nothing\n"
    "  --input-shape NAME=D0,D1,...  static shape for an ONNX input with dynamic dims (repeatable)\n"
    "  -v, --verbose         pass and compile timings and cache decisions on stderr\n"
    "\n"
    "run options:\n"
    "  --input NAME=FILE.npy  an input (repeatable). Inputs not given get deterministic\n"
    "                         random data: splitmix64 seeded with 1, drawn in input order;\n"
    "                         floats uniform in [-1,1), integers in [0,10), bools 0 or 1\n"
    "  --output-dir DIR       write each output as DIR/<name>.npy\n"
    "  --iters N              time N runs after the warm-up; print median and min ms\n"
    "  --warmup N             untimed runs before timing (default 3)\n"
    "  --threads N            OpenMP threads for the model (default: OpenMP's default)\n"
    "  --json                 end stdout with {\"median_ms\":..,\"min_ms\":..,\"iters\":..}\n"
    "  --profile              after the warm-up, time every kernel group; print them slowest first\n"
    "  --interp               run MODEL with the reference interpreter instead\n"
    "  --compare-interp       also run the interpreter on the same inputs; fail unless\n"
    "                         |got - want| <= atol + rtol*|want| for every element\n"
    "  --rtol X, --atol X     tolerances for --compare-interp (default 1e-5 each)\n"
    "\n"
    "cache commands:\n"
    "  list                   one line per entry: key, bytes, last used; then the total\n"
    "  clear                  delete every entry\n"
    "  prune --max-size SIZE  delete least recently used entries until the rest fit in\n"
    "                         SIZE (bytes, or with K, M, G, T: 500M, 2G)\n"
    "\n"
    "exit status: 0 success, 1 bad input or failed compile/run, 2 bad usage\n"
    "environment: INDUCTC_CACHE_DIR, CC, INDUCTC_DEBUG=1 (timings) .. 4 (cc command lines)\n";

/* --- messages ---------------------------------------------------------------------- */

static int fail(const ic_diag *d) {
    /* Control characters from file names or model text (escape sequences,
     * CR, form feeds) must not rewrite the terminal or split the line. */
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg[0] ? d->msg : ic_status_name(d->status));
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    fprintf(stderr, "inductc: %s\n", msg);
    return EXIT_FAIL;
}

static int usage_error(const char *fmt, ...) IC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) /* arguments may hold newlines or escapes: keep one line */
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    fprintf(stderr, "inductc: %s (see inductc --help)\n", msg);
    return EXIT_USAGE;
}

/* --- argument parsing ---------------------------------------------------------------- */

typedef struct args {
    int argc;    /* number of arguments */
    char **argv; /* the arguments */
    int i;       /* the one being looked at */
} args;

/* If argv[i] is the option name (as "--name VALUE" or "--name=VALUE"), stores
 * the value, advances past it and returns 1; returns 0 if it is another
 * option and -1 if the value is missing. */
static int take_value(args *a, const char *name, const char **val) {
    const char *arg = a->argv[a->i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) return 0;
    if (arg[n] == '=') {
        *val = arg + n + 1;
        a->i++;
        return 1;
    }
    if (arg[n] != '\0') return 0;
    if (a->i + 1 >= a->argc) return -1;
    *val = a->argv[a->i + 1];
    a->i += 2;
    return 1;
}

static bool take_flag(args *a, const char *name) {
    if (strcmp(a->argv[a->i], name) != 0) return false;
    a->i++;
    return true;
}

static bool parse_int(const char *s, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

static bool parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0)) return false;
    *out = v;
    return true;
}

/* Compile options shared by every command that may compile. */
#define MAX_INPUT_SHAPES 32

typedef struct compile_cli {
    ic_compile_options opt; /* what ic_compile_file takes */
    const char *out;        /* -o */
    const char *stop_after; /* --stop-after */
    ic_onnx_input_shape shapes[MAX_INPUT_SHAPES]; /* --input-shape, pointed to by opt */
    char shape_names[MAX_INPUT_SHAPES][256];      /* their input names */
} compile_cli;

/* --input-shape NAME=D0,D1,...: a static shape for an ONNX input with dynamic dims. */
static bool parse_input_shape(const char *spec, ic_onnx_input_shape *out, char *name, size_t name_size) {
    const char *eq = strrchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= name_size) return false;
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    out->name = name;
    out->shape.rank = 0;
    const char *p = eq + 1;
    if (!*p) return true; /* a scalar */
    for (;;) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || end == p || v < 0 || v > ((long long)1 << 40) || out->shape.rank == IC_MAX_RANK) return false;
        out->shape.dims[out->shape.rank++] = v;
        if (*end == '\0') return true;
        if (*end != ',') return false;
        p = end + 1;
    }
}

/* Consumes one compile option at a->i: 1 consumed, 0 not a compile option,
 * or an exit code (as a negative number) on a usage error. */
static int take_compile_option(args *a, compile_cli *c) {
    const struct {
        const char *name;  /* option */
        const char **slot; /* where its value goes */
    } valued[] = {{"-o", &c->out}, {"--cache-dir", &c->opt.cache_dir}, {"--emit-c", &c->opt.emit_c},
                  {"--stop-after", &c->stop_after}};
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
        int r = take_value(a, valued[k].name, valued[k].slot);
        if (r < 0) return -usage_error("%s needs a value", valued[k].name);
        if (r > 0) return 1;
    }
    const char *spec;
    int r = take_value(a, "--input-shape", &spec);
    if (r < 0) return -usage_error("--input-shape needs a value");
    if (r > 0) {
        if (c->opt.n_input_shapes == MAX_INPUT_SHAPES) return -usage_error("too many --input-shape options");
        uint32_t k = c->opt.n_input_shapes;
        if (!parse_input_shape(spec, &c->shapes[k], c->shape_names[k], sizeof c->shape_names[k]))
            return -usage_error("--input-shape wants NAME=D0,D1,... (got '%s')", spec);
        c->opt.input_shapes = c->shapes;
        c->opt.n_input_shapes++;
        return 1;
    }
    if (take_flag(a, "--no-cache"))
        c->opt.no_cache = true;
    else if (take_flag(a, "--print-ir-after-all"))
        c->opt.print_ir_after_all = true;
    else if (take_flag(a, "-v") || take_flag(a, "--verbose"))
        c->opt.verbose = true;
    else
        return 0;
    return 1;
}

/* --- files -------------------------------------------------------------------------- */

/* Whether path is an ELF file (a compiled model) rather than a model text. */
static ic_status file_is_elf(const char *path, bool *out, ic_diag *d) {
    *out = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return ic_diag_set(d, IC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ic_diag_set(d, IC_ERR_IO, "%s: not a regular file", path);
    }
    char magic[4];
    *out = read(fd, magic, 4) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0;
    close(fd);
    return IC_OK;
}

/* Copies the first limit bytes of src to dst through a temporary file in
 * dst's directory and rename(), so a process that has dst loaded keeps its
 * old copy intact. */
static ic_status copy_file_atomic(const char *src, const char *dst, uint64_t limit, ic_diag *d) {
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", dst) >= (int)sizeof tmp)
        return ic_diag_set(d, IC_ERR_IO, "%s: path too long", dst);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return ic_diag_set(d, IC_ERR_IO, "cannot open %s: %s", src, strerror(errno));
    int out = mkstemp(tmp);
    if (out < 0) {
        int err = errno;
        close(in);
        return ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", dst, strerror(err));
    }
    mode_t mask = umask(0);
    umask(mask);
    ic_status s = IC_OK;
    if (fchmod(out, 0755 & ~mask) != 0) s = ic_diag_set(d, IC_ERR_IO, "cannot chmod %s: %s", tmp, strerror(errno));
    char buf[1 << 16];
    while (s == IC_OK && limit > 0) {
        ssize_t r = read(in, buf, limit < sizeof buf ? (size_t)limit : sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) s = ic_diag_set(d, IC_ERR_IO, "cannot read %s: %s", src, strerror(errno));
        if (r <= 0) break;
        limit -= (uint64_t)r;
        for (ssize_t done = 0; done < r && s == IC_OK;) {
            ssize_t w = write(out, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) s = ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
            else done += w;
        }
    }
    close(in);
    if (close(out) != 0 && s == IC_OK) s = ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
    if (s == IC_OK && rename(tmp, dst) != 0) s = ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
    if (s != IC_OK) unlink(tmp);
    return s;
}

/* Removes a --no-cache build: the .so and the temporary directory holding it. */
static void remove_no_cache_build(const char *so_path) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", so_path);
    char *slash = strrchr(dir, '/');
    unlink(so_path);
    if (slash) {
        *slash = '\0';
        rmdir(dir);
    }
}

/* ic_model_load via dlopen, which searches the library path for a name
 * without a slash; a user naming "model.so" means the file here. */
static ic_status load_model_file(const char *path, ic_loaded_model *lm, ic_diag *d) {
    char buf[PATH_MAX];
    if (!strchr(path, '/')) {
        if (snprintf(buf, sizeof buf, "./%s", path) >= (int)sizeof buf)
            return ic_diag_set(d, IC_ERR_IO, "%s: path too long", path);
        path = buf;
    }
    IC_TRY(ic_so_check_file(path, d));
    return ic_model_load(path, lm, d);
}

static ic_status mkdir_p(const char *path, ic_diag *d) {
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return ic_diag_set(d, IC_ERR_IO, "%s: path too long", path);
    size_t n = strlen(buf);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return ic_diag_set(d, IC_ERR_IO, "cannot create directory %s: %s", buf, strerror(errno));
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return ic_diag_set(d, IC_ERR_IO, "%s: not a directory", path);
    return IC_OK;
}

/* --- compile ------------------------------------------------------------------------ */

/* Model file → .so path (through the cache unless --no-cache). */
static ic_status compile_model(const char *model, const compile_cli *c, ic_compile_result *res, ic_diag *d) {
    ic_compile_options opt = c->opt;
    opt.progress = !opt.verbose;
    return ic_compile_file(model, &opt, res, d);
}

static int cmd_stop_after(const char *model, const compile_cli *c) {
    ic_diag d = {0};
    int n;
    const ic_pass *passes = ic_pipeline_passes(&n);
    bool known = false;
    char names[512] = "";
    for (int i = 0; i < n; i++) {
        known |= strcmp(passes[i].name, c->stop_after) == 0;
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", passes[i].name);
    }
    if (!known) return usage_error("unknown pass '%s' for --stop-after (passes: %s)", c->stop_after, names);
    ic_graph *g;
    if (ic_compile_load_model(model, &c->opt, NULL, &g, &d) != IC_OK) return fail(&d);
    ic_pipeline_options po = {.print_after_all = c->opt.print_ir_after_all, .stop_after = c->stop_after,
                              .verify = true, .verbose = c->opt.verbose};
    ic_strbuf text;
    ic_strbuf_init(&text);
    ic_status s = ic_pipeline_run(g, &po, &d);
    if (s == IC_OK) s = ic_text_print(g, &text, &d);
    if (s == IC_OK) fputs(ic_strbuf_str(&text), stdout);
    ic_strbuf_free(&text);
    ic_graph_destroy(g);
    return s == IC_OK ? EXIT_OK : fail(&d);
}

static int cmd_compile(args *a) {
    compile_cli c = {0};
    const char *model = NULL;
    while (a->i < a->argc) {
        int r = take_compile_option(a, &c);
        if (r < 0) return -r;
        if (r > 0) continue;
        const char *arg = a->argv[a->i];
        if (arg[0] == '-' && arg[1] != '\0') return usage_error("unknown option '%s'", arg);
        if (model) return usage_error("more than one model given ('%s' and '%s')", model, arg);
        model = arg;
        a->i++;
    }
    if (!model) return usage_error("no model given");
    if (c.stop_after) {
        if (c.out) return usage_error("--stop-after prints the IR and builds nothing; drop -o");
        return cmd_stop_after(model, &c);
    }
    if (!c.out) return usage_error("missing -o OUT.so");

    ic_diag d = {0};
    ic_compile_result res;
    if (compile_model(model, &c, &res, &d) != IC_OK) return fail(&d);
    /* the user gets the shared object as cc made it, without the cache's trailer */
    ic_status s = copy_file_atomic(res.so_path, c.out, ic_cache_payload_size(res.so_path), &d);
    if (c.opt.no_cache) remove_no_cache_build(res.so_path);
    if (s != IC_OK) return fail(&d);
    if (c.opt.verbose) fprintf(stderr, "inductc: wrote %s (%s)\n", c.out, res.cache_hit ? "from the cache" : "compiled");
    return EXIT_OK;
}

/* --- deterministic inputs and checksums -------------------------------------------- */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* IEEE half from a float in [-1, 1) (tiny values flush to zero). */
static uint16_t half_from_float(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    int exp = (int)((x >> 23) & 0xff) - 127 + 15;
    if (exp <= 0) return sign;
    return (uint16_t)(sign | (uint16_t)(exp << 10) | (uint16_t)((x >> 13) & 0x3ff));
}

static float float_from_half(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, x;
    if (exp == 0) {
        float f = ldexpf((float)man, -24);
        return sign ? -f : f;
    }
    x = exp == 31 ? sign | 0x7f800000u | man << 13 : sign | (exp - 15 + 127) << 23 | man << 13;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

/* The documented generator: splitmix64 from seed 1 over all inputs in order;
 * floats uniform in [-1, 1), integers in [0, 10), bools 0 or 1.
 * examples/host.c does the same, so its checksums match `inductc run`. */
static void fill_random(ic_tensor *t, uint64_t *state) {
    size_t n = ic_tensor_numel(t);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = splitmix64(state);
        float f = (float)(r >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f;
        int64_t k = (int64_t)((r >> 32) % 10);
        switch (t->dtype) {
        case IC_DT_F32: ((float *)t->data)[i] = f; break;
        case IC_DT_F16: ((uint16_t *)t->data)[i] = half_from_float(f); break;
        case IC_DT_BF16: {
            uint32_t x;
            memcpy(&x, &f, 4);
            ((uint16_t *)t->data)[i] = (uint16_t)(x >> 16);
            break;
        }
        case IC_DT_I8: ((int8_t *)t->data)[i] = (int8_t)k; break;
        case IC_DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)k; break;
        case IC_DT_I32: ((int32_t *)t->data)[i] = (int32_t)k; break;
        case IC_DT_I64: ((int64_t *)t->data)[i] = k; break;
        case IC_DT_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(r >> 63); break;
        default: break;
        }
    }
}

static double elem(const ic_tensor *t, size_t i) {
    if (t->dtype == IC_DT_F16) return float_from_half(((const uint16_t *)t->data)[i]);
    if (t->dtype == IC_DT_BF16) {
        uint32_t x = (uint32_t)((const uint16_t *)t->data)[i] << 16;
        float f;
        memcpy(&f, &x, 4);
        return f;
    }
    return ic_tensor_get_f64(t, i);
}

static void type_str(ic_dtype dt, const ic_shape *s, char *buf, size_t size) {
    ic_value v = {.dtype = dt, .shape = *s};
    ic_value_type_str(&v, buf, size);
}

static void print_checksum(const char *name, const ic_tensor *t) {
    size_t n = ic_tensor_numel(t);
    double sum = 0, abs_sum = 0, lo = n ? elem(t, 0) : 0, hi = lo;
    for (size_t i = 0; i < n; i++) {
        double v = elem(t, i);
        sum += v;
        abs_sum += fabs(v);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    char ty[160];
    type_str(t->dtype, &t->shape, ty, sizeof ty);
    printf("output %s: %s sum=%.6g mean_abs=%.6g min=%.6g max=%.6g\n", name, ty, sum, n ? abs_sum / (double)n : 0.0,
           lo, hi);
}

/* --- run ------------------------------------------------------------------------------ */

/* A declared input or output, from the .so or from the graph. */
typedef struct sig {
    const char *name; /* as the model names it */
    ic_dtype dtype;   /* element type */
    ic_shape shape;   /* dims */
} sig;

typedef struct run_state {
    ic_loaded_model lm;      /* the compiled model, when not --interp */
    bool loaded;             /* lm is open */
    inductc_model *inst;     /* its instance */
    ic_graph *graph;         /* the model graph, for --interp and --compare-interp */
    uint32_t n_in, n_out;    /* inputs and outputs */
    sig *in_sig, *out_sig;   /* their declared types */
    ic_tensor *in;           /* input data */
    ic_tensor *out;          /* outputs of the last run */
    ic_tensor *ref;          /* interpreter outputs for --compare-interp */
    inductc_tensor *abi_in;  /* in, as run() takes them */
    inductc_tensor *abi_out; /* out, as run() fills them */
} run_state;

static ic_status sigs_from_info(const inductc_tensor_info *info, uint32_t n, sig **out, ic_diag *d) {
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (info[i].rank < 0 || info[i].rank > IC_MAX_RANK || !ic_dtype_size((ic_dtype)info[i].dtype) ||
            (info[i].rank && !info[i].dims))
            return ic_diag_set(d, IC_ERR_RUNTIME, "the model describes tensor %u with a bad type", i);
        (*out)[i].name = info[i].name ? info[i].name : "";
        (*out)[i].dtype = (ic_dtype)info[i].dtype;
        (*out)[i].shape.rank = info[i].rank;
        for (int k = 0; k < info[i].rank; k++) (*out)[i].shape.dims[k] = info[i].dims[k];
    }
    return IC_OK;
}

static ic_status sigs_from_graph(const ic_graph *g, const uint32_t *ids, uint32_t n, sig **out, ic_diag *d) {
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        const ic_value *v = &g->values[ids[i]];
        (*out)[i] = (sig){v->name ? v->name : "", v->dtype, v->shape};
    }
    return IC_OK;
}

/* Reads --input NAME=FILE arguments into st->in; the rest get random data. */
static ic_status load_inputs(run_state *st, const char **specs, int n_specs, ic_diag *d) {
    st->in = calloc(st->n_in ? st->n_in : 1, sizeof *st->in);
    if (!st->in) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    for (int k = 0; k < n_specs; k++) {
        const char *eq = strchr(specs[k], '=');
        size_t name_len = (size_t)(eq - specs[k]);
        uint32_t i = 0;
        while (i < st->n_in && !(strlen(st->in_sig[i].name) == name_len &&
                                 memcmp(st->in_sig[i].name, specs[k], name_len) == 0))
            i++;
        if (i == st->n_in) {
            char names[512] = "";
            for (uint32_t j = 0; j < st->n_in; j++) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "", st->in_sig[j].name);
            }
            return ic_diag_set(d, IC_ERR_INVALID, "the model has no input '%.*s' (its inputs: %s)", (int)name_len,
                               specs[k], names);
        }
        if (st->in[i].data)
            return ic_diag_set(d, IC_ERR_INVALID, "input '%s' given twice", st->in_sig[i].name);
        IC_TRY(ic_npy_read(eq + 1, &st->in[i], d));
        const sig *s = &st->in_sig[i];
        if (st->in[i].dtype != s->dtype || !ic_shape_equal(&st->in[i].shape, &s->shape)) {
            char want[160], got[160];
            type_str(s->dtype, &s->shape, want, sizeof want);
            type_str(st->in[i].dtype, &st->in[i].shape, got, sizeof got);
            return ic_diag_set(d, IC_ERR_INVALID, "input '%s' from %s: expected %s, got %s", s->name, eq + 1, want,
                               got);
        }
    }
    uint64_t seed = 1;
    for (uint32_t i = 0; i < st->n_in; i++) {
        if (st->in[i].data) continue;
        IC_TRY(ic_tensor_alloc(st->in_sig[i].dtype, &st->in_sig[i].shape, &st->in[i], d));
        fill_random(&st->in[i], &seed);
    }
    return IC_OK;
}

/* Sets up the compiled model: instance, output buffers, ABI tensors. */
static ic_status prepare_compiled(run_state *st, int threads, ic_diag *d) {
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = threads};
    if (st->lm.create(&mo, &st->inst) != 0) {
        const char *why = st->lm.last_error(NULL);
        return ic_diag_set(d, IC_ERR_RUNTIME, "creating the model failed: %s", why && *why ? why : "no reason given");
    }
    st->out = calloc(st->n_out ? st->n_out : 1, sizeof *st->out);
    st->abi_in = calloc(st->n_in ? st->n_in : 1, sizeof *st->abi_in);
    st->abi_out = calloc(st->n_out ? st->n_out : 1, sizeof *st->abi_out);
    if (!st->out || !st->abi_in || !st->abi_out) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < st->n_out; i++)
        IC_TRY(ic_tensor_alloc(st->out_sig[i].dtype, &st->out_sig[i].shape, &st->out[i], d));
    for (uint32_t i = 0; i < st->n_in; i++)
        st->abi_in[i] = (inductc_tensor){st->in[i].data, st->in[i].dtype, st->in[i].shape.rank, st->in[i].shape.dims};
    for (uint32_t i = 0; i < st->n_out; i++)
        st->abi_out[i] =
            (inductc_tensor){st->out[i].data, st->out[i].dtype, st->out[i].shape.rank, st->out[i].shape.dims};
    return IC_OK;
}

static void free_tensors(ic_tensor *t, uint32_t n) {
    if (!t) return;
    for (uint32_t i = 0; i < n; i++) ic_tensor_free(&t[i]);
}

static ic_status run_once(run_state *st, bool interp, ic_diag *d) {
    if (!interp) {
        if (st->lm.run(st->inst, st->abi_in, st->n_in, st->abi_out, st->n_out) != 0) {
            const char *why = st->lm.last_error(st->inst);
            return ic_diag_set(d, IC_ERR_RUNTIME, "running the model failed: %s", why && *why ? why : "no reason given");
        }
        return IC_OK;
    }
    free_tensors(st->out, st->n_out);
    return ic_interp_run(st->graph, st->in, st->out, d);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Compares each output with the interpreter's; false if any element is out of tolerance. */
static bool compare_outputs(const run_state *st, double rtol, double atol, ic_diag *d) {
    bool all_ok = true;
    for (uint32_t i = 0; i < st->n_out; i++) {
        const ic_tensor *a = &st->out[i], *b = &st->ref[i];
        if (a->dtype != b->dtype || !ic_shape_equal(&a->shape, &b->shape)) {
            ic_diag_set(d, IC_ERR_RUNTIME, "output '%s': the interpreter's type differs from the model's",
                        st->out_sig[i].name);
            return false;
        }
        size_t n = ic_tensor_numel(a), bad = 0, first_bad = 0;
        double max_abs = 0, max_rel = 0;
        for (size_t k = 0; k < n; k++) {
            double x = elem(a, k), y = elem(b, k);
            if ((isnan(x) && isnan(y)) || x == y) continue;
            double err = fabs(x - y);
            if (isnan(err)) err = INFINITY;
            if (err > max_abs) max_abs = err;
            double rel = err / fmax(fabs(y), 1e-30);
            if (rel > max_rel) max_rel = rel;
            if (!(err <= atol + rtol * fabs(y)) && bad++ == 0) first_bad = k;
        }
        printf("compare %s: max abs err %.3g, max rel err %.3g: %s\n", st->out_sig[i].name, max_abs, max_rel,
               bad ? "MISMATCH" : "ok");
        if (bad && all_ok) {
            ic_diag_set(d, IC_ERR_RUNTIME,
                        "output '%s' differs from the interpreter in %zu of %zu elements (first at %zu: got %.9g, "
                        "want %.9g; rtol %g, atol %g)",
                        st->out_sig[i].name, bad, n, first_bad, elem(a, first_bad), elem(b, first_bad), rtol, atol);
            all_ok = false;
        }
    }
    return all_ok;
}

/* Output names become file names: anything outside [A-Za-z0-9._-] is '_'. */
static ic_status write_outputs(const run_state *st, const char *dir, ic_diag *d) {
    IC_TRY(mkdir_p(dir, d));
    for (uint32_t i = 0; i < st->n_out; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", st->out_sig[i].name[0] ? st->out_sig[i].name : "output");
        for (char *p = name; *p; p++) {
            char c = *p;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-'))
                *p = '_';
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) name[0] = '_';
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s.npy", dir, name) >= (int)sizeof path)
            return ic_diag_set(d, IC_ERR_IO, "%s: output path too long", dir);
        IC_TRY(ic_npy_write(path, &st->out[i], d));
    }
    return IC_OK;
}

static void run_state_free(run_state *st) {
    free_tensors(st->in, st->n_in);
    free_tensors(st->out, st->n_out);
    free_tensors(st->ref, st->n_out);
    free(st->in);
    free(st->out);
    free(st->ref);
    free(st->abi_in);
    free(st->abi_out);
    free(st->in_sig);
    free(st->out_sig);
    if (st->inst) st->lm.destroy(st->inst);
    if (st->loaded) ic_model_unload(&st->lm);
    if (st->graph) ic_graph_destroy(st->graph);
}

typedef struct run_cli {
    compile_cli compile;     /* used when the target is a model file */
    const char *target;      /* .so or model */
    const char **inputs;     /* --input specs */
    int n_inputs;            /* entries in inputs */
    const char *output_dir;  /* --output-dir */
    int iters;               /* --iters, 0 if not given */
    int warmup;              /* --warmup */
    int threads;             /* --threads */
    bool json;               /* --json */
    bool profile;            /* --profile: time per kernel group */
    bool interp;             /* --interp */
    bool compare;            /* --compare-interp */
    double rtol, atol;       /* tolerances for compare */
} run_cli;

/* Everything after argument parsing; returns an ic_status with d filled. */
static ic_status do_run(const run_cli *r, bool is_so, run_state *st, ic_diag *d) {
    if (r->interp || r->compare) IC_TRY(ic_compile_load_model(r->target, &r->compile.opt, NULL, &st->graph, d));

    if (!r->interp) {
        ic_compile_result res = {0};
        const char *so = r->target;
        if (!is_so) {
            IC_TRY(compile_model(r->target, &r->compile, &res, d));
            so = res.so_path;
        }
        ic_status s = load_model_file(so, &st->lm, d);
        if (!is_so && r->compile.opt.no_cache) remove_no_cache_build(res.so_path);
        IC_TRY(s);
        st->loaded = true;
        st->n_in = st->lm.info->n_inputs;
        st->n_out = st->lm.info->n_outputs;
        IC_TRY(sigs_from_info(st->lm.info->inputs, st->n_in, &st->in_sig, d));
        IC_TRY(sigs_from_info(st->lm.info->outputs, st->n_out, &st->out_sig, d));
    } else {
        st->n_in = st->graph->n_inputs;
        st->n_out = st->graph->n_outputs;
        IC_TRY(sigs_from_graph(st->graph, st->graph->inputs, st->n_in, &st->in_sig, d));
        IC_TRY(sigs_from_graph(st->graph, st->graph->outputs, st->n_out, &st->out_sig, d));
        st->out = calloc(st->n_out ? st->n_out : 1, sizeof *st->out);
        if (!st->out) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    }
    IC_TRY(load_inputs(st, r->inputs, r->n_inputs, d));
    if (!r->interp) IC_TRY(prepare_compiled(st, r->threads, d));

    int iters = r->iters ? r->iters : (r->json ? 1 : 0);
    double *times = calloc((size_t)(iters ? iters : 1), sizeof *times);
    if (!times) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
    ic_status s = IC_OK;
    for (int i = 0; s == IC_OK && i < (iters ? r->warmup : 0); i++) s = run_once(st, r->interp, d);
    if (r->profile && !r->interp) ic_model_profile_enable(&st->lm, st->inst, true);
    for (int i = 0; s == IC_OK && i < (iters ? iters : 1); i++) {
        double t0 = now_ms();
        s = run_once(st, r->interp, d);
        times[i] = now_ms() - t0;
    }
    if (s != IC_OK) {
        free(times);
        return s;
    }

    for (uint32_t i = 0; i < st->n_out; i++) print_checksum(st->out_sig[i].name, &st->out[i]);
    if (r->compare) {
        st->ref = calloc(st->n_out ? st->n_out : 1, sizeof *st->ref);
        if (!st->ref) s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
        if (s == IC_OK && (st->graph->n_outputs != st->n_out || st->graph->n_inputs != st->n_in))
            s = ic_diag_set(d, IC_ERR_RUNTIME, "the compiled model and the graph have different signatures");
        if (s == IC_OK) s = ic_interp_run(st->graph, st->in, st->ref, d);
        if (s == IC_OK && !compare_outputs(st, r->rtol, r->atol, d)) s = IC_ERR_RUNTIME;
    }
    if (s == IC_OK && r->output_dir) s = write_outputs(st, r->output_dir, d);
    if (s == IC_OK && r->profile && !r->interp) s = ic_model_print_profile(&st->lm, st->inst, stdout, d);
    if (s == IC_OK && iters) {
        qsort(times, (size_t)iters, sizeof *times, cmp_double);
        double median = iters % 2 ? times[iters / 2] : (times[iters / 2 - 1] + times[iters / 2]) / 2;
        printf("time: median %.3f ms, min %.3f ms over %d iters (%d warm-up, %s)\n", median, times[0], iters,
               r->warmup, r->interp ? "interpreter" : "compiled");
        if (r->json) printf("{\"median_ms\":%.6f,\"min_ms\":%.6f,\"iters\":%d}\n", median, times[0], iters);
    }
    free(times);
    return s;
}

/* Fills r from the arguments; 0, or the exit code of a usage error. */
static int parse_run_args(args *a, run_cli *r) {
    while (a->i < a->argc) {
        const char *v;
        int t = take_compile_option(a, &r->compile);
        if (t < 0) return -t;
        if (t > 0) continue;
        if ((t = take_value(a, "--input", &v)) != 0) {
            if (t < 0 || !strchr(v, '=') || v[0] == '=') return usage_error("--input needs NAME=FILE.npy");
            r->inputs[r->n_inputs++] = v;
        } else if ((t = take_value(a, "--output-dir", &v)) != 0) {
            if (t < 0) return usage_error("--output-dir needs a directory");
            r->output_dir = v;
        } else if ((t = take_value(a, "--iters", &v)) != 0) {
            if (t < 0 || !parse_int(v, 1, 1000000, &r->iters)) return usage_error("--iters needs a count from 1");
        } else if ((t = take_value(a, "--warmup", &v)) != 0) {
            if (t < 0 || !parse_int(v, 0, 1000000, &r->warmup)) return usage_error("--warmup needs a count from 0");
        } else if ((t = take_value(a, "--threads", &v)) != 0) {
            if (t < 0 || !parse_int(v, 1, 4096, &r->threads)) return usage_error("--threads needs a count from 1");
        } else if ((t = take_value(a, "--rtol", &v)) != 0) {
            if (t < 0 || !parse_double(v, &r->rtol)) return usage_error("--rtol needs a non-negative number");
        } else if ((t = take_value(a, "--atol", &v)) != 0) {
            if (t < 0 || !parse_double(v, &r->atol)) return usage_error("--atol needs a non-negative number");
        } else if (take_flag(a, "--json")) {
            r->json = true;
        } else if (take_flag(a, "--profile")) {
            r->profile = true;
        } else if (take_flag(a, "--interp")) {
            r->interp = true;
        } else if (take_flag(a, "--compare-interp")) {
            r->compare = true;
        } else if (a->argv[a->i][0] == '-' && a->argv[a->i][1] != '\0') {
            return usage_error("unknown option '%s' for run", a->argv[a->i]);
        } else if (r->target) {
            return usage_error("more than one model given ('%s' and '%s')", r->target, a->argv[a->i]);
        } else {
            r->target = a->argv[a->i++];
        }
    }
    if (!r->target) return usage_error("run needs a compiled .so or a model file");
    if (r->interp && r->compare) return usage_error("--interp and --compare-interp do not go together");
    if (r->compile.out || r->compile.stop_after || r->compile.opt.emit_c)
        return usage_error("-o, --emit-c and --stop-after are for compiling; use 'inductc MODEL -o OUT.so'");
    return 0;
}

static int cmd_run(args *a) {
    run_cli r = {.warmup = 3, .rtol = 1e-5, .atol = 1e-5};
    r.inputs = calloc((size_t)a->argc, sizeof *r.inputs);
    if (!r.inputs) {
        fprintf(stderr, "inductc: out of memory\n");
        return EXIT_FAIL;
    }
    int rc = parse_run_args(a, &r);
    ic_diag d = {0};
    bool is_so = false;
    if (rc == 0 && file_is_elf(r.target, &is_so, &d) != IC_OK) rc = fail(&d);
    if (rc == 0 && is_so && (r.interp || r.compare))
        rc = usage_error("--interp and --compare-interp need the model file, not a compiled .so");
    if (rc == 0) {
        run_state st = {0};
        ic_status s = do_run(&r, is_so, &st, &d);
        fflush(stdout);
        run_state_free(&st);
        if (s != IC_OK) rc = fail(&d);
    }
    free(r.inputs);
    return rc;
}

/* --- info ----------------------------------------------------------------------------- */

static void print_tensor_infos(const char *what, const inductc_tensor_info *t, uint32_t n) {
    printf("%s:\n", what);
    for (uint32_t i = 0; i < n; i++) {
        ic_dtype dt = (ic_dtype)t[i].dtype;
        printf("  %s: %s[", t[i].name ? t[i].name : "?", ic_dtype_size(dt) ? ic_dtype_name(dt) : "?");
        for (int k = 0; k < t[i].rank && k < IC_MAX_RANK && t[i].dims; k++)
            printf("%s%lld", k ? "," : "", (long long)t[i].dims[k]);
        printf("]\n");
    }
}

static int cmd_info(args *a) {
    compile_cli c = {0};
    const char *target = NULL;
    while (a->i < a->argc) {
        int r = take_compile_option(a, &c);
        if (r < 0) return -r;
        if (r > 0) continue;
        const char *arg = a->argv[a->i];
        if (arg[0] == '-' && arg[1] != '\0') return usage_error("unknown option '%s' for info", arg);
        if (target) return usage_error("more than one model given ('%s' and '%s')", target, arg);
        target = arg;
        a->i++;
    }
    if (!target) return usage_error("info needs a compiled .so or a model file");
    if (c.out || c.stop_after || c.opt.emit_c)
        return usage_error("-o, --emit-c and --stop-after are for compiling; use 'inductc MODEL -o OUT.so'");
    ic_diag d = {0};
    bool is_so;
    if (file_is_elf(target, &is_so, &d) != IC_OK) return fail(&d);
    ic_compile_result res = {0};
    const char *so = target;
    if (!is_so) {
        if (compile_model(target, &c, &res, &d) != IC_OK) return fail(&d);
        so = res.so_path;
    }
    ic_loaded_model lm;
    ic_status s = load_model_file(so, &lm, &d);
    if (!is_so && c.opt.no_cache) remove_no_cache_build(res.so_path);
    if (s != IC_OK) return fail(&d);
    const inductc_model_info *info = lm.info;
    printf("name: %s\n", info->name ? info->name : "");
    printf("abi version: %u\n", info->abi_version);
    printf("graph hash: ");
    for (int i = 0; i < 16; i++) printf("%02x", info->graph_hash[i]);
    printf("\nisa: %s\n", info->isa ? info->isa : "");
    print_tensor_infos("inputs", info->inputs, info->n_inputs);
    print_tensor_infos("outputs", info->outputs, info->n_outputs);
    s = ic_model_print_stats(&lm, 0, stdout, &d);
    fflush(stdout);
    ic_model_unload(&lm);
    return s == IC_OK ? EXIT_OK : fail(&d);
}

/* --- cache ---------------------------------------------------------------------------- */

static int cmd_cache(args *a) {
    if (a->i >= a->argc) return usage_error("cache needs list, clear or prune");
    const char *what = a->argv[a->i++];
    bool list = strcmp(what, "list") == 0, clear = strcmp(what, "clear") == 0, prune = strcmp(what, "prune") == 0;
    if (!list && !clear && !prune) return usage_error("unknown cache command '%s' (list, clear or prune)", what);
    const char *dir_opt = NULL, *size_opt = NULL;
    while (a->i < a->argc) {
        int r;
        if ((r = take_value(a, "--cache-dir", &dir_opt)) != 0) {
            if (r < 0) return usage_error("--cache-dir needs a directory");
        } else if ((r = take_value(a, "--max-size", &size_opt)) != 0) {
            if (r < 0) return usage_error("--max-size needs a size such as 500M or 2G");
        } else {
            return usage_error("unexpected argument '%s' for cache %s", a->argv[a->i], what);
        }
    }
    uint64_t max_size = 0;
    if (prune && !size_opt) return usage_error("cache prune needs --max-size SIZE");
    if (!prune && size_opt) return usage_error("--max-size is for cache prune");
    if (prune && !ic_cache_parse_size(size_opt, &max_size))
        return usage_error("--max-size '%s': expected a size such as 4096, 500M or 2G", size_opt);

    ic_diag d = {0};
    char dir[PATH_MAX];
    if (ic_cache_dir_path(dir_opt, dir, sizeof dir, &d) != IC_OK) return fail(&d);
    struct stat st;
    if (stat(dir, &st) != 0 && errno == ENOENT) { /* nothing cached yet */
        if (list) printf("total: 0 entries, 0 bytes in %s\n", dir);
        return EXIT_OK;
    }
    if (list) {
        ic_cache_entry *v;
        size_t n;
        if (ic_cache_list(dir, &v, &n, &d) != IC_OK) return fail(&d);
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            char when[32];
            struct tm tm;
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&v[i].mtime, &tm));
            printf("%s %12llu %s\n", v[i].key, (unsigned long long)v[i].size, when);
            total += v[i].size;
        }
        printf("total: %zu %s, %llu bytes in %s\n", n, n == 1 ? "entry" : "entries", (unsigned long long)total, dir);
        free(v);
        return EXIT_OK;
    }
    size_t removed;
    uint64_t freed;
    if (ic_cache_prune(dir, max_size, &removed, &freed, &d) != IC_OK) return fail(&d);
    printf("removed %zu %s, freed %llu bytes in %s\n", removed, removed == 1 ? "item" : "items",
           (unsigned long long)freed, dir);
    return EXIT_OK;
}

/* libgomp comes in with the first model the CLI loads and reads its settings
 * then. Its default is to spin ~300000 times (milliseconds) in every barrier
 * before sleeping: harmless on an idle machine, ruinous when the cores are
 * shared, as a spinning thread burns the slice its partner needs. A few
 * thousand spins (tens of microseconds) still bridge the gap between two
 * kernels. The user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins. */
static void tune_openmp_wait(void) {
    if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT")) setenv("GOMP_SPINCOUNT", "3000", 0);
}

int main(int argc, char **argv) {
    args a = {argc, argv, 1};
    tune_openmp_wait();
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("inductc %s (model ABI %u)\n", IC_VERSION, INDUCTC_MODEL_ABI_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0) {
        a.i = 2;
        return cmd_run(&a);
    }
    if (strcmp(cmd, "info") == 0) {
        a.i = 2;
        return cmd_info(&a);
    }
    if (strcmp(cmd, "cache") == 0) {
        a.i = 2;
        return cmd_cache(&a);
    }
    return cmd_compile(&a);
}
