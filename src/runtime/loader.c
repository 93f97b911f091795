/* loader.c — opens a generated model .so through the model.h ABI.
 *
 * Everything the loader needs is the five exported symbols; a missing one, an
 * ABI version this build does not speak, or a model description that callers
 * could not walk safely (NULL tables, unknown dtypes, ranks out of range) is
 * an error that names it. */
#include "runtime/loader.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* dlsym into *slot; false with a message in d when the symbol is absent. */
static bool resolve(void *h, const char *path, const char *name, void **slot, ic_diag *d) {
    dlerror();
    void *p = dlsym(h, name);
    if (!p) {
        const char *why = dlerror();
        ic_diag_set(d, IC_ERR_RUNTIME, "%s: missing symbol %s (%s)", path, name, why ? why : "NULL");
        dlerror(); /* frees the message glibc allocated for the first call */
        return false;
    }
    *slot = p;
    return true;
}

/* NULL when one side of the signature (n tensors at t) is well formed: names,
 * known dtypes, ranks in range, dims present and non-negative. Else what is
 * wrong, in buf. */
static const char *tensors_problem(const char *what, const inductc_tensor_info *t, uint32_t n, char *buf,
                                   size_t size) {
    if (n > IC_MODEL_MAX_TENSORS) {
        snprintf(buf, size, "%u %ss (more than %u)", n, what, IC_MODEL_MAX_TENSORS);
        return buf;
    }
    if (n && !t) {
        snprintf(buf, size, "%u %ss but no %s table", n, what, what);
        return buf;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!t[i].name) snprintf(buf, size, "%s %u has no name", what, i);
        else if (t[i].dtype <= INDUCTC_DTYPE_INVALID || t[i].dtype > INDUCTC_DTYPE_BOOL)
            snprintf(buf, size, "%s %u has unknown dtype %d", what, i, (int)t[i].dtype);
        else if (t[i].rank < 0 || t[i].rank > INDUCTC_MODEL_MAX_RANK)
            snprintf(buf, size, "%s %u has rank %d", what, i, (int)t[i].rank);
        else if (t[i].rank && !t[i].dims)
            snprintf(buf, size, "%s %u has no dims", what, i);
        else {
            bool neg = false;
            for (int k = 0; k < t[i].rank; k++) neg |= t[i].dims[k] < 0;
            if (!neg) continue;
            snprintf(buf, size, "%s %u has a negative dimension", what, i);
        }
        return buf;
    }
    return NULL;
}

ic_status ic_model_load(const char *path, ic_loaded_model *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        ic_diag_set(d, IC_ERR_RUNTIME, "cannot load model: %s", why ? why : path);
        dlerror(); /* frees the message */
        return IC_ERR_RUNTIME;
    }
    void *query = NULL, *create = NULL, *run = NULL, *last_error = NULL, *destroy = NULL;
    if (!resolve(h, path, INDUCTC_MODEL_SYM_QUERY, &query, d) ||
        !resolve(h, path, INDUCTC_MODEL_SYM_CREATE, &create, d) || !resolve(h, path, INDUCTC_MODEL_SYM_RUN, &run, d) ||
        !resolve(h, path, INDUCTC_MODEL_SYM_LAST_ERROR, &last_error, d) ||
        !resolve(h, path, INDUCTC_MODEL_SYM_DESTROY, &destroy, d)) {
        dlclose(h);
        return d ? d->status : IC_ERR_RUNTIME;
    }
    /* Converting void * to a function pointer goes through memcpy to stay within ISO C. */
    inductc_model_query_fn q;
    memcpy(&q, &query, sizeof q);
    const inductc_model_info *info = q();
    if (!info) {
        dlclose(h);
        return ic_diag_set(d, IC_ERR_RUNTIME, "%s: %s returned NULL", path, INDUCTC_MODEL_SYM_QUERY);
    }
    if (info->abi_version != INDUCTC_MODEL_ABI_VERSION) {
        unsigned got = info->abi_version;
        dlclose(h);
        return ic_diag_set(d, IC_ERR_RUNTIME, "%s: ABI version %u, this inductc expects %u", path, got,
                           INDUCTC_MODEL_ABI_VERSION);
    }
    char buf[160];
    const char *why = tensors_problem("input", info->inputs, info->n_inputs, buf, sizeof buf);
    if (!why) why = tensors_problem("output", info->outputs, info->n_outputs, buf, sizeof buf);
    if (!why && (!info->name || !info->isa)) why = "no name or isa";
    if (why) {
        ic_diag_set(d, IC_ERR_RUNTIME, "%s: malformed model description: %s", path, why);
        dlclose(h);
        return IC_ERR_RUNTIME;
    }
    out->handle = h;
    out->info = info;
    memcpy(&out->create, &create, sizeof out->create);
    memcpy(&out->run, &run, sizeof out->run);
    memcpy(&out->last_error, &last_error, sizeof out->last_error);
    memcpy(&out->destroy, &destroy, sizeof out->destroy);
    return IC_OK;
}

void ic_model_unload(ic_loaded_model *m) {
    if (!m) return;
    if (m->handle) dlclose(m->handle);
    memset(m, 0, sizeof *m);
}
