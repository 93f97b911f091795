/* cache_manage.c — what `inductc cache list|clear|prune` does: list the
 * entries of a cache directory and delete the least recently used ones.
 *
 * Only names the cache itself makes are ever deleted: <32 hex>.so entries,
 * <32 hex>.lock files and tmp-XXXXXX build directories. A cache directory
 * pointed at the wrong place (a home directory, say) loses nothing else.
 * A lock file or build directory is only removed when nothing has touched it
 * for an hour, so a compile running right now keeps its own. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/cache.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STALE_SECONDS 3600 /* leftovers older than this belong to no running compile */

/* Whether name is 32 lower-case hex digits followed by suffix. */
static bool is_key_name(const char *name, const char *suffix) {
    for (int i = 0; i < 32; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))) return false;
    return strcmp(name + 32, suffix) == 0;
}

/* tmp-XXXXXX, as make_build_dir in compile.c names them. */
static bool is_build_dir_name(const char *name) { return strncmp(name, "tmp-", 4) == 0 && strlen(name) == 10; }

static int by_mtime_desc(const void *a, const void *b) {
    const ic_cache_entry *x = a, *y = b;
    if (x->mtime != y->mtime) return x->mtime < y->mtime ? 1 : -1;
    return strcmp(x->key, y->key);
}

ic_status ic_cache_list(const char *dir, ic_cache_entry **out, size_t *out_n, ic_diag *d) {
    *out = NULL;
    *out_n = 0;
    DIR *dp = opendir(dir);
    if (!dp) return ic_diag_set(d, IC_ERR_IO, "cannot read cache directory %s: %s", dir, strerror(errno));
    ic_cache_entry *v = NULL;
    size_t n = 0, cap = 0;
    ic_status s = IC_OK;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!is_key_name(e->d_name, ".so")) continue;
        char path[PATH_MAX];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            ic_cache_entry *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory listing %s", dir);
                break;
            }
            v = nv;
        }
        memcpy(v[n].key, e->d_name, 32);
        v[n].key[32] = '\0';
        v[n].size = (uint64_t)st.st_size;
        v[n].mtime = st.st_mtime;
        n++;
    }
    closedir(dp);
    if (s != IC_OK) {
        free(v);
        return s;
    }
    if (n) qsort(v, n, sizeof *v, by_mtime_desc);
    *out = v;
    *out_n = n;
    return IC_OK;
}

/* Removes a build directory left by an interrupted compile (files only: build
 * directories have no subdirectories). */
static void remove_build_dir(const char *path) {
    DIR *dp = opendir(path);
    if (dp) {
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char p[PATH_MAX];
            if (snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p) unlink(p);
        }
        closedir(dp);
    }
    rmdir(path);
}

/* Deletes stale lock files and build directories. */
static void remove_leftovers(const char *dir, size_t *removed) {
    DIR *dp = opendir(dir);
    if (!dp) return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        bool lock = is_key_name(e->d_name, ".lock"), build = is_build_dir_name(e->d_name);
        if (!lock && !build) continue;
        char path[PATH_MAX];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        if (lstat(path, &st) != 0 || now - st.st_mtime < STALE_SECONDS) continue;
        if (lock && S_ISREG(st.st_mode) && unlink(path) == 0) ++*removed;
        if (build && S_ISDIR(st.st_mode)) {
            remove_build_dir(path);
            ++*removed;
        }
    }
    closedir(dp);
}

ic_status ic_cache_prune(const char *dir, uint64_t max_bytes, size_t *out_removed, uint64_t *out_freed,
                         ic_diag *d) {
    *out_removed = 0;
    *out_freed = 0;
    ic_cache_entry *v;
    size_t n;
    IC_TRY(ic_cache_list(dir, &v, &n, d));
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += v[i].size;
    ic_status s = IC_OK;
    /* v is most recent first: drop from the end */
    for (size_t i = n; i-- > 0 && total > max_bytes;) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.so", dir, v[i].key);
        if (unlink(path) != 0 && errno != ENOENT) {
            s = ic_diag_set(d, IC_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
            break;
        }
        total -= v[i].size;
        *out_freed += v[i].size;
        ++*out_removed;
    }
    free(v);
    if (s == IC_OK) remove_leftovers(dir, out_removed);
    return s;
}

bool ic_cache_parse_size(const char *s, uint64_t *out) {
    if (!s || !(*s >= '0' && *s <= '9')) return false;
    /* digits [. digits]: no signs, exponents or hex */
    double v = 0, scale = 1;
    const char *end = s;
    for (; *end >= '0' && *end <= '9'; end++) v = v * 10 + (*end - '0');
    if (*end == '.') {
        for (end++; *end >= '0' && *end <= '9'; end++) v += (*end - '0') * (scale /= 10);
    }
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && *end == 'i') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return false;
    double bytes = v * mult;
    if (bytes >= 18446744073709551616.0) return false; /* 2^64 */
    *out = (uint64_t)bytes;
    return true;
}
