#!/usr/bin/python3
"""make_graphs.py — writes the .graph models bench/kernels/run.sh times.

Each model is one memory-bound kernel of the kind transformer and mobile
nets spend their non-GEMM time in, at the shapes the model suites use, with
tensors large enough (around 100 MB each) that they stream from DRAM: layernorm and
softmax rows of 768, 3072 and 128; GELU (the op and the erf form ONNX
exports, and the tanh form GPT-2 exports) with its bias over 128x3072
(BERT-base FFN, one sequence) and over a large batch; bias + residual + layernorm; hardswish and a squeeze-excite
block on 56x56 activations; a long elementwise chain.

    make_graphs.py OUT_DIR [--small]

--small divides the row counts by 16 (a quick smoke run)."""
import os
import sys


def graph(name, inputs, body, outputs):
    lines = ['graph "%s" {' % name]
    lines += ["  input %%%s : f32[%s]" % (n, ",".join(map(str, s))) for n, s in inputs]
    lines += ["  " + l for l in body]
    lines.append("  output " + ", ".join("%" + o for o in outputs))
    lines.append("}")
    return "\n".join(lines) + "\n"


def t(shape):
    return "f32[%s]" % ",".join(map(str, shape))


def layernorm(rows, n):
    s = [rows, n]
    return graph("ln%d" % n, [("x", s), ("g", [n]), ("b", [n])],
                 ["%%y : %s = layernorm(%%x, %%g, %%b) {epsilon=1e-05}" % t(s)], ["y"])


def softmax(rows, n):
    s = [rows, n]
    return graph("softmax%d" % n, [("x", s)], ["%%y : %s = softmax(%%x) {axis=-1}" % t(s)], ["y"])


def bias_res_ln(rows, n):
    s = [rows, n]
    return graph("bias_res_ln", [("x", s), ("bias", [n]), ("res", s), ("g", [n]), ("b", [n])],
                 ["%%h : %s = add(%%x, %%bias)" % t(s),
                  "%%h2 : %s = add(%%h, %%res)" % t(s),
                  "%%y : %s = layernorm(%%h2, %%g, %%b) {epsilon=1e-12}" % t(s)], ["y"])


def gelu_bias(name, rows, n):
    s = [rows, n]
    return graph(name, [("x", s), ("bias", [n])],
                 ["%%h : %s = add(%%x, %%bias)" % t(s), "%%y : %s = gelu(%%h)" % t(s)], ["y"])


def gelu_erf_chain(rows, n):
    """bias + GELU as torch.onnx.export writes it: x * 0.5 * (1 + erf(x / sqrt 2))."""
    s = [rows, n]
    return graph("gelu_erf_chain", [("x", s), ("bias", [n])],
                 ["%sq2 : f32[] = constant {value=[1.41421354]}",
                  "%one : f32[] = constant {value=[1.0]}",
                  "%half : f32[] = constant {value=[0.5]}",
                  "%%h : %s = add(%%x, %%bias)" % t(s),
                  "%%d : %s = div(%%h, %%sq2)" % t(s),
                  "%%e : %s = erf(%%d)" % t(s),
                  "%%e1 : %s = add(%%e, %%one)" % t(s),
                  "%%m : %s = mul(%%h, %%e1)" % t(s),
                  "%%y : %s = mul(%%m, %%half)" % t(s)], ["y"])


def gelu_tanh_chain(rows, n):
    """bias + GPT-2's tanh GELU as exported: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    s = [rows, n]
    return graph("gelu_tanh_chain", [("x", s), ("bias", [n])],
                 ["%k : f32[] = constant {value=[0.797884583]}",
                  "%c : f32[] = constant {value=[0.044715]}",
                  "%three : f32[] = constant {value=[3.0]}",
                  "%one : f32[] = constant {value=[1.0]}",
                  "%half : f32[] = constant {value=[0.5]}",
                  "%%h : %s = add(%%x, %%bias)" % t(s),
                  "%%p : %s = pow(%%h, %%three)" % t(s),
                  "%%cp : %s = mul(%%p, %%c)" % t(s),
                  "%%a : %s = add(%%h, %%cp)" % t(s),
                  "%%u : %s = mul(%%a, %%k)" % t(s),
                  "%%th : %s = tanh(%%u)" % t(s),
                  "%%t1 : %s = add(%%th, %%one)" % t(s),
                  "%%m : %s = mul(%%h, %%half)" % t(s),
                  "%%y : %s = mul(%%m, %%t1)" % t(s)], ["y"])


def hardswish(n, c, hw):
    s = [n, c, hw, hw]
    return graph("hardswish", [("x", s)], ["%%y : %s = hardswish(%%x)" % t(s)], ["y"])


def se_block(n, c, hw):
    """MobileNetV3 squeeze-excite around the 1x1 convs: hardswish, pool, gate, scale."""
    s, p = [n, c, hw, hw], [n, c, 1, 1]
    return graph("se_block", [("x", s), ("w", [c, 1, 1])],
                 ["%%a : %s = hardswish(%%x)" % t(s),
                  "%%m : %s = global_avg_pool(%%a)" % t(p),
                  "%%z : %s = mul(%%m, %%w)" % t(p),
                  "%%gt : %s = hardsigmoid(%%z) {alpha=0.16666667, beta=0.5}" % t(p),
                  "%%y : %s = mul(%%a, %%gt)" % t(s)], ["y"])


def elementwise_chain(n):
    s = [n]
    return graph("eltwise_chain", [("x", s), ("r", s)],
                 ["%a : f32[] = constant {value=[1.5]}",
                  "%c : f32[] = constant {value=[-0.25]}",
                  "%%m : %s = mul(%%x, %%a)" % t(s),
                  "%%p : %s = add(%%m, %%c)" % t(s),
                  "%%q : %s = relu(%%p)" % t(s),
                  "%%u : %s = mul(%%q, %%r)" % t(s),
                  "%%v : %s = sub(%%u, %%x)" % t(s),
                  "%%y : %s = max(%%v, %%c)" % t(s)], ["y"])


def main():
    out = sys.argv[1]
    k = 16 if "--small" in sys.argv else 1
    os.makedirs(out, exist_ok=True)
    models = {  # every input and output around 100 MB: far beyond L2 (2 MiB) and L3 (32 MiB)
        "ln768": layernorm(32768 // k, 768),
        "ln3072": layernorm(8192 // k, 3072),
        "ln128": layernorm(196608 // k, 128),
        "softmax768": softmax(32768 // k, 768),
        "softmax3072": softmax(8192 // k, 3072),
        "softmax128": softmax(196608 // k, 128),
        "bias_res_ln768": bias_res_ln(32768 // k, 768),
        "gelu_128x3072": gelu_bias("gelu_128x3072", 128, 3072),
        "gelu_8192x3072": gelu_bias("gelu_8192x3072", 8192 // k, 3072),
        "gelu_erf_chain": gelu_erf_chain(8192 // k, 3072),
        "gelu_tanh_chain": gelu_tanh_chain(8192 // k, 3072),
        "hardswish_56x56": hardswish(max(64 // k, 1), 96, 56),
        "se_block_56x56": se_block(max(64 // k, 1), 96, 56),
        "eltwise_chain": elementwise_chain((32 << 20) // k),
    }
    for name, text in models.items():
        with open(os.path.join(out, name + ".graph"), "w") as f:
            f.write(text)
    print(" ".join(models))


if __name__ == "__main__":
    main()
