/* profile.c — statistics and per-group profiles through a model's optional
 * exports; see profile.h. The exports are looked up with dlsym, so models
 * built before they existed still load and run. */
#include "runtime/profile.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* dlsym into a function pointer without the object-to-function cast warning. */
static void *sym(const ic_loaded_model *lm, const char *name) { return lm->handle ? dlsym(lm->handle, name) : NULL; }

ic_status ic_model_print_stats(const ic_loaded_model *lm, int threads, FILE *out, ic_diag *d) {
    inductc_model_stats_fn stats;
    *(void **)&stats = sym(lm, INDUCTC_MODEL_SYM_STATS);
    if (!stats) return IC_OK;
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = threads};
    inductc_model *inst = NULL;
    double t0 = now_ms();
    if (lm->create(&mo, &inst) != 0) { /* info still describes a model this machine cannot run */
        const char *why = lm->last_error(NULL);
        fprintf(out, "create: failed: %s\n", why && *why ? why : "no reason given");
        return IC_OK;
    }
    double create_ms = now_ms() - t0;
    inductc_model_stats st = {.struct_size = sizeof st};
    int rc = stats(inst, &st);
    lm->destroy(inst);
    if (rc != 0) return ic_diag_set(d, IC_ERR_RUNTIME, "the model's stats export failed");
    fprintf(out, "create ms: %.1f\n", create_ms);
    fprintf(out, "weights bytes: %llu\n", (unsigned long long)st.weights_bytes);
    fprintf(out, "prepacked bytes: %llu\n", (unsigned long long)st.prepacked_bytes);
    fprintf(out, "arena bytes: %llu\n", (unsigned long long)st.arena_bytes);
    fprintf(out, "scratchpad bytes: %llu\n", (unsigned long long)st.scratchpad_bytes);
    fprintf(out, "oneDNN primitives: %u\n", st.n_primitives);
    fprintf(out, "timed kernel groups: %u\n", st.n_groups);
    return IC_OK;
}

bool ic_model_profile_enable(const ic_loaded_model *lm, inductc_model *inst, bool on) {
    inductc_model_profile_fn prof;
    *(void **)&prof = sym(lm, INDUCTC_MODEL_SYM_PROFILE);
    return prof && prof(inst, on ? 1 : 0) == 0;
}

static int by_time_desc(const void *a, const void *b) {
    const inductc_profile_entry *x = a, *y = b;
    return (x->total_ms < y->total_ms) - (x->total_ms > y->total_ms);
}

ic_status ic_model_print_profile(const ic_loaded_model *lm, const inductc_model *inst, FILE *out, ic_diag *d) {
    inductc_model_profile_read_fn rd;
    *(void **)&rd = sym(lm, INDUCTC_MODEL_SYM_PROFILE_READ);
    if (!rd) {
        fprintf(out, "profile: this model was built without profile support\n");
        return IC_OK;
    }
    uint32_t n = rd(inst, NULL, 0);
    inductc_profile_entry *e = calloc(n ? n : 1, sizeof *e);
    if (!e) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory reading the profile");
    rd(inst, e, n);
    double total = 0;
    uint64_t runs = n ? e[0].calls : 0;
    for (uint32_t i = 0; i < n; i++) total += e[i].total_ms;
    qsort(e, n, sizeof *e, by_time_desc);
    fprintf(out, "profile: %u kernel groups, %llu runs, %.3f ms per run in groups\n", n, (unsigned long long)runs,
            runs ? total / (double)runs : 0.0);
    fprintf(out, "%10s %7s  %-40s %s\n", "ms/run", "%", "ops", "name");
    for (uint32_t i = 0; i < n; i++)
        fprintf(out, "%10.4f %6.2f%%  %-40s %s\n", runs ? e[i].total_ms / (double)runs : 0.0,
                total > 0 ? 100.0 * e[i].total_ms / total : 0.0, e[i].ops ? e[i].ops : "", e[i].name ? e[i].name : "");
    free(e);
    return IC_OK;
}
