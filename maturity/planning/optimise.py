"""The choice of actions as a mixed-integer program, solved exactly with HiGHS.

This module knows numbers only. A :class:`Knapsack` says what each action costs, what a
programme funds, how long it lasts and what it needs, and how the plan changes the scores of the
nodes whose gaps it closes, as a small tree of *terms* (built by
:mod:`maturity.planning.build` from re-scored answers):

- a :class:`Block` is a node whose change is known for every subset of the actions touching it
  (each subset was applied to the answers and scored by the engine): ``values[mask]``;
- a :class:`Mean` is a node whose change is the weighted sum of its children's changes (a
  weighted mean whose children keep their scores, so its weights do not move);
- a :class:`Least` is a node that is the lowest of its children (the weakest link);
- a :class:`Goal` is a node of the objective: the part of its gap closed,
  ``min(gap, change + slack)``, times its priority weight.

:func:`solve` picks the subset of actions that maximises the sum of the goals subject to the
budget, the horizon, prerequisites and precedence. It is a 0-1 knapsack with precedence
constraints and a non-additive value, made linear exactly:

- ``x_a`` (binary): action ``a`` is in the plan;
- per block ``B`` with actions ``A_B``, ``y_{B,S}`` (continuous in [0, 1]) for every subset
  ``S`` of ``A_B`` a plan can contain (closed under prerequisites): ``Σ_S y_{B,S} = 1`` and
  ``Σ_{S ∋ a} y_{B,S} = x_a`` for each ``a ∈ A_B``. For binary ``x`` the only solution puts
  ``y = 1`` on the subset actually chosen, so ``Σ_S v_{B,S} y_{B,S}`` is the block's change for
  the plan, however the actions interact (a stage reached only when two answers move together);
- a mean is a linear expression of its children; the weakest link ``z`` and a goal's closure
  ``c`` are continuous variables bounded above by each child (``z ≤ child``) and by the gap and
  the change (``c ≤ gap``, ``c ≤ change + slack``). The objective increases with every one of
  them (positive weights), so at the optimum each equals its minimum: exact;
- budget: ``Σ cost_a x_a − funding ≤ budget``, where funding is ``Σ fund_a x_a`` per programme,
  at most the programme's cap per company (a continuous variable per capped programme);
- prerequisites: ``x_b ≤ x_a``; a minimum level of a node (a :class:`LevelNeed`): the node's
  change without the action itself reaches the threshold when ``x_b = 1`` (big-M);
- time: a start ``t_a`` per action, ``t_a + d_a ≤ H`` when chosen, ``t_b ≥ t_a + d_a`` when
  ``b`` requires, follows or waits for ``a`` (big-M, active only when both are chosen).

Ties are broken in a second solve: among the plans within a hair of the best value, the one
with the lowest net cost (then the fewest actions). Both solves use ``mip_rel_gap = 0``; HiGHS is
deterministic, so the same inputs give the same plan.

:func:`objective` and :func:`feasible` evaluate a given subset by the same definitions, which is
what the brute-force tests compare the solver with.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Block",
    "Goal",
    "Knapsack",
    "Least",
    "LevelNeed",
    "Mean",
    "PlanningError",
    "Term",
    "feasible",
    "net_cost",
    "objective",
    "schedule",
    "solve",
]

#: Tolerance on euro, weeks and score changes when a plan is checked.
EPS = 1e-6


class PlanningError(ValueError):
    """The solver failed (a time limit, a numerical problem), or the actions' order has a
    cycle.
    """


@dataclass(frozen=True)
class Block:
    """A node whose change is known for the subsets of the actions touching it.

    ``values[mask]`` is the change of the node's score when exactly the actions ``actions[b]``
    with bit ``b`` of ``mask`` set are in the plan (``values[0]`` is 0). ``values`` is an array
    over every mask, or a mapping over some: the subsets a plan can contain (closed under
    prerequisites), the only ones the solver needs. With ``additive`` set (the fallback for a
    node touched by too many actions to enumerate), ``values[b]`` is action ``b``'s change
    alone and a plan's change is their sum (not exact).
    """

    node: str
    actions: tuple[int, ...]
    values: Mapping[int, float] | npt.NDArray[np.float64]
    additive: bool = False

    def masks(self) -> list[int]:
        """The subsets (bit masks) this block has a value for, in increasing order."""
        if isinstance(self.values, Mapping):
            return sorted(self.values)
        return list(range(len(self.values)))

    def mask(self, chosen: Collection[int]) -> int:
        """The subset of this block's actions that are in ``chosen``, as a bit mask."""
        return sum(1 << b for b, a in enumerate(self.actions) if a in chosen)

    def change(self, chosen: Collection[int]) -> float:
        """The node's change for a set of chosen actions."""
        if self.additive:
            return sum(float(self.values[b]) for b, a in enumerate(self.actions) if a in chosen)
        return float(self.values[self.mask(chosen)])


@dataclass(frozen=True)
class Mean:
    """A node whose change is ``Σ weight × change`` of earlier terms: ``parts`` holds
    ``(term index, weight)``.
    """

    node: str
    parts: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Least:
    """A node that is the lowest of its children: its change is ``min(offset + change)`` over
    ``parts`` ``(term index, offset)``, the offset being the child's score today minus the
    node's.
    """

    node: str
    parts: tuple[tuple[int, float], ...]


Term = Block | Mean | Least


@dataclass(frozen=True)
class Goal:
    """A node of the objective: ``weight × min(gap, change + slack)`` with the change of term
    ``term``; ``slack`` is how far the node is above its target today (0 when it has a gap).
    """

    term: int
    weight: float
    gap: float
    slack: float = 0.0

    def value(self, change: float) -> float:
        """The weighted closure for a change of the node's score."""
        return self.weight * min(self.gap, change + self.slack)


@dataclass(frozen=True)
class LevelNeed:
    """Action ``action`` needs a minimum level of a node: the change of term ``term`` (the
    node's score with the action's own effect left out) must be at least ``threshold`` when
    the action is chosen, and the chosen actions of ``touching`` (those that change the node)
    must finish before it starts.
    """

    action: int
    term: int
    threshold: float
    touching: tuple[int, ...] = ()


@dataclass(frozen=True)
class Knapsack:
    """The planning problem as numbers; see the module docstring.

    Arrays are per action: ``cost`` and ``fund`` (euro; ``fund`` is what the action's
    programme pays for it, before the programme's cap per company), ``programme`` (index into
    ``programme_cap``, -1 for none) and ``duration`` (weeks). ``requires[a]`` and ``after[a]``
    list action indices. ``horizon`` is in weeks. ``terms`` are in order, children first.
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
    terms: Sequence[Term] = ()
    goals: Sequence[Goal] = ()
    needs: Sequence[LevelNeed] = ()
    time_limit: float = 60.0

    @property
    def n(self) -> int:
        """Number of actions."""
        return len(self.cost)

    def changes(self, chosen: Collection[int]) -> list[float]:
        """The change of every term for a set of chosen actions."""
        out: list[float] = []
        for t in self.terms:
            if isinstance(t, Block):
                out.append(t.change(chosen))
            elif isinstance(t, Mean):
                out.append(sum(w * out[i] for i, w in t.parts))
            else:
                out.append(min(off + out[i] for i, off in t.parts))
        return out

    def change_of(self, term: int, chosen: Collection[int]) -> float:
        """The change of one term (and only the terms below it) for a set of actions."""
        t = self.terms[term]
        if isinstance(t, Block):
            return t.change(chosen)
        if isinstance(t, Mean):
            return sum(w * self.change_of(i, chosen) for i, w in t.parts)
        return min(off + self.change_of(i, chosen) for i, off in t.parts)

    def predecessors(self, chosen: Collection[int]) -> dict[int, set[int]]:
        """Per chosen action, the chosen actions that must finish before it starts."""
        out: dict[int, set[int]] = {a: set() for a in chosen}
        for b in chosen:
            out[b].update(a for a in self.requires[b] if a in chosen)
            out[b].update(a for a in self.after[b] if a in chosen)
        for need in self.needs:
            if need.action in chosen:
                out[need.action].update(
                    a for a in need.touching if a in chosen and a != need.action
                )
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
    """The priority-weighted gap closure of a set of actions (closed under prerequisites)."""
    change = k.changes(chosen)
    return sum(g.value(change[g.term]) for g in k.goals)


def feasible(k: Knapsack, chosen: Collection[int]) -> bool:
    """Whether a set of actions is a valid plan: prerequisites, levels, budget, horizon."""
    s = set(chosen)
    for b in s:
        if any(a not in s for a in k.requires[b]):
            return False
    if k.needs:
        change = k.changes(s)
        for need in k.needs:
            if need.action in s and change[need.term] < need.threshold - EPS:
                return False
    if net_cost(k, s) > k.budget + EPS:
        return False
    try:
        start = schedule(k, s)
    except PlanningError:
        return False
    return all(start[a] + k.duration[a] <= k.horizon + EPS for a in s)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the process's standard output while HiGHS runs: the solver bundled with SciPy
    prints a line of its own (``HighsMipSolverData::transformNewIntegerFeasibleSolution``) on
    some problems even when its output is off, which would mix with a command's output.
    """
    import os
    import sys

    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0:
        yield
        return
    sys.__stdout__.flush()  # type: ignore[union-attr]
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _longest(duration: Sequence[float], edges: Mapping[int, set[int]]) -> list[float]:
    """Per action, the latest finish when every predecessor is taken (inf on a cycle)."""
    out: dict[int, float] = {}
    state: dict[int, int] = {}

    def visit(a: int) -> float:
        if a in out:
            return out[a]
        if state.get(a) == 1:
            return math.inf
        state[a] = 1
        value = duration[a] + max((visit(p) for p in edges[a]), default=0.0)
        state[a] = 2
        out[a] = value
        return value

    return [visit(a) for a in range(len(duration))]


def _bounds(k: Knapsack) -> list[tuple[float, float]]:
    """The lowest and highest change each term can take (for big-M constants)."""
    out: list[tuple[float, float]] = []
    for t in k.terms:
        if isinstance(t, Block):
            vals = [float(t.values[m]) for m in t.masks()]
            if t.additive:
                lo = sum(min(0.0, v) for v in vals)
                hi = sum(max(0.0, v) for v in vals)
            else:
                lo, hi = min(vals, default=0.0), max(vals, default=0.0)
            out.append((min(lo, 0.0), max(hi, 0.0)))
        elif isinstance(t, Mean):
            lo = sum(w * out[i][0] if w >= 0 else w * out[i][1] for i, w in t.parts)
            hi = sum(w * out[i][1] if w >= 0 else w * out[i][0] for i, w in t.parts)
            out.append((lo, hi))
        else:
            out.append(
                (
                    min(off + out[i][0] for i, off in t.parts),
                    min(off + out[i][1] for i, off in t.parts),
                )
            )
    return out


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
    lower: list[float] = []
    upper: list[float] = []
    integer: list[int] = []

    def var(lo: float, hi: float, is_int: bool = False) -> int:
        lower.append(lo)
        upper.append(hi)
        integer.append(1 if is_int else 0)
        return len(lower) - 1

    inf = math.inf
    x = [var(0.0, 1.0, True) for _ in range(n)]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo_r: list[float] = []
    hi_r: list[float] = []

    def row(
        coefs: Mapping[int, float] | Sequence[tuple[int, float]], low: float, high: float
    ) -> None:
        r = len(lo_r)
        items = coefs.items() if isinstance(coefs, Mapping) else coefs
        for c, v in items:
            if v != 0.0:
                rows.append(r)
                cols.append(c)
                vals.append(v)
        lo_r.append(low)
        hi_r.append(high)

    # prerequisites
    for b in range(n):
        for a in k.requires[b]:
            row([(x[b], 1.0), (x[a], -1.0)], -inf, 0.0)
    # terms: each one's change as a linear expression {variable: coefficient}
    bounds = _bounds(k)
    expr: list[dict[int, float]] = []
    for ti, t in enumerate(k.terms):
        e: dict[int, float] = {}
        if isinstance(t, Block):
            if t.additive:
                for j, a in enumerate(t.actions):
                    e[x[a]] = e.get(x[a], 0.0) + float(t.values[j])
            else:
                ms = t.masks()
                ys = [var(0.0, 1.0) for _ in ms]
                row([(y, 1.0) for y in ys], 1.0, 1.0)
                for j, a in enumerate(t.actions):
                    bit = 1 << j
                    row(
                        [(y, 1.0) for y, m in zip(ys, ms, strict=True) if m & bit] + [(x[a], -1.0)],
                        0.0,
                        0.0,
                    )
                for y, m in zip(ys, ms, strict=True):
                    e[y] = float(t.values[m])
        elif isinstance(t, Mean):
            for i, w in t.parts:
                for c, v in expr[i].items():
                    e[c] = e.get(c, 0.0) + w * v
        else:
            z = var(bounds[ti][0] - 1.0, bounds[ti][1] + 1.0)
            for i, off in t.parts:
                coefs = {c: -v for c, v in expr[i].items()}
                coefs[z] = coefs.get(z, 0.0) + 1.0
                row(coefs, -inf, off)
            e = {z: 1.0}
        expr.append(e)
    # goals: c ≤ gap, c ≤ change + slack
    gain_terms: list[tuple[int, float]] = []
    for g in k.goals:
        lo = min(bounds[g.term][0] + g.slack, g.gap)
        c = var(lo - 1.0, g.gap)
        coefs = {v: -w for v, w in expr[g.term].items()}
        coefs[c] = coefs.get(c, 0.0) + 1.0
        row(coefs, -inf, g.slack)
        gain_terms.append((c, g.weight))
    # minimum levels: change ≥ threshold when the action is chosen
    for need in k.needs:
        big = max(0.0, need.threshold - bounds[need.term][0]) + 1.0
        coefs = dict(expr[need.term])
        coefs[x[need.action]] = coefs.get(x[need.action], 0.0) - big
        row(coefs, need.threshold - big, inf)
    # budget: Σ cost x − Σ fund x (uncapped) − Σ f ≤ budget; f_p ≤ Σ_{a ∈ p} fund_a x_a
    capped = [p for p, cap in enumerate(k.programme_cap) if math.isfinite(cap)]
    f_at = {p: var(0.0, k.programme_cap[p]) for p in capped}
    spend: dict[int, float] = {}
    for a in range(n):
        p = k.programme[a]
        spend[x[a]] = k.cost[a] - (k.fund[a] if p < 0 or p not in f_at else 0.0)
    for p, f in f_at.items():
        spend[f] = -1.0
        row([(f, 1.0)] + [(x[a], -k.fund[a]) for a in range(n) if k.programme[a] == p], -inf, 0.0)
    row(spend, -inf, k.budget)
    # time: only the actions whose longest possible chain of predecessors (all candidates
    # taken) could end past the horizon, and what comes before them, need start variables
    edges: dict[int, set[int]] = {b: set(k.requires[b]) | set(k.after[b]) for b in range(n)}
    for need in k.needs:
        edges[need.action] |= {a for a in need.touching if a != need.action}
    worst = _longest(k.duration, edges)
    risky = {a for a in range(n) if worst[a] > k.horizon + EPS}
    timed: set[int] = set()
    stack = list(risky)
    while stack:
        a = stack.pop()
        if a not in timed:
            timed.add(a)
            stack.extend(edges[a])
    big_t = k.horizon + float(sum(k.duration)) + 1.0
    start = {a: var(0.0, big_t) for a in sorted(timed)}
    for a in sorted(risky):
        row([(start[a], 1.0), (x[a], big_t)], -inf, k.horizon + big_t - k.duration[a])
    for b in sorted(timed):
        for a in sorted(edges[b]):
            if a in k.requires[b]:  # x_b implies x_a
                row([(start[b], 1.0), (start[a], -1.0), (x[b], -big_t)], k.duration[a] - big_t, inf)
            else:
                row(
                    [(start[b], 1.0), (start[a], -1.0), (x[b], -big_t), (x[a], -big_t)],
                    k.duration[a] - 2 * big_t,
                    inf,
                )

    nv = len(lower)
    gain = np.zeros(nv)
    for c, w in gain_terms:
        gain[c] += w
    cost = np.zeros(nv)
    for c, v in spend.items():
        cost[c] = v
    bounds_v = Bounds(np.array(lower), np.array(upper))
    a_mat = coo_array((vals, (rows, cols)), shape=(len(lo_r), nv)).tocsr()
    constraints = [LinearConstraint(a_mat, np.array(lo_r), np.array(hi_r))]
    integrality = np.array(integer)
    options = {"mip_rel_gap": 0.0, "time_limit": k.time_limit, "presolve": True}
    with _quiet():
        first = milp(
            -gain,
            integrality=integrality,
            bounds=bounds_v,
            constraints=constraints,
            options=options,
        )
    if first.status != 0 or first.x is None:
        raise PlanningError(f"the solver stopped without a proven optimum: {first.message}")
    best = float(gain @ first.x)
    # second solve: the cheapest plan among those within a hair of the best value
    tol = 1e-7 * max(1.0, abs(best))
    tie = cost.copy()
    tie[:n] += 1e-3  # a thousandth of a euro per action: fewer actions when costs tie
    with _quiet():
        second = milp(
            tie,
            integrality=integrality,
            bounds=bounds_v,
            constraints=[*constraints, LinearConstraint(gain.reshape(1, -1), best - tol, inf)],
            options=options,
        )
    sol = second.x if second.status == 0 and second.x is not None else first.x
    chosen = frozenset(int(a) for a in np.flatnonzero(sol[:n] > 0.5))
    return chosen, objective(k, chosen)
