/* conv_bench.c — times oneDNN convolution primitives directly, outside
 * inductc, so a slow layer in `inductc run --profile` can be compared with
 * what oneDNN itself achieves, and so activation layouts can be compared.
 *
 * Input (stdin): one convolution per line,
 *   N C H W  M kH kW  sH sW  pad_top pad_left pad_bottom pad_right  dH dW  group
 * (bench/onednn/convlist.py writes these from an ONNX model). For each line
 * and each layout it creates the primitive (weights prepacked, ReLU post-op,
 * user scratchpad), runs it a few times and prints the median. Layouts:
 * nchw, nhwc, and "any" (oneDNN's choice, nChw16c-style blocking on AVX-512).
 * Threads: OMP_NUM_THREADS. Usage: conv_bench [iters] [layouts...] < convs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

#define CHECK(call)                                                                    \
    do {                                                                               \
        dnnl_status_t s_ = (call);                                                     \
        if (s_ != dnnl_success) {                                                      \
            fprintf(stderr, "conv_bench: %s failed (%d) at line %d\n", #call, (int)s_, __LINE__); \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

typedef struct conv {
    long n, c, h, w, m, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, g; /* as in the input line */
} conv;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static dnnl_format_tag_t tag_of(const char *name) {
    if (strcmp(name, "nchw") == 0) return dnnl_nchw;
    if (strcmp(name, "nhwc") == 0) return dnnl_nhwc;
    return dnnl_format_tag_any;
}

/* Creates, runs and times one convolution; returns the median ms. */
static double time_conv(dnnl_engine_t eng, dnnl_stream_t st, const conv *k, dnnl_format_tag_t tag, int iters,
                        char *impl, size_t impl_size) {
    long oh = (k->h + k->pt + k->pb - k->dh * (k->kh - 1) - 1) / k->sh + 1;
    long ow = (k->w + k->pl + k->pr - k->dw * (k->kw - 1) - 1) / k->sw + 1;
    dnnl_dims_t src = {k->n, k->c, k->h, k->w}, dst = {k->n, k->m, oh, ow}, bias = {k->m};
    dnnl_dims_t wg = {k->g, k->m / k->g, k->c / k->g, k->kh, k->kw}, wd = {k->m, k->c, k->kh, k->kw};
    dnnl_memory_desc_t src_md, dst_md, w_md, b_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32, tag));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32, tag));
    if (k->g > 1)
        CHECK(dnnl_memory_desc_init_by_tag(&w_md, 5, wg, dnnl_f32, dnnl_format_tag_any));
    else
        CHECK(dnnl_memory_desc_init_by_tag(&w_md, 4, wd, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&b_md, 1, bias, dnnl_f32, dnnl_x));
    dnnl_dims_t strides = {k->sh, k->sw}, dil = {k->dh - 1, k->dw - 1}, pl = {k->pt, k->pl}, pr = {k->pb, k->pr};
    dnnl_convolution_desc_t cd;
    CHECK(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md,
                                                     &w_md, &b_md, &dst_md, strides, dil, pl, pr));
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    CHECK(dnnl_primitive_attr_create(&attr));
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    CHECK(dnnl_post_ops_create(&po));
    CHECK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
    CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL));
    const char *name = NULL;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    snprintf(impl, impl_size, "%s", name);
    dnnl_primitive_t prim;
    CHECK(dnnl_primitive_create(&prim, pd));
    const dnnl_memory_desc_t *mds[] = {
        dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
        dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0),
        dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)};
    int argk[] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD};
    dnnl_exec_arg_t args[5];
    for (int i = 0; i < 5; i++) {
        CHECK(dnnl_memory_create(&args[i].memory, mds[i], eng, DNNL_MEMORY_ALLOCATE));
        args[i].arg = argk[i];
        void *p;
        CHECK(dnnl_memory_get_data_handle(args[i].memory, &p));
        if (p) memset(p, 0, dnnl_memory_desc_get_size(mds[i]));
    }
    double t[256];
    if (iters > 256) iters = 256;
    for (int i = 0; i < 3; i++) CHECK(dnnl_primitive_execute(prim, st, 5, args));
    CHECK(dnnl_stream_wait(st));
    for (int i = 0; i < iters; i++) {
        double t0 = now_ms();
        CHECK(dnnl_primitive_execute(prim, st, 5, args));
        CHECK(dnnl_stream_wait(st));
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)iters, sizeof t[0], cmp_double);
    for (int i = 0; i < 5; i++) dnnl_memory_destroy(args[i].memory);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    return t[iters / 2];
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 20;
    const char *def[] = {"nchw", "nhwc", "any"};
    const char **layouts = argc > 2 ? (const char **)&argv[2] : def;
    int n_layouts = argc > 2 ? argc - 2 : 3;
    if (iters < 1 || n_layouts > 8) {
        fprintf(stderr, "usage: conv_bench [iters] [nchw|nhwc|any]... < convs\n");
        return 2;
    }
    dnnl_engine_t eng;
    dnnl_stream_t st;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    double total[8] = {0};
    conv k;
    int line = 0;
    printf("%-4s %-46s", "#", "conv");
    for (int j = 0; j < n_layouts; j++) printf(" %10s", layouts[j]);
    printf("  impl (last layout)\n");
    while (scanf("%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &k.n, &k.c, &k.h, &k.w, &k.m, &k.kh,
                 &k.kw, &k.sh, &k.sw, &k.pt, &k.pl, &k.pb, &k.pr, &k.dh, &k.dw, &k.g) == 16) {
        char desc[64], impl[128] = "";
        snprintf(desc, sizeof desc, "%ldx%ldx%ld->%ld k%ldx%ld s%ld g%ld", k.c, k.h, k.w, k.m, k.kh, k.kw, k.sh, k.g);
        printf("%-4d %-46s", line++, desc);
        for (int j = 0; j < n_layouts; j++) {
            double ms = time_conv(eng, st, &k, tag_of(layouts[j]), iters, impl, sizeof impl);
            total[j] += ms;
            printf(" %10.4f", ms);
        }
        printf("  %s\n", impl);
    }
    printf("%-51s", "total ms");
    for (int j = 0; j < n_layouts; j++) printf(" %10.3f", total[j]);
    printf("\n");
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    return 0;
}
