"""Speed of reading scores files back (``Scores.from_json``, ``Scores.from_csv``).

    python benchmarks/bench_scorefiles.py [--companies 2000] [--repeat 5]

Scores the shipped synthetic population (2,000 companies) by company, writes it with
``Scores.to_json`` and ``Scores.to_csv``, and times, alternating and repeating them, reading
each file back with every value checked and located (:mod:`maturity.io.scorefiles`) beside the
references measured in the same run: ``json.loads`` of the same file alone, and Python's
``csv.reader`` over the same CSV alone. It prints the median times and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--companies", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import maturity as mt
    from maturity.scores import Scores

    model = mt.load_model("i40-readiness-weighted")
    peers = mt.load_peers("synthetic", model)
    keep = list(range(min(args.companies, len(peers.ids))))
    peers = Scores(
        model,
        tuple(peers.ids[i] for i in keep),
        peers.nodes,
        peers.score[keep],
        peers.coverage[keep],
        profiles=tuple(peers.profiles[i] for i in keep) if peers.profiles else (),
        spread=None if peers.spread is None else peers.spread[keep],
        n_respondents=None if peers.n_respondents is None else peers.n_respondents[keep],
    )
    with tempfile.TemporaryDirectory() as tmp:
        js, cs = Path(tmp) / "s.json", Path(tmp) / "s.csv"
        peers.to_json(js)
        peers.to_csv(cs)
        steps: dict[str, Callable[[], object]] = {
            "json.loads alone": lambda: json.loads(js.read_bytes()),
            "Scores.from_json": lambda: Scores.from_json(js, model),
            "csv.reader alone": lambda: list(
                csv.reader(io.StringIO(cs.read_bytes().decode("utf-8"), newline=""))
            ),
            "Scores.from_csv": lambda: Scores.from_csv(cs, model),
        }
        times: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(args.repeat):
            for name, fn in steps.items():
                times[name].append(_time(fn))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"{len(peers.ids):,} companies x {len(peers.nodes)} nodes; "
            f"JSON {js.stat().st_size / 1e6:.1f} MB, CSV {cs.stat().st_size / 1e6:.1f} MB; "
            f"median of {args.repeat}"
        )
        for name, t in med.items():
            print(f"  {name:<18} {t * 1000:8.1f} ms")
        ratios = (
            ("from_json / json.loads", med["Scores.from_json"] / med["json.loads alone"]),
            ("from_csv / csv.reader", med["Scores.from_csv"] / med["csv.reader alone"]),
        )
        for name, ratio in ratios:
            print(f"  {name:<24} {ratio:.1f}x")


if __name__ == "__main__":
    main()
