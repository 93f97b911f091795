/* diag.c — error reports and status names; see diag.h. */
#include "ir/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *ic_status_name(ic_status s) {
    switch (s) {
    case IC_OK: return "ok";
    case IC_ERR_USAGE: return "usage error";
    case IC_ERR_PARSE: return "parse error";
    case IC_ERR_INVALID: return "invalid graph";
    case IC_ERR_UNSUPPORTED: return "unsupported";
    case IC_ERR_IO: return "i/o error";
    case IC_ERR_COMPILE: return "compile error";
    case IC_ERR_RUNTIME: return "runtime error";
    case IC_ERR_NOMEM: return "out of memory";
    }
    return "unknown status";
}

/* Newlines would break the one-line contract; replace them. */
static void flatten_lines(char *s) {
    for (; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
}

ic_status ic_diag_set(ic_diag *d, ic_status status, const char *fmt, ...) {
    if (!d) return status;
    d->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    flatten_lines(d->msg);
    return status;
}

void ic_diag_prefix(ic_diag *d, const char *fmt, ...) {
    if (!d) return;
    char pre[IC_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    char old[IC_DIAG_MSG_MAX];
    memcpy(old, d->msg, sizeof old);
    /* truncation is fine: the message stays one bounded line */
    size_t n = strlen(pre);
    if (n > sizeof d->msg - 3) n = sizeof d->msg - 3;
    memcpy(d->msg, pre, n);
    memcpy(d->msg + n, ": ", 2);
    size_t rest = sizeof d->msg - n - 3, len = strlen(old);
    if (len > rest) len = rest;
    memcpy(d->msg + n + 2, old, len);
    d->msg[n + 2 + len] = '\0';
    flatten_lines(d->msg);
}

void ic_diag_clear(ic_diag *d) {
    if (!d) return;
    d->status = IC_OK;
    d->msg[0] = '\0';
}

void ic_assert_fail(const char *cond, const char *file, int line) {
    fprintf(stderr, "inductc: internal error: assertion '%s' failed at %s:%d\n", cond, file, line);
    abort();
}
