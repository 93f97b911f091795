/* profile.h — host-side use of a loaded model's optional exports
 * (include/inductc/model.h): instance statistics for `inductc info` and the
 * per-kernel-group profile for `inductc run --profile`. */
#ifndef INDUCTC_PROFILE_H
#define INDUCTC_PROFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "inductc/model.h"
#include "ir/diag.h"
#include "runtime/loader.h"

/* Creates an instance with `threads` threads (0: OpenMP's default), timing
 * create(), and prints its sizes to out. A model without the stats export
 * prints nothing; one that cannot be created here (another CPU) prints why;
 * both succeed. */
ic_status ic_model_print_stats(const ic_loaded_model *lm, int threads, FILE *out, ic_diag *d);

/* Switches per-group timing of inst on or off; false (and no error) when the
 * model lacks the profile exports. */
bool ic_model_profile_enable(const ic_loaded_model *lm, inductc_model *inst, bool on);
/* Prints inst's profile, slowest first: name, ops, ms per run, % of total. */
ic_status ic_model_print_profile(const ic_loaded_model *lm, const inductc_model *inst, FILE *out, ic_diag *d);

#endif
