"""Gaps to a target, priorities, and progress between two assessments.

- :func:`gaps` compares each company's scores with a target: the next maturity level, a peer
  quantile (``"p50"``, ``"p75"``, ``"p90"``) of the company's *own* peer group (chosen by
  :func:`~maturity.benchmarking.benchmark`'s rules, published under its disclosure rules) or
  an explicit target per node. The gap of a node is ``max(0, target - score)`` (0 when the
  score reaches the target within :data:`~maturity.numbers.SCORE_TOLERANCE`); progress to
  target over a set of nodes is ``1 - Σ gap / Σ (target - low)`` over the nodes that have both
  a score and a target (1 when every target is met), ``low`` the bottom of the model's range.
- Priorities rank nodes by ``gap × weight × importance``: the node's weight in the model (the
  product of its normalised weights from the root down) and the importance the model may declare
  per node — the idea behind SIRI's prioritisation matrix. Within each, the weakest items.
- :func:`progress` compares two assessments of the same companies (before and after a project):
  the change per node and the nodes that moved to another level.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.model import ScoringModel
    from maturity.scores import Scores

from maturity.errors import MaturityError

__all__ = [
    "NO_PEER_TARGET",
    "Gaps",
    "GapsError",
    "Priority",
    "Progress",
    "gaps",
    "global_weights",
    "progress",
]

#: What every output says where a peer target is missing.
NO_PEER_TARGET = "no peer target: insufficient peers"


class GapsError(MaturityError, ValueError):
    """An invalid target or argument of :func:`gaps` or :func:`progress`."""


def global_weights(model: ScoringModel) -> dict[str, float]:
    """The weight of every node and item in the whole model: the product of the normalised
    weights on its path from the root (the root has weight 1).
    """
    out = {"root": 1.0}
    for node in reversed(model.nodes):  # parents before children
        rule = model.rules[node]
        for child, w in zip(rule.children, rule.weights, strict=True):
            out[child] = out[node] * w
    return out


@dataclass(frozen=True, slots=True)
class Priority:
    """One node to work on: its gap, weight, importance and the weakest items below it."""

    node: str
    score: float
    target: float
    gap: float
    weight: float
    importance: float
    priority: float
    weakest_items: tuple[tuple[str, float], ...]  # (item id, score on the model's range)


@dataclass(frozen=True)
class Gaps:
    """Gaps of every company to its target, per node, with progress and priorities.

    Arrays are companies × ``nodes``: ``target`` (NaN where there is none), ``gap``
    (``max(0, target − score)``, NaN without a score or a target); ``progress`` per company.
    ``no_peer_target`` is True where the target is a peer quantile and the company's peer
    group is too small for it to be published (:data:`NO_PEER_TARGET`); ``benchmark`` is the
    :class:`~maturity.benchmarking.Benchmark` a peer target came from (``None`` otherwise).
    The weakest items under each priority come from the answers the scores were made from;
    scores read from a file carry none, so there they are unknown (``null`` in :meth:`row` and
    JSON, not an empty list).
    """

    scores: Scores
    target_kind: str
    nodes: tuple[str, ...]
    target: npt.NDArray[np.float64]
    gap: npt.NDArray[np.float64]
    progress: npt.NDArray[np.float64]
    priorities: tuple[tuple[Priority, ...], ...]
    no_peer_target: npt.NDArray[np.bool_] | None = None
    benchmark: Any = None

    def note(self, i: int, j: int) -> str | None:
        """Why company ``i`` has no target at node ``j`` (:data:`NO_PEER_TARGET`), or None."""
        if self.no_peer_target is not None and bool(self.no_peer_target[i, j]):
            return NO_PEER_TARGET
        return None

    @property
    def ids(self) -> tuple[str, ...]:
        """The company (or respondent) ids."""
        return self.scores.ids

    def row(self, company: str) -> dict[str, Any]:
        """Gaps and priorities of one company as plain data."""
        i = self.ids.index(company)
        nodes: dict[str, dict[str, Any]] = {}
        for j, n in enumerate(self.nodes):
            cell: dict[str, Any] = {
                "score": _num(self.scores.score[i, self.scores.nodes.index(n)]),
                "target": _num(self.target[i, j]),
                "gap": _num(self.gap[i, j]),
            }
            note = self.note(i, j)
            if note:
                cell["note"] = note
            nodes[n] = cell
        return {
            "company": company,
            "target": self.target_kind,
            "progress_to_target": _num(self.progress[i]),
            "nodes": nodes,
            "priorities": [
                {
                    "node": p.node,
                    "gap": _num(p.gap),
                    "weight": _num(p.weight),
                    "importance": p.importance,
                    "priority": _num(p.priority),
                    # None (null) when unknown: scores read from a file carry no answers
                    "weakest_items": (
                        [{"item": it, "score": _num(s)} for it, s in p.weakest_items]
                        if self.scores.answers is not None
                        else None
                    ),
                }
                for p in self.priorities[i]
            ],
        }

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """All companies' gaps as JSON (written atomically to ``path`` if given)."""
        doc = {
            "format": "maturity/gaps@1",
            "model": self.scores.model.id,
            "rows": [self.row(c) for c in self.ids],
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        if path is not None:
            from maturity.io import write_text

            write_text(path, text, force=force)
        return text

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """Gaps in long form (company, node, score, target, gap, priority rank, note), numbers
        at full precision (the shortest text that reads back the same), formula-safe; the
        note says :data:`NO_PEER_TARGET` where a peer target is missing.
        """
        from maturity.io.csvio import csv_text
        from maturity.io.guard import safe_cell
        from maturity.numbers import shortest

        out: list[Sequence[object]] = []
        out.append(["company", "node", "score", "target", "gap", "priority_rank", "note"])
        for i, c in enumerate(self.ids):
            rank = {p.node: k + 1 for k, p in enumerate(self.priorities[i])}
            for j, n in enumerate(self.nodes):
                vals = [
                    self.scores.score[i, self.scores.nodes.index(n)],
                    self.target[i, j],
                    self.gap[i, j],
                ]
                out.append(
                    [
                        safe_cell(c),
                        safe_cell(n),
                        *(shortest(float(x)) for x in vals),
                        rank.get(n, ""),
                        self.note(i, j) or "",
                    ]
                )
        text = csv_text(out)
        if path is not None:
            from maturity.io import write_text

            write_text(path, text, force=force)
        return text


def _num(x: float) -> float | None:
    """A number for JSON at full precision (``None`` for NaN)."""
    v = float(x)
    return None if v != v else v


_PEER_STATS = {"p50": "median", "median": "median", "p75": "q3", "p90": "p90"}


def _check_value(model: ScoringModel, value: object, what: str) -> float:
    """A target value: a finite number within the model's range."""
    import math

    lo, hi = model.range
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GapsError(f"{what}: {value!r} is not a number (targets lie in {lo:g}–{hi:g})")
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise GapsError(
            f"{what}: {value!r} is outside the range of model '{model.id}' ({lo:g}–{hi:g})"
        )
    return v


def _targets(
    scores: Scores,
    target: object,
    nodes: Sequence[str],
    peers: Any,
    options: Mapping[str, Any],
) -> tuple[str, npt.NDArray[np.float64], Any]:
    import numpy as np

    from maturity.numbers import SCORE_TOLERANCE

    model = scores.model
    cols = [scores.nodes.index(n) for n in nodes]
    cur = scores.score[:, cols]
    n = len(scores.ids)
    if isinstance(target, str) and target == "next_level":
        mins = np.array([lv.min for lv in model.levels])
        base = np.nan_to_num(cur, nan=model.range[0]) + SCORE_TOLERANCE
        idx = np.searchsorted(mins, base, side="right")
        nxt = np.where(idx < len(mins), mins[np.minimum(idx, len(mins) - 1)], model.range[1])
        return "next level", nxt, None
    if isinstance(target, str) and target in _PEER_STATS:
        if peers is None:
            raise GapsError(f"target '{target}' needs peers (a Scores or a Benchmark)")
        stat = _PEER_STATS[target]
        bench = peers
        if not (hasattr(peers, "groups") and hasattr(peers, stat)):
            from maturity.benchmarking import benchmark

            bench = benchmark(scores, peers, **options)
        elif options:
            raise GapsError("by, widen and min_group apply to peer scores, not to a Benchmark")
        index = {c: i for i, c in enumerate(bench.ids)}
        missing = [c for c in scores.ids if c not in index]
        if missing:
            raise GapsError(f"the benchmark has no company '{missing[0]}'")
        rows = np.array([index[c] for c in scores.ids], dtype=np.int64)
        table = np.asarray(getattr(bench, stat), dtype=np.float64)
        out = np.full((n, len(nodes)), np.nan)
        for j, nd in enumerate(nodes):
            if nd in bench.nodes:
                out[:, j] = table[rows, list(bench.nodes).index(nd)]
        return f"peer {target}", out, bench
    if isinstance(target, Mapping):
        unknown = [k for k in target if k not in scores.nodes]
        if unknown:
            raise GapsError(f"target names unknown node(s): {', '.join(map(str, unknown))}")
        out = np.full((n, len(nodes)), np.nan)
        checked = {k: _check_value(model, v, f"target of '{k}'") for k, v in target.items()}
        for j, nd in enumerate(nodes):
            if nd in checked:
                out[:, j] = checked[nd]
        return "target profile", out, None
    if isinstance(target, int | float) and not isinstance(target, bool):
        v = _check_value(model, target, "target")
        return f"{v:g}", np.full((n, len(nodes)), v), None
    raise GapsError(
        "target must be 'next_level', 'p50', 'p75', 'p90', a number or a mapping node → score"
    )


def gaps(
    scores: Scores,
    target: object = "next_level",
    *,
    peers: Any = None,
    nodes: Sequence[str] | None = None,
    weakest: int = 3,
    by: Sequence[str] | None = None,
    widen: Sequence[str] | None = None,
    min_group: int | None = None,
) -> Gaps:
    """Gaps of every company to ``target`` over ``nodes`` (default: the top-level dimensions).

    ``target``: ``"next_level"`` (the lower bound of the level above the current one),
    ``"p50"``/``"p75"``/``"p90"`` (the published median, upper quartile or 90th percentile of
    the company's *own* peer group: ``peers`` is a peer population, benchmarked with
    :func:`~maturity.benchmarking.benchmark` and ``by``/``widen``/``min_group``, or a
    :class:`~maturity.benchmarking.Benchmark` already made), a number, or a mapping node →
    target. Numbers lie in the model's range. Where the company's group is too small for the
    quantile to be published there is no target: :attr:`Gaps.no_peer_target` is True and
    every export says :data:`NO_PEER_TARGET`.

    Raises:
        GapsError: a target that is not a finite number within the model's range, an unknown
            node or target kind, a peer target without peers.

    """
    import numpy as np

    from maturity.numbers import SCORE_TOLERANCE

    model = scores.model
    chosen = tuple(nodes) if nodes is not None else model.top_nodes
    unknown = [nd for nd in chosen if nd not in scores.nodes]
    if unknown:
        raise GapsError(f"unknown node(s): {', '.join(unknown)}")
    options = {
        key: value
        for key, value in (("by", by), ("widen", widen), ("min_group", min_group))
        if value is not None
    }
    kind, tgt, bench = _targets(scores, target, chosen, peers, options)
    cols = [scores.nodes.index(n) for n in chosen]
    cur = scores.score[:, cols]
    missing = np.isnan(tgt) | np.isnan(cur)
    met = cur >= tgt - SCORE_TOLERANCE
    gap = np.where(missing, np.nan, np.where(met, 0.0, tgt - cur))
    lo = model.range[0]
    # progress over the nodes that have both a score and a target
    t0 = np.where(missing, 0.0, tgt - lo)
    g0 = np.where(missing, 0.0, gap)
    with np.errstate(invalid="ignore", divide="ignore"):
        prog = 1.0 - g0.sum(axis=1) / t0.sum(axis=1)
    prog = np.where(t0.sum(axis=1) > 0, prog, np.nan)
    no_peer = np.isnan(tgt) if bench is not None else None
    gw = global_weights(model)
    item_scores = _item_scores(scores)
    prios = []
    for i in range(len(scores.ids)):
        rows = []
        for j, nd in enumerate(chosen):
            g = gap[i, j]
            if not g > 0:
                continue
            imp = model.rules[nd].importance if nd in model.rules else 1.0
            rows.append(
                Priority(
                    nd,
                    float(cur[i, j]),
                    float(tgt[i, j]),
                    float(g),
                    gw[nd],
                    imp,
                    float(g) * gw[nd] * imp,
                    _weakest(model, nd, item_scores, i, weakest),
                )
            )
        rows.sort(key=lambda p: (-p.priority, p.node))
        prios.append(tuple(rows))
    return Gaps(scores, kind, chosen, tgt, gap, prog, tuple(prios), no_peer, bench)


def _item_scores(scores: Scores) -> dict[str, npt.NDArray[np.float64]] | None:
    """Each item's score on the model's range (NaN where it has none), per row."""
    import numpy as np

    a = scores.answers
    if a is None:
        return None
    lo, hi = scores.model.range
    q = scores.model.questionnaire
    out = {}
    for j, iid in enumerate(a.item_ids):
        if iid not in q:
            continue
        vlo, vhi = q.item(iid).value_range
        span = (vhi - vlo) or 1.0
        v = (a.values[:, j] - vlo) / span
        if scores.model.dont_know == "lowest":
            v = np.where(a.dont_know[:, j], 0.0, v)
        out[iid] = lo + np.clip(v, 0, 1) * (hi - lo)
    return out


def _weakest(
    model: ScoringModel, node: str, items: dict[str, Any] | None, row: int, k: int
) -> tuple[tuple[str, float], ...]:
    if items is None:
        return ()
    below: list[str] = []
    stack = [node]
    while stack:
        nd = stack.pop()
        for c in model.rules[nd].children:
            (stack if c in model.rules else below).append(c)
    found = [
        (iid, float(items[iid][row]))
        for iid in below
        if iid in items and items[iid][row] == items[iid][row]
    ]
    found.sort(key=lambda t: (t[1], t[0]))
    return tuple(found[:k])


@dataclass(frozen=True)
class Progress:
    """Change between two assessments of the same companies."""

    model: ScoringModel
    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    before: npt.NDArray[np.float64]
    after: npt.NDArray[np.float64]
    delta: npt.NDArray[np.float64]
    level_before: npt.NDArray[np.int64]
    level_after: npt.NDArray[np.int64]

    def moved(self, company: str) -> list[tuple[str, str | None, str | None]]:
        """Nodes whose level changed for a company: (node, level before, level after)."""
        i = self.ids.index(company)
        levels = self.model.levels

        def code(k: int) -> str | None:
            return levels[k].code if k >= 0 else None

        return [
            (n, code(int(self.level_before[i, j])), code(int(self.level_after[i, j])))
            for j, n in enumerate(self.nodes)
            if self.level_before[i, j] != self.level_after[i, j]
        ]


def progress(before: Scores, after: Scores) -> Progress:
    """Change per node between two assessments (companies matched by id, both scored with
    models of the same id).
    """
    import numpy as np

    if before.model.id != after.model.id:
        raise GapsError(
            f"the two assessments were scored with different models "
            f"('{before.model.id}' and '{after.model.id}')"
        )
    ids = tuple(c for c in after.ids if c in before.ids)
    if not ids:
        raise GapsError("no company appears in both assessments")
    nodes = tuple(n for n in after.nodes if n in before.nodes)
    rb = [before.ids.index(c) for c in ids]
    ra = [after.ids.index(c) for c in ids]
    cb = [before.nodes.index(n) for n in nodes]
    ca = [after.nodes.index(n) for n in nodes]
    b = before.score[np.ix_(rb, cb)]
    a = after.score[np.ix_(ra, ca)]
    return Progress(
        after.model,
        ids,
        nodes,
        b,
        a,
        a - b,
        before.level[np.ix_(rb, cb)],
        after.level[np.ix_(ra, ca)],
    )
