/* schedule.h — how one planned kernel (kplan.h) runs: loop order, which
 * loop is the vector loop, which outer loops are split across threads and
 * how many threads are worth it, and which values a row caches in scratch.
 *
 * Three shapes of loop nest come out of it:
 *   KS_PW    no row dims: outer loops x chunks of the vector loop are the
 *            parallel tasks; each task walks its chunk in vectors + a tail.
 *   KS_ROWS  the vector loop is a row dim (rows contiguous, e.g. layernorm
 *            over the last axis): one task per row; every phase walks the
 *            row in vectors with a masked tail; horizontal reduce per phase.
 *   KS_COLS  the vector loop is a kept dim (e.g. softmax over axis 1 of
 *            NCHW): lanes are different rows; a task is one vector of rows;
 *            the row dims are scalar loops; no horizontal reduce.
 * Loops of size 1 are dropped and neighbours merged where every operand's
 * strides allow, so dense tensors of any rank become one or two loops. */
#ifndef INDUCTC_SCHEDULE_H
#define INDUCTC_SCHEDULE_H

#include "lower/kplan.h"

/* Elements of work (weighted by op cost) below which a thread is not worth
 * starting: fork/join costs microseconds, and on a loaded machine far more. */
#define KS_MIN_WORK_PER_THREAD 65536
/* Largest per-task row scratch, in floats (64 KiB: stays in L2, fits any stack). */
#define KS_MAX_SCRATCH 16384

typedef enum ks_mode { KS_PW, KS_ROWS, KS_COLS } ks_mode;

typedef struct ks_sched {
    ks_mode mode;                   /* shape of the loop nest */
    int n_loops;                    /* loops, outermost first */
    int64_t extent[KP_MAX_DIMS];    /* trip counts */
    bool row[KP_MAX_DIMS];          /* a row (reduced) loop */
    int n_outer;                    /* loops [0, n_outer) index the tasks (besides vector chunks) */
    int vec;                        /* the vector loop (innermost, n_loops - 1) */
    int64_t chunk;                  /* KS_PW: elements of the vector loop per task; else IC_VW-sized blocks */
    int64_t n_chunks;               /* chunks of the vector loop per outer index (KS_ROWS: 1) */
    int64_t tasks;                  /* parallel tasks */
    int threads;                    /* threads worth using (1: no parallel loop) */
    int64_t (*lstride)[KP_MAX_DIMS];/* per plan load: element stride per loop */
    int64_t (*sstride)[KP_MAX_DIMS];/* per plan store: element stride per loop */
    uint8_t *phases;                /* per kop: bit p set when phase loop p needs it (full kops) */
    bool *cache;                    /* per kop: kept in row scratch between phases */
    int64_t scratch;                /* floats of scratch per cached kop */
    int64_t row_vec_pad;            /* KS_ROWS: vector loop extent rounded up to lanes (scratch row pitch) */
} ks_sched;

/* Schedules plan p of graph g for vectors of vw floats. false only when out of memory. */
bool ks_schedule(const ic_graph *g, const kp_plan *p, int vw, ks_sched *out);
void ks_sched_free(ks_sched *s);
/* Full kops the phase loop `phase` evaluates (closure of its reductions and
 * stores, stopping at row-level kops and at cached kops computed earlier):
 * marks[k] = 1 to compute, 2 to reload from scratch. */
void ks_phase_kops(const kp_plan *p, const ks_sched *s, int phase, uint8_t *marks);
/* The first phase loop that computes kop k (for cached kops: where scratch is written). */
int ks_first_phase(const ks_sched *s, int k);

#endif
