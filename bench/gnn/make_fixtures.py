"""make_fixtures.py — writes tests/fixtures/gnn once (needs torch; CI does not):

  {gcn,sage,gin}.onnx      the models of models.py on a tiny graph (opset 16)
  x.npy, edge_index.npy    their inputs: 24 nodes, 7 features, 90 edges with
                           duplicates, self loops and nodes nothing reaches
  {gcn,sage,gin}_y.npy     PyTorch eager outputs
  pt_*.npy                 torch.scatter_reduce / index_add_ references for
                           edge_aggregate: pt_{sum,mean,amax,amin}_{self,noself}.npy
                           = data.scatter_reduce(0, dst expanded, scale * x[src],
                           reduce, include_self), pt_index_add.npy = zeros.index_add_(0, dst, x[src])

Run: /usr/bin/python3 bench/gnn/make_fixtures.py [outdir]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/fixtures/gnn")


def tiny_graph(seed=3):
    n, e, f = 24, 90, 7
    rng = np.random.default_rng(seed)
    dst = rng.integers(0, n - 4, e)  # the last 4 nodes get no edges
    src = rng.integers(0, n, e)
    dst[:6] = src[:6]  # self loops
    dst[6:10], src[6:10] = dst[10:14], src[10:14]  # duplicate edges
    x = rng.standard_normal((n, f)).astype(np.float32)
    return x, np.stack([src, dst]).astype(np.int64)


def main():
    os.makedirs(OUT, exist_ok=True)
    x, ei = tiny_graph()
    np.save(f"{OUT}/x.npy", x)
    np.save(f"{OUT}/edge_index.npy", ei)
    tx, tei = torch.from_numpy(x), torch.from_numpy(ei)
    for name, cls in models.MODELS.items():
        torch.manual_seed(0)
        m = cls(x.shape[1], 8, 3).eval()
        with torch.no_grad():
            np.save(f"{OUT}/{name}_y.npy", m(tx, tei).numpy())
        torch.onnx.export(m, (tx, tei), f"{OUT}/{name}.onnx", opset_version=16,
                          input_names=["x", "edge_index"], output_names=["y"])
    # edge_aggregate references
    rng = np.random.default_rng(5)
    src, dst = tei[0], tei[1]
    scale = torch.from_numpy(rng.uniform(-1, 1, ei.shape[1]).astype(np.float32))
    data = torch.from_numpy(rng.standard_normal((x.shape[0], x.shape[1])).astype(np.float32))
    np.save(f"{OUT}/pt_scale.npy", scale.numpy())
    np.save(f"{OUT}/pt_data.npy", data.numpy())
    msg = tx[src] * scale.unsqueeze(1)
    idx = dst.unsqueeze(1).expand(-1, x.shape[1])
    for red in ("sum", "mean", "amax", "amin"):
        for self_ in (True, False):
            y = data.scatter_reduce(0, idx, msg, reduce=red, include_self=self_)
            np.save(f"{OUT}/pt_{red}_{'self' if self_ else 'noself'}.npy", y.numpy())
    np.save(f"{OUT}/pt_index_add.npy", torch.zeros_like(tx).index_add_(0, dst, tx[src]).numpy())


if __name__ == "__main__":
    main()
