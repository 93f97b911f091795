/* epilogue.c — the mapping from pointwise nodes to oneDNN post-ops; see
 * epilogue.h. */
#include <math.h>

#include "lower/epilogue.h"

int ic_epilogue_eltwise(const ic_graph *g, const ic_node *n, ic_epi_eltwise out[2]) {
    if (n->n_inputs != 1 || n->n_outputs != 1 || g->values[n->outputs[0]].dtype != IC_DT_F32) return 0;
    double lo, hi, a, b;
    switch (n->op) {
    case IC_OP_RELU: out[0] = (ic_epi_eltwise){"IC_RT_ELT_RELU", 0.0, 0.0}; return 1;
    case IC_OP_LEAKY_RELU: out[0] = (ic_epi_eltwise){"IC_RT_ELT_RELU", ic_leaky_relu_alpha(n), 0.0}; return 1;
    case IC_OP_CLIP:
        ic_clip_bounds(n, &lo, &hi);
        if (lo == 0.0 && isinf(hi) && hi > 0) {
            out[0] = (ic_epi_eltwise){"IC_RT_ELT_RELU", 0.0, 0.0};
            return 1;
        }
        if (isnan(lo) || isnan(hi)) return 0;
        out[0] = (ic_epi_eltwise){"IC_RT_ELT_CLIP", isinf(lo) ? -3.4e38 : lo, isinf(hi) ? 3.4e38 : hi};
        return 1;
    case IC_OP_SIGMOID: out[0] = (ic_epi_eltwise){"IC_RT_ELT_LOGISTIC", 0.0, 0.0}; return 1;
    case IC_OP_TANH: out[0] = (ic_epi_eltwise){"IC_RT_ELT_TANH", 0.0, 0.0}; return 1;
    case IC_OP_GELU:
        out[0] = (ic_epi_eltwise){ic_gelu_kind_of(n) == IC_GELU_TANH ? "IC_RT_ELT_GELU_TANH" : "IC_RT_ELT_GELU_ERF", 0.0, 0.0};
        return 1;
    case IC_OP_SILU: out[0] = (ic_epi_eltwise){"IC_RT_ELT_SWISH", 1.0, 0.0}; return 1;
    case IC_OP_HARDSWISH: out[0] = (ic_epi_eltwise){"IC_RT_ELT_HARDSWISH", 0.0, 0.0}; return 1;
    case IC_OP_HARDSIGMOID:
        ic_hardsigmoid_params(n, &a, &b);
        out[0] = (ic_epi_eltwise){"IC_RT_ELT_LINEAR", a, b};
        out[1] = (ic_epi_eltwise){"IC_RT_ELT_CLIP", 0.0, 1.0};
        return 2;
    case IC_OP_ELU: out[0] = (ic_epi_eltwise){"IC_RT_ELT_ELU", ic_elu_alpha(n), 0.0}; return 1;
    case IC_OP_NEG: out[0] = (ic_epi_eltwise){"IC_RT_ELT_LINEAR", -1.0, 0.0}; return 1;
    default: return 0;
    }
}

const char *ic_epilogue_binary(const ic_node *n, int pos) {
    switch (n->op) {
    case IC_OP_ADD: return "IC_RT_BIN_ADD";
    case IC_OP_MUL: return "IC_RT_BIN_MUL";
    case IC_OP_MAX: return "IC_RT_BIN_MAX";
    case IC_OP_MIN: return "IC_RT_BIN_MIN";
    case IC_OP_SUB: return pos == 0 ? "IC_RT_BIN_SUB" : NULL;
    case IC_OP_DIV: return pos == 0 ? "IC_RT_BIN_DIV" : NULL;
    default: return NULL;
    }
}

bool ic_epilogue_operand_ok(const ic_shape *other, const ic_shape *dst, int chan) {
    if (other->rank > dst->rank) return false;
    int off = dst->rank - other->rank;
    bool same = true, scalar = true, per_chan = true;
    for (int i = 0; i < dst->rank; i++) {
        int64_t o = i < off ? 1 : other->dims[i - off];
        same &= o == dst->dims[i];
        scalar &= o == 1;
        per_chan &= o == 1 || (i == chan && o == dst->dims[i]);
    }
    return same || scalar || per_chan;
}

const char *ic_epilogue_gate(const ic_node *gate) {
    if (gate->op == IC_OP_SIGMOID) return "IC_RT_ELT_SWISH";
    if (gate->op == IC_OP_HARDSIGMOID) {
        double a, b;
        ic_hardsigmoid_params(gate, &a, &b);
        if (fabs(a - 1.0 / 6.0) < 1e-6 && b == 0.5) return "IC_RT_ELT_HARDSWISH";
    }
    return NULL;
}
