/* rt.h — the runtime every generated model .so links (libinductc_rt.a):
 * argument checks for run(), error text, and thin oneDNN wrappers that create
 * primitives once (prepacking constant weights into the layout the primitive
 * prefers) and execute them on caller buffers.
 *
 * Generated code includes this header only; it never sees dnnl.h. Every
 * function that can fail returns 0 on success and non-zero on failure with a
 * one-line message in the caller's err buffer. Nothing here keeps mutable
 * global state: each model instance owns its engine, stream and primitives. */
#ifndef INDUCTC_RT_H
#define INDUCTC_RT_H

#include <stddef.h>
#include <stdint.h>

#include "inductc/model.h"

#define IC_RT_MAX_DIMS 12 /* oneDNN's DNNL_MAX_NDIMS */

/* --- errors and argument checks (rt_check.c) -------------------------------- */

/* snprintf into err (always NUL-terminated); returns 1 so callers can `return ic_rt_fail(...)`. */
int ic_rt_fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks what run() was given against the declared tensors: count, NULL
 * pointers, dtype, rank and dims ("input 'x': expected f32[1,3], got f32[1,4]").
 * kind is "input" or "output". */
int ic_rt_check_tensors(char *err, size_t size, const char *kind, const inductc_tensor_info *decl, uint32_t n_decl,
                        const inductc_tensor *got, uint32_t n_got);
/* Fails when an output buffer overlaps an input or another output. */
int ic_rt_check_overlap(char *err, size_t size, const inductc_tensor_info *in_decl, const inductc_tensor *in,
                        uint32_t n_in, const inductc_tensor_info *out_decl, const inductc_tensor *out, uint32_t n_out);
/* Bytes of a declared tensor. */
size_t ic_rt_tensor_bytes(const inductc_tensor_info *t);

/* --- oneDNN (rt_dnnl.c) ----------------------------------------------------- */

typedef struct ic_rt_dnnl ic_rt_dnnl; /* one engine, one stream and a shared scratchpad */
typedef struct ic_rt_prim ic_rt_prim; /* one primitive, its memory objects and prepacked weights */

/* A 2-D convolution over plain NCHW f32 tensors; weights [M, C/group, kH, kW]. */
typedef struct ic_rt_conv_desc {
    int64_t src[4];       /* N, C, H, W */
    int64_t weights[4];   /* M, C/group, kH, kW */
    int64_t dst[4];       /* N, M, oH, oW */
    int64_t strides[2];   /* along H, W */
    int64_t dilations[2]; /* ONNX convention: 1 = dense */
    int64_t pad_l[2];     /* top, left */
    int64_t pad_r[2];     /* bottom, right */
    int64_t group;        /* channel groups (C for depthwise) */
    int has_bias;         /* a bias [M] is passed */
} ic_rt_conv_desc;

/* dst = alpha * a x b (+ beta * dst before the call when beta != 0) over f32
 * tensors of equal rank >= 2; batch dims broadcast where one side is 1. a and
 * b may be strided (transposes); dst is dense. */
typedef struct ic_rt_matmul_desc {
    int ndims;                        /* rank of a, b and dst */
    int64_t a_dims[IC_RT_MAX_DIMS];   /* ..., M, K */
    int64_t a_strides[IC_RT_MAX_DIMS];/* element strides of a */
    int64_t b_dims[IC_RT_MAX_DIMS];   /* ..., K, N */
    int64_t b_strides[IC_RT_MAX_DIMS];/* element strides of b */
    int64_t dst_dims[IC_RT_MAX_DIMS]; /* ..., M, N, dense row-major */
    float alpha;                      /* output scale */
    float beta;                       /* scale of dst's previous contents; 0 ignores them */
} ic_rt_matmul_desc;

int ic_rt_dnnl_create(ic_rt_dnnl **out, char *err, size_t size);
void ic_rt_dnnl_destroy(ic_rt_dnnl *e);

/* weights / bias: constant data to prepack now, or NULL to take them at run time. */
int ic_rt_conv_create(ic_rt_dnnl *e, const ic_rt_conv_desc *desc, const float *weights, const float *bias,
                      ic_rt_prim **out, char *err, size_t size);
/* weights / bias are ignored when they were prepacked at create. */
int ic_rt_conv_run(ic_rt_dnnl *e, ic_rt_prim *p, const float *src, const float *weights, const float *bias, float *dst,
                   char *err, size_t size);

/* b: constant data to prepack now, or NULL to take it at run time. */
int ic_rt_matmul_create(ic_rt_dnnl *e, const ic_rt_matmul_desc *desc, const float *b, ic_rt_prim **out, char *err,
                        size_t size);
int ic_rt_matmul_run(ic_rt_dnnl *e, ic_rt_prim *p, const float *a, const float *b, float *dst, char *err, size_t size);

void ic_rt_prim_destroy(ic_rt_prim *p);

#endif
