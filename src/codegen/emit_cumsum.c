/* emit_cumsum.c — cumsum along one axis (inclusive or exclusive, forward or
 * reverse), for f32 (running sum in double, each output rounded, as in the
 * reference) and i32 / i64 (wrapping, in uint64).
 *
 * The input is viewed as [outer, len, inner]. With inner == 1 each row is a
 * contiguous scan; otherwise a block of up to CUM_BLOCK neighbouring inner
 * positions is scanned together, so every load and store stays contiguous
 * and the inner loop vectorises. Blocks (or rows) run in parallel. */
#include "codegen/cg.h"

#define CUM_BLOCK 256 /* inner positions scanned together: the accumulators stay on the stack */

ic_status cg_emit_cumsum(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    ic_cumsum_params p;
    IC_TRY(ic_cumsum_params_get(n, x->shape.rank, &p, c->d));
    int64_t outer = 1, len = x->shape.dims[p.axis], inner = 1;
    for (int i = 0; i < p.axis; i++) outer *= x->shape.dims[i];
    for (int i = p.axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    bool f = x->dtype == IC_DT_F32;
    const char *ct = ic_dtype_ctype(x->dtype), *acc_t = f ? "double" : "uint64_t";
    const char *widen = f ? "(double)" : "(uint64_t)(int64_t)";
    long long L = (long long)len, I = (long long)inner;
    int64_t block = inner < CUM_BLOCK ? inner : CUM_BLOCK, nblk = (inner + block - 1) / block;
    long long tasks = (long long)(outer * nblk);

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (tasks > 1 && outer * len * inner >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", tasks);
    ic_strbuf_printf(b, "        const int64_t i0 = t %% %lld * %lld, i1 = i0 + %lld < %lld ? i0 + %lld : %lld;\n",
                     (long long)nblk, (long long)block, (long long)block, I, (long long)block, I);
    ic_strbuf_printf(b, "        const int64_t base = t / %lld * %lld;\n", (long long)nblk, L * I);
    ic_strbuf_printf(b, "        %s acc[%lld];\n", acc_t, (long long)block);
    ic_strbuf_puts(b, "        for (int64_t i = 0; i < i1 - i0; i++) acc[i] = 0;\n");
    ic_strbuf_printf(b, "        for (int64_t s = 0; s < %lld; s++) {\n", L);
    if (p.reverse)
        ic_strbuf_printf(b, "            const int64_t at = base + (%lld - s) * %lld + i0;\n", L - 1, I);
    else
        ic_strbuf_printf(b, "            const int64_t at = base + s * %lld + i0;\n", I);
    ic_strbuf_puts(b, "            #pragma omp simd\n");
    ic_strbuf_puts(b, "            for (int64_t i = 0; i < i1 - i0; i++) {\n");
    ic_strbuf_printf(b, "                const %s v = %sin0[at + i];\n", acc_t, widen);
    if (p.exclusive)
        ic_strbuf_printf(b, "                out0[at + i] = (%s)acc[i];\n                acc[i] += v;\n", ct);
    else
        ic_strbuf_printf(b, "                acc[i] += v;\n                out0[at + i] = (%s)acc[i];\n", ct);
    ic_strbuf_puts(b, "            }\n        }\n    }\n");
    cg_kernel_end(c);
    return IC_OK;
}
