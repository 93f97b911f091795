/* sparse.h — the reference CSR construction shared by the interpreter's
 * csr_build (interp_sparse.c) and the aggregate pass, which builds the CSR
 * of constant edges at compile time (src/lower/aggregate.c). */
#ifndef INDUCTC_SPARSE_H
#define INDUCTC_SPARSE_H

#include "ir/ir.h"
#include "ir/tensor.h"

/* Stable counting sort of the COO edges (src, dst: i32 / i64 [E]; negative
 * indices count from the end of num_src / num_nodes) by destination:
 * rowptr[num_nodes + 1] row starts, col[E] sources in row order and, when
 * scale (f32 [E]) is given, val[E] its entries in the same order. An index
 * out of range is IC_ERR_RUNTIME naming op. */
ic_status ic_csr_from_coo(const char *op, const ic_tensor *src, const ic_tensor *dst, const ic_tensor *scale,
                          int64_t num_src, int64_t num_nodes, int32_t *rowptr, int32_t *col, float *val, ic_diag *d);

#endif
