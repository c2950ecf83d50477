"""Gaps to a target, priorities, and progress between two assessments.

- :func:`gaps` compares each company's scores with a target: the next maturity level, a peer
  quantile (``"p50"``, ``"p75"``, ``"p90"``) or an explicit target per node. The gap of a node is
  ``max(0, target - score)``; progress to target over a set of nodes is
  ``1 - Σ max(0, target - score) / Σ target`` (1 when every target is met).
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

__all__ = ["Gaps", "Priority", "Progress", "gaps", "global_weights", "progress"]


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
    """Gaps of every company to its target, per node, with progress and priorities."""

    scores: Scores
    target_kind: str
    nodes: tuple[str, ...]
    target: npt.NDArray[np.float64]
    gap: npt.NDArray[np.float64]
    progress: npt.NDArray[np.float64]
    priorities: tuple[tuple[Priority, ...], ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The company (or respondent) ids."""
        return self.scores.ids

    def row(self, company: str) -> dict[str, Any]:
        """Gaps and priorities of one company as plain data."""
        i = self.ids.index(company)
        return {
            "company": company,
            "target": self.target_kind,
            "progress_to_target": _num(self.progress[i]),
            "nodes": {
                n: {
                    "score": _num(self.scores.score[i, self.scores.nodes.index(n)]),
                    "target": _num(self.target[i, j]),
                    "gap": _num(self.gap[i, j]),
                }
                for j, n in enumerate(self.nodes)
            },
            "priorities": [
                {
                    "node": p.node,
                    "gap": _num(p.gap),
                    "weight": _num(p.weight),
                    "importance": p.importance,
                    "priority": _num(p.priority),
                    "weakest_items": [{"item": it, "score": _num(s)} for it, s in p.weakest_items],
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
        """Gaps in long form (company, node, score, target, gap, priority rank), formula-safe."""
        from maturity.io.csvio import csv_text
        from maturity.io.guard import safe_cell

        out: list[Sequence[object]] = []
        out.append(["company", "node", "score", "target", "gap", "priority_rank"])
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
                        n,
                        *("" if x != x else f"{x:.4f}" for x in vals),
                        rank.get(n, ""),
                    ]
                )
        text = csv_text(out)
        if path is not None:
            from maturity.io import write_text

            write_text(path, text, force=force)
        return text


def _num(x: float) -> float | None:
    from maturity.scores import json_number

    return json_number(x, 4)


def _targets(
    scores: Scores, target: object, nodes: Sequence[str], peers: Any
) -> tuple[str, npt.NDArray[np.float64]]:
    import numpy as np

    model = scores.model
    cols = [scores.nodes.index(n) for n in nodes]
    cur = scores.score[:, cols]
    n = len(scores.ids)
    if target == "next_level":
        mins = np.array([lv.min for lv in model.levels])
        idx = np.searchsorted(mins, np.nan_to_num(cur, nan=model.range[0]) + 1e-9, side="right")
        nxt = np.where(idx < len(mins), mins[np.minimum(idx, len(mins) - 1)], model.range[1])
        return "next level", nxt
    if isinstance(target, str) and target in ("p50", "p75", "p90", "median"):
        if peers is None:
            raise ValueError(f"target '{target}' needs peers (a Scores or a Benchmark)")
        q = {"p50": 50, "median": 50, "p75": 75, "p90": 90}[target]
        stat = {50: "median", 75: "q3", 90: "p90"}[q]
        if hasattr(peers, stat) and hasattr(peers, "groups"):  # a Benchmark: own peer group
            pcols = [peers.nodes.index(nd) for nd in nodes]
            vals = np.asarray(getattr(peers, stat))[:, pcols]
            order = [peers.ids.index(c) for c in scores.ids]
            return f"peer {target}", vals[order]
        pcols = [peers.nodes.index(nd) for nd in nodes]
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            per_node = np.nanpercentile(peers.score[:, pcols], q, axis=0)
        return f"peer {target}", np.broadcast_to(per_node, (n, len(nodes))).copy()
    if isinstance(target, int | float) and not isinstance(target, bool):
        return f"{float(target):g}", np.full((n, len(nodes)), float(target))
    if isinstance(target, Mapping):
        unknown = [k for k in target if k not in scores.nodes]
        if unknown:
            raise ValueError(f"target names unknown node(s): {', '.join(unknown)}")
        out = np.full((n, len(nodes)), np.nan)
        for j, nd in enumerate(nodes):
            if nd in target:
                out[:, j] = float(target[nd])
        return "target profile", out
    raise ValueError(
        "target must be 'next_level', 'p50', 'p75', 'p90', a number or a mapping node → score"
    )


def gaps(
    scores: Scores,
    target: object = "next_level",
    *,
    peers: Any = None,
    nodes: Sequence[str] | None = None,
    weakest: int = 3,
) -> Gaps:
    """Gaps of every company to ``target`` over ``nodes`` (default: the top-level dimensions).

    ``target``: ``"next_level"`` (the lower bound of the level above the current one),
    ``"p50"``/``"p75"``/``"p90"`` (a quantile of ``peers``: a whole population as ``Scores``, or
    each company's own peer group as a ``Benchmark``), a number, or a mapping node → target.
    """
    import numpy as np

    model = scores.model
    chosen = tuple(nodes) if nodes is not None else model.top_nodes
    kind, tgt = _targets(scores, target, chosen, peers)
    cols = [scores.nodes.index(n) for n in chosen]
    cur = scores.score[:, cols]
    gap = np.where(np.isnan(tgt) | np.isnan(cur), np.nan, np.maximum(0.0, tgt - cur))
    lo = model.range[0]
    # progress to target on the model's range measured from its bottom
    t0 = np.where(np.isnan(tgt), 0.0, tgt - lo)
    g0 = np.nan_to_num(gap)
    with np.errstate(invalid="ignore", divide="ignore"):
        prog = 1.0 - g0.sum(axis=1) / t0.sum(axis=1)
    prog = np.where(t0.sum(axis=1) > 0, prog, np.nan)
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
    return Gaps(scores, kind, chosen, tgt, gap, prog, tuple(prios))


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
        raise ValueError(
            f"the two assessments were scored with different models "
            f"('{before.model.id}' and '{after.model.id}')"
        )
    ids = tuple(c for c in after.ids if c in before.ids)
    if not ids:
        raise ValueError("no company appears in both assessments")
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
