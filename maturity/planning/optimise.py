"""The choice of actions as a mixed-integer program, solved exactly with HiGHS.

This module knows numbers only: a :class:`Knapsack` says what each action costs, what a
programme funds, how long it lasts, what it needs, and — per node of the objective — how much of
the node's gap each *subset* of the actions that touch the node would close (computed by
re-scoring, see :mod:`maturity.planning.build`). :func:`solve` picks the subset of actions that
maximises the priority-weighted gap closure subject to the budget, the horizon, prerequisites
and precedence. It is a 0-1 knapsack with precedence constraints and a non-additive value, which
is made linear exactly:

- ``x_a`` (binary): action ``a`` is in the plan;
- per block (node) ``B`` with actions ``A_B``, ``y_{B,S}`` (continuous in [0, 1]) for every
  subset ``S`` of ``A_B``: ``Σ_S y_{B,S} = 1`` and ``Σ_{S ∋ a} y_{B,S} = x_a`` for each
  ``a ∈ A_B``. For binary ``x`` the only solution puts ``y = 1`` on the subset actually chosen,
  so ``Σ_S v_{B,S} y_{B,S}`` is the node's value for the plan, however the actions interact
  (a weakest link, a stage reached only when two answers move together);
- budget: ``Σ cost_a x_a − funding ≤ budget``, where funding is ``Σ fund_a x_a`` per programme,
  at most the programme's cap per company (a continuous variable per capped programme);
- prerequisites: ``x_b ≤ x_a``; a minimum level of a node: ``x_b ≤ Σ_{S met} y_{B,S}``;
- time: a start ``t_a`` per action, ``t_a + d_a ≤ H`` when chosen, ``t_b ≥ t_a + d_a`` when
  ``b`` requires or follows ``a`` (big-M, active only when both are chosen).

Ties are broken in a second solve: among the plans within a hair of the best value, the one
with the lowest net cost (then the fewest actions). Both solves use ``mip_rel_gap = 0``; HiGHS is
deterministic, so the same inputs give the same plan.

:func:`objective` and :func:`feasible` evaluate a given subset by the same definitions, which is
what the brute-force tests compare the solver with.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = ["Block", "Knapsack", "LevelNeed", "PlanningError", "feasible", "objective", "solve"]

#: Tolerance on euro and weeks when a plan is checked against the budget and the horizon.
EPS = 1e-6


class PlanningError(ValueError):
    """The solver failed (a time limit, a numerical problem)."""


@dataclass(frozen=True)
class Block:
    """The value of one node of the objective for every subset of the actions touching it.

    ``values[mask]`` is the value when exactly the actions ``actions[b]`` with bit ``b`` of
    ``mask`` set are in the plan (``values[0]`` is 0: nothing done, nothing closed).
    ``weight`` multiplies it in the objective. A block with ``additive`` set is the fallback
    for a node touched by too many actions to enumerate: its value is
    ``min(cap, Σ values[b] for the chosen actions)`` (single-action effects; not exact).
    """

    node: str
    actions: tuple[int, ...]
    values: npt.NDArray[np.float64]
    weight: float
    additive: bool = False
    cap: float = math.inf

    def value(self, chosen: Collection[int]) -> float:
        """The (unweighted) value of this node for a set of chosen actions."""
        if self.additive:
            total = sum(float(self.values[b]) for b, a in enumerate(self.actions) if a in chosen)
            return min(self.cap, total)
        return float(self.values[self.mask(chosen)])

    def mask(self, chosen: Collection[int]) -> int:
        """The subset of this block's actions that are in ``chosen``, as a bit mask."""
        return sum(1 << b for b, a in enumerate(self.actions) if a in chosen)


@dataclass(frozen=True)
class LevelNeed:
    """Action ``action`` needs a minimum level of the node of block ``block``: ``ok[mask]``
    says whether the actions of ``mask`` (the action itself left out) reach it. When
    ``ok[0]`` (met today) the need binds nothing; otherwise every other chosen action of the
    block must finish before ``action`` starts.
    """

    action: int
    block: int
    ok: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Knapsack:
    """The planning problem as numbers; see the module docstring.

    Arrays are per action: ``cost`` and ``fund`` (euro; ``fund`` is what the action's
    programme pays for it, before the programme's cap per company), ``programme`` (index into
    ``programme_cap``, -1 for none) and ``duration`` (weeks). ``requires[a]`` and ``after[a]``
    list action indices. ``horizon`` is in weeks.
    """

    cost: Sequence[float]
    fund: Sequence[float]
    programme: Sequence[int]
    programme_cap: Sequence[float]
    duration: Sequence[float]
    requires: Sequence[Sequence[int]]
    after: Sequence[Sequence[int]]
    budget: float
    horizon: float
    blocks: Sequence[Block] = ()
    needs: Sequence[LevelNeed] = ()
    time_limit: float = 60.0
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n(self) -> int:
        """Number of actions."""
        return len(self.cost)

    def predecessors(self, chosen: Collection[int]) -> dict[int, set[int]]:
        """Per chosen action, the chosen actions that must finish before it starts."""
        out: dict[int, set[int]] = {a: set() for a in chosen}
        for b in chosen:
            out[b].update(a for a in self.requires[b] if a in chosen)
            out[b].update(a for a in self.after[b] if a in chosen)
        for need in self.needs:
            if need.action in chosen and not bool(need.ok[0]):
                block = self.blocks[need.block]
                out[need.action].update(a for a in block.actions if a in chosen and a != need.action)
        return out


def schedule(k: Knapsack, chosen: Collection[int]) -> dict[int, float]:
    """Earliest start (weeks) of each chosen action: after all its predecessors finish.

    Raises :class:`PlanningError` if the predecessors form a cycle.
    """
    preds = k.predecessors(chosen)
    start: dict[int, float] = {}
    state: dict[int, int] = {}

    def visit(a: int) -> float:
        if a in start:
            return start[a]
        if state.get(a) == 1:
            raise PlanningError("the actions' order forms a cycle")
        state[a] = 1
        s = max((visit(p) + k.duration[p] for p in preds[a]), default=0.0)
        state[a] = 2
        start[a] = s
        return s

    for a in sorted(chosen):
        visit(a)
    return start


def net_cost(k: Knapsack, chosen: Collection[int]) -> float:
    """Cost minus funding of a set of actions, with each programme's cap per company."""
    cost = sum(k.cost[a] for a in chosen)
    per: dict[int, float] = {}
    for a in chosen:
        per[k.programme[a]] = per.get(k.programme[a], 0.0) + k.fund[a]
    funded = sum(v if p < 0 else min(v, k.programme_cap[p]) for p, v in per.items())
    return cost - funded


def objective(k: Knapsack, chosen: Collection[int]) -> float:
    """The priority-weighted gap closure of a set of actions."""
    return sum(b.weight * b.value(chosen) for b in k.blocks)


def feasible(k: Knapsack, chosen: Collection[int]) -> bool:
    """Whether a set of actions is a valid plan: prerequisites, levels, budget, horizon."""
    s = set(chosen)
    for b in s:
        if any(a not in s for a in k.requires[b]):
            return False
    for need in k.needs:
        if need.action in s and not bool(need.ok[0]):
            if not bool(need.ok[k.blocks[need.block].mask(s)]):
                return False
    if net_cost(k, s) > k.budget + EPS:
        return False
    try:
        start = schedule(k, s)
    except PlanningError:
        return False
    return all(start[a] + k.duration[a] <= k.horizon + EPS for a in s)


def solve(k: Knapsack) -> tuple[frozenset[int], float]:
    """The best plan: the chosen actions and the objective's value. See the module docstring.

    Raises :class:`PlanningError` when HiGHS does not prove optimality (time limit).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    n = k.n
    if n == 0:
        return frozenset(), 0.0
    # variable layout: x (n) | y of each enumerated block | c of each additive block |
    # f (capped programmes) | t (n)
    y_at: list[int] = []
    pos = n
    for b in k.blocks:
        y_at.append(pos)
        pos += 1 if b.additive else 1 << len(b.actions)
    capped = [p for p, cap in enumerate(k.programme_cap) if math.isfinite(cap)]
    f_at = {p: pos + i for i, p in enumerate(capped)}
    pos += len(capped)
    t0 = pos
    nv = pos + n
    big = k.horizon + float(sum(k.duration)) + 1.0

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []

    def row(coefs: Sequence[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for c, v in coefs:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    inf = math.inf
    # prerequisites
    for b in range(n):
        for a in k.requires[b]:
            row([(b, 1.0), (a, -1.0)], -inf, 0.0)
    # blocks
    gain = np.zeros(nv)
    for bi, blk in enumerate(k.blocks):
        at = y_at[bi]
        if blk.additive:
            coefs = [(at, 1.0)] + [(a, -float(blk.values[j])) for j, a in enumerate(blk.actions)]
            row(coefs, -inf, 0.0)
            gain[at] = blk.weight
            continue
        size = 1 << len(blk.actions)
        row([(at + s, 1.0) for s in range(size)], 1.0, 1.0)
        for j, a in enumerate(blk.actions):
            bit = 1 << j
            row([(at + s, 1.0) for s in range(size) if s & bit] + [(a, -1.0)], 0.0, 0.0)
        gain[at : at + size] = blk.weight * np.asarray(blk.values, dtype=float)
    # minimum levels
    for need in k.needs:
        if bool(need.ok[0]):
            continue
        at = y_at[need.block]
        size = 1 << len(k.blocks[need.block].actions)
        row(
            [(need.action, 1.0)] + [(at + s, -1.0) for s in range(size) if need.ok[s]],
            -inf,
            0.0,
        )
    # budget: Σ cost x − Σ fund x (uncapped) − Σ f ≤ budget; f_p ≤ Σ_{a ∈ p} fund_a x_a
    cost = np.zeros(nv)
    for a in range(n):
        p = k.programme[a]
        cost[a] = k.cost[a] - (k.fund[a] if p < 0 or p not in f_at else 0.0)
    for p, at in f_at.items():
        cost[at] = -1.0
        row([(at, 1.0)] + [(a, -k.fund[a]) for a in range(n) if k.programme[a] == p], -inf, 0.0)
    row([(c, float(v)) for c, v in enumerate(cost) if v != 0.0], -inf, k.budget)
    # time
    for a in range(n):
        row([(t0 + a, 1.0), (a, big)], -inf, k.horizon + big - k.duration[a])
    for b in range(n):
        for a in k.requires[b]:  # x_b implies x_a
            row([(t0 + b, 1.0), (t0 + a, -1.0), (b, -big)], k.duration[a] - big, inf)
        for a in k.after[b]:
            if a in k.requires[b]:
                continue
            row(
                [(t0 + b, 1.0), (t0 + a, -1.0), (b, -big), (a, -big)],
                k.duration[a] - 2 * big,
                inf,
            )
    for need in k.needs:
        if bool(need.ok[0]):
            continue
        b = need.action
        for a in k.blocks[need.block].actions:
            if a == b or a in k.requires[b]:
                continue
            row(
                [(t0 + b, 1.0), (t0 + a, -1.0), (b, -big), (a, -big)],
                k.duration[a] - 2 * big,
                inf,
            )

    integrality = np.zeros(nv)
    integrality[:n] = 1
    upper = np.ones(nv)
    for p, at in f_at.items():
        upper[at] = k.programme_cap[p]
    for bi, blk in enumerate(k.blocks):
        if blk.additive:
            upper[y_at[bi]] = blk.cap if math.isfinite(blk.cap) else float(np.sum(blk.values))
    upper[t0:] = big
    bounds = Bounds(np.zeros(nv), upper)
    a_mat = coo_array((vals, (rows, cols)), shape=(len(lo), nv)).tocsr()
    constraints = [LinearConstraint(a_mat, np.array(lo), np.array(hi))]
    options = {"mip_rel_gap": 0.0, "time_limit": k.time_limit, "presolve": True}

    first = milp(-gain, integrality=integrality, bounds=bounds, constraints=constraints,
                 options=options)
    if first.status != 0 or first.x is None:
        raise PlanningError(f"the solver stopped without a proven optimum: {first.message}")
    best = float(gain @ first.x)
    # second solve: the cheapest plan among those within a hair of the best value
    tol = 1e-7 * max(1.0, abs(best))
    tie = cost.copy()
    tie[:n] += 1e-3  # a thousandth of a euro per action: fewer actions when costs tie
    second = milp(
        tie,
        integrality=integrality,
        bounds=bounds,
        constraints=[*constraints, LinearConstraint(gain.reshape(1, -1), best - tol, inf)],
        options=options,
    )
    x = second.x if second.status == 0 and second.x is not None else first.x
    chosen = frozenset(int(a) for a in np.flatnonzero(x[:n] > 0.5))
    return chosen, objective(k, chosen)
