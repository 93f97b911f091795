/* onnx_build.c — the toolkit op mappers build IR with: attribute readers,
 * constants, and onnx_emit, which appends an IR node and folds it at import
 * time when all of its inputs are constants.
 *
 * Folding runs the node through the reference interpreter on a one-node
 * scratch graph and turns its results into constants in place (same value
 * ids), so Shape → Gather → Concat → Reshape chains, constant weight
 * transposes and the like never reach the passes. A result above the fold
 * limit stays a node. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/interp.h"
#include "ir/onnx_impl.h"

/* --- errors ---------------------------------------------------------------------- */

ic_status onnx_unsupported(onnx_node *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->reason, sizeof n->reason, fmt, ap);
    va_end(ap);
    return ic_diag_set(n->im->d, IC_ERR_UNSUPPORTED, "%s", n->reason);
}

ic_status onnx_invalid(onnx_node *n, const char *fmt, ...) {
    char msg[IC_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ic_diag_set(n->im->d, IC_ERR_INVALID, "%s", msg);
}

/* --- inputs and results ------------------------------------------------------------ */

uint32_t onnx_in(const onnx_node *n, uint32_t i) { return i < n->n_in ? n->in[i] : IC_NONE; }

ic_status onnx_req(onnx_node *n, uint32_t i, uint32_t *out_v) {
    *out_v = onnx_in(n, i);
    if (*out_v == IC_NONE) return onnx_invalid(n, "input %u is required", i);
    return IC_OK;
}

const ic_value *onnx_val(const onnx_node *n, uint32_t v) { return &n->im->g->values[v]; }

uint32_t onnx_n_out(const onnx_node *n) { return (uint32_t)n->p->n_output; }

bool onnx_out_used(const onnx_node *n, uint32_t i) {
    return i < n->p->n_output && n->p->output[i] && n->p->output[i][0];
}

ic_status onnx_set_out(onnx_node *n, uint32_t i, uint32_t v) {
    if (!onnx_out_used(n, i)) return IC_OK;
    ic_graph *g = n->im->g;
    const char *name = n->p->output[i];
    IC_TRY(onnx_names_put(n->im, name, v));
    ic_value *val = &g->values[v];
    if (!val->name && val->kind == IC_VALUE_NODE) {
        char *copy = ic_graph_strdup(g, name);
        if (!copy) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory naming %s", name);
        g->values[v].name = copy;
    }
    return IC_OK;
}

/* --- attributes --------------------------------------------------------------------- */

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name) {
    for (size_t i = 0; i < n->p->n_attribute; i++) {
        const Onnx__AttributeProto *a = n->p->attribute[i];
        if (a->name && strcmp(a->name, name) == 0) return a;
    }
    return NULL;
}

int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a) return dflt;
    if (a->has_i) return a->i;
    if (a->has_f && a->f >= -9.2e18f && a->f <= 9.2e18f) return (int64_t)a->f;
    return dflt;
}

double onnx_attr_float(const onnx_node *n, const char *name, double dflt) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a) return dflt;
    if (a->has_f) return a->f;
    if (a->has_i) return (double)a->i;
    return dflt;
}

const char *onnx_attr_str(onnx_node *n, const char *name, const char *dflt) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a || !a->has_s) return dflt;
    char *s = ic_arena_alloc(n->im->g->arena, a->s.len + 1);
    if (!s) return dflt;
    if (a->s.len) memcpy(s, a->s.data, a->s.len);
    s[a->s.len] = '\0';
    return s;
}

bool onnx_attr_ints(const onnx_node *n, const char *name, const int64_t **out, uint32_t *out_n) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    *out = NULL;
    *out_n = 0;
    if (!a || a->n_ints > UINT32_MAX) return false;
    *out = a->ints;
    *out_n = (uint32_t)a->n_ints;
    return true;
}

bool onnx_attr_floats(const onnx_node *n, const char *name, const float **out, uint32_t *out_n) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    *out = NULL;
    *out_n = 0;
    if (!a || a->n_floats > UINT32_MAX) return false;
    *out = a->floats;
    *out_n = (uint32_t)a->n_floats;
    return true;
}

ic_status onnx_need_op(onnx_node *n, const char *name, ic_op *out_op) {
    *out_op = ic_op_from_name(name, strlen(name));
    if (*out_op == IC_OP_COUNT) return onnx_unsupported(n, "needs the IR op '%s', which this build does not have", name);
    return IC_OK;
}

bool onnx_op_has_attr(ic_op op, const char *name) {
    size_t len = strlen(name);
    for (const char *p = ic_op_get(op)->attrs; (p = strstr(p, name)) != NULL; p += len)
        if ((p == ic_op_get(op)->attrs || p[-1] == ' ') && p[len] == ':') return true;
    return false;
}

/* --- constants ------------------------------------------------------------------------ */

bool onnx_is_const(const onnx_importer *im, uint32_t v) {
    const ic_graph *g = im->g;
    if (v >= g->n_values) return false;
    const ic_value *val = &g->values[v];
    return val->kind == IC_VALUE_NODE && val->producer < g->n_nodes && g->nodes[val->producer].op == IC_OP_CONSTANT &&
           val->data;
}

ic_status onnx_const(onnx_node *n, ic_dtype dt, const ic_shape *s, const void *data, uint32_t *out_v) {
    *out_v = ic_graph_add_constant(n->im->g, NULL, dt, s, data);
    if (*out_v == IC_NONE) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory adding a constant");
    return IC_OK;
}

ic_status onnx_const_scalar(onnx_node *n, ic_dtype dt, double x, uint32_t *out_v) {
    uint8_t buf[8] = {0};
    switch (dt) {
    case IC_DT_F32: { float f = (float)x; memcpy(buf, &f, 4); break; }
    case IC_DT_I32: { int32_t i = (int32_t)x; memcpy(buf, &i, 4); break; }
    case IC_DT_I64: { int64_t i = (int64_t)x; memcpy(buf, &i, 8); break; }
    case IC_DT_I8: { int8_t i = (int8_t)x; memcpy(buf, &i, 1); break; }
    case IC_DT_U8: case IC_DT_BOOL: buf[0] = (uint8_t)x; break;
    default: return onnx_unsupported(n, "a %s constant is not supported", ic_dtype_name(dt));
    }
    ic_shape s = {.rank = 0};
    return onnx_const(n, dt, &s, buf, out_v);
}

ic_status onnx_const_i64s(onnx_node *n, const int64_t *v, uint32_t k, uint32_t *out_v) {
    ic_shape s = {.rank = 1, .dims = {k}};
    return onnx_const(n, IC_DT_I64, &s, v, out_v);
}

/* Element i of constant value val as a double. */
static double const_elem(const ic_value *val, size_t i) {
    switch (val->dtype) {
    case IC_DT_F32: return ((const float *)val->data)[i];
    case IC_DT_I32: return ((const int32_t *)val->data)[i];
    case IC_DT_I64: return (double)((const int64_t *)val->data)[i];
    case IC_DT_I8: return ((const int8_t *)val->data)[i];
    case IC_DT_U8: case IC_DT_BOOL: return ((const uint8_t *)val->data)[i];
    case IC_DT_F16: case IC_DT_BF16: return ic_half_to_f64(((const uint16_t *)val->data)[i], val->dtype);
    case IC_DT_INVALID: break;
    }
    return 0;
}

ic_status onnx_const_ints(onnx_node *n, uint32_t v, const char *what, const int64_t **out, uint32_t *out_k) {
    *out = NULL;
    *out_k = 0;
    if (!onnx_is_const(n->im, v)) return onnx_unsupported(n, "%s must be a constant", what);
    const ic_value *val = onnx_val(n, v);
    if (val->dtype != IC_DT_I64 && val->dtype != IC_DT_I32)
        return onnx_invalid(n, "%s must be int32 or int64, got %s", what, ic_dtype_name(val->dtype));
    size_t k = ic_value_numel(val);
    if (k > (1u << 24)) return onnx_invalid(n, "%s has too many elements", what);
    int64_t *o = ic_arena_alloc(n->im->g->arena, (k ? k : 1) * sizeof *o);
    if (!o) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++)
        o[i] = val->dtype == IC_DT_I64 ? ((const int64_t *)val->data)[i] : ((const int32_t *)val->data)[i];
    *out = o;
    *out_k = (uint32_t)k;
    return IC_OK;
}

ic_status onnx_const_doubles(onnx_node *n, uint32_t v, const char *what, const double **out, uint32_t *out_k) {
    *out = NULL;
    *out_k = 0;
    if (!onnx_is_const(n->im, v)) return onnx_unsupported(n, "%s must be a constant", what);
    const ic_value *val = onnx_val(n, v);
    size_t k = ic_value_numel(val);
    if (k > (1u << 24)) return onnx_invalid(n, "%s has too many elements", what);
    double *o = ic_arena_alloc(n->im->g->arena, (k ? k : 1) * sizeof *o);
    if (!o) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) o[i] = const_elem(val, i);
    *out = o;
    *out_k = (uint32_t)k;
    return IC_OK;
}

/* --- emitting and folding ------------------------------------------------------------------- */

static bool is_narrow(ic_dtype t) { return t == IC_DT_I8 || t == IC_DT_U8 || t == IC_DT_F16 || t == IC_DT_BF16; }

/* Evaluates node `node` of g (all inputs constant) with the interpreter on a
 * scratch graph and turns it into constants with the same result ids. */
static ic_status fold_node(onnx_importer *im, uint32_t node) {
    ic_graph *g = im->g;
    ic_node *nd = &g->nodes[node];
    ic_graph *t;
    if (ic_graph_create(NULL, "fold", &t) != IC_OK) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
    ic_status s = IC_OK;
    uint32_t nin = nd->n_inputs, nout = nd->n_outputs;
    uint32_t *tin = calloc(nin + 1, sizeof *tin);
    ic_tensor *ins = calloc(nin + 1, sizeof *ins), *outs = calloc(nout, sizeof *outs);
    if (!tin || !ins || !outs) s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
    for (uint32_t i = 0; s == IC_OK && i < nin; i++) {
        const ic_value *v = &g->values[nd->inputs[i]];
        char name[32];
        snprintf(name, sizeof name, "in%u", i);
        tin[i] = ic_graph_add_input(t, name, v->dtype, &v->shape);
        if (tin[i] == IC_NONE) s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
        ins[i] = (ic_tensor){.dtype = v->dtype, .shape = v->shape, .data = (void *)v->data};
    }
    uint32_t tn = IC_NONE;
    if (s == IC_OK) {
        tn = ic_graph_add_node(t, nd->op, tin, nin, nout, nd->attrs, nd->n_attrs);
        if (tn == IC_NONE) s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
    }
    if (s == IC_OK) s = ic_infer_node(t, tn, im->d);
    for (uint32_t k = 0; s == IC_OK && k < nout; k++) {
        char name[32];
        snprintf(name, sizeof name, "out%u", k);
        uint32_t v = t->nodes[tn].outputs[k];
        t->values[v].name = ic_graph_strdup(t, name);
        if (!t->values[v].name || !ic_graph_add_output(t, v)) s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
    }
    if (s == IC_OK) s = ic_interp_run(t, ins, outs, im->d);
    if (s == IC_OK) {
        /* results become constants: the node itself holds result 0, new
         * constant nodes (appended, so still before any use) the others */
        for (uint32_t k = 0; s == IC_OK && k < nout; k++) {
            uint32_t v = g->nodes[node].outputs[k];
            void *copy = ic_arena_dup(g->arena, outs[k].data, ic_tensor_nbytes(&outs[k]) ? ic_tensor_nbytes(&outs[k]) : 1);
            if (!copy) {
                s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
                break;
            }
            g->values[v].data = copy;
            if (k == 0) continue;
            uint32_t cn = ic_graph_add_node(g, IC_OP_CONSTANT, NULL, 0, 0, NULL, 0);
            if (cn == IC_NONE) {
                s = ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory folding");
                break;
            }
            g->nodes[cn].outputs[0] = v;
            g->nodes[cn].n_outputs = 1;
            g->values[v].producer = cn;
            g->values[v].index = 0;
        }
        if (s == IC_OK) {
            nd = &g->nodes[node];
            nd->op = IC_OP_CONSTANT;
            nd->n_inputs = 0;
            nd->n_attrs = 0;
            nd->n_outputs = 1;
        }
    }
    for (uint32_t k = 0; k < nout && outs; k++) ic_tensor_free(&outs[k]);
    free(outs);
    free(ins);
    free(tin);
    ic_graph_destroy(t);
    return s;
}

ic_status onnx_emit_multi(onnx_node *n, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                          uint32_t n_attrs, uint32_t n_out, uint32_t *out_v) {
    onnx_importer *im = n->im;
    ic_graph *g = im->g;
    for (uint32_t i = 0; i < n_in; i++)
        IC_ASSERT(in[i] < g->n_values);
    uint32_t node = ic_graph_add_node(g, op, in, n_in, n_out, attrs, n_attrs);
    if (node == IC_NONE) return ic_diag_set(im->d, IC_ERR_NOMEM, "out of memory adding %s", ic_op_get(op)->name);
    ic_status s = ic_infer_node(g, node, im->d);
    if (s != IC_OK) {
        g->n_nodes--; /* drop the node; its result ids stay unused */
        for (uint32_t i = 0; i < n_in; i++)
            if (is_narrow(g->values[in[i]].dtype)) return onnx_unsupported(n, "%s", im->d->msg);
        for (uint32_t i = 0; op == IC_OP_CAST && i < n_attrs; i++)
            if (attrs[i].kind == IC_ATTR_STRING && strcmp(attrs[i].name, "to") == 0 &&
                is_narrow(ic_dtype_from_name(attrs[i].s, strlen(attrs[i].s))))
                return onnx_unsupported(n, "%s", im->d->msg);
        return s;
    }
    bool all_const = n_in > 0, empty = true;
    size_t bytes = 0;
    for (uint32_t i = 0; i < n_in && all_const; i++) all_const = onnx_is_const(im, in[i]);
    for (uint32_t k = 0; k < n_out; k++) {
        size_t nb = ic_value_nbytes(&g->values[g->nodes[node].outputs[k]]);
        bytes += nb;
        empty = empty && nb == 0;
    }
    if (all_const && empty) {
        /* nothing to compute (and the interpreter may walk huge outer dims of an empty result) */
        for (uint32_t k = 0; k < n_out; k++) {
            uint32_t v = g->nodes[node].outputs[k];
            ic_shape s0 = g->values[v].shape;
            ic_dtype dt = g->values[v].dtype;
            uint8_t dummy[8] = {0};
            IC_TRY(onnx_const(n, dt, &s0, dummy, &out_v[k]));
        }
        return IC_OK;
    }
    if (all_const && bytes <= im->fold_limit) IC_TRY(fold_node(im, node));
    for (uint32_t k = 0; k < n_out; k++) out_v[k] = g->nodes[node].outputs[k];
    /* fold_node may have moved result k > 0 to a new node; the ids are unchanged */
    return IC_OK;
}

ic_status onnx_emit(onnx_node *n, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                    uint32_t n_attrs, uint32_t *out_v) {
    return onnx_emit_multi(n, op, in, n_in, attrs, n_attrs, 1, out_v);
}

ic_status onnx_emit1(onnx_node *n, ic_op op, uint32_t a, const ic_attr *attrs, uint32_t n_attrs, uint32_t *out_v) {
    return onnx_emit(n, op, &a, 1, attrs, n_attrs, out_v);
}

ic_status onnx_emit2(onnx_node *n, ic_op op, uint32_t a, uint32_t b, uint32_t *out_v) {
    uint32_t in[2] = {a, b};
    return onnx_emit(n, op, in, 2, NULL, 0, out_v);
}

/* --- common compositions ------------------------------------------------------------------ */

ic_status onnx_reshape(onnx_node *n, uint32_t x, const int64_t *dims, int32_t rank, uint32_t *out_v) {
    const ic_value *v = onnx_val(n, x);
    if (v->shape.rank == rank && memcmp(v->shape.dims, dims, (size_t)rank * sizeof *dims) == 0) {
        *out_v = x;
        return IC_OK;
    }
    ic_attr a = ic_attr_make_ints("shape", dims, (uint32_t)rank);
    return onnx_emit1(n, IC_OP_RESHAPE, x, &a, 1, out_v);
}

ic_status onnx_cast(onnx_node *n, uint32_t x, ic_dtype to, uint32_t *out_v) {
    if (onnx_val(n, x)->dtype == to) {
        *out_v = x;
        return IC_OK;
    }
    ic_attr a = ic_attr_make_string("to", ic_dtype_name(to));
    return onnx_emit1(n, IC_OP_CAST, x, &a, 1, out_v);
}

ic_status onnx_copy(onnx_node *n, uint32_t x, uint32_t *out_v) {
    const ic_value *v = onnx_val(n, x);
    ic_shape s = v->shape;
    ic_attr a = ic_attr_make_ints("shape", s.dims, (uint32_t)s.rank);
    /* not through onnx_emit: a copy of a constant must stay a node of its own */
    ic_graph *g = n->im->g;
    uint32_t node = ic_graph_add_node(g, IC_OP_RESHAPE, &x, 1, 1, &a, 1);
    if (node == IC_NONE) return ic_diag_set(n->im->d, IC_ERR_NOMEM, "out of memory");
    IC_TRY(ic_infer_node(g, node, n->im->d));
    *out_v = g->nodes[node].outputs[0];
    return IC_OK;
}
