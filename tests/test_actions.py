"""Action catalogues: the loader, the shipped catalogues, the schema and the bad-input corpus."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import maturity as mt
from maturity.action_catalogue import ACTION_KINDS, Effect, FundingRule, Programme
from maturity.cli import main
from maturity.conditions import parse
from maturity.demo import sample_path
from maturity.errors import SpecError
from maturity.spec.yamlio import read_yaml
from tests import plan_fixtures as F

CORPUS = sorted((Path(__file__).parent / "corpus" / "actions").glob("*.yaml"))
LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>[^:]+): (?P<msg>.+) "
    r"\[(?P<code>[A-Z]\d{3})\]$"
)
SHIPPED = ["i40-readiness-actions", "digital-maturity-actions"]


# --- the shipped catalogues -------------------------------------------------------------------


@pytest.mark.parametrize("cid", SHIPPED)
def test_shipped_catalogues_are_valid_strictly_and_complete(cid):
    cat = mt.load_actions(cid, strict=True)
    assert cat.id == cid and not cat.warnings
    assert len(cat) >= 40
    q = cat.questionnaire
    # every top-level dimension is raised by some action
    top_of = {}
    for d in q.root.dimensions:
        for item in d.all_items():
            top_of[item.id] = d.id
    covered = {top_of[e.item] for a in cat for e in a.improves}
    assert covered == {d.id for d in q.root.dimensions}
    # both languages everywhere, and every kind of action offered
    for a in cat:
        assert set(a.title) == {"en", "it"} and a.description is not None
        assert set(a.description) == {"en", "it"}
        assert a.cost[0] <= a.cost[1] and a.duration_weeks > 0
    assert {a.kind for a in cat} == set(ACTION_KINDS)
    assert {a.delivery for a in cat if a.kind == "training"} >= {"classroom", "online", "demo_line"}


def test_bundled_lists_the_catalogues_by_id():
    ids = [b.id for b in mt.bundled("action_catalogue")]
    assert ids == sorted(SHIPPED)
    for b in mt.bundled("action_catalogue"):
        assert mt.load_actions(b.path).id == b.id


def test_validate_and_show_accept_catalogues(capsys):
    assert main(["validate", *SHIPPED]) == 0
    err = capsys.readouterr().err
    assert "2 files checked, 0 invalid" in err
    assert main(["show", "i40-readiness-actions"]) == 0
    out = capsys.readouterr().out
    assert "i40-readiness-actions 1.0.0" in out
    assert "digital_roadmap" in out and "pid_voucher" in out


# --- what the loader builds --------------------------------------------------------------------

BODY = """\
programmes:
  - id: credit
    title: {en: Credit, it: Credito}
    min_cost: 500
    cap_per_company: 1500
    rules:
      - {when: 'profile.size_class in ["micro", "small"]', share: 0.7, cap: 1000}
      - {share: 0.3}
actions:
  - id: course
    kind: training
    delivery: classroom
    title: {en: Course, it: Corso}
    provider: training_provider
    cost: [1000, 3000]
    funding: credit
    duration_weeks: 2.5
    when: 'profile.employees >= 10'
    requires_level: {xa: l1}
    improves:
      - {item: x1, to: c}
      - {item: y1, to: 55}
      - {item: y2, add: [q, r]}
      - {item: x3, to: true}
  - id: tool
    kind: investment
    title: {en: Tool, it: Strumento}
    provider: technology_supplier
    cost: 2000
    duration_weeks: 4
    requires: [course]
    after: [course]
    improves: [{item: z2, to: some}]
"""


def test_loader_builds_frozen_checked_objects():
    cat = F.catalogue(BODY)
    course, tool = cat.actions
    assert course.kind == "training" and course.delivery == "classroom"
    assert course.cost == (1000.0, 3000.0) and course.cost_mid == 2000.0
    assert course.duration_weeks == 2.5
    assert course.requires_level == (("xa", "l1"),)
    assert course.improves == (
        Effect("x1", to="c"),
        Effect("y1", to=55.0),
        Effect("y2", add=frozenset({"q", "r"})),
        Effect("x3", to=True),
    )
    assert tool.cost == (2000.0, 2000.0) and tool.requires == ("course",)
    assert cat.action("tool") is tool and "course" in cat and cat.ids == ("course", "tool")
    with pytest.raises(KeyError, match="did you mean 'tool'"):
        cat.action("tol")
    (credit,) = cat.programmes
    assert credit.rules[0].share == 0.7 and credit.cap_per_company == 1500


def test_applicability_and_funding_follow_the_profile():
    cat = F.catalogue(BODY)
    course = cat.action("course")
    assert course.applies_to({"employees": 30}) is True
    assert course.applies_to({"employees": 5}) is False
    assert course.applies_to({}) is None  # the profile does not say
    credit = cat.programme("credit")
    # small firm: 70 % capped at 1000; large: 30 %; below the minimum cost: nothing
    assert credit.funding(2000, {"size_class": "small"}) == 1000
    assert credit.funding(1000, {"size_class": "small"}) == 700
    assert credit.funding(2000, {"size_class": "large"}) == pytest.approx(600)
    assert credit.funding(400, {"size_class": "small"}) == 0


def test_programme_rules_are_tried_in_order():
    p = Programme(
        "p",
        mt.Text("P"),
        (
            FundingRule(0.5, None, parse('profile.size_class == "micro"')),
            FundingRule(0.2, 100.0),
        ),
    )
    assert p.funding(1000, {"size_class": "micro"}) == 500
    assert p.funding(1000, {"size_class": "medium"}) == 100


def test_every_problem_of_a_file_at_once():
    bad = (
        BODY.replace("to: c}", "to: cc}")
        .replace("cost: 2000", "cost: -2")
        .replace("requires: [course]", "requires: [cours]")
    )
    with pytest.raises(SpecError) as info:
        F.catalogue(bad)
    assert info.value.codes == ["A004", "A006", "A002"]
    assert all(p.line for p in info.value.problems)


def test_catalogue_of_another_questionnaire_is_refused():
    text = BODY.replace("xa: l1", "xa: l1")
    q = F.questionnaire()
    with pytest.raises(SpecError) as info:
        mt.parse_actions(
            "format: maturity/action-catalogue@1\nid: c\nversion: 1.0.0\ntitle: C\n"
            "questionnaire: {id: other}\n" + text,
            q,
        )
    assert info.value.codes[0] == "A010"


def test_a_catalogue_of_another_questionnaire_stops_at_the_binding(tmp_path, capsys):
    # the references are not checked against the wrong questionnaire: one line, not a cascade
    # of 'unknown profile field' problems
    argv = [
        "plan",
        str(sample_path("i40-readiness")),
        *("-q", "i40-readiness", "-m", "i40-readiness-weighted"),
        *("--actions", "digital-maturity-actions", "--budget", "60000", "--horizon", "12"),
        *("-o", str(tmp_path / "plan.json")),
    ]
    assert main(argv) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(
        "questionnaire.id: the catalogue is for questionnaire 'digital-maturity', "
        "not 'i40-readiness' [A010]"
    )


# --- the schema ------------------------------------------------------------------------------


def _validator():
    text = resources.files("maturity.spec").joinpath("schemas/action-catalogue.schema.json")
    return jsonschema.Draft202012Validator(json.loads(text.read_text()))


@pytest.mark.parametrize("cid", SHIPPED)
def test_shipped_catalogues_match_the_json_schema(cid):
    path = next(b.path for b in mt.bundled("action_catalogue") if b.id == cid)
    _validator().validate(read_yaml(path).data)


def test_schema_refuses_structural_mistakes():
    v = _validator()
    good = read_yaml(
        "format: maturity/action-catalogue@1\nid: c\nversion: 1.0.0\ntitle: C\n"
        "questionnaire: {id: t}\n" + BODY
    ).data
    assert v.is_valid(good)
    action = good["actions"][1]
    for bad_action in (
        {**action, "kind": "trainin"},
        {**action, "durations_weeks": 1},
        {**action, "cost": [3, 2, 1]},
        {**action, "delivery": "online"},  # only trainings have a delivery
        {**action, "improves": [{"item": "x1"}]},
    ):
        assert not v.is_valid({**good, "actions": [good["actions"][0], bad_action]})
    assert not v.is_valid({**good, "actions": []})


# --- the corpus of mistakes --------------------------------------------------------------------


def expectation(path: Path) -> tuple[str, int]:
    m = re.match(r"# expect: ([A-Z]\d{3}) line (\d+)", path.read_text().splitlines()[0])
    assert m, f"{path.name} has no expectation header"
    return m.group(1), int(m.group(2))


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_mistake_is_reported_on_its_line(path, capsys):
    code, line = expectation(path)
    rc = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    problems = [LINE.match(x) for x in out.splitlines() if x.strip()]
    assert problems and all(problems), out
    assert any(p["code"] == code and int(p["line"]) == line for p in problems), out
    # a mistake does not make errors elsewhere (an action with problems is still known)
    assert not any(p["code"] == "A002" for p in problems if code != "A002"), out


def test_every_error_code_is_documented():
    from maturity.errors import CATALOGUE

    page = (Path(__file__).parent.parent / "docs" / "reference" / "errors.md").read_text()
    missing = [code for code in CATALOGUE if f"`{code}`" not in page]
    assert missing == []


def test_validating_a_catalogue_stays_light():
    import subprocess
    import sys

    code = (
        "import sys; from maturity.cli import main; main(['validate', '--quiet', "
        "'i40-readiness-actions']); print(','.join(m for m in ('numpy', 'scipy', 'matplotlib', "
        "'jinja2') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
