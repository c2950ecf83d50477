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
from maturity.benchmarking.disclosure import (
    PROTECTION,
    PUBLISHED_DIGITS,
    Cell,
    _ancestors,
    protect_table,
    quantile_block,
    quantile_min,
    round_published_array,
)
from maturity.benchmarking.groups import _check_fields, _encode, _keys_of, _profiles
from maturity.benchmarking.release import (
    Release,
    check_k,
    check_since,
    fingerprints,
    new_salt,
    present_nodes,
)
from maturity.benchmarking.result import _num, _write
from maturity.benchmarking.statistics import block_quantile
from maturity.numbers import counted

__all__ = ["AggregateTable", "aggregate_table", "write_aggregate"]


_DEFAULT_LEVELS = {"sector": 1, "region": 2, "size_class": 1}


_AGG_STATS = ("n", "mean", "q1", "median", "q3", "p90")


_UNKNOWN = "?"  # a company whose value is unknown or coarser than the table's level


class AggregateTable(list[dict[str, Any]]):
    """Published peer statistics: one dict per (group, node), no individual rows.

    Each row has the ``by`` fields (a code, or ``None`` for the margin "all"), ``node``,
    ``n`` (companies with a score at the node), ``mean`` (rounded to ``digits`` decimals) and
    ``q1``, ``median``, ``q3``, ``p90`` (means of blocks of at least ``min_group`` order
    statistics, rounded; ``None`` below ``2 × min_group`` companies). ``suppressed`` counts
    the (group, node) cells left out, ``suppressed_by`` per rule (``min_group``, ``nested``,
    ``complementary``, ``audit``, ``release``); see ``docs/methodology-benchmark.md``.
    """

    by: tuple[str, ...]
    levels: dict[str, str]
    min_group: int
    nodes: tuple[str, ...]
    synthetic: bool
    suppressed: int
    suppressed_by: dict[str, int]
    digits: int | None
    protection: float
    score_range: tuple[float, float]
    recorder: Any

    def release(self, label: str | None = None) -> Any:
        """What this table published, as a :class:`~maturity.benchmarking.release.Release`:
        pass it as ``since=`` to the next table so that the two cannot be differenced. For the
        publisher's files, not for publication.
        """
        return self.recorder(label)

    def note(self) -> str:
        """A one-line note on suppressed cells, for the foot of a published table."""
        rules = (
            f"at least {counted(self.min_group, 'company')} per cell, quantiles from "
            f"{2 * self.min_group} as means of blocks of {self.min_group}, means rounded to "
            f"{self.digits} decimals, suppressions audited by linear programming"
        )
        if not self.suppressed:
            return f"No cell suppressed ({rules})."
        parts = ", ".join(f"{k}: {v}" for k, v in self.suppressed_by.items() if v)
        return (
            f"{counted(self.suppressed, 'cell')} suppressed to protect individual companies "
            f"({rules}; {parts})."
        )

    def to_json(self) -> str:
        """The table as JSON (``maturity/benchmark-aggregate@1``) with the suppression note."""
        doc = {
            "format": "maturity/benchmark-aggregate@1",
            "synthetic": self.synthetic,
            "min_group": self.min_group,
            "digits": self.digits,
            "protection": self.protection,
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
        from maturity.numbers import shortest

        out: list[Sequence[object]] = []
        out.append([*self.by, "node", *_AGG_STATS])
        for row in self:
            out.append(
                [
                    *(safe_cell(row[f] or "") for f in self.by),
                    safe_cell(row["node"]),
                    str(row["n"]),
                    *("" if row[s] is None else shortest(row[s]) for s in _AGG_STATS[1:]),
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
    digits: int | None = PUBLISHED_DIGITS,
    protection: float = PROTECTION,
    score_range: tuple[float, float] | None = None,
    since: Any = None,
    release_k: int | None = None,
) -> AggregateTable:
    """Peer statistics per group, safe to publish: no individual rows, small cells suppressed.

    Rows cover every combination of the ``by`` fields at the chosen ``levels`` (default:
    sector at NACE section, size class, region at NUTS-1; also ``"division"``, ``"nuts2"``,
    … or a depth), plus every margin where some fields are "all" (``None``). Per node:
    ``n``, ``mean``, ``q1``, ``median``, ``q3``, ``p90`` (peers without a score at the node
    are left out). Disclosure rules (:func:`~maturity.benchmarking.disclosure.protect_table`),
    per node:

    1. a cell with fewer than ``min_group`` companies is suppressed;
    2. of two published cells where one contains the other, the contained one is suppressed
       when they differ by fewer than ``min_group`` companies; when a margin and its published
       sub-cells along one field leave 1 to ``min_group − 1`` companies unaccounted for, the
       smallest published sub-cell is suppressed too;
    3. the table is audited by linear programming: for every suppressed cell, the feasible
       interval of its count given all published counts is at least ``min_group`` wide, and
       that of its total score at least ``protection × n × (range)`` wide; published cells are
       suppressed until it holds;
    4. quantiles are published only for cells of at least ``2 × min_group`` companies, as
       means of blocks of at least ``min_group`` order statistics; means and quantiles are
       rounded to ``digits`` decimals;
    5. with ``since`` (a :class:`~maturity.benchmarking.release.Release` of an earlier table),
       a cell is published only when its membership changed by none or by at least
       ``release_k`` (default ``min_group``) companies, and the table of changes between the
       two releases is audited like the table itself.

    ``score_range`` (default: the model's range of the peers' scores, else the smallest and
    largest score) bounds each company's score in the audit. Suppressed cells are left out;
    :attr:`AggregateTable.suppressed` counts them.
    """
    by_t = tuple(by)
    _check_fields(by_t, ())
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise BenchmarkError(f"min_group must be an integer >= 1, not {min_group!r}")
    if not 0 <= protection <= 1:
        raise BenchmarkError(f"protection must be between 0 and 1, not {protection!r}")
    depth = _levels(by_t, levels)
    nodes = tuple(peers.nodes)
    score = np.asarray(peers.score, dtype=np.float64)
    n_p = len(peers.ids)
    if score.shape != (n_p, len(nodes)):
        raise BenchmarkError("score array does not match ids × nodes")
    low, high = _score_range(peers, score, score_range)
    k_rel = check_k(release_k, min_group)
    if since is not None:
        check_since(since, "aggregate", by_t)
        if dict(since.levels) != depth:
            raise BenchmarkError(
                f"'since' was made at levels {dict(since.levels)}, this table at {depth}"
            )
    pk = _keys_of(peers, by_t, keys, n_p)
    fields = [_encode(f, [pk[f]], [n_p]) for f in by_t]
    pprof, pleaf = _profiles(fields, 0, n_p)
    k_p = len(pleaf)
    # each profile's value at the chosen level of each field ("?" if unknown or coarser)
    pvals: list[Cell] = []
    for q in range(k_p):
        row: list[str | None] = []
        for i, f in enumerate(fields):
            code = int(f.anc[pleaf[q, i], depth[f.name]])
            row.append(f.values[depth[f.name]][code] if code >= 0 else _UNKNOWN)
        pvals.append(tuple(row))
    cell_profiles: dict[Cell, list[int]] = {}
    for q, vals in enumerate(pvals):
        for c in (vals, *_ancestors(vals)):
            cell_profiles.setdefault(c, []).append(q)
    publishable = {c for c in cell_profiles if _UNKNOWN not in c}
    porder = np.argsort(pprof, kind="stable")
    bounds = np.zeros(k_p + 1, np.int64)
    bounds[1:] = np.cumsum(np.bincount(pprof, minlength=k_p))
    cell_rows = {
        c: np.concatenate([porder[bounds[q] : bounds[q + 1]] for q in qs])
        for c, qs in cell_profiles.items()
    }
    fps = fingerprints(since.salt, peers.ids, score) if since is not None else None
    old_cells = _old_cells(since) if since is not None else None
    published: dict[str, dict[Cell, float]] = {}
    memo: dict[Any, Any] = {}
    k = quantile_block(min_group)
    q_min = quantile_min(min_group)
    rows: dict[tuple[Cell, int], dict[str, Any]] = {}
    reasons_total = {"min_group": 0, "nested": 0, "complementary": 0, "audit": 0, "release": 0}
    for j, node in enumerate(nodes):
        col = score[:, j]
        values = {c: np.sort(col[r][~np.isnan(col[r])]) for c, r in cell_rows.items()}
        counts = {c: len(a) for c, a in values.items() if len(a)}
        totals = {c: float(np.sum(values[c])) for c in counts}
        changes = before = None
        if since is not None:
            assert fps is not None
            changes, before = _changes(since, node, col, fps, cell_rows, old_cells)
            for c in changes:
                counts.setdefault(c, 0)
        keep, reasons = protect_table(
            counts,
            min_group,
            totals=totals,
            score_range=(low, high),
            protection=protection,
            publishable=publishable,
            changes=changes,
            before=before,
            release_k=k_rel,
            memo=memo,
            uniform={c for c, a in values.items() if len(a) and a[0] == a[-1]},
        )
        published[node] = {c: totals[c] for c in keep}
        for r, cnt in reasons.items():
            reasons_total[r] += cnt
        for c in keep:
            a = values[c]
            big = len(a) >= q_min
            rows[(c, j)] = {
                **dict(zip(by_t, c, strict=True)),
                "node": node,
                "n": len(a),
                "mean": _pub(float(np.mean(a)), digits),
                **{
                    name: _pub(block_quantile(a, pct, k), digits) if big else None
                    for name, pct in _QUANTILES
                },
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
    table.digits = digits
    table.protection = protection
    table.score_range = (low, high)
    leaf_of = [pvals[q] for q in pprof.tolist()]
    table.recorder = _TableRecorder(
        since, k_rel, by_t, nodes, depth, peers.ids, score, leaf_of, published, fps
    )
    return table


def cell_key(cell: Cell) -> str:
    """A cell as text for a release file (JSON of its values, ``null`` for "all")."""
    return json.dumps(list(cell), ensure_ascii=False, separators=(",", ":"))


def _cell_of(key: str) -> Cell:
    return tuple(None if v is None else str(v) for v in json.loads(key))


def _old_cells(since: Release) -> dict[Cell, list[str]]:
    """Every cell of the earlier release's population: the fingerprints in it."""
    out: dict[Cell, list[str]] = {}
    for fp, leaf in since.leaves.items():
        vals = _cell_of(leaf)
        for c in (vals, *_ancestors(vals)):
            out.setdefault(c, []).append(fp)
    return out


def _changes(
    since: Release,
    node: str,
    col: Any,
    fps: Sequence[str],
    cell_rows: Mapping[Cell, Any],
    old_cells: Mapping[Cell, list[str]] | None,
) -> tuple[dict[Cell, tuple[int, int]], dict[Cell, float]]:
    """Per cell at one node: the companies that joined and left since ``since``, and the
    totals of the cells ``since`` published.
    """
    have = ~np.isnan(col)
    out: dict[Cell, tuple[int, int]] = {}
    cells = set(cell_rows) | set(old_cells or {})
    for c in cells:
        rows = cell_rows.get(c)
        now = {fps[i] for i in rows.tolist() if have[i]} if rows is not None else set()
        then = {fp for fp in (old_cells or {}).get(c, ()) if node in since.peers.get(fp, ())}
        a, r = len(now - then), len(then - now)
        if a or r or c in cell_rows:
            out[c] = (a, r)
    before = {_cell_of(key): t for key, t in since.totals.get(node, {}).items()}
    return out, before


class _TableRecorder:
    """Builds :meth:`AggregateTable.release` on demand."""

    def __init__(self, *args: Any) -> None:
        self.args = args

    def __call__(self, label: str | None = None) -> Release:
        since, k, by, nodes, depth, ids, score, leaf_of, published, fps = self.args
        salt = since.salt if since is not None else new_salt()
        if fps is None:
            fps = fingerprints(salt, ids, score)
        present = present_nodes(score, nodes)
        return Release(
            kind="aggregate",
            salt=salt,
            k=k,
            by=tuple(by),
            nodes=tuple(nodes),
            peers=dict(zip(fps, present, strict=True)),
            groups={},
            totals={
                n: {cell_key(c): t for c, t in cells.items()} for n, cells in published.items()
            },
            label=label,
            levels=dict(depth),
            leaves={fp: cell_key(leaf) for fp, leaf in zip(fps, leaf_of, strict=True)},
        )


def _pub(x: float, digits: int | None) -> float | None:
    return _num(round_published_array(np.array([x]), digits)[0])


def _score_range(
    peers: ScoresLike, score: Any, given: tuple[float, float] | None
) -> tuple[float, float]:
    if given is not None:
        lo, hi = (float(v) for v in given)
    else:
        model = getattr(peers, "model", None)
        rng = getattr(model, "range", None)
        if rng is not None:
            lo, hi = (float(v) for v in rng)
        elif np.isfinite(score).any():
            lo, hi = float(np.nanmin(score)), float(np.nanmax(score))
        else:
            lo, hi = 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise BenchmarkError(f"invalid score range {given!r}")
    return lo, hi


def write_aggregate(
    path: str | Path,
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    levels: Mapping[str, str | int] | None = None,
    min_group: int = 5,
    keys: ProfileKeys | None = None,
    force: bool = False,
    **options: Any,
) -> AggregateTable:
    """Write :func:`aggregate_table` to ``path``: JSON (with the suppression note) for a
    ``.json`` name, CSV otherwise. An existing file is replaced only with ``force=True``.
    """
    table = aggregate_table(peers, by=by, levels=levels, min_group=min_group, keys=keys, **options)
    text = table.to_json() if str(path).lower().endswith(".json") else table.to_csv()
    _write(path, text, force)
    return table
