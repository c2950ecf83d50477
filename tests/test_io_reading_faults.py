"""Faults a new user found in reading answers, each fixed for its whole kind (hand-worked)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.demo import sample_path
from maturity.errors import DateFormatError, ResponseError
from maturity.io.cells import date_pattern
from maturity.io.check import check_table
from maturity.io.table import RawTable
from maturity.questionnaire import load_questionnaire
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


# -- 1. a file in a language that writes dates day first is read day first -----------------------

FORMS = Path(__file__).parent / "data" / "formats"


def _forms_it(tmp_path: Path, first: str, third: str, *, english_header: bool = False) -> Path:
    text = (FORMS / "google-forms-it.csv").read_text("utf-8")
    text = text.replace("2025-06-10", first).replace("2025-06-12", third)
    if english_header:  # one profile label in English: the headers are in two languages
        text = text.replace("Data della valutazione", "Date of the assessment")
    path = tmp_path / "forms.csv"
    path.write_text(text, "utf-8")
    return path


def test_an_italian_form_export_reads_its_dates_day_first(tmp_path):
    from maturity.io import read_responses

    q = load_questionnaire(FORMS / "visit.yaml")
    r = read_responses(_forms_it(tmp_path, "10/06/2026", "03/04/2026"), q)
    assert [x.profile.date for x in r] == [_dt.date(2026, 6, 10), None, _dt.date(2026, 4, 3)]
    # headers in two languages say nothing: an ambiguous date stays a located error
    path = _forms_it(tmp_path, "10/06/2026", "03/04/2026", english_header=True)
    with pytest.raises(ResponseError) as info:
        read_responses(path, q)
    p = info.value.problems[0]
    assert (p.code, p.line, p.column, p.path) == ("R010", 2, 7, "Date of the assessment")
    assert "ambiguous date '10/06/2026'" in p.message


@settings(max_examples=30, deadline=None)
@given(st.dates(_dt.date(2000, 1, 1), _dt.date(2099, 12, 31)))
def test_any_date_of_an_italian_form_export_is_read_day_first(tmp_path_factory, day):
    from maturity.io import read_responses

    q = load_questionnaire(FORMS / "visit.yaml")
    tmp = tmp_path_factory.mktemp("forms")
    r = read_responses(_forms_it(tmp, day.strftime("%d/%m/%Y"), "2025-06-12"), q)
    assert r.respondents[0].profile.date == day


def _workbook(tmp_path: Path, lang: str, dates: list[str]) -> Path:
    from openpyxl import load_workbook

    import maturity as mt
    from tests.formats_util import fill_workbook

    q = load_questionnaire("i40-readiness")
    answers = mt.read_responses(sample_path("i40-readiness"), q)
    path = tmp_path / f"w-{lang}.xlsx"
    mt.export(q, to="xlsx-form", langs=lang, path=path)
    fill_workbook(path, q, answers.respondents[: len(dates)], lang)
    wb = load_workbook(path)
    ws = next(w for w in wb.worksheets if w.sheet_state == "visible")
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "date")
    for k, text in enumerate(dates):
        cell = ws.cell(row, 5 + k)
        cell.value = text  # typed as text, not a date of the spreadsheet
        cell.data_type = "s"
    wb.save(path)
    return path


def test_the_interview_workbook_reads_dates_as_its_language_writes_them(tmp_path):
    from maturity.io import read_responses

    q = load_questionnaire("i40-readiness")
    path = _workbook(tmp_path, "it", ["03/04/2026", "20/11/2026"])
    r = read_responses(path, q, source="xlsx-form")
    assert [x.profile.date for x in r] == [_dt.date(2026, 4, 3), _dt.date(2026, 11, 20)]
    # exported in English: nothing says the order of 03/04/2026
    path = _workbook(tmp_path, "en", ["03/04/2026"])
    with pytest.raises(ResponseError) as info:
        read_responses(path, q, source="xlsx-form")
    assert [p.code for p in info.value.problems] == ["R010"]
    assert "ambiguous date '03/04/2026'" in info.value.problems[0].message


def test_a_questionnaire_in_one_language_is_that_files_language():
    from maturity.io.check import file_language

    it_only = load_questionnaire(FORMS / "visit.yaml")
    it_only = dataclasses.replace(it_only, languages=("it",))
    cells: dict[str, list[object]] = {"respondent_id": ["r1"]}
    assert file_language(_table(cells), it_only) == "it"
    assert file_language(_table(cells), load_questionnaire(FORMS / "visit.yaml")) is None
    t = dataclasses.replace(_table(cells), language="de")
    assert file_language(t, it_only) == "de"  # what the reader found comes first


# -- 3. records that leave out unanswered keys have no columns to miss --------------------------


def _records(tmp_path: Path, with_ids: bool) -> Path:
    import json

    rows = [
        {"company": "Beta srl", "sector": "62.01", "employees": 8, "pr.has_machines": "no"},
        {"company": "Delta", "sector": "C", "employees": 5, "pr.has_machines": "no"},
    ]
    for k, r in enumerate(rows):
        r.update({"pr.data": ["none"], "or.plan": "draft"})
        if with_ids:
            r["respondent_id"] = f"r{k + 1}"
    path = tmp_path / ("records.json" if with_ids else "results.json")
    path.write_text(json.dumps(rows, indent=1), "utf-8")
    return path


@pytest.mark.parametrize(("source", "with_ids"), [("surveyjs", False), ("json", True)])
def test_keys_nobody_answered_are_no_answer_even_when_strict(tmp_path, source, with_ids):
    from maturity.io import read_responses

    q = load_questionnaire(FORMS / "visit.yaml")
    path = _records(tmp_path, with_ids)
    # pr.connected and pr.monitoring are hidden for all (no machines), or.training (fewer
    # than 10 employees) too, or.notes is optional: no record has their keys
    for strict in (False, True):
        r = read_responses(path, q, source=source, strict=strict)
        assert r.warnings == ()
        assert len(r) == 2
        for x in r:
            assert set(x.answers) == {"pr.has_machines", "pr.data", "or.plan"}


def test_a_csv_without_an_items_column_still_warns():
    cells: dict[str, list[object]] = {"respondent_id": ["r1"], "sector": ["J"], "must": ["yes"]}
    r = check_table(_table(cells), Q)
    assert "conn" in {p.path for p in r.warnings}
    assert {p.code for p in r.warnings} == {"R014"}


def test_only_record_formats_say_records():
    from maturity.io.registry import ANSWERS

    assert {f.name for f in ANSWERS if f.records} == {"json", "surveyjs"}


# -- 6. an option's label where its code belongs: refused, with the code suggested --------------


def test_a_label_in_a_csv_of_codes_is_refused_naming_its_code(tmp_path):
    from maturity.io import read_responses

    q = load_questionnaire(FORMS / "visit.yaml")
    path = tmp_path / "a.csv"
    path.write_text(
        "respondent_id,sector,employees,pr.has_machines,pr.data,or.plan\n"
        "r1,C,5,no,energy,In bozza\n"
        "r2,C,5,no,Energy use|output,approved\n"
        "r3,C,5,no,energy,in  BOZZA\n"
        "r4,C,5,no,energy,bozza\n",
        "utf-8",
    )
    with pytest.raises(ResponseError) as info:
        read_responses(path, q)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2:6: or.plan: 'In bozza' is not an option of 'or.plan' (allowed: no, draft, "
        "approved); 'In bozza' is the Italian label of 'draft': write the code [R002]",
        f"{path}:3:5: pr.data: 'Energy use' is not an option of 'pr.data' (allowed: output, "
        "process, energy, none); 'Energy use' is the English label of 'energy': write the "
        "code [R002]",
        f"{path}:4:6: or.plan: 'in  BOZZA' is not an option of 'or.plan' (allowed: no, draft, "
        "approved); 'in  BOZZA' is the Italian label of 'draft': write the code [R002]",
        f"{path}:5:6: or.plan: 'bozza' is not an option of 'or.plan' (allowed: no, draft, "
        "approved) [R002]",
    ]


def test_tool_exports_with_labelled_headers_read_dates_in_their_language(tmp_path):
    from maturity.io import read_responses

    q = load_questionnaire(FORMS / "visit.yaml")
    kobo = (FORMS / "kobo-labels.csv").read_text("utf-8")
    assert '"2025-06-10";"Sì"' in kobo
    path = tmp_path / "kobo.csv"
    path.write_text(kobo.replace('"2025-06-10";"Sì"', '"03/04/2026";"Sì"'), "utf-8")
    assert read_responses(path, q).respondents[0].profile.date == _dt.date(2026, 4, 3)
    # LimeSurvey's "full text" export in English: English does not say day first
    lime = (FORMS / "limesurvey-full.csv").read_text("utf-8")
    assert '"2025-06-10 00:00:00"' in lime
    path = tmp_path / "lime.csv"
    path.write_text(lime.replace('"2025-06-10 00:00:00"', '"03/04/2026"'), "utf-8")
    with pytest.raises(ResponseError) as info:
        read_responses(path, q)
    assert [p.code for p in info.value.problems] == ["R010"]
    assert "ambiguous date '03/04/2026'" in info.value.problems[0].message
    assert read_responses(path, q, date_format="mm/dd/yyyy").respondents[0].profile.date == (
        _dt.date(2026, 3, 4)
    )


def test_an_unknown_date_format_on_the_command_line_is_one_line(tmp_path, capsys):
    from maturity.cli import main

    rc = main(
        [
            "score",
            str(FORMS / "google-forms-it.csv"),
            "-q",
            str(FORMS / "visit.yaml"),
            "-m",
            str(FORMS / "visit-model.yaml"),
            "-o",
            str(tmp_path / "s.csv"),
            "--date-format",
            "gg/mm/aaaa",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert len(err) == 1 and "unknown date format 'gg/mm/aaaa'" in err[0], err
