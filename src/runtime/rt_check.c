/* rt_check.c — what a generated run() checks before it touches any buffer,
 * and the error-text helper the rest of the runtime uses. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rt.h"

int ic_rt_fail(char *err, size_t size, const char *fmt, ...) {
    if (err && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
    }
    return 1;
}

static const char *dtype_name(int32_t t) {
    static const char *const names[] = {"invalid", "f32", "f16", "bf16", "i8", "u8", "i32", "i64", "bool"};
    return t >= 0 && t < (int32_t)(sizeof names / sizeof names[0]) ? names[t] : "invalid";
}

static size_t dtype_size(int32_t t) {
    static const size_t sizes[] = {0, 4, 2, 2, 1, 1, 4, 8, 1};
    return t >= 0 && t < (int32_t)(sizeof sizes / sizeof sizes[0]) ? sizes[t] : 0;
}

size_t ic_rt_tensor_bytes(const inductc_tensor_info *t) {
    size_t n = dtype_size(t->dtype);
    for (int32_t i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
    return n;
}

/* "f32[1,3,32,32]"; dims may be NULL (printed as "?"). */
static void type_str(char *buf, size_t size, int32_t dtype, int32_t rank, const int64_t *dims) {
    size_t off = 0;
    int n = snprintf(buf, size, "%s[", dtype_name(dtype));
    if (n > 0) off = (size_t)n;
    if (rank < 0 || rank > INDUCTC_MODEL_MAX_RANK) {
        snprintf(buf + (off < size ? off : size - 1), off < size ? size - off : 1, "rank %d]", rank);
        return;
    }
    for (int32_t i = 0; i < rank && off < size; i++) {
        if (dims)
            n = snprintf(buf + off, size - off, "%s%lld", i ? "," : "", (long long)dims[i]);
        else
            n = snprintf(buf + off, size - off, "%s?", i ? "," : "");
        if (n > 0) off += (size_t)n;
    }
    if (off < size) snprintf(buf + off, size - off, "]");
}

int ic_rt_check_tensors(char *err, size_t size, const char *kind, const inductc_tensor_info *decl, uint32_t n_decl,
                        const inductc_tensor *got, uint32_t n_got) {
    if (n_got != n_decl)
        return ic_rt_fail(err, size, "expected %u %ss, got %u", n_decl, kind, n_got);
    if (n_decl && !got) return ic_rt_fail(err, size, "%ss is NULL", kind);
    for (uint32_t i = 0; i < n_decl; i++) {
        const inductc_tensor_info *want = &decl[i];
        const inductc_tensor *t = &got[i];
        bool same = t->dtype == want->dtype && t->rank == want->rank && (t->dims || want->rank == 0);
        for (int32_t k = 0; same && k < want->rank; k++) same = t->dims[k] == want->dims[k];
        if (!same) {
            char a[256], b[256];
            type_str(a, sizeof a, want->dtype, want->rank, want->dims);
            type_str(b, sizeof b, t->dtype, t->rank, t->dims);
            return ic_rt_fail(err, size, "%s '%s': expected %s, got %s", kind, want->name, a, b);
        }
        if (!t->data && ic_rt_tensor_bytes(want) > 0)
            return ic_rt_fail(err, size, "%s '%s': data is NULL", kind, want->name);
    }
    return 0;
}

static bool overlaps(const void *a, size_t na, const void *b, size_t nb) {
    if (!na || !nb || !a || !b) return false;
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + nb && y < x + na;
}

int ic_rt_check_overlap(char *err, size_t size, const inductc_tensor_info *in_decl, const inductc_tensor *in,
                        uint32_t n_in, const inductc_tensor_info *out_decl, const inductc_tensor *out, uint32_t n_out) {
    for (uint32_t i = 0; i < n_out; i++) {
        size_t no = ic_rt_tensor_bytes(&out_decl[i]);
        for (uint32_t j = 0; j < n_in; j++)
            if (overlaps(out[i].data, no, in[j].data, ic_rt_tensor_bytes(&in_decl[j])))
                return ic_rt_fail(err, size, "output '%s' overlaps input '%s'", out_decl[i].name, in_decl[j].name);
        for (uint32_t j = 0; j < i; j++)
            if (overlaps(out[i].data, no, out[j].data, ic_rt_tensor_bytes(&out_decl[j])))
                return ic_rt_fail(err, size, "output '%s' overlaps output '%s'", out_decl[i].name, out_decl[j].name);
    }
    return 0;
}
