/* interp.c — the reference interpreter's driver: checks the caller's inputs
 * against the graph, walks the nodes in order giving each result a fresh
 * tensor (dtype and shape from shape inference), dispatches to the op kernels
 * (interp_*.c), frees a value after its last use, and copies the graph
 * outputs out. Slow on purpose: every kernel is the plain loop. */
#include <stdlib.h>
#include <string.h>

#include "ir/interp.h"
#include "ir/interp_impl.h"

/* Storage for one value while the graph runs. */
typedef struct slot {
    ic_tensor t; /* the value; data borrowed or owned */
    bool live;   /* defined and not yet freed */
    bool owned;  /* t.data is ours to free (else it is a caller input or constant data) */
} slot;

typedef struct run_state {
    const ic_graph *g;   /* the graph being run */
    slot *slots;         /* one per value id */
    uint32_t *last_use;  /* last node index reading each value, IC_NONE if none */
    bool *pinned;        /* graph outputs: kept to the end */
} run_state;

static void release(slot *s) {
    if (s->live && s->owned) ic_tensor_free(&s->t);
    s->live = false;
}

static ic_interp_kernel kernel_for(ic_op op) {
    switch (op) {
    case IC_OP_CONSTANT: return NULL; /* handled by the driver */
    case IC_OP_NEG: case IC_OP_ABS: case IC_OP_SQRT: case IC_OP_RECIPROCAL: case IC_OP_EXP: case IC_OP_LOG:
    case IC_OP_TANH: case IC_OP_SIGMOID: case IC_OP_ERF: case IC_OP_FLOOR: case IC_OP_CEIL: case IC_OP_RELU:
    case IC_OP_LEAKY_RELU: case IC_OP_GELU: case IC_OP_SILU: case IC_OP_HARDSWISH: case IC_OP_HARDSIGMOID:
    case IC_OP_CLIP: case IC_OP_NOT:
        return ic_interp_unary;
    case IC_OP_CAST: return ic_interp_cast;
    case IC_OP_ADD: case IC_OP_SUB: case IC_OP_MUL: case IC_OP_DIV: case IC_OP_POW: case IC_OP_MAX: case IC_OP_MIN:
    case IC_OP_EQUAL: case IC_OP_LESS: case IC_OP_LESS_EQUAL: case IC_OP_GREATER: case IC_OP_GREATER_EQUAL:
    case IC_OP_AND: case IC_OP_OR:
        return ic_interp_binary;
    case IC_OP_WHERE: return ic_interp_where;
    case IC_OP_REDUCE_SUM: case IC_OP_REDUCE_MEAN: case IC_OP_REDUCE_MAX: case IC_OP_REDUCE_MIN:
    case IC_OP_GLOBAL_AVG_POOL: case IC_OP_GLOBAL_MAX_POOL:
        return ic_interp_reduce;
    case IC_OP_SOFTMAX: case IC_OP_LOG_SOFTMAX: return ic_interp_softmax;
    case IC_OP_LAYERNORM: return ic_interp_layernorm;
    case IC_OP_BATCHNORM: return ic_interp_batchnorm;
    case IC_OP_RESHAPE: case IC_OP_SQUEEZE: case IC_OP_UNSQUEEZE: case IC_OP_FLATTEN: return ic_interp_view;
    case IC_OP_TRANSPOSE: return ic_interp_transpose;
    case IC_OP_EXPAND: return ic_interp_expand;
    case IC_OP_SLICE: return ic_interp_slice;
    case IC_OP_CONCAT: return ic_interp_concat;
    case IC_OP_SPLIT: return ic_interp_split;
    case IC_OP_GATHER: return ic_interp_gather;
    case IC_OP_MATMUL: return ic_interp_matmul;
    case IC_OP_GEMM: return ic_interp_gemm;
    case IC_OP_CONV2D: return ic_interp_conv2d;
    case IC_OP_CONV_TRANSPOSE: return ic_interp_conv_transpose;
    case IC_OP_MAX_POOL2D: case IC_OP_AVG_POOL2D: return ic_interp_pool2d;
    case IC_OP_ELU: case IC_OP_SELU: case IC_OP_CELU: case IC_OP_SOFTPLUS: case IC_OP_SOFTSIGN: case IC_OP_ROUND:
    case IC_OP_SIGN: case IC_OP_ISNAN: case IC_OP_ISINF:
    case IC_OP_SIN: case IC_OP_COS: case IC_OP_TAN: case IC_OP_ASIN: case IC_OP_ACOS: case IC_OP_ATAN:
    case IC_OP_SINH: case IC_OP_COSH: case IC_OP_ASINH: case IC_OP_ACOSH: case IC_OP_ATANH:
        return ic_interp_unary_ext;
    case IC_OP_MOD: return ic_interp_mod;
    case IC_OP_REDUCE_PROD: case IC_OP_REDUCE_L2: case IC_OP_REDUCE_SUM_SQUARE: case IC_OP_REDUCE_LOG_SUM_EXP:
        return ic_interp_reduce_ext;
    case IC_OP_ARGMAX: case IC_OP_ARGMIN: return ic_interp_argminmax;
    case IC_OP_CUMSUM: return ic_interp_cumsum;
    case IC_OP_TOPK: return ic_interp_topk;
    case IC_OP_GATHER_ELEMENTS: return ic_interp_gather_elements;
    case IC_OP_GATHER_ND: return ic_interp_gather_nd;
    case IC_OP_SCATTER_ELEMENTS: return ic_interp_scatter_elements;
    case IC_OP_SCATTER_ND: return ic_interp_scatter_nd;
    case IC_OP_EDGE_AGGREGATE: return ic_interp_edge_aggregate;
    case IC_OP_CSR_BUILD: return ic_interp_csr_build;
    case IC_OP_SPMM: return ic_interp_spmm;
    case IC_OP_SEGMENT_REDUCE: return ic_interp_segment_reduce;
    case IC_OP_TILE: return ic_interp_tile;
    case IC_OP_PAD: return ic_interp_pad;
    case IC_OP_TRILU: return ic_interp_trilu;
    case IC_OP_RESIZE: return ic_interp_resize;
    case IC_OP_DEPTH_TO_SPACE: case IC_OP_SPACE_TO_DEPTH: return ic_interp_depth_space;
    case IC_OP_INSTANCE_NORM: return ic_interp_instance_norm;
    case IC_OP_COUNT: break;
    }
    return NULL; /* no default: -Wswitch names any op added to ops.def without a kernel */
}

/* A constant's value: its data pointer (borrowed), else decoded from the
 * node's offset / value / ivalue attributes into an owned tensor. */
static ic_status load_constant(const ic_graph *g, const ic_node *n, uint32_t v, slot *s, ic_diag *d) {
    const ic_value *val = &g->values[v];
    char label[64];
    ic_value_label(g, v, label, sizeof label);
    s->t = (ic_tensor){.dtype = val->dtype, .shape = val->shape, .data = (void *)val->data};
    if (val->data) {
        if (!ic_dtype_size(val->dtype)) return ic_diag_set(d, IC_ERR_INVALID, "constant %s has an invalid dtype", label);
        s->live = true;
        s->owned = false;
        return IC_OK;
    }
    IC_TRY(ic_tensor_alloc(val->dtype, &val->shape, &s->t, d));
    s->live = true;
    s->owned = true;
    size_t numel = ic_tensor_numel(&s->t), nbytes = ic_tensor_nbytes(&s->t);
    uint32_t k;
    const ic_attr *fv = ic_node_attr(n, "value");
    const int64_t *iv = ic_attr_ints(n, "ivalue", &k);
    if (ic_node_attr(n, "offset")) {
        int64_t off = ic_attr_int(n, "offset", 0);
        if (!g->weights || off < 0 || (uint64_t)off > g->weights_size || g->weights_size - (size_t)off < nbytes)
            return ic_diag_set(d, IC_ERR_INVALID, "constant %s: offset %lld + %zu bytes is outside the weights (%zu bytes)",
                               label, (long long)off, nbytes, g->weights_size);
        memcpy(s->t.data, g->weights + off, nbytes);
    } else if (fv && fv->kind == IC_ATTR_FLOATS && val->dtype == IC_DT_F32 && fv->n == numel) {
        for (size_t i = 0; i < numel; i++) ic_st_f(&s->t, i, fv->floats[i]);
    } else if (iv && ic_dtype_is_intlike(val->dtype) && k == numel) {
        for (size_t i = 0; i < numel; i++) ic_st_i(&s->t, i, iv[i]);
    } else {
        return ic_diag_set(d, IC_ERR_INVALID, "constant %s has no data", label);
    }
    return IC_OK;
}

/* Runs node i: allocates its results and calls its kernel. */
static ic_status run_node(run_state *st, uint32_t i, ic_diag *d) {
    const ic_graph *g = st->g;
    const ic_node *n = &g->nodes[i];
    const char *opname = ic_op_get(n->op)->name;
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        uint32_t v = n->outputs[k];
        if (v >= g->n_values || st->slots[v].live)
            return ic_diag_set(d, IC_ERR_INVALID, "node %u (%s): result %u is not a fresh value", i, opname, v);
    }
    if (n->op == IC_OP_CONSTANT) {
        if (n->n_outputs != 1) return ic_diag_set(d, IC_ERR_INVALID, "node %u (constant): needs one result", i);
        return load_constant(g, n, n->outputs[0], &st->slots[n->outputs[0]], d);
    }
    ic_interp_kernel kernel = kernel_for(n->op);
    if (!kernel) return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: no reference kernel", opname);
    const ic_op_info *info = ic_op_get(n->op);
    if ((int)n->n_inputs < info->min_inputs || (info->max_inputs >= 0 && (int)n->n_inputs > info->max_inputs) ||
        n->n_outputs < 1 || (info->n_outputs >= 0 && (int)n->n_outputs != info->n_outputs))
        return ic_diag_set(d, IC_ERR_INVALID, "node %u (%s): wrong number of operands or results", i, opname);

    const ic_tensor **ins = malloc((n->n_inputs ? n->n_inputs : 1) * sizeof *ins);
    ic_tensor *outs = calloc(n->n_outputs, sizeof *outs);
    ic_status s = IC_OK;
    if (!ins || !outs) {
        s = ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", opname);
        goto done;
    }
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        uint32_t v = n->inputs[k];
        if (v >= g->n_values || !st->slots[v].live) {
            s = ic_diag_set(d, IC_ERR_INVALID, "node %u (%s): operand %u is not defined before it is used", i, opname, v);
            goto done;
        }
        ins[k] = &st->slots[v].t;
    }
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        const ic_value *val = &g->values[n->outputs[k]];
        if ((s = ic_tensor_alloc(val->dtype, &val->shape, &outs[k], d)) != IC_OK) {
            ic_diag_prefix(d, "%s", opname);
            goto done;
        }
    }
    if ((s = kernel(n, ins, outs, d)) != IC_OK) goto done;
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        slot *r = &st->slots[n->outputs[k]];
        r->t = outs[k];
        r->live = r->owned = true;
        outs[k].data = NULL;
    }
done:
    if (outs)
        for (uint32_t k = 0; k < n->n_outputs; k++) ic_tensor_free(&outs[k]);
    free(outs);
    free(ins);
    return s;
}

/* Frees what node i was the last reader of, and its results nobody reads. */
static void free_dead(run_state *st, uint32_t i) {
    const ic_node *n = &st->g->nodes[i];
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        uint32_t v = n->inputs[k];
        if (st->last_use[v] == i && !st->pinned[v]) release(&st->slots[v]);
    }
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        uint32_t v = n->outputs[k];
        if (st->last_use[v] == IC_NONE && !st->pinned[v]) release(&st->slots[v]);
    }
}

static ic_status check_inputs(const ic_graph *g, const ic_tensor *inputs, ic_diag *d) {
    if (g->n_inputs && !inputs) return ic_diag_set(d, IC_ERR_USAGE, "interp: graph has %u inputs, none given", g->n_inputs);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        uint32_t v = g->inputs[i];
        if (v >= g->n_values) return ic_diag_set(d, IC_ERR_INVALID, "graph input %u is not a value", i);
        const ic_value *want = &g->values[v];
        const ic_tensor *got = &inputs[i];
        if (got->dtype != want->dtype || !ic_shape_equal(&got->shape, &want->shape) ||
            (!got->data && ic_tensor_nbytes(got))) {
            ic_value gv = {.dtype = got->dtype, .shape = got->shape};
            char label[64], ws[160], gs[160];
            if (gv.shape.rank < 0 || gv.shape.rank > IC_MAX_RANK) gv.shape.rank = 0;
            ic_value_label(g, v, label, sizeof label);
            ic_value_type_str(want, ws, sizeof ws);
            ic_value_type_str(&gv, gs, sizeof gs);
            if (!got->data && got->dtype == want->dtype && ic_shape_equal(&got->shape, &want->shape))
                return ic_diag_set(d, IC_ERR_USAGE, "input %s: no data", label);
            return ic_diag_set(d, IC_ERR_USAGE, "input %s: expected %s, got %s", label, ws, gs);
        }
    }
    return IC_OK;
}

ic_status ic_interp_run(const ic_graph *g, const ic_tensor *inputs, ic_tensor *outputs, ic_diag *d) {
    for (uint32_t o = 0; o < g->n_outputs; o++) memset(&outputs[o], 0, sizeof outputs[o]);
    IC_TRY(check_inputs(g, inputs, d));

    run_state st = {.g = g};
    size_t nv = g->n_values ? g->n_values : 1;
    st.slots = calloc(nv, sizeof *st.slots);
    st.last_use = malloc(nv * sizeof *st.last_use);
    st.pinned = calloc(nv, sizeof *st.pinned);
    ic_status s = IC_OK;
    if (!st.slots || !st.last_use || !st.pinned) {
        s = ic_diag_set(d, IC_ERR_NOMEM, "interp: out of memory");
        goto done;
    }
    for (uint32_t v = 0; v < g->n_values; v++) st.last_use[v] = IC_NONE;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] < g->n_values) st.last_use[g->nodes[i].inputs[k]] = i;
    for (uint32_t o = 0; o < g->n_outputs; o++) {
        if (g->outputs[o] >= g->n_values) {
            s = ic_diag_set(d, IC_ERR_INVALID, "graph output %u is not a value", o);
            goto done;
        }
        st.pinned[g->outputs[o]] = true;
    }
    for (uint32_t i = 0; i < g->n_inputs; i++)
        st.slots[g->inputs[i]] = (slot){.t = inputs[i], .live = true, .owned = false};

    for (uint32_t i = 0; i < g->n_nodes; i++) {
        if ((s = run_node(&st, i, d)) != IC_OK) {
            char label[64];
            const ic_node *n = &g->nodes[i];
            if (n->n_outputs && n->outputs[0] < g->n_values) {
                ic_value_label(g, n->outputs[0], label, sizeof label);
                ic_diag_prefix(d, "%s", label);
            }
            goto done;
        }
        free_dead(&st, i);
    }

    for (uint32_t o = 0; o < g->n_outputs; o++) {
        slot *r = &st.slots[g->outputs[o]];
        if (!r->live) {
            char label[64];
            s = ic_diag_set(d, IC_ERR_INVALID, "graph output %s is never defined",
                            ic_value_label(g, g->outputs[o], label, sizeof label));
            goto done;
        }
        if ((s = ic_tensor_alloc(r->t.dtype, &r->t.shape, &outputs[o], d)) != IC_OK) goto done;
        memcpy(outputs[o].data, r->t.data, ic_tensor_nbytes(&r->t));
    }

done:
    if (st.slots)
        for (uint32_t v = 0; v < g->n_values; v++) release(&st.slots[v]);
    if (s != IC_OK)
        for (uint32_t o = 0; o < g->n_outputs; o++) ic_tensor_free(&outputs[o]);
    free(st.slots);
    free(st.last_use);
    free(st.pinned);
    return s;
}
