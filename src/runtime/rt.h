/* rt.h — the runtime every generated model .so links (libinductc_rt.a):
 * argument checks for run(), error text, and thin oneDNN wrappers that create
 * primitives once (prepacking constant weights into the layout the primitive
 * prefers) and execute them on caller buffers.
 *
 * Generated code includes this header only; it never sees dnnl.h. Every
 * function that can fail returns 0 on success and non-zero on failure with a
 * one-line message in the caller's err buffer. Each model instance owns its
 * engine, stream and primitives; the only mutable global state is the
 * mutex-guarded cache of prepacked weights that instances of one model share. */
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

/* --- oneDNN (rt_dnnl.c, rt_dnnl_prims.c) ------------------------------------ */

typedef struct ic_rt_dnnl ic_rt_dnnl; /* per instance: engine, stream, scratchpad, primitive list */
typedef struct ic_rt_prim ic_rt_prim; /* one primitive, its memory objects and its prepacked weights */

/* Prepacked weights of one primitive slot of a model, shared by every
 * instance in the process: the generated code keeps one zero-initialised
 * static per slot and passes it to create. Guarded by a mutex inside the
 * runtime; the list holds one entry per weights layout oneDNN asked for
 * (instances created with different thread counts may want different ones). */
typedef struct ic_rt_shared {
    void *head; /* internal: list of prepacked variants */
} ic_rt_shared;

/* A tensor as oneDNN sees it: logical dims in oneDNN's order (N, C, H, W for
 * activations; ..., M, K / K, N for matmul) with element strides, so NHWC is
 * dims {N, C, H, W} with strides {H*W*C, 1, W*C, C}. Broadcast dims are 1. */
typedef struct ic_rt_md {
    int ndims;                        /* 1 .. IC_RT_MAX_DIMS */
    int64_t dims[IC_RT_MAX_DIMS];     /* sizes */
    int64_t strides[IC_RT_MAX_DIMS];  /* element strides */
} ic_rt_md;

/* Post-op kinds and algorithms (kept apart from dnnl.h's numbering). */
enum {
    IC_RT_PO_ELTWISE = 1, /* dst = f(dst) */
    IC_RT_PO_SUM = 2,     /* dst = dst + alpha * (previous contents of dst) */
    IC_RT_PO_BINARY = 3,  /* dst = dst OP src1, src1 broadcast to dst */
};
enum {
    IC_RT_ELT_RELU = 1,   /* alpha: negative slope (leaky relu) */
    IC_RT_ELT_CLIP,       /* min(max(x, alpha), beta) */
    IC_RT_ELT_LOGISTIC,   /* sigmoid */
    IC_RT_ELT_TANH,
    IC_RT_ELT_GELU_ERF,
    IC_RT_ELT_GELU_TANH,
    IC_RT_ELT_SWISH,      /* x * sigmoid(alpha * x) */
    IC_RT_ELT_HARDSWISH,  /* x * min(max(x + 3, 0), 6) / 6 */
    IC_RT_ELT_LINEAR,     /* alpha * x + beta */
    IC_RT_ELT_ELU,        /* x > 0 ? x : alpha * (exp(x) - 1) */
    IC_RT_BIN_ADD = 64,
    IC_RT_BIN_SUB,
    IC_RT_BIN_MUL,
    IC_RT_BIN_DIV,
    IC_RT_BIN_MAX,
    IC_RT_BIN_MIN,
};

/* One step of a primitive's epilogue, applied in order after the bias. */
typedef struct ic_rt_postop {
    int kind;       /* IC_RT_PO_* */
    int alg;        /* IC_RT_ELT_* or IC_RT_BIN_*; unused for sum */
    float alpha;    /* eltwise parameter; sum: the scale of the old dst */
    float beta;     /* eltwise parameter */
    ic_rt_md src1;  /* binary: the other operand, in the dst's dim order */
} ic_rt_postop;

/* A 2-D convolution or (transposed) deconvolution. */
typedef struct ic_rt_conv_desc {
    ic_rt_md src;               /* N, C, H, W with the activation layout's strides */
    ic_rt_md dst;               /* N, M, oH, oW likewise */
    int64_t weights[4];         /* dense: [M, C/group, kH, kW], or [C, M/group, kH, kW] when transposed */
    int64_t strides[2];         /* along H, W */
    int64_t dilations[2];       /* ONNX convention: 1 = dense */
    int64_t pad_l[2];           /* top, left */
    int64_t pad_r[2];           /* bottom, right */
    int64_t group;              /* channel groups (C for depthwise) */
    int transposed;             /* conv_transpose: oneDNN deconvolution */
    int has_bias;               /* a bias [M] is passed */
    int n_post;                 /* entries in post */
    const ic_rt_postop *post;   /* the fused epilogue */
} ic_rt_conv_desc;

/* dst = alpha * a x b (+ bias) over f32 tensors of equal rank >= 2; batch
 * dims broadcast where one side is 1; a, b and dst may be strided. A sum
 * post-op with scale beta adds what dst held before (Gemm's beta * C). */
typedef struct ic_rt_matmul_desc {
    ic_rt_md a;                 /* ..., M, K */
    ic_rt_md b;                 /* ..., K, N */
    ic_rt_md dst;               /* ..., M, N */
    ic_rt_md bias;              /* broadcast to dst; ndims 0 = no bias */
    float alpha;                /* output scale */
    int n_post;                 /* entries in post */
    const ic_rt_postop *post;   /* the fused epilogue */
} ic_rt_matmul_desc;

enum { IC_RT_POOL_MAX = 1, IC_RT_POOL_AVG_INCLUDE_PAD, IC_RT_POOL_AVG_EXCLUDE_PAD };

/* 2-D max or average pooling; pad_r may exceed the declared padding (ceil mode). */
typedef struct ic_rt_pool_desc {
    ic_rt_md src;               /* N, C, H, W with the layout's strides */
    ic_rt_md dst;               /* N, C, oH, oW */
    int alg;                    /* IC_RT_POOL_* */
    int64_t kernel[2];          /* window H, W */
    int64_t strides[2];         /* along H, W */
    int64_t dilations[2];       /* ONNX convention: 1 = dense */
    int64_t pad_l[2];           /* top, left */
    int64_t pad_r[2];           /* bottom, right */
} ic_rt_pool_desc;

int ic_rt_dnnl_create(ic_rt_dnnl **out, char *err, size_t size);
/* Destroys the engine and stream; primitives are destroyed separately first. */
void ic_rt_dnnl_destroy(ic_rt_dnnl *e);
/* Bytes of scratchpad the largest primitive created so far needs. */
size_t ic_rt_dnnl_scratch_size(const ic_rt_dnnl *e);
/* Where primitives find their scratchpad at run time (the tail of the
 * instance's arena, at least ic_rt_dnnl_scratch_size bytes, 64-aligned). */
void ic_rt_dnnl_set_scratch(ic_rt_dnnl *e, void *scratch);

/* Create a primitive. weights / bias / b: constant data to prepack now (into
 * the layout the primitive picks, shared through *shared), or NULL to take
 * them at run time. bias data is used in place, never copied. */
int ic_rt_conv_create(ic_rt_dnnl *e, const ic_rt_conv_desc *desc, const float *weights, const float *bias,
                      ic_rt_shared *shared, ic_rt_prim **out, char *err, size_t size);
int ic_rt_matmul_create(ic_rt_dnnl *e, const ic_rt_matmul_desc *desc, const float *b, const float *bias,
                        ic_rt_shared *shared, ic_rt_prim **out, char *err, size_t size);
int ic_rt_pool_create(ic_rt_dnnl *e, const ic_rt_pool_desc *desc, ic_rt_prim **out, char *err, size_t size);
/* A copy between two layouts of the same logical tensor (NCHW <-> NHWC). */
int ic_rt_reorder_create(ic_rt_dnnl *e, const ic_rt_md *src, const ic_rt_md *dst, ic_rt_prim **out, char *err,
                         size_t size);

/* Executes p on this run's buffers. weights and bias are ignored when they
 * were given at create; post_src[i] is the second operand of the i-th
 * post-op (NULL, or unused, for non-binary ones). */
int ic_rt_run(ic_rt_dnnl *e, ic_rt_prim *p, const void *src, const void *weights, const void *bias, void *dst,
              const void *const *post_src, char *err, size_t size);

/* Bytes of prepacked weights p uses (shared between instances). */
size_t ic_rt_prim_packed_bytes(const ic_rt_prim *p);
/* oneDNN's implementation name for p ("brgconv:avx512_core"), for profiles. */
const char *ic_rt_prim_impl(const ic_rt_prim *p);
/* Releases p; the last instance to release prepacked weights frees them. */
void ic_rt_prim_destroy(ic_rt_prim *p);

/* --- timing (rt_prof.c) -------------------------------------------------------- */

/* Monotonic clock in milliseconds, for per-group profiles. */
double ic_rt_now_ms(void);

#endif
