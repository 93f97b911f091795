/* interp_aggregate.c — reference kernel of edge_aggregate (docs/ops.md):
 * out[i] = reduce({data[i] if include_self} + {scale[e] * x[src[e]] : dst[e] == i}).
 *
 * The oracle for the CSR kernel of emit_aggregate.c: edges are applied in
 * their given order into an f32 accumulator row that starts from data[i]
 * (include_self) or the reduction's identity, so a kernel that visits each
 * destination's edges in the same (stable) order computes the same sums.
 * max/min propagate NaN. A row that nothing reached keeps data[i], or 0
 * without data. Indices may be negative (counted from the end); one out of
 * range is a run-time error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/interp_impl.h"

/* Checks and wraps every index of idx into [0, dim); false on the first bad one. */
static ic_status load_indices(const ic_node *n, const ic_tensor *idx, int64_t dim, const char *what, int64_t *out,
                              ic_diag *d) {
    size_t count = ic_tensor_numel(idx);
    for (size_t i = 0; i < count; i++) {
        int64_t v = ic_ld_i(idx, i);
        if (v < -dim || v >= dim)
            return ic_diag_set(d, IC_ERR_RUNTIME, "%s: %s index %lld out of range for %lld rows", ic_op_get(n->op)->name,
                               what, (long long)v, (long long)dim);
        out[i] = v < 0 ? v + dim : v;
    }
    return IC_OK;
}

ic_status ic_interp_edge_aggregate(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    ic_agg_params p;
    IC_TRY(ic_agg_params_get(n, &in[n->n_inputs - 1]->shape, &p, d));
    const ic_tensor *x = in[0], *src = in[1], *dst = in[2];
    const ic_tensor *scale = p.scaled ? in[3] : NULL, *data = p.has_data ? in[n->n_inputs - 1] : NULL;
    int64_t m = x->shape.dims[0], f = x->shape.dims[1], nn = p.num_nodes;
    size_t e = ic_tensor_numel(src);
    int64_t *s = malloc((e ? e : 1) * 2 * sizeof *s), *cnt = calloc(nn ? (size_t)nn : 1, sizeof *cnt);
    if (!s || !cnt) {
        free(s), free(cnt);
        return ic_diag_set(d, IC_ERR_NOMEM, "edge_aggregate: out of memory");
    }
    int64_t *t = s + e;
    ic_status st = load_indices(n, src, m, "src", s, d);
    if (st == IC_OK) st = load_indices(n, dst, nn, "dst", t, d);
    if (st != IC_OK) {
        free(s), free(cnt);
        return st;
    }
    float *o = out->data;
    const float *xv = x->data, *dv = data ? data->data : NULL, *sv = scale ? scale->data : NULL;
    bool self = p.include_self && dv;
    float ident = p.red == IC_AGG_MAX ? -INFINITY : p.red == IC_AGG_MIN ? INFINITY : 0.0f;
    for (int64_t i = 0; i < nn * f; i++) o[i] = self ? dv[i] : ident;
    for (size_t k = 0; k < e; k++) {
        float *row = o + t[k] * f, w = sv ? sv[k] : 1.0f;
        const float *xr = xv + s[k] * f;
        cnt[t[k]]++;
        for (int64_t j = 0; j < f; j++) {
            float v = sv ? w * xr[j] : xr[j];
            if (p.red == IC_AGG_SUM || p.red == IC_AGG_MEAN) row[j] += v;
            else if (p.red == IC_AGG_MAX) row[j] = (v > row[j] || v != v) ? v : row[j];
            else row[j] = (v < row[j] || v != v) ? v : row[j];
        }
    }
    for (int64_t i = 0; i < nn; i++) {
        float *row = o + i * f;
        if (cnt[i] == 0 && !self) {
            for (int64_t j = 0; j < f; j++) row[j] = dv ? dv[i * f + j] : 0.0f;
        } else if (p.red == IC_AGG_MEAN) {
            float c = (float)(cnt[i] + (self ? 1 : 0));
            for (int64_t j = 0; j < f; j++) row[j] /= c;
        }
    }
    free(s), free(cnt);
    return IC_OK;
}
