/* onnx_einsum.c — ONNX Einsum, lowered at import to ops inductc already
 * compiles well: slice (diagonals), reduce_sum, transpose, expand, reshape
 * and matmul, so every contraction becomes one oneDNN GEMM.
 *
 * The equation is read numpy-style: letters name dims, "..." stands for the
 * broadcast dims (right-aligned across operands), and without "->" the
 * output is the ellipsis dims then every letter used once, in ASCII order.
 * Each operand first loses its repeated letters (a diagonal: the two dims
 * moved last, merged, and sliced with step n+1) and the letters no other
 * operand and not the output uses (summed). Operands are then contracted
 * left to right: the letters both share and something later still needs
 * are batch dims, the others they share are summed by the matmul, the rest
 * are its rows and columns. A final transpose gives the output order. */
#include <string.h>

#include "ir/onnx_impl.h"

#define EIN_MAX_OPS 8 /* operands; larger einsums are rare enough to refuse */

/* An operand on its way through: a value and the letter of each of its dims.
 * Ellipsis dims carry the letters 1..8 (never ASCII letters). */
typedef struct term {
    uint32_t v;                  /* the value */
    int n;                       /* its rank */
    char letter[IC_MAX_RANK];    /* per dim */
} term;

static int64_t dim_of(onnx_node *n, const term *t, int i) { return onnx_val(n, t->v)->shape.dims[i]; }

static int find(const char *s, int n, char c) {
    for (int i = 0; i < n; i++)
        if (s[i] == c) return i;
    return -1;
}

/* t's dims in the order of letters (a permutation of t's own). */
static ic_status permute(onnx_node *n, term *t, const char *letters) {
    int64_t perm[IC_MAX_RANK];
    bool same = true;
    for (int i = 0; i < t->n; i++) {
        perm[i] = find(t->letter, t->n, letters[i]);
        same &= perm[i] == i;
    }
    if (same) return IC_OK;
    ic_attr a = ic_attr_make_ints("perm", perm, (uint32_t)t->n);
    IC_TRY(onnx_emit1(n, IC_OP_TRANSPOSE, t->v, &a, 1, &t->v));
    memcpy(t->letter, letters, (size_t)t->n);
    return IC_OK;
}

/* Sums out the dims whose letters keep[] does not hold. */
static ic_status sum_out(onnx_node *n, term *t, const bool *keep) {
    int64_t axes[IC_MAX_RANK];
    int k = 0, m = 0;
    char left[IC_MAX_RANK];
    for (int i = 0; i < t->n; i++) {
        if (keep[(unsigned char)t->letter[i]]) left[m++] = t->letter[i];
        else axes[k++] = i;
    }
    if (k == 0) return IC_OK;
    ic_attr a[2] = {ic_attr_make_ints("axes", axes, (uint32_t)k), ic_attr_make_int("keepdims", 0)};
    IC_TRY(onnx_emit1(n, IC_OP_REDUCE_SUM, t->v, a, 2, &t->v));
    memcpy(t->letter, left, (size_t)m);
    t->n = m;
    return IC_OK;
}

/* Replaces the first repeated letter of t by its diagonal; false if none. */
static ic_status take_diagonal(onnx_node *n, term *t, bool *out_found) {
    *out_found = false;
    for (int i = 0; i < t->n; i++) {
        int j = i + 1 + find(t->letter + i + 1, t->n - i - 1, t->letter[i]);
        if (j <= i) continue;
        int64_t size = dim_of(n, t, i);
        if (dim_of(n, t, j) != size)
            return onnx_invalid(n, "equation repeats a letter over dims of sizes %lld and %lld", (long long)size,
                                (long long)dim_of(n, t, j));
        char order[IC_MAX_RANK];
        int m = 0;
        for (int k = 0; k < t->n; k++)
            if (k != i && k != j) order[m++] = t->letter[k];
        order[m] = t->letter[i];
        order[m + 1] = t->letter[i]; /* the two copies last */
        int64_t perm[IC_MAX_RANK], dims[IC_MAX_RANK];
        for (int k = 0, q = 0; k < t->n; k++)
            if (k != i && k != j) perm[q++] = k;
        perm[m] = i;
        perm[m + 1] = j;
        ic_attr a = ic_attr_make_ints("perm", perm, (uint32_t)t->n);
        IC_TRY(onnx_emit1(n, IC_OP_TRANSPOSE, t->v, &a, 1, &t->v));
        for (int k = 0; k < m; k++) dims[k] = onnx_val(n, t->v)->shape.dims[k];
        dims[m] = size * size;
        IC_TRY(onnx_reshape(n, t->v, dims, m + 1, &t->v));
        int64_t start = 0, end = size * size, axis = m, step = size + 1;
        ic_attr s[4] = {ic_attr_make_ints("starts", &start, 1), ic_attr_make_ints("ends", &end, 1),
                        ic_attr_make_ints("axes", &axis, 1), ic_attr_make_ints("steps", &step, 1)};
        IC_TRY(onnx_emit1(n, IC_OP_SLICE, t->v, s, 4, &t->v));
        memcpy(t->letter, order, (size_t)m + 1);
        t->n = m + 1;
        *out_found = true;
        return IC_OK;
    }
    return IC_OK;
}

/* Broadcasts t's size-1 dims where other has the same letter with size > 1. */
static ic_status broadcast_to(onnx_node *n, term *t, const term *other) {
    int64_t dims[IC_MAX_RANK];
    bool grow = false;
    for (int i = 0; i < t->n; i++) {
        dims[i] = dim_of(n, t, i);
        int j = find(other->letter, other->n, t->letter[i]);
        if (j < 0 || dim_of(n, other, j) == dims[i]) continue;
        if (dims[i] != 1 && dim_of(n, other, j) != 1)
            return onnx_invalid(n, "dims of sizes %lld and %lld share a letter", (long long)dims[i],
                                (long long)dim_of(n, other, j));
        if (dims[i] == 1) {
            dims[i] = dim_of(n, other, j);
            grow = true;
        }
    }
    if (!grow) return IC_OK;
    ic_attr a = ic_attr_make_ints("shape", dims, (uint32_t)t->n);
    return onnx_emit1(n, IC_OP_EXPAND, t->v, &a, 1, &t->v);
}

/* Product of the sizes of t's dims from..to-1. */
static int64_t span(onnx_node *n, const term *t, int from, int to) {
    int64_t p = 1;
    for (int i = from; i < to; i++) p *= dim_of(n, t, i);
    return p;
}

/* a = contraction of a and b over what keep[] does not hold. */
static ic_status contract(onnx_node *n, term *a, term *b, const bool *keep) {
    bool in_b[256] = {false}, in_a[256] = {false}, keep_a[256], keep_b[256];
    for (int i = 0; i < b->n; i++) in_b[(unsigned char)b->letter[i]] = true;
    for (int i = 0; i < a->n; i++) in_a[(unsigned char)a->letter[i]] = true;
    for (int c = 0; c < 256; c++) {
        keep_a[c] = keep[c] || in_b[c];
        keep_b[c] = keep[c] || in_a[c];
    }
    IC_TRY(sum_out(n, a, keep_a));
    IC_TRY(sum_out(n, b, keep_b));
    IC_TRY(broadcast_to(n, a, b));
    IC_TRY(broadcast_to(n, b, a));
    char batch[IC_MAX_RANK], rows[IC_MAX_RANK], cols[IC_MAX_RANK], sum[IC_MAX_RANK];
    int nb = 0, nr = 0, nc = 0, ns = 0;
    for (int i = 0; i < a->n; i++) {
        char c = a->letter[i];
        if (!in_b[(unsigned char)c]) rows[nr++] = c;
        else if (keep[(unsigned char)c]) batch[nb++] = c;
        else sum[ns++] = c;
    }
    for (int i = 0; i < b->n; i++)
        if (!in_a[(unsigned char)b->letter[i]]) cols[nc++] = b->letter[i];
    char order[IC_MAX_RANK];
    memcpy(order, batch, (size_t)nb);
    memcpy(order + nb, rows, (size_t)nr);
    memcpy(order + nb + nr, sum, (size_t)ns);
    IC_TRY(permute(n, a, order));
    memcpy(order + nb, sum, (size_t)ns);
    memcpy(order + nb + ns, cols, (size_t)nc);
    IC_TRY(permute(n, b, order));
    int64_t bt = span(n, a, 0, nb), m = span(n, a, nb, nb + nr), k = span(n, a, nb + nr, a->n),
            nn = span(n, b, nb + ns, b->n);
    if (nb + nr + nc > IC_MAX_RANK) return onnx_unsupported(n, "a contraction with more than %d result dims", IC_MAX_RANK);
    int64_t out_dims[IC_MAX_RANK];
    char out_letters[IC_MAX_RANK];
    int no = 0;
    for (int i = 0; i < nb + nr; i++) out_dims[no] = dim_of(n, a, i), out_letters[no++] = a->letter[i];
    for (int i = nb + ns; i < b->n; i++) out_dims[no] = dim_of(n, b, i), out_letters[no++] = b->letter[i];
    int64_t ad[3] = {bt, m, k}, bd[3] = {bt, k, nn};
    uint32_t av, bv, y;
    IC_TRY(onnx_reshape(n, a->v, nb ? ad : ad + 1, nb ? 3 : 2, &av));
    IC_TRY(onnx_reshape(n, b->v, nb ? bd : bd + 1, nb ? 3 : 2, &bv));
    IC_TRY(onnx_emit2(n, IC_OP_MATMUL, av, bv, &y));
    IC_TRY(onnx_reshape(n, y, out_dims, no, &a->v));
    memcpy(a->letter, out_letters, (size_t)no);
    a->n = no;
    return IC_OK;
}

/* Parses one operand's subscripts (spaces removed) against its rank. */
static ic_status parse_term(onnx_node *n, const char *s, size_t len, int rank, int n_ell, term *t) {
    const char *dots = NULL;
    for (size_t i = 0; !dots && i + 3 <= len; i++)
        if (memcmp(s + i, "...", 3) == 0) dots = s + i;
    int named = (int)len - (dots ? 3 : 0);
    int ell = dots ? rank - named : 0;
    if (ell < 0 || (!dots && named != rank))
        return onnx_invalid(n, "equation term '%.*s' does not fit an input of rank %d", (int)len, s, rank);
    t->n = 0;
    for (size_t i = 0; i < len; i++) {
        if (dots && s + i == dots) {
            for (int e = 0; e < ell; e++) t->letter[t->n++] = (char)(1 + n_ell - ell + e);
            i += 2;
            continue;
        }
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return onnx_invalid(n, "equation term '%.*s': '%c' is not a letter", (int)len, s, c);
        t->letter[t->n++] = c;
    }
    return IC_OK;
}

static ic_status map_einsum(onnx_node *n) {
    const char *eq = onnx_attr_str(n, "equation", NULL);
    if (!eq) return onnx_invalid(n, "Einsum has no equation");
    char buf[256];
    size_t len = 0;
    for (const char *p = eq; *p; p++)
        if (*p != ' ') {
            if (len + 1 >= sizeof buf) return onnx_unsupported(n, "equation longer than %zu characters", sizeof buf - 1);
            buf[len++] = *p;
        }
    buf[len] = '\0';
    char *arrow = strstr(buf, "->");
    size_t in_len = arrow ? (size_t)(arrow - buf) : len;
    /* operands */
    term t[EIN_MAX_OPS];
    const char *starts[EIN_MAX_OPS];
    size_t lens[EIN_MAX_OPS];
    int k = 0;
    for (size_t i = 0, from = 0; i <= in_len; i++)
        if (i == in_len || buf[i] == ',') {
            if (k == EIN_MAX_OPS) return onnx_unsupported(n, "more than %d operands", EIN_MAX_OPS);
            starts[k] = buf + from;
            lens[k++] = i - from;
            from = i + 1;
        }
    uint32_t n_in = 0;
    while (onnx_in(n, n_in) != IC_NONE) n_in++;
    if ((uint32_t)k != n_in) return onnx_invalid(n, "equation names %d operands, the node has %u inputs", k, n_in);
    int n_ell = 0; /* dims the ellipsis spans: the most any operand gives it */
    for (int i = 0; i < k; i++) {
        int rank = onnx_val(n, onnx_in(n, (uint32_t)i))->shape.rank, named = 0;
        for (size_t c = 0; c < lens[i]; c++) named += starts[i][c] != '.';
        if (named < (int)lens[i] && rank - named > n_ell) n_ell = rank - named;
    }
    int count[256] = {0};
    for (int i = 0; i < k; i++) {
        t[i].v = onnx_in(n, (uint32_t)i);
        IC_TRY(parse_term(n, starts[i], lens[i], onnx_val(n, t[i].v)->shape.rank, n_ell, &t[i]));
        for (int d = 0; d < t[i].n; d++) count[(unsigned char)t[i].letter[d]]++;
    }
    /* output letters */
    char out[IC_MAX_RANK + 1];
    int no = 0;
    if (arrow) {
        const char *o = arrow + 2;
        for (size_t i = 0; o[i]; i++) {
            if (no >= IC_MAX_RANK) return onnx_unsupported(n, "an output of rank above %d", IC_MAX_RANK);
            if (strncmp(o + i, "...", 3) == 0) {
                for (int e = 0; e < n_ell && no < IC_MAX_RANK; e++) out[no++] = (char)(1 + e);
                i += 2;
                continue;
            }
            if (!count[(unsigned char)o[i]] || find(out, no, o[i]) >= 0)
                return onnx_invalid(n, "output letter '%c' is not an input letter or is repeated", o[i]);
            out[no++] = o[i];
        }
    } else {
        for (int e = 0; e < n_ell; e++) out[no++] = (char)(1 + e);
        for (int c = 'A'; c <= 'z' && no <= IC_MAX_RANK; c++)
            if (count[c] == 1 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                if (no == IC_MAX_RANK) return onnx_unsupported(n, "an output of rank above %d", IC_MAX_RANK);
                out[no++] = (char)c;
            }
    }
    /* per operand: diagonals, then letters nothing else needs */
    for (int i = 0; i < k; i++) {
        bool found = true;
        while (found) IC_TRY(take_diagonal(n, &t[i], &found));
        bool keep[256] = {false};
        for (int j = 0; j < no; j++) keep[(unsigned char)out[j]] = true;
        for (int j = 0; j < k; j++)
            for (int d = 0; j != i && d < t[j].n; d++) keep[(unsigned char)t[j].letter[d]] = true;
        IC_TRY(sum_out(n, &t[i], keep));
    }
    /* contract left to right, keeping what the output or a later operand needs */
    for (int i = 1; i < k; i++) {
        bool keep[256] = {false};
        for (int j = 0; j < no; j++) keep[(unsigned char)out[j]] = true;
        for (int j = i + 1; j < k; j++)
            for (int d = 0; d < t[j].n; d++) keep[(unsigned char)t[j].letter[d]] = true;
        IC_TRY(contract(n, &t[0], &t[i], keep));
    }
    if (t[0].n != no) return onnx_invalid(n, "the equation's output does not match its operands");
    IC_TRY(permute(n, &t[0], out));
    if (t[0].v == onnx_in(n, 0)) IC_TRY(onnx_copy(n, t[0].v, &t[0].v)); /* an identity einsum */
    return onnx_set_out(n, 0, t[0].v);
}

const onnx_op_entry ic_onnx_ops_einsum[] = {
    {"Einsum", map_einsum},
    {NULL, NULL},
};
