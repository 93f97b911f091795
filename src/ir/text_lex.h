/* text_lex.h — the lexer of the .graph text format, and the lexical rules the
 * printer must follow so that what it writes lexes back to the same tokens.
 *
 * Internal to text_parse.c and text_print.c; the grammar is documented in
 * docs/graph-format.md. */
#ifndef INDUCTC_TEXT_LEX_H
#define INDUCTC_TEXT_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"
#include "ir/diag.h"

typedef enum ic_tok_kind {
    IC_TOK_EOF,      /* end of the text */
    IC_TOK_IDENT,    /* [A-Za-z_][A-Za-z0-9_]*: keywords, ops, dtypes, attribute names, bare strings */
    IC_TOK_INT,      /* integer literal, value in i */
    IC_TOK_FLOAT,    /* float literal (has '.', an exponent, or is inf/nan), value in f */
    IC_TOK_STRING,   /* "quoted", decoded into str */
    IC_TOK_VALUE,    /* %name or %"quoted name", decoded name in str */
    IC_TOK_LBRACE,   /* { */
    IC_TOK_RBRACE,   /* } */
    IC_TOK_LPAREN,   /* ( */
    IC_TOK_RPAREN,   /* ) */
    IC_TOK_LBRACKET, /* [ */
    IC_TOK_RBRACKET, /* ] */
    IC_TOK_COMMA,    /* , */
    IC_TOK_COLON,    /* : */
    IC_TOK_EQUALS,   /* = */
} ic_tok_kind;

typedef struct ic_token {
    ic_tok_kind kind; /* what it is */
    const char *text; /* its bytes in the source (not NUL-terminated) */
    size_t len;       /* bytes in text */
    size_t line;      /* 1-based line of its first byte */
    size_t col;       /* 1-based byte column of its first byte */
    int64_t i;        /* IC_TOK_INT value */
    double f;         /* IC_TOK_FLOAT value */
    const char *str;  /* IC_TOK_STRING / IC_TOK_VALUE: decoded, NUL-terminated, in the scratch arena */
} ic_token;

typedef struct ic_lexer {
    const char *src;      /* the text */
    size_t len;           /* bytes in src */
    size_t pos;           /* next byte to read */
    size_t line;          /* line of src[pos], 1-based */
    size_t col;           /* column of src[pos], 1-based */
    const char *filename; /* for messages */
    ic_arena *scratch;    /* decoded strings live here */
    ic_diag *d;           /* where errors go */
} ic_lexer;

void ic_lex_init(ic_lexer *lx, const char *src, size_t len, const char *filename, ic_arena *scratch, ic_diag *d);
/* Reads the next token into *out; on a lexical error fills d with
 * "file:line:col: message" and returns IC_ERR_PARSE (or IC_ERR_NOMEM). */
ic_status ic_lex_next(ic_lexer *lx, ic_token *out);

/* Sets d to "file:line:col: message" with the given status. */
ic_status ic_lex_error(const ic_lexer *lx, size_t line, size_t col, ic_status st, const char *fmt, ...)
    IC_PRINTF(5, 6);

/* A short human description of a token for "expected X, got Y" messages. */
void ic_tok_describe(const ic_token *t, char *buf, size_t size);

/* --- rules shared with the printer ----------------------------------------- */

/* True if name can follow '%' without quotes: [A-Za-z0-9_.]+ */
bool ic_text_is_bare_name(const char *s);
/* True if s can be written as a bare identifier attribute value:
 * [A-Za-z_][A-Za-z0-9_]* and not a keyword that lexes as a number (inf, nan). */
bool ic_text_is_bare_string(const char *s);
/* Writes s as a quoted string with \" \\ and \xHH escapes into buf; returns
 * the number of bytes it needs (like snprintf; buf may be NULL when size is 0). */
size_t ic_text_quote(const char *s, char *buf, size_t size);
/* Formats a float attribute value so that it lexes back as IC_TOK_FLOAT with
 * the same value at float32 precision: "%.9g", plus ".0" when that looks like
 * an integer; "inf", "-inf", "nan". buf needs at least 32 bytes. */
void ic_text_format_float(double v, char *buf, size_t size);

#endif
