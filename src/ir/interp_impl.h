/* interp_impl.h — private to the reference interpreter (src/ir/interp*.c):
 * the kernel signature, the one strided index iterator every kernel reuses
 * (broadcasting, transposes, slices and reductions are all "an index walk
 * with per-operand strides"), and typed element access.
 *
 * Kernels receive their inputs as tensors and write into result tensors that
 * interp.c has already allocated (zero-filled) with the dtype and shape that
 * shape inference put on the node's results; kernels trust those shapes but
 * check what they index with, so a malformed graph gives an error, not a crash.
 *
 * Numeric conventions (all kernels):
 *   - f32 math is done in double and rounded to float once per result. For
 *     + - * / and sqrt that is bit-identical to float arithmetic; for
 *     transcendental functions it is the correctly rounded (or nearly) value,
 *     the best oracle to compare vectorised code against.
 *   - sums, means, variances, dot products and convolutions accumulate in
 *     double.
 *   - integer arithmetic wraps (two's complement), never traps. */
#ifndef INDUCTC_INTERP_IMPL_H
#define INDUCTC_INTERP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "ir/tensor.h"

/* Every op kernel: n's inputs are in[0..n->n_inputs), its results out[0..n->n_outputs). */
typedef ic_status (*ic_interp_kernel)(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);

/* --- index iteration (interp_iter.c) ----------------------------------------- */

#define IC_ITER_MAX_OPERANDS 3

/* Walks every index of shape in row-major order and keeps, for each operand,
 * the element offset base[k] + sum(idx[i] * strides[k][i]). */
typedef struct ic_iter {
    ic_shape shape;                                   /* the index space walked */
    int n_operands;                                   /* operands tracked */
    int64_t strides[IC_ITER_MAX_OPERANDS][IC_MAX_RANK]; /* element strides per operand per dim */
    int64_t idx[IC_MAX_RANK];                         /* the current index */
    int64_t off[IC_ITER_MAX_OPERANDS];                /* the current element offset per operand */
} ic_iter;

/* Starts at index 0. strides[k] has shape->rank entries; base may be NULL (all 0). */
void ic_iter_init(ic_iter *it, const ic_shape *shape, int n_operands, const int64_t (*strides)[IC_MAX_RANK],
                  const int64_t *base);
/* Steps to the next index; false after the last one (the iterator is then back at 0). */
bool ic_iter_next(ic_iter *it);

/* Dense row-major element strides of shape. */
void ic_dense_strides(const ic_shape *shape, int64_t out_strides[IC_MAX_RANK]);
/* Element strides that read a dense tensor of shape in as if it had shape out
 * (numpy broadcasting: aligned at the right, 0 on broadcast dims); false if
 * in does not broadcast to out. */
bool ic_bcast_strides(const ic_shape *in, const ic_shape *out, int64_t out_strides[IC_MAX_RANK]);

/* out[i] = in[base + sum(idx_i * strides)] for every index of out's shape,
 * element by element with memcpy, so it works for every dtype. */
void ic_strided_copy(ic_tensor *out, const ic_tensor *in, const int64_t strides[IC_MAX_RANK], int64_t base);

/* Product of dims[lo..hi). */
int64_t ic_dims_prod(const ic_shape *s, int32_t lo, int32_t hi);

/* --- element access (interp_iter.c) ------------------------------------------- */

/* Element i of an f32 tensor as double. */
static inline double ic_ld_f(const ic_tensor *t, size_t i) { return ((const float *)t->data)[i]; }
/* Stores v rounded to float into an f32 tensor. */
static inline void ic_st_f(ic_tensor *t, size_t i, double v) { ((float *)t->data)[i] = (float)v; }
/* Element i of an integer or bool tensor (i8 u8 i32 i64 bool) as int64. */
int64_t ic_ld_i(const ic_tensor *t, size_t i);
/* Stores v into an integer or bool tensor, wrapping modulo 2^bits like a C
 * conversion to the unsigned type of that width. */
void ic_st_i(ic_tensor *t, size_t i, int64_t v);
/* True for dtypes ic_ld_i / ic_st_i handle. */
bool ic_dtype_is_intlike(ic_dtype t);
/* f32, i32, i64: the dtypes arithmetic runs on (docs/ops.md). */
bool ic_dtype_is_arith(ic_dtype t);

/* An error "OP: unsupported dtype T" (or "OP: unsupported dtypes T and U"). */
ic_status ic_interp_bad_dtype(const ic_node *n, ic_dtype t, ic_diag *d);
ic_status ic_interp_bad_dtypes(const ic_node *n, ic_dtype a, ic_dtype b, ic_diag *d);
/* An error "OP: PROBLEM" for shapes that disagree with what the kernel needs. */
ic_status ic_interp_bad_shape(const ic_node *n, const char *problem, ic_diag *d);

/* --- kernels ------------------------------------------------------------------- */

/* interp_pointwise.c: unary, binary, where */
ic_status ic_interp_unary(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_binary(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_where(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_cast.c */
ic_status ic_interp_cast(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_reduce.c: reduce_*, global pools */
ic_status ic_interp_reduce(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* An iterator over shape x with two offsets: off[0] the element of x, off[1]
 * the element of the result reduced over the axes in mask (laid out as with
 * keepdims, which has the same order either way). Returns the number of
 * results; *count (may be NULL) gets the elements reduced into each. */
size_t ic_interp_reduce_iter(const ic_shape *x, uint32_t mask, ic_iter *it, int64_t *count);
/* interp_norm.c: softmax, log_softmax, layernorm, batchnorm */
ic_status ic_interp_softmax(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_layernorm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_batchnorm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_shape.c: views and data movement */
ic_status ic_interp_view(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_transpose(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_expand(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_slice(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_concat(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_split(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_gather(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_nn.c: matmul, gemm, conv2d */
ic_status ic_interp_matmul(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_gemm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_conv2d(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* Logical [N, C, H, W] dims and their element strides for an activation
 * stored as NCHW or (channels_last) NHWC. */
void ic_interp_act_dims(const ic_shape *s, bool channels_last, int64_t out[4]);
void ic_interp_act_strides(const ic_shape *s, bool channels_last, int64_t out[4]);
/* A conv2d / conv_transpose node's parameters and its activation x and result
 * as logical [N, C, H, W]: dims and element strides in the layout p names. */
typedef struct ic_conv_view {
    ic_conv_params p;     /* the node's parameters */
    int64_t xd[4], yd[4]; /* dims of x and of the result */
    int64_t xs[4], ys[4]; /* their strides */
} ic_conv_view;
/* Fills v after checking that every operand is f32 and x, w and the result are 4-D. */
ic_status ic_interp_conv_view(const ic_node *n, const ic_tensor *const *in, const ic_tensor *out, ic_conv_view *v,
                              ic_diag *d);
/* interp_conv.c: conv_transpose */
ic_status ic_interp_conv_transpose(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_pool.c: max_pool2d, avg_pool2d */
ic_status ic_interp_pool2d(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_math_ext.c: elu selu celu softplus softsign round sign isnan isinf, sin ... atanh, mod */
ic_status ic_interp_unary_ext(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_mod(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_reduce_ext.c: reduce_prod reduce_l2 reduce_sum_square reduce_log_sum_exp, argmax argmin, cumsum */
ic_status ic_interp_reduce_ext(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_argminmax(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_cumsum(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_topk.c */
ic_status ic_interp_topk(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_index.c: gather_elements gather_nd scatter_elements scatter_nd */
ic_status ic_interp_gather_elements(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_gather_nd(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_scatter_elements(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_scatter_nd(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_aggregate.c */
ic_status ic_interp_edge_aggregate(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_csr_build(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);      /* interp_sparse.c */
ic_status ic_interp_spmm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);           /* interp_sparse.c */
ic_status ic_interp_segment_reduce(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d); /* interp_sparse.c */
/* interp_layout.c: tile pad trilu depth_to_space space_to_depth */
ic_status ic_interp_tile(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_pad(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_trilu(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
ic_status ic_interp_depth_space(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_resize.c */
ic_status ic_interp_resize(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);
/* interp_instnorm.c */
ic_status ic_interp_instance_norm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d);

#endif
