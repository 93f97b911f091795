/* rt_dnnl_prims.c — creating the primitives a generated model uses:
 * convolution and deconvolution, matmul, pooling, and reorders (layout
 * conversions at the edges of channels-last regions).
 *
 * Activations come with explicit strides (NCHW or NHWC, decided at compile
 * time), so oneDNN computes directly on the arena and the caller's buffers;
 * only constant weights use format_tag any and are reordered once into the
 * layout the primitive picked (rt_dnnl.c shares them between instances). */
#include <stdlib.h>
#include <string.h>

#include "rt_dnnl_impl.h"

/* The user layout of conv weights: dense ONNX order, [M, C/g, kH, kW] for a
 * convolution (oihw / goihw) and [C, M/g, kH, kW] for a deconvolution, which
 * oneDNN calls iohw / giohw (its logical order is always g, o, i, h, w). */
static dnnl_status_t conv_weights_md(const ic_rt_conv_desc *d, dnnl_memory_desc_t *user, dnnl_memory_desc_t *any) {
    int64_t g = d->group, kh = d->weights[2], kw = d->weights[3];
    int64_t oc = d->transposed ? d->weights[1] * g : d->weights[0]; /* output channels */
    int64_t ic = d->transposed ? d->weights[0] : d->weights[1] * g; /* input channels */
    dnnl_dims_t dims;
    dnnl_format_tag_t tag;
    int nd;
    if (g > 1) {
        nd = 5;
        dims[0] = g, dims[1] = oc / g, dims[2] = ic / g, dims[3] = kh, dims[4] = kw;
        tag = d->transposed ? dnnl_giohw : dnnl_goihw;
    } else {
        nd = 4;
        dims[0] = oc, dims[1] = ic, dims[2] = kh, dims[3] = kw;
        tag = d->transposed ? dnnl_iohw : dnnl_oihw;
    }
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(user, nd, dims, dnnl_f32, tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(any, nd, dims, dnnl_f32, dnnl_format_tag_any);
    return s;
}

/* A creator's failure: everything made so far released; returns 1. */
static int abandon(dnnl_primitive_desc_t pd, dnnl_primitive_attr_t attr, ic_rt_prim *p) {
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    ic_rt_prim_destroy(p);
    return 1;
}

/* The end of every creator: the instance's memories and primitive from pd
 * (ic_rt_finish_prim), then pd and attr released and *out = p. Returns 0,
 * or abandons everything and returns 1. */
static int finish(ic_rt_dnnl *e, dnnl_primitive_desc_t pd, dnnl_primitive_attr_t attr, ic_rt_prim *p,
                  const ic_rt_postop *post, int n_post, ic_rt_prim **out, char *err, size_t size) {
    if (ic_rt_finish_prim(e, pd, p, post, n_post, err, size)) return abandon(pd, attr, p);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    *out = p;
    return 0;
}

/* The weights and bias memories of a conv or matmul: constant weights
 * prepacked into the layout pd chose (shared per process), run-time ones in
 * their user layout; the bias, if any, constant or bound at run time. */
static int bind_weights(ic_rt_dnnl *e, dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *wei_user,
                        const float *weights, const dnnl_memory_desc_t *bias_md, const float *bias,
                        ic_rt_shared *shared, ic_rt_prim *p, char *err, size_t size) {
    if (weights) {
        if (ic_rt_prepack(e, pd, wei_user, weights, shared, p, err, size)) return 1;
    } else {
        DNNL_CHECK(dnnl_memory_create(&p->weights, wei_user, e->engine, DNNL_MEMORY_NONE), "weights memory creation");
    }
    if (bias_md) {
        DNNL_CHECK(dnnl_memory_create(&p->bias, bias_md, e->engine, bias ? ic_rt_unconst(bias) : DNNL_MEMORY_NONE),
                   "bias memory creation");
        p->bias_const = bias != NULL;
    }
    return 0;
fail:
    return 1;
}

int ic_rt_conv_create(ic_rt_dnnl *e, const ic_rt_conv_desc *d, const float *weights, const float *bias,
                      ic_rt_shared *shared, ic_rt_prim **out, char *err, size_t size) {
    *out = NULL;
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    const char *what = d->transposed ? "deconvolution" : "convolution";
    if (!p) return ic_rt_fail(err, size, "out of memory creating a %s", what);
    dnnl_memory_desc_t src_md, dst_md, bias_md, wei_user, wei_any;
    dnnl_dims_t bias_dims = {d->dst.dims[1]};
    DNNL_CHECK(ic_rt_md_init(&src_md, &d->src), "conv src descriptor");
    DNNL_CHECK(ic_rt_md_init(&dst_md, &d->dst), "conv dst descriptor");
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x), "conv bias descriptor");
    DNNL_CHECK(conv_weights_md(d, &wei_user, &wei_any), "conv weights descriptor");
    dnnl_dims_t strides = {d->strides[0], d->strides[1]};
    dnnl_dims_t dil = {d->dilations[0] - 1, d->dilations[1] - 1};
    dnnl_dims_t pad_l = {d->pad_l[0], d->pad_l[1]};
    dnnl_dims_t pad_r = {d->pad_r[0], d->pad_r[1]};
    const dnnl_memory_desc_t *wmd = weights ? &wei_any : &wei_user;
    const dnnl_memory_desc_t *bmd = d->has_bias ? &bias_md : NULL;
    if (ic_rt_make_attr(&attr, 1.0f, d->post, d->n_post, err, size)) goto fail;
    if (d->transposed) {
        dnnl_deconvolution_desc_t dd;
        DNNL_CHECK(dnnl_dilated_deconvolution_forward_desc_init(&dd, dnnl_forward_inference, dnnl_deconvolution_direct,
                                                                &src_md, wmd, bmd, &dst_md, strides, dil, pad_l, pad_r),
                   "deconvolution descriptor");
        DNNL_CHECK(dnnl_primitive_desc_create(&pd, &dd, attr, e->engine, NULL), "deconvolution primitive descriptor");
    } else {
        dnnl_convolution_desc_t cd;
        DNNL_CHECK(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                              &src_md, wmd, bmd, &dst_md, strides, dil, pad_l, pad_r),
                   "convolution descriptor");
        DNNL_CHECK(dnnl_primitive_desc_create(&pd, &cd, attr, e->engine, NULL), "convolution primitive descriptor");
    }
    if (bind_weights(e, pd, &wei_user, weights, bmd, bias, shared, p, err, size)) goto fail;
    return finish(e, pd, attr, p, d->post, d->n_post, out, err, size);
fail:
    return abandon(pd, attr, p);
}

int ic_rt_matmul_create(ic_rt_dnnl *e, const ic_rt_matmul_desc *d, const float *b, const float *bias,
                        ic_rt_shared *shared, ic_rt_prim **out, char *err, size_t size) {
    *out = NULL;
    if (d->a.ndims < 2 || d->a.ndims > IC_RT_MAX_DIMS)
        return ic_rt_fail(err, size, "matmul rank %d out of range", d->a.ndims);
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!p) return ic_rt_fail(err, size, "out of memory creating a matmul");
    dnnl_memory_desc_t a_md, b_user, b_any, dst_md, bias_md;
    DNNL_CHECK(ic_rt_md_init(&a_md, &d->a), "matmul a descriptor");
    DNNL_CHECK(ic_rt_md_init(&b_user, &d->b), "matmul b descriptor");
    DNNL_CHECK(ic_rt_md_init(&dst_md, &d->dst), "matmul dst descriptor");
    dnnl_dims_t bdims;
    for (int i = 0; i < d->b.ndims; i++) bdims[i] = d->b.dims[i];
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&b_any, d->b.ndims, bdims, dnnl_f32, dnnl_format_tag_any),
               "matmul b descriptor");
    if (d->bias.ndims) DNNL_CHECK(ic_rt_md_init(&bias_md, &d->bias), "matmul bias descriptor");
    dnnl_matmul_desc_t md;
    DNNL_CHECK(dnnl_matmul_desc_init(&md, &a_md, b ? &b_any : &b_user, d->bias.ndims ? &bias_md : NULL, &dst_md),
               "matmul descriptor");
    if (ic_rt_make_attr(&attr, d->alpha, d->post, d->n_post, err, size)) goto fail;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &md, attr, e->engine, NULL), "matmul primitive descriptor");
    if (bind_weights(e, pd, &b_user, b, d->bias.ndims ? &bias_md : NULL, bias, shared, p, err, size)) goto fail;
    return finish(e, pd, attr, p, d->post, d->n_post, out, err, size);
fail:
    return abandon(pd, attr, p);
}

int ic_rt_pool_create(ic_rt_dnnl *e, const ic_rt_pool_desc *d, ic_rt_prim **out, char *err, size_t size) {
    *out = NULL;
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!p) return ic_rt_fail(err, size, "out of memory creating a pooling");
    dnnl_alg_kind_t alg = d->alg == IC_RT_POOL_MAX                ? dnnl_pooling_max
                          : d->alg == IC_RT_POOL_AVG_INCLUDE_PAD ? dnnl_pooling_avg_include_padding
                                                                 : dnnl_pooling_avg_exclude_padding;
    dnnl_memory_desc_t src_md, dst_md;
    DNNL_CHECK(ic_rt_md_init(&src_md, &d->src), "pooling src descriptor");
    DNNL_CHECK(ic_rt_md_init(&dst_md, &d->dst), "pooling dst descriptor");
    dnnl_dims_t strides = {d->strides[0], d->strides[1]}, kernel = {d->kernel[0], d->kernel[1]};
    dnnl_dims_t dil = {d->dilations[0] - 1, d->dilations[1] - 1};
    dnnl_dims_t pad_l = {d->pad_l[0], d->pad_l[1]}, pad_r = {d->pad_r[0], d->pad_r[1]};
    dnnl_pooling_v2_desc_t pdesc;
    DNNL_CHECK(dnnl_pooling_v2_forward_desc_init(&pdesc, dnnl_forward_inference, alg, &src_md, &dst_md, strides, kernel,
                                                 dil, pad_l, pad_r),
               "pooling descriptor");
    if (ic_rt_make_attr(&attr, 1.0f, NULL, 0, err, size)) goto fail;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &pdesc, attr, e->engine, NULL), "pooling primitive descriptor");
    return finish(e, pd, attr, p, NULL, 0, out, err, size);
fail:
    return abandon(pd, attr, p);
}

int ic_rt_reorder_create(ic_rt_dnnl *e, const ic_rt_md *src, const ic_rt_md *dst, ic_rt_prim **out, char *err,
                         size_t size) {
    *out = NULL;
    ic_rt_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!p) return ic_rt_fail(err, size, "out of memory creating a reorder");
    dnnl_memory_desc_t src_md, dst_md;
    DNNL_CHECK(ic_rt_md_init(&src_md, src), "reorder src descriptor");
    DNNL_CHECK(ic_rt_md_init(&dst_md, dst), "reorder dst descriptor");
    if (ic_rt_make_attr(&attr, 1.0f, NULL, 0, err, size)) goto fail;
    DNNL_CHECK(dnnl_reorder_primitive_desc_create(&pd, &src_md, e->engine, &dst_md, e->engine, attr),
               "reorder primitive descriptor");
    return finish(e, pd, attr, p, NULL, 0, out, err, size);
fail:
    return abandon(pd, attr, p);
}
