/* kplan.h — the kernel plan of a group of nodes: what one fused loop kernel
 * iterates over and computes. Shared by the fuse pass (a group is legal when
 * it can be planned), the scheduler and codegen (which emits C from it).
 *
 * A plan has an iteration domain (a shape, refined where views need it) and
 * a set of reduced ("row") dims of that domain. Every value of the group gets
 * an affine index map from the domain, so views (reshape, transpose, expand,
 * slice) become strides of the loads and stores instead of copies. The work
 * is a list of micro-ops (kops) in dependency order: loads of values from
 * outside the group, the group's pointwise nodes, reductions over the row
 * dims, and the pieces row ops (softmax, log_softmax, layernorm) expand to.
 * A kop is "full" when it varies along the row dims and "row-level" when it
 * is one value per row (reduction results and what is computed from them).
 * Reductions split the row loop into phases: phase p accumulates the
 * reductions whose inputs need only results of phases before p. */
#ifndef INDUCTC_KPLAN_H
#define INDUCTC_KPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/ir.h"

#define KP_MAX_DIMS 16  /* domain rank after refinement */
#define KP_MAX_IN 5     /* operands of one kop */
#define KP_MAX_PHASES 4 /* reduction phases one kernel may have */

/* Which consumers every value has, built once per graph. */
typedef struct kp_uses {
    uint32_t *start;    /* per value, its first entry in list; n_values + 1 entries */
    uint32_t *list;     /* consumer node ids grouped by value (a node twice if it reads a value twice) */
    uint8_t *is_output; /* per value: 1 when it is a graph output */
} kp_uses;

ic_status kp_uses_build(const ic_graph *g, kp_uses *out, ic_diag *d);
void kp_uses_free(kp_uses *u);

/* What the fuse pass and codegen may put in a planned kernel. */
typedef enum kp_class {
    KP_CLASS_NONE,      /* not fusible: emitted on its own by a per-op emitter */
    KP_CLASS_POINTWISE, /* elementwise with numpy broadcasting (batchnorm per channel) */
    KP_CLASS_VIEW,      /* reshape, squeeze, unsqueeze, flatten, transpose, expand, slice */
    KP_CLASS_REDUCE,    /* reduce_sum/mean/max/min and the global pools, f32 */
    KP_CLASS_ROW,       /* softmax, log_softmax, layernorm, f32 */
} kp_class;

kp_class kp_node_class(const ic_graph *g, const ic_node *n);
/* Rough cost of one element of a pointwise node (1 = an add; transcendental ~20). */
int kp_node_cost(const ic_node *n);

typedef enum kp_op {
    KP_LOAD,   /* an outside value read through strides (load) */
    KP_NODE,   /* a pointwise graph node applied to in[] */
    KP_RED,    /* reduction of in[0] over the row dims (red, fin) */
    KP_EXPSUB, /* exp(in0 - in1), f32: softmax numerators */
    KP_DSCALE, /* in0 * (float)in1: softmax, in1 = 1/sum (double) */
    KP_DSUB,   /* (float)((double)in0 - in1): log_softmax, in1 = max + log(sum) */
    KP_LNORM,  /* (float)(((double)in0 - in1) * in2), then [* in3] [+ in4] in f32: layernorm */
    KP_DINV,   /* double 1 / in0 */
    KP_DLSE,   /* double (double)in0 + log(in1) */
    KP_DMEAN,  /* double in0 / count */
    KP_DRSTD,  /* double 1 / sqrt(in0 / count + eps) */
} kp_op;

typedef enum kp_red {
    KP_RSUM,   /* sum, accumulated in double */
    KP_RMAX,   /* max, NaN propagates */
    KP_RMIN,   /* min, NaN propagates */
    KP_RSQDEV, /* sum of ((double)in0 - in1)^2, in double (in1 a row-level double) */
} kp_red;

typedef enum kp_fin {
    KP_FIN_F,      /* the accumulator rounded to f32 */
    KP_FIN_MEAN_F, /* (float)(sum / count) */
    KP_FIN_D,      /* the double accumulator itself */
} kp_fin;

/* A read of an outside value: element offset = base + sum_k strides[k] * p_k. */
typedef struct kp_load {
    uint32_t value;                /* graph value */
    int64_t strides[KP_MAX_DIMS];  /* element strides over the domain */
    int64_t base;                  /* element offset at the domain origin */
} kp_load;

typedef struct kp_kop {
    kp_op op;             /* what it computes */
    ic_dtype dtype;       /* element type of the result (f32 for double kops too) */
    bool dbl;             /* the result is a double (row-level) */
    bool full;            /* varies along the row dims */
    int in[KP_MAX_IN];    /* operand kops */
    int n_in;             /* entries in in */
    uint32_t node;        /* graph node it comes from */
    uint32_t value;       /* graph value it computes, IC_NONE for internal pieces */
    int load;             /* KP_LOAD: index into loads */
    kp_red red;           /* KP_RED: what */
    kp_fin fin;           /* KP_RED: how it ends */
    double count;         /* KP_RED, KP_DMEAN, KP_DRSTD: elements per row */
    double eps;           /* KP_DRSTD */
    int need;             /* phases that must finish before it can be computed */
    int phase;            /* KP_RED: the phase it accumulates in */
    int cost;             /* per-element cost of computing it from its operands */
    bool recompute;       /* evaluated for several domain points of one element (broadcast) */
} kp_kop;

/* A group output: the kop whose value is stored, and where. */
typedef struct kp_store {
    uint32_t value;               /* graph value */
    int kop;                      /* kop holding it */
    int64_t strides[KP_MAX_DIMS]; /* element strides over the domain (0 on row dims for row-level ones) */
    int64_t base;                 /* element offset at the origin (0) */
    bool full;                    /* stored per element (else once per row) */
    int phase;                    /* full: phase loop that stores it; row-level: stored once `need` phases ran */
} kp_store;

typedef struct kp_plan {
    int rank;                   /* domain rank */
    int64_t dims[KP_MAX_DIMS];  /* domain shape */
    uint32_t rmask;             /* row (reduced) dims of the domain */
    kp_kop *kops;               /* micro-ops in dependency order */
    int n_kops;                 /* entries in kops */
    kp_load *loads;             /* distinct reads of outside values */
    int n_loads;                /* entries in loads */
    kp_store *stores;           /* group outputs */
    int n_stores;               /* entries in stores */
    uint32_t *inputs;           /* distinct outside values read, in first-use order (kernel parameters) */
    int n_inputs;               /* entries in inputs */
    int n_phases;               /* row loops (1 without reductions) */
    uint32_t sink;              /* the group's last node */
    char why[160];              /* why planning failed */
} kp_plan;

/* Plans the nodes nodes[0..n) (ascending ids, i.e. topological order);
 * in_group[node id] is non-zero exactly for them. false with p->why set
 * when they cannot form one kernel. Free the plan with kp_plan_free either way. */
bool kp_plan_build(const ic_graph *g, const kp_uses *uses, const uint8_t *in_group, const uint32_t *nodes, uint32_t n,
                   kp_plan *p);
void kp_plan_free(kp_plan *p);

/* Elements of the domain, and per row (product of the row dims; 1 without). */
int64_t kp_plan_numel(const kp_plan *p);
int64_t kp_plan_row_len(const kp_plan *p);

#endif
