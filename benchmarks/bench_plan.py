"""Time of planning many companies with a shipped action catalogue, beside a reference measured
in the same run: one ``maturity.score`` of the same companies' answers.

    python benchmarks/bench_plan.py [--n 1000] [--repeat 1] [--budget 60000] [--horizon 18]

The companies are the first ``--n`` of the shipped synthetic population of ``i40-readiness``
(their answers, read once), scored with ``i40-readiness-weighted`` and planned with the bundled
``i40-readiness-actions`` catalogue (``maturity.planning.plan_all``: candidates, re-scoring of
every subset that counts, one exact mixed-integer program per company, explanations and wave
projections), with and without ranking the projections among the same peers. Prints the median
of ``--repeat`` runs, the time per company, the ratio to the reference, and how the plans came
out (actions per plan, how many were exact).
"""

from __future__ import annotations

import argparse
import statistics
import time

import maturity as mt
from maturity.peers import bundled_peers
from maturity.planning import plan_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--budget", type=float, default=60000)
    ap.add_argument("--horizon", type=float, default=18)
    args = ap.parse_args()

    q = mt.load_questionnaire("i40-readiness")
    model = mt.load_model("i40-readiness-weighted", q)
    meta = bundled_peers()["i40-readiness"]
    import json

    answers_file = meta.parent / json.loads(meta.read_text(encoding="utf-8"))["answers"]
    everyone = mt.read_responses(answers_file, q)
    import dataclasses

    answers = dataclasses.replace(everyone, respondents=everyone.respondents[: args.n])
    catalogue = mt.load_actions("i40-readiness-actions", q)
    peers = mt.score(everyone, model, by="company")

    def reference() -> object:
        return mt.score(answers, model, by="company")

    scores = reference()

    def run(with_peers: bool) -> object:
        return plan_all(
            scores,
            answers,
            catalogue,
            budget=args.budget,
            horizon_months=args.horizon,
            peers=peers if with_peers else None,
        )

    timings: dict[str, list[float]] = {"score (reference)": [], "plan": [], "plan + peers": []}
    plans = None
    for _ in range(args.repeat):
        for name, fn in (
            ("score (reference)", reference),
            ("plan", lambda: run(False)),
            ("plan + peers", lambda: run(True)),
        ):
            t0 = time.perf_counter()
            out = fn()
            timings[name].append(time.perf_counter() - t0)
            if name == "plan":
                plans = out
    ref = statistics.median(timings["score (reference)"])
    n = len(scores.ids)
    print(
        f"{n} companies, {len(catalogue)} actions, budget {args.budget:g} EUR, "
        f"horizon {args.horizon:g} months (median of {args.repeat})"
    )
    for name, ts in timings.items():
        med = statistics.median(ts)
        print(f"  {name:<18} {med:8.2f} s  {1000 * med / n:8.2f} ms/company  {med / ref:8.1f}x")
    assert plans is not None
    sizes = [len(p) for p in plans.values()]  # type: ignore[attr-defined]
    exact = sum(p.exact for p in plans.values())  # type: ignore[attr-defined]
    print(
        f"  actions per plan: median {statistics.median(sizes):g}, max {max(sizes)}; "
        f"exact plans {exact}/{n}"
    )


if __name__ == "__main__":
    main()
