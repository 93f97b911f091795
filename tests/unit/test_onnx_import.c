/* test_onnx_import.c — the ONNX front end.
 *
 * Small models are built here with the generated protobuf-c structures,
 * serialized, imported and run with the reference interpreter: tensor
 * encodings (raw_data and every typed field, external data with its bounds),
 * opset migrations (attributes that became inputs, Softmax's 2-D coercion),
 * Constant forms, import-time folding of shape arithmetic, names, the single
 * unsupported-ops error, dynamic dims and their override, input bindings,
 * float64 demotion, the fold limit, and bad input
 * (garbage, every truncation of a valid model, absurd nesting) that must end
 * in a one-line error. The checked-in PyTorch exports in
 * tests/fixtures/onnx (tools/export_pytorch.py) are compiled through the
 * normal compile path and compared with PyTorch's outputs (rtol 1e-4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/interp.h"
#include "ir/onnx.h"
#include "onnx.pb-c.h"
#include "runtime/compile.h"
#include "runtime/loader.h"
#include "runtime/npy.h"
#include "test_util.h"

/* ------------------------------------------------------------------------- */
/* a tiny model builder over the protobuf-c structures                       */
/* ------------------------------------------------------------------------- */

#define MAX_ITEMS 32

/* Every allocation of one model, freed together. */
typedef struct builder {
    void *allocs[1024];                   /* owned memory */
    int n_allocs;                         /* used entries of allocs */
    Onnx__ModelProto model;               /* the model */
    Onnx__GraphProto graph;               /* its graph */
    Onnx__OperatorSetIdProto opset;       /* default-domain opset */
    Onnx__OperatorSetIdProto *opsets[1];  /* model.opset_import */
    Onnx__NodeProto *nodes[MAX_ITEMS];    /* graph.node */
    Onnx__ValueInfoProto *inputs[MAX_ITEMS];
    Onnx__ValueInfoProto *outputs[MAX_ITEMS];
    Onnx__TensorProto *inits[MAX_ITEMS];
} builder;

static void *balloc(builder *b, size_t n) {
    void *p = calloc(1, n ? n : 1);
    assert_non_null(p);
    assert_true(b->n_allocs < 1024);
    b->allocs[b->n_allocs++] = p;
    return p;
}

static char *bstr(builder *b, const char *s) {
    char *c = balloc(b, strlen(s) + 1);
    strcpy(c, s);
    return c;
}

static void builder_init(builder *b, int64_t opset) {
    memset(b, 0, sizeof *b);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->opset.domain = bstr(b, "");
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.has_ir_version = 1;
    b->model.ir_version = 8;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.graph = &b->graph;
    b->graph.name = bstr(b, "test");
    b->graph.node = b->nodes;
    b->graph.input = b->inputs;
    b->graph.output = b->outputs;
    b->graph.initializer = b->inits;
}

static void builder_free(builder *b) {
    for (int i = 0; i < b->n_allocs; i++) free(b->allocs[i]);
    b->n_allocs = 0;
}

/* A tensor value info; a negative dim becomes a dim_param "N". */
static Onnx__ValueInfoProto *vinfo(builder *b, const char *name, int32_t elem, int rank, const int64_t *dims) {
    Onnx__ValueInfoProto *v = balloc(b, sizeof *v);
    onnx__value_info_proto__init(v);
    v->name = bstr(b, name);
    Onnx__TypeProto *tp = balloc(b, sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = balloc(b, sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = elem;
    Onnx__TensorShapeProto *sp = balloc(b, sizeof *sp);
    onnx__tensor_shape_proto__init(sp);
    sp->n_dim = (size_t)rank;
    sp->dim = balloc(b, sizeof *sp->dim * (size_t)(rank + 1));
    for (int i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *dm = balloc(b, sizeof *dm);
        onnx__tensor_shape_proto__dimension__init(dm);
        if (dims[i] >= 0) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dm->dim_value = dims[i];
        } else {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dm->dim_param = bstr(b, "N");
        }
        sp->dim[i] = dm;
    }
    tt->shape = sp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    v->type = tp;
    return v;
}

static void add_input(builder *b, const char *name, int32_t elem, int rank, const int64_t *dims) {
    b->inputs[b->graph.n_input++] = vinfo(b, name, elem, rank, dims);
}

static void add_output(builder *b, const char *name) {
    b->outputs[b->graph.n_output++] = vinfo(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL);
}

/* A tensor with dims; data set by the caller. */
static Onnx__TensorProto *tensor(builder *b, const char *name, int32_t elem, int rank, const int64_t *dims) {
    Onnx__TensorProto *t = balloc(b, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = bstr(b, name);
    t->has_data_type = 1;
    t->data_type = elem;
    t->n_dims = (size_t)rank;
    t->dims = balloc(b, sizeof(int64_t) * (size_t)(rank + 1));
    memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
    return t;
}

static void set_raw(builder *b, Onnx__TensorProto *t, const void *data, size_t n) {
    t->has_raw_data = 1;
    t->raw_data.len = n;
    t->raw_data.data = balloc(b, n);
    memcpy(t->raw_data.data, data, n);
}

static Onnx__TensorProto *init_f32(builder *b, const char *name, int rank, const int64_t *dims, const float *v) {
    Onnx__TensorProto *t = tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, rank, dims);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    set_raw(b, t, v, n * sizeof(float));
    b->inits[b->graph.n_initializer++] = t;
    return t;
}

static Onnx__TensorProto *init_i64(builder *b, const char *name, int rank, const int64_t *dims, const int64_t *v) {
    Onnx__TensorProto *t = tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, rank, dims);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    t->n_int64_data = n;
    t->int64_data = balloc(b, n * sizeof(int64_t));
    memcpy(t->int64_data, v, n * sizeof(int64_t));
    b->inits[b->graph.n_initializer++] = t;
    return t;
}

/* A node "op(ins...) -> outs..." (names separated by spaces; "-" for an omitted input). */
static Onnx__NodeProto *node(builder *b, const char *op, const char *name, const char *ins, const char *outs) {
    Onnx__NodeProto *n = balloc(b, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = bstr(b, op);
    n->name = bstr(b, name);
    n->input = balloc(b, sizeof(char *) * MAX_ITEMS);
    n->output = balloc(b, sizeof(char *) * MAX_ITEMS);
    n->attribute = balloc(b, sizeof(Onnx__AttributeProto *) * MAX_ITEMS);
    const char *lists[2] = {ins, outs};
    for (int k = 0; k < 2; k++) {
        char *copy = bstr(b, lists[k]);
        for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
            const char *v = strcmp(tok, "-") == 0 ? "" : tok;
            if (k == 0) n->input[n->n_input++] = bstr(b, v);
            else n->output[n->n_output++] = bstr(b, v);
        }
    }
    b->nodes[b->graph.n_node++] = n;
    return n;
}

static Onnx__AttributeProto *attr(builder *b, Onnx__NodeProto *n, const char *name,
                                  Onnx__AttributeProto__AttributeType type) {
    Onnx__AttributeProto *a = balloc(b, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = bstr(b, name);
    a->has_type = 1;
    a->type = type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

static void attr_int(builder *b, Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

static void attr_float(builder *b, Onnx__NodeProto *n, const char *name, float v) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

static void attr_ints(builder *b, Onnx__NodeProto *n, const char *name, int k, const int64_t *v) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = (size_t)k;
    a->ints = balloc(b, sizeof(int64_t) * (size_t)(k + 1));
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)k);
}

static void attr_str(builder *b, Onnx__NodeProto *n, const char *name, const char *s) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.len = strlen(s);
    a->s.data = (uint8_t *)bstr(b, s);
}

/* Serializes the model (caller frees). */
static uint8_t *pack(builder *b, size_t *len) {
    *len = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(*len + 1);
    assert_non_null(buf);
    assert_int_equal(onnx__model_proto__pack(&b->model, buf), *len);
    return buf;
}

/* Imports the builder's model; returns the status, with the graph or the message. */
static ic_status import_b(builder *b, const char *path, const ic_onnx_options *opt, ic_graph **g, ic_diag *d) {
    size_t len;
    uint8_t *buf = pack(b, &len);
    memset(d, 0, sizeof *d);
    ic_status s = ic_onnx_import(buf, len, path, opt, NULL, g, d);
    free(buf);
    if (s != IC_OK) {
        assert_null(*g);
        assert_true(d->msg[0] != '\0');
        assert_null(strchr(d->msg, '\n'));
    }
    return s;
}

static ic_graph *import_ok(builder *b) {
    ic_graph *g = NULL;
    ic_diag d;
    ic_status s = import_b(b, "test.onnx", NULL, &g, &d);
    if (s != IC_OK) fail_msg("import failed: %s", d.msg);
    assert_int_equal(ic_verify(g, &d), IC_OK);
    return g;
}

/* Runs g on inputs with the interpreter; outputs freshly allocated. */
static void interp(ic_graph *g, const ic_tensor *in, ic_tensor *out) {
    ic_diag d = {0};
    ic_status s = ic_interp_run(g, in, out, &d);
    if (s != IC_OK) fail_msg("interp: %s", d.msg);
}

static ic_tensor tensor_f32(int rank, const int64_t *dims, const float *v) {
    ic_shape s = {.rank = rank};
    memcpy(s.dims, dims, sizeof(int64_t) * (size_t)rank);
    ic_tensor t;
    ic_diag d;
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &s, &t, &d), IC_OK);
    memcpy(t.data, v, ic_tensor_nbytes(&t));
    return t;
}

static void expect_f32(const ic_tensor *t, int rank, const int64_t *dims, const float *want) {
    assert_int_equal(t->dtype, IC_DT_F32);
    assert_int_equal(t->shape.rank, rank);
    for (int i = 0; i < rank; i++) assert_int_equal(t->shape.dims[i], dims[i]);
    for (size_t i = 0; i < ic_tensor_numel(t); i++) {
        float g = ((const float *)t->data)[i];
        if (fabsf(g - want[i]) > 1e-5f + 1e-5f * fabsf(want[i]))
            fail_msg("element %zu: got %.9g, want %.9g", i, (double)g, (double)want[i]);
    }
}

static int count_ops(const ic_graph *g, ic_op op) {
    int n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == op;
    return n;
}

/* ------------------------------------------------------------------------- */
/* tensor encodings                                                          */
/* ------------------------------------------------------------------------- */

/* The data of graph output 0 (a constant, via Identity of an initializer). */
static const void *const_output(ic_graph *g) {
    const ic_value *v = &g->values[g->outputs[0]];
    assert_non_null(v->data);
    return v->data;
}

static void test_typed_fields(void **state) {
    (void)state;
    static const int64_t d3[1] = {3};
    struct {
        int32_t elem;
        ic_dtype want;
    } cases[] = {
        {ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, IC_DT_F32}, {ONNX__TENSOR_PROTO__DATA_TYPE__INT64, IC_DT_I64},
        {ONNX__TENSOR_PROTO__DATA_TYPE__INT32, IC_DT_I32}, {ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, IC_DT_BOOL},
        {ONNX__TENSOR_PROTO__DATA_TYPE__INT8, IC_DT_I8},   {ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, IC_DT_U8},
        {ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, IC_DT_F16},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        builder b;
        builder_init(&b, 13);
        Onnx__TensorProto *t = tensor(&b, "c", cases[c].elem, 1, d3);
        switch (cases[c].want) {
        case IC_DT_F32:
            t->n_float_data = 3;
            t->float_data = balloc(&b, 3 * sizeof(float));
            t->float_data[0] = 1.5f, t->float_data[1] = -2.0f, t->float_data[2] = 1e30f;
            break;
        case IC_DT_I64:
            t->n_int64_data = 3;
            t->int64_data = balloc(&b, 3 * sizeof(int64_t));
            t->int64_data[0] = 1, t->int64_data[1] = -1, t->int64_data[2] = INT64_MAX;
            break;
        default: /* int32_data holds int32, bool, int8, uint8 and float16 bits */
            t->n_int32_data = 3;
            t->int32_data = balloc(&b, 3 * sizeof(int32_t));
            t->int32_data[0] = 1, t->int32_data[1] = cases[c].want == IC_DT_BOOL ? 0 : -2;
            t->int32_data[2] = cases[c].want == IC_DT_F16 ? 0x3c00 : 5;
            break;
        }
        b.inits[b.graph.n_initializer++] = t;
        node(&b, "Identity", "id", "c", "y");
        add_output(&b, "y");
        ic_graph *g = import_ok(&b);
        const ic_value *v = &g->values[g->outputs[0]];
        assert_int_equal(v->dtype, cases[c].want);
        const void *p = const_output(g);
        switch (cases[c].want) {
        case IC_DT_F32: assert_true(((const float *)p)[1] == -2.0f && ((const float *)p)[2] == 1e30f); break;
        case IC_DT_I64: assert_true(((const int64_t *)p)[2] == INT64_MAX); break;
        case IC_DT_I32: assert_int_equal(((const int32_t *)p)[1], -2); break;
        case IC_DT_BOOL: assert_true(((const uint8_t *)p)[0] == 1 && ((const uint8_t *)p)[1] == 0); break;
        case IC_DT_I8: assert_int_equal(((const int8_t *)p)[1], -2); break;
        case IC_DT_U8: assert_int_equal(((const uint8_t *)p)[1], 254); break;
        case IC_DT_F16: assert_int_equal(((const uint16_t *)p)[2], 0x3c00); break;
        default: break;
        }
        ic_graph_destroy(g);
        builder_free(&b);
    }
}

static void test_raw_and_bad_sizes(void **state) {
    (void)state;
    static const int64_t d4[1] = {4};
    float v[4] = {1, 2, 3, 4};
    /* raw_data */
    builder b;
    builder_init(&b, 13);
    init_f32(&b, "c", 1, d4, v);
    node(&b, "Identity", "id", "c", "y");
    add_output(&b, "y");
    ic_graph *g = import_ok(&b);
    assert_memory_equal(const_output(g), v, sizeof v);
    ic_graph_destroy(g);
    /* raw_data one byte short of its dims */
    b.inits[0]->raw_data.len = 15;
    ic_diag d;
    assert_int_equal(import_b(&b, "t.onnx", NULL, &g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "raw_data has 15 bytes but its dims need 16"));
    /* typed field with the wrong count */
    b.inits[0]->has_raw_data = 0;
    b.inits[0]->n_float_data = 3;
    b.inits[0]->float_data = balloc(&b, 3 * sizeof(float));
    assert_int_equal(import_b(&b, "t.onnx", NULL, &g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "float_data holds 3 values but its dims need 4"));
    /* absurd dims */
    b.inits[0]->dims[0] = (int64_t)1 << 50;
    assert_int_not_equal(import_b(&b, "t.onnx", NULL, &g, &d), IC_OK);
    /* double is not an inductc dtype */
    b.inits[0]->dims[0] = 4;
    b.inits[0]->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
    assert_int_equal(import_b(&b, "t.onnx", NULL, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "double"));
    builder_free(&b);
}

static void set_external(builder *b, Onnx__TensorProto *t, const char *loc, const char *off, const char *len) {
    t->has_raw_data = 0;
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    t->external_data = balloc(b, 3 * sizeof *t->external_data);
    const char *kv[3][2] = {{"location", loc}, {"offset", off}, {"length", len}};
    t->n_external_data = 0;
    for (int i = 0; i < 3; i++) {
        if (!kv[i][1]) continue;
        Onnx__StringStringEntryProto *e = balloc(b, sizeof *e);
        onnx__string_string_entry_proto__init(e);
        e->key = bstr(b, kv[i][0]);
        e->value = bstr(b, kv[i][1]);
        t->external_data[t->n_external_data++] = e;
    }
}

static void test_external_data(void **state) {
    (void)state;
    char dir[] = "/tmp/ic_onnx_extXXXXXX";
    assert_non_null(mkdtemp(dir));
    char wpath[256], mpath[256];
    snprintf(wpath, sizeof wpath, "%s/w.bin", dir);
    snprintf(mpath, sizeof mpath, "%s/model.onnx", dir);
    float file[8] = {0, 0, 0, 0, 10, 20, 30, 40};
    FILE *f = fopen(wpath, "wb");
    assert_non_null(f);
    fwrite(file, sizeof file, 1, f);
    fclose(f);

    static const int64_t d4[1] = {4};
    float dummy[4] = {0};
    builder b;
    builder_init(&b, 13);
    Onnx__TensorProto *t = init_f32(&b, "c", 1, d4, dummy);
    node(&b, "Identity", "id", "c", "y");
    add_output(&b, "y");
    ic_graph *g;
    ic_diag d;

    set_external(&b, t, "w.bin", "16", "16");
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_OK);
    assert_memory_equal(const_output(g), file + 4, 16);
    ic_graph_destroy(g);

    set_external(&b, t, "w.bin", "20", NULL); /* 16 bytes from 20: past the end */
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "past the end"));
    set_external(&b, t, "w.bin", "0", "12"); /* length disagrees with dims */
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_INVALID);
    set_external(&b, t, "../w.bin", "0", NULL);
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "leaves the model's directory"));
    set_external(&b, t, "/etc/passwd", "0", NULL);
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_INVALID);
    set_external(&b, t, "missing.bin", "0", NULL);
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_IO);
    set_external(&b, t, "w.bin", "-3", NULL);
    assert_int_equal(import_b(&b, mpath, NULL, &g, &d), IC_ERR_INVALID);
    builder_free(&b);
    unlink(wpath);
    rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* ops, opsets, folding                                                      */
/* ------------------------------------------------------------------------- */

/* Shape → Gather → Unsqueeze → Concat → Reshape folds to one reshape. */
static void test_shape_chain_folds(void **state) {
    (void)state;
    static const int64_t dx[3] = {2, 3, 4}, d1[1] = {1}, d0[1] = {0};
    int64_t zero = 0, minus1 = -1;
    builder b;
    builder_init(&b, 13);
    add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dx);
    init_i64(&b, "idx", 0, d0, &zero);
    init_i64(&b, "minus1", 1, d1, &minus1);
    init_i64(&b, "ax0", 1, d1, &zero);
    node(&b, "Shape", "shape", "x", "s");
    node(&b, "Gather", "gather", "s idx", "n");
    node(&b, "Unsqueeze", "unsq", "n ax0", "n1");
    node(&b, "Concat", "concat", "n1 minus1", "target");
    attr_int(&b, b.nodes[3], "axis", 0);
    node(&b, "Reshape", "reshape", "x target", "y");
    add_output(&b, "y");
    ic_graph *g = import_ok(&b);
    assert_int_equal(count_ops(g, IC_OP_RESHAPE), 1);
    assert_int_equal((int)g->n_nodes - count_ops(g, IC_OP_CONSTANT), 1);
    const ic_value *y = &g->values[g->outputs[0]];
    assert_int_equal(y->shape.rank, 2);
    assert_int_equal(y->shape.dims[0], 2);
    assert_int_equal(y->shape.dims[1], 12);
    assert_string_equal(y->name, "y");
    ic_graph_destroy(g);
    builder_free(&b);
}

/* Softmax before opset 13 flattens to 2-D at axis; from 13 it is per axis. */
static void test_softmax_opsets(void **state) {
    (void)state;
    static const int64_t dx[3] = {2, 2, 3};
    float x[12] = {1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 2, 2};
    for (int opset = 11; opset <= 13; opset += 2) {
        builder b;
        builder_init(&b, opset);
        add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dx);
        attr_int(&b, node(&b, "Softmax", "sm", "x", "y"), "axis", 1);
        add_output(&b, "y");
        ic_graph *g = import_ok(&b);
        ic_tensor in = tensor_f32(3, dx, x), out;
        interp(g, &in, &out);
        float want[12];
        if (opset < 13) { /* rows of 6: [2, 6] */
            for (int r = 0; r < 2; r++) {
                double sum = 0;
                for (int i = 0; i < 6; i++) sum += exp(x[r * 6 + i]);
                for (int i = 0; i < 6; i++) want[r * 6 + i] = (float)(exp(x[r * 6 + i]) / sum);
            }
        } else { /* along axis 1 of [2, 2, 3] */
            for (int a = 0; a < 2; a++)
                for (int c = 0; c < 3; c++) {
                    double e0 = exp(x[a * 6 + c]), e1 = exp(x[a * 6 + 3 + c]);
                    want[a * 6 + c] = (float)(e0 / (e0 + e1));
                    want[a * 6 + 3 + c] = (float)(e1 / (e0 + e1));
                }
        }
        expect_f32(&out, 3, dx, want);
        ic_tensor_free(&in);
        ic_tensor_free(&out);
        ic_graph_destroy(g);
        builder_free(&b);
    }
}

/* Attributes that became inputs: Squeeze/Unsqueeze/ReduceSum axes and Split
 * sizes (13), Slice (10), Clip bounds (11). The same chain both ways:
 * x [1,2,3] → squeeze [2,3] → clip [-1,3] → reduce_sum axis 0 → [3]
 * → unsqueeze [1,3] → slice dim 1 from 1 → [1,2] → split dim 1 → two [1,1]. */
static void test_attr_to_input_migrations(void **state) {
    (void)state;
    static const int64_t dx[3] = {1, 2, 3}, d1[1] = {1}, d2[1] = {2}, d0[1] = {0}, o[2] = {1, 1};
    float x[6] = {-3, -1, 0.5f, 2, 4, 9};
    int64_t zero = 0, one = 1, big = 100, sizes[2] = {1, 1};
    for (int opset = 9; opset <= 13; opset += 4) {
        builder b;
        builder_init(&b, opset);
        add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dx);
        Onnx__NodeProto *n;
        if (opset >= 13) {
            float lo = -1, hi = 3;
            init_i64(&b, "zero", 1, d1, &zero);
            init_i64(&b, "one", 1, d1, &one);
            init_i64(&b, "big", 1, d1, &big);
            init_i64(&b, "sizes", 1, d2, sizes);
            init_f32(&b, "lo", 0, d0, &lo);
            init_f32(&b, "hi", 0, d0, &hi);
            node(&b, "Squeeze", "sq", "x zero", "s");
            node(&b, "Clip", "clip", "s lo hi", "c");
            attr_int(&b, node(&b, "ReduceSum", "rs", "c zero", "r"), "keepdims", 0);
            node(&b, "Unsqueeze", "us", "r zero", "u");
            node(&b, "Slice", "sl", "u one big one", "v");
            attr_int(&b, node(&b, "Split", "sp", "v sizes", "y1 y2"), "axis", 1);
        } else {
            attr_ints(&b, node(&b, "Squeeze", "sq", "x", "s"), "axes", 1, &zero);
            n = node(&b, "Clip", "clip", "s", "c");
            attr_float(&b, n, "min", -1);
            attr_float(&b, n, "max", 3);
            n = node(&b, "ReduceSum", "rs", "c", "r");
            attr_ints(&b, n, "axes", 1, &zero);
            attr_int(&b, n, "keepdims", 0);
            attr_ints(&b, node(&b, "Unsqueeze", "us", "r", "u"), "axes", 1, &zero);
            n = node(&b, "Slice", "sl", "u", "v");
            attr_ints(&b, n, "starts", 1, &one);
            attr_ints(&b, n, "ends", 1, &big);
            attr_ints(&b, n, "axes", 1, &one);
            n = node(&b, "Split", "sp", "v", "y1 y2");
            attr_int(&b, n, "axis", 1);
            attr_ints(&b, n, "split", 2, sizes);
        }
        add_output(&b, "y1");
        add_output(&b, "y2");
        ic_graph *g = import_ok(&b);
        ic_tensor in = tensor_f32(3, dx, x), out[2];
        interp(g, &in, out);
        float w1 = 2, w2 = 3.5f;
        expect_f32(&out[0], 2, o, &w1);
        expect_f32(&out[1], 2, o, &w2);
        ic_tensor_free(&in);
        ic_tensor_free(&out[0]);
        ic_tensor_free(&out[1]);
        ic_graph_destroy(g);
        builder_free(&b);
    }
}

/* Constant's forms, and graph inputs that are also initializers. */
static void test_constants(void **state) {
    (void)state;
    static const int64_t d2[1] = {2};
    builder b;
    builder_init(&b, 13);
    attr_float(&b, node(&b, "Constant", "c1", "", "a"), "value_float", 2.5f);
    int64_t iv[2] = {7, -7};
    attr_ints(&b, node(&b, "Constant", "c2", "", "b"), "value_ints", 2, iv);
    Onnx__NodeProto *n = node(&b, "Constant", "c3", "", "c");
    Onnx__AttributeProto *a = attr(&b, n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    float tv[2] = {1, 2};
    a->t = tensor(&b, "", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d2);
    set_raw(&b, a->t, tv, sizeof tv);
    float w[2] = {10, 20};
    init_f32(&b, "w", 1, d2, w);
    add_input(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d2); /* also an initializer: a constant */
    node(&b, "Mul", "m", "c a", "ca");
    node(&b, "Add", "add", "ca w", "y");
    node(&b, "Cast", "cast", "b", "z");
    attr_int(&b, b.nodes[5], "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    add_output(&b, "y");
    add_output(&b, "z");
    ic_graph *g = import_ok(&b);
    assert_int_equal(g->n_inputs, 0);
    ic_tensor out[2];
    interp(g, NULL, out);
    float wy[2] = {12.5f, 25}, wz[2] = {7, -7};
    expect_f32(&out[0], 1, d2, wy);
    expect_f32(&out[1], 1, d2, wz);
    ic_tensor_free(&out[0]);
    ic_tensor_free(&out[1]);
    ic_graph_destroy(g);
    builder_free(&b);
}

/* Conv with auto_pad SAME_UPPER equals Conv with the explicit pads; 1-D conv goes through 2-D. */
static void test_conv_auto_pad_and_1d(void **state) {
    (void)state;
    static const int64_t dx[4] = {1, 1, 5, 5}, dw[4] = {1, 1, 3, 3};
    float x[25], w[9];
    for (int i = 0; i < 25; i++) x[i] = (float)(i % 7) - 3;
    for (int i = 0; i < 9; i++) w[i] = (float)i * 0.25f - 1;
    ic_tensor res[2];
    for (int k = 0; k < 2; k++) {
        builder b;
        builder_init(&b, 13);
        add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, dx);
        init_f32(&b, "w", 4, dw, w);
        Onnx__NodeProto *n = node(&b, "Conv", "conv", "x w", "y");
        int64_t strides[2] = {2, 2}, pads[4] = {1, 1, 1, 1};
        attr_ints(&b, n, "strides", 2, strides);
        if (k == 0) attr_str(&b, n, "auto_pad", "SAME_UPPER");
        else attr_ints(&b, n, "pads", 4, pads);
        add_output(&b, "y");
        ic_graph *g = import_ok(&b);
        ic_tensor in = tensor_f32(4, dx, x);
        interp(g, &in, &res[k]);
        ic_tensor_free(&in);
        ic_graph_destroy(g);
        builder_free(&b);
    }
    assert_int_equal(res[0].shape.dims[2], 3);
    assert_true(ic_test_allclose(&res[0], &res[1], 0, 0, "same_upper vs explicit"));
    ic_tensor_free(&res[0]);
    ic_tensor_free(&res[1]);

    /* 1-D: [1,1,5] with kernel [1,1,3] and pads [1,1] */
    static const int64_t dx1[3] = {1, 1, 5}, dw1[3] = {1, 1, 3};
    builder b;
    builder_init(&b, 13);
    add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dx1);
    float w1[3] = {1, 2, 3}, x1[5] = {1, 0, 0, 0, 1};
    init_f32(&b, "w", 3, dw1, w1);
    int64_t p1[2] = {1, 1};
    attr_ints(&b, node(&b, "Conv", "conv", "x w", "y"), "pads", 2, p1);
    add_output(&b, "y");
    ic_graph *g = import_ok(&b);
    ic_tensor in = tensor_f32(3, dx1, x1), out;
    interp(g, &in, &out);
    float want[5] = {2, 1, 0, 3, 2};
    expect_f32(&out, 3, dx1, want);
    ic_tensor_free(&in);
    ic_tensor_free(&out);
    ic_graph_destroy(g);
    builder_free(&b);
}

/* ------------------------------------------------------------------------- */
/* names, errors, bad input                                                  */
/* ------------------------------------------------------------------------- */

/* An output that is an Identity of an input gets a value of its own, named as in ONNX. */
static void test_output_names(void **state) {
    (void)state;
    static const int64_t d2[1] = {2};
    builder b;
    builder_init(&b, 13);
    add_input(&b, "in.put#1", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d2);
    node(&b, "Identity", "i1", "in.put#1", "out/1");
    node(&b, "Dropout", "dr", "in.put#1", "out:2");
    add_output(&b, "out/1");
    add_output(&b, "out:2");
    ic_graph *g = import_ok(&b);
    assert_string_equal(g->values[g->inputs[0]].name, "in.put#1");
    assert_string_equal(g->values[g->outputs[0]].name, "out/1");
    assert_string_equal(g->values[g->outputs[1]].name, "out:2");
    float x[2] = {1, 2};
    ic_tensor in = tensor_f32(1, d2, x), out[2];
    interp(g, &in, out);
    expect_f32(&out[0], 1, d2, x);
    expect_f32(&out[1], 1, d2, x);
    ic_tensor_free(&in);
    ic_tensor_free(&out[0]);
    ic_tensor_free(&out[1]);
    ic_graph_destroy(g);
    builder_free(&b);
}

/* Every unsupported op type in one message, with opset and node names. */
/* ------------------------------------------------------------------------- */
/* Einsum                                                                    */
/* ------------------------------------------------------------------------- */

/* The reference: every assignment of the letters of ref (an explicit
 * equation, ellipses spelled out as letters), size-1 dims broadcast, the
 * products summed into the output. */
static void naive_einsum(const char *ref, const ic_tensor *in, int n_in, ic_tensor *out) {
    const char *terms[8];
    int tlen[8], k = 0;
    const char *arrow = strstr(ref, "->"), *p = ref;
    while (p < arrow) {
        const char *e = p;
        while (e < arrow && *e != ',') e++;
        terms[k] = p, tlen[k++] = (int)(e - p);
        p = e + 1;
    }
    assert_int_equal(k, n_in);
    const char *o = arrow + 2;
    int olen = (int)strlen(o);
    char letters[32];
    int64_t size[128] = {0};
    int nl = 0;
    for (int t = 0; t < k; t++)
        for (int i = 0; i < tlen[t]; i++) {
            char c = terms[t][i];
            int64_t dsz = in[t].shape.dims[i];
            if (!size[(int)c]) letters[nl++] = c;
            if (dsz > size[(int)c]) size[(int)c] = dsz;
        }
    ic_shape os = {.rank = olen};
    for (int i = 0; i < olen; i++) os.dims[i] = size[(int)o[i]];
    ic_diag d;
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &os, out, &d), IC_OK);
    size_t on = ic_tensor_numel(out);
    double *acc = calloc(on ? on : 1, sizeof *acc);
    int64_t val[128] = {0};
    for (;;) {
        double prod = 1;
        for (int t = 0; t < k; t++) {
            size_t off = 0;
            for (int i = 0; i < tlen[t]; i++) {
                int64_t dsz = in[t].shape.dims[i];
                off = off * (size_t)dsz + (size_t)(dsz == 1 ? 0 : val[(int)terms[t][i]]);
            }
            prod *= ((const float *)in[t].data)[off];
        }
        size_t off = 0;
        for (int i = 0; i < olen; i++) off = off * (size_t)os.dims[i] + (size_t)val[(int)o[i]];
        acc[off] += prod;
        int l = 0; /* next assignment, odometer-style */
        while (l < nl && ++val[(int)letters[l]] == size[(int)letters[l]]) val[(int)letters[l++]] = 0;
        if (l == nl) break;
    }
    for (size_t i = 0; i < on; i++) ((float *)out->data)[i] = (float)acc[i];
    free(acc);
}

static void test_einsum(void **state) {
    (void)state;
    static const struct {
        const char *eq;   /* the ONNX equation */
        const char *ref;  /* the same, explicit, ellipses as letters */
        int n;            /* operands */
        int rank[3];      /* their ranks */
        int64_t dims[3][4]; /* and dims */
    } cases[] = {
        {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 4}, {4, 5}}},
        {"bij, bjk -> bik", "bij,bjk->bik", 2, {3, 3}, {{2, 3, 4}, {2, 4, 5}}},
        {"bij,bkj->bik", "bij,bkj->bik", 2, {3, 3}, {{2, 3, 4}, {2, 5, 4}}},
        {"ij->ji", "ij->ji", 1, {2}, {{3, 4}}},
        {"ii->i", "ii->i", 1, {2}, {{4, 4}}},
        {"ii", "ii->", 1, {2}, {{4, 4}}},          /* implicit output: the trace */
        {"iij->j", "iij->j", 1, {3}, {{3, 3, 4}}}, /* a diagonal, then summed */
        {"ij,ij->", "ij,ij->", 2, {2, 2}, {{3, 4}, {3, 4}}},
        {"i,j", "i,j->ij", 2, {1, 1}, {{3}, {5}}},
        {"iJ,Jk", "iJ,Jk->ik", 2, {2, 2}, {{3, 4}, {4, 2}}}, /* implicit, upper case */
        {"ijk->", "ijk->", 1, {3}, {{2, 3, 4}}},
        {"ij->i", "ij->i", 1, {2}, {{3, 4}}},
        {"bhid,bhjd->bhij", "bhid,bhjd->bhij", 2, {4, 4}, {{2, 3, 5, 4}, {2, 3, 6, 4}}},
        {"...ij,...jk->...ik", "yzij,zjk->yzik", 2, {4, 3}, {{2, 1, 3, 4}, {5, 4, 2}}}, /* broadcast ellipsis */
        {"...i->...", "abi->ab", 1, {3}, {{2, 3, 4}}},
        {"abc,cd,de->abe", "abc,cd,de->abe", 3, {3, 2, 2}, {{2, 3, 4}, {4, 5}, {5, 6}}},
        {"ij,jk,kl", "ij,jk,kl->il", 3, {2, 2, 2}, {{2, 3}, {3, 4}, {4, 2}}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        builder b;
        builder_init(&b, 13);
        char ins[16] = "";
        const char *names[3] = {"a", "b", "c"};
        for (int i = 0; i < cases[c].n; i++) {
            add_input(&b, names[i], ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, cases[c].rank[i], cases[c].dims[i]);
            strcat(ins, i ? " " : "");
            strcat(ins, names[i]);
        }
        attr_str(&b, node(&b, "Einsum", "einsum", ins, "y"), "equation", cases[c].eq);
        add_output(&b, "y");
        ic_graph *g = import_ok(&b);
        ic_tensor in[3], got[1], want;
        ic_test_rng r;
        ic_test_rng_seed(&r, 100 + c);
        for (int i = 0; i < cases[c].n; i++) {
            ic_shape sh = {.rank = cases[c].rank[i]};
            memcpy(sh.dims, cases[c].dims[i], sizeof(int64_t) * (size_t)sh.rank);
            ic_diag d;
            assert_int_equal(ic_tensor_alloc(IC_DT_F32, &sh, &in[i], &d), IC_OK);
            ic_test_fill(&in[i], &r, -1, 1);
        }
        interp(g, in, got);
        naive_einsum(cases[c].ref, in, cases[c].n, &want);
        char what[64];
        snprintf(what, sizeof what, "einsum '%s'", cases[c].eq);
        assert_true(ic_test_allclose(&got[0], &want, 1e-5, 1e-6, what));
        assert_int_equal(count_ops(g, IC_OP_MATMUL), cases[c].n - 1); /* one GEMM per contraction */
        for (int i = 0; i < cases[c].n; i++) ic_tensor_free(&in[i]);
        ic_tensor_free(&got[0]);
        ic_tensor_free(&want);
        ic_graph_destroy(g);
        builder_free(&b);
    }
    /* a contraction whose intermediate would need more than 8 dims */
    {
        static const int64_t d5[5] = {2, 2, 2, 2, 2};
        builder b;
        builder_init(&b, 13);
        const char *names[4] = {"p", "q", "r", "s"};
        for (int i = 0; i < 4; i++) add_input(&b, names[i], ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 5, d5);
        attr_str(&b, node(&b, "Einsum", "einsum", "p q r s", "y"), "equation", "abcde,fghij,abcde,fghij->");
        add_output(&b, "y");
        ic_graph *g;
        ic_diag d;
        assert_int_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_ERR_UNSUPPORTED);
        assert_non_null(strstr(d.msg, "more than 8 result dims"));
        builder_free(&b);
    }
    /* malformed equations: one clear line each */
    static const struct {
        const char *eq;   /* equation */
        const char *want; /* in the message */
    } bad[] = {
        {"ij,jk->ik", "names 2 operands, the node has 1"},
        {"ijk->i", "does not fit an input of rank 2"},
        {"ij->iz", "output letter 'z'"},
        {"i1->i", "'1' is not a letter"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        static const int64_t d2[2] = {3, 4};
        builder b;
        builder_init(&b, 13);
        add_input(&b, "a", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, d2);
        attr_str(&b, node(&b, "Einsum", "einsum", "a", "y"), "equation", bad[c].eq);
        add_output(&b, "y");
        ic_graph *g;
        ic_diag d;
        assert_int_not_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_OK);
        if (!strstr(d.msg, bad[c].want)) fail_msg("'%s': message '%s' lacks '%s'", bad[c].eq, d.msg, bad[c].want);
        builder_free(&b);
    }
}

static void test_unsupported_list(void **state) {
    (void)state;
    static const int64_t d2[1] = {2};
    builder b;
    builder_init(&b, 14);
    add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d2);
    add_input(&b, "p", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, d2);
    node(&b, "LSTM", "lstm_1", "x", "a");
    node(&b, "Relu", "relu", "a", "a2"); /* downstream of an unsupported node: not reported */
    node(&b, "LSTM", "lstm_2", "x", "b");
    node(&b, "NonMaxSuppression", "nms", "x", "c");
    node(&b, "Pad", "pad0", "x p", "d"); /* pads not constant */
    Onnx__NodeProto *n = node(&b, "FusedThing", "ft", "x", "e");
    n->domain = bstr(&b, "com.example");
    add_output(&b, "a2");
    ic_graph *g;
    ic_diag d;
    assert_int_equal(import_b(&b, "model.onnx", NULL, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "model.onnx: unsupported ONNX ops: LSTM (opset 14; nodes lstm_1, lstm_2)"));
    assert_non_null(strstr(d.msg, "NonMaxSuppression (opset 14; node nms)"));
    assert_non_null(strstr(d.msg, "Pad (opset 14; node pad0: pads must be a constant)"));
    assert_non_null(strstr(d.msg, "com.example.FusedThing (opset 0; node ft)"));
    assert_null(strstr(d.msg, "Relu"));
    builder_free(&b);
}

static void test_dynamic_dims(void **state) {
    (void)state;
    static const int64_t dx[2] = {-1, 3};
    builder b;
    builder_init(&b, 13);
    add_input(&b, "tokens", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, dx);
    node(&b, "Relu", "r", "tokens", "y");
    add_output(&b, "y");
    ic_graph *g;
    ic_diag d;
    assert_int_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "graph input 'tokens' has a dynamic dim 0 ('N')"));
    ic_onnx_input_shape ov = {.name = "tokens", .shape = {.rank = 2, .dims = {4, 3}}};
    ic_onnx_options opt = {.input_shapes = &ov, .n_input_shapes = 1};
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_OK);
    assert_int_equal(g->values[g->inputs[0]].shape.dims[0], 4);
    ic_graph_destroy(g);
    ov.name = "nope";
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_ERR_USAGE);
    builder_free(&b);
}

/* Garbage, every truncation of a valid model, bad references and absurd nesting: clean errors. */
static void test_bad_input(void **state) {
    (void)state;
    ic_graph *g = NULL;
    ic_diag d = {0};
    uint8_t junk[64];
    for (int i = 0; i < 64; i++) junk[i] = (uint8_t)(i * 37 + 11);
    assert_int_not_equal(ic_onnx_import(junk, sizeof junk, "junk.onnx", NULL, NULL, &g, &d), IC_OK);
    assert_null(g);

    static const int64_t d2[2] = {2, 2};
    float w[4] = {1, 2, 3, 4};
    builder b;
    builder_init(&b, 13);
    add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, d2);
    init_f32(&b, "w", 2, d2, w);
    node(&b, "MatMul", "mm", "x w", "y");
    add_output(&b, "y");
    size_t len;
    uint8_t *buf = pack(&b, &len);
    for (size_t cut = 0; cut < len; cut++) {
        memset(&d, 0, sizeof d);
        ic_status s = ic_onnx_import(buf, cut, "cut.onnx", NULL, NULL, &g, &d);
        if (s == IC_OK) {
            ic_graph_destroy(g);
            continue;
        }
        assert_null(g);
        assert_true(d.msg[0] && !strchr(d.msg, '\n'));
    }
    free(buf);

    /* an input that nothing defines; a cycle is the same to a topological walk */
    b.nodes[0]->input[0] = bstr(&b, "nowhere");
    assert_int_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "input 'nowhere' is not a graph input"));
    /* an output nothing produces */
    b.nodes[0]->input[0] = bstr(&b, "x");
    b.outputs[0]->name = bstr(&b, "ghost");
    assert_int_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_ERR_INVALID);
    builder_free(&b);

    /* graph → node → attribute(g) → graph ... 200 deep: refused before decoding */
    size_t cap = 1 << 16, n = 0;
    uint8_t *deep = malloc(cap), *tmp = malloc(cap);
    assert_true(deep && tmp);
    for (int level = 0; level < 200; level++) {
        /* wrap: Attribute{g=6: Graph} inside Node{attribute=5} inside Graph{node=1} */
        const uint8_t tags[3] = {(6 << 3) | 2, (5 << 3) | 2, (1 << 3) | 2};
        for (int k = 0; k < 3; k++) {
            size_t m = 0;
            tmp[m++] = tags[k];
            size_t v = n;
            do {
                tmp[m++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
                v >>= 7;
            } while (v);
            assert_true(m + n < cap);
            memcpy(tmp + m, deep, n);
            memcpy(deep, tmp, m + n);
            n += m;
        }
    }
    /* Model{graph=7: ...}, the length as a 3-byte varint */
    assert_true(n < (1u << 21) && n + 4 < cap);
    memmove(deep + 4, deep, n);
    deep[0] = (7 << 3) | 2;
    deep[1] = (uint8_t)((n & 0x7f) | 0x80);
    deep[2] = (uint8_t)(((n >> 7) & 0x7f) | 0x80);
    deep[3] = (uint8_t)((n >> 14) & 0x7f);
    n += 4;
    assert_int_equal(ic_onnx_import(deep, n, "deep.onnx", NULL, NULL, &g, &d), IC_ERR_PARSE);
    assert_non_null(strstr(d.msg, "nested more than"));
    free(deep);
    free(tmp);
}


/* Inputs that must be constants can be bound to values; float64 can be demoted. */
static void test_bindings_and_demotion(void **state) {
    (void)state;
    static const int64_t dx[2] = {2, 3}, d1[1] = {1};
    builder b;
    builder_init(&b, 13);
    add_input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 2, dx);
    add_input(&b, "shape", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, d1);
    node(&b, "Reshape", "r", "x shape", "y");
    add_output(&b, "y");
    ic_graph *g;
    ic_diag d;
    assert_int_equal(import_b(&b, "m.onnx", NULL, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "double"));
    ic_onnx_options opt = {.demote_f64 = true};
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "Reshape (opset 13; node r: shape must be a constant)"));
    int64_t six = 6;
    ic_shape s1 = {.rank = 1, .dims = {1}};
    ic_tensor t = {.dtype = IC_DT_I64, .shape = s1, .data = &six};
    ic_onnx_binding bind = {.name = "shape", .value = &t};
    opt.bindings = &bind;
    opt.n_bindings = 1;
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_OK);
    assert_int_equal(g->n_inputs, 1);
    assert_int_equal(g->values[g->inputs[0]].dtype, IC_DT_F32);
    assert_int_equal(g->values[g->outputs[0]].shape.dims[0], 6);
    ic_graph_destroy(g);
    t.dtype = IC_DT_I32; /* the bound value must have the input's dtype */
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_ERR_USAGE);
    builder_free(&b);
}

/* Folding stops at the fold limit instead of materialising huge constants. */
static void test_fold_limit(void **state) {
    (void)state;
    static const int64_t d2[1] = {2};
    int64_t big[2] = {1 << 20, 1 << 10};
    builder b;
    builder_init(&b, 13);
    init_i64(&b, "s", 1, d2, big);
    node(&b, "ConstantOfShape", "cos", "s", "y");
    add_output(&b, "y");
    ic_graph *g;
    ic_diag d;
    ic_onnx_options opt = {.fold_limit = 1 << 20};
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "fold limit"));
    b.inits[0]->int64_data[0] = 4;
    assert_int_equal(import_b(&b, "m.onnx", &opt, &g, &d), IC_OK);
    assert_int_equal(ic_value_numel(&g->values[g->outputs[0]]), 4 << 10);
    ic_graph_destroy(g);
    builder_free(&b);
}

/* ------------------------------------------------------------------------- */
/* PyTorch exports, compiled and compared with PyTorch's outputs             */
/* ------------------------------------------------------------------------- */

static void run_fixture(const char *name) {
    char model[512], path[512];
    snprintf(model, sizeof model, "%s/tests/fixtures/onnx/%s.onnx", IC_SOURCE_DIR, name);
    ic_diag d = {0};
    ic_compile_result res;
    ic_compile_options opt = {0};
    if (ic_compile_file(model, &opt, &res, &d) != IC_OK) fail_msg("%s: %s", name, d.msg);
    ic_loaded_model lm;
    if (ic_model_load(res.so_path, &lm, &d) != IC_OK) fail_msg("%s: %s", name, d.msg);
    const inductc_model_info *info = lm.info;
    ic_tensor in[4], want[4], got[4];
    inductc_tensor ain[4], aout[4];
    assert_true(info->n_inputs <= 4 && info->n_outputs <= 4);
    for (uint32_t i = 0; i < info->n_inputs; i++) {
        snprintf(path, sizeof path, "%s/tests/fixtures/onnx/%s.in%u.npy", IC_SOURCE_DIR, name, i);
        if (ic_npy_read(path, &in[i], &d) != IC_OK) fail_msg("%s", d.msg);
        ain[i] = (inductc_tensor){in[i].data, in[i].dtype, in[i].shape.rank, in[i].shape.dims};
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        snprintf(path, sizeof path, "%s/tests/fixtures/onnx/%s.out%u.npy", IC_SOURCE_DIR, name, i);
        if (ic_npy_read(path, &want[i], &d) != IC_OK) fail_msg("%s", d.msg);
        assert_int_equal(ic_tensor_alloc(want[i].dtype, &want[i].shape, &got[i], &d), IC_OK);
        aout[i] = (inductc_tensor){got[i].data, got[i].dtype, got[i].shape.rank, got[i].shape.dims};
    }
    inductc_model *inst;
    assert_int_equal(lm.create(NULL, &inst), 0);
    if (lm.run(inst, ain, info->n_inputs, aout, info->n_outputs) != 0) fail_msg("%s: %s", name, lm.last_error(inst));
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        assert_true(ic_test_allclose(&got[i], &want[i], 1e-4, 1e-5, name));
        ic_tensor_free(&got[i]);
        ic_tensor_free(&want[i]);
    }
    for (uint32_t i = 0; i < info->n_inputs; i++) ic_tensor_free(&in[i]);
    lm.destroy(inst);
    ic_model_unload(&lm);
}

static void test_pytorch_conv_bn(void **state) { (void)state; run_fixture("conv_bn"); }
static void test_pytorch_transformer(void **state) { (void)state; run_fixture("transformer"); }
static void test_pytorch_embed_ln(void **state) { (void)state; run_fixture("embed_ln"); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_fields),
        cmocka_unit_test(test_raw_and_bad_sizes),
        cmocka_unit_test(test_external_data),
        cmocka_unit_test(test_shape_chain_folds),
        cmocka_unit_test(test_softmax_opsets),
        cmocka_unit_test(test_attr_to_input_migrations),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_conv_auto_pad_and_1d),
        cmocka_unit_test(test_output_names),
        cmocka_unit_test(test_unsupported_list),
        cmocka_unit_test(test_dynamic_dims),
        cmocka_unit_test(test_einsum),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bindings_and_demotion),
        cmocka_unit_test(test_fold_limit),
        cmocka_unit_test(test_pytorch_conv_bn),
        cmocka_unit_test(test_pytorch_transformer),
        cmocka_unit_test(test_pytorch_embed_ln),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
