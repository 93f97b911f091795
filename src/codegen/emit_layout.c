/* emit_layout.c — ops that copy elements through an index map, for every
 * dtype: tile, pad, trilu, depth_to_space and space_to_depth.
 *
 * tile, pad and trilu run over output rows (all dims but the last) in
 * parallel: the row's source comes from its coordinates, then the row is
 * filled with block copies (tile: the source row repeated; pad: fill or
 * reflected / edge elements around one contiguous copy of the kept input;
 * trilu: zeros and a copy split at the diagonal). depth_to_space and
 * space_to_depth are transposes of a 6-D view, emitted as one strided copy
 * through the loop-nest emitter. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/cg.h"
#include "ir/tensor.h"

/* Appends the C lvalue-free literal of pad's fill in dtype t. */
static void fill_literal(ic_strbuf *b, double v, ic_dtype t) {
    switch (t) {
    case IC_DT_F32:
        ic_strbuf_puts(b, "(float)");
        cg_double_lit(b, (double)(float)v);
        return;
    case IC_DT_F16:
    case IC_DT_BF16: ic_strbuf_printf(b, "(uint16_t)0x%04x", ic_half_from_f64(v, t)); return;
    case IC_DT_BOOL: ic_strbuf_printf(b, "(uint8_t)%d", v != 0.0); return; /* NaN is true, as a cast would give */
    default: break;
    }
    /* integers: truncated toward zero, saturated to int64, wrapped to the dtype (as the reference) */
    int64_t i = isnan(v) ? 0 : v >= 9223372036854775807.0 ? INT64_MAX : v <= -9223372036854775808.0 ? INT64_MIN : (int64_t)v;
    if (i == INT64_MIN)
        ic_strbuf_printf(b, "(%s)INT64_MIN", ic_dtype_ctype(t));
    else
        ic_strbuf_printf(b, "(%s)%lldLL", ic_dtype_ctype(t), (long long)i);
}

/* Opens the parallel loop over output rows: t is the row, y its start; q and
 * the coordinates of dims 0 .. rank-2 are decomposed by the caller. */
static void open_rows(ic_strbuf *b, const ic_value *out, int64_t row_len) {
    int64_t rows = (int64_t)ic_value_numel(out) / row_len;
    if (rows > 1 && (int64_t)ic_value_numel(out) >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t t = 0; t < %lld; t++) {\n", (long long)rows);
    ic_strbuf_printf(b, "        %s *y = out0 + t * %lld;\n", ic_dtype_ctype(out->dtype), (long long)row_len);
    ic_strbuf_puts(b, "        int64_t q = t, src = 0;\n");
}

static ic_status emit_tile(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    int r = x->shape.rank;
    size_t es = ic_dtype_size(x->dtype);
    ic_strbuf *b = &c->kern;
    if (r == 0) {
        ic_strbuf_printf(b, "    memcpy(out0, in0, %zu);\n", es);
        return IC_OK;
    }
    int64_t xs[IC_MAX_RANK], w = out->shape.dims[r - 1], xw = x->shape.dims[r - 1];
    cg_dense_strides(&x->shape, xs);
    open_rows(b, out, w);
    for (int d = r - 2; d >= 0; d--) {
        long long od = (long long)out->shape.dims[d];
        ic_strbuf_printf(b, "        src += q %% %lld %% %lld * %lld; q /= %lld;\n", od, (long long)x->shape.dims[d],
                         (long long)xs[d], od);
    }
    ic_strbuf_puts(b, "        (void)q;\n");
    ic_strbuf_printf(b, "        for (int64_t k = 0; k < %lld; k++) memcpy(y + k * %lld, in0 + src, %zu);\n    }\n",
                     (long long)(w / xw), (long long)xw, (size_t)xw * es);
    return IC_OK;
}

static ic_status emit_pad(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    int r = x->shape.rank;
    ic_pad_params p;
    IC_TRY(ic_pad_params_get(n, r, &p, c->d));
    size_t es = ic_dtype_size(x->dtype);
    ic_strbuf *b = &c->kern;
    if (r == 0) {
        ic_strbuf_printf(b, "    memcpy(out0, in0, %zu);\n", es);
        return IC_OK;
    }
    ic_strbuf fill;
    ic_strbuf_init(&fill);
    fill_literal(&fill, p.value, x->dtype);
    const char *fv = ic_strbuf_str(&fill);
    int mode = p.mode == IC_PAD_CONSTANT ? 0 : p.mode == IC_PAD_REFLECT ? 1 : 2;
    int64_t xs[IC_MAX_RANK], start[IC_MAX_RANK], len[IC_MAX_RANK];
    cg_dense_strides(&x->shape, xs);
    for (int d = 0; d < r; d++) {
        start[d] = p.begin[d] < 0 ? -p.begin[d] : 0;
        len[d] = x->shape.dims[d] - start[d] - (p.end[d] < 0 ? -p.end[d] : 0);
    }
    int64_t w = out->shape.dims[r - 1], lo = p.begin[r - 1] > 0 ? p.begin[r - 1] : 0, mid = len[r - 1];
    open_rows(b, out, w);
    ic_strbuf_puts(b, "        int fill = 0;\n");
    for (int d = r - 2; d >= 0; d--) {
        long long od = (long long)out->shape.dims[d];
        ic_strbuf_printf(b, "        { const int64_t s = ic_pad_index(q %% %lld, %lld, %lld, %lld, %d); q /= %lld; "
                            "if (s < 0) fill = 1; src += s * %lld; }\n",
                         od, (long long)p.begin[d], (long long)start[d], (long long)len[d], mode, od, (long long)xs[d]);
    }
    ic_strbuf_puts(b, "        (void)q;\n");
    ic_strbuf_printf(b, "        if (fill) {\n            for (int64_t j = 0; j < %lld; j++) y[j] = %s;\n            continue;\n        }\n",
                     (long long)w, fv);
    ic_strbuf_printf(b, "        const %s *x = in0 + src;\n", ic_dtype_ctype(x->dtype));
    const char *edge = "        for (int64_t j = %lld; j < %lld; j++) {\n"
                       "            const int64_t s = ic_pad_index(j, %lld, %lld, %lld, %d);\n"
                       "            y[j] = s < 0 ? %s : x[s];\n        }\n";
    if (lo > 0)
        ic_strbuf_printf(b, edge, 0LL, (long long)lo, (long long)p.begin[r - 1], (long long)start[r - 1], (long long)mid,
                         mode, fv);
    if (mid > 0)
        ic_strbuf_printf(b, "        memcpy(y + %lld, x + %lld, %zu);\n", (long long)lo, (long long)start[r - 1],
                         (size_t)mid * es);
    if (lo + mid < w)
        ic_strbuf_printf(b, edge, (long long)(lo + mid), (long long)w, (long long)p.begin[r - 1], (long long)start[r - 1],
                         (long long)mid, mode, fv);
    ic_strbuf_puts(b, "        (void)x;\n    }\n");
    ic_strbuf_free(&fill);
    return IC_OK;
}

static ic_status emit_trilu(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    int r = x->shape.rank;
    ic_trilu_params p = ic_trilu_params_get(n);
    int64_t rows = x->shape.dims[r - 2], cols = x->shape.dims[r - 1];
    /* only where the diagonal crosses the matrix matters: keeps i + k from overflowing */
    int64_t k = p.k < -(rows + 1) ? -(rows + 1) : p.k > cols + 1 ? cols + 1 : p.k;
    size_t es = ic_dtype_size(x->dtype);
    ic_strbuf *b = &c->kern;
    open_rows(b, out, cols);
    ic_strbuf_puts(b, "        (void)q; (void)src;\n");
    ic_strbuf_printf(b, "        const %s *x = in0 + t * %lld;\n", ic_dtype_ctype(x->dtype), (long long)cols);
    /* upper keeps columns j >= i + k; lower keeps j <= i + k */
    ic_strbuf_printf(b, "        int64_t cut = t %% %lld + %lld;\n", (long long)rows, (long long)(p.upper ? k : k + 1));
    ic_strbuf_printf(b, "        cut = cut < 0 ? 0 : cut > %lld ? %lld : cut;\n", (long long)cols, (long long)cols);
    if (p.upper)
        ic_strbuf_printf(b, "        memset(y, 0, (size_t)cut * %zu);\n        memcpy(y + cut, x + cut, (size_t)(%lld - cut) * %zu);\n",
                         es, (long long)cols, es);
    else
        ic_strbuf_printf(b, "        memcpy(y, x, (size_t)cut * %zu);\n        memset(y + cut, 0, (size_t)(%lld - cut) * %zu);\n",
                         es, (long long)cols, es);
    ic_strbuf_puts(b, "    }\n");
    return IC_OK;
}

/* depth_to_space / space_to_depth: out (dense) walked as a 6-D view, in read with permuted strides. */
static ic_status emit_depth_space(cg_ctx *c, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    ic_d2s_params p;
    IC_TRY(ic_d2s_params_get(n, &p, c->d));
    int64_t bs = p.blocksize;
    cg_nest nest;
    memset(&nest, 0, sizeof nest);
    cg_operand *a = &nest.ops[0], *y = &nest.ops[1];
    nest.n_ops = 2;
    snprintf(a->ptr, sizeof a->ptr, "in0");
    snprintf(a->lanes, sizeof a->lanes, "a0");
    snprintf(y->ptr, sizeof y->ptr, "out0");
    snprintf(y->lanes, sizeof y->lanes, "y");
    a->dtype = y->dtype = x->dtype;
    y->store = true;
    if (n->op == IC_OP_DEPTH_TO_SPACE) {
        /* out [N, C', H*b, W*b] as [N, C', H, b1, W, b2]; in channel DCR (b1*b + b2)*C' + c, CRD c*b*b + b1*b + b2 */
        int64_t nn = x->shape.dims[0], c1 = out->shape.dims[1], h = x->shape.dims[2], w = x->shape.dims[3];
        int64_t hw = h * w;
        nest.space = (ic_shape){.rank = 6, .dims = {nn, c1, h, bs, w, bs}};
        int64_t in_st[6] = {c1 * bs * bs * hw, p.crd ? bs * bs * hw : hw, w, p.crd ? bs * hw : bs * c1 * hw, 1,
                            p.crd ? hw : c1 * hw};
        memcpy(a->strides, in_st, sizeof in_st);
    } else {
        /* out [N, C*b*b, H', W'] is dense as [N, b1, b2, C, H', W']; in reads [n, c, h*b + b1, w*b + b2] */
        int64_t nn = x->shape.dims[0], ch = x->shape.dims[1], h = x->shape.dims[2], w = x->shape.dims[3];
        nest.space = (ic_shape){.rank = 6, .dims = {nn, bs, bs, ch, h / bs, w / bs}};
        int64_t in_st[6] = {ch * h * w, w, 1, h * w, bs * w, bs};
        memcpy(a->strides, in_st, sizeof in_st);
    }
    cg_dense_strides(&nest.space, y->strides);
    cg_emit_nest(&c->kern, &nest, "            IC_LANES(l) y[l] = a0[l];\n");
    return IC_OK;
}

ic_status cg_emit_layout(cg_ctx *c, uint32_t gi, const ic_node *n) {
    cg_kernel_begin(c, gi, n, 0);
    ic_status s;
    switch (n->op) {
    case IC_OP_TILE: s = emit_tile(c, n); break;
    case IC_OP_PAD: s = emit_pad(c, n); break;
    case IC_OP_TRILU: s = emit_trilu(c, n); break;
    default: s = emit_depth_space(c, n); break;
    }
    cg_kernel_end(c);
    return s;
}
