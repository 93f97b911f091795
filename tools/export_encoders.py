#!/usr/bin/python3
"""export_encoders.py — exports small BERT-like and GPT-2-like encoders to ONNX
the way torch.onnx.export writes the real ones, for tests/unit/test_fusion.c
(every layernorm, softmax and GELU must become one kernel).

    /usr/bin/python3 tools/export_encoders.py [OUT_DIR]    (default tests/fixtures/onnx)

Writes bert_tiny.onnx and gpt2_tiny.onnx (2 layers, hidden 64, 2 heads, FFN
128, 16 tokens; fixed seeds, under 1 MB each). Opset 14, so layer norms
come out decomposed (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul,
Add) as older exports of BERT and GPT-2 have them; BERT's GELU is the erf
form (Div, Erf, Add, Mul, Mul), GPT-2's the tanh form with Pow(x, 3). The
same recipe with the published sizes (hidden 768, 12 layers, 12 heads, FFN
3072) gives BERT-base and GPT-2 small: --full writes those as
bert_base.onnx and gpt2.onnx (about 0.4 GB each; not for the repository)."""
import math
import os
import sys

import torch
import torch.nn as nn

OPSET = 14


class Attention(nn.Module):
    def __init__(self, hidden, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(x).split(h, dim=2)
        split = lambda t: t.view(b, s, self.heads, h // self.heads).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(h // self.heads)
        if self.causal:
            mask = torch.tril(torch.ones(s, s, dtype=torch.bool)).view(1, 1, s, s)
            scores = torch.where(mask, scores, torch.tensor(-1e4))
        p = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(p, v).transpose(1, 2).reshape(b, s, h)
        return self.out(ctx)


def gelu_tanh(x):  # GPT-2's gelu_new
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Block(nn.Module):
    def __init__(self, hidden, heads, ffn, gpt2):
        super().__init__()
        self.gpt2 = gpt2
        self.attn = Attention(hidden, heads, causal=gpt2)
        self.ln1, self.ln2 = nn.LayerNorm(hidden, eps=1e-5 if gpt2 else 1e-12), nn.LayerNorm(hidden, eps=1e-5 if gpt2 else 1e-12)
        self.fc1, self.fc2 = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.act = gelu_tanh if gpt2 else nn.GELU()

    def forward(self, x):
        if self.gpt2:  # pre-LN
            x = x + self.attn(self.ln1(x))
            return x + self.fc2(self.act(self.fc1(self.ln2(x))))
        x = self.ln1(x + self.attn(x))  # post-LN (BERT)
        return self.ln2(x + self.fc2(self.act(self.fc1(x))))


class Encoder(nn.Module):
    def __init__(self, vocab, seq, hidden, layers, heads, ffn, gpt2):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, hidden), nn.Embedding(seq, hidden)
        self.ln0 = nn.LayerNorm(hidden, eps=1e-5)
        self.blocks = nn.ModuleList(Block(hidden, heads, ffn, gpt2) for _ in range(layers))
        self.gpt2 = gpt2

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]).unsqueeze(0))
        if not self.gpt2:
            x = self.ln0(x)
        for b in self.blocks:
            x = b(x)
        return self.ln0(x) if self.gpt2 else x


def export(name, out, gpt2, vocab, seq, hidden, layers, heads, ffn):
    torch.manual_seed(7 if gpt2 else 3)
    m = Encoder(vocab, seq, hidden, layers, heads, ffn, gpt2).eval()
    ids = torch.randint(0, vocab, (1, seq))
    path = os.path.join(out, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(m, (ids,), path, input_names=["input_ids"], output_names=["hidden"], opset_version=OPSET,
                          do_constant_folding=True)
    print(path, os.path.getsize(path), "bytes")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "onnx")
    os.makedirs(out, exist_ok=True)
    if "--full" in sys.argv:
        export("bert_base", out, False, 30522, 128, 768, 12, 12, 3072)
        export("gpt2", out, True, 50257, 128, 768, 12, 12, 3072)
    else:
        export("bert_tiny", out, False, 100, 16, 64, 2, 2, 128)
        export("gpt2_tiny", out, True, 100, 16, 64, 2, 2, 128)


if __name__ == "__main__":
    main()
