/* test_text.c — the .graph text format: golden files round-trip byte for byte,
 * every error names file:line:col and the problem, and no input (random,
 * truncated, mutated, or under failing allocation) crashes the parser. */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/text.h"
#include "test_util.h"

/* --- helpers ------------------------------------------------------------------------ */

/* Reads a whole file (NUL-terminated, malloc'd); NULL if unreadable. */
static char *slurp(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1024 + 1 > cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, 1024, f);
        n += r;
        if (r == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

/* The text minus whole-line comments: what the printer must reproduce. */
static char *strip_comment_lines(const char *s) {
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) + 1 : strlen(s);
        const char *q = s;
        while (q < s + n && (*q == ' ' || *q == '\t')) q++;
        if (!(q < s + n && *q == '#')) {
            memcpy(o, s, n);
            o += n;
        }
        s += n;
    }
    *o = '\0';
    return out;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static ic_graph *parse_ok(const char *text, const char *filename) {
    ic_graph *g = NULL;
    ic_diag d = {0};
    ic_status st = ic_text_parse(text, strlen(text), filename, NULL, &g, &d);
    if (st != IC_OK) fprintf(stderr, "unexpected parse failure: %s\n", d.msg);
    assert_int_equal(st, IC_OK);
    assert_non_null(g);
    return g;
}

static char *print_graph(const ic_graph *g, bool canonical) {
    ic_strbuf b;
    ic_strbuf_init(&b);
    ic_diag d = {0};
    ic_status st = canonical ? ic_text_print_canonical(g, &b, &d) : ic_text_print(g, &b, &d);
    assert_int_equal(st, IC_OK);
    char *s = strdup(ic_strbuf_str(&b));
    ic_strbuf_free(&b);
    return s;
}

/* Parses text as "t.graph" and expects exactly status and message. */
static void expect_error_in(const char *text, const char *filename, ic_status status, const char *msg) {
    ic_graph *g = (ic_graph *)1;
    ic_diag d = {0};
    ic_status st = ic_text_parse(text, strlen(text), filename, NULL, &g, &d);
    if (st != status || strcmp(d.msg, msg) != 0)
        fprintf(stderr, "text:\n%s\nwant [%d] %s\ngot  [%d] %s\n", text, status, msg, st, d.msg);
    assert_null(g);
    assert_int_equal(st, status);
    assert_string_equal(d.msg, msg);
}

static void expect_error(const char *text, ic_status status, const char *msg) {
    expect_error_in(text, "t.graph", status, msg);
}

/* Any outcome but a crash: success with a graph, or failure with a message and no graph. */
static void parse_any(const char *text, size_t len) {
    ic_graph *g = (ic_graph *)1;
    ic_diag d = {0};
    ic_status st = ic_text_parse(text, len, "fuzz.graph", NULL, &g, &d);
    if (st == IC_OK) {
        /* whatever parses prints as text that parses back to the same text */
        assert_non_null(g);
        char *a = print_graph(g, false);
        ic_graph *g2 = parse_ok(a, "fuzz.graph");
        char *b = print_graph(g2, false);
        assert_string_equal(a, b);
        free(b);
        free(a);
        ic_graph_destroy(g2);
        ic_graph_destroy(g);
    } else {
        assert_null(g);
        assert_true(d.msg[0] != '\0');
        assert_null(strchr(d.msg, '\n'));
        assert_true(st == IC_ERR_PARSE || st == IC_ERR_INVALID || st == IC_ERR_IO || st == IC_ERR_UNSUPPORTED);
    }
}

/* --- golden files --------------------------------------------------------------------- */

#define MAX_FILES 512

static char *found[MAX_FILES]; /* paths collected by the walk */
static int n_found;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (type == FTW_F && ends_with(path, ".graph") && !strstr(path, "/tests/error/") && n_found < MAX_FILES)
        found[n_found++] = strdup(path);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every .graph under tests/lit and examples, sorted. */
static void walk_graph_files(void) {
    for (int i = 0; i < n_found; i++) free(found[i]);
    n_found = 0;
    nftw(IC_SOURCE_DIR "/tests/lit", collect, 16, FTW_PHYS);
    nftw(IC_SOURCE_DIR "/examples", collect, 16, FTW_PHYS);
    qsort(found, (size_t)n_found, sizeof *found, cmp_str);
}

static void free_walk(void) {
    for (int i = 0; i < n_found; i++) free(found[i]);
    n_found = 0;
}

static void test_lit_files_round_trip_byte_for_byte(void **state) {
    (void)state;
    walk_graph_files();
    int checked = 0;
    for (int i = 0; i < n_found; i++) {
        if (ends_with(found[i], ".err.graph")) continue;
        size_t len = 0;
        char *text = slurp(found[i], &len);
        assert_non_null(text);
        char *want = strip_comment_lines(text);
        ic_graph *g = NULL;
        ic_diag d = {0};
        ic_status st = ic_text_parse_file(found[i], NULL, &g, &d);
        if (st != IC_OK) fprintf(stderr, "%s\n", d.msg);
        assert_int_equal(st, IC_OK);
        char *got = print_graph(g, false);
        if (strcmp(got, want) != 0) fprintf(stderr, "%s does not round-trip; printed:\n%s", found[i], got);
        assert_string_equal(got, want);

        /* the canonical form parses back (beside the file, for its sidecar) and is a fixed point */
        char *canon = print_graph(g, true);
        ic_graph *g2 = parse_ok(canon, found[i]);
        char *canon2 = print_graph(g2, true);
        assert_string_equal(canon, canon2);
        assert_int_equal(g2->n_nodes, g->n_nodes);
        assert_int_equal(g2->n_values, g->n_values);
        for (uint32_t v = 0; v < g->n_values; v++) {
            assert_int_equal(g->values[v].dtype, g2->values[v].dtype);
            assert_true(ic_shape_equal(&g->values[v].shape, &g2->values[v].shape));
            if (g->values[v].data)
                assert_memory_equal(g->values[v].data, g2->values[v].data, ic_value_nbytes(&g->values[v]));
        }
        ic_graph_destroy(g2);
        ic_graph_destroy(g);
        free(canon2);
        free(canon);
        free(got);
        free(want);
        free(text);
        checked++;
    }
    free_walk();
    assert_true(checked >= 8);
}

static void test_lit_files_cover_every_op(void **state) {
    (void)state;
    bool seen[IC_OP_COUNT] = {0};
    walk_graph_files();
    for (int i = 0; i < n_found; i++) {
        if (ends_with(found[i], ".err.graph")) continue;
        ic_graph *g = NULL;
        ic_diag d = {0};
        assert_int_equal(ic_text_parse_file(found[i], NULL, &g, &d), IC_OK);
        for (uint32_t n = 0; n < g->n_nodes; n++) seen[g->nodes[n].op] = true;
        ic_graph_destroy(g);
    }
    free_walk();
    int missing = 0;
    for (int op = 0; op < IC_OP_COUNT; op++)
        if (!seen[op]) {
            fprintf(stderr, "no golden file uses op '%s'\n", ic_op_get((ic_op)op)->name);
            missing++;
        }
    assert_int_equal(missing, 0);
}

/* A *.err.graph file holds a line "# expect-error: TEXT"; parsing must fail
 * with a message that starts with the file's path and ends with TEXT. */
static void test_lit_error_files_fail_with_their_expected_message(void **state) {
    (void)state;
    walk_graph_files();
    int checked = 0;
    for (int i = 0; i < n_found; i++) {
        if (!ends_with(found[i], ".err.graph")) continue;
        size_t len = 0;
        char *text = slurp(found[i], &len);
        assert_non_null(text);
        const char *tag = strstr(text, "# expect-error: ");
        assert_non_null(tag);
        tag += strlen("# expect-error: ");
        char want[IC_DIAG_MSG_MAX];
        size_t wl = strcspn(tag, "\n");
        assert_true(wl < sizeof want);
        memcpy(want, tag, wl);
        want[wl] = '\0';
        ic_graph *g = NULL;
        ic_diag d = {0};
        ic_status st = ic_text_parse_file(found[i], NULL, &g, &d);
        assert_int_not_equal(st, IC_OK);
        assert_null(g);
        if (strncmp(d.msg, found[i], strlen(found[i])) != 0 || !ends_with(d.msg, want))
            fprintf(stderr, "%s: want ...%s\n got %s\n", found[i], want, d.msg);
        assert_int_equal(strncmp(d.msg, found[i], strlen(found[i])), 0);
        assert_true(ends_with(d.msg, want));
        free(text);
        checked++;
    }
    free_walk();
    assert_true(checked >= 3);
}

/* --- parse errors ---------------------------------------------------------------------- */

static void test_error_missing_close_paren(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%x\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:4:3: expected ',' or ')' after an input, got 'output'");
}

static void test_error_unknown_op(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = foo(%x)\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:3:17: unknown op 'foo'");
}

static void test_error_unknown_attribute_lists_accepted_ones(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%x) {alpha=1}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:27: relu has no attribute 'alpha' (it takes none)");
    expect_error("graph \"t\" {\n  input %x : f32[1,1,3,3]\n"
                 "  %y : f32[1,1,3,3] = max_pool2d(%x) {kernel=[1,1], group=1}\n  output %y\n}\n",
                 IC_ERR_PARSE,
                 "t.graph:3:53: max_pool2d has no attribute 'group' (accepted: kernel, strides, pads, dilations, "
                 "ceil_mode, layout)");
}

static void test_error_wrong_attribute_type(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = leaky_relu(%x) {alpha=\"big\"}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:33: leaky_relu attribute 'alpha' must be a float, got a string");
    expect_error("graph \"t\" {\n  input %x : f32[2,3]\n  %y : f32[2,3] = softmax(%x) {axis=1.5}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:32: softmax attribute 'axis' must be an int, got a float");
    expect_error("graph \"t\" {\n  input %x : f32[2,3]\n  %y : f32[3,2] = transpose(%x) {perm=[1.0,0]}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:34: transpose attribute 'perm' must be an int list, got a float list");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = cast(%x) {to=[1]}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:27: cast attribute 'to' must be a string, got an int list");
}

static void test_error_duplicate_attribute(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = clip(%x) {min=0, min=1}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:34: duplicate attribute 'min'");
}

static void test_error_undefined_value(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%z)\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:3:22: use of undefined value %z");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%x)\n  output %y, %\"no such\"\n}\n",
                 IC_ERR_PARSE, "t.graph:4:14: use of undefined value %\"no such\"");
    /* a node cannot use its own result */
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = add(%x, %y)\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:3:25: use of undefined value %y");
}

static void test_error_duplicate_name(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%x)\n  %y : f32[2] = relu(%x)\n"
                 "  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:4:3: value %y defined twice (first at line 3)");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  input %x : f32[2]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:3:9: value %x defined twice (first at line 2)");
    expect_error("graph \"t\" {\n  input %x : f32[4]\n  %a : f32[2], %a : f32[2] = split(%x)\n  output %a\n}\n",
                 IC_ERR_PARSE, "t.graph:3:16: value %a defined twice (first at line 3)");
}

static void test_error_declared_type_differs_from_inferred(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[1,3,8,8]\n  input %w : f32[4,3,3,3]\n"
                 "  %c1 : f32[1,4,7,8] = conv2d(%x, %w) {pads=[1,1,1,1]}\n  output %c1\n}\n",
                 IC_ERR_INVALID, "t.graph:4:9: conv2d result %c1 declared f32[1,4,7,8] but inferred f32[1,4,8,8]");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  input %y : f32[2]\n  %z : f32[2] = less(%x, %y)\n"
                 "  output %z\n}\n",
                 IC_ERR_INVALID, "t.graph:4:8: less result %z declared f32[2] but inferred bool[2]");
    expect_error("graph \"t\" {\n  input %x : f32[4]\n  %a : f32[2], %b : f32[3] = split(%x)\n  output %a\n}\n",
                 IC_ERR_INVALID, "t.graph:3:21: split result %b declared f32[3] but inferred f32[2]");
}

static void test_error_shape_inference_failure_gets_location(void **state) {
    (void)state;
    const char *text = "graph \"t\" {\n  input %x : f32[2]\n  input %y : f32[3]\n  %z : f32[3] = add(%x, %y)\n"
                       "  output %z\n}\n";
    ic_graph *g = NULL;
    ic_diag d = {0};
    assert_int_equal(ic_text_parse(text, strlen(text), "t.graph", NULL, &g, &d), IC_ERR_INVALID);
    assert_null(g);
    assert_int_equal(strncmp(d.msg, "t.graph:4:17: ", 14), 0);
    assert_non_null(strstr(d.msg, "%z"));
}

static void test_error_arity(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = add(%x)\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:3:17: add takes 2 inputs, got 1");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = gemm(%x)\n  output %y\n}\n", IC_ERR_PARSE,
                 "t.graph:3:17: gemm takes 2 to 3 inputs, got 1");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = concat {axis=0}\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:17: concat takes at least 1 input, got 0");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2], %z : f32[2] = relu(%x)\n  output %y\n}\n",
                 IC_ERR_PARSE, "t.graph:3:30: relu has 1 result, 2 declared");
}

static void test_error_constants(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  %c : f32[2] = constant\n  output %c\n}\n", IC_ERR_PARSE,
                 "t.graph:2:17: constant %c needs one of offset=, value=, ivalue=");
    expect_error("graph \"t\" {\n  %c : f32[2] = constant {value=[1.0,2.0], ivalue=[1,2]}\n  output %c\n}\n",
                 IC_ERR_PARSE, "t.graph:2:44: constant %c takes only one of offset=, value=, ivalue=");
    expect_error("graph \"t\" {\n  %c : f32[2,2] = constant {value=[1.0,2.0]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:29: constant %c of type f32[2,2] needs 4 entries, got 2");
    expect_error("graph \"t\" {\n  %c : i32[1] = constant {value=[1.0]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:27: constant %c: value= holds floats; use ivalue= for i32");
    expect_error("graph \"t\" {\n  %c : f32[1] = constant {ivalue=[1]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:27: constant %c: ivalue= holds ints; use value= for f32");
    expect_error("graph \"t\" {\n  %c : u8[2] = constant {ivalue=[1,256]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:26: constant %c: entry 1 (256) out of range for u8");
    expect_error("graph \"t\" {\n  %c : bool[1] = constant {ivalue=[2]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:28: constant %c: entry 0 (2) out of range for bool");
    expect_error("graph \"t\" {\n  %c : f32[1] = constant {value=[1e39]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:27: constant %c: entry 0 (1e+39) out of range for f32");
    expect_error("graph \"t\" {\n  %c : f16[1] = constant {value=[70000]}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:27: constant %c: entry 0 (70000.0) out of range for f16");
    expect_error("graph \"t\" {\n  %c : f32[1] = constant {offset=0}\n  output %c\n}\n", IC_ERR_INVALID,
                 "t.graph:2:27: constant %c has offset= but the graph names no weights file");
}

static void test_error_sidecar_missing(void **state) {
    (void)state;
    expect_error_in("graph \"t\" {\n  weights \"nope.weights\"\n  %c : f32[1] = constant {offset=0}\n  output %c\n}\n",
                    IC_SOURCE_DIR "/tests/lit/t.graph", IC_ERR_IO,
                    IC_SOURCE_DIR "/tests/lit/t.graph:2:11: cannot read weights file '" IC_SOURCE_DIR
                                  "/tests/lit/nope.weights': No such file or directory");
    expect_error_in("graph \"t\" {\n  weights \".\"\n  output %c\n}\n", IC_SOURCE_DIR "/tests/lit/t.graph", IC_ERR_IO,
                    IC_SOURCE_DIR "/tests/lit/t.graph:2:11: cannot read weights file '" IC_SOURCE_DIR
                                  "/tests/lit/.': Is a directory");
}

static void test_error_offset_past_end_of_sidecar(void **state) {
    (void)state;
    const char *file = IC_SOURCE_DIR "/tests/lit/t.graph";
    expect_error_in("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n  %c : f32[200] = constant {offset=0}\n"
                    "  output %c\n}\n",
                    file, IC_ERR_INVALID,
                    IC_SOURCE_DIR "/tests/lit/t.graph:3:29: constant %c (f32[200], 800 bytes) at offset 0 runs past "
                                  "the end of weights file 'tiny_cnn.weights' (448 bytes)");
    expect_error_in("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n  %c : f32[1] = constant {offset=445}\n"
                    "  output %c\n}\n",
                    file, IC_ERR_INVALID,
                    IC_SOURCE_DIR "/tests/lit/t.graph:3:27: constant %c (f32[1], 4 bytes) at offset 445 runs past "
                                  "the end of weights file 'tiny_cnn.weights' (448 bytes)");
    expect_error_in("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n"
                    "  %c : f32[1] = constant {offset=9223372036854775807}\n  output %c\n}\n",
                    file, IC_ERR_INVALID,
                    IC_SOURCE_DIR "/tests/lit/t.graph:3:27: constant %c (f32[1], 4 bytes) at offset "
                                  "9223372036854775807 runs past the end of weights file 'tiny_cnn.weights' (448 "
                                  "bytes)");
    expect_error_in("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n  %c : f32[1] = constant {offset=-4}\n"
                    "  output %c\n}\n",
                    file, IC_ERR_INVALID, IC_SOURCE_DIR "/tests/lit/t.graph:3:27: offset must be >= 0");
    /* the last 4 bytes and an empty tensor at the very end are fine */
    ic_graph *g = parse_ok("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n  %c : f32[1] = constant {offset=444}\n"
                           "  %e : f32[0] = constant {offset=448}\n  output %c, %e\n}\n",
                           file);
    assert_int_equal(g->weights_size, 448);
    assert_string_equal(g->weights_path, "tiny_cnn.weights");
    ic_graph_destroy(g);
}

static void test_error_weights_line_rules(void **state) {
    (void)state;
    const char *file = IC_SOURCE_DIR "/tests/lit/t.graph";
    expect_error_in("graph \"t\" {\n  input %x : f32[1]\n  weights \"tiny_cnn.weights\"\n  output %x\n}\n", file,
                    IC_ERR_PARSE, IC_SOURCE_DIR "/tests/lit/t.graph:3:3: the weights line must come before inputs and nodes");
    expect_error_in("graph \"t\" {\n  weights \"tiny_cnn.weights\"\n  weights \"tiny_cnn.weights\"\n}\n", file,
                    IC_ERR_PARSE, IC_SOURCE_DIR "/tests/lit/t.graph:3:3: duplicate weights line");
}

static void test_error_types(void **state) {
    (void)state;
    expect_error("graph \"t\" {\n  input %x : f33[2]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:2:14: unknown dtype 'f33' (known: f32 f16 bf16 i8 u8 i32 i64 bool)");
    expect_error("graph \"t\" {\n  input %x : f32[2,-1]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:2:20: dimension must be >= 0");
    expect_error("graph \"t\" {\n  input %x : f32[1,1,1,1,1,1,1,1,1]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:2:14: rank exceeds 8");
    expect_error("graph \"t\" {\n  input %x : f32[16777216,16777216]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:2:14: type has more than 2^44 elements");
    expect_error("graph \"t\" {\n  input %x : f32[99999999999999999999]\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:2:18: integer 99999999999999999999 out of range");
    expect_error("graph \"t\" {\n  input %x : f32\n  output %x\n}\n", IC_ERR_PARSE,
                 "t.graph:3:3: expected '[' after the dtype, got 'output'");
    /* the bound is on the product of the nonzero dims, inclusive */
    ic_graph *g = parse_ok("graph \"t\" {\n  input %x : f32[0,17592186044416]\n  output %x\n}\n", "t.graph");
    ic_graph_destroy(g);
}

static void test_error_lexical(void **state) {
    (void)state;
    expect_error("graph \"t {\n}\n", IC_ERR_PARSE, "t.graph:1:7: unterminated string");
    expect_error("graph \"t\" {\n  input %x : f32[2] $\n}\n", IC_ERR_PARSE, "t.graph:2:21: unexpected character '$'");
    expect_error("graph \"t\" {\n  input %\"\" : f32[2]\n}\n", IC_ERR_PARSE, "t.graph:2:9: empty value name");
    expect_error("graph \"t\" {\n  input % : f32[2]\n}\n", IC_ERR_PARSE,
                 "t.graph:2:9: expected a value name after '%'");
    expect_error("graph \"a\\qb\" {\n}\n", IC_ERR_PARSE, "t.graph:1:9: unknown escape '\\q'");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = leaky_relu(%x) {alpha=1e999}\n}\n",
                 IC_ERR_PARSE, "t.graph:3:39: float 1e999 out of range");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = leaky_relu(%x) {alpha=1.5x}\n}\n",
                 IC_ERR_PARSE, "t.graph:3:39: malformed number");
    const char nul[] = "graph \"t\" {\n  \0\n}\n";
    ic_graph *g = NULL;
    ic_diag d = {0};
    assert_int_equal(ic_text_parse(nul, sizeof nul - 1, "t.graph", NULL, &g, &d), IC_ERR_PARSE);
    assert_string_equal(d.msg, "t.graph:2:3: unexpected byte 0x00");
}

static void test_error_structure(void **state) {
    (void)state;
    expect_error("", IC_ERR_PARSE, "t.graph:1:1: expected 'graph', got end of file");
    expect_error("graph t {\n}\n", IC_ERR_PARSE, "t.graph:1:7: expected the graph name as a string, got 't'");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n", IC_ERR_PARSE,
                 "t.graph:3:1: expected 'input', 'output', 'weights', a node or '}', got end of file");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  output %x\n  input %y : f32[2]\n}\n", IC_ERR_PARSE,
                 "t.graph:4:3: expected ',' or '}' after the output line, got 'input'");
    expect_error("graph \"t\" {\n  input %x : f32[2]\n  output %x\n}\n}\n", IC_ERR_PARSE,
                 "t.graph:5:1: expected end of file after '}', got '}'");
}

static void test_error_without_filename_says_input(void **state) {
    (void)state;
    expect_error_in("graph \"t\" {\n  output %nope\n}\n", NULL, IC_ERR_PARSE, "<input>:2:10: use of undefined value %nope");
}

/* The example at the top of docs/graph-format.md parses (beside tests/lit, for its sidecar). */
static void test_docs_example_parses(void **state) {
    (void)state;
    size_t len = 0;
    char *doc = slurp(IC_SOURCE_DIR "/docs/graph-format.md", &len);
    assert_non_null(doc);
    char *start = strstr(doc, "## Example");
    assert_non_null(start);
    start = strstr(start, "```\n");
    assert_non_null(start);
    start += 4;
    char *end = strstr(start, "```");
    assert_non_null(end);
    *end = '\0';
    ic_graph *g = parse_ok(start, IC_SOURCE_DIR "/tests/lit/doc_example.graph");
    assert_int_equal(g->n_nodes, 6);
    ic_graph_destroy(g);
    free(doc);
}

static void test_parse_file_missing_is_io_error(void **state) {
    (void)state;
    ic_graph *g = (ic_graph *)1;
    ic_diag d = {0};
    assert_int_equal(ic_text_parse_file("/nonexistent/x.graph", NULL, &g, &d), IC_ERR_IO);
    assert_null(g);
    assert_string_equal(d.msg, "cannot read '/nonexistent/x.graph': No such file or directory");
}

/* --- robustness -------------------------------------------------------------------------- */

static void test_random_bytes_never_crash(void **state) {
    (void)state;
    static const char alphabet[] = "graph input output weights constant relu add split conv2d f32[1,2] %x %\"y\" "
                                   "\"s\" {}()[],:=#\n-1.5e3 inf nan 0 \\ \x80\xff";
    ic_test_rng r;
    ic_test_rng_seed(&r, 42);
    char buf[512];
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = (size_t)(ic_test_rng_next(&r) % sizeof buf);
        bool raw = iter % 3 == 0;
        for (size_t i = 0; i < len; i++)
            buf[i] = raw ? (char)(ic_test_rng_next(&r) & 0xff)
                         : alphabet[ic_test_rng_next(&r) % (sizeof alphabet - 1)];
        parse_any(buf, len);
    }
}

static void test_every_prefix_of_valid_files_fails_cleanly_or_parses(void **state) {
    (void)state;
    const char *files[] = {"tiny_cnn.graph", "movement.graph", "names.graph", "dtypes.graph"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/lit/%s", IC_SOURCE_DIR, files[f]);
        size_t len = 0;
        char *text = slurp(path, &len);
        assert_non_null(text);
        for (size_t n = 0; n <= len; n++) {
            /* a copy of exactly n bytes, so reading past it would be caught by ASan */
            char *copy = malloc(n ? n : 1);
            memcpy(copy, text, n);
            ic_graph *g = (ic_graph *)1;
            ic_diag d = {0};
            ic_status st = ic_text_parse(copy, n, path, NULL, &g, &d);
            if (st == IC_OK) {
                ic_graph_destroy(g);
            } else {
                assert_null(g);
                assert_true(d.msg[0] != '\0');
                assert_true(n < len);
            }
            if (n == len) assert_int_equal(st, IC_OK);
            free(copy);
        }
        free(text);
    }
}

static void test_mutated_valid_files_never_crash(void **state) {
    (void)state;
    const char *files[] = {"tiny_cnn.graph", "library.graph", "names.graph", "reduce.graph"};
    ic_test_rng r;
    ic_test_rng_seed(&r, 7);
    static const char interesting[] = "%\"[]{}(),:=-.e0123456789#\n\\";
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/lit/%s", IC_SOURCE_DIR, files[f]);
        size_t len = 0;
        char *text = slurp(path, &len);
        assert_non_null(text);
        char *copy = malloc(len + 1);
        for (int iter = 0; iter < 1500; iter++) {
            memcpy(copy, text, len);
            int edits = 1 + (int)(ic_test_rng_next(&r) % 4);
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t)(ic_test_rng_next(&r) % len);
                uint64_t how = ic_test_rng_next(&r) % 3;
                if (how == 0) copy[at] = (char)(ic_test_rng_next(&r) & 0xff);
                else if (how == 1) copy[at] = interesting[ic_test_rng_next(&r) % (sizeof interesting - 1)];
                else copy[at] = ' ';
            }
            parse_any(copy, len);
        }
        free(copy);
        free(text);
    }
}

/* 20000 nodes with quoted names on one line, and a 100000-entry constant:
 * everything the parser does must stay linear in the input. */
static void test_large_inputs_parse_in_linear_time(void **state) {
    (void)state;
    ic_strbuf b;
    ic_strbuf_init(&b);
    ic_strbuf_puts(&b, "graph \"big\" { input %\"v 0\" : f32[4]");
    for (int i = 1; i <= 20000; i++) ic_strbuf_printf(&b, " %%\"v %d\" : f32[4] = relu(%%\"v %d\")", i, i - 1);
    ic_strbuf_puts(&b, " %c : f32[100000] = constant {value=[");
    for (int i = 0; i < 100000; i++) ic_strbuf_puts(&b, i ? ",0.5" : "0.5");
    ic_strbuf_puts(&b, "]} output %\"v 20000\", %c }");
    ic_graph *g = parse_ok(ic_strbuf_str(&b), "big.graph");
    assert_int_equal(g->n_nodes, 20001);
    assert_true(((const float *)g->values[g->n_values - 1].data)[99999] == 0.5f);
    ic_graph_destroy(g);
    ic_strbuf_free(&b);
}

/* An allocator that fails after a budget of allocations and counts what is live. */
typedef struct fail_alloc {
    long budget; /* allocations left before failing */
    long live;   /* allocated and not yet freed */
} fail_alloc;

static void *fail_alloc_fn(void *ctx, size_t size) {
    fail_alloc *f = ctx;
    if (f->budget <= 0) return NULL;
    f->budget--;
    void *p = malloc(size);
    if (p) f->live++;
    return p;
}

static void fail_free_fn(void *ctx, void *p) {
    fail_alloc *f = ctx;
    if (p) f->live--;
    free(p);
}

static void test_allocation_failure_is_a_clean_error(void **state) {
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/lit/tiny_cnn.graph", IC_SOURCE_DIR);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    bool succeeded = false;
    for (long budget = 0; budget < 200 && !succeeded; budget++) {
        fail_alloc f = {.budget = budget};
        ic_allocator a = {fail_alloc_fn, fail_free_fn, &f};
        ic_graph *g = (ic_graph *)1;
        ic_diag d = {0};
        ic_status st = ic_text_parse(text, len, path, &a, &g, &d);
        if (st == IC_OK) {
            succeeded = true;
            ic_graph_destroy(g);
        } else {
            assert_int_equal(st, IC_ERR_NOMEM);
            assert_null(g);
            assert_non_null(strstr(d.msg, "out of memory"));
        }
        assert_int_equal(f.live, 0);
    }
    assert_true(succeeded);
    free(text);
}

/* --- printing ----------------------------------------------------------------------------- */

static void set_type(ic_graph *g, uint32_t v, ic_dtype dt, int rank, const int64_t *dims) {
    g->values[v].dtype = dt;
    g->values[v].shape = ic_test_shape(rank, dims);
}

static void test_print_every_attribute_kind(void **state) {
    (void)state;
    ic_graph *g = NULL;
    assert_int_equal(ic_graph_create(NULL, "attrs", &g), IC_OK);
    int64_t two[] = {2};
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &(ic_shape){.rank = 1, .dims = {2}});
    int64_t ints[] = {1, -2, 9223372036854775807};
    double floats[] = {0.5, 1.0, -0.0, 1e-05, 3e+20, 100000000.0};
    ic_attr attrs[] = {
        ic_attr_make_int("i", -3),
        ic_attr_make_float("f_whole", 1.0),
        ic_attr_make_float("f_small", 1e-05),
        ic_attr_make_float("f_ninf", -INFINITY),
        ic_attr_make_float("f_nan", NAN),
        ic_attr_make_float("f_f32", (double)0.1f),
        ic_attr_make_ints("is", ints, 3),
        ic_attr_make_ints("is_empty", NULL, 0),
        ic_attr_make_floats("fs", floats, 6),
        ic_attr_make_floats("fs_empty", NULL, 0),
        ic_attr_make_string("s_bare", "tanh"),
        ic_attr_make_string("s_space", "two words"),
        ic_attr_make_string("s_inf", "inf"),
        ic_attr_make_string("s_esc", "q\"b\\n\nt\x01"),
        ic_attr_make_string("s_empty", ""),
        ic_attr_make_string("s_digit", "1x"),
    };
    uint32_t n = ic_graph_add_node(g, IC_OP_RELU, &x, 1, 1, attrs, sizeof attrs / sizeof attrs[0]);
    set_type(g, g->nodes[n].outputs[0], IC_DT_F32, 1, two);
    ic_graph_add_output(g, g->nodes[n].outputs[0]);
    char *s = print_graph(g, false);
    assert_string_equal(s, "graph \"attrs\" {\n"
                           "  input %x : f32[2]\n"
                           "  %1 : f32[2] = relu(%x) {i=-3, f_whole=1.0, f_small=1e-05, f_ninf=-inf, f_nan=nan, "
                           "f_f32=0.100000001, is=[1,-2,9223372036854775807], is_empty=[], "
                           "fs=[0.5,1.0,-0.0,1e-05,3e+20,100000000.0], fs_empty=[], s_bare=tanh, "
                           "s_space=\"two words\", s_inf=\"inf\", s_esc=\"q\\\"b\\\\n\\nt\\x01\", s_empty=\"\", "
                           "s_digit=\"1x\"}\n"
                           "  output %1\n"
                           "}\n");
    free(s);
    ic_graph_destroy(g);
}

static void test_float_attributes_stay_floats_through_a_round_trip(void **state) {
    (void)state;
    /* an int literal where ops.def wants a float is stored as FLOAT and printed as one */
    ic_graph *g = parse_ok("graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = clip(%x) {min=0, max=6}\n"
                           "  %c : f32[2] = constant {value=[1,2]}\n  %z : f32[2] = add(%y, %c)\n  output %z\n}\n",
                           "t.graph");
    const ic_attr *mn = ic_node_attr(&g->nodes[0], "min");
    assert_int_equal(mn->kind, IC_ATTR_FLOAT);
    assert_true(mn->f == 0.0);
    assert_int_equal(ic_node_attr(&g->nodes[1], "value")->kind, IC_ATTR_FLOATS);
    char *s = print_graph(g, false);
    assert_string_equal(s, "graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = clip(%x) {min=0.0, max=6.0}\n"
                           "  %c : f32[2] = constant {value=[1.0,2.0]}\n  %z : f32[2] = add(%y, %c)\n  output %z\n}\n");
    ic_graph *g2 = parse_ok(s, "t.graph");
    char *s2 = print_graph(g2, false);
    assert_string_equal(s, s2);
    free(s2);
    free(s);
    ic_graph_destroy(g2);
    ic_graph_destroy(g);
}

static void test_print_canonical_renames_internal_values(void **state) {
    (void)state;
    /* an input named "0" must not collide with the renamed internals */
    ic_graph *g = parse_ok("graph \"t\" {\n  input %0 : f32[2]\n  input %b : f32[2]\n"
                           "  %sum : f32[2] = add(%0, %b)\n  %w : f32[2] = constant {value=[1.0,2.0]}\n"
                           "  %prod : f32[2] = mul(%sum, %w)\n  %\"out put\" : f32[2] = relu(%prod)\n"
                           "  output %\"out put\", %sum\n}\n",
                           "t.graph");
    char *s = print_graph(g, true);
    assert_string_equal(s, "graph \"t\" {\n  input %0 : f32[2]\n  input %b : f32[2]\n"
                           "  %sum : f32[2] = add(%0, %b)\n  %1 : f32[2] = constant {value=[1.0,2.0]}\n"
                           "  %2 : f32[2] = mul(%sum, %1)\n  %\"out put\" : f32[2] = relu(%2)\n"
                           "  output %\"out put\", %sum\n}\n");
    /* renaming an internal value does not change the canonical text */
    ic_graph *h = parse_ok("graph \"t\" {\n  input %0 : f32[2]\n  input %b : f32[2]\n"
                           "  %sum : f32[2] = add(%0, %b)\n  %weights : f32[2] = constant {value=[1.0,2.0]}\n"
                           "  %p : f32[2] = mul(%sum, %weights)\n  %\"out put\" : f32[2] = relu(%p)\n"
                           "  output %\"out put\", %sum\n}\n",
                           "t.graph");
    char *t = print_graph(h, true);
    assert_string_equal(s, t);
    free(t);
    free(s);
    ic_graph_destroy(h);
    ic_graph_destroy(g);
}

static void test_print_unnamed_and_clashing_values_stay_parseable(void **state) {
    (void)state;
    ic_graph *g = NULL;
    assert_int_equal(ic_graph_create(NULL, "built", &g), IC_OK);
    int64_t two[] = {2};
    ic_shape s2 = ic_test_shape(1, two);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s2);
    /* value 1: unnamed; value 2: named "1" (clashes with value 1's %1); value 3: named "x" like the input */
    uint32_t n1 = ic_graph_add_node(g, IC_OP_RELU, &x, 1, 1, NULL, 0);
    uint32_t v1 = g->nodes[n1].outputs[0];
    set_type(g, v1, IC_DT_F32, 1, two);
    uint32_t n2 = ic_graph_add_node(g, IC_OP_NEG, &v1, 1, 1, NULL, 0);
    uint32_t v2 = g->nodes[n2].outputs[0];
    set_type(g, v2, IC_DT_F32, 1, two);
    g->values[v2].name = "1";
    uint32_t n3 = ic_graph_add_node(g, IC_OP_ABS, &v2, 1, 1, NULL, 0);
    uint32_t v3 = g->nodes[n3].outputs[0];
    set_type(g, v3, IC_DT_F32, 1, two);
    g->values[v3].name = "x";
    uint32_t n4 = ic_graph_add_node(g, IC_OP_EXP, &v3, 1, 1, NULL, 0);
    uint32_t v4 = g->nodes[n4].outputs[0];
    set_type(g, v4, IC_DT_F32, 1, two);
    g->values[v4].name = "y";
    ic_graph_add_output(g, v4);
    char *s = print_graph(g, false);
    assert_string_equal(s, "graph \"built\" {\n  input %x : f32[2]\n  %1 : f32[2] = relu(%x)\n"
                           "  %1_1 : f32[2] = neg(%1)\n  %x_1 : f32[2] = abs(%1_1)\n  %y : f32[2] = exp(%x_1)\n"
                           "  output %y\n}\n");
    ic_graph *h = parse_ok(s, "t.graph");
    ic_graph_destroy(h);
    free(s);
    ic_graph_destroy(g);
}

static void test_print_inline_data_of_constants_made_by_passes(void **state) {
    (void)state;
    ic_graph *g = NULL;
    assert_int_equal(ic_graph_create(NULL, "consts", &g), IC_OK);
    float f[3] = {0.1f, -2.0f, INFINITY};
    int64_t i[2] = {-5, 1099511627776};
    uint16_t h[3] = {0x3c00, 0xc000, 0x0001};    /* f16 1, -2, smallest subnormal */
    uint16_t bf[2] = {0x3f80, 0x4049};           /* bf16 1, 3.140625 */
    uint8_t b[2] = {1, 0};
    int8_t i8[2] = {-128, 5};
    uint32_t cf = ic_graph_add_constant(g, "f", IC_DT_F32, &(ic_shape){.rank = 1, .dims = {3}}, f);
    uint32_t ci = ic_graph_add_constant(g, NULL, IC_DT_I64, &(ic_shape){.rank = 2, .dims = {1, 2}}, i);
    uint32_t ch = ic_graph_add_constant(g, "h", IC_DT_F16, &(ic_shape){.rank = 1, .dims = {3}}, h);
    uint32_t cb = ic_graph_add_constant(g, "bf", IC_DT_BF16, &(ic_shape){.rank = 1, .dims = {2}}, bf);
    uint32_t cbool = ic_graph_add_constant(g, "b", IC_DT_BOOL, &(ic_shape){.rank = 1, .dims = {2}}, b);
    uint32_t ci8 = ic_graph_add_constant(g, "q", IC_DT_I8, &(ic_shape){.rank = 1, .dims = {2}}, i8);
    uint32_t outs[] = {cf, ci, ch, cb, cbool, ci8};
    for (size_t k = 0; k < 6; k++) ic_graph_add_output(g, outs[k]);
    char *s = print_graph(g, false);
    assert_string_equal(s, "graph \"consts\" {\n"
                           "  %f : f32[3] = constant {value=[0.100000001,-2.0,inf]}\n"
                           "  %1 : i64[1,2] = constant {ivalue=[-5,1099511627776]}\n"
                           "  %h : f16[3] = constant {value=[1.0,-2.0,5.96046448e-08]}\n"
                           "  %bf : bf16[2] = constant {value=[1.0,3.140625]}\n"
                           "  %b : bool[2] = constant {ivalue=[1,0]}\n"
                           "  %q : i8[2] = constant {ivalue=[-128,5]}\n"
                           "  output %f, %1, %h, %bf, %b, %q\n"
                           "}\n");
    ic_graph *g2 = parse_ok(s, "t.graph");
    for (size_t k = 0; k < 6; k++) {
        const ic_value *a = &g->values[outs[k]], *c = &g2->values[g2->outputs[k]];
        assert_int_equal(a->dtype, c->dtype);
        assert_memory_equal(a->data, c->data, ic_value_nbytes(a));
    }
    char *s2 = print_graph(g2, false);
    assert_string_equal(s, s2);
    free(s2);
    free(s);
    ic_graph_destroy(g2);
    ic_graph_destroy(g);
}

static void test_constant_data_is_loaded(void **state) {
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/lit/tiny_cnn.graph", IC_SOURCE_DIR);
    ic_graph *g = NULL;
    ic_diag d = {0};
    assert_int_equal(ic_text_parse_file(path, NULL, &g, &d), IC_OK);
    /* values 1 and 2 are %w1 and %b1; see make_weights.py */
    const float *w1 = g->values[1].data, *b1 = g->values[2].data;
    assert_string_equal(g->values[1].name, "w1");
    assert_non_null(w1);
    for (int i = 0; i < 108; i++) assert_true(w1[i] == (float)(((i % 7) - 3) * 0.25));
    assert_true(b1[0] == 0.5f && b1[1] == -0.5f && b1[2] == 0.25f && b1[3] == 0.0f);
    assert_int_equal(g->nodes[0].line, 6);
    assert_int_equal(g->nodes[2].line, 8);
    ic_graph_destroy(g);

    g = parse_ok("graph \"t\" {\n  %a : i32[3] = constant {ivalue=[-1,0,2147483647]}\n"
                 "  %b : f32[2] = constant {value=[0.25,-inf]}\n  output %a, %b\n}\n",
                 "t.graph");
    const int32_t *a = g->values[0].data;
    const float *b = g->values[1].data;
    assert_int_equal(a[0], -1);
    assert_int_equal(a[2], 2147483647);
    assert_true(b[0] == 0.25f && isinf(b[1]) && b[1] < 0);
    ic_graph_destroy(g);
}

static void test_comments_and_layout_are_free_form(void **state) {
    (void)state;
    ic_graph *g = parse_ok("# leading comment\ngraph \"t\"{input %x:f32[2] # trailing\n"
                           "%y:f32[2]=relu(%x){}%z : f32[2] = exp ( %y )\n\n\toutput %z,%y}", "t.graph");
    char *s = print_graph(g, false);
    assert_string_equal(s, "graph \"t\" {\n  input %x : f32[2]\n  %y : f32[2] = relu(%x)\n  %z : f32[2] = exp(%y)\n"
                           "  output %z, %y\n}\n");
    free(s);
    ic_graph_destroy(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lit_files_round_trip_byte_for_byte),
        cmocka_unit_test(test_lit_files_cover_every_op),
        cmocka_unit_test(test_lit_error_files_fail_with_their_expected_message),
        cmocka_unit_test(test_error_missing_close_paren),
        cmocka_unit_test(test_error_unknown_op),
        cmocka_unit_test(test_error_unknown_attribute_lists_accepted_ones),
        cmocka_unit_test(test_error_wrong_attribute_type),
        cmocka_unit_test(test_error_duplicate_attribute),
        cmocka_unit_test(test_error_undefined_value),
        cmocka_unit_test(test_error_duplicate_name),
        cmocka_unit_test(test_error_declared_type_differs_from_inferred),
        cmocka_unit_test(test_error_shape_inference_failure_gets_location),
        cmocka_unit_test(test_error_arity),
        cmocka_unit_test(test_error_constants),
        cmocka_unit_test(test_error_sidecar_missing),
        cmocka_unit_test(test_error_offset_past_end_of_sidecar),
        cmocka_unit_test(test_error_weights_line_rules),
        cmocka_unit_test(test_error_types),
        cmocka_unit_test(test_error_lexical),
        cmocka_unit_test(test_error_structure),
        cmocka_unit_test(test_error_without_filename_says_input),
        cmocka_unit_test(test_docs_example_parses),
        cmocka_unit_test(test_parse_file_missing_is_io_error),
        cmocka_unit_test(test_random_bytes_never_crash),
        cmocka_unit_test(test_every_prefix_of_valid_files_fails_cleanly_or_parses),
        cmocka_unit_test(test_mutated_valid_files_never_crash),
        cmocka_unit_test(test_large_inputs_parse_in_linear_time),
        cmocka_unit_test(test_allocation_failure_is_a_clean_error),
        cmocka_unit_test(test_print_every_attribute_kind),
        cmocka_unit_test(test_float_attributes_stay_floats_through_a_round_trip),
        cmocka_unit_test(test_print_canonical_renames_internal_values),
        cmocka_unit_test(test_print_unnamed_and_clashing_values_stay_parseable),
        cmocka_unit_test(test_print_inline_data_of_constants_made_by_passes),
        cmocka_unit_test(test_constant_data_is_loaded),
        cmocka_unit_test(test_comments_and_layout_are_free_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
