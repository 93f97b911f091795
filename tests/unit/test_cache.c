/* test_cache.c — the compile cache: directory precedence, what the key
 * depends on (graph, weights, compiler flags, ISA) and what it must not
 * (internal value names), and which entries on disk are trusted. */
#define _POSIX_C_SOURCE 200809L

#include "helpers/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/text.h"
#include "runtime/cache.h"

static char tmp_dir[] = "/tmp/ic_test_cache_XXXXXX";

static int setup(void **state) {
    (void)state;
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *buf, size_t size, const char *name) { snprintf(buf, size, "%s/%s", tmp_dir, name); }

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* --- directory ----------------------------------------------------------------- */

static void test_dir_precedence(void **state) {
    (void)state;
    char out[1024], want[1024], a[512], b[512], c[512];
    ic_diag d = {0};
    path_in(a, sizeof a, "env");
    path_in(b, sizeof b, "xdg");
    path_in(c, sizeof c, "home");
    setenv("INDUCTC_CACHE_DIR", a, 1);
    setenv("XDG_CACHE_HOME", b, 1);
    setenv("HOME", c, 1);

    path_in(want, sizeof want, "override/deep/er");
    assert_int_equal(ic_cache_dir(want, out, sizeof out, &d), IC_OK);
    assert_string_equal(out, want);
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(ic_cache_dir(NULL, out, sizeof out, &d), IC_OK);
    assert_string_equal(out, a);

    unsetenv("INDUCTC_CACHE_DIR");
    assert_int_equal(ic_cache_dir(NULL, out, sizeof out, &d), IC_OK);
    snprintf(want, sizeof want, "%s/inductc", b);
    assert_string_equal(out, want);

    setenv("XDG_CACHE_HOME", "", 1); /* empty counts as unset */
    assert_int_equal(ic_cache_dir(NULL, out, sizeof out, &d), IC_OK);
    snprintf(want, sizeof want, "%s/.cache/inductc", c);
    assert_string_equal(out, want);
    assert_int_equal(stat(want, &st), 0);

    /* Trailing slashes are dropped. */
    snprintf(want, sizeof want, "%s/slash///", tmp_dir);
    assert_int_equal(ic_cache_dir(want, out, sizeof out, &d), IC_OK);
    snprintf(want, sizeof want, "%s/slash", tmp_dir);
    assert_string_equal(out, want);
}

static void test_dir_unusable(void **state) {
    (void)state;
    char out[1024];
    ic_diag d = {0};
    assert_int_equal(ic_cache_dir("/dev/null/cache", out, sizeof out, &d), IC_ERR_IO);
    assert_non_null(strstr(d.msg, "/dev/null"));
    assert_null(strchr(d.msg, '\n'));
    /* A regular file where the directory should be. */
    char file[512];
    path_in(file, sizeof file, "plainfile");
    write_bytes(file, "x", 1);
    assert_int_equal(ic_cache_dir(file, out, sizeof out, &d), IC_ERR_IO);
    assert_non_null(strstr(d.msg, "plainfile"));
}

/* --- key ------------------------------------------------------------------------ */

static ic_graph *parse(const char *text, const char *filename) {
    ic_graph *g = NULL;
    ic_diag d = {0};
    ic_status s = ic_text_parse(text, strlen(text), filename, NULL, &g, &d);
    if (s != IC_OK) fail_msg("parse: %s", d.msg);
    return g;
}

static ic_cache_key key_of(const ic_graph *g, const ic_cc_config *cfg, const char *isa) {
    ic_cache_key k;
    ic_diag d = {0};
    ic_status s = ic_cache_key_compute(g, cfg, isa, &k, &d);
    if (s != IC_OK) fail_msg("key: %s", d.msg);
    assert_int_equal(strlen(k.hex), 32);
    return k;
}

static ic_cache_key key_of_text(const char *text, const ic_cc_config *cfg, const char *isa) {
    ic_graph *g = parse(text, NULL);
    ic_cache_key k = key_of(g, cfg, isa);
    ic_graph_destroy(g);
    return k;
}

#define GRAPH_A                                                         \
    "graph \"k\" {\n"                                                   \
    "  input %x : f32[2,3]\n"                                           \
    "  %c : f32[3] = constant {value=[1.0, 2.0, 3.0]}\n"                \
    "  %t : f32[2,3] = add(%x, %c)\n"                                   \
    "  %y : f32[2,3] = relu(%t)\n"                                      \
    "  output %y\n"                                                     \
    "}\n"

static void test_key_depends_on_graph(void **state) {
    (void)state;
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    ic_cache_key k0 = key_of_text(GRAPH_A, &cfg, "avx2");
    ic_cache_key k1 = key_of_text(GRAPH_A, &cfg, "avx2");
    assert_string_equal(k0.hex, k1.hex); /* deterministic */

    /* Renaming an internal value does not change the key... */
    const char *renamed = "graph \"k\" {\n  input %x : f32[2,3]\n"
                          "  %const_one : f32[3] = constant {value=[1.0, 2.0, 3.0]}\n"
                          "  %sum : f32[2,3] = add(%x, %const_one)\n  %y : f32[2,3] = relu(%sum)\n"
                          "  output %y\n}\n";
    ic_cache_key k2 = key_of_text(renamed, &cfg, "avx2");
    assert_string_equal(k0.hex, k2.hex);

    /* ...but renaming an input or output does (they are the model's ABI), */
    const char *new_input = "graph \"k\" {\n  input %image : f32[2,3]\n"
                            "  %c : f32[3] = constant {value=[1.0, 2.0, 3.0]}\n"
                            "  %t : f32[2,3] = add(%image, %c)\n  %y : f32[2,3] = relu(%t)\n"
                            "  output %y\n}\n";
    assert_string_not_equal(k0.hex, key_of_text(new_input, &cfg, "avx2").hex);
    /* and so does a different op or constant value. */
    const char *other_op = "graph \"k\" {\n  input %x : f32[2,3]\n"
                           "  %c : f32[3] = constant {value=[1.0, 2.0, 3.0]}\n"
                           "  %t : f32[2,3] = add(%x, %c)\n  %y : f32[2,3] = sigmoid(%t)\n"
                           "  output %y\n}\n";
    assert_string_not_equal(k0.hex, key_of_text(other_op, &cfg, "avx2").hex);
    const char *other_value = "graph \"k\" {\n  input %x : f32[2,3]\n"
                              "  %c : f32[3] = constant {value=[1.0, 2.0, 3.5]}\n"
                              "  %t : f32[2,3] = add(%x, %c)\n  %y : f32[2,3] = relu(%t)\n"
                              "  output %y\n}\n";
    assert_string_not_equal(k0.hex, key_of_text(other_value, &cfg, "avx2").hex);
}

static void test_key_depends_on_weights(void **state) {
    (void)state;
    char wpath[512], gpath[512];
    path_in(wpath, sizeof wpath, "k.weights");
    path_in(gpath, sizeof gpath, "k.graph");
    const char *text = "graph \"w\" {\n  weights \"k.weights\"\n  input %x : f32[4]\n"
                       "  %w : f32[4] = constant {offset=0}\n  %y : f32[4] = mul(%x, %w)\n  output %y\n}\n";
    float w[4] = {1, 2, 3, 4};
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);

    write_bytes(wpath, w, sizeof w);
    ic_graph *g = parse(text, gpath);
    ic_cache_key k0 = key_of(g, &cfg, "avx2");
    uint8_t h0[16];
    ic_diag d = {0};
    assert_int_equal(ic_graph_hash(g, h0, &d), IC_OK);
    ic_graph_destroy(g);

    w[2] = 3.25f;
    write_bytes(wpath, w, sizeof w);
    g = parse(text, gpath);
    ic_cache_key k1 = key_of(g, &cfg, "avx2");
    uint8_t h1[16];
    assert_int_equal(ic_graph_hash(g, h1, &d), IC_OK);
    ic_graph_destroy(g);
    assert_string_not_equal(k0.hex, k1.hex);
    assert_memory_not_equal(h0, h1, 16);
}

static void test_key_depends_on_flags_and_isa(void **state) {
    (void)state;
    ic_graph *g = parse(GRAPH_A, NULL);
    ic_cc_config cfg;
    ic_cc_config_default(&cfg);
    ic_cache_key base = key_of(g, &cfg, "avx2");

    assert_string_not_equal(base.hex, key_of(g, &cfg, "avx512").hex);
    assert_string_not_equal(base.hex, key_of(g, &cfg, "sse").hex);

    ic_cc_config more = cfg;
    assert_true(more.n_flags < IC_CC_MAX_ARGS);
    more.flags[more.n_flags++] = "-DIC_TEST_EXTRA_FLAG=1";
    assert_string_not_equal(base.hex, key_of(g, &more, "avx2").hex);

    if (cfg.n_flags > 0) {
        ic_cc_config fewer = cfg;
        fewer.n_flags--;
        assert_string_not_equal(base.hex, key_of(g, &fewer, "avx2").hex);
    }

    /* The graph hash alone ignores the compiler and the ISA. */
    uint8_t h0[16], h1[16];
    ic_diag d = {0};
    assert_int_equal(ic_graph_hash(g, h0, &d), IC_OK);
    assert_int_equal(ic_graph_hash(g, h1, &d), IC_OK);
    assert_memory_equal(h0, h1, 16);
    ic_graph_destroy(g);
}

/* --- lookup ----------------------------------------------------------------------- */

static void copy_prefix(const char *src, const char *dst, long max) {
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    FILE *out = fopen(dst, "wb");
    assert_non_null(out);
    int c;
    for (long n = 0; (max < 0 || n < max) && (c = fgetc(in)) != EOF; n++) fputc(c, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void test_lookup(void **state) {
    (void)state;
    char dir[512], path[1024];
    path_in(dir, sizeof dir, "entries");
    ic_diag d = {0};
    char resolved[1024];
    assert_int_equal(ic_cache_dir(dir, resolved, sizeof resolved, &d), IC_OK);
    ic_cache_key key;
    memset(&key, 0, sizeof key);
    strcpy(key.hex, "0123456789abcdef0123456789abcdef");
    bool hit = true;

    /* Nothing there. */
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s.so", dir, key.hex);
    assert_string_equal(path, want);

    /* Not an ELF file: a miss, and the bad entry is removed. */
    write_bytes(want, "garbage, not a shared object", 28);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    assert_int_not_equal(access(want, F_OK), 0);

    /* A whole ELF file (this test's own executable) is a hit. */
    copy_prefix("/proc/self/exe", want, -1);
    chmod(want, 0755);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_true(hit);

    /* Writable by others: not trusted. */
    chmod(want, 0777);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    assert_int_not_equal(access(want, F_OK), 0);

    /* Writable by the group: not trusted either. */
    copy_prefix("/proc/self/exe", want, -1);
    chmod(want, 0775);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);

    /* Truncated ELF (the section table is cut off): a miss. */
    copy_prefix("/proc/self/exe", want, 4096);
    chmod(want, 0755);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    assert_int_not_equal(access(want, F_OK), 0);

    /* A symlink, even to a good file: a miss. */
    char target[1024];
    snprintf(target, sizeof target, "%s/target.so", tmp_dir);
    copy_prefix("/proc/self/exe", target, -1);
    chmod(target, 0755);
    assert_int_equal(symlink(target, want), 0);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    assert_int_equal(access(target, F_OK), 0); /* the link went, not what it pointed at */

    /* A directory in the way: a miss. */
    unlink(want);
    assert_int_equal(mkdir(want, 0700), 0);
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &d), IC_OK);
    assert_false(hit);
    rmdir(want);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_precedence),          cmocka_unit_test(test_dir_unusable),
        cmocka_unit_test(test_key_depends_on_graph),    cmocka_unit_test(test_key_depends_on_weights),
        cmocka_unit_test(test_key_depends_on_flags_and_isa), cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
