/* inductc.h — the compiler as a library, for host programs that compile and
 * run models themselves instead of through the `inductc` CLI:
 *
 *     inductc_library *lib;
 *     if (inductc_open("model.onnx", NULL, &lib) != 0) {   // compile (cached) and load
 *         fprintf(stderr, "%s\n", inductc_last_error());
 *         return 1;
 *     }
 *     const inductc_model_info *info = inductc_library_info(lib);   // names, dtypes, shapes
 *     inductc_model *m;
 *     inductc_create(lib, NULL, &m);                       // prepack weights, allocate
 *     inductc_run(lib, m, inputs, info->n_inputs, outputs, info->n_outputs);
 *     inductc_destroy(lib, m);
 *     inductc_close(lib);
 *
 * Link with -linductc (libinductc.so; it exports only the functions below).
 * Compiled models are cached exactly as the CLI caches them (same key, same
 * directory), so a process that opens a model the CLI already compiled gets
 * it without running cc. Every function that can fail returns 0 on success
 * and non-zero on failure; inductc_last_error() then says why, in one line.
 * Nothing here exits or aborts on bad input. Instances (inductc_model) are
 * independent: two threads may run two instances at once. */
#ifndef INDUCTC_INDUCTC_H
#define INDUCTC_INDUCTC_H

#include <stddef.h>
#include <stdint.h>

#include "inductc/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A static shape for an ONNX input whose dims are dynamic. */
typedef struct inductc_input_shape {
    const char *name;    /* the graph input's name */
    int32_t rank;        /* number of dims, 0..INDUCTC_MODEL_MAX_RANK */
    const int64_t *dims; /* rank sizes, each >= 0 */
} inductc_input_shape;

/* Options for inductc_compile() and inductc_open(); zero-initialise, set
 * struct_size, and set what you need. NULL options mean all defaults. */
typedef struct inductc_compile_options {
    uint32_t struct_size;                    /* sizeof(inductc_compile_options), for future growth */
    int32_t no_cache;                        /* non-zero: neither read nor write the cache */
    const char *cache_dir;                   /* NULL: $INDUCTC_CACHE_DIR, else $XDG_CACHE_HOME/inductc, else ~/.cache/inductc */
    const inductc_input_shape *input_shapes; /* ONNX static shapes, may be NULL */
    uint32_t n_input_shapes;                 /* entries in input_shapes */
    int32_t verbose;                         /* non-zero: pass and cc timings on stderr */
} inductc_compile_options;

/* A compiled model's shared object, loaded. */
typedef struct inductc_library inductc_library;

/* Compiles a model file (.graph or ONNX, recognised by content) to a shared
 * object, or finds it in the cache, and writes its path to so_path (at most
 * so_path_size bytes, NUL included). With no_cache the file is in a fresh
 * temporary directory the caller removes. */
int inductc_compile(const char *model_path, const inductc_compile_options *opt, char *so_path, size_t so_path_size);

/* Loads a shared object inductc generated (checks its ABI version and the
 * description it exports). dlopen runs the file's code: load only files you
 * trust. */
int inductc_load(const char *so_path, inductc_library **out_lib);

/* inductc_compile() then inductc_load(). */
int inductc_open(const char *model_path, const inductc_compile_options *opt, inductc_library **out_lib);

/* What the model declares: inputs and outputs with names, dtypes, shapes.
 * Valid until inductc_close(). */
const inductc_model_info *inductc_library_info(const inductc_library *lib);

/* The model.h entry points of this library. opts may be NULL. */
int inductc_create(inductc_library *lib, const inductc_model_options *opts, inductc_model **out_model);
int inductc_run(inductc_library *lib, inductc_model *m, const inductc_tensor *inputs, uint32_t n_inputs,
                const inductc_tensor *outputs, uint32_t n_outputs);
void inductc_destroy(inductc_library *lib, inductc_model *m);

/* Unloads the library; destroy its instances first. NULL is a no-op. */
void inductc_close(inductc_library *lib);

/* The calling thread's last error from any function above; "" if none. */
const char *inductc_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
