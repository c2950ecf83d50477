"""The :class:`Benchmark` result and its exports."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from maturity.benchmarking.common import (
    _STATS,
    DEFAULT_BY,
    DEFAULT_WIDEN,
    BoolArray,
    FloatArray,
    IntArray,
)
from maturity.benchmarking.groups import PeerGroup
from maturity.numbers import counted

__all__ = ["NOTES", "Benchmark"]

#: What the figures of a benchmark file mean (written into its JSON).
NOTES = {
    "percentile": "mean-rank percentile among the peers: 50 x (peers below + peers at or "
    "below) / n, ties (scores within 1e-9) counting half, as "
    "scipy.stats.percentileofscore(kind='mean'); not the share with the same or a lower score",
    "quantiles": "q1, median, q3, p90: means of blocks of at least min_group peers' sorted "
    "scores, published from 2 x min_group peers; rounded to 'digits' decimals",
    "n": "peers with a score at the node, the company left out",
}


@dataclass(frozen=True, eq=False)
class Benchmark:
    """Each company compared with its peer group, node by node.

    Arrays have shape (companies × nodes) and are read-only:

    - ``percentile`` (0–100): the company's mean-rank percentile among its peers, ties (scores
      within :data:`~maturity.numbers.SCORE_TOLERANCE`) counting half, as
      ``scipy.stats.percentileofscore(kind="mean")``; full precision;
    - ``n``: peers with a score at the node, the company left out;
    - ``mean`` and ``sd`` (sample standard deviation, ddof = 1) of the peers' scores, rounded
      to ``digits`` decimals, and the company's ``z`` = (score − mean) / sd from those;
    - ``q1``, ``median``, ``q3`` and ``p90`` ("best in class"): published quantiles, each the
      mean of the block of ``min_group`` to ``2 × min_group − 1`` consecutive order statistics
      that holds numpy's position (fixed-size microaggregation), only where
      ``n ≥ 2 × min_group``; rounded to ``digits`` decimals;
    - ``ci_low``/``ci_high``: the distribution-free confidence interval of the peer median at
      level ``confidence`` (order statistics, binomial quantiles), widened to whole blocks and
      rounded outwards; NaN unless asked for.

    Every statistic is NaN where the company has no sufficient peer group or fewer than
    ``min_group`` peers have a score at the node; the quantiles and the interval also below
    ``2 × min_group``; percentile and z also where the company has no score. ``groups``
    holds each company's :class:`PeerGroup`. ``synthetic`` is True when the peers are a
    synthetic population. See ``docs/methodology-benchmark.md`` and
    :mod:`maturity.benchmarking.disclosure`.
    """

    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    percentile: FloatArray = field(repr=False)
    q1: FloatArray = field(repr=False)
    median: FloatArray = field(repr=False)
    q3: FloatArray = field(repr=False)
    mean: FloatArray = field(repr=False)
    p90: FloatArray = field(repr=False)
    sd: FloatArray = field(repr=False)
    z: FloatArray = field(repr=False)
    n: IntArray = field(repr=False)
    ci_low: FloatArray = field(repr=False)
    ci_high: FloatArray = field(repr=False)
    groups: tuple[PeerGroup, ...] = field(repr=False)
    min_group: int = 5
    synthetic: bool = False
    by: tuple[str, ...] = DEFAULT_BY
    widen: tuple[str, ...] = DEFAULT_WIDEN
    confidence: float | None = None
    digits: int | None = 2
    recorder: Any = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        n_ok = int(np.count_nonzero(self._sufficient))
        flag = ", synthetic peers" if self.synthetic else ""
        return (
            f"Benchmark({counted(len(self.ids), 'company')} × {counted(len(self.nodes), 'node')}, "
            f"min_group={self.min_group}, {n_ok} with sufficient peers{flag})"
        )

    @cached_property
    def _sufficient(self) -> BoolArray:
        return np.fromiter((g.sufficient for g in self.groups), bool, len(self.groups))

    @cached_property
    def _index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.ids)}

    def release(self, label: str | None = None) -> Any:
        """What this run published, as a :class:`~maturity.benchmarking.release.Release`:
        pass it as ``since=`` to the next run so that the two cannot be differenced. The
        release is for the publisher's files, not for publication.

        Raises:
            BenchmarkError: the benchmark was not made by :func:`benchmark`.

        """
        if self.recorder is None:
            from maturity.benchmarking.common import BenchmarkError

            raise BenchmarkError("this Benchmark was not made by benchmark(): no release")
        return self.recorder(label)

    def row(self, company_id: str) -> dict[str, Any]:
        """One company's benchmark as plain data: its group and, per node, the statistics.

        Raises:
            KeyError: no company with that id.

        """
        try:
            i = self._index[company_id]
        except KeyError:
            raise KeyError(f"no company '{company_id}' in the benchmark") from None
        return self._row(i)

    def _row(self, i: int) -> dict[str, Any]:
        nodes: dict[str, dict[str, Any]] = {}
        for j, node in enumerate(self.nodes):
            cell: dict[str, Any] = {s: _num(getattr(self, s)[i, j]) for s in _STATS}
            cell["n"] = int(self.n[i, j])
            cell["ci_low"] = _num(self.ci_low[i, j])
            cell["ci_high"] = _num(self.ci_high[i, j])
            nodes[node] = cell
        return {"company": self.ids[i], "group": self.groups[i].to_dict(), "nodes": nodes}

    def to_json(self, path: str | Path | None = None, force: bool = False) -> str:
        """The benchmark as JSON (``maturity/benchmark@1``; NaN is written as ``null``).

        With ``path`` the text is also written there (atomically; an existing file is
        replaced only with ``force=True``).
        """
        doc = {
            "format": "maturity/benchmark@1",
            "synthetic": self.synthetic,
            "min_group": self.min_group,
            "by": list(self.by),
            "widen": list(self.widen),
            "confidence": self.confidence,
            "digits": self.digits,
            "notes": NOTES,
            "nodes": list(self.nodes),
            "companies": [self._row(i) for i in range(len(self.ids))],
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        _write(path, text, force)
        return text

    def to_csv(self, path: str | Path | None = None, force: bool = False) -> str:
        """The benchmark in long form: one row per company and node.

        Columns: company, node, the statistics, n, ci_low, ci_high, then the group's filters
        (``group_<field>``, empty for "all"), size, steps and ``sufficient``. Text cells that
        a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) get a
        leading ``'``; numbers are written by the library as plain numbers.
        """
        from maturity.io.csvio import csv_text
        from maturity.io.guard import safe_cell

        out: list[Sequence[object]] = []
        header = [
            "company",
            "node",
            *_STATS,
            "n",
            "ci_low",
            "ci_high",
            *(f"group_{f}" for f in self.by),
            "group_size",
            "group_steps",
            "sufficient",
        ]
        out.append(header)
        cols = [getattr(self, s) for s in _STATS]
        for i, company in enumerate(self.ids):
            g = self.groups[i]
            tail = [
                *(safe_cell(g.filters.get(f) or "") for f in self.by),
                str(g.size),
                str(g.steps),
                "true" if g.sufficient else "false",
            ]
            cid = safe_cell(company)
            for j, node in enumerate(self.nodes):
                out.append(
                    [
                        cid,
                        safe_cell(node),
                        *(_fmt(c[i, j]) for c in cols),
                        str(int(self.n[i, j])),
                        _fmt(self.ci_low[i, j]),
                        _fmt(self.ci_high[i, j]),
                        *tail,
                    ]
                )
        text = csv_text(out)
        _write(path, text, force)
        return text


def _num(x: Any) -> float | None:
    """A number for JSON at full precision (``None`` for NaN: JSON has no NaN)."""
    v = float(x)
    return None if math.isnan(v) else v


def _fmt(x: Any) -> str:
    """A number for CSV at full precision (the shortest text that reads back the same)."""
    from maturity.numbers import shortest

    return shortest(float(x))


def _write(path: str | Path | None, text: str, force: bool) -> None:
    if path is None:
        return
    from maturity.io import write_text

    write_text(path, text, force=force)
