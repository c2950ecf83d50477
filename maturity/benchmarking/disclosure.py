"""Disclosure control: which cells of a published peer table may be shown.

See ``docs/methodology-benchmark.md`` for the rules and the threat model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

__all__ = ["protect_counts"]


Cell: TypeAlias = tuple[str | None, ...]


def _ancestors(cell: Cell) -> list[Cell]:
    """Every coarser cell: some of the known fields set to "all"."""
    known = [i for i, v in enumerate(cell) if v is not None]
    out = []
    for mask in range(1, 1 << len(known)):
        c = list(cell)
        for b, i in enumerate(known):
            if mask >> b & 1:
                c[i] = None
        out.append(tuple(c))
    return out


def _disclose(cells: Mapping[Cell, int], min_group: int) -> tuple[set[Cell], dict[str, int]]:
    """The cells that may be published (see ``docs/methodology-benchmark.md``)."""
    reasons = {"min_group": 0, "nested": 0, "complementary": 0}
    pub = {c: n for c, n in cells.items() if n >= min_group}
    reasons["min_group"] = len(cells) - len(pub)
    children: dict[tuple[Cell, int], list[Cell]] = {}
    for c in cells:
        for i, val in enumerate(c):
            if val is not None:
                parent = (*c[:i], None, *c[i + 1 :])
                children.setdefault((parent, i), []).append(c)

    def order(c: Cell) -> tuple[int, tuple[str, ...]]:
        return (sum(v is None for v in c), tuple(v or "" for v in c))

    changed = True
    while changed:
        changed = False
        for a in sorted(pub, key=order):
            if a not in pub:
                continue
            for anc in _ancestors(a):
                if anc in pub and pub[anc] - pub[a] < min_group:
                    del pub[a]
                    reasons["nested"] += 1
                    changed = True
                    break
        for p in sorted(pub, key=order):
            for i, val in enumerate(p):
                if val is not None or p not in pub:
                    continue
                kids = [c for c in children.get((p, i), []) if c in pub]
                residual = pub[p] - sum(pub[c] for c in kids)
                if 0 < residual < min_group and kids:
                    smallest = min(kids, key=lambda c: (pub[c], order(c)))
                    del pub[smallest]
                    reasons["complementary"] += 1
                    changed = True
    return set(pub), reasons


def protect_counts(cells: Mapping[Cell, int], min_group: int) -> tuple[set[Cell], dict[str, int]]:
    """The cells of a table of counts (or of statistics over companies) that may be published.

    ``cells`` maps a cell (one value per field, ``None`` for the margin "all") to the number of
    companies in it. Returns the publishable cells and how many were suppressed per rule. This
    is the one entry point for every published table (peer statistics, demand for actions).
    """
    return _disclose(cells, min_group)
