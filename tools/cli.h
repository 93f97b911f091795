/* cli.h — what the inductc CLI's files share: exit codes, the one-line
 * messages, argument parsing, the compile options every command accepts,
 * and the steps from a model file to a loaded .so. Only tools/ includes it. */
#ifndef INDUCTC_CLI_H
#define INDUCTC_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "runtime/compile.h"
#include "runtime/loader.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* --- messages (cli_common.c): one line on stderr, control characters made '?' */

/* "inductc: <d's message>"; returns EXIT_FAIL. */
int cli_fail(const ic_diag *d);
/* "inductc: <message> (see inductc --help)"; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) IC_PRINTF(1, 2);

/* --- argument parsing --------------------------------------------------------------- */

typedef struct args {
    int argc;    /* number of arguments */
    char **argv; /* the arguments */
    int i;       /* the one being looked at */
} args;

/* If argv[i] is the option name (as "--name VALUE" or "--name=VALUE"), stores
 * the value, advances past it and returns 1; returns 0 if it is another
 * option and -1 if the value is missing. */
int cli_take_value(args *a, const char *name, const char **val);
/* If argv[i] is the flag, advances past it and returns true. */
bool cli_take_flag(args *a, const char *name);
/* Whole-string integer in [lo, hi], and non-negative double. */
bool cli_parse_int(const char *s, long lo, long hi, int *out);
bool cli_parse_double(const char *s, double *out);

/* Compile options shared by every command that may compile. */
#define MAX_INPUT_SHAPES 32

typedef struct compile_cli {
    ic_compile_options opt; /* what ic_compile_file takes */
    const char *out;        /* -o */
    const char *stop_after; /* --stop-after */
    ic_onnx_input_shape shapes[MAX_INPUT_SHAPES]; /* --input-shape, pointed to by opt */
    char shape_names[MAX_INPUT_SHAPES][256];      /* their input names */
} compile_cli;

/* Consumes one compile option at a->i: 1 consumed, 0 not a compile option,
 * or an exit code (as a negative number) on a usage error. */
int cli_take_compile_option(args *a, compile_cli *c);

/* --- model files and compiled models ----------------------------------------------- */

/* Whether path is an ELF file (a compiled model) rather than a model text. */
ic_status cli_file_is_elf(const char *path, bool *out, ic_diag *d);
/* Model file → .so path (through the cache unless --no-cache). */
ic_status cli_compile_model(const char *model, const compile_cli *c, ic_compile_result *res, ic_diag *d);
/* Removes a --no-cache build: the .so and the temporary directory holding it. */
void cli_remove_no_cache_build(const char *so_path);
/* ic_model_load of a file the user named ("model.so" means the one here). */
ic_status cli_load_model_file(const char *path, ic_loaded_model *lm, ic_diag *d);

/* --- the commands: argv from a->i on; each returns the exit code ------------------- */

int cli_cmd_compile(args *a); /* inductc.c */
int cli_cmd_run(args *a);     /* cli_run.c */
int cli_cmd_info(args *a);    /* cli_info.c */
int cli_cmd_cache(args *a);   /* cli_cache.c */

#endif
