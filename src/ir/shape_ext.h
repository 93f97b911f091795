/* shape_ext.h — shape and dtype rules of the ops the ONNX front end added
 * (elu ... isinf, mod, reduce_prod ... argmin, cumsum, gather_elements,
 * gather_nd, scatter_*, tile, pad, trilu, resize, depth_to_space,
 * space_to_depth, instance_norm, edge_aggregate); ic_infer_node dispatches to it. */
#ifndef INDUCTC_SHAPE_EXT_H
#define INDUCTC_SHAPE_EXT_H

#include "ir/ir.h"

/* Like ic_infer_node for one of the ops above; arity is already checked. */
ic_status ic_infer_ext(ic_graph *g, uint32_t node, ic_diag *d);
/* csr_build, spmm, segment_reduce (shape_sparse.c); ic_infer_ext calls it. */
ic_status ic_infer_sparse(ic_graph *g, uint32_t node, ic_diag *d);

#endif
