/* compile.c — model file to .so: parse, lower, key, cache lookup, codegen,
 * cc, and the atomic move into the cache. See compile.h.
 *
 * A miss takes the key's lock file (cache.h), builds in a fresh mkdtemp()
 * directory inside the cache directory (same filesystem, so the final
 * rename() is atomic), seals the .so with the cache trailer, renames it into
 * place and removes the directory. Other processes compiling the same graph
 * wait on the lock and then find the entry; if locking is impossible they
 * build too, and the last rename wins, so readers never see a partial file.
 * With no_cache the build directory is under $TMPDIR and the .so stays there
 * for the caller. */
#define _XOPEN_SOURCE 700
#include "ir/file.h"
#include "runtime/compile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "ir/onnx.h"
#include "ir/strbuf.h"
#include "ir/text.h"
#include "lower/pipeline.h"
#include "runtime/cache.h"
#include "runtime/cc.h"
#include "runtime/isa.h"

#define IC_MODEL_FILE_MAX ((size_t)1 << 31) /* refuse model texts above 2 GiB */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int debug_level(void) {
    const char *s = getenv("INDUCTC_DEBUG");
    return s ? atoi(s) : 0;
}

/* --- progress: a helper thread that names the stage once a compile is slow ----- */

typedef struct progress {
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t cv;   /* signalled on stage change and at the end */
    pthread_t thread;    /* the printer */
    bool running;        /* thread was started */
    bool done;           /* compile finished: thread exits */
    const char *stage;   /* current stage name (static string) */
    const char *printed; /* last stage printed */
    const char *name;    /* model name for the message */
} progress;

static void *progress_main(void *arg) {
    progress *p = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    bool slow = false; /* a second has passed: print each stage as it starts */
    pthread_mutex_lock(&p->mu);
    while (!p->done) {
        if (slow)
            pthread_cond_wait(&p->cv, &p->mu);
        else if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT)
            slow = true;
        if (!p->done && slow && p->stage != p->printed) {
            fprintf(stderr, "inductc: compiling %s (%s) ...\n", p->name, p->stage);
            p->printed = p->stage;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void progress_start(progress *p, bool enabled, const char *name) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->stage = "lowering";
    p->name = name && *name ? name : "model";
    if (enabled && isatty(STDERR_FILENO) && pthread_create(&p->thread, NULL, progress_main, p) == 0)
        p->running = true;
}

static void progress_stage(progress *p, const char *stage) {
    pthread_mutex_lock(&p->mu);
    p->stage = stage;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void progress_end(progress *p) {
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->running) pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

/* --- small file helpers ---------------------------------------------------------- */

/* Reads a whole model file (NUL-terminated for convenience). */
static ic_status read_file(const char *path, char **out, size_t *out_len, ic_diag *d) {
    uint8_t *buf = NULL;
    ic_status s = ic_file_read(path, IC_MODEL_FILE_MAX, NULL, &buf, out_len, NULL, d);
    *out = (char *)buf;
    return s;
}

static ic_status write_file(const char *path, const void *data, size_t len, ic_diag *d) {
    FILE *f = fopen(path, "wb");
    if (!f) return ic_diag_set(d, IC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    bool ok = len == 0 || fwrite(data, 1, len, f) == len;
    int err = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        remove(path);
        return ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", path, strerror(err));
    }
    return IC_OK;
}

/* Removes the files in dir (one level; build dirs have no subdirs) and dir. */
static void remove_dir(const char *dir) {
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char p[PATH_MAX];
            if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p) unlink(p);
        }
        closedir(dp);
    }
    rmdir(dir);
}

/* --- recognising the model format ----------------------------------------------- */

/* True if text starts, after white space and # comments, with the word "graph". */
static bool looks_like_graph_text(const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
        } else if (c == '#') {
            while (i < len && s[i] != '\n') i++;
        } else {
            break;
        }
    }
    if (len - i < 5 || memcmp(s + i, "graph", 5) != 0) return false;
    if (len - i == 5) return true;
    char next = s[i + 5];
    return !(next == '_' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
             (next >= '0' && next <= '9'));
}

static bool has_onnx_suffix(const char *path) {
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".onnx") == 0;
}

ic_status ic_compile_load_model(const char *model_path, const ic_compile_options *opt, const ic_allocator *alloc,
                                ic_graph **out_graph, ic_diag *d) {
    *out_graph = NULL;
    char *text;
    size_t len;
    IC_TRY(read_file(model_path, &text, &len, d));
    ic_status s;
    if (len == 0) {
        s = ic_diag_set(d, IC_ERR_PARSE, "%s: empty model file", model_path);
    } else if (looks_like_graph_text(text, len)) {
        s = ic_text_parse(text, len, model_path, alloc, out_graph, d);
    } else if (ic_onnx_sniff((const uint8_t *)text, len) || has_onnx_suffix(model_path)) {
        ic_onnx_options oo = {0};
        if (opt) {
            oo.input_shapes = opt->input_shapes;
            oo.n_input_shapes = opt->n_input_shapes;
        }
        s = ic_onnx_import((const uint8_t *)text, len, model_path, &oo, alloc, out_graph, d);
    } else {
        s = ic_diag_set(d, IC_ERR_PARSE,
                        "%s: not a .graph model or an ONNX model (a .graph text starts with 'graph', an ONNX file "
                        "is a serialized ModelProto)",
                        model_path);
    }
    free(text);
    return s;
}

ic_status ic_compile_parse_file(const char *model_path, const ic_allocator *alloc, ic_graph **out_graph,
                                ic_diag *d) {
    return ic_compile_load_model(model_path, NULL, alloc, out_graph, d);
}

ic_status ic_compile_file(const char *model_path, const ic_compile_options *opt, ic_compile_result *out,
                          ic_diag *d) {
    memset(out, 0, sizeof *out);
    ic_graph *g;
    IC_TRY(ic_compile_load_model(model_path, opt, NULL, &g, d));
    ic_status s = ic_compile_graph(g, opt, out, d);
    ic_graph_destroy(g);
    return s;
}

/* --- compiling -------------------------------------------------------------------- */

/* Codegen into memory; blob_path is where the C will .incbin the weights from. */
static ic_status generate(const ic_graph *g, const char *isa, const uint8_t hash[16], const char *blob_path,
                          ic_strbuf *c, ic_strbuf *blob, ic_diag *d) {
    ic_codegen_options co;
    memset(&co, 0, sizeof co);
    co.isa = isa;
    memcpy(co.graph_hash, hash, 16);
    co.blob_path = blob_path;
    ic_strbuf_init(c);
    ic_strbuf_init(blob);
    ic_status s = ic_codegen_emit(g, &co, c, blob, d);
    if (s == IC_OK && (!ic_strbuf_ok(c) || !ic_strbuf_ok(blob)))
        s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory generating C");
    if (s != IC_OK) {
        ic_strbuf_free(c);
        ic_strbuf_free(blob);
    }
    return s;
}

/* --emit-c: the C source plus its weights blob at FILE.blob, which the
 * source .incbin's by absolute path, so the file can be rebuilt by hand. */
static ic_status emit_c_copy(const ic_graph *g, const char *isa, const uint8_t hash[16], const char *path,
                             ic_diag *d) {
    char blob_path[PATH_MAX];
    if (path[0] == '/') {
        if (snprintf(blob_path, sizeof blob_path, "%s.blob", path) >= (int)sizeof blob_path)
            return ic_diag_set(d, IC_ERR_IO, "--emit-c path too long");
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return ic_diag_set(d, IC_ERR_IO, "getcwd: %s", strerror(errno));
        if (snprintf(blob_path, sizeof blob_path, "%s/%s.blob", cwd, path) >= (int)sizeof blob_path)
            return ic_diag_set(d, IC_ERR_IO, "--emit-c path too long");
    }
    ic_strbuf c, blob;
    IC_TRY(generate(g, isa, hash, blob_path, &c, &blob, d));
    ic_status s = write_file(path, c.data, c.len, d);
    if (s == IC_OK) s = write_file(blob_path, blob.data, blob.len, d);
    ic_strbuf_free(&c);
    ic_strbuf_free(&blob);
    return s;
}

/* Generates, writes and compiles in build_dir (absolute); the .so ends up at
 * build_dir/model.so. The compiler runs inside build_dir and sees only the
 * relative names model.c, weights.bin and model.so, so odd characters in the
 * cache path (quotes, newlines) never reach it or the assembler's .incbin. */
static ic_status build_in(const ic_graph *g, const ic_cc_config *cfg, const char *isa, const uint8_t hash[16],
                          const char *build_dir, bool verbose, progress *prog, ic_diag *d) {
    char c_path[PATH_MAX], blob_path[PATH_MAX], so_path[PATH_MAX];
    snprintf(c_path, sizeof c_path, "%s/model.c", build_dir);
    snprintf(blob_path, sizeof blob_path, "%s/weights.bin", build_dir);
    snprintf(so_path, sizeof so_path, "%s/model.so", build_dir);

    progress_stage(prog, "codegen");
    double t0 = now_ms();
    ic_strbuf c, blob;
    IC_TRY(generate(g, isa, hash, "weights.bin", &c, &blob, d));
    if (debug_level() >= 3) fprintf(stderr, "inductc: generated C (%s)\n%s", c_path, c.data ? c.data : "");
    ic_status s = write_file(c_path, c.data, c.len, d);
    if (s == IC_OK) s = write_file(blob_path, blob.data, blob.len, d);
    if (verbose)
        fprintf(stderr, "inductc: codegen %.1f ms (%zu bytes of C, %zu bytes of weights)\n", now_ms() - t0, c.len,
                blob.len);
    ic_strbuf_free(&c);
    ic_strbuf_free(&blob);
    IC_TRY(s);

    progress_stage(prog, "cc");
    t0 = now_ms();
    IC_TRY(ic_cc_build_in(cfg, build_dir, "model.c", "model.so", d));
    if (verbose) fprintf(stderr, "inductc: cc %.1f ms\n", now_ms() - t0);
    /* The cache refuses group/other-writable entries; do not depend on umask. */
    if (chmod(so_path, 0755) != 0)
        return ic_diag_set(d, IC_ERR_IO, "cannot chmod %s: %s", so_path, strerror(errno));
    unlink(c_path);
    unlink(blob_path);
    return IC_OK;
}

static ic_status make_build_dir(const char *parent, const char *prefix, char *out, size_t size, ic_diag *d) {
    char tmpl[PATH_MAX];
    if (snprintf(tmpl, sizeof tmpl, "%s/%sXXXXXX", parent, prefix) >= (int)sizeof tmpl)
        return ic_diag_set(d, IC_ERR_IO, "build directory path too long");
    if (!mkdtemp(tmpl)) return ic_diag_set(d, IC_ERR_IO, "cannot create a build directory in %s: %s", parent, strerror(errno));
    /* codegen's blob path must be absolute: the compiler runs elsewhere. */
    char abs[PATH_MAX];
    if (!realpath(tmpl, abs)) {
        int err = errno;
        rmdir(tmpl);
        return ic_diag_set(d, IC_ERR_IO, "cannot resolve %s: %s", tmpl, strerror(err));
    }
    if (strlen(abs) >= size) {
        rmdir(tmpl);
        return ic_diag_set(d, IC_ERR_IO, "build directory path too long");
    }
    strcpy(out, abs);
    return IC_OK;
}

/* A cache miss: builds in a fresh directory inside the cache, seals the .so
 * and renames it to entry. */
static ic_status build_into_cache(const ic_graph *g, const ic_cc_config *cfg, const char *isa, const uint8_t hash[16],
                                  const ic_cache_key *key, const char *dir, const char *entry, bool verbose,
                                  progress *prog, ic_diag *d) {
    char build_dir[PATH_MAX - 64]; /* room for "/model.so" */
    IC_TRY(make_build_dir(dir, "tmp-", build_dir, sizeof build_dir, d));
    ic_status s = build_in(g, cfg, isa, hash, build_dir, verbose, prog, d);
    char built[PATH_MAX];
    snprintf(built, sizeof built, "%s/model.so", build_dir);
    if (s == IC_OK) s = ic_cache_seal(built, key, d);
    if (s == IC_OK) {
        if (rename(built, entry) != 0)
            s = ic_diag_set(d, IC_ERR_IO, "cannot move the compiled model into the cache at %s: %s", entry,
                            strerror(errno));
    }
    if (s != IC_OK && debug_level() > 0) {
        fprintf(stderr, "inductc: keeping the build directory %s (INDUCTC_DEBUG is set)\n", build_dir);
    } else {
        remove_dir(build_dir);
        if (s == IC_ERR_COMPILE) ic_diag_prefix(d, "compiling the generated C (INDUCTC_DEBUG=1 keeps it)");
    }
    return s;
}

static ic_status compile_lowered(ic_graph *g, const ic_compile_options *opt, bool verbose, progress *prog,
                                 ic_compile_result *out, ic_diag *d) {
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    cfg.verbose = debug_level() >= 4;
    const char *isa = ic_isa_detect();

    progress_stage(prog, "hashing");
    ic_cache_key key;
    IC_TRY(ic_cache_key_compute(g, &cfg, isa, &key, d));
    memcpy(out->key, key.hex, sizeof out->key);
    uint8_t hash[16];
    IC_TRY(ic_graph_hash(g, hash, d));

    if (opt->emit_c) IC_TRY(emit_c_copy(g, isa, hash, opt->emit_c, d));

    char build_dir[PATH_MAX - 64]; /* room for "/model.so" */
    if (opt->no_cache) {
        const char *tmp = getenv("TMPDIR");
        IC_TRY(make_build_dir(tmp && *tmp ? tmp : "/tmp", "inductc-", build_dir, sizeof build_dir, d));
        ic_status s = build_in(g, &cfg, isa, hash, build_dir, verbose, prog, d);
        if (s != IC_OK) {
            remove_dir(build_dir);
            return s;
        }
        snprintf(out->so_path, sizeof out->so_path, "%s/model.so", build_dir);
        return IC_OK;
    }

    char dir[PATH_MAX];
    IC_TRY(ic_cache_dir(opt->cache_dir, dir, sizeof dir, d));
    bool hit;
    const char *why;
    IC_TRY(ic_cache_lookup(dir, &key, out->so_path, sizeof out->so_path, &hit, &why, d));
    if (!hit && why && verbose) fprintf(stderr, "inductc: discarded cache entry %s: %s\n", key.hex, why);
    if (!hit) {
        /* One process builds, the others compiling the same graph wait for its entry. */
        bool busy;
        int lock = ic_cache_lock_try(dir, &key, &busy);
        if (busy) {
            progress_stage(prog, "waiting for another inductc building the same model");
            if (verbose) fprintf(stderr, "inductc: waiting for another inductc building %s\n", key.hex);
            ic_cache_lock_wait(lock);
        }
        /* whoever held the lock may have just put the entry in place */
        ic_status s = ic_cache_lookup(dir, &key, out->so_path, sizeof out->so_path, &hit, &why, d);
        if (s != IC_OK) {
            ic_cache_unlock(dir, &key, lock);
            return s;
        }
        if (!hit) {
            if (verbose) fprintf(stderr, "inductc: cache miss %s\n", key.hex);
            s = build_into_cache(g, &cfg, isa, hash, &key, dir, out->so_path, verbose, prog, d);
            ic_cache_unlock(dir, &key, lock);
            return s;
        }
        ic_cache_unlock(dir, &key, lock);
    }
    out->cache_hit = true;
    if (verbose) fprintf(stderr, "inductc: cache hit %s (%s)\n", key.hex, out->so_path);
    return IC_OK;
}

ic_status ic_compile_graph(ic_graph *g, const ic_compile_options *opt, ic_compile_result *out, ic_diag *d) {
    static const ic_compile_options defaults;
    if (!opt) opt = &defaults;
    memset(out, 0, sizeof *out);
    bool verbose = opt->verbose || debug_level() >= 1;

    progress prog;
    progress_start(&prog, opt->progress, g->name);

    ic_pipeline_options po;
    memset(&po, 0, sizeof po);
    po.print_after_all = opt->print_ir_after_all;
    po.verbose = verbose;
#ifndef NDEBUG
    po.verify = true;
#endif
    double t0 = now_ms();
    ic_status s = ic_pipeline_run(g, &po, d);
    if (verbose && s == IC_OK) fprintf(stderr, "inductc: lowering %.1f ms\n", now_ms() - t0);
    if (s == IC_OK) s = compile_lowered(g, opt, verbose, &prog, out, d);
    progress_end(&prog);
    return s;
}
