/* status.h — the status codes every inductc library call returns.
 *
 * Library code never exits or aborts on bad input: it returns one of these and
 * fills an ic_diag (see src/ir/diag.h) with a one-line message. Only tools/
 * turns a status into a process exit code. */
#ifndef INDUCTC_STATUS_H
#define INDUCTC_STATUS_H

typedef enum ic_status {
    IC_OK = 0,
    IC_ERR_USAGE,       /* a caller passed arguments that make no sense */
    IC_ERR_PARSE,       /* a model or data file is malformed */
    IC_ERR_INVALID,     /* a well-formed graph that breaks a rule (shapes, arity, attrs) */
    IC_ERR_UNSUPPORTED, /* valid input that inductc does not handle yet */
    IC_ERR_IO,          /* a file could not be read, written or renamed */
    IC_ERR_COMPILE,     /* the system C compiler failed */
    IC_ERR_RUNTIME,     /* loading or running a generated model failed */
    IC_ERR_NOMEM,       /* an allocation failed */
} ic_status;

/* A short lower-case name for a status ("parse error", ...). */
const char *ic_status_name(ic_status s);

#endif
