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


def make_60_items() -> str:
    """i40-readiness plus a bilingual dimension of scale items, 60 items in all."""
    import tempfile

    import maturity
    from maturity.questionnaire import dump_questionnaire, parse_questionnaire

    base = maturity.load_questionnaire("i40-readiness")
    data = base.to_data()
    extra = 60 - len(base.items)
    data["dimensions"].append(
        {
            "id": "extra",
            "title": {"it": "Domande aggiuntive", "en": "Extra questions"},
            "items": [
                {
                    "id": f"ex.q{i}",
                    "kind": "scale",
                    "scale": "adoption",
                    "text": {"it": f"Domanda {i}", "en": f"Question {i}"},
                    "when": 'answer("sp.makes_products")' if i % 4 == 0 else None,
                }
                for i in range(extra)
            ],
        }
    )
    for it in data["dimensions"][-1]["items"]:
        if it["when"] is None:
            del it["when"]
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    q = parse_questionnaire(text)
    assert len(q.items) == 60
    path = Path(tempfile.mkdtemp()) / "q60.yaml"
    path.write_text(dump_questionnaire(q), encoding="utf-8")
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    q = make_60_items()
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
