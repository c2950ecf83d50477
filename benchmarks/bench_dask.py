"""Throughput of maturity.dask with 1, 2 and 4 workers (issue 15).

    python benchmarks/bench_dask.py [--rows 40000] [--files 8] [--workers 1,2,4]

Writes ``--rows`` synthetic answers (5,000 drawn respondents repeated with new ids; about two
respondents per company) into ``--files`` CSV files, then for each number of workers (a
``distributed.LocalCluster`` of processes, one thread each) times, from the files to a
computed pandas frame: scoring by respondent, scoring by company (a shuffle by company), and
the benchmark of the companies against themselves (a shuffle by peer-group key). The
reference measured in the same run is the in-memory road on one process
(``mt.read_responses`` of every file, ``mt.score``, ``mt.benchmark(..., widen=())``).
Throughput is answer rows per second; medians of ``--repeat`` runs. The machine has few
cores: more workers than cores only shows the cost of coordination.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import maturity as mt
from maturity import synthetic
from maturity.io import write_responses
from maturity.responses import Responses


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    import pandas as pd

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=40_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    q = mt.load_questionnaire("i40-readiness")
    model = mt.load_model("i40-readiness-weighted", q)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    write_responses(synthetic.generate(q, 5000, seed=3), tmp / "base.csv")
    base = pd.read_csv(tmp / "base.csv", dtype=str, keep_default_na=False)
    reps = -(-args.rows // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[: args.rows].copy()
    df["respondent_id"] = [f"r{i:08d}" for i in range(len(df))]
    rng = np.random.default_rng(0)
    df["company"] = [f"c{k:08d}" for k in rng.integers(0, args.rows // 2, len(df))]
    paths = []
    cuts = np.linspace(0, len(df), args.files + 1).astype(int)
    for k in range(args.files):
        p = tmp / f"answers-{k:03d}.csv"
        df.iloc[cuts[k] : cuts[k + 1]].to_csv(p, index=False)
        paths.append(str(p))
    by = ("size_class", "region")
    print(f"{len(df):,} answer rows in {args.files} CSV files; model {model.id}")

    def memory_road():
        parts = [mt.read_responses(p, q) for p in paths]
        r = Responses(q, tuple(x for part in parts for x in part.respondents))
        s = mt.score(r, model)
        c = mt.score(r, model, by="company")
        mt.benchmark(c, c, by=by, widen=())
        return s

    t_mem = median_time(memory_road, 1)
    print(
        f"in memory, one process (read, score x2, benchmark): {t_mem:7.2f} s   "
        f"{len(df) / t_mem:9,.0f} rows/s   (reference)"
    )

    from distributed import Client, LocalCluster

    import maturity.dask as mdask

    for w in [int(x) for x in args.workers.split(",")]:
        with (
            LocalCluster(
                n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):

            def answers():
                return mdask.read_answers(paths, q, check=False)

            t_s = median_time(lambda: mdask.score(answers(), model).compute(), args.repeat)
            t_c = median_time(
                lambda: mdask.score(answers(), model, by="company").compute(), args.repeat
            )
            companies = mdask.score(answers(), model, by="company").persist()
            t_b = median_time(
                lambda c=companies: mdask.benchmark(c, model, by=by).compute(), args.repeat
            )
            print(
                f"{w} worker(s): score by respondent {t_s:6.2f} s ({len(df) / t_s:8,.0f} rows/s)"
                f"   by company {t_c:6.2f} s ({len(df) / t_c:8,.0f} rows/s)"
                f"   benchmark {t_b:6.2f} s   total {t_s + t_c + t_b:6.2f} s = "
                f"{(t_s + t_c + t_b) / t_mem:4.2f} x in memory"
            )


if __name__ == "__main__":
    main()
