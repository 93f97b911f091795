/* rewrite.h — small graph-editing helpers the rewriting passes share
 * (fold_batchnorm, layout, fuse_epilogue): consumer counts, redirecting the
 * uses of a value, and restoring topological order after nodes were appended
 * at the end of the node array. */
#ifndef INDUCTC_REWRITE_H
#define INDUCTC_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/ir.h"

/* Number of reads of every value (a node reading a value twice counts twice;
 * a graph output counts once). *out has g->n_values entries; free() it. */
ic_status ic_rw_use_counts(const ic_graph *g, uint32_t **out, ic_diag *d);
/* The single node that reads v, or IC_NONE when v has no reader, several, or
 * is a graph output. */
uint32_t ic_rw_sole_consumer(const ic_graph *g, const uint32_t *uses, uint32_t v);
/* Every read of old_v by a node numbered >= from_node, and every graph output
 * slot holding old_v, now reads new_v. */
void ic_rw_replace_uses(ic_graph *g, uint32_t old_v, uint32_t new_v, uint32_t from_node);
/* Reorders nodes so every node follows the producers of its inputs, keeping
 * the existing order wherever it is already valid (a node appended at the end
 * moves up to just before its first reader). */
ic_status ic_rw_toposort(ic_graph *g, ic_diag *d);
/* Puts the nodes in the given order (order[k] = old index of the k-th node;
 * a permutation the caller knows to be topological) and fixes producers. */
ic_status ic_rw_apply_order(ic_graph *g, const uint32_t *order, ic_diag *d);
/* True when v is produced by a constant node (through no view). */
bool ic_rw_is_const(const ic_graph *g, uint32_t v);
/* True when v is one of the graph's outputs. */
bool ic_rw_is_output(const ic_graph *g, uint32_t v);

#endif
