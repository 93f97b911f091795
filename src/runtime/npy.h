/* npy.h — numpy's .npy format (version 1.0-3.0, little-endian, C order) for
 * f32, i64, i32, u8/bool tensors. Every size in a file is checked against the
 * file and against overflow before use. */
#ifndef INDUCTC_NPY_H
#define INDUCTC_NPY_H

#include "ir/tensor.h"

ic_status ic_npy_read(const char *path, ic_tensor *out, ic_diag *d);
ic_status ic_npy_read_mem(const void *buf, size_t len, const char *what, ic_tensor *out, ic_diag *d);
ic_status ic_npy_write(const char *path, const ic_tensor *t, ic_diag *d);

#endif
