/* emit_instnorm.c — instance_norm(x, scale, bias) over the spatial dims of
 * every (n, c) row: two-pass moments in double (ic_row_moments_f32), then
 * (x - mean) * scale[c] / sqrt(var + epsilon) + bias[c], rows in parallel. */
#include <stdio.h>

#include "codegen/cg.h"

ic_status cg_emit_instance_norm(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    int64_t ch = x->shape.dims[1], rows = x->shape.dims[0] * ch, len = 1;
    for (int i = 2; i < x->shape.rank; i++) len *= x->shape.dims[i];
    ic_strbuf eps;
    ic_strbuf_init(&eps);
    cg_double_lit(&eps, ic_epsilon_of(n));

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (rows > 1 && rows * len >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t r = 0; r < %lld; r++) {\n", (long long)rows);
    ic_strbuf_printf(b, "        const float *x = in0 + r * %lld;\n        float *y = out0 + r * %lld;\n", (long long)len,
                     (long long)len);
    ic_strbuf_printf(b, "        double mean, var;\n        ic_row_moments_f32(x, %lld, &mean, &var);\n", (long long)len);
    ic_strbuf_printf(b, "        const double a = (double)in1[r %% %lld] / sqrt(var + %s), sh = (double)in2[r %% %lld];\n",
                     (long long)ch, ic_strbuf_str(&eps), (long long)ch);
    ic_strbuf_puts(b, "        #pragma omp simd\n");
    ic_strbuf_printf(b, "        for (int64_t i = 0; i < %lld; i++) y[i] = (float)(((double)x[i] - mean) * a + sh);\n",
                     (long long)len);
    ic_strbuf_puts(b, "    }\n");
    cg_kernel_end(c);
    ic_strbuf_free(&eps);
    return IC_OK;
}
