/* emit_model.c — ic_codegen_emit: one C11 translation unit per graph that
 * implements include/inductc/model.h.
 *
 * Layout of the generated file, top to bottom:
 *   - ISA macro and includes (model.h, rt.h, kernels/ic_kernels.h)
 *   - the weights blob, pulled in with an assembler .incbin
 *   - static model info (names, dtypes, dims, hash, isa) and query()
 *   - the instance struct: error text, threads, arena, oneDNN handles
 *   - one static function per kernel group
 *   - ic_run_graph: the kernel calls in order, then copies for outputs that
 *     are graph inputs or constants
 *   - create (CPU feature check first, compiled for baseline x86-64), run
 *     (argument checks, OpenMP thread count), last_error, destroy.
 * Only the five ABI functions have default visibility; nothing mutable is
 * global except the thread-local text of a failed create. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "codegen/csr.h"
#include "runtime/isa.h"

/* CPU features the generated create() checks, per ISA. */
static const char *const *isa_features(const char *isa) {
    static const char *const avx512[] = {"avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", NULL};
    static const char *const avx2[] = {"avx2", "fma", NULL};
    static const char *const sse[] = {"sse2", NULL};
    if (strcmp(isa, "avx512") == 0) return avx512;
    if (strcmp(isa, "avx2") == 0) return avx2;
    return sse;
}

static ic_status emit_group(cg_ctx *c, uint32_t gi) {
    const cg_group *grp = &c->groups[gi];
    const ic_node *n = &c->g->nodes[grp->nodes[0]];
    const ic_op_info *info = ic_op_get(n->op);
    if (grp->alias) {
        char a[128], b[128];
        ic_strbuf_printf(&c->body, "    /* group %u: %s %s aliases %s */\n", gi, info->name,
                         ic_value_label(c->g, n->outputs[0], a, sizeof a), ic_value_label(c->g, n->inputs[0], b, sizeof b));
        return IC_OK;
    }
    if (grp->kind == CG_GROUP_FUSED) return cg_emit_fused(c, gi); /* empty or not: a reduction of nothing is not empty */
    bool empty = true;
    for (uint32_t i = 0; i < n->n_outputs; i++)
        if (ic_value_numel(cg_val(c, n->outputs[i]))) empty = false;
    if (empty) {
        ic_strbuf_printf(&c->body, "    /* group %u: %s has an empty result */\n", gi, info->name);
        return IC_OK;
    }
    if (grp->kind == CG_GROUP_LIBRARY) return cg_emit_library(c, gi); /* with its epilogue, if any */
    switch (n->op) { /* ops with an emitter of their own, whatever their kind */
    case IC_OP_ARGMAX: case IC_OP_ARGMIN: return cg_emit_argminmax(c, gi, n);
    case IC_OP_TOPK: return cg_emit_topk(c, gi, n);
    case IC_OP_CUMSUM: return cg_emit_cumsum(c, gi, n);
    case IC_OP_INSTANCE_NORM: return cg_emit_instance_norm(c, gi, n);
    case IC_OP_GATHER_ELEMENTS: case IC_OP_GATHER_ND: return cg_emit_gather_ext(c, gi, n);
    case IC_OP_SCATTER_ELEMENTS: case IC_OP_SCATTER_ND: return cg_emit_scatter(c, gi, n);
    case IC_OP_TILE: case IC_OP_PAD: case IC_OP_TRILU: case IC_OP_DEPTH_TO_SPACE: case IC_OP_SPACE_TO_DEPTH:
        return cg_emit_layout(c, gi, n);
    case IC_OP_RESIZE: return cg_emit_resize(c, gi, n);
    case IC_OP_EDGE_AGGREGATE: return cg_emit_edge_aggregate(c, gi, n);
    case IC_OP_CSR_BUILD: return cg_emit_csr_build(c, gi, n);
    case IC_OP_SPMM: return cg_emit_spmm(c, gi, n);
    case IC_OP_SEGMENT_REDUCE: return cg_emit_segment_reduce(c, gi, n);
    default: break;
    }
    switch (info->kind) {
    case IC_KIND_POINTWISE: return cg_emit_pointwise(c, gi, n);
    case IC_KIND_REDUCTION: return cg_emit_reduce(c, gi, n);
    case IC_KIND_ROW: return cg_emit_row(c, gi, n);
    case IC_KIND_VIEW:
    case IC_KIND_MOVEMENT: return cg_emit_movement(c, gi, n);
    case IC_KIND_WINDOW: return cg_emit_window(c, gi, n);
    case IC_KIND_LIBRARY: return cg_emit_library(c, gi);
    default: return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: no emitter for %s", info->name);
    }
}

/* Appends the .incbin of the blob, with the path escaped for C and then for the assembler. */
static ic_status emit_incbin(cg_ctx *c, ic_strbuf *o) {
    const char *path = c->opt->blob_path;
    if (!path || !path[0]) return ic_diag_set(c->d, IC_ERR_USAGE, "codegen: the graph has constants but no blob_path");
    ic_strbuf_puts(o, "/* the weights blob: every constant, 64-byte aligned */\n__asm__(\".section .rodata\\n\"\n"
                      "        \".balign 64\\n\"\n        \".type ic_weights, @object\\n\"\n"
                      "        \"ic_weights:\\n\"\n        \".incbin \\\"");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return ic_diag_set(c->d, IC_ERR_UNSUPPORTED, "codegen: blob path contains a control character");
        if (*p == '"' || *p == '\\')
            ic_strbuf_printf(o, "\\\\\\%c", *p); /* C \\ then \" or \\: the assembler sees \" or \\ */
        else
            ic_strbuf_append(o, (const char *)p, 1);
    }
    ic_strbuf_printf(o, "\\\"\\n\"\n        \".size ic_weights, %llu\\n\"\n        \".previous\\n\");\n",
                     (unsigned long long)c->blob_size);
    ic_strbuf_puts(o, "extern const unsigned char ic_weights[] __attribute__((visibility(\"hidden\")));\n\n");
    return IC_OK;
}

static void emit_tensor_infos(cg_ctx *c, ic_strbuf *o, const char *what, const uint32_t *ids, uint32_t n) {
    if (!n) return;
    for (uint32_t i = 0; i < n; i++) {
        const ic_value *v = cg_val(c, ids[i]);
        ic_strbuf_printf(o, "static const int64_t ic_%s_dims_%u[] = {", what, i);
        for (int k = 0; k < v->shape.rank; k++) ic_strbuf_printf(o, "%s%lld", k ? ", " : "", (long long)v->shape.dims[k]);
        ic_strbuf_puts(o, v->shape.rank ? "};\n" : "0}; /* scalar */\n");
    }
    ic_strbuf_printf(o, "static const inductc_tensor_info ic_%s[%u] = {\n", what, n);
    for (uint32_t i = 0; i < n; i++) {
        const ic_value *v = cg_val(c, ids[i]);
        ic_strbuf_puts(o, "    {");
        cg_c_string(o, v->name ? v->name : "");
        ic_strbuf_printf(o, ", %d /* %s */, %d, ic_%s_dims_%u},\n", (int)v->dtype, ic_dtype_name(v->dtype),
                         v->shape.rank, what, i);
    }
    ic_strbuf_puts(o, "};\n");
}

static void emit_info(cg_ctx *c, ic_strbuf *o, const char *isa) {
    const ic_graph *g = c->g;
    emit_tensor_infos(c, o, "inputs", g->inputs, g->n_inputs);
    emit_tensor_infos(c, o, "outputs", g->outputs, g->n_outputs);
    ic_strbuf_puts(o, "\nstatic const inductc_model_info ic_info = {\n    .abi_version = INDUCTC_MODEL_ABI_VERSION,\n"
                      "    .graph_hash = {");
    for (int i = 0; i < 16; i++) ic_strbuf_printf(o, "%s0x%02x", i ? ", " : "", c->opt->graph_hash[i]);
    ic_strbuf_printf(o, "},\n    .isa = \"%s\",\n    .name = ", isa);
    cg_c_string(o, g->name ? g->name : "model");
    ic_strbuf_printf(o, ",\n    .n_inputs = %u,\n    .n_outputs = %u,\n    .inputs = %s,\n    .outputs = %s,\n};\n\n",
                     g->n_inputs, g->n_outputs, g->n_inputs ? "ic_inputs" : "NULL", g->n_outputs ? "ic_outputs" : "NULL");
    ic_strbuf_puts(o, "IC_EXPORT const inductc_model_info *inductc_model_query(void) { return &ic_info; }\n\n");
}

static void emit_instance(cg_ctx *c, ic_strbuf *o) {
    ic_strbuf_printf(o,
                     "#define IC_ERR_SIZE 1024\n"
                     "#define IC_ARENA_SIZE %lluu /* bytes of intermediates (memory plan) */\n"
                     "#define IC_N_PRIMS %u\n\n"
                     "struct inductc_model {\n"
                     "    char err[IC_ERR_SIZE];            /* last error of this instance */\n"
                     "    int num_threads;                  /* OpenMP threads for create() and run() */\n"
                     "    unsigned char *arena;             /* intermediates, 64-byte aligned, then oneDNN's scratchpad */\n"
                     "    size_t arena_bytes;               /* bytes in arena */\n"
                     "    double *prof_ms;                  /* per profile entry ms while profiling, else NULL */\n"
                     "    uint64_t prof_runs;               /* runs while profiling */\n"
                     "    ic_rt_dnnl *dnnl;                 /* engine and stream, NULL without library ops */\n"
                     "    ic_rt_prim *prim[IC_N_PRIMS ? IC_N_PRIMS : 1]; /* oneDNN primitives, by slot */\n"
                     "};\n\n"
                     "/* Why the calling thread's last create() failed (last_error(NULL)). */\n"
                     "static _Thread_local char ic_create_err[IC_ERR_SIZE];\n\n",
                     (unsigned long long)((c->arena_size + 63) & ~63ull), c->n_prims);
}

/* The kernel calls in order. Consecutive parallel loop kernels share one
 * `omp parallel` region (their loops are orphaned `omp for`s), which saves a
 * fork and join per kernel; small kernels run on the calling thread alone. */
static void emit_run_body(cg_ctx *c, ic_strbuf *o) {
    const char *text = ic_strbuf_str(&c->body);
    size_t at = 0;
    for (uint32_t gi = 0; gi < c->n_groups;) {
        const cg_group *grp = &c->groups[gi];
        bool region = grp->kind == CG_GROUP_FUSED && grp->threads > 1;
        uint32_t end = gi + 1;
        int threads = region ? grp->threads : 0;
        while (region && end < c->n_groups && c->groups[end].kind == CG_GROUP_FUSED && c->groups[end].threads > 1) {
            if (c->groups[end].threads > threads) threads = c->groups[end].threads;
            end++;
        }
        ic_strbuf_append(o, text + at, grp->call_begin - at);
        cg_prof_begin(c, o, grp->call_begin, c->groups[end - 1].call_end); /* per-segment timer (emit_profile.c) */
        if (region) {
            ic_strbuf_printf(o, "    {\n        const int nt = omp_get_max_threads() < %d ? omp_get_max_threads() : %d;\n"
                                "        #pragma omp parallel num_threads(nt)\n        {\n",
                             threads, threads);
            for (uint32_t k = gi; k < end; k++) {
                ic_strbuf_puts(o, "        ");
                ic_strbuf_append(o, text + c->groups[k].call_begin, c->groups[k].call_end - c->groups[k].call_begin);
            }
            ic_strbuf_puts(o, "        }\n    }\n");
        } else {
            ic_strbuf_append(o, text + grp->call_begin, grp->call_end - grp->call_begin);
        }
        cg_prof_end(c, o, gi, end);
        at = c->groups[end - 1].call_end;
        gi = end;
    }
    ic_strbuf_puts(o, text + at);
}

static void emit_run_graph(cg_ctx *c, ic_strbuf *o) {
    const ic_graph *g = c->g;
    ic_strbuf_puts(o, "/* Runs every kernel group in order on checked arguments. */\n"
                      "static int ic_run_graph(inductc_model *m, const inductc_tensor *in, const inductc_tensor *out) {\n"
                      "    (void)m; (void)in; (void)out;\n"
                      "    double ic_t0 = 0.0; /* profile timer (emit_profile.c) */\n"
                      "    (void)ic_t0;\n");
    emit_run_body(c, o);
    for (uint32_t j = 0; j < g->n_outputs; j++) {
        uint32_t v = g->outputs[j];
        const cg_buf *b = &c->bufs[cg_root(c, v)];
        if (b->kind == CG_STORE_OUTPUT && b->index == j) continue;
        size_t nb = ic_value_nbytes(cg_val(c, v));
        if (!nb) continue;
        ic_strbuf_printf(o, "    memcpy(out[%u].data, ", j);
        cg_ptr_expr(c, v, false, o);
        ic_strbuf_printf(o, ", %zu); /* output %u is not computed in place */\n", nb, j);
    }
    ic_strbuf_puts(o, "    return 0;\n}\n\n");
}

static void emit_entry_points(cg_ctx *c, ic_strbuf *o, const char *isa) {
    const ic_graph *g = c->g;
    /* CPU check, compiled for baseline x86-64 so it runs on any CPU; it calls
       only libc, not the runtime archive (built with -march=native) */
    ic_strbuf_puts(o, "/* Refuses a CPU without the features this file was compiled for. */\n"
                      "__attribute__((target(\"arch=x86-64\"), noinline))\n"
                      "static int ic_cpu_check(char *err) {\n"
                      "    char missing[160] = \"\";\n"
                      "    __builtin_cpu_init();\n");
    for (const char *const *f = isa_features(isa); *f; f++)
        ic_strbuf_printf(o, "    if (!__builtin_cpu_supports(\"%s\")) strcat(missing, \" %s\");\n", *f, *f);
    ic_strbuf_printf(o,
                     "#ifdef IC_FAKE_MISSING_CPU_FEATURE /* test hook: pretend a feature is missing */\n"
                     "    strcat(missing, \" \" IC_FAKE_MISSING_CPU_FEATURE);\n"
                     "#endif\n"
                     "    if (!missing[0]) return 0;\n"
                     "    snprintf(err, IC_ERR_SIZE, \"model '%%s' was compiled for %s but this CPU lacks:%%s\", ic_info.name,\n"
                     "             missing);\n"
                     "    return 1;\n"
                     "}\n\n",
                     isa);

    ic_strbuf_puts(o, "IC_EXPORT void inductc_model_destroy(inductc_model *m) {\n"
                      "    if (!m) return;\n"
                      "    for (int i = 0; i < IC_N_PRIMS; i++) ic_rt_prim_destroy(m->prim[i]);\n"
                      "    ic_rt_dnnl_destroy(m->dnnl);\n"
                      "    free(m->arena);\n"
                      "    free(m->prof_ms);\n"
                      "    free(m);\n"
                      "}\n\n");

    if (c->n_prims) {
        ic_strbuf_puts(o, "/* Creates the oneDNN engine and every primitive, prepacking constant weights. */\n"
                          "static int ic_create_prims(inductc_model *m, char *err) {\n"
                          "    if (ic_rt_dnnl_create(&m->dnnl, err, IC_ERR_SIZE)) return 1;\n");
        ic_strbuf_puts(o, ic_strbuf_str(&c->create));
        ic_strbuf_puts(o, "    return 0;\n}\n\n");
    }
    ic_strbuf_puts(o, "/* Allocates an instance and builds (prepacks) its primitives. */\n"
                      "__attribute__((noinline))\n"
                      "static int ic_create(const inductc_model_options *opts, inductc_model **out_model, char *err) {\n"
                      "    inductc_model *m = calloc(1, sizeof *m);\n"
                      "    if (!m) return ic_rt_fail(err, IC_ERR_SIZE, \"out of memory creating the model\");\n"
                      "    if (opts && opts->struct_size >= offsetof(inductc_model_options, num_threads) + sizeof opts->num_threads)\n"
                      "        m->num_threads = opts->num_threads;\n"
                      "    /* oneDNN sizes its primitives for the thread count at creation: pin it */\n"
                      "    if (m->num_threads <= 0) m->num_threads = omp_get_max_threads();\n"
                      "");
    if (c->n_prims)
        ic_strbuf_puts(o, "    const int saved_threads = omp_get_max_threads();\n"
                          "    omp_set_num_threads(m->num_threads);\n"
                          "    const int rc = ic_create_prims(m, err);\n"
                          "    omp_set_num_threads(saved_threads);\n"
                          "    if (rc) goto fail;\n");
    /* the arena, with oneDNN's scratchpad (known only now) at its end */
    ic_strbuf_puts(o, "    const size_t scratch = ic_rt_dnnl_scratch_size(m->dnnl);\n"
                      "    m->arena_bytes = IC_ARENA_SIZE + scratch;\n"
                      "    m->arena = aligned_alloc(64, m->arena_bytes ? m->arena_bytes : 64);\n"
                      "    if (!m->arena) {\n"
                      "        ic_rt_fail(err, IC_ERR_SIZE, \"out of memory allocating a %zu-byte arena\", m->arena_bytes);\n"
                      "        goto fail;\n"
                      "    }\n"
                      "    ic_rt_dnnl_set_scratch(m->dnnl, m->arena + IC_ARENA_SIZE);\n");
    ic_strbuf_puts(o, "    *out_model = m;\n"
                      "    return 0;\n"
                      "fail:\n"
                      "    inductc_model_destroy(m);\n"
                      "    return 1;\n"
                      "}\n\n");

    ic_strbuf_puts(o, "__attribute__((target(\"arch=x86-64\")))\n"
                      "IC_EXPORT int inductc_model_create(const inductc_model_options *opts, inductc_model **out_model) {\n"
                      "    ic_create_err[0] = '\\0';\n"
                      "    if (!out_model) return ic_rt_fail(ic_create_err, IC_ERR_SIZE, \"out_model is NULL\");\n"
                      "    *out_model = NULL;\n"
                      "    if (ic_cpu_check(ic_create_err)) return 1;\n"
                      "    return ic_create(opts, out_model, ic_create_err);\n"
                      "}\n\n");

    ic_strbuf_printf(o,
                     "IC_EXPORT int inductc_model_run(inductc_model *m, const inductc_tensor *inputs, uint32_t n_inputs,\n"
                     "                                const inductc_tensor *outputs, uint32_t n_outputs) {\n"
                     "    if (!m) return ic_rt_fail(ic_create_err, IC_ERR_SIZE, \"run: model is NULL\");\n"
                     "    m->err[0] = '\\0';\n"
                     "    if (ic_rt_check_tensors(m->err, IC_ERR_SIZE, \"input\", %s, %u, inputs, n_inputs) ||\n"
                     "        ic_rt_check_tensors(m->err, IC_ERR_SIZE, \"output\", %s, %u, outputs, n_outputs) ||\n"
                     "        ic_rt_check_overlap(m->err, IC_ERR_SIZE, %s, inputs, %u, %s, outputs, %u))\n"
                     "        return 1;\n"
                     "    const int saved_threads = omp_get_max_threads();\n"
                     "    omp_set_num_threads(m->num_threads);\n"
                     "    const int rc = ic_run_graph(m, inputs, outputs);\n"
                     "    omp_set_num_threads(saved_threads);\n"
                     "    if (m->prof_ms && !rc) m->prof_runs++;\n"
                     "    return rc;\n"
                     "}\n\n",
                     g->n_inputs ? "ic_inputs" : "NULL", g->n_inputs, g->n_outputs ? "ic_outputs" : "NULL",
                     g->n_outputs, g->n_inputs ? "ic_inputs" : "NULL", g->n_inputs,
                     g->n_outputs ? "ic_outputs" : "NULL", g->n_outputs);

    ic_strbuf_puts(o, "IC_EXPORT const char *inductc_model_last_error(const inductc_model *m) {\n"
                      "    return m ? m->err : ic_create_err;\n"
                      "}\n");
}

static void ctx_free(cg_ctx *c) {
    free(c->bufs);
    cg_groups_free(c);
    ic_strbuf_free(&c->kern);
    ic_strbuf_free(&c->body);
    ic_strbuf_free(&c->create);
    ic_strbuf_free(&c->prof);
}

ic_status ic_codegen_emit(const ic_graph *g, const ic_codegen_options *opt, ic_strbuf *out_c, ic_strbuf *out_blob,
                          ic_diag *d) {
    cg_ctx c = {.g = g, .opt = opt, .d = d, .blob = out_blob};
    ic_strbuf_init(&c.kern);
    ic_strbuf_init(&c.body);
    ic_strbuf_init(&c.create);
    ic_strbuf_init(&c.prof);
    const char *isa = opt->isa && opt->isa[0] ? opt->isa : ic_isa_detect();
    if (strcmp(isa, "avx512") != 0 && strcmp(isa, "avx2") != 0 && strcmp(isa, "sse") != 0)
        return ic_diag_set(d, IC_ERR_USAGE, "codegen: unknown isa '%s' (avx512, avx2 or sse)", isa);

    ic_status s = cg_groups_build(&c);
    if (s == IC_OK) s = cg_memplan(&c);
    for (uint32_t gi = 0; s == IC_OK && gi < c.n_groups; gi++) {
        c.groups[gi].call_begin = c.body.len;
        s = emit_group(&c, gi);
        c.groups[gi].call_end = c.body.len;
    }
    if (s != IC_OK) {
        ctx_free(&c);
        return s;
    }

    ic_strbuf *o = out_c;
    ic_strbuf_puts(o, "/* Generated by inductc " IC_VERSION " for graph ");
    ic_strbuf t;
    ic_strbuf_init(&t);
    cg_c_string(&t, g->name ? g->name : "model");
    /* keep the comment well-formed whatever the name holds */
    for (const char *p = ic_strbuf_str(&t); *p; p++) ic_strbuf_append(o, (p[0] == '*' && p[1] == '/') ? "?" : p, 1);
    ic_strbuf_free(&t);
    ic_strbuf_printf(o, ". Do not edit.\n * Implements include/inductc/model.h; ISA %s. */\n", isa);
    ic_strbuf_printf(o, "#define IC_ISA_%s 1\n\n", strcmp(isa, "avx512") == 0 ? "AVX512" : strcmp(isa, "avx2") == 0 ? "AVX2" : "SSE");
    ic_strbuf_puts(o, "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n"
                      "#include <stdlib.h>\n#include <string.h>\n\n#include <omp.h>\n\n"
                      "#include \"inductc/model.h\"\n#include \"rt.h\"\n#include \"ic_kernels.h\"\n\n"
                      "#define IC_EXPORT __attribute__((visibility(\"default\")))\n\n");
    if (c.blob_size) s = emit_incbin(&c, o);
    if (s == IC_OK) {
        emit_info(&c, o, isa);
        emit_instance(&c, o);
        ic_strbuf_puts(o, ic_strbuf_str(&c.kern));
        emit_run_graph(&c, o);
        emit_entry_points(&c, o, isa);
        cg_emit_profile_api(&c, o);
        if (!ic_strbuf_ok(o) || !ic_strbuf_ok(out_blob))
            s = ic_diag_set(d, IC_ERR_NOMEM, "out of memory generating C for graph %s", g->name ? g->name : "model");
    }
    ctx_free(&c);
    return s;
}
