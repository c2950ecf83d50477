"""maturity.plan: exact against brute force, hand-worked examples, projections by re-scoring."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.gap_analysis import global_weights
from maturity.planning import PlanError, plan, plan_all
from maturity.responses import DONT_KNOW, NA, Profile
from tests import plan_fixtures as F
from tests.strategies import plan_answers, plan_catalogues

Q = F.questionnaire()
MODELS = {k: F.model(k, Q) for k in F.MODELS}
WEEKS = 365.25 / 12 / 7


def _score_many(q, m, company_answers, profile):
    """Scores (by company) of several versions of one company's answers, in one call."""
    rows = []
    for k, answers_list in enumerate(company_answers):
        for r, ans in enumerate(answers_list):
            prof = Profile(company=f"v{k}", employees=profile.employees, sector=profile.sector)
            rows.append((f"v{k}-r{r}", prof, ans))
    return mt.score(F.responses(q, rows), m, by="company")


def brute_force(q, m, answers_list, profile, cat, budget, months, target, nodes=None):
    """The best objective over every subset of the catalogue, from the definitions:
    applicability, prerequisites, levels, funding with caps, a schedule within the horizon,
    and the priority-weighted closure of the top-level gaps after re-scoring the answers."""
    today = _score_many(q, m, [answers_list], profile)
    g = mt.gaps(today, target, nodes=nodes)
    gw = global_weights(m)
    weight = {n: gw[n] * m.rules[n].importance for n in g.nodes}
    pdict = profile.for_conditions()
    actions = [a for a in cat if a.applies_to(pdict) is True]
    every = [combo for r in range(len(actions) + 1) for combo in itertools.combinations(actions, r)]
    versions = [F.apply_company_by_hand(q, answers_list, combo) for combo in every]
    scored = _score_many(q, m, versions, profile)
    row_of = {frozenset(a.id for a in combo): k for k, combo in enumerate(every)}
    subsets = [c for c in every if all(set(a.requires) <= {b.id for b in c} for a in c)]
    col = {n: j for j, n in enumerate(scored.nodes)}
    level_min = {lv.code: lv.min for lv in m.levels}
    best = -math.inf
    best_sets = []
    for combo in subsets:
        ids = {a.id for a in combo}
        k = row_of[frozenset(ids)]
        # cost with funding
        cost = {a.id: sum(a.cost) / 2 for a in combo}
        per_prog: dict[str, float] = {}
        for a in combo:
            if a.funding:
                p = cat.programme(a.funding)
                rule = p.rule_for(pdict)
                f = 0.0
                if rule is not None and cost[a.id] >= p.min_cost:
                    f = cost[a.id] * rule.share
                    if rule.cap is not None:
                        f = min(f, rule.cap)
                per_prog[a.funding] = per_prog.get(a.funding, 0.0) + f
        funded = sum(
            min(v, cat.programme(p).cap_per_company or math.inf) for p, v in per_prog.items()
        )
        if sum(cost.values()) - funded > budget + 1e-6:
            continue
        # minimum levels and the order they impose
        preds = {a.id: {x for x in (*a.requires, *a.after) if x in ids} for a in combo}
        ok = True
        for a in combo:
            for node, level in a.requires_level:
                if today.score[0, col[node]] >= level_min[level] - 1e-9:
                    continue
                others = [b for b in combo if b.id != a.id]
                s = scored.score[row_of[frozenset(b.id for b in others)], col[node]]
                if not s >= level_min[level] - 1e-9:
                    ok = False
                preds[a.id] |= {b.id for b in others if F.touches(q, m, answers_list, b, node)}
        if not ok:
            continue
        finish: dict[str, float] = {}
        for _ in range(len(combo) + 2):  # longest paths; still changing at the end: a cycle
            last = dict(finish)
            for a in combo:
                finish[a.id] = a.duration_weeks + max(
                    (finish.get(p, 0.0) for p in preds[a.id]), default=0.0
                )
        if finish != last or any(f > months * WEEKS + 1e-6 for f in finish.values()):
            continue
        value = 0.0
        for j, n in enumerate(g.nodes):
            gap, tgt = g.gap[0, j], g.target[0, j]
            if not (math.isfinite(gap) and math.isfinite(today.score[0, col[n]])):
                continue
            s = scored.score[k, col[n]]
            after = gap if math.isnan(s) else max(0.0, tgt - s)
            value += weight[n] * (gap - after)
        if value > best + 1e-9:
            best, best_sets = value, [ids]
        elif value > best - 1e-9:
            best_sets.append(ids)
    return best, best_sets


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(MODELS)),
    body=plan_catalogues(max_actions=12),
    answers_list=st.lists(plan_answers(), min_size=1, max_size=2),
    employees=st.sampled_from([5, 30, 120, 400]),
    budget=st.integers(0, 40).map(lambda x: x * 500.0),
    months=st.integers(1, 9),
    target=st.sampled_from(["next_level", 3.0]),
    nodes=st.sampled_from([None, ("root",), ("x", "z", "root"), ("xa", "y")]),
)
def test_plan_is_the_best_feasible_subset(
    kind, body, answers_list, employees, budget, months, target, nodes
):
    m = MODELS[kind]
    cat = F.catalogue(body, Q)
    profile = Profile(company="acme", employees=employees, sector="28.41")
    rows = [(f"r{k}", profile, ans) for k, ans in enumerate(answers_list)]
    responses = F.responses(Q, rows)
    scores = mt.score(responses, m, by="company")
    kw = {"budget": budget, "horizon_months": months, "target": target, "nodes": nodes}
    p = plan(scores, responses, cat, company="acme", **kw)
    best, best_sets = brute_force(Q, m, answers_list, profile, cat, budget, months, target, nodes)
    chosen = {a.id for a in p.actions}
    assert p.exact
    assert p.objective == pytest.approx(best, abs=1e-6)
    # the plan is feasible: budget, horizon, prerequisites
    assert p.net_cost <= budget + 1e-6
    assert p.weeks <= months * WEEKS + 1e-6
    for a in p.actions:
        assert set(a.action.requires) <= chosen
        for r in a.action.requires:
            assert next(x for x in p.actions if x.id == r).end_week <= a.start_week + 1e-9
    assert any(chosen == s for s in best_sets) or best <= 1e-9
    # the Shapley shares add up to the objective
    assert sum(a.gain for a in p.actions) == pytest.approx(p.objective, abs=1e-9)
    # same inputs, same plan
    again = plan(scores, responses, cat, company="acme", **kw)
    assert [(a.id, a.wave, a.start_week) for a in again.actions] == [
        (a.id, a.wave, a.start_week) for a in p.actions
    ]
    # every left-out action has a reason, every action is accounted for once
    assert sorted([*chosen, *(lo.id for lo in p.left_out)]) == sorted(cat.ids)


# --- hand-worked examples -------------------------------------------------------------------

WEAKEST = F.model("weakest", Q)
STAGED = F.model("staged", Q)


def _company(answers, employees=30):
    prof = Profile(company="acme", employees=employees, sector="28.41")
    return F.responses(Q, [("r1", prof, answers)])


BASE = {
    "x1": "a",  # 0: the weakest item of x
    "x2": "c",
    "x3": True,
    "y0": True,
    "y1": 60.0,  # band 2 of 3
    "y3": "c",
    "y2": frozenset({"p", "q", "r"}),  # 4 points of 4
    "z1": "d",
    "z2": "all",
}


def _cat(*effects: str, extra: str = "") -> mt.ActionCatalogue:
    actions = "".join(
        f"""\
  - id: act{k}
    kind: investment
    title: {{en: Act {k}, it: Azione {k}}}
    provider: technology_supplier
    cost: [1000, 1000]
    duration_weeks: 4
    improves: [{e}]
"""
        for k, e in enumerate(effects)
    )
    return F.catalogue("actions:\n" + actions + extra, Q)


def test_weakest_link_moves_only_with_the_lowest_item():
    r = _company(BASE)
    s = mt.score(r, WEAKEST, by="company")
    # x = min(xa = min(x1 0, x2 2), xb = x3 3) = 0; y = mean(y1 2, y2 3, y3 2) = 7/3;
    # z = mean(z1 3, z2 3) = 3; root = min = 0
    assert s.get("acme", "x") == pytest.approx(0.0)
    assert s.get("acme", "root") == pytest.approx(0.0)
    raise_lowest = _cat("{item: x1, to: c}")
    p = plan(s, r, raise_lowest, company="acme", budget=5000, horizon_months=6, nodes=["root"])
    # x1 to 2: x = min(min(2, 2), 3) = 2, root = min(2, 7/3, 3) = 2
    assert [a.id for a in p.actions] == ["act0"]
    assert p.projected["root"] == pytest.approx(2.0)
    raise_other = _cat("{item: x2, to: d}")
    p = plan(s, r, raise_other, company="acme", budget=5000, horizon_months=6, nodes=["root"])
    assert p.actions == ()
    assert p.projected["root"] == pytest.approx(0.0)
    (lo,) = p.left_out
    assert lo.reason == "no_gap"


def test_staged_node_moves_only_when_its_stage_is_met():
    ans = {**BASE, "x1": "a", "x2": "a", "x3": False}
    r = _company(ans)
    s = mt.score(r, STAGED, by="company")
    assert s.get("acme", "x") == pytest.approx(0.0)
    both = _cat("{item: x1, to: c}", "{item: x2, to: c}", "{item: x3, to: true}")
    # with two of the three raised the stage is not met: x stays 0
    two = mt.score(_company({**ans, "x1": "c", "x2": "c"}), STAGED, by="company")
    assert two.get("acme", "x") == pytest.approx(0.0)
    # target 2 on x: stage 2 needs both parts at 2 or more: xa = mean(x1, x2) = 2 only with
    # both at c, xb = x3 = 3 only with x3 yes; so only the three together reach it
    p = plan(
        s, r, both, company="acme", budget=10_000, horizon_months=6, target={"x": 2.0}, nodes=["x"]
    )
    assert sorted(a.id for a in p.actions) == ["act0", "act1", "act2"]
    assert p.projected["x"] == pytest.approx(2.0)
    # Shapley shares by hand: v(x1+x3) = v(x2+x3) = 1 (stage 1: xa = 1, xb = 3), v(all) = 2,
    # any other coalition 0; x3's share = 1/6 + 1/6 + 2/3 = 1, x1's = x2's = (2 - 1) / 2
    shares = {a.id: a.closes["x"] for a in p.actions}
    assert shares == pytest.approx({"act0": 0.5, "act1": 0.5, "act2": 1.0})
    # with the budget for one action nothing is worth doing: each one pays off only with another
    p = plan(
        s, r, both, company="acme", budget=1000, horizon_months=6, target={"x": 2.0}, nodes=["x"]
    )
    assert p.actions == ()
    reasons = {lo.id: (lo.reason, lo.detail.get("with")) for lo in p.left_out}
    assert reasons == {
        "act0": ("budget", ["act2"]),
        "act1": ("budget", ["act2"]),
        "act2": ("budget", ["act1"]),
    }


def test_projection_equals_scoring_the_changed_answers_by_hand():
    m = MODELS["weighted"]
    ans = {**BASE, "x1": "b", "y1": 30.0, "z1": "a", "z2": "no"}
    del ans["y3"]  # y1 < 50: y3 is not asked
    r = _company(ans)
    s = mt.score(r, m, by="company")
    cat = _cat(
        "{item: x1, to: d}",
        "{item: y1, to: 55}",  # makes y3 applicable, unanswered
        "{item: z1, to: d}",
        "{item: z2, to: all}",
        extra="""\
  - id: course
    kind: training
    delivery: on_the_job
    title: {en: Course, it: Corso}
    provider: competence_centre
    cost: 500
    duration_weeks: 2
    improves: [{item: y3, to: d}]
    requires: [act1]
""",
    )
    p = plan(s, r, cat, company="acme", budget=100_000, horizon_months=12, target=3.0)
    assert len(p.actions) == 5
    assert len(p.waves) == 2  # the course follows act1
    done = []
    for w in p.waves:
        done += [cat.action(a) for a in w.actions]
        by_hand = mt.score(_company(F.apply_by_hand(Q, ans, done)), m, by="company")
        for n in m.nodes:
            assert w.scores[n] == pytest.approx(by_hand.get("acme", n), nan_ok=True)
    # the objective is the weighted gap closure of the final projection
    gw = global_weights(m)
    closed = sum(
        gw[n] * m.rules[n].importance * (p.gap[n] - max(0.0, p.target[n] - p.projected[n]))
        for n in p.nodes
    )
    assert p.objective == pytest.approx(closed)


def test_not_applicable_stays_not_applicable():
    m = MODELS["weighted"]
    ans = {**BASE, "x2": NA}
    r = _company(ans)
    s = mt.score(r, m, by="company")
    p = plan(s, r, _cat("{item: x2, to: d}"), company="acme", budget=5000, horizon_months=6)
    assert p.actions == ()
    assert p.left_out[0].reason == "no_gap"


def test_reasons_for_leaving_actions_out():
    m = MODELS["weighted"]
    ans = {**BASE, "x1": "a", "x2": "a", "z1": "a"}
    r = _company(ans, employees=400)  # a large company
    s = mt.score(r, m, by="company")
    cat = F.catalogue(
        """\
actions:
  - id: small_only
    kind: training
    delivery: online
    title: {en: For small firms, it: Per piccole imprese}
    provider: chamber_of_commerce
    cost: 100
    duration_weeks: 1
    when: 'profile.size_class in ["micro", "small"]'
    improves: [{item: x1, to: d}]
  - id: needs_small
    kind: investment
    title: {en: Needs it, it: Lo richiede}
    provider: technology_supplier
    cost: 100
    duration_weeks: 1
    requires: [small_only]
    improves: [{item: x2, to: d}]
  - id: too_long
    kind: project
    title: {en: Long, it: Lungo}
    provider: university
    cost: 100
    duration_weeks: 60
    improves: [{item: z1, to: d}]
  - id: too_dear
    kind: investment
    title: {en: Dear, it: Caro}
    provider: technology_supplier
    cost: [90000, 110000]
    duration_weeks: 2
    improves: [{item: z1, to: d}]
  - id: useful
    kind: investment
    title: {en: Useful, it: Utile}
    provider: technology_supplier
    cost: 1000
    duration_weeks: 2
    improves: [{item: z1, to: c}]
  - id: same_again
    kind: investment
    title: {en: Same again, it: Di nuovo}
    provider: technology_supplier
    cost: 1000
    duration_weeks: 2
    improves: [{item: z1, to: c}]
  - id: done_already
    kind: investment
    title: {en: Done, it: Fatto}
    provider: technology_supplier
    cost: 10
    duration_weeks: 2
    improves: [{item: x3, to: true}]
  - id: visit
    kind: orientation
    title: {en: Visit, it: Visita}
    provider: competence_centre
    cost: 0
    duration_weeks: 1
  - id: after_visit
    kind: investment
    title: {en: After a visit, it: Dopo una visita}
    provider: technology_supplier
    cost: 2000
    duration_weeks: 2
    requires: [visit]
    improves: [{item: z1, to: c}]
""",
        Q,
    )
    p = plan(s, r, cat, company="acme", budget=5000, horizon_months=12)
    reasons = {lo.id: (lo.reason, dict(lo.detail)) for lo in p.left_out}
    assert [a.id for a in p.actions] == ["useful"]
    assert reasons["small_only"] == ("not_applicable", {"unknown": False})
    assert reasons["needs_small"] == ("prerequisite", {"missing": "small_only"})
    assert reasons["too_long"][0] == "horizon"
    assert reasons["too_long"][1]["weeks"] == 60
    assert reasons["too_dear"] == (
        "budget",
        {"net_cost": 100_000, "remaining": 5000, "alone": True},
    )
    # an action that raises nothing itself is explained by what it prepares
    assert reasons["after_visit"] == ("no_gap", {"covered": True})
    assert reasons["visit"] == ("no_gap", {"enables": ["after_visit"]})
    assert reasons["same_again"] == ("no_gap", {"covered": True})
    assert reasons["done_already"] == ("no_gap", {})


def test_budget_is_net_of_funding_and_the_plan_reports_it():
    m = MODELS["weighted"]
    r = _company({**BASE, "z1": "a"}, employees=30)
    s = mt.score(r, m, by="company")
    cat = F.catalogue(
        """\
programmes:
  - id: voucher
    title: {en: Voucher, it: Voucher}
    min_cost: 4000
    rules:
      - {when: 'profile.size_class != "large"', share: 0.5, cap: 10000}
actions:
  - id: project
    kind: project
    title: {en: Project, it: Progetto}
    provider: competence_centre
    cost: [20000, 40000]
    funding: voucher
    duration_weeks: 10
    improves: [{item: z1, to: d}]
""",
        Q,
    )
    # 30000 mid cost, voucher 50 % capped at 10000: 20000 net
    p = plan(s, r, cat, company="acme", budget=20_000, horizon_months=6)
    (a,) = p.actions
    assert (a.cost, a.funded, a.net_cost) == (30000, 10000, 20000)
    assert plan(s, r, cat, company="acme", budget=19_999, horizon_months=6).actions == ()
    high = plan(s, r, cat, company="acme", budget=30_000, horizon_months=6, cost="high")
    assert high.actions[0].cost == 40000 and high.net_cost == 30000


def test_several_respondents_are_combined_like_score_by_company():
    m = MODELS["weighted"]
    prof = Profile(company="acme", employees=30, sector="28.41")
    a1 = {**BASE, "z1": "a"}
    a2 = {**BASE, "z1": "c", "x1": "d"}
    r = F.responses(Q, [("r1", prof, a1), ("r2", prof, a2)])
    s = mt.score(r, m, by="company")
    p = plan(s, r, _cat("{item: z1, to: d}"), company="acme", budget=5000, horizon_months=6)
    (w,) = p.waves
    by_hand = mt.score(
        F.responses(
            Q,
            [
                ("r1", prof, F.apply_by_hand(Q, a1, [p.actions[0].action], [a1, a2])),
                ("r2", prof, F.apply_by_hand(Q, a2, [p.actions[0].action], [a1, a2])),
            ],
        ),
        m,
        by="company",
    )
    assert w.scores["root"] == pytest.approx(by_hand.get("acme"))


def test_a_colleagues_dont_know_never_pulls_the_company_below_its_answer():
    """Two respondents: one answered y1 = 60 (of 0–100, bands 20/50/80: band 2), the other
    "don't know". An action that raises y1 to 30 and z1 to d is chosen for z1; it must not
    fill the "don't know" with 30 (the company's y1 would fall from 60 to the mean 45, band 1):
    it takes 60, the best answer the company gave, and y does not fall."""
    m = MODELS["weighted"]
    prof = Profile(company="acme", employees=30, sector="28.41")
    a1 = {**BASE, "y0": True, "y1": 60.0, "z1": "a"}
    a2 = {**BASE, "y0": True, "y1": DONT_KNOW, "z1": "a"}
    r = F.responses(Q, [("r1", prof, a1), ("r2", prof, a2)])
    s = mt.score(r, m, by="company")
    cat = _cat("{item: y1, to: 30}, {item: z1, to: d}")
    p = plan(s, r, cat, company="acme", budget=5000, horizon_months=6, target=3.0)
    assert [a.id for a in p.actions] == ["act0"]
    after = F.apply_company_by_hand(Q, [a1, a2], [cat.action("act0")])
    assert [x["y1"] for x in after] == [60.0, 60.0]
    by_hand = mt.score(
        F.responses(Q, [("r1", prof, after[0]), ("r2", prof, after[1])]), m, by="company"
    )
    for n in m.nodes:
        assert p.projected[n] == pytest.approx(by_hand.get("acme", n), nan_ok=True)
    assert p.projected["y"] == pytest.approx(s.get("acme", "y"))  # y1 stays in band 2
    assert p.projected["z"] > s.get("acme", "z")


def test_inputs_are_checked():
    m = MODELS["weighted"]
    r = _company(BASE)
    s = mt.score(r, m, by="company")
    cat = _cat("{item: z1, to: d}")
    with pytest.raises(PlanError, match="no company 'nope'"):
        plan(s, r, cat, company="nope", budget=1, horizon_months=1)
    with pytest.raises(PlanError, match="budget"):
        plan(s, r, cat, company="acme", budget=-1, horizon_months=1)
    with pytest.raises(PlanError, match="horizon"):
        plan(s, r, cat, company="acme", budget=1, horizon_months=0)
    with pytest.raises(PlanError, match="needs peers"):
        plan(s, r, cat, company="acme", budget=1, horizon_months=1, target="p75")
    other = _company({**BASE, "z1": "a"})
    with pytest.raises(PlanError, match="were not made from these answers"):
        plan(s, other, cat, company="acme", budget=1, horizon_months=1)
    level = _cat("{item: z1, to: d}", extra="    requires_level: {x: expert}\n")
    with pytest.raises(PlanError, match="no such level"):
        plan(s, r, level, company="acme", budget=1, horizon_months=1)


def test_plan_all_equals_one_plan_per_company():
    m = MODELS["weighted"]
    rows = []
    for k, emp in enumerate([5, 30, 120]):
        prof = Profile(company=f"c{k}", employees=emp, sector="28.41")
        rows.append((f"r{k}", prof, {**BASE, "z1": "abc"[k], "x1": "dcb"[k]}))
    r = F.responses(Q, rows)
    s = mt.score(r, m, by="company")
    cat = _cat("{item: z1, to: d}", "{item: x1, to: d}", "{item: x2, to: d}")
    many = plan_all(s, r, cat, budget=1500, horizon_months=3, batch=2)
    assert list(many) == ["c0", "c1", "c2"]
    for c in many:
        one = plan(s, r, cat, company=c, budget=1500, horizon_months=3)
        assert [a.id for a in one.actions] == [a.id for a in many[c].actions]
        assert one.objective == pytest.approx(many[c].objective)


def test_an_answer_that_makes_a_question_apply_is_rescored_whole():
    # y1 from 30 to 55 makes y3 apply; unanswered, it counts as the lowest answer in this model,
    # so y's items no longer add up one by one: the plan must still equal brute force
    m = F.model("lowest", Q)
    ans = {**BASE, "y1": 30.0, "y2": frozenset({"p"})}
    del ans["y3"]
    r = _company(ans)
    s = mt.score(r, m, by="company")
    cat = _cat("{item: y1, to: 55}", "{item: y2, add: [q]}", "{item: y2, add: [r]}")
    for budget in (1000, 2000, 3000):
        p = plan(
            s, r, cat, company="acme", budget=budget, horizon_months=6, nodes=["y"], target=3.0
        )
        profile = Profile(company="acme", employees=30, sector="28.41")
        best, _ = brute_force(Q, m, [ans], profile, cat, budget, 6, 3.0, ("y",))
        assert p.objective == pytest.approx(best, abs=1e-9)
        by_hand = mt.score(
            _company(F.apply_by_hand(Q, ans, [a.action for a in p.actions])), m, by="company"
        )
        assert p.projected["y"] == pytest.approx(by_hand.get("acme", "y"))
