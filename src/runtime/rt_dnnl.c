/* rt_dnnl.c — the oneDNN side of a model instance: engine and stream,
 * memory descriptors, post-op attributes, the process-wide cache of
 * prepacked weights, execution and teardown. Primitive creation per kind is
 * in rt_dnnl_prims.c.
 *
 * Prepacked weights are shared by every instance of a model in the process:
 * each primitive slot of the generated code owns a static ic_rt_shared, a
 * list of packed variants (one per weights layout oneDNN asked for) with a
 * reference count each. One mutex guards all lists; the first instance packs,
 * later ones only take a reference, and the last one to go frees. Everything
 * else an instance uses (engine, stream, primitives, memory objects, the
 * arena-backed scratchpad) is its own, so instances run concurrently. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt_dnnl_impl.h"

static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER; /* guards every ic_rt_shared list */

const char *ic_rt_dnnl_status_str(dnnl_status_t s) {
    switch (s) {
    case dnnl_success: return "success";
    case dnnl_out_of_memory: return "out of memory";
    case dnnl_invalid_arguments: return "invalid arguments";
    case dnnl_unimplemented: return "unimplemented";
    case dnnl_iterator_ends: return "iterator ends";
    case dnnl_runtime_error: return "runtime error";
    case dnnl_not_required: return "not required";
    default: return "unknown error";
    }
}

int ic_rt_dnnl_create(ic_rt_dnnl **out, char *err, size_t size) {
    *out = NULL;
    ic_rt_dnnl *e = calloc(1, sizeof *e);
    if (!e) return ic_rt_fail(err, size, "out of memory creating the oneDNN engine");
    DNNL_CHECK(dnnl_engine_create(&e->engine, dnnl_cpu, 0), "engine creation");
    DNNL_CHECK(dnnl_stream_create(&e->stream, e->engine, dnnl_stream_default_flags), "stream creation");
    *out = e;
    return 0;
fail:
    ic_rt_dnnl_destroy(e);
    return 1;
}

void ic_rt_dnnl_destroy(ic_rt_dnnl *e) {
    if (!e) return;
    if (e->stream) dnnl_stream_destroy(e->stream);
    if (e->engine) dnnl_engine_destroy(e->engine);
    free(e);
}

size_t ic_rt_dnnl_scratch_size(const ic_rt_dnnl *e) { return e ? e->scratch_size : 0; }

void ic_rt_dnnl_set_scratch(ic_rt_dnnl *e, void *scratch) {
    if (e) e->scratch = scratch;
}

dnnl_status_t ic_rt_md_init(dnnl_memory_desc_t *md, const ic_rt_md *t) {
    if (t->ndims < 1 || t->ndims > IC_RT_MAX_DIMS) return dnnl_invalid_arguments;
    dnnl_dims_t dims, strides;
    for (int i = 0; i < t->ndims; i++) {
        dims[i] = t->dims[i];
        strides[i] = t->strides[i];
    }
    return dnnl_memory_desc_init_by_strides(md, t->ndims, dims, dnnl_f32, strides);
}

static dnnl_alg_kind_t eltwise_alg(int alg) {
    switch (alg) {
    case IC_RT_ELT_RELU: return dnnl_eltwise_relu;
    case IC_RT_ELT_CLIP: return dnnl_eltwise_clip;
    case IC_RT_ELT_LOGISTIC: return dnnl_eltwise_logistic;
    case IC_RT_ELT_TANH: return dnnl_eltwise_tanh;
    case IC_RT_ELT_GELU_ERF: return dnnl_eltwise_gelu_erf;
    case IC_RT_ELT_GELU_TANH: return dnnl_eltwise_gelu_tanh;
    case IC_RT_ELT_SWISH: return dnnl_eltwise_swish;
    case IC_RT_ELT_HARDSWISH: return dnnl_eltwise_hardswish;
    case IC_RT_ELT_LINEAR: return dnnl_eltwise_linear;
    case IC_RT_ELT_ELU: return dnnl_eltwise_elu;
    default: return dnnl_alg_kind_undef;
    }
}

static dnnl_alg_kind_t binary_alg(int alg) {
    switch (alg) {
    case IC_RT_BIN_ADD: return dnnl_binary_add;
    case IC_RT_BIN_SUB: return dnnl_binary_sub;
    case IC_RT_BIN_MUL: return dnnl_binary_mul;
    case IC_RT_BIN_DIV: return dnnl_binary_div;
    case IC_RT_BIN_MAX: return dnnl_binary_max;
    case IC_RT_BIN_MIN: return dnnl_binary_min;
    default: return dnnl_alg_kind_undef;
    }
}

int ic_rt_make_attr(dnnl_primitive_attr_t *out, float alpha, const ic_rt_postop *post, int n_post, char *err,
                    size_t size) {
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    *out = NULL;
    if (n_post < 0 || n_post > IC_RT_MAX_POST) return ic_rt_fail(err, size, "too many post-ops (%d)", n_post);
    DNNL_CHECK(dnnl_primitive_attr_create(&attr), "attribute creation");
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    if (alpha != 1.0f) DNNL_CHECK(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha), "output scales");
    if (n_post) {
        DNNL_CHECK(dnnl_post_ops_create(&po), "post-ops creation");
        for (int i = 0; i < n_post; i++) {
            const ic_rt_postop *q = &post[i];
            if (q->kind == IC_RT_PO_ELTWISE) {
                dnnl_alg_kind_t alg = eltwise_alg(q->alg);
                if (alg == dnnl_alg_kind_undef) {
                    ic_rt_fail(err, size, "unknown eltwise post-op %d", q->alg);
                    goto fail;
                }
                DNNL_CHECK(dnnl_post_ops_append_eltwise(po, 1.0f, alg, q->alpha, q->beta), "eltwise post-op");
            } else if (q->kind == IC_RT_PO_SUM) {
                DNNL_CHECK(dnnl_post_ops_append_sum(po, q->alpha), "sum post-op");
            } else if (q->kind == IC_RT_PO_BINARY) {
                dnnl_alg_kind_t alg = binary_alg(q->alg);
                dnnl_memory_desc_t md;
                if (alg == dnnl_alg_kind_undef) {
                    ic_rt_fail(err, size, "unknown binary post-op %d", q->alg);
                    goto fail;
                }
                DNNL_CHECK(ic_rt_md_init(&md, &q->src1), "binary post-op descriptor");
                DNNL_CHECK(dnnl_post_ops_append_binary(po, alg, &md), "binary post-op");
            } else {
                ic_rt_fail(err, size, "unknown post-op kind %d", q->kind);
                goto fail;
            }
        }
        DNNL_CHECK(dnnl_primitive_attr_set_post_ops(attr, po), "post-ops");
        dnnl_post_ops_destroy(po);
    }
    *out = attr;
    return 0;
fail:
    if (po) dnnl_post_ops_destroy(po);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return 1;
}

/* Reorders data (user layout) into a new buffer of layout want. */
static int pack_new(ic_rt_dnnl *e, const dnnl_memory_desc_t *user_md, const dnnl_memory_desc_t *want, const float *data,
                    ic_rt_packed **out, char *err, size_t size) {
    dnnl_memory_t user = NULL, packed = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    ic_rt_packed *pk = calloc(1, sizeof *pk);
    if (!pk) return ic_rt_fail(err, size, "out of memory prepacking weights");
    pk->md = *want;
    pk->bytes = dnnl_memory_desc_get_size(want);
    pk->data = aligned_alloc(64, (pk->bytes + 63) & ~(size_t)63);
    if (!pk->data) {
        ic_rt_fail(err, size, "out of memory prepacking %zu bytes of weights", pk->bytes);
        goto fail;
    }
    DNNL_CHECK(dnnl_memory_create(&user, user_md, e->engine, ic_rt_unconst(data)), "weights memory creation");
    DNNL_CHECK(dnnl_memory_create(&packed, want, e->engine, pk->data), "packed weights memory creation");
    DNNL_CHECK(dnnl_reorder_primitive_desc_create(&rpd, user_md, e->engine, want, e->engine, NULL),
               "weights reorder descriptor");
    DNNL_CHECK(dnnl_primitive_create(&reorder, rpd), "weights reorder creation");
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, packed}};
    DNNL_CHECK(dnnl_primitive_execute(reorder, e->stream, 2, args), "weights reorder");
    DNNL_CHECK(dnnl_stream_wait(e->stream), "weights reorder");
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user);
    dnnl_memory_destroy(packed);
    *out = pk;
    return 0;
fail:
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (user) dnnl_memory_destroy(user);
    if (packed) dnnl_memory_destroy(packed);
    free(pk->data);
    free(pk);
    return 1;
}

int ic_rt_prepack(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *user_md, const float *data,
                  ic_rt_shared *shared, ic_rt_prim *p, char *err, size_t size) {
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!want) return ic_rt_fail(err, size, "oneDNN did not report a weights layout");
    ic_rt_packed *pk = NULL;
    pthread_mutex_lock(&shared_mu);
    for (pk = shared->head; pk; pk = pk->next)
        if (dnnl_memory_desc_equal(&pk->md, want)) break;
    if (!pk) {
        if (pack_new(e, user_md, want, data, &pk, err, size)) {
            pthread_mutex_unlock(&shared_mu);
            return 1;
        }
        pk->next = shared->head;
        shared->head = pk;
    }
    pk->refs++;
    pthread_mutex_unlock(&shared_mu);
    p->packed = pk;
    p->shared = shared;
    p->weights_const = 1;
    DNNL_CHECK(dnnl_memory_create(&p->weights, want, e->engine, pk->data), "packed weights memory creation");
    return 0;
fail:
    return 1;
}

int ic_rt_finish_prim(ic_rt_dnnl *e, const_dnnl_primitive_desc_t pd, ic_rt_prim *p, const ic_rt_postop *post,
                      int n_post, char *err, size_t size) {
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t sp_size = sp ? dnnl_memory_desc_get_size(sp) : 0;
    if (sp_size) {
        if (sp_size > e->scratch_size) e->scratch_size = (sp_size + 63) & ~(size_t)63;
        DNNL_CHECK(dnnl_memory_create(&p->scratch, sp, e->engine, DNNL_MEMORY_NONE), "scratchpad memory creation");
    }
    DNNL_CHECK(dnnl_primitive_create(&p->prim, pd), "primitive creation");
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success) p->impl = impl;
    const dnnl_memory_desc_t *src_md = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    DNNL_CHECK(dnnl_memory_create(&p->src, src_md, e->engine, DNNL_MEMORY_NONE), "src memory creation");
    DNNL_CHECK(dnnl_memory_create(&p->dst, dst_md, e->engine, DNNL_MEMORY_NONE), "dst memory creation");
    p->n_post = n_post;
    for (int i = 0; i < n_post; i++) {
        if (post[i].kind != IC_RT_PO_BINARY) continue;
        dnnl_memory_desc_t md;
        DNNL_CHECK(ic_rt_md_init(&md, &post[i].src1), "binary post-op descriptor");
        DNNL_CHECK(dnnl_memory_create(&p->post[i], &md, e->engine, DNNL_MEMORY_NONE), "post-op memory creation");
    }
    return 0;
fail:
    return 1;
}

int ic_rt_run(ic_rt_dnnl *e, ic_rt_prim *p, const void *src, const void *weights, const void *bias, void *dst,
              const void *const *post_src, char *err, size_t size) {
    dnnl_exec_arg_t args[6 + IC_RT_MAX_POST];
    int n = 0;
    DNNL_CHECK(dnnl_memory_set_data_handle(p->src, ic_rt_unconst(src)), "setting src");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, p->src};
    if (p->weights) {
        if (!p->weights_const) DNNL_CHECK(dnnl_memory_set_data_handle(p->weights, ic_rt_unconst(weights)), "setting weights");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, p->weights};
    }
    if (p->bias) {
        if (!p->bias_const) DNNL_CHECK(dnnl_memory_set_data_handle(p->bias, ic_rt_unconst(bias)), "setting bias");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, p->bias};
    }
    DNNL_CHECK(dnnl_memory_set_data_handle(p->dst, dst), "setting dst");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, p->dst};
    if (p->scratch) {
        DNNL_CHECK(dnnl_memory_set_data_handle(p->scratch, e->scratch), "setting scratchpad");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, p->scratch};
    }
    for (int i = 0; i < p->n_post; i++) {
        if (!p->post[i]) continue;
        DNNL_CHECK(dnnl_memory_set_data_handle(p->post[i], ic_rt_unconst(post_src[i])), "setting a post-op operand");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_SRC_1, p->post[i]};
    }
    DNNL_CHECK(dnnl_primitive_execute(p->prim, e->stream, n, args), "execution");
    DNNL_CHECK(dnnl_stream_wait(e->stream), "stream wait");
    return 0;
fail:
    return 1;
}

size_t ic_rt_prim_packed_bytes(const ic_rt_prim *p) { return p && p->packed ? p->packed->bytes : 0; }

const char *ic_rt_prim_impl(const ic_rt_prim *p) { return p && p->impl ? p->impl : ""; }

/* Drops one reference to p's prepacked weights; frees them at zero. */
static void release_packed(ic_rt_prim *p) {
    if (!p->packed) return;
    pthread_mutex_lock(&shared_mu);
    if (--p->packed->refs == 0) {
        ic_rt_packed **link = (ic_rt_packed **)&p->shared->head;
        while (*link && *link != p->packed) link = &(*link)->next;
        if (*link) *link = p->packed->next;
        free(p->packed->data);
        free(p->packed);
    }
    pthread_mutex_unlock(&shared_mu);
    p->packed = NULL;
}

void ic_rt_prim_destroy(ic_rt_prim *p) {
    if (!p) return;
    if (p->prim) dnnl_primitive_destroy(p->prim);
    dnnl_memory_t mems[] = {p->src, p->weights, p->bias, p->dst, p->scratch};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i]) dnnl_memory_destroy(mems[i]);
    for (int i = 0; i < IC_RT_MAX_POST; i++)
        if (p->post[i]) dnnl_memory_destroy(p->post[i]);
    release_packed(p);
    free(p);
}
