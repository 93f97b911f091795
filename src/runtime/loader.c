/* loader.c — opens a generated model .so through the model.h ABI.
 *
 * Everything the loader needs is the five exported symbols; a missing one or
 * an ABI version this build does not speak is an error that names it. */
#include "runtime/loader.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

/* dlsym into *slot; false with a message in d when the symbol is absent. */
static bool resolve(void *h, const char *path, const char *name, void **slot, ic_diag *d) {
    dlerror();
    void *p = dlsym(h, name);
    if (!p) {
        const char *why = dlerror();
        ic_diag_set(d, IC_ERR_RUNTIME, "%s: missing symbol %s (%s)", path, name, why ? why : "NULL");
        return false;
    }
    *slot = p;
    return true;
}

ic_status ic_model_load(const char *path, ic_loaded_model *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return ic_diag_set(d, IC_ERR_RUNTIME, "cannot load model: %s", why ? why : path);
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
