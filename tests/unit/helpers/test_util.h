/* test_util.h — shared helpers for the cmocka tests: deterministic random
 * data, tensor comparison with stated tolerances, small graph builders. */
#ifndef IC_TEST_UTIL_H
#define IC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ir/ir.h"
#include "ir/tensor.h"

/* Deterministic xorshift generator. */
typedef struct ic_test_rng {
    uint64_t s; /* state, never 0 */
} ic_test_rng;

void ic_test_rng_seed(ic_test_rng *r, uint64_t seed);
uint64_t ic_test_rng_next(ic_test_rng *r);
double ic_test_rng_uniform(ic_test_rng *r, double lo, double hi);

/* Fills t with uniform values in [lo, hi) (integers: rounded; bool: 0/1). */
void ic_test_fill(ic_tensor *t, ic_test_rng *r, double lo, double hi);
/* Largest |a-b| / max(1e-30, |b|) over elements with |b| > atol, and whether
 * every element satisfies |a-b| <= atol + rtol*|b| (NaN equals NaN, inf equals
 * inf of the same sign). Prints the first mismatch on failure. */
int ic_test_allclose(const ic_tensor *a, const ic_tensor *b, double rtol, double atol, const char *what);

/* A shape from a list: ic_test_shape(3, (int64_t[]){1, 2, 3}). */
ic_shape ic_test_shape(int rank, const int64_t *dims);
/* A shape from rank int64_t arguments; S0() .. S5(...) spell it shorter. */
ic_shape ic_test_shapev(int rank, ...);
#define S0() ic_test_shapev(0)
#define S1(a) ic_test_shapev(1, (int64_t)(a))
#define S2(a, b) ic_test_shapev(2, (int64_t)(a), (int64_t)(b))
#define S3(a, b, c) ic_test_shapev(3, (int64_t)(a), (int64_t)(b), (int64_t)(c))
#define S4(a, b, c, d) ic_test_shapev(4, (int64_t)(a), (int64_t)(b), (int64_t)(c), (int64_t)(d))
#define S5(a, b, c, d, e) ic_test_shapev(5, (int64_t)(a), (int64_t)(b), (int64_t)(c), (int64_t)(d), (int64_t)(e))

/* Graph builders that fail the test on any error. */
ic_graph *ic_test_graph_new(const char *name);
uint32_t ic_test_input(ic_graph *g, const char *name, ic_dtype t, ic_shape s);
/* ic_graph_build, failing the test with the builder's message. */
uint32_t ic_test_node(ic_graph *g, ic_op op, const uint32_t *in, uint32_t n_in, const ic_attr *attrs,
                      uint32_t n_attrs);

#endif
