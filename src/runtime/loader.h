/* loader.h — opening a generated .so through the model.h ABI (dlopen). */
#ifndef INDUCTC_LOADER_H
#define INDUCTC_LOADER_H

#include "inductc/model.h"
#include "ir/diag.h"

typedef struct ic_loaded_model {
    void *handle;                        /* dlopen handle */
    const inductc_model_info *info;      /* query() result */
    inductc_model_create_fn create;      /* the .so's entry points: create an instance */
    inductc_model_run_fn run;            /* checked run */
    inductc_model_last_error_fn last_error; /* error text of an instance or of create */
    inductc_model_destroy_fn destroy;    /* frees an instance */
} ic_loaded_model;

#define IC_MODEL_MAX_TENSORS 65536u /* inputs or outputs a loaded model may declare */

/* dlopens path, resolves every symbol, checks the ABI version and that the
 * query() description is well formed (names, dtypes, ranks, dims). On
 * failure nothing stays open and d says why (not an ELF, missing symbol, ABI
 * mismatch, malformed description). dlopen runs the file's code: only load
 * files you trust (the cache checks its entries before they get here). */
ic_status ic_model_load(const char *path, ic_loaded_model *out, ic_diag *d);
void ic_model_unload(ic_loaded_model *m);

#endif
