"""Numbers the harness reports: medians over rounds, geometric means, output errors.

Only numpy is needed here (no torch), so bench/lib/selftest.py can check it in CI.
"""
import math

import numpy as np


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return None
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def speedup(base_ms, ms):
    """How many times faster `ms` is than `base_ms` (None if either is missing)."""
    if base_ms is None or ms is None or ms <= 0:
        return None
    return base_ms / ms


def compare(got, ref, rtol):
    """Error of one output against PyTorch's reference.

    max_abs = max |got - ref|; max_rel = max_abs / max |ref| (relative to the
    output's scale, so elements near zero do not dominate). Passes when
    max_rel <= rtol and nothing is NaN. Returns (ok, max_abs, max_rel, reason).
    """
    got = np.asarray(got)
    ref = np.asarray(ref)
    if got.shape != ref.shape:
        return False, None, None, f"shape {list(got.shape)} != expected {list(ref.shape)}"
    if got.size == 0:
        return True, 0.0, 0.0, ""
    g = got.astype(np.float64)
    r = ref.astype(np.float64)
    if np.isnan(g).any() and not np.isnan(r).any():
        return False, None, None, "NaN in output"
    diff = np.abs(g - r)
    diff[np.isnan(diff)] = 0.0  # NaN where the reference has NaN too
    max_abs = float(diff.max())
    scale = float(np.nanmax(np.abs(r)))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else math.inf)
    if max_rel <= rtol:
        return True, max_abs, max_rel, ""
    return False, max_abs, max_rel, f"mismatch: max rel err {max_rel:.2g} > {rtol:g} (max abs {max_abs:.2g})"
