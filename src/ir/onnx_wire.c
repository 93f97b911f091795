/* onnx_wire.c — checks on the raw protobuf wire format of an ONNX model,
 * before protobuf-c decodes it.
 *
 * protobuf-c decodes nested messages recursively with no depth limit, and an
 * ONNX model can nest without bound (a graph attribute holds a graph whose
 * node holds a graph attribute ...; TypeProto sequences of sequences). A
 * hostile file of a few megabytes could therefore overflow the stack. This
 * walker follows exactly the fields through which ONNX messages recurse,
 * iteratively over each message's bytes and recursively (to a fixed depth)
 * into submessages, and refuses anything nested deeper than ONNX_MAX_DEPTH.
 * It also backs ic_onnx_sniff. */
#include <string.h>

#include "ir/onnx.h"
#include "ir/onnx_impl.h"

#define ONNX_MAX_DEPTH 48 /* messages deep; real models use about 8 */

typedef enum msg_kind {
    M_MODEL, M_GRAPH, M_NODE, M_ATTR, M_VALUE_INFO, M_TYPE, M_TYPE_SEQ, M_TYPE_MAP, M_TYPE_OPT,
    M_FUNCTION, M_TRAINING, M_OTHER,
} msg_kind;

/* The child message kind of field `field` of a kind-`k` message, or M_OTHER
 * for fields that cannot lead back to a recursive message. */
static msg_kind child_kind(msg_kind k, uint64_t field) {
    switch (k) {
    case M_MODEL: return field == 7 ? M_GRAPH : field == 25 ? M_FUNCTION : field == 20 ? M_TRAINING : M_OTHER;
    case M_TRAINING: return field == 1 || field == 2 ? M_GRAPH : M_OTHER;
    case M_GRAPH: return field == 1 ? M_NODE : (field == 11 || field == 12 || field == 13) ? M_VALUE_INFO : M_OTHER;
    case M_NODE: return field == 5 ? M_ATTR : M_OTHER;
    case M_ATTR: return (field == 6 || field == 11) ? M_GRAPH : (field == 14 || field == 15) ? M_TYPE : M_OTHER;
    case M_FUNCTION: return field == 7 ? M_NODE : M_OTHER;
    case M_VALUE_INFO: return field == 2 ? M_TYPE : M_OTHER;
    case M_TYPE: return field == 4 ? M_TYPE_SEQ : field == 5 ? M_TYPE_MAP : field == 9 ? M_TYPE_OPT : M_OTHER;
    case M_TYPE_SEQ: case M_TYPE_OPT: return field == 1 ? M_TYPE : M_OTHER;
    case M_TYPE_MAP: return field == 2 ? M_TYPE : M_OTHER;
    case M_OTHER: break;
    }
    return M_OTHER;
}

/* Reads a base-128 varint at *p (< end); false if truncated or over 10 bytes. */
static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*p >= end) return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

typedef enum wire_result { W_OK, W_BAD, W_DEEP } wire_result;

/* Skips one field's payload of the given wire type; for length-delimited
 * fields also returns the payload. */
static bool skip_field(const uint8_t **p, const uint8_t *end, unsigned wt, const uint8_t **sub, size_t *sub_len) {
    uint64_t v;
    *sub = NULL;
    switch (wt) {
    case 0: return read_varint(p, end, &v);
    case 1: if ((size_t)(end - *p) < 8) return false; *p += 8; return true;
    case 5: if ((size_t)(end - *p) < 4) return false; *p += 4; return true;
    case 2:
        if (!read_varint(p, end, &v) || v > (uint64_t)(end - *p)) return false;
        *sub = *p;
        *sub_len = (size_t)v;
        *p += v;
        return true;
    default: return false; /* groups (3, 4) are not used by onnx.proto */
    }
}

static wire_result walk(const uint8_t *p, const uint8_t *end, msg_kind k, int depth) {
    if (depth > ONNX_MAX_DEPTH) return W_DEEP;
    while (p < end) {
        uint64_t tag;
        if (!read_varint(&p, end, &tag)) return W_BAD;
        uint64_t field = tag >> 3;
        unsigned wt = (unsigned)(tag & 7);
        if (field == 0) return W_BAD;
        const uint8_t *sub;
        size_t sub_len = 0;
        if (!skip_field(&p, end, wt, &sub, &sub_len)) return W_BAD;
        msg_kind ck = child_kind(k, field);
        if (sub && ck != M_OTHER) {
            wire_result r = walk(sub, sub + sub_len, ck, depth + 1);
            if (r != W_OK) return r;
        }
    }
    return W_OK;
}

ic_status ic_onnx_wire_check(const uint8_t *data, size_t len, ic_diag *d) {
    wire_result r = walk(data, data + len, M_MODEL, 0);
    if (r == W_DEEP)
        return ic_diag_set(d, IC_ERR_PARSE, "messages nested more than %d deep", ONNX_MAX_DEPTH);
    if (r == W_BAD) return ic_diag_set(d, IC_ERR_PARSE, "not a valid protobuf message (truncated or corrupt)");
    return IC_OK;
}

bool ic_onnx_sniff(const uint8_t *data, size_t len) {
    const uint8_t *p = data, *end = data + len;
    uint64_t tag;
    if (len < 2 || !read_varint(&p, end, &tag)) return false;
    uint64_t field = tag >> 3;
    unsigned wt = (unsigned)(tag & 7);
    switch (field) {
    case 1: case 5: return wt == 0;                          /* ir_version, model_version */
    case 2: case 3: case 4: case 6: case 7: case 8: case 14: /* strings, graph, opset_import, metadata */
    case 20: case 25: return wt == 2;                        /* training_info, functions */
    default: return false;
    }
}
