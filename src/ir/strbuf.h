/* strbuf.h — a growable text buffer (printer output, generated C, cache keys).
 *
 * Uses malloc, not an arena: generated C for a large model is big and is
 * written to disk once. Out-of-memory is sticky: appends after a failed one
 * do nothing and ic_strbuf_ok() reports it. */
#ifndef INDUCTC_STRBUF_H
#define INDUCTC_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/diag.h"

typedef struct ic_strbuf {
    char *data;  /* NUL-terminated text, or NULL before the first append */
    size_t len;  /* bytes used, without the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed; the text is incomplete */
} ic_strbuf;

void ic_strbuf_init(ic_strbuf *b);
void ic_strbuf_free(ic_strbuf *b);
void ic_strbuf_append(ic_strbuf *b, const char *s, size_t n);
void ic_strbuf_puts(ic_strbuf *b, const char *s);
void ic_strbuf_printf(ic_strbuf *b, const char *fmt, ...) IC_PRINTF(2, 3);
/* The text so far ("" if empty). */
const char *ic_strbuf_str(const ic_strbuf *b);
bool ic_strbuf_ok(const ic_strbuf *b);

#endif
