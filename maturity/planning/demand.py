"""Demand across a portfolio: how many companies would take each action, where, and at what
public cost; what to offer next.

:func:`action_demand` adds up the plans of many companies (a competence centre's portfolio):
per action, the companies whose plan includes it, by region (NUTS-2 or NUTS-3) and size class,
with the cost, the public funding it needs and the net cost to the companies; and two rankings,
the training courses and the project and technology-transfer themes, by the number of
companies that would take them.

Every published figure rests on enough companies: the cells of each action's table (region ×
size class, with the margins "all regions", "all sizes" and the total) go through
:func:`maturity.benchmarking.disclosure.protect_counts`, the one disclosure rule of published
benchmarks (a cell below ``min_group`` companies, a cell that its margin would reveal by
difference, and complementary cells are suppressed). A suppressed cell publishes neither its
count nor its sums. See ``docs/methodology-plan.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.numbers import counted

if TYPE_CHECKING:  # pragma: no cover
    from maturity.action_catalogue import Action
    from maturity.planning.result import Plan

__all__ = ["Demand", "DemandCell", "action_demand"]

#: Kinds of action ranked as training courses, and as project themes.
COURSES = ("training",)
THEMES = ("project", "technology_transfer")
_UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DemandCell:
    """One published cell: an action, a region (None: all regions) and a size class (None: all
    sizes), the companies whose plan takes the action there, and their cost, public funding
    and net cost in euro.
    """

    action: Action
    region: str | None
    size_class: str | None
    companies: int
    cost: float
    funded: float
    net_cost: float

    @property
    def id(self) -> str:
        """The action's id."""
        return self.action.id


@dataclass(frozen=True)
class Demand:
    """The demand of a portfolio for each action; made by :func:`action_demand`.

    ``cells`` are the published cells (margins included); ``suppressed`` counts the cells left
    out by the disclosure rules, ``suppressed_by`` per rule. ``companies`` is the number of
    plans and ``totals`` the portfolio's cost, funding and net cost (None when fewer than
    ``min_group`` companies would reveal them).
    """

    cells: tuple[DemandCell, ...]
    companies: int
    min_group: int
    region_level: int
    totals: Mapping[str, float] | None
    suppressed: int
    suppressed_by: Mapping[str, int]

    def __iter__(self) -> Iterator[DemandCell]:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)

    def __repr__(self) -> str:
        return (
            f"<Demand of {counted(self.companies, 'company')}: "
            f"{counted(len(self.total_rows()), 'action')} published, "
            f"{counted(self.suppressed, 'cell')} suppressed (groups of at least "
            f"{counted(self.min_group, 'company')})>"
        )

    def total_rows(self) -> list[DemandCell]:
        """The margin "all regions, all sizes" of every published action, most taken first."""
        rows = [c for c in self.cells if c.region is None and c.size_class is None]
        return sorted(rows, key=lambda c: (-c.companies, -c.funded, c.id))

    def ranking(self, kinds: Sequence[str]) -> list[DemandCell]:
        """The published actions of ``kinds``, most taken first (then the most funding)."""
        return [c for c in self.total_rows() if c.action.kind in kinds]

    @property
    def courses(self) -> list[DemandCell]:
        """The training courses to offer next, most demanded first."""
        return self.ranking(COURSES)

    @property
    def themes(self) -> list[DemandCell]:
        """The project and technology-transfer themes to offer next, most demanded first."""
        return self.ranking(THEMES)

    def records(self) -> list[dict[str, Any]]:
        """One record per published cell."""
        return [
            {
                "action": c.id,
                "kind": c.action.kind,
                "delivery": c.action.delivery,
                "region": c.region,
                "size_class": c.size_class,
                "companies": c.companies,
                "cost": round(c.cost, 2),
                "funded": round(c.funded, 2),
                "net_cost": round(c.net_cost, 2),
            }
            for c in self.cells
        ]

    def to_frame(self) -> Any:
        """A pandas DataFrame of :meth:`records` (needs ``pip install "maturity[pandas]"``)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_frame() needs pandas: pip install 'maturity[pandas]'") from None
        return pd.DataFrame.from_records(self.records(), columns=list(_COLUMNS))

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The published cells as CSV (an empty region or size class is the margin "all"),
        every text cell formula-guarded; written atomically to ``path`` if given.
        """
        from maturity.io.csvio import csv_text
        from maturity.io.guard import safe_cell
        from maturity.numbers import shortest

        rows: list[Sequence[object]] = [list(_COLUMNS)]
        for rec in self.records():
            rows.append(
                [
                    (shortest(float(v)) if isinstance(v, int | float) else safe_cell(str(v)))
                    if v is not None
                    else ""
                    for v in (rec[c] for c in _COLUMNS)
                ]
            )
        text = csv_text(rows)
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The demand as ``maturity/demand@1`` JSON; written atomically to ``path`` if given."""
        doc = {
            "format": "maturity/demand@1",
            "companies": self.companies,
            "min_group": self.min_group,
            "region_level": f"nuts{self.region_level}",
            "totals": dict(self.totals) if self.totals is not None else None,
            "suppressed": self.suppressed,
            "suppressed_by": dict(self.suppressed_by),
            "cells": self.records(),
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text


_COLUMNS = (
    "action",
    "kind",
    "delivery",
    "region",
    "size_class",
    "companies",
    "cost",
    "funded",
    "net_cost",
)


def _region(code: str | None, level: int) -> str:
    if not code:
        return _UNKNOWN
    from maturity.classify import nuts_level

    try:
        have = nuts_level(code)
    except ValueError:
        return _UNKNOWN
    # NUTS codes: country (2 letters) + one character per level
    return code[: 2 + level] if have >= level else _UNKNOWN


def action_demand(
    plans: Mapping[str, Plan],
    *,
    min_group: int = 5,
    region_level: Literal[2, 3] = 2,
) -> Demand:
    """How many companies of a portfolio would take each action, by region and size class.

    Args:
        plans: company id → :class:`~maturity.planning.Plan` (e.g. :func:`maturity.plan_all`).
        min_group: the fewest companies a published cell may rest on (as in benchmarks).
        region_level: 2 for NUTS-2 regions, 3 for NUTS-3 provinces; companies whose region is
            unknown or coarser are counted under ``"unknown"``.

    Returns:
        A :class:`Demand`; see the module docstring for the disclosure rules.

    """
    from maturity.benchmarking.disclosure import protect_counts

    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise ValueError(f"min_group must be an integer >= 1, not {min_group!r}")
    if region_level not in (2, 3):
        raise ValueError(f"region_level must be 2 (NUTS-2) or 3 (NUTS-3), not {region_level!r}")
    # per action and (region, size): companies and sums
    sums: dict[str, dict[tuple[str | None, ...], list[float]]] = {}
    actions: dict[str, Action] = {}
    totals = [0.0, 0.0, 0.0]
    for plan in plans.values():
        prof = plan.profile
        region = _region(getattr(prof, "region", None), region_level)
        size = (getattr(prof, "size_class", None) if prof is not None else None) or _UNKNOWN
        for a in plan.actions:
            actions[a.id] = a.action
            table = sums.setdefault(a.id, {})
            cells_of: tuple[tuple[str | None, ...], ...] = (
                (region, size),
                (region, None),
                (None, size),
                (None, None),
            )
            for cell in cells_of:
                acc = table.setdefault(cell, [0.0, 0.0, 0.0, 0.0])
                acc[0] += 1
                acc[1] += a.cost
                acc[2] += a.funded
                acc[3] += a.net_cost
            totals[0] += a.cost
            totals[1] += a.funded
            totals[2] += a.net_cost
    cells: list[DemandCell] = []
    suppressed = 0
    by_rule: dict[str, int] = {}
    for aid, table in sums.items():
        counts = {cell: int(v[0]) for cell, v in table.items()}
        published, reasons = protect_counts(counts, min_group)
        suppressed += len(counts) - len(published)
        for rule, n in reasons.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
        for key in sorted(published, key=lambda c: (c[0] or "", c[1] or "")):
            count, cost, funded, net = table[key]
            cells.append(DemandCell(actions[aid], key[0], key[1], int(count), cost, funded, net))
    n_plans = len(plans)
    published_totals = (
        {
            "cost": round(totals[0], 2),
            "funded": round(totals[1], 2),
            "net_cost": round(totals[2], 2),
        }
        if n_plans >= min_group
        else None
    )
    return Demand(
        tuple(cells),
        n_plans,
        min_group,
        region_level,
        published_totals,
        suppressed,
        by_rule,
    )
