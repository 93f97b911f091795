"""Turns the harness's result rows into results.csv, results.md and speedup.png.

A row is a dict for one (model, thread count); see FIELDS. Everything here
but chart() needs only the standard library and numpy-free code, so
bench/lib/selftest.py can exercise it without torch or matplotlib.
"""
import csv
import os

from . import stats

ENGINE_LABELS = {"inductc": "inductc", "ort": "ONNX Runtime", "eager": "PyTorch eager"}

FIELDS = ["model", "suite", "batch", "threads",
          "inductc_ms", "ort_ms", "eager_ms", "inductc_min_ms", "ort_min_ms", "eager_min_ms",
          "speedup_vs_eager", "speedup_vs_ort", "ort_vs_eager",
          "compile_cold_s", "compile_warm_s",
          "inductc_status", "inductc_max_abs", "inductc_max_rel", "inductc_error",
          "ort_status", "ort_max_abs", "ort_max_rel", "ort_error",
          "eager_status", "eager_max_abs", "eager_max_rel", "eager_error",
          "rounds", "iters_per_round", "warmup", "rtol", "load"]


def new_row(entry, threads):
    row = {k: None for k in FIELDS}
    row.update(model=entry.name, suite=entry.spec.suite, batch=entry.spec.batch, threads=threads,
               rtol=entry.spec.rtol)
    for e in ("inductc", "ort", "eager"):
        row[e + "_status"] = "not run"
        row[e + "_error"] = ""
    return row


def finish_row(row):
    """Fill in the speedups once the engines' times are known."""
    ok = lambda e: row[e + "_status"] == "ok"  # noqa: E731
    ic = row["inductc_ms"] if ok("inductc") else None
    row["speedup_vs_eager"] = stats.speedup(row["eager_ms"] if ok("eager") else None, ic)
    row["speedup_vs_ort"] = stats.speedup(row["ort_ms"] if ok("ort") else None, ic)
    row["ort_vs_eager"] = stats.speedup(row["eager_ms"] if ok("eager") else None,
                                        row["ort_ms"] if ok("ort") else None)
    return row


def _fmt(x, spec):
    return "" if x is None else format(x, spec)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (_fmt(v, ".6g") if isinstance(v, float) else v) for k, v in r.items()})


def _ms(x):
    if x is None:
        return "—"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def _x(s):
    return "—" if s is None else f"{s:.2f}×"


def correctness(row):
    """The table's correctness cell: 'ok' with inductc's error, or every engine's failure."""
    parts = []
    for e in ("inductc", "ort", "eager"):
        st = row[e + "_status"]
        if st != "ok":
            label = "ORT" if e == "ort" else e
            parts.append(f"{label}: {row[e + '_error'] or st}")
    if not parts:
        return f"ok (rel err {row['inductc_max_rel']:.1e})"
    if row["inductc_status"] == "ok":
        parts.insert(0, f"inductc ok (rel err {row['inductc_max_rel']:.1e})")
    return "; ".join(_cell(p) for p in parts)


def _cell(text, limit=160):
    """Text fit for a Markdown table cell: no '|', at most `limit` characters (the CSV has it all)."""
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def geomean_rows(rows):
    """[(label, n_measured, n_total, gm_vs_eager, gm_vs_ort, gm_ort_vs_eager)] per suite and overall."""
    out = []
    suites = []
    for r in rows:
        if r["suite"] not in suites:
            suites.append(r["suite"])
    groups = [(s, [r for r in rows if r["suite"] == s]) for s in suites]
    if len(suites) > 1:
        groups.append(("all", rows))
    for label, rs in groups:
        ve = [r["speedup_vs_eager"] for r in rs if r["speedup_vs_eager"]]
        vo = [r["speedup_vs_ort"] for r in rs if r["speedup_vs_ort"]]
        oe = [r["ort_vs_eager"] for r in rs if r["ort_vs_eager"]]
        n = sum(1 for r in rs if r["speedup_vs_eager"] or r["speedup_vs_ort"])
        out.append((label, n, len(rs), stats.geomean(ve), stats.geomean(vo), stats.geomean(oe)))
    return out


def header_lines(meta):
    m = meta["machine"]
    e = meta["eager"]
    lines = [
        f"- **Machine:** {m['cpu']}, {m['isa']}, {m['cores']} cores, {m['memory']}; {m['os']}; "
        f"generated code built with {m['cc']}.",
        f"- **Threads:** {', '.join(str(t) for t in meta['threads'])} "
        f"(each engine is told the same count).",
        f"- **inductc:** `{meta['inductc_version']}` (commit {m['commit']}).",
        f"- **ONNX Runtime:** onnxruntime-node {meta['ort_version']} (node {m['node']}), CPU execution "
        "provider, intra-op threads = T, inter-op threads 1, sequential execution, all graph optimisations.",
        f"- **PyTorch eager:** torch {e.get('torch', '?')}, `torch.inference_mode()`, "
        f"`torch.set_num_threads(T)`; ATen CPU capability {e.get('cpu_capability') or '?'}; "
        f"BLAS: {e.get('blas_text', '?')}.",
        f"- **Method:** models exported once with torch.onnx (opset {meta['opset']}, constant folding) "
        f"together with PyTorch's output. Per model and thread count, {meta['rounds']} rounds; in each "
        f"round every engine runs {meta['warmup']} warm-up and {meta['iters_per_round']} timed iterations, "
        "the engines taking turns (the first engine rotates), so machine noise hits all alike. "
        "Reported: the median over rounds of each round's median, in ms. inductc is timed with "
        "`inductc run --iters`, one process per round (load and weight prepacking are not timed). "
        "Compile times: `inductc model.onnx -o x.so` with an empty cache (cold), then again (warm, "
        "a cache hit).",
        "- **Correctness:** each engine's output against PyTorch's: max abs error, and max rel error = "
        "max|got − ref| / max|ref|; passes at rel ≤ 1e-3 unless the model states another tolerance. "
        "Speedups and geomeans count only outputs that pass.",
        "- **load** is the machine's 1-minute load average when the model's timing rounds ended "
        f"(this run's own engines add up to T); well above {m['cores']} means other work shared the "
        "cores, which hurts OpenMP engines at 2 threads most (their barriers spin).",
        f"- **Run:** {meta['date']}, `{meta['command']}`, {meta['elapsed_min']:.1f} min; load average "
        f"{meta['load_start']:.1f} at the start, {meta['load_end']:.1f} at the end"
        + (" (other work was running: absolute times are inflated, ratios less so)."
           if max(meta["load_start"], meta["load_end"]) > 1.5 * m["cores"] else "."),
    ]
    return lines


def markdown(rows, meta, chart_name="speedup.png"):
    out = ["## Results", ""] + header_lines(meta) + [""]
    for t in meta["threads"]:
        rs = [r for r in rows if r["threads"] == t]
        if not rs:
            continue
        out += [f"### {t} thread{'s' if t != 1 else ''}", "",
                "| model | suite | batch | inductc ms | ORT ms | eager ms | inductc vs eager | "
                "inductc vs ORT | ORT vs eager | compile cold / warm s | load | correctness |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in rs:
            comp = "—"
            if r["compile_cold_s"] is not None:
                comp = f"{r['compile_cold_s']:.1f} / {r['compile_warm_s']:.2f}"
            ms = lambda e: _ms(r[e + "_ms"]) if r[e + "_ms"] is not None else "—"  # noqa: E731
            out.append(f"| {r['model']} | {r['suite']} | {r['batch']} | {ms('inductc')} | {ms('ort')} | "
                       f"{ms('eager')} | {_x(r['speedup_vs_eager'])} | {_x(r['speedup_vs_ort'])} | "
                       f"{_x(r['ort_vs_eager'])} | {comp} | {_fmt(r['load'], '.1f')} | {correctness(r)} |")
        for label, n, total, ve, vo, oe in geomean_rows(rs):
            out.append(f"| **geomean {label}** | | | | | | **{_x(ve)}** | **{_x(vo)}** | {_x(oe)} | | | "
                       f"inductc measured on {n} of {total} |")
        out.append("")
    if chart_name:
        out += [f"![speedups]({chart_name})", ""]
    return "\n".join(out)


def chart(path, rows, meta):
    """Bar chart of speedups per model (log scale), one panel per thread count."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    threads = [t for t in meta["threads"] if any(r["threads"] == t for r in rows)]
    fig, axes = plt.subplots(len(threads), 1, figsize=(14, 4.2 * len(threads)), squeeze=False)
    series = [("speedup_vs_eager", "inductc vs PyTorch eager", "#1f77b4"),
              ("speedup_vs_ort", "inductc vs ONNX Runtime", "#ff7f0e"),
              ("ort_vs_eager", "ONNX Runtime vs PyTorch eager (reference)", "#bbbbbb")]
    width = 0.27
    for ax, t in zip(axes[:, 0], threads):
        rs = [r for r in rows if r["threads"] == t]
        vals = [r[k] for r in rs for k, _, _ in series if r[k]]
        lo = min([0.5] + [v / 1.3 for v in vals])
        hi = max([2.0] + [v * 1.3 for v in vals])
        xs = range(len(rs))
        for i, (key, label, color) in enumerate(series):
            pts = [(x + (i - 1) * width, r[key]) for x, r in zip(xs, rs) if r[key]]
            # Bars grow from 1 (as fast), up for faster and down for slower.
            ax.bar([p[0] for p in pts], [p[1] - 1.0 for p in pts], width, bottom=1.0, label=label,
                   color=color)
        for x, r in zip(xs, rs):
            if r["speedup_vs_eager"] is None and r["speedup_vs_ort"] is None:
                why = "inductc failed" if r["inductc_status"] not in ("ok", "not run") else "no result"
                ax.text(x - width / 2, 1.02, why, rotation=90, ha="center", va="bottom", fontsize=7,
                        color="#b22222")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 30, 50) if lo <= t <= hi]
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["model"] for r in rs], rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("speedup (log scale)")
        ax.set_title(f"{t} thread{'s' if t != 1 else ''}: above 1× = faster than the other engine",
                     fontsize=10)
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    m = meta["machine"]
    fig.suptitle(f"inductc speedups — {m['cpu']}, {m['isa']}, {meta['date']}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


README_BEGIN = "<!-- bench:results:begin (written by bench/run --readme) -->"
README_END = "<!-- bench:results:end -->"


def update_readme(readme, md):
    """Replace the text between the README's result markers with md."""
    with open(readme) as f:
        text = f.read()
    i, j = text.find(README_BEGIN), text.find(README_END)
    if i < 0 or j < i:
        raise ValueError(f"{readme}: result markers not found")
    text = text[:i + len(README_BEGIN)] + "\n" + md.rstrip() + "\n" + text[j:]
    with open(readme, "w") as f:
        f.write(text)


def write_all(out_dir, rows, meta):
    os.makedirs(out_dir, exist_ok=True)
    write_csv(os.path.join(out_dir, "results.csv"), rows)
    md = markdown(rows, meta)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md)
    try:
        chart(os.path.join(out_dir, "speedup.png"), rows, meta)
    except ImportError as e:
        print(f"bench: no chart ({e}); install python3-matplotlib (tools/setup.sh --bench)")
    return md
