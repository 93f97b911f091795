/* csr.h — private to src/codegen: the two halves of every sparse
 * aggregation kernel (emit_aggregate.c), shared by edge_aggregate,
 * csr_build, spmm and segment_reduce (emit_sparse.c).
 *
 *   build: COO edges (src, dst [, scale]) -> destination-sorted CSR
 *          (row starts rp, sources col [, scales val]) by a parallel stable
 *          counting sort that also checks every index;
 *   rows:  out[i] = reduce over k in rp[i] .. rp[i+1] of val[k] · x[col[k]],
 *          rows split between threads by edge count, each row accumulated in
 *          vector registers, the rows of the next edges prefetched.
 * Both emit statements for the inside of one `omp parallel` region whose
 * threads know `t` (their number) and `nt` (the team size). */
#ifndef INDUCTC_CSR_H
#define INDUCTC_CSR_H

#include "codegen/cg.h"

/* What the build half reads and writes: C expressions naming kernel pointers. */
typedef struct cg_csr_build {
    const char *src, *dst; /* i32 / i64 [e] edge sources and destinations (negative counts from the end) */
    const char *scale;     /* f32 [e] per-edge scale, or NULL */
    const char *rp;        /* int32_t [n + 1] row starts, written */
    const char *col;       /* int32_t [e] sources in row order, written */
    const char *val;       /* float [e] scales in row order, written when scale is set */
    long long m, n, e;     /* source rows, destination rows, edges */
} cg_csr_build;

/* What the rows half reads. */
typedef struct cg_csr_rows {
    const char *rp;      /* [n + 1] row starts, any integer type (valid: checked before, if at all) */
    const char *col;     /* [nnz] source rows, or NULL for row k itself (segment_reduce) */
    const char *val;     /* f32 [nnz] per-entry scale, or NULL */
    const char *x;       /* f32 [m, f] rows gathered */
    const char *data;    /* f32 [n, f] rows of the data operand, or NULL */
    const char *out;     /* f32 [n, f] the result */
    ic_agg_reduction red; /* sum, mean, max, min */
    bool include_self;   /* data[i] joins row i's reduction (needs data) */
    long long n, f;      /* rows, features */
} cg_csr_rows;

/* Declarations the build needs before the parallel region (`cnt`, `part`,
 * `bad`); it allocates the per-thread counts for `nt_max` threads (declared
 * by cg_csr_emit_threads) and fails the run when out of memory. */
void cg_csr_emit_build_decls(ic_strbuf *b, long long n);
/* The build, inside the region. Sets `bad` when an index is out of range
 * and leaves `csr_bad` (a local of every thread, equal in all) set then:
 * the CSR is not valid, the caller skips its rows and fails after the region. */
void cg_csr_emit_build(ic_strbuf *b, const cg_csr_build *s);
/* Frees what cg_csr_emit_build_decls allocated (after the region). */
void cg_csr_emit_build_free(ic_strbuf *b);
/* After the region when bad is set: finds the first bad edge and fails the
 * run with what (op and value), the edge and its indices. */
void cg_csr_emit_bad_edge(ic_strbuf *b, const cg_csr_build *s, const char *what);
/* The row reduction, inside the region (an orphaned loop per thread, no
 * barrier at its end). */
void cg_csr_emit_rows(ic_strbuf *b, const cg_csr_rows *r);
/* Helpers the rows half calls, defined once per generated file: append to
 * c->kern before cg_kernel_begin. */
void cg_csr_emit_helpers(ic_strbuf *kern);
/* The thread count of a kernel doing `work` element-steps: a statement
 * declaring `int nt_max` (1 for small work; the region's `nt` may be less). */
void cg_csr_emit_threads(ic_strbuf *b, long long work);

/* emit_sparse.c */
ic_status cg_emit_csr_build(cg_ctx *c, uint32_t gi, const ic_node *n);
ic_status cg_emit_spmm(cg_ctx *c, uint32_t gi, const ic_node *n);
ic_status cg_emit_segment_reduce(cg_ctx *c, uint32_t gi, const ic_node *n);

#endif
