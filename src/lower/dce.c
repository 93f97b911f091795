/* dce.c — dead code elimination: drops nodes none of whose results reach a
 * graph output, then renumbers values so ids stay dense (printing and
 * hashing then see the same graph however it was built). */
#include <stdlib.h>
#include <string.h>

#include "lower/pipeline.h"

ic_status ic_pass_dce(ic_graph *g, ic_diag *d) {
    uint8_t *live = calloc(g->n_values ? g->n_values : 1, 1);
    uint8_t *keep = calloc(g->n_nodes ? g->n_nodes : 1, 1);
    uint32_t *remap = malloc((g->n_values ? g->n_values : 1) * sizeof(uint32_t));
    ic_value *vals = malloc((g->n_values ? g->n_values : 1) * sizeof(ic_value));
    ic_status s = IC_OK;
    if (!live || !keep || !remap || !vals) {
        s = ic_diag_set(d, IC_ERR_NOMEM, "dce: out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < g->n_outputs; i++) live[g->outputs[i]] = 1;
    for (uint32_t i = g->n_nodes; i-- > 0;) {
        const ic_node *n = &g->nodes[i];
        for (uint32_t j = 0; j < n->n_outputs; j++) keep[i] |= live[n->outputs[j]];
        if (keep[i])
            for (uint32_t j = 0; j < n->n_inputs; j++) live[n->inputs[j]] = 1;
    }
    /* new ids: graph inputs first (always kept), then kept nodes' results in order */
    for (uint32_t v = 0; v < g->n_values; v++) remap[v] = IC_NONE;
    uint32_t nv = 0, nn = 0;
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        vals[nv] = g->values[g->inputs[i]];
        remap[g->inputs[i]] = nv++;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        if (!keep[i]) continue;
        ic_node *n = &g->nodes[i];
        for (uint32_t j = 0; j < n->n_outputs; j++) {
            vals[nv] = g->values[n->outputs[j]];
            vals[nv].producer = nn;
            remap[n->outputs[j]] = nv++;
        }
        g->nodes[nn++] = *n;
    }
    for (uint32_t i = 0; i < nn; i++) {
        ic_node *n = &g->nodes[i];
        for (uint32_t j = 0; j < n->n_inputs; j++) n->inputs[j] = remap[n->inputs[j]];
        for (uint32_t j = 0; j < n->n_outputs; j++) n->outputs[j] = remap[n->outputs[j]];
    }
    for (uint32_t i = 0; i < g->n_inputs; i++) g->inputs[i] = remap[g->inputs[i]];
    for (uint32_t i = 0; i < g->n_outputs; i++) g->outputs[i] = remap[g->outputs[i]];
    if (nv) memcpy(g->values, vals, nv * sizeof(ic_value)); /* both may be NULL when empty */
    g->n_values = nv;
    g->n_nodes = nn;
done:
    free(live);
    free(keep);
    free(remap);
    free(vals);
    return s;
}
