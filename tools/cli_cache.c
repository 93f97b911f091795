/* cli_cache.c — `inductc cache list|clear|prune`: show or delete compile
 * cache entries (the work is in runtime/cache_manage.c). */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/cache.h"

int cli_cmd_cache(args *a) {
    if (a->i >= a->argc) return cli_usage_error("cache needs list, clear or prune");
    const char *what = a->argv[a->i++];
    bool list = strcmp(what, "list") == 0, clear = strcmp(what, "clear") == 0, prune = strcmp(what, "prune") == 0;
    if (!list && !clear && !prune) return cli_usage_error("unknown cache command '%s' (list, clear or prune)", what);
    const char *dir_opt = NULL, *size_opt = NULL;
    while (a->i < a->argc) {
        int r;
        if ((r = cli_take_value(a, "--cache-dir", &dir_opt)) != 0) {
            if (r < 0) return cli_usage_error("--cache-dir needs a directory");
        } else if ((r = cli_take_value(a, "--max-size", &size_opt)) != 0) {
            if (r < 0) return cli_usage_error("--max-size needs a size such as 500M or 2G");
        } else {
            return cli_usage_error("unexpected argument '%s' for cache %s", a->argv[a->i], what);
        }
    }
    uint64_t max_size = 0;
    if (prune && !size_opt) return cli_usage_error("cache prune needs --max-size SIZE");
    if (!prune && size_opt) return cli_usage_error("--max-size is for cache prune");
    if (prune && !ic_cache_parse_size(size_opt, &max_size))
        return cli_usage_error("--max-size '%s': expected a size such as 4096, 500M or 2G", size_opt);

    ic_diag d = {0};
    char dir[PATH_MAX];
    if (ic_cache_dir_path(dir_opt, dir, sizeof dir, &d) != IC_OK) return cli_fail(&d);
    struct stat st;
    if (stat(dir, &st) != 0 && errno == ENOENT) { /* nothing cached yet */
        if (list) printf("total: 0 entries, 0 bytes in %s\n", dir);
        return EXIT_OK;
    }
    if (list) {
        ic_cache_entry *v;
        size_t n;
        if (ic_cache_list(dir, &v, &n, &d) != IC_OK) return cli_fail(&d);
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            char when[32];
            struct tm tm;
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&v[i].mtime, &tm));
            printf("%s %12llu %s\n", v[i].key, (unsigned long long)v[i].size, when);
            total += v[i].size;
        }
        printf("total: %zu %s, %llu bytes in %s\n", n, n == 1 ? "entry" : "entries", (unsigned long long)total, dir);
        free(v);
        return EXIT_OK;
    }
    size_t removed;
    uint64_t freed;
    if (ic_cache_prune(dir, max_size, &removed, &freed, &d) != IC_OK) return cli_fail(&d);
    printf("removed %zu %s, freed %llu bytes in %s\n", removed, removed == 1 ? "item" : "items",
           (unsigned long long)freed, dir);
    return EXIT_OK;
}
