/* interp.h — the reference interpreter: plain, obviously correct C for every
 * op, the oracle every generated kernel is compared against. Not fast. */
#ifndef INDUCTC_INTERP_H
#define INDUCTC_INTERP_H

#include "ir/ir.h"
#include "ir/tensor.h"

/* Runs g on inputs (g->n_inputs tensors, in order; dtypes and shapes must
 * match the graph's inputs or an error names the first mismatch). Fills
 * outputs[0..g->n_outputs) with newly allocated tensors the caller frees with
 * ic_tensor_free. Run-time errors (gather index out of range) are IC_ERR_RUNTIME. */
ic_status ic_interp_run(const ic_graph *g, const ic_tensor *inputs, ic_tensor *outputs, ic_diag *d);

#endif
