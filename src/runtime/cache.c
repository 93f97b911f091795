/* cache.c — the compile cache: where it lives, how keys are made, when an
 * entry on disk may be trusted, and the per-key build lock. See cache.h.
 *
 * An entry is <dir>/<32 hex digits>.so. Compiles seal it with a trailer,
 * write it under a temporary name and rename() it into place (compile.c), so
 * a reader sees either no file or a whole one. A file that is not ours, is
 * writable by others, or whose trailer does not match its key, the model ABI
 * or its own bytes is discarded and rebuilt. Nothing here dlopens anything:
 * an entry is judged from its bytes. */
#define _GNU_SOURCE /* dladdr */
#include "runtime/cache.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "inductc/model.h"
#include "ir/strbuf.h"
#include "ir/text.h"

#ifndef IC_VERSION
#define IC_VERSION "unknown"
#endif

/* A hash of the file this compiler code runs from — libinductc.so for a
 * host program using inductc.h, else the executable — so that a rebuilt
 * inductc whose codegen changed never reuses entries made by the old one
 * even when the version string is the same. 0 when the file cannot be read
 * (the version string then stands alone). */
static uint64_t self_build_id(void) {
    static uint64_t cached;
    static int done;
    if (__atomic_load_n(&done, __ATOMIC_ACQUIRE)) return cached;
    uint64_t id = 0;
    Dl_info where;
    const char *path = "/proc/self/exe"; /* the main program: dladdr may give a relative argv[0] */
    if (dladdr((void *)(uintptr_t)self_build_id, &where) && where.dli_fname && where.dli_fname[0] == '/')
        path = where.dli_fname;
    FILE *f = fopen(path, "rb");
    XXH3_state_t *st = f ? XXH3_createState() : NULL;
    if (st) {
        XXH3_64bits_reset(st);
        unsigned char buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) XXH3_64bits_update(st, buf, n);
        if (!ferror(f)) id = XXH3_64bits_digest(st);
        XXH3_freeState(st);
    }
    if (f) fclose(f);
    cached = id;
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    return id;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static ic_status mkdir_p(const char *path, ic_diag *d) {
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return ic_diag_set(d, IC_ERR_IO, "cache directory path is empty or too long");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return ic_diag_set(d, IC_ERR_IO, "cannot create cache directory %s: %s (pass --cache-dir DIR or --no-cache)",
                               buf, strerror(errno));
        buf[i] = saved;
    }
    return IC_OK;
}

/* The directory must be ours and writable by us alone: whoever else can write
 * there can plant a .so that we would load. */
static ic_status check_dir(const char *dir, ic_diag *d) {
    struct stat st;
    if (stat(dir, &st) != 0)
        return ic_diag_set(d, IC_ERR_IO, "cannot use cache directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ic_diag_set(d, IC_ERR_IO, "cannot use cache directory %s: %s (pass --cache-dir DIR or --no-cache)", dir,
                           strerror(ENOTDIR));
    if (st.st_uid != geteuid())
        return ic_diag_set(d, IC_ERR_IO,
                           "refusing cache directory %s: it belongs to uid %u, not to us (uid %u); pass --cache-dir "
                           "DIR or --no-cache",
                           dir, (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return ic_diag_set(d, IC_ERR_IO,
                           "refusing cache directory %s: it is writable by %s (mode %03o); chmod 700 it, or pass "
                           "--cache-dir DIR or --no-cache",
                           dir, st.st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st.st_mode & 0777));
    if (access(dir, W_OK | X_OK) != 0)
        return ic_diag_set(d, IC_ERR_IO, "cache directory %s is not writable: %s (pass --cache-dir DIR or --no-cache)",
                           dir, strerror(errno));
    return IC_OK;
}

static const char *nonempty_env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

ic_status ic_cache_dir_path(const char *override, char *out, size_t size, ic_diag *d) {
    const char *v;
    int n;
    if (override && *override)
        n = snprintf(out, size, "%s", override);
    else if ((v = nonempty_env("INDUCTC_CACHE_DIR")))
        n = snprintf(out, size, "%s", v);
    else if ((v = nonempty_env("XDG_CACHE_HOME")))
        n = snprintf(out, size, "%s/inductc", v);
    else if ((v = nonempty_env("HOME")))
        n = snprintf(out, size, "%s/.cache/inductc", v);
    else
        return ic_diag_set(d, IC_ERR_IO,
                           "no cache directory: set INDUCTC_CACHE_DIR or HOME, or pass --cache-dir DIR or --no-cache");
    if (n < 0 || (size_t)n >= size) return ic_diag_set(d, IC_ERR_IO, "cache directory path too long");
    /* Drop trailing slashes so entry paths look tidy ("/" itself stays). */
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/') out[--len] = '\0';
    return IC_OK;
}

ic_status ic_cache_dir(const char *override, char *out, size_t size, ic_diag *d) {
    IC_TRY(ic_cache_dir_path(override, out, size, d));
    IC_TRY(mkdir_p(out, d));
    return check_dir(out, d);
}

/* Hashes a length-prefixed field, so adjacent fields cannot run together. */
static void hash_field(XXH3_state_t *st, const void *p, size_t n) {
    uint64_t len = n;
    XXH3_128bits_update(st, &len, sizeof len);
    if (n) XXH3_128bits_update(st, p, n);
}

static void hash_digest(XXH3_state_t *st, uint8_t out[16]) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
    memcpy(out, c.digest, 16);
}

ic_status ic_graph_hash(const ic_graph *g, uint8_t out[16], ic_diag *d) {
    ic_strbuf text;
    ic_strbuf_init(&text);
    ic_status s = ic_text_print_canonical(g, &text, d);
    if (s == IC_OK && !ic_strbuf_ok(&text)) s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory printing the graph");
    if (s != IC_OK) {
        ic_strbuf_free(&text);
        return s;
    }
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        ic_strbuf_free(&text);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory hashing the graph");
    }
    XXH3_128bits_reset(st);
    hash_field(st, text.data, text.len);
    ic_strbuf_free(&text);
    hash_field(st, g->weights, g->weights ? g->weights_size : 0);
    /* Constants may hold data outside the sidecar (inline values, folded
     * results); their bytes are part of what the model computes. */
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if (n->op != IC_OP_CONSTANT) continue;
        for (uint32_t k = 0; k < n->n_outputs; k++) {
            const ic_value *v = &g->values[n->outputs[k]];
            hash_field(st, v->data, v->data ? ic_value_nbytes(v) : 0);
        }
    }
    hash_digest(st, out);
    XXH3_freeState(st);
    return IC_OK;
}

static void key_hex(ic_cache_key *key) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        key->hex[2 * i] = digits[key->bytes[i] >> 4];
        key->hex[2 * i + 1] = digits[key->bytes[i] & 15];
    }
    key->hex[32] = '\0';
}

ic_status ic_cache_key_compute(const ic_graph *g, const ic_cc_config *cfg, const char *isa, ic_cache_key *out,
                               ic_diag *d) {
    memset(out, 0, sizeof *out);
    uint8_t gh[16];
    IC_TRY(ic_graph_hash(g, gh, d));
    ic_strbuf fp;
    ic_strbuf_init(&fp);
    ic_status s = ic_cc_fingerprint(cfg, &fp, d);
    if (s != IC_OK) ic_diag_prefix(d, "checking the C compiler (cc = %s)", cfg->cc);
    if (s == IC_OK && !ic_strbuf_ok(&fp)) s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory fingerprinting cc");
    if (s != IC_OK) {
        ic_strbuf_free(&fp);
        return s;
    }
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        ic_strbuf_free(&fp);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory hashing the cache key");
    }
    uint64_t build_id = self_build_id();
    XXH3_128bits_reset(st);
    hash_field(st, "inductc-cache-v1", 16);
    hash_field(st, gh, sizeof gh);
    hash_field(st, IC_VERSION, strlen(IC_VERSION));
    hash_field(st, &build_id, sizeof build_id);
    hash_field(st, fp.data, fp.len);
    hash_field(st, isa ? isa : "", isa ? strlen(isa) : 0);
    ic_strbuf_free(&fp);
    hash_digest(st, out->bytes);
    XXH3_freeState(st);
    key_hex(out);
    return IC_OK;
}

/* Little-endian field readers for the ELF header. */
static uint64_t rd_le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* off + len <= size without overflow. */
static bool fits(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

/* NULL when fd holds a complete-looking 64-bit little-endian ELF file: the
 * header, the program headers, every loadable segment's bytes and the section
 * table all inside the file. Otherwise what is wrong. dlopen maps segments
 * without checking the file size, so a truncated file would fault (SIGBUS)
 * when touched; this catches that, and garbage, without parsing everything. */
static const char *elf_problem(int fd, uint64_t file_size) {
    unsigned char h[64];
    if (file_size < sizeof h || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) return "too short for an ELF file";
    if (memcmp(h, "\x7f" "ELF", 4) != 0) return "not an ELF file";
    if (h[4] != 2 /* ELFCLASS64 */ || h[5] != 1 /* little-endian */) return "not a 64-bit little-endian ELF file";
    uint64_t phoff = rd_le(h + 0x20, 8), shoff = rd_le(h + 0x28, 8);
    uint64_t phentsize = rd_le(h + 0x36, 2), phnum = rd_le(h + 0x38, 2);
    uint64_t shentsize = rd_le(h + 0x3A, 2), shnum = rd_le(h + 0x3C, 2);
    if (phnum && (phentsize < 56 || !fits(phoff, phnum * phentsize, file_size))) return "truncated (program headers)";
    for (uint64_t i = 0; i < phnum; i++) {
        unsigned char ph[56];
        if (pread(fd, ph, sizeof ph, (off_t)(phoff + i * phentsize)) != (ssize_t)sizeof ph) return "unreadable";
        uint64_t type = rd_le(ph, 4), off = rd_le(ph + 8, 8), filesz = rd_le(ph + 32, 8);
        if (type == 1 /* PT_LOAD */ && !fits(off, filesz, file_size)) return "truncated (a segment ends past the end)";
    }
    if (shoff && !fits(shoff, shnum * shentsize, file_size)) return "truncated (section table)";
    return NULL;
}

ic_status ic_so_check_file(const char *path, ic_diag *d) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return ic_diag_set(d, IC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    const char *why = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? "not a regular file"
                                                                   : elf_problem(fd, (uint64_t)st.st_size);
    close(fd);
    if (why) return ic_diag_set(d, IC_ERR_RUNTIME, "%s: not a usable shared object: %s", path, why);
    return IC_OK;
}

/* --- entries: the trailer --------------------------------------------------------- */

/* Trailer layout, little-endian:
 *   0  magic "inductc-entry-v1" (16 bytes)
 *  16  the cache key (16 bytes)
 *  32  INDUCTC_MODEL_ABI_VERSION of the inductc that built it (u32), then 4 zero bytes
 *  40  payload size: the bytes before the trailer (u64)
 *  48  XXH3-128 of the payload, canonical form (16 bytes) */
static const char trailer_magic[16] = {'i', 'n', 'd', 'u', 'c', 't', 'c', '-', 'e', 'n', 't', 'r', 'y', '-', 'v', '1'};

static void wr_le(unsigned char *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* XXH3-128 of the first n bytes of fd; false on a read error or short file. */
static bool hash_fd(int fd, uint64_t n, uint8_t out[16]) {
    enum { CHUNK = 1 << 16 };
    XXH3_state_t *st = XXH3_createState();
    unsigned char *buf = malloc(CHUNK);
    bool ok = st && buf;
    if (ok) XXH3_128bits_reset(st);
    uint64_t off = 0;
    while (ok && off < n) {
        size_t want = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) ok = false;
        else {
            XXH3_128bits_update(st, buf, (size_t)r);
            off += (uint64_t)r;
        }
    }
    if (ok) hash_digest(st, out);
    XXH3_freeState(st);
    free(buf);
    return ok;
}

ic_status ic_cache_seal(const char *path, const ic_cache_key *key, ic_diag *d) {
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ic_diag_set(d, IC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    unsigned char t[IC_CACHE_TRAILER_SIZE] = {0};
    ic_status s = IC_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        s = ic_diag_set(d, IC_ERR_IO, "%s: not a regular file", path);
    } else {
        uint64_t size = (uint64_t)st.st_size;
        memcpy(t, trailer_magic, 16);
        memcpy(t + 16, key->bytes, 16);
        wr_le(t + 32, INDUCTC_MODEL_ABI_VERSION, 4);
        wr_le(t + 40, size, 8);
        if (!hash_fd(fd, size, t + 48)) s = ic_diag_set(d, IC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        else if (pwrite(fd, t, sizeof t, (off_t)size) != (ssize_t)sizeof t)
            s = ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    if (close(fd) != 0 && s == IC_OK) s = ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return s;
}

uint64_t ic_cache_payload_size(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return UINT64_MAX;
    struct stat st;
    unsigned char t[IC_CACHE_TRAILER_SIZE];
    uint64_t size = UINT64_MAX;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= IC_CACHE_TRAILER_SIZE &&
        pread(fd, t, sizeof t, st.st_size - IC_CACHE_TRAILER_SIZE) == (ssize_t)sizeof t &&
        memcmp(t, trailer_magic, 16) == 0 && rd_le(t + 40, 8) == (uint64_t)st.st_size - IC_CACHE_TRAILER_SIZE)
        size = (uint64_t)st.st_size - IC_CACHE_TRAILER_SIZE;
    close(fd);
    return size;
}

/* NULL when fd (of size bytes) is a sealed entry for key, else what is wrong. */
static const char *entry_problem(int fd, uint64_t size, const ic_cache_key *key) {
    unsigned char t[IC_CACHE_TRAILER_SIZE];
    if (size < IC_CACHE_TRAILER_SIZE ||
        pread(fd, t, sizeof t, (off_t)(size - IC_CACHE_TRAILER_SIZE)) != (ssize_t)sizeof t ||
        memcmp(t, trailer_magic, 16) != 0)
        return "no inductc trailer (truncated or not written by inductc)";
    if (memcmp(t + 16, key->bytes, 16) != 0) return "it was built for another key";
    if (rd_le(t + 32, 4) != INDUCTC_MODEL_ABI_VERSION) return "it was built for another model ABI version";
    uint64_t payload = size - IC_CACHE_TRAILER_SIZE;
    if (rd_le(t + 40, 8) != payload) return "its size does not match its trailer (truncated or appended to)";
    uint8_t h[16];
    if (!hash_fd(fd, payload, h)) return "unreadable";
    if (memcmp(h, t + 48, 16) != 0) return "its contents do not match their hash (corrupted)";
    return elf_problem(fd, payload);
}

ic_status ic_cache_lookup(const char *dir, const ic_cache_key *key, char *out_path, size_t size, bool *out_hit,
                          const char **out_why, ic_diag *d) {
    *out_hit = false;
    if (out_why) *out_why = NULL;
    int n = snprintf(out_path, size, "%s/%s.so", dir, key->hex);
    if (n < 0 || (size_t)n >= size) return ic_diag_set(d, IC_ERR_IO, "cache entry path too long");

    int fd = open(out_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return IC_OK;
        /* A symlink (ELOOP), a directory, something unreadable: not ours to trust. */
        if (out_why) *out_why = errno == ELOOP ? "a symbolic link" : "unreadable";
        if (unlink(out_path) != 0 && errno == EISDIR) rmdir(out_path);
        return IC_OK;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) why = "not a regular file";
    else if (st.st_uid != geteuid()) why = "owned by another user";
    else if (st.st_mode & (S_IWGRP | S_IWOTH)) why = "writable by group or others";
    else why = entry_problem(fd, (uint64_t)st.st_size, key);
    if (!why) futimens(fd, NULL); /* last used now: prune drops the least recently used */
    close(fd);
    if (!why) {
        *out_hit = true;
        return IC_OK;
    }
    if (out_why) *out_why = why;
    if (unlink(out_path) != 0 && errno == EISDIR) rmdir(out_path); /* corrupt, stale or tampered with: rebuild */
    return IC_OK;
}

/* --- the per-key build lock ---------------------------------------------------------- */

static bool lock_path(const char *dir, const ic_cache_key *key, char *out, size_t size) {
    int n = snprintf(out, size, "%s/%s.lock", dir, key->hex);
    return n > 0 && (size_t)n < size;
}

int ic_cache_lock_try(const char *dir, const ic_cache_key *key, bool *out_busy) {
    *out_busy = false;
    char path[PATH_MAX];
    if (!lock_path(dir, key, path, sizeof path)) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) *out_busy = true;
    return fd;
}

void ic_cache_lock_wait(int fd) {
    /* On a failure other than EINTR we go on unlocked: the lock only saves work. */
    while (fd >= 0 && flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
}

void ic_cache_unlock(const char *dir, const ic_cache_key *key, int fd) {
    if (fd < 0) return;
    /* Unlinking before unlocking: a waiter holding the old file then finds the
     * entry; a newcomer makes a new lock file and finds it too. */
    char path[PATH_MAX];
    if (lock_path(dir, key, path, sizeof path)) unlink(path);
    close(fd);
}
