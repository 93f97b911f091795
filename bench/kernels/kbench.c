/* kbench.c — times compiled inductc models the way a host program runs them
 * (model.h + dlopen) and reports memory bandwidth against a STREAM-style
 * triad measured in the same run, right before each model, with the same
 * thread count. Built and driven by bench/kernels/run.sh.
 *
 *   kbench -t THREADS [-s SECONDS] NAME=MODEL.so ...
 *
 * One line per model: the median time of one run, the bytes it must move
 * (every input read once, every output written once: what an ideal kernel
 * moves), that as GB/s, the median triad GB/s, and the median over runs of
 * (model GB/s / the triad pass just before it). Each model run alternates
 * with a triad pass, so load from other processes hits both alike. The
 * triad counts bytes the same way (two arrays read, one written).
 *
 * A second triad writes a with non-temporal (streaming) stores, which skip
 * the read-for-ownership of a's lines: 3 arrays' traffic instead of 4. The
 * generated code streams outputs larger than the last-level cache, so a
 * kernel can beat the plain triad; "nt" is its ratio to this stricter
 * baseline, measured in the same alternation. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inductc/model.h"

#define TRIAD_N (24u << 20) /* floats per triad array: 96 MiB each, far beyond L3 */
#define MAX_REPS 2000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* Triad arrays, first touched by the threads that use them. */
typedef struct triad {
    float *a, *b, *c; /* a = b + 3 c */
} triad;

/* One triad pass with `threads` threads; its GB/s. */
static double triad_once(const triad *tr, int threads) {
    float *a = tr->a;
    const float *b = tr->b, *c = tr->c;
    double t0 = now_s();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < TRIAD_N; i++) a[i] = b[i] + 3.0f * c[i];
    return 3.0 * sizeof(float) * TRIAD_N / (now_s() - t0) / 1e9;
}

/* The same with streaming stores to a (aligned: a is 64-byte aligned, and
 * static chunks of TRIAD_N / threads floats start at multiples of 16). */
static double triad_nt_once(const triad *tr, int threads) {
    float *a = tr->a;
    const float *b = tr->b, *c = tr->c;
    double t0 = now_s();
#pragma omp parallel num_threads(threads)
    {
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        size_t per = (TRIAD_N / (size_t)nt + 15) & ~(size_t)15, lo = per * (size_t)id;
        size_t hi = lo + per < TRIAD_N ? lo + per : TRIAD_N;
        for (size_t i = lo; i + 16 <= hi; i += 16) {
#if defined(__AVX512F__)
            _mm512_stream_ps(a + i, _mm512_add_ps(_mm512_loadu_ps(b + i),
                                                  _mm512_mul_ps(_mm512_set1_ps(3.0f), _mm512_loadu_ps(c + i))));
#else
            for (size_t j = i; j < i + 16; j += 4)
                _mm_stream_ps(a + j, _mm_add_ps(_mm_loadu_ps(b + j), _mm_mul_ps(_mm_set1_ps(3.0f), _mm_loadu_ps(c + j))));
#endif
        }
        _mm_sfence();
    }
    return 3.0 * sizeof(float) * TRIAD_N / (now_s() - t0) / 1e9;
}

static size_t dtype_size(int32_t t) {
    switch (t) {
    case INDUCTC_DTYPE_F32:
    case INDUCTC_DTYPE_I32: return 4;
    case INDUCTC_DTYPE_F16:
    case INDUCTC_DTYPE_BF16: return 2;
    case INDUCTC_DTYPE_I64: return 8;
    default: return 1;
    }
}

static size_t tensor_bytes(const inductc_tensor_info *t) {
    size_t n = dtype_size(t->dtype);
    for (int i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
    return n;
}

/* Loads, runs and times one model, alternating each run with a triad pass so
 * both see the same machine (it is shared and noisy); 0 on success. */
static int bench_model(const char *name, const char *path, int threads, double seconds, const triad *tr) {
    char local[4096];
    if (!strchr(path, '/')) { /* dlopen searches the library path for bare names */
        snprintf(local, sizeof local, "./%s", path);
        path = local;
    }
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "kbench: %s\n", dlerror());
        return 1;
    }
    inductc_model_query_fn query;
    inductc_model_create_fn create;
    inductc_model_run_fn run;
    inductc_model_last_error_fn last_error;
    inductc_model_destroy_fn destroy;
    *(void **)&query = dlsym(so, INDUCTC_MODEL_SYM_QUERY);
    *(void **)&create = dlsym(so, INDUCTC_MODEL_SYM_CREATE);
    *(void **)&run = dlsym(so, INDUCTC_MODEL_SYM_RUN);
    *(void **)&last_error = dlsym(so, INDUCTC_MODEL_SYM_LAST_ERROR);
    *(void **)&destroy = dlsym(so, INDUCTC_MODEL_SYM_DESTROY);
    if (!query || !create || !run || !last_error || !destroy) {
        fprintf(stderr, "kbench: %s is not an inductc model\n", path);
        dlclose(so);
        return 1;
    }
    const inductc_model_info *info = query();
    inductc_model_options mo = {.struct_size = sizeof mo, .num_threads = threads};
    inductc_model *m = NULL;
    if (create(&mo, &m) != 0) {
        fprintf(stderr, "kbench: create %s: %s\n", path, last_error(NULL));
        dlclose(so);
        return 1;
    }
    uint32_t n = info->n_inputs + info->n_outputs;
    inductc_tensor *ts = calloc(n, sizeof *ts);
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        const inductc_tensor_info *ti = i < info->n_inputs ? &info->inputs[i] : &info->outputs[i - info->n_inputs];
        size_t nb = tensor_bytes(ti);
        bytes += nb;
        ts[i] = (inductc_tensor){aligned_alloc(64, (nb + 63) / 64 * 64 + 64), ti->dtype, ti->rank, ti->dims};
        if (ti->dtype == INDUCTC_DTYPE_F32) {
            float *f = ts[i].data;
            uint32_t s = 12345u + i;
            for (size_t k = 0; k < nb / 4; k++) {
                s = s * 1664525u + 1013904223u;
                f[k] = (float)(s >> 8) / 16777216.0f * 2.0f - 1.0f;
            }
        } else {
            memset(ts[i].data, 0, nb);
        }
    }
    static double t[MAX_REPS], tri[MAX_REPS], ratio[MAX_REPS], tri_nt[MAX_REPS], ratio_nt[MAX_REPS];
    int reps = 0;
    int rc = 0;
    for (int w = 0; w < 3 && !rc; w++) rc = run(m, ts, info->n_inputs, ts + info->n_inputs, info->n_outputs);
    double start = now_s();
    while (!rc && reps < MAX_REPS && (reps < 7 || now_s() - start < seconds)) {
        tri[reps] = triad_once(tr, threads);
        tri_nt[reps] = triad_nt_once(tr, threads);
        double t0 = now_s();
        rc = run(m, ts, info->n_inputs, ts + info->n_inputs, info->n_outputs);
        t[reps] = now_s() - t0;
        ratio[reps] = (double)bytes / t[reps] / 1e9 / tri[reps];
        ratio_nt[reps] = (double)bytes / t[reps] / 1e9 / tri_nt[reps];
        reps++;
    }
    if (rc) {
        fprintf(stderr, "kbench: run %s: %s\n", path, last_error(m));
    } else {
        double med = median(t, reps), gbs = (double)bytes / med / 1e9;
        printf("%-24s %2d %10.3f ms %9.1f MB %8.2f GB/s  triad %6.2f GB/s  nt-triad %6.2f GB/s  nt %5.2f  ratio %5.2f\n",
               name, threads, med * 1e3, (double)bytes / 1e6, gbs, median(tri, reps), median(tri_nt, reps),
               median(ratio_nt, reps), median(ratio, reps));
        fflush(stdout);
    }
    for (uint32_t i = 0; i < n; i++) free(ts[i].data);
    free(ts);
    destroy(m);
    dlclose(so);
    return rc;
}

int main(int argc, char **argv) {
    int threads = 1;
    double seconds = 1.0;
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        if (!strcmp(argv[first], "-t") && first + 1 < argc) threads = atoi(argv[first + 1]);
        else if (!strcmp(argv[first], "-s") && first + 1 < argc) seconds = atof(argv[first + 1]);
        else {
            fprintf(stderr, "usage: kbench [-t THREADS] [-s SECONDS] NAME=MODEL.so ...\n");
            return 2;
        }
        first += 2;
    }
    triad tr = {aligned_alloc(64, TRIAD_N * sizeof(float)), aligned_alloc(64, TRIAD_N * sizeof(float)),
                aligned_alloc(64, TRIAD_N * sizeof(float))};
    if (!tr.a || !tr.b || !tr.c) return 1;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < TRIAD_N; i++) tr.a[i] = tr.b[i] = tr.c[i] = (float)(i & 255);
    int rc = 0;
    for (int i = first; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "kbench: expected NAME=MODEL.so, got %s\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        rc |= bench_model(argv[i], eq + 1, threads, seconds, &tr);
    }
    free(tr.a);
    free(tr.b);
    free(tr.c);
    return rc ? 1 : 0;
}
