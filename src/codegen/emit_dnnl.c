/* emit_dnnl.c — library ops (conv2d, matmul, gemm) as oneDNN primitives.
 *
 * Each node gets one primitive slot in the instance. create() builds it from
 * a static descriptor, passing constant weights (a value whose buffer is in
 * the weights blob, possibly through a view) so the runtime prepacks them;
 * the kernel function only executes it on this run's buffers. Numpy matmul
 * rules (1-D promotion, batch broadcasting) and Gemm's transposes become
 * dims and strides of the descriptor; Gemm's beta*C is written into the
 * output first and folded in by a sum post-op, alpha by output scales. */
#include <stdio.h>
#include <string.h>

#include "codegen/cg.h"

/* The constant-data pointer for v in create(), or "NULL" when v is computed at run time. */
static void const_arg(cg_ctx *c, uint32_t v, ic_strbuf *b) {
    if (c->bufs[cg_root(c, v)].kind == CG_STORE_CONST)
        cg_ptr_expr(c, v, false, b);
    else
        ic_strbuf_puts(b, "NULL");
}

static void dims_list(ic_strbuf *b, const int64_t *v, int n) {
    ic_strbuf_puts(b, "{");
    for (int i = 0; i < n; i++) ic_strbuf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
    ic_strbuf_puts(b, "}");
}

static ic_status emit_conv(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *w = cg_val(c, n->inputs[1]), *out = cg_val(c, n->outputs[0]);
    bool has_bias = n->n_inputs == 3;
    ic_conv_params p;
    IC_TRY(ic_conv_params_get(n, &p, c->d));
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: conv2d */\n        static const ic_rt_conv_desc d = {\n            .src = ", gi);
    dims_list(cr, x->shape.dims, 4);
    ic_strbuf_puts(cr, ", .weights = ");
    dims_list(cr, w->shape.dims, 4);
    ic_strbuf_puts(cr, ", .dst = ");
    dims_list(cr, out->shape.dims, 4);
    ic_strbuf_puts(cr, ",\n            .strides = ");
    dims_list(cr, p.strides, 2);
    ic_strbuf_puts(cr, ", .dilations = ");
    dims_list(cr, p.dilations, 2);
    ic_strbuf_puts(cr, ", .pad_l = ");
    dims_list(cr, p.pads, 2);
    ic_strbuf_puts(cr, ", .pad_r = ");
    dims_list(cr, p.pads + 2, 2);
    ic_strbuf_printf(cr, ", .group = %lld, .has_bias = %d};\n", (long long)p.group, has_bias);
    ic_strbuf_puts(cr, "        if (ic_rt_conv_create(m->dnnl, &d, ");
    const_arg(c, n->inputs[1], cr);
    ic_strbuf_puts(cr, ", ");
    if (has_bias)
        const_arg(c, n->inputs[2], cr);
    else
        ic_strbuf_puts(cr, "NULL");
    ic_strbuf_printf(cr, ", &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n    }\n", k);

    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf_printf(&c->kern, "    return ic_rt_conv_run(m->dnnl, m->prim[%u], in0, in1, %s, out0, m->err, sizeof m->err);\n",
                     k, has_bias ? "in2" : "NULL");
    cg_kernel_end(c);
    return IC_OK;
}

/* A matmul descriptor's operand: dims padded on the left to nd, with strides. */
typedef struct mm_operand {
    int64_t dims[IC_MAX_RANK + 2];    /* logical dims */
    int64_t strides[IC_MAX_RANK + 2]; /* element strides */
} mm_operand;

static void mm_dense(mm_operand *o, const int64_t *dims, int rank, int nd) {
    int pad = nd - rank;
    for (int i = 0; i < nd; i++) o->dims[i] = i < pad ? 1 : dims[i - pad];
    int64_t s = 1;
    for (int i = nd - 1; i >= 0; i--) {
        o->strides[i] = s;
        s *= o->dims[i];
    }
}

/* Appends creation of a matmul primitive to create() and returns its slot. */
static uint32_t create_matmul(cg_ctx *c, uint32_t gi, const char *what, int nd, const mm_operand *a, const mm_operand *b,
                              const int64_t *dst, double alpha, double beta, uint32_t b_value) {
    uint32_t k = c->n_prims++;
    ic_strbuf *cr = &c->create;
    ic_strbuf_printf(cr, "    { /* group %u: %s */\n        static const ic_rt_matmul_desc d = {\n", gi, what);
    ic_strbuf_printf(cr, "            .ndims = %d,\n            .a_dims = ", nd);
    dims_list(cr, a->dims, nd);
    ic_strbuf_puts(cr, ", .a_strides = ");
    dims_list(cr, a->strides, nd);
    ic_strbuf_puts(cr, ",\n            .b_dims = ");
    dims_list(cr, b->dims, nd);
    ic_strbuf_puts(cr, ", .b_strides = ");
    dims_list(cr, b->strides, nd);
    ic_strbuf_puts(cr, ",\n            .dst_dims = ");
    dims_list(cr, dst, nd);
    ic_strbuf_puts(cr, ", .alpha = (float)");
    cg_double_lit(cr, alpha);
    ic_strbuf_puts(cr, ", .beta = (float)");
    cg_double_lit(cr, beta);
    ic_strbuf_puts(cr, "};\n        if (ic_rt_matmul_create(m->dnnl, &d, ");
    const_arg(c, b_value, cr);
    ic_strbuf_printf(cr, ", &m->prim[%u], err, IC_ERR_SIZE)) return 1;\n    }\n", k);
    return k;
}

static ic_status emit_matmul(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *va = cg_val(c, n->inputs[0]), *vb = cg_val(c, n->inputs[1]), *out = cg_val(c, n->outputs[0]);
    ic_shape sa = va->shape, sb = vb->shape;
    if (sa.rank == 1) sa = (ic_shape){.rank = 2, .dims = {1, va->shape.dims[0]}};
    if (sb.rank == 1) sb = (ic_shape){.rank = 2, .dims = {vb->shape.dims[0], 1}};
    int nd = sa.rank > sb.rank ? sa.rank : sb.rank;
    mm_operand a, b;
    mm_dense(&a, sa.dims, sa.rank, nd);
    mm_dense(&b, sb.dims, sb.rank, nd);
    int64_t dst[IC_MAX_RANK + 2];
    for (int i = 0; i < nd - 2; i++) dst[i] = a.dims[i] == 1 ? b.dims[i] : a.dims[i];
    dst[nd - 2] = a.dims[nd - 2];
    dst[nd - 1] = b.dims[nd - 1];
    int64_t kdim = a.dims[nd - 1];
    if (kdim == 0) {
        cg_kernel_begin(c, gi, n, 0);
        ic_strbuf_printf(&c->kern, "    (void)in0; (void)in1;\n    memset(out0, 0, %zu); /* K = 0 */\n",
                         ic_value_nbytes(out));
        cg_kernel_end(c);
        return IC_OK;
    }
    uint32_t k = create_matmul(c, gi, "matmul", nd, &a, &b, dst, 1.0, 0.0, n->inputs[1]);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf_printf(&c->kern, "    return ic_rt_matmul_run(m->dnnl, m->prim[%u], in0, in1, out0, m->err, sizeof m->err);\n",
                     k);
    cg_kernel_end(c);
    return IC_OK;
}

/* out0 (dense [M, N]) = scale * in2 broadcast, as a nest in the current kernel. */
static void emit_fill_c(cg_ctx *c, const ic_value *cv, const ic_value *out, double scale) {
    cg_nest nest = {.space = out->shape, .n_ops = 2};
    cg_operand *a = &nest.ops[0], *y = &nest.ops[1];
    snprintf(a->ptr, sizeof a->ptr, "in2");
    snprintf(a->lanes, sizeof a->lanes, "a0");
    a->dtype = IC_DT_F32;
    cg_bcast_strides(&cv->shape, &out->shape, a->strides);
    snprintf(y->ptr, sizeof y->ptr, "out0");
    snprintf(y->lanes, sizeof y->lanes, "y");
    y->dtype = IC_DT_F32;
    y->store = true;
    cg_dense_strides(&out->shape, y->strides);
    ic_strbuf body;
    ic_strbuf_init(&body);
    if (scale == 1.0) {
        ic_strbuf_puts(&body, "            IC_LANES(l) y[l] = a0[l];\n");
    } else {
        ic_strbuf_puts(&body, "            IC_LANES(l) y[l] = (float)(");
        cg_double_lit(&body, scale);
        ic_strbuf_puts(&body, " * (double)a0[l]);\n");
    }
    cg_emit_nest(&c->kern, &nest, ic_strbuf_str(&body));
    ic_strbuf_free(&body);
}

static ic_status emit_gemm(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *va = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    const ic_value *vc = n->n_inputs == 3 ? cg_val(c, n->inputs[2]) : NULL;
    ic_gemm_params p = ic_gemm_params_get(n);
    int64_t m = out->shape.dims[0], nn = out->shape.dims[1];
    int64_t kdim = va->shape.dims[p.trans_a ? 0 : 1];
    double beta = vc ? p.beta : 0.0;
    mm_operand a = {.dims = {m, kdim}}, b = {.dims = {kdim, nn}};
    a.strides[0] = p.trans_a ? 1 : kdim;
    a.strides[1] = p.trans_a ? m : 1;
    b.strides[0] = p.trans_b ? 1 : nn;
    b.strides[1] = p.trans_b ? kdim : 1;
    if (kdim == 0) {
        cg_kernel_begin(c, gi, n, 0);
        ic_strbuf_puts(&c->kern, "    (void)in0; (void)in1;\n");
        if (vc && beta != 0.0)
            emit_fill_c(c, vc, out, beta);
        else
            ic_strbuf_printf(&c->kern, "%s    memset(out0, 0, %zu); /* K = 0 */\n", vc ? "    (void)in2;\n" : "",
                             ic_value_nbytes(out));
        cg_kernel_end(c);
        return IC_OK;
    }
    int64_t dst[2] = {m, nn};
    uint32_t k = create_matmul(c, gi, "gemm", 2, &a, &b, dst, p.alpha, beta, n->inputs[1]);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    if (vc && beta != 0.0)
        emit_fill_c(c, vc, out, 1.0); /* the sum post-op scales it by beta */
    else if (vc)
        ic_strbuf_puts(&c->kern, "    (void)in2; /* beta = 0 */\n");
    ic_strbuf_printf(&c->kern, "    return ic_rt_matmul_run(m->dnnl, m->prim[%u], in0, in1, out0, m->err, sizeof m->err);\n",
                     k);
    cg_kernel_end(c);
    return IC_OK;
}

ic_status cg_emit_library(cg_ctx *c, uint32_t gi, const ic_node *n) {
    switch (n->op) {
    case IC_OP_CONV2D: return emit_conv(c, gi, n);
    case IC_OP_MATMUL: return emit_matmul(c, gi, n);
    case IC_OP_GEMM: return emit_gemm(c, gi, n);
    default:
        return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: no library lowering for %s", ic_op_get(n->op)->name);
    }
}
