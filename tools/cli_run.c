/* cli_run.c — `inductc run`: load a compiled model (compiling a model file
 * first if given one) or the reference interpreter, feed it .npy files or
 * the documented deterministic inputs, print a checksum per output, and
 * optionally time it, profile it, compare it with the interpreter and write
 * the outputs as .npy files. */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "inductc/model.h"
#include "ir/interp.h"
#include "ir/tensor.h"
#include "runtime/npy.h"
#include "runtime/profile.h"

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

static void type_str(ic_dtype dt, const ic_shape *s, char *buf, size_t size) {
    ic_value v = {.dtype = dt, .shape = *s};
    ic_value_type_str(&v, buf, size);
}

static void print_checksum(const char *name, const ic_tensor *t) {
    size_t n = ic_tensor_numel(t);
    double sum = 0, abs_sum = 0, lo = n ? ic_tensor_get_f64(t, 0) : 0, hi = lo;
    for (size_t i = 0; i < n; i++) {
        double v = ic_tensor_get_f64(t, i);
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

/* --- running ------------------------------------------------------------------------- */

/* mkdir -p for --output-dir (mode 0777 less the umask); fails unless path ends up a directory. */
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
            double x = ic_tensor_get_f64(a, k), y = ic_tensor_get_f64(b, k);
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
                        st->out_sig[i].name, bad, n, first_bad, ic_tensor_get_f64(a, first_bad), ic_tensor_get_f64(b, first_bad), rtol, atol);
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
            IC_TRY(cli_compile_model(r->target, &r->compile, &res, d));
            so = res.so_path;
        }
        ic_status s = cli_load_model_file(so, &st->lm, d);
        if (!is_so && r->compile.opt.no_cache) cli_remove_no_cache_build(res.so_path);
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
        int t = cli_take_compile_option(a, &r->compile);
        if (t < 0) return -t;
        if (t > 0) continue;
        if ((t = cli_take_value(a, "--input", &v)) != 0) {
            if (t < 0 || !strchr(v, '=') || v[0] == '=') return cli_usage_error("--input needs NAME=FILE.npy");
            r->inputs[r->n_inputs++] = v;
        } else if ((t = cli_take_value(a, "--output-dir", &v)) != 0) {
            if (t < 0) return cli_usage_error("--output-dir needs a directory");
            r->output_dir = v;
        } else if ((t = cli_take_value(a, "--iters", &v)) != 0) {
            if (t < 0 || !cli_parse_int(v, 1, 1000000, &r->iters)) return cli_usage_error("--iters needs a count from 1");
        } else if ((t = cli_take_value(a, "--warmup", &v)) != 0) {
            if (t < 0 || !cli_parse_int(v, 0, 1000000, &r->warmup)) return cli_usage_error("--warmup needs a count from 0");
        } else if ((t = cli_take_value(a, "--threads", &v)) != 0) {
            if (t < 0 || !cli_parse_int(v, 1, 4096, &r->threads)) return cli_usage_error("--threads needs a count from 1");
        } else if ((t = cli_take_value(a, "--rtol", &v)) != 0) {
            if (t < 0 || !cli_parse_double(v, &r->rtol)) return cli_usage_error("--rtol needs a non-negative number");
        } else if ((t = cli_take_value(a, "--atol", &v)) != 0) {
            if (t < 0 || !cli_parse_double(v, &r->atol)) return cli_usage_error("--atol needs a non-negative number");
        } else if (cli_take_flag(a, "--json")) {
            r->json = true;
        } else if (cli_take_flag(a, "--profile")) {
            r->profile = true;
        } else if (cli_take_flag(a, "--interp")) {
            r->interp = true;
        } else if (cli_take_flag(a, "--compare-interp")) {
            r->compare = true;
        } else if (a->argv[a->i][0] == '-' && a->argv[a->i][1] != '\0') {
            return cli_usage_error("unknown option '%s' for run", a->argv[a->i]);
        } else if (r->target) {
            return cli_usage_error("more than one model given ('%s' and '%s')", r->target, a->argv[a->i]);
        } else {
            r->target = a->argv[a->i++];
        }
    }
    if (!r->target) return cli_usage_error("run needs a compiled .so or a model file");
    if (r->interp && r->compare) return cli_usage_error("--interp and --compare-interp do not go together");
    if (r->compile.out || r->compile.stop_after || r->compile.opt.emit_c)
        return cli_usage_error("-o, --emit-c and --stop-after are for compiling; use 'inductc MODEL -o OUT.so'");
    return 0;
}

int cli_cmd_run(args *a) {
    run_cli r = {.warmup = 3, .rtol = 1e-5, .atol = 1e-5};
    r.inputs = calloc((size_t)a->argc, sizeof *r.inputs);
    if (!r.inputs) {
        fprintf(stderr, "inductc: out of memory\n");
        return EXIT_FAIL;
    }
    int rc = parse_run_args(a, &r);
    ic_diag d = {0};
    bool is_so = false;
    if (rc == 0 && cli_file_is_elf(r.target, &is_so, &d) != IC_OK) rc = cli_fail(&d);
    if (rc == 0 && is_so && (r.interp || r.compare))
        rc = cli_usage_error("--interp and --compare-interp need the model file, not a compiled .so");
    if (rc == 0) {
        run_state st = {0};
        ic_status s = do_run(&r, is_so, &st, &d);
        fflush(stdout);
        run_state_free(&st);
        if (s != IC_OK) rc = cli_fail(&d);
    }
    free(r.inputs);
    return rc;
}
