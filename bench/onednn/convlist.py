#!/usr/bin/python3
"""convlist.py — lists every Conv of an ONNX model in conv_bench.c's input format:

    N C H W  M kH kW  sH sW  pad_top pad_left pad_bottom pad_right  dH dW  group

    /usr/bin/python3 bench/onednn/convlist.py model.onnx > model.convs
    cc -O2 bench/onednn/conv_bench.c -ldnnl -o conv_bench
    OMP_NUM_THREADS=1 ./conv_bench 20 nchw nhwc any < model.convs

(how NHWC was chosen over NCHW and oneDNN's blocked layouts; see src/lower/layout.c).
"""
import sys

import onnx
from onnx import shape_inference


def main():
    m = shape_inference.infer_shapes(onnx.load(sys.argv[1]))
    g = m.graph
    shapes = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    inits = {i.name: list(i.dims) for i in g.initializer}
    for n in g.node:
        if n.op_type != "Conv":
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        x, w = shapes[n.input[0]], inits[n.input[1]]
        s, p = a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
        d, gr = a.get("dilations", [1, 1]), a.get("group", 1)
        # ONNX pads are [top, left, bottom, right] for 2-D
        print(*x, w[0], w[2], w[3], *s, *p, *d, gr)


if __name__ == "__main__":
    main()
