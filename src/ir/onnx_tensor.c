/* onnx_tensor.c — ONNX TensorProto to dense little-endian data.
 *
 * A tensor's elements live in exactly one place: raw_data (little-endian
 * bytes), a typed field (float_data; int32_data, which also holds int8,
 * uint8, bool and the bits of float16/bfloat16; int64_data; double_data;
 * uint64_data), or a file beside the model (data_location EXTERNAL with
 * location/offset/length). Every count, offset and length is checked against
 * the dims before a byte is copied, so a lying tensor is an error, never an
 * overrun. Also reads the test suites' standalone TensorProto files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/file.h"
#include "ir/onnx_impl.h"

#define ONNX_FILE_MAX ((size_t)1 << 31) /* refuse model and tensor files above 2 GiB */

ic_dtype ic_onnx_dtype(int32_t onnx_type, bool demote_f64) {
    switch (onnx_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return demote_f64 ? IC_DT_F32 : IC_DT_INVALID;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return IC_DT_F32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return IC_DT_U8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return IC_DT_I8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return IC_DT_I32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return IC_DT_I64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return IC_DT_BOOL;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return IC_DT_F16;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return IC_DT_BF16;
    default: return IC_DT_INVALID;
    }
}

int32_t ic_onnx_dtype_to_onnx(ic_dtype t) {
    switch (t) {
    case IC_DT_F32: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    case IC_DT_U8: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
    case IC_DT_I8: return ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    case IC_DT_I32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    case IC_DT_I64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    case IC_DT_BOOL: return ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
    case IC_DT_F16: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16;
    case IC_DT_BF16: return ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
    case IC_DT_INVALID: break;
    }
    return ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
}

const char *ic_onnx_dtype_name(int32_t onnx_type) {
    static const char *const names[] = {"undefined", "float", "uint8", "int8", "uint16", "int16",
                                        "int32", "int64", "string", "bool", "float16", "double",
                                        "uint32", "uint64", "complex64", "complex128", "bfloat16"};
    if (onnx_type >= 0 && (size_t)onnx_type < sizeof names / sizeof names[0]) return names[onnx_type];
    return "unknown";
}

static const char *tname(const Onnx__TensorProto *t) { return t->name && t->name[0] ? t->name : "(unnamed)"; }

ic_status ic_onnx_tensor_type(const Onnx__TensorProto *t, bool demote_f64, ic_dtype *out_dtype, ic_shape *out_shape,
                              ic_diag *d) {
    int32_t ot = t->has_data_type ? t->data_type : 0;
    ic_dtype dt = ic_onnx_dtype(ot, demote_f64);
    if (dt == IC_DT_INVALID)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "tensor '%s' has element type %s, which inductc does not support",
                           tname(t), ic_onnx_dtype_name(ot));
    if (t->n_dims > IC_MAX_RANK)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "tensor '%s' has rank %zu (at most %d supported)", tname(t),
                           t->n_dims, IC_MAX_RANK);
    ic_shape s = {.rank = (int32_t)t->n_dims};
    double numel = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0) return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s' has a negative dim", tname(t));
        s.dims[i] = t->dims[i];
        numel *= (double)t->dims[i];
    }
    if (numel * (double)ic_dtype_size(dt) >= (double)((uint64_t)1 << 40))
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s' is absurdly large", tname(t));
    *out_dtype = dt;
    *out_shape = s;
    return IC_OK;
}

/* Copies a typed repeated field into dst, narrowing each element to dtype. */
static ic_status fill_typed(const Onnx__TensorProto *t, ic_dtype dt, void *dst, size_t numel, ic_diag *d) {
    size_t have;
    const char *field;
    switch (dt) {
    case IC_DT_F32: have = t->n_float_data; field = "float_data"; break;
    case IC_DT_I64: have = t->n_int64_data; field = "int64_data"; break;
    default: have = t->n_int32_data; field = "int32_data"; break;
    }
    if (have != numel)
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': %s holds %zu values but its dims need %zu", tname(t), field,
                           have, numel);
    if (!dst) return IC_OK;
    for (size_t i = 0; i < numel; i++) {
        switch (dt) {
        case IC_DT_F32: ((float *)dst)[i] = t->float_data[i]; break;
        case IC_DT_I64: ((int64_t *)dst)[i] = t->int64_data[i]; break;
        case IC_DT_I32: ((int32_t *)dst)[i] = t->int32_data[i]; break;
        case IC_DT_I8: ((int8_t *)dst)[i] = (int8_t)t->int32_data[i]; break;
        case IC_DT_U8: ((uint8_t *)dst)[i] = (uint8_t)t->int32_data[i]; break;
        case IC_DT_BOOL: ((uint8_t *)dst)[i] = t->int32_data[i] != 0; break;
        case IC_DT_F16: case IC_DT_BF16: ((uint16_t *)dst)[i] = (uint16_t)t->int32_data[i]; break;
        case IC_DT_INVALID: break;
        }
    }
    return IC_OK;
}

/* Joins base_dir and a relative location, refusing absolute paths and "..". */
static ic_status external_path(const Onnx__TensorProto *t, const char *base_dir, const char *loc, char *out,
                               size_t size, ic_diag *d) {
    if (!base_dir)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "tensor '%s' is stored in an external file, but the model has no directory",
                           tname(t));
    if (!loc || !loc[0]) return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': external data without a location", tname(t));
    if (loc[0] == '/')
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': external data location '%s' is absolute", tname(t), loc);
    for (const char *p = loc; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': external data location '%s' leaves the model's directory",
                               tname(t), loc);
        p += n + (slash ? 1 : 0);
    }
    if (snprintf(out, size, "%s/%s", base_dir, loc) >= (int)size)
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': external data path too long", tname(t));
    return IC_OK;
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static ic_status fill_external(const Onnx__TensorProto *t, const char *base_dir, void *dst, size_t nbytes,
                               ic_diag *d) {
    const char *loc = NULL;
    uint64_t offset = 0, length = nbytes;
    bool has_length = false;
    for (size_t i = 0; i < t->n_external_data; i++) {
        const Onnx__StringStringEntryProto *e = t->external_data[i];
        if (!e->key) continue;
        if (strcmp(e->key, "location") == 0) {
            loc = e->value;
        } else if (strcmp(e->key, "offset") == 0) {
            if (!parse_u64(e->value, &offset))
                return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': bad external data offset", tname(t));
        } else if (strcmp(e->key, "length") == 0) {
            if (!parse_u64(e->value, &length))
                return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': bad external data length", tname(t));
            has_length = true;
        }
    }
    char path[PATH_MAX];
    IC_TRY(external_path(t, base_dir, loc, path, sizeof path, d));
    if (has_length && length != nbytes)
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': external data length %llu, but its dims need %zu bytes",
                           tname(t), (unsigned long long)length, nbytes);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ic_diag_set(d, IC_ERR_IO, "tensor '%s': cannot open %s: %s", tname(t), path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ic_diag_set(d, IC_ERR_IO, "tensor '%s': %s is not a regular file", tname(t), path);
    }
    if (offset > (uint64_t)st.st_size || (uint64_t)st.st_size - offset < nbytes) {
        close(fd);
        return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': %zu bytes at offset %llu are past the end of %s (%lld bytes)",
                           tname(t), nbytes, (unsigned long long)offset, path, (long long)st.st_size);
    }
    if (!dst) {
        close(fd);
        return IC_OK;
    }
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = pread(fd, (char *)dst + got, nbytes - got, (off_t)(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int err = r < 0 ? errno : EIO;
            close(fd);
            return ic_diag_set(d, IC_ERR_IO, "tensor '%s': cannot read %s: %s", tname(t), path, strerror(err));
        }
        got += (size_t)r;
    }
    close(fd);
    return IC_OK;
}

/* A float64 tensor read as f32 (the demote_f64 import option). */
static ic_status fill_demoted(const Onnx__TensorProto *t, const char *base_dir, float *dst, size_t numel, ic_diag *d) {
    if (numel > SIZE_MAX / 8) return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s' is absurdly large", tname(t));
    bool external = t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    if (!external && !t->has_raw_data) {
        if (t->n_double_data != numel)
            return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': double_data holds %zu values but its dims need %zu",
                               tname(t), t->n_double_data, numel);
        for (size_t i = 0; dst && i < numel; i++) dst[i] = (float)t->double_data[i];
        return IC_OK;
    }
    if (!external) {
        if (t->raw_data.len != numel * 8)
            return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': raw_data has %zu bytes but its dims need %zu", tname(t),
                               t->raw_data.len, numel * 8);
        for (size_t i = 0; dst && i < numel; i++) {
            double v;
            memcpy(&v, t->raw_data.data + i * 8, 8);
            dst[i] = (float)v;
        }
        return IC_OK;
    }
    if (!dst) return fill_external(t, base_dir, NULL, numel * 8, d);
    double *tmp = malloc(numel * 8 + 1);
    if (!tmp) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory reading tensor '%s'", tname(t));
    ic_status s = fill_external(t, base_dir, tmp, numel * 8, d);
    for (size_t i = 0; s == IC_OK && i < numel; i++) dst[i] = (float)tmp[i];
    free(tmp);
    return s;
}

ic_status ic_onnx_tensor_fill(const Onnx__TensorProto *t, const char *base_dir, ic_dtype dtype, void *dst,
                              size_t nbytes, ic_diag *d) {
    size_t es = ic_dtype_size(dtype);
    IC_ASSERT(es && nbytes % es == 0);
    if (t->has_data_type && t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE && dtype == IC_DT_F32)
        return fill_demoted(t, base_dir, dst, nbytes / es, d);
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return fill_external(t, base_dir, dst, nbytes, d);
    if (t->has_raw_data) {
        if (t->raw_data.len != nbytes)
            return ic_diag_set(d, IC_ERR_INVALID, "tensor '%s': raw_data has %zu bytes but its dims need %zu", tname(t),
                               t->raw_data.len, nbytes);
        if (!dst) return IC_OK;
        if (nbytes) memcpy(dst, t->raw_data.data, nbytes);
        if (dtype == IC_DT_BOOL)
            for (size_t i = 0; i < nbytes; i++) ((uint8_t *)dst)[i] = ((uint8_t *)dst)[i] != 0;
        return IC_OK;
    }
    return fill_typed(t, dtype, dst, nbytes / es, d);
}

/* --- files ------------------------------------------------------------------------ */

ic_status ic_onnx_read_file(const char *path, uint8_t **out, size_t *out_len, ic_diag *d) {
    return ic_file_read(path, ONNX_FILE_MAX, NULL, out, out_len, NULL, d);
}

ic_status ic_onnx_read_tensor_file(const char *path, bool demote_f64, ic_tensor *out, char *out_name, size_t name_size,
                                   ic_diag *d) {
    memset(out, 0, sizeof *out);
    if (out_name && name_size) out_name[0] = '\0';
    uint8_t *buf;
    size_t len;
    IC_TRY(ic_onnx_read_file(path, &buf, &len, d));
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, len, buf);
    free(buf);
    if (!t) return ic_diag_set(d, IC_ERR_PARSE, "%s: not a valid TensorProto", path);
    ic_dtype dt;
    ic_shape s;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
    ic_status st = ic_onnx_tensor_type(t, demote_f64, &dt, &s, d);
    if (st == IC_OK) st = ic_onnx_tensor_fill(t, dir, dt, NULL, ic_shape_numel(&s) * ic_dtype_size(dt), d);
    if (st == IC_OK) st = ic_tensor_alloc(dt, &s, out, d);
    if (st == IC_OK) st = ic_onnx_tensor_fill(t, dir, dt, out->data, ic_tensor_nbytes(out), d);
    if (st == IC_OK && out_name && name_size) snprintf(out_name, name_size, "%s", t->name ? t->name : "");
    if (st != IC_OK) {
        ic_tensor_free(out);
        ic_diag_prefix(d, "%s", path);
    }
    onnx__tensor_proto__free_unpacked(t, NULL);
    return st;
}
