/* rt_dnnl.c — oneDNN wrappers for generated models: conv2d and matmul.
 *
 * A primitive is created once per model instance. Constant weights are
 * reordered then into the layout the primitive asks for (format_tag any), so
 * run() only points the activation memory objects at the caller's buffers and
 * executes. Scratchpads are user-managed: one buffer per instance, sized for
 * the largest primitive (they run one at a time). Activations stay in plain
 * layouts (NCHW, row-major) for now. */
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "rt.h"

struct ic_rt_dnnl {
    dnnl_engine_t engine; /* the CPU engine */
    dnnl_stream_t stream; /* in-order stream all primitives of the instance run on */
    void *scratch;        /* shared scratchpad buffer */
    size_t scratch_size;  /* bytes in scratch */
};

struct ic_rt_prim {
    dnnl_primitive_t prim;    /* the compute primitive */
    dnnl_memory_t src;        /* src (conv) or a (matmul): handle set per run */
    dnnl_memory_t weights;    /* prepacked (owns its buffer) or set per run */
    dnnl_memory_t bias;       /* conv bias, or NULL */
    dnnl_memory_t dst;        /* handle set per run */
    dnnl_memory_t scratch;    /* scratchpad view of the shared buffer, or NULL */
    int weights_packed;       /* weights were reordered at create: ignore run's pointer */
    int bias_const;           /* bias points at constant data set at create */
};

static const char *status_str(dnnl_status_t s) {
    switch (s) {
    case dnnl_success: return "success";
    case dnnl_out_of_memory: return "out of memory";
    case dnnl_invalid_arguments: return "invalid arguments";
    case dnnl_unimplemented: return "unimplemented";
    case dnnl_iterator_ends: return "iterator ends";
    case dnnl_runtime_error: return "runtime error";
    case dnnl_not_required: return "not required";
    default: return "unknown error";
    }
}

/* Evaluates a oneDNN call; on failure records what failed and jumps to fail. */
#define DNNL_CHECK(call, what)                                                                   \
    do {                                                                                         \
        dnnl_status_t st_ = (call);                                                              \
        if (st_ != dnnl_success) {                                                               \
            ic_rt_fail(err, size, "oneDNN %s failed: %s", what, status_str(st_));                \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

/* oneDNN takes non-const handles even for inputs it only reads. */
static void *unconst(const void *p) { return (void *)(uintptr_t)p; }

int ic_rt_dnnl_create(ic_rt_dnnl **out, char *err, size_t size) {
    *out = NULL;
    ic_rt_dnnl *e = calloc(1, sizeof *e);
    if (!e) return ic_rt_fail(err, size, "out of memory creating the oneDNN engine");
    DNNL_CHECK(dnnl_engine_create(&e->engine, dnnl_cpu, 0), "engine creation");
    DNNL_CHECK(dnnl_stream_create(&e->stream, e->engine, dnnl_stream_default_flags), "stream creation");
    *out = e;
    return 0;
fail:
    ic_rt_dnnl_destroy(e);
    return 1;
}

void ic_rt_dnnl_destroy(ic_rt_dnnl *e) {
    if (!e) return;
    if (e->stream) dnnl_stream_destroy(e->stream);
    if (e->engine) dnnl_engine_destroy(e->engine);
    free(e->scratch);
    free(e);
}

void ic_rt_prim_destroy(ic_rt_prim *p) {
    if (!p) return;
    if (p->prim) dnnl_primitive_destroy(p->prim);
    dnnl_memory_t mems[] = {p->src, p->weights, p->bias, p->dst, p->scratch};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i]) dnnl_memory_destroy(mems[i]);
    free(p);
}

/* Grows the instance's shared scratchpad to at least n bytes. */
static int reserve_scratch(ic_rt_dnnl *e, size_t n, char *err, size_t size) {
    if (n <= e->scratch_size) return 0;
    size_t bytes = (n + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes);
    if (!p) return ic_rt_fail(err, size, "out of memory allocating a %zu-byte oneDNN scratchpad", n);
    free(e->scratch);
    e->scratch = p;
    e->scratch_size = bytes;
    return 0;
}

/* Reorders the constant user weights into a buffer of the layout pd chose. */
static int prepack(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *user_md,
                   const float *data, dnnl_memory_t *out, char *err, size_t size) {
    dnnl_memory_t user = NULL, packed = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!want) {
        ic_rt_fail(err, size, "oneDNN did not report a weights layout");
        goto fail;
    }
    DNNL_CHECK(dnnl_memory_create(&user, user_md, e->engine, unconst(data)), "weights memory creation");
    DNNL_CHECK(dnnl_memory_create(&packed, want, e->engine, DNNL_MEMORY_ALLOCATE), "packed weights allocation");
    DNNL_CHECK(dnnl_reorder_primitive_desc_create(&rpd, user_md, e->engine, want, e->engine, NULL),
               "weights reorder descriptor");
    DNNL_CHECK(dnnl_primitive_create(&reorder, rpd), "weights reorder creation");
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, packed}};
    DNNL_CHECK(dnnl_primitive_execute(reorder, e->stream, 2, args), "weights reorder");
    DNNL_CHECK(dnnl_stream_wait(e->stream), "weights reorder");
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user);
    *out = packed;
    return 0;
fail:
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (user) dnnl_memory_destroy(user);
    if (packed) dnnl_memory_destroy(packed);
    return 1;
}

/* Common tail of primitive creation: scratchpad, the primitive and the
 * activation memory objects (without buffers). */
static int finish_prim(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, ic_rt_prim *p, const dnnl_memory_desc_t *src_md,
                       const dnnl_memory_desc_t *dst_md, char *err, size_t size) {
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t sp_size = sp ? dnnl_memory_desc_get_size(sp) : 0;
    if (sp_size) {
        if (reserve_scratch(e, sp_size, err, size)) return 1;
        DNNL_CHECK(dnnl_memory_create(&p->scratch, sp, e->engine, DNNL_MEMORY_NONE), "scratchpad memory creation");
    }
    DNNL_CHECK(dnnl_primitive_create(&p->prim, pd), "primitive creation");
    DNNL_CHECK(dnnl_memory_create(&p->src, src_md, e->engine, DNNL_MEMORY_NONE), "src memory creation");
    DNNL_CHECK(dnnl_memory_create(&p->dst, dst_md, e->engine, DNNL_MEMORY_NONE), "dst memory creation");
    return 0;
fail:
    return 1;
}

/* Attributes every primitive gets: a user scratchpad, plus optional scales. */
static int make_attr(dnnl_primitive_attr_t *attr, float alpha, float beta, char *err, size_t size) {
    dnnl_post_ops_t po = NULL;
    DNNL_CHECK(dnnl_primitive_attr_create(attr), "attribute creation");
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    if (alpha != 1.0f) DNNL_CHECK(dnnl_primitive_attr_set_output_scales(*attr, 1, 0, &alpha), "output scales");
    if (beta != 0.0f) {
        DNNL_CHECK(dnnl_post_ops_create(&po), "post-ops creation");
        DNNL_CHECK(dnnl_post_ops_append_sum(po, beta), "sum post-op");
        DNNL_CHECK(dnnl_primitive_attr_set_post_ops(*attr, po), "post-ops");
        dnnl_post_ops_destroy(po);
    }
    return 0;
fail:
    if (po) dnnl_post_ops_destroy(po);
    return 1;
}

int ic_rt_conv_create(ic_rt_dnnl *e, const ic_rt_conv_desc *d, const float *weights, const float *bias,
                      ic_rt_prim **out, char *err, size_t size) {
    *out = NULL;
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!p) return ic_rt_fail(err, size, "out of memory creating a convolution");
    dnnl_memory_desc_t src_md, dst_md, bias_md, wei_user, wei_any;
    dnnl_dims_t src = {d->src[0], d->src[1], d->src[2], d->src[3]};
    dnnl_dims_t dst = {d->dst[0], d->dst[1], d->dst[2], d->dst[3]};
    dnnl_dims_t bias_dims = {d->dst[1]};
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32, dnnl_nchw), "conv src descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32, dnnl_nchw), "conv dst descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x), "conv bias descriptor");
    if (d->group > 1) {
        dnnl_dims_t w = {d->group, d->weights[0] / d->group, d->weights[1], d->weights[2], d->weights[3]};
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_user, 5, w, dnnl_f32, dnnl_goihw), "conv weights descriptor");
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_any, 5, w, dnnl_f32, dnnl_format_tag_any), "conv weights descriptor");
    } else {
        dnnl_dims_t w = {d->weights[0], d->weights[1], d->weights[2], d->weights[3]};
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_user, 4, w, dnnl_f32, dnnl_oihw), "conv weights descriptor");
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_any, 4, w, dnnl_f32, dnnl_format_tag_any), "conv weights descriptor");
    }
    dnnl_dims_t strides = {d->strides[0], d->strides[1]};
    dnnl_dims_t dil = {d->dilations[0] - 1, d->dilations[1] - 1};
    dnnl_dims_t pad_l = {d->pad_l[0], d->pad_l[1]};
    dnnl_dims_t pad_r = {d->pad_r[0], d->pad_r[1]};
    dnnl_convolution_desc_t cd;
    DNNL_CHECK(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md,
                                                          weights ? &wei_any : &wei_user,
                                                          d->has_bias ? &bias_md : NULL, &dst_md, strides, dil,
                                                          pad_l, pad_r),
               "convolution descriptor");
    if (make_attr(&attr, 1.0f, 0.0f, err, size)) goto fail;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &cd, attr, e->engine, NULL), "convolution primitive descriptor");
    if (weights) {
        if (prepack(e, pd, &wei_user, weights, &p->weights, err, size)) goto fail;
        p->weights_packed = 1;
    } else {
        DNNL_CHECK(dnnl_memory_create(&p->weights, &wei_user, e->engine, DNNL_MEMORY_NONE), "weights memory creation");
    }
    if (d->has_bias) {
        DNNL_CHECK(dnnl_memory_create(&p->bias, &bias_md, e->engine, bias ? unconst(bias) : DNNL_MEMORY_NONE),
                   "bias memory creation");
        p->bias_const = bias != NULL;
    }
    if (finish_prim(e, pd, p, &src_md, &dst_md, err, size)) goto fail;
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    *out = p;
    return 0;
fail:
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    ic_rt_prim_destroy(p);
    return 1;
}

/* Points the memory objects at this run's buffers and executes. */
static int execute(ic_rt_dnnl *e, ic_rt_prim *p, const void *src, const void *weights, const void *bias, void *dst,
                   char *err, size_t size) {
    dnnl_exec_arg_t args[6];
    int n = 0;
    DNNL_CHECK(dnnl_memory_set_data_handle(p->src, unconst(src)), "setting src");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, p->src};
    if (!p->weights_packed) DNNL_CHECK(dnnl_memory_set_data_handle(p->weights, unconst(weights)), "setting weights");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, p->weights};
    if (p->bias) {
        if (!p->bias_const) DNNL_CHECK(dnnl_memory_set_data_handle(p->bias, unconst(bias)), "setting bias");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, p->bias};
    }
    DNNL_CHECK(dnnl_memory_set_data_handle(p->dst, dst), "setting dst");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, p->dst};
    if (p->scratch) {
        DNNL_CHECK(dnnl_memory_set_data_handle(p->scratch, e->scratch), "setting scratchpad");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, p->scratch};
    }
    DNNL_CHECK(dnnl_primitive_execute(p->prim, e->stream, n, args), "execution");
    DNNL_CHECK(dnnl_stream_wait(e->stream), "stream wait");
    return 0;
fail:
    return 1;
}

int ic_rt_conv_run(ic_rt_dnnl *e, ic_rt_prim *p, const float *src, const float *weights, const float *bias, float *dst,
                   char *err, size_t size) {
    return execute(e, p, src, weights, bias, dst, err, size);
}

int ic_rt_matmul_create(ic_rt_dnnl *e, const ic_rt_matmul_desc *d, const float *b, ic_rt_prim **out, char *err,
                        size_t size) {
    *out = NULL;
    if (d->ndims < 2 || d->ndims > IC_RT_MAX_DIMS) return ic_rt_fail(err, size, "matmul rank %d out of range", d->ndims);
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!p) return ic_rt_fail(err, size, "out of memory creating a matmul");
    dnnl_memory_desc_t a_md, b_user, b_any, dst_md;
    dnnl_dims_t a_dims, a_str, b_dims, b_str, c_dims, c_str;
    int64_t s = 1;
    for (int i = d->ndims - 1; i >= 0; i--) {
        a_dims[i] = d->a_dims[i];
        a_str[i] = d->a_strides[i];
        b_dims[i] = d->b_dims[i];
        b_str[i] = d->b_strides[i];
        c_dims[i] = d->dst_dims[i];
        c_str[i] = s;
        s *= d->dst_dims[i];
    }
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&a_md, d->ndims, a_dims, dnnl_f32, a_str), "matmul a descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&b_user, d->ndims, b_dims, dnnl_f32, b_str), "matmul b descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&b_any, d->ndims, b_dims, dnnl_f32, dnnl_format_tag_any),
               "matmul b descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&dst_md, d->ndims, c_dims, dnnl_f32, c_str), "matmul dst descriptor");
    dnnl_matmul_desc_t md;
    DNNL_CHECK(dnnl_matmul_desc_init(&md, &a_md, b ? &b_any : &b_user, NULL, &dst_md), "matmul descriptor");
    if (make_attr(&attr, d->alpha, d->beta, err, size)) goto fail;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &md, attr, e->engine, NULL), "matmul primitive descriptor");
    if (b) {
        if (prepack(e, pd, &b_user, b, &p->weights, err, size)) goto fail;
        p->weights_packed = 1;
    } else {
        DNNL_CHECK(dnnl_memory_create(&p->weights, &b_user, e->engine, DNNL_MEMORY_NONE), "b memory creation");
    }
    if (finish_prim(e, pd, p, &a_md, &dst_md, err, size)) goto fail;
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    *out = p;
    return 0;
fail:
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    ic_rt_prim_destroy(p);
    return 1;
}

int ic_rt_matmul_run(ic_rt_dnnl *e, ic_rt_prim *p, const float *a, const float *b, float *dst, char *err, size_t size) {
    return execute(e, p, a, b, NULL, dst, err, size);
}
