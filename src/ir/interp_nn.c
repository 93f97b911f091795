/* interp_nn.c — reference matmul (numpy semantics), gemm (ONNX) and conv2d
 * (NCHW, groups, strides, dilations, asymmetric pads), f32 with double
 * accumulators.
 *
 * gemm computes alpha*A'B' + beta*C literally when C is given (so beta = 0
 * still propagates a NaN or inf in C, as the ONNX formula says). */
#include <stdlib.h>
#include <string.h>

#include "ir/interp_impl.h"

static ic_status all_f32(const ic_node *n, const ic_tensor *const *in, uint32_t k, const ic_tensor *out,
                         ic_diag *d) {
    for (uint32_t i = 0; i < k; i++)
        if (in[i] && in[i]->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, in[i]->dtype, d);
    if (out->dtype != IC_DT_F32) return ic_interp_bad_dtype(n, out->dtype, d);
    return IC_OK;
}

ic_status ic_interp_matmul(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *a = in[0], *b = in[1];
    IC_TRY(all_f32(n, in, 2, out, d));
    int32_t ra = a->shape.rank, rb = b->shape.rank;
    if (ra < 1 || rb < 1) return ic_interp_bad_shape(n, "operands need rank >= 1", d);
    /* 1-D operands are promoted: a [K] -> [1, K], b [K] -> [K, 1]; the added dim is absent from the result. */
    int64_t m = ra == 1 ? 1 : a->shape.dims[ra - 2], k = a->shape.dims[ra - 1];
    int64_t kb = rb == 1 ? b->shape.dims[0] : b->shape.dims[rb - 2], nn = rb == 1 ? 1 : b->shape.dims[rb - 1];
    if (k != kb) return ic_interp_bad_shape(n, "inner dims differ", d);

    /* batch = the result's leading dims; each operand's batch dims broadcast to it */
    ic_shape batch = {.rank = out->shape.rank - (ra > 1) - (rb > 1)};
    if (batch.rank < 0) return ic_interp_bad_shape(n, "result rank too small", d);
    for (int i = 0; i < batch.rank; i++) batch.dims[i] = out->shape.dims[i];
    ic_shape ba = {.rank = ra > 2 ? ra - 2 : 0}, bb = {.rank = rb > 2 ? rb - 2 : 0};
    for (int i = 0; i < ba.rank; i++) ba.dims[i] = a->shape.dims[i];
    for (int i = 0; i < bb.rank; i++) bb.dims[i] = b->shape.dims[i];
    int64_t strides[2][IC_MAX_RANK];
    if (!ic_bcast_strides(&ba, &batch, strides[0]) || !ic_bcast_strides(&bb, &batch, strides[1]))
        return ic_interp_bad_shape(n, "batch dims do not broadcast to the result", d);
    for (int i = 0; i < batch.rank; i++) { /* in whole matrices -> in elements */
        strides[0][i] *= m * k;
        strides[1][i] *= k * nn;
    }
    size_t n_batch = ic_shape_numel(&batch);
    if (ic_tensor_numel(out) != n_batch * (size_t)(m * nn))
        return ic_interp_bad_shape(n, "result shape disagrees with the operands", d);

    const float *pa = a->data, *pb = b->data;
    float *py = out->data;
    ic_iter it;
    ic_iter_init(&it, &batch, 2, (const int64_t(*)[IC_MAX_RANK])strides, NULL);
    for (size_t bi = 0; bi < n_batch; bi++, ic_iter_next(&it)) {
        const float *ma = pa + it.off[0], *mb = pb + it.off[1];
        float *my = py + bi * (size_t)(m * nn);
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < nn; j++) {
                double acc = 0.0;
                for (int64_t p = 0; p < k; p++) acc += (double)ma[i * k + p] * (double)mb[p * nn + j];
                my[i * nn + j] = (float)acc;
            }
    }
    return IC_OK;
}

ic_status ic_interp_gemm(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *a = in[0], *b = in[1], *c = n->n_inputs > 2 ? in[2] : NULL;
    IC_TRY(all_f32(n, in, n->n_inputs, out, d));
    if (a->shape.rank != 2 || b->shape.rank != 2) return ic_interp_bad_shape(n, "a and b must be 2-D", d);
    ic_gemm_params p = ic_gemm_params_get(n);
    /* op(a) is [M, K], op(b) is [K, N] */
    int64_t m = p.trans_a ? a->shape.dims[1] : a->shape.dims[0], k = p.trans_a ? a->shape.dims[0] : a->shape.dims[1];
    int64_t kb = p.trans_b ? b->shape.dims[1] : b->shape.dims[0], nn = p.trans_b ? b->shape.dims[0] : b->shape.dims[1];
    if (k != kb) return ic_interp_bad_shape(n, "inner dims differ", d);
    if (out->shape.rank != 2 || out->shape.dims[0] != m || out->shape.dims[1] != nn)
        return ic_interp_bad_shape(n, "result shape disagrees with the operands", d);
    int64_t cs[IC_MAX_RANK] = {0, 0};
    if (c && !ic_bcast_strides(&c->shape, &out->shape, cs)) return ic_interp_bad_shape(n, "c does not broadcast to [M, N]", d);

    const float *pa = a->data, *pb = b->data;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++) {
            double acc = 0.0;
            for (int64_t q = 0; q < k; q++) {
                double av = p.trans_a ? pa[q * m + i] : pa[i * k + q];
                double bv = p.trans_b ? pb[j * k + q] : pb[q * nn + j];
                acc += av * bv;
            }
            double y = p.alpha * acc;
            if (c) y += p.beta * ic_ld_f(c, (size_t)(i * cs[0] + j * cs[1]));
            ic_st_f(out, (size_t)(i * nn + j), y);
        }
    return IC_OK;
}

/* Element strides of an activation [N, C, H, W] stored as NCHW or NHWC:
 * out[0..3] are the strides of n, c, h, w. */
void ic_interp_act_strides(const ic_shape *s, bool channels_last, int64_t out[4]) {
    int64_t dense[IC_MAX_RANK];
    ic_dense_strides(s, dense);
    if (channels_last) {
        out[0] = dense[0], out[1] = dense[3], out[2] = dense[1], out[3] = dense[2];
    } else {
        out[0] = dense[0], out[1] = dense[1], out[2] = dense[2], out[3] = dense[3];
    }
}

/* Logical [N, C, H, W] dims of an activation in either layout. */
void ic_interp_act_dims(const ic_shape *s, bool channels_last, int64_t out[4]) {
    if (channels_last) {
        out[0] = s->dims[0], out[1] = s->dims[3], out[2] = s->dims[1], out[3] = s->dims[2];
    } else {
        out[0] = s->dims[0], out[1] = s->dims[1], out[2] = s->dims[2], out[3] = s->dims[3];
    }
}

ic_status ic_interp_conv_view(const ic_node *n, const ic_tensor *const *in, const ic_tensor *out, ic_conv_view *v,
                              ic_diag *d) {
    IC_TRY(all_f32(n, in, n->n_inputs, out, d));
    IC_TRY(ic_conv_params_get(n, &v->p, d));
    if (in[0]->shape.rank != 4 || in[1]->shape.rank != 4 || out->shape.rank != 4)
        return ic_interp_bad_shape(n, "x, w and the result must be 4-D", d);
    ic_interp_act_dims(&in[0]->shape, v->p.channels_last, v->xd);
    ic_interp_act_dims(&out->shape, v->p.channels_last, v->yd);
    ic_interp_act_strides(&in[0]->shape, v->p.channels_last, v->xs);
    ic_interp_act_strides(&out->shape, v->p.channels_last, v->ys);
    return IC_OK;
}

ic_status ic_interp_conv2d(const ic_node *n, const ic_tensor *const *in, ic_tensor *out, ic_diag *d) {
    const ic_tensor *x = in[0], *w = in[1], *bias = n->n_inputs > 2 ? in[2] : NULL;
    ic_conv_view v;
    IC_TRY(ic_interp_conv_view(n, in, out, &v, d));
    const ic_conv_params p = v.p;
    const int64_t *xd = v.xd, *yd = v.yd, *xs = v.xs, *ys = v.ys;
    int64_t nb = xd[0], c_in = xd[1], h = xd[2], wd = xd[3];
    int64_t m = w->shape.dims[0], cg = w->shape.dims[1], kh = w->shape.dims[2], kw = w->shape.dims[3];
    int64_t g = p.group, oh = yd[2], ow = yd[3];
    if (c_in != cg * g || m % g != 0) return ic_interp_bad_shape(n, "channels do not match w and group", d);
    if (yd[0] != nb || yd[1] != m) return ic_interp_bad_shape(n, "result shape disagrees", d);
    if (bias && (int64_t)ic_tensor_numel(bias) != m) return ic_interp_bad_shape(n, "bias needs one value per output channel", d);
    int64_t mg = m / g; /* output channels per group */

    const float *px = x->data, *pw = w->data;
    float *py = out->data;
    size_t plane = (size_t)(oh * ow);
    double *acc = malloc((plane ? plane : 1) * sizeof *acc);
    if (!acc) return ic_diag_set(d, IC_ERR_NOMEM, "conv2d: out of memory");
    /* For each output plane, add every (input channel, kernel tap) contribution
     * to the whole plane; the inner loop walks a row of the output. */
    for (int64_t b = 0; b < nb; b++)
        for (int64_t oc = 0; oc < m; oc++) {
            int64_t grp = oc / mg;
            double b0 = bias ? ic_ld_f(bias, (size_t)oc) : 0.0;
            for (size_t i = 0; i < plane; i++) acc[i] = 0.0;
            for (int64_t ci = 0; ci < cg; ci++) {
                const float *xc = px + b * xs[0] + (grp * cg + ci) * xs[1];
                const float *wc = pw + ((oc * cg + ci) * kh) * kw;
                for (int64_t ky = 0; ky < kh; ky++)
                    for (int64_t kx = 0; kx < kw; kx++) {
                        double wv = wc[ky * kw + kx];
                        for (int64_t y = 0; y < oh; y++) {
                            int64_t iy = y * p.strides[0] - p.pads[0] + ky * p.dilations[0];
                            if (iy < 0 || iy >= h) continue;
                            for (int64_t xo = 0; xo < ow; xo++) {
                                int64_t ix = xo * p.strides[1] - p.pads[1] + kx * p.dilations[1];
                                if (ix < 0 || ix >= wd) continue;
                                acc[y * ow + xo] += wv * (double)xc[iy * xs[2] + ix * xs[3]];
                            }
                        }
                    }
            }
            float *yp = py + b * ys[0] + oc * ys[1];
            for (int64_t y = 0; y < oh; y++)
                for (int64_t xo = 0; xo < ow; xo++) yp[y * ys[2] + xo * ys[3]] = (float)(acc[y * ow + xo] + b0);
        }
    free(acc);
    return IC_OK;
}
