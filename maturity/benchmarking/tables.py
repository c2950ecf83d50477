"""Aggregate peer tables for publication: statistics per group, no individual rows, with the
disclosure rules of :mod:`maturity.benchmarking.disclosure` applied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from maturity.benchmarking.common import (
    _LEVEL_ALIASES,
    _MAX_DEPTH,
    _QUANTILES,
    DEFAULT_BY,
    BenchmarkError,
    ProfileKeys,
    ScoresLike,
)
from maturity.benchmarking.disclosure import Cell, _ancestors, _disclose
from maturity.benchmarking.groups import _check_fields, _encode, _keys_of, _profiles
from maturity.benchmarking.result import _num, _write
from maturity.benchmarking.statistics import _quantile

__all__ = ["AggregateTable", "aggregate_table", "write_aggregate"]


_DEFAULT_LEVELS = {"sector": 1, "region": 2, "size_class": 1}


_AGG_STATS = ("n", "mean", "q1", "median", "q3", "p90")


class AggregateTable(list[dict[str, Any]]):
    """Published peer statistics: one dict per (group, node), no individual rows.

    Each row has the ``by`` fields (a code, or ``None`` for the margin "all"), ``node``,
    ``n`` (companies with a score at the node), ``mean``, ``q1``, ``median``, ``q3`` and
    ``p90``. ``suppressed`` counts the (group, node) cells left out, ``suppressed_by`` per
    rule (``min_group``, ``nested``, ``complementary``); see ``docs/methodology-benchmark.md``.
    """

    by: tuple[str, ...]
    levels: dict[str, str]
    min_group: int
    nodes: tuple[str, ...]
    synthetic: bool
    suppressed: int
    suppressed_by: dict[str, int]

    def note(self) -> str:
        """A one-line note on suppressed cells, for the foot of a published table."""
        if not self.suppressed:
            return f"Every cell rests on at least {self.min_group} companies."
        parts = ", ".join(f"{k}: {v}" for k, v in self.suppressed_by.items() if v)
        return (
            f"{self.suppressed} cell(s) suppressed to protect individual companies "
            f"(at least {self.min_group} companies per cell; {parts})."
        )

    def to_json(self) -> str:
        """The table as JSON (``maturity/benchmark-aggregate@1``) with the suppression note."""
        doc = {
            "format": "maturity/benchmark-aggregate@1",
            "synthetic": self.synthetic,
            "min_group": self.min_group,
            "by": list(self.by),
            "levels": self.levels,
            "nodes": list(self.nodes),
            "suppressed": self.suppressed,
            "suppressed_by": self.suppressed_by,
            "note": self.note(),
            "rows": list(self),
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

    def to_csv(self) -> str:
        """The rows as CSV; an empty group cell means "all" (a margin)."""
        from maturity.io.csvio import csv_text
        from maturity.io.guard import safe_cell

        out: list[Sequence[object]] = []
        out.append([*self.by, "node", *_AGG_STATS])
        for row in self:
            out.append(
                [
                    *(safe_cell(row[f] or "") for f in self.by),
                    safe_cell(row["node"]),
                    str(row["n"]),
                    *("" if row[s] is None else repr(row[s]) for s in _AGG_STATS[1:]),
                ]
            )
        return csv_text(out)


def _levels(by: Sequence[str], levels: Mapping[str, str | int] | None) -> dict[str, int]:
    out = {f: _DEFAULT_LEVELS[f] for f in by}
    for f, lv in (levels or {}).items():
        if f not in by:
            raise BenchmarkError(f"'levels' names {f!r}, which is not in 'by'")
        if isinstance(lv, bool):
            raise BenchmarkError(f"invalid level {lv!r} for {f}")
        if isinstance(lv, int):
            d = lv
        else:
            key = str(lv).lower().replace("-", "").replace(" ", "")
            if key not in _LEVEL_ALIASES[f]:
                raise BenchmarkError(
                    f"unknown level {lv!r} for {f} (levels: {', '.join(_LEVEL_ALIASES[f])})"
                )
            d = _LEVEL_ALIASES[f][key]
        if not 1 <= d <= _MAX_DEPTH[f]:
            raise BenchmarkError(f"level {lv!r} for {f} must be 1..{_MAX_DEPTH[f]}")
        out[f] = d
    return out


def _level_name(f: str, d: int) -> str:
    return next(k for k, v in _LEVEL_ALIASES[f].items() if v == d)


def aggregate_table(
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    levels: Mapping[str, str | int] | None = None,
    min_group: int = 5,
    keys: ProfileKeys | None = None,
) -> AggregateTable:
    """Peer statistics per group, safe to publish: no individual rows, small cells suppressed.

    Rows cover every combination of the ``by`` fields at the chosen ``levels`` (default:
    sector at NACE section, size class, region at NUTS-1; also ``"division"``, ``"nuts2"``,
    … or a depth), plus every margin where some fields are "all" (``None``). Per node:
    ``n``, ``mean``, ``q1``, ``median``, ``q3``, ``p90`` (peers without a score at the node
    are left out). Disclosure rules, applied per node until nothing changes:

    1. a cell with fewer than ``min_group`` companies is suppressed;
    2. of two published cells where one contains the other, the contained one is suppressed
       when they differ by fewer than ``min_group`` companies (else the difference would
       describe those few companies);
    3. when a margin and its published sub-cells along one field leave fewer than
       ``min_group`` (but more than zero) companies unaccounted for, the smallest published
       sub-cell is suppressed too (complementary suppression).

    Suppressed cells are left out; :attr:`AggregateTable.suppressed` counts them.
    """
    by_t = tuple(by)
    _check_fields(by_t, ())
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise BenchmarkError(f"min_group must be an integer >= 1, not {min_group!r}")
    depth = _levels(by_t, levels)
    nodes = tuple(peers.nodes)
    score = np.asarray(peers.score, dtype=np.float64)
    n_p = len(peers.ids)
    if score.shape != (n_p, len(nodes)):
        raise BenchmarkError("score array does not match ids × nodes")
    pk = _keys_of(peers, by_t, keys, n_p)
    fields = [_encode(f, [pk[f]], [n_p]) for f in by_t]
    pprof, pleaf = _profiles(fields, 0, n_p)
    k_p = len(pleaf)
    # each profile's value at the chosen level of each field (None if unknown or coarser)
    pvals: list[Cell] = []
    for q in range(k_p):
        row: list[str | None] = []
        for i, f in enumerate(fields):
            code = int(f.anc[pleaf[q, i], depth[f.name]])
            row.append(f.values[depth[f.name]][code] if code >= 0 else None)
        pvals.append(tuple(row))
    cell_profiles: dict[Cell, list[int]] = {}
    for q, vals in enumerate(pvals):
        for c in (vals, *_ancestors(vals)):
            cell_profiles.setdefault(c, []).append(q)
    porder = np.argsort(pprof, kind="stable")
    bounds = np.zeros(k_p + 1, np.int64)
    bounds[1:] = np.cumsum(np.bincount(pprof, minlength=k_p))
    rows: dict[tuple[Cell, int], dict[str, Any]] = {}
    reasons_total = {"min_group": 0, "nested": 0, "complementary": 0}
    for j, node in enumerate(nodes):
        col = score[porder, j]
        blocks = []
        for q in range(k_p):
            b = col[bounds[q] : bounds[q + 1]]
            blocks.append(b[~np.isnan(b)])
        counts = {c: sum(len(blocks[q]) for q in qs) for c, qs in cell_profiles.items()}
        counts = {c: n for c, n in counts.items() if n > 0}
        keep, reasons = _disclose(counts, min_group)
        for r, cnt in reasons.items():
            reasons_total[r] += cnt
        for c in keep:
            a = np.sort(np.concatenate([blocks[q] for q in cell_profiles[c]]))
            rows[(c, j)] = {
                **dict(zip(by_t, c, strict=True)),
                "node": node,
                "n": len(a),
                "mean": _num(np.mean(a)),
                **{name: _num(_quantile(a, pct)) for name, pct in _QUANTILES},
            }
    table = AggregateTable(
        rows[key]
        for key in sorted(
            rows, key=lambda k: (sum(v is not None for v in k[0]), [v or "" for v in k[0]], k[1])
        )
    )
    table.by = by_t
    table.levels = {f: _level_name(f, d) for f, d in depth.items()}
    table.min_group = min_group
    table.nodes = nodes
    table.synthetic = bool(getattr(peers, "synthetic", False))
    table.suppressed = sum(reasons_total.values())
    table.suppressed_by = reasons_total
    return table


def write_aggregate(
    path: str | Path,
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    levels: Mapping[str, str | int] | None = None,
    min_group: int = 5,
    keys: ProfileKeys | None = None,
    force: bool = False,
) -> AggregateTable:
    """Write :func:`aggregate_table` to ``path``: JSON (with the suppression note) for a
    ``.json`` name, CSV otherwise. An existing file is replaced only with ``force=True``.
    """
    table = aggregate_table(peers, by=by, levels=levels, min_group=min_group, keys=keys)
    text = table.to_json() if str(path).lower().endswith(".json") else table.to_csv()
    _write(path, text, force)
    return table
