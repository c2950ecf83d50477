"""Demand across a portfolio: counts, sums, rankings and the disclosure rules."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.action_catalogue import Action
from maturity.benchmarking.disclosure import protect_counts
from maturity.planning import action_demand
from maturity.responses import Profile
from maturity.text import Text


def _action(aid: str, kind: str = "training") -> Action:
    return Action(
        aid,
        kind,
        Text({"en": aid.title(), "it": aid.title()}),
        "competence_centre",
        (1000.0, 1000.0),
        2.0,
        delivery="classroom" if kind == "training" else None,
    )


ACTIONS = {
    "course": _action("course"),
    "webinar": _action("webinar"),
    "project": _action("project", "project"),
    "pilot": _action("pilot", "technology_transfer"),
}


def _plan(region: str | None, employees: int, taken: list[str], funded: float = 400.0):
    """A stand-in for a Plan: what action_demand reads (profile and chosen actions)."""
    actions = tuple(
        SimpleNamespace(
            id=a, action=ACTIONS[a], cost=1000.0, funded=funded, net_cost=1000.0 - funded
        )
        for a in taken
    )
    return SimpleNamespace(profile=Profile(region=region, employees=employees), actions=actions)


def _portfolio():
    plans = {}
    k = 0
    # Lombardy (ITC4): 6 small firms take the course, 3 of them the project too
    for i in range(6):
        plans[f"c{k}"] = _plan("ITC4C", 20, ["course", "project"] if i < 3 else ["course"])
        k += 1
    # Veneto (ITH3): 5 micro firms take the course and the webinar; 2 medium take the pilot
    for _ in range(5):
        plans[f"c{k}"] = _plan("ITH35", 5, ["course", "webinar"])
        k += 1
    for _ in range(2):
        plans[f"c{k}"] = _plan("ITH36", 100, ["pilot"])
        k += 1
    return plans


def test_counts_by_region_and_size_with_small_cells_suppressed():
    d = action_demand(_portfolio(), min_group=3, region_level=2)
    got = {(c.id, c.region, c.size_class): c.companies for c in d}
    # the course: 6 small in ITC4 and 5 micro in ITH3 (11 in all)
    assert got[("course", None, None)] == 11
    assert got[("course", "ITC4", None)] == 6 and got[("course", "ITH3", None)] == 5
    assert got[("course", None, "small")] == 6 and got[("course", None, "micro")] == 5
    # every course-taker of ITC4 is small: the cell (ITC4, small) equals its margin (ITC4, all
    # sizes), which would tell that no firm of another size is there; the nested rule drops it
    assert ("course", "ITC4", "small") not in got and ("course", "ITH3", "micro") not in got
    # the project: 3 small firms of ITC4; the pilot: 2 firms only, never published
    assert got[("project", None, None)] == 3
    assert not any(c.id == "pilot" for c in d)
    assert d.suppressed > 0
    # sums follow the counts: 1000 cost and 400 funding per company
    total = next(c for c in d if c.id == "course" and c.region is None and c.size_class is None)
    assert (total.cost, total.funded, total.net_cost) == (11000, 4400, 6600)
    # 11 courses, 3 projects, 5 webinars and 2 pilots: 21 actions of 1000, 400 funded each
    assert d.totals == {"cost": 21000, "funded": 8400, "net_cost": 12600}


def test_rankings_of_courses_and_themes():
    d = action_demand(_portfolio(), min_group=3)
    assert [c.id for c in d.courses] == ["course", "webinar"]
    assert [c.companies for c in d.courses] == [11, 5]
    assert [c.id for c in d.themes] == ["project"]  # the pilot rests on 2 companies


def test_nuts3_regions_and_unknown_regions():
    plans = _portfolio()
    plans["x"] = _plan(None, 20, ["course"])
    d = action_demand(plans, min_group=1, region_level=3)
    regions = {c.region for c in d if c.id == "course"}
    assert regions == {None, "ITC4C", "ITH35", "unknown"}


def test_a_cell_is_never_revealed_by_difference():
    # course in ITC4: 6 small + 1 medium; the medium firm would be 7 - 6 = 1 by difference
    plans = {f"s{i}": _plan("ITC4C", 20, ["course"]) for i in range(6)}
    plans["m"] = _plan("ITC4C", 100, ["course"])
    d = action_demand(plans, min_group=3)
    cells = {(c.region, c.size_class): c.companies for c in d}
    assert ("ITC4", "medium") not in cells
    # the small-firm cell and its margin differ by one company: not both published
    assert not (("ITC4", "small") in cells and ("ITC4", None) in cells)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ITC4C", "ITC4D", "ITH35", "ITI17", None]),
            st.sampled_from([3, 20, 80, 400]),
            st.sets(st.sampled_from(sorted(ACTIONS)), min_size=1),
        ),
        max_size=40,
    ),
    st.integers(1, 6),
)
def test_published_cells_are_the_protected_counts(rows, min_group):
    plans = {f"c{i}": _plan(r, e, sorted(t)) for i, (r, e, t) in enumerate(rows)}
    d = action_demand(plans, min_group=min_group)
    for aid in ACTIONS:
        # count by hand, then apply the disclosure rules directly
        counts: dict[tuple[str | None, str | None], int] = {}
        for r, e, t in rows:
            if aid not in t:
                continue
            region = r[:4] if r else "unknown"
            size = mt.size_class(e, None, None)
            for cell in ((region, size), (region, None), (None, size), (None, None)):
                counts[cell] = counts.get(cell, 0) + 1
        allowed, _ = protect_counts(counts, min_group)
        published = {(c.region, c.size_class): c.companies for c in d if c.id == aid}
        assert published == {cell: counts[cell] for cell in allowed}
        assert all(n >= min_group for n in published.values())


def test_csv_and_frame():
    d = action_demand(_portfolio(), min_group=3)
    rows = list(csv.DictReader(io.StringIO(d.to_csv())))
    assert len(rows) == len(d)
    first = rows[0]
    assert set(first) == {
        "action",
        "kind",
        "delivery",
        "region",
        "size_class",
        "companies",
        "cost",
        "funded",
        "net_cost",
    }
    total = next(
        r for r in rows if r["action"] == "course" and not r["region"] and not r["size_class"]
    )
    assert total["companies"] == "11" and total["funded"] == "4400"
    frame = d.to_frame()
    assert frame["companies"].sum() == sum(c.companies for c in d)


def test_demand_from_real_plans(tmp_path):
    from maturity.demo import sample_path

    q = mt.load_questionnaire("i40-readiness")
    m = mt.load_model("i40-readiness-weighted", q)
    answers = mt.read_responses(sample_path("i40-readiness"), q)
    scores = mt.score(answers, m, by="company")
    cat = mt.load_actions("i40-readiness-actions", q)
    plans = mt.plan_all(scores, answers, cat, budget=20000, horizon_months=12)
    d = plans.demand(min_group=1)
    for c in d:
        if c.region is None and c.size_class is None:
            takers = [p for p in plans.values() if c.id in {a.id for a in p.actions}]
            assert c.companies == len(takers)
            assert c.funded == pytest.approx(
                sum(a.funded for p in takers for a in p.actions if a.id == c.id)
            )
    assert d.to_json(tmp_path / "demand.json").startswith("{")
