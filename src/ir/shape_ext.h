/* shape_ext.h — shape and dtype rules of the ops the ONNX front end added
 * (elu ... isinf, mod, reduce_prod ... argmin, cumsum, gather_elements,
 * gather_nd, scatter_*, tile, pad, trilu, resize, depth_to_space,
 * space_to_depth, instance_norm, edge_aggregate); ic_infer_node dispatches to it. */
#ifndef INDUCTC_SHAPE_EXT_H
#define INDUCTC_SHAPE_EXT_H

#include <stdarg.h>

#include "ir/ir.h"

/* Like ic_infer_node for one of the ops above; arity is already checked. */
ic_status ic_infer_ext(ic_graph *g, uint32_t node, ic_diag *d);
/* The invalid-graph error these rules report: "OP RESULT: <fmt ...>" about
 * node n's first result; returns IC_ERR_INVALID. */
ic_status ic_infer_fail_v(const ic_graph *g, const ic_node *n, ic_diag *d, const char *fmt, va_list ap) IC_PRINTF(4, 0);
/* csr_build, spmm, segment_reduce (shape_sparse.c); ic_infer_ext calls it. */
ic_status ic_infer_sparse(ic_graph *g, uint32_t node, ic_diag *d);

#endif
