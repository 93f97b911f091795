/* host.c — how a program uses a model compiled by inductc: only
 * "inductc/model.h" and dlopen(3), nothing else from inductc.
 *
 *     cc -I include examples/host.c -o host -ldl
 *     ./host model.so
 *
 * Opens the .so, prints what it declares, creates an instance, fills the
 * inputs with the same deterministic data `inductc run` uses (splitmix64
 * seeded with 1, in input order; floats uniform in [-1,1), integers in
 * [0,10), bools 0/1), runs it and prints a checksum per output, so the two
 * can be compared line by line. */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inductc/model.h"

static const char *dtype_name(int32_t t) {
    switch (t) {
    case INDUCTC_DTYPE_F32: return "f32";
    case INDUCTC_DTYPE_F16: return "f16";
    case INDUCTC_DTYPE_BF16: return "bf16";
    case INDUCTC_DTYPE_I8: return "i8";
    case INDUCTC_DTYPE_U8: return "u8";
    case INDUCTC_DTYPE_I32: return "i32";
    case INDUCTC_DTYPE_I64: return "i64";
    case INDUCTC_DTYPE_BOOL: return "bool";
    default: return NULL;
    }
}

static size_t dtype_size(int32_t t) {
    switch (t) {
    case INDUCTC_DTYPE_F32:
    case INDUCTC_DTYPE_I32: return 4;
    case INDUCTC_DTYPE_F16:
    case INDUCTC_DTYPE_BF16: return 2;
    case INDUCTC_DTYPE_I64: return 8;
    case INDUCTC_DTYPE_I8:
    case INDUCTC_DTYPE_U8:
    case INDUCTC_DTYPE_BOOL: return 1;
    default: return 0;
    }
}

static size_t numel(const inductc_tensor_info *t) {
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
    return n;
}

static void print_type(const inductc_tensor_info *t) {
    printf("%s[", dtype_name(t->dtype));
    for (int i = 0; i < t->rank; i++) printf("%s%lld", i ? "," : "", (long long)t->dims[i]);
    printf("]");
}

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The generator `inductc run` documents (f16/bf16 inputs are left at zero here). */
static void fill(void *data, int32_t dtype, size_t n, uint64_t *state) {
    for (size_t i = 0; i < n; i++) {
        uint64_t r = splitmix64(state);
        float f = (float)(r >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f;
        int64_t k = (int64_t)((r >> 32) % 10);
        switch (dtype) {
        case INDUCTC_DTYPE_F32: ((float *)data)[i] = f; break;
        case INDUCTC_DTYPE_I8: ((int8_t *)data)[i] = (int8_t)k; break;
        case INDUCTC_DTYPE_U8: ((uint8_t *)data)[i] = (uint8_t)k; break;
        case INDUCTC_DTYPE_I32: ((int32_t *)data)[i] = (int32_t)k; break;
        case INDUCTC_DTYPE_I64: ((int64_t *)data)[i] = k; break;
        case INDUCTC_DTYPE_BOOL: ((uint8_t *)data)[i] = (uint8_t)(r >> 63); break;
        default: break;
        }
    }
}

static double element(const void *data, int32_t dtype, size_t i) {
    switch (dtype) {
    case INDUCTC_DTYPE_F32: return ((const float *)data)[i];
    case INDUCTC_DTYPE_I8: return ((const int8_t *)data)[i];
    case INDUCTC_DTYPE_U8:
    case INDUCTC_DTYPE_BOOL: return ((const uint8_t *)data)[i];
    case INDUCTC_DTYPE_I32: return ((const int32_t *)data)[i];
    case INDUCTC_DTYPE_I64: return (double)((const int64_t *)data)[i];
    default: return 0; /* f16/bf16: not decoded in this example */
    }
}

/* Looks up one entry point; prints why and returns NULL if it is missing. */
static void *sym(void *so, const char *name, const char *path) {
    void *p = dlsym(so, name);
    if (!p) fprintf(stderr, "host: %s: missing symbol %s (not an inductc model?)\n", path, name);
    return p;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL.so\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    /* dlopen searches the library path for names without a slash; we mean a file. */
    char buf[4096];
    if (!strchr(path, '/')) {
        snprintf(buf, sizeof buf, "./%s", path);
        path = buf;
    }
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "host: cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    inductc_model_query_fn query;
    inductc_model_create_fn create;
    inductc_model_run_fn run;
    inductc_model_last_error_fn last_error;
    inductc_model_destroy_fn destroy;
    /* POSIX guarantees that data and function pointers convert through void *. */
    *(void **)&query = sym(so, INDUCTC_MODEL_SYM_QUERY, argv[1]);
    *(void **)&create = sym(so, INDUCTC_MODEL_SYM_CREATE, argv[1]);
    *(void **)&run = sym(so, INDUCTC_MODEL_SYM_RUN, argv[1]);
    *(void **)&last_error = sym(so, INDUCTC_MODEL_SYM_LAST_ERROR, argv[1]);
    *(void **)&destroy = sym(so, INDUCTC_MODEL_SYM_DESTROY, argv[1]);
    if (!query || !create || !run || !last_error || !destroy) {
        dlclose(so);
        return 1;
    }

    const inductc_model_info *info = query();
    if (!info || info->abi_version != INDUCTC_MODEL_ABI_VERSION) {
        fprintf(stderr, "host: %s: model ABI version %u, this host was built for %u\n", argv[1],
                info ? info->abi_version : 0u, INDUCTC_MODEL_ABI_VERSION);
        dlclose(so);
        return 1;
    }
    printf("model %s (isa %s), %u input(s), %u output(s)\n", info->name, info->isa, info->n_inputs, info->n_outputs);
    for (uint32_t i = 0; i < info->n_inputs; i++) {
        printf("  input %s: ", info->inputs[i].name);
        print_type(&info->inputs[i]);
        printf("\n");
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        printf("  output %s: ", info->outputs[i].name);
        print_type(&info->outputs[i]);
        printf("\n");
    }

    inductc_model_options opts;
    memset(&opts, 0, sizeof opts);
    opts.struct_size = sizeof opts;
    inductc_model *m = NULL;
    if (create(&opts, &m) != 0) {
        fprintf(stderr, "host: creating the model failed: %s\n", last_error(NULL));
        dlclose(so);
        return 1;
    }

    int rc = 1;
    inductc_tensor *in = calloc(info->n_inputs + 1, sizeof *in);
    inductc_tensor *out = calloc(info->n_outputs + 1, sizeof *out);
    if (!in || !out) goto oom;
    uint64_t seed = 1;
    for (uint32_t i = 0; i < info->n_inputs; i++) {
        const inductc_tensor_info *t = &info->inputs[i];
        size_t n = numel(t);
        in[i] = (inductc_tensor){calloc(n ? n : 1, dtype_size(t->dtype)), t->dtype, t->rank, t->dims};
        if (!in[i].data) goto oom;
        fill(in[i].data, t->dtype, n, &seed);
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        const inductc_tensor_info *t = &info->outputs[i];
        size_t n = numel(t);
        out[i] = (inductc_tensor){calloc(n ? n : 1, dtype_size(t->dtype)), t->dtype, t->rank, t->dims};
        if (!out[i].data) goto oom;
    }
    if (run(m, in, info->n_inputs, out, info->n_outputs) != 0) {
        fprintf(stderr, "host: run failed: %s\n", last_error(m));
        goto done;
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        const inductc_tensor_info *t = &info->outputs[i];
        size_t n = numel(t);
        double sum = 0, abs_sum = 0, lo = n ? element(out[i].data, t->dtype, 0) : 0, hi = lo;
        for (size_t k = 0; k < n; k++) {
            double v = element(out[i].data, t->dtype, k);
            sum += v;
            abs_sum += v < 0 ? -v : v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        printf("output %s: ", t->name);
        print_type(t);
        printf(" sum=%.6g mean_abs=%.6g min=%.6g max=%.6g\n", sum, n ? abs_sum / (double)n : 0.0, lo, hi);
    }
    rc = 0;
    goto done;

oom:
    fprintf(stderr, "host: out of memory\n");
done:
    for (uint32_t i = 0; in && i < info->n_inputs; i++) free(in[i].data);
    for (uint32_t i = 0; out && i < info->n_outputs; i++) free(out[i].data);
    free(in);
    free(out);
    destroy(m);
    dlclose(so);
    return rc;
}
