"""The columnar checker against the row-by-row checker it replaced (tests/legacy_check.py).

Both read the same generated tables (every kind of cell, good and bad; conditions on answers and
on the profile; duplicate and missing ids): they must accept the same respondents and report
the same problems in the same order (the columnar one lists the first 50 and counts the rest).
"""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.errors import ResponseError
from maturity.io.check import MAX_PROBLEMS, check_table
from maturity.io.table import RawTable
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
from tests.legacy_check import legacy_check
from tests.strategies import ANSWERS_Q as Q
from tests.strategies import answer_tables as tables


def first_questionnaire(table):
    for v in table.cells.get("questionnaire", []):
        if v and v.strip():
            return v.strip()
    return None


def as_arrow(table):
    """The same table with Arrow string arrays as cells (None becomes null)."""
    import dataclasses

    import pyarrow as pa

    cells = {c: pa.array(v, type=pa.string()) for c, v in table.cells.items()}
    return dataclasses.replace(table, cells=cells)


def outcome(table, q, **kw):
    try:
        r = check_table(table, q, **kw)
    except ResponseError as exc:
        return [str(p) for p in exc.problems]
    return (r.respondents, [str(p) for p in r.skipped], [str(p) for p in r.warnings])


def compare(table, q=Q):
    pytest.importorskip("pyarrow", reason="pyarrow (the arrow extra) compares Arrow cells")
    for kw in ({}, {"on_error": "skip"}, {"on_error": "skip_cells"}):
        assert outcome(as_arrow(table), q, **kw) == outcome(table, q, **kw)
    old, kept, skipped = legacy_check(table, q)
    other = first_questionnaire(table)
    if other not in (None, q.id):
        with pytest.raises(ResponseError) as info:
            check_table(table, q)
        assert info.value.codes == ["R009"]
        return
    if old:
        with pytest.raises(ResponseError) as info:
            check_table(table, q)
        got = info.value.problems
        assert [str(p) for p in got[:MAX_PROBLEMS]] == [str(p) for p in old[:MAX_PROBLEMS]]
        if len(old) > MAX_PROBLEMS:
            assert got[-1].code == "R013"
            assert f"{len(old) - MAX_PROBLEMS:,} more" in got[-1].message
        else:
            assert len(got) == len(old)
    else:
        r = check_table(table, q)
        assert r.respondents == tuple(kept)
    if any(p.code == "R009" for p in skipped):
        with pytest.raises(ResponseError):
            check_table(table, q, on_error="skip")
        return
    r = check_table(table, q, on_error="skip")
    assert r.respondents == tuple(kept)
    assert [str(p) for p in r.skipped[:MAX_PROBLEMS]] == [str(p) for p in skipped[:MAX_PROBLEMS]]
    # the matrix of what was kept equals the matrix the old reader's respondents give
    assert_same_matrix(r, Responses(q, tuple(kept)))


def assert_same_matrix(a, b):
    import numpy as np

    ma, mb = a.matrix(), b.matrix()
    assert ma.item_ids == mb.item_ids and ma.respondent_ids == mb.respondent_ids
    np.testing.assert_array_equal(ma.values, mb.values)
    for name in ("na", "dont_know", "applicable"):
        np.testing.assert_array_equal(getattr(ma, name), getattr(mb, name))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_same_problems_and_respondents_as_the_row_reader(table):
    compare(table)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=40))
def test_same_when_problems_are_many(table):
    compare(table)


def test_hand_worked_rows():
    cells = {
        "respondent_id": ["r1", "r2", "r3", "r2"],
        "sector": ["C", "C", "J", "C"],
        "employees": ["5", "50", "", "5"],
        "makes": ["yes", "no", "yes", "yes"],
        "conn": ["partly", "partly", "n/a", ""],
        "pct": ["40", "", "", ""],
        "sys": ["mes", "", "", ""],
        "must": ["yes", "no", "", "yes"],
        "pick": ["A2", "", "", ""],
        "size": ["3", "", "", "1"],
    }
    t = RawTable(
        "h.csv", tuple(cells), cells, 4, list(range(2, 6)), {c: k + 1 for k, c in enumerate(cells)}
    )
    with pytest.raises(ResponseError) as info:
        check_table(t, Q)
    got = [(p.code, p.line, p.path) for p in info.value.problems]
    # line 3 (r2): conn answered while makes is no (R005); 50 employees is not micro, so
    # 'later' is asked and its 'size', required for section C, is missing (R006).
    # line 4 (r3): sector J, employees and pct unknown: whether 'later' is asked is unknown,
    # so 'must' is still required (R006); conn n/a is allowed by the scale.
    # line 5: r2 again.
    assert got == [
        ("R005", 3, "conn"),
        ("R006", 3, "size"),
        ("R006", 4, "must"),
        ("R008", 5, "respondent_id"),
    ]
    r = check_table(t, Q, on_error="skip")
    assert r.ids == ("r1",)
    (one,) = r.respondents
    assert one.answers == {
        "makes": True,
        "conn": "partly",
        "pct": 40.0,
        "sys": frozenset({"mes"}),
        "must": True,
        "pick": "A2",
        "size": 3.0,
    }
    m = r.matrix()
    # 40 reaches band 10 and not 50; mes is worth 2; pick A2 is worth 3; makes yes is 1
    assert dict(zip(m.item_ids, m.values[0].tolist(), strict=True)) == {
        "makes": 1.0,
        "conn": 1.0,
        "pct": 1.0,
        "sys": 2.0,
        "must": 1.0,
        "pick": 3.0,
    }


def test_errors_are_capped_and_counted_and_fast():
    import time

    n = 200_000
    cells = {"respondent_id": [f"r{i}" for i in range(n)], "sector": ["C"] * n, "pct": ["x"] * n}
    t = RawTable("big.csv", tuple(cells), cells, n, range(2, n + 2), {"respondent_id": 1})
    start = time.perf_counter()
    with pytest.raises(ResponseError) as info:
        check_table(t, Q)
    took = time.perf_counter() - start
    ps = info.value.problems
    assert len(ps) == MAX_PROBLEMS + 1
    # each row: pct is not a number; whether 'later' is asked is unknown (pct and the size
    # class are), so its required 'must' and 'size' (sector C) are missing
    assert [(p.code, p.line, p.path) for p in ps[:4]] == [
        ("R003", 2, "pct"),
        ("R006", 2, "must"),
        ("R006", 2, "size"),
        ("R003", 3, "pct"),
    ]
    assert ps[-1].code == "R013" and f"{3 * n - MAX_PROBLEMS:,} more problems" in ps[-1].message
    assert took < 30  # generous: a row-by-row checker took minutes


def test_skip_cells_keeps_the_row_and_reports_the_cell():
    cells = {
        "respondent_id": ["r1", "r2"],
        "sector": ["C", "C"],
        "makes": ["no", "yes"],
        "conn": ["partly", "maybe"],
        "pct": ["200", "20"],
        "must": ["yes", "yes"],
        "size": ["1", "x"],
    }
    t = RawTable("c.csv", tuple(cells), cells, 2, [2, 3], {c: k + 1 for k, c in enumerate(cells)})
    r = check_table(t, Q, on_error="skip_cells")
    assert r.ids == ("r1", "r2")
    got = {(p.code, p.line, p.path) for p in r.skipped}
    assert got == {
        ("R005", 2, "conn"),  # conn asked only when makes is yes: the answer is dropped
        ("R004", 2, "pct"),
        ("R002", 3, "conn"),
        ("R003", 3, "size"),
    }
    a, b = r.respondents
    assert a.answers == {"makes": False, "must": True, "size": 1.0}
    assert b.answers == {"makes": True, "pct": 20.0, "must": True}
    # a row whose own problem is the row's (no id) is still left out
    cells["respondent_id"] = ["", "r2"]
    r = check_table(t, Q, on_error="skip_cells")
    assert r.ids == ("r2",)


def test_missing_item_columns_are_warned_once_each_or_refused_when_strict():
    cells = {"respondent_id": ["r1", "r2"], "sector": ["C", "C"], "must": ["yes", "no"]}
    t = RawTable("w.csv", tuple(cells), cells, 2, [2, 3], {c: k + 1 for k, c in enumerate(cells)})
    with pytest.raises(ResponseError) as info:  # 'size' is required (sector C: asked)
        check_table(t, Q)
    assert set(info.value.codes) == {"R006"}
    cells["size"] = ["1", "2"]
    t = RawTable("w.csv", tuple(cells), cells, 2, [2, 3], {c: k + 1 for k, c in enumerate(cells)})
    r = check_table(t, Q)
    missing = {"makes", "conn", "pct", "sys", "pick", "note"}
    assert {p.path for p in r.warnings} == missing
    assert all(p.code == "R014" and p.severity == "warning" for p in r.warnings)
    assert "warning:" in str(r.warnings[0])
    with pytest.raises(ResponseError) as info:
        check_table(t, Q, strict=True)
    assert {p.path for p in info.value.problems} == missing


def test_answers_to_another_questionnaire_are_named_first():
    cells = {"respondent_id": ["r1"], "questionnaire": ["i40-readiness"], "x1": ["1"]}
    t = RawTable("o.csv", tuple(cells), cells, 1, [2], {c: k + 1 for k, c in enumerate(cells)})
    with pytest.raises(ResponseError) as info:
        check_table(t, Q)
    (p,) = info.value.problems
    assert p.code == "R009" and "'i40-readiness', not 't'" in p.message


def test_columns_of_a_shipped_questionnaire_are_recognised():
    from maturity.questionnaire import load_questionnaire

    other = load_questionnaire("digital-maturity")
    cols = ["respondent_id", *[i.id for i in other.items]]
    cells = {c: [""] for c in cols}
    cells["respondent_id"] = ["r1"]
    t = RawTable("d.csv", tuple(cols), cells, 1, [2], {c: k + 1 for k, c in enumerate(cols)})
    q = load_questionnaire("i40-readiness")
    with pytest.raises(ResponseError) as info:
        check_table(t, q)
    (p,) = info.value.problems
    assert p.code == "R009" and "'digital-maturity'" in p.message and "'i40-readiness'" in p.message


@pytest.mark.parametrize(
    ("cell", "fmt", "language", "expected"),
    [
        ("2025-06-10", None, None, _dt.date(2025, 6, 10)),
        ("10/06/2025", "%d/%m/%Y", None, _dt.date(2025, 6, 10)),
        ("10/06/2025", "%m/%d/%Y", None, _dt.date(2025, 10, 6)),
        ("10/06/2025", None, "it", _dt.date(2025, 6, 10)),
        ("25/06/2025", None, None, _dt.date(2025, 6, 25)),  # only day first reads it
        (_dt.date(2025, 6, 10), None, None, _dt.date(2025, 6, 10)),
        (_dt.datetime(2025, 6, 10, 9, 30), None, None, _dt.date(2025, 6, 10)),
    ],
)
def test_dates(cell, fmt, language, expected):
    cells = {"respondent_id": ["r1"], "sector": ["J"], "must": ["yes"], "date": [cell]}
    t = RawTable("d.csv", tuple(cells), cells, 1, [2], language=language)
    r = check_table(t, Q, date_format=fmt)
    assert r.respondents[0].profile.date == expected


def test_ambiguous_date_is_a_located_error_naming_the_format():
    cells = {"respondent_id": ["r1", "r2"], "sector": ["J", "J"], "must": ["yes"] * 2}
    cells["date"] = ["10/06/2025", "03/04/2025"]
    t = RawTable("d.csv", tuple(cells), cells, 2, [2, 3], {c: k + 1 for k, c in enumerate(cells)})
    with pytest.raises(ResponseError) as info:
        check_table(t, Q)
    p = info.value.problems[0]
    assert (p.code, p.line, p.column, p.path) == ("R010", 2, 4, "date")
    assert "ambiguous" in p.message and "%d/%m/%Y" in p.message
    # one date that only day-first reads settles the whole column
    cells["date"] = ["10/06/2025", "13/04/2025"]
    r = check_table(t, Q)
    assert [x.profile.date for x in r] == [_dt.date(2025, 6, 10), _dt.date(2025, 4, 13)]


def test_responses_built_from_respondents_and_from_columns_agree():
    people = (
        Respondent("a", Profile(company="x", sector="C", employees=12), {"makes": True}),
        Respondent("b", Profile(sector="J"), {"makes": False, "conn": NA, "sys": DONT_KNOW}),
        Respondent("c", Profile(company="x"), {"pct": 55.5, "sys": frozenset({"erp", "mes"})}),
    )
    r = Responses(Q, people)
    cols = Responses.from_columns(r.columns)
    assert cols == r and cols.respondents == people
    assert cols.ids == ("a", "b", "c") and cols.company_ids == ("x", "b", "x")
    assert cols.profiles == tuple(p.profile for p in people)
    names, index = cols.company_index()
    assert names == ("x", "b") and index.tolist() == [0, 1, 0]
    assert cols["c"].answers["sys"] == frozenset({"erp", "mes"})
    with pytest.raises(KeyError):
        cols["zz"]
    assert cols.take([2, 0]).ids == ("c", "a")
    both = Responses.concat([cols.take([0]), cols.take([1, 2])])
    assert both == r
    with pytest.raises(ResponseError):
        Responses.concat([cols, cols])
    assert cols.profile_column("employees")[0] == 12.0
    import dataclasses

    assert dataclasses.replace(cols, respondents=people[:1]).ids == ("a",)


def test_respondents_made_from_columns_behave_like_the_originals():
    import pickle

    people = (
        Respondent("a", Profile(sector="C", employees=12), {"makes": True, "pct": 12.5}),
        Respondent("b", Profile(sector="J"), {"conn": NA, "sys": frozenset({"erp"})}),
    )
    cols = Responses.from_columns(Responses(Q, people).columns)
    a, b = cols.respondents
    assert a.answers == {"makes": True, "pct": 12.5} and dict(b.answers) == people[1].answers
    assert a.answers.get("conn") is None and "pct" in a.answers and len(b.answers) == 2
    assert b.answers["conn"] is NA and sorted(b.answers) == ["conn", "sys"]
    with pytest.raises(KeyError):
        a.answers["conn"]
    assert pickle.loads(pickle.dumps(b)) == people[1]
    assert type(pickle.loads(pickle.dumps(b))) is Respondent
    assert pickle.loads(pickle.dumps(cols)) == cols
    assert a == people[0] and people[0] == a and a != people[1]
    assert a.profile == people[0].profile and "Respondent(id='a'" in repr(a)
    import dataclasses

    changed = dataclasses.replace(a, answers={"makes": False})
    assert type(changed) is Respondent and changed.answers == {"makes": False}
    assert changed.profile == people[0].profile


def test_many_unknown_columns_are_capped():
    cols = ["respondent_id", "sector", "must", *(f"zz{k}" for k in range(120))]
    cells = {c: ["x"] for c in cols}
    t = RawTable("u.csv", tuple(cols), cells, 1, [2], {c: k + 1 for k, c in enumerate(cols)})
    with pytest.raises(ResponseError) as info:
        check_table(t, Q)
    ps = info.value.problems
    assert [p.code for p in ps] == ["R001"] * MAX_PROBLEMS + ["R013"]
    assert (ps[0].line, ps[0].column, ps[0].path) == (1, 4, "zz0")
    assert "70 more problems" in ps[-1].message


# -- the matrix from columns against a matrix computed one answer at a time ------------------


def matrix_by_rows(q, respondents):
    """The answer matrix as maturity 0.1 computed it: per respondent and item, Item.value_of,
    conditions evaluated one respondent at a time.
    """
    import numpy as np

    from maturity.responses import condition_answers

    items = [i for i in q.items if i.scored]
    n, m = len(respondents), len(items)
    values = np.full((n, m), np.nan)
    na = np.zeros((n, m), dtype=bool)
    dk = np.zeros((n, m), dtype=bool)
    applicable = np.ones((n, m), dtype=bool)
    for r, resp in enumerate(respondents):
        env = condition_answers(resp.answers)
        prof = resp.profile.for_conditions()
        for j, item in enumerate(items):
            if any(c.evaluate(env, prof) is False for c in q.conditions_of(item.id)):
                applicable[r, j] = False
            a = resp.answers.get(item.id)
            if a is NA:
                na[r, j] = True
            elif a is DONT_KNOW:
                dk[r, j] = True
            elif a is not None:
                values[r, j] = item.value_of(a)
    return values, na, dk, applicable


@st.composite
def answers_for(draw, q, n_max=8):
    people = []
    for r in range(draw(st.integers(0, n_max))):
        answers = {}
        for item in q.items:
            choice = draw(st.integers(0, 5))
            if choice == 0:
                continue
            if choice == 1 and (item.na or item.dont_know):
                answers[item.id] = NA if item.na else DONT_KNOW
                continue
            if item.kind in ("scale", "choice"):
                answers[item.id] = draw(st.sampled_from([o.code for o in item.options]))
            elif item.kind == "multi":
                codes = draw(st.sets(st.sampled_from([o.code for o in item.options]), min_size=1))
                answers[item.id] = frozenset(codes)
            elif item.kind == "number":
                answers[item.id] = draw(st.floats(-200, 200, allow_nan=False))
            elif item.kind == "boolean":
                answers[item.id] = draw(st.booleans())
            else:
                answers[item.id] = draw(st.text(max_size=5))
        profile = Profile(
            sector=draw(st.sampled_from([None, "C", "28.41", "J"])),
            employees=draw(st.none() | st.integers(0, 400)),
        )
        people.append(Respondent(f"r{r}", profile, answers))
    return tuple(people)


@pytest.mark.parametrize(
    "block, lookup, compare",
    [(8192, 10, 16), (3, 0, 0)],
    ids=["one-block", "blocks-of-3-on-threads-without-lookup-tables"],
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_matrix_from_columns_equals_matrix_by_rows(data, block, lookup, compare):
    """The matrix written a block of rows at a time (on threads), by lookup tables or by the
    plain way, equals the matrix made respondent by respondent."""
    from unittest import mock

    from maturity import columnar
    from tests.strategies import questionnaires

    with (
        mock.patch.object(columnar, "MATRIX_BLOCK", block),
        mock.patch.object(columnar, "_MULTI_LOOKUP", lookup),
        mock.patch.object(columnar, "_FEW_BANDS", compare),
    ):
        _check_matrix(data, questionnaires)


def _check_matrix(data, questionnaires):
    import numpy as np

    q = data.draw(st.sampled_from([Q]) | questionnaires())
    people = data.draw(answers_for(q))
    r = Responses(q, people)
    m = r.matrix()
    want = matrix_by_rows(q, people)
    np.testing.assert_array_equal(m.values, want[0])
    for got, expected in zip((m.na, m.dont_know, m.applicable), want[1:], strict=True):
        np.testing.assert_array_equal(got, expected)
    # and the columns give back every answer as it was
    assert Responses.from_columns(r.columns).respondents == people


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(1, 7), min_size=1, max_size=3).flatmap(
        lambda cards: st.tuples(
            st.just(cards),
            st.lists(st.tuples(*(st.integers(0, c - 1) for c in cards)), min_size=1, max_size=40),
            st.sampled_from([1, 1 << 40]),  # scale: dense table, or too sparse for one
        )
    )
)
def test_rows_are_grouped_exactly_by_the_tuple_of_their_keys(case):
    """Conditions are evaluated once per group of rows with equal keys: two rows share a
    group exactly when their keys are equal, and the row standing for a group has its keys
    (brute force on the tuples), whether groups are found by a table or by a sort."""
    import numpy as np

    from maturity.columnar import _combine

    cards, rows, scale = case
    n = len(rows)
    keys = [
        (np.array([r[i] for r in rows], dtype=np.int64) * scale, cards[i] * scale)
        for i in range(len(cards))
    ]
    first, inverse = _combine(keys, n)
    assert len(set(inverse.tolist())) == len(first) == len(set(rows))
    for a in range(n):
        assert rows[int(first[inverse[a]])] == rows[a]
        for b in range(n):
            assert (inverse[a] == inverse[b]) == (rows[a] == rows[b])
