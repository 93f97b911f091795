/* text_parse.c — reads the .graph text format into an ic_graph (grammar in
 * docs/graph-format.md).
 *
 * A recursive-descent parser over the tokens of text_lex.c with one token of
 * look-ahead. Every node is checked as soon as it is read: op and attributes
 * against ops.def, arity, names defined before use, and its declared result
 * types against shape inference; so an error points at the line that caused
 * it. Any input, however broken, ends in IC_OK or a one-line
 * "file:line:col: message" and no graph. Scratch memory (the name table,
 * decoded tokens) lives in an arena of its own, freed when parsing ends. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir/file.h"
#include "ir/tensor.h"
#include "ir/text.h"
#include "ir/text_lex.h"

/* Largest number of elements a declared type may have (product of its nonzero
 * dims); the same bound shape inference puts on results. */
#define IC_TEXT_MAX_ELEMS ((int64_t)1 << 44)

/* One defined value name. */
typedef struct name_slot {
    const char *name; /* NULL for an empty slot */
    uint32_t value;   /* value id, IC_NONE while its node is being read */
    size_t line;      /* where it was defined, for "defined twice" */
} name_slot;

/* Open-addressing table from value name to value id. */
typedef struct name_map {
    name_slot *slots; /* cap entries */
    size_t cap;       /* a power of two, 0 before the first insert */
    size_t n;         /* used entries */
} name_map;

typedef struct parser {
    ic_lexer lx;          /* token source */
    ic_token tok;         /* the current token */
    ic_arena *scratch;    /* parser-lifetime memory */
    const ic_allocator *alloc; /* for the graph */
    ic_graph *g;          /* the graph being built, NULL before the header */
    ic_diag *d;           /* where the error goes */
    const char *filename; /* for messages ("<input>" when none was given) */
    const char *path;     /* the real file name, NULL if none: the sidecar is relative to it */
    name_map names;       /* defined values */
    bool seen_item;       /* an input or node has been read (weights must come first) */
} parser;

/* A result declared on a node line: "%name : type". */
typedef struct decl {
    const char *name; /* decoded value name (scratch) */
    ic_dtype dtype;   /* declared dtype */
    ic_shape shape;   /* declared shape */
    size_t line, col; /* where the type starts */
} decl;

/* Where an attribute's name appeared, for messages. */
typedef struct attr_loc {
    size_t line, col; /* of the attribute name */
} attr_loc;

/* --- helpers ------------------------------------------------------------------ */

static ic_status nomem(parser *p) {
    return ic_diag_set(p->d, IC_ERR_NOMEM, "%s: out of memory while parsing", p->filename);
}

static ic_status next(parser *p) { return ic_lex_next(&p->lx, &p->tok); }

static ic_status err_tok(parser *p, const ic_token *t, ic_status st, const char *what) {
    return ic_lex_error(&p->lx, t->line, t->col, st, "%s", what);
}

/* "expected WHAT, got TOKEN" at the current token. */
static ic_status expected(parser *p, const char *what) {
    char got[96];
    ic_tok_describe(&p->tok, got, sizeof got);
    return ic_lex_error(&p->lx, p->tok.line, p->tok.col, IC_ERR_PARSE, "expected %s, got %s", what, got);
}

/* Consumes a token of the given kind or fails with "expected WHAT". */
static ic_status expect(parser *p, ic_tok_kind kind, const char *what) {
    if (p->tok.kind != kind) return expected(p, what);
    return next(p);
}

static bool is_keyword(const ic_token *t, const char *kw) {
    return t->kind == IC_TOK_IDENT && t->len == strlen(kw) && memcmp(t->text, kw, t->len) == 0;
}

/* Grows a scratch array to at least need elements (old contents kept). */
static void *grow(parser *p, void *arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need) ncap *= 2;
    if (ncap > SIZE_MAX / elem) return NULL;
    void *n = ic_arena_alloc(p->scratch, ncap * elem);
    if (!n) return NULL;
    if (arr && *cap) memcpy(n, arr, *cap * elem);
    *cap = ncap;
    return n;
}

/* A NUL-terminated scratch copy of a token's source bytes. */
static char *tok_strdup(parser *p, const ic_token *t) {
    char *s = ic_arena_alloc(p->scratch, t->len + 1);
    if (s) memcpy(s, t->text, t->len);
    return s; /* the arena zeroes memory, so s[len] is already NUL */
}

/* How a name is written in messages: %x or %"quoted". */
static const char *label(const char *name, char *buf, size_t size) {
    if (ic_text_is_bare_name(name)) {
        snprintf(buf, size, "%%%s", name);
    } else {
        buf[0] = '%';
        ic_text_quote(name, buf + 1, size - 1);
    }
    return buf;
}

/* --- the name table ------------------------------------------------------------ */

static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static name_slot *map_find(const name_map *m, const char *name) {
    if (!m->cap) return NULL;
    for (size_t i = hash_name(name) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        name_slot *s = &m->slots[i];
        if (!s->name) return NULL;
        if (strcmp(s->name, name) == 0) return s;
    }
}

static bool map_put(parser *p, const char *name, uint32_t value, size_t line) {
    name_map *m = &p->names;
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        name_slot *ns = ic_arena_alloc(p->scratch, ncap * sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].name) continue;
            size_t j = hash_name(m->slots[i].name) & (ncap - 1);
            while (ns[j].name) j = (j + 1) & (ncap - 1);
            ns[j] = m->slots[i];
        }
        m->slots = ns;
        m->cap = ncap;
    }
    size_t j = hash_name(name) & (m->cap - 1);
    while (m->slots[j].name) j = (j + 1) & (m->cap - 1);
    m->slots[j] = (name_slot){.name = name, .value = value, .line = line};
    m->n++;
    return true;
}

/* Claims the current VALUE token's name for a new definition. */
static ic_status define_name(parser *p, uint32_t value) {
    const char *name = p->tok.str;
    name_slot *s = map_find(&p->names, name);
    if (s) {
        char lb[96];
        return ic_lex_error(&p->lx, p->tok.line, p->tok.col, IC_ERR_PARSE, "value %s defined twice (first at line %zu)",
                            label(name, lb, sizeof lb), s->line);
    }
    if (!map_put(p, name, value, p->tok.line)) return nomem(p);
    return IC_OK;
}

/* Looks up the current VALUE token as a use; consumes it. */
static ic_status use_value(parser *p, uint32_t *out) {
    if (p->tok.kind != IC_TOK_VALUE) return expected(p, "a value (%name)");
    name_slot *s = map_find(&p->names, p->tok.str);
    if (!s || s->value == IC_NONE) {
        char lb[96];
        return ic_lex_error(&p->lx, p->tok.line, p->tok.col, IC_ERR_PARSE, "use of undefined value %s",
                            label(p->tok.str, lb, sizeof lb));
    }
    *out = s->value;
    return next(p);
}

/* --- files -------------------------------------------------------------------- */

/* Reads a whole regular file into arena memory (NUL-terminated); *out_err gets errno on failure. */
static ic_status read_file(ic_arena *a, const char *path, uint8_t **out, size_t *out_size, int *out_err) {
    return ic_file_read(path, SIZE_MAX / 2, a, out, out_size, out_err, NULL);
}

/* weights "path": loads the sidecar, relative to the .graph file's directory. */
static ic_status parse_weights(parser *p) {
    ic_token kw = p->tok;
    if (p->g->weights_path) return err_tok(p, &kw, IC_ERR_PARSE, "duplicate weights line");
    if (p->seen_item) return err_tok(p, &kw, IC_ERR_PARSE, "the weights line must come before inputs and nodes");
    IC_TRY(next(p));
    if (p->tok.kind != IC_TOK_STRING) return expected(p, "the weights file name as a string");
    ic_token name = p->tok;
    const char *rel = name.str;
    if (!rel[0]) return err_tok(p, &name, IC_ERR_PARSE, "empty weights file name");
    const char *full = rel;
    const char *slash = p->path ? strrchr(p->path, '/') : NULL;
    if (rel[0] != '/' && slash) {
        size_t dl = (size_t)(slash - p->path) + 1, rl = strlen(rel);
        char *f = ic_arena_alloc(p->scratch, dl + rl + 1);
        if (!f) return nomem(p);
        memcpy(f, p->path, dl);
        memcpy(f + dl, rel, rl + 1);
        full = f;
    }
    uint8_t *data;
    size_t size;
    int err;
    ic_status st = read_file(p->g->arena, full, &data, &size, &err);
    if (st == IC_ERR_NOMEM) return nomem(p);
    if (st != IC_OK)
        return ic_lex_error(&p->lx, name.line, name.col, IC_ERR_IO, "cannot read weights file '%s': %s", full,
                            strerror(err));
    p->g->weights = data;
    p->g->weights_size = size;
    if (!(p->g->weights_path = ic_graph_strdup(p->g, rel))) return nomem(p);
    return next(p);
}

/* --- types and attributes ------------------------------------------------------- */

/* dtype[d0,d1,...] */
static ic_status parse_type(parser *p, ic_dtype *out_dtype, ic_shape *out_shape) {
    if (p->tok.kind != IC_TOK_IDENT) return expected(p, "a type such as f32[1,3]");
    ic_dtype dt = ic_dtype_from_name(p->tok.text, p->tok.len);
    if (dt == IC_DT_INVALID)
        return ic_lex_error(&p->lx, p->tok.line, p->tok.col, IC_ERR_PARSE,
                            "unknown dtype '%.*s' (known: f32 f16 bf16 i8 u8 i32 i64 bool)",
                            p->tok.len > 40 ? 40 : (int)p->tok.len, p->tok.text);
    ic_token start = p->tok;
    IC_TRY(next(p));
    IC_TRY(expect(p, IC_TOK_LBRACKET, "'[' after the dtype"));
    ic_shape s = {.rank = 0};
    int64_t elems = 1;
    if (p->tok.kind != IC_TOK_RBRACKET) {
        for (;;) {
            if (p->tok.kind != IC_TOK_INT) return expected(p, "a dimension");
            int64_t dim = p->tok.i;
            if (dim < 0) return err_tok(p, &p->tok, IC_ERR_PARSE, "dimension must be >= 0");
            if (s.rank == IC_MAX_RANK)
                return ic_lex_error(&p->lx, start.line, start.col, IC_ERR_PARSE, "rank exceeds %d", IC_MAX_RANK);
            if (dim > 0) {
                if (dim > IC_TEXT_MAX_ELEMS / elems)
                    return ic_lex_error(&p->lx, start.line, start.col, IC_ERR_PARSE,
                                        "type has more than 2^44 elements");
                elems *= dim;
            }
            s.dims[s.rank++] = dim;
            IC_TRY(next(p));
            if (p->tok.kind == IC_TOK_RBRACKET) break;
            IC_TRY(expect(p, IC_TOK_COMMA, "',' or ']' in the shape"));
        }
    }
    IC_TRY(next(p)); /* ']' */
    *out_dtype = dt;
    *out_shape = s;
    return IC_OK;
}

/* Attribute types of the ops.def spec strings. */
typedef enum spec_type { SPEC_NONE, SPEC_I, SPEC_F, SPEC_IS, SPEC_FS, SPEC_S } spec_type;

/* Finds name (n bytes) in an ops.def spec ("name:type name:type ..."). */
static spec_type spec_lookup(const char *spec, const char *name, size_t n) {
    const char *s = spec;
    while (*s) {
        while (*s == ' ') s++;
        const char *colon = strchr(s, ':');
        if (!colon) break;
        const char *ty = colon + 1;
        size_t tl = strcspn(ty, " ");
        if ((size_t)(colon - s) == n && memcmp(s, name, n) == 0) {
            if (tl == 1 && ty[0] == 'i') return SPEC_I;
            if (tl == 1 && ty[0] == 'f') return SPEC_F;
            if (tl == 1 && ty[0] == 's') return SPEC_S;
            if (tl == 2 && memcmp(ty, "is", 2) == 0) return SPEC_IS;
            if (tl == 2 && memcmp(ty, "fs", 2) == 0) return SPEC_FS;
            return SPEC_NONE;
        }
        s = ty + tl;
    }
    return SPEC_NONE;
}

/* "strides, pads, dilations, group" from a spec string. */
static void spec_names(const char *spec, char *buf, size_t size) {
    size_t off = 0;
    buf[0] = '\0';
    const char *s = spec;
    while (*s) {
        while (*s == ' ') s++;
        const char *colon = strchr(s, ':');
        if (!colon) break;
        int n = snprintf(buf + off, size - off, "%s%.*s", off ? ", " : "", (int)(colon - s), s);
        if (n < 0 || (size_t)n >= size - off) break;
        off += (size_t)n;
        s = colon + 1 + strcspn(colon + 1, " ");
    }
}

static const char *kind_name(ic_attr_kind k) {
    switch (k) {
    case IC_ATTR_INT: return "an int";
    case IC_ATTR_FLOAT: return "a float";
    case IC_ATTR_INTS: return "an int list";
    case IC_ATTR_FLOATS: return "a float list";
    case IC_ATTR_STRING: return "a string";
    }
    return "?";
}

static const char *spec_name(spec_type t) {
    switch (t) {
    case SPEC_I: return "an int";
    case SPEC_F: return "a float";
    case SPEC_IS: return "an int list";
    case SPEC_FS: return "a float list";
    case SPEC_S: return "a string";
    case SPEC_NONE: break;
    }
    return "?";
}

/* One attribute value: number, [list], identifier or "string". */
static ic_status parse_attr_value(parser *p, ic_attr *a) {
    ic_token t = p->tok;
    switch (t.kind) {
    case IC_TOK_INT: a->kind = IC_ATTR_INT; a->i = t.i; return next(p);
    case IC_TOK_FLOAT: a->kind = IC_ATTR_FLOAT; a->f = t.f; return next(p);
    case IC_TOK_STRING: a->kind = IC_ATTR_STRING; a->s = t.str; return next(p);
    case IC_TOK_IDENT: {
        char *s = tok_strdup(p, &t);
        if (!s) return nomem(p);
        a->kind = IC_ATTR_STRING;
        a->s = s;
        return next(p);
    }
    case IC_TOK_LBRACKET: break;
    default: return expected(p, "an attribute value");
    }
    IC_TRY(next(p));
    int64_t *ints = NULL;
    double *floats = NULL;
    size_t n = 0, icap = 0, fcap = 0;
    bool all_int = true;
    if (p->tok.kind != IC_TOK_RBRACKET) {
        for (;;) {
            if (p->tok.kind != IC_TOK_INT && p->tok.kind != IC_TOK_FLOAT) return expected(p, "a number in the list");
            if (n >= UINT32_MAX - 1) return err_tok(p, &p->tok, IC_ERR_PARSE, "list too long");
            ints = grow(p, ints, &icap, n + 1, sizeof *ints);
            floats = grow(p, floats, &fcap, n + 1, sizeof *floats);
            if (!ints || !floats) return nomem(p);
            if (p->tok.kind == IC_TOK_INT) {
                ints[n] = p->tok.i;
                floats[n] = (double)p->tok.i;
            } else {
                all_int = false;
                floats[n] = p->tok.f;
            }
            n++;
            IC_TRY(next(p));
            if (p->tok.kind == IC_TOK_RBRACKET) break;
            IC_TRY(expect(p, IC_TOK_COMMA, "',' or ']' in the list"));
        }
    }
    IC_TRY(next(p)); /* ']' */
    a->n = (uint32_t)n;
    if (all_int) {
        a->kind = IC_ATTR_INTS;
        a->ints = ints;
    } else {
        a->kind = IC_ATTR_FLOATS;
        a->floats = floats;
    }
    return IC_OK;
}

/* Checks a's kind against the op's spec, converting int to float where a float is expected. */
static ic_status check_attr(parser *p, ic_op op, ic_attr *a, const attr_loc *loc) {
    const ic_op_info *info = ic_op_get(op);
    spec_type want = spec_lookup(info->attrs, a->name, strlen(a->name));
    if (want == SPEC_NONE) {
        char names[256];
        spec_names(info->attrs, names, sizeof names);
        if (!names[0])
            return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_PARSE, "%s has no attribute '%s' (it takes none)",
                                info->name, a->name);
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_PARSE, "%s has no attribute '%s' (accepted: %s)",
                            info->name, a->name, names);
    }
    bool ok = false;
    switch (want) {
    case SPEC_I: ok = a->kind == IC_ATTR_INT; break;
    case SPEC_IS: ok = a->kind == IC_ATTR_INTS; break;
    case SPEC_S: ok = a->kind == IC_ATTR_STRING; break;
    case SPEC_F:
        if (a->kind == IC_ATTR_INT) {
            a->kind = IC_ATTR_FLOAT;
            a->f = (double)a->i;
            a->i = 0;
        }
        ok = a->kind == IC_ATTR_FLOAT;
        break;
    case SPEC_FS:
        if (a->kind == IC_ATTR_INTS) {
            double *f = ic_arena_alloc(p->scratch, (a->n + 1) * sizeof *f);
            if (!f) return nomem(p);
            for (uint32_t i = 0; i < a->n; i++) f[i] = (double)a->ints[i];
            a->kind = IC_ATTR_FLOATS;
            a->floats = f;
            a->ints = NULL;
        }
        ok = a->kind == IC_ATTR_FLOATS;
        break;
    case SPEC_NONE: break;
    }
    if (!ok)
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_PARSE, "%s attribute '%s' must be %s, got %s",
                            info->name, a->name, spec_name(want), kind_name(a->kind));
    return IC_OK;
}

/* { name=value, ... } for op; the current token is '{'. */
static ic_status parse_attrs(parser *p, ic_op op, ic_attr **out_attrs, attr_loc **out_locs, uint32_t *out_n) {
    IC_TRY(next(p));
    ic_attr *attrs = NULL;
    attr_loc *locs = NULL;
    size_t n = 0, acap = 0, lcap = 0;
    if (p->tok.kind != IC_TOK_RBRACE) {
        for (;;) {
            if (p->tok.kind != IC_TOK_IDENT) return expected(p, "an attribute name");
            ic_token nt = p->tok;
            char *name = tok_strdup(p, &nt);
            if (!name) return nomem(p);
            for (size_t i = 0; i < n; i++)
                if (strcmp(attrs[i].name, name) == 0)
                    return ic_lex_error(&p->lx, nt.line, nt.col, IC_ERR_PARSE, "duplicate attribute '%s'", name);
            if (n >= 1024) return err_tok(p, &nt, IC_ERR_PARSE, "too many attributes");
            attrs = grow(p, attrs, &acap, n + 1, sizeof *attrs);
            locs = grow(p, locs, &lcap, n + 1, sizeof *locs);
            if (!attrs || !locs) return nomem(p);
            attrs[n] = (ic_attr){.name = name};
            locs[n] = (attr_loc){nt.line, nt.col};
            IC_TRY(next(p));
            IC_TRY(expect(p, IC_TOK_EQUALS, "'=' after the attribute name"));
            IC_TRY(parse_attr_value(p, &attrs[n]));
            IC_TRY(check_attr(p, op, &attrs[n], &locs[n]));
            n++;
            if (p->tok.kind == IC_TOK_RBRACE) break;
            IC_TRY(expect(p, IC_TOK_COMMA, "',' or '}' after an attribute"));
        }
    }
    IC_TRY(next(p)); /* '}' */
    *out_attrs = attrs;
    *out_locs = locs;
    *out_n = (uint32_t)n;
    return IC_OK;
}

/* --- constants ------------------------------------------------------------------ */

/* Converts value= entries to a float dtype; false with *bad set if one is out of range. */
static bool encode_floats(ic_dtype dt, const double *src, size_t n, void *dst, size_t *bad) {
    for (size_t i = 0; i < n; i++) {
        double v = src[i];
        /* values at or past the midpoint between FLT_MAX and 2^128 would round to inf */
        if (isfinite(v) && fabs(v) >= 0x1.ffffffp127) {
            *bad = i;
            return false;
        }
        float f = (float)v;
        switch (dt) {
        case IC_DT_F32: ((float *)dst)[i] = f; break;
        case IC_DT_BF16: ((uint16_t *)dst)[i] = ic_half_from_f64(v, dt); break;
        case IC_DT_F16: ((uint16_t *)dst)[i] = ic_half_from_f64(v, dt); break;
        default: return false;
        }
        if (dt != IC_DT_F32 && isfinite(v) && (((uint16_t *)dst)[i] & 0x7fffu) == (dt == IC_DT_F16 ? 0x7c00u : 0x7f80u)) {
            *bad = i;
            return false;
        }
    }
    return true;
}

/* Converts ivalue= entries to an integer or bool dtype; false with *bad set if one does not fit. */
static bool encode_ints(ic_dtype dt, const int64_t *src, size_t n, void *dst, size_t *bad) {
    for (size_t i = 0; i < n; i++) {
        int64_t v = src[i];
        bool ok = true;
        switch (dt) {
        case IC_DT_I8: ok = v >= INT8_MIN && v <= INT8_MAX; if (ok) ((int8_t *)dst)[i] = (int8_t)v; break;
        case IC_DT_U8: ok = v >= 0 && v <= UINT8_MAX; if (ok) ((uint8_t *)dst)[i] = (uint8_t)v; break;
        case IC_DT_BOOL: ok = v == 0 || v == 1; if (ok) ((uint8_t *)dst)[i] = (uint8_t)v; break;
        case IC_DT_I32: ok = v >= INT32_MIN && v <= INT32_MAX; if (ok) ((int32_t *)dst)[i] = (int32_t)v; break;
        case IC_DT_I64: ((int64_t *)dst)[i] = v; break;
        default: ok = false; break;
        }
        if (!ok) {
            *bad = i;
            return false;
        }
    }
    return true;
}

/* Gives the constant's value v its data from offset=, value= or ivalue=. */
static ic_status load_constant(parser *p, uint32_t v, const ic_node *node, const attr_loc *locs,
                               const ic_token *op_tok) {
    ic_graph *g = p->g;
    char lb[96], ty[128];
    label(g->values[v].name, lb, sizeof lb);
    ic_value_type_str(&g->values[v], ty, sizeof ty);
    /* ops.def allows only offset, value and ivalue here, so one attribute is one source */
    if (node->n_attrs == 0)
        return ic_lex_error(&p->lx, op_tok->line, op_tok->col, IC_ERR_PARSE,
                            "constant %s needs one of offset=, value=, ivalue=", lb);
    if (node->n_attrs > 1)
        return ic_lex_error(&p->lx, locs[1].line, locs[1].col, IC_ERR_PARSE,
                            "constant %s takes only one of offset=, value=, ivalue=", lb);
    const attr_loc *loc = &locs[0];
    const ic_attr *a = &node->attrs[0];
    ic_dtype dt = g->values[v].dtype;
    size_t numel = ic_value_numel(&g->values[v]);
    size_t nbytes = ic_value_nbytes(&g->values[v]);
    if (strcmp(a->name, "offset") == 0) {
        if (!g->weights)
            return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID,
                                "constant %s has offset= but the graph names no weights file", lb);
        if (a->i < 0) return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID, "offset must be >= 0");
        uint64_t off = (uint64_t)a->i;
        if (off > g->weights_size || nbytes > g->weights_size - off)
            return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID,
                                "constant %s (%s, %zu bytes) at offset %llu runs past the end of weights file '%s' "
                                "(%zu bytes)",
                                lb, ty, nbytes, (unsigned long long)off, g->weights_path, g->weights_size);
        /* The weights blob is 64-byte aligned; point into it when the element alignment allows. */
        const uint8_t *src = g->weights + off;
        if (off % ic_dtype_size(dt) == 0) {
            g->values[v].data = src;
        } else {
            void *copy = ic_arena_dup(g->arena, src, nbytes);
            if (!copy) return nomem(p);
            g->values[v].data = copy;
        }
        return IC_OK;
    }
    bool is_float = strcmp(a->name, "value") == 0;
    if (is_float && !ic_dtype_is_float(dt))
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID,
                            "constant %s: value= holds floats; use ivalue= for %s", lb, ic_dtype_name(dt));
    if (!is_float && ic_dtype_is_float(dt))
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID,
                            "constant %s: ivalue= holds ints; use value= for %s", lb, ic_dtype_name(dt));
    if (a->n != numel)
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID, "constant %s of type %s needs %zu %s, got %u",
                            lb, ty, numel, numel == 1 ? "entry" : "entries", a->n);
    void *data = ic_arena_alloc(g->arena, nbytes);
    if (!data) return nomem(p);
    size_t bad = 0;
    if (is_float ? !encode_floats(dt, a->floats, numel, data, &bad) : !encode_ints(dt, a->ints, numel, data, &bad)) {
        char num[40];
        if (is_float)
            ic_text_format_float(a->floats[bad], num, sizeof num);
        else
            snprintf(num, sizeof num, "%lld", (long long)a->ints[bad]);
        return ic_lex_error(&p->lx, loc->line, loc->col, IC_ERR_INVALID, "constant %s: entry %zu (%s) out of range for %s",
                            lb, bad, num, ic_dtype_name(dt));
    }
    g->values[v].data = data;
    return IC_OK;
}

/* --- items ---------------------------------------------------------------------- */

/* input %name : type */
static ic_status parse_input(parser *p) {
    IC_TRY(next(p));
    if (p->tok.kind != IC_TOK_VALUE) return expected(p, "the input's name (%name)");
    ic_token nt = p->tok;
    IC_TRY(define_name(p, IC_NONE));
    IC_TRY(next(p));
    IC_TRY(expect(p, IC_TOK_COLON, "':' and the input's type"));
    ic_dtype dt;
    ic_shape s;
    IC_TRY(parse_type(p, &dt, &s));
    uint32_t v = ic_graph_add_input(p->g, nt.str, dt, &s);
    if (v == IC_NONE) return nomem(p);
    map_find(&p->names, nt.str)->value = v;
    p->seen_item = true;
    return IC_OK;
}

/* output %a, %b, ... */
static ic_status parse_output(parser *p) {
    IC_TRY(next(p));
    for (;;) {
        uint32_t v = IC_NONE;
        IC_TRY(use_value(p, &v));
        if (!ic_graph_add_output(p->g, v)) return nomem(p);
        if (p->tok.kind != IC_TOK_COMMA) break;
        IC_TRY(next(p));
    }
    return IC_OK;
}

static ic_status check_arity(parser *p, const ic_op_info *info, const ic_token *op_tok, size_t n_in, size_t n_out) {
    if (info->n_outputs >= 0 && n_out != (size_t)info->n_outputs)
        return ic_lex_error(&p->lx, op_tok->line, op_tok->col, IC_ERR_PARSE, "%s has %d result%s, %zu declared",
                            info->name, info->n_outputs, info->n_outputs == 1 ? "" : "s", n_out);
    bool ok = n_in >= (size_t)info->min_inputs && (info->max_inputs < 0 || n_in <= (size_t)info->max_inputs);
    if (ok) return IC_OK;
    if (info->max_inputs < 0)
        return ic_lex_error(&p->lx, op_tok->line, op_tok->col, IC_ERR_PARSE, "%s takes at least %d input%s, got %zu",
                            info->name, info->min_inputs, info->min_inputs == 1 ? "" : "s", n_in);
    if (info->min_inputs == info->max_inputs)
        return ic_lex_error(&p->lx, op_tok->line, op_tok->col, IC_ERR_PARSE, "%s takes %d input%s, got %zu",
                            info->name, info->min_inputs, info->min_inputs == 1 ? "" : "s", n_in);
    return ic_lex_error(&p->lx, op_tok->line, op_tok->col, IC_ERR_PARSE, "%s takes %d to %d inputs, got %zu",
                        info->name, info->min_inputs, info->max_inputs, n_in);
}

/* %r : type [, %r2 : type ...] = op [(inputs)] [{attrs}] */
static ic_status parse_node(parser *p) {
    size_t node_line = p->tok.line;
    decl *res = NULL;
    size_t n_res = 0, rcap = 0;
    for (;;) {
        if (p->tok.kind != IC_TOK_VALUE) return expected(p, "a result name (%name)");
        if (n_res >= UINT32_MAX / 2) return err_tok(p, &p->tok, IC_ERR_PARSE, "too many results");
        res = grow(p, res, &rcap, n_res + 1, sizeof *res);
        if (!res) return nomem(p);
        decl *r = &res[n_res++];
        r->name = p->tok.str;
        IC_TRY(define_name(p, IC_NONE));
        IC_TRY(next(p));
        IC_TRY(expect(p, IC_TOK_COLON, "':' and the result's type"));
        r->line = p->tok.line;
        r->col = p->tok.col;
        IC_TRY(parse_type(p, &r->dtype, &r->shape));
        if (p->tok.kind != IC_TOK_COMMA) break;
        IC_TRY(next(p));
    }
    IC_TRY(expect(p, IC_TOK_EQUALS, "',' or '=' after the result type"));

    if (p->tok.kind != IC_TOK_IDENT) return expected(p, "an op name");
    ic_token op_tok = p->tok;
    ic_op op = ic_op_from_name(op_tok.text, op_tok.len);
    if (op == IC_OP_COUNT)
        return ic_lex_error(&p->lx, op_tok.line, op_tok.col, IC_ERR_PARSE, "unknown op '%.*s'",
                            op_tok.len > 64 ? 64 : (int)op_tok.len, op_tok.text);
    const ic_op_info *info = ic_op_get(op);
    IC_TRY(next(p));

    uint32_t *ins = NULL;
    size_t n_in = 0, icap = 0;
    if (p->tok.kind == IC_TOK_LPAREN) {
        IC_TRY(next(p));
        if (p->tok.kind != IC_TOK_RPAREN) {
            for (;;) {
                if (n_in >= UINT32_MAX / 2) return err_tok(p, &p->tok, IC_ERR_PARSE, "too many inputs");
                ins = grow(p, ins, &icap, n_in + 1, sizeof *ins);
                if (!ins) return nomem(p);
                IC_TRY(use_value(p, &ins[n_in]));
                n_in++;
                if (p->tok.kind == IC_TOK_RPAREN) break;
                IC_TRY(expect(p, IC_TOK_COMMA, "',' or ')' after an input"));
            }
        }
        IC_TRY(next(p)); /* ')' */
    }
    ic_attr *attrs = NULL;
    attr_loc *locs = NULL;
    uint32_t n_attrs = 0;
    if (p->tok.kind == IC_TOK_LBRACE) IC_TRY(parse_attrs(p, op, &attrs, &locs, &n_attrs));
    IC_TRY(check_arity(p, info, &op_tok, n_in, n_res));

    ic_graph *g = p->g;
    uint32_t node = ic_graph_add_node(g, op, ins, (uint32_t)n_in, (uint32_t)n_res, attrs, n_attrs);
    if (node == IC_NONE) return nomem(p);
    g->nodes[node].line = node_line > UINT32_MAX ? UINT32_MAX : (uint32_t)node_line;
    for (size_t i = 0; i < n_res; i++) {
        uint32_t v = g->nodes[node].outputs[i];
        if (!(g->values[v].name = ic_graph_strdup(g, res[i].name))) return nomem(p);
    }
    p->seen_item = true;

    if (op == IC_OP_CONSTANT) {
        uint32_t v = g->nodes[node].outputs[0];
        g->values[v].dtype = res[0].dtype;
        g->values[v].shape = res[0].shape;
        IC_TRY(load_constant(p, v, &g->nodes[node], locs, &op_tok));
    } else {
        ic_status st = ic_infer_node(g, node, p->d);
        if (st != IC_OK) {
            if (p->d && !p->d->msg[0]) ic_diag_set(p->d, st, "%s: shape inference failed", info->name);
            ic_diag_prefix(p->d, "%s:%zu:%zu", p->filename, op_tok.line, op_tok.col);
            return st;
        }
        for (size_t i = 0; i < n_res; i++) {
            const ic_value *got = &g->values[g->nodes[node].outputs[i]];
            if (got->dtype == res[i].dtype && ic_shape_equal(&got->shape, &res[i].shape)) continue;
            ic_value want = {.dtype = res[i].dtype, .shape = res[i].shape};
            char lb[96], ws[128], gs[128];
            ic_value_type_str(&want, ws, sizeof ws);
            ic_value_type_str(got, gs, sizeof gs);
            return ic_lex_error(&p->lx, res[i].line, res[i].col, IC_ERR_INVALID,
                                "%s result %s declared %s but inferred %s", info->name,
                                label(res[i].name, lb, sizeof lb), ws, gs);
        }
    }
    for (size_t i = 0; i < n_res; i++) map_find(&p->names, res[i].name)->value = g->nodes[node].outputs[i];
    return IC_OK;
}

/* --- the file ---------------------------------------------------------------------- */

static ic_status parse_graph(parser *p) {
    IC_TRY(next(p));
    if (!is_keyword(&p->tok, "graph")) return expected(p, "'graph'");
    IC_TRY(next(p));
    if (p->tok.kind != IC_TOK_STRING) return expected(p, "the graph name as a string");
    if (ic_graph_create(p->alloc, p->tok.str, &p->g) != IC_OK) return nomem(p);
    IC_TRY(next(p));
    IC_TRY(expect(p, IC_TOK_LBRACE, "'{'"));
    for (;;) {
        if (p->tok.kind == IC_TOK_RBRACE) break;
        if (is_keyword(&p->tok, "weights")) {
            IC_TRY(parse_weights(p));
        } else if (is_keyword(&p->tok, "input")) {
            IC_TRY(parse_input(p));
        } else if (is_keyword(&p->tok, "output")) {
            IC_TRY(parse_output(p));
            if (p->tok.kind != IC_TOK_RBRACE) return expected(p, "',' or '}' after the output line");
            break;
        } else if (p->tok.kind == IC_TOK_VALUE) {
            IC_TRY(parse_node(p));
        } else {
            return expected(p, "'input', 'output', 'weights', a node or '}'");
        }
    }
    IC_TRY(next(p)); /* '}' */
    if (p->tok.kind != IC_TOK_EOF) return expected(p, "end of file after '}'");
    return IC_OK;
}

ic_status ic_text_parse(const char *text, size_t len, const char *filename, const ic_allocator *alloc,
                        ic_graph **out_graph, ic_diag *d) {
    *out_graph = NULL;
    ic_diag local;
    if (!d) d = &local;
    ic_diag_clear(d);
    const char *shown = filename ? filename : "<input>";
    if (!text && len) return ic_diag_set(d, IC_ERR_USAGE, "%s: no text given", shown);
    parser p = {.alloc = alloc, .d = d, .filename = shown, .path = filename};
    p.scratch = ic_arena_create(alloc);
    if (!p.scratch) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory while parsing", shown);
    ic_lex_init(&p.lx, text ? text : "", len, shown, p.scratch, d);
    ic_status st = parse_graph(&p);
    if (st == IC_OK) {
        st = ic_verify(p.g, d);
        if (st != IC_OK) ic_diag_prefix(d, "%s", shown);
    }
    ic_arena_destroy(p.scratch);
    if (st != IC_OK) {
        if (d->status == IC_OK) ic_diag_set(d, st, "%s: %s", shown, ic_status_name(st));
        ic_graph_destroy(p.g);
        return st;
    }
    *out_graph = p.g;
    return IC_OK;
}

ic_status ic_text_parse_file(const char *path, const ic_allocator *alloc, ic_graph **out_graph, ic_diag *d) {
    *out_graph = NULL;
    ic_arena *a = ic_arena_create(alloc);
    if (!a) return ic_diag_set(d, IC_ERR_NOMEM, "%s: out of memory", path);
    uint8_t *text;
    size_t size;
    int err;
    ic_status st = read_file(a, path, &text, &size, &err);
    if (st == IC_ERR_NOMEM)
        ic_diag_set(d, st, "%s: out of memory reading the file", path);
    else if (st != IC_OK)
        ic_diag_set(d, st, "cannot read '%s': %s", path, strerror(err));
    else
        st = ic_text_parse((const char *)text, size, path, alloc, out_graph, d);
    ic_arena_destroy(a);
    return st;
}
