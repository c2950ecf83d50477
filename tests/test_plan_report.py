"""Plans in the command line, the exports, the report and the portfolio."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest

import maturity as mt
from maturity.cli import main
from maturity.demo import sample_path
from maturity.report.charts import RadarDisplay
from maturity.report.plan_view import demand_view, plan_view
from maturity.report.render import render_portfolio, render_report
from maturity.report.timeline import TimelineDisplay

ANSWERS = str(sample_path("i40-readiness"))


@pytest.fixture(scope="module")
def setting():
    q = mt.load_questionnaire("i40-readiness")
    m = mt.load_model("i40-readiness-weighted", q)
    answers = mt.read_responses(sample_path("i40-readiness"), q)
    scores = mt.score(answers, m, by="company")
    cat = mt.load_actions("i40-readiness-actions", q)
    plans = mt.plan_all(scores, answers, cat, budget=60_000, horizon_months=18)
    return scores, answers, cat, plans


# --- exports ----------------------------------------------------------------------------------


def test_json_and_csv_exports_agree_with_the_plan(setting, tmp_path):
    _, _, cat, plans = setting
    doc = json.loads(plans.to_json(tmp_path / "plans.json"))
    assert doc["format"] == "maturity/plan@1"
    assert doc["catalogue"] == {"id": cat.id, "version": cat.version}
    for entry in doc["plans"]:
        p = plans[entry["company"]]
        assert [a["id"] for a in entry["actions"]] == [a.id for a in p.actions]
        assert entry["totals"]["net_cost"] == pytest.approx(p.net_cost)
        assert entry["totals"]["net_cost"] <= p.budget
        assert {x["id"] for x in entry["left_out"]} | {a["id"] for a in entry["actions"]} == set(
            cat.ids
        )
    rows = list(csv.DictReader(io.StringIO(plans.to_csv())))
    assert len(rows) == len(plans) * len(cat)
    chosen = [r for r in rows if r["chosen"] == "true"]
    assert sum(float(r["net_cost"]) for r in chosen) == pytest.approx(
        sum(p.net_cost for p in plans.values())
    )
    assert all(r["reason"] in ("", *mt.planning.REASONS) for r in rows)
    frame = plans.to_frame()
    assert len(frame) == len(rows)
    with pytest.raises(FileExistsError):
        plans.to_json(tmp_path / "plans.json")


def test_csv_guards_company_names_against_formulas(setting):
    scores, answers, cat, _ = setting
    import dataclasses

    from maturity.responses import Profile

    hostile = dataclasses.replace(
        answers,
        respondents=tuple(
            dataclasses.replace(r, profile=dataclasses.replace(r.profile, company="=HYPERLINK(1)"))
            for r in answers.respondents[:1]
        ),
    )
    s = mt.score(hostile, scores.model, by="company")
    p = mt.plan(s, hostile, cat, company="=HYPERLINK(1)", budget=5000, horizon_months=6)
    assert isinstance(p.profile, Profile)
    text = p.to_csv()
    assert "\r\n'=HYPERLINK(1)," in text and "\n=HYPERLINK" not in text


def test_repr_and_html(setting):
    _, _, _, plans = setting
    p = next(iter(plans.values()))
    assert repr(p).startswith(f"<Plan {p.company}:")
    html = p._repr_html_()
    assert "<table>" in html and p.company in html


# --- charts -----------------------------------------------------------------------------------


def test_timeline_draws_one_bar_per_action_reproducibly():
    t = TimelineDisplay(["A", "B", "C"], [0, 4, 4], [4, 10, 6], [1, 2, 2], horizon=12)
    svg = t.to_svg(id_prefix="tl")
    assert svg == t.to_svg(id_prefix="tl")
    assert all(f'id="tl-action-{i}"' in svg for i in range(3))
    assert "Wave 2" in svg and "Horizon" in svg
    assert t.describe().startswith("Wave 1: A (0–4)")
    with pytest.raises(ValueError, match="start <= end"):
        TimelineDisplay(["A"], [5], [4], [1])
    with pytest.raises(ValueError, match="one start, end and wave"):
        TimelineDisplay(["A", "B"], [0], [4], [1])


def test_radar_draws_the_projected_profile():
    r = RadarDisplay(["a", "b", "c"], [1, 2, 3], range=(0, 5), projected=[2, 3, 4])
    svg = r.to_svg(id_prefix="rd")
    assert 'id="rd-projected"' in svg and "After the plan" in svg
    with pytest.raises(ValueError, match="projected"):
        RadarDisplay(["a", "b", "c"], [1, 2, 3], range=(0, 5), projected=[2, 3, 9])


# --- the report section -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "it"])
def test_plan_section_view(setting, lang):
    scores, _, _, plans = setting
    company = max(plans, key=lambda c: len(plans[c].actions))
    p = plans[company]
    v = plan_view(p, scores, company, lang=lang)
    assert v["title"] == {"en": "Action plan", "it": "Piano d'azione"}[lang]
    assert [a["id"] for a in v["actions"]] == [a.id for a in p.actions]
    assert v["timeline"].count("-action-") >= len(p.actions)
    assert "plan-radar-projected" in v["radar"]
    shown = [a["title"] for g in v["left_out"] for a in g["actions"]]
    assert len(shown) == len(p.left_out)
    assert v["summary"]["net_cost"] == pytest.approx(p.net_cost)
    assert [w["number"] for w in v["waves"]] == [w.number for w in p.waves]


@pytest.mark.parametrize("lang", ["en", "it"])
def test_report_with_and_without_a_plan(setting, lang):
    scores, answers, _, plans = setting
    company = scores.ids[0]
    html = render_report(scores, company, lang=lang, responses=answers, plan=plans[company])
    assert 'id="plan"' in html and 'href="#plan"' in html
    assert "plan-timeline" in html or not plans[company].actions
    plain = render_report(scores, company, lang=lang, responses=answers)
    assert 'id="plan"' not in plain


def test_portfolio_with_demand(setting):
    scores, _, _, plans = setting
    v = demand_view(plans, lang="en", min_group=1)
    assert v is not None
    # every company counted once per action it takes
    from collections import Counter

    counts = Counter(a.id for p in plans.values() for a in p.actions)
    titles = {a.id: a.action.title.lang("en") for p in plans.values() for a in p.actions}
    for row in v["courses"] + v["themes"] + v["others"]:
        aid = next(k for k, t in titles.items() if t == row["title"])
        assert row["companies"] == counts[aid]
    html = render_portfolio(scores, lang="it", plans=plans)
    assert 'id="demand"' in html and "Domanda di azioni" in html
    # three companies: with the default rule (5 companies) nothing can be shown
    assert "Nessuna azione è scelta da abbastanza imprese" in html


# --- the command line ---------------------------------------------------------------------------


def _plan_args(out, *extra):
    return [
        "plan",
        ANSWERS,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-weighted",
        "--actions",
        "i40-readiness-actions",
        "--budget",
        "30000",
        "--horizon",
        "12",
        "-o",
        str(out),
        *extra,
    ]


def test_plan_command_writes_json_csv_and_demand(tmp_path, capsys):
    out = tmp_path / "plan.json"
    demand = tmp_path / "demand.csv"
    assert main(_plan_args(out, "--demand", str(demand), "--min-group", "1")) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "maturity/plan@1" and len(doc["plans"]) == 3
    err = capsys.readouterr().err
    assert re.search(r"Officine Rossi: \d+ actions? in \d+ waves?,", err)
    rows = list(csv.DictReader(io.StringIO(demand.read_text(encoding="utf-8"))))
    assert rows and all(int(r["companies"]) >= 1 for r in rows)
    one = tmp_path / "one.csv"
    assert main(_plan_args(one, "--company", "Verdi Digital", "--cost", "high")) == 0
    rows = list(csv.DictReader(io.StringIO(one.read_text(encoding="utf-8"))))
    assert {r["company"] for r in rows} == {"Verdi Digital"}


def test_plan_command_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(_plan_args(out, "--company", "Nobody")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no company 'Nobody'" in err[0]
    out.write_text("{}")
    assert main(_plan_args(out)) == 1
    assert "use --force" in capsys.readouterr().err
    args = _plan_args(tmp_path / "x.json")
    args[args.index("--budget") + 1] = "-5"
    with pytest.raises(SystemExit) as exit_:  # argparse: wrong usage
        main(args)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "maturity plan: error: argument --budget: -5 is below 0 (allowed: an amount in euro "
        "from 0, e.g. 60000) (see 'maturity plan --help')\n"
    )
    assert main(_plan_args(tmp_path / "x.txt")) == 2
    assert capsys.readouterr().err == (
        f"maturity plan: error: {tmp_path / 'x.txt'}: the output must end in .csv or .json\n"
    )


def test_report_command_with_a_plan(tmp_path, capsys):
    out = tmp_path / "reports"
    args = [
        "report",
        ANSWERS,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-weighted",
        "-o",
        str(out),
        "--company",
        "Verdi Digital",
        "--actions",
        "i40-readiness-actions",
        "--budget",
        "20000",
        "--horizon",
        "12",
        "--lang",
        "it",
        "--quiet",
    ]
    assert main(args) == 0
    html = (out / "Verdi-Digital.it.html").read_text(encoding="utf-8")
    assert "Piano d&#39;azione" in html or "Piano d'azione" in html
    bad = [a for a in args if a not in ("--budget", "20000")]
    assert main([*bad[:-1], "--quiet", "--force"]) == 2
    assert "needs --budget as well" in capsys.readouterr().err


def test_no_peer_target_is_said_never_taken_for_a_target_met(setting):
    """Peers too few to publish a quartile (the three sample companies, fewer than
    2 × min_group): every company has no p75 target. The plan has no action, and it says there
    is no target — not that the company already reaches it — and every action left out for want
    of a gap says "no target" (never "no gap")."""
    scores, answers, cat, _ = setting
    plans = mt.plan_all(
        scores, answers, cat, budget=60_000, horizon_months=18, target="p75", peers=scores
    )
    for company, p in plans.items():
        assert all(math.isnan(p.target[n]) for n in p.nodes)
        assert p.actions == ()
        reasons = {lo.reason for lo in p.left_out}
        assert "no_gap" not in reasons and "no_target" in reasons
        for lo in p.left_out:
            if lo.reason == "no_target":
                assert "insufficient peers" in lo.describe()
        en = plan_view(p, scores, company, lang="en")
        it = plan_view(p, scores, company, lang="it")
        assert en["intro"].startswith("There is no target") and "already" not in en["intro"]
        assert it["intro"].startswith("Non c'è un obiettivo") and "già" not in it["intro"]
        assert "insufficient peers" in en["intro"] and "pari insufficienti" in it["intro"]


def test_answers_an_action_brings_are_written_as_the_report_writes_numbers(setting):
    """'→ 30 %' in Italian (no-break space), '→ 30%' in English, 'FTE' after a space, and the
    share column's total in the same style."""
    from maturity.report.formatting import messages
    from maturity.report.plan_view import _answer_text

    scores = setting[0]
    m = scores.model
    assert _answer_text(m, "em.trained_share", "30", "it", messages("it")) == "30\u00a0%"
    assert _answer_text(m, "em.trained_share", "30", "en", messages("en")) == "30%"
    assert _answer_text(m, "em.specialists", "2.5", "it", messages("it")) == "2,5\u00a0FTE"


def test_plan_command_says_when_there_is_no_target(tmp_path, capsys):
    """The summary line of a plan without any target says so and why (the three sample
    companies are their own peers: too few to publish a quartile)."""
    args = _plan_args(tmp_path / "p.json", "--all", "--peers", ANSWERS, "--target", "p75")
    assert main(args) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if " -> " in ln and ": " in ln]
    companies = [ln for ln in lines if not ln.startswith("plans of")]
    assert len(companies) == 3
    assert all(ln.endswith("(no target: insufficient peers)") for ln in companies)
    assert all(": 0 actions in 0 waves" in ln for ln in companies)
