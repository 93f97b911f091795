/* ic_kernels.h — the helpers generated model code includes: lane-block
 * load/store for every element type, SLEEF vector math over one block,
 * conversions, and row kernels (softmax, layernorm moments).
 *
 * Generated pointwise code works on blocks of IC_VW lanes held in small
 * arrays: a block is loaded (zero-padded past the tail), every op runs over
 * all lanes, and only the valid lanes are stored. Transcendental functions
 * then map onto one SLEEF vector call per block, and plain arithmetic onto
 * loops the compiler vectorises. Every vector function has a plain scalar
 * reference beside it (ic_ref_*), computed in double. No function here keeps
 * state, so any number of threads may use them at once.
 *
 * The generated file defines IC_ISA_AVX512, IC_ISA_AVX2 or IC_ISA_SSE before
 * including this header; that picks the block width. */
#ifndef INDUCTC_KERNELS_H
#define INDUCTC_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <immintrin.h>
#include <sleef.h>

#if defined(IC_ISA_AVX512)
#if !defined(__AVX512F__)
#error "model built for avx512 without AVX-512 code generation enabled (-march)"
#endif
#define IC_VW 16
#elif defined(IC_ISA_AVX2)
#if !defined(__AVX2__) || !defined(__FMA__)
#error "model built for avx2 without AVX2/FMA code generation enabled (-march)"
#endif
#define IC_VW 8
#else
#define IC_VW 4
#endif

/* A loop over the lanes of one block, for the compiler to vectorise. */
#define IC_LANES(l) _Pragma("omp simd") for (int l = 0; l < IC_VW; l++)

/* --- lane blocks: load (zero-padded), strided load, broadcast, store --------- */

#define IC_DEF_LANE_IO(sfx, T)                                                                  \
    static inline void ic_ld_##sfx(T *restrict v, const T *restrict p, int nl) {                \
        if (nl == IC_VW) {                                                                      \
            IC_LANES(l) v[l] = p[l];                                                            \
        } else {                                                                                \
            for (int l = 0; l < IC_VW; l++) v[l] = l < nl ? p[l] : (T)0;                        \
        }                                                                                       \
    }                                                                                           \
    static inline void ic_lds_##sfx(T *restrict v, const T *restrict p, int64_t s, int nl) {    \
        for (int l = 0; l < IC_VW; l++) v[l] = l < nl ? p[(int64_t)l * s] : (T)0;              \
    }                                                                                           \
    static inline void ic_bc_##sfx(T *restrict v, T x) { IC_LANES(l) v[l] = x; }               \
    static inline void ic_st_##sfx(T *restrict p, const T *restrict v, int nl) {                \
        if (nl == IC_VW) {                                                                      \
            IC_LANES(l) p[l] = v[l];                                                            \
        } else {                                                                                \
            for (int l = 0; l < IC_VW; l++)                                                     \
                if (l < nl) p[l] = v[l];                                                        \
        }                                                                                       \
    }                                                                                           \
    static inline void ic_sts_##sfx(T *restrict p, const T *restrict v, int64_t s, int nl) {    \
        for (int l = 0; l < IC_VW; l++)                                                         \
            if (l < nl) p[(int64_t)l * s] = v[l];                                               \
    }

IC_DEF_LANE_IO(f32, float)
IC_DEF_LANE_IO(i8, int8_t)
IC_DEF_LANE_IO(u8, uint8_t)
IC_DEF_LANE_IO(u16, uint16_t)
IC_DEF_LANE_IO(i32, int32_t)
IC_DEF_LANE_IO(i64, int64_t)

/* --- SLEEF over one block ------------------------------------------------------- */

#if IC_VW == 16
typedef __m512 ic_vf;
#define IC_VLOAD(p) _mm512_loadu_ps(p)
#define IC_VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define IC_VSQRT(v) _mm512_sqrt_ps(v)
#define IC_SLEEF(fn, acc) Sleef_##fn##f16_##acc
#elif IC_VW == 8
typedef __m256 ic_vf;
#define IC_VLOAD(p) _mm256_loadu_ps(p)
#define IC_VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define IC_VSQRT(v) _mm256_sqrt_ps(v)
#define IC_SLEEF(fn, acc) Sleef_##fn##f8_##acc
#else
typedef __m128 ic_vf;
#define IC_VLOAD(p) _mm_loadu_ps(p)
#define IC_VSTORE(p, v) _mm_storeu_ps((p), (v))
#define IC_VSQRT(v) _mm_sqrt_ps(v)
#define IC_SLEEF(fn, acc) Sleef_##fn##f4_##acc
#endif

#include "ic_vec.h" /* explicit vectors for fused kernels */

/* y = f(x) over one block, f a SLEEF function (1.0 ULP; erfc 1.5 ULP); y may be x. */
#define IC_DEF_VUNARY(name, fn, acc)                                                          \
    static inline void ic_##name##_f32_v(float *y, const float *x) {        \
        IC_VSTORE(y, IC_SLEEF(fn, acc)(IC_VLOAD(x)));                                          \
    }

static inline void ic_exp_f32_v(float *y, const float *x) { ic_vst(y, ic_vexp(ic_vld(x))); } /* inlined, ic_vec.h */
IC_DEF_VUNARY(log, log, u10)
static inline void ic_tanh_f32_v(float *y, const float *x) { ic_vst(y, ic_vtanh(ic_vld(x))); } /* inlined, ic_vec.h */
/* erf and gelu in explicit vectors (kernels/ic_vec.h): a rational erf, 6 ULP, without SLEEF's call and exp */
static inline void ic_erf_f32_v(float *y, const float *x) { ic_vst(y, ic_verf(ic_vld(x))); }
IC_DEF_VUNARY(erfc, erfc, u15)
IC_DEF_VUNARY(expm1, expm1, u10)
IC_DEF_VUNARY(log1p, log1p, u10)
/* trigonometric and hyperbolic functions and their inverses (SLEEF, 1.0 ULP) */
IC_DEF_VUNARY(sin, sin, u10)
IC_DEF_VUNARY(cos, cos, u10)
IC_DEF_VUNARY(tan, tan, u10)
IC_DEF_VUNARY(asin, asin, u10)
IC_DEF_VUNARY(acos, acos, u10)
IC_DEF_VUNARY(atan, atan, u10)
IC_DEF_VUNARY(atanh, atanh, u10)
/* SLEEF bounds these only on part of the float range (sinh and cosh overflow
 * from |x| = 88.5 where the result is still finite up to 89.4; asinh and
 * acosh give inf above 1.8e19): the few lanes outside are redone in double. */
#define IC_DEF_VUNARY_WIDE(name, limit)                                                        \
    static inline void ic_##name##_f32_v(float *y, const float *x) {                        \
        float t[IC_VW];                                                                     \
        IC_VSTORE(t, IC_SLEEF(name, u10)(IC_VLOAD(x)));                                     \
        IC_LANES(l) t[l] = fabsf(x[l]) > (limit) ? (float)name((double)x[l]) : t[l];         \
        IC_LANES(l) y[l] = t[l];                                                            \
    }
IC_DEF_VUNARY_WIDE(sinh, 88.0f)
IC_DEF_VUNARY_WIDE(cosh, 88.0f)
IC_DEF_VUNARY_WIDE(asinh, 1e18f)
IC_DEF_VUNARY_WIDE(acosh, 1e18f)

/* Correctly rounded square root (hardware). */
static inline void ic_sqrt_f32_v(float *y, const float *x) { IC_VSTORE(y, IC_VSQRT(IC_VLOAD(x))); }

static inline void ic_pow_f32_v(float *y, const float *a, const float *b) {
    IC_VSTORE(y, IC_SLEEF(pow, u10)(IC_VLOAD(a), IC_VLOAD(b)));
}

/* 1 / (1 + exp(-x)), as t / (1 + t) with t = exp(x) for x < 0 so that
 * exp never overflows and tiny results keep their precision. */
static inline void ic_sigmoid_f32_v(float *y, const float *x) {
    float t[IC_VW];
    IC_LANES(l) t[l] = x[l] < 0.0f ? x[l] : -x[l];
    ic_exp_f32_v(t, t);
    IC_LANES(l) y[l] = (x[l] < 0.0f ? t[l] : 1.0f) / (1.0f + t[l]);
}

/* x * sigmoid(x), in the same overflow-free form */
static inline void ic_silu_f32_v(float *y, const float *x) {
    float t[IC_VW];
    IC_LANES(l) t[l] = x[l] < 0.0f ? x[l] : -x[l];
    ic_exp_f32_v(t, t);
    IC_LANES(l) y[l] = x[l] * (x[l] < 0.0f ? t[l] : 1.0f) / (1.0f + t[l]);
}

/* x * Phi(x): see ic_vgelu (kernels/ic_vec.h). */
static inline void ic_gelu_f32_v(float *y, const float *x) { ic_vst(y, ic_vgelu(ic_vld(x))); }

/* GELU's tanh form: see ic_vgelu_tanh (kernels/ic_vec.h). */
static inline void ic_gelu_tanh_f32_v(float *y, const float *x) { ic_vst(y, ic_vgelu_tanh(ic_vld(x))); }

/* softplus: max(x, 0) + log1p(exp(-|x|)), which never overflows and keeps
 * full precision for large |x| of either sign. */
static inline void ic_softplus_f32_v(float *y, const float *x) {
    float t[IC_VW];
    IC_LANES(l) t[l] = -fabsf(x[l]);
    ic_exp_f32_v(t, t);
    ic_log1p_f32_v(t, t);
    IC_LANES(l) y[l] = (x[l] > 0.0f ? x[l] : 0.0f) + t[l];
}

/* --- scalar references (double precision, rounded once) ------------------------
 * What each block function above must match (tests/unit/kernel_check.c sweeps
 * them); written in the forms that do not cancel, like the vector ones. */

static inline float ic_ref_exp(float x) { return (float)exp(x); }
static inline float ic_ref_log(float x) { return (float)log(x); }
static inline float ic_ref_tanh(float x) { return (float)tanh(x); }
static inline float ic_ref_erf(float x) { return (float)erf(x); }
static inline float ic_ref_erfc(float x) { return (float)erfc(x); }
static inline float ic_ref_sqrt(float x) { return (float)sqrt(x); }
static inline float ic_ref_pow(float a, float b) { return (float)pow(a, b); }
static inline float ic_ref_expm1(float x) { return (float)expm1(x); }
static inline float ic_ref_sin(float x) { return (float)sin(x); }
static inline float ic_ref_cos(float x) { return (float)cos(x); }
static inline float ic_ref_tan(float x) { return (float)tan(x); }
static inline float ic_ref_asin(float x) { return (float)asin(x); }
static inline float ic_ref_acos(float x) { return (float)acos(x); }
static inline float ic_ref_atan(float x) { return (float)atan(x); }
static inline float ic_ref_sinh(float x) { return (float)sinh(x); }
static inline float ic_ref_cosh(float x) { return (float)cosh(x); }
static inline float ic_ref_asinh(float x) { return (float)asinh(x); }
static inline float ic_ref_acosh(float x) { return (float)acosh(x); }
static inline float ic_ref_atanh(float x) { return (float)atanh(x); }
static inline float ic_ref_log1p(float x) { return (float)log1p(x); }
static inline float ic_ref_softplus(float x) { return (float)((x > 0.0f ? (double)x : 0.0) + log1p(exp(-fabs((double)x)))); }
static inline float ic_ref_sigmoid(float x) { return (float)(1.0 / (1.0 + exp(-(double)x))); }
static inline float ic_ref_silu(float x) { return (float)((double)x / (1.0 + exp(-(double)x))); }
static inline float ic_ref_gelu(float x) { return (float)(0.5 * x * erfc(-(double)x * 0.70710678118654752440)); }
static inline float ic_ref_gelu_tanh(float x) {
    double u = 0.79788456080286535588 * ((double)x + 0.044715 * (double)x * x * x);
    return (float)((double)x / (1.0 + exp(-2.0 * u)));
}

/* --- conversions ------------------------------------------------------------------ */

/* float to an integer type with range [lo, hi], truncating toward zero; NaN
 * gives 0 and out-of-range values (+-inf too) saturate (C leaves both undefined). */
static inline int64_t ic_f2i(float x, int64_t lo, int64_t hi) {
    if (x != x) return 0;
    if ((double)x >= (double)hi) return hi;
    if ((double)x <= (double)lo) return lo;
    return (int64_t)x;
}

/* f16 / bf16 bits <-> double, the reference's algorithm (src/ir/tensor.c,
 * which generated code cannot link): exact widening; narrowing rounds once
 * to nearest even, overflows to +-inf, and NaN becomes the quiet NaN with
 * its sign. mb, bias, emax: 10, 15, 31 for f16; 7, 127, 255 for bf16. */
static inline double ic_h2d(uint16_t h, int mb, int bias, int emax) {
    int e = (h >> mb) & emax, m = h & ((1 << mb) - 1);
    double v = e == emax ? (m ? NAN : INFINITY) : e == 0 ? ldexp(m, 1 - bias - mb) : ldexp(m + (1 << mb), e - bias - mb);
    return h >> 15 ? -v : v;
}
static inline uint16_t ic_d2h(double v, int mb, int bias, int emax) {
    uint16_t sign = signbit(v) ? 0x8000 : 0, inf = (uint16_t)(emax << mb);
    if (isnan(v)) return (uint16_t)(sign | inf | (1 << (mb - 1)));
    if (isinf(v)) return (uint16_t)(sign | inf);
    double a = fabs(v);
    int one = 1 << mb, exp2;
    frexp(a, &exp2);
    int e = exp2 - 1;
    if (a == 0.0 || e < 1 - bias) return (uint16_t)(sign | (uint16_t)nearbyint(ldexp(a, bias - 1 + mb)));
    double q = nearbyint(ldexp(a, mb - e));
    if (q == 2.0 * one) {
        q = one;
        e++;
    }
    if (e + bias >= emax) return (uint16_t)(sign | inf);
    return (uint16_t)(sign | ((e + bias) << mb) | ((int)q - one));
}

/* --- index maps ------------------------------------------------------------------ */

/* pad along one dim: the input index that output index o reads, or -1 for the
 * fill. b is the dim's begin pad (negative crops), start the first input
 * index kept after cropping, len the kept length; mode 0 constant, 1 reflect
 * (repeatedly, like numpy.pad), 2 edge. */
static inline int64_t ic_pad_index(int64_t o, int64_t b, int64_t start, int64_t len, int mode) {
    int64_t q = o - (b > 0 ? b : 0);
    if (q >= 0 && q < len) return start + q;
    if (mode == 0 || len <= 0) return -1;
    if (mode == 2) return start + (q < 0 ? 0 : len - 1);
    if (len == 1) return start;
    const int64_t period = 2 * (len - 1);
    q %= period;
    if (q < 0) q += period;
    return start + (q >= len ? period - q : q);
}

/* --- row kernels ------------------------------------------------------------------- */

/* Max of n floats at stride s; NaN if any is NaN; -inf for n == 0. */
static inline float ic_row_max_f32(const float *x, int64_t n, int64_t s) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        float v = x[i * s];
        m = (v > m || v != v) ? v : m;
    }
    return m;
}

/* Softmax (or log-softmax when take_log) of n floats at stride s, subtracting
 * the row max first. The sum is accumulated in double. */
static inline void ic_softmax_row_f32(float *y, const float *x, int64_t n, int64_t s, int take_log) {
    float m = ic_row_max_f32(x, n, s);
    double sum = 0.0;
    if (s == 1) {
        for (int64_t j = 0; j < n; j += IC_VW) {
            int nl = n - j < IC_VW ? (int)(n - j) : IC_VW;
            float t[IC_VW];
            ic_ld_f32(t, x + j, nl);
            IC_LANES(l) t[l] -= m;
            ic_exp_f32_v(t, t);
            for (int l = 0; l < nl; l++) sum += t[l];
            if (!take_log) ic_st_f32(y + j, t, nl);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float e = Sleef_expf_u10(x[i * s] - m);
            sum += e;
            if (!take_log) y[i * s] = e;
        }
    }
    if (take_log) {
        double lse = (double)m + log(sum);
        for (int64_t i = 0; i < n; i++) y[i * s] = (float)((double)x[i * s] - lse);
    } else {
        double inv = 1.0 / sum;
        for (int64_t i = 0; i < n; i++) y[i * s] = (float)((double)y[i * s] * inv);
    }
}

/* Mean and biased variance of n contiguous floats, two passes in double. */
static inline void ic_row_moments_f32(const float *x, int64_t n, double *out_mean, double *out_var) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; i++) sum += x[i];
    double mean = n ? sum / (double)n : 0.0, sq = 0.0;
#pragma omp simd reduction(+ : sq)
    for (int64_t i = 0; i < n; i++) sq += ((double)x[i] - mean) * ((double)x[i] - mean);
    *out_mean = mean;
    *out_var = n ? sq / (double)n : 0.0;
}

#endif
