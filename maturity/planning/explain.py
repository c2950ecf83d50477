"""What a plan is made of, and why: waves, funding, shares of the gain, reasons.

- **Waves.** An action's wave is one more than the latest wave of the actions it must follow
  (what it requires, what it is ordered after, what brings a level it needs); each action
  starts as soon as those have finished.
- **Funding.** A programme with a cap per company pays the actions in order of start until the
  cap is used up.
- **Shares of the gain.** Each chosen action is credited, per node of the objective, with its
  Shapley value in that node's closure among the chosen actions that touch the node; the
  orders averaged over are those that put every prerequisite first (the Shapley value of games
  with precedence constraints, Faigle and Kern 1992). The credits add up to each node's closure
  and to the plan's total, however the actions interact.
- **Reasons.** Each candidate left out is tried on top of the plan (with what it requires, and
  with the other actions it only pays off together with): the first rule it breaks —
  a minimum level, the budget, the horizon — is the reason; with nothing to gain it is "no
  gap".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from maturity.numbers import SCORE_TOLERANCE
from maturity.planning.optimise import Goal, Knapsack, PlanningError, net_cost, objective, schedule
from maturity.planning.result import LeftOut, Plan, PlannedAction, Wave

if TYPE_CHECKING:  # pragma: no cover
    from maturity.planning.company import Work

__all__ = ["explain", "finish", "precedence_shapley"]


def precedence_shapley(k: Knapsack, goal: Goal, players: list[int]) -> dict[int, float]:
    """Each player's share of one goal's value: the Shapley value over the orders of
    ``players`` that put every prerequisite (among them) first. Exact, by enumeration of the
    closed coalitions; the shares add up to the goal's value for all the players.
    """
    if not players:
        return {}
    pos = {a: j for j, a in enumerate(players)}

    def above(a: int, seen: set[int]) -> set[int]:
        for r in k.requires[a]:
            if r not in seen:
                seen.add(r)
                above(r, seen)
        return seen

    req = {j: sum(1 << pos[r] for r in above(a, set()) if r in pos) for a, j in pos.items()}
    full = (1 << len(players)) - 1
    closed = [0]
    for j in sorted(range(len(players)), key=lambda j: bin(req[j]).count("1")):
        closed += [m | (1 << j) for m in closed if m & req[j] == req[j]]
    closed_set = set(closed)

    def value(m: int) -> float:
        chosen = {a for a, j in pos.items() if m >> j & 1}
        return goal.value(k.change_of(goal.term, chosen))

    values = {m: value(m) for m in closed}
    by_size = sorted(closed, key=lambda m: bin(m).count("1"))
    before = {0: 1}  # orders of the coalition's members
    for m in by_size[1:]:
        before[m] = sum(
            before[m ^ (1 << j)]
            for j in range(len(players))
            if m >> j & 1 and m ^ (1 << j) in closed_set
        )
    after = {full: 1}  # orders of the others after the coalition
    for m in reversed(by_size):
        if m != full:
            after[m] = sum(
                after[m | (1 << j)]
                for j in range(len(players))
                if not m >> j & 1 and m | (1 << j) in closed_set
            )
    total = before[full]
    out: dict[int, float] = {}
    for a, j in pos.items():
        bit = 1 << j
        share = 0.0
        for m in closed:
            if not m & bit and (m | bit) in closed_set:
                share += before[m] * after[m | bit] * (values[m | bit] - values[m])
        out[a] = share / total
    return out


def explain(w: Work) -> None:
    """Waves, funding, shares and reasons of a solved company (sets ``w.planned``,
    ``w.wave_sets`` and ``w.wave_configs`` and completes ``w.left``).
    """
    k = w.knapsack
    rel = w.relevant
    chosen = w.chosen
    start = schedule(k, chosen)
    preds = k.predecessors(chosen)
    wave: dict[int, int] = {}

    def depth(a: int) -> int:
        if a not in wave:
            wave[a] = 1 + max((depth(p) for p in preds[a]), default=0)
        return wave[a]

    for a in chosen:
        depth(a)
    funded: dict[int, float] = {}
    used: dict[int, float] = {}
    for a in sorted(chosen, key=lambda a: (start[a], a)):
        p = k.programme[a]
        f = k.fund[a]
        if p >= 0 and math.isfinite(k.programme_cap[p]):
            f = min(f, k.programme_cap[p] - used.get(p, 0.0))
            used[p] = used.get(p, 0.0) + f
        funded[a] = max(0.0, f)
    gain = dict.fromkeys(chosen, 0.0)
    closes: dict[int, dict[str, float]] = {a: {} for a in chosen}
    for g, node in zip(k.goals, w.goal_nodes, strict=True):
        players = sorted(a for a in chosen if w.relevant[a] in w.specs[node].actions)  # type: ignore[union-attr]
        for a, v in precedence_shapley(k, g, players).items():
            gain[a] += v
            if g.weight > 0 and abs(v) > SCORE_TOLERANCE * g.weight:
                closes[a][node] = v / g.weight
    total = w.value
    order = sorted(chosen, key=lambda a: (wave[a], start[a], a))
    w.planned = tuple(
        PlannedAction(
            action=w.by_id[rel[a]],
            wave=wave[a],
            start_week=start[a],
            end_week=start[a] + k.duration[a],
            cost=k.cost[a],
            funded=funded[a],
            programme=w.by_id[rel[a]].funding,
            gain=gain[a],
            share=gain[a] / total if total > SCORE_TOLERANCE else math.nan,
            closes=closes[a],
            changes=w.changes[rel[a]],
            required_by=tuple(rel[b] for b in order if a in k.requires[b]),
        )
        for a in order
    )
    for aid in rel:
        if w.index[aid] not in chosen:
            w.left[aid] = why(w, aid)
    w.wave_sets = []
    done: set[str] = set()
    end = 0.0
    for number in sorted(set(wave.values())):
        members = [a for a in order if wave[a] == number]
        done |= {rel[a] for a in members}
        end = max(end, *(start[a] + k.duration[a] for a in members))
        w.wave_sets.append(
            (
                number,
                min(start[a] for a in members),
                end,
                tuple(rel[a] for a in members),
                frozenset(done),
            )
        )
    w.wave_configs = [w.config(s) for *_, s in w.wave_sets]


def why(w: Work, aid: str) -> LeftOut:
    """Why a candidate action is not in the chosen plan (see the module docstring)."""
    k = w.knapsack
    chosen = set(w.chosen)
    action = w.by_id[aid]
    best = objective(k, chosen)
    alone = {w.index[x] for x in w.closure(aid)}
    add = alone | chosen
    if objective(k, add) - best <= 1e-9:
        partners = _partners(w, aid, chosen)
        if partners is None:
            untargeted = w.no_target(action)
            if untargeted is not None:
                return untargeted
            if not w.changes[aid]:  # it raises nothing itself: it prepares other actions
                enables = [x for x in w.relevant if aid in w.closure(x) and x != aid]
                if enables:
                    return LeftOut(action, "no_gap", {"enables": enables})
            return LeftOut(action, "no_gap", {"covered": objective(k, alone) > 1e-9})
        add |= partners
    together = sorted(w.relevant[x] for x in add - chosen - alone)
    extra: dict[str, Any] = {"with": together} if together else {}
    change = k.changes(add)
    for need, info in zip(k.needs, w.need_info, strict=True):
        if need.action in add and change[need.term] < need.threshold - 1e-9:
            return LeftOut(action, "prerequisite", {"node": info[1], "level": info[2]})
    spent = net_cost(k, chosen)
    if net_cost(k, add) > k.budget + 1e-6:
        detail = {"net_cost": net_cost(k, add) - spent, "remaining": k.budget - spent}
        return LeftOut(action, "budget", {**detail, **extra})
    try:
        start = schedule(k, add)
    except PlanningError:  # a level it needs comes only from actions that need it first
        info = next(i for n, i in zip(k.needs, w.need_info, strict=True) if n.action in add)
        return LeftOut(action, "prerequisite", {"node": info[1], "level": info[2]})
    weeks = max(start[x] + k.duration[x] for x in add)
    if weeks > k.horizon + 1e-6:
        detail = {"weeks": weeks, "horizon_weeks": k.horizon}
        return LeftOut(action, "horizon", {**detail, **extra})
    return LeftOut(action, "no_gap", {"covered": True})  # pragma: no cover - optimality


def _partners(w: Work, aid: str, chosen: set[int]) -> set[int] | None:
    """Other candidates with which ``aid`` adds to the plan's value although it adds nothing
    alone (a stage reached only together), shrunk to a small set; None if there are none.
    """
    k = w.knapsack
    touched = w.touch[aid]
    pool = [x for x in w.relevant if x != aid and w.touch[x] & touched]
    if not pool:
        return None

    def closed(ids: list[str]) -> set[int]:
        out: set[int] = set()
        for x in ids:
            out |= {w.index[y] for y in w.closure(x)}
        return out

    mine = {w.index[y] for y in w.closure(aid)}

    def adds(ids: list[str]) -> bool:
        base = chosen | closed(ids)
        return objective(k, base | mine) - objective(k, base) > 1e-9

    if not adds(pool):
        return None
    for x in list(pool):  # drop what is not needed, one at a time
        rest = [y for y in pool if y != x]
        if adds(rest):
            pool = rest
    return closed(pool) - mine


def finish(w: Work, wave_scores: Any, wave_percentiles: Any) -> Plan:
    """The :class:`Plan` of a company, with the projections scored by the job."""
    job = w.job
    model = job.model
    nodes = model.nodes
    waves = []
    for i, (number, s0, s1, ids, _) in enumerate(w.wave_sets):
        scores = {n: float(wave_scores[i, j]) for j, n in enumerate(nodes)}
        waves.append(
            Wave(
                number=number,
                start_week=s0,
                end_week=s1,
                actions=ids,
                scores=scores,
                levels={
                    n: (lv.code if (lv := model.level_of(v)) is not None else None)
                    for n, v in scores.items()
                },
                percentiles=wave_percentiles[i] if wave_percentiles is not None else {},
            )
        )
    projected = dict(waves[-1].scores) if waves else dict(w.today)
    bench = job.bench
    p_today: dict[str, float] = {}
    group = None
    if bench is not None:
        bi = list(bench.ids).index(w.company)
        p_today = {
            n: float(bench.percentile[bi, j])
            for j, n in enumerate(bench.nodes)
            if math.isfinite(float(bench.percentile[bi, j]))
        }
        group = bench.groups[bi].describe("en")
    cat_order = {a.id: i for i, a in enumerate(job.catalogue.actions)}
    left = tuple(sorted(w.left.values(), key=lambda lo: cat_order[lo.id]))
    max_obj = sum(job.weights[n] * w.gap[n] for n in w.objective_nodes if w.gap[n] > 0)
    return Plan(
        company=w.company,
        model=model,
        catalogue=job.catalogue,
        budget=job.budget,
        horizon_months=job.horizon_months,
        horizon_weeks=job.horizon_weeks,
        cost_basis=job.cost_basis,
        target_kind=str(job.gaps.target_kind),
        nodes=w.nodes,
        current={n: w.today.get(n, math.nan) for n in w.nodes},
        target=w.target,
        gap=w.gap,
        weight={n: job.weights[n] for n in w.nodes},
        actions=w.planned,
        left_out=left,
        waves=tuple(waves),
        objective=w.value,
        max_objective=max_obj,
        today=dict(w.today),
        projected=projected,
        percentile_today=p_today,
        percentile_projected=dict(waves[-1].percentiles) if waves else dict(p_today),
        peer_group=group,
        exact=w.exact,
        profile=w.profile,
    )
