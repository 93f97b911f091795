/* text.h — the .graph text format: parser and printer (grammar in docs/graph-format.md).
 *
 * print(parse(t)) == t for any canonical t; every dump is parseable, so any
 * dump is a test case. */
#ifndef INDUCTC_TEXT_H
#define INDUCTC_TEXT_H

#include "ir/ir.h"
#include "ir/strbuf.h"

/* Parses text (len bytes, need not be NUL-terminated). filename is used in
 * messages ("file:line:col: ...") and to find the weights sidecar relative to
 * it; it may be NULL for text with no sidecar. Runs shape inference and the
 * verifier. On failure *out_graph is NULL and d holds one line. */
ic_status ic_text_parse(const char *text, size_t len, const char *filename, const ic_allocator *alloc,
                        ic_graph **out_graph, ic_diag *d);
/* Reads and parses a file. */
ic_status ic_text_parse_file(const char *path, const ic_allocator *alloc, ic_graph **out_graph, ic_diag *d);
/* Appends the graph's canonical text to out. */
ic_status ic_text_print(const ic_graph *g, ic_strbuf *out, ic_diag *d);
/* Like ic_text_print, but values are renamed %0, %1, ... in definition order
 * except graph inputs and outputs, which keep their names: the form the cache
 * key hashes, so renaming an internal value does not change the key.
 * Constants without attributes (made by passes or importers) are printed
 * without their data, so this text alone does not parse back for them:
 * whoever hashes it must hash the constants' bytes too (ic_graph_hash does). */
ic_status ic_text_print_canonical(const ic_graph *g, ic_strbuf *out, ic_diag *d);

#endif
