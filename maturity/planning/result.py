"""The :class:`Plan` of one company and :class:`Plans` of many, with their exports."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.numbers import counted, fixed, percent

if TYPE_CHECKING:  # pragma: no cover
    from maturity.action_catalogue import Action, ActionCatalogue
    from maturity.model import ScoringModel

__all__ = ["REASONS", "LeftOut", "Plan", "PlannedAction", "Plans", "Wave"]

Reason = Literal["not_applicable", "prerequisite", "horizon", "budget", "no_gap", "no_target"]

#: Why an action is left out of a plan, in the order they are checked.
REASONS: tuple[str, ...] = (
    "not_applicable",
    "prerequisite",
    "horizon",
    "budget",
    "no_gap",
    "no_target",
)


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """An action in the plan: when, what it costs, who pays, and what it achieves.

    ``start_week`` and ``end_week`` count from the start of the plan. ``cost`` is the planned
    cost in euro (the low end, middle or high end of the action's range, as the plan was
    asked), ``funded`` what its programme pays, ``net_cost`` the rest. ``closes`` maps each node
    of the objective to the part of its gap (on the model's range) the action is credited
    with, and ``gain`` is its part of the plan's priority-weighted gap closure; both are Shapley
    values over the plan's actions, so they add up to the plan's totals however the actions
    interact. ``share`` is ``gain`` over the plan's total. ``changes`` lists the answers the
    action raises for this company (``item → new answer``); ``required_by`` the chosen actions
    that need it.
    """

    action: Action
    wave: int
    start_week: float
    end_week: float
    cost: float
    funded: float
    programme: str | None
    gain: float
    share: float
    closes: Mapping[str, float]
    changes: Mapping[str, str]
    required_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The action's id."""
        return self.action.id

    @property
    def net_cost(self) -> float:
        """Cost minus funding, in euro."""
        return self.cost - self.funded

    @property
    def funded_share(self) -> float:
        """The funded part of the cost (0 to 1; 0 for a free action)."""
        return self.funded / self.cost if self.cost > 0 else 0.0


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An action not in the plan, and why (``reason``, one of :data:`REASONS`).

    ``detail`` gives the figures behind the reason: ``missing`` (a prerequisite that cannot be
    taken), ``node`` and ``level`` (a minimum level not reachable), ``weeks`` and
    ``horizon_weeks``, ``net_cost`` and ``remaining`` (euro), ``with`` (the other actions it only
    pays off together with), ``alone`` (True when it exceeds the budget even on its own, with
    what it requires), ``enables`` (the actions it prepares, when it raises no answer itself),
    ``covered`` (True when the chosen actions already close what this one would), ``unknown``
    (True when the profile does not say whether it applies), ``peers`` (``no_target``: True when
    the missing target is a peer quantile the peer group is too small to publish).
    """

    action: Action
    reason: Reason
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The action's id."""
        return self.action.id

    def describe(self) -> str:
        """The reason as an English sentence (reports translate it from the same figures)."""
        d = self.detail
        if self.reason == "not_applicable":
            if d.get("unknown"):
                return "the company's profile does not say whether it applies"
            return "it does not apply to this company"
        if self.reason == "prerequisite":
            if "missing" in d:
                return f"it needs '{d['missing']}', which cannot be part of the plan"
            return f"it needs level '{d['level']}' in '{d['node']}', which the plan does not reach"
        together = f" (it pays off together with {', '.join(d['with'])})" if d.get("with") else ""
        if self.reason == "horizon":
            return (
                f"with what it needs it takes {counted(d['weeks'], 'week', spec='.0f')}, beyond "
                f"the horizon of {counted(d['horizon_weeks'], 'week', spec='.0f')}{together}"
            )
        if self.reason == "budget" and d.get("alone"):
            return (
                f"with what it requires it costs {d['net_cost']:,.0f} EUR net, more than the "
                f"whole budget of {d['remaining']:,.0f} EUR"
            )
        if self.reason == "budget":
            return (
                f"it would add {d['net_cost']:,.0f} EUR net, and {max(0.0, d['remaining']):,.0f} "
                f"EUR of the budget are left{together}"
            )
        if self.reason == "no_target":
            why = " (no peer target: insufficient peers)" if d.get("peers") else ""
            return f"what it improves has no target{why}"
        if d.get("enables"):
            return f"it only prepares other actions ({', '.join(d['enables'])}), none in the plan"
        if d.get("covered"):
            return "the chosen actions already close the gaps it would close"
        return "it raises no answer where the company has a gap"


@dataclass(frozen=True, slots=True)
class Wave:
    """A phase of the plan: the actions that can start once the earlier waves' actions they
    depend on are done, and the company's projected scores when the wave ends.

    ``scores`` (node → score) and ``levels`` (node → level code) are the projection after this
    wave and all earlier ones; ``percentiles`` (node → percentile rank among the same peers)
    is empty without peers.
    """

    number: int
    start_week: float
    end_week: float
    actions: tuple[str, ...]
    scores: Mapping[str, float]
    levels: Mapping[str, str | None]
    percentiles: Mapping[str, float]

    @property
    def score(self) -> float:
        """The projected overall (root) score."""
        return self.scores.get("root", math.nan)


@dataclass(frozen=True, eq=False)
class Plan:
    """The action plan of one company; made by :func:`maturity.plan`.

    ``actions`` are the chosen actions (by wave, then start), ``left_out`` the others with the
    reason, ``waves`` the phases with projected scores. ``nodes`` are the nodes whose gaps the
    plan closes (by default the top-level dimensions), with ``current``, ``target``, ``gap``
    and ``weight`` (the priority weight: the node's weight in the model times its importance,
    as in :func:`maturity.gaps`) per node. ``objective`` is the priority-weighted gap closure
    ``Σ weight × (gap today − gap after the plan)``, ``max_objective`` the same with every gap
    closed. ``today`` and ``projected`` map every node of the model to its score today and
    after the last wave; ``percentile_today`` and ``percentile_projected`` to the percentile
    rank among the same peers (empty without peers). ``exact`` is False when a node was
    touched by so many actions that its closure was estimated from single-action effects
    (see ``docs/methodology-plan.md``).
    """

    company: str
    model: ScoringModel = field(repr=False)
    catalogue: ActionCatalogue = field(repr=False)
    budget: float
    horizon_months: float
    horizon_weeks: float
    cost_basis: str
    target_kind: str
    nodes: tuple[str, ...]
    current: Mapping[str, float] = field(repr=False)
    target: Mapping[str, float] = field(repr=False)
    gap: Mapping[str, float] = field(repr=False)
    weight: Mapping[str, float] = field(repr=False)
    actions: tuple[PlannedAction, ...] = field(repr=False)
    left_out: tuple[LeftOut, ...] = field(repr=False)
    waves: tuple[Wave, ...] = field(repr=False)
    objective: float = 0.0
    max_objective: float = 0.0
    today: Mapping[str, float] = field(default_factory=dict, repr=False)
    projected: Mapping[str, float] = field(default_factory=dict, repr=False)
    percentile_today: Mapping[str, float] = field(default_factory=dict, repr=False)
    percentile_projected: Mapping[str, float] = field(default_factory=dict, repr=False)
    peer_group: str | None = None
    exact: bool = True
    profile: Any = field(default=None, repr=False)

    # -- totals ---------------------------------------------------------------------------
    @property
    def cost(self) -> float:
        """Total planned cost, in euro."""
        return sum(a.cost for a in self.actions)

    @property
    def funded(self) -> float:
        """Total public funding, in euro."""
        return sum(a.funded for a in self.actions)

    @property
    def net_cost(self) -> float:
        """Total cost minus funding, in euro (never above the budget)."""
        return self.cost - self.funded

    @property
    def untargeted(self) -> tuple[str, ...]:
        """The plan's nodes without a target (a peer quantile too few peers to publish, say),
        which the plan leaves out.
        """
        return tuple(n for n in self.nodes if not math.isfinite(self.target.get(n, math.nan)))

    @property
    def weeks(self) -> float:
        """When the last action ends, in weeks from the start (0 for an empty plan)."""
        return max((a.end_week for a in self.actions), default=0.0)

    @property
    def closure(self) -> float:
        """The share of the priority-weighted gap the plan closes (0 to 1; NaN with no gap)."""
        return self.objective / self.max_objective if self.max_objective > 0 else math.nan

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[PlannedAction]:
        return iter(self.actions)

    def __repr__(self) -> str:
        root_now = self.today.get("root", math.nan)
        root_then = self.projected.get("root", math.nan)
        return (
            f"<Plan {self.company}: {counted(len(self.actions), 'action')} in "
            f"{counted(len(self.waves), 'wave')}, {counted(self.weeks, 'week', spec='g')}, "
            f"net {self.net_cost:,.0f} of {self.budget:,.0f} EUR, "
            f"root {fixed(root_now)} -> {fixed(root_then)}>"
        )

    # -- exports ----------------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """One record per catalogue action: the chosen ones first, then the ones left out."""
        out: list[dict[str, Any]] = []
        for a in self.actions:
            out.append(
                {
                    "company": self.company,
                    "action": a.id,
                    "kind": a.action.kind,
                    "chosen": True,
                    **_chosen(a),
                    "reason": None,
                    "detail": None,
                }
            )
        for lo in self.left_out:
            out.append(
                {
                    "company": self.company,
                    "action": lo.id,
                    "kind": lo.action.kind,
                    "chosen": False,
                    "wave": None,
                    "start_week": None,
                    "end_week": None,
                    "cost": None,
                    "funded": None,
                    "net_cost": None,
                    "programme": None,
                    "gain": None,
                    "share": None,
                    "reason": lo.reason,
                    "detail": lo.describe(),
                }
            )
        return out

    def to_data(self) -> dict[str, Any]:
        """The plan as plain data (the ``plans`` entries of ``maturity/plan@1`` JSON)."""
        return {
            "company": self.company,
            "budget": _num(self.budget, 2),
            "horizon_months": _num(self.horizon_months),
            "cost_basis": self.cost_basis,
            "target": self.target_kind,
            "exact": self.exact,
            "objective": _num(self.objective),
            "max_objective": _num(self.max_objective),
            "totals": {
                "cost": _num(self.cost, 2),
                "funded": _num(self.funded, 2),
                "net_cost": _num(self.net_cost, 2),
                "weeks": _num(self.weeks),
            },
            "nodes": {
                n: {
                    "today": _num(self.current.get(n)),
                    "target": _num(self.target.get(n)),
                    "gap": _num(self.gap.get(n)),
                    "weight": _num(self.weight.get(n)),
                    "projected": _num(self.projected.get(n)),
                }
                for n in self.nodes
            },
            "today": {n: _num(v) for n, v in self.today.items()},
            "projected": {n: _num(v) for n, v in self.projected.items()},
            "percentile_today": {n: _num(v) for n, v in self.percentile_today.items()},
            "percentile_projected": {n: _num(v) for n, v in self.percentile_projected.items()},
            "peer_group": self.peer_group,
            "actions": [
                {
                    "id": a.id,
                    "kind": a.action.kind,
                    **_chosen(a),
                    "closes": {n: _num(v) for n, v in a.closes.items()},
                    "changes": dict(a.changes),
                    "required_by": list(a.required_by),
                }
                for a in self.actions
            ],
            "waves": [
                {
                    "number": w.number,
                    "start_week": _num(w.start_week),
                    "end_week": _num(w.end_week),
                    "actions": list(w.actions),
                    "scores": {n: _num(v) for n, v in w.scores.items()},
                    "levels": dict(w.levels),
                    "percentiles": {n: _num(v) for n, v in w.percentiles.items()},
                }
                for w in self.waves
            ],
            "left_out": [
                {"id": lo.id, "reason": lo.reason, "detail": lo.describe()} for lo in self.left_out
            ],
        }

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The plan as ``maturity/plan@1`` JSON; written atomically to ``path`` if given."""
        return Plans({self.company: self}).to_json(path, force=force)

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """One row per catalogue action (chosen or not), safe to open in a spreadsheet."""
        return Plans({self.company: self}).to_csv(path, force=force)

    def to_frame(self) -> Any:
        """A pandas DataFrame of :meth:`records` (needs ``pip install "maturity[pandas]"``)."""
        return _frame(self.records())

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{a.wave}</td><td>{e(a.id)}</td><td>{e(a.action.title.lang('en'))}</td>"
            f"<td>{a.start_week:g}–{a.end_week:g}</td><td>{a.cost:,.0f}</td>"
            f"<td>{a.funded:,.0f}</td><td>{a.net_cost:,.0f}</td><td>{percent(a.share)}</td></tr>"
            for a in self.actions
        )
        waves = "".join(
            f"<li>wave {w.number} (week {w.end_week:g}): root {fixed(w.score)}"
            + (f", percentile {w.percentiles['root']:.0f}" if "root" in w.percentiles else "")
            + "</li>"
            for w in self.waves
        )
        left = "".join(
            f"<li>{e(lo.id)}: {e(lo.reason)} – {e(lo.describe())}</li>" for lo in self.left_out
        )
        return (
            f"<p><b>Plan</b> {e(self.company)}: {counted(len(self.actions), 'action')}, "
            f"net {self.net_cost:,.0f} of {self.budget:,.0f} EUR, {self.weeks:g} of "
            f"{self.horizon_weeks:.0f} weeks; closes {percent(self.closure)} of the weighted gap "
            f"to {e(self.target_kind)}</p>"
            "<table><thead><tr><th>wave</th><th>id</th><th>action</th><th>weeks</th>"
            "<th>cost</th><th>funded</th><th>net</th><th>share of gain</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><ul>{waves}</ul>"
            f"<details><summary>{len(self.left_out)} left out</summary><ul>{left}</ul>"
            "</details>"
        )


_CSV_COLUMNS = (
    "company",
    "action",
    "kind",
    "chosen",
    "wave",
    "start_week",
    "end_week",
    "cost",
    "funded",
    "net_cost",
    "programme",
    "gain",
    "share",
    "reason",
    "detail",
)


def _cell(v: object) -> str:
    from maturity.io.guard import safe_cell
    from maturity.numbers import shortest

    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return shortest(float(v))
    return safe_cell(str(v))


def _frame(records: list[dict[str, Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("to_frame() needs pandas: pip install 'maturity[pandas]'") from None
    return pd.DataFrame.from_records(records, columns=list(_CSV_COLUMNS))


class Plans(Mapping[str, Plan]):
    """The plans of several companies (company id → :class:`Plan`), with joint exports and
    the demand they add up to (:meth:`demand`).
    """

    def __init__(self, plans: Mapping[str, Plan]) -> None:
        self._plans = dict(plans)

    def __getitem__(self, company: str) -> Plan:
        return self._plans[company]

    def __iter__(self) -> Iterator[str]:
        return iter(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __repr__(self) -> str:
        n = sum(len(p) for p in self._plans.values())
        return f"<Plans of {counted(len(self), 'company')}, {counted(n, 'action')} in all>"

    def records(self) -> list[dict[str, Any]]:
        """The records of every plan, company after company."""
        return [r for p in self._plans.values() for r in p.records()]

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """All plans as ``maturity/plan@1`` JSON; written atomically to ``path`` if given."""
        first = next(iter(self._plans.values()), None)
        doc = {
            "format": "maturity/plan@1",
            "catalogue": (
                {"id": first.catalogue.id, "version": first.catalogue.version}
                if first is not None
                else None
            ),
            "model": (
                {"id": first.model.id, "version": first.model.version}
                if first is not None
                else None
            ),
            "plans": [p.to_data() for p in self._plans.values()],
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """One row per company and catalogue action; every text cell formula-guarded."""
        from maturity.io.csvio import csv_text

        rows: list[Sequence[object]] = [list(_CSV_COLUMNS)]
        for rec in self.records():
            rows.append([_cell(rec[c]) for c in _CSV_COLUMNS])
        text = csv_text(rows)
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_frame(self) -> Any:
        """A pandas DataFrame of :meth:`records`."""
        return _frame(self.records())

    def demand(self, **kwargs: Any) -> Any:
        """The demand for actions across these plans; see :func:`maturity.action_demand`."""
        from maturity.planning.demand import action_demand

        return action_demand(self, **kwargs)


def _chosen(a: PlannedAction) -> dict[str, Any]:
    """What the exports say alike of a chosen action: its wave, its weeks, its money and gain."""
    return {
        "wave": a.wave,
        "start_week": _num(a.start_week),
        "end_week": _num(a.end_week),
        "cost": _num(a.cost, 2),
        "funded": _num(a.funded, 2),
        "net_cost": _num(a.net_cost, 2),
        "programme": a.programme,
        "gain": _num(a.gain),
        "share": _num(a.share),
    }
