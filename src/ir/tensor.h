/* tensor.h — a dense host tensor: what the interpreter, the .npy reader and
 * the CLI pass around. Data is malloc'd and owned by the tensor. */
#ifndef INDUCTC_TENSOR_H
#define INDUCTC_TENSOR_H

#include "ir/ir.h"

typedef struct ic_tensor {
    ic_dtype dtype; /* element type */
    ic_shape shape; /* dims, row-major */
    void *data;     /* numel * dtype size bytes (at least 1 byte allocated), owned; free() releases it */
} ic_tensor;

/* Zero-filled tensor of the given type, its data 64-byte aligned; IC_ERR_NOMEM or IC_ERR_INVALID on overflow. */
ic_status ic_tensor_alloc(ic_dtype dtype, const ic_shape *shape, ic_tensor *out, ic_diag *d);
void ic_tensor_free(ic_tensor *t);
size_t ic_tensor_numel(const ic_tensor *t);
size_t ic_tensor_nbytes(const ic_tensor *t);
/* f16 / bf16 bits <-> double, rounding to nearest even. */
double ic_half_to_f64(uint16_t h, ic_dtype t);
uint16_t ic_half_from_f64(double v, ic_dtype t);
/* Element i converted to double (for comparisons and printing). */
double ic_tensor_get_f64(const ic_tensor *t, size_t i);

#endif
