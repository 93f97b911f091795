/* cg.h — private to src/codegen: the state one ic_codegen_emit call shares
 * between kernel grouping, the memory plan and the per-kind emitters.
 *
 * The generated file is assembled from separate text buffers (kernel
 * functions, the run() body, primitive creation in create()), so each
 * emitter appends to the part it owns and emit_model.c stitches them
 * together with the ABI scaffolding around them. */
#ifndef INDUCTC_CG_H
#define INDUCTC_CG_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/codegen.h"

/* Work below this many elements runs on one thread (no omp parallel): a
 * fork/join costs microseconds, on a loaded machine milliseconds. */
#define CG_PAR_MIN 65536
/* Inner loops longer than this are cut into chunks of this many elements so
 * a single long row still spreads over threads. A multiple of every IC_VW. */
#define CG_CHUNK 4096

/* Where a value's elements live at run time. */
typedef enum cg_store {
    CG_STORE_NONE,   /* not planned (unused constant, or empty) */
    CG_STORE_INPUT,  /* the caller's input buffer */
    CG_STORE_OUTPUT, /* the caller's output buffer */
    CG_STORE_CONST,  /* the weights blob */
    CG_STORE_ARENA,  /* the instance's arena */
    CG_STORE_ALIAS,  /* another value's buffer (views) */
} cg_store;

typedef struct cg_buf {
    cg_store kind;     /* where it lives */
    uint32_t index;    /* graph input / output position for INPUT and OUTPUT */
    uint64_t offset;   /* byte offset into the arena (ARENA) or blob (CONST) */
    uint32_t alias_of; /* ALIAS: the value (never itself an alias) whose buffer it shares */
} cg_buf;

/* How a kernel group becomes code. */
typedef enum cg_group_kind {
    CG_GROUP_SINGLE,  /* one node, through its op's emitter */
    CG_GROUP_ALIAS,   /* a view whose result aliases its input: no code at all */
    CG_GROUP_FUSED,   /* a planned loop kernel (src/lower/kplan.h): pointwise, reductions, rows, views */
    CG_GROUP_LIBRARY, /* led by a library op (conv, matmul, gemm): emit_dnnl.c handles every node */
} cg_group_kind;

/* A kernel group: the nodes the fuse passes gave one group id (node->group),
 * emitted as one function. */
typedef struct cg_group {
    uint32_t *nodes;       /* node ids in execution order */
    uint32_t n_nodes;      /* entries in nodes */
    bool alias;            /* CG_GROUP_ALIAS (kept for the memory plan) */
    cg_group_kind kind;    /* which emitter */
    struct kp_plan *plan;  /* CG_GROUP_FUSED: its kernel plan */
    int threads;           /* CG_GROUP_FUSED: threads its loop can use; > 1 runs inside an omp parallel region */
    size_t call_begin;     /* its text in the run body (c->body) ... */
    size_t call_end;       /* ... up to here */
} cg_group;

typedef struct cg_ctx {
    const ic_graph *g;              /* the graph being emitted */
    const ic_codegen_options *opt;  /* isa, hash, blob path */
    ic_diag *d;                     /* errors */
    cg_buf *bufs;                   /* per value id */
    cg_group *groups;               /* in execution order */
    uint32_t n_groups;              /* entries in groups */
    uint32_t *group_nodes;          /* storage behind every group's nodes */
    uint8_t *internal;              /* per value: 1 when only its own fused group reads it (no buffer) */
    uint64_t arena_size;            /* bytes the memory plan needs */
    uint64_t blob_size;             /* bytes of constants in the blob */
    uint32_t n_prims;               /* oneDNN primitives the model creates */
    ic_strbuf kern;                 /* kernel function definitions */
    ic_strbuf body;                 /* the run body: kernel calls in order */
    ic_strbuf create;               /* primitive creation statements for create() */
    ic_strbuf *blob;                /* the weights blob being built */
    ic_strbuf prof;                 /* profile table entries, one per timed segment (emit_profile.c) */
    uint32_t n_prof;                /* entries in prof */
    bool prof_open;                 /* a segment timer was started and not yet closed */
} cg_ctx;

/* --- grouping and memory (groups.c, memplan.c) ------------------------------ */

/* Splits the graph's nodes into kernel groups from node->group (a node
 * without one is a group of its own; constants get none), plans the fused
 * ones and marks the values that never leave their group. */
ic_status cg_groups_build(cg_ctx *c);
void cg_groups_free(cg_ctx *c);
/* Assigns every value a buffer: caller buffers for graph inputs and outputs,
 * the blob for constants (appending their bytes), aliases for views, and
 * 64-byte aligned arena offsets reused once a value is dead. */
ic_status cg_memplan(cg_ctx *c);

/* --- helpers (cg_util.c) --------------------------------------------------- */

static inline const ic_value *cg_val(const cg_ctx *c, uint32_t v) { return &c->g->values[v]; }
/* The value whose buffer v really uses (v itself unless an alias). */
uint32_t cg_root(const cg_ctx *c, uint32_t v);
/* Suffix of the lane helpers for a dtype ("f32", "u16", ...). */
const char *cg_lane_sfx(ic_dtype t);
/* Appends a C expression for v's data pointer inside the run body. */
void cg_ptr_expr(const cg_ctx *c, uint32_t v, bool writable, ic_strbuf *out);
/* Appends a double literal that reads back exactly ("1.0", "-INFINITY"). */
void cg_double_lit(ic_strbuf *b, double v);
/* Appends s as a C string literal with escapes. */
void cg_c_string(ic_strbuf *b, const char *s);
/* Dense row-major element strides of a shape. */
void cg_dense_strides(const ic_shape *s, int64_t out[IC_MAX_RANK]);
/* Strides that read a dense tensor of shape in as shape out (numpy broadcasting). */
void cg_bcast_strides(const ic_shape *in, const ic_shape *out, int64_t strides[IC_MAX_RANK]);

enum {
    CG_K_MODEL = 1, /* the kernel takes the instance (oneDNN handles, error text) */
    CG_K_FAILS = 2, /* the kernel returns int, non-zero on a run-time error */
};
/* Starts the kernel function for group gi covering node n: its signature in
 * c->kern (inputs in0.., outputs out0..) and its call in c->body. */
void cg_kernel_begin(cg_ctx *c, uint32_t gi, const ic_node *n, unsigned flags);
void cg_kernel_end(cg_ctx *c);

/* --- loop nests (cg_loops.c) ----------------------------------------------- */

#define CG_MAX_OPS 8

/* One array a nest reads or writes. */
typedef struct cg_operand {
    char ptr[32];                 /* the pointer in the kernel ("in0") */
    char lanes[16];               /* its lane block in the body ("a0") */
    ic_dtype dtype;               /* element type */
    int64_t strides[IC_MAX_RANK]; /* element strides over the iteration space */
    int64_t base;                 /* element offset of index 0 */
    bool store;                   /* written after the body instead of read before it */
} cg_operand;

/* An iteration space and the operands walked over it. */
typedef struct cg_nest {
    ic_shape space;              /* every index of this shape is visited once */
    cg_operand ops[CG_MAX_OPS];  /* reads first, then writes */
    int n_ops;                   /* entries in ops */
} cg_nest;

/* Emits a loop over nest->space in lane blocks: loads every read operand into
 * its lane block, appends body (statements over lane blocks, `l` the lane),
 * stores every written one. Dims are collapsed where all strides allow;
 * large nests get `omp parallel for` over outer index x inner chunks. */
void cg_emit_nest(ic_strbuf *b, const cg_nest *nest, const char *body);

/* --- emitters, one per kind of op ------------------------------------------ */

ic_status cg_emit_pointwise(cg_ctx *c, uint32_t gi, const ic_node *n);  /* emit_pointwise.c */
ic_status cg_emit_reduce(cg_ctx *c, uint32_t gi, const ic_node *n);     /* emit_reduce.c */
ic_status cg_emit_row(cg_ctx *c, uint32_t gi, const ic_node *n);        /* emit_reduce.c */
ic_status cg_emit_window(cg_ctx *c, uint32_t gi, const ic_node *n);     /* emit_window.c */
ic_status cg_emit_movement(cg_ctx *c, uint32_t gi, const ic_node *n);   /* emit_movement.c */
ic_status cg_emit_library(cg_ctx *c, uint32_t gi);    /* emit_dnnl.c: a group led by a library op, every node of it */
/* emit_profile.c: timers around one segment of the run body (the text
 * c->body[text_begin, text_end) of groups first .. end-1), written into o,
 * and the exported profile and stats functions. */
void cg_prof_begin(cg_ctx *c, ic_strbuf *o, size_t text_begin, size_t text_end);
void cg_prof_end(cg_ctx *c, ic_strbuf *o, uint32_t first, uint32_t end);
void cg_emit_profile_api(cg_ctx *c, ic_strbuf *o);
/* emit_dnnl.c: an f32 4-D transpose between NCHW and NHWC, as a oneDNN reorder. */
bool cg_dnnl_is_layout_transpose(const cg_ctx *c, const ic_node *n);
ic_status cg_emit_dnnl_reorder(cg_ctx *c, uint32_t gi, const ic_node *n);
/* emit_dnnl.c: max_pool2d / avg_pool2d with layout=nhwc as a oneDNN pooling primitive. */
ic_status cg_emit_dnnl_pool(cg_ctx *c, uint32_t gi, const ic_node *n);
/* emit_dnnl.c: the residual operand of library group gi that its result may
 * overwrite in place (a sum post-op) when the memory plan finds it dead
 * afterwards; IC_NONE if there is none. Needs c->bufs aliases set. */
uint32_t cg_library_sum_candidate(const cg_ctx *c, uint32_t gi);
ic_status cg_emit_fused(cg_ctx *c, uint32_t gi);      /* emit_fused.c: a planned loop kernel */
/* A pointwise node's statements over lane blocks: a0.. in, y out (emit_pointwise.c). */
ic_status cg_pw_body(cg_ctx *c, const ic_node *n, ic_strbuf *body);
/* An explicit-vector expression for an f32 pointwise node over vector operands
 * in[] (emit_vec.c); false when the node has no vector form (use cg_pw_body). */
bool cg_pw_vexpr(const cg_ctx *c, const ic_node *n, const char *const *in, ic_strbuf *out);
/* ops of the ONNX front end with emitters of their own */
ic_status cg_emit_argminmax(cg_ctx *c, uint32_t gi, const ic_node *n);     /* emit_argmax.c */
ic_status cg_emit_topk(cg_ctx *c, uint32_t gi, const ic_node *n);          /* emit_topk.c */
ic_status cg_emit_cumsum(cg_ctx *c, uint32_t gi, const ic_node *n);        /* emit_cumsum.c */
ic_status cg_emit_instance_norm(cg_ctx *c, uint32_t gi, const ic_node *n); /* emit_instnorm.c */
ic_status cg_emit_gather_ext(cg_ctx *c, uint32_t gi, const ic_node *n);    /* emit_gather_ext.c: gather_elements, gather_nd */
ic_status cg_emit_scatter(cg_ctx *c, uint32_t gi, const ic_node *n);       /* emit_scatter.c: scatter_elements, scatter_nd */
ic_status cg_emit_layout(cg_ctx *c, uint32_t gi, const ic_node *n);        /* emit_layout.c: tile pad trilu depth/space */
ic_status cg_emit_resize(cg_ctx *c, uint32_t gi, const ic_node *n);        /* emit_resize.c */
ic_status cg_emit_edge_aggregate(cg_ctx *c, uint32_t gi, const ic_node *n); /* emit_aggregate.c */

#endif
