/* interp_iter.c — the reference interpreter's shared machinery: the strided
 * index iterator (broadcasting, transposes, slices and reductions all use it),
 * typed element access, and small attribute / error helpers. */
#include <string.h>

#include "ir/interp_impl.h"

void ic_iter_init(ic_iter *it, const ic_shape *shape, int n_operands, const int64_t (*strides)[IC_MAX_RANK],
                  const int64_t *base) {
    IC_ASSERT(n_operands >= 0 && n_operands <= IC_ITER_MAX_OPERANDS);
    memset(it, 0, sizeof *it);
    it->shape = *shape;
    it->n_operands = n_operands;
    for (int k = 0; k < n_operands; k++) {
        for (int i = 0; i < shape->rank; i++) it->strides[k][i] = strides[k][i];
        it->off[k] = base ? base[k] : 0;
    }
}

bool ic_iter_next(ic_iter *it) {
    /* An odometer: bump the last dim; on wrap-around reset it and carry left. */
    for (int i = it->shape.rank - 1; i >= 0; i--) {
        it->idx[i]++;
        for (int k = 0; k < it->n_operands; k++) it->off[k] += it->strides[k][i];
        if (it->idx[i] < it->shape.dims[i]) return true;
        for (int k = 0; k < it->n_operands; k++) it->off[k] -= it->strides[k][i] * it->shape.dims[i];
        it->idx[i] = 0;
    }
    return false;
}

void ic_dense_strides(const ic_shape *shape, int64_t out_strides[IC_MAX_RANK]) {
    int64_t s = 1;
    for (int i = shape->rank - 1; i >= 0; i--) {
        out_strides[i] = s;
        s *= shape->dims[i];
    }
}

bool ic_bcast_strides(const ic_shape *in, const ic_shape *out, int64_t out_strides[IC_MAX_RANK]) {
    if (in->rank > out->rank) return false;
    int64_t dense[IC_MAX_RANK];
    ic_dense_strides(in, dense);
    int lead = out->rank - in->rank; /* out dims with no counterpart in in */
    for (int i = 0; i < out->rank; i++) {
        if (i < lead) {
            out_strides[i] = 0;
            continue;
        }
        int64_t di = in->dims[i - lead];
        if (di == out->dims[i])
            out_strides[i] = di == 1 ? 0 : dense[i - lead];
        else if (di == 1)
            out_strides[i] = 0;
        else
            return false;
    }
    return true;
}

void ic_strided_copy(ic_tensor *out, const ic_tensor *in, const int64_t strides[IC_MAX_RANK], int64_t base) {
    size_t es = ic_dtype_size(out->dtype);
    size_t n = ic_tensor_numel(out);
    if (n == 0) return;
    int64_t st[1][IC_MAX_RANK];
    memcpy(st[0], strides, sizeof st[0]);
    ic_iter it;
    ic_iter_init(&it, &out->shape, 1, (const int64_t(*)[IC_MAX_RANK])st, &base);
    const char *src = in->data;
    char *dst = out->data;
    for (size_t i = 0; i < n; i++, ic_iter_next(&it)) memcpy(dst + i * es, src + (size_t)it.off[0] * es, es);
}

int64_t ic_dims_prod(const ic_shape *s, int32_t lo, int32_t hi) {
    int64_t p = 1;
    for (int32_t i = lo; i < hi; i++) p *= s->dims[i];
    return p;
}

int64_t ic_ld_i(const ic_tensor *t, size_t i) {
    switch (t->dtype) {
    case IC_DT_I8: return ((const int8_t *)t->data)[i];
    case IC_DT_U8:
    case IC_DT_BOOL: return ((const uint8_t *)t->data)[i];
    case IC_DT_I32: return ((const int32_t *)t->data)[i];
    case IC_DT_I64: return ((const int64_t *)t->data)[i];
    default: IC_ASSERT(!"ic_ld_i on a non-integer dtype");
    }
    return 0;
}

void ic_st_i(ic_tensor *t, size_t i, int64_t v) {
    /* Going through the unsigned type of the target width makes the wrap
     * well defined; the final unsigned->signed conversion is two's
     * complement on every compiler inductc supports. */
    uint64_t u = (uint64_t)v;
    switch (t->dtype) {
    case IC_DT_I8: ((int8_t *)t->data)[i] = (int8_t)(uint8_t)u; break;
    case IC_DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)u; break;
    case IC_DT_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(u != 0); break;
    case IC_DT_I32: ((int32_t *)t->data)[i] = (int32_t)(uint32_t)u; break;
    case IC_DT_I64: ((int64_t *)t->data)[i] = (int64_t)u; break;
    default: IC_ASSERT(!"ic_st_i on a non-integer dtype");
    }
}

bool ic_dtype_is_intlike(ic_dtype t) { return ic_dtype_is_int(t) || t == IC_DT_BOOL; }

bool ic_dtype_is_arith(ic_dtype t) { return t == IC_DT_F32 || t == IC_DT_I32 || t == IC_DT_I64; }

ic_status ic_interp_bad_dtype(const ic_node *n, ic_dtype t, ic_diag *d) {
    return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: unsupported dtype %s", ic_op_get(n->op)->name, ic_dtype_name(t));
}

ic_status ic_interp_bad_dtypes(const ic_node *n, ic_dtype a, ic_dtype b, ic_diag *d) {
    return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: unsupported dtypes %s and %s", ic_op_get(n->op)->name,
                       ic_dtype_name(a), ic_dtype_name(b));
}

ic_status ic_interp_bad_shape(const ic_node *n, const char *problem, ic_diag *d) {
    return ic_diag_set(d, IC_ERR_INVALID, "%s: %s", ic_op_get(n->op)->name, problem);
}
