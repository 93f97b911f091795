/* kplan.c — builds the kernel plan of a node group (see kplan.h).
 *
 * Index maps are propagated backwards from the group's last node (the sink):
 * the sink is indexed by the domain directly, and every op says how its
 * inputs are indexed given how its output is (broadcasting drops dims, a
 * transpose permutes rows, a slice scales and offsets them, a reduction maps
 * its reduced dims onto the domain's row dims). A reshape is affine only
 * when each domain dim lands inside one dim of the reshaped value; when a
 * domain dim would straddle two, the domain dim is split and planning starts
 * over (a [24] domain read as [4,6] becomes a [4,6] domain). A value two
 * consumers index differently, a reduction over other rows than the
 * domain's, or an output stored more than once make the group unplannable. */
#include "lower/kplan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- uses ------------------------------------------------------------------------- */

ic_status kp_uses_build(const ic_graph *g, kp_uses *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    uint32_t nv = g->n_values, total = 0;
    out->start = calloc((size_t)nv + 1, sizeof *out->start);
    out->is_output = calloc(nv ? nv : 1, 1);
    for (uint32_t i = 0; i < g->n_nodes; i++) total += g->nodes[i].n_inputs;
    out->list = malloc((total ? total : 1) * sizeof *out->list);
    uint32_t *cur = calloc((size_t)nv + 1, sizeof *cur);
    if (!out->start || !out->is_output || !out->list || !cur) {
        free(cur);
        kp_uses_free(out);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory indexing value uses");
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) out->start[g->nodes[i].inputs[k] + 1]++;
    for (uint32_t v = 0; v < nv; v++) out->start[v + 1] += out->start[v];
    memcpy(cur, out->start, (size_t)nv * sizeof *cur);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) out->list[cur[g->nodes[i].inputs[k]]++] = i;
    for (uint32_t j = 0; j < g->n_outputs; j++) out->is_output[g->outputs[j]] = 1;
    free(cur);
    return IC_OK;
}

void kp_uses_free(kp_uses *u) {
    free(u->start);
    free(u->list);
    free(u->is_output);
    memset(u, 0, sizeof *u);
}

/* --- classification ------------------------------------------------------------------ */

static bool dtype_ok(ic_dtype t) {
    return t == IC_DT_F32 || t == IC_DT_I32 || t == IC_DT_I64 || t == IC_DT_BOOL || t == IC_DT_U8 || t == IC_DT_I8;
}

kp_class kp_node_class(const ic_graph *g, const ic_node *n) {
    if (n->n_outputs != 1 || n->n_inputs > KP_MAX_IN || n->n_inputs == 0) return KP_CLASS_NONE;
    ic_dtype t = g->values[n->outputs[0]].dtype;
    if (!dtype_ok(t)) return KP_CLASS_NONE;
    bool all_f32 = t == IC_DT_F32;
    for (uint32_t i = 0; i < n->n_inputs; i++) {
        ic_dtype it = g->values[n->inputs[i]].dtype;
        if (!dtype_ok(it)) return KP_CLASS_NONE;
        all_f32 &= it == IC_DT_F32;
    }
    switch (n->op) {
    case IC_OP_RESHAPE:
    case IC_OP_SQUEEZE:
    case IC_OP_UNSQUEEZE:
    case IC_OP_FLATTEN:
    case IC_OP_TRANSPOSE:
    case IC_OP_EXPAND:
    case IC_OP_SLICE: return KP_CLASS_VIEW;
    case IC_OP_REDUCE_SUM:
    case IC_OP_REDUCE_MEAN:
    case IC_OP_REDUCE_MAX:
    case IC_OP_REDUCE_MIN:
    case IC_OP_GLOBAL_AVG_POOL:
    case IC_OP_GLOBAL_MAX_POOL: return all_f32 ? KP_CLASS_REDUCE : KP_CLASS_NONE;
    case IC_OP_SOFTMAX:
    case IC_OP_LOG_SOFTMAX:
    case IC_OP_LAYERNORM: return all_f32 ? KP_CLASS_ROW : KP_CLASS_NONE;
    default: break;
    }
    return ic_op_get(n->op)->kind == IC_KIND_POINTWISE ? KP_CLASS_POINTWISE : KP_CLASS_NONE;
}

int kp_node_cost(const ic_node *n) {
    switch (n->op) {
    case IC_OP_EXP:
    case IC_OP_LOG:
    case IC_OP_TANH:
    case IC_OP_SIGMOID:
    case IC_OP_ERF:
    case IC_OP_GELU:
    case IC_OP_SILU:
    case IC_OP_POW: return 20;
    case IC_OP_SQRT:
    case IC_OP_DIV:
    case IC_OP_RECIPROCAL: return 4;
    case IC_OP_HARDSWISH:
    case IC_OP_HARDSIGMOID:
    case IC_OP_LEAKY_RELU:
    case IC_OP_BATCHNORM: return 3;
    case IC_OP_ADD:
    case IC_OP_SUB:
    case IC_OP_MUL:
    case IC_OP_NEG:
    case IC_OP_ABS:
    case IC_OP_RELU:
    case IC_OP_MAX:
    case IC_OP_MIN:
    case IC_OP_CLIP:
    case IC_OP_WHERE:
    case IC_OP_CAST:
    case IC_OP_NOT:
    case IC_OP_AND:
    case IC_OP_OR:
    case IC_OP_EQUAL:
    case IC_OP_LESS:
    case IC_OP_LESS_EQUAL:
    case IC_OP_GREATER:
    case IC_OP_GREATER_EQUAL:
    case IC_OP_FLOOR:
    case IC_OP_CEIL: return 1;
    default: return ic_op_get(n->op)->kind == IC_KIND_POINTWISE ? 8 : 0; /* unknown pointwise: assume costly */
    }
}

/* --- planning state ---------------------------------------------------------------------- */

/* Index map of one value: its index along dim j is sum_k c[j][k] * p_k + off[j]. */
typedef struct kmap {
    int64_t c[IC_MAX_RANK][KP_MAX_DIMS]; /* coefficients per value dim and domain dim */
    int64_t off[IC_MAX_RANK];            /* constant part per value dim */
    bool set;                            /* assigned yet */
} kmap;

/* One read of an outside value by a group node. */
typedef struct use_load {
    uint32_t pos;   /* group node position */
    uint32_t input; /* which of its inputs */
    int load;       /* index into the plan's loads */
} use_load;

typedef struct planner {
    const ic_graph *g;          /* the graph */
    const kp_uses *uses;        /* consumers per value */
    const uint8_t *in_group;    /* membership by node id */
    const uint32_t *nodes;      /* group nodes, ascending */
    uint32_t n;                 /* entries in nodes */
    kp_plan *p;                 /* being built */
    kmap *maps;                 /* per group node: its result's map */
    use_load *ul;               /* outside reads */
    uint32_t n_ul, cap_ul;      /* entries / capacity of ul */
    int cap_kops, cap_loads;    /* capacities in p */
    /* the domain before refinement and how refined dims relate to it */
    int rank0;                  /* original rank */
    int64_t dims0[IC_MAX_RANK]; /* original shape */
    uint32_t rmask0;            /* original row dims */
    int orig[KP_MAX_DIMS];      /* refined dim -> original dim */
    int64_t coef[KP_MAX_DIMS];  /* refined dim's weight inside its original dim */
    int split_dim;              /* refinement requested: split this dim ... */
    int64_t split_inner;        /* ... into (dims / split_inner, split_inner) */
} planner;

static bool fail(planner *pl, const char *fmt, ...) IC_PRINTF(2, 3);
static bool fail(planner *pl, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pl->p->why, sizeof pl->p->why, fmt, ap);
    va_end(ap);
    return false;
}

static const ic_value *val(const planner *pl, uint32_t v) { return &pl->g->values[v]; }
static const ic_node *gnode(const planner *pl, uint32_t pos) { return &pl->g->nodes[pl->nodes[pos]]; }

/* Position of node id in the group, or -1. */
static int pos_of(const planner *pl, uint32_t id) {
    if (id == IC_NONE || !pl->in_group[id]) return -1;
    uint32_t lo = 0, hi = pl->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (pl->nodes[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pl->n && pl->nodes[lo] == id ? (int)lo : -1;
}

static void dense(const ic_shape *s, int64_t st[IC_MAX_RANK]) {
    int64_t k = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        st[i] = k;
        k *= s->dims[i];
    }
}

static bool is_row_dim(const kp_plan *p, int k) { return (p->rmask >> k) & 1u; }

/* Row j uses a domain dim of size > 1 in the set mask. */
static bool row_uses(const kp_plan *p, const kmap *m, int j, uint32_t mask) {
    for (int k = 0; k < p->rank; k++)
        if (((mask >> k) & 1u) && p->dims[k] > 1 && m->c[j][k]) return true;
    return false;
}

/* --- reduced axes of reductions and row ops --------------------------------------------- */

/* The input axes a reduction or row op works along, and whether a reduction keeps them. */
static bool node_axes(const ic_node *n, int32_t rank, uint32_t *mask, bool *keepdims) {
    *keepdims = true;
    switch (n->op) {
    case IC_OP_GLOBAL_AVG_POOL:
    case IC_OP_GLOBAL_MAX_POOL: *mask = ((1u << rank) - 1u) & ~3u; return rank >= 2;
    case IC_OP_SOFTMAX:
    case IC_OP_LOG_SOFTMAX: {
        int32_t a;
        if (ic_axis_of(n, rank, &a, NULL) != IC_OK) return false;
        *mask = 1u << a;
        return true;
    }
    case IC_OP_LAYERNORM: {
        int32_t a;
        if (ic_axis_of(n, rank, &a, NULL) != IC_OK) return false;
        *mask = ((1u << rank) - 1u) & ~((1u << a) - 1u);
        return true;
    }
    default:
        *keepdims = ic_reduce_keepdims(n);
        return ic_reduce_axes_mask(n, rank, mask, NULL);
    }
}

/* Rows of m for the axes in mask of a value of shape s: those axes, in order,
 * take the domain's row dims in order (a [768] axis can take refined [3,256]). */
static bool row_axes_map(planner *pl, const ic_shape *s, uint32_t mask, kmap *m) {
    const kp_plan *p = pl->p;
    int list[KP_MAX_DIMS], nl = 0, at = 0;
    for (int k = 0; k < p->rank; k++)
        if (is_row_dim(p, k) && p->dims[k] != 1) list[nl++] = k;
    for (int j = 0; j < s->rank; j++) {
        if (!((mask >> j) & 1u)) continue;
        memset(m->c[j], 0, sizeof m->c[j]);
        m->off[j] = 0;
        if (s->dims[j] == 1) continue;
        if (s->dims[j] == 0) { /* an empty axis takes one empty row dim */
            if (at >= nl || p->dims[list[at]] != 0) return fail(pl, "reduces other rows than the kernel's");
            m->c[j][list[at++]] = 1;
            continue;
        }
        int64_t prod = 1;
        int from = at;
        while (prod < s->dims[j] && at < nl) prod *= p->dims[list[at++]];
        if (prod != s->dims[j]) return fail(pl, "reduces other rows than the kernel's");
        int64_t w = 1;
        for (int q = at - 1; q >= from; q--) {
            m->c[j][list[q]] = w;
            w *= p->dims[list[q]];
        }
    }
    if (at != nl) return fail(pl, "reduces other rows than the kernel's");
    return true;
}

/* Coefficients on size-1 domain dims mean nothing (the index is always 0): clear them. */
static void normalize(const kp_plan *p, kmap *m) {
    for (int k = 0; k < p->rank; k++)
        if (p->dims[k] == 1)
            for (int j = 0; j < IC_MAX_RANK; j++) m->c[j][k] = 0;
}

/* --- the sink's map and the per-op backward rules ------------------------------------------ */

static bool sink_map(planner *pl, const ic_value *v, kmap *m) {
    const kp_plan *p = pl->p;
    memset(m, 0, sizeof *m);
    m->set = true;
    int64_t nd = kp_plan_numel(p);
    if (ic_value_numel(v) == 1 && nd == 1) return true;
    /* which original dims v has, as an index into dims0 per v dim (-1: a kept size-1) */
    int src[IC_MAX_RANK];
    bool same = v->shape.rank == pl->rank0;
    for (int j = 0; same && j < v->shape.rank; j++) same = v->shape.dims[j] == pl->dims0[j];
    if (same) {
        for (int j = 0; j < v->shape.rank; j++) src[j] = j;
    } else if (pl->rmask0) {
        int kept = 0, q = 0;
        for (int j = 0; j < pl->rank0; j++) kept += !((pl->rmask0 >> j) & 1u);
        if (v->shape.rank == pl->rank0) { /* keepdims form */
            for (int j = 0; j < pl->rank0; j++) {
                bool r = (pl->rmask0 >> j) & 1u;
                if ((r && v->shape.dims[j] != 1) || (!r && v->shape.dims[j] != pl->dims0[j]))
                    return fail(pl, "result shape does not match the kernel's rows");
                src[j] = r ? -1 : j;
            }
        } else if (v->shape.rank == kept) {
            for (int j = 0; j < pl->rank0; j++) {
                if ((pl->rmask0 >> j) & 1u) continue;
                if (v->shape.dims[q] != pl->dims0[j]) return fail(pl, "result shape does not match the kernel's rows");
                src[q++] = j;
            }
        } else {
            return fail(pl, "result shape does not match the kernel's rows");
        }
    } else {
        return fail(pl, "result shape differs from the kernel's");
    }
    for (int j = 0; j < v->shape.rank; j++)
        for (int k = 0; k < p->rank && src[j] >= 0; k++)
            if (pl->orig[k] == src[j]) m->c[j][k] = pl->coef[k];
    normalize(p, m);
    return true;
}

/* Numpy broadcasting: u right-aligned against an output of rank ro. */
static void bcast_map(const ic_value *u, int ro, const kmap *mo, kmap *mu) {
    int off = ro - u->shape.rank;
    for (int j = 0; j < u->shape.rank; j++) {
        if (u->shape.dims[j] == 1 || j + off < 0) continue;
        memcpy(mu->c[j], mo->c[j + off], sizeof mu->c[j]);
        mu->off[j] = mo->off[j + off];
    }
}

/* A reshape's input map: 1 done, 0 not affine, -1 a domain split was requested. */
static int reshape_map(planner *pl, const ic_value *o, const kmap *mo, const ic_value *u, kmap *mu) {
    const kp_plan *p = pl->p;
    if (ic_value_numel(o) == 0) return fail(pl, "reshape of an empty tensor"), 0;
    int64_t dso[IC_MAX_RANK], dsu[IC_MAX_RANK];
    dense(&o->shape, dso);
    dense(&u->shape, dsu);
    int64_t l0 = 0, a[KP_MAX_DIMS] = {0};
    for (int j = 0; j < o->shape.rank; j++) {
        l0 += dso[j] * mo->off[j];
        for (int k = 0; k < p->rank; k++) a[k] += dso[j] * mo->c[j][k];
    }
    int64_t top[IC_MAX_RANK], rem = l0;
    for (int j = 0; j < u->shape.rank; j++) {
        mu->off[j] = rem / dsu[j];
        rem %= dsu[j];
        top[j] = mu->off[j];
    }
    int owner[KP_MAX_DIMS];
    for (int k = 0; k < p->rank; k++) {
        owner[k] = -1;
        if (!a[k] || p->dims[k] <= 1) continue;
        int j = -1;
        for (int q = u->shape.rank - 1; q >= 0; q--) {
            if (u->shape.dims[q] == 1) continue;
            if (dsu[q] <= a[k]) j = q;
            else break;
        }
        if (j < 0 || a[k] % dsu[j]) return fail(pl, "reshape is not affine in the kernel's loops"), 0;
        owner[k] = j;
        mu->c[j][k] = a[k] / dsu[j];
        top[j] += mu->c[j][k] * (p->dims[k] - 1);
    }
    for (int j = 0; j < u->shape.rank; j++) {
        if (top[j] < u->shape.dims[j]) continue;
        /* a domain dim straddles dim j: split the heaviest one landing in j */
        int best = -1;
        for (int k = 0; k < p->rank; k++)
            if (owner[k] == j && (best < 0 || mu->c[j][k] > mu->c[j][best])) best = k;
        if (best < 0 || mu->off[j] || u->shape.dims[j] % mu->c[j][best]) break;
        int64_t f = u->shape.dims[j] / mu->c[j][best];
        if (f <= 1 || p->dims[best] % f || p->rank >= KP_MAX_DIMS) break;
        pl->split_dim = best;
        pl->split_inner = f;
        return -1;
    }
    for (int j = 0; j < u->shape.rank; j++)
        if (top[j] >= u->shape.dims[j]) return fail(pl, "reshape is not affine in the kernel's loops"), 0;
    return 1;
}

/* The map of input k of node n, given its output's map. 1 ok, 0 fail, -1 split. */
static int input_map(planner *pl, const ic_node *n, uint32_t k, const kmap *mo, kmap *mu) {
    const ic_value *o = val(pl, n->outputs[0]), *u = val(pl, n->inputs[k]);
    memset(mu, 0, sizeof *mu);
    mu->set = true;
    switch (n->op) {
    case IC_OP_RESHAPE:
    case IC_OP_SQUEEZE:
    case IC_OP_UNSQUEEZE:
    case IC_OP_FLATTEN: return reshape_map(pl, o, mo, u, mu);
    case IC_OP_TRANSPOSE: {
        int32_t perm[IC_MAX_RANK];
        if (ic_transpose_perm(n, u->shape.rank, perm, NULL) != IC_OK) return fail(pl, "bad transpose"), 0;
        for (int i = 0; i < o->shape.rank; i++) {
            memcpy(mu->c[perm[i]], mo->c[i], sizeof mu->c[0]);
            mu->off[perm[i]] = mo->off[i];
        }
        return 1;
    }
    case IC_OP_SLICE: {
        ic_slice_params sp;
        if (ic_slice_params_get(n, &u->shape, &sp, NULL) != IC_OK) return fail(pl, "bad slice"), 0;
        for (int j = 0; j < u->shape.rank; j++) {
            for (int q = 0; q < pl->p->rank; q++) mu->c[j][q] = sp.step[j] * mo->c[j][q];
            mu->off[j] = sp.start[j] + sp.step[j] * mo->off[j];
        }
        return 1;
    }
    case IC_OP_BATCHNORM:
        if (k == 0) {
            bcast_map(u, o->shape.rank, mo, mu);
        } else { /* one value per channel: dim 1 of the output */
            memcpy(mu->c[0], mo->c[1], sizeof mu->c[0]);
            mu->off[0] = mo->off[1];
        }
        return 1;
    default: break;
    }
    kp_class cl = kp_node_class(pl->g, n);
    if (cl == KP_CLASS_REDUCE) {
        uint32_t mask;
        bool keep;
        if (!node_axes(n, u->shape.rank, &mask, &keep)) return fail(pl, "bad reduction axes"), 0;
        int q = 0;
        for (int j = 0; j < u->shape.rank; j++) {
            if ((mask >> j) & 1u) continue;
            int src = keep ? j : q++;
            if (src >= o->shape.rank) return fail(pl, "bad reduction result rank"), 0;
            memcpy(mu->c[j], mo->c[src], sizeof mu->c[0]);
            mu->off[j] = mo->off[src];
        }
        for (int j = 0; j < o->shape.rank; j++)
            if (row_uses(pl->p, mo, j, pl->p->rmask)) return fail(pl, "a reduction's result varies along its rows"), 0;
        return row_axes_map(pl, &u->shape, mask, mu) ? 1 : 0;
    }
    if (cl == KP_CLASS_ROW && k == 0) {
        uint32_t mask;
        bool keep;
        if (!node_axes(n, u->shape.rank, &mask, &keep)) return fail(pl, "bad row axes"), 0;
        kmap want;
        memset(&want, 0, sizeof want);
        if (!row_axes_map(pl, &u->shape, mask, &want)) return 0;
        for (int j = 0; j < u->shape.rank; j++) {
            bool row = (mask >> j) & 1u;
            if (row && (memcmp(want.c[j], mo->c[j], sizeof want.c[j]) != 0 || mo->off[j]))
                return fail(pl, "%s over other rows than the kernel's", ic_op_get(n->op)->name), 0;
            if (!row && row_uses(pl->p, mo, j, pl->p->rmask))
                return fail(pl, "%s over other rows than the kernel's", ic_op_get(n->op)->name), 0;
        }
        memcpy(mu, mo, sizeof *mu);
        return 1;
    }
    bcast_map(u, o->shape.rank, mo, mu); /* pointwise, expand, layernorm scale and bias */
    return 1;
}

/* --- kops ---------------------------------------------------------------------------------- */

static int add_kop(planner *pl, kp_op op, ic_dtype t, uint32_t node) {
    kp_plan *p = pl->p;
    if (p->n_kops == pl->cap_kops) {
        int cap = pl->cap_kops ? pl->cap_kops * 2 : 32;
        kp_kop *k = realloc(p->kops, (size_t)cap * sizeof *k);
        if (!k) return -1;
        p->kops = k;
        pl->cap_kops = cap;
    }
    kp_kop *k = &p->kops[p->n_kops];
    memset(k, 0, sizeof *k);
    k->op = op;
    k->dtype = t;
    k->node = node;
    k->value = IC_NONE;
    k->load = -1;
    return p->n_kops++;
}

static int kop1(planner *pl, kp_op op, uint32_t node, bool dbl, int a, int b, int c) {
    int k = add_kop(pl, op, IC_DT_F32, node);
    if (k < 0) return -1;
    kp_kop *q = &pl->p->kops[k];
    q->dbl = dbl;
    int ins[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (ins[i] >= 0) q->in[q->n_in++] = ins[i];
    for (int i = 0; i < q->n_in; i++) q->full |= pl->p->kops[q->in[i]].full;
    return k;
}

static int red_kop(planner *pl, uint32_t node, kp_red red, kp_fin fin, double count, int a, int b) {
    int k = kop1(pl, KP_RED, node, fin == KP_FIN_D, a, b, -1);
    if (k < 0) return -1;
    kp_kop *q = &pl->p->kops[k];
    q->red = red;
    q->fin = fin;
    q->count = count;
    q->full = false;
    return k;
}

/* Records the read of outside value v with map m as (deduplicated) load; returns its index. */
static int add_load(planner *pl, uint32_t v, const kmap *m) {
    kp_plan *p = pl->p;
    const ic_value *x = val(pl, v);
    kp_load l;
    memset(&l, 0, sizeof l);
    l.value = v;
    int64_t ds[IC_MAX_RANK];
    dense(&x->shape, ds);
    for (int j = 0; j < x->shape.rank; j++) {
        if (x->shape.dims[j] == 1) continue;
        l.base += ds[j] * m->off[j];
        for (int k = 0; k < p->rank; k++) l.strides[k] += ds[j] * m->c[j][k];
    }
    for (int k = 0; k < p->rank; k++)
        if (p->dims[k] == 1) l.strides[k] = 0;
    for (int i = 0; i < p->n_loads; i++)
        if (p->loads[i].value == v && p->loads[i].base == l.base &&
            memcmp(p->loads[i].strides, l.strides, sizeof l.strides) == 0)
            return i;
    if (p->n_loads == pl->cap_loads) {
        int cap = pl->cap_loads ? pl->cap_loads * 2 : 16;
        kp_load *nl = realloc(p->loads, (size_t)cap * sizeof *nl);
        if (!nl) return -1;
        p->loads = nl;
        pl->cap_loads = cap;
    }
    p->loads[p->n_loads] = l;
    return p->n_loads++;
}

/* The kop reading input k of group node pos. */
static int operand(planner *pl, const int *kop_of, int *load_kop, uint32_t pos, uint32_t k) {
    const ic_node *n = gnode(pl, pos);
    int pp = pos_of(pl, pl->g->values[n->inputs[k]].producer);
    if (pp >= 0) return kop_of[pp];
    for (uint32_t i = 0; i < pl->n_ul; i++) {
        const use_load *u = &pl->ul[i];
        if (u->pos != pos || u->input != k) continue;
        if (load_kop[u->load] >= 0) return load_kop[u->load];
        const kp_load *l = &pl->p->loads[u->load];
        int q = add_kop(pl, KP_LOAD, val(pl, l->value)->dtype, IC_NONE);
        if (q < 0) return -1;
        kp_kop *kk = &pl->p->kops[q];
        kk->load = u->load;
        kk->value = l->value;
        kk->full = pl->p->rmask == 0;
        for (int d = 0; d < pl->p->rank; d++)
            if (is_row_dim(pl->p, d) && l->strides[d]) kk->full = true;
        kk->cost = 1;
        load_kop[u->load] = q;
        return q;
    }
    return -1;
}

/* Elements per row of a reduction or row op over mask of shape s. */
static double axes_count(const ic_shape *s, uint32_t mask) {
    double c = 1;
    for (int j = 0; j < s->rank; j++)
        if ((mask >> j) & 1u) c *= (double)s->dims[j];
    return c;
}

/* Kops of group node pos; sets kop_of[pos]. */
static bool node_kops(planner *pl, int *kop_of, int *load_kop, uint32_t pos) {
    const ic_node *n = gnode(pl, pos);
    uint32_t id = pl->nodes[pos];
    const ic_value *o = val(pl, n->outputs[0]), *x = val(pl, n->inputs[0]);
    int in[KP_MAX_IN];
    for (uint32_t k = 0; k < n->n_inputs; k++)
        if ((in[k] = operand(pl, kop_of, load_kop, pos, k)) < 0) return fail(pl, "out of memory");
    kp_class cl = kp_node_class(pl->g, n);
    int r = -1;
    if (cl == KP_CLASS_VIEW) {
        kop_of[pos] = in[0];
        return true;
    }
    if (cl == KP_CLASS_POINTWISE) {
        r = add_kop(pl, KP_NODE, o->dtype, id);
        if (r < 0) return fail(pl, "out of memory");
        kp_kop *q = &pl->p->kops[r];
        q->n_in = (int)n->n_inputs;
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            q->in[k] = in[k];
            q->full |= pl->p->kops[in[k]].full;
        }
        q->cost = kp_node_cost(n);
    } else {
        uint32_t mask;
        bool keep;
        if (!node_axes(n, x->shape.rank, &mask, &keep)) return fail(pl, "bad axes");
        double cnt = axes_count(&x->shape, mask);
        switch (n->op) {
        case IC_OP_REDUCE_SUM: r = red_kop(pl, id, KP_RSUM, KP_FIN_F, cnt, in[0], -1); break;
        case IC_OP_REDUCE_MEAN:
        case IC_OP_GLOBAL_AVG_POOL: r = red_kop(pl, id, KP_RSUM, KP_FIN_MEAN_F, cnt, in[0], -1); break;
        case IC_OP_REDUCE_MAX:
        case IC_OP_GLOBAL_MAX_POOL: r = red_kop(pl, id, KP_RMAX, KP_FIN_F, cnt, in[0], -1); break;
        case IC_OP_REDUCE_MIN: r = red_kop(pl, id, KP_RMIN, KP_FIN_F, cnt, in[0], -1); break;
        case IC_OP_SOFTMAX:
        case IC_OP_LOG_SOFTMAX: {
            int m = red_kop(pl, id, KP_RMAX, KP_FIN_F, cnt, in[0], -1);
            int e = m < 0 ? -1 : kop1(pl, KP_EXPSUB, id, false, in[0], m, -1);
            int s = e < 0 ? -1 : red_kop(pl, id, KP_RSUM, KP_FIN_D, cnt, e, -1);
            if (s < 0) break;
            pl->p->kops[e].cost = 22;
            if (n->op == IC_OP_SOFTMAX) {
                int inv = kop1(pl, KP_DINV, id, true, s, -1, -1);
                r = inv < 0 ? -1 : kop1(pl, KP_DSCALE, id, false, e, inv, -1);
            } else {
                int lse = kop1(pl, KP_DLSE, id, true, m, s, -1);
                r = lse < 0 ? -1 : kop1(pl, KP_DSUB, id, false, in[0], lse, -1);
            }
            break;
        }
        case IC_OP_LAYERNORM: {
            int s = red_kop(pl, id, KP_RSUM, KP_FIN_D, cnt, in[0], -1);
            int mean = s < 0 ? -1 : kop1(pl, KP_DMEAN, id, true, s, -1, -1);
            int q = mean < 0 ? -1 : red_kop(pl, id, KP_RSQDEV, KP_FIN_D, cnt, in[0], mean);
            int rs = q < 0 ? -1 : kop1(pl, KP_DRSTD, id, true, q, -1, -1);
            if (rs < 0) break;
            pl->p->kops[mean].count = cnt;
            pl->p->kops[rs].count = cnt;
            pl->p->kops[rs].eps = ic_epsilon_of(n);
            r = kop1(pl, KP_LNORM, id, false, in[0], mean, rs);
            if (r < 0) break;
            kp_kop *ln = &pl->p->kops[r];
            for (uint32_t k = 1; k < n->n_inputs; k++) {
                ln->in[ln->n_in++] = in[k];
                ln->full |= pl->p->kops[in[k]].full;
            }
            ln->cost = 4;
            break;
        }
        default: return fail(pl, "%s cannot be planned", ic_op_get(n->op)->name);
        }
        if (r < 0) return fail(pl, "out of memory");
    }
    pl->p->kops[r].value = n->outputs[0];
    kop_of[pos] = r;
    return true;
}

/* --- the plan ------------------------------------------------------------------------------- */

int64_t kp_plan_numel(const kp_plan *p) {
    int64_t n = 1;
    for (int k = 0; k < p->rank; k++) n *= p->dims[k];
    return n;
}

int64_t kp_plan_row_len(const kp_plan *p) {
    int64_t n = 1;
    for (int k = 0; k < p->rank; k++)
        if (is_row_dim(p, k)) n *= p->dims[k];
    return n;
}

void kp_plan_free(kp_plan *p) {
    free(p->kops);
    free(p->loads);
    free(p->stores);
    free(p->inputs);
    p->kops = NULL;
    p->loads = NULL;
    p->stores = NULL;
    p->inputs = NULL;
    p->n_kops = p->n_loads = p->n_stores = p->n_inputs = 0;
}

/* Chooses the domain from the first reduction or row op, else the sink. */
static bool pick_domain(planner *pl) {
    kp_plan *p = pl->p;
    const ic_shape *s = &val(pl, gnode(pl, pl->n - 1)->outputs[0])->shape;
    uint32_t mask = 0;
    for (uint32_t i = 0; i < pl->n; i++) {
        const ic_node *n = gnode(pl, i);
        kp_class cl = kp_node_class(pl->g, n);
        if (cl != KP_CLASS_REDUCE && cl != KP_CLASS_ROW) continue;
        s = &val(pl, n->inputs[0])->shape;
        bool keep;
        if (!node_axes(n, s->rank, &mask, &keep)) return fail(pl, "bad axes");
        break;
    }
    pl->rank0 = s->rank;
    memcpy(pl->dims0, s->dims, sizeof pl->dims0);
    pl->rmask0 = mask;
    p->rank = s->rank ? s->rank : 1;
    for (int k = 0; k < p->rank; k++) {
        p->dims[k] = s->rank ? s->dims[k] : 1;
        pl->orig[k] = s->rank ? k : -1;
        pl->coef[k] = 1;
    }
    p->rmask = mask;
    return true;
}

static void apply_split(planner *pl) {
    kp_plan *p = pl->p;
    int k = pl->split_dim;
    int64_t f = pl->split_inner;
    for (int q = p->rank; q > k + 1; q--) {
        p->dims[q] = p->dims[q - 1];
        pl->orig[q] = pl->orig[q - 1];
        pl->coef[q] = pl->coef[q - 1];
    }
    uint32_t lo = p->rmask & ((1u << (k + 1)) - 1u), hi = p->rmask & ~((1u << (k + 1)) - 1u);
    p->rmask = lo | (hi << 1) | (((p->rmask >> k) & 1u) << (k + 1));
    p->dims[k + 1] = f;
    pl->orig[k + 1] = pl->orig[k];
    pl->coef[k + 1] = pl->coef[k];
    p->dims[k] /= f;
    pl->coef[k] *= f;
    p->rank++;
    pl->split_dim = -1;
}

/* Backward pass: every group value's map and every outside read. 1, 0, or -1 (split). */
static int propagate(planner *pl) {
    memset(pl->maps, 0, (size_t)pl->n * sizeof *pl->maps);
    pl->n_ul = 0;
    pl->p->n_loads = 0;
    if (!sink_map(pl, val(pl, gnode(pl, pl->n - 1)->outputs[0]), &pl->maps[pl->n - 1])) return 0;
    for (uint32_t i = pl->n; i-- > 0;) {
        const ic_node *n = gnode(pl, i);
        if (!pl->maps[i].set) return fail(pl, "%s does not feed the kernel's last node", ic_op_get(n->op)->name);
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            kmap mu;
            int r = input_map(pl, n, k, &pl->maps[i], &mu);
            if (r <= 0) return r;
            normalize(pl->p, &mu);
            int pp = pos_of(pl, val(pl, n->inputs[k])->producer);
            if (pp >= 0) {
                if (!pl->maps[pp].set) {
                    pl->maps[pp] = mu;
                } else if (memcmp(pl->maps[pp].c, mu.c, sizeof mu.c) || memcmp(pl->maps[pp].off, mu.off, sizeof mu.off)) {
                    return fail(pl, "a value is read at two different indexings");
                }
                continue;
            }
            if (pl->n_ul == pl->cap_ul) {
                uint32_t cap = pl->cap_ul ? pl->cap_ul * 2 : 16;
                use_load *u = realloc(pl->ul, cap * sizeof *u);
                if (!u) return fail(pl, "out of memory"), 0;
                pl->ul = u;
                pl->cap_ul = cap;
            }
            int l = add_load(pl, n->inputs[k], &mu);
            if (l < 0) return fail(pl, "out of memory"), 0;
            pl->ul[pl->n_ul++] = (use_load){i, k, l};
        }
    }
    return 1;
}

/* Each domain dim of size > 1 in mask is used by exactly one row, and no dim outside mask is. */
static bool bijective(const kp_plan *p, const ic_value *v, const kmap *m, uint32_t mask) {
    for (int k = 0; k < p->rank; k++) {
        if (p->dims[k] <= 1) continue;
        int used = 0;
        for (int j = 0; j < v->shape.rank; j++) used += m->c[j][k] != 0;
        if (((mask >> k) & 1u) ? used != 1 : used != 0) return false;
    }
    return true;
}

static bool add_store(planner *pl, uint32_t pos, int kop) {
    kp_plan *p = pl->p;
    const ic_value *v = val(pl, gnode(pl, pos)->outputs[0]);
    const kmap *m = &pl->maps[pos];
    uint32_t all = (1u << p->rank) - 1u, kept = all & ~p->rmask;
    int64_t kept_numel = 1;
    for (int k = 0; k < p->rank; k++)
        if ((kept >> k) & 1u) kept_numel *= p->dims[k];
    /* a row-level kop may still be stored per element (a row value expanded to the full shape) */
    bool per_elem = p->rmask == 0 || p->kops[kop].full ||
                    (kp_plan_row_len(p) > 1 && (int64_t)ic_value_numel(v) == kp_plan_numel(p));
    int64_t want = per_elem ? kp_plan_numel(p) : kept_numel;
    if ((int64_t)ic_value_numel(v) != want || !bijective(p, v, m, per_elem ? all : kept))
        return fail(pl, "%s would be stored more than once per element", ic_op_get(gnode(pl, pos)->op)->name);
    kp_store s;
    memset(&s, 0, sizeof s);
    s.value = v - pl->g->values;
    s.kop = kop;
    s.full = per_elem;
    int64_t ds[IC_MAX_RANK];
    dense(&v->shape, ds);
    for (int j = 0; j < v->shape.rank; j++) {
        s.base += ds[j] * m->off[j];
        for (int k = 0; k < p->rank; k++) s.strides[k] += ds[j] * m->c[j][k];
    }
    for (int k = 0; k < p->rank; k++)
        if (p->dims[k] == 1) s.strides[k] = 0;
    kp_store *ns = realloc(p->stores, (size_t)(p->n_stores + 1) * sizeof *ns);
    if (!ns) return fail(pl, "out of memory");
    p->stores = ns;
    p->stores[p->n_stores++] = s;
    return true;
}

static bool escapes(const planner *pl, uint32_t v) {
    if (pl->uses->is_output[v]) return true;
    for (uint32_t i = pl->uses->start[v]; i < pl->uses->start[v + 1]; i++)
        if (!pl->in_group[pl->uses->list[i]]) return true;
    return false;
}

/* Stages, phases, recomputation checks, stores and kernel inputs once the kops exist. */
static bool finish(planner *pl, const int *kop_of) {
    kp_plan *p = pl->p;
    int last = 0;
    for (int i = 0; i < p->n_kops; i++) {
        kp_kop *q = &p->kops[i];
        int need = 0;
        for (int k = 0; k < q->n_in; k++)
            if (p->kops[q->in[k]].need > need) need = p->kops[q->in[k]].need;
        if (q->op == KP_RED) {
            q->phase = need;
            q->need = need + 1;
            if (need > last) last = need;
        } else {
            q->need = need;
        }
        if (q->phase >= KP_MAX_PHASES || q->need > KP_MAX_PHASES) return fail(pl, "too many reduction phases");
    }
    /* broadcasting an expensive node would compute it again for every element it is read at */
    uint32_t all = (1u << p->rank) - 1u;
    for (uint32_t i = 0; i < pl->n; i++) {
        int k = kop_of[i];
        kp_kop *q = &p->kops[k];
        if (q->op != KP_NODE || q->node != pl->nodes[i]) continue;
        uint32_t level = (p->rmask == 0 || q->full) ? all : all & ~p->rmask;
        const kmap *m = &pl->maps[i];
        for (int d = 0; d < p->rank; d++) {
            if (!((level >> d) & 1u) || p->dims[d] <= 1) continue;
            bool used = false;
            for (int j = 0; j < val(pl, q->value)->shape.rank; j++) used |= m->c[j][d] != 0;
            if (!used) q->recompute = true;
        }
        if (q->recompute && q->cost > 2)
            return fail(pl, "fusing would compute %s again for every element it broadcasts to",
                        ic_op_get(gnode(pl, i)->op)->name);
    }
    for (uint32_t i = 0; i < pl->n; i++) {
        uint32_t v = gnode(pl, i)->outputs[0];
        if (escapes(pl, v) && !add_store(pl, i, kop_of[i])) return false;
    }
    for (int s = 0; s < p->n_stores; s++) {
        kp_store *st = &p->stores[s];
        st->phase = p->kops[st->kop].need;
        if (st->full && st->phase > last) last = st->phase;
    }
    p->n_phases = last + 1;
    p->inputs = malloc(((size_t)p->n_loads + 1) * sizeof *p->inputs);
    if (!p->inputs) return fail(pl, "out of memory");
    for (int i = 0; i < p->n_kops; i++) {
        if (p->kops[i].op != KP_LOAD) continue;
        uint32_t v = p->kops[i].value;
        bool seen = false;
        for (int j = 0; j < p->n_inputs; j++) seen |= p->inputs[j] == v;
        if (!seen) p->inputs[p->n_inputs++] = v;
    }
    return true;
}

bool kp_plan_build(const ic_graph *g, const kp_uses *uses, const uint8_t *in_group, const uint32_t *nodes, uint32_t n,
                   kp_plan *p) {
    memset(p, 0, sizeof *p);
    planner pl = {.g = g, .uses = uses, .in_group = in_group, .nodes = nodes, .n = n, .p = p, .split_dim = -1};
    if (n == 0) return fail(&pl, "empty group");
    p->sink = nodes[n - 1];
    for (uint32_t i = 0; i < n; i++) {
        const ic_node *nd = &g->nodes[nodes[i]];
        if (kp_node_class(g, nd) == KP_CLASS_NONE) return fail(&pl, "%s cannot be fused", ic_op_get(nd->op)->name);
    }
    pl.maps = malloc((size_t)n * sizeof *pl.maps);
    int *kop_of = malloc((size_t)n * sizeof *kop_of);
    bool ok = pl.maps && kop_of && pick_domain(&pl);
    if (!pl.maps || !kop_of) fail(&pl, "out of memory");
    for (int tries = 0; ok; tries++) {
        int r = propagate(&pl);
        if (r > 0) break;
        if (r == 0 || tries > 32) {
            ok = false;
            if (r < 0) fail(&pl, "reshape is not affine in the kernel's loops");
            break;
        }
        apply_split(&pl);
    }
    int *load_kop = ok ? malloc(((size_t)p->n_loads + 1) * sizeof *load_kop) : NULL;
    if (ok && !load_kop) ok = fail(&pl, "out of memory");
    for (int i = 0; ok && i < p->n_loads; i++) load_kop[i] = -1;
    for (uint32_t i = 0; ok && i < n; i++) ok = node_kops(&pl, kop_of, load_kop, i);
    if (ok) ok = finish(&pl, kop_of);
    free(load_kop);
    free(kop_of);
    free(pl.maps);
    free(pl.ul);
    return ok;
}
