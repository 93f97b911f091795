/* text_print.c — writes an ic_graph as .graph text (docs/graph-format.md).
 *
 * The output is canonical: parsing it and printing again gives the same bytes.
 * Every value gets a label that is unique in the text, so any graph a pass
 * produces prints as something the parser accepts: names are kept when they
 * are free, unnamed values print as %<id>, and a clash gets a _1, _2 ...
 * suffix. Graph inputs and outputs claim their names first, since those are
 * the model's ABI. The canonical variant (for cache keys) renames every other
 * value %0, %1, ... in definition order and leaves out the data of constants
 * made by passes or importers (printing millions of weights as text made a
 * cache hit as slow as a compile; the key hashes their bytes directly). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir/tensor.h"
#include "ir/text.h"
#include "ir/text_lex.h"

/* Set of labels already handed out. */
typedef struct label_set {
    const char **slots; /* cap entries, NULL = empty */
    size_t cap;         /* a power of two */
    size_t n;           /* used entries */
} label_set;

typedef struct printer {
    const ic_graph *g;   /* what we print */
    ic_strbuf *out;      /* where it goes */
    ic_arena *tmp;       /* labels and the set, freed when printing ends */
    const char **labels; /* per value id: its label without '%', NULL until assigned */
    label_set used;      /* labels taken so far */
    bool oom;            /* an allocation in tmp failed */
    bool elide_data;     /* canonical form: attribute-less constants print without their data */
} printer;

/* --- labels ---------------------------------------------------------------------- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool set_has(const label_set *s, const char *k) {
    if (!s->cap) return false;
    for (size_t i = hash_str(k) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->slots[i], k) == 0) return true;
    return false;
}

static bool set_add(printer *p, const char *k) {
    label_set *s = &p->used;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        const char **ns = ic_arena_alloc(p->tmp, ncap * sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i]) continue;
            size_t j = hash_str(s->slots[i]) & (ncap - 1);
            while (ns[j]) j = (j + 1) & (ncap - 1);
            ns[j] = s->slots[i];
        }
        s->slots = ns;
        s->cap = ncap;
    }
    size_t j = hash_str(k) & (s->cap - 1);
    while (s->slots[j]) j = (j + 1) & (s->cap - 1);
    s->slots[j] = k;
    s->n++;
    return true;
}

static char *tmp_printf(printer *p, const char *fmt, const char *a, unsigned long long b) {
    int n = snprintf(NULL, 0, fmt, a, b);
    char *s = n >= 0 ? ic_arena_alloc(p->tmp, (size_t)n + 1) : NULL;
    if (!s) return NULL;
    snprintf(s, (size_t)n + 1, fmt, a, b);
    return s;
}

/* Gives value v the label base, or base_1, base_2 ... if base is taken. */
static void claim(printer *p, uint32_t v, const char *base) {
    if (p->oom || p->labels[v]) return;
    const char *l = base;
    for (unsigned long long k = 1; set_has(&p->used, l); k++) {
        l = tmp_printf(p, "%s_%llu", base, k);
        if (!l) {
            p->oom = true;
            return;
        }
    }
    if (!set_add(p, l)) {
        p->oom = true;
        return;
    }
    p->labels[v] = l;
}

static bool has_name(const ic_value *v) { return v->name && v->name[0]; }

/* Labels for a value that is not a graph input or output. */
static void label_internal(printer *p, uint32_t v, bool canonical, unsigned long long *counter) {
    if (p->oom || p->labels[v]) return;
    char buf[32];
    if (canonical) {
        for (;; (*counter)++) {
            snprintf(buf, sizeof buf, "%llu", *counter);
            if (!set_has(&p->used, buf)) break;
        }
        (*counter)++;
    } else if (!has_name(&p->g->values[v])) {
        snprintf(buf, sizeof buf, "%u", v);
    }
    const char *base = (canonical || !has_name(&p->g->values[v])) ? ic_arena_dup(p->tmp, buf, strlen(buf) + 1)
                                                                   : p->g->values[v].name;
    if (!base) {
        p->oom = true;
        return;
    }
    claim(p, v, base);
}

static void assign_labels(printer *p, bool canonical) {
    const ic_graph *g = p->g;
    /* graph inputs and outputs keep their names: they are the ABI */
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        uint32_t v = g->inputs[i];
        if (v < g->n_values && has_name(&g->values[v]) && !set_has(&p->used, g->values[v].name))
            claim(p, v, g->values[v].name);
    }
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        uint32_t v = g->outputs[i];
        if (v < g->n_values && has_name(&g->values[v]) && !set_has(&p->used, g->values[v].name))
            claim(p, v, g->values[v].name);
    }
    unsigned long long counter = 0;
    for (uint32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] < g->n_values) label_internal(p, g->inputs[i], canonical, &counter);
    for (uint32_t n = 0; n < g->n_nodes; n++)
        for (uint32_t k = 0; k < g->nodes[n].n_outputs; k++)
            if (g->nodes[n].outputs[k] < g->n_values) label_internal(p, g->nodes[n].outputs[k], canonical, &counter);
}

/* --- output ---------------------------------------------------------------------- */

static void put_quoted(printer *p, const char *s) {
    char small[256];
    size_t n = ic_text_quote(s, small, sizeof small);
    if (n < sizeof small) {
        ic_strbuf_append(p->out, small, n);
        return;
    }
    char *big = ic_arena_alloc(p->tmp, n + 1);
    if (!big) {
        p->oom = true;
        return;
    }
    ic_text_quote(s, big, n + 1);
    ic_strbuf_append(p->out, big, n);
}

/* %label, or %<id> for an id that no node or input defines (a broken graph) */
static void put_value(printer *p, uint32_t v) {
    const char *l = v < p->g->n_values ? p->labels[v] : NULL;
    ic_strbuf_puts(p->out, "%");
    if (!l) {
        ic_strbuf_printf(p->out, "%u", v);
    } else if (ic_text_is_bare_name(l)) {
        ic_strbuf_puts(p->out, l);
    } else {
        put_quoted(p, l);
    }
}

static void put_type(printer *p, uint32_t v) {
    if (v >= p->g->n_values) {
        ic_strbuf_puts(p->out, "invalid[]");
        return;
    }
    const ic_value *val = &p->g->values[v];
    ic_strbuf_printf(p->out, "%s[", ic_dtype_name(val->dtype));
    int32_t rank = val->shape.rank < 0 ? 0 : val->shape.rank > IC_MAX_RANK ? IC_MAX_RANK : val->shape.rank;
    for (int32_t i = 0; i < rank; i++)
        ic_strbuf_printf(p->out, "%s%lld", i ? "," : "", (long long)val->shape.dims[i]);
    ic_strbuf_puts(p->out, "]");
}

static void put_float(printer *p, double f) {
    char buf[48];
    ic_text_format_float(f, buf, sizeof buf);
    ic_strbuf_puts(p->out, buf);
}

static void put_attr(printer *p, const ic_attr *a) {
    ic_strbuf_printf(p->out, "%s=", a->name);
    switch (a->kind) {
    case IC_ATTR_INT: ic_strbuf_printf(p->out, "%lld", (long long)a->i); break;
    case IC_ATTR_FLOAT: put_float(p, a->f); break;
    case IC_ATTR_INTS:
        ic_strbuf_puts(p->out, "[");
        for (uint32_t i = 0; i < a->n; i++) ic_strbuf_printf(p->out, "%s%lld", i ? "," : "", (long long)a->ints[i]);
        ic_strbuf_puts(p->out, "]");
        break;
    case IC_ATTR_FLOATS:
        ic_strbuf_puts(p->out, "[");
        for (uint32_t i = 0; i < a->n; i++) {
            if (i) ic_strbuf_puts(p->out, ",");
            put_float(p, a->floats[i]);
        }
        ic_strbuf_puts(p->out, "]");
        break;
    case IC_ATTR_STRING: {
        const char *s = a->s ? a->s : "";
        if (ic_text_is_bare_string(s))
            ic_strbuf_puts(p->out, s);
        else
            put_quoted(p, s);
        break;
    }
    }
}

/* {value=[...]} / {ivalue=[...]} from a constant's data (constants made by passes carry no attributes). */
static void put_inline_data(printer *p, const ic_value *v) {
    size_t n = ic_value_numel(v);
    bool fl = ic_dtype_is_float(v->dtype);
    ic_strbuf_puts(p->out, fl ? " {value=[" : " {ivalue=[");
    for (size_t i = 0; i < n && ic_strbuf_ok(p->out); i++) {
        if (i) ic_strbuf_puts(p->out, ",");
        switch (v->dtype) {
        case IC_DT_F32: put_float(p, ((const float *)v->data)[i]); break;
        case IC_DT_F16: put_float(p, ic_half_to_f64(((const uint16_t *)v->data)[i], IC_DT_F16)); break;
        case IC_DT_BF16: put_float(p, ic_half_to_f64(((const uint16_t *)v->data)[i], IC_DT_BF16)); break;
        case IC_DT_I8: ic_strbuf_printf(p->out, "%d", ((const int8_t *)v->data)[i]); break;
        case IC_DT_U8:
        case IC_DT_BOOL: ic_strbuf_printf(p->out, "%u", ((const uint8_t *)v->data)[i]); break;
        case IC_DT_I32: ic_strbuf_printf(p->out, "%ld", (long)((const int32_t *)v->data)[i]); break;
        case IC_DT_I64: ic_strbuf_printf(p->out, "%lld", (long long)((const int64_t *)v->data)[i]); break;
        default: ic_strbuf_puts(p->out, "0"); break;
        }
    }
    ic_strbuf_puts(p->out, "]}");
}

static void put_node(printer *p, const ic_node *n) {
    ic_strbuf_puts(p->out, "  ");
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        if (k) ic_strbuf_puts(p->out, ", ");
        put_value(p, n->outputs[k]);
        ic_strbuf_puts(p->out, " : ");
        put_type(p, n->outputs[k]);
    }
    ic_strbuf_printf(p->out, " = %s", (unsigned)n->op < IC_OP_COUNT ? ic_op_get(n->op)->name : "invalid_op");
    if (n->n_inputs) {
        ic_strbuf_puts(p->out, "(");
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            if (k) ic_strbuf_puts(p->out, ", ");
            put_value(p, n->inputs[k]);
        }
        ic_strbuf_puts(p->out, ")");
    }
    if (n->n_attrs) {
        ic_strbuf_puts(p->out, " {");
        for (uint32_t k = 0; k < n->n_attrs; k++) {
            if (k) ic_strbuf_puts(p->out, ", ");
            put_attr(p, &n->attrs[k]);
        }
        ic_strbuf_puts(p->out, "}");
    } else if (n->op == IC_OP_CONSTANT && n->n_outputs == 1 && n->outputs[0] < p->g->n_values &&
               p->g->values[n->outputs[0]].data && !p->elide_data) {
        put_inline_data(p, &p->g->values[n->outputs[0]]);
    }
    if (n->group != IC_NONE) ic_strbuf_printf(p->out, "  # kernel %u", n->group); /* set by the fuse passes */
    ic_strbuf_puts(p->out, "\n");
}

static ic_status print_graph(const ic_graph *g, ic_strbuf *out, bool canonical, ic_diag *d) {
    printer p = {.g = g, .out = out, .elide_data = canonical};
    p.tmp = ic_arena_create(NULL);
    if (!p.tmp) return ic_diag_set(d, IC_ERR_NOMEM, "out of memory printing graph '%s'", g->name);
    p.labels = ic_arena_alloc(p.tmp, ((size_t)g->n_values + 1) * sizeof *p.labels);
    if (!p.labels) p.oom = true;
    if (!p.oom) assign_labels(&p, canonical);
    if (!p.oom) {
        ic_strbuf_puts(out, "graph ");
        put_quoted(&p, g->name ? g->name : "");
        ic_strbuf_puts(out, " {\n");
        if (g->weights_path) {
            ic_strbuf_puts(out, "  weights ");
            put_quoted(&p, g->weights_path);
            ic_strbuf_puts(out, "\n");
        }
        for (uint32_t i = 0; i < g->n_inputs; i++) {
            ic_strbuf_puts(out, "  input ");
            put_value(&p, g->inputs[i]);
            ic_strbuf_puts(out, " : ");
            put_type(&p, g->inputs[i]);
            ic_strbuf_puts(out, "\n");
        }
        for (uint32_t n = 0; n < g->n_nodes; n++) put_node(&p, &g->nodes[n]);
        if (g->n_outputs) {
            ic_strbuf_puts(out, "  output ");
            for (uint32_t i = 0; i < g->n_outputs; i++) {
                if (i) ic_strbuf_puts(out, ", ");
                put_value(&p, g->outputs[i]);
            }
            ic_strbuf_puts(out, "\n");
        }
        ic_strbuf_puts(out, "}\n");
    }
    ic_arena_destroy(p.tmp);
    if (p.oom || !ic_strbuf_ok(out))
        return ic_diag_set(d, IC_ERR_NOMEM, "out of memory printing graph '%s'", g->name ? g->name : "");
    return IC_OK;
}

ic_status ic_text_print(const ic_graph *g, ic_strbuf *out, ic_diag *d) { return print_graph(g, out, false, d); }

ic_status ic_text_print_canonical(const ic_graph *g, ic_strbuf *out, ic_diag *d) {
    return print_graph(g, out, true, d);
}
