/* emit_fused.c — C for one planned kernel group (src/lower/kplan.h) on the
 * loop nest its schedule picked (src/lower/schedule.h).
 *
 * Values live in explicit vectors (ic_vf v<k>, kernels/ic_vec.h) while they
 * are f32 and the op has a vector form, in lane arrays (T a<k>[IC_VW]) for
 * other dtypes and for ops written as lane-block bodies (emit_pointwise.c),
 * and row-level doubles (sums, means, 1/std) in d<k> (emit_fused_rows.c,
 * which also emits the reductions). A value is converted between forms only
 * when a user needs the other one. The vector loop has a main part and a
 * tail: AVX-512 tails are masked loads and stores, others go through a small
 * array; reductions blend tail lanes to their identity first. Row-level
 * values are computed once per row between the phase loops; in KS_ROWS they
 * are broadcast vectors, in KS_COLS each lane is its own row. Parallel
 * kernels use an orphaned `omp for`, so consecutive ones can share one
 * `omp parallel` region that emit_model.c opens. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_fused.h"

void fx_vline(fx *f, const char *fmt, va_list ap) {
    char buf[4096];
    vsnprintf(buf, sizeof buf, fmt, ap);
    ic_strbuf_printf(f->b, "%*s%s\n", f->ind, "", buf);
}

static void line(fx *f, const char *fmt, ...) IC_PRINTF(2, 3);
static void line(fx *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fx_vline(f, fmt, ap);
    va_end(ap);
}

void fx_open_scope(fx *f, const char *head) {
    line(f, "%s{", head);
    f->ind += 4;
    f->depth++;
}

void fx_close_scope(fx *f) {
    for (int k = 0; k < f->p->n_kops; k++) {
        if (f->vdepth[k] >= f->depth) f->vdepth[k] = -1;
        if (f->adepth[k] >= f->depth) f->adepth[k] = -1;
    }
    f->depth--;
    f->ind -= 4;
    line(f, "}");
}

static bool names_var(const char *e, int k);
static bool load_used(const fx *f, int i);
static const char *lane_sfx(ic_dtype t) { return cg_lane_sfx(t); }
static const char *ctype(ic_dtype t) { return ic_dtype_ctype(t); }
static bool is_vec_type(const kp_kop *q) { return q->dtype == IC_DT_F32 && !q->dbl; }

/* The offset expression of an operand with per-loop strides st, base variable
 * base ("o3"), at the current loop position; with_vec adds the vector loop's j. */
static void offset_expr(const fx *f, const int64_t *st, const char *base, bool with_vec, char *out, size_t size) {
    int n = snprintf(out, size, "%s", base);
    for (int l = f->s->n_outer; l < f->s->vec && n < (int)size; l++)
        if (f->s->row[l] && st[l]) n += snprintf(out + n, size - (size_t)n, " + i%d * %lld", l, (long long)st[l]);
    int64_t sv = st[f->s->vec];
    if (with_vec && (sv == 1 || sv == -1) && n < (int)size)
        n += snprintf(out + n, size - (size_t)n, " %s j", sv == 1 ? "+" : "-");
    else if (with_vec && sv && n < (int)size)
        snprintf(out + n, size - (size_t)n, " + j * %lld", (long long)sv);
}

/* The lane count expression of the current body. */
static const char *nl_expr(const fx *f) { return f->tail ? "nl" : "IC_VW"; }

/* --- forms ------------------------------------------------------------------------- */

void fx_need_vec(fx *f, int k) {
    if (f->vdepth[k] >= 0) return;
    IC_ASSERT(f->adepth[k] >= 0);
    line(f, "const ic_vf v%d = ic_vld(a%d);", k, k);
    f->vdepth[k] = f->depth;
}

static void need_arr(fx *f, int k) {
    if (f->adepth[k] >= 0) return;
    IC_ASSERT(f->vdepth[k] >= 0);
    line(f, "float a%d[IC_VW];", k);
    line(f, "ic_vst(a%d, v%d);", k, k);
    f->adepth[k] = f->depth;
}

/* --- kops ---------------------------------------------------------------------------- */

static void emit_load(fx *f, int k) {
    const kp_kop *q = &f->p->kops[k];
    const kp_load *l = &f->p->loads[q->load];
    const int64_t *st = f->s->lstride[q->load];
    char base[16], off[512];
    snprintf(base, sizeof base, "o%d", q->load);
    int64_t sv = st[f->s->vec];
    offset_expr(f, st, base, true, off, sizeof off);
    int pi = f->in_index[q->load];
    (void)l;
    if (q->dtype == IC_DT_F32) {
        if (sv == 0)
            line(f, "const ic_vf v%d = ic_vset1(in%d[%s]);", k, pi, off);
        else if (sv == 1)
            line(f, f->tail ? "const ic_vf v%d = ic_vld_n(in%d + %s, nl);" : "const ic_vf v%d = ic_vld(in%d + %s);", k, pi,
                 off);
        else
            line(f, "const ic_vf v%d = ic_vlds(in%d + %s, %lld, %s);", k, pi, off, (long long)sv, nl_expr(f));
        f->vdepth[k] = f->depth;
        return;
    }
    const char *sfx = lane_sfx(q->dtype);
    line(f, "%s a%d[IC_VW];", ctype(q->dtype), k);
    if (sv == 0)
        line(f, "ic_bc_%s(a%d, in%d[%s]);", sfx, k, pi, off);
    else if (sv == 1)
        line(f, "ic_ld_%s(a%d, in%d + %s, %s);", sfx, k, pi, off, nl_expr(f));
    else
        line(f, "ic_lds_%s(a%d, in%d + %s, %lld, %s);", sfx, k, pi, off, (long long)sv, nl_expr(f));
    f->adepth[k] = f->depth;
}

static ic_status emit_node(fx *f, int k) {
    const kp_kop *q = &f->p->kops[k];
    const ic_node *n = &f->c->g->nodes[q->node];
    bool vec = is_vec_type(q);
    for (int i = 0; i < q->n_in && vec; i++) vec = is_vec_type(&f->p->kops[q->in[i]]);
    if (vec) {
        char names[KP_MAX_IN][16];
        const char *in[KP_MAX_IN];
        for (int i = 0; i < q->n_in; i++) {
            snprintf(names[i], sizeof names[i], "v%d", q->in[i]);
            in[i] = names[i];
        }
        ic_strbuf e;
        ic_strbuf_init(&e);
        if (n->op == IC_OP_DIV && q->full && !f->p->kops[q->in[1]].full) {
            /* by a row value (layernorm's std, decomposed): times its reciprocal, which the C
               compiler hoists out of the loop; within 1.5 ULP of the quotient */
            fx_need_vec(f, q->in[0]);
            fx_need_vec(f, q->in[1]);
            line(f, "const ic_vf v%d = ic_vmul(v%d, ic_vdiv(ic_vset1(1.0f), v%d));", k, q->in[0], q->in[1]);
            ic_strbuf_free(&e);
            f->vdepth[k] = f->depth;
            return IC_OK;
        }
        if (cg_pw_vexpr(f->c, n, in, &e)) {
            for (int i = 0; i < q->n_in; i++)
                if (names_var(ic_strbuf_str(&e), q->in[i])) fx_need_vec(f, q->in[i]);
            line(f, "const ic_vf v%d = %s;", k, ic_strbuf_str(&e));
            ic_strbuf_free(&e);
            f->vdepth[k] = f->depth;
            return IC_OK;
        }
        ic_strbuf_free(&e);
    }
    /* the lane-block body, with a0.. and y bound to this kernel's arrays */
    for (int i = 0; i < q->n_in; i++)
        if (is_vec_type(&f->p->kops[q->in[i]])) need_arr(f, q->in[i]);
    ic_strbuf body;
    ic_strbuf_init(&body);
    ic_status st = cg_pw_body(f->c, n, &body);
    if (st != IC_OK) {
        ic_strbuf_free(&body);
        return st;
    }
    line(f, "%s a%d[IC_VW];", ctype(q->dtype), k);
    fx_open_scope(f, "");
    for (int i = 0; i < q->n_in; i++) {
        const kp_kop *a = &f->p->kops[q->in[i]];
        line(f, "const %s *restrict a%d_ = a%d;", ctype(a->dtype), i, q->in[i]);
    }
    line(f, "%s *restrict y_ = a%d;", ctype(q->dtype), k);
    /* the body names its operands a0.. and y: bind them in a nested scope */
    fx_open_scope(f, "");
    for (int i = 0; i < q->n_in; i++) line(f, "const %s *restrict a%d = a%d_;", ctype(f->p->kops[q->in[i]].dtype), i, i);
    line(f, "%s *restrict y = y_;", ctype(q->dtype));
    ic_strbuf_puts(f->b, ic_strbuf_str(&body));
    ic_strbuf_free(&body);
    fx_close_scope(f);
    fx_close_scope(f);
    f->adepth[k] = f->depth;
    return IC_OK;
}

ic_status fx_emit_kop(fx *f, int k) {
    switch (f->p->kops[k].op) {
    case KP_LOAD: emit_load(f, k); return IC_OK;
    case KP_NODE: return emit_node(f, k);
    case KP_RED: IC_ASSERT(!"reductions are finished, not emitted"); return IC_OK;
    default: fx_emit_special(f, k); return IC_OK;
    }
}

/* --- stores -------------------------------------------------------------------------- */

static void emit_store(fx *f, int si, bool per_row) {
    const kp_store *st = &f->p->stores[si];
    const kp_kop *q = &f->p->kops[st->kop];
    const int64_t *sv_st = f->s->sstride[si];
    char base[16], off[512];
    snprintf(base, sizeof base, "q%d", si);
    bool rows_mode = f->s->mode == KS_ROWS;
    if (per_row && rows_mode) { /* one element per row, lanes all equal */
        if (is_vec_type(q))
            line(f, "out%d[%s] = ic_vfirst(v%d);", si, base, st->kop);
        else
            line(f, "out%d[%s] = a%d[0];", si, base, st->kop);
        return;
    }
    offset_expr(f, sv_st, base, true, off, sizeof off);
    int64_t sv = sv_st[f->s->vec];
    if (is_vec_type(q)) {
        fx_need_vec(f, st->kop);
        if (f->stream[si] && !f->tail) {
            line(f, "if (nt%d) ic_vst_nt(out%d + %s, v%d); else ic_vst(out%d + %s, v%d);", si, si, off, st->kop, si, off,
                 st->kop);
            return;
        }
        if (sv == 0 || sv == 1)
            line(f, f->tail ? "ic_vst_n(out%d + %s, v%d, nl);" : "ic_vst(out%d + %s, v%d);", si, off, st->kop);
        else
            line(f, "ic_vsts(out%d + %s, %lld, v%d, %s);", si, off, (long long)sv, st->kop, nl_expr(f));
        return;
    }
    const char *sfx = lane_sfx(q->dtype);
    if (sv == 0 || sv == 1)
        line(f, "ic_st_%s(out%d + %s, a%d, %s);", sfx, si, off, st->kop, nl_expr(f));
    else
        line(f, "ic_sts_%s(out%d + %s, a%d, %lld, %s);", sfx, si, off, st->kop, (long long)sv, nl_expr(f));
}

/* --- bodies ----------------------------------------------------------------------------- */

/* The scratch position of the current vector in a row (cached kops). */
void fx_scratch_pos(const fx *f, char *out, size_t size) {
    int n = snprintf(out, size, "(int64_t)0");
    for (int l = f->s->n_outer; l < f->s->vec; l++)
        if (f->s->row[l]) n += snprintf(out + n, size - (size_t)n, " * %lld + i%d", (long long)f->s->extent[l], l);
    if (f->s->mode == KS_ROWS)
        snprintf(out + n, size - (size_t)n, " * %lld + j", (long long)f->s->row_vec_pad);
    else
        snprintf(out + n, size - (size_t)n, " * IC_VW");
}

/* Whether load i streams through memory along the rows (contiguous, later rows further on). */
static bool prefetched(const fx *f, int i) {
    const ks_sched *s = f->s;
    return load_used(f, i) && s->lstride[i][s->vec] == 1 && s->lstride[i][s->n_outer - 1] > 0;
}

/* Multi-phase rows read their row again from cache after the first phase, so
 * the memory system idles while they compute: the phases that take most of
 * the row's time (fx_find_prefetch_phases) ask for the same position of a
 * row PREFETCH_BYTES ahead (a later task, on this thread under a static schedule),
 * which that row's first phase then finds in cache. Spread over the slow
 * phases, the requests keep memory busy the whole row long; issued in a
 * fast phase they come in a burst that the line-fill buffers cap. */
static void emit_prefetch_next_row(fx *f) {
    const ks_sched *s = f->s;
    if (s->n_outer == 0) return;
    int streams = 0;
    for (int i = 0; i < f->p->n_loads; i++) streams += prefetched(f, i);
    for (int i = 0; i < f->p->n_loads; i++) {
        if (!prefetched(f, i)) continue;
        /* far enough ahead to cover the memory latency: whole rows within some
           8 KiB over all streams (more crowds L1 out), at least one */
        int64_t next = s->lstride[i][s->n_outer - 1];
        int64_t rows = PREFETCH_BYTES / streams / (int64_t)ic_dtype_size(cg_val(f->c, f->p->loads[i].value)->dtype) / next;
        next *= rows < 1 ? 1 : rows;
        char base[16], off[512];
        snprintf(base, sizeof base, "o%d", i);
        offset_expr(f, s->lstride[i], base, true, off, sizeof off);
        line(f, "_mm_prefetch((const char *)(in%d + %s + %lld), _MM_HINT_T0);", f->in_index[i], off, (long long)next);
    }
}

/* One vector step of phase loop ph: its full kops, reductions and stores. */
static ic_status emit_body(fx *f, int ph) {
    const kp_plan *p = f->p;
    char pos[256];
    fx_scratch_pos(f, pos, sizeof pos);
    for (int k = 0; k < p->n_kops; k++) {
        if (!f->marks[k] || !f->used[k]) continue;
        if (f->marks[k] == 2) {
            line(f, "const ic_vf v%d = ic_vld(sc%d + %s);", k, k, pos);
            f->vdepth[k] = f->depth;
            continue;
        }
        IC_TRY(fx_emit_kop(f, k));
        if (f->s->cache[k] && ks_first_phase(f->s, k) == ph) {
            fx_need_vec(f, k);
            line(f, "ic_vst(sc%d + %s, v%d);", k, pos, k);
        }
    }
    fx_acc_step(f, ph);
    for (int si = 0; si < p->n_stores; si++)
        if (p->stores[si].full && p->stores[si].phase == ph) emit_store(f, si, false);
    if (f->s->mode == KS_ROWS && p->n_phases > 1 && f->prefetch[ph] && !f->tail) emit_prefetch_next_row(f);
    return IC_OK;
}

/* The vector loop over [j0, j1) with a tail (none when exact: whole vectors only), around emit_body. */
static ic_status emit_vector_loop(fx *f, int ph, const char *j0, const char *j1, bool exact) {
    line(f, "int64_t j = %s;", j0);
    char head[256];
    bool reds = false;
    for (int k = 0; k < f->p->n_kops; k++) reds |= f->p->kops[k].op == KP_RED && f->p->kops[k].phase == ph;
    f->tail = false;
    if (reds && f->s->mode == KS_ROWS) { /* ACC_SLOTS vectors a step, each into its own accumulators */
        bool sums = false;
        for (int k = 0; k < f->p->n_kops; k++) sums |= fx_is_phase_sum(&f->p->kops[k], ph);
        if (sums) { /* sums go through f32 partials, flushed every FSUM_STEPS steps */
            snprintf(head, sizeof head, "while (j + %d * IC_VW <= %s) ", ACC_SLOTS, j1);
            fx_open_scope(f, head);
            for (int k = 0; k < f->p->n_kops; k++)
                if (fx_is_phase_sum(&f->p->kops[k], ph))
                    for (int u = 0; u < ACC_SLOTS; u++) line(f, "ic_vf fa%d_%d = ic_vzero();", k, u);
            snprintf(head, sizeof head, "for (int s_ = 0; s_ < %d && j + %d * IC_VW <= %s; s_++, j += %d * IC_VW) ",
                     FSUM_STEPS, ACC_SLOTS, j1, ACC_SLOTS);
        } else {
            snprintf(head, sizeof head, "for (; j + %d * IC_VW <= %s; j += %d * IC_VW) ", ACC_SLOTS, j1, ACC_SLOTS);
        }
        fx_open_scope(f, head);
        line(f, "const int64_t j_ = j;");
        f->fsum = sums;
        for (int u = 0; u < ACC_SLOTS; u++) {
            fx_open_scope(f, "");
            line(f, "const int64_t j = j_ + %d * IC_VW;", u);
            f->slot = u;
            IC_TRY(emit_body(f, ph));
            fx_close_scope(f);
        }
        f->fsum = false;
        f->slot = 0;
        fx_close_scope(f);
        if (sums) {
            /* the partials join in f32 (4 x FSUM_STEPS terms a lane), then once into the double */
            for (int k = 0; k < f->p->n_kops; k++)
                if (fx_is_phase_sum(&f->p->kops[k], ph))
                    line(f, "acc%d_0 = ic_vd_add(acc%d_0, ic_vd_from(ic_vadd(ic_vadd(fa%d_0, fa%d_1), ic_vadd(fa%d_2, fa%d_3))));", k, k,
                         k, k, k, k);
            fx_close_scope(f);
        }
    }
    snprintf(head, sizeof head, "for (; j + IC_VW <= %s; j += IC_VW) ", j1);
    fx_open_scope(f, head);
    IC_TRY(emit_body(f, ph));
    fx_close_scope(f);
    if (exact) return IC_OK;
    snprintf(head, sizeof head, "if (j < %s) ", j1);
    fx_open_scope(f, head);
    line(f, "const int nl = (int)(%s - j);", j1);
    f->tail = true;
    IC_TRY(emit_body(f, ph));
    fx_close_scope(f);
    f->tail = false;
    return IC_OK;
}

/* Row-level kops that become available once `stage` phases ran, and the row stores with them. */
static ic_status emit_row_point(fx *f, int stage) {
    const kp_plan *p = f->p;
    for (int k = 0; k < p->n_kops; k++) {
        const kp_kop *q = &p->kops[k];
        if (q->full || q->op == KP_RED || q->need != stage || !f->used[k]) continue;
        IC_TRY(fx_emit_kop(f, k));
    }
    for (int k = 0; k < p->n_kops; k++) { /* layernorm row constants, once mean and 1/std are known */
        const kp_kop *q = &p->kops[k];
        if (q->op != KP_LNORM || !q->full || !f->used[k]) continue;
        int m = p->kops[q->in[1]].need, r = p->kops[q->in[2]].need;
        if ((m > r ? m : r) == stage) fx_lnorm_const(f, k);
    }
    for (int si = 0; si < p->n_stores; si++) {
        const kp_store *st = &p->stores[si];
        if (st->full || st->phase != stage) continue;
        emit_store(f, si, true);
    }
    /* stores of row values at every element (an expanded row value) happen in the phase loops */
    return IC_OK;
}

/* Phase loop ph: accumulators, the row loops around the vector loop (KS_ROWS)
 * or scalar row loops at a fixed lane block (KS_COLS), then the reductions' results. */
static ic_status emit_phase(fx *f, int ph) {
    const ks_sched *s = f->s;
    line(f, "/* phase %d */", ph);
    ks_phase_kops(f->p, s, ph, f->marks);
    fx_acc_init(f, ph);
    for (int k = 0; k < f->p->n_kops; k++)
        if (f->pivot[k] && f->p->kops[k].phase == ph) IC_TRY(fx_emit_pivot(f, k));
    fx_open_scope(f, "");
    int opened = 0;
    for (int l = s->n_outer; l < s->vec; l++) {
        if (!s->row[l]) continue;
        char head[128];
        snprintf(head, sizeof head, "for (int64_t i%d = 0; i%d < %lld; i%d++) ", l, l, (long long)s->extent[l], l);
        fx_open_scope(f, head);
        opened++;
    }
    if (s->mode == KS_ROWS) {
        char ev[32];
        snprintf(ev, sizeof ev, "%lld", (long long)s->extent[s->vec]);
        IC_TRY(emit_vector_loop(f, ph, "0", ev, s->extent[s->vec] % f->vw == 0));
    } else {
        IC_TRY(emit_body(f, ph));
    }
    while (opened--) fx_close_scope(f);
    fx_close_scope(f);
    fx_acc_finish(f, ph);
    return IC_OK;
}

/* Everything one task does after its indices and base offsets are known. */
static ic_status emit_task_rows(fx *f) {
    const kp_plan *p = f->p;
    for (int k = 0; k < p->n_kops; k++)
        if (f->s->cache[k]) line(f, "_Alignas(64) float sc%d[%lld];", k, (long long)f->s->scratch);
    IC_TRY(emit_row_point(f, 0));
    for (int ph = 0; ph < p->n_phases; ph++) {
        IC_TRY(emit_phase(f, ph));
        IC_TRY(emit_row_point(f, ph + 1));
    }
    return IC_OK;
}

/* Whether load i is read at all. */
static bool load_used(const fx *f, int i) {
    for (int k = 0; k < f->p->n_kops; k++)
        if (f->p->kops[k].op == KP_LOAD && f->p->kops[k].load == i && f->used[k]) return true;
    return false;
}

/* Declares the task's outer indices and every operand's base offset. */
static void emit_task_head(fx *f) {
    const ks_sched *s = f->s;
    const kp_plan *p = f->p;
    if (s->n_outer) {
        if (s->n_chunks > 1)
            line(f, "int64_t r_ = t / %lld;", (long long)s->n_chunks);
        else
            line(f, "int64_t r_ = t;");
        for (int l = s->n_outer - 1; l >= 0; l--) {
            if (l)
                line(f, "const int64_t i%d = r_ %% %lld; r_ /= %lld;", l, (long long)s->extent[l], (long long)s->extent[l]);
            else
                line(f, "const int64_t i0 = r_;");
        }
    } else if (s->n_chunks <= 1) {
        line(f, "(void)t;");
    }
    for (int i = 0; i < p->n_loads; i++) {
        if (!load_used(f, i)) continue;
        char e[512];
        int n = snprintf(e, sizeof e, "%lld", (long long)p->loads[i].base);
        for (int l = 0; l < s->n_outer; l++)
            if (f->s->lstride[i][l]) n += snprintf(e + n, sizeof e - (size_t)n, " + i%d * %lld", l, (long long)f->s->lstride[i][l]);
        line(f, "const int64_t o%d = %s;", i, e);
    }
    for (int i = 0; i < p->n_stores; i++) {
        char e[512];
        int n = snprintf(e, sizeof e, "%lld", (long long)p->stores[i].base);
        for (int l = 0; l < s->n_outer; l++)
            if (f->s->sstride[i][l]) n += snprintf(e + n, sizeof e - (size_t)n, " + i%d * %lld", l, (long long)f->s->sstride[i][l]);
        line(f, "const int64_t q%d = %s;", i, e);
    }
    for (int l = 0; l < s->n_outer; l++) line(f, "(void)i%d;", l);
}

static ic_status emit_loops(fx *f) {
    const ks_sched *s = f->s;
    if (s->tasks == 0) { /* nothing to compute: some dim is 0 */
        for (int i = 0; i < f->p->n_inputs; i++) line(f, "(void)in%d;", i);
        for (int i = 0; i < f->p->n_stores; i++) line(f, "(void)out%d;", i);
        return IC_OK;
    }
    for (int si = 0; si < f->p->n_stores; si++)
        if (f->stream[si]) /* streaming stores need aligned vectors */
            line(f, "const int nt%d = ((uintptr_t)out%d & %d) == 0;", si, si, f->vw * 4 - 1);
    if (s->threads > 1) line(f, f->any_stream ? "#pragma omp for schedule(static) nowait" : "#pragma omp for schedule(static)");
    char head[128];
    snprintf(head, sizeof head, "for (int64_t t = 0; t < %lld; t++) ", (long long)s->tasks);
    fx_open_scope(f, head);
    emit_task_head(f);
    int64_t ev = s->extent[s->vec];
    if (s->mode == KS_PW) {
        char j0[64], j1[96];
        if (s->n_chunks > 1) {
            line(f, "const int64_t j0 = t %% %lld * %lld;", (long long)s->n_chunks, (long long)s->chunk);
            line(f, "const int64_t j1 = j0 + %lld < %lld ? j0 + %lld : %lld;", (long long)s->chunk, (long long)ev,
                 (long long)s->chunk, (long long)ev);
            snprintf(j0, sizeof j0, "j0");
            snprintf(j1, sizeof j1, "j1");
        } else {
            snprintf(j0, sizeof j0, "0");
            snprintf(j1, sizeof j1, "%lld", (long long)ev);
        }
        ks_phase_kops(f->p, s, 0, f->marks);
        IC_TRY(emit_vector_loop(f, 0, j0, j1, ev % f->vw == 0 && s->chunk % f->vw == 0));
    } else if (s->mode == KS_ROWS) {
        IC_TRY(emit_task_rows(f));
    } else {
        line(f, "const int64_t j = t %% %lld * IC_VW;", (long long)s->n_chunks);
        line(f, "const int nl = %lld - j < IC_VW ? (int)(%lld - j) : IC_VW;", (long long)ev, (long long)ev);
        fx_open_scope(f, "if (nl == IC_VW) ");
        f->tail = false;
        IC_TRY(emit_task_rows(f));
        fx_close_scope(f);
        fx_open_scope(f, "else ");
        f->tail = true;
        IC_TRY(emit_task_rows(f));
        fx_close_scope(f);
        f->tail = false;
    }
    fx_close_scope(f);
    if (f->any_stream) { /* streamed stores reach memory before any thread reads them */
        line(f, "_mm_sfence();");
        if (s->threads > 1) line(f, "#pragma omp barrier");
    }
    return IC_OK;
}

/* Which stores stream past the caches: contiguous f32 vectors of an output
 * too big to still be in the last-level cache when its reader runs, whose
 * every vector is aligned once the array is (emit_loops checks that at run
 * time), in kernels that are memory-bound (little work per element) or
 * have long rows (whose output rows would crowd L1 and the input row out).
 * Ordinary stores would first read each line in. A softmax over short rows,
 * bound by its exp, measured slower streaming: the streamed lines take the
 * fill buffers its prefetches need. */
static void find_streams(fx *f) {
    const kp_plan *p = f->p;
    const ks_sched *s = f->s;
    f->any_stream = false;
    bool long_rows = s->mode == KS_ROWS && s->row_vec_pad * 4 * 2 > PREFETCH_BYTES; /* as in fx_find_prefetch_phases */
    int cost = 0;
    for (int k = 0; k < p->n_kops; k++)
        if (f->used[k] && (p->kops[k].full || s->mode == KS_PW)) cost += p->kops[k].cost ? p->kops[k].cost : 1;
    for (int si = 0; si < p->n_stores; si++) {
        const kp_store *st = &p->stores[si];
        const ic_value *v = cg_val(f->c, st->value);
        bool ok = st->full && s->mode != KS_COLS && v->dtype == IC_DT_F32 && !p->kops[st->kop].dbl &&
                  s->sstride[si][s->vec] == 1 && st->base % f->vw == 0 &&
                  (int64_t)ic_value_numel(v) * 4 >= STREAM_MIN_BYTES && (s->mode != KS_PW || s->chunk % f->vw == 0) &&
                  (cost <= STREAM_MAX_COST || long_rows);
        for (int l = 0; l < s->vec && ok; l++) ok = s->sstride[si][l] % f->vw == 0;
        f->stream[si] = ok;
        f->any_stream |= ok;
    }
}

/* True when the C text e names variable v<k> (not v<k>0 or av<k>). */
static bool names_var(const char *e, int k) {
    char v[16];
    int n = snprintf(v, sizeof v, "v%d", k);
    for (const char *at = strstr(e, v); at; at = strstr(at + 1, v)) {
        char before = at == e ? ' ' : at[-1], after = at[n];
        bool ident_before = before == '_' || (before >= '0' && before <= '9') || (before >= 'a' && before <= 'z');
        if (!ident_before && !(after >= '0' && after <= '9')) return true;
    }
    return false;
}

/* Which kops are really read: stores and reductions, and, backwards, the
 * operands of what is read (minus those a node's vector form does without,
 * like pow's exponent 2). */
static void find_used(fx *f) {
    const kp_plan *p = f->p;
    memset(f->used, 0, (size_t)p->n_kops);
    for (int s = 0; s < p->n_stores; s++) f->used[p->stores[s].kop] = 1;
    for (int k = p->n_kops - 1; k >= 0; k--) {
        const kp_kop *q = &p->kops[k];
        if (q->op == KP_RED) f->used[k] = 1;
        if (!f->used[k]) continue;
        bool vec = q->op == KP_NODE && is_vec_type(q);
        for (int i = 0; i < q->n_in && vec; i++) vec = is_vec_type(&p->kops[q->in[i]]);
        ic_strbuf e;
        ic_strbuf_init(&e);
        if (vec) {
            char names[KP_MAX_IN][16];
            const char *in[KP_MAX_IN];
            for (int i = 0; i < q->n_in; i++) {
                snprintf(names[i], sizeof names[i], "v%d", q->in[i]);
                in[i] = names[i];
            }
            vec = cg_pw_vexpr(f->c, &f->c->g->nodes[q->node], in, &e);
        }
        for (int i = 0; i < q->n_in; i++)
            if (!vec || names_var(ic_strbuf_str(&e), q->in[i])) f->used[q->in[i]] = 1;
        ic_strbuf_free(&e);
    }
}

/* The kernel's signature in c->kern and its call in c->body. */
static void emit_signature(fx *f, uint32_t gi) {
    cg_ctx *c = f->c;
    const kp_plan *p = f->p;
    const cg_group *grp = &c->groups[gi];
    const char *name = ic_op_get(c->g->nodes[p->sink].op)->name;
    ic_strbuf *k = &c->kern;
    ic_strbuf_printf(k, "/* group %u:", gi);
    for (uint32_t i = 0; i < grp->n_nodes; i++) {
        if (i == 12) {
            ic_strbuf_printf(k, " ... (%u nodes)", grp->n_nodes);
            break;
        }
        ic_strbuf_printf(k, " %s", ic_op_get(c->g->nodes[grp->nodes[i]].op)->name);
    }
    static const char *const modes[] = {"pointwise", "rows", "columns"};
    ic_strbuf_printf(k, "\n * %s loop nest [", modes[f->s->mode]);
    for (int l = 0; l < f->s->n_loops; l++)
        ic_strbuf_printf(k, "%s%s%lld", l ? " x " : "", f->s->row[l] ? "r" : "", (long long)f->s->extent[l]);
    ic_strbuf_printf(k, "], %lld tasks, %d thread%s", (long long)f->s->tasks, f->s->threads, f->s->threads > 1 ? "s" : "");
    ic_strbuf_printf(k, " */\nstatic void ic_k%u_%s(", gi, name);
    for (int i = 0; i < p->n_inputs; i++)
        ic_strbuf_printf(k, "%sconst %s *restrict in%d", i ? ", " : "", ctype(cg_val(c, p->inputs[i])->dtype), i);
    for (int i = 0; i < p->n_stores; i++)
        ic_strbuf_printf(k, "%s%s *restrict out%d", i || p->n_inputs ? ", " : "", ctype(cg_val(c, p->stores[i].value)->dtype), i);
    ic_strbuf_puts(k, p->n_inputs + p->n_stores ? ") {\n" : "void) {\n");

    ic_strbuf *b = &c->body;
    ic_strbuf_printf(b, "    ic_k%u_%s(", gi, name);
    for (int i = 0; i < p->n_inputs; i++) {
        if (i) ic_strbuf_puts(b, ", ");
        cg_ptr_expr(c, p->inputs[i], false, b);
    }
    for (int i = 0; i < p->n_stores; i++) {
        if (i || p->n_inputs) ic_strbuf_puts(b, ", ");
        cg_ptr_expr(c, p->stores[i].value, true, b);
    }
    ic_strbuf_puts(b, ");\n");
}

ic_status cg_emit_fused(cg_ctx *c, uint32_t gi) {
    cg_group *grp = &c->groups[gi];
    const kp_plan *p = grp->plan;
    const char *isa = c->opt->isa && c->opt->isa[0] ? c->opt->isa : "avx512";
    int vw = strcmp(isa, "avx512") == 0 ? 16 : strcmp(isa, "avx2") == 0 ? 8 : 4;
    ks_sched s;
    if (!ks_schedule(c->g, p, vw, &s)) return ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory scheduling a kernel");
    fx f = {.c = c, .p = p, .s = &s, .b = &c->kern, .ind = 4, .vw = vw};
    f.in_index = malloc(((size_t)p->n_loads + 1) * sizeof *f.in_index);
    f.vdepth = malloc(((size_t)p->n_kops + 1) * sizeof *f.vdepth);
    f.adepth = malloc(((size_t)p->n_kops + 1) * sizeof *f.adepth);
    f.marks = malloc((size_t)p->n_kops + 1);
    f.used = malloc((size_t)p->n_kops + 1);
    f.rform = malloc((size_t)p->n_kops + 1);
    f.pivot = malloc((size_t)p->n_kops + 1);
    f.nanfree = malloc((size_t)p->n_kops + 1);
    f.stream = malloc((size_t)p->n_stores + 1);
    ic_status st = IC_OK;
    if (!f.in_index || !f.vdepth || !f.adepth || !f.marks || !f.used || !f.rform || !f.pivot || !f.nanfree || !f.stream) {
        st = ic_diag_set(c->d, IC_ERR_NOMEM, "out of memory emitting a kernel");
        goto done;
    }
    for (int i = 0; i < p->n_loads; i++)
        for (int j = 0; j < p->n_inputs; j++)
            if (p->inputs[j] == p->loads[i].value) f.in_index[i] = j;
    for (int k = 0; k < p->n_kops; k++) f.vdepth[k] = f.adepth[k] = -1;
    grp->threads = s.threads;
    find_used(&f);
    fx_find_row_forms(&f);
    fx_find_prefetch_phases(&f);
    find_streams(&f);
    emit_signature(&f, gi);
    for (int i = 0; i < p->n_inputs && s.tasks; i++) {
        bool read = false;
        for (int l = 0; l < p->n_loads; l++) read |= p->loads[l].value == p->inputs[i] && load_used(&f, l);
        if (!read) ic_strbuf_printf(&c->kern, "    (void)in%d; /* its values are known */\n", i);
    }
    st = emit_loops(&f);
    ic_strbuf_puts(&c->kern, "}\n\n");
done:
    free(f.in_index);
    free(f.vdepth);
    free(f.adepth);
    free(f.marks);
    free(f.used);
    free(f.rform);
    free(f.pivot);
    free(f.nanfree);
    free(f.stream);
    ks_sched_free(&s);
    return st;
}
