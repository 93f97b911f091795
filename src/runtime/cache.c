/* cache.c — the compile cache: where it lives, how keys are made, and when an
 * entry on disk may be trusted. See cache.h.
 *
 * An entry is <dir>/<32 hex digits>.so. Compiles write it under a temporary
 * name and rename() it into place (compile.c), so a reader sees either no
 * file or a whole one. A file that is not ours, is writable by others, or does
 * not look like a complete ELF object is discarded and rebuilt. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "ir/strbuf.h"
#include "ir/text.h"

#ifndef IC_VERSION
#define IC_VERSION "unknown"
#endif

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
            return ic_diag_set(d, IC_ERR_IO, "cannot create cache directory %s: %s", buf, strerror(errno));
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return ic_diag_set(d, IC_ERR_IO, "cannot use cache directory %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ic_diag_set(d, IC_ERR_IO, "cannot use cache directory %s: %s", path, strerror(ENOTDIR));
    return IC_OK;
}

static const char *nonempty_env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

ic_status ic_cache_dir(const char *override, char *out, size_t size, ic_diag *d) {
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
                           "no cache directory: set INDUCTC_CACHE_DIR or HOME, or pass --cache-dir");
    if (n < 0 || (size_t)n >= size) return ic_diag_set(d, IC_ERR_IO, "cache directory path too long");
    /* Drop trailing slashes so entry paths look tidy ("/" itself stays). */
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/') out[--len] = '\0';
    IC_TRY(mkdir_p(out, d));
    if (access(out, W_OK | X_OK) != 0)
        return ic_diag_set(d, IC_ERR_IO, "cache directory %s is not writable: %s", out, strerror(errno));
    return IC_OK;
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
    XXH3_128bits_reset(st);
    hash_field(st, "inductc-cache-v1", 16);
    hash_field(st, gh, sizeof gh);
    hash_field(st, IC_VERSION, strlen(IC_VERSION));
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

ic_status ic_cache_lookup(const char *dir, const ic_cache_key *key, char *out_path, size_t size, bool *out_hit,
                          ic_diag *d) {
    *out_hit = false;
    int n = snprintf(out_path, size, "%s/%s.so", dir, key->hex);
    if (n < 0 || (size_t)n >= size) return ic_diag_set(d, IC_ERR_IO, "cache entry path too long");

    int fd = open(out_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return IC_OK;
        /* A symlink (ELOOP) or something unreadable: not ours to trust. */
        unlink(out_path);
        return IC_OK;
    }
    struct stat st;
    bool good = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
                (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && elf_problem(fd, (uint64_t)st.st_size) == NULL;
    close(fd);
    if (good)
        *out_hit = true;
    else
        unlink(out_path); /* corrupt, truncated or tampered with: rebuild */
    return IC_OK;
}
