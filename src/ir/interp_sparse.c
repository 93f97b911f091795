/* interp_sparse.c — reference kernels of csr_build, spmm and segment_reduce
 * (docs/ops.md), the oracles for emit_sparse.c.
 *
 * spmm and segment_reduce accumulate in f32 in entry order, like
 * edge_aggregate (interp_aggregate.c): spmm over the CSR that csr_build
 * makes of some edges then gives exactly edge_aggregate's result on them,
 * and a compiled kernel that keeps the order matches bit for bit (up to FMA
 * contraction). max / min propagate NaN. A row that nothing reaches is
 * data[i] when data is given, else 0. */
#include <math.h>
#include <stdlib.h>

#include "ir/interp_impl.h"
#include "ir/sparse.h"

ic_status ic_csr_from_coo(const char *op, const ic_tensor *src, const ic_tensor *dst, const ic_tensor *scale,
                          int64_t num_src, int64_t num_nodes, int32_t *rowptr, int32_t *col, float *val, ic_diag *d) {
    size_t e = ic_tensor_numel(src);
    for (int64_t i = 0; i <= num_nodes; i++) rowptr[i] = 0;
    for (size_t k = 0; k < e; k++) {
        int64_t s = ic_ld_i(src, k), t = ic_ld_i(dst, k);
        if (s < -num_src || s >= num_src || t < -num_nodes || t >= num_nodes)
            return ic_diag_set(d, IC_ERR_RUNTIME, "%s: edge %zu (src %lld, dst %lld) out of range", op, k, (long long)s,
                               (long long)t);
        rowptr[(t < 0 ? t + num_nodes : t) + 1]++;
    }
    for (int64_t i = 0; i < num_nodes; i++) rowptr[i + 1] += rowptr[i];
    int32_t *cur = malloc((size_t)(num_nodes ? num_nodes : 1) * sizeof *cur);
    if (!cur) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", op);
    for (int64_t i = 0; i < num_nodes; i++) cur[i] = rowptr[i];
    for (size_t k = 0; k < e; k++) {
        int64_t s = ic_ld_i(src, k), t = ic_ld_i(dst, k);
        int32_t p = cur[t < 0 ? t + num_nodes : t]++;
        col[p] = (int32_t)(s < 0 ? s + num_src : s);
        if (val) val[p] = ((const float *)scale->data)[k];
    }
    free(cur);
    return IC_OK;
}

ic_status ic_interp_csr_build(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    int64_t nn = ic_attr_int(n, "num_nodes", -1), ns = ic_attr_int(n, "num_src", nn);
    bool scaled = n->n_inputs == 3;
    return ic_csr_from_coo("csr_build", in[0], in[1], scaled ? in[2] : NULL, ns, nn, out[0].data, out[1].data,
                           scaled ? out[2].data : NULL, d);
}

/* Row i of the result: reduce(data[i] if self, w_k * x[c_k] for k in [k0, k1)); c NULL means c_k = k. */
static void reduce_row(const ic_agg_params *p, const ic_tensor *col, const float *w, const float *x, int64_t f,
                       const float *dr, int64_t k0, int64_t k1, float *o) {
    bool self = p->include_self && dr;
    float ident = p->red == IC_AGG_MAX ? -INFINITY : p->red == IC_AGG_MIN ? INFINITY : 0.0f;
    if (k0 == k1 && !self) {
        for (int64_t j = 0; j < f; j++) o[j] = dr ? dr[j] : 0.0f;
        return;
    }
    for (int64_t j = 0; j < f; j++) o[j] = self ? dr[j] : ident;
    for (int64_t k = k0; k < k1; k++) {
        const float *xr = x + (col ? ic_ld_i(col, (size_t)k) : k) * f;
        for (int64_t j = 0; j < f; j++) {
            float v = w ? w[k] * xr[j] : xr[j];
            if (p->red == IC_AGG_SUM || p->red == IC_AGG_MEAN) o[j] += v;
            else if (p->red == IC_AGG_MAX) o[j] = (v > o[j] || v != v) ? v : o[j];
            else o[j] = (v < o[j] || v != v) ? v : o[j];
        }
    }
    if (p->red == IC_AGG_MEAN) {
        float c = (float)(k1 - k0 + (self ? 1 : 0));
        for (int64_t j = 0; j < f; j++) o[j] /= c;
    }
}

ic_status ic_interp_spmm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    ic_agg_params p;
    IC_TRY(ic_spmm_params_get(n, &in[0]->shape, &p, d));
    const ic_tensor *rp = in[0], *col = in[1], *x = in[p.scaled ? 3 : 2];
    const float *w = p.scaled ? in[2]->data : NULL, *data = p.has_data ? in[n->n_inputs - 1]->data : NULL;
    int64_t m = x->shape.dims[0], f = x->shape.dims[1], nnz = (int64_t)ic_tensor_numel(col);
    for (int64_t i = 0; i <= p.num_nodes; i++) {
        int64_t a = ic_ld_i(rp, (size_t)i), b = i ? ic_ld_i(rp, (size_t)i - 1) : 0;
        bool ok = a >= b && a <= nnz && (i > 0 || a == 0) && (i < p.num_nodes || a == nnz);
        if (!ok)
            return ic_diag_set(d, IC_ERR_RUNTIME, "spmm: rowptr[%lld] = %lld breaks 0 = rowptr[0] <= ... <= rowptr[N] = %lld",
                               (long long)i, (long long)a, (long long)nnz);
    }
    for (int64_t k = 0; k < nnz; k++) {
        int64_t c = ic_ld_i(col, (size_t)k);
        if (c < 0 || c >= m)
            return ic_diag_set(d, IC_ERR_RUNTIME, "spmm: col[%lld] = %lld out of range for %lld rows", (long long)k,
                               (long long)c, (long long)m);
    }
    for (int64_t i = 0; i < p.num_nodes; i++)
        reduce_row(&p, col, w, x->data, f, data ? data + i * f : NULL, ic_ld_i(rp, (size_t)i), ic_ld_i(rp, (size_t)i + 1),
                   (float *)out->data + i * f);
    return IC_OK;
}

ic_status ic_interp_segment_reduce(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    ic_agg_params p = {0};
    IC_TRY(ic_agg_reduction_of(n, &p.red, d));
    const ic_tensor *x = in[0], *ids = in[1];
    int64_t m = x->shape.dims[0], f = x->shape.dims[1], ns = ic_attr_int(n, "num_segments", -1);
    for (int64_t k = 0; k < m; k++) {
        int64_t s = ic_ld_i(ids, (size_t)k);
        if (s < 0 || s >= ns || (k && s < ic_ld_i(ids, (size_t)k - 1)))
            return ic_diag_set(d, IC_ERR_RUNTIME, "segment_reduce: ids[%lld] = %lld is out of range or not sorted",
                               (long long)k, (long long)s);
    }
    int64_t k = 0;
    for (int64_t i = 0; i < ns; i++) {
        int64_t k0 = k;
        while (k < m && ic_ld_i(ids, (size_t)k) == i) k++;
        reduce_row(&p, NULL, NULL, x->data, f, NULL, k0, k, (float *)out->data + i * f);
    }
    return IC_OK;
}
