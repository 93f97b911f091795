/* graph.c — creating graphs, values and nodes; see ir.h. */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

ic_status ic_graph_create(const ic_allocator *alloc, const char *name, ic_graph **out_graph) {
    *out_graph = NULL;
    ic_arena *a = ic_arena_create(alloc);
    if (!a) return IC_ERR_NOMEM;
    ic_graph *g = ic_arena_alloc(a, sizeof *g);
    if (!g) {
        ic_arena_destroy(a);
        return IC_ERR_NOMEM;
    }
    g->arena = a;
    g->name = ic_graph_strdup(g, name ? name : "model");
    if (!g->name) {
        ic_arena_destroy(a);
        return IC_ERR_NOMEM;
    }
    *out_graph = g;
    return IC_OK;
}

void ic_graph_destroy(ic_graph *g) {
    if (g) ic_arena_destroy(g->arena);
}

char *ic_graph_strdup(ic_graph *g, const char *s) {
    if (!s) return NULL;
    return ic_arena_dup(g->arena, s, strlen(s) + 1);
}

/* Grows an arena-backed array to hold at least need elements. */
static bool grow(ic_graph *g, void **arr, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need) ncap *= 2;
    void *n = ic_arena_alloc(g->arena, (size_t)ncap * elem);
    if (!n) return false;
    if (*arr) memcpy(n, *arr, (size_t)*cap * elem);
    *arr = n;
    *cap = ncap;
    return true;
}

static uint32_t new_value(ic_graph *g) {
    if (!grow(g, (void **)&g->values, &g->cap_values, g->n_values + 1, sizeof(ic_value))) return IC_NONE;
    uint32_t id = g->n_values++;
    ic_value *v = &g->values[id];
    memset(v, 0, sizeof *v);
    v->producer = IC_NONE;
    return id;
}

uint32_t ic_graph_add_input(ic_graph *g, const char *name, ic_dtype dtype, const ic_shape *shape) {
    if (!grow(g, (void **)&g->inputs, &g->cap_inputs, g->n_inputs + 1, sizeof(uint32_t))) return IC_NONE;
    uint32_t id = new_value(g);
    if (id == IC_NONE) return IC_NONE;
    ic_value *v = &g->values[id];
    v->kind = IC_VALUE_INPUT;
    v->dtype = dtype;
    v->shape = *shape;
    if (name && !(v->name = ic_graph_strdup(g, name))) return IC_NONE;
    g->inputs[g->n_inputs++] = id;
    return id;
}

bool ic_graph_add_output(ic_graph *g, uint32_t v) {
    if (!grow(g, (void **)&g->outputs, &g->cap_outputs, g->n_outputs + 1, sizeof(uint32_t))) return false;
    g->outputs[g->n_outputs++] = v;
    return true;
}

static bool copy_attr(ic_graph *g, ic_attr *dst, const ic_attr *src) {
    *dst = *src;
    if (!(dst->name = ic_graph_strdup(g, src->name))) return false;
    if (src->kind == IC_ATTR_INTS && src->n) {
        if (!(dst->ints = ic_arena_dup(g->arena, src->ints, src->n * sizeof(int64_t)))) return false;
    } else if (src->kind == IC_ATTR_FLOATS && src->n) {
        if (!(dst->floats = ic_arena_dup(g->arena, src->floats, src->n * sizeof(double)))) return false;
    } else if (src->kind == IC_ATTR_STRING) {
        if (!(dst->s = ic_graph_strdup(g, src->s ? src->s : ""))) return false;
    }
    return true;
}

uint32_t ic_graph_add_node(ic_graph *g, ic_op op, const uint32_t *inputs, uint32_t n_inputs,
                           uint32_t n_outputs, const ic_attr *attrs, uint32_t n_attrs) {
    if (!grow(g, (void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(ic_node))) return IC_NONE;
    ic_node n = {.op = op, .n_inputs = n_inputs, .n_outputs = n_outputs, .n_attrs = n_attrs, .group = IC_NONE};
    n.inputs = ic_arena_alloc(g->arena, (n_inputs + 1) * sizeof(uint32_t));
    n.outputs = ic_arena_alloc(g->arena, (n_outputs + 1) * sizeof(uint32_t));
    n.attrs = ic_arena_alloc(g->arena, (n_attrs + 1) * sizeof(ic_attr));
    if (!n.inputs || !n.outputs || !n.attrs) return IC_NONE;
    if (n_inputs) memcpy(n.inputs, inputs, n_inputs * sizeof(uint32_t));
    for (uint32_t i = 0; i < n_attrs; i++)
        if (!copy_attr(g, &n.attrs[i], &attrs[i])) return IC_NONE;
    uint32_t id = g->n_nodes;
    for (uint32_t i = 0; i < n_outputs; i++) {
        uint32_t v = new_value(g);
        if (v == IC_NONE) return IC_NONE;
        g->values[v].kind = IC_VALUE_NODE;
        g->values[v].producer = id;
        g->values[v].index = i;
        n.outputs[i] = v;
    }
    g->nodes[g->n_nodes++] = n;
    return id;
}

uint32_t ic_graph_add_constant(ic_graph *g, const char *name, ic_dtype dtype, const ic_shape *shape,
                               const void *data) {
    uint32_t node = ic_graph_add_node(g, IC_OP_CONSTANT, NULL, 0, 1, NULL, 0);
    if (node == IC_NONE) return IC_NONE;
    uint32_t v = g->nodes[node].outputs[0];
    ic_value *val = &g->values[v];
    val->dtype = dtype;
    val->shape = *shape;
    size_t nb = ic_value_nbytes(val);
    void *copy = ic_arena_dup(g->arena, data, nb);
    if (!copy) return IC_NONE;
    val = &g->values[v];
    val->data = copy;
    if (name && !(val->name = ic_graph_strdup(g, name))) return IC_NONE;
    return v;
}

uint32_t ic_graph_build(ic_graph *g, ic_op op, const uint32_t *inputs, uint32_t n_inputs,
                        const ic_attr *attrs, uint32_t n_attrs, ic_diag *d) {
    int n_out = ic_op_get(op)->n_outputs;
    if (n_out < 0) {
        ic_diag_set(d, IC_ERR_USAGE, "%s: use ic_graph_add_node for ops with a variable result count",
                    ic_op_get(op)->name);
        return IC_NONE;
    }
    uint32_t node = ic_graph_add_node(g, op, inputs, n_inputs, (uint32_t)n_out, attrs, n_attrs);
    if (node == IC_NONE) {
        ic_diag_set(d, IC_ERR_NOMEM, "out of memory building %s", ic_op_get(op)->name);
        return IC_NONE;
    }
    if (ic_infer_node(g, node, d) != IC_OK) return IC_NONE;
    return g->nodes[node].outputs[0];
}

size_t ic_shape_numel(const ic_shape *s) {
    size_t n = 1;
    for (int i = 0; i < s->rank; i++) n *= (size_t)s->dims[i];
    return n;
}

size_t ic_value_numel(const ic_value *v) { return ic_shape_numel(&v->shape); }
size_t ic_value_nbytes(const ic_value *v) { return ic_value_numel(v) * ic_dtype_size(v->dtype); }

bool ic_shape_equal(const ic_shape *a, const ic_shape *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

void ic_value_type_str(const ic_value *v, char *buf, size_t size) {
    size_t off = 0;
    int n = snprintf(buf, size, "%s[", ic_dtype_name(v->dtype));
    off = n > 0 ? (size_t)n : 0;
    for (int i = 0; i < v->shape.rank && off < size; i++) {
        n = snprintf(buf + off, size - off, "%s%lld", i ? "," : "", (long long)v->shape.dims[i]);
        if (n > 0) off += (size_t)n;
    }
    if (off < size) snprintf(buf + off, size - off, "]");
}

const char *ic_value_label(const ic_graph *g, uint32_t v, char *buf, size_t size) {
    if (v < g->n_values && g->values[v].name)
        snprintf(buf, size, "%%%s", g->values[v].name);
    else
        snprintf(buf, size, "%%%u", v);
    return buf;
}
