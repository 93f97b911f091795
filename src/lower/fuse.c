/* fuse.c — the fuse pass: groups nodes into loop kernels (node->group).
 *
 * Walking the nodes in order, each fusible node tries to absorb the groups
 * of the nodes producing its inputs (vertical fusion). A merge is kept when
 *   - neither side is a group an earlier pass made (library ops and their
 *     oneDNN post-op chains, from fuse_epilogue), and every node is of a
 *     kind the kernel planner takes (pointwise, views, f32 reductions and
 *     row ops: src/lower/kplan.h);
 *   - the merged set stays convex: no path leaves it and comes back, so the
 *     groups still run in some order;
 *   - the kernel planner accepts it: one iteration domain with affine index
 *     maps for every value (views folded into strides), reductions over the
 *     same rows (softmax, layernorm and their decomposed ONNX forms become a
 *     reduction and its pointwise consumers under one row loop), every
 *     output stored once per element, and no expensive node evaluated again
 *     for each element it broadcasts to.
 * A value read by another group is simply stored as well, so a node is
 * never computed twice. Then the groups are sorted (a topological order of
 * groups that keeps the original order where it can), the node array is
 * reordered so each group's nodes are consecutive, and groups are numbered
 * 0.. in execution order. INDUCTC_DEBUG=2 prints the resulting plan;
 * INDUCTC_FUSE=0 leaves every node a kernel of its own (for comparisons). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower/kplan.h"
#include "lower/pipeline.h"

#define FUSE_MAX_NODES 256 /* nodes in one kernel */
#define FUSE_MAX_LOADS 24  /* distinct reads in one kernel */

/* The pass's working state. */
typedef struct fuser {
    ic_graph *g;          /* the graph */
    kp_uses uses;         /* consumers per value */
    uint32_t *gid;        /* per node: its group (a node id standing for it), IC_NONE for constants */
    uint32_t **members;   /* per group id: its nodes, ascending (NULL when not a group root) */
    uint32_t *n_members;  /* per group id: entries in members */
    uint8_t *locked;      /* per node: grouped by an earlier pass */
    uint8_t *fusible;     /* per node: a kind the planner takes, not locked */
    uint8_t *in_set;      /* per node: in the candidate set being checked */
    uint32_t *seen;       /* per node: stamp of the last search that visited it */
    uint32_t stamp;       /* current search stamp */
    uint32_t *queue;      /* search queue */
    uint32_t *scratch;    /* candidate node list */
} fuser;

static void fuser_free(fuser *f) {
    if (f->members)
        for (uint32_t i = 0; i < f->g->n_nodes; i++) free(f->members[i]);
    free(f->members);
    free(f->n_members);
    free(f->gid);
    free(f->locked);
    free(f->fusible);
    free(f->in_set);
    free(f->seen);
    free(f->queue);
    free(f->scratch);
    kp_uses_free(&f->uses);
}

/* True when the candidate set (in_set) is convex: nothing reachable from it
 * through outside nodes feeds back into it. */
static bool convex(fuser *f, const uint32_t *set, uint32_t n) {
    const ic_graph *g = f->g;
    uint32_t last = set[n - 1], head = 0, tail = 0;
    f->stamp++;
    for (uint32_t i = 0; i < n; i++) {
        const ic_node *nd = &g->nodes[set[i]];
        for (uint32_t o = 0; o < nd->n_outputs; o++) {
            uint32_t v = nd->outputs[o];
            for (uint32_t u = f->uses.start[v]; u < f->uses.start[v + 1]; u++) {
                uint32_t c = f->uses.list[u];
                if (f->in_set[c] || c > last || f->seen[c] == f->stamp) continue;
                f->seen[c] = f->stamp;
                f->queue[tail++] = c;
            }
        }
    }
    while (head < tail) {
        const ic_node *nd = &g->nodes[f->queue[head++]];
        for (uint32_t o = 0; o < nd->n_outputs; o++) {
            uint32_t v = nd->outputs[o];
            for (uint32_t u = f->uses.start[v]; u < f->uses.start[v + 1]; u++) {
                uint32_t c = f->uses.list[u];
                if (f->in_set[c]) return false;
                if (c > last || f->seen[c] == f->stamp) continue;
                f->seen[c] = f->stamp;
                f->queue[tail++] = c;
            }
        }
    }
    return true;
}

/* Merges group b into group a when the result is a legal kernel. */
static bool try_merge(fuser *f, uint32_t a, uint32_t b) {
    uint32_t na = f->n_members[a], nb = f->n_members[b], n = 0;
    if (na + nb > FUSE_MAX_NODES) return false;
    const uint32_t *ma = f->members[a], *mb = f->members[b];
    uint32_t i = 0, j = 0;
    while (i < na || j < nb) f->scratch[n++] = (j >= nb || (i < na && ma[i] < mb[j])) ? ma[i++] : mb[j++];
    for (uint32_t k = 0; k < n; k++) f->in_set[f->scratch[k]] = 1;
    bool ok = convex(f, f->scratch, n);
    if (ok) {
        kp_plan p;
        ok = kp_plan_build(f->g, &f->uses, f->in_set, f->scratch, n, &p) && p.n_loads <= FUSE_MAX_LOADS;
        kp_plan_free(&p);
    }
    for (uint32_t k = 0; k < n; k++) f->in_set[f->scratch[k]] = 0;
    if (!ok) return false;
    uint32_t *m = realloc(f->members[a], n * sizeof *m);
    if (!m) return false;
    memcpy(m, f->scratch, n * sizeof *m);
    f->members[a] = m;
    f->n_members[a] = n;
    for (uint32_t k = 0; k < nb; k++) f->gid[mb[k]] = a;
    free(f->members[b]);
    f->members[b] = NULL;
    f->n_members[b] = 0;
    return true;
}

/* Group roots in execution order: a topological order of the group graph
 * that picks, among ready groups, the one with the smallest first node. */
static ic_status order_groups(fuser *f, uint32_t *order, uint32_t *n_order, ic_diag *d) {
    const ic_graph *g = f->g;
    uint32_t nn = g->n_nodes;
    uint32_t *indeg = calloc(nn ? nn : 1, sizeof *indeg);
    uint8_t *done = calloc(nn ? nn : 1, 1);
    if (!indeg || !done) {
        free(indeg);
        free(done);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory ordering kernels");
    }
    /* in-degree of a group: inputs of its nodes produced by other groups (counted per edge) */
    for (uint32_t i = 0; i < nn; i++) {
        if (f->gid[i] == IC_NONE) continue;
        const ic_node *nd = &g->nodes[i];
        for (uint32_t k = 0; k < nd->n_inputs; k++) {
            uint32_t p = g->values[nd->inputs[k]].producer;
            if (p != IC_NONE && f->gid[p] != IC_NONE && f->gid[p] != f->gid[i]) indeg[f->gid[i]]++;
        }
    }
    uint32_t count = 0, total = 0;
    for (uint32_t r = 0; r < nn; r++) total += f->members[r] != NULL;
    /* groups are few enough for a simple scan per step; the first ready root in node order wins */
    while (count < total) {
        uint32_t pick = IC_NONE;
        for (uint32_t i = 0; i < nn && pick == IC_NONE; i++) {
            uint32_t r = f->gid[i];
            if (r != IC_NONE && !done[r] && indeg[r] == 0) pick = r;
        }
        if (pick == IC_NONE) {
            free(indeg);
            free(done);
            return ic_diag_set(d, IC_ERR_INVALID, "internal error: kernel groups depend on each other in a cycle");
        }
        done[pick] = 1;
        order[count++] = pick;
        for (uint32_t k = 0; k < f->n_members[pick]; k++) {
            const ic_node *nd = &g->nodes[f->members[pick][k]];
            for (uint32_t o = 0; o < nd->n_outputs; o++) {
                uint32_t v = nd->outputs[o];
                for (uint32_t u = f->uses.start[v]; u < f->uses.start[v + 1]; u++) {
                    uint32_t c = f->uses.list[u];
                    if (f->gid[c] != IC_NONE && f->gid[c] != pick) indeg[f->gid[c]]--;
                }
            }
        }
    }
    *n_order = count;
    free(indeg);
    free(done);
    return IC_OK;
}

/* Rewrites the node array in group order (constants just before their first
 * reader) and numbers the groups 0.. in that order. */
static ic_status reorder(fuser *f, ic_diag *d) {
    ic_graph *g = f->g;
    uint32_t nn = g->n_nodes, n_order = 0, at = 0;
    uint32_t *order = malloc((nn ? nn : 1) * sizeof *order);
    uint32_t *new_of = malloc((nn ? nn : 1) * sizeof *new_of);
    ic_node *nodes = malloc((nn ? nn : 1) * sizeof *nodes);
    if (!order || !new_of || !nodes) {
        free(order);
        free(new_of);
        free(nodes);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory ordering kernels");
    }
    ic_status s = order_groups(f, order, &n_order, d);
    for (uint32_t i = 0; i < nn; i++) new_of[i] = IC_NONE;
    for (uint32_t gi = 0; s == IC_OK && gi < n_order; gi++) {
        uint32_t r = order[gi];
        for (uint32_t k = 0; k < f->n_members[r]; k++) {
            const ic_node *nd = &g->nodes[f->members[r][k]];
            for (uint32_t q = 0; q < nd->n_inputs; q++) {
                uint32_t p = g->values[nd->inputs[q]].producer;
                if (p == IC_NONE || f->gid[p] != IC_NONE || new_of[p] != IC_NONE) continue;
                new_of[p] = at;
                nodes[at] = g->nodes[p];
                nodes[at++].group = IC_NONE;
            }
        }
        for (uint32_t k = 0; k < f->n_members[r]; k++) {
            uint32_t id = f->members[r][k];
            new_of[id] = at;
            nodes[at] = g->nodes[id];
            nodes[at++].group = gi;
        }
    }
    for (uint32_t i = 0; s == IC_OK && i < nn; i++) /* constants nobody reads */
        if (new_of[i] == IC_NONE) {
            new_of[i] = at;
            nodes[at] = g->nodes[i];
            nodes[at++].group = IC_NONE;
        }
    if (s == IC_OK) {
        IC_ASSERT(at == nn);
        if (nn) memcpy(g->nodes, nodes, nn * sizeof *nodes); /* both may be NULL for an empty graph */
        for (uint32_t v = 0; v < g->n_values; v++)
            if (g->values[v].producer != IC_NONE) g->values[v].producer = new_of[g->values[v].producer];
    }
    free(order);
    free(new_of);
    free(nodes);
    return s;
}

static int debug_level(void) {
    const char *s = getenv("INDUCTC_DEBUG");
    return s ? atoi(s) : 0;
}

/* INDUCTC_DEBUG=2: one line per kernel with its nodes (after reordering). */
static void print_plan(const ic_graph *g) {
    kp_uses uses;
    if (kp_uses_build(g, &uses, NULL) != IC_OK) return;
    uint8_t *in = calloc(g->n_nodes ? g->n_nodes : 1, 1);
    uint32_t kernels = 0, ops = 0, last = IC_NONE;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].group == IC_NONE) continue;
        ops++;
        kernels += g->nodes[i].group != last;
        last = g->nodes[i].group;
    }
    fprintf(stderr, "inductc: fusion plan: %u kernel%s for %u ops\n", kernels, kernels == 1 ? "" : "s", ops);
    for (uint32_t i = 0; in && i < g->n_nodes;) {
        uint32_t gid = g->nodes[i].group, j = i;
        if (gid == IC_NONE) {
            i++;
            continue;
        }
        while (j < g->n_nodes && (g->nodes[j].group == gid || g->nodes[j].op == IC_OP_CONSTANT)) j++;
        uint32_t ids[FUSE_MAX_NODES], n = 0;
        bool lib = false;
        for (uint32_t k = i; k < j; k++)
            if (g->nodes[k].group == gid && n < FUSE_MAX_NODES) {
                ids[n++] = k;
                in[k] = 1;
                lib |= ic_op_get(g->nodes[k].op)->kind == IC_KIND_LIBRARY;
            }
        char what[256] = "";
        kp_plan p;
        memset(&p, 0, sizeof p);
        if (lib) {
            snprintf(what, sizeof what, "library + post-ops");
        } else if (kp_plan_build(g, &uses, in, ids, n, &p)) {
            int w = snprintf(what, sizeof what, "loop [");
            for (int k = 0; k < p.rank && w < (int)sizeof what - 8; k++)
                w += snprintf(what + w, sizeof what - (size_t)w, "%s%s%lld", k ? "," : "", (p.rmask >> k) & 1u ? "r" : "",
                              (long long)p.dims[k]);
            snprintf(what + w, sizeof what - (size_t)w, "], %d phase%s", p.n_phases, p.n_phases > 1 ? "s" : "");
        } else {
            snprintf(what, sizeof what, "own emitter: %s", p.why);
        }
        kp_plan_free(&p);
        fprintf(stderr, "inductc:   k%u (%s):", gid, what);
        for (uint32_t k = 0; k < n; k++) {
            char label[64];
            fprintf(stderr, "%s %s %s", k ? "," : "", ic_op_get(g->nodes[ids[k]].op)->name,
                    ic_value_label(g, g->nodes[ids[k]].outputs[0], label, sizeof label));
            in[ids[k]] = 0;
        }
        fprintf(stderr, "\n");
        i = j;
    }
    free(in);
    kp_uses_free(&uses);
}

ic_status ic_pass_fuse(ic_graph *g, ic_diag *d) {
    fuser f = {.g = g};
    uint32_t nn = g->n_nodes, cap = nn ? nn : 1;
    IC_TRY(kp_uses_build(g, &f.uses, d));
    f.gid = malloc(cap * sizeof *f.gid);
    f.members = calloc(cap, sizeof *f.members);
    f.n_members = calloc(cap, sizeof *f.n_members);
    f.locked = calloc(cap, 1);
    f.fusible = calloc(cap, 1);
    f.in_set = calloc(cap, 1);
    f.seen = calloc(cap, sizeof *f.seen);
    f.queue = malloc(cap * sizeof *f.queue);
    f.scratch = malloc(cap * sizeof *f.scratch);
    if (!f.gid || !f.members || !f.n_members || !f.locked || !f.fusible || !f.in_set || !f.seen || !f.queue ||
        !f.scratch) {
        fuser_free(&f);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory fusing kernels");
    }
    /* groups to start from: an earlier pass's (represented by their first node), else one per node */
    for (uint32_t i = 0; i < nn; i++) {
        const ic_node *n = &g->nodes[i];
        f.gid[i] = IC_NONE;
        if (n->op == IC_OP_CONSTANT) continue;
        uint32_t root = i;
        if (n->group != IC_NONE) {
            f.locked[i] = 1;
            uint32_t lead = n->group; /* fuse_epilogue names a group by its first node's index */
            if (lead < i && g->nodes[lead].group == n->group && f.gid[lead] != IC_NONE) {
                root = f.gid[lead];
            } else {
                for (uint32_t k = 0; k < i; k++)
                    if (g->nodes[k].group == n->group && f.gid[k] != IC_NONE) {
                        root = f.gid[k];
                        break;
                    }
            }
        } else {
            f.fusible[i] = kp_node_class(g, n) != KP_CLASS_NONE;
        }
        uint32_t *m = realloc(f.members[root], (f.n_members[root] + 1) * sizeof *m);
        if (!m) {
            fuser_free(&f);
            return ic_diag_set(d, IC_ERR_NOMEM, "out of memory fusing kernels");
        }
        m[f.n_members[root]++] = i;
        f.members[root] = m;
        f.gid[i] = root;
    }
    /* every fusible node absorbs its producers' groups (INDUCTC_FUSE=0: one kernel per node, for comparison) */
    const char *env = getenv("INDUCTC_FUSE");
    bool enabled = !(env && strcmp(env, "0") == 0);
    for (uint32_t i = 0; i < nn && enabled; i++) {
        if (!f.fusible[i]) continue;
        const ic_node *n = &g->nodes[i];
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            uint32_t p = g->values[n->inputs[k]].producer;
            if (p == IC_NONE || !f.fusible[p] || f.gid[p] == f.gid[i]) continue;
            try_merge(&f, f.gid[i], f.gid[p]);
        }
    }
    ic_status s = reorder(&f, d);
    fuser_free(&f);
    if (s == IC_OK && debug_level() >= 2) print_plan(g);
    return s;
}
