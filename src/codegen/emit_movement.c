/* emit_movement.c — ops that move elements without arithmetic: views that
 * must copy (their result is a graph output), transpose, expand, slice,
 * concat, split and gather, for every dtype.
 *
 * All but gather are one strided copy per piece through the loop-nest
 * emitter (an input read with permuted, broadcast or stepped strides); the
 * simplifier turns the easy cases into contiguous block copies. gather checks
 * every index first and fails the run with a message, never reads out of
 * bounds. */
#include <stdio.h>
#include <string.h>

#include "codegen/cg.h"

/* Adds a read operand "inK" and a written "outJ" of dtype t to nest. */
static void copy_nest(cg_nest *nest, const ic_shape *space, ic_dtype t, unsigned in_k, const int64_t *in_strides,
                      int64_t in_base, unsigned out_k, const int64_t *out_strides, int64_t out_base) {
    memset(nest, 0, sizeof *nest);
    nest->space = *space;
    cg_operand *a = &nest->ops[0], *y = &nest->ops[1];
    snprintf(a->ptr, sizeof a->ptr, "in%u", in_k);
    snprintf(a->lanes, sizeof a->lanes, "a0");
    a->dtype = t;
    memcpy(a->strides, in_strides, sizeof a->strides);
    a->base = in_base;
    snprintf(y->ptr, sizeof y->ptr, "out%u", out_k);
    snprintf(y->lanes, sizeof y->lanes, "y");
    y->dtype = t;
    memcpy(y->strides, out_strides, sizeof y->strides);
    y->base = out_base;
    y->store = true;
    nest->n_ops = 2;
}

#define COPY_BODY "            IC_LANES(l) y[l] = a0[l];\n"

/* out (dense, shape of the result) = in read through strides/base. */
static void emit_strided(cg_ctx *c, const ic_value *out, const int64_t *in_strides, int64_t in_base) {
    int64_t os[IC_MAX_RANK];
    cg_dense_strides(&out->shape, os);
    cg_nest nest;
    copy_nest(&nest, &out->shape, out->dtype, 0, in_strides, in_base, 0, os, 0);
    cg_emit_nest(&c->kern, &nest, COPY_BODY);
}

static ic_status emit_transpose(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    int r = x->shape.rank;
    uint32_t k;
    const int64_t *perm = ic_attr_ints(n, "perm", &k);
    int64_t xs[IC_MAX_RANK], st[IC_MAX_RANK] = {0};
    cg_dense_strides(&x->shape, xs);
    for (int i = 0; i < r; i++) {
        int64_t p = perm ? perm[i] : r - 1 - i;
        if (p < 0) p += r;
        st[i] = xs[p];
    }
    emit_strided(c, out, st, 0);
    return IC_OK;
}

static ic_status emit_slice(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    uint32_t ns, na, nst, ne;
    const int64_t *starts = ic_attr_ints(n, "starts", &ns);
    ic_attr_ints(n, "ends", &ne);
    const int64_t *axes = ic_attr_ints(n, "axes", &na);
    const int64_t *steps = ic_attr_ints(n, "steps", &nst);
    int64_t xs[IC_MAX_RANK], st[IC_MAX_RANK] = {0}, base = 0;
    cg_dense_strides(&x->shape, xs);
    memcpy(st, xs, sizeof st);
    for (uint32_t i = 0; i < ns; i++) {
        int32_t a;
        if (!ic_axis_normalize(axes ? axes[i] : (int64_t)i, x->shape.rank, &a))
            return ic_diag_set(c->d, IC_ERR_INVALID, "slice: axis out of range");
        int64_t dim = x->shape.dims[a], step = steps ? steps[i] : 1, s = starts[i];
        if (s < 0) s += dim;
        if (step > 0)
            s = s < 0 ? 0 : s > dim ? dim : s;
        else
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
        base += s * xs[a];
        st[a] = step * xs[a];
    }
    emit_strided(c, out, st, base);
    return IC_OK;
}

/* concat (pieces = inputs) and split (pieces = outputs) along axis. */
static ic_status emit_concat_split(cg_ctx *c, const ic_node *n, bool concat) {
    const ic_value *whole = cg_val(c, concat ? n->outputs[0] : n->inputs[0]);
    int32_t axis;
    if (!ic_axis_normalize(ic_attr_int(n, "axis", 0), whole->shape.rank, &axis))
        return ic_diag_set(c->d, IC_ERR_INVALID, "%s: axis out of range", ic_op_get(n->op)->name);
    int64_t ws[IC_MAX_RANK];
    cg_dense_strides(&whole->shape, ws);
    uint32_t pieces = concat ? n->n_inputs : n->n_outputs;
    int64_t at = 0;
    for (uint32_t i = 0; i < pieces; i++) {
        const ic_value *p = cg_val(c, concat ? n->inputs[i] : n->outputs[i]);
        int64_t ps[IC_MAX_RANK];
        cg_dense_strides(&p->shape, ps);
        cg_nest nest;
        if (ic_value_numel(p) == 0) {
            if (concat) ic_strbuf_printf(&c->kern, "    (void)in%u; /* empty */\n", i);
            else ic_strbuf_printf(&c->kern, "    (void)out%u; /* empty */\n", i);
        } else if (concat) {
            copy_nest(&nest, &p->shape, p->dtype, i, ps, 0, 0, ws, at * ws[axis]);
            cg_emit_nest(&c->kern, &nest, COPY_BODY);
        } else {
            copy_nest(&nest, &p->shape, p->dtype, 0, ws, at * ws[axis], i, ps, 0);
            cg_emit_nest(&c->kern, &nest, COPY_BODY);
        }
        at += p->shape.dims[axis];
    }
    return IC_OK;
}

static ic_status emit_gather(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *idx = cg_val(c, n->inputs[1]);
    int32_t axis;
    if (!ic_axis_normalize(ic_attr_int(n, "axis", 0), x->shape.rank, &axis))
        return ic_diag_set(c->d, IC_ERR_INVALID, "gather: axis out of range");
    long long outer = 1, inner = 1, len = (long long)x->shape.dims[axis], ni = (long long)ic_value_numel(idx);
    for (int i = 0; i < axis; i++) outer *= x->shape.dims[i];
    for (int i = axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "    for (int64_t i = 0; i < %lld; i++)\n", ni);
    ic_strbuf_printf(b, "        if (in1[i] < %lld || in1[i] >= %lld)\n", -len, len);
    ic_strbuf_printf(b, "            return ic_rt_fail(m->err, sizeof m->err, \"gather %%s: index %%lld out of range for axis %d of size %lld\", ",
                     axis, len);
    cg_c_string(b, label);
    ic_strbuf_puts(b, ", (long long)in1[i]);\n");
    if (outer > 1 && outer * ni * inner >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t o = 0; o < %lld; o++)\n", outer);
    ic_strbuf_printf(b, "        for (int64_t i = 0; i < %lld; i++) {\n", ni);
    ic_strbuf_printf(b, "            const int64_t k = in1[i] < 0 ? (int64_t)in1[i] + %lld : (int64_t)in1[i];\n", len);
    ic_strbuf_printf(b, "            memcpy(out0 + (o * %lld + i) * %lld, in0 + (o * %lld + k) * %lld, %lld);\n", ni, inner,
                     len, inner, inner * (long long)ic_dtype_size(x->dtype));
    ic_strbuf_puts(b, "        }\n    return 0;\n");
    return IC_OK;
}

ic_status cg_emit_movement(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *out = cg_val(c, n->outputs[0]);
    ic_status s = IC_OK;
    if (cg_dnnl_is_layout_transpose(c, n)) return cg_emit_dnnl_reorder(c, gi, n); /* NCHW <-> NHWC */
    if (n->op == IC_OP_GATHER) {
        cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
        s = emit_gather(c, n);
        cg_kernel_end(c);
        return s;
    }
    cg_kernel_begin(c, gi, n, 0);
    switch (n->op) {
    case IC_OP_RESHAPE:
    case IC_OP_SQUEEZE:
    case IC_OP_UNSQUEEZE:
    case IC_OP_FLATTEN:
        ic_strbuf_printf(&c->kern, "    memcpy(out0, in0, %zu);\n", ic_value_nbytes(out));
        break;
    case IC_OP_TRANSPOSE: s = emit_transpose(c, n); break;
    case IC_OP_EXPAND: {
        int64_t st[IC_MAX_RANK];
        cg_bcast_strides(&cg_val(c, n->inputs[0])->shape, &out->shape, st);
        emit_strided(c, out, st, 0);
        break;
    }
    case IC_OP_SLICE: s = emit_slice(c, n); break;
    case IC_OP_CONCAT: s = emit_concat_split(c, n, true); break;
    case IC_OP_SPLIT: s = emit_concat_split(c, n, false); break;
    default:
        s = ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: no movement emitter for %s", ic_op_get(n->op)->name);
        break;
    }
    cg_kernel_end(c);
    return s;
}
