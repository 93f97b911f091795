/* arena.h — one bump allocator per compilation (or per graph), freed at once.
 *
 * The allocator underneath is injectable so tests can make allocation fail on
 * demand and check that every caller reports IC_ERR_NOMEM cleanly. */
#ifndef INDUCTC_ARENA_H
#define INDUCTC_ARENA_H

#include <stddef.h>

typedef struct ic_allocator {
    void *(*alloc)(void *ctx, size_t size); /* like malloc; NULL on failure */
    void (*free)(void *ctx, void *p);       /* like free */
    void *ctx;                              /* passed to both */
} ic_allocator;

typedef struct ic_arena ic_arena;

/* alloc may be NULL for malloc/free. NULL when out of memory. */
ic_arena *ic_arena_create(const ic_allocator *alloc);
void ic_arena_destroy(ic_arena *a);
/* Zeroed, 64-byte aligned memory; NULL when out of memory. */
void *ic_arena_alloc(ic_arena *a, size_t size);
/* A copy of n bytes of p (NULL when out of memory). */
void *ic_arena_dup(ic_arena *a, const void *p, size_t n);
/* Bytes handed out so far. */
size_t ic_arena_used(const ic_arena *a);

#endif
