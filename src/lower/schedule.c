/* schedule.c — picks the loop nest for a planned kernel (see schedule.h).
 *
 * The vector loop is the dim the heaviest operand (by bytes moved; stores
 * count double, they cost a read for ownership too) walks with stride 1, so
 * the bulk of the traffic is contiguous vectors; everything else keeps the
 * domain's order. Parallel tasks are the outer loops (times chunks of the
 * vector loop when there are no rows); the thread count grows with the
 * work, weighted by what each element costs, and never passes the number of
 * tasks, so tiny kernels stay on one thread. A full value that several
 * phases need and that is expensive to recompute (softmax's exp) is kept in
 * a per-row scratch instead. */
#include "lower/schedule.h"

#include <stdlib.h>
#include <string.h>

#define KS_CHUNK 4096   /* vector-loop elements per task in long pointwise loops (a multiple of every width) */
#define KS_MAX_THREADS 256
#define KS_CACHE_MIN_COST 4 /* recompute cost (1 = an add or a load) from which a value is kept in scratch */
/* A scratch row beyond this many bytes crowds the input row out of L1 (32
 * KiB with the output and the next row's prefetch): only values twice as
 * expensive as KS_CACHE_MIN_COST are worth it then (hardswish over a 56x56
 * row is recomputed, softmax's exp kept). */
#define KS_SCRATCH_L1_BYTES 8192

static bool is_row(const kp_plan *p, int d) { return (p->rmask >> d) & 1u; }

/* The domain dim the heaviest operand walks with stride 1. */
static int pick_vector_dim(const ic_graph *g, const kp_plan *p) {
    double best = -1;
    int vdim = -1;
    for (int i = 0; i < p->n_loads + p->n_stores; i++) {
        bool st = i >= p->n_loads;
        const int64_t *strides = st ? p->stores[i - p->n_loads].strides : p->loads[i].strides;
        uint32_t v = st ? p->stores[i - p->n_loads].value : p->loads[i].value;
        double bytes = (double)ic_dtype_size(g->values[v].dtype) * (st ? 2.0 : 1.0);
        int unit = -1;
        for (int d = 0; d < p->rank; d++) {
            if (strides[d]) bytes *= (double)p->dims[d];
            if ((strides[d] == 1 || strides[d] == -1) && p->dims[d] > 1 && unit < 0) unit = d;
        }
        if (unit >= 0 && bytes > best) {
            best = bytes;
            vdim = unit;
        }
    }
    for (int d = p->rank - 1; d >= 0 && vdim < 0; d--)
        if (p->dims[d] != 1) vdim = d;
    return vdim;
}

static bool has_reductions(const kp_plan *p) {
    for (int k = 0; k < p->n_kops; k++)
        if (p->kops[k].op == KP_RED) return true;
    return false;
}

/* Phases whose loop needs each full kop, ignoring caching. */
static void phase_masks(const kp_plan *p, uint8_t *mask) {
    memset(mask, 0, (size_t)p->n_kops);
    for (int ph = 0; ph < p->n_phases; ph++) {
        uint8_t bit = (uint8_t)(1u << ph);
        for (int s = 0; s < p->n_stores; s++)
            if (p->stores[s].full && p->stores[s].phase == ph && p->kops[p->stores[s].kop].full)
                mask[p->stores[s].kop] |= bit;
        for (int k = 0; k < p->n_kops; k++)
            if (p->kops[k].op == KP_RED && p->kops[k].phase == ph)
                for (int i = 0; i < p->kops[k].n_in; i++)
                    if (p->kops[p->kops[k].in[i]].full) mask[p->kops[k].in[i]] |= bit;
        for (int k = p->n_kops - 1; k >= 0; k--) /* operands come before their users */
            if (mask[k] & bit)
                for (int i = 0; i < p->kops[k].n_in; i++)
                    if (p->kops[p->kops[k].in[i]].full) mask[p->kops[k].in[i]] |= bit;
    }
}

int ks_first_phase(const ks_sched *s, int k) {
    for (int ph = 0; ph < 8; ph++)
        if ((s->phases[k] >> ph) & 1u) return ph;
    return 0;
}

void ks_phase_kops(const kp_plan *p, const ks_sched *s, int phase, uint8_t *marks) {
    memset(marks, 0, (size_t)p->n_kops);
    uint8_t bit = (uint8_t)(1u << phase);
    for (int k = p->n_kops - 1; k >= 0; k--) {
        if (!(s->phases[k] & bit)) continue;
        /* needed here unless every user here reloads it... users come later: check them */
        bool wanted = false;
        for (int s2 = 0; s2 < p->n_stores && !wanted; s2++)
            wanted = p->stores[s2].kop == k && p->stores[s2].full && p->stores[s2].phase == phase;
        for (int u = k + 1; u < p->n_kops && !wanted; u++) {
            const kp_kop *q = &p->kops[u];
            bool reads = false;
            for (int i = 0; i < q->n_in; i++) reads |= q->in[i] == k;
            if (!reads) continue;
            if (q->op == KP_RED) wanted = q->phase == phase;
            else wanted = marks[u] == 1;
        }
        if (!wanted) continue;
        marks[k] = (s->cache[k] && ks_first_phase(s, k) < phase) ? 2 : 1;
    }
}

void ks_sched_free(ks_sched *s) {
    free(s->lstride);
    free(s->sstride);
    free(s->phases);
    free(s->cache);
    s->lstride = s->sstride = NULL;
    s->phases = NULL;
    s->cache = NULL;
}

bool ks_schedule(const ic_graph *g, const kp_plan *p, int vw, ks_sched *s) {
    memset(s, 0, sizeof *s);
    int nops = p->n_loads + p->n_stores;
    s->lstride = calloc((size_t)p->n_loads + 1, sizeof *s->lstride);
    s->sstride = calloc((size_t)p->n_stores + 1, sizeof *s->sstride);
    s->phases = calloc((size_t)p->n_kops + 1, 1);
    s->cache = calloc((size_t)p->n_kops + 1, sizeof *s->cache);
    int64_t (*st)[KP_MAX_DIMS] = calloc((size_t)nops + 1, sizeof *st); /* per operand, per loop */
    if (!s->lstride || !s->sstride || !s->phases || !s->cache || !st) {
        free(st);
        ks_sched_free(s);
        return false;
    }
    bool reds = has_reductions(p);
    int vdim = pick_vector_dim(g, p);
    s->mode = !reds ? KS_PW : (vdim >= 0 && is_row(p, vdim)) ? KS_ROWS : KS_COLS;

    /* loop order: kept dims, then row dims, the vector dim last; size-1 dims dropped */
    int order[KP_MAX_DIMS], n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int d = 0; d < p->rank; d++)
            if (d != vdim && p->dims[d] != 1 && is_row(p, d) == (pass == 1)) order[n++] = d;
    if (vdim >= 0) order[n++] = vdim;
    for (int i = 0; i < n; i++) {
        int d = order[i];
        s->extent[i] = p->dims[d];
        s->row[i] = is_row(p, d);
        for (int o = 0; o < nops; o++)
            st[o][i] = o < p->n_loads ? p->loads[o].strides[d] : p->stores[o - p->n_loads].strides[d];
    }
    if (n == 0 || (s->mode == KS_COLS && (vdim < 0 || is_row(p, vdim)))) { /* a kept vector loop of 1 */
        s->extent[n] = 1;
        s->row[n] = false;
        for (int o = 0; o < nops; o++) st[o][n] = 0;
        n++;
    }
    /* merge neighbours whose strides line up for every operand */
    for (int i = n - 2; i >= 0; i--) {
        if (s->row[i] != s->row[i + 1]) continue;
        if (s->mode == KS_COLS && i + 1 == n - 1) continue; /* the kept vector loop sits after the row loops */
        bool ok = true;
        for (int o = 0; o < nops && ok; o++) ok = st[o][i] == st[o][i + 1] * s->extent[i + 1];
        if (!ok) continue;
        s->extent[i] *= s->extent[i + 1];
        for (int o = 0; o < nops; o++) st[o][i] = st[o][i + 1];
        for (int j = i + 1; j < n - 1; j++) {
            s->extent[j] = s->extent[j + 1];
            s->row[j] = s->row[j + 1];
            for (int o = 0; o < nops; o++) st[o][j] = st[o][j + 1];
        }
        n--;
    }
    s->n_loops = n;
    s->vec = n - 1;
    for (int o = 0; o < nops; o++)
        memcpy(o < p->n_loads ? s->lstride[o] : s->sstride[o - p->n_loads], st[o], sizeof st[o]);
    free(st);

    /* tasks */
    int64_t outer = 1, ev = s->extent[s->vec];
    s->n_outer = 0;
    for (int i = 0; i < s->vec; i++) {
        if (s->row[i]) continue;
        outer *= s->extent[i];
        s->n_outer++;
    }
    if (s->mode == KS_PW) {
        s->chunk = ev > 2 * KS_CHUNK ? KS_CHUNK : ev;
        s->n_chunks = s->chunk ? (ev + s->chunk - 1) / s->chunk : 0;
    } else if (s->mode == KS_ROWS) {
        s->chunk = ev;
        s->n_chunks = 1;
    } else {
        s->chunk = vw;
        s->n_chunks = (ev + vw - 1) / vw;
    }
    s->tasks = outer * s->n_chunks;

    /* threads: work per element grows with what the kernel computes */
    double cost = 0;
    for (int k = 0; k < p->n_kops; k++)
        if (p->kops[k].full || s->mode == KS_PW) cost += p->kops[k].cost ? p->kops[k].cost : 1;
    double work = (double)kp_plan_numel(p) * (2.0 + cost) / 2.0 * (double)p->n_phases;
    double t = work / KS_MIN_WORK_PER_THREAD;
    if (t > (double)s->tasks) t = (double)s->tasks;
    if (t > KS_MAX_THREADS) t = KS_MAX_THREADS;
    s->threads = t < 2 ? 1 : (int)t;

    /* row scratch for expensive values several phases need */
    phase_masks(p, s->phases);
    int64_t rows_inner = 1;
    for (int i = 0; i < s->vec; i++)
        if (s->row[i]) rows_inner *= s->extent[i];
    s->row_vec_pad = (ev + vw - 1) / vw * vw;
    s->scratch = s->mode == KS_ROWS ? rows_inner * s->row_vec_pad : rows_inner * vw;
    /* greedy, in dependency order: a value several phases need is cached when
       recomputing it (its op plus every uncached full operand, loads 1 each)
       costs more than reloading it */
    int64_t used = 0;
    int min_cost = s->scratch * 4 > KS_SCRATCH_L1_BYTES ? 2 * KS_CACHE_MIN_COST : KS_CACHE_MIN_COST;
    int *rc = malloc(((size_t)p->n_kops + 1) * sizeof *rc);
    if (!rc) {
        ks_sched_free(s);
        return false;
    }
    for (int k = 0; k < p->n_kops; k++) {
        const kp_kop *q = &p->kops[k];
        rc[k] = q->cost ? q->cost : 1;
        for (int i = 0; i < q->n_in; i++)
            if (p->kops[q->in[i]].full) rc[k] += p->kops[q->in[i]].op == KP_LOAD ? 1 : rc[q->in[i]];
        int uses = 0;
        for (int ph = 0; ph < 8; ph++) uses += (s->phases[k] >> ph) & 1u;
        if (s->mode == KS_PW || uses < 2 || !q->full || q->dbl || q->dtype != IC_DT_F32 || q->op == KP_LOAD) continue;
        if (rc[k] < min_cost || used + s->scratch > KS_MAX_SCRATCH) continue;
        s->cache[k] = true;
        used += s->scratch;
        rc[k] = 1;
    }
    free(rc);
    return true;
}
