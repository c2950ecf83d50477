"""Speed of peer benchmarking, beside a reference measured in the same run.

    python benchmarks/bench_benchmark.py [--rows 1000000] [--repeat 3] [--small 10000]

Goals (issue 15), on a 2-core machine: 1,000,000 companies against 1,000,000 peers in sparse
groups (NACE class × size class × NUTS-3: about 263,000 profiles and 126,000 peer groups)
under 5 s without intervals and under 10 s with the interval of the peer median.

Cases (median of ``--repeat`` runs each, wall clock and this process's CPU time):

* ``reference``: one ``np.sort`` of all peer scores (rows × nodes, along the rows), the floor
  of any method that orders the scores once per node;
* ``dense``: 120 profiles (10 sectors × 4 sizes × 3 provinces), companies and peers apart;
* ``sparse``: the sparse case above, companies and peers apart, then with intervals, then
  the companies as their own peers (every company left out of its group) with intervals;
* ``own peers``: ``--small`` companies as their own peers with intervals, and the cost the
  replaced bootstrap (one ``scipy.stats.bootstrap`` call per distinct group, node and own
  score) would have had, estimated from 40 timed calls.

Profiles for a million rows are given as profile keys (integer codes per field, see
``maturity.benchmarking.ProfileKeys``): building a million ``Profile`` objects is not what is
timed. The machine is shared: compare the ratios to the reference, not the seconds alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from maturity.benchmarking import benchmark
from maturity.classify import nace_codes, nuts_codes

NODES = ("root", "d1", "d2", "d3", "d4", "d5", "d6")
SIZES = ("micro", "small", "medium", "large")
DENSE_SECTORS = (
    "28.41",
    "28.49",
    "28.11",
    "25.11",
    "25.62",
    "22.29",
    "10.11",
    "26.51",
    "27.12",
    "29.32",
)
DENSE_REGIONS = ("ITC4C", "ITH35", "ITI17")


@dataclass
class Population:
    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    score: np.ndarray
    profile_keys: dict[str, Any]
    profiles: tuple[Any, ...] = ()
    synthetic: bool = field(default=False)


def build(
    n: int, seed: int, prefix: str, sectors: tuple[str, ...], regions: tuple[str, ...]
) -> Population:
    rng = np.random.default_rng(seed)
    keys = {
        "sector": (rng.integers(0, len(sectors), n), sectors),
        "size_class": (rng.integers(0, len(SIZES), n), SIZES),
        "region": (rng.integers(0, len(regions), n), regions),
    }
    level = rng.normal(2.5, 0.8, n)
    score = np.clip(level[:, None] + rng.normal(0, 0.6, (n, len(NODES))), 0, 5)
    score = np.round(score, 2)  # ties, as questionnaire scores have
    score[rng.random(score.shape) < 0.03] = np.nan
    ids = tuple(f"{prefix}{i:07d}" for i in range(n))
    return Population(ids, NODES, score, keys)


def timed(fn: Any, repeat: int) -> tuple[float, float, Any]:
    """Median wall-clock and CPU time of ``repeat`` calls, and the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        out = None  # let the previous result go before the next call
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def groups_of(res: Any) -> int:
    return len({tuple(g.filters.items()) for g in set(res.groups) if g.sufficient})


def bootstrap_estimate(pop: Population, res: Any, calls: int = 40) -> tuple[float, int]:
    """Seconds the replaced bootstrap would take: distinct (group, node, own score) triples
    times the median time of ``calls`` scipy.stats.bootstrap calls on real groups."""
    from scipy import stats

    key = {g: i for i, g in enumerate(dict.fromkeys(res.groups))}
    gid = np.array([key[g] for g in res.groups])
    triples = 0
    for j in range(len(NODES)):
        x = pop.score[:, j]
        ok = (res.n[:, j] >= 5) & ~np.isnan(x)
        triples += len({(int(g), float(v)) for g, v in zip(gid[ok], x[ok], strict=True)})
    rng = np.random.default_rng(0)
    times = []
    for _ in range(calls):
        a = np.sort(rng.choice(pop.score[:, 0][~np.isnan(pop.score[:, 0])], 40))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stats.bootstrap(
                (a,),
                np.median,
                n_resamples=999,
                method="percentile",
                rng=np.random.default_rng(0),
            )
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * triples, triples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--small", type=int, default=10_000)
    args = ap.parse_args()
    n, rep = args.rows, args.repeat
    sectors, regions = nace_codes(4), nuts_codes(3)
    dense_c = build(n, 1, "c", DENSE_SECTORS, DENSE_REGIONS)
    dense_p = build(n, 2, "p", DENSE_SECTORS, DENSE_REGIONS)
    sparse_c = build(n, 3, "c", sectors, regions)
    sparse_p = build(n, 4, "p", sectors, regions)
    print(
        f"{n:,} companies against {n:,} peers, {len(NODES)} nodes; sparse profiles: "
        f"{len(sectors)} NACE classes × {len(SIZES)} sizes × {len(regions)} NUTS-3; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ref, ref_cpu, _ = timed(lambda: np.sort(sparse_p.score, axis=0), rep)
    print(f"{'reference: np.sort of all peer scores':46s} {ref:7.3f} s (CPU {ref_cpu:6.3f} s)")
    cases = [
        ("dense, apart", dense_c, dense_p, False, None),
        ("sparse, apart", sparse_c, sparse_p, False, 5.0),
        ("sparse, apart, with intervals", sparse_c, sparse_p, True, 10.0),
        ("sparse, own peers, with intervals", sparse_p, sparse_p, True, 10.0),
    ]
    for name, comp, peer, interval, goal in cases:
        secs, cpu, res = timed(lambda c=comp, p=peer, i=interval: benchmark(c, p, interval=i), rep)
        verdict = ""
        if goal is not None:
            verdict = " ok" if secs < goal else f" OVER the {goal:g} s goal in wall time"
            if secs >= goal and cpu < goal:
                verdict += " (CPU within it: the machine is shared)"
        print(
            f"{name:46s} {secs:7.3f} s (CPU {cpu:6.3f} s) = {secs / ref:6.1f} × reference,"
            f" {groups_of(res):,} groups{verdict}"
        )
        del res
    small = build(args.small, 5, "s", sectors[:60], regions[:20])
    secs, cpu, res = timed(lambda: benchmark(small, small, interval=True), rep)
    boot, triples = bootstrap_estimate(small, res)
    print(
        f"{f'{args.small:,} own peers, with intervals':46s} {secs:7.3f} s (CPU {cpu:6.3f} s); "
        f"the replaced bootstrap: {triples:,} calls ≈ {boot:,.0f} s ({boot / secs:,.0f} ×)"
    )


if __name__ == "__main__":
    main()
