/* emit_reduce.c — reductions (reduce_*, global pools) and row ops (softmax,
 * log_softmax, layernorm).
 *
 * A reduction walks every output element (parallel when the work is large)
 * and, for each, nested loops over the reduced dims with constant strides;
 * when the last input dim is reduced the innermost loop is contiguous. f32
 * sums accumulate in double, integer sums wrap in uint64, max/min propagate
 * NaN, and an empty reduction gives the identity (docs/ops.md). With a single
 * output element a sum parallelises over its outermost reduced dim instead.
 * prod, l2 and sum_square accumulate like sums; log_sum_exp makes one pass
 * with a running max, rescaling its double sum of exp(x - max) when the max
 * grows (NaN sticks, an infinite max is the result).
 *
 * Row ops run one row per iteration through the row kernels in
 * kernels/ic_kernels.h (softmax with the max subtracted, two-pass moments). */
#include <stdio.h>

#include "codegen/cg.h"

typedef enum red_kind { RED_SUM, RED_MEAN, RED_MAX, RED_MIN, RED_PROD, RED_L2, RED_SSQ, RED_LSE } red_kind;

/* A dim of the reduction after collapsing: its size and input stride. */
typedef struct red_dim {
    int64_t size;   /* extent */
    int64_t stride; /* element stride in the input */
} red_dim;

static red_kind kind_of(ic_op op) {
    switch (op) {
    case IC_OP_REDUCE_SUM: return RED_SUM;
    case IC_OP_REDUCE_MEAN:
    case IC_OP_GLOBAL_AVG_POOL: return RED_MEAN;
    case IC_OP_REDUCE_MAX:
    case IC_OP_GLOBAL_MAX_POOL: return RED_MAX;
    case IC_OP_REDUCE_PROD: return RED_PROD;
    case IC_OP_REDUCE_L2: return RED_L2;
    case IC_OP_REDUCE_SUM_SQUARE: return RED_SSQ;
    case IC_OP_REDUCE_LOG_SUM_EXP: return RED_LSE;
    default: return RED_MIN;
    }
}

/* Appends dim (size, stride) to list, merging with the previous one when contiguous. */
static void push_dim(red_dim *list, int *n, int64_t size, int64_t stride) {
    if (size == 1) return;
    if (*n && list[*n - 1].stride == stride * size) {
        list[*n - 1].size *= size;
        list[*n - 1].stride = stride;
        return;
    }
    list[(*n)++] = (red_dim){size, stride};
}

ic_status cg_emit_reduce(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    int rank = x->shape.rank;
    uint32_t mask;
    if (n->op == IC_OP_GLOBAL_AVG_POOL || n->op == IC_OP_GLOBAL_MAX_POOL) {
        mask = ((1u << rank) - 1u) & ~3u;
    } else if (!ic_reduce_axes_mask(n, rank, &mask, c->d)) {
        return c->d ? c->d->status : IC_ERR_INVALID;
    }
    ic_dtype t = x->dtype;
    if (t != IC_DT_F32 && t != IC_DT_I32 && t != IC_DT_I64)
        return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: %s on %s is not supported", ic_op_get(n->op)->name,
                           ic_dtype_name(t));
    red_kind k = kind_of(n->op);
    int64_t xs[IC_MAX_RANK];
    cg_dense_strides(&x->shape, xs);
    red_dim kept[IC_MAX_RANK], red[IC_MAX_RANK];
    int nk = 0, nr = 0;
    int64_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (mask & (1u << i)) {
            push_dim(red, &nr, x->shape.dims[i], xs[i]);
            count *= x->shape.dims[i];
        } else {
            push_dim(kept, &nk, x->shape.dims[i], xs[i]);
        }
    }
    int64_t n_out = (int64_t)ic_value_numel(out);
    bool f = t == IC_DT_F32;
    const char *ct = ic_dtype_ctype(t);
    const char *lo = t == IC_DT_I32 ? "INT32_MIN" : "INT64_MIN", *hi = t == IC_DT_I32 ? "INT32_MAX" : "INT64_MAX";
    /* sums of any kind accumulate in double (f32) or wrapping uint64 (integers) */
    bool additive = k == RED_SUM || k == RED_MEAN || k == RED_SSQ || k == RED_L2;
    const char *acc_t = k == RED_MAX || k == RED_MIN ? (f ? "float" : ct) : (f ? "double" : "uint64_t");
    const char *init = k == RED_MAX ? (f ? "-INFINITY" : lo) : k == RED_MIN ? (f ? "INFINITY" : hi) : k == RED_PROD ? "1" : "0";
    bool par_out = n_out > 1 && n_out * (count ? count : 1) >= CG_PAR_MIN;
    bool par_red = n_out == 1 && count >= CG_PAR_MIN && additive && nr > 0;

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (par_out) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t o = 0; o < %lld; o++) {\n", (long long)n_out);
    /* o -> input offset of the output's first element */
    if (nk) {
        ic_strbuf_puts(b, "        int64_t q = o, base = 0;\n");
        for (int i = nk - 1; i >= 0; i--)
            ic_strbuf_printf(b, "        base += q %% %lld * %lld; q /= %lld;\n", (long long)kept[i].size,
                             (long long)kept[i].stride, (long long)kept[i].size);
        ic_strbuf_puts(b, "        (void)q;\n");
    } else {
        ic_strbuf_puts(b, "        const int64_t base = o;\n");
    }
    ic_strbuf_printf(b, "        %s acc = %s;\n", acc_t, init);
    if (k == RED_LSE) ic_strbuf_puts(b, "        float m = -INFINITY; /* running max; acc sums exp(x - m) */\n");
    if (count) {
        /* nested loops over the reduced dims, innermost last */
        for (int i = 0; i < nr; i++) {
            const char *pragma = "";
            if (i == 0 && par_red) pragma = "        #pragma omp parallel for reduction(+ : acc)\n";
            else if (i == nr - 1 && red[i].stride == 1 && additive && !(par_red && nr == 1))
                pragma = "        #pragma omp simd reduction(+ : acc)\n";
            ic_strbuf_printf(b, "%s        for (int64_t r%d = 0; r%d < %lld; r%d++)\n", pragma, i, i,
                             (long long)red[i].size, i);
        }
        ic_strbuf_printf(b, "        {\n            const %s v = in0[base", ct);
        for (int i = 0; i < nr; i++) ic_strbuf_printf(b, " + r%d * %lld", i, (long long)red[i].stride);
        ic_strbuf_puts(b, "];\n");
        switch (k) {
        case RED_SUM:
        case RED_MEAN:
            ic_strbuf_puts(b, f ? "            acc += v;\n" : "            acc += (uint64_t)(int64_t)v;\n");
            break;
        case RED_MAX:
            ic_strbuf_puts(b, f ? "            acc = (v > acc || v != v) ? v : acc;\n" : "            acc = v > acc ? v : acc;\n");
            break;
        case RED_MIN:
            ic_strbuf_puts(b, f ? "            acc = (v < acc || v != v) ? v : acc;\n" : "            acc = v < acc ? v : acc;\n");
            break;
        case RED_PROD: ic_strbuf_puts(b, f ? "            acc *= v;\n" : "            acc *= (uint64_t)(int64_t)v;\n"); break;
        case RED_L2:
        case RED_SSQ:
            ic_strbuf_puts(b, f ? "            acc += (double)v * v;\n"
                                : "            acc += (uint64_t)(int64_t)v * (uint64_t)(int64_t)v;\n");
            break;
        case RED_LSE: /* one pass, rescaling the sum when the max grows; NaN sticks in m */
            ic_strbuf_puts(b, "            if (v > m) { acc = acc * exp((double)m - (double)v) + 1.0; m = v; }\n"
                              "            else if (v == m) acc += 1.0;\n"
                              "            else if (v != v) m = v;\n"
                              "            else acc += exp((double)v - (double)m);\n");
            break;
        }
        ic_strbuf_puts(b, "        }\n");
    }
    if (k == RED_MEAN && f)
        ic_strbuf_printf(b, "        out0[o] = (float)(acc / %lld.0);\n", (long long)count);
    else if (k == RED_MEAN && count)
        ic_strbuf_printf(b, "        out0[o] = (%s)((int64_t)acc / %lldLL);\n", ct, (long long)count);
    else if (k == RED_MEAN)
        ic_strbuf_puts(b, "        (void)acc;\n        out0[o] = 0;\n");
    else if (k == RED_L2)
        ic_strbuf_puts(b, "        out0[o] = (float)sqrt(acc);\n");
    else if (k == RED_LSE)
        ic_strbuf_puts(b, "        out0[o] = (float)(isinf(m) ? (double)m : (double)m + log(acc));\n");
    else if (f)
        ic_strbuf_puts(b, "        out0[o] = (float)acc;\n");
    else
        ic_strbuf_printf(b, "        out0[o] = (%s)acc;\n", ct);
    if (!count) ic_strbuf_puts(b, "        (void)base; (void)in0; /* empty reduction */\n");
    ic_strbuf_puts(b, "    }\n");
    cg_kernel_end(c);
    return IC_OK;
}

ic_status cg_emit_row(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    int32_t axis;
    if (!ic_axis_normalize(ic_attr_int(n, "axis", -1), x->shape.rank, &axis))
        return ic_diag_set(c->d, IC_ERR_INVALID, "%s: axis out of range", ic_op_get(n->op)->name);
    int64_t outer = 1, len = x->shape.dims[axis], inner = 1, total = (int64_t)ic_value_numel(x);
    for (int i = 0; i < axis; i++) outer *= x->shape.dims[i];
    for (int i = axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;

    if (n->op == IC_OP_SOFTMAX || n->op == IC_OP_LOG_SOFTMAX) {
        int64_t rows = outer * inner;
        if (rows > 1 && total >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
        ic_strbuf_printf(b, "    for (int64_t r = 0; r < %lld; r++) {\n", (long long)rows);
        if (inner == 1)
            ic_strbuf_printf(b, "        const int64_t base = r * %lld;\n", (long long)len);
        else
            ic_strbuf_printf(b, "        const int64_t base = r / %lld * %lld + r %% %lld;\n", (long long)inner,
                             (long long)(len * inner), (long long)inner);
        ic_strbuf_printf(b, "        ic_softmax_row_f32(out0 + base, in0 + base, %lld, %lld, %d);\n", (long long)len,
                         (long long)inner, n->op == IC_OP_LOG_SOFTMAX);
        ic_strbuf_puts(b, "    }\n");
        cg_kernel_end(c);
        return IC_OK;
    }

    /* layernorm: rows are the dims from axis on, contiguous */
    int64_t row = len * inner;
    ic_shape rs = {.rank = x->shape.rank - axis};
    for (int i = axis; i < x->shape.rank; i++) rs.dims[i - axis] = x->shape.dims[i];
    char eps[64];
    {
        ic_strbuf e;
        ic_strbuf_init(&e);
        cg_double_lit(&e, ic_epsilon_of(n));
        snprintf(eps, sizeof eps, "%s", ic_strbuf_str(&e));
        ic_strbuf_free(&e);
    }
    if (outer > 1 && total >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t r = 0; r < %lld; r++) {\n", (long long)outer);
    ic_strbuf_printf(b, "        const float *x = in0 + r * %lld;\n        float *y = out0 + r * %lld;\n", (long long)row,
                     (long long)row);
    ic_strbuf_printf(b, "        double mean, var;\n        ic_row_moments_f32(x, %lld, &mean, &var);\n", (long long)row);
    ic_strbuf_printf(b, "        const double rstd = 1.0 / sqrt(var + %s);\n", eps);
    ic_strbuf_puts(b, "        #pragma omp simd\n");
    ic_strbuf_printf(b, "        for (int64_t i = 0; i < %lld; i++)\n", (long long)row);
    ic_strbuf_puts(b, "            y[i] = (float)(((double)x[i] - mean) * rstd");
    /* scale and bias broadcast to the row shape: index them through their strides */
    for (uint32_t p = 1; p < n->n_inputs; p++) {
        const ic_value *v = cg_val(c, n->inputs[p]);
        int64_t st[IC_MAX_RANK], rst[IC_MAX_RANK];
        cg_bcast_strides(&v->shape, &rs, st);
        cg_dense_strides(&rs, rst);
        ic_strbuf_printf(b, " %s (double)in%u[", p == 1 ? "*" : "+", p);
        bool any = false;
        if (ic_value_numel(v) == (size_t)row) {
            ic_strbuf_puts(b, "i");
            any = true;
        } else {
            for (int d = 0; d < rs.rank; d++) {
                if (!st[d]) continue;
                ic_strbuf_printf(b, "%s(i / %lld %% %lld) * %lld", any ? " + " : "", (long long)rst[d],
                                 (long long)rs.dims[d], (long long)st[d]);
                any = true;
            }
        }
        if (!any) ic_strbuf_puts(b, "0");
        ic_strbuf_puts(b, "]");
    }
    ic_strbuf_puts(b, ");\n    }\n");
    cg_kernel_end(c);
    return IC_OK;
}
