/* ir.h — inductc's graph IR: values by 32-bit id, nodes in one topologically
 * ordered array, attributes in a small list per node.
 *
 * Everything a graph owns (names, arrays, attribute lists, constant data that
 * is not in the weights blob) lives in the graph's arena and is freed at once
 * with ic_graph_destroy(). Passes never free. */
#ifndef INDUCTC_IR_H
#define INDUCTC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inductc/model.h"
#include "inductc/status.h"
#include "ir/arena.h"
#include "ir/diag.h"

#define IC_MAX_RANK INDUCTC_MODEL_MAX_RANK
#define IC_NONE UINT32_MAX /* "no value" / "no node" */

typedef enum ic_dtype {
    IC_DT_INVALID = INDUCTC_DTYPE_INVALID,
    IC_DT_F32 = INDUCTC_DTYPE_F32,
    IC_DT_F16 = INDUCTC_DTYPE_F16,
    IC_DT_BF16 = INDUCTC_DTYPE_BF16,
    IC_DT_I8 = INDUCTC_DTYPE_I8,
    IC_DT_U8 = INDUCTC_DTYPE_U8,
    IC_DT_I32 = INDUCTC_DTYPE_I32,
    IC_DT_I64 = INDUCTC_DTYPE_I64,
    IC_DT_BOOL = INDUCTC_DTYPE_BOOL,
} ic_dtype;

const char *ic_dtype_name(ic_dtype t);                    /* "f32", "i64", ... */
ic_dtype ic_dtype_from_name(const char *s, size_t len);   /* IC_DT_INVALID if unknown */
size_t ic_dtype_size(ic_dtype t);                         /* bytes per element, 0 if invalid */
const char *ic_dtype_ctype(ic_dtype t);                   /* C type: "float", "int64_t", "uint8_t" ... */
bool ic_dtype_is_float(ic_dtype t);
bool ic_dtype_is_int(ic_dtype t);                         /* i8 u8 i32 i64 */

typedef enum ic_op {
#define IC_OP(e, name, min_in, max_in, n_out, kind, attrs) IC_OP_##e,
#include "ir/ops.def"
#undef IC_OP
    IC_OP_COUNT
} ic_op;

typedef enum ic_op_kind {
    IC_KIND_SOURCE,    /* no inputs: constants */
    IC_KIND_POINTWISE, /* out[i] depends only on in[i] (after broadcasting) */
    IC_KIND_REDUCTION, /* reduces some axes */
    IC_KIND_ROW,       /* reduction plus pointwise over the same rows (softmax, layernorm) */
    IC_KIND_VIEW,      /* same elements, new shape: no data moves */
    IC_KIND_MOVEMENT,  /* moves or selects elements (transpose, slice, concat, gather) */
    IC_KIND_WINDOW,    /* sliding windows (pooling) */
    IC_KIND_LIBRARY,   /* done by a library primitive (oneDNN) */
} ic_op_kind;

typedef struct ic_op_info {
    const char *name;  /* text-format name */
    int min_inputs;    /* fewest inputs */
    int max_inputs;    /* most inputs, -1 for variadic */
    int n_outputs;     /* results, -1 when the node says (split) */
    ic_op_kind kind;   /* how passes may treat it */
    const char *attrs; /* accepted attributes, "name:type ..." */
} ic_op_info;

const ic_op_info *ic_op_get(ic_op op);
ic_op ic_op_from_name(const char *s, size_t len); /* IC_OP_COUNT if unknown */

typedef enum ic_attr_kind {
    IC_ATTR_INT,    /* one int64 */
    IC_ATTR_FLOAT,  /* one double (printed with %.9g, so f32 values round-trip) */
    IC_ATTR_INTS,   /* a list of int64 */
    IC_ATTR_FLOATS, /* a list of doubles */
    IC_ATTR_STRING, /* a NUL-terminated string */
} ic_attr_kind;

typedef struct ic_attr {
    const char *name;     /* attribute name, as in ops.def */
    ic_attr_kind kind;    /* which member below is set */
    uint32_t n;           /* list length for INTS and FLOATS */
    int64_t i;            /* INT */
    double f;             /* FLOAT */
    const int64_t *ints;  /* INTS */
    const double *floats; /* FLOATS */
    const char *s;        /* STRING */
} ic_attr;

typedef struct ic_shape {
    int32_t rank;              /* 0 for scalars */
    int64_t dims[IC_MAX_RANK]; /* sizes; 0 is allowed (empty tensor) */
} ic_shape;

typedef enum ic_value_kind {
    IC_VALUE_NODE,  /* produced by a node (including constant nodes) */
    IC_VALUE_INPUT, /* a graph input */
} ic_value_kind;

typedef struct ic_value {
    const char *name;  /* its name in text and, for graph inputs/outputs, in the ABI; may be NULL */
    ic_value_kind kind;/* graph input or node result */
    ic_dtype dtype;    /* element type */
    ic_shape shape;    /* static shape */
    uint32_t producer; /* node id that defines it, IC_NONE for graph inputs */
    uint32_t index;    /* which result of the producer */
    const void *data;  /* constant contents (dense, row-major) or NULL */
} ic_value;

typedef struct ic_node {
    ic_op op;             /* what it computes */
    uint32_t n_inputs;    /* entries in inputs */
    uint32_t n_outputs;   /* entries in outputs */
    uint32_t n_attrs;     /* entries in attrs */
    uint32_t *inputs;     /* value ids, may repeat */
    uint32_t *outputs;    /* value ids it defines */
    ic_attr *attrs;       /* attributes, in the order given */
    uint32_t group;       /* kernel group set by fusion, IC_NONE before */
    uint32_t line;        /* source line in a .graph file, 0 if unknown */
} ic_node;

typedef struct ic_graph {
    ic_arena *arena;      /* owns everything below */
    const char *name;     /* graph name */
    ic_value *values;     /* all values, indexed by id */
    uint32_t n_values;    /* used entries of values */
    uint32_t cap_values;  /* allocated entries of values */
    ic_node *nodes;       /* topological order */
    uint32_t n_nodes;     /* used entries of nodes */
    uint32_t cap_nodes;   /* allocated entries of nodes */
    uint32_t *inputs;     /* graph inputs, value ids, in ABI order */
    uint32_t n_inputs;    /* entries in inputs */
    uint32_t cap_inputs;  /* allocated entries of inputs */
    uint32_t *outputs;    /* graph outputs, value ids, in ABI order */
    uint32_t n_outputs;   /* entries in outputs */
    uint32_t cap_outputs; /* allocated entries of outputs */
    const char *weights_path; /* sidecar file named by the text, as written there (may be NULL) */
    const uint8_t *weights;   /* sidecar contents, owned by the arena */
    size_t weights_size;      /* bytes in weights */
} ic_graph;

/* --- graph building (graph.c) ------------------------------------------------ */

/* A new empty graph with its own arena (alloc may be NULL for malloc/free). */
ic_status ic_graph_create(const ic_allocator *alloc, const char *name, ic_graph **out_graph);
void ic_graph_destroy(ic_graph *g);

/* Adds a graph input value; returns its id or IC_NONE when out of memory. */
uint32_t ic_graph_add_input(ic_graph *g, const char *name, ic_dtype dtype, const ic_shape *shape);
/* Marks value v as the next graph output; false when out of memory. */
bool ic_graph_add_output(ic_graph *g, uint32_t v);
/* Appends a node whose n_outputs results get fresh value ids (dtype and shape
 * left invalid until ic_infer_node runs). Attributes are copied. Returns the
 * node id or IC_NONE when out of memory. */
uint32_t ic_graph_add_node(ic_graph *g, ic_op op, const uint32_t *inputs, uint32_t n_inputs,
                           uint32_t n_outputs, const ic_attr *attrs, uint32_t n_attrs);
/* Adds a constant node holding a copy of data (nbytes must match dtype and shape).
 * Returns the value id or IC_NONE. */
uint32_t ic_graph_add_constant(ic_graph *g, const char *name, ic_dtype dtype, const ic_shape *shape,
                               const void *data);
/* Builds, infers shapes and returns the first output's value id, or IC_NONE with
 * the reason in d: the usual way passes and tests make nodes. */
uint32_t ic_graph_build(ic_graph *g, ic_op op, const uint32_t *inputs, uint32_t n_inputs,
                        const ic_attr *attrs, uint32_t n_attrs, ic_diag *d);

char *ic_graph_strdup(ic_graph *g, const char *s);   /* copy into the arena */
size_t ic_value_numel(const ic_value *v);            /* product of dims */
size_t ic_value_nbytes(const ic_value *v);           /* numel * dtype size */
size_t ic_shape_numel(const ic_shape *s);
bool ic_shape_equal(const ic_shape *a, const ic_shape *b);
/* Writes "f32[1,3,224,224]" into buf (always NUL-terminated). */
void ic_value_type_str(const ic_value *v, char *buf, size_t size);

/* --- attributes (attrs.c) ---------------------------------------------------- */

const ic_attr *ic_node_attr(const ic_node *n, const char *name); /* NULL if absent */
int64_t ic_attr_int(const ic_node *n, const char *name, int64_t dflt);
double ic_attr_float(const ic_node *n, const char *name, double dflt);
const char *ic_attr_str(const ic_node *n, const char *name, const char *dflt);
/* A list attribute: *out_n entries, or NULL with *out_n = 0 when absent. */
const int64_t *ic_attr_ints(const ic_node *n, const char *name, uint32_t *out_n);

/* Attribute constructors for builders and tests (they point at caller memory;
 * ic_graph_add_node copies). */
ic_attr ic_attr_make_int(const char *name, int64_t v);
ic_attr ic_attr_make_float(const char *name, double v);
ic_attr ic_attr_make_ints(const char *name, const int64_t *v, uint32_t n);
ic_attr ic_attr_make_floats(const char *name, const double *v, uint32_t n);
ic_attr ic_attr_make_string(const char *name, const char *s);

/* Decoded parameters with every default applied: the only place defaults live.
 * Interpreter, shape inference and codegen all read attributes through these. */
typedef struct ic_conv_params {
    int64_t strides[2];   /* along H, W */
    int64_t pads[4];      /* top, left, bottom, right */
    int64_t dilations[2]; /* along H, W */
    int64_t group;        /* channel groups */
    int64_t output_padding[2]; /* conv_transpose only: extra rows/cols at the bottom/right */
    bool channels_last;   /* layout=nhwc: x and the result are [N, H, W, C] */
} ic_conv_params;

typedef struct ic_pool_params {
    int64_t kernel[2];        /* window H, W */
    int64_t strides[2];       /* along H, W (default 1) */
    int64_t pads[4];          /* top, left, bottom, right */
    int64_t dilations[2];     /* max pool only (default 1) */
    bool ceil_mode;           /* round the output size up */
    bool count_include_pad;   /* avg pool divides by the full window */
    bool channels_last;       /* layout=nhwc: x and the result are [N, H, W, C] */
} ic_pool_params;

typedef struct ic_gemm_params {
    double alpha, beta; /* Y = alpha * A' B' + beta * C */
    bool trans_a;       /* A' = A^T */
    bool trans_b;       /* B' = B^T */
} ic_gemm_params;

typedef enum ic_gelu_kind { IC_GELU_ERF, IC_GELU_TANH } ic_gelu_kind;

ic_status ic_conv_params_get(const ic_node *n, ic_conv_params *out, ic_diag *d);
ic_status ic_pool_params_get(const ic_node *n, ic_pool_params *out, ic_diag *d);
ic_gemm_params ic_gemm_params_get(const ic_node *n);
double ic_leaky_relu_alpha(const ic_node *n);     /* default 0.01 */
void ic_hardsigmoid_params(const ic_node *n, double *alpha, double *beta); /* 0.2, 0.5 */
void ic_clip_bounds(const ic_node *n, double *lo, double *hi);              /* -inf, +inf */
ic_gelu_kind ic_gelu_kind_of(const ic_node *n);  /* "none" (default) or "tanh" */
double ic_epsilon_of(const ic_node *n);          /* layernorm and batchnorm, default 1e-5 */
/* Normalises a possibly negative axis against rank; false if out of range. */
bool ic_axis_normalize(int64_t axis, int32_t rank, int32_t *out_axis);
/* Reduction axes as a bitmask over the input rank (empty or absent = all axes);
 * false with a message in d for an out-of-range or repeated axis. */
bool ic_reduce_axes_mask(const ic_node *n, int32_t rank, uint32_t *out_mask, ic_diag *d);
bool ic_reduce_keepdims(const ic_node *n); /* default true */
/* The op's single axis attribute, normalised against rank, with the op's
 * default: -1 for softmax, log_softmax and layernorm; 0 for gather and split;
 * required for concat. */
ic_status ic_axis_of(const ic_node *n, int32_t rank, int32_t *out_axis, ic_diag *d);
/* transpose's permutation (absent: reversed dims; negatives count from the end). */
ic_status ic_transpose_perm(const ic_node *n, int32_t rank, int32_t out_perm[IC_MAX_RANK], ic_diag *d);

/* What slice selects along every dim of its input: element i of the result
 * along dim k is input index start[k] + i * step[k], for count[k] elements. */
typedef struct ic_slice_params {
    int64_t start[IC_MAX_RANK]; /* first input index (0 when count is 0) */
    int64_t step[IC_MAX_RANK];  /* stride in elements, never 0; 1 where count <= 1 */
    int64_t count[IC_MAX_RANK]; /* elements selected */
} ic_slice_params;
/* ONNX Slice semantics (negative starts/ends count from the end, clamped;
 * overflow-safe for huge steps). */
ic_status ic_slice_params_get(const ic_node *n, const ic_shape *in, ic_slice_params *out, ic_diag *d);

/* --- ops of the ONNX front end (defaults in attrs.c, index maps in index_maps.c) --- */

double ic_elu_alpha(const ic_node *n);  /* elu, celu: 1; selu: 1.67326319217681884765625 */
double ic_selu_gamma(const ic_node *n); /* 1.05070102214813232421875 */
bool ic_mod_is_fmod(const ic_node *n);  /* fmod (0): 0 = sign of the divisor, 1 = C fmod */

typedef struct ic_arg_params {
    int32_t axis;     /* normalised (default 0) */
    bool keepdims;    /* keep the reduced axis as size 1 (default true) */
    bool select_last; /* select_last_index: the last of equal extremes (default false) */
} ic_arg_params;
/* argmax / argmin. */
ic_status ic_arg_params_get(const ic_node *n, int32_t rank, ic_arg_params *out, ic_diag *d);

typedef struct ic_cumsum_params {
    int32_t axis;   /* normalised (required) */
    bool exclusive; /* leave out the element itself (default false) */
    bool reverse;   /* sum from the end (default false) */
} ic_cumsum_params;
ic_status ic_cumsum_params_get(const ic_node *n, int32_t rank, ic_cumsum_params *out, ic_diag *d);

typedef struct ic_topk_params {
    int32_t axis; /* normalised (default -1) */
    int64_t k;    /* how many (required, 0 <= k <= the axis' size) */
    bool largest; /* the k largest, in descending order (default); else the k smallest, ascending */
} ic_topk_params;
/* topk; checks k against the axis of a tensor of shape x. */
ic_status ic_topk_params_get(const ic_node *n, const ic_shape *x, ic_topk_params *out, ic_diag *d);

typedef enum ic_scatter_reduction {
    IC_SCATTER_NONE, /* overwrite */
    IC_SCATTER_ADD,
    IC_SCATTER_MUL,
    IC_SCATTER_MAX,
    IC_SCATTER_MIN,
} ic_scatter_reduction;
/* scatter_elements / scatter_nd "reduction": none (default), add, mul, max, min. */
ic_status ic_scatter_reduction_of(const ic_node *n, ic_scatter_reduction *out, ic_diag *d);
int64_t ic_gather_nd_batch_dims(const ic_node *n); /* default 0 */

typedef enum ic_agg_reduction { IC_AGG_SUM, IC_AGG_MEAN, IC_AGG_MAX, IC_AGG_MIN } ic_agg_reduction;
typedef struct ic_agg_params {
    ic_agg_reduction red; /* reduction: sum (default), mean, max, min */
    bool include_self;    /* include_self (default 0): data's own row joins the reduction */
    bool scaled;          /* scaled (default 0): input 3 is the per-edge scale */
    bool has_data;        /* the last input is data f32[N, F] */
    int64_t num_nodes;    /* N: data's rows, else the num_nodes attribute (required then) */
} ic_agg_params;
/* edge_aggregate: inputs x, src, dst [, scale if scaled] [, data]; last is
 * the shape of the node's last input (read only when it is data). */
ic_status ic_agg_params_get(const ic_node *n, const ic_shape *last, ic_agg_params *out, ic_diag *d);
/* "reduction" of edge_aggregate, spmm and segment_reduce: sum (default), mean, max, min. */
ic_status ic_agg_reduction_of(const ic_node *n, ic_agg_reduction *out, ic_diag *d);
/* spmm: inputs rowptr, col [, val if scaled], x [, data]; num_nodes is
 * rowptr's length - 1 (rowptr must be a vector of at least one entry). */
ic_status ic_spmm_params_get(const ic_node *n, const ic_shape *rowptr, ic_agg_params *out, ic_diag *d);

/* tile's repeats: required, one entry >= 0 per input dim. */
ic_status ic_tile_repeats(const ic_node *n, int32_t rank, int64_t out[IC_MAX_RANK], ic_diag *d);

typedef enum ic_pad_mode { IC_PAD_CONSTANT, IC_PAD_REFLECT, IC_PAD_EDGE } ic_pad_mode;
typedef struct ic_pad_params {
    int64_t begin[IC_MAX_RANK]; /* added before each dim; negative crops */
    int64_t end[IC_MAX_RANK];   /* added after each dim; negative crops */
    ic_pad_mode mode;           /* default constant */
    double value;               /* constant mode's fill (default 0) */
} ic_pad_params;
/* pad: pads (required, 2 * rank entries: every begin, then every end). */
ic_status ic_pad_params_get(const ic_node *n, int32_t rank, ic_pad_params *out, ic_diag *d);
/* Input index along one dim that output index o reads, or -1 for the constant
 * fill (constant mode outside the input). in_len is that dim's input length
 * and must leave a non-empty tensor after cropping unless the mode is constant. */
int64_t ic_pad_source(const ic_pad_params *p, int32_t dim, int64_t in_len, int64_t o);

typedef struct ic_trilu_params {
    bool upper; /* keep j - i >= k (default true), else j - i <= k */
    int64_t k;  /* diagonal offset (default 0) */
} ic_trilu_params;
ic_trilu_params ic_trilu_params_get(const ic_node *n);

typedef enum ic_resize_mode { IC_RESIZE_NEAREST, IC_RESIZE_LINEAR } ic_resize_mode;
typedef enum ic_resize_coord {
    IC_RESIZE_HALF_PIXEL,         /* (x + 0.5) / scale - 0.5 (default) */
    IC_RESIZE_ASYMMETRIC,         /* x / scale */
    IC_RESIZE_ALIGN_CORNERS,      /* x * (in - 1) / (out - 1) */
    IC_RESIZE_PYTORCH_HALF_PIXEL, /* half_pixel, but 0 when out <= 1 */
    IC_RESIZE_TF_HALF_PIXEL_NN,   /* (x + 0.5) / scale */
} ic_resize_coord;
typedef enum ic_resize_nearest {
    IC_RESIZE_ROUND_PREFER_FLOOR, /* default */
    IC_RESIZE_ROUND_PREFER_CEIL,
    IC_RESIZE_FLOOR,
    IC_RESIZE_CEIL,
} ic_resize_nearest;
typedef struct ic_resize_params {
    ic_resize_mode mode;          /* nearest (default) or linear */
    ic_resize_coord coord;        /* coordinate_transformation_mode */
    ic_resize_nearest nearest;    /* nearest_mode */
    int64_t sizes[IC_MAX_RANK];   /* the output shape (required) */
    double scales[IC_MAX_RANK];   /* per dim: the given scale, else sizes / input dim */
    bool has_scales;              /* scales came from the attribute */
} ic_resize_params;
/* resize: in is the input shape (sizes and scales need one entry per dim). */
ic_status ic_resize_params_get(const ic_node *n, const ic_shape *in, ic_resize_params *out, ic_diag *d);
/* Where output index x along dim reads the input: nearest gives *i0 (with *w
 * = 0); linear blends (1 - *w) * in[*i0] + *w * in[*i1]. Indices are clamped
 * to [0, in_len - 1] (in_len >= 1). */
void ic_resize_sample(const ic_resize_params *p, int32_t dim, int64_t in_len, int64_t x, int64_t *i0, int64_t *i1,
                      double *w);

typedef struct ic_d2s_params {
    int64_t blocksize; /* required, >= 1 */
    bool crd;          /* depth_to_space mode CRD (else DCR, the default) */
} ic_d2s_params;
/* depth_to_space and space_to_depth. */
ic_status ic_d2s_params_get(const ic_node *n, ic_d2s_params *out, ic_diag *d);

/* --- shape inference (shape.c) and verifier (verify.c) ----------------------- */

/* Sets the dtype and shape of node's results from its inputs and attributes;
 * an error in d names the node's op, its first result and the problem. */
ic_status ic_infer_node(ic_graph *g, uint32_t node, ic_diag *d);
/* Runs ic_infer_node over every node in order. */
ic_status ic_infer_graph(ic_graph *g, ic_diag *d);
/* Checks every structural rule: ids in range, topological order, arity,
 * attributes known to ops.def with the right types, each value defined once,
 * dtypes/shapes consistent with inference, inputs/outputs named and unique. */
ic_status ic_verify(const ic_graph *g, ic_diag *d);
/* Numpy broadcasting of two shapes; false if incompatible. */
bool ic_broadcast_shapes(const ic_shape *a, const ic_shape *b, ic_shape *out);

/* Human name of a value for messages: its name, or "%<id>". buf gets a copy. */
const char *ic_value_label(const ic_graph *g, uint32_t v, char *buf, size_t size);

#endif
