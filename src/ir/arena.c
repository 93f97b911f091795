/* arena.c — chunked bump allocator; see arena.h. */
#include "ir/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IC_ARENA_ALIGN 64
#define IC_ARENA_CHUNK (64 * 1024)

typedef struct ic_chunk {
    struct ic_chunk *next; /* previously filled chunk */
    size_t size;           /* usable bytes after the header */
    size_t used;           /* bytes handed out */
} ic_chunk;

struct ic_arena {
    ic_allocator alloc; /* where chunks come from */
    ic_chunk *head;     /* current chunk, newest first */
    size_t total;       /* bytes handed out */
};

static void *default_alloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size);
}

static void default_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

ic_arena *ic_arena_create(const ic_allocator *alloc) {
    ic_allocator al = {default_alloc, default_free, NULL};
    if (alloc) al = *alloc;
    ic_arena *a = al.alloc(al.ctx, sizeof *a);
    if (!a) return NULL;
    memset(a, 0, sizeof *a);
    a->alloc = al;
    return a;
}

void ic_arena_destroy(ic_arena *a) {
    if (!a) return;
    ic_chunk *c = a->head;
    while (c) {
        ic_chunk *next = c->next;
        a->alloc.free(a->alloc.ctx, c);
        c = next;
    }
    a->alloc.free(a->alloc.ctx, a);
}

/* Chunk payload starts at an aligned offset from the header. */
static uint8_t *chunk_base(ic_chunk *c) {
    uintptr_t p = (uintptr_t)(c + 1);
    p = (p + IC_ARENA_ALIGN - 1) & ~(uintptr_t)(IC_ARENA_ALIGN - 1);
    return (uint8_t *)p;
}

void *ic_arena_alloc(ic_arena *a, size_t size) {
    if (!a) return NULL;
    if (size == 0) size = 1;
    if (size > SIZE_MAX - 2 * IC_ARENA_ALIGN - sizeof(ic_chunk)) return NULL;
    size_t rounded = (size + IC_ARENA_ALIGN - 1) & ~(size_t)(IC_ARENA_ALIGN - 1);
    ic_chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        size_t want = rounded > IC_ARENA_CHUNK ? rounded : IC_ARENA_CHUNK;
        c = a->alloc.alloc(a->alloc.ctx, sizeof(ic_chunk) + IC_ARENA_ALIGN + want);
        if (!c) return NULL;
        c->size = want;
        c->used = 0;
        /* a big one-off block goes behind the current chunk so its space keeps being used */
        if (a->head && rounded > IC_ARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    uint8_t *p = chunk_base(c) + c->used;
    c->used += rounded;
    a->total += rounded;
    memset(p, 0, size);
    return p;
}

void *ic_arena_dup(ic_arena *a, const void *p, size_t n) {
    void *q = ic_arena_alloc(a, n);
    if (q && n) memcpy(q, p, n);
    return q;
}

size_t ic_arena_used(const ic_arena *a) { return a ? a->total : 0; }
