/* emit_profile.c — per-group timing and instance statistics in the generated
 * model: the optional exports inductc_model_profile, _profile_read and
 * inductc_model_get_stats (include/inductc/model.h).
 *
 * The run body is cut into segments — one kernel group, or the consecutive
 * groups that share one `omp parallel` region — and each segment that runs
 * code is wrapped in two clock reads that only happen while profiling is on
 * (m->prof_ms != NULL). A static table names each segment by its result and
 * its ops, so `inductc run --profile` can say which layer is slow. */
#include <string.h>

#include "codegen/cg.h"

/* Whether text holds a statement (anything but comments and blanks). */
static bool has_code(const char *text, size_t len) {
    bool in_comment = false;
    for (size_t i = 0; i < len; i++) {
        if (in_comment) {
            if (text[i] == '*' && i + 1 < len && text[i + 1] == '/') in_comment = false, i++;
            continue;
        }
        if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
            in_comment = true;
            i++;
            continue;
        }
        if (text[i] == ';') return true;
    }
    return false;
}

void cg_prof_begin(cg_ctx *c, ic_strbuf *o, size_t text_begin, size_t text_end) {
    c->prof_open = has_code(ic_strbuf_str(&c->body) + text_begin, text_end - text_begin);
    if (c->prof_open) ic_strbuf_puts(o, "    if (m->prof_ms) ic_t0 = ic_rt_now_ms();\n");
}

void cg_prof_end(cg_ctx *c, ic_strbuf *o, uint32_t first, uint32_t end) {
    if (!c->prof_open) return;
    c->prof_open = false;
    uint32_t seg = c->n_prof++;
    ic_strbuf_printf(o, "    if (m->prof_ms) m->prof_ms[%u] += ic_rt_now_ms() - ic_t0;\n", seg);
    /* the table entry: {name, ops} */
    const ic_graph *g = c->g;
    const cg_group *last = &c->groups[end - 1];
    char label[256];
    ic_value_label(g, g->nodes[last->nodes[last->n_nodes - 1]].outputs[0], label, sizeof label);
    ic_strbuf_puts(&c->prof, "    {");
    cg_c_string(&c->prof, label[0] == '%' ? label + 1 : label);
    ic_strbuf_puts(&c->prof, ", \"");
    for (uint32_t gi = first; gi < end; gi++) {
        const cg_group *grp = &c->groups[gi];
        if (gi > first) ic_strbuf_puts(&c->prof, ", ");
        for (uint32_t k = 0; k < grp->n_nodes; k++)
            ic_strbuf_printf(&c->prof, "%s%s", k ? "+" : "", ic_op_get(g->nodes[grp->nodes[k]].op)->name);
    }
    ic_strbuf_puts(&c->prof, "\", 0.0, 0},\n");
}

void cg_emit_profile_api(cg_ctx *c, ic_strbuf *o) {
    ic_strbuf_printf(o, "#define IC_N_PROF %u\n", c->n_prof);
    ic_strbuf_puts(o, "/* Profile entries: one per timed segment of the run body. */\n"
                      "static const inductc_profile_entry ic_prof_info[IC_N_PROF ? IC_N_PROF : 1] = {\n");
    ic_strbuf_puts(o, c->n_prof ? ic_strbuf_str(&c->prof) : "    {\"\", \"\", 0.0, 0},\n");
    ic_strbuf_puts(o, "};\n\n");
    ic_strbuf_puts(o,
                   "IC_EXPORT int inductc_model_profile(inductc_model *m, int on) {\n"
                   "    if (!m) return ic_rt_fail(ic_create_err, IC_ERR_SIZE, \"profile: model is NULL\");\n"
                   "    free(m->prof_ms);\n"
                   "    m->prof_ms = NULL;\n"
                   "    m->prof_runs = 0;\n"
                   "    if (!on) return 0;\n"
                   "    m->prof_ms = calloc(IC_N_PROF ? IC_N_PROF : 1, sizeof *m->prof_ms);\n"
                   "    return m->prof_ms ? 0 : ic_rt_fail(m->err, IC_ERR_SIZE, \"out of memory for the profile\");\n"
                   "}\n\n"
                   "IC_EXPORT uint32_t inductc_model_profile_read(const inductc_model *m, inductc_profile_entry *out, uint32_t cap) {\n"
                   "    for (uint32_t i = 0; out && i < cap && i < IC_N_PROF; i++) {\n"
                   "        out[i] = ic_prof_info[i];\n"
                   "        out[i].total_ms = m && m->prof_ms ? m->prof_ms[i] : 0.0;\n"
                   "        out[i].calls = m ? m->prof_runs : 0;\n"
                   "    }\n"
                   "    return IC_N_PROF;\n"
                   "}\n\n");
    ic_strbuf_printf(o,
                     "IC_EXPORT int inductc_model_get_stats(const inductc_model *m, inductc_model_stats *out) {\n"
                     "    if (!m || !out || out->struct_size < offsetof(inductc_model_stats, scratchpad_bytes) + 8)\n"
                     "        return ic_rt_fail(ic_create_err, IC_ERR_SIZE, \"stats: bad arguments\");\n"
                     "    uint64_t packed = 0;\n"
                     "    for (int i = 0; i < IC_N_PRIMS; i++) packed += ic_rt_prim_packed_bytes(m->prim[i]);\n"
                     "    out->n_groups = IC_N_PROF;\n"
                     "    out->n_primitives = IC_N_PRIMS;\n"
                     "    out->reserved = 0;\n"
                     "    out->weights_bytes = %lluu;\n"
                     "    out->prepacked_bytes = packed;\n"
                     "    out->arena_bytes = m->arena_bytes;\n"
                     "    out->scratchpad_bytes = ic_rt_dnnl_scratch_size(m->dnnl);\n"
                     "    return 0;\n"
                     "}\n\n",
                     (unsigned long long)c->blob_size);
}
