/* npy.c — reading and writing numpy .npy files; see npy.h.
 *
 * Format (numpy.lib.format): the magic "\x93NUMPY", a major and minor version
 * byte, the header length (2 bytes little-endian in version 1, 4 bytes in 2
 * and 3), then an ASCII (v3: UTF-8) Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ended by '\n', then the raw data in C order.
 * Every number in a file is untrusted: each is checked against the file size
 * and against overflow before it is used. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_DATA ((uint64_t)1 << 46) /* same limit as ic_tensor_alloc */

/* The dtypes inductc reads and writes, with numpy's descr for each. */
typedef struct npy_type {
    ic_dtype dtype;    /* ours */
    const char *descr; /* what we write */
    char kind;         /* numpy kind letter: f, i, u, b */
    int size;          /* bytes per element */
} npy_type;

static const npy_type npy_types[] = {
    {IC_DT_F32, "<f4", 'f', 4}, {IC_DT_F16, "<f2", 'f', 2}, {IC_DT_I64, "<i8", 'i', 8},
    {IC_DT_I32, "<i4", 'i', 4}, {IC_DT_I8, "|i1", 'i', 1},  {IC_DT_U8, "|u1", 'u', 1},
    {IC_DT_BOOL, "|b1", 'b', 1},
};

/* --- header dict parser --------------------------------------------------------- */

typedef struct hdr_parser {
    const char *p;   /* next character */
    const char *end; /* end of the header text */
} hdr_parser;

static void skip_ws(hdr_parser *h) {
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r')) h->p++;
}

static bool accept(hdr_parser *h, char c) {
    skip_ws(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes; copies at most size-1 bytes. */
static bool parse_str(hdr_parser *h, char *out, size_t size) {
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) return false;
    char q = *h->p++;
    size_t n = 0;
    while (h->p < h->end && *h->p != q) {
        if (*h->p == '\\') return false;
        if (n + 1 < size) out[n++] = *h->p;
        else return false;
        h->p++;
    }
    if (h->p >= h->end) return false;
    h->p++;
    out[n] = '\0';
    return true;
}

static bool parse_word(hdr_parser *h, const char *w) {
    skip_ws(h);
    size_t n = strlen(w);
    if ((size_t)(h->end - h->p) < n || memcmp(h->p, w, n) != 0) return false;
    h->p += n;
    return true;
}

/* A non-negative decimal integer (Python 2 files may append 'L'). */
static bool parse_dim(hdr_parser *h, int64_t *out) {
    skip_ws(h);
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') return false;
    int64_t v = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        int digit = *h->p - '0';
        if (v > (INT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
        h->p++;
    }
    if (h->p < h->end && *h->p == 'L') h->p++;
    *out = v;
    return true;
}

/* "(", dims separated by commas, optional trailing comma, ")". */
static ic_status parse_shape(hdr_parser *h, ic_shape *shape, const char *what, ic_diag *d) {
    if (!accept(h, '(')) return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header: shape is not a tuple", what);
    shape->rank = 0;
    if (accept(h, ')')) return IC_OK;
    for (;;) {
        int64_t dim;
        if (!parse_dim(h, &dim))
            return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header: bad dimension in shape", what);
        if (shape->rank == IC_MAX_RANK)
            return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: npy array has more than %d dimensions", what, IC_MAX_RANK);
        shape->dims[shape->rank++] = dim;
        if (accept(h, ')')) return IC_OK;
        if (!accept(h, ',')) return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header: bad shape tuple", what);
        if (accept(h, ')')) return IC_OK;
    }
}

static ic_status descr_to_dtype(const char *descr, ic_dtype *out, const char *what, ic_diag *d) {
    char order = descr[0];
    const char *rest = descr;
    if (order == '<' || order == '>' || order == '|' || order == '=') rest++;
    else order = '=';
    if (rest[0] == '\0' || rest[1] < '1' || rest[1] > '9' || rest[2] != '\0') {
        /* numpy also allows names like 'float32' in hand-made files */
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: unsupported npy dtype '%s'", what, descr);
    }
    int size = rest[1] - '0';
    if (order == '>' && size > 1)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED,
                           "%s: big-endian npy data ('%s') is not supported; save it little-endian "
                           "(arr.astype(arr.dtype.newbyteorder('<')))",
                           what, descr);
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
        if (npy_types[i].kind == rest[0] && npy_types[i].size == size) {
            *out = npy_types[i].dtype;
            return IC_OK;
        }
    }
    return ic_diag_set(d, IC_ERR_UNSUPPORTED,
                       "%s: unsupported npy dtype '%s' (supported: <f4 <f2 <i8 <i4 |i1 |u1 |b1)", what, descr);
}

/* Parses the header dict into dtype and shape. */
static ic_status parse_header(const char *text, size_t len, ic_dtype *dtype, ic_shape *shape, const char *what,
                              ic_diag *d) {
    hdr_parser h = {text, text + len};
    bool have_descr = false, have_order = false, have_shape = false;
    if (!accept(&h, '{')) return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header is not a dict", what);
    while (!accept(&h, '}')) {
        char key[32];
        if (!parse_str(&h, key, sizeof key) || !accept(&h, ':'))
            return ic_diag_set(d, IC_ERR_PARSE, "%s: malformed npy header", what);
        if (strcmp(key, "descr") == 0 && !have_descr) {
            char descr[32];
            if (!parse_str(&h, descr, sizeof descr))
                return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: npy header: descr is not a simple type string "
                                   "(structured dtypes are not supported)", what);
            IC_TRY(descr_to_dtype(descr, dtype, what, d));
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (parse_word(&h, "True"))
                return ic_diag_set(d, IC_ERR_UNSUPPORTED,
                                   "%s: Fortran-order npy arrays are not supported; save a C-order array "
                                   "(np.ascontiguousarray)", what);
            if (!parse_word(&h, "False"))
                return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header: bad fortran_order value", what);
            have_order = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            IC_TRY(parse_shape(&h, shape, what, d));
            have_shape = true;
        } else {
            return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header: unexpected or repeated key '%s'", what, key);
        }
        if (!accept(&h, ',')) {
            if (!accept(&h, '}')) return ic_diag_set(d, IC_ERR_PARSE, "%s: malformed npy header", what);
            break;
        }
    }
    if (!have_descr || !have_order || !have_shape)
        return ic_diag_set(d, IC_ERR_PARSE, "%s: npy header lacks %s", what,
                           !have_descr ? "'descr'" : !have_order ? "'fortran_order'" : "'shape'");
    skip_ws(&h);
    if (h.p != h.end) return ic_diag_set(d, IC_ERR_PARSE, "%s: junk after the npy header dict", what);
    return IC_OK;
}

/* --- reading -------------------------------------------------------------------- */

ic_status ic_npy_read_mem(const void *buf, size_t len, const char *what, ic_tensor *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    if (!what) what = "npy data";
    const unsigned char *b = buf;
    if (len < NPY_MAGIC_LEN + 2 || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return ic_diag_set(d, IC_ERR_PARSE, "%s: not a .npy file (bad magic)", what);
    int major = b[6], minor = b[7];
    if (major < 1 || major > 3 || minor != 0)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: unsupported .npy version %d.%d", what, major, minor);
    size_t len_bytes = major == 1 ? 2 : 4;
    size_t pre = NPY_MAGIC_LEN + 2 + len_bytes;
    if (len < pre) return ic_diag_set(d, IC_ERR_PARSE, "%s: truncated .npy header", what);
    uint64_t hlen = b[8] | (uint64_t)b[9] << 8;
    if (major > 1) hlen |= (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
    if (hlen > len - pre) return ic_diag_set(d, IC_ERR_PARSE, "%s: truncated .npy header", what);

    ic_dtype dtype = IC_DT_INVALID;
    ic_shape shape = {0};
    IC_TRY(parse_header((const char *)b + pre, (size_t)hlen, &dtype, &shape, what, d));

    uint64_t nbytes = ic_dtype_size(dtype);
    for (int i = 0; i < shape.rank; i++) {
        uint64_t dim = (uint64_t)shape.dims[i];
        if (dim && nbytes > NPY_MAX_DATA / dim)
            return ic_diag_set(d, IC_ERR_PARSE, "%s: npy shape is too large", what);
        nbytes *= dim;
    }
    size_t have = len - pre - (size_t)hlen;
    if (have != nbytes) {
        char tbuf[128];
        ic_value tmp = {.dtype = dtype, .shape = shape};
        ic_value_type_str(&tmp, tbuf, sizeof tbuf);
        return ic_diag_set(d, IC_ERR_PARSE, "%s: npy data size mismatch: %s needs %llu bytes, the file has %zu", what,
                           tbuf, (unsigned long long)nbytes, have);
    }
    IC_TRY(ic_tensor_alloc(dtype, &shape, out, d));
    if (nbytes) memcpy(out->data, b + pre + hlen, (size_t)nbytes);
    if (dtype == IC_DT_BOOL) {
        /* Our bool is 0 or 1; numpy writes the same, but normalise anyway. */
        uint8_t *p = out->data;
        for (size_t i = 0; i < (size_t)nbytes; i++) p[i] = p[i] != 0;
    }
    return IC_OK;
}

ic_status ic_npy_read(const char *path, ic_tensor *out, ic_diag *d) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us; fstat refuses it */
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        int err = errno;
        if (fd >= 0) close(fd);
        return ic_diag_set(d, IC_ERR_IO, "cannot open %s: %s", path, strerror(err));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ic_diag_set(d, IC_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > NPY_MAX_DATA + (1u << 20)) {
        fclose(f);
        return ic_diag_set(d, IC_ERR_IO, "%s: file too large", path);
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory reading %s", path);
    }
    size_t got = fread(buf, 1, size, f);
    int err = ferror(f);
    fclose(f);
    ic_status s;
    if (err || got != size)
        s = ic_diag_set(d, IC_ERR_IO, "cannot read %s: %s", path, err ? strerror(errno) : "file changed while reading");
    else
        s = ic_npy_read_mem(buf, size, path, out, d);
    free(buf);
    return s;
}

/* --- writing -------------------------------------------------------------------- */

ic_status ic_npy_write(const char *path, const ic_tensor *t, ic_diag *d) {
    const npy_type *nt = NULL;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].dtype == t->dtype) nt = &npy_types[i];
    if (!nt)
        return ic_diag_set(d, IC_ERR_UNSUPPORTED, "%s: numpy has no %s dtype", path, ic_dtype_name(t->dtype));
    if (t->shape.rank < 0 || t->shape.rank > IC_MAX_RANK)
        return ic_diag_set(d, IC_ERR_INVALID, "%s: tensor rank %d out of range", path, t->shape.rank);

    /* The header exactly as numpy writes it: the dict, room for the first dim
     * to grow to 21 digits, then spaces and '\n' up to a multiple of 64 bytes. */
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (", nt->descr);
    for (int i = 0; i < t->shape.rank; i++)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%s%lld", i ? ", " : "", (long long)t->shape.dims[i]);
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%s), }", t->shape.rank == 1 ? "," : "");
    if (t->shape.rank > 0) {
        int digits = snprintf(NULL, 0, "%lld", (long long)t->shape.dims[0]);
        for (int i = digits; i < 21; i++) hdr[n++] = ' ';
    }
    size_t total = NPY_MAGIC_LEN + 2 + 2 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    memset(hdr + n, ' ', pad);
    hdr[(size_t)n + pad] = '\n';
    size_t hlen = (size_t)n + pad + 1;

    unsigned char pre[10];
    memcpy(pre, NPY_MAGIC, NPY_MAGIC_LEN);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);

    FILE *f = fopen(path, "wb");
    if (!f) return ic_diag_set(d, IC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    size_t nbytes = ic_tensor_nbytes(t);
    bool ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(hdr, 1, hlen, f) == hlen &&
              (nbytes == 0 || fwrite(t->data, 1, nbytes, f) == nbytes);
    int err = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        remove(path);
        return ic_diag_set(d, IC_ERR_IO, "cannot write %s: %s", path, strerror(err));
    }
    return IC_OK;
}
