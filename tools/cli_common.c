/* cli_common.c — the pieces every inductc command uses: one-line messages,
 * argument parsing, the compile options, and getting from a model file to a
 * loaded .so (see cli.h). */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cache.h"

/* --- messages ---------------------------------------------------------------------- */

int cli_fail(const ic_diag *d) {
    /* Control characters from file names or model text (escape sequences,
     * CR, form feeds) must not rewrite the terminal or split the line. */
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg[0] ? d->msg : ic_status_name(d->status));
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    fprintf(stderr, "inductc: %s\n", msg);
    return EXIT_FAIL;
}

int cli_usage_error(const char *fmt, ...) {
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

int cli_take_value(args *a, const char *name, const char **val) {
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

bool cli_take_flag(args *a, const char *name) {
    if (strcmp(a->argv[a->i], name) != 0) return false;
    a->i++;
    return true;
}

bool cli_parse_int(const char *s, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

bool cli_parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0)) return false;
    *out = v;
    return true;
}


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

int cli_take_compile_option(args *a, compile_cli *c) {
    const struct {
        const char *name;  /* option */
        const char **slot; /* where its value goes */
    } valued[] = {{"-o", &c->out}, {"--cache-dir", &c->opt.cache_dir}, {"--emit-c", &c->opt.emit_c},
                  {"--stop-after", &c->stop_after}};
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
        int r = cli_take_value(a, valued[k].name, valued[k].slot);
        if (r < 0) return -cli_usage_error("%s needs a value", valued[k].name);
        if (r > 0) return 1;
    }
    const char *spec;
    int r = cli_take_value(a, "--input-shape", &spec);
    if (r < 0) return -cli_usage_error("--input-shape needs a value");
    if (r > 0) {
        if (c->opt.n_input_shapes == MAX_INPUT_SHAPES) return -cli_usage_error("too many --input-shape options");
        uint32_t k = c->opt.n_input_shapes;
        if (!parse_input_shape(spec, &c->shapes[k], c->shape_names[k], sizeof c->shape_names[k]))
            return -cli_usage_error("--input-shape wants NAME=D0,D1,... (got '%s')", spec);
        c->opt.input_shapes = c->shapes;
        c->opt.n_input_shapes++;
        return 1;
    }
    if (cli_take_flag(a, "--no-cache"))
        c->opt.no_cache = true;
    else if (cli_take_flag(a, "--print-ir-after-all"))
        c->opt.print_ir_after_all = true;
    else if (cli_take_flag(a, "-v") || cli_take_flag(a, "--verbose"))
        c->opt.verbose = true;
    else
        return 0;
    return 1;
}

/* --- model files and compiled models ----------------------------------------------- */

ic_status cli_file_is_elf(const char *path, bool *out, ic_diag *d) {
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

ic_status cli_compile_model(const char *model, const compile_cli *c, ic_compile_result *res, ic_diag *d) {
    ic_compile_options opt = c->opt;
    opt.progress = !opt.verbose;
    return ic_compile_file(model, &opt, res, d);
}

void cli_remove_no_cache_build(const char *so_path) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", so_path);
    char *slash = strrchr(dir, '/');
    unlink(so_path);
    if (slash) {
        *slash = '\0';
        rmdir(dir);
    }
}

ic_status cli_load_model_file(const char *path, ic_loaded_model *lm, ic_diag *d) {
    char buf[PATH_MAX];
    if (!strchr(path, '/')) {
        if (snprintf(buf, sizeof buf, "./%s", path) >= (int)sizeof buf)
            return ic_diag_set(d, IC_ERR_IO, "%s: path too long", path);
        path = buf;
    }
    IC_TRY(ic_so_check_file(path, d));
    return ic_model_load(path, lm, d);
}
