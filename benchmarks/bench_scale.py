"""Does any public step grow faster than its input? (issue 15)

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000,1000000] [--budget 120]

For each size n (companies; two respondents per company on average, so 2n answer rows) it
times every public step on the same data and prints the cost per company in microseconds:

- read CSV (``mt.read_responses``), and, as the reference measured in the same run,
  ``pandas.read_csv`` of the same file; the answer matrix (``Responses.matrix()``, built
  once and cached);
- score by respondent, score by company (``mt.score``);
- benchmark (``mt.benchmark``: the companies against themselves, default groups);
- gaps (``mt.gaps``, next level);
- plan (``mt.plan_all`` with the shipped action catalogue of the questionnaire, a budget of
  60,000 EUR and a horizon of 18 months).

The last column is the ratio of the per-company cost at the largest size measured to that at
the smallest: about 1 for a linear step, growing with n for a superlinear one. A step that
took longer than ``--budget`` seconds at one size is not run at the larger sizes (marked
"skipped"); the ratio then uses the largest size it ran at. The answers are synthetic
(``maturity.synthetic``): 5,000 drawn respondents repeated with new ids and companies.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import maturity as mt
from maturity import synthetic
from maturity.io import write_responses


def make_csv(q, n_companies: int, path: Path, base) -> None:
    """2 × n_companies rows: the base sample repeated, ids and companies renumbered."""
    import pandas as pd

    rows = 2 * n_companies
    reps = -(-rows // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[:rows].copy()
    df["respondent_id"] = [f"r{i:08d}" for i in range(rows)]
    rng = np.random.default_rng(rows)
    df["company"] = [f"c{k:08d}" for k in rng.integers(0, n_companies, rows)]
    df.to_csv(path, index=False)


def plan_companies(q, scores, responses):
    """Plans for every company with the bundled action catalogue of ``q``."""
    catalogue = mt.load_actions(f"{q.id}-actions", q)
    return mt.plan_all(scores, responses, catalogue, budget=60_000, horizon_months=18)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--budget", type=float, default=120.0, help="seconds per step and size")
    ap.add_argument("--questionnaire", default="i40-readiness")
    ap.add_argument("--model", default="i40-readiness-weighted")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    q = mt.load_questionnaire(args.questionnaire)
    model = mt.load_model(args.model, q)
    import pandas as pd

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    write_responses(synthetic.generate(q, 5000, seed=7), tmp / "base.csv")
    base = pd.read_csv(tmp / "base.csv", dtype=str, keep_default_na=False)
    has_plan = any(b.id == f"{q.id}-actions" for b in mt.bundled("action_catalogue"))
    steps = [
        "pandas.read_csv (reference)",
        "read CSV",
        "answer matrix",
        "score by respondent",
        "score by company",
        "benchmark",
        "gaps",
        "plan",
    ]
    cost: dict[str, dict[int, float | None]] = {s: {} for s in steps}
    over: set[str] = set()
    for n in sizes:
        path = tmp / f"answers-{n}.csv"
        make_csv(q, n, path, base)
        state: dict[str, object] = {}

        def run(step: str, fn: Callable[[], object], n: int = n) -> object:
            if step in over:
                cost[step][n] = None
                return None
            dt, out = timed(fn)
            cost[step][n] = dt / n * 1e6
            if dt > args.budget:
                over.add(step)
            print(f"  n={n:>9,}  {step:<28} {dt:9.2f} s  {dt / n * 1e6:10.1f} µs/company")
            return out

        run("pandas.read_csv (reference)", lambda p=path: pd.read_csv(p, dtype=str))
        responses = run("read CSV", lambda p=path: mt.read_responses(p, q))
        if responses is None:
            break  # nothing downstream can run without the answers
        state["r"] = responses
        run("answer matrix", lambda s=state: s["r"].matrix())  # cached for the steps below
        run("score by respondent", lambda s=state: mt.score(s["r"], model))
        companies = run("score by company", lambda s=state: mt.score(s["r"], model, by="company"))
        if companies is not None:
            state["c"] = companies
            run("benchmark", lambda s=state: mt.benchmark(s["c"], s["c"]))
            run("gaps", lambda s=state: mt.gaps(s["c"]))
            if has_plan:
                run("plan", lambda s=state: plan_companies(q, s["c"], s["r"]))
        path.unlink()
    print()
    head = "".join(f"{n:>12,}" for n in sizes)
    print(f"{'µs per company':<30}{head}{'ratio':>10}")
    for step in steps:
        if step == "plan" and not has_plan:
            print(
                f"{step:<30}{'not available (no action catalogue ships for it)':>{12 * len(sizes)}}"
            )
            continue
        row = cost[step]
        cells = "".join(
            f"{row[n]:12.1f}" if row.get(n) is not None else f"{'skipped':>12}" for n in sizes
        )
        ran = [n for n in sizes if row.get(n) is not None]
        ratio = row[ran[-1]] / row[ran[0]] if len(ran) > 1 and row[ran[0]] else float("nan")
        span = f" ({ran[-1]:.0e}/{ran[0]:.0e})" if len(ran) > 1 else ""
        print(f"{step:<30}{cells}{ratio:10.2f}{span}")


if __name__ == "__main__":
    main()
