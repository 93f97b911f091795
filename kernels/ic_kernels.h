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

/* y = f(x) over one block, f a SLEEF function (1.0 ULP; erfc 1.5 ULP); y may be x. */
#define IC_DEF_VUNARY(name, fn, acc)                                                          \
    static inline void ic_##name##_f32_v(float *y, const float *x) {        \
        IC_VSTORE(y, IC_SLEEF(fn, acc)(IC_VLOAD(x)));                                          \
    }

IC_DEF_VUNARY(exp, exp, u10)
IC_DEF_VUNARY(log, log, u10)
IC_DEF_VUNARY(tanh, tanh, u10)
IC_DEF_VUNARY(erf, erf, u10)
IC_DEF_VUNARY(erfc, erfc, u15)

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

/* x * Phi(x) = 0.5 x erfc(u), u = -x / sqrt 2: erfc keeps its relative
 * accuracy for very negative x, where 1 + erf(x / sqrt 2) would cancel. erfc
 * also multiplies the rounding error d of u by about 2u^2, so for u > 1 that
 * error is put back: erfc(u + d) ~ erfc(u) (1 - d R), R = 2u + 1/u. */
static inline void ic_gelu_f32_v(float *y, const float *x) {
    const float c_hi = 0.707106769f, c_lo = 1.21016175e-8f; /* 1/sqrt 2 = c_hi + c_lo */
    float u[IC_VW], e[IC_VW];
    IC_LANES(l) u[l] = -x[l] * c_hi;
    ic_erfc_f32_v(e, u);
    IC_LANES(l) {
        const float d = fmaf(-x[l], c_hi, -u[l]) - x[l] * c_lo;
        const float r = u[l] > 1.0f ? d * (2.0f * u[l] + 1.0f / u[l]) : 0.0f;
        y[l] = 0.5f * x[l] * e[l] * (1.0f - r);
    }
}

/* 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3):
 * this form does not cancel for negative x, and is evaluated like sigmoid.
 * exp multiplies the rounding error of its argument by the argument itself
 * (up to ~100 here), so 2u is formed in double and what rounding it to float
 * loses is put back: e^(t + d) = e^t (1 + d). */
static inline void ic_gelu_tanh_f32_v(float *y, const float *x) {
    float t[IC_VW], d[IC_VW];
    IC_LANES(l) {
        const double xd = x[l], u2 = 1.5957691216057308 * (xd + 0.044715 * xd * xd * xd);
        const double a = u2 < 0.0 ? u2 : -u2; /* -|2u|: exp never overflows */
        t[l] = (float)a;
        d[l] = a == (double)t[l] ? 0.0f : (float)(a - (double)t[l]); /* 0 for infinities too */
    }
    ic_exp_f32_v(t, t);
    IC_LANES(l) {
        const float e = t[l] + t[l] * d[l];
        y[l] = x[l] * (x[l] < 0.0f ? e : 1.0f) / (1.0f + e);
    }
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
