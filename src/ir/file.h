/* file.h — reading a whole input file, the one way every front end and the
 * compile driver do it: regular files only (a FIFO is refused, never waited
 * on), bounded in size, read fully even through EINTR and short reads. */
#ifndef INDUCTC_FILE_H
#define INDUCTC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"
#include "ir/diag.h"

/* Reads path into memory from arena (or malloc when arena is NULL; the
 * caller frees), with a NUL after the last byte that *out_len does not
 * count. Files over max_size bytes are refused. On failure d says why
 * ("cannot open P: ...", "P: not a regular file", "P: larger than N bytes",
 * "cannot read P: ...") and *out_errno, if not NULL, gets the errno behind
 * it (EISDIR or EINVAL for a non-regular file, EFBIG for a large one, 0 for
 * out of memory) for callers that word their own message. */
ic_status ic_file_read(const char *path, size_t max_size, ic_arena *arena, uint8_t **out, size_t *out_len,
                       int *out_errno, ic_diag *d);

#endif
