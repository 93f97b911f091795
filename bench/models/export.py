"""Export suite models to ONNX once, with their input and PyTorch reference output.

    /usr/bin/python3 -m models.export --cache DIR name...      (run from bench/)

For each model, DIR/<name>/ receives model.onnx, inputs/<input>.npy,
expected/<output>.npy (PyTorch eager's output on those inputs) and meta.json.
An entry whose meta.json records the same recipe (the sources of the model
definitions, the spec, torch's version and the opset) is reused as it is.
Prints one JSON line per model on stdout ({"name", "ok", "error", "seconds",
"cached"}); a model that fails to export is reported and the others go on.
The reference is computed with the environment as it is (the harness does not
unset OPENBLAS_CORETYPE here), so it is independent of the eager timing process.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time
import traceback

from . import zoo

OPSET = 17  # the newest opset torch 1.13's exporter supports; has LayerNormalization


def recipe(spec):
    """A hash of everything that determines the exported files."""
    import torch
    import torchvision
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for f in ("zoo.py", "hf.py", "export.py"):
        with open(os.path.join(here, f), "rb") as fp:
            h.update(fp.read())
    h.update(repr(sorted(vars(spec).items())).encode())
    h.update(f"{torch.__version__} {torchvision.__version__} {OPSET}".encode())
    return h.hexdigest()[:16]


def is_cached(d, key):
    try:
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return meta.get("recipe") == key and os.path.exists(os.path.join(d, "model.onnx"))


def export_one(spec, d):
    import numpy as np
    import torch
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "inputs"))
    os.makedirs(os.path.join(tmp, "expected"))
    model = zoo.build(spec)
    inputs = zoo.make_inputs(spec)
    args = tuple(torch.from_numpy(v) for v in inputs.values())
    with torch.inference_mode():
        ref = model(*args)
    # Not under no_grad: there nn.MultiheadAttention (vit_b_16) takes its fused
    # fast path, aten::_native_multi_head_attention, which the exporter lacks.
    torch.onnx.export(model, args, os.path.join(tmp, "model.onnx"), opset_version=OPSET,
                      do_constant_folding=True, input_names=list(inputs),
                      output_names=[spec.output])
    for name, arr in inputs.items():
        np.save(os.path.join(tmp, "inputs", name + ".npy"), arr)
    np.save(os.path.join(tmp, "expected", spec.output + ".npy"), ref.detach().numpy())
    meta = {"name": spec.name, "recipe": recipe(spec), "opset": OPSET, "torch": torch.__version__,
            "inputs": list(inputs), "output": spec.output, "batch": spec.batch}
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", required=True)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    for name in a.names:
        spec = zoo.BY_NAME[name]
        d = os.path.join(a.cache, name)
        t0 = time.perf_counter()
        rec = {"name": name, "ok": True, "error": "", "cached": False}
        try:
            if is_cached(d, recipe(spec)):
                rec["cached"] = True
            else:
                export_one(spec, d)
        except Exception as e:  # report and go on with the next model
            shutil.rmtree(d + ".tmp", ignore_errors=True)
            lines = [ln for ln in str(e).strip().splitlines() if ln.strip()] or [type(e).__name__]
            rec.update(ok=False, error=f"{type(e).__name__}: {lines[0]}")
            traceback.print_exc(file=sys.stderr)
        rec["seconds"] = round(time.perf_counter() - t0, 2)
        print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
