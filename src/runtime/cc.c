/* cc.c — drives the system C compiler that turns generated C into a model .so.
 *
 * The compiler runs through posix_spawnp with an argument vector (never a
 * shell), optionally inside the build directory so it sees only relative
 * names; its stdout and stderr are captured through one pipe so a failure can
 * quote the compiler's own first lines, and the command is quoted back as one
 * line of shell words. The fingerprint lists everything about the toolchain
 * that changes the output, for the compile cache key. */
#define _GNU_SOURCE
#include "runtime/cc.h"
#include "runtime/isa.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

extern char **environ;

#ifndef IC_RT_INCLUDE_DIRS
#define IC_RT_INCLUDE_DIRS ""
#endif
#ifndef IC_RT_LIBRARY
#define IC_RT_LIBRARY "libinductc_rt.a"
#endif

#define CAPTURE_MAX (64 * 1024) /* compiler output kept for messages */
#define MAX_ARGV (IC_CC_MAX_ARGS + 80)

/* Libraries every model links after the runtime archive, in order. */
static const char *const link_libs[] = {"-ldnnl", "-lsleef", "-lm"};

static const char *const default_flags[] = {
    "-std=c11", "-O3", "-march=native", "-fopenmp", "-fPIC", "-shared", "-fvisibility=hidden",
};

static void copy_str(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

/* path made absolute against the current directory (the compiler may run
 * elsewhere); unchanged if it already is, or if getcwd fails. */
static void absolute_path(const char *path, char *out, size_t size) {
    char cwd[4096];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) {
        copy_str(out, size, path);
        return;
    }
    int n = snprintf(out, size, "%s/%s", cwd, path);
    if (n < 0 || (size_t)n >= size) copy_str(out, size, path); /* too long: leave it relative */
}

void ic_cc_config_default(ic_cc_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    const char *cc = getenv("CC");
    if (!cc || !cc[0]) cc = "cc";
    /* a relative path such as ./mycc means one in this directory */
    if (strchr(cc, '/') && cc[0] != '/' && !strchr(cc, ' '))
        absolute_path(cc, cfg->cc, sizeof cfg->cc);
    else
        copy_str(cfg->cc, sizeof cfg->cc, cc);
    for (size_t i = 0; i < sizeof default_flags / sizeof default_flags[0]; i++)
        cfg->flags[cfg->n_flags++] = default_flags[i];
    copy_str(cfg->include_dirs, sizeof cfg->include_dirs, IC_RT_INCLUDE_DIRS);
    const char *rt_dir = getenv("INDUCTC_RUNTIME_DIR");
    if (rt_dir && rt_dir[0]) {
        char abs[sizeof cfg->rt_library];
        absolute_path(rt_dir, abs, sizeof abs);
        if (snprintf(cfg->rt_library, sizeof cfg->rt_library, "%s/libinductc_rt.a", abs) >= (int)sizeof cfg->rt_library)
            copy_str(cfg->rt_library, sizeof cfg->rt_library, abs); /* too long: fails later, naming the dir */
    } else {
        copy_str(cfg->rt_library, sizeof cfg->rt_library, IC_RT_LIBRARY);
    }
    const char *dbg = getenv("INDUCTC_DEBUG");
    cfg->verbose = dbg && atoi(dbg) >= 4;
}

void ic_cc_config_set_isa(ic_cc_config *cfg, const char *isa) {
    static const char *const avx512[] = {"-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", NULL};
    static const char *const avx2[] = {"-mavx2", "-mfma", NULL};
    static const char *const sse[] = {NULL};
    if (!isa || strcmp(isa, ic_isa_detect()) == 0) return;
    const char *const *feats = strcmp(isa, "avx512") == 0 ? avx512 : strcmp(isa, "avx2") == 0 ? avx2 : sse;
    int i = 0;
    while (i < cfg->n_flags && strcmp(cfg->flags[i], "-march=native") != 0) i++;
    if (i == cfg->n_flags) {
        if (cfg->n_flags >= IC_CC_MAX_ARGS) return;
        cfg->n_flags++;
    }
    cfg->flags[i] = "-march=x86-64";
    if (cfg->n_flags < IC_CC_MAX_ARGS) cfg->flags[cfg->n_flags++] = "-mtune=native";
    for (const char *const *f = feats; *f && cfg->n_flags < IC_CC_MAX_ARGS; f++) cfg->flags[cfg->n_flags++] = *f;
}

/* Result of running one child process. */
typedef struct run_result {
    int spawn_errno; /* non-zero when the program could not be started */
    int exit_code;   /* exit status, or -1 when killed */
    int signal;      /* terminating signal, 0 if it exited */
} run_result;

/* Runs argv[0] with argv in directory dir (NULL: this one), collecting its
 * stdout and stderr into out (at most CAPTURE_MAX bytes are kept; the rest is
 * read and dropped). */
static ic_status run_capture(char *const *argv, const char *dir, ic_strbuf *out, run_result *res, ic_diag *d) {
    memset(res, 0, sizeof *res);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ic_diag_set(d, IC_ERR_IO, "cannot create a pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (dir) posix_spawn_file_actions_addchdir_np(&fa, dir);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        res->spawn_errno = rc;
        return IC_OK;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out && out->len < CAPTURE_MAX) ic_strbuf_append(out, buf, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return ic_diag_set(d, IC_ERR_IO, "waiting for '%s' failed: %s", argv[0], strerror(errno));
    }
    if (WIFEXITED(status)) {
        res->exit_code = WEXITSTATUS(status);
    } else {
        res->exit_code = -1;
        res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    return IC_OK;
}

/* Splits cfg->include_dirs into "-I<dir>" strings appended to args (storage in buf). */
static int add_include_args(const ic_cc_config *cfg, char *buf, size_t size, char **args, int n, int max) {
    size_t off = 0;
    const char *p = cfg->include_dirs;
    while (*p && n < max) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && off + len + 3 < size) {
            char *s = buf + off;
            memcpy(s, "-I", 2);
            memcpy(s + 2, p, len);
            s[len + 2] = '\0';
            off += len + 3;
            args[n++] = s;
        }
        p += len;
        if (*p == ':') p++;
    }
    return n;
}

/* Appends arg so that a shell would read it back as one word, on one line:
 * bare when it is made of safe characters, else in '...', else (control
 * characters) in bash's $'...' with escapes. Messages stay one line and the
 * command can be pasted into a shell. */
static void append_quoted(ic_strbuf *out, const char *arg) {
    bool bare = arg[0] != '\0', ctrl = false;
    for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) ctrl = true;
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("-_./=:+,@%", *p) || *p >= 0x80))
            bare = false;
    }
    if (bare) {
        ic_strbuf_puts(out, arg);
    } else if (!ctrl) {
        ic_strbuf_puts(out, "'");
        for (const char *p = arg; *p; p++) ic_strbuf_puts(out, *p == '\'' ? "'\\''" : (char[]){*p, 0});
        ic_strbuf_puts(out, "'");
    } else {
        ic_strbuf_puts(out, "$'");
        for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
            if (*p == '\n') ic_strbuf_puts(out, "\\n");
            else if (*p == '\t') ic_strbuf_puts(out, "\\t");
            else if (*p == '\\' || *p == '\'') ic_strbuf_printf(out, "\\%c", *p);
            else if (*p < 0x20 || *p == 0x7f) ic_strbuf_printf(out, "\\x%02x", *p);
            else ic_strbuf_append(out, (const char *)p, 1);
        }
        ic_strbuf_puts(out, "'");
    }
}

/* The command line as one line of shell words, for messages and verbose output. */
static void join_argv(char *const *argv, const char *dir, ic_strbuf *out) {
    if (dir) {
        ic_strbuf_puts(out, "cd ");
        append_quoted(out, dir);
        ic_strbuf_puts(out, " && ");
    }
    for (int i = 0; argv[i]; i++) {
        if (i) ic_strbuf_puts(out, " ");
        append_quoted(out, argv[i]);
    }
}

#define MAX_CC_WORDS 16

/* The words of cfg->cc into words (storage in buf): the whole string when it
 * has no blanks or names an executable file, else split at blanks, as make
 * does with $(CC) (e.g. "ccache gcc"; no quoting). Returns the count (>= 1). */
static int cc_words(const ic_cc_config *cfg, char *buf, size_t size, char **words) {
    copy_str(buf, size, cfg->cc);
    words[0] = buf;
    if (!strpbrk(buf, " \t") || access(buf, X_OK) == 0) return 1;
    int n = 0;
    for (char *p = buf; *p && n < MAX_CC_WORDS;) {
        while (*p == ' ' || *p == '\t') *p++ = '\0';
        if (!*p) break;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t') p++;
    }
    if (n == 0) words[n++] = buf; /* all blanks: let the spawn fail on it */
    return n;
}

/* Up to max_lines non-empty lines of text, joined with " | ". */
static void first_lines(const char *text, int max_lines, ic_strbuf *out) {
    int lines = 0;
    const char *p = text;
    while (*p && lines < max_lines) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            if (lines) ic_strbuf_puts(out, " | ");
            ic_strbuf_append(out, p, len);
            lines++;
        }
        p += len;
        if (*p == '\n') p++;
    }
}

ic_status ic_cc_build_in(const ic_cc_config *cfg, const char *dir, const char *c_path, const char *so_path,
                         ic_diag *d) {
    char *argv[MAX_ARGV];
    char ccbuf[sizeof cfg->cc];
    char incbuf[sizeof cfg->include_dirs + 64 * 3];
    int n = cc_words(cfg, ccbuf, sizeof ccbuf, argv);
    for (int i = 0; i < cfg->n_flags && n < MAX_ARGV - 16; i++) argv[n++] = (char *)cfg->flags[i];
    n = add_include_args(cfg, incbuf, sizeof incbuf, argv, n, MAX_ARGV - 12);
    argv[n++] = "-o";
    argv[n++] = (char *)so_path;
    argv[n++] = (char *)c_path;
    if (cfg->rt_library[0]) argv[n++] = (char *)cfg->rt_library;
    for (size_t i = 0; i < sizeof link_libs / sizeof link_libs[0]; i++) argv[n++] = (char *)link_libs[i];
    argv[n] = NULL;

    ic_strbuf cmd;
    ic_strbuf_init(&cmd);
    join_argv(argv, dir, &cmd);
    if (cfg->verbose) fprintf(stderr, "inductc: %s\n", ic_strbuf_str(&cmd));

    ic_strbuf output;
    ic_strbuf_init(&output);
    run_result res;
    ic_status s = run_capture(argv, dir, &output, &res, d);
    if (s == IC_OK && res.spawn_errno) {
        s = ic_diag_set(d, IC_ERR_COMPILE, "cannot run C compiler '%s': %s", argv[0], strerror(res.spawn_errno));
    } else if (s == IC_OK && (res.exit_code != 0 || res.signal)) {
        ic_strbuf lines;
        ic_strbuf_init(&lines);
        first_lines(ic_strbuf_str(&output), 3, &lines);
        if (res.signal)
            s = ic_diag_set(d, IC_ERR_COMPILE, "cc killed by signal %d: %s; command: %s", res.signal,
                            ic_strbuf_str(&lines), ic_strbuf_str(&cmd));
        else
            s = ic_diag_set(d, IC_ERR_COMPILE, "cc failed (exit %d): %s; command: %s", res.exit_code,
                            lines.len ? ic_strbuf_str(&lines) : "(no output)", ic_strbuf_str(&cmd));
        ic_strbuf_free(&lines);
    } else if (s == IC_OK && cfg->verbose && output.len) {
        fputs(ic_strbuf_str(&output), stderr);
    }
    ic_strbuf_free(&output);
    ic_strbuf_free(&cmd);
    return s;
}

ic_status ic_cc_build(const ic_cc_config *cfg, const char *c_path, const char *so_path, ic_diag *d) {
    return ic_cc_build_in(cfg, NULL, c_path, so_path, d);
}

ic_status ic_cc_version(const ic_cc_config *cfg, ic_strbuf *out, ic_diag *d) {
    char *argv[MAX_CC_WORDS + 2];
    char ccbuf[sizeof cfg->cc];
    int n = cc_words(cfg, ccbuf, sizeof ccbuf, argv);
    argv[n++] = "--version";
    argv[n] = NULL;
    ic_strbuf output;
    ic_strbuf_init(&output);
    run_result res;
    ic_status s = run_capture(argv, NULL, &output, &res, d);
    const char *t = ic_strbuf_str(&output);
    if (s == IC_OK && res.spawn_errno) {
        s = ic_diag_set(d, IC_ERR_COMPILE, "cannot run C compiler '%s': %s", argv[0], strerror(res.spawn_errno));
    } else if (s == IC_OK && (res.exit_code != 0 || res.signal)) {
        ic_strbuf lines;
        ic_strbuf_init(&lines);
        first_lines(t, 2, &lines);
        s = ic_diag_set(d, IC_ERR_COMPILE, "'%s --version' failed (%s %d)%s%s", cfg->cc,
                        res.signal ? "signal" : "exit", res.signal ? res.signal : res.exit_code, lines.len ? ": " : "",
                        ic_strbuf_str(&lines));
        ic_strbuf_free(&lines);
    }
    if (s == IC_OK) ic_strbuf_append(out, t, strcspn(t, "\n"));
    ic_strbuf_free(&output);
    return s;
}

/* Appends "label=<xxh3-128 hex of the file>\n"; a missing file is an error. */
static ic_status hash_file(const char *path, const char *label, ic_strbuf *out, ic_diag *d) {
    FILE *f = fopen(path, "rb");
    if (!f) return ic_diag_set(d, IC_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        fclose(f);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory hashing '%s'", path);
    }
    XXH3_128bits_reset(st);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) XXH3_128bits_update(st, buf, n);
    int err = ferror(f);
    fclose(f);
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    if (err) return ic_diag_set(d, IC_ERR_IO, "error reading '%s'", path);
    ic_strbuf_printf(out, "%s=%016llx%016llx\n", label, (unsigned long long)h.high64, (unsigned long long)h.low64);
    return IC_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Hashes every *.h under dir (sorted, up to depth levels deep), labelled by path. */
static ic_status hash_headers(const char *dir, int depth, ic_strbuf *out, ic_diag *d) {
    DIR *dp = opendir(dir);
    if (!dp) return IC_OK; /* a missing include dir changes nothing the compiler sees */
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    ic_status s = IC_OK;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory listing '%s'", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory listing '%s'", dir);
            break;
        }
        n++;
    }
    closedir(dp);
    if (s == IC_OK) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && s == IC_OK; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path) continue;
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t len = strlen(names[i]);
        if (S_ISDIR(st.st_mode) && depth > 0)
            s = hash_headers(path, depth - 1, out, d);
        else if (S_ISREG(st.st_mode) && len > 2 && strcmp(names[i] + len - 2, ".h") == 0)
            s = hash_file(path, path, out, d);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return s;
}

/* The absolute path PATH lookup would run for name (name itself if it has a '/'). */
static void resolve_program(const char *name, char *out, size_t size) {
    copy_str(out, size, name);
    if (strchr(name, '/')) return;
    const char *path = getenv("PATH");
    if (!path) return;
    while (*path) {
        const char *e = strchr(path, ':');
        size_t len = e ? (size_t)(e - path) : strlen(path);
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)len, len ? path : ".", name);
        if (access(cand, X_OK) == 0) {
            char real[4096];
            copy_str(out, size, realpath(cand, real) ? real : cand);
            return;
        }
        path += len;
        if (*path == ':') path++;
    }
}

ic_status ic_cc_fingerprint(const ic_cc_config *cfg, ic_strbuf *out, ic_diag *d) {
    char resolved[4096], ccbuf[sizeof cfg->cc], *words[MAX_CC_WORDS];
    cc_words(cfg, ccbuf, sizeof ccbuf, words);
    resolve_program(words[0], resolved, sizeof resolved);
    ic_strbuf_printf(out, "cc=%s\ncc_path=%s\ncc_version=", cfg->cc, resolved);
    IC_TRY(ic_cc_version(cfg, out, d));
    ic_strbuf_puts(out, "\nflags=");
    for (int i = 0; i < cfg->n_flags; i++) ic_strbuf_printf(out, "%s%s", i ? " " : "", cfg->flags[i]);
    ic_strbuf_puts(out, "\nlink=");
    for (size_t i = 0; i < sizeof link_libs / sizeof link_libs[0]; i++) ic_strbuf_printf(out, "%s ", link_libs[i]);
    ic_strbuf_printf(out, "\ninclude_dirs=%s\n", cfg->include_dirs);
    if (cfg->rt_library[0]) {
        ic_status s = hash_file(cfg->rt_library, "rt_library", out, d);
        if (s != IC_OK) {
            ic_diag_prefix(d, "runtime library (build target inductc_rt or set INDUCTC_RUNTIME_DIR)");
            return s;
        }
    }
    const char *p = cfg->include_dirs;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%.*s", (int)len, p);
            IC_TRY(hash_headers(dir, 2, out, d));
        }
        p += len;
        if (*p == ':') p++;
    }
    if (!ic_strbuf_ok(out)) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory building the compiler fingerprint");
    return IC_OK;
}
