/* epilogue.h — which nodes may follow a library op (conv, conv_transpose,
 * matmul, gemm) as oneDNN post-ops, and how each maps onto them. Shared by
 * the fuse_epilogue pass (what to put in a group) and the oneDNN emitter
 * (what to write), so the two cannot disagree. Post-op algorithms are named
 * by their runtime enumerators (src/runtime/rt.h) because that is what the
 * generated code spells. */
#ifndef INDUCTC_EPILOGUE_H
#define INDUCTC_EPILOGUE_H

#include <stdbool.h>

#include "ir/ir.h"

/* One eltwise post-op. */
typedef struct ic_epi_eltwise {
    const char *alg; /* "IC_RT_ELT_RELU", ... */
    double alpha;    /* first parameter */
    double beta;     /* second parameter */
} ic_epi_eltwise;

/* The eltwise post-ops (at most 2) computing the unary node n on f32 data;
 * returns how many, or 0 when n is not one. */
int ic_epilogue_eltwise(const ic_graph *g, const ic_node *n, ic_epi_eltwise out[2]);

/* The binary post-op algorithm for node n ("IC_RT_BIN_ADD", ...) when the
 * chain value sits at input position pos (0 or 1), or NULL: sub and div need
 * it first. */
const char *ic_epilogue_binary(const ic_node *n, int pos);

/* Whether other (shape right-aligned to the library op's result of shape
 * dst) is a second operand oneDNN broadcasts well: the same shape, one value,
 * or one value per channel (dim chan of dst). */
bool ic_epilogue_operand_ok(const ic_shape *other, const ic_shape *dst, int chan);

/* x * sigmoid(x) or x * hardsigmoid(x){1/6, 1/2} as one node pair: when
 * gate is sigmoid / hardsigmoid of x, returns "IC_RT_ELT_SWISH" /
 * "IC_RT_ELT_HARDSWISH", else NULL. */
const char *ic_epilogue_gate(const ic_node *gate);

#endif
