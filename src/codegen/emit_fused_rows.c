/* emit_fused_rows.c — the row side of fused kernels (emit_fused.h): row
 * values and the reductions that make them.
 *
 * Row values (sums, means, 1/std, log-sum-exp) are C doubles in KS_ROWS
 * (one row per task) and ic_vd vectors in KS_COLS (one row per lane). The
 * element loops never compute in double: a row value d<k> is read through
 * f32 forms declared once per row (h<k> = (float)d, l<k> = (float)(d - h)),
 * so x - d is (x - h) - l, exact to about one f32 rounding even when x
 * carries a large offset. Sums accumulate in f32 partials over a bounded
 * block, then in double; sums that are subtracted from the row again (means)
 * first subtract the row's first term, so a common offset never reaches the
 * f32 partials. Each phase loop keeps ACC_SLOTS accumulators for max/min. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_fused.h"

static void line(fx *f, const char *fmt, ...) IC_PRINTF(2, 3);
static void line(fx *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fx_vline(f, fmt, ap);
    va_end(ap);
}

/* --- double row values ------------------------------------------------------------- */

/* Row values are C doubles in KS_ROWS (one row per task) and ic_vd vectors in
 * KS_COLS (one row per lane). */
static bool dscalar(const fx *f) { return f->s->mode == KS_ROWS; }

/* The C of double expression x rounded to float the way the vector forms
 * round (beyond the f32 range: inf, where a C cast is undefined). */
#define F32_OF(x) "ic_f32_of(" x ")"

/* Declares the f32 forms of double row value d<k> that rform asks for. */
static void emit_row_forms(fx *f, int k) {
    uint8_t rf = f->rform[k];
    if (!rf) return;
    if (dscalar(f)) {
        line(f, "const float hf%d = " F32_OF("d%d") ";", k, k);
        line(f, "const ic_vf h%d = ic_vset1(hf%d);", k, k);
        if (rf & RF_LO) line(f, "const ic_vf l%d = ic_vset1(" F32_OF("d%d - (double)hf%d") ");", k, k, k);
    } else {
        line(f, "const ic_vf h%d = ic_vd_to(d%d);", k, k);
        if (rf & RF_LO) line(f, "const ic_vf l%d = ic_vd_to(ic_vd_sub(d%d, ic_vd_from(h%d)));", k, k, k);
    }
}

/* The row constant of layernorm kop k once its mean and 1/std are known:
 * c = (h - mean) * rstd in f32, so the output is fma(x - h, (float)rstd, c).
 * x - h is exact when x is near the mean (a large offset), and the rest of
 * the mean lives in c instead of being lost to h's rounding. */
void fx_lnorm_const(fx *f, int k) {
    const kp_kop *q = &f->p->kops[k];
    int m = q->in[1], r = q->in[2];
    if (dscalar(f))
        line(f, "const ic_vf c%d = ic_vset1(" F32_OF("((double)hf%d - d%d) * d%d") ");", k, m, m, r);
    else
        line(f, "const ic_vf c%d = ic_vd_to(ic_vd_mul(ic_vd_sub(ic_vd_from(h%d), d%d), d%d));", k, m, m, r);
}

/* Full-lane pieces of row ops and the double row values. */
void fx_emit_special(fx *f, int k) {
    const kp_kop *q = &f->p->kops[k];
    char cnt[64], eps[64];
    ic_strbuf t;
    ic_strbuf_init(&t);
    cg_double_lit(&t, q->count);
    snprintf(cnt, sizeof cnt, "%s", ic_strbuf_str(&t));
    ic_strbuf_free(&t);
    ic_strbuf_init(&t);
    cg_double_lit(&t, q->eps);
    snprintf(eps, sizeof eps, "%s", ic_strbuf_str(&t));
    ic_strbuf_free(&t);
    const int *in = q->in;
    bool sc = dscalar(f);
    switch (q->op) {
    case KP_EXPSUB:
        fx_need_vec(f, in[0]);
        fx_need_vec(f, in[1]);
        line(f, "const ic_vf v%d = ic_vexp(ic_vsub(v%d, v%d));", k, in[0], in[1]);
        break;
    case KP_DSCALE:
        fx_need_vec(f, in[0]);
        /* e * (float)(1 / sum): two roundings on top of exp's, well inside tolerance, and a third of the work */
        line(f, "const ic_vf v%d = ic_vmul(v%d, h%d);", k, in[0], in[1]);
        break;
    case KP_DSUB: /* x - d as (x - h) - l: within about one f32 rounding of the double difference */
        fx_need_vec(f, in[0]);
        line(f, "const ic_vf v%d = ic_vsub(ic_vsub(v%d, h%d), l%d);", k, in[0], in[1], in[1]);
        break;
    case KP_LNORM: { /* t = (x - h) * (float)rstd + c (emit_lnorm_const), then t * scale + bias in f32 */
        fx_need_vec(f, in[0]);
        for (int i = 3; i < q->n_in; i++) fx_need_vec(f, in[i]);
        if (!q->full) fx_lnorm_const(f, k); /* a row-level one (x constant along the row) is emitted at its row point */
        char nt[256];
        snprintf(nt, sizeof nt, "ic_vfma(ic_vsub(v%d, h%d), h%d, c%d)", in[0], in[1], in[2], k);
        if (q->n_in == 5)
            line(f, "const ic_vf v%d = ic_vfma(%s, v%d, v%d);", k, nt, in[3], in[4]);
        else if (q->n_in == 4)
            line(f, "const ic_vf v%d = ic_vmul(%s, v%d);", k, nt, in[3]);
        else
            line(f, "const ic_vf v%d = %s;", k, nt);
        break;
    }
    case KP_DINV:
        if (sc) line(f, "const double d%d = 1.0 / d%d;", k, in[0]);
        else line(f, "const ic_vd d%d = ic_vd_div(ic_vd_set1(1.0), d%d);", k, in[0]);
        break;
    case KP_DLSE:
        fx_need_vec(f, in[0]);
        if (sc) line(f, "const double d%d = (double)ic_vfirst(v%d) + log(d%d);", k, in[0], in[1]);
        else line(f, "const ic_vd d%d = ic_vd_add(ic_vd_from(v%d), ic_vd_log(d%d));", k, in[0], in[1]);
        break;
    case KP_DMEAN:
        if (sc) line(f, "const double d%d = d%d / %s;", k, in[0], cnt);
        else line(f, "const ic_vd d%d = ic_vd_div(d%d, ic_vd_set1(%s));", k, in[0], cnt);
        break;
    case KP_DRSTD:
        if (sc)
            line(f, "const double d%d = 1.0 / sqrt(d%d / %s + %s);", k, in[0], cnt, eps);
        else
            line(f,
                 "const ic_vd d%d = ic_vd_div(ic_vd_set1(1.0), ic_vd_sqrt(ic_vd_add(ic_vd_div(d%d, ic_vd_set1(%s)), ic_vd_set1(%s))));",
                 k, in[0], cnt, eps);
        break;
    default: IC_ASSERT(!"emit_special: not a special kop");
    }
    if (q->dbl) {
        emit_row_forms(f, k);
        return;
    }
    f->vdepth[k] = f->depth;
}


/* --- reductions ---------------------------------------------------------------------- */

/* A sum-type reduction of phase ph (in KS_ROWS these go through f32 partials). */
bool fx_is_phase_sum(const kp_kop *q, int ph) {
    return q->op == KP_RED && q->phase == ph && (q->red == KP_RSUM || q->red == KP_RSQDEV);
}

/* The accumulators of phase ph's reductions, before its loop. */
void fx_acc_init(fx *f, int ph) {
    for (int k = 0; k < f->p->n_kops; k++) {
        const kp_kop *q = &f->p->kops[k];
        if (q->op != KP_RED || q->phase != ph) continue;
        /* KS_ROWS sums flush their ACC_SLOTS f32 partials into one double */
        int slots = f->s->mode == KS_ROWS && !fx_is_phase_sum(q, ph) ? ACC_SLOTS : 1;
        for (int u = 0; u < slots; u++) {
            if (q->red == KP_RMAX) line(f, "ic_vf acc%d_%d = ic_vset1(-INFINITY);", k, u);
            else if (q->red == KP_RMIN) line(f, "ic_vf acc%d_%d = ic_vset1(INFINITY);", k, u);
            else line(f, "ic_vd acc%d_%d = ic_vd_set1(0.0);", k, u);
        }
    }
}

/* One vector of each of phase ph's reductions into its accumulator (slot f->slot). */
void fx_acc_step(fx *f, int ph) {
    bool mask = f->tail && f->s->mode == KS_ROWS; /* lanes past the row end must not count */
    for (int k = 0; k < f->p->n_kops; k++) {
        const kp_kop *q = &f->p->kops[k];
        if (q->op != KP_RED || q->phase != ph) continue;
        fx_need_vec(f, q->in[0]);
        int x = q->in[0], u = f->slot;
        char t[128];
        switch (q->red) {
        case KP_RSUM:
            if (f->pivot[k]) snprintf(t, sizeof t, "ic_vsub(v%d, pvv%d)", x, k);
            else snprintf(t, sizeof t, "v%d", x);
            if (f->fsum) line(f, "fa%d_%d = ic_vadd(fa%d_%d, %s);", k, u, k, u, t);
            else if (mask) line(f, "acc%d_0 = ic_vd_add(acc%d_0, ic_vd_from(ic_vfill_n(%s, ic_vzero(), nl)));", k, k, t);
            else line(f, "acc%d_0 = ic_vd_add(acc%d_0, ic_vd_from(%s));", k, k, t);
            break;
        case KP_RMAX:
            /* a max only softmax reads need not carry NaN: the NaN reaches every output through the sum */
            snprintf(t, sizeof t, mask ? "ic_vfill_n(v%d, ic_vset1(-INFINITY), nl)" : "v%d", x);
            if (f->nanfree[k]) line(f, "acc%d_%d = ic_vmax_fast(%s, acc%d_%d);", k, u, t, k, u); /* a NaN in t is dropped */
            else line(f, "acc%d_%d = ic_vmax_nan(acc%d_%d, %s);", k, u, k, u, t);
            break;
        case KP_RMIN:
            if (mask) line(f, "acc%d_%d = ic_vmin_nan(acc%d_%d, ic_vfill_n(v%d, ic_vset1(INFINITY), nl));", k, u, k, u, x);
            else line(f, "acc%d_%d = ic_vmin_nan(acc%d_%d, v%d);", k, u, k, u, x);
            break;
        case KP_RSQDEV: /* (x - mean)^2 with x - mean as (x - h) - l, squared and summed in f32 */
            snprintf(t, sizeof t, "ic_vsub(ic_vsub(v%d, h%d), l%d)", x, q->in[1], q->in[1]);
            if (f->fsum)
                line(f, "{ const ic_vf t_ = %s; fa%d_%d = ic_vfma(t_, t_, fa%d_%d); }", t, k, u, k, u);
            else if (mask)
                line(f, "{ const ic_vf t_ = ic_vfill_n(%s, ic_vzero(), nl); acc%d_0 = ic_vd_add(acc%d_0, ic_vd_from(ic_vmul(t_, t_))); }",
                     t, k, k);
            else
                line(f, "{ const ic_vf t_ = %s; acc%d_0 = ic_vd_add(acc%d_0, ic_vd_from(ic_vmul(t_, t_))); }", t, k, k);
            break;
        }
    }
}

/* Phase ph's reduction results once its loop is done: row vectors v<k> or doubles d<k>. */
void fx_acc_finish(fx *f, int ph) {
    bool rows = f->s->mode == KS_ROWS;
    for (int k = 0; k < f->p->n_kops; k++) {
        const kp_kop *q = &f->p->kops[k];
        if (q->op != KP_RED || q->phase != ph) continue;
        char cnt[64];
        ic_strbuf t;
        ic_strbuf_init(&t);
        cg_double_lit(&t, q->count);
        snprintf(cnt, sizeof cnt, "%s", ic_strbuf_str(&t));
        ic_strbuf_free(&t);
        if (q->red == KP_RMAX || q->red == KP_RMIN) {
            const char *mx = q->red == KP_RMAX ? "ic_vmax_nan" : "ic_vmin_nan";
            if (rows)
                line(f, "const ic_vf v%d = ic_vset1(%s(%s(%s(acc%d_0, acc%d_1), %s(acc%d_2, acc%d_3))));", k,
                     q->red == KP_RMAX ? "ic_vhmax" : "ic_vhmin", mx, mx, k, k, mx, k, k);
            else
                line(f, "const ic_vf v%d = acc%d_0;", k, k);
            f->vdepth[k] = f->depth;
            continue;
        }
        if (rows && f->pivot[k])
            line(f, "const double s%d = ic_vd_hsum(acc%d_0) + (double)pv%d * %s;", k, k, k, cnt);
        else if (rows)
            line(f, "const double s%d = ic_vd_hsum(acc%d_0);", k, k);
        else
            line(f, "const ic_vd s%d = acc%d_0;", k, k);
        switch (q->fin) {
        case KP_FIN_F:
            if (rows) line(f, "const ic_vf v%d = ic_vset1(" F32_OF("s%d") ");", k, k); /* a sum may pass FLT_MAX */
            else line(f, "const ic_vf v%d = ic_vd_to(s%d);", k, k);
            break;
        case KP_FIN_MEAN_F:
            if (rows) line(f, "const ic_vf v%d = ic_vset1((float)(s%d / %s));", k, k, cnt);
            else line(f, "const ic_vf v%d = ic_vd_to(ic_vd_div(s%d, ic_vd_set1(%s)));", k, k, cnt);
            break;
        case KP_FIN_D:
            line(f, "const %s d%d = s%d;", rows ? "double" : "ic_vd", k, k);
            emit_row_forms(f, k);
            break;
        }
        if (q->fin != KP_FIN_D) f->vdepth[k] = f->depth;
    }
}


/* pv<k>, the first term of sum k's row, and pvv<k>, it broadcast: computes
 * the sum's operand at the row's first element (a masked vector when the row
 * is shorter than one). */
ic_status fx_emit_pivot(fx *f, int k) {
    const kp_plan *p = f->p;
    const ks_sched *s = f->s;
    uint8_t *anc = calloc((size_t)p->n_kops + 1, 1);
    if (!anc) return ic_diag_set(f->c->d, IC_ERR_NOMEM, "out of memory emitting a kernel");
    anc[p->kops[k].in[0]] = 1;
    for (int a = p->n_kops - 1; a >= 0; a--)
        if (anc[a] && f->marks[a])
            for (int i = 0; i < p->kops[a].n_in; i++) anc[p->kops[a].in[i]] = 1;
    line(f, "float pv%d;", k);
    fx_open_scope(f, "");
    for (int l = s->n_outer; l < s->vec; l++)
        if (s->row[l]) line(f, "const int64_t i%d = 0; (void)i%d;", l, l);
    long long ev = (long long)s->extent[s->vec];
    line(f, "const int64_t j = 0; (void)j;");
    line(f, "const int nl = %lld < IC_VW ? %lld : IC_VW; (void)nl;", ev, ev);
    char pos[256];
    fx_scratch_pos(f, pos, sizeof pos);
    f->tail = true;
    ic_status st = IC_OK;
    for (int a = 0; a < p->n_kops && st == IC_OK; a++) {
        if (!anc[a] || !f->marks[a] || !f->used[a]) continue;
        if (f->marks[a] == 2) {
            line(f, "const ic_vf v%d = ic_vld(sc%d + %s);", a, a, pos);
            f->vdepth[a] = f->depth;
        } else {
            st = fx_emit_kop(f, a);
        }
    }
    f->tail = false;
    free(anc);
    if (st != IC_OK) return st;
    fx_need_vec(f, p->kops[k].in[0]);
    line(f, "pv%d = ic_vfirst(v%d);", k, p->kops[k].in[0]);
    line(f, "if (!isfinite(pv%d)) pv%d = 0.0f; /* inf - inf would turn an infinite sum into NaN */", k, k);
    fx_close_scope(f);
    line(f, "const ic_vf pvv%d = ic_vset1(pv%d);", k, k);
    return IC_OK;
}

/* Which f32 forms of double row values the element loops read (rform),
 * which sums subtract their row's first term (pivot: KS_ROWS sums that are
 * subtracted from a row again, i.e. means: their terms may share a large
 * offset that the f32 partials would round away, and x - mean needs the
 * mean exact; other sums keep the plain terms, which for zero-centred data
 * are smaller than the differences would be), and which maxes need not
 * propagate NaN (nanfree: read only by softmax's exp(x - max) and
 * log-sum-exp, where a NaN term makes the sum, and with it every output,
 * NaN anyway). */
void fx_find_row_forms(fx *f) {
    const kp_plan *p = f->p;
    memset(f->rform, 0, (size_t)p->n_kops);
    memset(f->pivot, 0, (size_t)p->n_kops);
    memset(f->nanfree, 0, (size_t)p->n_kops);
    for (int k = 0; k < p->n_kops; k++) {
        const kp_kop *q = &p->kops[k];
        if (!f->used[k]) continue;
        if (q->op == KP_DSCALE) f->rform[q->in[1]] |= RF_HI;
        if (q->op == KP_DSUB || (q->op == KP_RED && q->red == KP_RSQDEV)) f->rform[q->in[1]] |= RF_HI | RF_LO;
        if (q->op == KP_LNORM) {
            f->rform[q->in[1]] |= RF_HI;
            f->rform[q->in[2]] |= RF_HI;
        }
        bool sum = q->op == KP_RED && q->red == KP_RSUM && f->s->mode == KS_ROWS;
        bool max = q->op == KP_RED && q->red == KP_RMAX;
        if (!sum && !max) continue;
        int users = 0, lse_users = 0, sub_users = 0;
        for (int u = k + 1; u < p->n_kops; u++) {
            const kp_kop *r = &p->kops[u];
            for (int i = 0; i < r->n_in; i++) {
                if (r->in[i] != k || !f->used[u]) continue;
                users++;
                lse_users += (r->op == KP_EXPSUB && i == 1) || (r->op == KP_DLSE && i == 0);
                sub_users += r->op == KP_DMEAN || (r->op == KP_NODE && i == 1 && f->c->g->nodes[r->node].op == IC_OP_SUB);
            }
        }
        for (int si = 0; si < p->n_stores; si++) users += p->stores[si].kop == k ? 1000 : 0;
        if (sum) f->pivot[k] = sub_users > 0;
        if (max) f->nanfree[k] = users > 0 && lse_users == users;
    }
}

/* The phases that prefetch: with long rows those whose work per element (kop
 * costs, 1 a load or store, the vector ops of an accumulation) is at least a
 * third of the costliest phase's, with short rows all. */
void fx_find_prefetch_phases(fx *f) {
    const kp_plan *p = f->p;
    int cost[KP_MAX_PHASES] = {0}, most = 0;
    for (int ph = 0; ph < p->n_phases && ph < KP_MAX_PHASES; ph++) {
        ks_phase_kops(p, f->s, ph, f->marks);
        for (int k = 0; k < p->n_kops; k++) {
            const kp_kop *q = &p->kops[k];
            if (q->op == KP_RED && q->phase == ph) /* vector ops a step takes */
                cost[ph] += q->red == KP_RSQDEV ? 3 : q->red == KP_RSUM ? 1 + f->pivot[k] : 3 - 2 * f->nanfree[k];
            if (!f->marks[k] || !f->used[k]) continue;
            cost[ph] += f->marks[k] == 2 || q->op == KP_LOAD || !q->cost ? 1 : q->cost;
            cost[ph] += f->s->cache[k] && ks_first_phase(f->s, k) == ph;
        }
        for (int si = 0; si < p->n_stores; si++) cost[ph] += p->stores[si].full && p->stores[si].phase == ph;
        if (cost[ph] > most) most = cost[ph];
    }
    /* rows of a few KiB: the 8 KiB ahead are several rows, whose requests a
       fast phase issues without a burst; every phase prefetching measured best */
    bool short_rows = f->s->row_vec_pad * 4 * 2 <= PREFETCH_BYTES;
    for (int ph = 0; ph < KP_MAX_PHASES; ph++) f->prefetch[ph] = ph < p->n_phases && (short_rows || 3 * cost[ph] >= most);
}

