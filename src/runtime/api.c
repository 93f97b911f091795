/* api.c — include/inductc/inductc.h: the compiler and loader behind a
 * small C API for host programs (libinductc.so). It translates the public
 * options into compile.h's, forwards to compile.c and loader.c, and turns
 * their ic_diag into one thread-local error string. Nothing else. */
#include "inductc/inductc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compile.h"
#include "runtime/loader.h"

#define IC_API __attribute__((visibility("default")))

struct inductc_library {
    ic_loaded_model m; /* the dlopen'ed .so and its entry points */
};

static _Thread_local char last_error[IC_DIAG_MSG_MAX + 64];

/* Records the calling thread's error; returns 1 (failure). */
IC_PRINTF(1, 2) static int fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return 1;
}

static int fail_diag(const ic_diag *d) { return fail("%s", d->msg[0] ? d->msg : ic_status_name(d->status)); }

IC_API const char *inductc_last_error(void) { return last_error; }

/* The public options as compile.h's; shapes go to the caller's array. */
static int to_compile_options(const inductc_compile_options *in, ic_compile_options *out, ic_onnx_input_shape *shapes,
                              uint32_t max_shapes) {
    memset(out, 0, sizeof *out);
    if (!in) return 0;
    if (in->struct_size < sizeof *in) return fail("inductc_compile_options.struct_size is not set");
    out->no_cache = in->no_cache != 0;
    out->cache_dir = in->cache_dir;
    out->verbose = in->verbose != 0;
    if (in->n_input_shapes > max_shapes) return fail("too many input shapes");
    if (in->n_input_shapes && !in->input_shapes) return fail("n_input_shapes is set but input_shapes is NULL");
    for (uint32_t i = 0; i < in->n_input_shapes; i++) {
        const inductc_input_shape *s = &in->input_shapes[i];
        if (!s->name) return fail("an input shape has no name");
        if (s->rank < 0 || s->rank > IC_MAX_RANK || (s->rank > 0 && !s->dims))
            return fail("input shape for '%s': rank must be 0..8 with dims given", s->name);
        shapes[i].name = s->name;
        shapes[i].shape.rank = s->rank;
        for (int32_t k = 0; k < s->rank; k++) {
            if (s->dims[k] < 0) return fail("input shape for '%s': a dim is negative", s->name);
            shapes[i].shape.dims[k] = s->dims[k];
        }
    }
    out->input_shapes = shapes;
    out->n_input_shapes = in->n_input_shapes;
    return 0;
}

IC_API int inductc_compile(const char *model_path, const inductc_compile_options *opt, char *so_path,
                           size_t so_path_size) {
    last_error[0] = '\0';
    if (!model_path || !so_path || so_path_size == 0) return fail("inductc_compile: a NULL argument");
    enum { MAX_SHAPES = 256 };
    ic_onnx_input_shape shapes[MAX_SHAPES];
    ic_compile_options co;
    if (to_compile_options(opt, &co, shapes, MAX_SHAPES)) return 1;
    ic_compile_result r;
    ic_diag d = {0};
    if (ic_compile_file(model_path, &co, &r, &d) != IC_OK) return fail_diag(&d);
    if (strlen(r.so_path) >= so_path_size) return fail("inductc_compile: so_path buffer too small");
    strcpy(so_path, r.so_path);
    return 0;
}

IC_API int inductc_load(const char *so_path, inductc_library **out_lib) {
    last_error[0] = '\0';
    if (!out_lib) return fail("inductc_load: out_lib is NULL");
    *out_lib = NULL;
    if (!so_path) return fail("inductc_load: so_path is NULL");
    inductc_library *lib = calloc(1, sizeof *lib);
    if (!lib) return fail("out of memory");
    ic_diag d = {0};
    if (ic_model_load(so_path, &lib->m, &d) != IC_OK) {
        free(lib);
        return fail_diag(&d);
    }
    *out_lib = lib;
    return 0;
}

IC_API int inductc_open(const char *model_path, const inductc_compile_options *opt, inductc_library **out_lib) {
    char so[4096];
    if (out_lib) *out_lib = NULL;
    if (inductc_compile(model_path, opt, so, sizeof so)) return 1;
    return inductc_load(so, out_lib);
}

IC_API const inductc_model_info *inductc_library_info(const inductc_library *lib) { return lib ? lib->m.info : NULL; }

IC_API int inductc_create(inductc_library *lib, const inductc_model_options *opts, inductc_model **out_model) {
    last_error[0] = '\0';
    if (!lib || !out_model) return fail("inductc_create: a NULL argument");
    if (lib->m.create(opts, out_model) == 0) return 0;
    return fail("%s", lib->m.last_error(NULL));
}

IC_API int inductc_run(inductc_library *lib, inductc_model *m, const inductc_tensor *inputs, uint32_t n_inputs,
                       const inductc_tensor *outputs, uint32_t n_outputs) {
    last_error[0] = '\0';
    if (!lib || !m) return fail("inductc_run: a NULL library or instance");
    if (lib->m.run(m, inputs, n_inputs, outputs, n_outputs) == 0) return 0;
    return fail("%s", lib->m.last_error(m));
}

IC_API void inductc_destroy(inductc_library *lib, inductc_model *m) {
    if (lib && m) lib->m.destroy(m);
}

IC_API void inductc_close(inductc_library *lib) {
    if (!lib) return;
    ic_model_unload(&lib->m);
    free(lib);
}
