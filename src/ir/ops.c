/* ops.c — the op and dtype tables, expanded from ops.def. */
#include <string.h>

#include "ir/ir.h"

static const ic_op_info op_table[] = {
#define IC_OP(e, name, min_in, max_in, n_out, kind, attrs) {name, min_in, max_in, n_out, kind, attrs},
#include "ir/ops.def"
#undef IC_OP
};

_Static_assert(sizeof op_table / sizeof op_table[0] == IC_OP_COUNT, "ops.def and the op enum disagree");

const ic_op_info *ic_op_get(ic_op op) {
    IC_ASSERT((unsigned)op < IC_OP_COUNT);
    return &op_table[op];
}

ic_op ic_op_from_name(const char *s, size_t len) {
    for (int i = 0; i < IC_OP_COUNT; i++)
        if (strlen(op_table[i].name) == len && memcmp(op_table[i].name, s, len) == 0) return (ic_op)i;
    return IC_OP_COUNT;
}

typedef struct dtype_info {
    const char *name;  /* text-format name */
    const char *ctype; /* C type in generated code */
    size_t size;       /* bytes per element */
} dtype_info;

static const dtype_info dtype_table[] = {
    [IC_DT_INVALID] = {"invalid", "void", 0},
    [IC_DT_F32] = {"f32", "float", 4},
    [IC_DT_F16] = {"f16", "uint16_t", 2},
    [IC_DT_BF16] = {"bf16", "uint16_t", 2},
    [IC_DT_I8] = {"i8", "int8_t", 1},
    [IC_DT_U8] = {"u8", "uint8_t", 1},
    [IC_DT_I32] = {"i32", "int32_t", 4},
    [IC_DT_I64] = {"i64", "int64_t", 8},
    [IC_DT_BOOL] = {"bool", "uint8_t", 1},
};

#define N_DTYPES (sizeof dtype_table / sizeof dtype_table[0])

const char *ic_dtype_name(ic_dtype t) { return (unsigned)t < N_DTYPES ? dtype_table[t].name : "invalid"; }
const char *ic_dtype_ctype(ic_dtype t) { return (unsigned)t < N_DTYPES ? dtype_table[t].ctype : "void"; }
size_t ic_dtype_size(ic_dtype t) { return (unsigned)t < N_DTYPES ? dtype_table[t].size : 0; }

ic_dtype ic_dtype_from_name(const char *s, size_t len) {
    for (unsigned i = 1; i < N_DTYPES; i++)
        if (strlen(dtype_table[i].name) == len && memcmp(dtype_table[i].name, s, len) == 0) return (ic_dtype)i;
    return IC_DT_INVALID;
}

bool ic_dtype_is_float(ic_dtype t) { return t == IC_DT_F32 || t == IC_DT_F16 || t == IC_DT_BF16; }
bool ic_dtype_is_int(ic_dtype t) { return t == IC_DT_I8 || t == IC_DT_U8 || t == IC_DT_I32 || t == IC_DT_I64; }
