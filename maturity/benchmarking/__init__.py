"""Peer benchmarking: where a company stands among comparable companies, node by node.

- :mod:`~maturity.benchmarking.groups`: peer groups (profile keys, widening, members);
- :mod:`~maturity.benchmarking.statistics`: quantiles, percentile ranks, intervals;
- :mod:`~maturity.benchmarking.disclosure`: what may be published (the one module of rules);
- :mod:`~maturity.benchmarking.release`: successive releases that cannot be differenced;
- :mod:`~maturity.benchmarking.compare`: :func:`benchmark`, every company against its group;
- :mod:`~maturity.benchmarking.tables`: :func:`aggregate_table` for publication.

Every definition is written out in ``docs/methodology-benchmark.md``.
"""

from __future__ import annotations

from maturity.benchmarking.common import (
    DEFAULT_BY,
    DEFAULT_WIDEN,
    BenchmarkError,
    ProfileKeys,
    ScoresLike,
)
from maturity.benchmarking.compare import benchmark
from maturity.benchmarking.disclosure import protect_counts, protect_table
from maturity.benchmarking.groups import PeerGroup, profile_keys
from maturity.benchmarking.release import Release
from maturity.benchmarking.result import Benchmark
from maturity.benchmarking.statistics import loo_quantile
from maturity.benchmarking.tables import AggregateTable, aggregate_table, write_aggregate

__all__ = [
    "DEFAULT_BY",
    "DEFAULT_WIDEN",
    "AggregateTable",
    "Benchmark",
    "BenchmarkError",
    "PeerGroup",
    "ProfileKeys",
    "Release",
    "ScoresLike",
    "aggregate_table",
    "benchmark",
    "loo_quantile",
    "profile_keys",
    "protect_counts",
    "protect_table",
    "write_aggregate",
]
