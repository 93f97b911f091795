/* emit_topk.c — topk along one axis (semantics: docs/ops.md; reference:
 * interp_topk.c), to values and i64 indices.
 *
 * The input is viewed as [outer, len, inner]. Every (outer, inner) row is
 * ranked on its own, in parallel over rows when the work is large, with
 * per-thread scratch of len (value, index) pairs:
 *   - k <= TOPK_SELECT: one pass keeps the best k so far, sorted, and
 *     inserts each element that beats the last of them (O(len k), no
 *     allocation beyond the scratch);
 *   - larger k: qsort of the whole row, then the first k.
 * Both order by the same rule as the reference: NaN above every number,
 * then value, then the lower index. Scratch that cannot be allocated fails
 * the run with a message. */
#include <stdio.h>

#include "codegen/cg.h"

#define TOPK_SELECT 32 /* largest k ranked by insertion */

ic_status cg_emit_topk(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]);
    ic_topk_params p;
    IC_TRY(ic_topk_params_get(n, &x->shape, &p, c->d));
    int64_t outer = 1, len = x->shape.dims[p.axis], inner = 1;
    for (int i = 0; i < p.axis; i++) outer *= x->shape.dims[i];
    for (int i = p.axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    long long rows = (long long)(outer * inner), k = (long long)p.k;
    const char *t = ic_dtype_ctype(x->dtype);
    bool f = x->dtype == IC_DT_F32;
    char label[128];
    ic_value_label(c->g, n->outputs[0], label, sizeof label);

    cg_kernel_begin(c, gi, n, CG_K_MODEL | CG_K_FAILS);
    ic_strbuf *b = &c->kern;
    if (rows == 0 || k == 0) {
        ic_strbuf_puts(b, "    (void)m; (void)in0; (void)out0; (void)out1;\n    return 0;\n");
        cg_kernel_end(c);
        return IC_OK;
    }
    /* a before b: the ranking rule, as a macro over two (value, index) pairs */
    ic_strbuf_printf(b, "    typedef struct { %s v; int64_t i; } ent;\n", t);
    if (f && p.largest)
        ic_strbuf_puts(b, "#define BEFORE(a, b) ((a).v != (a).v ? ((b).v == (b).v || (a).i < (b).i) : "
                          "(b).v != (b).v ? 0 : (a).v != (b).v ? (a).v > (b).v : (a).i < (b).i)\n");
    else if (f)
        ic_strbuf_puts(b, "#define BEFORE(a, b) ((a).v != (a).v ? ((b).v != (b).v && (a).i < (b).i) : "
                          "(b).v != (b).v ? 1 : (a).v != (b).v ? (a).v < (b).v : (a).i < (b).i)\n");
    else
        ic_strbuf_printf(b, "#define BEFORE(a, b) ((a).v != (b).v ? (a).v %s (b).v : (a).i < (b).i)\n", p.largest ? ">" : "<");
    ic_strbuf_puts(b, "    int bad = 0;\n");
    if (rows > 1 && rows * len >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel reduction(|: bad)\n");
    ic_strbuf_puts(b, "    {\n");
    ic_strbuf_printf(b, "        ent *e = malloc(%lld * sizeof *e);\n", (long long)(k <= TOPK_SELECT ? k : len));
    ic_strbuf_puts(b, "        if (!e) bad = 1;\n");
    if (rows > 1 && rows * len >= CG_PAR_MIN) ic_strbuf_puts(b, "        #pragma omp for\n");
    ic_strbuf_printf(b, "        for (int64_t r = 0; r < %lld; r++) {\n", rows);
    ic_strbuf_puts(b, "            if (!e) continue;\n");
    ic_strbuf_printf(b, "            const int64_t base = r / %lld * %lld + r %% %lld, obase = r / %lld * %lld + r %% %lld;\n",
                     (long long)inner, (long long)(len * inner), (long long)inner, (long long)inner, k * inner,
                     (long long)inner);
    if (k <= TOPK_SELECT) {
        ic_strbuf_puts(b, "            int64_t have = 0;\n");
        ic_strbuf_printf(b, "            for (int64_t j = 0; j < %lld; j++) {\n", (long long)len);
        ic_strbuf_printf(b, "                const ent q = {in0[base + j * %lld], j};\n", (long long)inner);
        ic_strbuf_printf(b, "                if (have == %lld && !BEFORE(q, e[have - 1])) continue;\n", k);
        ic_strbuf_printf(b, "                int64_t at = have < %lld ? have++ : have - 1;\n", k);
        ic_strbuf_puts(b, "                while (at > 0 && BEFORE(q, e[at - 1])) { e[at] = e[at - 1]; at--; }\n");
        ic_strbuf_puts(b, "                e[at] = q;\n            }\n");
    } else {
        ic_strbuf_printf(b, "            for (int64_t j = 0; j < %lld; j++) e[j] = (ent){in0[base + j * %lld], j};\n",
                         (long long)len, (long long)inner);
        /* heap sort by BEFORE, in place: O(len log len) without recursion or more memory */
        ic_strbuf_printf(b, "            int64_t nn = %lld;\n", (long long)len);
        /* sift(i, end): move e[i] down until both children rank before it */
        ic_strbuf_puts(b, "#define SIFT(start, end)                                          \\\n"
                          "            for (int64_t i = (start);;) {                           \\\n"
                          "                int64_t c2 = 2 * i + 1, w = i;                      \\\n"
                          "                if (c2 < (end) && BEFORE(e[w], e[c2])) w = c2;       \\\n"
                          "                if (c2 + 1 < (end) && BEFORE(e[w], e[c2 + 1])) w = c2 + 1; \\\n"
                          "                if (w == i) break;                                  \\\n"
                          "                const ent tmp = e[i];                               \\\n"
                          "                e[i] = e[w];                                        \\\n"
                          "                e[w] = tmp;                                         \\\n"
                          "                i = w;                                              \\\n"
                          "            }\n");
        ic_strbuf_puts(b, "            for (int64_t s = nn / 2; s-- > 0;) { /* a heap whose root ranks last */\n"
                          "                SIFT(s, nn)\n"
                          "            }\n"
                          "            for (int64_t end = nn - 1; end > 0; end--) { /* the last-ranked to the back */\n"
                          "                const ent top = e[0];\n"
                          "                e[0] = e[end];\n"
                          "                e[end] = top;\n"
                          "                SIFT(0, end)\n"
                          "            }\n"
                          "#undef SIFT\n");
    }
    ic_strbuf_printf(b, "            for (int64_t j = 0; j < %lld; j++) {\n", k);
    ic_strbuf_printf(b, "                out0[obase + j * %lld] = e[j].v;\n", (long long)inner);
    ic_strbuf_printf(b, "                out1[obase + j * %lld] = e[j].i;\n", (long long)inner);
    ic_strbuf_puts(b, "            }\n        }\n        free(e);\n    }\n#undef BEFORE\n");
    ic_strbuf_printf(b, "    if (bad) return ic_rt_fail(m->err, sizeof m->err, \"topk %%s: out of memory for %lld-element rows\", ",
                     (long long)len);
    cg_c_string(b, label);
    ic_strbuf_puts(b, ");\n");
    ic_strbuf_puts(b, "    return 0;\n");
    cg_kernel_end(c);
    return IC_OK;
}
