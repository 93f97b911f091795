/* rt_dnnl_impl.h — private to rt_dnnl*.c: the instance and primitive structs,
 * the error macro, and the helpers primitive creation shares (memory
 * descriptors from ic_rt_md, attributes with post-ops, prepacking through the
 * shared cache, the common tail that makes memory objects). */
#ifndef INDUCTC_RT_DNNL_IMPL_H
#define INDUCTC_RT_DNNL_IMPL_H

#include <oneapi/dnnl/dnnl.h>

#include "rt.h"

#define IC_RT_MAX_POST 16 /* post-ops one primitive may carry */

struct ic_rt_dnnl {
    dnnl_engine_t engine; /* the CPU engine */
    dnnl_stream_t stream; /* in-order stream all primitives of the instance run on */
    void *scratch;        /* the scratchpad (tail of the instance's arena) */
    size_t scratch_size;  /* bytes the largest primitive needs */
};

/* One prepacked weights buffer in a slot's shared list. */
typedef struct ic_rt_packed {
    struct ic_rt_packed *next; /* next layout variant of the same slot */
    dnnl_memory_desc_t md;     /* the layout oneDNN picked */
    void *data;                /* the reordered weights, 64-byte aligned */
    size_t bytes;              /* size of data */
    int refs;                  /* primitives (across instances) using it */
} ic_rt_packed;

struct ic_rt_prim {
    dnnl_primitive_t prim;                /* the compute primitive */
    const char *impl;                     /* oneDNN's implementation name */
    dnnl_memory_t src;                    /* handle set per run */
    dnnl_memory_t weights;                /* prepacked, or handle set per run; NULL for pooling */
    dnnl_memory_t bias;                   /* or NULL */
    dnnl_memory_t dst;                    /* handle set per run */
    dnnl_memory_t scratch;                /* scratchpad view, or NULL */
    dnnl_memory_t post[IC_RT_MAX_POST];   /* binary post-op operands (NULL for others) */
    int n_post;                           /* post-ops in the chain */
    int weights_arg;                      /* DNNL_ARG_WEIGHTS */
    int weights_const;                    /* weights were prepacked at create: ignore run's pointer */
    int bias_const;                       /* bias points at constant data set at create */
    ic_rt_packed *packed;                 /* shared prepacked weights, or NULL */
    ic_rt_shared *shared;                 /* the slot packed belongs to */
};

const char *ic_rt_dnnl_status_str(dnnl_status_t s);

/* Evaluates a oneDNN call; on failure records what failed and jumps to fail.
 * Needs err and size in scope. */
#define DNNL_CHECK(call, what)                                                                            \
    do {                                                                                                  \
        dnnl_status_t st_ = (call);                                                                       \
        if (st_ != dnnl_success) {                                                                        \
            ic_rt_fail(err, size, "oneDNN %s failed: %s", what, ic_rt_dnnl_status_str(st_));              \
            goto fail;                                                                                    \
        }                                                                                                 \
    } while (0)

/* A f32 memory descriptor from dims and strides. */
dnnl_status_t ic_rt_md_init(dnnl_memory_desc_t *md, const ic_rt_md *t);
/* A primitive attribute: user scratchpad, output scale alpha (1 = none) and
 * the post-op chain (binary operand descriptors from the ic_rt_md). */
int ic_rt_make_attr(dnnl_primitive_attr_t *out, float alpha, const ic_rt_postop *post, int n_post, char *err,
                    size_t size);
/* Gets the weights oneDNN wants for pd, reordered from user data (user_md
 * layout), through the shared slot: an existing variant with the same
 * layout is reused, else a new one is packed and added. Sets p->weights,
 * p->packed and p->shared. */
int ic_rt_prepack(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *user_md, const float *data,
                  ic_rt_shared *shared, ic_rt_prim *p, char *err, size_t size);
/* The common tail: scratchpad, the primitive, src/dst memory objects and one
 * for each binary post-op, all without buffers until run. */
int ic_rt_finish_prim(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, ic_rt_prim *p, const ic_rt_postop *post,
                      int n_post, char *err, size_t size);

/* oneDNN takes non-const handles even for inputs it only reads. */
static inline void *ic_rt_unconst(const void *p) { return (void *)(uintptr_t)p; }

#endif
