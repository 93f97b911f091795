"""models.py — GNN models in plain PyTorch (no extra packages) and the
synthetic graphs they run on, for bench/gnn and the GNN fixtures.

Models (message passing over a COO edge list `edge_index` = [src; dst]):
  GCN        symmetric normalisation, self loops: D^-1/2 (A+I) D^-1/2 X W
  GraphSAGE  mean aggregation: X W_self + mean_{j->i} X_j W_neigh
  GIN        sum aggregation: MLP((1+eps) X + sum_{j->i} X_j)
Each aggregation is gather (x[src]) -> optional per-edge scale -> scatter
reduce into dst, the pattern inductc fuses into one CSR aggregation kernel.

Graphs are generated with fixed seeds: Cora-like (2,708 nodes, ~10.5k
edges, 1,433 features) and ogbn-arxiv-like (169,343 nodes, ~1.17M edges,
128 features), destination degrees drawn from a power law.
"""
import numpy as np
import torch
from torch import nn

GRAPHS = {
    # name: (nodes, edges, features, classes)
    "cora": (2708, 10556, 1433, 7),
    "arxiv": (169343, 1166243, 128, 40),
}


def make_graph(name, seed=0):
    """Node features f32[N,F] and edge_index i64[2,E] with a power-law in-degree."""
    n, e, f, _ = GRAPHS[name]
    rng = np.random.default_rng(seed)
    # Zipf-like weights over destinations; sources uniform. Duplicates and
    # self loops are kept: real edge lists have both and kernels must cope.
    w = 1.0 / np.arange(1, n + 1) ** 0.8
    w /= w.sum()
    dst = rng.choice(n, size=e, p=w)
    rng.shuffle(dst)  # unsorted COO, as exported graphs usually are
    src = rng.integers(0, n, size=e)
    perm = rng.permutation(n)  # hubs are not the lowest ids
    dst = perm[dst]
    x = rng.standard_normal((n, f), dtype=np.float32)
    edge_index = np.stack([src, dst]).astype(np.int64)
    return x, edge_index


def scatter_sum(src_rows, index, n):
    """sum_{e: index[e]=i} src_rows[e] -> [n, F] (exports as ScatterElements add)."""
    out = torch.zeros(n, src_rows.shape[1], dtype=src_rows.dtype)
    idx = index.unsqueeze(1).expand(-1, src_rows.shape[1])
    return out.scatter_add(0, idx, src_rows)


class GCNLayer(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.lin = nn.Linear(fin, fout, bias=False)
        self.bias = nn.Parameter(torch.randn(fout) * 0.1)

    def forward(self, x, src, dst, norm):
        h = self.lin(x)
        msg = h[src] * norm.unsqueeze(1)
        return scatter_sum(msg, dst, x.shape[0]) + self.bias


class GCN(nn.Module):
    def __init__(self, fin, hidden, classes):
        super().__init__()
        self.l1 = GCNLayer(fin, hidden)
        self.l2 = GCNLayer(hidden, classes)

    def forward(self, x, edge_index):
        n = x.shape[0]
        loops = torch.arange(n, dtype=edge_index.dtype)
        src = torch.cat([edge_index[0], loops])
        dst = torch.cat([edge_index[1], loops])
        deg = torch.zeros(n, dtype=x.dtype).scatter_add(0, dst, torch.ones_like(dst, dtype=x.dtype))
        dinv = deg.rsqrt()
        norm = dinv[src] * dinv[dst]
        h = torch.relu(self.l1(x, src, dst, norm))
        return self.l2(h, src, dst, norm)


class SAGELayer(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.lin_self = nn.Linear(fin, fout)
        self.lin_neigh = nn.Linear(fin, fout, bias=False)

    def forward(self, x, src, dst, inv_deg):
        agg = scatter_sum(x[src], dst, x.shape[0]) * inv_deg.unsqueeze(1)
        return self.lin_self(x) + self.lin_neigh(agg)


class GraphSAGE(nn.Module):
    def __init__(self, fin, hidden, classes):
        super().__init__()
        self.l1 = SAGELayer(fin, hidden)
        self.l2 = SAGELayer(hidden, classes)

    def forward(self, x, edge_index):
        src, dst = edge_index[0], edge_index[1]
        deg = torch.zeros(x.shape[0], dtype=x.dtype).scatter_add(0, dst, torch.ones_like(dst, dtype=x.dtype))
        inv_deg = 1.0 / deg.clamp(min=1.0)  # mean over in-edges; no edges gives 0
        h = torch.relu(self.l1(x, src, dst, inv_deg))
        return self.l2(h, src, dst, inv_deg)


class GINLayer(nn.Module):
    def __init__(self, fin, fout, eps=0.1):
        super().__init__()
        self.eps = eps
        self.mlp = nn.Sequential(nn.Linear(fin, fout), nn.ReLU(), nn.Linear(fout, fout))

    def forward(self, x, src, dst):
        return self.mlp((1.0 + self.eps) * x + scatter_sum(x[src], dst, x.shape[0]))


class GIN(nn.Module):
    def __init__(self, fin, hidden, classes):
        super().__init__()
        self.l1 = GINLayer(fin, hidden)
        self.l2 = GINLayer(hidden, classes)

    def forward(self, x, edge_index):
        src, dst = edge_index[0], edge_index[1]
        return self.l2(torch.relu(self.l1(x, src, dst)), src, dst)


MODELS = {"gcn": GCN, "sage": GraphSAGE, "gin": GIN}


def build(model, graph, hidden=64, seed=0):
    """The model with fixed random weights, for a graph name."""
    torch.manual_seed(seed)
    _, _, f, classes = GRAPHS[graph]
    return MODELS[model](f, hidden, classes).eval()
