/* emit_scatter.c — scatter_elements and scatter_nd with reduction none, add,
 * mul, max or min, for every dtype (reductions: f32, i32, i64).
 *
 * The result starts as a copy of data; every index is checked before any
 * update is applied, and one out of range fails the run with a message.
 * Updates are applied in the row-major order of the indices, so duplicates
 * combine exactly as in the reference (interp_index.c): with none the last
 * wins; f32 add/mul are computed in double and rounded after each step.
 * Parallelism never splits the updates of one output element across
 * threads, so no atomics are needed:
 *   - scatter_elements: every update lands on the "line" through its own
 *     coordinates along axis; lines run in parallel, each line's updates in
 *     order.
 *   - scatter_nd: every index tuple writes one contiguous slice; the slice is
 *     cut into column blocks that run in parallel, and within a block the
 *     tuples are applied in order. */
#include <stdio.h>

#include "codegen/cg.h"

#define SCATTER_BLOCK 1024 /* slice columns per parallel task in scatter_nd */

/* Appends the statement combining update U into the element lvalue O. */
static void emit_combine(ic_strbuf *b, const char *indent, const char *o, const char *u, ic_scatter_reduction red,
                         ic_dtype t) {
    const char *ct = ic_dtype_ctype(t);
    bool f = t == IC_DT_F32;
    switch (red) {
    case IC_SCATTER_NONE: ic_strbuf_printf(b, "%s%s = %s;\n", indent, o, u); break;
    case IC_SCATTER_ADD:
    case IC_SCATTER_MUL: {
        const char *op = red == IC_SCATTER_ADD ? "+" : "*";
        if (f)
            ic_strbuf_printf(b, "%s%s = (float)((double)%s %s (double)%s);\n", indent, o, o, op, u);
        else
            ic_strbuf_printf(b, "%s%s = (%s)((uint64_t)(int64_t)%s %s (uint64_t)(int64_t)%s);\n", indent, o, ct, o, op, u);
        break;
    }
    case IC_SCATTER_MAX:
    case IC_SCATTER_MIN: {
        const char *op = red == IC_SCATTER_MAX ? ">" : "<";
        if (f)
            ic_strbuf_printf(b, "%s{ const float a = %s, v = %s; %s = (a != a || v != v) ? NAN : (a %s v ? a : v); }\n",
                             indent, o, u, o, op);
        else
            ic_strbuf_printf(b, "%s{ const %s a = %s, v = %s; %s = a %s v ? a : v; }\n", indent, ct, o, u, o, op);
        break;
    }
    }
}

static void emit_range_fail(cg_ctx *c, const ic_node *n, const char *expr, int axis, int64_t dim) {
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "            return ic_rt_fail(m->err, sizeof m->err, \"%s %%s: index %%lld out of range for axis %d of size %lld\", ",
                     ic_op_get(n->op)->name, axis, (long long)dim);
    cg_c_string(b, label);
    ic_strbuf_printf(b, ", (long long)%s);\n", expr);
}

static ic_status emit_scatter_elements(cg_ctx *c, const ic_node *n, ic_scatter_reduction red) {
    const ic_value *x = cg_val(c, n->inputs[0]), *idx = cg_val(c, n->inputs[1]);
    int32_t axis, r = x->shape.rank;
    IC_TRY(ic_axis_of(n, r, &axis, c->d));
    int64_t xs[IC_MAX_RANK], is[IC_MAX_RANK], dim = x->shape.dims[axis], along = idx->shape.dims[axis];
    cg_dense_strides(&x->shape, xs);
    cg_dense_strides(&idx->shape, is);
    long long ni = (long long)ic_value_numel(idx), lines = along ? ni / (long long)along : 0;
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "    for (int64_t i = 0; i < %lld; i++)\n", ni);
    ic_strbuf_printf(b, "        if (in1[i] < %lld || in1[i] >= %lld)\n", (long long)-dim, (long long)dim);
    emit_range_fail(c, n, "in1[i]", axis, dim);
    if (lines > 1 && ni >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t l = 0; l < %lld; l++) {\n", lines);
    /* l -> coordinates of the indices' dims other than axis, last first */
    ic_strbuf_puts(b, "        int64_t q = l, ib = 0, ob = 0;\n");
    for (int d = r - 1; d >= 0; d--) {
        if (d == axis) continue;
        long long id = (long long)idx->shape.dims[d];
        ic_strbuf_printf(b, "        { const int64_t k = q %% %lld; q /= %lld; ib += k * %lld; ob += k * %lld; }\n", id, id,
                         (long long)is[d], (long long)xs[d]);
    }
    ic_strbuf_puts(b, "        (void)q;\n");
    ic_strbuf_printf(b, "        for (int64_t a = 0; a < %lld; a++) {\n", (long long)along);
    ic_strbuf_printf(b, "            const int64_t i = ib + a * %lld;\n", (long long)is[axis]);
    ic_strbuf_printf(b, "            const int64_t k = in1[i] < 0 ? (int64_t)in1[i] + %lld : (int64_t)in1[i];\n", (long long)dim);
    char lv[64];
    snprintf(lv, sizeof lv, "out0[ob + k * %lld]", (long long)xs[axis]);
    emit_combine(b, "            ", lv, "in2[i]", red, x->dtype);
    ic_strbuf_puts(b, "        }\n    }\n");
    return IC_OK;
}

static ic_status emit_scatter_nd(cg_ctx *c, const ic_node *n, ic_scatter_reduction red) {
    const ic_value *x = cg_val(c, n->inputs[0]), *idx = cg_val(c, n->inputs[1]);
    int32_t r = x->shape.rank, q = idx->shape.rank;
    int64_t k = idx->shape.dims[q - 1], xs[IC_MAX_RANK], tuples = 1, slice = 1;
    cg_dense_strides(&x->shape, xs);
    for (int i = 0; i < q - 1; i++) tuples *= idx->shape.dims[i];
    for (int i = (int)k; i < r; i++) slice *= x->shape.dims[i];
    ic_strbuf *b = &c->kern;
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", (long long)tuples);
    for (int64_t j = 0; j < k; j++) {
        int64_t dim = x->shape.dims[j];
        char expr[64];
        snprintf(expr, sizeof expr, "in1[t * %lld + %lld]", (long long)k, (long long)j);
        ic_strbuf_printf(b, "        if (%s < %lld || %s >= %lld)\n", expr, (long long)-dim, expr, (long long)dim);
        emit_range_fail(c, n, expr, (int)j, dim);
    }
    ic_strbuf_puts(b, "    }\n");
    int64_t block = slice < SCATTER_BLOCK ? slice : SCATTER_BLOCK, nblk = (slice + block - 1) / block;
    if (nblk > 1 && tuples * slice >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t c = 0; c < %lld; c++) {\n", (long long)nblk);
    ic_strbuf_printf(b, "        const int64_t s0 = c * %lld, s1 = s0 + %lld < %lld ? s0 + %lld : %lld;\n", (long long)block,
                     (long long)block, (long long)slice, (long long)block, (long long)slice);
    ic_strbuf_printf(b, "        for (int64_t t = 0; t < %lld; t++) {\n", (long long)tuples);
    ic_strbuf_puts(b, "            int64_t off = 0;\n");
    for (int64_t j = 0; j < k; j++)
        ic_strbuf_printf(b, "            { const int64_t v = in1[t * %lld + %lld]; off += (v < 0 ? v + %lld : v) * %lld; }\n",
                         (long long)k, (long long)j, (long long)x->shape.dims[j], (long long)xs[j]);
    ic_strbuf_puts(b, "            for (int64_t s = s0; s < s1; s++)\n");
    char uv[64];
    snprintf(uv, sizeof uv, "in2[t * %lld + s]", (long long)slice);
    emit_combine(b, "                ", "out0[off + s]", uv, red, x->dtype);
    ic_strbuf_puts(b, "        }\n    }\n");
    return IC_OK;
}

ic_status cg_emit_scatter(cg_ctx *c, uint32_t gi, const ic_node *n) {
    ic_scatter_reduction red;
    IC_TRY(ic_scatter_reduction_of(n, &red, c->d));
    const ic_value *x = cg_val(c, n->inputs[0]);
    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf_printf(&c->kern, "    memcpy(out0, in0, %zu);\n", ic_value_nbytes(x));
    ic_status s = n->op == IC_OP_SCATTER_ND ? emit_scatter_nd(c, n, red) : emit_scatter_elements(c, n, red);
    ic_strbuf_puts(&c->kern, "    return 0;\n");
    cg_kernel_end(c);
    return s;
}
