/* cc.h — the system C compiler driver: builds generated C into a .so.
 *
 * The compiler is run through posix_spawn with an argument vector, never a
 * shell. Flags are listed one by one, and none that relaxes IEEE semantics (no
 * fast-math family: it changes the host process's floating-point state). */
#ifndef INDUCTC_CC_H
#define INDUCTC_CC_H

#include <stdbool.h>

#include "ir/diag.h"
#include "ir/strbuf.h"

#define IC_CC_MAX_ARGS 64

typedef struct ic_cc_config {
    char cc[1024];                     /* $CC, else "cc": a path or name, or words split at blanks ("ccache gcc") */
    const char *flags[IC_CC_MAX_ARGS]; /* compile flags, in order */
    int n_flags;                       /* entries in flags */
    char include_dirs[4096];           /* ':'-separated dirs passed as -I */
    char rt_library[1024];             /* libinductc_rt.a linked into every model */
    bool verbose;                      /* print the command line on stderr */
} ic_cc_config;

/* Fills cfg with $CC (or "cc"; a relative path is made absolute), the default flags
 * (-std=c11 -O3 -march=native -fopenmp -fPIC -shared ...), the build's include
 * dirs and runtime library ($INDUCTC_RUNTIME_DIR overrides the library dir). */
void ic_cc_config_default(ic_cc_config *cfg);
/* Retargets cfg from this machine (-march=native) to isa ("avx512", "avx2",
 * "sse"): baseline x86-64 plus exactly the features a model's create()
 * checks for that ISA, tuned for this machine. Nothing changes when isa is
 * this CPU's own (ic_isa_detect()). */
void ic_cc_config_set_isa(ic_cc_config *cfg, const char *isa);
/* The first line of `cc --version` into out (fails with the reason if cc is missing). */
ic_status ic_cc_version(const ic_cc_config *cfg, ic_strbuf *out, ic_diag *d);
/* Compiles c_path into so_path. On failure d names the command (as one line
 * of shell words) and carries the first lines of the compiler's own error
 * output. */
ic_status ic_cc_build(const ic_cc_config *cfg, const char *c_path, const char *so_path, ic_diag *d);
/* The same with the compiler running in directory dir (NULL: this one), so
 * c_path and so_path may be relative to it: whatever characters dir's path
 * holds, the compiler and assembler see only short relative names. */
ic_status ic_cc_build_in(const ic_cc_config *cfg, const char *dir, const char *c_path, const char *so_path,
                         ic_diag *d);
/* Appends every element of the configuration that affects the output (cc
 * path, version, flags, include dirs, runtime library contents hash) to out:
 * what the cache key hashes. */
ic_status ic_cc_fingerprint(const ic_cc_config *cfg, ic_strbuf *out, ic_diag *d);

#endif
