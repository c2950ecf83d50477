"""The exact choice of actions (maturity.planning.optimise) against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from maturity.planning.optimise import (
    Block,
    Goal,
    Knapsack,
    Least,
    LevelNeed,
    Mean,
    feasible,
    net_cost,
    objective,
    schedule,
    solve,
)
from tests.strategies import knapsacks


def _closed(k: Knapsack, chosen: frozenset[int]) -> bool:
    return all(a in chosen for b in chosen for a in k.requires[b])


def _changes(k: Knapsack, chosen: frozenset[int]) -> list[float]:
    """The terms' changes written out again from their definitions."""
    out: list[float] = []
    for t in k.terms:
        if isinstance(t, Block):
            mask = sum(1 << i for i, a in enumerate(t.actions) if a in chosen)
            out.append(float(t.values[mask]))
        elif isinstance(t, Mean):
            out.append(sum(w * out[i] for i, w in t.parts))
        else:
            out.append(min(off + out[i] for i, off in t.parts))
    return out


def _value(k: Knapsack, chosen: frozenset[int]) -> float:
    ch = _changes(k, chosen)
    return sum(g.weight * min(g.gap, ch[g.term] + g.slack) for g in k.goals)


def _feasible(k: Knapsack, chosen: frozenset[int]) -> bool:
    """Feasibility written out again from the definitions, without the module's helpers."""
    if not _closed(k, chosen):
        return False
    ch = _changes(k, chosen)
    preds = {b: {a for a in (*k.requires[b], *k.after[b]) if a in chosen} for b in chosen}
    for need in k.needs:
        if need.action not in chosen:
            continue
        if ch[need.term] < need.threshold - 1e-9:
            return False
        preds[need.action] |= {a for a in need.touching if a in chosen and a != need.action}
    cost = sum(k.cost[a] for a in chosen)
    funded = 0.0
    for p in set(k.programme):
        part = sum(k.fund[a] for a in chosen if k.programme[a] == p)
        funded += part if p < 0 else min(part, k.programme_cap[p])
    if cost - funded > k.budget + 1e-6:
        return False
    finish: dict[int, float] = {}
    last: dict[int, float] = {}
    for _ in range(len(chosen) + 2):  # longest paths; still changing at the end: a cycle
        last = dict(finish)
        for b in chosen:
            finish[b] = k.duration[b] + max((finish.get(a, 0.0) for a in preds[b]), default=0.0)
    return finish == last and all(f <= k.horizon + 1e-6 for f in finish.values())


def _best(k: Knapsack) -> float:
    best = -math.inf
    for r in range(k.n + 1):
        for subset in itertools.combinations(range(k.n), r):
            s = frozenset(subset)
            if _feasible(k, s):
                best = max(best, _value(k, s))
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knapsacks())
def test_solver_matches_brute_force(k):
    chosen, value = solve(k)
    assert _feasible(k, chosen)
    assert feasible(k, chosen)
    assert value == pytest.approx(_value(k, chosen), abs=1e-9)
    assert value == pytest.approx(_best(k), abs=1e-6)
    assert net_cost(k, chosen) <= k.budget + 1e-6
    start = schedule(k, chosen)
    assert all(start[a] + k.duration[a] <= k.horizon + 1e-6 for a in chosen)
    # same inputs, same plan
    assert solve(k) == (chosen, value)


@settings(max_examples=60, deadline=None)
@given(knapsacks())
def test_helpers_agree_with_the_definitions(k):
    for r in range(min(k.n, 4) + 1):
        for subset in itertools.combinations(range(k.n), r):
            s = frozenset(subset)
            assert feasible(k, s) == _feasible(k, s)
            if _closed(k, s):
                assert objective(k, s) == pytest.approx(_value(k, s))


def _knapsack(**kw):
    base = {
        "cost": [1000.0, 1000.0, 1000.0],
        "fund": [0.0, 0.0, 0.0],
        "programme": [-1, -1, -1],
        "programme_cap": [],
        "duration": [4.0, 4.0, 4.0],
        "requires": [[], [], []],
        "after": [[], [], []],
        "budget": 10_000.0,
        "horizon": 52.0,
    }
    base.update(kw)
    return Knapsack(**base)


def _one(values, actions=(0, 1, 2), gap=10.0):
    return {
        "terms": (Block("n", actions, np.array(values, dtype=float)),),
        "goals": (Goal(0, 1.0, gap),),
    }


def test_interaction_is_valued_exactly():
    # two actions worth nothing alone and 1 together (a stage reached only when both move):
    # the solver takes both; an additive model would take neither
    chosen, value = solve(_knapsack(**_one([0.0, 0.0, 0.0, 1.0], actions=(0, 1))))
    assert chosen == {0, 1} and value == pytest.approx(1.0)


def test_cheapest_of_equal_plans_and_nothing_useless():
    # actions 0 and 1 give the same change, 1 is cheaper; action 2 changes nothing
    k = _knapsack(cost=[3000.0, 1000.0, 0.0], **_one([0.0, 1, 1, 1, 0, 1, 1, 1]))
    chosen, _ = solve(k)
    assert chosen == {1}


def test_closure_is_capped_by_the_gap():
    # 0 and 1 together would raise the node by 3, but its gap is 1: one of them is enough
    k = _knapsack(**_one([0.0, 1.5, 1.5, 3.0], actions=(0, 1), gap=1.0))
    chosen, value = solve(k)
    assert len(chosen) == 1 and value == pytest.approx(1.0)


def test_budget_counts_funding_with_the_cap_per_company():
    # 3 actions of 4000, each funded 2000 by one programme capped at 3000 per company:
    # all three cost 12000 - 3000 = 9000 net
    k = _knapsack(
        cost=[4000.0] * 3,
        fund=[2000.0] * 3,
        programme=[0, 0, 0],
        programme_cap=[3000.0],
        budget=9000.0,
        **_one([0.0, 1, 1, 2, 1, 2, 2, 3]),
    )
    chosen, value = solve(k)
    assert chosen == {0, 1, 2} and value == pytest.approx(3.0)
    assert net_cost(k, chosen) == pytest.approx(9000.0)
    k2 = _knapsack(**{**k.__dict__, "budget": 8999.0})
    chosen2, value2 = solve(k2)
    assert len(chosen2) == 2 and value2 == pytest.approx(2.0)


def test_horizon_with_prerequisite_chains_and_order():
    # 1 requires 0; 2 follows 1 when both are taken: 4 + 4 + 4 = 12 weeks
    k = _knapsack(
        requires=[[], [0], []],
        after=[[], [], [1]],
        horizon=11.0,
        **_one([0.0, 0, 1, 1, 1, 1, 2, 2]),
    )
    chosen, value = solve(k)
    # within 11 weeks: {0, 1} (8 weeks, value 1) or {2} (value 1); not all three
    assert value == pytest.approx(1.0)
    assert chosen == {2}  # the cheaper of the two
    k12 = _knapsack(**{**k.__dict__, "horizon": 12.0})
    assert solve(k12)[0] == {0, 1, 2}


def test_weakest_link_and_mean_compose_exactly():
    # node A moves by 1 with action 0, node B by 1 with action 1; the parent is their minimum
    # (both today at the same score): one action alone moves nothing
    terms = (
        Block("a", (0,), np.array([0.0, 1.0])),
        Block("b", (1,), np.array([0.0, 1.0])),
        Least("parent", ((0, 0.0), (1, 0.0))),
    )
    k = _knapsack(terms=terms, goals=(Goal(2, 1.0, 5.0),))
    assert objective(k, {0}) == 0.0
    chosen, value = solve(k)
    assert chosen == {0, 1} and value == pytest.approx(1.0)
    # B is 0.5 above A today: raising A alone moves the minimum by 0.5
    k = _knapsack(
        terms=(*terms[:2], Least("parent", ((0, 0.0), (1, 0.5)))),
        goals=(Goal(2, 1.0, 5.0),),
        budget=1000.0,
    )
    chosen, value = solve(k)
    assert chosen == {0} and value == pytest.approx(0.5)
    # a mean: 0.25 and 0.75 of the children
    k = _knapsack(
        terms=(*terms[:2], Mean("parent", ((0, 0.25), (1, 0.75)))),
        goals=(Goal(2, 1.0, 5.0),),
        budget=1000.0,
    )
    assert solve(k) == (frozenset({1}), pytest.approx(0.75))


def test_level_need_met_by_earlier_actions():
    # action 1 needs node n to rise by 0.5, which action 0 brings; then 1 starts after 0
    terms = (Block("n", (0,), np.array([0.0, 0.5])), Block("m", (1,), np.array([0.0, 2.0])))
    need = LevelNeed(1, 0, 0.5, touching=(0,))
    k = _knapsack(terms=terms, goals=(Goal(1, 1.0, 5.0),), needs=(need,))
    chosen, value = solve(k)
    assert chosen == {0, 1} and value == pytest.approx(2.0)
    assert schedule(k, chosen)[1] == pytest.approx(4.0)


def test_level_need_waits_for_the_actions_that_reach_the_level():
    # as above, but 8 weeks (0 then 1) do not fit in 6: action 1 cannot be taken
    terms = (Block("n", (0,), np.array([0.0, 0.5])), Block("m", (1,), np.array([0.0, 2.0])))
    need = LevelNeed(1, 0, 0.5, touching=(0,))
    k = _knapsack(terms=terms, goals=(Goal(1, 1.0, 5.0),), needs=(need,), horizon=6.0)
    chosen, value = solve(k)
    assert 1 not in chosen and value == pytest.approx(0.0)
    assert not feasible(k, frozenset({0, 1}))
