/* onnx.h — the ONNX front end: ModelProto bytes to an ic_graph.
 *
 * The decoder is generated at build time by protoc-c from the onnx.proto that
 * the system's ONNX package installs; nothing here exposes its types. Import
 * maps ONNX ops (default domain, opsets 1 to 17) onto core ops, folds every
 * node whose inputs are all constants, and rejects a model it cannot map with
 * one error listing every unsupported op type, its opset and its nodes. */
#ifndef INDUCTC_ONNX_H
#define INDUCTC_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "ir/tensor.h"

/* A static shape for one graph input, overriding what the model declares
 * (needed for inputs with symbolic dims). */
typedef struct ic_onnx_input_shape {
    const char *name; /* graph input name */
    ic_shape shape;   /* its shape */
} ic_onnx_input_shape;

/* A value for one graph input, which then becomes a constant: how a model
 * whose shape-like inputs (Reshape's shape, Clip's bounds ...) are graph
 * inputs is compiled for one set of those values. */
typedef struct ic_onnx_binding {
    const char *name;        /* graph input name */
    const ic_tensor *value;  /* its value (dtype must match; copied) */
} ic_onnx_binding;

typedef struct ic_onnx_options {
    const ic_onnx_input_shape *input_shapes; /* overrides, may be NULL */
    uint32_t n_input_shapes;                 /* entries in input_shapes */
    const ic_onnx_binding *bindings;         /* inputs made constants, may be NULL */
    uint32_t n_bindings;                     /* entries in bindings */
    bool demote_f64;                         /* import float64 inputs, weights and casts as f32 (lossy) */
    size_t fold_limit;                       /* largest folded constant in bytes; 0: 64 MiB */
} ic_onnx_options;

/* True when data plausibly starts a serialized ModelProto: the first field is
 * one a ModelProto has, with its wire type. Cheap; decoding decides. */
bool ic_onnx_sniff(const uint8_t *data, size_t len);

/* Imports a serialized model. path names it in messages and locates external
 * tensor data (relative to its directory); it may be NULL when the model has
 * none. opt may be NULL. Runs shape inference and the verifier. On failure
 * *out_graph is NULL and d holds one line; an unmappable model fails with
 * IC_ERR_UNSUPPORTED. */
ic_status ic_onnx_import(const uint8_t *data, size_t len, const char *path, const ic_onnx_options *opt,
                         const ic_allocator *alloc, ic_graph **out_graph, ic_diag *d);

/* Reads and imports a model file. */
ic_status ic_onnx_import_file(const char *path, const ic_onnx_options *opt, const ic_allocator *alloc,
                              ic_graph **out_graph, ic_diag *d);

/* Reads a file holding one serialized TensorProto (the ONNX test suites'
 * input_N.pb / output_N.pb) into a newly allocated tensor. Element types
 * inductc has no dtype for are IC_ERR_UNSUPPORTED (float64 becomes f32 with
 * demote_f64). out_name, if not NULL, receives the tensor's name (possibly
 * empty). */
ic_status ic_onnx_read_tensor_file(const char *path, bool demote_f64, ic_tensor *out, char *out_name, size_t name_size,
                                   ic_diag *d);

#endif
