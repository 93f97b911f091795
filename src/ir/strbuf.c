/* strbuf.c — growable text buffer; see strbuf.h. */
#include "ir/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ic_strbuf_init(ic_strbuf *b) { memset(b, 0, sizeof *b); }

void ic_strbuf_free(ic_strbuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(ic_strbuf *b, size_t extra) {
    if (b->failed) return false;
    if (extra > (size_t)-1 / 2 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need) ncap *= 2;
    char *n = realloc(b->data, ncap);
    if (!n) {
        b->failed = true;
        return false;
    }
    b->data = n;
    b->cap = ncap;
    return true;
}

void ic_strbuf_append(ic_strbuf *b, const char *s, size_t n) {
    if (!reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ic_strbuf_puts(ic_strbuf *b, const char *s) { ic_strbuf_append(b, s, strlen(s)); }

void ic_strbuf_printf(ic_strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        if (n < 0) b->failed = true;
        va_end(ap2);
        return;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

const char *ic_strbuf_str(const ic_strbuf *b) { return b->data ? b->data : ""; }
bool ic_strbuf_ok(const ic_strbuf *b) { return !b->failed; }
