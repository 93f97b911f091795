"""HuggingFace-style transformer models written in plain PyTorch.

Each class follows the published configuration and the forward computation of
the corresponding `transformers` model (BERT, DistilBERT, RoBERTa, GPT-2, the
T5 encoder, a Llama-style decoder stack) closely enough that its ONNX export
has the same operator mix, without downloading anything: weights are random,
initialised like HF does (normal, std 0.02; LayerNorm weight 1, bias 0).
Inputs are `input_ids` (int64 [batch, seq]) only, without padding.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


def init_weights(module, std=0.02):
    """HF's _init_weights: normal(0, std) for Linear/Embedding, LayerNorm to 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def gelu_new(x):
    """GPT-2's tanh approximation of GELU (transformers.activations.NewGELUActivation)."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


# --- BERT / RoBERTa / DistilBERT (encoder, post-LayerNorm) -------------------

class SelfAttention(nn.Module):
    """Multi-head self-attention as in BertSelfAttention + BertSelfOutput."""

    def __init__(self, hidden, heads, eps):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.shape[0], ctx.shape[1], -1)
        return self.norm(self.dense(ctx) + x)


class EncoderLayer(nn.Module):
    """BertLayer: attention, then GELU feed-forward with residual and LayerNorm."""

    def __init__(self, hidden, heads, ffn, eps):
        super().__init__()
        self.attention = SelfAttention(hidden, heads, eps)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x):
        x = self.attention(x)
        return self.norm(self.output(F.gelu(self.intermediate(x))) + x)


class BertLike(nn.Module):
    """BertModel / RobertaModel / DistilBertModel returning last_hidden_state.

    pos_style: 'bert' (positions 0..S-1, token type 0 embedding added),
    'roberta' (positions from the non-padding cumulative count + padding_idx,
    as create_position_ids_from_input_ids does) or 'distilbert' (no token types).
    """

    def __init__(self, vocab, hidden, layers, heads, ffn, max_pos, eps, pos_style, type_vocab=2, pad_id=0):
        super().__init__()
        self.pos_style = pos_style
        self.pad_id = pad_id
        self.word = nn.Embedding(vocab, hidden, padding_idx=pad_id)
        self.position = nn.Embedding(max_pos, hidden)
        self.token_type = nn.Embedding(type_vocab, hidden) if pos_style != "distilbert" else None
        self.emb_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList([EncoderLayer(hidden, heads, ffn, eps) for _ in range(layers)])
        init_weights(self)

    def forward(self, input_ids):
        b, s = input_ids.shape
        if self.pos_style == "roberta":
            mask = input_ids.ne(self.pad_id).int()
            pos = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + self.pad_id
        else:
            pos = torch.arange(s, dtype=torch.long).unsqueeze(0).expand(b, s)
        x = self.word(input_ids) + self.position(pos)
        if self.token_type is not None:
            x = x + self.token_type(torch.zeros_like(input_ids))
        x = self.emb_norm(x)
        for layer in self.layers:
            x = layer(x)
        return x


def bert_base():
    """bert-base-uncased: 12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522."""
    return BertLike(30522, 768, 12, 12, 3072, 512, 1e-12, "bert")


def distilbert():
    """distilbert-base-uncased: 6 layers, hidden 768, 12 heads, FFN 3072."""
    return BertLike(30522, 768, 6, 12, 3072, 512, 1e-12, "distilbert")


def roberta_base():
    """roberta-base: 12 layers, hidden 768, vocab 50265, 514 positions, padding_idx 1."""
    return BertLike(50265, 768, 12, 12, 3072, 514, 1e-5, "roberta", type_vocab=1, pad_id=1)


# --- GPT-2 (decoder, pre-LayerNorm, causal) ----------------------------------

class GPT2Block(nn.Module):
    """GPT2Block: ln_1, causal attention (fused c_attn), ln_2, gelu_new MLP."""

    def __init__(self, hidden, heads, max_pos, eps):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.ln_1 = nn.LayerNorm(hidden, eps=eps)
        self.c_attn = nn.Linear(hidden, 3 * hidden)
        self.c_proj = nn.Linear(hidden, hidden)
        self.ln_2 = nn.LayerNorm(hidden, eps=eps)
        self.c_fc = nn.Linear(hidden, 4 * hidden)
        self.mlp_proj = nn.Linear(4 * hidden, hidden)
        self.register_buffer("bias", torch.tril(torch.ones(max_pos, max_pos, dtype=torch.bool))
                             .view(1, 1, max_pos, max_pos), persistent=False)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x):
        h = self.ln_1(x)
        q, k, v = self.c_attn(h).split(h.shape[-1], dim=2)
        q, k, v = self.split(q), self.split(k), self.split(v)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        s = w.shape[-1]
        causal = self.bias[:, :, :s, :s]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        a = torch.matmul(F.softmax(w, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        x = x + self.c_proj(a.view(a.shape[0], a.shape[1], -1))
        return x + self.mlp_proj(gelu_new(self.c_fc(self.ln_2(x))))


class GPT2LMHead(nn.Module):
    """GPT2LMHeadModel (gpt2 small): 12 layers, 768 hidden, vocab 50257, tied LM head; returns logits."""

    def __init__(self, vocab=50257, hidden=768, layers=12, heads=12, max_pos=1024, eps=1e-5):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(max_pos, hidden)
        self.blocks = nn.ModuleList([GPT2Block(hidden, heads, max_pos, eps) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(hidden, eps=eps)
        init_weights(self)
        # GPT-2 scales the residual projections' init by 1/sqrt(2 * n_layer).
        for blk in self.blocks:
            for lin in (blk.c_proj, blk.mlp_proj):
                nn.init.normal_(lin.weight, 0.0, 0.02 / math.sqrt(2 * layers))

    def forward(self, input_ids):
        s = input_ids.shape[1]
        pos = torch.arange(s, dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        return F.linear(self.ln_f(x), self.wte.weight)


def gpt2():
    return GPT2LMHead()


# --- T5 encoder (RMS LayerNorm, relative position bias, ReLU FFN) -------------

class T5LayerNorm(nn.Module):
    """T5's scale-only RMS norm (no mean subtraction, no bias)."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def t5_relative_bucket(rel, num_buckets=32, max_distance=128):
    """T5Attention._relative_position_bucket for a bidirectional encoder."""
    num_buckets //= 2
    buckets = (rel > 0).long() * num_buckets
    rel = torch.abs(rel)
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, rel, large)


class T5Block(nn.Module):
    """T5 encoder block: pre-norm self-attention (unscaled scores + position bias), pre-norm ReLU FFN."""

    def __init__(self, d_model, heads, d_kv, d_ff):
        super().__init__()
        self.heads, self.d_kv = heads, d_kv
        inner = heads * d_kv
        self.norm1 = T5LayerNorm(d_model)
        self.q = nn.Linear(d_model, inner, bias=False)
        self.k = nn.Linear(d_model, inner, bias=False)
        self.v = nn.Linear(d_model, inner, bias=False)
        self.o = nn.Linear(inner, d_model, bias=False)
        self.norm2 = T5LayerNorm(d_model)
        self.wi = nn.Linear(d_model, d_ff, bias=False)
        self.wo = nn.Linear(d_ff, d_model, bias=False)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.d_kv).transpose(1, 2)

    def forward(self, x, bias):
        h = self.norm1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        scores = torch.matmul(q, k.transpose(3, 2)) + bias
        a = torch.matmul(F.softmax(scores.float(), dim=-1).type_as(scores), v)
        a = a.transpose(1, 2).contiguous().view(x.shape[0], -1, self.heads * self.d_kv)
        x = x + self.o(a)
        return x + self.wo(F.relu(self.wi(self.norm2(x))))


class T5Encoder(nn.Module):
    """T5EncoderModel (t5-small): 6 layers, d_model 512, 8 heads of 64, d_ff 2048, vocab 32128."""

    def __init__(self, vocab=32128, d_model=512, layers=6, heads=8, d_kv=64, d_ff=2048, buckets=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.rel_bias = nn.Embedding(buckets, heads)
        self.blocks = nn.ModuleList([T5Block(d_model, heads, d_kv, d_ff) for _ in range(layers)])
        self.final_norm = T5LayerNorm(d_model)
        # T5's init: embeddings std 1, projections scaled by fan-in.
        nn.init.normal_(self.embed.weight, 0.0, 1.0)
        nn.init.normal_(self.rel_bias.weight, 0.0, (d_model) ** -0.5)
        for blk in self.blocks:
            nn.init.normal_(blk.q.weight, 0.0, (d_model * d_kv) ** -0.5)
            for lin in (blk.k, blk.v):
                nn.init.normal_(lin.weight, 0.0, d_model ** -0.5)
            nn.init.normal_(blk.o.weight, 0.0, (heads * d_kv) ** -0.5)
            nn.init.normal_(blk.wi.weight, 0.0, d_model ** -0.5)
            nn.init.normal_(blk.wo.weight, 0.0, d_ff ** -0.5)

    def forward(self, input_ids):
        s = input_ids.shape[1]
        pos = torch.arange(s, dtype=torch.long)
        rel = pos[None, :] - pos[:, None]
        bias = self.rel_bias(t5_relative_bucket(rel)).permute(2, 0, 1).unsqueeze(0)
        x = self.embed(input_ids)
        for blk in self.blocks:
            x = blk(x, bias)
        return self.final_norm(x)


def t5_small_encoder():
    return T5Encoder()


# --- Llama-style decoder stack (RMSNorm, rotary, SiLU-gated MLP, GQA) ---------

class RMSNorm(nn.Module):
    """LlamaRMSNorm."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaBlock(nn.Module):
    """LlamaDecoderLayer: RMSNorm, causal GQA attention with rotary embeddings, RMSNorm, SwiGLU MLP."""

    def __init__(self, hidden, heads, kv_heads, ffn, eps):
        super().__init__()
        self.heads, self.kv_heads = heads, kv_heads
        self.head_dim = hidden // heads
        self.input_norm = RMSNorm(hidden, eps)
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)
        self.post_norm = RMSNorm(hidden, eps)
        self.gate_proj = nn.Linear(hidden, ffn, bias=False)
        self.up_proj = nn.Linear(hidden, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, hidden, bias=False)

    def split(self, x, n):
        b, s, _ = x.shape
        return x.view(b, s, n, self.head_dim).transpose(1, 2)

    def repeat_kv(self, x):
        rep = self.heads // self.kv_heads
        b, n, s, d = x.shape
        return x[:, :, None, :, :].expand(b, n, rep, s, d).reshape(b, n * rep, s, d)

    def forward(self, x, cos, sin, mask):
        h = self.input_norm(x)
        q = self.split(self.q_proj(h), self.heads)
        k = self.split(self.k_proj(h), self.kv_heads)
        v = self.split(self.v_proj(h), self.kv_heads)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = self.repeat_kv(k), self.repeat_kv(v)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        a = torch.matmul(F.softmax(w, dim=-1), v).transpose(1, 2).contiguous()
        x = x + self.o_proj(a.view(x.shape[0], x.shape[1], -1))
        h = self.post_norm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class LlamaStack(nn.Module):
    """Embedding + N Llama decoder layers + final RMSNorm; returns the last hidden state."""

    def __init__(self, vocab=32000, hidden=768, layers=8, heads=12, kv_heads=4, ffn=2048,
                 max_pos=2048, theta=10000.0, eps=1e-6):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.blocks = nn.ModuleList([LlamaBlock(hidden, heads, kv_heads, ffn, eps) for _ in range(layers)])
        self.norm = RMSNorm(hidden, eps)
        head_dim = hidden // heads
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
        freqs = torch.outer(torch.arange(max_pos).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)
        init_weights(self)

    def forward(self, input_ids):
        s = input_ids.shape[1]
        cos = self.cos_cached[:s][None, None]
        sin = self.sin_cached[:s][None, None]
        mask = torch.full((s, s), torch.finfo(torch.float32).min).triu(1)[None, None]
        x = self.embed(input_ids)
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        return self.norm(x)


def llama_stack():
    """Llama-style stack of modest size: 8 layers, hidden 768, 12 heads (4 KV heads), FFN 2048, vocab 32000."""
    return LlamaStack()
