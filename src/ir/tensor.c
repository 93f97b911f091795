/* tensor.c — dense host tensors; see tensor.h. */
#include "ir/tensor.h"

#include <stdlib.h>
#include <string.h>

ic_status ic_tensor_alloc(ic_dtype dtype, const ic_shape *shape, ic_tensor *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    size_t es = ic_dtype_size(dtype);
    if (!es) return ic_diag_set(d, IC_ERR_INVALID, "tensor of invalid dtype");
    if (shape->rank < 0 || shape->rank > IC_MAX_RANK)
        return ic_diag_set(d, IC_ERR_INVALID, "tensor rank %d out of range", shape->rank);
    size_t n = es;
    for (int i = 0; i < shape->rank; i++) {
        int64_t dim = shape->dims[i];
        if (dim < 0) return ic_diag_set(d, IC_ERR_INVALID, "negative dimension %lld", (long long)dim);
        if (dim && n > ((size_t)1 << 46) / (size_t)dim)
            return ic_diag_set(d, IC_ERR_INVALID, "tensor too large");
        n *= (size_t)dim;
    }
    void *p = calloc(1, n ? n : 1);
    if (!p) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory allocating %zu bytes", n);
    out->dtype = dtype;
    out->shape = *shape;
    out->data = p;
    return IC_OK;
}

void ic_tensor_free(ic_tensor *t) {
    if (!t) return;
    free(t->data);
    t->data = NULL;
}

size_t ic_tensor_numel(const ic_tensor *t) { return ic_shape_numel(&t->shape); }
size_t ic_tensor_nbytes(const ic_tensor *t) { return ic_tensor_numel(t) * ic_dtype_size(t->dtype); }

double ic_tensor_get_f64(const ic_tensor *t, size_t i) {
    switch (t->dtype) {
    case IC_DT_F32: return ((const float *)t->data)[i];
    case IC_DT_I8: return ((const int8_t *)t->data)[i];
    case IC_DT_U8:
    case IC_DT_BOOL: return ((const uint8_t *)t->data)[i];
    case IC_DT_I32: return ((const int32_t *)t->data)[i];
    case IC_DT_I64: return (double)((const int64_t *)t->data)[i];
    default: return 0.0;
    }
}
