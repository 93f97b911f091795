/* memplan.c — decides where every value lives while a model runs.
 *
 * Graph inputs and outputs use the caller's buffers, constants the weights
 * blob, views that alias share their input's buffer, values that never leave
 * their kernel group (fused loop temporaries, the intermediate results of a
 * library op's post-op chain) get no buffer at all, and everything else gets
 * a 64-byte aligned offset in one arena per instance.
 *
 * Liveness is over kernel groups, in execution order: a buffer is live from
 * the group that defines it to the last group that reads it (through any
 * alias), and a group's results are live together with its inputs, so no
 * kernel writes over what it reads — with one deliberate exception: a library
 * group whose epilogue adds a residual of the result's shape takes over the
 * residual's bytes when this group is the residual's last reader, and
 * oneDNN's sum post-op then accumulates into them in place (emit_dnnl.c
 * checks the offsets to choose sum over a binary add). Offsets are assigned
 * greedy by size (as TFLite's arena planner does): the largest buffer first,
 * each at the lowest offset free of every placed buffer live at the same
 * time. That packs far tighter than first fit in execution order.
 *
 * oneDNN's scratchpad is not planned here: its size is known only when the
 * primitives exist, so create() appends it to the arena (rt.h). */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"

#define ALIGN 64u

static uint64_t align_up(uint64_t n) { return (n + ALIGN - 1) & ~(uint64_t)(ALIGN - 1); }

/* One buffer to place: a value, or a chain of values that take over each
 * other's bytes in place; live from group start to group end (inclusive). */
typedef struct plan_buf {
    uint64_t size;   /* bytes, aligned */
    uint32_t start;  /* first group it is live in */
    uint32_t end;    /* last group it is live in */
    uint64_t offset; /* placed offset */
} plan_buf;

static int by_size_desc(const void *a, const void *b) {
    const plan_buf *x = *(const plan_buf *const *)a, *y = *(const plan_buf *const *)b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return (x->start > y->start) - (x->start < y->start);
}

static int by_offset(const void *a, const void *b) {
    const plan_buf *x = *(const plan_buf *const *)a, *y = *(const plan_buf *const *)b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Greedy by size: the largest buffers first, each at the lowest offset
 * where it overlaps no placed buffer that is live at the same time. Returns
 * the arena size. */
static ic_status place_all(plan_buf *bufs, uint32_t n, uint64_t *out_high, ic_diag *d) {
    plan_buf **order = malloc((n ? n : 1) * sizeof *order);
    plan_buf **live = malloc((n ? n : 1) * sizeof *live);
    if (!order || !live) {
        free(order);
        free(live);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory planning buffers");
    }
    for (uint32_t i = 0; i < n; i++) order[i] = &bufs[i];
    qsort(order, n, sizeof *order, by_size_desc);
    uint64_t high = 0;
    for (uint32_t i = 0; i < n; i++) {
        plan_buf *b = order[i];
        uint32_t k = 0;
        for (uint32_t j = 0; j < i; j++)
            if (order[j]->start <= b->end && b->start <= order[j]->end) live[k++] = order[j];
        qsort(live, k, sizeof *live, by_offset);
        uint64_t at = 0;
        for (uint32_t j = 0; j < k; j++) {
            if (live[j]->offset >= at + b->size) break;
            uint64_t e = live[j]->offset + live[j]->size;
            if (e > at) at = e;
        }
        b->offset = at;
        if (at + b->size > high) high = at + b->size;
    }
    free(order);
    free(live);
    *out_high = high;
    return IC_OK;
}

/* Appends a constant's bytes to the blob at the next aligned offset. */
static ic_status add_constant(cg_ctx *c, uint32_t v) {
    const ic_value *val = cg_val(c, v);
    size_t nb = ic_value_nbytes(val);
    if (!val->data && nb) {
        char label[128];
        return ic_diag_set(c->d, IC_ERR_INVALID, "constant %s has no data", ic_value_label(c->g, v, label, sizeof label));
    }
    static const char zeros[ALIGN];
    uint64_t off = align_up(c->blob_size);
    ic_strbuf_append(c->blob, zeros, (size_t)(off - c->blob_size));
    if (nb) ic_strbuf_append(c->blob, val->data, nb);
    if (!ic_strbuf_ok(c->blob)) return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory building the weights blob");
    c->bufs[v] = (cg_buf){.kind = CG_STORE_CONST, .offset = off};
    c->blob_size = off + nb;
    return IC_OK;
}

/* Whether v needs no buffer: a fused-loop temporary, or a library group's
 * intermediate (every node result but the last one's). */
static bool needs_no_buffer(const cg_ctx *c, const cg_group *grp, uint32_t k, uint32_t v) {
    if (c->internal && c->internal[v]) return true;
    return grp->kind == CG_GROUP_LIBRARY && k + 1 < grp->n_nodes;
}

/* The value whose bytes group gi's result v may take over: its residual,
 * when this group is the residual's last reader and it lives in the arena. */
static uint32_t residual_of(cg_ctx *c, const uint32_t *last_use, uint32_t gi, uint32_t v) {
    if (c->groups[gi].kind != CG_GROUP_LIBRARY) return IC_NONE;
    uint32_t r = cg_library_sum_candidate(c, gi);
    if (r == IC_NONE) return IC_NONE;
    uint32_t root = cg_root(c, r);
    if (c->bufs[root].kind != CG_STORE_ARENA || last_use[root] != gi ||
        ic_value_nbytes(cg_val(c, root)) != ic_value_nbytes(cg_val(c, v)))
        return IC_NONE;
    return root;
}

ic_status cg_memplan(cg_ctx *c) {
    const ic_graph *g = c->g;
    c->bufs = calloc(g->n_values ? g->n_values : 1, sizeof *c->bufs);
    uint32_t *last_use = calloc(g->n_values ? g->n_values : 1, sizeof *last_use);
    uint32_t *buf_of = malloc((g->n_values ? g->n_values : 1) * sizeof *buf_of); /* value -> its plan_buf */
    plan_buf *pb = calloc(g->n_values ? g->n_values : 1, sizeof *pb);
    uint32_t n_pb = 0;
    ic_status s = IC_OK;
    if (!c->bufs || !last_use || !buf_of || !pb) {
        s = ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory planning buffers");
        goto done;
    }
    for (uint32_t v = 0; v < g->n_values; v++) buf_of[v] = IC_NONE;
    for (uint32_t i = 0; i < g->n_inputs; i++)
        c->bufs[g->inputs[i]] = (cg_buf){.kind = CG_STORE_INPUT, .index = i};
    for (uint32_t i = 0; i < g->n_nodes && s == IC_OK; i++)
        if (g->nodes[i].op == IC_OP_CONSTANT) s = add_constant(c, g->nodes[i].outputs[0]);
    if (s != IC_OK) goto done;
    for (uint32_t j = 0; j < g->n_outputs; j++) {
        uint32_t v = g->outputs[j];
        if (c->bufs[v].kind == CG_STORE_NONE) c->bufs[v] = (cg_buf){.kind = CG_STORE_OUTPUT, .index = j};
    }

    /* aliases first, so liveness can charge alias reads to the real buffer */
    for (uint32_t gi = 0; gi < c->n_groups; gi++) {
        const cg_group *grp = &c->groups[gi];
        if (!grp->alias) continue;
        for (uint32_t k = 0; k < grp->n_nodes; k++) {
            const ic_node *n = &g->nodes[grp->nodes[k]];
            c->bufs[n->outputs[0]] = (cg_buf){.kind = CG_STORE_ALIAS, .alias_of = cg_root(c, n->inputs[0])};
        }
    }
    for (uint32_t gi = 0; gi < c->n_groups; gi++) {
        const cg_group *grp = &c->groups[gi];
        for (uint32_t k = 0; k < grp->n_nodes; k++) {
            const ic_node *n = &g->nodes[grp->nodes[k]];
            for (uint32_t i = 0; i < n->n_inputs; i++) last_use[cg_root(c, n->inputs[i])] = gi;
            for (uint32_t i = 0; i < n->n_outputs; i++)
                if (last_use[n->outputs[i]] < gi) last_use[n->outputs[i]] = gi;
        }
    }

    /* one plan_buf per arena value, or per in-place chain of them */
    for (uint32_t gi = 0; gi < c->n_groups; gi++) {
        const cg_group *grp = &c->groups[gi];
        if (grp->alias) continue;
        for (uint32_t k = 0; k < grp->n_nodes; k++) {
            const ic_node *n = &g->nodes[grp->nodes[k]];
            for (uint32_t i = 0; i < n->n_outputs; i++) {
                uint32_t v = n->outputs[i];
                if (c->bufs[v].kind != CG_STORE_NONE || needs_no_buffer(c, grp, k, v)) continue;
                c->bufs[v] = (cg_buf){.kind = CG_STORE_ARENA};
                uint32_t r = residual_of(c, last_use, gi, v);
                if (r != IC_NONE && buf_of[r] != IC_NONE) {
                    buf_of[v] = buf_of[r];
                    if (last_use[v] > pb[buf_of[v]].end) pb[buf_of[v]].end = last_use[v];
                    continue;
                }
                buf_of[v] = n_pb;
                pb[n_pb++] = (plan_buf){.size = align_up(ic_value_nbytes(cg_val(c, v))), .start = gi,
                                        .end = last_use[v] > gi ? last_use[v] : gi};
            }
        }
    }
    s = place_all(pb, n_pb, &c->arena_size, c->d);
    for (uint32_t v = 0; s == IC_OK && v < g->n_values; v++)
        if (c->bufs[v].kind == CG_STORE_ARENA) c->bufs[v].offset = pb[buf_of[v]].offset;
done:
    free(last_use);
    free(buf_of);
    free(pb);
    return s;
}
