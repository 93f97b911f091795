#!/usr/bin/python3
"""export_pytorch.py — exports small PyTorch modules to ONNX, with inputs and
PyTorch's outputs as .npy, as fixtures for inductc's ONNX front end.

    /usr/bin/python3 tools/export_pytorch.py [OUT_DIR]   # default tests/fixtures/onnx

Needs Debian's python3-torch (only to regenerate; the fixtures are checked in
and tests/unit/test_onnx_import.c runs them without PyTorch). Each model NAME
writes NAME.onnx, NAME.in<k>.npy (graph inputs in order) and NAME.out<k>.npy
(PyTorch's outputs). Seeds are fixed, so a rerun writes the same numbers.

Models: a conv net with batchnorm (conv_bn), a pre-norm transformer block with
multi-head attention and a GELU MLP (transformer), and a token + position
embedding with layernorm and mean pooling (embed_ln)."""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 14


class ConvBN(nn.Module):
    """conv → BN → ReLU → max-pool → strided conv → BN → ReLU → global pool → linear."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.b2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.relu(self.b2(self.c2(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class Block(nn.Module):
    """Pre-norm transformer encoder block, attention written out with matmuls."""

    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=-1)
        q = q.reshape(b, t, h, c // h).transpose(1, 2)
        k = k.reshape(b, t, h, c // h).transpose(1, 2)
        v = v.reshape(b, t, h, c // h).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(c // h), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class EmbedLN(nn.Module):
    """token + learned position embedding → layernorm → mean over tokens → linear."""

    def __init__(self, vocab=50, dim=16, seq=6):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.1)
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 4)

    def forward(self, ids):
        x = self.ln(self.tok(ids) + self.pos)
        return self.head(x.mean(dim=1))


def export(name, model, inputs, out_dir):
    model.eval()
    path = os.path.join(out_dir, name + ".onnx")
    names = [f"in{i}" for i in range(len(inputs))]
    with torch.no_grad():
        outs = model(*inputs)
        if not isinstance(outs, (tuple, list)):
            outs = (outs,)
        torch.onnx.export(model, tuple(inputs), path, opset_version=OPSET, input_names=names,
                          output_names=[f"out{i}" for i in range(len(outs))], do_constant_folding=True)
    for i, t in enumerate(inputs):
        np.save(os.path.join(out_dir, f"{name}.in{i}.npy"), t.numpy())
    for i, t in enumerate(outs):
        np.save(os.path.join(out_dir, f"{name}.out{i}.npy"), t.numpy())
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "fixtures", "onnx")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)

    net = ConvBN()
    with torch.no_grad():  # non-trivial running statistics
        for bn in (net.b1, net.b2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 1.5)
    export("conv_bn", net, [torch.randn(2, 3, 16, 16)], out_dir)
    export("transformer", Block(), [torch.randn(2, 8, 32)], out_dir)
    export("embed_ln", EmbedLN(), [torch.randint(0, 50, (2, 6), dtype=torch.int64)], out_dir)


if __name__ == "__main__":
    main()
