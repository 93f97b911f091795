/* memplan.c — decides where every value lives while a model runs.
 *
 * Graph inputs and outputs use the caller's buffers, constants the weights
 * blob, views that alias share their input's buffer, and everything else gets
 * a 64-byte aligned offset in one arena per instance. Offsets are reused:
 * after the last group that reads a buffer (through any alias), its bytes are
 * free for values defined later (first fit). A group's results are placed
 * before its dead inputs are released, so no kernel ever writes over what it
 * reads. */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"

#define ALIGN 64u

static uint64_t align_up(uint64_t n) { return (n + ALIGN - 1) & ~(uint64_t)(ALIGN - 1); }

/* One arena block in use. */
typedef struct live_block {
    uint64_t offset; /* start, aligned */
    uint64_t size;   /* bytes, aligned */
    uint32_t value;  /* owner */
} live_block;

/* The arena while planning: blocks sorted by offset. */
typedef struct arena_plan {
    live_block *blocks; /* live blocks, sorted by offset */
    uint32_t n;         /* entries in blocks */
    uint64_t high;      /* highest end ever used */
} arena_plan;

/* First fit: the lowest offset with size free bytes. blocks has room for one more. */
static uint64_t place(arena_plan *a, uint64_t size, uint32_t value) {
    uint64_t at = 0;
    uint32_t i = 0;
    for (; i < a->n; i++) {
        if (a->blocks[i].offset >= at + size) break;
        uint64_t end = a->blocks[i].offset + a->blocks[i].size;
        if (end > at) at = end;
    }
    memmove(&a->blocks[i + 1], &a->blocks[i], (a->n - i) * sizeof *a->blocks);
    a->blocks[i] = (live_block){at, size, value};
    a->n++;
    if (at + size > a->high) a->high = at + size;
    return at;
}

static void release(arena_plan *a, uint32_t value) {
    for (uint32_t i = 0; i < a->n; i++)
        if (a->blocks[i].value == value) {
            memmove(&a->blocks[i], &a->blocks[i + 1], (a->n - i - 1) * sizeof *a->blocks);
            a->n--;
            return;
        }
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

ic_status cg_memplan(cg_ctx *c) {
    const ic_graph *g = c->g;
    c->bufs = calloc(g->n_values ? g->n_values : 1, sizeof *c->bufs);
    uint32_t *last_use = calloc(g->n_values ? g->n_values : 1, sizeof *last_use);
    arena_plan a = {.blocks = calloc(g->n_values + 1, sizeof *a.blocks)};
    ic_status s = IC_OK;
    if (!c->bufs || !last_use || !a.blocks) {
        s = ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory planning buffers");
        goto done;
    }
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

    for (uint32_t gi = 0; gi < c->n_groups; gi++) {
        const cg_group *grp = &c->groups[gi];
        if (grp->alias) continue;
        for (uint32_t k = 0; k < grp->n_nodes; k++) {
            const ic_node *n = &g->nodes[grp->nodes[k]];
            for (uint32_t i = 0; i < n->n_outputs; i++) {
                uint32_t v = n->outputs[i];
                if (c->bufs[v].kind != CG_STORE_NONE) continue;
                uint64_t size = align_up(ic_value_nbytes(cg_val(c, v)));
                c->bufs[v] = (cg_buf){.kind = CG_STORE_ARENA, .offset = size ? place(&a, size, v) : 0};
            }
        }
        /* release every arena buffer whose last reader was this group */
        for (uint32_t i = 0; i < a.n;) {
            uint32_t v = a.blocks[i].value;
            if (last_use[v] <= gi) {
                release(&a, v);
                continue;
            }
            i++;
        }
    }
    c->arena_size = a.high;
done:
    free(last_use);
    free(a.blocks);
    return s;
}
