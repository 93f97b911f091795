/* loader.h — opening a generated .so through the model.h ABI (dlopen). */
#ifndef INDUCTC_LOADER_H
#define INDUCTC_LOADER_H

#include "inductc/model.h"
#include "ir/diag.h"

typedef struct ic_loaded_model {
    void *handle;                        /* dlopen handle */
    const inductc_model_info *info;      /* query() result */
    inductc_model_create_fn create;      /* the .so's entry points */
    inductc_model_run_fn run;
    inductc_model_last_error_fn last_error;
    inductc_model_destroy_fn destroy;
} ic_loaded_model;

/* dlopens path, resolves every symbol, checks the ABI version. On failure
 * nothing stays open and d says why (not an ELF, missing symbol, ABI mismatch). */
ic_status ic_model_load(const char *path, ic_loaded_model *out, ic_diag *d);
void ic_model_unload(ic_loaded_model *m);

#endif
