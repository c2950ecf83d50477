"""Faults a new user found in reading answers, each fixed for its whole kind (hand-worked)."""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.errors import DateFormatError, ResponseError
from maturity.io.cells import date_pattern
from maturity.io.check import check_table
from maturity.io.table import RawTable
from tests.strategies import ANSWERS_Q as Q


def _table(cells: dict[str, list[object]]) -> RawTable:
    n = len(next(iter(cells.values())))
    positions = {c: k + 1 for k, c in enumerate(cells)}
    return RawTable("t.csv", tuple(cells), cells, n, [k + 2 for k in range(n)], positions)


def _problems(cells: dict[str, list[object]], **kw: object) -> list[str]:
    try:
        check_table(_table(cells), Q, **kw)  # type: ignore[arg-type]
    except ResponseError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_bad_cell_is_not_also_reported_as_unanswered():
    cells: dict[str, list[object]] = {
        "respondent_id": ["r1", "r2"],
        "sector": ["J", "J"],
        "must": ["idea", ""],
    }
    assert _problems(cells) == [
        "t.csv:2:3: must: 'idea' is not an option of 'must' (allowed: yes, no) [R002]",
        "t.csv:3:3: must: required item 'must' is not answered [R006]",
    ]


def test_a_missing_required_profile_column_is_one_problem_of_the_file():
    cells: dict[str, list[object]] = {"respondent_id": ["r1", "r2", "r3"], "must": ["yes"] * 3}
    for on_error in ("raise", "skip", "skip_cells"):
        assert _problems(cells, on_error=on_error) == [
            "t.csv:1: sector: no column for the required profile field 'sector' [R015]"
        ]


def test_a_missing_profile_column_in_json_records_names_the_first_record(tmp_path):
    from maturity.io import read_responses

    path = tmp_path / "a.json"
    path.write_text('[\n {"respondent_id": "r1", "must": "yes"},\n {"respondent_id": "r2"}\n]\n')
    try:
        read_responses(path, Q)
    except ResponseError as exc:
        assert [str(p) for p in exc.problems] == [
            f"{path}:2: sector: no column for the required profile field 'sector' [R015]"
        ]
    else:  # pragma: no cover
        raise AssertionError("refused")


# -- 2. date formats as people write them, and a bad one refused once ----------------------------


@pytest.mark.parametrize(
    ("fmt", "cell", "expected"),
    [
        ("dd/mm/yyyy", "10/06/2026", _dt.date(2026, 6, 10)),
        ("DD/MM/YYYY", "10/06/2026", _dt.date(2026, 6, 10)),
        ("mm/dd/yyyy", "10/06/2026", _dt.date(2026, 10, 6)),
        ("dd.mm.yyyy", "10.06.2026", _dt.date(2026, 6, 10)),
        ("dd-mm-yyyy", "10-06-2026", _dt.date(2026, 6, 10)),
        ("yyyy/mm/dd", "2026/06/10", _dt.date(2026, 6, 10)),
        ("dd/mm/yy", "10/06/26", _dt.date(2026, 6, 10)),
        ("%d/%m/%Y", "10/06/2026", _dt.date(2026, 6, 10)),
        ("dd/mm/yyyy", "2026-06-10", _dt.date(2026, 6, 10)),  # ISO is read whatever the format
    ],
)
def test_date_formats_as_people_write_them(fmt, cell, expected):
    cells: dict[str, list[object]] = {
        "respondent_id": ["r1"],
        "sector": ["J"],
        "must": ["yes"],
        "date": [cell],
    }
    r = check_table(_table(cells), Q, date_format=fmt)
    assert r.respondents[0].profile.date == expected


@pytest.mark.parametrize("fmt", ["dd/mm", "dd/dd/yyyy", "%d/%m", "day first", "yyyy-mm-dd-x"])
def test_an_unknown_date_format_is_refused_once_before_reading(tmp_path, fmt):
    from maturity.io import read_responses

    path = tmp_path / "a.csv"
    path.write_text(
        "respondent_id,sector,must,date\n" + "".join(f"r{k},J,yes,10/06/2026\n" for k in range(5))
    )
    with pytest.raises(DateFormatError) as info:
        read_responses(path, Q, date_format=fmt)
    assert str(info.value).count("\n") == 0
    assert f"unknown date format '{fmt}'" in str(info.value)
    assert "dd/mm/yyyy" in str(info.value) and "%d/%m/%Y" in str(info.value)
    with pytest.raises(DateFormatError):
        check_table(_table({"respondent_id": ["r1"]}), Q, date_format=fmt)


@given(
    st.dates(_dt.date(1950, 1, 1), _dt.date(2099, 12, 31)),
    st.sampled_from(["/", ".", "-"]),
    st.permutations(["dd", "mm", "yyyy"]),
)
def test_a_pattern_reads_what_its_strftime_writes(day, sep, order):
    pattern = sep.join(order)
    fmt = date_pattern(pattern)
    assert fmt == sep.join({"dd": "%d", "mm": "%m", "yyyy": "%Y"}[p] for p in order)
    assert date_pattern(fmt) == fmt
    text = day.strftime(fmt)
    assert _dt.datetime.strptime(text, fmt).date() == day
