/* text_lex.c — tokens of the .graph text format, and the quoting and number
 * formatting rules the printer shares with it; see text_lex.h.
 *
 * The lexer never reads past len and accepts any bytes: anything it does not
 * understand becomes a one-line "file:line:col: ..." error. */
#include "ir/text_lex.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IC_LEX_NUM_MAX 128 /* longest number literal we convert */

void ic_lex_init(ic_lexer *lx, const char *src, size_t len, const char *filename, ic_arena *scratch, ic_diag *d) {
    *lx = (ic_lexer){.src = src, .len = len, .line = 1, .col = 1, .filename = filename, .scratch = scratch, .d = d};
}

ic_status ic_lex_error(const ic_lexer *lx, size_t line, size_t col, ic_status st, const char *fmt, ...) {
    char msg[IC_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ic_diag_set(lx->d, st, "%s:%zu:%zu: %s", lx->filename, line, col, msg);
}

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_ident(int c) { return is_alpha(c) || is_digit(c); }
static bool is_name(int c) { return is_ident(c) || c == '.'; }

static int peek_at(const ic_lexer *lx, size_t k) {
    return lx->pos + k < lx->len ? (unsigned char)lx->src[lx->pos + k] : -1;
}
static int peek(const ic_lexer *lx) { return peek_at(lx, 0); }

static void advance(ic_lexer *lx) {
    if (lx->pos >= lx->len) return;
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

/* Skips blanks and # comments. */
static void skip_space(ic_lexer *lx) {
    for (;;) {
        int c = peek(lx);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            advance(lx);
        } else if (c == '#') {
            while (peek(lx) != -1 && peek(lx) != '\n') advance(lx);
        } else {
            return;
        }
    }
}

static int hex_val(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads a "quoted string" starting at the opening quote; decodes it into t->str. */
static ic_status lex_string(ic_lexer *lx, ic_token *t) {
    size_t line = lx->line, col = lx->col;
    advance(lx); /* opening quote */
    size_t start = lx->pos;
    /* the decoded text is never longer than the raw text up to the closing quote
     * (found without decoding, so the scan stays linear in the input) */
    size_t cap = 0;
    while (start + cap < lx->len && lx->src[start + cap] != '"' && lx->src[start + cap] != '\n')
        cap += lx->src[start + cap] == '\\' && start + cap + 1 < lx->len && lx->src[start + cap + 1] != '\n' ? 2 : 1;
    char *out = ic_arena_alloc(lx->scratch, cap + 1);
    if (!out) return ic_lex_error(lx, line, col, IC_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (;;) {
        int c = peek(lx);
        if (c == -1 || c == '\n') return ic_lex_error(lx, line, col, IC_ERR_PARSE, "unterminated string");
        if (c == '"') break;
        if (c == 0) return ic_lex_error(lx, lx->line, lx->col, IC_ERR_PARSE, "NUL byte in string");
        if (c != '\\') {
            out[n++] = (char)c;
            advance(lx);
            continue;
        }
        size_t eline = lx->line, ecol = lx->col;
        advance(lx);
        int e = peek(lx);
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'x': {
            int h = hex_val(peek_at(lx, 1)), l = hex_val(peek_at(lx, 2));
            if (h < 0 || l < 0)
                return ic_lex_error(lx, eline, ecol, IC_ERR_PARSE, "\\x needs two hex digits");
            if (h == 0 && l == 0) return ic_lex_error(lx, eline, ecol, IC_ERR_PARSE, "NUL byte in string");
            out[n++] = (char)(h * 16 + l);
            advance(lx);
            advance(lx);
            break;
        }
        case -1:
        case '\n': return ic_lex_error(lx, line, col, IC_ERR_PARSE, "unterminated string");
        default:
            if (e >= 0x20 && e < 0x7f)
                return ic_lex_error(lx, eline, ecol, IC_ERR_PARSE, "unknown escape '\\%c'", e);
            return ic_lex_error(lx, eline, ecol, IC_ERR_PARSE, "unknown escape '\\' followed by byte 0x%02x", e);
        }
        advance(lx);
    }
    advance(lx); /* closing quote */
    out[n] = '\0';
    t->str = out;
    return IC_OK;
}

/* Reads an integer or float literal, or -inf / -nan. */
static ic_status lex_number(ic_lexer *lx, ic_token *t) {
    size_t start = lx->pos;
    bool is_float = false;
    if (peek(lx) == '-') advance(lx);
    if (is_alpha(peek(lx))) {
        while (is_ident(peek(lx))) advance(lx);
        size_t wl = lx->pos - start - 1;
        const char *w = lx->src + start + 1;
        if (!((wl == 3 && memcmp(w, "inf", 3) == 0) || (wl == 3 && memcmp(w, "nan", 3) == 0)))
            return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "malformed number");
        is_float = true;
    } else {
        if (!is_digit(peek(lx))) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "expected a digit after '-'");
        while (is_digit(peek(lx))) advance(lx);
        if (peek(lx) == '.') {
            is_float = true;
            advance(lx);
            while (is_digit(peek(lx))) advance(lx);
        }
        if (peek(lx) == 'e' || peek(lx) == 'E') {
            is_float = true;
            advance(lx);
            if (peek(lx) == '+' || peek(lx) == '-') advance(lx);
            if (!is_digit(peek(lx)))
                return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "malformed number: exponent has no digits");
            while (is_digit(peek(lx))) advance(lx);
        }
        if (is_name(peek(lx))) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "malformed number");
    }
    size_t n = lx->pos - start;
    if (n >= IC_LEX_NUM_MAX) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "number too long");
    char buf[IC_LEX_NUM_MAX];
    memcpy(buf, lx->src + start, n);
    buf[n] = '\0';
    t->len = n;
    char *end = NULL;
    errno = 0;
    if (is_float) {
        double v = strtod(buf, &end);
        if (end != buf + n) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "malformed number '%s'", buf);
        if (errno == ERANGE && isinf(v))
            return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "float %s out of range", buf);
        t->kind = IC_TOK_FLOAT;
        t->f = v;
    } else {
        long long v = strtoll(buf, &end, 10);
        if (end != buf + n) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "malformed number '%s'", buf);
        if (errno == ERANGE) return ic_lex_error(lx, t->line, t->col, IC_ERR_PARSE, "integer %s out of range", buf);
        t->kind = IC_TOK_INT;
        t->i = (int64_t)v;
    }
    return IC_OK;
}

ic_status ic_lex_next(ic_lexer *lx, ic_token *out) {
    skip_space(lx);
    ic_token t = {.line = lx->line, .col = lx->col, .text = lx->src + lx->pos};
    int c = peek(lx);
    if (c == -1) {
        t.kind = IC_TOK_EOF;
        *out = t;
        return IC_OK;
    }
    size_t start = lx->pos;
    switch (c) {
    case '{': t.kind = IC_TOK_LBRACE; advance(lx); break;
    case '}': t.kind = IC_TOK_RBRACE; advance(lx); break;
    case '(': t.kind = IC_TOK_LPAREN; advance(lx); break;
    case ')': t.kind = IC_TOK_RPAREN; advance(lx); break;
    case '[': t.kind = IC_TOK_LBRACKET; advance(lx); break;
    case ']': t.kind = IC_TOK_RBRACKET; advance(lx); break;
    case ',': t.kind = IC_TOK_COMMA; advance(lx); break;
    case ':': t.kind = IC_TOK_COLON; advance(lx); break;
    case '=': t.kind = IC_TOK_EQUALS; advance(lx); break;
    case '"':
        t.kind = IC_TOK_STRING;
        IC_TRY(lex_string(lx, &t));
        break;
    case '%': {
        t.kind = IC_TOK_VALUE;
        advance(lx);
        if (peek(lx) == '"') {
            IC_TRY(lex_string(lx, &t));
            if (!t.str[0]) return ic_lex_error(lx, t.line, t.col, IC_ERR_PARSE, "empty value name");
        } else {
            size_t s = lx->pos;
            while (is_name(peek(lx))) advance(lx);
            size_t n = lx->pos - s;
            if (n == 0) return ic_lex_error(lx, t.line, t.col, IC_ERR_PARSE, "expected a value name after '%%'");
            char *name = ic_arena_alloc(lx->scratch, n + 1);
            if (!name) return ic_lex_error(lx, t.line, t.col, IC_ERR_NOMEM, "out of memory");
            memcpy(name, lx->src + s, n);
            name[n] = '\0';
            t.str = name;
        }
        break;
    }
    default:
        if (c == '-' || is_digit(c)) {
            IC_TRY(lex_number(lx, &t));
        } else if (is_alpha(c)) {
            while (is_ident(peek(lx))) advance(lx);
            size_t n = lx->pos - start;
            if (n == 3 && (memcmp(t.text, "inf", 3) == 0 || memcmp(t.text, "nan", 3) == 0)) {
                t.kind = IC_TOK_FLOAT;
                t.f = t.text[0] == 'i' ? INFINITY : NAN;
            } else {
                t.kind = IC_TOK_IDENT;
            }
        } else if (c >= 0x21 && c < 0x7f) {
            return ic_lex_error(lx, t.line, t.col, IC_ERR_PARSE, "unexpected character '%c'", c);
        } else {
            return ic_lex_error(lx, t.line, t.col, IC_ERR_PARSE, "unexpected byte 0x%02x", c);
        }
    }
    t.len = lx->pos - start;
    *out = t;
    return IC_OK;
}

void ic_tok_describe(const ic_token *t, char *buf, size_t size) {
    switch (t->kind) {
    case IC_TOK_EOF: snprintf(buf, size, "end of file"); return;
    case IC_TOK_IDENT: snprintf(buf, size, "'%.*s'", t->len > 40 ? 40 : (int)t->len, t->text); return;
    case IC_TOK_INT:
    case IC_TOK_FLOAT: snprintf(buf, size, "number %.*s", t->len > 40 ? 40 : (int)t->len, t->text); return;
    case IC_TOK_STRING: snprintf(buf, size, "a string"); return;
    case IC_TOK_VALUE: snprintf(buf, size, "value %%%.40s", t->str); return;
    default: snprintf(buf, size, "'%c'", t->text[0]); return;
    }
}

bool ic_text_is_bare_name(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!is_name((unsigned char)*s)) return false;
    return true;
}

bool ic_text_is_bare_string(const char *s) {
    if (!is_alpha((unsigned char)*s)) return false;
    if (strcmp(s, "inf") == 0 || strcmp(s, "nan") == 0) return false;
    for (; *s; s++)
        if (!is_ident((unsigned char)*s)) return false;
    return true;
}

size_t ic_text_quote(const char *s, char *buf, size_t size) {
    size_t n = 0;
#define IC_PUT(ch)                            \
    do {                                      \
        if (n + 1 < size) buf[n] = (char)(ch); \
        n++;                                  \
    } while (0)
    static const char hex[] = "0123456789abcdef";
    IC_PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            IC_PUT('\\');
            IC_PUT(c);
        } else if (c == '\n') {
            IC_PUT('\\');
            IC_PUT('n');
        } else if (c == '\t') {
            IC_PUT('\\');
            IC_PUT('t');
        } else if (c == '\r') {
            IC_PUT('\\');
            IC_PUT('r');
        } else if (c < 0x20 || c == 0x7f) {
            IC_PUT('\\');
            IC_PUT('x');
            IC_PUT(hex[c >> 4]);
            IC_PUT(hex[c & 15]);
        } else {
            IC_PUT(c);
        }
    }
    IC_PUT('"');
#undef IC_PUT
    if (size) buf[n < size ? n : size - 1] = '\0';
    return n;
}

void ic_text_format_float(double v, char *buf, size_t size) {
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return;
    }
    int n = snprintf(buf, size, "%.9g", v);
    if (n < 0 || (size_t)n + 3 > size) return;
    if (!strpbrk(buf, ".e")) memcpy(buf + n, ".0", 3);
}
