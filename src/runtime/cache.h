/* cache.h — the compile cache: one .so per key, keyed by XXH3-128 over the
 * canonical IR, the weights, the inductc version, the compiler fingerprint and
 * the target ISA. Entries are written to a temporary name and renamed into
 * place, so concurrent compiles of one graph are safe. */
#ifndef INDUCTC_CACHE_H
#define INDUCTC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "runtime/cc.h"

typedef struct ic_cache_key {
    uint8_t bytes[16]; /* XXH3-128, big-endian canonical form */
    char hex[33];      /* the same as 32 lower-case hex digits */
} ic_cache_key;

/* The cache directory: override if not NULL, else $INDUCTC_CACHE_DIR, else
 * $XDG_CACHE_HOME/inductc, else $HOME/.cache/inductc. Created (mode 0700) if missing. */
ic_status ic_cache_dir(const char *override, char *out, size_t size, ic_diag *d);
/* The graph's own hash: canonical text plus weights (what query() reports). */
ic_status ic_graph_hash(const ic_graph *g, uint8_t out[16], ic_diag *d);
/* The full key: graph hash, IC_VERSION, ic_cc_fingerprint(cfg) and isa. */
ic_status ic_cache_key_compute(const ic_graph *g, const ic_cc_config *cfg, const char *isa, ic_cache_key *out,
                               ic_diag *d);
/* Checks that path is a whole 64-bit ELF shared object (header, segments and
 * section table inside the file) before anyone dlopens it: dlopen of a
 * truncated file can fault. The cache applies it to every entry. */
ic_status ic_so_check_file(const char *path, ic_diag *d);
/* Path of the entry for key in dir; *out_hit says whether a valid entry is there
 * (a regular file we own, not group/other-writable, passing ic_so_check_file);
 * anything else found there is deleted. */
ic_status ic_cache_lookup(const char *dir, const ic_cache_key *key, char *out_path, size_t size, bool *out_hit,
                          ic_diag *d);

#endif
