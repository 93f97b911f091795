/* aggregate.c — the edge_aggregate pass: rewrites GNN message passing as
 * exported by PyTorch into one edge_aggregate node (docs/ops.md), then
 * lowers every edge_aggregate to csr_build + spmm so codegen emits a CSR
 * kernel instead of materialising edges x features, and builds each CSR
 * once: once per run for all the aggregations over the same edges (every
 * layer of a GCN / SAGE / GIN), at compile time when the edges are constants.
 *
 * Recognised (every condition checked; anything else is left alone):
 *   msg = gather(x f32[M, F], src [E]) {axis=0}
 *       | mul(gather(...), w f32[E, 1])    (either operand order)
 *   idx = expand(unsqueeze(dst [E]) {axes=[1] or [-1]}) to [E, F]
 *       | expand(reshape(dst [E]) to [E, 1]) to [E, F]
 *   out = scatter_elements(data f32[N, F], idx, msg) {axis=0, reduction=add|max|min}
 * becomes edge_aggregate(x, src, dst [, scale] [, data]) with
 *   add: reduction=sum; data dropped (num_nodes=N) when it is an all-zero
 *        constant, else kept with include_self=1 (ONNX adds onto data);
 *   max / min: data kept, include_self=1 (ONNX compares with data too).
 * The scale w [E, 1] is read through its unsqueeze when it has one, else
 * through a reshape to [E]. The old nodes stay for dce, which runs at the
 * end (the gathers and muls die when nothing else reads them). Scatters of
 * rank 1 (the degree count of GCN and SAGE: scatter add of ones) are not
 * rewritten: scatter_elements handles them.
 *
 * Lowering: edge_aggregate(x, src, dst [, scale] [, data]) {attrs} becomes
 *   rowptr, col [, val] = csr_build(src, dst [, scale]) {num_nodes, num_src = M}
 *   spmm(rowptr, col [, val], x [, data]) {reduction, include_self, scaled}
 * which computes the same values in the same order (csr_build's sort is
 * stable). One csr_build serves every edge_aggregate with the same (src,
 * dst, scale, N, M); when src, dst (and scale) are constants the CSR is
 * computed here and stored as constants (an edge out of range leaves the
 * edge_aggregate alone, to fail at run time as the op says). */
#include <stdlib.h>
#include <string.h>

#include "ir/sparse.h"
#include "lower/pipeline.h"
#include "lower/rewrite.h"

/* The node producing v, or NULL for graph inputs. */
static const ic_node *producer(const ic_graph *g, uint32_t v) {
    uint32_t p = g->values[v].producer;
    return p == IC_NONE ? NULL : &g->nodes[p];
}

static bool is_index_vector(const ic_value *v, int64_t e) {
    return (v->dtype == IC_DT_I32 || v->dtype == IC_DT_I64) && v->shape.rank == 1 && v->shape.dims[0] == e;
}

static bool axis_is(const ic_graph *g, const ic_node *n, int32_t want) {
    int32_t axis;
    ic_diag d = {0};
    return ic_axis_of(n, g->values[n->inputs[0]].shape.rank, &axis, &d) == IC_OK && axis == want;
}

/* The 1-D value v2 [E] that v ([E, 1]) is an unsqueeze or reshape of, or IC_NONE. */
static uint32_t column_source(const ic_graph *g, uint32_t v, int64_t e) {
    const ic_node *n = producer(g, v);
    const ic_value *c = &g->values[v];
    if (!n || c->shape.rank != 2 || c->shape.dims[0] != e || c->shape.dims[1] != 1) return IC_NONE;
    if (n->op == IC_OP_UNSQUEEZE) {
        uint32_t k;
        const int64_t *axes = ic_attr_ints(n, "axes", &k);
        if (!axes || k != 1 || (axes[0] != 1 && axes[0] != -1)) return IC_NONE;
    } else if (n->op != IC_OP_RESHAPE) {
        return IC_NONE;
    }
    const ic_value *s = &g->values[n->inputs[0]];
    return s->shape.rank == 1 && s->shape.dims[0] == e ? n->inputs[0] : IC_NONE;
}

/* The dst vector behind scatter indices idx [E, F], or IC_NONE. */
static uint32_t match_dst(const ic_graph *g, uint32_t idx, int64_t e) {
    const ic_node *n = producer(g, idx);
    if (!n || n->op != IC_OP_EXPAND) return IC_NONE;
    uint32_t dst = column_source(g, n->inputs[0], e);
    return dst != IC_NONE && is_index_vector(&g->values[dst], e) ? dst : IC_NONE;
}

/* gather(x [M, F], src [E]) {axis=0} producing v [E, F]: sets x and src. */
static bool match_gather(const ic_graph *g, uint32_t v, int64_t e, int64_t f, uint32_t *x, uint32_t *src) {
    const ic_node *n = producer(g, v);
    if (!n || n->op != IC_OP_GATHER || !axis_is(g, n, 0)) return false;
    const ic_value *xv = &g->values[n->inputs[0]];
    if (xv->dtype != IC_DT_F32 || xv->shape.rank != 2 || xv->shape.dims[1] != f) return false;
    if (!is_index_vector(&g->values[n->inputs[1]], e)) return false;
    *x = n->inputs[0];
    *src = n->inputs[1];
    return true;
}

static bool all_zero_const(const ic_graph *g, uint32_t v) {
    const ic_value *c = &g->values[v];
    if (!ic_rw_is_const(g, v) || !c->data || c->dtype != IC_DT_F32) return false;
    const float *p = c->data;
    for (size_t i = 0; i < ic_value_numel(c); i++)
        if (p[i] != 0.0f) return false;
    return true;
}

/* Rewrites scatter node si when it matches; *done tells whether it did. */
static ic_status try_node(ic_graph *g, uint32_t si, bool *done, ic_diag *d) {
    *done = false;
    const ic_node *s = &g->nodes[si];
    const ic_value *out = &g->values[s->outputs[0]];
    if (s->op != IC_OP_SCATTER_ELEMENTS || out->dtype != IC_DT_F32 || out->shape.rank != 2 || !axis_is(g, s, 0))
        return IC_OK;
    ic_scatter_reduction red;
    ic_diag ignore = {0};
    if (ic_scatter_reduction_of(s, &red, &ignore) != IC_OK) return IC_OK;
    const char *agg = red == IC_SCATTER_ADD ? "sum" : red == IC_SCATTER_MAX ? "max" : red == IC_SCATTER_MIN ? "min" : NULL;
    if (!agg) return IC_OK;
    const ic_value *upd = &g->values[s->inputs[2]];
    int64_t e = upd->shape.dims[0], f = upd->shape.dims[1];
    if (f != out->shape.dims[1]) return IC_OK;
    uint32_t data = s->inputs[0], dst = match_dst(g, s->inputs[1], e), x, src, scale = IC_NONE;
    if (dst == IC_NONE) return IC_OK;
    if (!match_gather(g, s->inputs[2], e, f, &x, &src)) {
        const ic_node *m = producer(g, s->inputs[2]);
        if (!m || m->op != IC_OP_MUL) return IC_OK;
        for (int k = 0; k < 2 && scale == IC_NONE; k++) {
            uint32_t w = m->inputs[1 - k];
            const ic_value *wv = &g->values[w];
            if (wv->dtype != IC_DT_F32 || wv->shape.rank != 2 || wv->shape.dims[0] != e || wv->shape.dims[1] != 1) continue;
            if (match_gather(g, m->inputs[k], e, f, &x, &src)) scale = w;
        }
        if (scale == IC_NONE) return IC_OK;
    }
    uint32_t name_v = s->outputs[0];
    if (scale != IC_NONE) { /* w [E, 1] -> [E] */
        uint32_t col = column_source(g, scale, e);
        if (col != IC_NONE && g->values[col].dtype == IC_DT_F32) {
            scale = col;
        } else {
            ic_attr a = ic_attr_make_ints("shape", (const int64_t[]){e}, 1);
            scale = ic_graph_build(g, IC_OP_RESHAPE, &scale, 1, &a, 1, d);
            if (scale == IC_NONE) return IC_ERR_INVALID;
        }
    }
    bool drop_data = red == IC_SCATTER_ADD && all_zero_const(g, data);
    uint32_t ins[5] = {x, src, dst}, n_in = 3;
    if (scale != IC_NONE) ins[n_in++] = scale;
    if (!drop_data) ins[n_in++] = data;
    ic_attr attrs[4] = {ic_attr_make_string("reduction", agg), ic_attr_make_int("include_self", drop_data ? 0 : 1),
                        ic_attr_make_int("scaled", scale != IC_NONE), ic_attr_make_int("num_nodes", out->shape.dims[0])};
    uint32_t y = ic_graph_build(g, IC_OP_EDGE_AGGREGATE, ins, n_in, attrs, 4, d);
    if (y == IC_NONE) return IC_ERR_INVALID;
    g->values[y].name = g->values[name_v].name; /* keeps a graph output's ABI name */
    g->values[name_v].name = NULL;
    ic_rw_replace_uses(g, name_v, y, 0);
    *done = true;
    return IC_OK;
}

/* One CSR the lowering made, and the edges it was made from. */
typedef struct csr_entry {
    uint32_t src, dst, scale; /* edge values (scale IC_NONE when unscaled) */
    int64_t n, m;             /* destination rows, source rows */
    uint32_t out[3];          /* rowptr, col, val (IC_NONE when unscaled) */
} csr_entry;

/* A tensor view of constant v's data. */
static ic_tensor const_tensor(const ic_graph *g, uint32_t v) {
    const ic_value *c = &g->values[v];
    return (ic_tensor){.dtype = c->dtype, .shape = c->shape, .data = (void *)c->data};
}

/* A constant whose contents are known here (an empty one has no data pointer). */
static bool is_constant(const ic_graph *g, uint32_t v) {
    const ic_value *c = &g->values[v];
    return c->producer != IC_NONE && g->nodes[c->producer].op == IC_OP_CONSTANT && (c->data || !ic_value_numel(c));
}

/* The CSR of edges k as constants in k->out; *ok false (nothing added) when an index is out of range. */
static ic_status build_const(ic_graph *g, csr_entry *k, bool *ok, ic_diag *d) {
    int64_t e = g->values[k->src].shape.dims[0];
    int32_t *rp = malloc((size_t)(k->n + 1) * sizeof *rp), *col = malloc((size_t)(e ? e : 1) * sizeof *col);
    float *val = k->scale != IC_NONE ? malloc((size_t)(e ? e : 1) * sizeof *val) : NULL;
    ic_status s = IC_OK;
    *ok = false;
    if (!rp || !col || (k->scale != IC_NONE && !val)) {
        s = ic_diag_set(d, IC_ERR_NOMEM, "aggregate: out of memory building a CSR");
        goto done;
    }
    ic_tensor ts = const_tensor(g, k->src), td = const_tensor(g, k->dst), tw;
    if (k->scale != IC_NONE) tw = const_tensor(g, k->scale);
    ic_diag ignore = {0};
    if (ic_csr_from_coo("csr_build", &ts, &td, k->scale != IC_NONE ? &tw : NULL, k->m, k->n, rp, col, val, &ignore) != IC_OK)
        goto done; /* a bad edge: the edge_aggregate stays and fails at run time */
    ic_shape sr = {.rank = 1, .dims = {k->n + 1}}, se = {.rank = 1, .dims = {e}};
    k->out[0] = ic_graph_add_constant(g, NULL, IC_DT_I32, &sr, rp);
    k->out[1] = ic_graph_add_constant(g, NULL, IC_DT_I32, &se, col);
    k->out[2] = val ? ic_graph_add_constant(g, NULL, IC_DT_F32, &se, val) : IC_NONE;
    if (k->out[0] == IC_NONE || k->out[1] == IC_NONE || (val && k->out[2] == IC_NONE))
        s = ic_diag_set(d, IC_ERR_NOMEM, "aggregate: out of memory adding CSR constants");
    else
        *ok = true;
done:
    free(rp), free(col), free(val);
    return s;
}

/* A csr_build node over the edges of k. */
static ic_status build_node(ic_graph *g, csr_entry *k, ic_diag *d) {
    uint32_t ins[3] = {k->src, k->dst, k->scale}, n_in = k->scale != IC_NONE ? 3 : 2;
    ic_attr a[2] = {ic_attr_make_int("num_nodes", k->n), ic_attr_make_int("num_src", k->m)};
    uint32_t b = ic_graph_add_node(g, IC_OP_CSR_BUILD, ins, n_in, n_in, a, 2);
    if (b == IC_NONE) return ic_diag_set(d, IC_ERR_NOMEM, "aggregate: out of memory adding csr_build");
    IC_TRY(ic_infer_node(g, b, d));
    for (uint32_t i = 0; i < 3; i++) k->out[i] = i < n_in ? g->nodes[b].outputs[i] : IC_NONE;
    return IC_OK;
}

/* Replaces edge_aggregate node ai by spmm over a (found or new) CSR in tab. */
static ic_status lower_node(ic_graph *g, uint32_t ai, csr_entry *tab, uint32_t *n_tab, bool *done, ic_diag *d) {
    *done = false;
    const ic_node *a = &g->nodes[ai];
    ic_agg_params p;
    if (ic_agg_params_get(a, &g->values[a->inputs[a->n_inputs - 1]].shape, &p, d) != IC_OK) return IC_ERR_INVALID;
    csr_entry key = {.src = a->inputs[1], .dst = a->inputs[2], .scale = p.scaled ? a->inputs[3] : IC_NONE,
                     .n = p.num_nodes, .m = g->values[a->inputs[0]].shape.dims[0]};
    if (key.n >= INT32_MAX || key.m > INT32_MAX || g->values[key.src].shape.dims[0] > INT32_MAX) return IC_OK;
    csr_entry *k = NULL;
    for (uint32_t i = 0; i < *n_tab && !k; i++)
        if (tab[i].src == key.src && tab[i].dst == key.dst && tab[i].scale == key.scale && tab[i].n == key.n &&
            tab[i].m == key.m)
            k = &tab[i];
    if (!k) {
        k = &tab[(*n_tab)++];
        *k = key;
        if (is_constant(g, key.src) && is_constant(g, key.dst) && (key.scale == IC_NONE || is_constant(g, key.scale))) {
            bool ok;
            IC_TRY(build_const(g, k, &ok, d));
            if (!ok) { /* a bad constant edge: the edge_aggregate stays, to fail at run time */
                (*n_tab)--;
                return IC_OK;
            }
        } else {
            IC_TRY(build_node(g, k, d));
        }
    }
    a = &g->nodes[ai]; /* adding nodes may have moved the array */
    uint32_t ins[5] = {k->out[0], k->out[1]}, n_in = 2;
    if (p.scaled) ins[n_in++] = k->out[2];
    ins[n_in++] = a->inputs[0];
    if (p.has_data) ins[n_in++] = a->inputs[a->n_inputs - 1];
    ic_attr attrs[3] = {ic_attr_make_string("reduction", ic_attr_str(a, "reduction", "sum")),
                        ic_attr_make_int("include_self", p.include_self), ic_attr_make_int("scaled", p.scaled)};
    uint32_t old = a->outputs[0], y = ic_graph_build(g, IC_OP_SPMM, ins, n_in, attrs, 3, d);
    if (y == IC_NONE) return IC_ERR_INVALID;
    g->values[y].name = g->values[old].name;
    g->values[old].name = NULL;
    ic_rw_replace_uses(g, old, y, 0);
    *done = true;
    return IC_OK;
}

ic_status ic_pass_aggregate(ic_graph *g, ic_diag *d) {
    uint32_t n = g->n_nodes, rewritten = 0, n_agg = 0, n_tab = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool done;
        IC_TRY(try_node(g, i, &done, d));
        rewritten += done;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) n_agg += g->nodes[i].op == IC_OP_EDGE_AGGREGATE;
    csr_entry *tab = n_agg ? malloc(n_agg * sizeof *tab) : NULL;
    if (n_agg && !tab) return ic_diag_set(d, IC_ERR_NOMEM, "aggregate: out of memory");
    ic_status s = IC_OK;
    for (uint32_t i = 0, end = g->n_nodes; i < end && s == IC_OK; i++) {
        bool done = false;
        if (g->nodes[i].op == IC_OP_EDGE_AGGREGATE) s = lower_node(g, i, tab, &n_tab, &done, d);
        rewritten += done;
    }
    free(tab);
    IC_TRY(s);
    if (!rewritten) return IC_OK;
    IC_TRY(ic_rw_toposort(g, d));
    return ic_pass_dce(g, d);
}
