"""The scoring engine, checked against hand-worked examples."""

import csv
import datetime
import io
import json
import math
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.errors import SpecError
from maturity.io import read_responses
from maturity.model import parse_model, version_matches
from maturity.scoring import score, score_arrays
from tests.strategies import profiles
from tests.util import q_from

Q = q_from("""\
profile:
  company: {}
scales:
  s4:
    options:
      - {code: a, value: 0, label: {en: A, it: A}}
      - {code: b, value: 1, label: {en: B, it: B}}
      - {code: c, value: 2, label: {en: C, it: C}}
      - {code: d, value: 4, label: {en: D, it: D}}
    na: true
    dont_know: true
dimensions:
  - id: x
    title: {en: X, it: X}
    items:
      - {id: x1, kind: scale, scale: s4, text: {en: q, it: q}}
      - {id: x2, kind: scale, scale: s4, text: {en: q, it: q}}
      - {id: x3, kind: boolean, text: {en: q, it: q}}
  - id: y
    title: {en: Y, it: Y}
    items:
      - {id: y1, kind: number, text: {en: q, it: q}, min: 0, max: 100, bands: [10, 50, 90]}
      - {id: y2, kind: scale, scale: s4, text: {en: q, it: q}}
      - {id: note, kind: text, text: {en: q, it: q}}
""")

MODEL = """\
format: maturity/scoring-model@1
id: m
version: 1.0.0
title: {en: M, it: M}
questionnaire: {id: t, versions: ">=1.0,<2"}
range: [0, 5]
default: {min_coverage: 0.5}
nodes:
  root:
    weights: {x: 3, y: 1}
  x:
    weights: {x1: 2, x2: 1, x3: 1}
levels:
  - {min: 0, code: l0, label: {en: L0, it: L0}}
  - {min: 1, code: l1, label: {en: L1, it: L1}}
  - {min: 2.5, code: l2, label: {en: L2, it: L2}}
"""


def model(text=MODEL, q=Q):
    return parse_model(textwrap.dedent(text), q, file="m.yaml")


def answers(tmp_path, text):
    p = tmp_path / "a.csv"
    p.write_text(textwrap.dedent(text))
    return read_responses(p, Q)


def test_hand_worked_weighted_means(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,c,d,yes,55,b
        """,
    )
    s = score(r, model())
    # x: items normalised to [0,1]: x1 = 2/4, x2 = 4/4, x3 = 1/1; weights 2:1:1
    x = (2 * 0.5 + 1 * 1.0 + 1 * 1.0) / 4
    # y: y1 = 55 reaches bands 10 and 50 -> 2 of 3 -> 2/3; y2 = 1/4; equal weights
    y = (2 / 3 + 0.25) / 2
    assert s.get("r1", "x") == pytest.approx(5 * x)
    assert s.get("r1", "y") == pytest.approx(5 * y)
    assert s.get("r1", "root") == pytest.approx(5 * (3 * x + y) / 4)
    assert s.level_of("r1", "root").code == "l2"
    assert s.coverage[0, s.nodes.index("root")] == pytest.approx(1.0)


def test_na_removes_weight_and_missing_is_renormalised(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,n/a,d,,55,dont_know
        """,
    )
    s = score(r, model())
    # x: x1 N/A (weight 2 removed); x3 missing -> x2 alone = 1.0; coverage 1/(1+1) = 0.5
    assert s.get("r1", "x") == pytest.approx(5.0)
    assert s.coverage[0, s.nodes.index("x")] == pytest.approx(0.5)
    # y: y2 "don't know" counts as missing by default: y1 alone = 2/3; coverage 0.5
    assert s.get("r1", "y") == pytest.approx(5 * 2 / 3)


def test_dont_know_as_lowest_and_missing_as_lowest(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,n/a,d,,55,dont_know
        """,
    )
    m = model(
        MODEL.replace(
            "default: {min_coverage: 0.5}",
            "default: {min_coverage: 0.5, dont_know: lowest, missing: lowest}",
        )
    )
    s = score(r, m)
    assert s.get("r1", "x") == pytest.approx(5 * (1 * 1.0 + 1 * 0.0) / 2)
    assert s.get("r1", "y") == pytest.approx(5 * (2 / 3 + 0) / 2)


def test_min_coverage_propagates_as_missing(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,,,yes,55,b
        """,
    )
    s = score(r, model())
    # x: only x3 (weight 1 of 4) answered: coverage 0.25 < 0.5 -> no score
    assert math.isnan(s.get("r1", "x"))
    assert s.coverage[0, s.nodes.index("x")] == pytest.approx(0.25)
    # root: x missing (weight 3 of 4): coverage 0.25 -> no score either
    assert math.isnan(s.get("r1", "root"))
    assert s.level[0, s.nodes.index("root")] == -1


def test_weakest_link_and_staged(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,d,d,yes,55,b
        """,
    )
    weak = model(
        MODEL.replace("  root:\n    weights: {x: 3, y: 1}", "  root:\n    operator: minimum")
    )
    s = score(r, weak)
    assert s.get("r1", "root") == pytest.approx(min(s.get("r1", "x"), s.get("r1", "y")))
    staged = model(
        MODEL.replace("  root:\n    weights: {x: 3, y: 1}", "  root:\n    operator: staged")
    )
    s2 = score(r, staged)
    # x = 5, y = 5 * (2/3 + 1/4) / 2 = 2.29 -> every child reaches level l1 (1) but not l2
    assert s2.get("r1", "root") == 1.0


def test_ahp_weights_in_a_model(tmp_path):
    text = MODEL.replace(
        "    weights: {x1: 2, x2: 1, x3: 1}",
        "    weights: {ahp: [[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]], order: [x1, x2, x3]}",
    )
    m = model(text)
    rule = m.rules["x"]
    assert rule.weight_source == "ahp" and rule.ahp is not None
    assert rule.weights == pytest.approx((0.648, 0.230, 0.122), abs=5e-4)


def test_inconsistent_ahp_is_refused_unless_accepted():
    text = MODEL.replace(
        "    weights: {x1: 2, x2: 1, x3: 1}",
        "    weights: {ahp: [[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]], order: [x1, x2, x3]}",
    )
    with pytest.raises(SpecError) as info:
        model(text)
    assert info.value.codes == ["M004"]
    ok = model(
        text.replace("order: [x1, x2, x3]}", "order: [x1, x2, x3], accept_inconsistent: true}")
    )
    assert ok.rules["x"].ahp.cr > 0.1


def test_model_errors_name_lines_and_suggest():
    bad = MODEL.replace("    weights: {x1: 2, x2: 1, x3: 1}", "    weights: {x1: 2, x2: 1, x33: 1}")
    bad = bad.replace("  x:\n", "  xx:\n    operator: minimun\n  x:\n")
    with pytest.raises(SpecError) as info:
        model(bad)
    text = str(info.value)
    assert "m.yaml:11:3: nodes.xx: unknown node or item 'xx'" in text
    assert "unknown operator 'minimun'" in text and "did you mean 'minimum'?" in text
    assert "did you mean 'x3'?" in text


def test_model_version_binding():
    with pytest.raises(SpecError, match="versions '>=2' of 't'"):
        model(MODEL.replace('versions: ">=1.0,<2"', 'versions: ">=2"'))
    assert version_matches("1.4.0", ">=1.0,<2") and not version_matches("2.0.0", ">=1.0,<2")


def test_batch_equals_one_by_one(tmp_path):
    rng = np.random.default_rng(1)
    m = model()
    values = np.column_stack(
        [rng.choice([0, 1, 2, 4, np.nan], 50) for _ in range(2)]
        + [rng.choice([0, 1, np.nan], 50), rng.integers(0, 4, 50), rng.choice([0, 1, 2, 4], 50)]
    ).astype(float)
    batch, cov, _ = score_arrays(m, values)
    for i in range(50):
        one, c1, _ = score_arrays(m, values[i : i + 1])
        np.testing.assert_allclose(one[0], batch[i], rtol=0, atol=1e-12)
        np.testing.assert_allclose(c1[0], cov[i], rtol=0, atol=1e-12)


def test_company_combines_respondents(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,company,x1,x2,x3,y1,y2
        a1,acme,a,d,yes,55,b
        a2,acme,c,d,no,95,
        b1,beta,d,d,yes,95,d
        """,
    )
    s = score(r, model(), by="company")
    assert s.ids == ("acme", "beta")
    # combined acme answers: x1 mean(0, 2) = 1 -> 0.25; x2 4 -> 1; x3 mean(1, 0) = 0.5
    x = (2 * 0.25 + 1.0 + 0.5) / 4
    assert s.get("acme", "x") == pytest.approx(5 * x)
    each = score(r, model())
    spread = abs(each.get("a1", "x") - each.get("a2", "x"))
    assert s.spread[0, s.nodes.index("x")] == pytest.approx(spread)
    assert list(s.n_respondents) == [2, 1]


def test_explain_shows_how_the_number_was_made(tmp_path):
    r = answers(
        tmp_path,
        """\
        respondent_id,x1,x2,x3,y1,y2
        r1,n/a,d,,55,b
        """,
    )
    s = score(r, model())
    e = s.explain("r1", "x")
    status = {c.id: c.status for c in e.children}
    assert status == {"x1": "n/a", "x2": "answered", "x3": "missing"}
    weights = {c.id: c.weight for c in e.children}
    assert weights == {"x1": 0.0, "x2": 1.0, "x3": 0.0}
    assert e.score == pytest.approx(s.get("r1", "x"))
    assert "coverage 50%" in str(e)


def test_exports_are_safe_and_complete(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("respondent_id,x1,x2,x3,y1,y2\n=cmd(),c,d,yes,55,b\n")
    s = score(read_responses(p, Q), model())
    csv_text = s.to_csv()
    assert "'=cmd()" in csv_text and "\n=cmd()" not in csv_text
    doc = json.loads(s.to_json())
    assert doc["rows"][0]["scores"]["root"]["level"] == s.level_of("=cmd()").code
    assert "<table>" in s._repr_html_() and "=cmd()" in s._repr_html_()
    out = tmp_path / "s.json"
    s.to_json(out)
    with pytest.raises(FileExistsError):
        s.to_json(out)
    s.to_json(out, force=True)


# --- not applicable is not "no score" ------------------------------------------------------

Q2_BODY = """\
profile:
  company: {}
  sector: {}
  employees: {}
  region: {}
  date: {}
scales:
  s4:
    options:
      - {code: a, value: 0, label: {en: A, it: A}}
      - {code: b, value: 1, label: {en: B, it: B}}
      - {code: c, value: 2, label: {en: C, it: C}}
      - {code: d, value: 4, label: {en: D, it: D}}
    na: true
    dont_know: true
dimensions:
  - id: x
    title: {en: X, it: X}
    items:
      - {id: x1, kind: scale, scale: s4, text: {en: q, it: q}}
      - {id: x2, kind: scale, scale: s4, text: {en: q, it: q}}
  - id: z
    title: {en: Z, it: Z}
    dimensions:
      - id: z.a
        title: {en: ZA, it: ZA}
        items:
          - {id: za1, kind: scale, scale: s4, text: {en: q, it: q},
             when: 'profile.employees >= 10'}
          - {id: za2, kind: scale, scale: s4, text: {en: q, it: q},
             when: 'profile.employees >= 10'}
      - id: z.b
        title: {en: ZB, it: ZB}
        items:
          - {id: zb1, kind: scale, scale: s4, text: {en: q, it: q}}
"""
Q2 = q_from(Q2_BODY)

MODEL2 = """\
format: maturity/scoring-model@1
id: m2
version: 1.0.0
title: {en: M, it: M}
questionnaire: {id: t}
range: [0, 5]
default: {min_coverage: 0.5}
levels:
  - {min: 0, code: l0, label: {en: L0, it: L0}}
  - {min: 2.5, code: l1, label: {en: L1, it: L1}}
"""


def read2(tmp_path, text):
    p = tmp_path / "a2.csv"
    p.write_text(textwrap.dedent(text))
    return read_responses(p, Q2)


def test_not_applicable_nodes_are_apart_from_too_few_answers(tmp_path):
    r = read2(
        tmp_path,
        """\
        respondent_id,employees,x1,x2,za1,za2,zb1
        small,5,d,b,,,n/a
        big,50,d,,,,c
        """,
    )
    s = score(r, model(MODEL2, Q2))
    col = s.nodes.index
    # small: za1, za2 not asked (5 employees), zb1 N/A -> z.a, z.b and so z not applicable;
    # the root is x alone: x = (4/4 + 1/4) / 2 = 0.625 -> 3.125, coverage 1
    assert s.get("small", "root") == pytest.approx(3.125)
    assert s.coverage[0, col("root")] == pytest.approx(1.0)
    want = {"x": "scored", "z.a": "not_applicable", "z.b": "not_applicable"}
    want |= {"z": "not_applicable", "root": "scored"}
    assert dict(zip(s.nodes, s.status[0], strict=True)) == want
    assert s.not_applicable[0, col("z")] and not s.insufficient[0, col("z")]
    # big: za1, za2 asked but blank -> z.a too few answers (coverage 0); zb1 = 2/4 -> 2.5;
    # z = z.b alone with coverage 1/2 >= 0.5 -> 2.5; x = x1 alone (coverage 1/2) -> 5;
    # root = (5 + 2.5) / 2
    assert s.status[1, col("z.a")] == "insufficient" and s.insufficient[1, col("z.a")]
    assert s.coverage[1, col("z.a")] == 0.0
    assert s.get("big", "z") == pytest.approx(2.5)
    assert s.get("big", "root") == pytest.approx(3.75)

    e = s.explain("small", "z")
    assert e.status == "not_applicable" and e.score is None
    assert str(e).startswith("z for small: not applicable")
    assert {c.id: c.status for c in e.children} == {
        "z.a": "not applicable",
        "z.b": "not applicable",
    }
    root = {c.id: c.status for c in s.explain("small", "root").children}
    assert root == {"x": "scored", "z": "not applicable"}
    e2 = s.explain("big", "z")
    assert {c.id: c.status for c in e2.children} == {"z.a": "too few answers", "z.b": "scored"}
    assert str(s.explain("big", "z.a")).startswith("z.a for big: too few answers")

    rows = list(csv.DictReader(io.StringIO(s.to_csv())))
    cell = {(x["respondent_id"], x["node"]): x for x in rows}
    assert cell["small", "z"]["status"] == "not_applicable"
    assert cell["small", "z"]["score"] == cell["small", "z"]["level"] == ""
    assert cell["small", "z"]["coverage"] == ""
    assert cell["big", "z.a"]["status"] == "insufficient" and cell["big", "z.a"]["coverage"] == "0"
    assert cell["big", "root"]["status"] == "scored" and cell["big", "root"]["level"] == "l1"
    doc = json.loads(s.to_json())
    small = doc["rows"][0]["scores"]
    assert small["z"] == {
        "score": None,
        "level": None,
        "status": "not_applicable",
        "coverage": None,
    }
    assert doc["rows"][1]["scores"]["z.a"]["status"] == "insufficient"


def test_a_whole_questionnaire_not_applicable_has_no_root(tmp_path):
    r = read2(
        tmp_path,
        """\
        respondent_id,employees,x1,x2,za1,za2,zb1
        r,5,n/a,n/a,,,n/a
        """,
    )
    s = score(r, model(MODEL2, Q2))
    assert s.not_applicable.all()
    assert set(s.status[0]) == {"not_applicable"}


# --- several respondents of one company ----------------------------------------------------


def test_company_profile_merge_rules_and_warnings(tmp_path):
    r = read2(
        tmp_path,
        """\
        respondent_id,company,sector,employees,region,date,x1,x2,za1,za2,zb1
        a1,acme,28.41,50,ITC4,2024-01-10,a,d,b,b,c
        a2,acme,25.11,50,,2024-03-01,c,d,b,b,c
        a3,acme,,60,ITC4,,b,b,b,b,b
        b1,beta,28.41,12,ITH3,2023-05-05,d,d,d,d,d
        """,
    )
    s = score(r, model(MODEL2, Q2), by="company")
    assert s.ids == ("acme", "beta")
    acme = s.profiles[0]
    # oldest first: a3 (no date), a1 (2024-01-10), a2 (2024-03-01); each field is the value
    # of the latest respondent who gave one; the date is the latest
    assert acme.sector == "25.11"
    assert acme.employees == 50
    assert acme.region == "ITC4"
    assert acme.date == datetime.date(2024, 3, 1)
    assert acme.company == "acme"
    assert s.profiles[1] == r["b1"].profile
    assert [w.code for w in s.warnings] == ["R040", "R040"]
    assert all(w.severity == "warning" and w.file.endswith("a2.csv") for w in s.warnings)
    sector, employees = (str(w) for w in s.warnings)
    assert "company 'acme'" in sector and "different sector (a1: 28.41, a2: 25.11)" in sector
    assert "kept 25.11 of a2" in sector
    assert "(a3: 60, a1: 50, a2: 50)" in employees and "kept 50 of a2" in employees
    # the merged profile is the one the files show
    doc = json.loads(s.to_json())
    assert doc["rows"][0]["profile"]["sector"] == "25.11"
    assert doc["rows"][0]["profile"]["date"] == "2024-03-01"
    # by respondent nothing is merged, nothing is warned
    assert score(r, model(MODEL2, Q2)).warnings == ()


def test_cli_prints_the_merge_warnings(tmp_path, capsys):
    from maturity.cli import main
    from tests.util import HEADER

    (tmp_path / "q.yaml").write_text(HEADER + Q2_BODY)
    (tmp_path / "m.yaml").write_text(MODEL2)
    (tmp_path / "a.csv").write_text(
        "respondent_id,company,sector,x1,x2,zb1\na1,acme,28.41,a,d,c\na2,acme,25.11,c,d,c\n"
    )
    args = ["score", str(tmp_path / "a.csv"), "-q", str(tmp_path / "q.yaml")]
    args += ["-m", str(tmp_path / "m.yaml"), "-o", str(tmp_path / "s.csv"), "--by-company"]
    assert main(args) == 0
    lines = capsys.readouterr().err.splitlines()
    warned = [x for x in lines if "[R040]" in x]
    assert len(warned) == 1
    assert "warning: company 'acme'" in warned[0] and "(a1: 28.41, a2: 25.11)" in warned[0]


# --- profiles kept as columns ------------------------------------------------------------


def _people(profs):
    from maturity.responses import Respondent

    return tuple(Respondent(f"r{k}", p, {"x1": "abcd"[k % 4]}) for k, p in enumerate(profs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profiles(), min_size=1, max_size=10))
def test_company_profiles_from_columns_equal_the_merge_of_profile_objects(profs):
    """Cross-road: Responses read into columns (profiles made only for companies of several
    respondents) and Responses of Respondent objects (merge_profiles on the objects) give the
    same company profiles and the same warnings, in the same order.
    """
    from maturity.columnar import AnswerColumns
    from maturity.profile_columns import ProfileList
    from maturity.responses import Responses

    people = _people(profs)
    objects = Responses(Q, people)
    columns = Responses.from_columns(AnswerColumns.from_respondents(Q, people))
    m = model()
    for by in ("respondent", "company"):
        a, b = score(objects, m, by=by), score(columns, m, by=by)
        assert isinstance(b.profiles, ProfileList) and not isinstance(a.profiles, ProfileList)
        assert a.ids == b.ids
        assert list(b.profiles) == list(a.profiles)
        assert [str(w) for w in b.warnings] == [str(w) for w in a.warnings]
        np.testing.assert_array_equal(a.score, b.score)


def test_scoring_a_million_respondents_makes_no_profile_object(monkeypatch):
    """score() keeps the profiles as columns: by respondent none is made, by company only
    those of the respondents of companies with several (here: 2 of 3)."""
    from maturity.columnar import AnswerColumns
    from maturity.profile_columns import ProfileColumns
    from maturity.responses import Profile, Responses

    made = []
    real = ProfileColumns.profiles

    def counted(self, rows=None):
        got = real(self, rows)
        made.extend(got)
        return got

    monkeypatch.setattr(ProfileColumns, "profiles", counted)
    monkeypatch.setattr(ProfileColumns, "profile_at", lambda self, row: made.append(row))
    people = _people([Profile(company="acme"), Profile(company="acme"), Profile(sector="C")])
    r = Responses.from_columns(AnswerColumns.from_respondents(Q, people))
    made.clear()
    s = score(r, model())
    assert made == [] and len(s.profiles) == 3
    c = score(r, model(), by="company")
    assert len(made) == 2 and c.ids == ("acme", "r2")
    assert c.profile_keys is not None and c.profile_keys["sector"][1] == (None, "C")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profiles(), min_size=2, max_size=14))
def test_benchmark_from_profile_keys_equals_benchmark_from_profile_objects(profs):
    """Cross-road: benchmarking scores whose profiles are columns (their profile keys,
    factorised from the columns) and the same scores with a tuple of Profile objects."""
    import dataclasses

    import maturity as mt
    from maturity.classify import nace_normalize
    from maturity.columnar import AnswerColumns
    from maturity.responses import Responses

    profs = [
        dataclasses.replace(p, sector=None if p.sector is None else nace_normalize(p.sector))
        for p in profs
    ]
    people = _people(profs)
    s = score(Responses.from_columns(AnswerColumns.from_respondents(Q, people)), model())
    plain = dataclasses.replace(s, profiles=tuple(s.profiles))
    assert s.profile_keys is not None and plain.profile_keys is None
    a = mt.benchmark(s, s, min_group=1)
    b = mt.benchmark(plain, plain, min_group=1)
    assert a.groups == b.groups
    for name in ("percentile", "median", "q1", "q3", "mean", "n"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
