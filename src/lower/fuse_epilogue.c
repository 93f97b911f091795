/* fuse_epilogue.c — puts each library op (conv2d, conv_transpose, matmul,
 * gemm) and the pointwise chain after it into one kernel group, which
 * codegen turns into one oneDNN primitive with post-ops.
 *
 * Starting from the library op's result, the chain grows while the current
 * value has exactly one reader (and is not a graph output) and that reader is
 *   - a unary op with an eltwise post-op (relu, leaky_relu, clip, sigmoid,
 *     tanh, gelu, silu, hardswish, hardsigmoid, elu, neg), or
 *   - a binary add / sub / mul / div / max / min whose other operand is the
 *     same shape, one value, or one value per channel (residual adds,
 *     squeeze-excite style scales, biases), with the same result shape;
 * or the value has exactly two readers forming x * sigmoid(x) or
 * x * hardsigmoid(x){1/6, 1/2} (silu / hardswish as ONNX exports spell them).
 * A residual add of a same-shape operand becomes a sum post-op accumulating
 * in place when the memory plan finds that operand dead afterwards, else a
 * binary add; codegen decides from the plan.
 *
 * node->group is the id of the group: the node index of its library op. The
 * later fuse pass groups only nodes still at IC_NONE and must pick ids not
 * already used. Gemm with a C operand that is not a plain bias (beta = 1,
 * alpha = 1, shape [N] or [1, N]) keeps no epilogue: C already uses dst. */
#include <stdlib.h>
#include <string.h>

#include "lower/epilogue.h"
#include "lower/pipeline.h"
#include "lower/rewrite.h"

#define MAX_BINARY 8 /* binary post-ops per group (each is a run-time operand) */

/* Every reader node of v (up to max), as node ids; returns how many reads. */
static uint32_t readers(const ic_graph *g, uint32_t v, uint32_t *out, uint32_t max) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t j = 0; j < g->nodes[i].n_inputs; j++)
            if (g->nodes[i].inputs[j] == v) {
                if (k < max) out[k] = i;
                k++;
            }
    return k;
}

/* The channel dim of a library op's result for broadcasting checks. */
static int channel_dim(const ic_graph *g, const ic_node *lib) {
    int rank = g->values[lib->outputs[0]].shape.rank;
    if (lib->op == IC_OP_CONV2D || lib->op == IC_OP_CONV_TRANSPOSE)
        return strcmp(ic_attr_str(lib, "layout", "nchw"), "nhwc") == 0 ? 3 : 1;
    return rank - 1; /* matmul / gemm: the N (column) dim */
}

/* Whether the library op may carry an epilogue at all. */
static bool lib_ok(const ic_graph *g, const ic_node *n) {
    const ic_value *y = &g->values[n->outputs[0]];
    if (y->dtype != IC_DT_F32 || ic_value_numel(y) == 0) return false;
    if (n->op == IC_OP_MATMUL) {
        const ic_value *a = &g->values[n->inputs[0]];
        return a->shape.rank >= 1 && a->shape.dims[a->shape.rank - 1] > 0 && y->shape.rank >= 1;
    }
    if (n->op == IC_OP_GEMM) {
        ic_gemm_params p = ic_gemm_params_get(n);
        const ic_value *a = &g->values[n->inputs[0]];
        if (a->shape.dims[p.trans_a ? 0 : 1] == 0) return false;
        if (n->n_inputs < 3 || p.beta == 0.0) return true;
        const ic_shape *c = &g->values[n->inputs[2]].shape;
        bool bias = (c->rank == 1 || (c->rank == 2 && c->dims[0] == 1)) && c->dims[c->rank - 1] == y->shape.dims[1];
        return bias && p.alpha == 1.0 && p.beta == 1.0;
    }
    return true;
}

/* Grows the chain after library node lib; marks every member's group. */
static void fuse_from(ic_graph *g, const uint32_t *uses, uint32_t lib) {
    const uint32_t gid = lib;
    g->nodes[lib].group = gid;
    if (!lib_ok(g, &g->nodes[lib])) return;
    const ic_shape dst = g->values[g->nodes[lib].outputs[0]].shape;
    int chan = channel_dim(g, &g->nodes[lib]);
    uint32_t cur = g->nodes[lib].outputs[0];
    int n_binary = 0;
    for (;;) {
        if (ic_rw_is_output(g, cur)) return;
        uint32_t rd[2];
        uint32_t nr = readers(g, cur, rd, 2);
        ic_epi_eltwise e[2];
        if (nr == 1) {
            ic_node *c = &g->nodes[rd[0]];
            if (c->group != IC_NONE || c->n_outputs != 1) return;
            if (ic_epilogue_eltwise(g, c, e) > 0) {
                c->group = gid;
                cur = c->outputs[0];
                continue;
            }
            if (c->n_inputs != 2 || n_binary >= MAX_BINARY) return;
            int pos = c->inputs[0] == cur ? 0 : 1;
            uint32_t other = c->inputs[1 - pos];
            const ic_value *ov = &g->values[other], *yv = &g->values[c->outputs[0]];
            if (other == cur || !ic_epilogue_binary(c, pos) || ov->dtype != IC_DT_F32 ||
                !ic_shape_equal(&yv->shape, &dst) || !ic_epilogue_operand_ok(&ov->shape, &dst, chan))
                return;
            c->group = gid;
            cur = c->outputs[0];
            n_binary++;
            continue;
        }
        if (nr != 2 || uses[cur] != 2 || rd[0] == rd[1]) return;
        /* x * gate(x): the gate reads x once and feeds only the mul */
        for (int k = 0; k < 2; k++) {
            ic_node *gate = &g->nodes[rd[k]], *mul = &g->nodes[rd[1 - k]];
            if (gate->group != IC_NONE || mul->group != IC_NONE || !ic_epilogue_gate(gate) || mul->op != IC_OP_MUL)
                continue;
            uint32_t gv = gate->outputs[0];
            bool pair = (mul->inputs[0] == cur && mul->inputs[1] == gv) || (mul->inputs[1] == cur && mul->inputs[0] == gv);
            if (!pair || uses[gv] != 1 || ic_rw_is_output(g, gv)) continue;
            gate->group = gid;
            mul->group = gid;
            cur = mul->outputs[0];
            goto next;
        }
        return;
    next:;
    }
}

/* Moves every group's members down to its last member, so each group is a
 * run of consecutive nodes. Valid because nothing outside a group reads its
 * members' results except the last one's, which stays where it was. */
static ic_status make_consecutive(ic_graph *g, const uint8_t *ours, ic_diag *d) {
    uint32_t n = g->n_nodes;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *last = malloc((n ? n : 1) * sizeof *last);
    uint32_t *first = malloc((n ? n : 1) * sizeof *first);
    if (!order || !last || !first) {
        free(order);
        free(last);
        free(first);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory ordering kernel groups");
    }
    for (uint32_t i = n; i-- > 0;)
        if (ours[i]) first[g->nodes[i].group] = i; /* ids are node indices, < n */
    for (uint32_t i = 0; i < n; i++)
        if (ours[i]) last[g->nodes[i].group] = i;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!ours[i]) {
            order[k++] = i;
            continue;
        }
        uint32_t gid = g->nodes[i].group;
        if (last[gid] != i) continue;
        for (uint32_t j = first[gid]; j <= i; j++)
            if (ours[j] && g->nodes[j].group == gid) order[k++] = j;
    }
    ic_status s = ic_rw_apply_order(g, order, d);
    free(order);
    free(last);
    free(first);
    return s;
}

ic_status ic_pass_fuse_epilogue(ic_graph *g, ic_diag *d) {
    uint32_t *uses;
    IC_TRY(ic_rw_use_counts(g, &uses, d));
    uint8_t *ours = calloc(g->n_nodes ? g->n_nodes : 1, 1);
    if (!ours) {
        free(uses);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory fusing epilogues");
    }
    uint32_t before_any = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) before_any |= g->nodes[i].group != IC_NONE;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ic_op op = g->nodes[i].op;
        if ((op == IC_OP_CONV2D || op == IC_OP_CONV_TRANSPOSE || op == IC_OP_MATMUL || op == IC_OP_GEMM) &&
            g->nodes[i].group == IC_NONE)
            fuse_from(g, uses, i);
    }
    /* which nodes this pass grouped (group ids are library node indices) */
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        uint32_t gid = g->nodes[i].group;
        ours[i] = gid != IC_NONE && gid < g->n_nodes && !before_any;
    }
    free(uses);
    ic_status s = before_any ? IC_OK : make_consecutive(g, ours, d);
    free(ours);
    return s;
}
