/* index_maps.c — the per-dim index maps of pad and resize, shared by the
 * reference interpreter and codegen (which bakes them into tables at compile
 * time), so both read the same input element for every output element.
 *
 * resize follows the ONNX reference implementation (onnx/backend/test/case/
 * node/resize.py): coordinates in double; with explicit scales, the "resized
 * length" in align_corners and pytorch_half_pixel is scale * input length,
 * not the integer output size; samples outside the input clamp to its edge. */
#include <math.h>

#include "ir/ir.h"

int64_t ic_pad_source(const ic_pad_params *p, int32_t dim, int64_t in_len, int64_t o) {
    int64_t b = p->begin[dim], e = p->end[dim];
    int64_t start = b < 0 ? -b : 0;                    /* first input index kept after cropping */
    int64_t len = in_len - start - (e < 0 ? -e : 0);   /* kept length */
    int64_t q = o - (b > 0 ? b : 0);                   /* position relative to the kept part */
    if (q >= 0 && q < len) return start + q;
    if (p->mode == IC_PAD_CONSTANT || len <= 0) return -1;
    if (p->mode == IC_PAD_EDGE) return start + (q < 0 ? 0 : len - 1);
    if (len == 1) return start;
    int64_t period = 2 * (len - 1); /* reflect repeatedly, as numpy.pad does */
    q %= period;
    if (q < 0) q += period;
    if (q >= len) q = period - q;
    return start + q;
}

static int64_t clamp_index(double v, int64_t len) {
    if (!(v > 0.0)) return 0; /* NaN too */
    if (v >= (double)(len - 1)) return len - 1;
    return (int64_t)v;
}

void ic_resize_sample(const ic_resize_params *p, int32_t dim, int64_t in_len, int64_t x, int64_t *i0, int64_t *i1,
                      double *w) {
    double scale = p->scales[dim], xr = (double)x;
    double out_len = p->has_scales ? scale * (double)in_len : (double)p->sizes[dim];
    double xo;
    switch (p->coord) {
    case IC_RESIZE_ASYMMETRIC: xo = xr / scale; break;
    case IC_RESIZE_ALIGN_CORNERS: xo = out_len <= 1.0 ? 0.0 : xr * (double)(in_len - 1) / (out_len - 1.0); break;
    case IC_RESIZE_PYTORCH_HALF_PIXEL: xo = out_len > 1.0 ? (xr + 0.5) / scale - 0.5 : 0.0; break;
    case IC_RESIZE_TF_HALF_PIXEL_NN: xo = (xr + 0.5) / scale; break;
    case IC_RESIZE_HALF_PIXEL:
    default: xo = (xr + 0.5) / scale - 0.5; break;
    }
    double f = floor(xo), ratio = xo - f;
    if (p->mode == IC_RESIZE_LINEAR) {
        *i0 = clamp_index(f, in_len);
        *i1 = clamp_index(f + 1.0, in_len);
        *w = ratio;
        return;
    }
    bool up;
    switch (p->nearest) {
    case IC_RESIZE_ROUND_PREFER_CEIL: up = ratio >= 0.5; break;
    case IC_RESIZE_FLOOR: up = false; break;
    case IC_RESIZE_CEIL: up = ratio > 0.0; break;
    case IC_RESIZE_ROUND_PREFER_FLOOR:
    default: up = ratio > 0.5; break;
    }
    *i0 = *i1 = clamp_index(up ? f + 1.0 : f, in_len);
    *w = 0.0;
}
