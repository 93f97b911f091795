/* emit_argmax.c — argmax / argmin along one axis, to i64.
 *
 * The input is viewed as [outer, len, inner]; every (outer, inner) row is
 * scanned in order, parallel over rows when the work is large. The first
 * extreme wins (the last with select_last_index); for f32, NaN counts as the
 * extreme, as in the reference (interp_reduce_ext.c). */
#include "codegen/cg.h"

ic_status cg_emit_argminmax(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    ic_arg_params p;
    IC_TRY(ic_arg_params_get(n, x->shape.rank, &p, c->d));
    int64_t outer = 1, len = x->shape.dims[p.axis], inner = 1;
    for (int i = 0; i < p.axis; i++) outer *= x->shape.dims[i];
    for (int i = p.axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    bool f = x->dtype == IC_DT_F32, is_max = n->op == IC_OP_ARGMAX;
    const char *cmp = is_max ? (p.select_last ? ">=" : ">") : (p.select_last ? "<=" : "<");
    long long rows = (long long)(outer * inner);

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (rows > 1 && rows * len >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t r = 0; r < %lld; r++) {\n", rows);
    if (inner == 1)
        ic_strbuf_printf(b, "        const %s *x = in0 + r * %lld;\n", ic_dtype_ctype(x->dtype), (long long)len);
    else
        ic_strbuf_printf(b, "        const %s *x = in0 + r / %lld * %lld + r %% %lld;\n", ic_dtype_ctype(x->dtype),
                         (long long)inner, (long long)(len * inner), (long long)inner);
    ic_strbuf_printf(b, "        int64_t best = 0;\n        %s bv = x[0];\n", ic_dtype_ctype(x->dtype));
    ic_strbuf_printf(b, "        for (int64_t j = 1; j < %lld; j++) {\n", (long long)len);
    ic_strbuf_printf(b, "            const %s v = x[j * %lld];\n", ic_dtype_ctype(x->dtype), (long long)inner);
    if (!f)
        ic_strbuf_printf(b, "            if (v %s bv) {\n", cmp);
    else if (p.select_last) /* a NaN always takes over; nothing replaces a NaN but a later NaN */
        ic_strbuf_printf(b, "            if (v != v || (bv == bv && v %s bv)) {\n", cmp);
    else /* the first NaN sticks */
        ic_strbuf_printf(b, "            if (bv == bv && (v != v || v %s bv)) {\n", cmp);
    ic_strbuf_puts(b, "                best = j;\n                bv = v;\n            }\n        }\n");
    ic_strbuf_puts(b, "        out0[r] = best;\n    }\n");
    cg_kernel_end(c);
    return IC_OK;
}
