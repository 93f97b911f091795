/* cache.h — the compile cache: one .so per key, keyed by XXH3-128 over the
 * canonical IR, the weights, the inductc version, the compiler fingerprint and
 * the target ISA.
 *
 * An entry is <dir>/<32 hex digits>.so: the shared object followed by a
 * 64-byte trailer (see ic_cache_seal) that names its key and ABI version and
 * holds a hash of the bytes before it, so a truncated, corrupted or misfiled
 * entry is recognised without loading it. Entries are written under a
 * temporary name and renamed into place, so concurrent compiles of one graph
 * are safe; a lock file per key lets one process build while the others wait
 * for its result. The directory must be ours and writable by nobody else. */
#ifndef INDUCTC_CACHE_H
#define INDUCTC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ir/ir.h"
#include "runtime/cc.h"

#define IC_CACHE_TRAILER_SIZE 64 /* bytes ic_cache_seal appends to an entry */

typedef struct ic_cache_key {
    uint8_t bytes[16]; /* XXH3-128, big-endian canonical form */
    char hex[33];      /* the same as 32 lower-case hex digits */
} ic_cache_key;

/* The cache directory: override if not NULL, else $INDUCTC_CACHE_DIR, else
 * $XDG_CACHE_HOME/inductc, else $HOME/.cache/inductc. Created (mode 0700) if
 * missing. Fails with a one-line reason (and what to do instead) when the
 * directory cannot be created or written, or when it is not owned by us or is
 * writable by group or others: entries from such a place are not trusted. */
ic_status ic_cache_dir(const char *override, char *out, size_t size, ic_diag *d);
/* Only the path ic_cache_dir would use: nothing is created or checked. */
ic_status ic_cache_dir_path(const char *override, char *out, size_t size, ic_diag *d);
/* The graph's own hash: canonical text plus weights (what query() reports). */
ic_status ic_graph_hash(const ic_graph *g, uint8_t out[16], ic_diag *d);
/* The full key: graph hash, IC_VERSION, ic_cc_fingerprint(cfg) and isa. */
ic_status ic_cache_key_compute(const ic_graph *g, const ic_cc_config *cfg, const char *isa, ic_cache_key *out,
                               ic_diag *d);
/* Checks that path is a whole 64-bit ELF shared object (header, segments and
 * section table inside the file) before anyone dlopens it: dlopen of a
 * truncated file can fault. The cache applies it to every entry. */
ic_status ic_so_check_file(const char *path, ic_diag *d);

/* Appends the trailer to the freshly built .so at path: magic, key, model ABI
 * version, payload size and the XXH3-128 of the payload. Done in the build
 * directory, before the entry is renamed into the cache. */
ic_status ic_cache_seal(const char *path, const ic_cache_key *key, ic_diag *d);
/* The size of path without a valid-looking trailer at its end (magic and
 * payload size match): the bytes cc produced. UINT64_MAX when there is no
 * trailer or the file cannot be read (then copy it all). */
uint64_t ic_cache_payload_size(const char *path);
/* Path of the entry for key in dir; *out_hit says whether a valid entry is
 * there: a regular file we own, not group/other-writable, whose trailer names
 * this key and this ABI version and whose hash matches, holding a whole ELF
 * object. A hit's modification time is set to now (the LRU order of prune).
 * Anything else found there is deleted and *out_why (if not NULL) says why
 * (a static string; NULL when there was simply nothing). */
ic_status ic_cache_lookup(const char *dir, const ic_cache_key *key, char *out_path, size_t size, bool *out_hit,
                          const char **out_why, ic_diag *d);

/* Opens <dir>/<key>.lock and takes it if it is free. Returns the lock's fd,
 * or -1 when no lock file could be made: locking only saves duplicate work,
 * so callers go on without it. *out_busy says that another process holds the
 * lock (it is building the same entry); then call ic_cache_lock_wait. */
int ic_cache_lock_try(const char *dir, const ic_cache_key *key, bool *out_busy);
/* Waits until the busy lock fd is ours. */
void ic_cache_lock_wait(int fd);
/* Removes the lock file and releases the lock (fd -1: nothing to do). */
void ic_cache_unlock(const char *dir, const ic_cache_key *key, int fd);

/* --- management (cache_manage.c) ------------------------------------------------ */

/* One entry, as `inductc cache list` shows it. */
typedef struct ic_cache_entry {
    char key[33];   /* 32 hex digits */
    uint64_t size;  /* bytes on disk */
    time_t mtime;   /* last compile or cache hit */
} ic_cache_entry;

/* The entries of dir (files named <32 hex digits>.so), most recently used
 * first. *out is malloc'ed (free it); nothing else in dir is reported. */
ic_status ic_cache_list(const char *dir, ic_cache_entry **out, size_t *out_n, ic_diag *d);
/* Deletes least recently used entries until the entries total at most
 * max_bytes (0 deletes them all), and leftovers of interrupted compiles (tmp-*
 * build directories and lock files untouched for an hour). Files that are not
 * cache entries are never touched. Counts what was removed. */
ic_status ic_cache_prune(const char *dir, uint64_t max_bytes, size_t *out_removed, uint64_t *out_freed,
                         ic_diag *d);
/* "500M", "2G", "1.5G", "4096", "10k": bytes (K, M, G, T are powers of 1024;
 * an optional trailing B or iB). False on anything else. */
bool ic_cache_parse_size(const char *s, uint64_t *out);

#endif
