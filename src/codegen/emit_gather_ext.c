/* emit_gather_ext.c — gather_elements and gather_nd for every dtype.
 *
 * Both first check every index against its dim and fail the run with a
 * message (never read out of bounds), then copy: gather_elements element by
 * element over the indices' shape (the index replaces the coordinate along
 * axis), gather_nd one contiguous slice per index tuple. Negative indices
 * count from the end. Loops run in parallel when the work is large. */
#include <stdio.h>

#include "codegen/cg.h"

/* Appends `return ic_rt_fail(..."OP LABEL: index %lld out of range for axis A of size D", label, (long long)EXPR);`. */
static void emit_range_fail(cg_ctx *c, const ic_node *n, const char *indent, const char *expr, int axis, int64_t dim) {
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "%sreturn ic_rt_fail(m->err, sizeof m->err, \"%s %%s: index %%lld out of range for axis %d of size %lld\", ",
                     indent, ic_op_get(n->op)->name, axis, (long long)dim);
    cg_c_string(b, label);
    ic_strbuf_printf(b, ", (long long)%s);\n", expr);
}

static ic_status emit_gather_elements(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *idx = cg_val(c, n->inputs[1]);
    int32_t axis;
    IC_TRY(ic_axis_of(n, x->shape.rank, &axis, c->d));
    int64_t xs[IC_MAX_RANK], dim = x->shape.dims[axis];
    cg_dense_strides(&x->shape, xs);
    long long ni = (long long)ic_value_numel(idx);
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "    for (int64_t i = 0; i < %lld; i++)\n", ni);
    ic_strbuf_printf(b, "        if (in1[i] < %lld || in1[i] >= %lld)\n", (long long)-dim, (long long)dim);
    emit_range_fail(c, n, "            ", "in1[i]", axis, dim);
    if (ni >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t i = 0; i < %lld; i++) {\n", ni);
    ic_strbuf_puts(b, "        int64_t q = i, src = 0;\n");
    /* the indices' coordinates, last dim first; the one along axis comes from the index */
    for (int d = idx->shape.rank - 1; d >= 1; d--) {
        long long id = (long long)idx->shape.dims[d];
        if (d == axis)
            ic_strbuf_printf(b, "        q /= %lld;\n", id);
        else
            ic_strbuf_printf(b, "        src += q %% %lld * %lld; q /= %lld;\n", id, (long long)xs[d], id);
    }
    if (axis != 0) ic_strbuf_printf(b, "        src += q * %lld;\n", (long long)xs[0]);
    else ic_strbuf_puts(b, "        (void)q;\n");
    ic_strbuf_printf(b, "        const int64_t k = in1[i] < 0 ? (int64_t)in1[i] + %lld : (int64_t)in1[i];\n", (long long)dim);
    ic_strbuf_printf(b, "        out0[i] = in0[src + k * %lld];\n    }\n", (long long)xs[axis]);
    return IC_OK;
}

static ic_status emit_gather_nd(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *idx = cg_val(c, n->inputs[1]);
    int32_t r = x->shape.rank, q = idx->shape.rank;
    int64_t bd = ic_gather_nd_batch_dims(n), k = idx->shape.dims[q - 1];
    int64_t xs[IC_MAX_RANK], tuples = 1, per_batch = 1, slice = 1, batch_stride = 1;
    cg_dense_strides(&x->shape, xs);
    for (int i = 0; i < q - 1; i++) tuples *= idx->shape.dims[i];
    for (int i = (int)bd; i < q - 1; i++) per_batch *= idx->shape.dims[i];
    for (int i = (int)(bd + k); i < r; i++) slice *= x->shape.dims[i];
    for (int i = (int)bd; i < r; i++) batch_stride *= x->shape.dims[i];
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", (long long)tuples);
    for (int64_t j = 0; j < k; j++) {
        int64_t dim = x->shape.dims[bd + j];
        ic_strbuf_printf(b, "        if (in1[t * %lld + %lld] < %lld || in1[t * %lld + %lld] >= %lld)\n", (long long)k,
                         (long long)j, (long long)-dim, (long long)k, (long long)j, (long long)dim);
        char expr[64];
        snprintf(expr, sizeof expr, "in1[t * %lld + %lld]", (long long)k, (long long)j);
        emit_range_fail(c, n, "            ", expr, (int)(bd + j), dim);
    }
    ic_strbuf_puts(b, "    }\n");
    if (tuples > 1 && tuples * slice >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", (long long)tuples);
    if (bd > 0 && per_batch > 0)
        ic_strbuf_printf(b, "        int64_t off = t / %lld * %lld;\n", (long long)per_batch, (long long)batch_stride);
    else
        ic_strbuf_puts(b, "        int64_t off = 0;\n");
    for (int64_t j = 0; j < k; j++) {
        int64_t dim = x->shape.dims[bd + j];
        ic_strbuf_printf(b, "        { const int64_t v = in1[t * %lld + %lld]; off += (v < 0 ? v + %lld : v) * %lld; }\n",
                         (long long)k, (long long)j, (long long)dim, (long long)xs[bd + j]);
    }
    if (slice == 1)
        ic_strbuf_puts(b, "        out0[t] = in0[off];\n    }\n");
    else
        ic_strbuf_printf(b, "        memcpy(out0 + t * %lld, in0 + off, %lld);\n    }\n", (long long)slice,
                         (long long)(slice * (int64_t)ic_dtype_size(x->dtype)));
    return IC_OK;
}

ic_status cg_emit_gather_ext(cg_ctx *c, uint32_t gi, const ic_node *n) {
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_status s = n->op == IC_OP_GATHER_ND ? emit_gather_nd(c, n) : emit_gather_elements(c, n);
    ic_strbuf_puts(&c->kern, "    return 0;\n");
    cg_kernel_end(c);
    return s;
}
