/* emit_window.c — max_pool2d and avg_pool2d over NCHW f32, one plane per
 * iteration of the (parallel) outer loop.
 *
 * Semantics as docs/ops.md and the reference: padding never wins a max and
 * NaN propagates; avg divides by the count of real elements, or with
 * count_include_pad by the window clipped to the padded input (PyTorch).
 * Output sizes (ceil_mode, dropped last windows) come from shape inference. */
#include "codegen/cg.h"

ic_status cg_emit_window(cg_ctx *c, uint32_t gi, const ic_node *n) {
    const ic_value *x = cg_val(c, n->inputs[0]), *out = cg_val(c, n->outputs[0]);
    ic_pool_params p;
    IC_TRY(ic_pool_params_get(n, &p, c->d));
    if (p.channels_last) return cg_emit_dnnl_pool(c, gi, n); /* NHWC: oneDNN pooling */
    bool is_max = n->op == IC_OP_MAX_POOL2D;
    long long planes = (long long)(x->shape.dims[0] * x->shape.dims[1]);
    long long h = (long long)x->shape.dims[2], w = (long long)x->shape.dims[3];
    long long oh = (long long)out->shape.dims[2], ow = (long long)out->shape.dims[3];
    long long kh = (long long)p.kernel[0], kw = (long long)p.kernel[1];
    long long dh = is_max ? (long long)p.dilations[0] : 1, dw = is_max ? (long long)p.dilations[1] : 1;
    long long work = planes * oh * ow * kh * kw;

    cg_kernel_begin(c, gi, n, 0);
    ic_strbuf *b = &c->kern;
    if (planes > 1 && work >= CG_PAR_MIN) ic_strbuf_puts(b, "    #pragma omp parallel for\n");
    ic_strbuf_printf(b, "    for (int64_t pl = 0; pl < %lld; pl++) {\n", planes);
    ic_strbuf_printf(b, "        const float *x = in0 + pl * %lld;\n        float *y = out0 + pl * %lld;\n", h * w,
                     oh * ow);
    ic_strbuf_printf(b, "        for (int64_t oy = 0; oy < %lld; oy++)\n", oh);
    ic_strbuf_printf(b, "        for (int64_t ox = 0; ox < %lld; ox++) {\n", ow);
    ic_strbuf_printf(b, "            const int64_t y0 = oy * %lld - %lld, x0 = ox * %lld - %lld;\n",
                     (long long)p.strides[0], (long long)p.pads[0], (long long)p.strides[1], (long long)p.pads[1]);
    if (is_max)
        ic_strbuf_puts(b, "            float acc = -INFINITY;\n");
    else
        ic_strbuf_puts(b, "            double acc = 0.0;\n            int64_t cnt = 0;\n");
    ic_strbuf_printf(b, "            for (int64_t ky = 0; ky < %lld; ky++) {\n", kh);
    ic_strbuf_printf(b, "                const int64_t iy = y0 + ky * %lld;\n", dh);
    ic_strbuf_printf(b, "                if (iy < 0 || iy >= %lld) continue;\n", h);
    ic_strbuf_printf(b, "                for (int64_t kx = 0; kx < %lld; kx++) {\n", kw);
    ic_strbuf_printf(b, "                    const int64_t ix = x0 + kx * %lld;\n", dw);
    ic_strbuf_printf(b, "                    if (ix < 0 || ix >= %lld) continue;\n", w);
    ic_strbuf_printf(b, "                    const float v = x[iy * %lld + ix];\n", w);
    if (is_max)
        ic_strbuf_puts(b, "                    acc = (v > acc || v != v) ? v : acc;\n");
    else
        ic_strbuf_puts(b, "                    acc += v;\n                    cnt++;\n");
    ic_strbuf_puts(b, "                }\n            }\n");
    if (is_max) {
        ic_strbuf_printf(b, "            y[oy * %lld + ox] = acc;\n", ow);
    } else if (p.count_include_pad) {
        ic_strbuf_printf(b,
                         "            const int64_t hh = (y0 + %lld < %lld ? y0 + %lld : %lld) - y0;\n"
                         "            const int64_t ww = (x0 + %lld < %lld ? x0 + %lld : %lld) - x0;\n"
                         "            (void)cnt;\n"
                         "            y[oy * %lld + ox] = (float)(acc / (double)(hh * ww));\n",
                         kh, h + (long long)p.pads[2], kh, h + (long long)p.pads[2], kw, w + (long long)p.pads[3], kw,
                         w + (long long)p.pads[3], ow);
    } else {
        ic_strbuf_printf(b, "            y[oy * %lld + ox] = (float)(acc / (double)cnt);\n", ow);
    }
    ic_strbuf_puts(b, "        }\n    }\n");
    cg_kernel_end(c);
    return IC_OK;
}
