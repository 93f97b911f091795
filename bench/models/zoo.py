"""The benchmark model suite: one table of models, how to build each one and its inputs.

Pure metadata lives in SUITE (importable without torch); build() and
make_inputs() import torch/torchvision lazily. Weights are random with a fixed
seed, so every process that builds a model gets the same weights.
"""
import zlib

VISION = "vision"
NLP = "nlp"

SEQ = 128  # sequence length of every NLP model


class Spec:
    """One benchmark entry: a model at one batch size."""

    def __init__(self, name, suite, builder, batch, inputs, output, rtol=1e-3, note=""):
        self.name = name          # unique id used on the command line and in the cache
        self.suite = suite        # VISION or NLP
        self.builder = builder    # "torchvision:<fn>" or "hf:<fn>"
        self.batch = batch        # batch size of the exported input
        self.inputs = inputs      # [(name, shape, dtype, high)]; high = vocab size for ids
        self.output = output      # name of the single output
        self.rtol = rtol          # pass if max|got-ref| <= rtol * max|ref|
        self.note = note          # why a tolerance differs from 1e-3, shown in reports


def _vision(name, fn, batch=1, **kw):
    return Spec(name, VISION, "torchvision:" + fn, batch, [("input", [batch, 3, 224, 224], "float32", None)],
                "logits", **kw)


def _nlp(name, fn, vocab, batch=1, output="last_hidden_state", **kw):
    return Spec(name, NLP, "hf:" + fn, batch, [("input_ids", [batch, SEQ], "int64", vocab)], output, **kw)


SUITE = [
    _vision("resnet18", "resnet18"),
    _vision("resnet50", "resnet50"),
    _vision("mobilenet_v2", "mobilenet_v2"),
    _vision("mobilenet_v3_large", "mobilenet_v3_large"),
    _vision("efficientnet_b0", "efficientnet_b0"),
    _vision("densenet121", "densenet121"),
    _vision("squeezenet1_1", "squeezenet1_1"),
    _vision("shufflenet_v2_x1_0", "shufflenet_v2_x1_0"),
    _vision("vgg16", "vgg16"),
    _vision("vit_b_16", "vit_b_16"),
    _vision("convnext_tiny", "convnext_tiny"),
    _vision("swin_t", "swin_t"),
    _vision("resnet50_b8", "resnet50", batch=8),
    _nlp("bert_base", "bert_base", 30522),
    _nlp("distilbert", "distilbert", 30522),
    _nlp("roberta_base", "roberta_base", 50265),
    _nlp("gpt2", "gpt2", 50257, output="logits"),
    _nlp("t5_small_encoder", "t5_small_encoder", 32128),
    _nlp("llama_stack", "llama_stack", 32000),
    _nlp("bert_base_b8", "bert_base", 30522, batch=8),
]

BY_NAME = {s.name: s for s in SUITE}
SUITES = [VISION, NLP]


def seed_of(name):
    """A fixed per-model seed (crc32 of the builder name, so batch variants share weights)."""
    return zlib.crc32(BY_NAME[name].builder.encode()) & 0x7FFFFFFF


def build(spec):
    """The model in eval mode with the spec's seeded random weights."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the calibration pass then sums in the same order everywhere
    try:
        torch.manual_seed(seed_of(spec.name))
        kind, fn = spec.builder.split(":")
        if kind == "torchvision":
            import torchvision
            model = getattr(torchvision.models, fn)(weights=None)
            _make_nondegenerate(model, torch)
        else:
            from . import hf
            model = getattr(hf, fn)()
    finally:
        torch.set_num_threads(threads)
    return model.eval()


def _make_nondegenerate(model, torch):
    """Give random-weight vision models realistic activations.

    torchvision's init leaves BatchNorm at mean 0 / var 1, so in eval mode the
    activations of deep nets shrink towards 0 (mobilenet_v2's logits are ~1e-9,
    efficientnet_b0's ~1e-14), and ViT's head starts at zero. Re-initialise
    zero weight matrices, then set every BatchNorm's running statistics from a
    forward pass in training mode on a seeded calibration batch, as if trained.
    """
    from torch import nn
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear) and not m.weight.any():
                nn.init.normal_(m.weight, 0.0, 0.02)
        bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not bns:
            return
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration pass
        model.train()
        model(torch.randn(4, 3, 224, 224))
        model.eval()


def make_inputs(spec):
    """{name: numpy array}: normal(0,1) images or uniform token ids in [0, vocab), seeded per model."""
    import numpy as np
    rng = np.random.default_rng(seed_of(spec.name) + spec.batch)
    out = {}
    for name, shape, dtype, high in spec.inputs:
        if dtype == "int64":
            out[name] = rng.integers(0, high, size=shape, dtype=np.int64)
        else:
            out[name] = rng.standard_normal(shape, dtype=np.float32)
    return out
