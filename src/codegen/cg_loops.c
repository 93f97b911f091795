/* cg_loops.c — the one loop-nest emitter behind pointwise ops and strided
 * copies (broadcasts, transposes, slices, concat pieces).
 *
 * The iteration space is first simplified: size-1 dims are dropped and
 * neighbouring dims merged wherever every operand's strides allow. What is
 * left is an outer index (decomposed with constant div/mod into per-operand
 * base offsets) and a contiguous-in-the-output inner dim walked in lane
 * blocks of IC_VW (see kernels/ic_kernels.h). Large nests parallelise over
 * outer index x inner chunks with one `omp parallel for`. */
#include <string.h>

#include "codegen/cg.h"

/* Drops size-1 dims and merges dim i into i+1 where all strides line up. */
static void simplify(cg_nest *n) {
    ic_shape s = {.rank = 0};
    int64_t st[CG_MAX_OPS][IC_MAX_RANK];
    for (int i = 0; i < n->space.rank; i++) {
        if (n->space.dims[i] == 1) continue;
        int r = s.rank;
        bool merge = r > 0;
        for (int k = 0; merge && k < n->n_ops; k++)
            merge = st[k][r - 1] == n->ops[k].strides[i] * n->space.dims[i];
        if (merge) {
            s.dims[r - 1] *= n->space.dims[i];
            for (int k = 0; k < n->n_ops; k++) st[k][r - 1] = n->ops[k].strides[i];
        } else {
            s.dims[r] = n->space.dims[i];
            for (int k = 0; k < n->n_ops; k++) st[k][r] = n->ops[k].strides[i];
            s.rank++;
        }
    }
    n->space = s;
    for (int k = 0; k < n->n_ops; k++) {
        memset(n->ops[k].strides, 0, sizeof n->ops[k].strides);
        memcpy(n->ops[k].strides, st[k], sizeof(int64_t) * (size_t)s.rank);
    }
}

void cg_emit_nest(ic_strbuf *b, const cg_nest *in_nest, const char *body) {
    cg_nest n = *in_nest;
    simplify(&n);
    int r = n.space.rank;
    int64_t inner = r ? n.space.dims[r - 1] : 1;
    int64_t total = (int64_t)ic_shape_numel(&n.space);
    if (total == 0) return;
    int64_t outer = total / inner;
    int64_t nch = inner > 2 * CG_CHUNK ? (inner + CG_CHUNK - 1) / CG_CHUNK : 1;
    int64_t nt = outer * nch;
    long long NT = (long long)nt, NCH = (long long)nch, IN = (long long)inner;

    if (total >= CG_PAR_MIN && nt > 1) { /* a thread per CG_PAR_MIN / 2 elements at most */
        long long want = (long long)(total / (CG_PAR_MIN / 2)) < NT ? (long long)(total / (CG_PAR_MIN / 2)) : NT;
        ic_strbuf_printf(b, "    #pragma omp parallel for num_threads(omp_get_max_threads() < %lld ? omp_get_max_threads() : %lld)\n",
                         want, want);
    }
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", NT);
    if (nch > 1)
        ic_strbuf_printf(b,
                         "        const int64_t j0 = t %% %lld * %d, j1 = j0 + %d < %lld ? j0 + %d : %lld;\n",
                         NCH, CG_CHUNK, CG_CHUNK, IN, CG_CHUNK, IN);
    else
        ic_strbuf_printf(b, "        const int64_t j0 = 0, j1 = %lld;\n", IN);
    if (nch == 1 && outer == 1) ic_strbuf_puts(b, "        (void)t;\n");

    /* outer index -> one index per outer dim, innermost first */
    if (outer > 1) {
        if (nch > 1)
            ic_strbuf_printf(b, "        int64_t o = t / %lld;\n", NCH);
        else
            ic_strbuf_puts(b, "        int64_t o = t;\n");
        for (int i = r - 2; i >= 1; i--)
            ic_strbuf_printf(b, "        const int64_t i%d = o %% %lld; o /= %lld;\n", i, (long long)n.space.dims[i],
                             (long long)n.space.dims[i]);
        ic_strbuf_puts(b, "        const int64_t i0 = o;\n");
    }
    for (int k = 0; k < n.n_ops; k++) {
        ic_strbuf_printf(b, "        const int64_t b%d = %lld", k, (long long)n.ops[k].base);
        for (int i = 0; i < r - 1; i++)
            if (n.ops[k].strides[i]) ic_strbuf_printf(b, " + i%d * %lld", i, (long long)n.ops[k].strides[i]);
        ic_strbuf_puts(b, ";\n");
    }
    ic_strbuf_puts(b, "        for (int64_t j = j0; j < j1; j += IC_VW) {\n");
    ic_strbuf_puts(b, "            const int nl = j1 - j < IC_VW ? (int)(j1 - j) : IC_VW;\n");
    for (int k = 0; k < n.n_ops; k++)
        ic_strbuf_printf(b, "            %s %s[IC_VW];\n", ic_dtype_ctype(n.ops[k].dtype), n.ops[k].lanes);
    for (int k = 0; k < n.n_ops; k++) {
        const cg_operand *o = &n.ops[k];
        if (o->store) continue;
        int64_t s = r ? o->strides[r - 1] : 0;
        const char *sfx = cg_lane_sfx(o->dtype);
        if (s == 1)
            ic_strbuf_printf(b, "            ic_ld_%s(%s, %s + b%d + j, nl);\n", sfx, o->lanes, o->ptr, k);
        else if (s == 0)
            ic_strbuf_printf(b, "            ic_bc_%s(%s, %s[b%d]);\n", sfx, o->lanes, o->ptr, k);
        else
            ic_strbuf_printf(b, "            ic_lds_%s(%s, %s + b%d + j * %lld, %lld, nl);\n", sfx, o->lanes, o->ptr, k,
                             (long long)s, (long long)s);
    }
    ic_strbuf_puts(b, body);
    for (int k = 0; k < n.n_ops; k++) {
        const cg_operand *o = &n.ops[k];
        if (!o->store) continue;
        int64_t s = r ? o->strides[r - 1] : 1;
        const char *sfx = cg_lane_sfx(o->dtype);
        if (s == 1)
            ic_strbuf_printf(b, "            ic_st_%s(%s + b%d + j, %s, nl);\n", sfx, o->ptr, k, o->lanes);
        else
            ic_strbuf_printf(b, "            ic_sts_%s(%s + b%d + j * %lld, %s, %lld, nl);\n", sfx, o->ptr, k,
                             (long long)s, o->lanes, (long long)s);
    }
    ic_strbuf_puts(b, "        }\n    }\n");
}
