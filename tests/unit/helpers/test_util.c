/* test_util.c — shared helpers for the cmocka tests; see test_util.h. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void ic_test_rng_seed(ic_test_rng *r, uint64_t seed) { r->s = seed ? seed * 0x9E3779B97F4A7C15ull : 1; }

uint64_t ic_test_rng_next(ic_test_rng *r) {
    uint64_t x = r->s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->s = x;
    return x;
}

double ic_test_rng_uniform(ic_test_rng *r, double lo, double hi) {
    double u = (double)(ic_test_rng_next(r) >> 11) / 9007199254740992.0;
    return lo + (hi - lo) * u;
}

void ic_test_fill(ic_tensor *t, ic_test_rng *r, double lo, double hi) {
    size_t n = ic_tensor_numel(t);
    for (size_t i = 0; i < n; i++) {
        double v = ic_test_rng_uniform(r, lo, hi);
        switch (t->dtype) {
        case IC_DT_F32: ((float *)t->data)[i] = (float)v; break;
        case IC_DT_I32: ((int32_t *)t->data)[i] = (int32_t)floor(v); break;
        case IC_DT_I64: ((int64_t *)t->data)[i] = (int64_t)floor(v); break;
        case IC_DT_I8: ((int8_t *)t->data)[i] = (int8_t)floor(v); break;
        case IC_DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)floor(v); break;
        case IC_DT_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(ic_test_rng_next(r) & 1); break;
        default: break;
        }
    }
}

int ic_test_allclose(const ic_tensor *a, const ic_tensor *b, double rtol, double atol, const char *what) {
    if (a->dtype != b->dtype || !ic_shape_equal(&a->shape, &b->shape)) {
        fprintf(stderr, "%s: dtype or shape differ\n", what);
        return 0;
    }
    size_t n = ic_tensor_numel(a);
    for (size_t i = 0; i < n; i++) {
        double x = ic_tensor_get_f64(a, i), y = ic_tensor_get_f64(b, i);
        if (isnan(x) && isnan(y)) continue;
        if (isinf(x) || isinf(y)) {
            if (x == y) continue;
        } else if (fabs(x - y) <= atol + rtol * fabs(y)) {
            continue;
        }
        fprintf(stderr, "%s: element %zu: got %.9g, expected %.9g (rtol %g, atol %g)\n", what, i, x, y, rtol, atol);
        return 0;
    }
    return 1;
}

ic_shape ic_test_shape(int rank, const int64_t *dims) {
    ic_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dims[i] = dims[i];
    return s;
}

ic_shape ic_test_shapev(int rank, ...) {
    ic_shape s = {.rank = rank};
    va_list ap;
    va_start(ap, rank);
    for (int i = 0; i < rank; i++) s.dims[i] = va_arg(ap, int64_t);
    va_end(ap);
    return s;
}

ic_graph *ic_test_graph_new(const char *name) {
    ic_graph *g = NULL;
    assert_int_equal(ic_graph_create(NULL, name, &g), IC_OK);
    return g;
}

uint32_t ic_test_input(ic_graph *g, const char *name, ic_dtype t, ic_shape s) {
    uint32_t v = ic_graph_add_input(g, name, t, &s);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

uint32_t ic_test_node(ic_graph *g, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                      uint32_t n_attrs) {
    ic_diag d = {0};
    uint32_t v = ic_graph_build(g, op, in, n_in, attrs, n_attrs, &d);
    if (v == IC_NONE) fail_msg("building %s: %s", ic_op_get(op)->name, d.msg);
    return v;
}
