/* diag.h — error reports that travel up with an ic_status.
 *
 * The message is one line. Callers add context on the way up with
 * ic_diag_prefix ("compiling model.graph: ..."), so the first line a user
 * sees says what failed and where. */
#ifndef INDUCTC_DIAG_H
#define INDUCTC_DIAG_H

#include <stdio.h>

#include "inductc/status.h"

#define IC_DIAG_MSG_MAX 1024

typedef struct ic_diag {
    ic_status status;           /* the failure, IC_OK when nothing failed */
    char msg[IC_DIAG_MSG_MAX];  /* one-line message, NUL-terminated */
} ic_diag;

#if defined(__GNUC__)
#define IC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IC_PRINTF(f, a)
#endif

/* Records status and message in d (which may be NULL) and returns status. */
ic_status ic_diag_set(ic_diag *d, ic_status status, const char *fmt, ...) IC_PRINTF(3, 4);
/* Prepends "context: " to d's message (keeps the status). */
void ic_diag_prefix(ic_diag *d, const char *fmt, ...) IC_PRINTF(2, 3);
void ic_diag_clear(ic_diag *d);

/* Propagate a failing status. */
#define IC_TRY(expr)                          \
    do {                                      \
        ic_status ic_try_s_ = (expr);         \
        if (ic_try_s_ != IC_OK) return ic_try_s_; \
    } while (0)

/* Always-on internal invariant check: prints and aborts. For bugs, never for bad input. */
#define IC_ASSERT(cond)                                                              \
    do {                                                                             \
        if (!(cond)) ic_assert_fail(#cond, __FILE__, __LINE__);                      \
    } while (0)
_Noreturn void ic_assert_fail(const char *cond, const char *file, int line);

#endif
