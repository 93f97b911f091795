/* fold_batchnorm.c — folds an inference BatchNorm into the convolution that
 * feeds it, at compile time.
 *
 * batchnorm(conv(x, w, b), scale, shift, mean, var) with constant parameters,
 * where the conv result feeds nothing else, becomes conv(x, w', b') with
 *     k[c] = scale[c] / sqrt(var[c] + eps)
 *     w'   = w * k  (per output channel)
 *     b'   = (b - mean) * k + shift     (b = 0 when the conv had none)
 * computed in double and stored as new constants (ic_graph_add_constant). For
 * conv_transpose the output channel of weight [ci, o] is
 * (ci / (C/group)) * (M/group) + o. BatchNorms that do not follow such a conv
 * are left alone (the layout pass or the pointwise code handles them). */
#include <math.h>
#include <stdlib.h>

#include "lower/pipeline.h"
#include "lower/rewrite.h"

/* The constant f32 data of v with exactly n elements, or NULL. */
static const float *const_vec(const ic_graph *g, uint32_t v, int64_t n) {
    const ic_value *val = &g->values[v];
    if (!ic_rw_is_const(g, v) || val->dtype != IC_DT_F32 || (int64_t)ic_value_numel(val) != n) return NULL;
    return val->data;
}

/* Folds batchnorm node bn into conv node cv; returns IC_OK, possibly without
 * doing anything when the pattern does not fit. */
static ic_status fold_one(ic_graph *g, uint32_t bn, uint32_t cv, ic_diag *d) {
    const ic_node *c = &g->nodes[cv];
    ic_conv_params p;
    IC_TRY(ic_conv_params_get(c, &p, d));
    if (p.channels_last) return IC_OK; /* batchnorm's channels are dim 1 */
    const ic_value *wv = &g->values[c->inputs[1]];
    bool transposed = c->op == IC_OP_CONV_TRANSPOSE;
    int64_t m = g->values[c->outputs[0]].shape.dims[1];
    const float *w = ic_rw_is_const(g, c->inputs[1]) && wv->dtype == IC_DT_F32 ? wv->data : NULL;
    const float *b = c->n_inputs == 3 ? const_vec(g, c->inputs[2], m) : NULL;
    const ic_node *n = &g->nodes[bn];
    const float *scale = const_vec(g, n->inputs[1], m), *shift = const_vec(g, n->inputs[2], m);
    const float *mean = const_vec(g, n->inputs[3], m), *var = const_vec(g, n->inputs[4], m);
    if (!w || (c->n_inputs == 3 && !b) || !scale || !shift || !mean || !var) return IC_OK;

    size_t nw = ic_value_numel(wv);
    float *w2 = malloc((nw ? nw : 1) * sizeof *w2);
    float *b2 = malloc((size_t)m * sizeof *b2);
    double *k = malloc((size_t)m * sizeof *k);
    if (!w2 || !b2 || !k) {
        free(w2);
        free(b2);
        free(k);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory folding a batchnorm");
    }
    double eps = ic_epsilon_of(n);
    for (int64_t o = 0; o < m; o++) {
        k[o] = (double)scale[o] / sqrt((double)var[o] + eps);
        b2[o] = (float)(((b ? (double)b[o] : 0.0) - (double)mean[o]) * k[o] + (double)shift[o]);
    }
    int64_t d0 = wv->shape.dims[0], d1 = wv->shape.dims[1];
    size_t tap = (size_t)(wv->shape.dims[2] * wv->shape.dims[3]);
    for (int64_t i = 0; i < d0; i++)
        for (int64_t j = 0; j < d1; j++) {
            /* conv: dim 0 is the output channel; conv_transpose: (group of input channel i, j) */
            int64_t o = transposed ? (i / (d0 / p.group)) * d1 + j : i;
            size_t at = (size_t)(i * d1 + j) * tap;
            for (size_t t = 0; t < tap; t++) w2[at + t] = (float)((double)w[at + t] * k[o]);
        }
    ic_shape bshape = {.rank = 1, .dims = {m}};
    uint32_t wc = ic_graph_add_constant(g, NULL, IC_DT_F32, &wv->shape, w2);
    uint32_t bc = wc == IC_NONE ? IC_NONE : ic_graph_add_constant(g, NULL, IC_DT_F32, &bshape, b2);
    free(w2);
    free(b2);
    free(k);
    if (bc == IC_NONE) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory folding a batchnorm");
    c = &g->nodes[cv]; /* the node array may have moved */
    uint32_t ins[3] = {c->inputs[0], wc, bc};
    uint32_t y = ic_graph_build(g, c->op, ins, 3, c->attrs, c->n_attrs, d);
    if (y == IC_NONE) return IC_ERR_INVALID;
    uint32_t old = g->nodes[bn].outputs[0];
    g->values[y].name = g->values[old].name;
    g->values[old].name = NULL;
    ic_rw_replace_uses(g, old, y, 0);
    return IC_OK;
}

ic_status ic_pass_fold_batchnorm(ic_graph *g, ic_diag *d) {
    uint32_t *uses;
    IC_TRY(ic_rw_use_counts(g, &uses, d));
    ic_status s = IC_OK;
    bool changed = false;
    uint32_t n_nodes = g->n_nodes; /* nodes appended while folding are conv nodes, never batchnorms */
    for (uint32_t i = 0; i < n_nodes && s == IC_OK; i++) {
        if (g->nodes[i].op != IC_OP_BATCHNORM) continue;
        uint32_t x = g->nodes[i].inputs[0];
        const ic_value *xv = &g->values[x];
        if (xv->kind != IC_VALUE_NODE || xv->producer == IC_NONE) continue;
        ic_op pop = g->nodes[xv->producer].op;
        if ((pop != IC_OP_CONV2D && pop != IC_OP_CONV_TRANSPOSE) || ic_rw_sole_consumer(g, uses, x) != i) continue;
        uint32_t before = g->n_nodes;
        s = fold_one(g, i, xv->producer, d);
        changed |= g->n_nodes != before;
    }
    free(uses);
    if (s != IC_OK || !changed) return s;
    IC_TRY(ic_rw_toposort(g, d));
    return ic_pass_dce(g, d);
}
