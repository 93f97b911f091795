/* inductc.c — the command-line tool's entry point: usage, dispatch to the
 * commands, and the compile command itself.
 *
 *     inductc MODEL -o OUT.so [compile options]          (here)
 *     inductc run OUT.so|MODEL [--input NAME=FILE.npy]... (cli_run.c)
 *     inductc info OUT.so|MODEL                           (cli_info.c)
 *     inductc cache list|clear|prune                      (cli_cache.c)
 *
 * The CLI is the only place that decides exit codes: 0 success, 1 bad input
 * or a failed compile/run (one line on stderr, "inductc: <what went wrong>"),
 * 2 bad usage (one line with a hint to --help). */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inductc/model.h"
#include "ir/strbuf.h"
#include "ir/text.h"
#include "lower/pipeline.h"
#include "runtime/cache.h"

#ifndef IC_VERSION
#define IC_VERSION "unknown"
#endif

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

/* --- compile ------------------------------------------------------------------------ */

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
    if (!known) return cli_usage_error("unknown pass '%s' for --stop-after (passes: %s)", c->stop_after, names);
    ic_graph *g;
    if (ic_compile_load_model(model, &c->opt, NULL, &g, &d) != IC_OK) return cli_fail(&d);
    ic_pipeline_options po = {.print_after_all = c->opt.print_ir_after_all, .stop_after = c->stop_after,
                              .verify = true, .verbose = c->opt.verbose};
    ic_strbuf text;
    ic_strbuf_init(&text);
    ic_status s = ic_pipeline_run(g, &po, &d);
    if (s == IC_OK) s = ic_text_print(g, &text, &d);
    if (s == IC_OK) fputs(ic_strbuf_str(&text), stdout);
    ic_strbuf_free(&text);
    ic_graph_destroy(g);
    return s == IC_OK ? EXIT_OK : cli_fail(&d);
}

int cli_cmd_compile(args *a) {
    compile_cli c = {0};
    const char *model = NULL;
    while (a->i < a->argc) {
        int r = cli_take_compile_option(a, &c);
        if (r < 0) return -r;
        if (r > 0) continue;
        const char *arg = a->argv[a->i];
        if (arg[0] == '-' && arg[1] != '\0') return cli_usage_error("unknown option '%s'", arg);
        if (model) return cli_usage_error("more than one model given ('%s' and '%s')", model, arg);
        model = arg;
        a->i++;
    }
    if (!model) return cli_usage_error("no model given");
    if (c.stop_after) {
        if (c.out) return cli_usage_error("--stop-after prints the IR and builds nothing; drop -o");
        return cmd_stop_after(model, &c);
    }
    if (!c.out) return cli_usage_error("missing -o OUT.so");

    ic_diag d = {0};
    ic_compile_result res;
    if (cli_compile_model(model, &c, &res, &d) != IC_OK) return cli_fail(&d);
    /* the user gets the shared object as cc made it, without the cache's trailer */
    ic_status s = copy_file_atomic(res.so_path, c.out, ic_cache_payload_size(res.so_path), &d);
    if (c.opt.no_cache) cli_remove_no_cache_build(res.so_path);
    if (s != IC_OK) return cli_fail(&d);
    if (c.opt.verbose) fprintf(stderr, "inductc: wrote %s (%s)\n", c.out, res.cache_hit ? "from the cache" : "compiled");
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
        return cli_cmd_run(&a);
    }
    if (strcmp(cmd, "info") == 0) {
        a.i = 2;
        return cli_cmd_info(&a);
    }
    if (strcmp(cmd, "cache") == 0) {
        a.i = 2;
        return cli_cmd_cache(&a);
    }
    return cli_cmd_compile(&a);
}
