/* ic_vec.h — explicit SIMD for the fused kernels inductc generates: one
 * vector of IC_VW floats (ic_vf), the same lanes widened to doubles (ic_vd,
 * two halves), tail loads and stores, and the arithmetic the generated code
 * names directly. One definition per ISA: AVX-512 (masked tails), AVX2+FMA
 * (maskload/maskstore tails) and SSE2 (tails through a small array).
 *
 * Semantics match the lane-block forms in ic_kernels.h and docs/ops.md:
 * max/min propagate NaN (a NaN operand gives a + b), relu keeps NaN and -0,
 * reductions' horizontal steps run in a fixed lane order so results do not
 * depend on thread count. Included by ic_kernels.h after IC_VW, ic_vf and
 * IC_SLEEF are defined; nothing here keeps state. */
#ifndef INDUCTC_VEC_H
#define INDUCTC_VEC_H

#if IC_VW == 16 /* ---------------------------------------------------------- AVX-512 */

typedef struct ic_vd {
    __m512d lo, hi; /* lanes 0..7 and 8..15 as doubles */
} ic_vd;
#define IC_SLEEFD(fn, acc) Sleef_##fn##d8_##acc

static inline __mmask16 ic_vtail(int nl) { return (__mmask16)((1u << nl) - 1u); }
static inline ic_vf ic_vld(const float *p) { return _mm512_loadu_ps(p); }
static inline ic_vf ic_vld_n(const float *p, int nl) { return _mm512_maskz_loadu_ps(ic_vtail(nl), p); }
static inline void ic_vst(float *p, ic_vf v) { _mm512_storeu_ps(p, v); }
static inline void ic_vst_n(float *p, ic_vf v, int nl) { _mm512_mask_storeu_ps(p, ic_vtail(nl), v); }
/* a non-temporal store past the caches; p 64-byte aligned */
static inline void ic_vst_nt(float *p, ic_vf v) { _mm512_stream_ps(p, v); }
static inline ic_vf ic_vset1(float x) { return _mm512_set1_ps(x); }
static inline ic_vf ic_vadd(ic_vf a, ic_vf b) { return _mm512_add_ps(a, b); }
static inline ic_vf ic_vsub(ic_vf a, ic_vf b) { return _mm512_sub_ps(a, b); }
static inline ic_vf ic_vmul(ic_vf a, ic_vf b) { return _mm512_mul_ps(a, b); }
static inline ic_vf ic_vdiv(ic_vf a, ic_vf b) { return _mm512_div_ps(a, b); }
static inline ic_vf ic_vsqrt(ic_vf a) { return _mm512_sqrt_ps(a); }
static inline ic_vf ic_vabs(ic_vf a) { return _mm512_abs_ps(a); }
static inline ic_vf ic_vneg(ic_vf a) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
}
/* a < b ? x : y (ordered compare: false for NaN) */
static inline ic_vf ic_vsel_lt(ic_vf a, ic_vf b, ic_vf x, ic_vf y) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x);
}
/* a > b ? a : b (maxps keeps its second operand on ties), a + b where either is NaN */
static inline ic_vf ic_vmax_nan(ic_vf a, ic_vf b) {
    return _mm512_mask_add_ps(_mm512_max_ps(a, b), _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q), a, b);
}
static inline ic_vf ic_vmin_nan(ic_vf a, ic_vf b) {
    return _mm512_mask_add_ps(_mm512_min_ps(a, b), _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q), a, b);
}
/* lanes from nl on replaced by fill */
static inline ic_vf ic_vfill_n(ic_vf v, ic_vf fill, int nl) { return _mm512_mask_blend_ps(ic_vtail(nl), fill, v); }
static inline ic_vf ic_vfma(ic_vf a, ic_vf b, ic_vf c) { return _mm512_fmadd_ps(a, b, c); }
/* x rounded to the nearest integer (ties to even) */
static inline ic_vf ic_vround(ic_vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* u 2^q for integer-valued q in [-151, 151], rounded once (vscalefps), so
   results in the subnormal range are correctly rounded */
static inline ic_vf ic_vldexp(ic_vf u, ic_vf q) { return _mm512_scalef_ps(u, q); }
/* a > b ? a : b and a < b ? a : b as maxps/minps: b when either is NaN */
static inline ic_vf ic_vmax_fast(ic_vf a, ic_vf b) { return _mm512_max_ps(a, b); }
static inline ic_vf ic_vmin_fast(ic_vf a, ic_vf b) { return _mm512_min_ps(a, b); }

static inline ic_vd ic_vd_from(ic_vf v) {
    ic_vd d;
    d.lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    d.hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return d;
}
static inline ic_vf ic_vd_to(ic_vd d) {
    __m256 lo = _mm512_cvtpd_ps(d.lo), hi = _mm512_cvtpd_ps(d.hi);
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}
static inline ic_vd ic_vd_set1(double x) { return (ic_vd){_mm512_set1_pd(x), _mm512_set1_pd(x)}; }
#define IC_VD_BIN(name, intr) \
    static inline ic_vd ic_vd_##name(ic_vd a, ic_vd b) { return (ic_vd){intr(a.lo, b.lo), intr(a.hi, b.hi)}; }
IC_VD_BIN(add, _mm512_add_pd)
IC_VD_BIN(sub, _mm512_sub_pd)
IC_VD_BIN(mul, _mm512_mul_pd)
IC_VD_BIN(div, _mm512_div_pd)
static inline ic_vd ic_vd_sqrt(ic_vd a) { return (ic_vd){_mm512_sqrt_pd(a.lo), _mm512_sqrt_pd(a.hi)}; }
/* acc + t over the first nl lanes only */
static inline ic_vd ic_vd_add_n(ic_vd acc, ic_vd t, int nl) {
    __mmask16 m = ic_vtail(nl);
    return (ic_vd){_mm512_mask_add_pd(acc.lo, (__mmask8)m, acc.lo, t.lo),
                   _mm512_mask_add_pd(acc.hi, (__mmask8)(m >> 8), acc.hi, t.hi)};
}
static inline void ic_vd_st(double *p, ic_vd d) {
    _mm512_storeu_pd(p, d.lo);
    _mm512_storeu_pd(p + 8, d.hi);
}
static inline ic_vd ic_vd_ld(const double *p) { return (ic_vd){_mm512_loadu_pd(p), _mm512_loadu_pd(p + 8)}; }

#elif IC_VW == 8 /* ----------------------------------------------------------- AVX2 */

typedef struct ic_vd {
    __m256d lo, hi; /* lanes 0..3 and 4..7 as doubles */
} ic_vd;
#define IC_SLEEFD(fn, acc) Sleef_##fn##d4_##acc

static const int32_t ic_vtail_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static inline __m256i ic_vtail(int nl) { return _mm256_loadu_si256((const __m256i *)(ic_vtail_table + 8 - nl)); }
static inline ic_vf ic_vld(const float *p) { return _mm256_loadu_ps(p); }
static inline ic_vf ic_vld_n(const float *p, int nl) { return _mm256_maskload_ps(p, ic_vtail(nl)); }
static inline void ic_vst(float *p, ic_vf v) { _mm256_storeu_ps(p, v); }
static inline void ic_vst_n(float *p, ic_vf v, int nl) { _mm256_maskstore_ps(p, ic_vtail(nl), v); }
static inline void ic_vst_nt(float *p, ic_vf v) { _mm256_stream_ps(p, v); } /* p 32-byte aligned */
static inline ic_vf ic_vset1(float x) { return _mm256_set1_ps(x); }
static inline ic_vf ic_vadd(ic_vf a, ic_vf b) { return _mm256_add_ps(a, b); }
static inline ic_vf ic_vsub(ic_vf a, ic_vf b) { return _mm256_sub_ps(a, b); }
static inline ic_vf ic_vmul(ic_vf a, ic_vf b) { return _mm256_mul_ps(a, b); }
static inline ic_vf ic_vdiv(ic_vf a, ic_vf b) { return _mm256_div_ps(a, b); }
static inline ic_vf ic_vsqrt(ic_vf a) { return _mm256_sqrt_ps(a); }
static inline ic_vf ic_vabs(ic_vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline ic_vf ic_vneg(ic_vf a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
static inline ic_vf ic_vsel_lt(ic_vf a, ic_vf b, ic_vf x, ic_vf y) {
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
static inline ic_vf ic_vmax_nan(ic_vf a, ic_vf b) {
    return _mm256_blendv_ps(_mm256_max_ps(a, b), _mm256_add_ps(a, b), _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}
static inline ic_vf ic_vmin_nan(ic_vf a, ic_vf b) {
    return _mm256_blendv_ps(_mm256_min_ps(a, b), _mm256_add_ps(a, b), _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}
static inline ic_vf ic_vfill_n(ic_vf v, ic_vf fill, int nl) {
    return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(ic_vtail(nl)));
}
static inline ic_vf ic_vfma(ic_vf a, ic_vf b, ic_vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline ic_vf ic_vround(ic_vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* u 2^q in two steps of 2^(q/2): both factors are normal for |q| <= 151 and
   only the second multiply rounds */
static inline ic_vf ic_vldexp(ic_vf u, ic_vf q) {
    __m256i qi = _mm256_cvtps_epi32(q), h = _mm256_srai_epi32(qi, 1), bias = _mm256_set1_epi32(0x7f);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(qi, h), bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(u, s1), s2);
}
static inline ic_vf ic_vmax_fast(ic_vf a, ic_vf b) { return _mm256_max_ps(a, b); }
static inline ic_vf ic_vmin_fast(ic_vf a, ic_vf b) { return _mm256_min_ps(a, b); }

static inline ic_vd ic_vd_from(ic_vf v) {
    return (ic_vd){_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))};
}
static inline ic_vf ic_vd_to(ic_vd d) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(d.lo)), _mm256_cvtpd_ps(d.hi), 1);
}
static inline ic_vd ic_vd_set1(double x) { return (ic_vd){_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
#define IC_VD_BIN(name, intr) \
    static inline ic_vd ic_vd_##name(ic_vd a, ic_vd b) { return (ic_vd){intr(a.lo, b.lo), intr(a.hi, b.hi)}; }
IC_VD_BIN(add, _mm256_add_pd)
IC_VD_BIN(sub, _mm256_sub_pd)
IC_VD_BIN(mul, _mm256_mul_pd)
IC_VD_BIN(div, _mm256_div_pd)
static inline ic_vd ic_vd_sqrt(ic_vd a) { return (ic_vd){_mm256_sqrt_pd(a.lo), _mm256_sqrt_pd(a.hi)}; }
static inline ic_vd ic_vd_add_n(ic_vd acc, ic_vd t, int nl) {
    __m256i m = ic_vtail(nl); /* 8 x i32 -> two 4 x i64 masks */
    __m256d mlo = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(m)));
    __m256d mhi = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(m, 1)));
    return (ic_vd){_mm256_add_pd(acc.lo, _mm256_and_pd(t.lo, mlo)), _mm256_add_pd(acc.hi, _mm256_and_pd(t.hi, mhi))};
}
static inline void ic_vd_st(double *p, ic_vd d) {
    _mm256_storeu_pd(p, d.lo);
    _mm256_storeu_pd(p + 4, d.hi);
}
static inline ic_vd ic_vd_ld(const double *p) { return (ic_vd){_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)}; }

#else /* ------------------------------------------------------------------------ SSE2 */

typedef struct ic_vd {
    __m128d lo, hi; /* lanes 0..1 and 2..3 as doubles */
} ic_vd;
#define IC_SLEEFD(fn, acc) Sleef_##fn##d2_##acc

static inline __m128 ic_vtail(int nl) {
    return _mm_castsi128_ps(_mm_cmplt_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(nl)));
}
static inline __m128 ic_vblend(__m128 m, __m128 x, __m128 y) { return _mm_or_ps(_mm_and_ps(m, x), _mm_andnot_ps(m, y)); }
static inline ic_vf ic_vld(const float *p) { return _mm_loadu_ps(p); }
static inline ic_vf ic_vld_n(const float *p, int nl) {
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int l = 0; l < nl; l++) t[l] = p[l];
    return _mm_loadu_ps(t);
}
static inline void ic_vst(float *p, ic_vf v) { _mm_storeu_ps(p, v); }
static inline void ic_vst_n(float *p, ic_vf v, int nl) {
    float t[4];
    _mm_storeu_ps(t, v);
    for (int l = 0; l < nl; l++) p[l] = t[l];
}
static inline void ic_vst_nt(float *p, ic_vf v) { _mm_stream_ps(p, v); } /* p 16-byte aligned */
static inline ic_vf ic_vset1(float x) { return _mm_set1_ps(x); }
static inline ic_vf ic_vadd(ic_vf a, ic_vf b) { return _mm_add_ps(a, b); }
static inline ic_vf ic_vsub(ic_vf a, ic_vf b) { return _mm_sub_ps(a, b); }
static inline ic_vf ic_vmul(ic_vf a, ic_vf b) { return _mm_mul_ps(a, b); }
static inline ic_vf ic_vdiv(ic_vf a, ic_vf b) { return _mm_div_ps(a, b); }
static inline ic_vf ic_vsqrt(ic_vf a) { return _mm_sqrt_ps(a); }
static inline ic_vf ic_vabs(ic_vf a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
static inline ic_vf ic_vneg(ic_vf a) { return _mm_xor_ps(a, _mm_set1_ps(-0.0f)); }
static inline ic_vf ic_vsel_lt(ic_vf a, ic_vf b, ic_vf x, ic_vf y) { return ic_vblend(_mm_cmplt_ps(a, b), x, y); }
static inline ic_vf ic_vmax_nan(ic_vf a, ic_vf b) {
    return ic_vblend(_mm_cmpunord_ps(a, b), _mm_add_ps(a, b), _mm_max_ps(a, b));
}
static inline ic_vf ic_vmin_nan(ic_vf a, ic_vf b) {
    return ic_vblend(_mm_cmpunord_ps(a, b), _mm_add_ps(a, b), _mm_min_ps(a, b));
}
static inline ic_vf ic_vfill_n(ic_vf v, ic_vf fill, int nl) { return ic_vblend(ic_vtail(nl), v, fill); }
/* no FMA in SSE2: a rounded multiply-add, and Dekker's exact square */
static inline ic_vf ic_vfma(ic_vf a, ic_vf b, ic_vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
/* SSE2 has no roundps: through int32, which rounds to nearest even (|x| < 2^22 here) */
static inline ic_vf ic_vround(ic_vf x) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(x)); }
static inline ic_vf ic_vldexp(ic_vf u, ic_vf q) {
    __m128i qi = _mm_cvtps_epi32(q), h = _mm_srai_epi32(qi, 1), bias = _mm_set1_epi32(0x7f);
    __m128 s1 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(h, bias), 23));
    __m128 s2 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_sub_epi32(qi, h), bias), 23));
    return _mm_mul_ps(_mm_mul_ps(u, s1), s2);
}
static inline ic_vf ic_vmax_fast(ic_vf a, ic_vf b) { return _mm_max_ps(a, b); }
static inline ic_vf ic_vmin_fast(ic_vf a, ic_vf b) { return _mm_min_ps(a, b); }

static inline ic_vd ic_vd_from(ic_vf v) { return (ic_vd){_mm_cvtps_pd(v), _mm_cvtps_pd(_mm_movehl_ps(v, v))}; }
static inline ic_vf ic_vd_to(ic_vd d) { return _mm_movelh_ps(_mm_cvtpd_ps(d.lo), _mm_cvtpd_ps(d.hi)); }
static inline ic_vd ic_vd_set1(double x) { return (ic_vd){_mm_set1_pd(x), _mm_set1_pd(x)}; }
#define IC_VD_BIN(name, intr) \
    static inline ic_vd ic_vd_##name(ic_vd a, ic_vd b) { return (ic_vd){intr(a.lo, b.lo), intr(a.hi, b.hi)}; }
IC_VD_BIN(add, _mm_add_pd)
IC_VD_BIN(sub, _mm_sub_pd)
IC_VD_BIN(mul, _mm_mul_pd)
IC_VD_BIN(div, _mm_div_pd)
static inline ic_vd ic_vd_sqrt(ic_vd a) { return (ic_vd){_mm_sqrt_pd(a.lo), _mm_sqrt_pd(a.hi)}; }
static inline ic_vd ic_vd_add_n(ic_vd acc, ic_vd t, int nl) {
    __m128 m = ic_vtail(nl);
    __m128d mlo = _mm_castps_pd(_mm_unpacklo_ps(m, m)), mhi = _mm_castps_pd(_mm_unpackhi_ps(m, m));
    return (ic_vd){_mm_add_pd(acc.lo, _mm_and_pd(t.lo, mlo)), _mm_add_pd(acc.hi, _mm_and_pd(t.hi, mhi))};
}
static inline void ic_vd_st(double *p, ic_vd d) {
    _mm_storeu_pd(p, d.lo);
    _mm_storeu_pd(p + 2, d.hi);
}
static inline ic_vd ic_vd_ld(const double *p) { return (ic_vd){_mm_loadu_pd(p), _mm_loadu_pd(p + 2)}; }

#endif

/* --- shared forms over the primitives above ----------------------------------- */

static inline ic_vf ic_vzero(void) { return ic_vset1(0.0f); }
/* x rounded to float by the hardware: +-inf beyond the float range, where a C cast is undefined */
static inline float ic_f32_of(double x) { return _mm_cvtss_f32(_mm_cvtsd_ss(_mm_setzero_ps(), _mm_set_sd(x))); }
/* max(0, x) as `x < 0 ? 0 : x`: NaN and -0 pass through */
static inline ic_vf ic_vrelu(ic_vf a) { return ic_vsel_lt(a, ic_vzero(), ic_vzero(), a); }
/* clip's two steps: y < lo ? lo : y, and hi < y ? hi : y */
static inline ic_vf ic_vclip_lo(ic_vf lo, ic_vf y) { return ic_vsel_lt(y, lo, lo, y); }
static inline ic_vf ic_vclip_hi(ic_vf hi, ic_vf y) { return ic_vsel_lt(hi, y, hi, y); }
/* lo <= x <= hi by maxps/minps; NaN stays NaN (it is their second operand) */
static inline ic_vf ic_vclamp(ic_vf x, float lo, float hi) {
    return ic_vmin_fast(ic_vset1(hi), ic_vmax_fast(ic_vset1(lo), x));
}
/* exp, inlined (a call would spill every live vector): SLEEF's expf u10
 * algorithm — q = round(x / ln 2), Cody-Waite reduction, degree-6
 * polynomial — then u 2^q rounded once, so results down to the subnormals
 * keep their precision. x is clamped to [-104, 104] first: below, exp is 0
 * in float; above, inf; NaN stays NaN. */
static inline ic_vf ic_vexp(ic_vf d) {
    d = ic_vclamp(d, -104.0f, 104.0f);
    ic_vf q = ic_vround(ic_vmul(d, ic_vset1(1.442695040888963407359924681001892137426645954152985934135f)));
    ic_vf s = ic_vfma(q, ic_vset1(-0.693145751953125f), d);
    s = ic_vfma(q, ic_vset1(-1.428606765330187045e-06f), s);
    ic_vf u = ic_vset1(0.000198527617612853646278381f);
    u = ic_vfma(u, s, ic_vset1(0.00139304355252534151077271f));
    u = ic_vfma(u, s, ic_vset1(0.00833336077630519866943359f));
    u = ic_vfma(u, s, ic_vset1(0.0416664853692054748535156f));
    u = ic_vfma(u, s, ic_vset1(0.166666671633720397949219f));
    u = ic_vfma(u, s, ic_vset1(0.5f));
    u = ic_vadd(ic_vset1(1.0f), ic_vfma(ic_vmul(s, s), u, s));
    return ic_vldexp(u, q);
}
static inline ic_vf ic_vlog(ic_vf a) { return IC_SLEEF(log, u10)(a); }
/* erf(x) = x P(x^2) / Q(x^2) on |x| <= 4, a rational minimax fit of
 * erf(x) / x (degrees 12 and 10, fitted for this file); beyond 4 erf is 1 in
 * float. Within 3.6e-7 relative of the exact erf for every x (6 ULP near
 * 1, 3 ULP near 0), erf(-0) = -0, NaN stays NaN. 17 operations and no exp:
 * this is what keeps GELU memory-bound. */
static inline ic_vf ic_verf(ic_vf x) {
    ic_vf xc = ic_vclamp(x, -4.0f, 4.0f), x2 = ic_vmul(xc, xc);
    ic_vf p = ic_vset1(-1.3201774451410131e-08f);
    p = ic_vfma(p, x2, ic_vset1(4.6846954514997985e-06f));
    p = ic_vfma(p, x2, ic_vset1(0.0003796055338439086f));
    p = ic_vfma(p, x2, ic_vset1(0.003849588838717182f));
    p = ic_vfma(p, x2, ic_vset1(0.05431679759186709f));
    p = ic_vfma(p, x2, ic_vset1(0.1852028834086876f));
    p = ic_vfma(p, x2, ic_vset1(1.128379169377061f));
    ic_vf q = ic_vset1(6.310980482995745e-05f);
    q = ic_vfma(q, x2, ic_vset1(0.001307560791484549f));
    q = ic_vfma(q, x2, ic_vset1(0.01546203264872287f));
    q = ic_vfma(q, x2, ic_vset1(0.11395821531316044f));
    q = ic_vfma(q, x2, ic_vset1(0.4974651958054636f));
    q = ic_vfma(q, x2, ic_vset1(1.0f));
    return ic_vmul(xc, ic_vdiv(p, q)); /* p / q first: x P underflows for subnormal x */
}
/* x Phi(x) = h + h erf(x / sqrt 2), h = x / 2: the formula PyTorch, ONNX
 * Runtime and oneDNN evaluate. Phi carries the absolute error of erf (below
 * 1.8e-7), so below x = -3, where Phi itself is under 1.4e-3, the result
 * keeps an absolute accuracy of 1.8e-7 |x| rather than a relative one, as
 * theirs do. gelu(inf) = inf, gelu(-inf) = NaN (-inf * 0) like the reference. */
static inline ic_vf ic_vgelu(ic_vf x) {
    ic_vf h = ic_vmul(x, ic_vset1(0.5f));
    return ic_vfma(h, ic_verf(ic_vmul(x, ic_vset1(0.707106781186547524f))), h);
}
/* tanh(u) = u P(u^2) / Q(u^2) on |u| <= 9, a rational minimax fit of
 * tanh(u) / u (degrees 12 and 12, fitted for this file); beyond 9 tanh is
 * +-1 in float. Within 4.1e-7 relative everywhere (7 ULP near 1);
 * tanh(-0) = -0; NaN stays NaN. */
static inline ic_vf ic_vtanh(ic_vf u) {
    ic_vf uc = ic_vclamp(u, -9.0f, 9.0f), u2 = ic_vmul(uc, uc);
    ic_vf p = ic_vset1(8.4663981381183362e-10f);
    p = ic_vfma(p, u2, ic_vset1(1.3381451036131864e-06f));
    p = ic_vfma(p, u2, ic_vset1(0.0002257827323268089f));
    p = ic_vfma(p, u2, ic_vset1(0.0079510068714766166f));
    p = ic_vfma(p, u2, ic_vset1(0.031422382746576209f));
    p = ic_vfma(p, u2, ic_vset1(-0.15887359111720065f));
    p = ic_vfma(p, u2, ic_vset1(0.99999998741850504f));
    ic_vf q = ic_vset1(5.0010692483060115e-08f);
    q = ic_vfma(q, u2, ic_vset1(2.1389639910262496e-05f));
    q = ic_vfma(q, u2, ic_vset1(0.0016300669845471412f));
    q = ic_vfma(q, u2, ic_vset1(0.024071795746621643f));
    q = ic_vfma(q, u2, ic_vset1(-0.043757363883493564f));
    q = ic_vfma(q, u2, ic_vset1(0.17445957451138019f));
    q = ic_vfma(q, u2, ic_vset1(1.0f));
    return ic_vmul(uc, ic_vdiv(p, q));
}
/* GELU's tanh form, x (1 + tanh u) / 2 = x sigmoid(2u), u = sqrt(2/pi) (x +
 * 0.044715 x^3): the sigmoid form does not cancel for negative x. exp
 * scales the rounding of 2u by 2u itself, so where the result is tiny it
 * keeps an absolute accuracy (2e-7 |x|) rather than a relative one.
 * gelu(inf) = inf, gelu(-inf) = NaN (-inf * 0) like the reference. */
static inline ic_vf ic_vgelu_tanh(ic_vf x) {
    ic_vf inner = ic_vfma(ic_vset1(0.044715f), ic_vmul(x, x), ic_vset1(1.0f));
    ic_vf u2 = ic_vmul(ic_vmul(x, ic_vset1(1.59576912160573071f)), inner); /* 2u */
    ic_vf z = ic_vzero(), e = ic_vexp(ic_vsel_lt(u2, z, u2, ic_vneg(u2))); /* e^-|2u|: never overflows */
    return ic_vdiv(ic_vmul(x, ic_vsel_lt(u2, z, e, ic_vset1(1.0f))), ic_vadd(ic_vset1(1.0f), e));
}
static inline ic_vf ic_vpow(ic_vf a, ic_vf b) { return IC_SLEEF(pow, u10)(a, b); }
/* sigmoid and silu in the overflow-free form of ic_sigmoid_f32_v */
static inline ic_vf ic_vsigmoid(ic_vf x) {
    ic_vf z = ic_vzero(), t = ic_vexp(ic_vsel_lt(x, z, x, ic_vneg(x)));
    return ic_vdiv(ic_vsel_lt(x, z, t, ic_vset1(1.0f)), ic_vadd(ic_vset1(1.0f), t));
}
static inline ic_vf ic_vsilu(ic_vf x) {
    ic_vf z = ic_vzero(), t = ic_vexp(ic_vsel_lt(x, z, x, ic_vneg(x)));
    return ic_vdiv(ic_vmul(x, ic_vsel_lt(x, z, t, ic_vset1(1.0f))), ic_vadd(ic_vset1(1.0f), t));
}

/* Strided load and store of nl lanes (lanes past nl load as 0). */
static inline ic_vf ic_vlds(const float *p, int64_t s, int nl) {
    float t[IC_VW];
    for (int l = 0; l < IC_VW; l++) t[l] = l < nl ? p[(int64_t)l * s] : 0.0f;
    return ic_vld(t);
}
static inline void ic_vsts(float *p, int64_t s, ic_vf v, int nl) {
    float t[IC_VW];
    ic_vst(t, v);
    for (int l = 0; l < nl; l++) p[(int64_t)l * s] = t[l];
}

/* Horizontal steps, lanes in a fixed order (results do not depend on threads). */
#if IC_VW == 16
static inline double ic_vd_hsum(ic_vd d) { return _mm512_reduce_add_pd(_mm512_add_pd(d.lo, d.hi)); }
/* max/min of the lanes; NaN when any lane is NaN */
static inline float ic_vhmax(ic_vf v) {
    if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)) return NAN;
    return _mm512_reduce_max_ps(v);
}
static inline float ic_vhmin(ic_vf v) {
    if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)) return NAN;
    return _mm512_reduce_min_ps(v);
}
#else
static inline double ic_vd_hsum(ic_vd d) {
    double t[IC_VW], s = 0.0;
    ic_vd_st(t, d);
    for (int l = 0; l < IC_VW; l++) s += t[l];
    return s;
}
static inline float ic_vhmax(ic_vf v) {
    float t[IC_VW], m = -INFINITY;
    ic_vst(t, v);
    for (int l = 0; l < IC_VW; l++) m = (t[l] > m || t[l] != t[l]) ? t[l] : m;
    return m;
}
static inline float ic_vhmin(ic_vf v) {
    float t[IC_VW], m = INFINITY;
    ic_vst(t, v);
    for (int l = 0; l < IC_VW; l++) m = (t[l] < m || t[l] != t[l]) ? t[l] : m;
    return m;
}
#endif
static inline float ic_vfirst(ic_vf v) {
    float t[IC_VW];
    ic_vst(t, v);
    return t[0];
}
static inline double ic_vd_first(ic_vd d) {
    double t[IC_VW];
    ic_vd_st(t, d);
    return t[0];
}
static inline ic_vd ic_vd_log(ic_vd a) { return (ic_vd){IC_SLEEFD(log, u10)(a.lo), IC_SLEEFD(log, u10)(a.hi)}; }

#endif
