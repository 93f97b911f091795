/* emit_fused.h — internals shared by the two halves of the fused-kernel
 * emitter: emit_fused.c (loop nests, bodies, loads and stores) and
 * emit_fused_rows.c (row values, reductions and their accumulators). Not
 * for use elsewhere: cg.h declares the entry point, cg_emit_fused. */
#ifndef INDUCTC_EMIT_FUSED_H
#define INDUCTC_EMIT_FUSED_H

#include <stdarg.h>

#include "codegen/cg.h"
#include "lower/schedule.h"

/* One kernel being emitted. */
typedef struct fx {
    cg_ctx *c;            /* codegen state */
    const kp_plan *p;     /* what it computes */
    const ks_sched *s;    /* how it loops */
    ic_strbuf *b;         /* c->kern */
    int *in_index;        /* per load: parameter index of its value */
    int *vdepth;          /* per kop: scope depth where v<k> was declared, -1 if none */
    int *adepth;          /* per kop: the same for a<k> */
    int depth;            /* current scope depth */
    bool tail;            /* emitting the tail of the vector loop (nl lanes valid) */
    uint8_t *marks;       /* per kop, for the current phase body (ks_phase_kops) */
    uint8_t *used;        /* per kop: some user really reads it (pow by 2 does not read its 2) */
    int ind;              /* indentation in spaces */
    int vw;               /* lanes per vector (IC_VW of the target ISA) */
    int slot;             /* which of a reduction's accumulators this body adds into */
    bool fsum;            /* sums add into f32 partials fa<k>_<slot>, flushed to f64 every FSUM_STEPS steps */
    uint8_t *rform;       /* per double row kop: RF_* forms per-element ops read (h<k>, l<k>) */
    uint8_t *pivot;       /* per KP_RSUM: sums x - pv<k> (pv<k> the row's first term), see fx_find_row_forms */
    uint8_t *nanfree;     /* per KP_RMAX: NaN need not propagate (its users see NaN through a sum anyway) */
    bool prefetch[KP_MAX_PHASES]; /* KS_ROWS: phase loops that prefetch a later row (fx_find_prefetch_phases) */
    uint8_t *stream;      /* per store: full vectors go out as non-temporal stores when aligned (find_streams) */
    bool any_stream;      /* some store streams: the kernel ends with a store fence */
} fx;

/* Float forms of a double row value d<k> that per-element ops read: the
 * element loops stay in f32 while the row value keeps double precision. */
enum {
    RF_HI = 1, /* h<k>: (float)d broadcast */
    RF_LO = 2, /* l<k>: (float)(d - (double)h), so (x - h) - l is x - d to about one f32 rounding */
};

/* Steps of ACC_SLOTS vectors whose sums stay in f32 before joining the f64
 * accumulator: the ACC_SLOTS partials of FSUM_STEPS terms a lane are added in
 * f32 and then once into the double, which keeps the f32 rounding near 1e-6
 * of the block's terms while the conversions cost next to nothing. Sums of
 * terms with a large common offset (layernorm's mean) subtract the row's
 * first term first (fx.pivot), so the f32 partials only see the spread. */
#define FSUM_STEPS 16

/* How far ahead multi-phase rows prefetch (emit_prefetch_next_row): at least a row. */
#define PREFETCH_BYTES 8192

/* Outputs from this size on are written with non-temporal (streaming)
 * stores: twice the 32 MiB last-level cache of the machines we target, so
 * the data would be gone from cache before the next kernel reads it anyway. */
#define STREAM_MIN_BYTES (64LL << 20)
/* ... in kernels whose work per element (kop costs, kp_node_cost) is at most this */
#define STREAM_MAX_COST 16

/* Accumulators per reduction along a contiguous row: independent chains, so
 * the add (or max) latency does not bound the loop. Combined in a fixed order. */
#define ACC_SLOTS 4
_Static_assert(ACC_SLOTS == 4, "the accumulators' joins (emit_vector_loop, fx_acc_finish) name four");


/* emit_fused.c */
void fx_vline(fx *f, const char *fmt, va_list ap);  /* one line of C at the current indentation */
void fx_open_scope(fx *f, const char *head);        /* "head {" one level deeper */
void fx_close_scope(fx *f);                         /* "}", forgetting the values declared inside */
void fx_need_vec(fx *f, int k);                     /* v<k> from a<k> unless declared */
ic_status fx_emit_kop(fx *f, int k);                /* kop k at the current position */
void fx_scratch_pos(const fx *f, char *out, size_t size); /* the current vector's row scratch index */

/* emit_fused_rows.c */
void fx_emit_special(fx *f, int k);       /* a row-op piece (KP_EXPSUB .. KP_DRSTD) */
void fx_lnorm_const(fx *f, int k);        /* layernorm kop k's row constant c<k> */
bool fx_is_phase_sum(const kp_kop *q, int ph); /* a sum accumulated in phase ph */
void fx_acc_init(fx *f, int ph);          /* phase ph's accumulators */
void fx_acc_step(fx *f, int ph);          /* one vector into them */
void fx_acc_finish(fx *f, int ph);        /* their row results */
ic_status fx_emit_pivot(fx *f, int k);    /* pv<k> for a pivoted sum */
void fx_find_row_forms(fx *f);            /* fills rform, pivot and nanfree */
void fx_find_prefetch_phases(fx *f);      /* fills prefetch */

#endif
