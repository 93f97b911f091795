/* cg_util.c — small text helpers every codegen emitter shares: pointer
 * expressions for planned buffers, literals, strides and kernel signatures. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/cg.h"

uint32_t cg_root(const cg_ctx *c, uint32_t v) {
    return c->bufs[v].kind == CG_STORE_ALIAS ? c->bufs[v].alias_of : v;
}

const char *cg_lane_sfx(ic_dtype t) {
    switch (t) {
    case IC_DT_F32: return "f32";
    case IC_DT_F16:
    case IC_DT_BF16: return "u16";
    case IC_DT_I8: return "i8";
    case IC_DT_U8:
    case IC_DT_BOOL: return "u8";
    case IC_DT_I32: return "i32";
    case IC_DT_I64: return "i64";
    default: return "invalid";
    }
}

void cg_ptr_expr(const cg_ctx *c, uint32_t v, bool writable, ic_strbuf *out) {
    const char *ct = ic_dtype_ctype(cg_val(c, v)->dtype);
    const char *cq = writable ? "" : "const ";
    const cg_buf *b = &c->bufs[cg_root(c, v)];
    switch (b->kind) {
    case CG_STORE_INPUT: ic_strbuf_printf(out, "(%s%s *)in[%u].data", cq, ct, b->index); break;
    case CG_STORE_OUTPUT: ic_strbuf_printf(out, "(%s%s *)out[%u].data", cq, ct, b->index); break;
    case CG_STORE_CONST:
        if (ic_value_nbytes(cg_val(c, v)) == 0) /* never read; the blob may not exist at all */
            ic_strbuf_printf(out, "(const %s *)0", ct);
        else
            ic_strbuf_printf(out, "(const %s *)(ic_weights + %llu)", ct, (unsigned long long)b->offset);
        break;
    case CG_STORE_ARENA:
        ic_strbuf_printf(out, "(%s%s *)(m->arena + %llu)", cq, ct, (unsigned long long)b->offset);
        break;
    default: ic_strbuf_printf(out, "(%s%s *)0", cq, ct); break;
    }
}

void cg_double_lit(ic_strbuf *b, double v) {
    if (isnan(v)) {
        ic_strbuf_puts(b, "NAN");
        return;
    }
    if (isinf(v)) {
        ic_strbuf_puts(b, v < 0 ? "(-INFINITY)" : "INFINITY");
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    if (!strpbrk(buf, ".e")) strcat(buf, ".0");
    if (v < 0)
        ic_strbuf_printf(b, "(%s)", buf);
    else
        ic_strbuf_puts(b, buf);
}

void cg_c_string(ic_strbuf *b, const char *s) {
    ic_strbuf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            ic_strbuf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            ic_strbuf_printf(b, "\\%03o", *p);
        else
            ic_strbuf_append(b, (const char *)p, 1);
    }
    ic_strbuf_puts(b, "\"");
}

void cg_dense_strides(const ic_shape *s, int64_t out[IC_MAX_RANK]) {
    int64_t st = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        out[i] = st;
        st *= s->dims[i];
    }
}

void cg_bcast_strides(const ic_shape *in, const ic_shape *out, int64_t strides[IC_MAX_RANK]) {
    int64_t dense[IC_MAX_RANK];
    cg_dense_strides(in, dense);
    int off = out->rank - in->rank;
    for (int i = 0; i < out->rank; i++) {
        int k = i - off;
        strides[i] = (k < 0 || in->dims[k] == 1) ? 0 : dense[k];
    }
}

void cg_kernel_begin(cg_ctx *c, uint32_t gi, const ic_node *n, unsigned flags) {
    const char *op = ic_op_get(n->op)->name;
    ic_strbuf *k = &c->kern;
    /* the signature */
    ic_strbuf_printf(k, "/* group %u: %s", gi, op);
    for (uint32_t i = 0; i < n->n_outputs; i++) {
        char t[160];
        ic_value_type_str(cg_val(c, n->outputs[i]), t, sizeof t);
        ic_strbuf_printf(k, "%s%s", i ? ", " : " -> ", t);
    }
    ic_strbuf_printf(k, " */\nstatic %s ic_k%u_%s(", (flags & CG_K_FAILS) ? "int" : "void", gi, op);
    bool first = true;
    if (flags & CG_K_MODEL) {
        ic_strbuf_puts(k, "inductc_model *m");
        first = false;
    }
    for (uint32_t i = 0; i < n->n_inputs; i++, first = false)
        ic_strbuf_printf(k, "%sconst %s *restrict in%u", first ? "" : ", ", ic_dtype_ctype(cg_val(c, n->inputs[i])->dtype),
                         i);
    for (uint32_t i = 0; i < n->n_outputs; i++, first = false)
        ic_strbuf_printf(k, "%s%s *restrict out%u", first ? "" : ", ", ic_dtype_ctype(cg_val(c, n->outputs[i])->dtype), i);
    ic_strbuf_puts(k, first ? "void) {\n" : ") {\n");

    /* the call */
    ic_strbuf *b = &c->body;
    ic_strbuf_printf(b, "    %sic_k%u_%s(", (flags & CG_K_FAILS) ? "if (" : "", gi, op);
    first = true;
    if (flags & CG_K_MODEL) {
        ic_strbuf_puts(b, "m");
        first = false;
    }
    for (uint32_t i = 0; i < n->n_inputs; i++, first = false) {
        if (!first) ic_strbuf_puts(b, ", ");
        cg_ptr_expr(c, n->inputs[i], false, b);
    }
    for (uint32_t i = 0; i < n->n_outputs; i++, first = false) {
        if (!first) ic_strbuf_puts(b, ", ");
        cg_ptr_expr(c, n->outputs[i], true, b);
    }
    ic_strbuf_puts(b, (flags & CG_K_FAILS) ? ")) return 1;\n" : ");\n");
}

void cg_kernel_end(cg_ctx *c) { ic_strbuf_puts(&c->kern, "}\n\n"); }
