/* test_fusion.c — the fuse pass, the kernel planner and scheduler, and the
 * fused kernels codegen emits for them.
 *
 * Decisions: .graph texts run through the lowering pipeline must come out
 * with the expected kernels — a layernorm (the op, and the decomposed
 * (x-mean)/sqrt(var+eps)*g+b pattern ONNX exports produce) is one kernel, a
 * GELU + bias + residual chain is one pointwise loop, softmax (op and
 * decomposed) one kernel, views fold into their consumers; an expensive node
 * is not fused into a broadcast, reductions over other rows stay apart. Every
 * dump after fusion still parses.
 *
 * Numbers: graphs of many small patterns over random shapes (odd sizes,
 * broadcasting, size-1 and empty dims, long rows, strided rows, views, bool
 * and integer chains) are lowered, compiled for each ISA with
 * -Wall -Wextra -Werror, run and compared with the reference interpreter on
 * the unlowered graph: f32 within rtol 1e-5 (atol 1e-6, 1e-5 for sums),
 * everything else exactly. IC_KEEP_TMP=1 keeps the generated files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/interp.h"
#include "ir/text.h"
#include "lower/kplan.h"
#include "lower/pipeline.h"
#include "runtime/compile.h"
#include "runtime/isa.h"
#include "test_build.h"
#include "test_util.h"

/* ------------------------------------------------------------------------- */
/* lowering and inspecting groups                                            */
/* ------------------------------------------------------------------------- */

static void lower(ic_graph *g) {
    ic_pipeline_options po = {.verify = true};
    ic_diag d = {0};
    if (ic_pipeline_run(g, &po, &d) != IC_OK) fail_msg("lowering %s: %s", g->name, d.msg);
}

static ic_graph *parse_lowered(const char *text) {
    ic_graph *g;
    ic_diag d = {0};
    if (ic_text_parse(text, strlen(text), NULL, NULL, &g, &d) != IC_OK) fail_msg("parse: %s", d.msg);
    lower(g);
    return g;
}

/* The group of the node producing the value named name. */
static uint32_t group_of(const ic_graph *g, const char *name) {
    for (uint32_t v = 0; v < g->n_values; v++)
        if (g->values[v].name && strcmp(g->values[v].name, name) == 0) {
            uint32_t p = g->values[v].producer;
            assert_int_not_equal(p, IC_NONE);
            return g->nodes[p].group;
        }
    fail_msg("no value %s", name);
    return IC_NONE;
}

static uint32_t n_kernels(const ic_graph *g) {
    uint32_t n = 0, last = IC_NONE;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ic_node *nd = &g->nodes[i];
        if (nd->op == IC_OP_CONSTANT) {
            assert_int_equal(nd->group, IC_NONE);
            continue;
        }
        assert_int_not_equal(nd->group, IC_NONE);
        if (nd->group != last) n++;
        last = nd->group;
    }
    return n;
}

/* The plan of group gid (asserts it plans). */
static void plan_group(const ic_graph *g, uint32_t gid, kp_plan *p) {
    kp_uses u;
    assert_int_equal(kp_uses_build(g, &u, NULL), IC_OK);
    uint8_t *in = calloc(g->n_nodes, 1);
    uint32_t *ids = malloc(g->n_nodes * sizeof *ids), n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].group == gid) {
            in[i] = 1;
            ids[n++] = i;
        }
    bool ok = kp_plan_build(g, &u, in, ids, n, p);
    if (!ok) fail_msg("group %u does not plan: %s", gid, p->why);
    free(in);
    free(ids);
    kp_uses_free(&u);
}

/* Printing the lowered graph gives text that parses again, with kernel annotations. */
static void check_dump_parses(const ic_graph *g) {
    ic_strbuf b;
    ic_strbuf_init(&b);
    ic_diag d = {0};
    assert_int_equal(ic_text_print(g, &b, &d), IC_OK);
    assert_non_null(strstr(ic_strbuf_str(&b), "# kernel 0"));
    ic_graph *back;
    if (ic_text_parse(ic_strbuf_str(&b), b.len, NULL, NULL, &back, &d) != IC_OK) fail_msg("dump does not parse: %s", d.msg);
    ic_graph_destroy(back);
    ic_strbuf_free(&b);
}

/* ------------------------------------------------------------------------- */
/* decisions                                                                 */
/* ------------------------------------------------------------------------- */

static void test_layernorm_op_one_kernel(void **state) {
    (void)state;
    ic_graph *g = parse_lowered("graph \"ln\" {\n"
                                "  input %x : f32[8,768]\n  input %bias : f32[768]\n  input %res : f32[8,768]\n"
                                "  input %gamma : f32[768]\n  input %beta : f32[768]\n"
                                "  %h : f32[8,768] = add(%x, %bias)\n"
                                "  %h2 : f32[8,768] = add(%h, %res)\n"
                                "  %y : f32[8,768] = layernorm(%h2, %gamma, %beta) {epsilon=1e-12}\n"
                                "  output %y, %h2\n}\n");
    assert_int_equal(n_kernels(g), 1); /* bias + residual + layernorm */
    kp_plan p;
    plan_group(g, 0, &p);
    assert_int_equal(p.n_stores, 2); /* the residual stream and the normalised value */
    assert_int_equal(p.n_phases, 3); /* mean, variance, output */
    assert_true(p.rmask != 0);
    kp_plan_free(&p);
    check_dump_parses(g);
    ic_graph_destroy(g);
}

/* The form torch.onnx.export gives nn.LayerNorm in older opsets. */
static const char *ln_onnx_text = "graph \"ln_onnx\" {\n"
                                  "  input %x : f32[4,3,32]\n  input %g : f32[32]\n  input %b : f32[32]\n"
                                  "  %two : f32[] = constant {value=[2.0]}\n"
                                  "  %eps : f32[] = constant {value=[1e-05]}\n"
                                  "  %m : f32[4,3,1] = reduce_mean(%x) {axes=[-1], keepdims=1}\n"
                                  "  %d : f32[4,3,32] = sub(%x, %m)\n"
                                  "  %p : f32[4,3,32] = pow(%d, %two)\n"
                                  "  %v : f32[4,3,1] = reduce_mean(%p) {axes=[-1], keepdims=1}\n"
                                  "  %ve : f32[4,3,1] = add(%v, %eps)\n"
                                  "  %s : f32[4,3,1] = sqrt(%ve)\n"
                                  "  %n : f32[4,3,32] = div(%d, %s)\n"
                                  "  %y1 : f32[4,3,32] = mul(%n, %g)\n"
                                  "  %y : f32[4,3,32] = add(%y1, %b)\n"
                                  "  output %y\n}\n";

static void test_decomposed_layernorm_one_kernel(void **state) {
    (void)state;
    ic_graph *g = parse_lowered(ln_onnx_text);
    assert_int_equal(n_kernels(g), 1);
    kp_plan p;
    plan_group(g, 0, &p);
    assert_int_equal(p.n_stores, 1); /* only %y leaves the kernel: mean, variance, ... stay in registers */
    assert_int_equal(p.n_phases, 3);
    kp_plan_free(&p);
    check_dump_parses(g);
    ic_graph_destroy(g);
}

static void test_rmsnorm_one_kernel(void **state) {
    (void)state;
    ic_graph *g = parse_lowered("graph \"rms\" {\n"
                                "  input %x : f32[6,64]\n  input %g : f32[64]\n"
                                "  %eps : f32[] = constant {value=[1e-06]}\n"
                                "  %sq : f32[6,64] = mul(%x, %x)\n"
                                "  %ms : f32[6,1] = reduce_mean(%sq) {axes=[1]}\n"
                                "  %e : f32[6,1] = add(%ms, %eps)\n"
                                "  %r : f32[6,1] = sqrt(%e)\n"
                                "  %ir : f32[6,1] = reciprocal(%r)\n"
                                "  %n : f32[6,64] = mul(%x, %ir)\n"
                                "  %y : f32[6,64] = mul(%n, %g)\n"
                                "  output %y\n}\n");
    assert_int_equal(n_kernels(g), 1);
    ic_graph_destroy(g);
}

static void test_gelu_bias_residual_one_loop(void **state) {
    (void)state;
    ic_graph *g = parse_lowered("graph \"gelu\" {\n"
                                "  input %x : f32[16,3072]\n  input %bias : f32[3072]\n  input %res : f32[16,3072]\n"
                                "  %h : f32[16,3072] = add(%x, %bias)\n"
                                "  %a : f32[16,3072] = gelu(%h)\n"
                                "  %y : f32[16,3072] = add(%a, %res)\n"
                                "  output %y\n}\n");
    assert_int_equal(n_kernels(g), 1);
    kp_plan p;
    plan_group(g, 0, &p);
    assert_int_equal(p.rmask, 0); /* a plain pointwise loop */
    assert_int_equal(p.n_phases, 1);
    assert_int_equal(p.n_loads, 3);
    assert_int_equal(p.n_stores, 1);
    kp_plan_free(&p);
    ic_graph_destroy(g);
    /* the erf form ONNX exports: x * 0.5 * (1 + erf(x / sqrt 2)) */
    g = parse_lowered("graph \"gelu_erf\" {\n"
                      "  input %x : f32[4,100]\n  input %bias : f32[100]\n"
                      "  %sq2 : f32[] = constant {value=[1.41421354]}\n"
                      "  %one : f32[] = constant {value=[1.0]}\n"
                      "  %half : f32[] = constant {value=[0.5]}\n"
                      "  %h : f32[4,100] = add(%x, %bias)\n"
                      "  %t : f32[4,100] = div(%h, %sq2)\n"
                      "  %e : f32[4,100] = erf(%t)\n"
                      "  %e1 : f32[4,100] = add(%e, %one)\n"
                      "  %m : f32[4,100] = mul(%h, %e1)\n"
                      "  %y : f32[4,100] = mul(%m, %half)\n"
                      "  output %y\n}\n");
    assert_int_equal(n_kernels(g), 1);
    ic_graph_destroy(g);
}

static void test_softmax_one_kernel(void **state) {
    (void)state;
    ic_graph *g = parse_lowered("graph \"sm\" {\n"
                                "  input %q : f32[2,4,16,16]\n  input %mask : f32[2,1,1,16]\n"
                                "  %scale : f32[] = constant {value=[0.125]}\n"
                                "  %s : f32[2,4,16,16] = mul(%q, %scale)\n"
                                "  %sm : f32[2,4,16,16] = add(%s, %mask)\n"
                                "  %y : f32[2,4,16,16] = softmax(%sm) {axis=-1}\n"
                                "  output %y\n}\n");
    assert_int_equal(n_kernels(g), 1); /* scale + mask + softmax */
    ic_graph_destroy(g);
    g = parse_lowered("graph \"sm_dec\" {\n"
                      "  input %x : f32[5,40]\n"
                      "  %m : f32[5,1] = reduce_max(%x) {axes=[1]}\n"
                      "  %d : f32[5,40] = sub(%x, %m)\n"
                      "  %e : f32[5,40] = exp(%d)\n"
                      "  %s : f32[5,1] = reduce_sum(%e) {axes=[1]}\n"
                      "  %y : f32[5,40] = div(%e, %s)\n"
                      "  output %y\n}\n");
    assert_int_equal(n_kernels(g), 1);
    ic_graph_destroy(g);
}

static void test_not_fused(void **state) {
    (void)state;
    /* exp of a [4,1] value broadcast over [4,8] would run 8 times per value */
    ic_graph *g = parse_lowered("graph \"bcast\" {\n"
                                "  input %a : f32[4,1]\n  input %x : f32[4,8]\n"
                                "  %e : f32[4,1] = exp(%a)\n"
                                "  %n : f32[4,1] = neg(%a)\n"
                                "  %y : f32[4,8] = add(%e, %x)\n"
                                "  %z : f32[4,8] = add(%n, %x)\n"
                                "  output %y, %z\n}\n");
    assert_int_not_equal(group_of(g, "e"), group_of(g, "y"));
    assert_int_equal(group_of(g, "n"), group_of(g, "z")); /* a cheap neg may be recomputed */
    ic_graph_destroy(g);
    /* a reduction over other rows than the kernel's stays apart */
    g = parse_lowered("graph \"rows\" {\n"
                      "  input %x : f32[4,8]\n"
                      "  %a : f32[4,1] = reduce_sum(%x) {axes=[1]}\n"
                      "  %b : f32[4,8] = sub(%x, %a)\n"
                      "  %c : f32[1,8] = reduce_sum(%b) {axes=[0]}\n"
                      "  output %c\n}\n");
    assert_int_equal(group_of(g, "a"), group_of(g, "b"));
    assert_int_not_equal(group_of(g, "b"), group_of(g, "c"));
    ic_graph_destroy(g);
}

static void test_views_fold(void **state) {
    (void)state;
    ic_graph *g = parse_lowered("graph \"views\" {\n"
                                "  input %x : f32[8,4]\n  input %z : f32[4,8]\n  input %u : f32[6,8]\n  input %b : f32[48]\n"
                                "  %t : f32[4,8] = transpose(%x) {perm=[1,0]}\n"
                                "  %y : f32[4,8] = add(%t, %z)\n"
                                "  %r0 : f32[6,8] = relu(%u)\n"
                                "  %r : f32[48] = reshape(%r0) {shape=[48]}\n"
                                "  %w : f32[48] = add(%r, %b)\n"
                                "  output %y, %w\n}\n");
    assert_int_equal(group_of(g, "t"), group_of(g, "y"));
    assert_int_equal(group_of(g, "r0"), group_of(g, "w"));
    assert_int_equal(group_of(g, "r"), group_of(g, "w"));
    assert_int_equal(n_kernels(g), 2);
    kp_plan p;
    plan_group(g, group_of(g, "y"), &p);
    assert_int_equal(p.n_stores, 1); /* no transposed copy */
    kp_plan_free(&p);
    ic_graph_destroy(g);
}

/* The ops of one fused pattern: from anchor, every neighbour (producer or
 * single consumer) whose op is in ops shares the anchor's kernel. */
static void expect_pattern(const ic_graph *g, uint32_t anchor, const ic_op *ops, int n_ops, int steps) {
    uint32_t gid = g->nodes[anchor].group, cur = anchor;
    /* producers, transitively */
    uint32_t stack[64], top = 0;
    stack[top++] = anchor;
    while (top) {
        const ic_node *n = &g->nodes[stack[--top]];
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            uint32_t p = g->values[n->inputs[k]].producer;
            if (p == IC_NONE || g->nodes[p].op == IC_OP_CONSTANT) continue;
            bool in = false;
            for (int i = 0; i < n_ops; i++) in |= g->nodes[p].op == ops[i];
            if (!in || g->nodes[p].group == gid) {
                if (in && top < 64) stack[top++] = p;
                continue;
            }
            /* an add may be a residual or bias outside the pattern: only its own ops must join */
            if (g->nodes[p].op == IC_OP_ADD) continue;
            fail_msg("%s %s is not in the kernel of %s", ic_op_get(g->nodes[p].op)->name,
                     g->values[g->nodes[p].outputs[0]].name, g->values[g->nodes[anchor].outputs[0]].name);
        }
    }
    /* consumers, along a single-reader chain */
    for (int s = 0; s < steps; s++) {
        uint32_t v = g->nodes[cur].outputs[0], reader = IC_NONE, readers = 0;
        for (uint32_t i = 0; i < g->n_nodes; i++)
            for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
                if (g->nodes[i].inputs[k] == v) reader = i, readers++;
        if (readers != 1) break;
        bool in = false;
        for (int i = 0; i < n_ops; i++) in |= g->nodes[reader].op == ops[i];
        if (!in) break;
        if (g->nodes[reader].group != gid)
            fail_msg("%s %s is not in the kernel of %s", ic_op_get(g->nodes[reader].op)->name,
                     g->values[g->nodes[reader].outputs[0]].name, g->values[g->nodes[anchor].outputs[0]].name);
        cur = reader;
    }
}

/* Small BERT-like and GPT-2-like encoders exported by tools/export_encoders.py
 * (opset 14: layer norms decomposed; GELU as erf or tanh forms): every layer
 * norm, softmax and GELU is one kernel. */
static void test_onnx_encoders(void **state) {
    (void)state;
    static const char *const files[] = {"bert_tiny.onnx", "gpt2_tiny.onnx"};
    for (int f = 0; f < 2; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/fixtures/onnx/%s", IC_SOURCE_DIR, files[f]);
        ic_graph *g;
        ic_diag d = {0};
        if (ic_compile_parse_file(path, NULL, &g, &d) != IC_OK) fail_msg("%s: %s", path, d.msg);
        lower(g);
        int lns = 0, gelus = 0, softmaxes = 0;
        static const ic_op ln_ops[] = {IC_OP_REDUCE_MEAN, IC_OP_SUB, IC_OP_POW, IC_OP_ADD, IC_OP_SQRT, IC_OP_DIV, IC_OP_MUL};
        static const ic_op gelu_ops[] = {IC_OP_DIV, IC_OP_ERF, IC_OP_ADD, IC_OP_MUL, IC_OP_TANH, IC_OP_POW};
        for (uint32_t i = 0; i < g->n_nodes; i++) {
            ic_op op = g->nodes[i].op;
            if (op == IC_OP_SQRT) {
                expect_pattern(g, i, ln_ops, 7, 3);
                lns++;
            } else if (op == IC_OP_ERF || op == IC_OP_TANH) {
                expect_pattern(g, i, gelu_ops, 6, 3);
                gelus++;
            } else if (op == IC_OP_SOFTMAX || op == IC_OP_LAYERNORM) {
                softmaxes += op == IC_OP_SOFTMAX;
                lns += op == IC_OP_LAYERNORM;
            }
        }
        assert_int_equal(lns, 5);      /* 2 per layer + the embedding / final one */
        assert_int_equal(gelus, 2);    /* one per layer */
        assert_int_equal(softmaxes, 2);
        /* the masked softmax of GPT-2 takes its where */
        for (uint32_t i = 0; i < g->n_nodes; i++)
            if (g->nodes[i].op == IC_OP_WHERE) {
                uint32_t v = g->nodes[i].outputs[0];
                for (uint32_t k = 0; k < g->n_nodes; k++)
                    if (g->nodes[k].op == IC_OP_SOFTMAX && g->nodes[k].inputs[0] == v)
                        assert_int_equal(g->nodes[k].group, g->nodes[i].group);
            }
        check_dump_parses(g);
        ic_graph_destroy(g);
    }
}

/* ------------------------------------------------------------------------- */
/* numbers: random patterns, compiled per ISA                                */
/* ------------------------------------------------------------------------- */

static ic_diag g_d;

static uint32_t in_f(ic_graph *g, const char *name, ic_shape s) {
    uint32_t v = ic_graph_add_input(g, name, IC_DT_F32, &s);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static uint32_t in_t(ic_graph *g, const char *name, ic_dtype t, ic_shape s) {
    uint32_t v = ic_graph_add_input(g, name, t, &s);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static uint32_t op(ic_graph *g, ic_op o, const uint32_t *in, uint32_t n, const ic_attr *a, uint32_t na) {
    uint32_t v = ic_graph_build(g, o, in, n, a, na, &g_d);
    if (v == IC_NONE) fail_msg("building %s: %s", ic_op_get(o)->name, g_d.msg);
    return v;
}
#define OP1(g, o, a) op(g, o, (uint32_t[]){a}, 1, NULL, 0)
#define OP2(g, o, a, b) op(g, o, (uint32_t[]){a, b}, 2, NULL, 0)
#define OPA(g, o, a, ...) op(g, o, (uint32_t[]){a}, 1, (ic_attr[]){__VA_ARGS__}, sizeof((ic_attr[]){__VA_ARGS__}) / sizeof(ic_attr))

static uint32_t scalar(ic_graph *g, float x) {
    ic_shape s = {.rank = 0};
    uint32_t v = ic_graph_add_constant(g, NULL, IC_DT_F32, &s, &x);
    assert_int_not_equal(v, IC_NONE);
    return v;
}

static void out(ic_graph *g, uint32_t v, const char *name) {
    g->values[v].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, v));
}

static ic_shape S(int rank, int64_t a, int64_t b, int64_t c, int64_t d) {
    ic_shape s = {.rank = rank};
    int64_t v[4] = {a, b, c, d};
    for (int i = 0; i < rank; i++) s.dims[i] = v[i];
    return s;
}

/* A random extent: mostly odd, sometimes 1 or a vector multiple. */
static int64_t pick(ic_test_rng *r, const int64_t *choices, int n) { return choices[ic_test_rng_next(r) % (uint64_t)n]; }

static const int64_t k_rows[] = {1, 2, 3, 5, 7};
static const int64_t k_lens[] = {1, 3, 15, 16, 17, 33, 64, 100, 257};

/* Adds one instance of every pattern to g, shapes drawn from r; names get prefix p. */
static void patterns(ic_graph *g, ic_test_rng *r, int p) {
    char nm[64];
#define NAME(s) (snprintf(nm, sizeof nm, "p%d_%s", p, s), nm)
    int64_t R = pick(r, k_rows, 5), L = pick(r, k_lens, 9), C = pick(r, k_lens, 9);
    /* 1. pointwise chain with broadcasting: gelu(x * s + b) + r, tanh-gelu, sigmoid gate */
    {
        uint32_t x = in_f(g, NAME("x"), S(3, R, 3, C, 0)), b = in_f(g, NAME("b"), S(1, C, 0, 0, 0));
        uint32_t s = in_f(g, NAME("s"), S(3, R, 1, 1, 0)), res = in_f(g, NAME("r"), S(3, R, 3, C, 0));
        uint32_t h = OP2(g, IC_OP_ADD, OP2(g, IC_OP_MUL, x, s), b);
        out(g, OP2(g, IC_OP_ADD, OP1(g, IC_OP_GELU, h), res), NAME("gelu"));
        uint32_t gt = OPA(g, IC_OP_GELU, h, ic_attr_make_string("approximate", "tanh"));
        uint32_t sg = OP2(g, IC_OP_MUL, OP1(g, IC_OP_SIGMOID, gt), OP1(g, IC_OP_TANH, x));
        uint32_t hs = OP1(g, IC_OP_HARDSWISH, OP2(g, IC_OP_SUB, sg, OP1(g, IC_OP_ABS, res)));
        out(g, OP2(g, IC_OP_MAX, OP2(g, IC_OP_MIN, hs, scalar(g, 1.5f)), OP1(g, IC_OP_NEG, x)), NAME("chain"));
    }
    /* 2. bias + residual + layernorm op, and its decomposed ONNX form */
    {
        uint32_t x = in_f(g, NAME("lx"), S(2, R, L, 0, 0)), b = in_f(g, NAME("lb"), S(1, L, 0, 0, 0));
        uint32_t rs = in_f(g, NAME("lr"), S(2, R, L, 0, 0)), gm = in_f(g, NAME("lg"), S(1, L, 0, 0, 0));
        uint32_t h = OP2(g, IC_OP_ADD, OP2(g, IC_OP_ADD, x, b), rs);
        out(g, h, NAME("lh"));
        uint32_t ln = op(g, IC_OP_LAYERNORM, (uint32_t[]){h, gm, b}, 3, (ic_attr[]){ic_attr_make_float("epsilon", 1e-5)}, 1);
        out(g, ln, NAME("ln"));
        int64_t ax[] = {-1};
        ic_attr mean_a[] = {ic_attr_make_ints("axes", ax, 1), ic_attr_make_int("keepdims", 1)};
        uint32_t m = op(g, IC_OP_REDUCE_MEAN, &h, 1, mean_a, 2);
        uint32_t d = OP2(g, IC_OP_SUB, h, m);
        uint32_t v = op(g, IC_OP_REDUCE_MEAN, (uint32_t[]){OP2(g, IC_OP_POW, d, scalar(g, 2.0f))}, 1, mean_a, 2);
        uint32_t sd = OP1(g, IC_OP_SQRT, OP2(g, IC_OP_ADD, v, scalar(g, 1e-5f)));
        out(g, OP2(g, IC_OP_ADD, OP2(g, IC_OP_MUL, OP2(g, IC_OP_DIV, d, sd), gm), b), NAME("ln_onnx"));
        /* RMSnorm */
        uint32_t ms = op(g, IC_OP_REDUCE_MEAN, (uint32_t[]){OP2(g, IC_OP_MUL, x, x)}, 1, mean_a, 2);
        uint32_t ir = OP1(g, IC_OP_RECIPROCAL, OP1(g, IC_OP_SQRT, OP2(g, IC_OP_ADD, ms, scalar(g, 1e-6f))));
        out(g, OP2(g, IC_OP_MUL, OP2(g, IC_OP_MUL, x, ir), gm), NAME("rms"));
    }
    /* 3. softmax / log_softmax on the last axis and on a middle one (strided rows), decomposed softmax */
    {
        int64_t T = pick(r, k_lens, 9);
        uint32_t x = in_f(g, NAME("sx"), S(3, R, 5, T, 0)), mk = in_f(g, NAME("sm"), S(3, R, 1, T, 0));
        uint32_t sx = OP2(g, IC_OP_ADD, OP2(g, IC_OP_MUL, x, scalar(g, 0.125f)), mk);
        out(g, OPA(g, IC_OP_SOFTMAX, sx, ic_attr_make_int("axis", -1)), NAME("softmax"));
        out(g, OPA(g, IC_OP_LOG_SOFTMAX, sx, ic_attr_make_int("axis", 1)), NAME("logsoftmax1"));
        out(g, OPA(g, IC_OP_SOFTMAX, x, ic_attr_make_int("axis", 1)), NAME("softmax1"));
        int64_t ax[] = {2};
        ic_attr ra[] = {ic_attr_make_ints("axes", ax, 1)};
        uint32_t m = op(g, IC_OP_REDUCE_MAX, &x, 1, ra, 1);
        uint32_t e = OP1(g, IC_OP_EXP, OP2(g, IC_OP_SUB, x, m));
        uint32_t s = op(g, IC_OP_REDUCE_SUM, &e, 1, ra, 1);
        out(g, OP2(g, IC_OP_DIV, e, s), NAME("softmax_dec"));
    }
    /* 4. reductions with producers: rows, columns, several axes, NaN, and an SE block */
    {
        uint32_t x = in_f(g, NAME("rx"), S(3, R, C, 7, 0));
        int64_t a0[] = {0}, a1[] = {1}, a12[] = {1, 2}, a2[] = {2};
        out(g, OPA(g, IC_OP_REDUCE_SUM, OP1(g, IC_OP_RELU, x), ic_attr_make_ints("axes", a12, 2)), NAME("sum12"));
        out(g, OPA(g, IC_OP_REDUCE_MEAN, OP2(g, IC_OP_MUL, x, x), ic_attr_make_ints("axes", a0, 1),
                   ic_attr_make_int("keepdims", 0)),
            NAME("mean0"));
        out(g, OPA(g, IC_OP_REDUCE_MAX, OP1(g, IC_OP_EXP, x), ic_attr_make_ints("axes", a1, 1)), NAME("max1"));
        float nanv[4] = {1.0f, NAN, -INFINITY, 2.0f};
        ic_shape ns = S(1, 4, 0, 0, 0);
        uint32_t nan_c = ic_graph_add_constant(g, NULL, IC_DT_F32, &ns, nanv);
        uint32_t y = in_f(g, NAME("ny"), S(2, 3, 4, 0, 0));
        out(g, OPA(g, IC_OP_REDUCE_MIN, OP2(g, IC_OP_ADD, y, nan_c), ic_attr_make_ints("axes", a1, 1)), NAME("nanmin"));
        out(g, OPA(g, IC_OP_REDUCE_MAX, OP2(g, IC_OP_ADD, y, nan_c), ic_attr_make_ints("axes", a1, 1)), NAME("nanmax"));
        (void)a2;
        /* SE: x * sigmoid(mean over H,W of hardswish(x)) */
        int64_t H = pick(r, k_rows, 5) + 2;
        uint32_t im = in_f(g, NAME("im"), S(4, 2, C, H, H + 1));
        uint32_t hs = OP1(g, IC_OP_HARDSWISH, im);
        uint32_t pool = OP1(g, IC_OP_GLOBAL_AVG_POOL, hs);
        out(g, OP2(g, IC_OP_MUL, hs, OP1(g, IC_OP_SIGMOID, pool)), NAME("se"));
    }
    /* 5. views: transpose, reshape inside a chain, slice, expand */
    {
        uint32_t x = in_f(g, NAME("vx"), S(3, R, 6, C, 0)), z = in_f(g, NAME("vz"), S(3, C, R, 6, 0));
        int64_t perm[] = {2, 0, 1};
        uint32_t t = OPA(g, IC_OP_TRANSPOSE, x, ic_attr_make_ints("perm", perm, 3));
        out(g, OP2(g, IC_OP_MUL, t, z), NAME("transpose_mul"));
        int64_t shp[] = {R * 3, 2 * C};
        uint32_t rs = OPA(g, IC_OP_RESHAPE, OP1(g, IC_OP_RELU, x), ic_attr_make_ints("shape", shp, 2));
        out(g, OP1(g, IC_OP_EXP, OP2(g, IC_OP_SUB, rs, scalar(g, 1.0f))), NAME("reshape_exp"));
        int64_t st[] = {1, 0}, en[] = {6, C}, ax[] = {1, 2}, sp[] = {2, 1};
        uint32_t sl = op(g, IC_OP_SLICE, &x, 1,
                         (ic_attr[]){ic_attr_make_ints("starts", st, 2), ic_attr_make_ints("ends", en, 2),
                                     ic_attr_make_ints("axes", ax, 2), ic_attr_make_ints("steps", sp, 2)},
                         4);
        out(g, OP1(g, IC_OP_TANH, sl), NAME("slice_tanh"));
        uint32_t col = in_f(g, NAME("col"), S(2, R, 1, 0, 0));
        int64_t es[] = {R, 9};
        uint32_t ex = OPA(g, IC_OP_EXPAND, col, ic_attr_make_ints("shape", es, 2));
        out(g, OP2(g, IC_OP_ADD, OP1(g, IC_OP_SIGMOID, ex), in_f(g, NAME("ew"), S(2, R, 9, 0, 0))), NAME("expand_add"));
    }
    /* 6. bool and integer chains */
    {
        uint32_t x = in_f(g, NAME("bx"), S(2, R, C, 0, 0));
        uint32_t pos = OP2(g, IC_OP_GREATER, x, scalar(g, 0.0f));
        uint32_t w = op(g, IC_OP_WHERE, (uint32_t[]){pos, x, OP2(g, IC_OP_MUL, x, scalar(g, 0.1f))}, 3, NULL, 0);
        out(g, OP1(g, IC_OP_SQRT, OP1(g, IC_OP_ABS, w)), NAME("where"));
        uint32_t ia = in_t(g, NAME("ia"), IC_DT_I32, S(2, R, C, 0, 0)), ib = in_t(g, NAME("ib"), IC_DT_I32, S(1, C, 0, 0, 0));
        uint32_t im = OP2(g, IC_OP_MUL, OP2(g, IC_OP_ADD, ia, ib), ia);
        uint32_t f = OPA(g, IC_OP_CAST, im, ic_attr_make_string("to", "f32"));
        out(g, OP2(g, IC_OP_ADD, f, x), NAME("int_chain"));
    }
    /* 7. empty and size-1 dims */
    {
        uint32_t e = in_f(g, NAME("e"), S(3, 3, 0, 5, 0));
        out(g, OP1(g, IC_OP_EXP, OP1(g, IC_OP_RELU, e)), NAME("empty_chain"));
        int64_t a1[] = {1};
        out(g, OPA(g, IC_OP_REDUCE_SUM, OP1(g, IC_OP_RELU, e), ic_attr_make_ints("axes", a1, 1)), NAME("empty_sum"));
        out(g, OPA(g, IC_OP_REDUCE_MEAN, e, ic_attr_make_ints("axes", a1, 1)), NAME("empty_mean"));
        uint32_t one = in_f(g, NAME("one"), S(3, R, 1, 1, 0));
        out(g, OPA(g, IC_OP_SOFTMAX, OP1(g, IC_OP_NEG, one), ic_attr_make_int("axis", -1)), NAME("softmax_len1"));
    }
#undef NAME
}

/* Long rows: sums of thousands of terms must keep tolerance. */
static void long_rows(ic_graph *g) {
    uint32_t x = in_f(g, "lx", S(2, 4, 3072, 0, 0)), b = in_f(g, "lb", S(1, 3072, 0, 0, 0));
    uint32_t h = OP2(g, IC_OP_ADD, x, b);
    out(g, OP1(g, IC_OP_LAYERNORM, h), "ln3072");
    out(g, OPA(g, IC_OP_SOFTMAX, h, ic_attr_make_int("axis", -1)), "softmax3072");
    uint32_t big = in_f(g, "big", S(2, 3, 20011, 0, 0));
    int64_t a1[] = {1};
    out(g, OPA(g, IC_OP_REDUCE_SUM, OP1(g, IC_OP_RELU, big), ic_attr_make_ints("axes", a1, 1)), "sum20011");
    out(g, OP1(g, IC_OP_REDUCE_MEAN, big), "mean_all");
    uint32_t wide = in_f(g, "wide", S(2, 128, 3072, 0, 0));
    out(g, OP2(g, IC_OP_ADD, OP1(g, IC_OP_GELU, OP2(g, IC_OP_ADD, wide, b)), wide), "gelu_wide");
    /* rows around 1e4 with spread 1e-2 (fill_inputs): the per-element f32
       arithmetic must not lose the mean's low part, which is 1e-5 of the row
       values but 10% of their spread */
    uint32_t o1 = in_f(g, "off1", S(2, 3, 768, 0, 0)), o2 = in_f(g, "off2", S(2, 5, 100, 0, 0));
    uint32_t og = in_f(g, "og", S(1, 100, 0, 0, 0)), ob = in_f(g, "ob", S(1, 100, 0, 0, 0));
    out(g, OP1(g, IC_OP_LAYERNORM, o1), "ln_off768");
    out(g, op(g, IC_OP_LAYERNORM, (uint32_t[]){o2, og, ob}, 3, NULL, 0), "ln_off100");
    out(g, OPA(g, IC_OP_LOG_SOFTMAX, o2, ic_attr_make_int("axis", -1)), "log_softmax_off100");
    int64_t ax[] = {-1}; /* the decomposed form rounds its mean to f32: that rounding must match */
    ic_attr mean_a[] = {ic_attr_make_ints("axes", ax, 1), ic_attr_make_int("keepdims", 1)};
    uint32_t d = OP2(g, IC_OP_SUB, o1, op(g, IC_OP_REDUCE_MEAN, &o1, 1, mean_a, 2));
    uint32_t v = op(g, IC_OP_REDUCE_MEAN, (uint32_t[]){OP2(g, IC_OP_MUL, d, d)}, 1, mean_a, 2);
    out(g, OP2(g, IC_OP_DIV, d, OP1(g, IC_OP_SQRT, OP2(g, IC_OP_ADD, v, scalar(g, 1e-5f)))), "ln_onnx_off768");
    /* rows with inf and NaN (fill_inputs) where the row's first term, or a later one, is special */
    uint32_t sp = in_f(g, "special", S(2, 4, 40, 0, 0));
    uint32_t sm = op(g, IC_OP_REDUCE_MEAN, &sp, 1, mean_a, 2);
    out(g, sm, "special_mean");
    out(g, OP2(g, IC_OP_SUB, sp, sm), "special_sub_mean");
    out(g, OP1(g, IC_OP_LAYERNORM, sp), "special_ln");
    out(g, OPA(g, IC_OP_SOFTMAX, sp, ic_attr_make_int("axis", -1)), "special_softmax");
    out(g, OPA(g, IC_OP_LOG_SOFTMAX, sp, ic_attr_make_int("axis", -1)), "special_log_softmax");
    /* outputs of 64 MiB and more are written with streaming stores (rows and pointwise loops) */
    uint32_t huge = in_f(g, "huge", S(2, 16384, 1024, 0, 0));
    out(g, OP1(g, IC_OP_LAYERNORM, huge), "ln_huge");
    out(g, OP1(g, IC_OP_RELU, huge), "relu_huge");
}

/* A random graph's inputs and its interpreter results (before lowering). */
typedef struct fcase {
    ic_tensor in[160];  /* inputs */
    ic_tensor want[96]; /* interpreter results on the unlowered graph */
} fcase;

enum { N_FB = 6 };
static ic_test_build g_fb[N_FB]; /* g: the graph, lowered by the build */
static fcase g_fc[N_FB];

static void fill_inputs(const ic_graph *g, fcase *fc, uint64_t seed) {
    ic_test_rng r;
    ic_test_rng_seed(&r, seed);
    assert_true(g->n_inputs <= 160);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        const ic_value *v = &g->values[g->inputs[i]];
        assert_int_equal(ic_tensor_alloc(v->dtype, &v->shape, &fc->in[i], NULL), IC_OK);
        ic_test_fill(&fc->in[i], &r, v->dtype == IC_DT_F32 ? -3 : -6, v->dtype == IC_DT_F32 ? 3 : 6);
        if (!strncmp(v->name, "off", 3)) { /* mean 1e4, standard deviation 1e-2 */
            float *x = fc->in[i].data;
            for (size_t k = 0; k < ic_tensor_numel(&fc->in[i]); k++) x[k] = 1e4f + x[k] * (0.01f / 1.7320508f);
        }
        if (!strcmp(v->name, "special")) { /* rows of 40: inf first, NaN first, inf later, -inf and inf later */
            float *x = fc->in[i].data;
            x[0] = INFINITY;
            x[40] = NAN;
            x[80 + 7] = INFINITY;
            x[120 + 3] = -INFINITY;
            x[120 + 9] = INFINITY;
        }
    }
}

static int setup_all(void **state) {
    (void)state;
    if (ic_test_build_root_init("ic_fusion") != 0) return -1;
    const char *host = ic_isa_detect();
    const char *isas[N_FB] = {host, host, "avx2", "sse", host, host};
    for (int i = 0; i < N_FB; i++) {
        ic_test_build *b = &g_fb[i];
        char name[32];
        snprintf(name, sizeof name, "fused%d", i);
        if (ic_graph_create(NULL, name, &b->g) != IC_OK) return -1;
        b->isa = isas[i];
        b->lower = true;
        if (i == 5) {
            long_rows(b->g);
        } else {
            ic_test_rng r;
            ic_test_rng_seed(&r, 1000 + (uint64_t)i);
            for (int k = 0; k < 3; k++) patterns(b->g, &r, k);
        }
        ic_diag d = {0};
        if (ic_verify(b->g, &d) != IC_OK) {
            fprintf(stderr, "%s: %s\n", name, d.msg);
            return -1;
        }
        fill_inputs(b->g, &g_fc[i], 77 + (uint64_t)i);
        if (ic_interp_run(b->g, g_fc[i].in, g_fc[i].want, &d) != IC_OK) {
            fprintf(stderr, "interp %s: %s\n", name, d.msg);
            return -1;
        }
    }
    ic_test_compile_all(g_fb, N_FB, "test_fusion"); /* lowers each graph, then codegen and cc */
    return 0;
}

static int teardown_all(void **state) {
    (void)state;
    for (int i = 0; i < N_FB; i++) {
        for (uint32_t k = 0; g_fb[i].g && k < g_fb[i].g->n_inputs; k++) ic_tensor_free(&g_fc[i].in[k]);
        for (uint32_t k = 0; g_fb[i].g && k < g_fb[i].g->n_outputs; k++) ic_tensor_free(&g_fc[i].want[k]);
        ic_graph_destroy(g_fb[i].g);
    }
    ic_test_build_root_remove();
    return 0;
}

/* Runs build i with `threads` threads and compares every output with the interpreter. */
static void check_build(int i, int threads) {
    ic_test_build *b = &g_fb[i];
    const fcase *fc = &g_fc[i];
    if (!strcmp(b->isa, "avx2") && !__builtin_cpu_supports("avx2")) return;
    ic_test_live l;
    ic_test_open(b, &l, threads);
    const ic_graph *g = b->g;
    ic_tensor got[96];
    assert_true(g->n_outputs <= 96);
    if (ic_test_run(&l, g, fc->in, got) != 0) fail_msg("run: %s", l.lm.last_error(l.m));
    int ok = 1;
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        char what[160];
        const char *name = g->values[g->outputs[k]].name;
        snprintf(what, sizeof what, "%s/%s/%s", g->name, b->isa, name);
        bool sums = strstr(name, "sum") || strstr(name, "mean") || strstr(name, "ln") || strstr(name, "rms") ||
                    strstr(name, "softmax") || strstr(name, "se");
        if (got[k].dtype == IC_DT_F32)
            ok &= ic_test_allclose(&got[k], &fc->want[k], 1e-5, sums ? 1e-5 : 1e-6, what);
        else
            ok &= ic_test_allclose(&got[k], &fc->want[k], 0, 0, what);
        ic_tensor_free(&got[k]);
    }
    ic_test_close(&l);
    if (!ok) fail_msg("%s (%s): outputs differ from the interpreter (generated C in %s)", g->name, b->isa, b->dir);
}

static void test_random_host(void **state) {
    (void)state;
    for (int i = 0; i < 2; i++) {
        check_build(i, 1);
        check_build(i, 2);
    }
    check_build(4, 2);
}

static void test_random_other_isas(void **state) {
    (void)state;
    check_build(2, 2);
    check_build(3, 2);
}

static void test_long_rows(void **state) {
    (void)state;
    check_build(5, 1);
    check_build(5, 2);
}

/* Every pattern fused into few kernels: far fewer than nodes. */
static void test_random_fusion_counts(void **state) {
    (void)state;
    const ic_graph *g = g_fb[0].g;
    uint32_t nodes = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) nodes += g->nodes[i].op != IC_OP_CONSTANT;
    uint32_t k = n_kernels(g);
    if (k * 3 > nodes) fail_msg("%u kernels for %u nodes", k, nodes);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layernorm_op_one_kernel),
        cmocka_unit_test(test_decomposed_layernorm_one_kernel),
        cmocka_unit_test(test_rmsnorm_one_kernel),
        cmocka_unit_test(test_gelu_bias_residual_one_loop),
        cmocka_unit_test(test_softmax_one_kernel),
        cmocka_unit_test(test_not_fused),
        cmocka_unit_test(test_views_fold),
        cmocka_unit_test(test_onnx_encoders),
        cmocka_unit_test(test_random_host),
        cmocka_unit_test(test_random_other_isas),
        cmocka_unit_test(test_long_rows),
        cmocka_unit_test(test_random_fusion_counts),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
