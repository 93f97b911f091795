/* groups.c — splits a graph's nodes into kernel groups, the unit codegen
 * emits as one C function and the memory plan reasons about.
 *
 * Groups come from node->group, set by the fuse passes (src/lower/fuse.c
 * and the library-epilogue pass); a node without one is a group of its own,
 * so a graph that skipped the passes still compiles one kernel per node.
 * A group's nodes must be consecutive in the node array (constants aside),
 * which the fuse pass guarantees by reordering. Each group then gets its
 * emitter: a library op leads a library group (emit_dnnl.c, post-ops); a
 * lone view that is not a graph output aliases its input and emits nothing;
 * everything the kernel planner accepts becomes one fused loop kernel
 * (emit_fused.c); any other single node goes to its op's emitter. Values
 * produced and consumed only inside a fused group are marked internal and
 * get no buffer. */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "lower/kplan.h"

static bool is_graph_output(const ic_graph *g, uint32_t v) {
    for (uint32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

static bool is_alias_view(ic_op op) {
    return op == IC_OP_RESHAPE || op == IC_OP_SQUEEZE || op == IC_OP_UNSQUEEZE || op == IC_OP_FLATTEN;
}

/* (group id, position) pairs, to find a group id used by two separate runs. */
typedef struct gid_pos {
    uint32_t gid; /* node->group */
    uint32_t gi;  /* index in c->groups */
} gid_pos;

static int cmp_gid(const void *a, const void *b) {
    const gid_pos *x = a, *y = b;
    return x->gid < y->gid ? -1 : x->gid > y->gid;
}

/* Splits the nodes into runs of equal node->group. */
static ic_status split_runs(cg_ctx *c, uint32_t *ids) {
    const ic_graph *g = c->g;
    uint32_t cur = IC_NONE, at = 0;
    c->n_groups = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *n = &g->nodes[i];
        if (n->op == IC_OP_CONSTANT) continue;
        ids[at] = i;
        if (n->group == IC_NONE || n->group != cur || c->n_groups == 0) {
            cg_group *grp = &c->groups[c->n_groups++];
            grp->nodes = &ids[at];
            grp->n_nodes = 0;
        }
        c->groups[c->n_groups - 1].n_nodes++;
        cur = n->group;
        at++;
    }
    gid_pos *gp = malloc((c->n_groups ? c->n_groups : 1) * sizeof *gp);
    if (!gp) return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory grouping kernels");
    uint32_t n = 0;
    for (uint32_t gi = 0; gi < c->n_groups; gi++) {
        uint32_t gid = g->nodes[c->groups[gi].nodes[0]].group;
        if (gid != IC_NONE) gp[n++] = (gid_pos){gid, gi};
    }
    qsort(gp, n, sizeof *gp, cmp_gid);
    for (uint32_t i = 1; i < n; i++)
        if (gp[i].gid == gp[i - 1].gid) {
            uint32_t gid = gp[i].gid;
            free(gp);
            return ic_diag_set(c->d, IC_ERR_INVALID,
                               "internal error: kernel group %u is split by other nodes (run the fuse pass, which orders them)",
                               gid);
        }
    free(gp);
    return IC_OK;
}

/* Picks group gi's emitter; plans it when it is a fused kernel. */
static ic_status classify(cg_ctx *c, const kp_uses *uses, uint8_t *in_group, uint32_t gi) {
    const ic_graph *g = c->g;
    cg_group *grp = &c->groups[gi];
    const ic_node *first = &g->nodes[grp->nodes[0]];
    grp->kind = CG_GROUP_SINGLE;
    if (ic_op_get(first->op)->kind == IC_KIND_LIBRARY) {
        grp->kind = CG_GROUP_LIBRARY;
        return IC_OK;
    }
    if (grp->n_nodes == 1 && is_alias_view(first->op) && !is_graph_output(g, first->outputs[0])) {
        grp->kind = CG_GROUP_ALIAS;
        grp->alias = true;
        return IC_OK;
    }
    bool plannable = true, all_views = true;
    for (uint32_t k = 0; k < grp->n_nodes; k++) {
        kp_class cl = kp_node_class(g, &g->nodes[grp->nodes[k]]);
        plannable &= cl != KP_CLASS_NONE;
        all_views &= cl == KP_CLASS_VIEW;
    }
    if (grp->n_nodes == 1 && (!plannable || all_views)) return IC_OK; /* its op's own emitter */
    if (!plannable)
        return ic_diag_set(c->d, IC_ERR_INVALID, "internal error: kernel group %u mixes %s with ops that cannot be fused",
                           gi, ic_op_get(first->op)->name);
    kp_plan *p = calloc(1, sizeof *p);
    if (!p) return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory planning kernels");
    for (uint32_t k = 0; k < grp->n_nodes; k++) in_group[grp->nodes[k]] = 1;
    bool ok = kp_plan_build(g, uses, in_group, grp->nodes, grp->n_nodes, p);
    for (uint32_t k = 0; k < grp->n_nodes; k++) in_group[grp->nodes[k]] = 0;
    if (!ok) {
        ic_status s = IC_OK;
        if (grp->n_nodes > 1)
            s = ic_diag_set(c->d, IC_ERR_INVALID, "internal error: kernel group %u (%s ...) cannot be planned: %s", gi,
                            ic_op_get(first->op)->name, p->why);
        kp_plan_free(p);
        free(p);
        return s;
    }
    grp->kind = CG_GROUP_FUSED;
    grp->plan = p;
    grp->threads = 1;
    /* values that no other group reads and that are not outputs need no buffer */
    for (uint32_t k = 0; k < grp->n_nodes; k++) {
        uint32_t v = g->nodes[grp->nodes[k]].outputs[0];
        bool stored = false;
        for (int s = 0; s < p->n_stores; s++) stored |= p->stores[s].value == v;
        if (!stored) c->internal[v] = 1;
    }
    return IC_OK;
}

ic_status cg_groups_build(cg_ctx *c) {
    const ic_graph *g = c->g;
    c->groups = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *c->groups);
    uint32_t *ids = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof *ids);
    c->internal = calloc(g->n_values ? g->n_values : 1, 1);
    uint8_t *in_group = calloc(g->n_nodes ? g->n_nodes : 1, 1);
    c->group_nodes = ids;
    if (!c->groups || !ids || !c->internal || !in_group) {
        free(in_group);
        return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory grouping kernels");
    }
    kp_uses uses;
    ic_status s = split_runs(c, ids);
    if (s == IC_OK) s = kp_uses_build(g, &uses, c->d);
    else memset(&uses, 0, sizeof uses);
    for (uint32_t gi = 0; s == IC_OK && gi < c->n_groups; gi++) s = classify(c, &uses, in_group, gi);
    kp_uses_free(&uses);
    free(in_group);
    return s;
}

void cg_groups_free(cg_ctx *c) {
    for (uint32_t gi = 0; c->groups && gi < c->n_groups; gi++) {
        if (!c->groups[gi].plan) continue;
        kp_plan_free(c->groups[gi].plan);
        free(c->groups[gi].plan);
    }
    free(c->groups);
    free(c->group_nodes);
    free(c->internal);
    c->groups = NULL;
    c->group_nodes = NULL;
    c->internal = NULL;
}
