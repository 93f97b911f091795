/* onnx_import.c — the ONNX importer's driver (see onnx.h).
 *
 * Order of work: check the wire format, decode the ModelProto with
 * protobuf-c, read the default-domain opset, turn initializers into
 * constants (so graph inputs that are also initializers are constants),
 * declare the remaining graph inputs (static shapes only, or an override),
 * map every node in order through the mapper tables, and finally bind the
 * graph outputs under their ONNX names.
 *
 * A node the tables cannot map is not an immediate error: it is recorded,
 * its results are poisoned (nodes that consume them are skipped silently),
 * and the import goes on, so the one error at the end lists every
 * unsupported op type with its opset and node names. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/onnx_impl.h"
#include "ir/strbuf.h"

#define ONNX_MAX_OPSET 17         /* newest default-domain opset we map */
#define FOLD_LIMIT_DEFAULT ((size_t)64 << 20)
#define UNSUP_MAX_NODES 6         /* node names listed per unsupported op type */

/* --- the name map: open addressing over strings owned by the decoded model ----------- */

struct onnx_name_map {
    const char **keys; /* cap slots, NULL = empty */
    uint32_t *vals;    /* value id per slot */
    size_t cap;        /* a power of two */
    size_t n;          /* used slots */
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool map_grow(onnx_name_map *m) {
    size_t ncap = m->cap ? m->cap * 2 : 256;
    const char **nk = calloc(ncap, sizeof *nk);
    uint32_t *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = hash_str(m->keys[i]) & (ncap - 1);
        while (nk[j]) j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return true;
}

uint32_t onnx_names_get(const onnx_importer *im, const char *name) {
    const onnx_name_map *m = im->names;
    if (!m->cap || !name) return IC_NONE;
    for (size_t i = hash_str(name) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (strcmp(m->keys[i], name) == 0) return m->vals[i];
    return IC_NONE;
}

ic_status onnx_names_put(onnx_importer *im, const char *name, uint32_t v) {
    onnx_name_map *m = im->names;
    if (onnx_names_get(im, name) != IC_NONE)
        return ic_diag_set(im->d, IC_ERR_INVALID, "value '%s' is defined more than once", name);
    if ((m->n + 1) * 2 > m->cap && !map_grow(m)) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
    size_t j = hash_str(name) & (m->cap - 1);
    while (m->keys[j]) j = (j + 1) & (m->cap - 1);
    m->keys[j] = name;
    m->vals[j] = v;
    m->n++;
    return IC_OK;
}

/* --- unsupported ops, collected for the one error ------------------------------------ */

typedef struct unsup_op {
    const char *op_type;  /* ONNX op type */
    const char *domain;   /* "" for the default domain */
    int64_t opset;        /* that domain's opset version */
    uint32_t n_nodes;     /* nodes using it */
    ic_strbuf nodes;      /* first few node labels, ", "-separated */
    char reason[256];     /* first reason a mapper gave, "" if the op is unknown */
} unsup_op;

typedef struct unsup_list {
    unsup_op *ops; /* in order of first appearance */
    size_t n;      /* used entries */
    size_t cap;    /* allocated entries */
} unsup_list;

static ic_status unsup_add(unsup_list *l, const char *op_type, const char *domain, int64_t opset, const char *label,
                           const char *reason, ic_diag *d) {
    unsup_op *u = NULL;
    for (size_t i = 0; i < l->n && !u; i++)
        if (strcmp(l->ops[i].op_type, op_type) == 0 && strcmp(l->ops[i].domain, domain) == 0) u = &l->ops[i];
    if (!u) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 8;
            unsup_op *nu = realloc(l->ops, ncap * sizeof *nu);
            if (!nu) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory");
            l->ops = nu;
            l->cap = ncap;
        }
        u = &l->ops[l->n++];
        memset(u, 0, sizeof *u);
        u->op_type = op_type;
        u->domain = domain;
        u->opset = opset;
        ic_strbuf_init(&u->nodes);
        snprintf(u->reason, sizeof u->reason, "%s", reason ? reason : "");
    }
    if (u->n_nodes < UNSUP_MAX_NODES) ic_strbuf_printf(&u->nodes, "%s%s", u->n_nodes ? ", " : "", label);
    else if (u->n_nodes == UNSUP_MAX_NODES) ic_strbuf_puts(&u->nodes, ", ...");
    u->n_nodes++;
    return IC_OK;
}

static void unsup_free(unsup_list *l) {
    for (size_t i = 0; i < l->n; i++) ic_strbuf_free(&l->ops[i].nodes);
    free(l->ops);
}

/* "unsupported ONNX ops: LSTM (opset 14; nodes a, b), Pad (opset 13; node p: pads must be a constant)" */
static ic_status unsup_report(const unsup_list *l, ic_diag *d) {
    ic_strbuf b;
    ic_strbuf_init(&b);
    ic_strbuf_puts(&b, "unsupported ONNX ops: ");
    for (size_t i = 0; i < l->n; i++) {
        const unsup_op *u = &l->ops[i];
        ic_strbuf_printf(&b, "%s%s%s%s (opset %lld; node%s %s%s%s)", i ? ", " : "", u->domain, u->domain[0] ? "." : "",
                         u->op_type, (long long)u->opset, u->n_nodes > 1 ? "s" : "", ic_strbuf_str(&u->nodes),
                         u->reason[0] ? ": " : "", u->reason);
    }
    ic_status s = ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s", ic_strbuf_ok(&b) ? ic_strbuf_str(&b) : "unsupported ONNX ops");
    ic_strbuf_free(&b);
    return s;
}

/* --- mapper lookup --------------------------------------------------------------------- */

static onnx_map_fn find_mapper(const char *op_type) {
    static const onnx_op_entry *const tables[] = {ic_onnx_ops_math, ic_onnx_ops_nn, ic_onnx_ops_shape,
                                                  ic_onnx_ops_misc, ic_onnx_ops_einsum};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const onnx_op_entry *e = tables[t]; e->op_type; e++)
            if (strcmp(e->op_type, op_type) == 0) return e->map;
    return NULL;
}

static bool is_default_domain(const char *domain) {
    return !domain || !domain[0] || strcmp(domain, "ai.onnx") == 0;
}

static int64_t domain_opset(const Onnx__ModelProto *m, const char *domain) {
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        const char *dom = o->domain ? o->domain : "";
        if (is_default_domain(domain) ? is_default_domain(dom) : strcmp(dom, domain) == 0)
            return o->has_version ? o->version : 1;
    }
    return 0;
}

/* --- inputs and initializers -------------------------------------------------------------- */

static ic_status add_initializer(onnx_importer *im, const Onnx__TensorProto *t) {
    if (!t->name || !t->name[0]) return ic_diag_set(im->d, IC_ERR_INVALID, "an initializer has no name");
    ic_dtype dt;
    ic_shape s;
    IC_TRY(ic_onnx_tensor_type(t, im->demote_f64, &dt, &s, im->d));
    ic_graph *g = im->g;
    size_t nbytes = ic_shape_numel(&s) * ic_dtype_size(dt);
    IC_TRY(ic_onnx_tensor_fill(t, im->base_dir, dt, NULL, nbytes, im->d));
    uint32_t node = ic_graph_add_node(g, IC_OP_CONSTANT, NULL, 0, 1, NULL, 0);
    if (node == IC_NONE) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
    uint32_t v = g->nodes[node].outputs[0];
    g->values[v].dtype = dt;
    g->values[v].shape = s;
    void *data = ic_arena_alloc(g->arena, nbytes ? nbytes : 1);
    char *name = ic_graph_strdup(g, t->name);
    if (!data || !name) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory for initializer '%s' (%zu bytes)", t->name, nbytes);
    IC_TRY(ic_onnx_tensor_fill(t, im->base_dir, dt, data, nbytes, im->d));
    g->values[v].data = data;
    g->values[v].name = name;
    return onnx_names_put(im, t->name, v);
}

static const ic_onnx_input_shape *find_override(const ic_onnx_options *opt, const char *name) {
    for (uint32_t i = 0; opt && i < opt->n_input_shapes; i++)
        if (opt->input_shapes[i].name && strcmp(opt->input_shapes[i].name, name) == 0) return &opt->input_shapes[i];
    return NULL;
}

static const ic_onnx_binding *find_binding(const ic_onnx_options *opt, const char *name) {
    for (uint32_t i = 0; opt && i < opt->n_bindings; i++)
        if (opt->bindings[i].name && opt->bindings[i].value && strcmp(opt->bindings[i].name, name) == 0)
            return &opt->bindings[i];
    return NULL;
}

/* A bound input: a constant with the given value (its dtype must match the declared one). */
static ic_status add_bound_input(onnx_importer *im, const char *name, ic_dtype declared, const ic_tensor *t) {
    if (t->dtype != declared)
        return ic_diag_set(im->d, IC_ERR_USAGE, "the value bound to input '%s' is %s, the input is %s", name,
                           ic_dtype_name(t->dtype), ic_dtype_name(declared));
    uint32_t v = ic_graph_add_constant(im->g, name, t->dtype, &t->shape, t->data);
    if (v == IC_NONE) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
    return onnx_names_put(im, name, v);
}

static ic_status add_input(onnx_importer *im, const Onnx__ValueInfoProto *vi, const ic_onnx_options *opt) {
    const char *name = vi->name;
    if (!name || !name[0]) return ic_diag_set(im->d, IC_ERR_INVALID, "a graph input has no name");
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "graph input '%s' is not a tensor (sequences, maps and optionals are not supported)", name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    int32_t et = tt->has_elem_type ? tt->elem_type : 0;
    ic_dtype dt = ic_onnx_dtype(et, im->demote_f64);
    if (dt == IC_DT_INVALID)
        return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "graph input '%s' has element type %s, which inductc does not support",
                           name, ic_onnx_dtype_name(et));
    const ic_onnx_binding *b = find_binding(opt, name);
    if (b) return add_bound_input(im, name, dt, b->value);
    ic_shape s = {.rank = 0};
    const ic_onnx_input_shape *ov = find_override(opt, name);
    if (ov) {
        s = ov->shape;
    } else {
        const Onnx__TensorShapeProto *sp = tt->shape;
        if (!sp)
            return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "graph input '%s' has no shape; give one with --input-shape %s=D0,D1,...",
                               name, name);
        if (sp->n_dim > IC_MAX_RANK)
            return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "graph input '%s' has rank %zu (at most %d supported)", name,
                               sp->n_dim, IC_MAX_RANK);
        s.rank = (int32_t)sp->n_dim;
        for (size_t i = 0; i < sp->n_dim; i++) {
            const Onnx__TensorShapeProto__Dimension *dim = sp->dim[i];
            if (dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
                const char *param = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? dim->dim_param : "";
                return ic_diag_set(im->d, IC_ERR_UNSUPPORTED,
                                   "graph input '%s' has a dynamic dim %zu ('%s'); give a static shape with --input-shape %s=D0,D1,...",
                                   name, i, param ? param : "", name);
            }
            if (dim->dim_value < 0 || dim->dim_value > ((int64_t)1 << 40))
                return ic_diag_set(im->d, IC_ERR_INVALID, "graph input '%s' has an invalid dim %lld", name,
                                   (long long)dim->dim_value);
            s.dims[i] = dim->dim_value;
        }
    }
    uint32_t v = ic_graph_add_input(im->g, name, dt, &s);
    if (v == IC_NONE) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
    return onnx_names_put(im, name, v);
}

/* --- nodes ------------------------------------------------------------------------------------- */

static const char *node_label(const Onnx__NodeProto *np) {
    if (np->name && np->name[0]) return np->name;
    for (size_t i = 0; i < np->n_output; i++)
        if (np->output[i] && np->output[i][0]) return np->output[i];
    return "(unnamed)";
}

static ic_status poison_outputs(onnx_importer *im, const Onnx__NodeProto *np) {
    for (size_t i = 0; i < np->n_output; i++)
        if (np->output[i] && np->output[i][0]) IC_TRY(onnx_names_put(im, np->output[i], ONNX_POISON));
    return IC_OK;
}

static ic_status map_node(onnx_importer *im, const Onnx__ModelProto *m, const Onnx__NodeProto *np, unsup_list *unsup) {
    const char *label = node_label(np);
    const char *op_type = np->op_type ? np->op_type : "";
    const char *domain = np->domain ? np->domain : "";
    if (np->n_input > ONNX_MAX_IO || np->n_output > ONNX_MAX_IO)
        return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "node '%s' (%s) has too many inputs or outputs", label, op_type);
    uint32_t in[ONNX_MAX_IO ? ONNX_MAX_IO : 1];
    uint32_t n_in = 0;
    bool poisoned = false;
    for (size_t i = 0; i < np->n_input; i++) {
        const char *nm = np->input[i];
        if (!nm || !nm[0]) {
            in[i] = IC_NONE;
            continue;
        }
        uint32_t v = onnx_names_get(im, nm);
        if (v == IC_NONE)
            return ic_diag_set(im->d, IC_ERR_INVALID,
                               "node '%s' (%s): input '%s' is not a graph input, an initializer or the result of an earlier node",
                               label, op_type, nm);
        if (v == ONNX_POISON) poisoned = true;
        in[i] = v;
        n_in = (uint32_t)i + 1;
    }
    onnx_map_fn fn = is_default_domain(domain) && op_type[0] ? find_mapper(op_type) : NULL;
    /* downstream of an unsupported node: report it only if its op is unknown too */
    if (poisoned && fn) return poison_outputs(im, np);
    if (!fn) {
        IC_TRY(unsup_add(unsup, op_type, is_default_domain(domain) ? "" : domain, domain_opset(m, domain), label, NULL,
                         im->d));
        return poison_outputs(im, np);
    }
    onnx_node n = {.im = im, .p = np, .label = label, .n_in = n_in, .in = in};
    ic_status s = fn(&n);
    if (s == IC_ERR_UNSUPPORTED) {
        IC_TRY(unsup_add(unsup, op_type, "", im->opset, label, n.reason[0] ? n.reason : im->d->msg, im->d));
        ic_diag_clear(im->d);
        /* results already bound stay bound; the rest are poisoned */
        for (size_t i = 0; i < np->n_output; i++)
            if (np->output[i] && np->output[i][0] && onnx_names_get(im, np->output[i]) == IC_NONE)
                IC_TRY(onnx_names_put(im, np->output[i], ONNX_POISON));
        return IC_OK;
    }
    if (s != IC_OK) {
        ic_diag_prefix(im->d, "node '%s' (%s)", label, op_type);
        return s;
    }
    for (size_t i = 0; i < np->n_output; i++)
        if (np->output[i] && np->output[i][0] && onnx_names_get(im, np->output[i]) == IC_NONE)
            return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "node '%s' (%s): result %zu ('%s') is not supported", label,
                               op_type, i, np->output[i]);
    return IC_OK;
}

/* --- outputs ------------------------------------------------------------------------------------- */

static bool is_output(const ic_graph *g, uint32_t v) {
    for (uint32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

static ic_status add_output(onnx_importer *im, const Onnx__ValueInfoProto *vi) {
    const char *name = vi->name;
    if (!name || !name[0]) return ic_diag_set(im->d, IC_ERR_INVALID, "a graph output has no name");
    uint32_t v = onnx_names_get(im, name);
    if (v == IC_NONE)
        return ic_diag_set(im->d, IC_ERR_INVALID, "graph output '%s' is not produced by any node, initializer or input", name);
    ic_graph *g = im->g;
    const ic_value val = g->values[v]; /* a copy: adding nodes moves the array */
    if (val.kind != IC_VALUE_NODE || !val.name || strcmp(val.name, name) != 0 || is_output(g, v)) {
        /* the output aliases another named value: give it a value of its own */
        Onnx__NodeProto fake = ONNX__NODE_PROTO__INIT;
        onnx_node n = {.im = im, .p = &fake, .label = name};
        uint32_t c;
        if (onnx_is_const(im, v))
            IC_TRY(onnx_const(&n, val.dtype, &val.shape, val.data, &c));
        else
            IC_TRY(onnx_copy(&n, v, &c));
        char *copy = ic_graph_strdup(g, name);
        if (!copy) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
        g->values[c].name = copy;
        v = c;
    }
    if (!ic_graph_add_output(g, v)) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory");
    return IC_OK;
}

/* --- the import ------------------------------------------------------------------------------------ */

static ic_status import_model(onnx_importer *im, const Onnx__ModelProto *m, const ic_onnx_options *opt) {
    const Onnx__GraphProto *gp = m->graph;
    if (!gp) return ic_diag_set(im->d, IC_ERR_INVALID, "the model has no graph");
    im->opset = domain_opset(m, "");
    if (im->opset <= 0) im->opset = 1; /* only other domains: their nodes are reported unsupported */
    if (im->opset > ONNX_MAX_OPSET)
        return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "ai.onnx opset %lld is newer than the newest supported (%d)",
                           (long long)im->opset, ONNX_MAX_OPSET);
    if (gp->n_sparse_initializer)
        return ic_diag_set(im->d, IC_ERR_UNSUPPORTED, "sparse initializers are not supported");
    for (size_t i = 0; i < gp->n_initializer; i++) IC_TRY(add_initializer(im, gp->initializer[i]));
    for (uint32_t i = 0; opt && i < opt->n_input_shapes; i++) {
        bool found = false;
        for (size_t j = 0; j < gp->n_input && !found; j++)
            found = gp->input[j]->name && opt->input_shapes[i].name && strcmp(gp->input[j]->name, opt->input_shapes[i].name) == 0;
        if (!found)
            return ic_diag_set(im->d, IC_ERR_USAGE, "--input-shape names '%s', which is not a graph input",
                               opt->input_shapes[i].name ? opt->input_shapes[i].name : "");
    }
    for (size_t i = 0; i < gp->n_input; i++) {
        const char *name = gp->input[i]->name;
        if (name && onnx_names_get(im, name) != IC_NONE) continue; /* an initializer: a constant */
        IC_TRY(add_input(im, gp->input[i], opt));
    }
    unsup_list unsup = {0};
    ic_status s = IC_OK;
    for (size_t i = 0; i < gp->n_node && s == IC_OK; i++) s = map_node(im, m, gp->node[i], &unsup);
    if (s == IC_OK && unsup.n) s = unsup_report(&unsup, im->d);
    unsup_free(&unsup);
    IC_TRY(s);
    if (!gp->n_output) return ic_diag_set(im->d, IC_ERR_INVALID, "the graph has no outputs");
    for (size_t i = 0; i < gp->n_output; i++) IC_TRY(add_output(im, gp->output[i]));
    return IC_OK;
}

static void dir_of(const char *path, char *out, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

ic_status ic_onnx_import(const uint8_t *data, size_t len, const char *path, const ic_onnx_options *opt,
                         const ic_allocator *alloc, ic_graph **out_graph, ic_diag *d) {
    *out_graph = NULL;
    const char *what = path ? path : "model";
    ic_status s = ic_onnx_wire_check(data, len, d);
    if (s != IC_OK) {
        ic_diag_prefix(d, "%s: invalid ONNX model", what);
        return s;
    }
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
    if (!m) return ic_diag_set(d, IC_ERR_PARSE, "%s: invalid ONNX model (protobuf decoding failed)", what);
    const char *gname = m->graph && m->graph->name && m->graph->name[0] ? m->graph->name : "model";
    ic_graph *g;
    s = ic_graph_create(alloc, gname, &g);
    if (s != IC_OK) {
        onnx__model_proto__free_unpacked(m, NULL);
        return ic_diag_set(d, s, "%s: out of memory", what);
    }
    char base_dir[4096];
    if (path) dir_of(path, base_dir, sizeof base_dir);
    onnx_name_map names = {0};
    onnx_importer im = {
        .g = g,
        .d = d,
        .path = what,
        .base_dir = path ? base_dir : NULL,
        .fold_limit = opt && opt->fold_limit ? opt->fold_limit : FOLD_LIMIT_DEFAULT,
        .demote_f64 = opt && opt->demote_f64,
        .names = &names,
    };
    s = import_model(&im, m, opt);
    if (s == IC_OK) s = ic_verify(g, d);
    free(names.keys);
    free(names.vals);
    onnx__model_proto__free_unpacked(m, NULL);
    if (s != IC_OK) {
        ic_diag_prefix(d, "%s", what);
        ic_graph_destroy(g);
        return s;
    }
    *out_graph = g;
    return IC_OK;
}

ic_status ic_onnx_import_file(const char *path, const ic_onnx_options *opt, const ic_allocator *alloc,
                              ic_graph **out_graph, ic_diag *d) {
    *out_graph = NULL;
    uint8_t *buf;
    size_t len;
    IC_TRY(ic_onnx_read_file(path, &buf, &len, d));
    ic_status s = ic_onnx_import(buf, len, path, opt, alloc, out_graph, d);
    free(buf);
    return s;
}
