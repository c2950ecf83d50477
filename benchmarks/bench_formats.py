"""Speed of reading answers from each tool's export, beside our own CSV measured in the same
run (the reference: ratios are what to compare, the machine is shared and noisy).

    python benchmarks/bench_formats.py [--rows 2000] [--repeat 5]

The same synthetic respondents to ``i40-readiness`` (94 items) are written in each format's
conventions (tests/formats_util.py) and read with ``read_responses``; each line gives the
median wall time of ``--repeat`` reads, the time per respondent and the ratio to our CSV.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import maturity as mt
from maturity.synthetic import generate
from tests import formats_util as fu


def _ids(r, ids):
    from maturity.responses import Respondent, Responses

    people = tuple(Respondent(i, p.profile, p.answers) for i, p in zip(ids, r, strict=True))
    return Responses(r.questionnaire, people)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    q = mt.load_questionnaire("i40-readiness")
    r = generate(q, args.rows, seed=1)
    n = len(r)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        pos = _ids(r, [str(k + 1) for k in range(n)])
        rows = _ids(r, [str(k + 2) for k in range(n)])
        files = {
            "csv (ours, reference)": (mt.write_responses(r, tmp / "a.csv"), {}, r),
            "xlsx (ours)": (mt.write_responses(r, tmp / "a.xlsx"), {}, r),
            "kobo csv, split columns": (tmp / "k.csv", {}, r),
            "surveyjs json": (tmp / "s.json", {"source": "surveyjs"}, pos),
            "limesurvey csv": (tmp / "l.csv", {}, pos),
            "forms csv (it labels)": (tmp / "f.csv", {}, rows),
        }
        (tmp / "k.csv").write_text(fu.kobo_csv(q, r, split=True), "utf-8")
        (tmp / "s.json").write_text(fu.surveyjs_results(q, pos), "utf-8")
        (tmp / "l.csv").write_text(fu.limesurvey_csv(q, pos), "utf-8")
        (tmp / "f.csv").write_text(fu.forms_csv(q, rows, "it"), "utf-8")
        times: dict[str, list[float]] = {}
        for _ in range(args.repeat):  # interleaved, so that noise hits every format alike
            for name, (path, opts, want) in files.items():
                t = time.perf_counter()
                got = mt.read_responses(path, q, **opts)
                times.setdefault(name, []).append(time.perf_counter() - t)
                assert got == want, name
        ref = statistics.median(times["csv (ours, reference)"])
        print(f"{n} respondents x {len(q.items)} items, median of {args.repeat} reads")
        for name, ts in times.items():
            med = statistics.median(ts)
            per_row = med / n * 1e6
            print(f"  {name:28s} {med * 1000:8.1f} ms  {per_row:7.1f} µs/row  x{med / ref:5.2f}")


if __name__ == "__main__":
    main()
