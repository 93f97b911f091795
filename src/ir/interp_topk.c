/* interp_topk.c — the reference topk (docs/ops.md): along one axis, the k
 * largest (or smallest) elements and their indices, best first; equal
 * values in index order; NaN ranks above every number (so first when
 * largest, last when smallest), as PyTorch's topk does. */
#include <stdlib.h>

#include "ir/interp_impl.h"

/* One element of a slice with its position along the axis. */
typedef struct entry {
    double v;   /* the value, for f32 */
    int64_t iv; /* the value, for integers (exact) */
    int64_t i;  /* its index along the axis */
} entry;

static int by_index(const entry *a, const entry *b) { return (a->i > b->i) - (a->i < b->i); }

/* f32, largest first: NaN first, then larger values, then the lower index. */
static int cmp_f_largest(const void *pa, const void *pb) {
    const entry *a = pa, *b = pb;
    int na = a->v != a->v, nb = b->v != b->v;
    if (na != nb) return nb - na;
    if (!na && a->v != b->v) return a->v > b->v ? -1 : 1;
    return by_index(a, b);
}

/* f32, smallest first: smaller values, NaN last, then the lower index. */
static int cmp_f_smallest(const void *pa, const void *pb) {
    const entry *a = pa, *b = pb;
    int na = a->v != a->v, nb = b->v != b->v;
    if (na != nb) return na - nb;
    if (!na && a->v != b->v) return a->v < b->v ? -1 : 1;
    return by_index(a, b);
}

static int cmp_i_largest(const void *pa, const void *pb) {
    const entry *a = pa, *b = pb;
    return a->iv != b->iv ? (a->iv > b->iv ? -1 : 1) : by_index(a, b);
}

static int cmp_i_smallest(const void *pa, const void *pb) {
    const entry *a = pa, *b = pb;
    return a->iv != b->iv ? (a->iv < b->iv ? -1 : 1) : by_index(a, b);
}

ic_status ic_interp_topk(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0];
    if (!ic_dtype_is_arith(x->dtype)) return ic_interp_bad_dtype(n, x->dtype, d);
    ic_topk_params p;
    IC_TRY(ic_topk_params_get(n, &x->shape, &p, d));
    if (out[0].dtype != x->dtype || out[1].dtype != IC_DT_I64) return ic_interp_bad_dtypes(n, x->dtype, out[1].dtype, d);
    int64_t outer = ic_dims_prod(&x->shape, 0, p.axis), len = x->shape.dims[p.axis];
    int64_t inner = ic_dims_prod(&x->shape, p.axis + 1, x->shape.rank);
    if ((size_t)(outer * p.k * inner) != ic_tensor_numel(&out[0])) return ic_interp_bad_shape(n, "result shape does not match", d);
    entry *e = malloc((size_t)(len ? len : 1) * sizeof *e);
    if (!e) return ic_diag_set(d, IC_ERR_NOMEM, "topk: out of memory");
    bool f = x->dtype == IC_DT_F32;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t r = 0; r < inner; r++) {
            for (int64_t j = 0; j < len; j++) {
                size_t at = (size_t)((o * len + j) * inner + r);
                e[j] = f ? (entry){ic_ld_f(x, at), 0, j} : (entry){0.0, ic_ld_i(x, at), j};
            }
            qsort(e, (size_t)len, sizeof *e,
                  f ? (p.largest ? cmp_f_largest : cmp_f_smallest) : (p.largest ? cmp_i_largest : cmp_i_smallest));
            for (int64_t j = 0; j < p.k; j++) {
                size_t to = (size_t)((o * p.k + j) * inner + r);
                size_t from = (size_t)((o * len + e[j].i) * inner + r);
                if (f) ic_st_f(&out[0], to, ic_ld_f(x, from));
                else ic_st_i(&out[0], to, ic_ld_i(x, from));
                ic_st_i(&out[1], to, e[j].i);
            }
        }
    free(e);
    return IC_OK;
}
