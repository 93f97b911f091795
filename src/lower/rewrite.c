/* rewrite.c — graph-editing helpers for the rewriting passes; see rewrite.h. */
#include <stdlib.h>
#include <string.h>

#include "lower/rewrite.h"

ic_status ic_rw_use_counts(const ic_graph *g, uint32_t **out, ic_diag *d) {
    uint32_t *uses = calloc(g->n_values ? g->n_values : 1, sizeof *uses);
    if (!uses) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory counting uses");
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) uses[g->nodes[i].inputs[k]]++;
    for (uint32_t i = 0; i < g->n_outputs; i++) uses[g->outputs[i]]++;
    *out = uses;
    return IC_OK;
}

bool ic_rw_is_output(const ic_graph *g, uint32_t v) {
    for (uint32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

uint32_t ic_rw_sole_consumer(const ic_graph *g, const uint32_t *uses, uint32_t v) {
    if (uses[v] != 1 || ic_rw_is_output(g, v)) return IC_NONE;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] == v) return i;
    return IC_NONE;
}

void ic_rw_replace_uses(ic_graph *g, uint32_t old_v, uint32_t new_v, uint32_t from_node) {
    for (uint32_t i = from_node; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] == old_v) g->nodes[i].inputs[k] = new_v;
    for (uint32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == old_v) g->outputs[i] = new_v;
}

bool ic_rw_is_const(const ic_graph *g, uint32_t v) {
    const ic_value *val = &g->values[v];
    return val->kind == IC_VALUE_NODE && val->producer != IC_NONE && g->nodes[val->producer].op == IC_OP_CONSTANT &&
           val->data != NULL;
}

ic_status ic_rw_toposort(ic_graph *g, ic_diag *d) {
    uint32_t n = g->n_nodes;
    if (!n) return IC_OK;
    ic_node *sorted = malloc(n * sizeof *sorted);
    uint32_t *new_id = malloc(n * sizeof *new_id);
    uint8_t *state = calloc(n, 1); /* 0 new, 1 on the stack, 2 placed */
    uint32_t *stack = malloc(n * sizeof *stack);
    uint32_t *next_in = calloc(n, sizeof *next_in); /* input to look at next, per stacked node */
    ic_status s = IC_OK;
    if (!sorted || !new_id || !state || !stack || !next_in) {
        s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory reordering nodes");
        goto done;
    }
    uint32_t placed = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (state[root]) continue;
        uint32_t sp = 0;
        stack[sp++] = root;
        state[root] = 1;
        while (sp) {
            uint32_t cur = stack[sp - 1];
            const ic_node *nd = &g->nodes[cur];
            if (next_in[cur] < nd->n_inputs) {
                const ic_value *v = &g->values[nd->inputs[next_in[cur]++]];
                uint32_t p = v->kind == IC_VALUE_NODE ? v->producer : IC_NONE;
                if (p == IC_NONE || p >= n || state[p] == 2) continue;
                if (state[p] == 1) {
                    s = ic_diag_set(d, IC_ERR_INVALID, "internal error: the graph has a cycle");
                    goto done;
                }
                state[p] = 1;
                stack[sp++] = p;
                continue;
            }
            sp--;
            state[cur] = 2;
            new_id[cur] = placed;
            sorted[placed++] = *nd;
        }
    }
    memcpy(g->nodes, sorted, n * sizeof *sorted);
    for (uint32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == IC_VALUE_NODE && g->values[v].producer != IC_NONE && g->values[v].producer < n)
            g->values[v].producer = new_id[g->values[v].producer];
done:
    free(sorted);
    free(new_id);
    free(state);
    free(stack);
    free(next_in);
    return s;
}

ic_status ic_rw_apply_order(ic_graph *g, const uint32_t *order, ic_diag *d) {
    uint32_t n = g->n_nodes;
    if (!n) return IC_OK;
    ic_node *sorted = malloc(n * sizeof *sorted);
    uint32_t *new_id = malloc(n * sizeof *new_id);
    if (!sorted || !new_id) {
        free(sorted);
        free(new_id);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory reordering nodes");
    }
    for (uint32_t k = 0; k < n; k++) {
        sorted[k] = g->nodes[order[k]];
        new_id[order[k]] = k;
    }
    memcpy(g->nodes, sorted, n * sizeof *sorted);
    for (uint32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == IC_VALUE_NODE && g->values[v].producer != IC_NONE && g->values[v].producer < n)
            g->values[v].producer = new_id[g->values[v].producer];
    free(sorted);
    free(new_id);
    return IC_OK;
}
