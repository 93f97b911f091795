/* emit_resize.c — resize: nearest (every dtype) and linear (f32).
 *
 * The per-dim sampling (ic_resize_sample, shared with the interpreter) is
 * baked into static tables at compile time: for every output index of a dim,
 * the input offset of its lower sample (times the dim's input stride), and
 * for dims that blend, the offset step to the upper sample and its weight.
 * Dims that map every index to itself need no table. The kernel walks output
 * rows in parallel; each element sums value * weight over the 2^k corners of
 * its k blending dims in double, in the reference's corner order (written out
 * for k <= 4, a loop beyond). A dim blends only if one of its weights is not
 * 0, the same rule as the reference, so integer-ratio and identity mappings
 * never touch a neighbour. */
#include <stdio.h>
#include <stdlib.h>

#include "codegen/cg.h"

#define RZ_UNROLL 4 /* blending dims up to which corners are written out */

/* One dim's tables. */
typedef struct rz_dim {
    bool identity; /* index maps to itself: no table */
    bool blend;    /* linear and some weight is not 0 */
} rz_dim;

static void emit_table_i64(ic_strbuf *b, const char *name, uint32_t gi, int d, const int64_t *v, int64_t n) {
    ic_strbuf_printf(b, "    static const int64_t %s%u_%d[%lld] = {", name, gi, d, (long long)n);
    for (int64_t i = 0; i < n; i++) ic_strbuf_printf(b, "%s%s%lld", i ? "," : "", i % 16 ? "" : "\n        ", (long long)v[i]);
    ic_strbuf_puts(b, "};\n");
}

static void emit_table_f64(ic_strbuf *b, uint32_t gi, int d, const double *v, int64_t n) {
    ic_strbuf_printf(b, "    static const double rz_w%u_%d[%lld] = {", gi, d, (long long)n);
    for (int64_t i = 0; i < n; i++) {
        ic_strbuf_puts(b, i ? "," : "");
        if (i % 8 == 0) ic_strbuf_puts(b, "\n        ");
        cg_double_lit(b, v[i]);
    }
    ic_strbuf_puts(b, "};\n");
}

/* Appends, per dim, the expression of dim d's lower offset for coordinate var. */
static void lower_expr(ic_strbuf *b, uint32_t gi, int d, const rz_dim *rd, const char *var, int64_t stride) {
    if (rd->identity)
        ic_strbuf_printf(b, "%s * %lld", var, (long long)stride);
    else
        ic_strbuf_printf(b, "rz_lo%u_%d[%s]", gi, d, var);
}

ic_status cg_emit_resize(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    ic_resize_params p;
    IC_TRY(ic_resize_params_get(n, &x->shape, &p, c->d));
    int r = x->shape.rank;
    bool linear = p.mode == IC_RESIZE_LINEAR;
    int64_t xs[IC_MAX_RANK];
    cg_dense_strides(&x->shape, xs);
    rz_dim rd[IC_MAX_RANK] = {{0}};
    int kd[IC_MAX_RANK], nk = 0; /* blending dims, in order */

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (r == 0) { /* a scalar resizes to itself */
        ic_strbuf_puts(b, "    out0[0] = in0[0];\n");
        cg_kernel_end(c);
        return IC_OK;
    }
    for (int d = 0; d < r; d++) {
        int64_t len = p.sizes[d];
        int64_t *lo = malloc((size_t)(len ? len : 1) * 2 * sizeof *lo);
        double *w = malloc((size_t)(len ? len : 1) * sizeof *w);
        if (!lo || !w) {
            free(lo);
            free(w);
            cg_kernel_end(c);
            return ic_diag_set(c->d, IC_ERR_NOMEM, "codegen: out of memory building resize tables");
        }
        int64_t *step = lo + len;
        rd[d].identity = true;
        for (int64_t i = 0; i < len; i++) {
            int64_t i0, i1;
            ic_resize_sample(&p, d, x->shape.dims[d], i, &i0, &i1, &w[i]);
            if (w[i] != 0.0 && linear) rd[d].blend = true;
            if (i0 != i || w[i] != 0.0) rd[d].identity = false;
            lo[i] = i0 * xs[d];
            step[i] = (i1 - i0) * xs[d];
        }
        if (!rd[d].identity) emit_table_i64(b, "rz_lo", gi, d, lo, len);
        if (rd[d].blend) {
            emit_table_i64(b, "rz_up", gi, d, step, len);
            emit_table_f64(b, gi, d, w, len);
            kd[nk++] = d;
        }
        free(lo);
        free(w);
    }

    const char *ct = ic_dtype_ctype(x->dtype);
    int64_t wlast = out->shape.dims[r - 1], rows = (int64_t)ic_value_numel(out) / wlast;
    if (rows > 1 && (int64_t)ic_value_numel(out) >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", (long long)rows);
    ic_strbuf_puts(b, "        int64_t q = t, base = 0;\n");
    for (int d = r - 2; d >= 0; d--) {
        long long od = (long long)out->shape.dims[d];
        ic_strbuf_printf(b, "        const int64_t c%d = q %% %lld; q /= %lld;\n        base += ", d, od, od);
        char var[16];
        snprintf(var, sizeof var, "c%d", d);
        lower_expr(b, gi, d, &rd[d], var, xs[d]);
        ic_strbuf_puts(b, ";\n");
    }
    ic_strbuf_puts(b, "        (void)q;\n");
    ic_strbuf_printf(b, "        %s *y = out0 + t * %lld;\n", ct, (long long)wlast);
    ic_strbuf_printf(b, "        for (int64_t c%d = 0; c%d < %lld; c%d++) {\n", r - 1, r - 1, (long long)wlast, r - 1);
    ic_strbuf_puts(b, "            const int64_t at = base + ");
    char var[16];
    snprintf(var, sizeof var, "c%d", r - 1);
    lower_expr(b, gi, r - 1, &rd[r - 1], var, xs[r - 1]);
    ic_strbuf_puts(b, ";\n");
    if (nk == 0) {
        ic_strbuf_printf(b, "            y[c%d] = in0[at];\n        }\n    }\n", r - 1);
        cg_kernel_end(c);
        return IC_OK;
    }
    for (int j = 0; j < nk; j++)
        ic_strbuf_printf(b, "            const double w%d = rz_w%u_%d[c%d]; const int64_t u%d = rz_up%u_%d[c%d];\n", j, gi,
                         kd[j], kd[j], j, gi, kd[j], kd[j]);
    ic_strbuf_puts(b, "            double acc = 0.0;\n");
    if (nk <= RZ_UNROLL) {
        for (unsigned corner = 0; corner < (1u << nk); corner++) {
            ic_strbuf_puts(b, "            acc += 1.0");
            for (int j = 0; j < nk; j++) ic_strbuf_printf(b, (corner >> j) & 1 ? " * w%d" : " * (1.0 - w%d)", j);
            ic_strbuf_puts(b, " * (double)in0[at");
            for (int j = 0; j < nk; j++)
                if ((corner >> j) & 1) ic_strbuf_printf(b, " + u%d", j);
            ic_strbuf_puts(b, "];\n");
        }
    } else {
        ic_strbuf_puts(b, "            const double wv[] = {");
        for (int j = 0; j < nk; j++) ic_strbuf_printf(b, "%sw%d", j ? ", " : "", j);
        ic_strbuf_puts(b, "};\n            const int64_t uv[] = {");
        for (int j = 0; j < nk; j++) ic_strbuf_printf(b, "%su%d", j ? ", " : "", j);
        ic_strbuf_printf(b, "};\n"
                            "            for (unsigned corner = 0; corner < %uu; corner++) {\n"
                            "                double wt = 1.0;\n"
                            "                int64_t off = at;\n"
                            "                for (int j = 0; j < %d; j++) {\n"
                            "                    if ((corner >> j) & 1) { wt *= wv[j]; off += uv[j]; }\n"
                            "                    else wt *= 1.0 - wv[j];\n"
                            "                }\n"
                            "                acc += wt * (double)in0[off];\n"
                            "            }\n",
                         1u << nk, nk);
    }
    ic_strbuf_printf(b, "            y[c%d] = (float)acc;\n        }\n    }\n", r - 1);
    cg_kernel_end(c);
    return IC_OK;
}
