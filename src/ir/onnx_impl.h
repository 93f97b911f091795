/* onnx_impl.h — what the ONNX importer's files share: the import state, the
 * per-node view the op mappers work on, and the helpers they build with.
 *
 *   onnx_wire.c     raw wire-format checks (nesting depth) and sniffing
 *   onnx_tensor.c   TensorProto → dense data (typed fields, raw, external)
 *   onnx_import.c   the driver: model, inputs, initializers, nodes, outputs,
 *                   the one unsupported-ops error
 *   onnx_build.c    helpers for mappers: attributes, constants, emitting IR
 *                   nodes with import-time folding through the interpreter
 *   onnx_ops_*.c    the op mappers, one table per family (onnx_ops_nn3d.c:
 *                   3-D windows spelled with 2-D ops) */
#ifndef INDUCTC_ONNX_IMPL_H
#define INDUCTC_ONNX_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "ir/onnx.h"
#include "onnx.pb-c.h"

#define ONNX_POISON (IC_NONE - 1u) /* value id bound to results of an unsupported node */
#define ONNX_MAX_IO 4096u          /* inputs or outputs per node (Concat, Sum ...) */

/* --- wire format (onnx_wire.c) ---------------------------------------------------- */

/* Refuses bytes that are not protobuf or nest messages too deep to decode safely. */
ic_status ic_onnx_wire_check(const uint8_t *data, size_t len, ic_diag *d);

/* --- tensors (onnx_tensor.c) ------------------------------------------------------- */

/* inductc's dtype for an ONNX TensorProto.DataType, IC_DT_INVALID if none
 * (double is f32 with demote_f64). */
ic_dtype ic_onnx_dtype(int32_t onnx_type, bool demote_f64);
/* The ONNX name of a data type ("double", "uint16" ...), for messages. */
const char *ic_onnx_dtype_name(int32_t onnx_type);
/* The ONNX data type of an inductc dtype. */
int32_t ic_onnx_dtype_to_onnx(ic_dtype t);
/* dtype and shape of a tensor, checked (known type, rank, sane dims). */
ic_status ic_onnx_tensor_type(const Onnx__TensorProto *t, bool demote_f64, ic_dtype *out_dtype, ic_shape *out_shape,
                              ic_diag *d);
/* Writes the tensor's elements (nbytes = numel * dtype size) into dst from
 * whichever field holds them; external data is read relative to base_dir
 * (NULL: refused). Every size and bound is checked first; with dst NULL only
 * the checks run (so callers check before allocating what the dims claim). */
ic_status ic_onnx_tensor_fill(const Onnx__TensorProto *t, const char *base_dir, ic_dtype dtype, void *dst,
                              size_t nbytes, ic_diag *d);

/* Reads a whole file (model or tensor) into malloc'd memory. */
ic_status ic_onnx_read_file(const char *path, uint8_t **out, size_t *out_len, ic_diag *d);

/* --- import state (onnx_import.c) --------------------------------------------------- */

typedef struct onnx_name_map onnx_name_map;

typedef struct onnx_importer {
    ic_graph *g;            /* the graph being built */
    ic_diag *d;             /* where errors go */
    const char *path;       /* the model file, for messages */
    const char *base_dir;   /* directory external data is relative to, NULL if unknown */
    int64_t opset;          /* the default domain's opset version */
    size_t fold_limit;      /* largest constant folding may create, bytes */
    bool demote_f64;        /* float64 tensors become f32 */
    onnx_name_map *names;   /* ONNX value name → value id */
} onnx_importer;

/* The name map (onnx_import.c): binding a name twice is an error. */
ic_status onnx_names_put(onnx_importer *im, const char *name, uint32_t v);
uint32_t onnx_names_get(const onnx_importer *im, const char *name); /* IC_NONE if unknown */

/* One ONNX node while it is mapped. */
typedef struct onnx_node {
    onnx_importer *im;            /* the import */
    const Onnx__NodeProto *p;     /* the node itself */
    const char *label;            /* node name, or its first output, for messages */
    uint32_t n_in;                /* inputs given (trailing omitted ones not counted) */
    const uint32_t *in;           /* their value ids; IC_NONE where the name is "" */
    char reason[256];             /* why the node is unsupported, when a mapper says so */
} onnx_node;

/* A mapper turns one ONNX node into IR and binds its results with
 * onnx_set_out. It returns IC_OK, IC_ERR_UNSUPPORTED through
 * onnx_unsupported (collected into the one error listing every unsupported
 * op), or another error (bad model) that ends the import. */
typedef ic_status (*onnx_map_fn)(onnx_node *n);

typedef struct onnx_op_entry {
    const char *op_type; /* ONNX op type in the default domain */
    onnx_map_fn map;     /* its mapper */
} onnx_op_entry;

/* Mapper tables, each ending with {NULL, NULL}. */
extern const onnx_op_entry ic_onnx_ops_math[];  /* onnx_ops_math.c: elementwise, activations, reductions */
extern const onnx_op_entry ic_onnx_ops_nn[];    /* onnx_ops_nn.c: matmul, conv, pooling, normalisation, softmax */
extern const onnx_op_entry ic_onnx_ops_shape[]; /* onnx_ops_shape.c: shapes, views, data movement, constants */
extern const onnx_op_entry ic_onnx_ops_misc[];  /* onnx_ops_misc.c: losses and other composites */
extern const onnx_op_entry ic_onnx_ops_einsum[]; /* onnx_einsum.c: Einsum as transposes and matmuls */

/* --- windows (onnx_ops_nn.c, onnx_ops_nn3d.c) ----------------------------------------- */

/* A conv or pool window over sp = 1..3 spatial dims, auto_pad resolved. */
typedef struct onnx_window {
    int sp;               /* spatial dims */
    int64_t kernel[3];    /* window size per dim */
    int64_t strides[3];   /* per dim */
    int64_t dilations[3]; /* per dim */
    int64_t pads[6];      /* all begins, then all ends (ONNX order) */
} onnx_window;

/* Reads strides, dilations (if dilations_ok), pads and auto_pad for input shape xs. */
ic_status onnx_window_attrs(onnx_node *n, const ic_shape *xs, const int64_t *kernel, bool dilations_ok,
                            onnx_window *w);
/* 3-D Conv and MaxPool/AveragePool as 2-D ops over depth slices. */
ic_status onnx_conv3d(onnx_node *n);
ic_status onnx_pool3d(onnx_node *n, bool is_max, const int64_t *kernel);

/* --- helpers for mappers (onnx_build.c) ---------------------------------------------- */

/* Records why n cannot be mapped; returns IC_ERR_UNSUPPORTED. */
ic_status onnx_unsupported(onnx_node *n, const char *fmt, ...) IC_PRINTF(2, 3);
/* An error in the model itself (ends the import); returns IC_ERR_INVALID. */
ic_status onnx_invalid(onnx_node *n, const char *fmt, ...) IC_PRINTF(2, 3);

/* Input i's value id, IC_NONE if absent or omitted. */
uint32_t onnx_in(const onnx_node *n, uint32_t i);
/* Input i, which must be present (else an invalid-model error). */
ic_status onnx_req(onnx_node *n, uint32_t i, uint32_t *out_v);
const ic_value *onnx_val(const onnx_node *n, uint32_t v);
uint32_t onnx_n_out(const onnx_node *n);
/* Whether result i is wanted (named and not empty). */
bool onnx_out_used(const onnx_node *n, uint32_t i);
/* Binds result i of the node to value v (names v after it if v has no name). */
ic_status onnx_set_out(onnx_node *n, uint32_t i, uint32_t v);

/* Attributes (absent: dflt / false). Strings are copied into the graph arena. */
const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name);
int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt);
double onnx_attr_float(const onnx_node *n, const char *name, double dflt);
const char *onnx_attr_str(onnx_node *n, const char *name, const char *dflt);
bool onnx_attr_ints(const onnx_node *n, const char *name, const int64_t **out, uint32_t *out_n);
bool onnx_attr_floats(const onnx_node *n, const char *name, const float **out, uint32_t *out_n);

/* The IR op named name, or an unsupported error naming it when this build
 * does not have it yet. */
ic_status onnx_need_op(onnx_node *n, const char *name, ic_op *out_op);

/* Whether ops.def lists attribute name for op. */
bool onnx_op_has_attr(ic_op op, const char *name);

/* Emits one IR node and infers its type. When every input is a constant the
 * node is evaluated with the reference interpreter instead and its results
 * become constants (unless larger than the fold limit). */
ic_status onnx_emit(onnx_node *n, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                    uint32_t n_attrs, uint32_t *out_v);
/* The same for ops with several results (split). */
ic_status onnx_emit_multi(onnx_node *n, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                          uint32_t n_attrs, uint32_t n_out, uint32_t *out_v);
/* Shorthands for one-input and two-input nodes. */
ic_status onnx_emit1(onnx_node *n, ic_op op, uint32_t a, const ic_attr *attrs, uint32_t n_attrs, uint32_t *out_v);
ic_status onnx_emit2(onnx_node *n, ic_op op, uint32_t a, uint32_t b, uint32_t *out_v);

/* Constants. */
bool onnx_is_const(const onnx_importer *im, uint32_t v);
ic_status onnx_const(onnx_node *n, ic_dtype dt, const ic_shape *s, const void *data, uint32_t *out_v);
ic_status onnx_const_scalar(onnx_node *n, ic_dtype dt, double x, uint32_t *out_v); /* rank 0 */
ic_status onnx_const_i64s(onnx_node *n, const int64_t *v, uint32_t k, uint32_t *out_v); /* i64[k] */
/* Reads a constant integer tensor (i32 or i64, any shape) into arena memory;
 * unsupported (naming `what`) when v is not a constant. */
ic_status onnx_const_ints(onnx_node *n, uint32_t v, const char *what, const int64_t **out, uint32_t *out_k);
/* Reads a constant numeric tensor as doubles (arena memory). */
ic_status onnx_const_doubles(onnx_node *n, uint32_t v, const char *what, const double **out, uint32_t *out_k);

/* Common reshapes: reshape to an explicit shape; cast to dtype (no-op if equal). */
ic_status onnx_reshape(onnx_node *n, uint32_t x, const int64_t *dims, int32_t rank, uint32_t *out_v);
ic_status onnx_cast(onnx_node *n, uint32_t x, ic_dtype to, uint32_t *out_v);
/* A copy of x (a value of its own, e.g. for a graph output that aliases another). */
ic_status onnx_copy(onnx_node *n, uint32_t x, uint32_t *out_v);

#endif
