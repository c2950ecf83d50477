"""Speed and memory of the scoring engine (issue 15: 1,000,000 respondents x 100 items on a
three-level tree in <= 0.3 s; >= 50x a plain per-respondent Python baseline; peak memory under
3x the answer matrix).

    python benchmarks/bench_scoring.py [--rows 1000000] [--repeat 5]

Every figure is printed beside references measured in the same run: the floor (one pass of
``np.isnan`` and one row sum over the same matrix, numpy, one thread) and a per-respondent
Python baseline kept in this script (timed on a sample of rows, scaled to the full size).
Each kernel (numpy, and numba when installed) is timed on the bare matrix and with the N/A,
"don't know" and applicability masks that ``score(responses)`` passes. Medians of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc

import numpy as np

from maturity.model import parse_model
from maturity.questionnaire import parse_questionnaire
from maturity.scoring import score_arrays

DIMS, SUBS, ITEMS = 5, 4, 5  # root -> 5 dimensions -> 20 sub-dimensions -> 100 items


def build():
    lines = [
        "format: maturity/questionnaire@1",
        "id: bench",
        "version: 1.0.0",
        "languages: [en]",
        "title: Bench",
        "scales:",
        "  s:",
        "    options:",
    ]
    lines += [f"      - {{code: c{k}, value: {k}, label: L{k}}}" for k in range(6)]
    lines.append("dimensions:")
    for d in range(DIMS):
        lines += [f"  - id: d{d}", f"    title: D{d}", "    dimensions:"]
        for s in range(SUBS):
            lines += [f"      - id: d{d}.s{s}", f"        title: S{s}", "        items:"]
            lines += [
                f"          - {{id: i{d}.{s}.{i}, kind: scale, scale: s, text: Q}}"
                for i in range(ITEMS)
            ]
    q = parse_questionnaire("\n".join(lines) + "\n")
    weights = ", ".join(f"d{d}: {d + 1}" for d in range(DIMS))
    model = parse_model(
        f"""\
format: maturity/scoring-model@1
id: bench-model
version: 1.0.0
title: Bench
questionnaire: {{id: bench}}
range: [0, 5]
default: {{operator: weighted_mean, min_coverage: 0.5}}
nodes:
  root: {{weights: {{{weights}}}}}
levels:
  - {{min: 0, code: l0, label: L0}}
  - {{min: 2.5, code: l1, label: L1}}
""",
        q,
    )
    return q, model


def baseline(model, values, item_ids):
    """Per-respondent Python: the way a spreadsheet macro or a naive script scores."""
    col = {iid: j for j, iid in enumerate(item_ids)}
    lo, hi = model.range
    out = []
    for row in values:
        node_score = {}
        for node in model.nodes:  # children before parents
            rule = model.rules[node]
            num = den = total = 0.0
            for child, w in zip(rule.children, rule.weights, strict=True):
                total += w
                if child in node_score:
                    x = node_score[child]
                else:
                    v = row[col[child]]
                    x = v / 5.0
                if x is None or x != x:
                    continue
                num += w * x
                den += w
            s = num / den if den > 0 and den / total >= rule.min_coverage else math.nan
            node_score[node] = None if s != s else s
        out.append(lo + (node_score["root"] or math.nan) * (hi - lo))
    return out


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    _, model = build()
    ids = model.items
    rng = np.random.default_rng(0)
    values = rng.integers(0, 6, size=(args.rows, len(ids))).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan  # 5 % missing answers
    na = rng.random(values.shape) < 0.02
    dk = (rng.random(values.shape) < 0.02) & ~na
    values[na | dk] = np.nan
    applicable = np.ones(values.shape, dtype=bool)
    masks = {"na": na, "dont_know": dk, "applicable": applicable}
    matrix_mb = values.nbytes / 1e6
    print(
        f"answer matrix: {args.rows:,} respondents x {len(ids)} items "
        f"({len(model.nodes)} nodes, 3 levels), {matrix_mb:.0f} MB"
    )

    def floor():
        np.isnan(values).sum()
        values.sum(axis=1)

    ref, ref_best = timed(floor, args.repeat)
    print(f"floor (isnan + sum, numpy): {ref:7.3f} s median   (best {ref_best:.3f})")
    engines = ["numpy"]
    try:
        import numba  # noqa: F401

        engines.append("numba")
    except ImportError:
        print("numba: not installed (pip install 'maturity[fast]')")
    results = {}
    for eng in engines:
        score_arrays(model, values[:1000], item_ids=ids, engine=eng)  # warm-up / compile
        for label, kw in (("bare", {}), ("masks", masks)):
            med, best = timed(
                lambda eng=eng, kw=kw: score_arrays(model, values, item_ids=ids, engine=eng, **kw),
                args.repeat,
            )
            results[eng, label] = med
            print(
                f"engine {eng:5} {label:5}: {med:7.3f} s median   (best {best:.3f})   "
                f"{med / ref:5.2f} x floor   {args.rows / med / 1e6:6.2f} M respondents/s"
            )
    if "numba" in engines:
        med, best = timed(
            lambda: score_arrays(model, values, item_ids=ids, engine="numba", workers=1, **masks),
            args.repeat,
        )
        print(
            f"engine numba masks, one thread: {med:7.3f} s median   (best {best:.3f})   "
            f"{med / ref:5.2f} x floor (the floor is one thread too)"
        )
        a, _, _ = score_arrays(model, values, item_ids=ids, engine="numpy", **masks)
        b, _, _ = score_arrays(model, values, item_ids=ids, engine="numba", **masks)
        diff = float(np.nanmax(np.abs(a - b)))
        print(
            f"numba vs numpy: largest difference {diff:.1e}, same NaN: "
            f"{bool(np.array_equal(np.isnan(a), np.isnan(b)))}"
        )
    best_engine = min(results, key=results.get)
    best = results[best_engine]
    scores, _, nodes = score_arrays(model, values, item_ids=ids, engine=best_engine[0])
    tracemalloc.start()
    score_arrays(model, values, item_ids=ids, engine=best_engine[0])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    k = args.baseline_rows
    t0 = time.perf_counter()
    ref_rows = baseline(model, values[:k], ids)
    per_row = (time.perf_counter() - t0) / k
    root = scores[:k, nodes.index("root")]
    assert np.allclose(np.asarray(ref_rows), root, equal_nan=True), "baseline disagrees"
    base_full = per_row * args.rows

    print(f"baseline: {base_full:8.1f} s (per-respondent Python, {k:,} rows timed and scaled)")
    print(f"speed-up of the fastest engine ({best_engine[0]}): {base_full / best:8.0f} x")
    print(
        f"peak memory while scoring (tracemalloc, beyond the input): {peak / 1e6:.0f} MB = "
        f"{peak / values.nbytes:.2f} x the answer matrix"
    )


if __name__ == "__main__":
    main()
