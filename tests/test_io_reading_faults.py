"""Faults a new user found in reading answers, each fixed for its whole kind (hand-worked)."""

from __future__ import annotations

from maturity.errors import ResponseError
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
