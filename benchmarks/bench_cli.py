"""Whole-process timings of `import maturity` and `maturity validate` (issue: under 0.15 s and
0.3 s). Prints the median of several runs, with a bare `python -c pass` for reference.

    python benchmarks/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_time(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    q = str(ROOT / "questionnaires" / "i40-readiness.yaml")
    import maturity

    n_items = len(maturity.load_questionnaire(q).items)
    rows = [
        ("python -c pass", [py, "-c", "pass"]),
        ("import maturity", [py, "-c", "import maturity"]),
        (
            f"maturity validate ({n_items}-item questionnaire)",
            [py, "-m", "maturity.cli", "validate", "-q", q],
        ),
        (
            "maturity validate (both questionnaires + 4 models)",
            [
                py,
                "-m",
                "maturity.cli",
                "validate",
                "-q",
                q,
                str(ROOT / "questionnaires" / "digital-maturity.yaml"),
                *map(str, sorted((ROOT / "scoring_models").glob("*.yaml"))),
            ],
        ),
    ]
    for name, cmd in rows:
        print(f"{name:<55} median {median_time(cmd, args.runs) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
