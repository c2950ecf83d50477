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
