/* groups.c — splits a graph's nodes into kernel groups, the unit codegen
 * emits as one C function and the memory plan reasons about.
 *
 * For now every node is its own group; the one shortcut is that a view
 * (reshape, squeeze, unsqueeze, flatten) whose result is not a graph output
 * becomes an "alias" group that emits no code and shares its input's buffer.
 * Fusion will later merge pointwise chains and epilogues into one group here. */
#include <stdlib.h>

#include "codegen/cg.h"

static bool is_graph_output(const ic_graph *g, uint32_t v) {
    for (uint32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

ic_status cg_groups_build(cg_ctx *c) {
    const ic_graph *g = c->g;
    c->groups = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *c->groups);
    uint32_t *ids = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof *ids);
    if (!c->groups || !ids) {
        free(ids);
        return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory grouping kernels");
    }
    c->n_groups = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if (n->op == IC_OP_CONSTANT) continue;
        cg_group *grp = &c->groups[c->n_groups++];
        ids[i] = i;
        grp->nodes = &ids[i];
        grp->n_nodes = 1;
        grp->alias = ic_op_get(n->op)->kind == IC_KIND_VIEW && !is_graph_output(g, n->outputs[0]);
    }
    c->group_nodes = ids;
    return IC_OK;
}
