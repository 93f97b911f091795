/* test_cache.c — the compile cache: directory precedence and ownership, what
 * the key depends on (graph, weights, compiler flags, ISA) and what it must
 * not (internal value names), which entries on disk are trusted (trailer,
 * owner, mode, hash), the build lock, and list/prune. */
#define _POSIX_C_SOURCE 200809L

#include "helpers/test_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Overwrites one byte of path at off (negative: from the end). */
static void poke(const char *path, long off, unsigned char byte) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
    assert_int_equal(fputc(byte, f), byte);
    assert_int_equal(fclose(f), 0);
}

static ic_cache_key test_key(char fill) {
    ic_cache_key key;
    memset(&key, 0, sizeof key);
    for (int i = 0; i < 16; i++) key.bytes[i] = (uint8_t)(fill + i);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        key.hex[2 * i] = digits[key.bytes[i] >> 4];
        key.hex[2 * i + 1] = digits[key.bytes[i] & 15];
    }
    return key;
}

/* A sealed entry for key at path: this test's own executable plus the trailer. */
static void make_entry(const char *path, const ic_cache_key *key) {
    copy_prefix("/proc/self/exe", path, -1);
    chmod(path, 0755);
    ic_diag d = {0};
    if (ic_cache_seal(path, key, &d) != IC_OK) fail_msg("seal: %s", d.msg);
}

/* Looks key up in dir; returns whether it hit and puts the reason for a miss in *why. */
static bool lookup(const char *dir, const ic_cache_key *key, const char **why) {
    char path[1024];
    bool hit = true;
    ic_diag d = {0};
    if (ic_cache_lookup(dir, key, path, sizeof path, &hit, why, &d) != IC_OK) fail_msg("lookup: %s", d.msg);
    return hit;
}

/* The entry must be a miss, for a reason containing want, and gone afterwards. */
static void expect_discarded(const char *dir, const ic_cache_key *key, const char *entry, const char *want) {
    const char *why = NULL;
    assert_false(lookup(dir, key, &why));
    if (!why || !strstr(why, want)) fail_msg("discarded for '%s', wanted '%s'", why ? why : "(nothing)", want);
    assert_int_not_equal(access(entry, F_OK), 0);
}

static void test_lookup(void **state) {
    (void)state;
    char dir[512], path[1024];
    path_in(dir, sizeof dir, "entries");
    ic_diag d = {0};
    char resolved[1024];
    assert_int_equal(ic_cache_dir(dir, resolved, sizeof resolved, &d), IC_OK);
    ic_cache_key key = test_key(1), other = test_key(2);
    bool hit = true;
    const char *why = "x";

    /* Nothing there: a miss with no reason. */
    assert_int_equal(ic_cache_lookup(dir, &key, path, sizeof path, &hit, &why, &d), IC_OK);
    assert_false(hit);
    assert_null(why);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s.so", dir, key.hex);
    assert_string_equal(path, want);

    /* Not an ELF file and no trailer: a miss, and the bad entry is removed. */
    write_bytes(want, "garbage, not a shared object", 28);
    expect_discarded(dir, &key, want, "no inductc trailer");

    /* A whole ELF file without the trailer (never written by inductc): a miss. */
    copy_prefix("/proc/self/exe", want, -1);
    chmod(want, 0755);
    expect_discarded(dir, &key, want, "no inductc trailer");

    /* Sealed for this key: a hit, and the hit marks it used now. */
    make_entry(want, &key);
    struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    assert_int_equal(utimensat(AT_FDCWD, want, old, 0), 0);
    assert_true(lookup(dir, &key, &why));
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_true(st.st_mtime > 1000000000 + 86400);
    assert_true(lookup(dir, &key, &why)); /* and again */

    /* Sealed for another key, or for another model ABI: stale, rebuilt. */
    make_entry(want, &other);
    expect_discarded(dir, &key, want, "another key");
    make_entry(want, &key);
    poke(want, -IC_CACHE_TRAILER_SIZE + 32, 0x7f); /* the ABI version field */
    expect_discarded(dir, &key, want, "another model ABI version");

    /* One flipped byte in the middle: the hash catches it. */
    make_entry(want, &key);
    poke(want, file_size(want) / 2, 0x5a);
    poke(want, file_size(want) / 2 + 1, 0xa5);
    expect_discarded(dir, &key, want, "corrupted");
    /* A flipped byte in the hash itself. */
    make_entry(want, &key);
    poke(want, -1, 0x00);
    poke(want, -2, 0xff);
    expect_discarded(dir, &key, want, "corrupted");

    /* Truncated: the trailer is gone; cut inside the trailer: no magic either. */
    make_entry(want, &key);
    long size = file_size(want);
    char cut[1100];
    snprintf(cut, sizeof cut, "%s.cut", want);
    copy_prefix(want, cut, 4096);
    assert_int_equal(rename(cut, want), 0);
    expect_discarded(dir, &key, want, "no inductc trailer");
    make_entry(want, &key);
    copy_prefix(want, cut, size - 10);
    assert_int_equal(rename(cut, want), 0);
    expect_discarded(dir, &key, want, "no inductc trailer");
    /* Bytes appended after a good trailer. */
    make_entry(want, &key);
    FILE *f = fopen(want, "ab");
    assert_non_null(f);
    fputs("inductc-entry-v1 but not really, 64 bytes of junk appended at the end", f);
    fclose(f);
    expect_discarded(dir, &key, want, "trailer");

    /* Writable by others or by the group: not trusted. */
    make_entry(want, &key);
    chmod(want, 0757);
    expect_discarded(dir, &key, want, "writable by group or others");
    make_entry(want, &key);
    chmod(want, 0775);
    expect_discarded(dir, &key, want, "writable by group or others");

    /* Owned by another user (only root can make one). */
    if (geteuid() == 0) {
        make_entry(want, &key);
        assert_int_equal(chown(want, 65534, 65534), 0);
        expect_discarded(dir, &key, want, "owned by another user");
    }

    /* A symlink, even to a good entry: a miss, and only the link goes. */
    char target[1024];
    snprintf(target, sizeof target, "%s/target.so", tmp_dir);
    make_entry(target, &key);
    assert_int_equal(symlink(target, want), 0);
    expect_discarded(dir, &key, want, "symbolic link");
    assert_int_equal(access(target, F_OK), 0);

    /* A directory in the way: a miss, and it is removed if empty. */
    assert_int_equal(mkdir(want, 0700), 0);
    assert_false(lookup(dir, &key, &why));
    assert_non_null(why);
    assert_int_not_equal(access(want, F_OK), 0);

    /* And a good entry after all that is a hit again. */
    make_entry(want, &key);
    assert_true(lookup(dir, &key, &why));
    assert_null(why);
}

/* --- the directory must be ours alone ---------------------------------------------- */

static void expect_dir_refused(const char *dir, const char *want) {
    char out[1024];
    ic_diag d = {0};
    assert_int_equal(ic_cache_dir(dir, out, sizeof out, &d), IC_ERR_IO);
    if (!strstr(d.msg, want) || !strstr(d.msg, dir) || !strstr(d.msg, "--no-cache") || strchr(d.msg, '\n'))
        fail_msg("message '%s', wanted '%s'", d.msg, want);
}

static void test_dir_security(void **state) {
    (void)state;
    char dir[512], out[1024];
    ic_diag d = {0};
    path_in(dir, sizeof dir, "shared");
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(ic_cache_dir(dir, out, sizeof out, &d), IC_OK);

    chmod(dir, 0777);
    expect_dir_refused(dir, "writable by others (mode 777)");
    chmod(dir, 01777); /* sticky like /tmp: still refused */
    expect_dir_refused(dir, "writable by others");
    chmod(dir, 0770);
    expect_dir_refused(dir, "writable by its group (mode 770)");
    chmod(dir, 0755); /* readable by others is fine */
    assert_int_equal(ic_cache_dir(dir, out, sizeof out, &d), IC_OK);

    /* Through a symlink to a good directory: fine (~/.cache often is one). */
    char link[512];
    path_in(link, sizeof link, "link-to-shared");
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(ic_cache_dir(link, out, sizeof out, &d), IC_OK);

    if (geteuid() == 0) {
        assert_int_equal(chown(dir, 65534, 65534), 0);
        expect_dir_refused(dir, "belongs to uid 65534");
    } else {
        /* Not writable by us (root could write anyway). */
        chmod(dir, 0500);
        expect_dir_refused(dir, "not writable");
        chmod(dir, 0700);
    }
}

/* --- the build lock ---------------------------------------------------------------------- */

static void test_lock(void **state) {
    (void)state;
    char dir[512], lock[1024];
    path_in(dir, sizeof dir, "locks");
    assert_int_equal(mkdir(dir, 0700), 0);
    ic_cache_key key = test_key(7);
    snprintf(lock, sizeof lock, "%s/%s.lock", dir, key.hex);
    bool busy = true;
    int fd = ic_cache_lock_try(dir, &key, &busy);
    assert_true(fd >= 0);
    assert_false(busy);
    assert_int_equal(access(lock, F_OK), 0);
    /* a second taker (another open file: as another process would) finds it busy */
    int fd2 = ic_cache_lock_try(dir, &key, &busy);
    assert_true(fd2 >= 0);
    assert_true(busy);
    close(fd2);
    ic_cache_unlock(dir, &key, fd);
    assert_int_not_equal(access(lock, F_OK), 0); /* no lock files pile up */
    fd = ic_cache_lock_try(dir, &key, &busy);
    assert_false(busy);
    ic_cache_unlock(dir, &key, fd);
    ic_cache_unlock(dir, &key, -1); /* no lock: nothing happens */
    /* no lock can be made in a missing directory: -1, and callers go on without */
    char missing[512];
    path_in(missing, sizeof missing, "no-such-dir");
    assert_int_equal(ic_cache_lock_try(missing, &key, &busy), -1);
    assert_false(busy);
}

/* --- list and prune ---------------------------------------------------------------------- */

static void make_sized(const char *dir, const char *name, size_t size, time_t mtime) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++) fputc('x', f);
    assert_int_equal(fclose(f), 0);
    struct timespec t[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool exists_in(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

#define KEY_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define KEY_C "cccccccccccccccccccccccccccccccc"
#define KEY_D "0123456789abcdef0123456789abcdef"

static void test_list_and_prune(void **state) {
    (void)state;
    char dir[512], sub[1024];
    path_in(dir, sizeof dir, "manage");
    assert_int_equal(mkdir(dir, 0700), 0);
    time_t now = time(NULL);
    make_sized(dir, KEY_A ".so", 1000, now - 300); /* oldest */
    make_sized(dir, KEY_B ".so", 2000, now - 100);
    make_sized(dir, KEY_C ".so", 4000, now - 10); /* newest */
    make_sized(dir, KEY_D ".so", 500, now - 200);
    /* not entries: never listed, never removed */
    make_sized(dir, "notes.txt", 100000, now - 99999);
    make_sized(dir, "ABCDEFABCDEFABCDEFABCDEFABCDEFAB.so", 10, now - 99999); /* upper case */
    make_sized(dir, KEY_A ".so.bak", 10, now - 99999);
    make_sized(dir, "tmp-file", 10, now - 99999);
    /* leftovers: a stale and a fresh lock, a stale and a fresh build dir */
    make_sized(dir, KEY_A ".lock", 0, now - 7200);
    make_sized(dir, KEY_B ".lock", 0, now);
    snprintf(sub, sizeof sub, "%s/tmp-OLD123", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    make_sized(sub, "model.c", 10, now - 7200);
    struct timespec t[2] = {{.tv_sec = now - 7200}, {.tv_sec = now - 7200}};
    assert_int_equal(utimensat(AT_FDCWD, sub, t, 0), 0);
    snprintf(sub, sizeof sub, "%s/tmp-NEW456", dir);
    assert_int_equal(mkdir(sub, 0700), 0);

    ic_cache_entry *v;
    size_t n;
    ic_diag d = {0};
    assert_int_equal(ic_cache_list(dir, &v, &n, &d), IC_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].key, KEY_C); /* most recently used first */
    assert_string_equal(v[1].key, KEY_B);
    assert_string_equal(v[2].key, KEY_D);
    assert_string_equal(v[3].key, KEY_A);
    assert_int_equal(v[0].size, 4000);
    assert_int_equal(v[3].mtime, now - 300);
    free(v);

    /* 7500 bytes in all; at most 6000 drops A (1000) and D (500) */
    size_t removed;
    uint64_t freed;
    assert_int_equal(ic_cache_prune(dir, 6000, &removed, &freed, &d), IC_OK);
    assert_int_equal(freed, 1500);
    assert_int_equal(removed, 4); /* two entries, the stale lock, the stale build dir */
    assert_false(exists_in(dir, KEY_A ".so"));
    assert_false(exists_in(dir, KEY_D ".so"));
    assert_true(exists_in(dir, KEY_B ".so"));
    assert_true(exists_in(dir, KEY_C ".so"));
    assert_false(exists_in(dir, KEY_A ".lock"));
    assert_true(exists_in(dir, KEY_B ".lock"));
    assert_false(exists_in(dir, "tmp-OLD123"));
    assert_true(exists_in(dir, "tmp-NEW456"));

    /* already small enough: nothing to do */
    assert_int_equal(ic_cache_prune(dir, 6000, &removed, &freed, &d), IC_OK);
    assert_int_equal(removed, 0);
    /* 0 clears every entry, and still nothing else */
    assert_int_equal(ic_cache_prune(dir, 0, &removed, &freed, &d), IC_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(freed, 6000);
    assert_int_equal(ic_cache_list(dir, &v, &n, &d), IC_OK);
    assert_int_equal(n, 0);
    free(v);
    assert_true(exists_in(dir, "notes.txt"));
    assert_true(exists_in(dir, "ABCDEFABCDEFABCDEFABCDEFABCDEFAB.so"));
    assert_true(exists_in(dir, KEY_A ".so.bak"));
    assert_true(exists_in(dir, "tmp-file"));

    char missing[512];
    path_in(missing, sizeof missing, "no-such-cache");
    assert_int_equal(ic_cache_list(missing, &v, &n, &d), IC_ERR_IO);
    assert_non_null(strstr(d.msg, "no-such-cache"));
}

static void test_parse_size(void **state) {
    (void)state;
    uint64_t v = 0;
    assert_true(ic_cache_parse_size("500M", &v));
    assert_int_equal(v, 500ull << 20);
    assert_true(ic_cache_parse_size("2G", &v));
    assert_int_equal(v, 2ull << 30);
    assert_true(ic_cache_parse_size("1.5g", &v));
    assert_int_equal(v, 3ull << 29);
    assert_true(ic_cache_parse_size("4096", &v));
    assert_int_equal(v, 4096);
    assert_true(ic_cache_parse_size("10k", &v));
    assert_int_equal(v, 10240);
    assert_true(ic_cache_parse_size("1GiB", &v));
    assert_int_equal(v, 1ull << 30);
    assert_true(ic_cache_parse_size("0", &v));
    assert_int_equal(v, 0);
    const char *bad[] = {"", "M", "-1G", "1X", "1GG", "2 G", " 2G", "nan", "inf", "1e30T", "0x10", NULL};
    for (int i = 0; bad[i]; i++)
        if (ic_cache_parse_size(bad[i], &v)) fail_msg("'%s' parsed", bad[i]);
    assert_false(ic_cache_parse_size(NULL, &v));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_precedence),          cmocka_unit_test(test_dir_unusable),
        cmocka_unit_test(test_key_depends_on_graph),    cmocka_unit_test(test_key_depends_on_weights),
        cmocka_unit_test(test_key_depends_on_flags_and_isa), cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_dir_security),            cmocka_unit_test(test_lock),
        cmocka_unit_test(test_list_and_prune),          cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
