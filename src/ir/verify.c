/* verify.c — the structural checker run after parsing, after every pass in
 * debug builds and in every test. It never changes the graph. */
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

/* Checks one attribute against the op's spec string ("name:type ..."). */
static ic_status check_attr(const ic_node *n, const ic_attr *a, ic_diag *d) {
    const ic_op_info *info = ic_op_get(n->op);
    size_t len = strlen(a->name);
    const char *p = info->attrs;
    while (*p) {
        while (*p == ' ') p++;
        const char *colon = strchr(p, ':');
        if (!colon) break;
        const char *end = strchr(colon, ' ');
        if (!end) end = colon + strlen(colon);
        if ((size_t)(colon - p) == len && memcmp(p, a->name, len) == 0) {
            size_t tl = (size_t)(end - colon - 1);
            const char *t = colon + 1;
            bool ok = (tl == 1 && t[0] == 'i' && a->kind == IC_ATTR_INT) ||
                      (tl == 1 && t[0] == 'f' && (a->kind == IC_ATTR_FLOAT || a->kind == IC_ATTR_INT)) ||
                      (tl == 2 && memcmp(t, "is", 2) == 0 && a->kind == IC_ATTR_INTS) ||
                      (tl == 2 && memcmp(t, "fs", 2) == 0 && (a->kind == IC_ATTR_FLOATS || a->kind == IC_ATTR_INTS)) ||
                      (tl == 1 && t[0] == 's' && a->kind == IC_ATTR_STRING);
            if (!ok)
                return ic_diag_set(d, IC_ERR_INVALID, "%s: attribute %s has the wrong type (expected %.*s)", info->name,
                                   a->name, (int)tl, t);
            return IC_OK;
        }
        p = end;
    }
    return ic_diag_set(d, IC_ERR_INVALID, "%s: unknown attribute '%s' (accepted: %s)", info->name, a->name,
                       info->attrs[0] ? info->attrs : "none");
}

static ic_status check_names(const ic_graph *g, ic_diag *d) {
    /* quadratic only over named values that are inputs/outputs; internal
       duplicates are caught by the parser, which owns the name table */
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        if (!v->name || !v->name[0]) return ic_diag_set(d, IC_ERR_INVALID, "graph input %u has no name", i);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(g->values[g->inputs[j]].name, v->name) == 0)
                return ic_diag_set(d, IC_ERR_INVALID, "graph input name '%s' used twice", v->name);
    }
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        const ic_value *v = &g->values[g->outputs[i]];
        if (!v->name || !v->name[0]) return ic_diag_set(d, IC_ERR_INVALID, "graph output %u has no name", i);
        for (uint32_t j = 0; j < i; j++)
            if (g->outputs[j] == g->outputs[i] || strcmp(g->values[g->outputs[j]].name, v->name) == 0)
                return ic_diag_set(d, IC_ERR_INVALID, "graph output '%s' listed twice", v->name);
    }
    return IC_OK;
}

/* Re-infers every node on a scratch copy of the values and compares. */
static ic_status check_types(const ic_graph *g, ic_diag *d) {
    ic_graph copy = *g;
    copy.values = malloc((g->n_values ? g->n_values : 1) * sizeof(ic_value));
    if (!copy.values) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory verifying the graph");
    if (g->n_values) memcpy(copy.values, g->values, g->n_values * sizeof(ic_value)); /* values is NULL when empty */
    ic_status s = IC_OK;
    for (uint32_t i = 0; i < g->n_nodes && s == IC_OK; i++) {
        const ic_node *n = &g->nodes[i];
        if (n->op == IC_OP_CONSTANT) continue;
        s = ic_infer_node(&copy, i, d);
        for (uint32_t j = 0; s == IC_OK && j < n->n_outputs; j++) {
            const ic_value *a = &g->values[n->outputs[j]], *b = &copy.values[n->outputs[j]];
            if (a->dtype != b->dtype || !ic_shape_equal(&a->shape, &b->shape)) {
                char ta[128], tb[128], label[128];
                ic_value_type_str(a, ta, sizeof ta);
                ic_value_type_str(b, tb, sizeof tb);
                s = ic_diag_set(d, IC_ERR_INVALID, "%s result %s is typed %s but its inputs give %s",
                                ic_op_get(n->op)->name, ic_value_label(g, n->outputs[j], label, sizeof label), ta, tb);
            }
        }
    }
    free(copy.values);
    return s;
}

ic_status ic_verify(const ic_graph *g, ic_diag *d) {
    /* defined[v]: 0 not yet, 1 defined */
    uint8_t *defined = calloc(g->n_values ? g->n_values : 1, 1);
    if (!defined) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory verifying the graph");
    ic_status s = IC_OK;
    char label[128];
    for (uint32_t i = 0; i < g->n_inputs && s == IC_OK; i++) {
        uint32_t v = g->inputs[i];
        if (v >= g->n_values || g->values[v].kind != IC_VALUE_INPUT)
            s = ic_diag_set(d, IC_ERR_INVALID, "graph input %u is not an input value", i);
        else if (defined[v]++)
            s = ic_diag_set(d, IC_ERR_INVALID, "graph input %s listed twice", ic_value_label(g, v, label, sizeof label));
    }
    for (uint32_t i = 0; i < g->n_nodes && s == IC_OK; i++) {
        const ic_node *n = &g->nodes[i];
        const ic_op_info *info = ic_op_get(n->op);
        if ((int)n->n_inputs < info->min_inputs || (info->max_inputs >= 0 && (int)n->n_inputs > info->max_inputs)) {
            s = ic_diag_set(d, IC_ERR_INVALID, "%s: takes %d to %d inputs, got %u", info->name, info->min_inputs,
                            info->max_inputs, n->n_inputs);
            break;
        }
        if (n->n_outputs == 0 || (info->n_outputs >= 0 && (int)n->n_outputs != info->n_outputs)) {
            s = ic_diag_set(d, IC_ERR_INVALID, "%s: wrong number of results (%u)", info->name, n->n_outputs);
            break;
        }
        for (uint32_t j = 0; j < n->n_inputs && s == IC_OK; j++) {
            uint32_t v = n->inputs[j];
            if (v >= g->n_values)
                s = ic_diag_set(d, IC_ERR_INVALID, "%s: input %u refers to value %u, which does not exist", info->name,
                                j, v);
            else if (!defined[v])
                s = ic_diag_set(d, IC_ERR_INVALID, "%s: input %s is used before it is defined (or in a cycle)",
                                info->name, ic_value_label(g, v, label, sizeof label));
        }
        for (uint32_t j = 0; j < n->n_outputs && s == IC_OK; j++) {
            uint32_t v = n->outputs[j];
            if (v >= g->n_values || g->values[v].producer != i || g->values[v].index != j ||
                g->values[v].kind != IC_VALUE_NODE)
                s = ic_diag_set(d, IC_ERR_INVALID, "%s: result %u is not linked back to its node", info->name, j);
            else if (defined[v]++)
                s = ic_diag_set(d, IC_ERR_INVALID, "%s: result %s is defined twice", info->name,
                                ic_value_label(g, v, label, sizeof label));
        }
        for (uint32_t j = 0; j < n->n_attrs && s == IC_OK; j++) s = check_attr(n, &n->attrs[j], d);
        if (s == IC_OK && n->op == IC_OP_CONSTANT && !g->values[n->outputs[0]].data)
            s = ic_diag_set(d, IC_ERR_INVALID, "constant %s has no data",
                            ic_value_label(g, n->outputs[0], label, sizeof label));
    }
    for (uint32_t i = 0; i < g->n_outputs && s == IC_OK; i++) {
        uint32_t v = g->outputs[i];
        if (v >= g->n_values || !defined[v]) s = ic_diag_set(d, IC_ERR_INVALID, "graph output %u is never defined", i);
    }
    free(defined);
    if (s == IC_OK) s = check_names(g, d);
    if (s == IC_OK) s = check_types(g, d);
    return s;
}
