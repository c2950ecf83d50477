"""Answers from survey tools: hand-made exports of each tool (tests/data/formats, following
the tools' documented export formats) read into the same Responses and the same scores, and
the errors of a tool's export located where the user sees them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest

import maturity as mt
from maturity.errors import ResponseError
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses

DATA = Path(__file__).parent / "data" / "formats"
pytest.importorskip("python_calamine", reason="python-calamine (the 'xlsx' extra) is missing")
openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the 'xlsx' extra) is missing")


@pytest.fixture(scope="module")
def q():
    return mt.load_questionnaire(DATA / "visit.yaml")


@pytest.fixture(scope="module")
def model(q):
    return mt.load_model(DATA / "visit-model.yaml", q)


def expected(q, ids, *, dates=True, regions=True):
    """The three visits of the fixtures, written out by hand."""
    d1 = dt.date(2025, 6, 10) if dates else None
    d3 = dt.date(2025, 6, 12) if dates else None
    r1 = Respondent(
        ids[0],
        Profile("Officine Rossi", "28.41", 25, region="ITC4C" if regions else None, date=d1),
        {
            "pr.has_machines": True,
            "pr.connected": 40.0,
            "pr.monitoring": "some",
            "pr.data": frozenset({"output", "process"}),
            "or.plan": "approved",
            "or.training": "full",
            "or.notes": "Visita con il titolare; tutto ok",
        },
    )
    r2 = Respondent(
        ids[1],
        Profile("Beta srl", "62.01", 8),
        {"pr.has_machines": False, "pr.data": frozenset({"none"}), "or.plan": "draft"},
    )
    r3 = Respondent(
        ids[2],
        Profile("Gamma spa", "C", 120, region="ITH55" if regions else None, date=d3),
        {
            "pr.has_machines": True,
            "pr.connected": NA,
            "pr.monitoring": DONT_KNOW,
            "pr.data": frozenset({"energy"}),
            "or.plan": "no",
            "or.training": "none",
        },
    )
    return Responses(q, (r1, r2, r3))


def same(read, want, model):
    assert read == want
    a, b = mt.score(read, model), mt.score(want, model)
    assert a.to_frame().equals(b.to_frame())


UUIDS = (
    "6f1d2c4e-0b7a-4c57-9a40-2f2f7b1e8a11",
    "a3c9b1d0-5e2f-4f0a-8c1b-77d2e4f09c3b",
    "0d8e7f6a-1b2c-4d3e-9f80-a1b2c3d4e5f6",
)


def test_kobotoolbox_csv_export(q, model):
    read = mt.read_responses(DATA / "kobo.csv", q)  # recognised by its _uuid column
    same(read, expected(q, UUIDS), model)
    assert read == mt.read_responses(DATA / "kobo.csv", q, source="kobo")


def test_kobotoolbox_labels_export(q, model):
    # "Labels" headers and values: group and question labels, option labels (a multiple
    # choice joined by spaces), the companion of N/A headed like its item, an empty "other"
    read = mt.read_responses(DATA / "kobo-labels.csv", q)
    same(read, expected(q, UUIDS), model)


def test_an_unknown_column_with_answers_is_an_error_an_empty_one_is_not(tmp_path, q):
    text = (DATA / "kobo-labels.csv").read_text("utf-8")
    lines = text.splitlines()
    lines[2] = lines[2].replace(';"In bozza";"";"";"";', ';"In bozza";"";"";"Stampa 3D";', 1)
    (tmp_path / "k.csv").write_text("\n".join(lines) + "\n", "utf-8")
    (p,) = _problems(tmp_path / "k.csv", q)
    assert (p.code, p.path, p.column) == ("R001", "Organizzazione/Altro (specificare)", 20)


def test_odk_central_csv_export(q, model):
    read = mt.read_responses(DATA / "odk-central.csv", q)
    same(read, expected(q, [f"uuid:{u}" for u in UUIDS]), model)


def _as_xlsx(csv_path, out, *, typed=True, sheet="visit", drop=()):
    """The rows of a CSV export written as the tool's XLSX export (numbers and dates typed)."""
    import csv

    text = csv_path.read_text("utf-8-sig")
    delim = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delim))
    keep = [j for j, h in enumerate(rows[0]) if h not in drop]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, j in enumerate(keep, start=1):
            v = row[j]
            if not v:
                continue
            if typed and r > 1:
                with contextlib.suppress(ValueError):
                    v = dt.date.fromisoformat(v) if len(v) == 10 and v[4] == "-" else float(v)
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, str):
                cell.data_type = "s"
    wb.save(out)
    return out


def test_kobotoolbox_xlsx_export_with_one_column_per_option(tmp_path, q, model):
    # the "separate columns" export without the single select_multiple column
    path = _as_xlsx(DATA / "kobo.csv", tmp_path / "kobo.xlsx", drop=("prod/pr.data",))
    read = mt.read_responses(path, q)
    same(read, expected(q, UUIDS), model)


def test_limesurvey_codes_export(q, model):
    read = mt.read_responses(DATA / "limesurvey-codes.csv", q, incomplete="skip")
    same(read, expected(q, ["11", "12", "13"]), model)


def test_limesurvey_incomplete_responses_are_kept_by_default(q):
    with pytest.raises(ResponseError) as info:
        mt.read_responses(DATA / "limesurvey-codes.csv", q)
    found = [(p.code, p.line, p.path) for p in info.value.problems]
    assert found == [("R010", 5, "employees"), ("R006", 5, "prhasmachines")]


def test_limesurvey_code_and_text_headings(tmp_path, q, model):
    text = (DATA / "limesurvey-codes.csv").read_text("utf-8-sig")
    head, rest = text.split("\n", 1)
    head = head.replace('"prconnected"', '"prconnected. Quota di macchine collegate (%)"')
    head = head.replace('"prdata[SQ001]"', '"prdata[SQ001]. Quali dati raccogliete? [Quantità]"')
    (tmp_path / "ls.csv").write_text(head + "\n" + rest, "utf-8")
    read = mt.read_responses(tmp_path / "ls.csv", q, incomplete="skip")
    same(read, expected(q, ["11", "12", "13"]), model)


def test_limesurvey_full_text_export(q, model):
    read = mt.read_responses(DATA / "limesurvey-full.csv", q)
    same(read, expected(q, ["11", "12", "13"]), model)


def test_google_forms_export_with_italian_labels(q, model):
    read = mt.read_responses(DATA / "google-forms-it.csv", q)
    same(read, expected(q, ["2", "3", "4"]), model)


def test_microsoft_forms_xlsx_export_with_english_labels(tmp_path, q, model):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Company",
            "Sector (NACE/ATECO code)",
            "Employees",
            "Do you have production machines?",
            "Share of connected machines (%)",
            "Do you monitor machines remotely?",
            "Which data do you collect?",
            "Do you have a digital plan?",
            "Do you train staff in digital skills?",
            "Notes of the visit",
        ],
        [
            1,
            dt.datetime(2025, 6, 10, 9, 12),
            dt.datetime(2025, 6, 10, 9, 41),
            "anonymous",
            None,
            "Officine Rossi",
            "28.41",
            25,
            "Yes",
            40,
            "Partly",
            "Quantities produced;Process parameters (temperatures, pressures);",
            "Approved",
            "Fully",
            "Visita con il titolare; tutto ok",
        ],
        [
            2,
            dt.datetime(2025, 6, 11, 14, 2),
            dt.datetime(2025, 6, 11, 14, 20),
            "anonymous",
            None,
            "Beta srl",
            "62.01",
            8,
            "No",
            None,
            None,
            "None of these;",
            "In draft",
            None,
            None,
        ],
        [
            3,
            dt.datetime(2025, 6, 12, 10, 30),
            dt.datetime(2025, 6, 12, 11, 5),
            "anonymous",
            None,
            "Gamma spa",
            "C",
            120,
            "Yes",
            "Not applicable",
            "Don't know",
            "Energy use;",
            "No plan",
            "Not at all",
            None,
        ],
    ]
    for row in rows:
        ws.append(row)
    wb.save(tmp_path / "msforms.xlsx")
    read = mt.read_responses(tmp_path / "msforms.xlsx", q)
    same(read, expected(q, ["1", "2", "3"], dates=False, regions=False), model)


def test_surveyjs_results(q, model):
    read = mt.read_responses(DATA / "surveyjs-results.json", q, source="surveyjs")
    same(read, expected(q, ["1", "2", "3"]), model)


def test_a_mapping_file_reads_a_tool_we_do_not_know(q, model):
    read = mt.read_responses(DATA / "registro.csv", q, mapping=DATA / "registro.mapping.yaml")
    same(read, expected(q, ["V-01", "V-02", "V-03"], dates=False, regions=False), model)


def test_a_plain_spreadsheet_in_our_layout_round_trips(tmp_path, q, model):
    want = expected(q, ["a", "=b", "c"])
    path = mt.write_responses(want, tmp_path / "answers.xlsx")
    read = mt.read_responses(path, q)
    same(read, want, model)
    wb = openpyxl.load_workbook(path)
    assert wb.active["A3"].value == "'=b"  # the formula guard: a text, never a formula


# --- errors, located ------------------------------------------------------------------------


def _problems(path, q, **kw):
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q, **kw)
    return info.value.problems


def test_an_unknown_label_is_located_with_the_closest_label(tmp_path, q):
    text = (DATA / "google-forms-it.csv").read_text("utf-8").replace("In bozza", "In boza")
    (tmp_path / "f.csv").write_text(text, "utf-8")
    (p,) = _problems(tmp_path / "f.csv", q)
    assert (p.file, p.line, p.column, p.path) == (
        str(tmp_path / "f.csv"),
        3,
        12,
        "Avete un piano digitale?",
    )
    assert "'In boza' is not an option of 'or.plan'" in p.message
    assert "did you mean 'In bozza'?" in p.message


def test_a_label_two_options_share_is_ambiguous(tmp_path):
    q = mt.parse_questionnaire(
        """\
format: maturity/questionnaire@1
id: t
version: 1.0.0
languages: [it, en]
title: {it: T, en: T}
items:
  - {id: a, kind: choice, text: {it: Domanda, en: Question}, options: [
      {code: x, value: 0, label: {it: Poco, en: Some}},
      {code: y, value: 1, label: {it: Some, en: Much}}]}
"""
    )
    (tmp_path / "f.csv").write_text("Timestamp,Question\n2025-01-01,Some\n2025-01-02,Much\n")
    (p,) = _problems(tmp_path / "f.csv", q)
    assert (p.line, p.column, p.path) == (2, 2, "Question")
    assert "ambiguous" in p.message and "x, y" in p.message


def test_multiple_choice_labels_with_commas_are_split_by_the_labels(tmp_path, q):
    text = (
        (DATA / "google-forms-it.csv")
        .read_text("utf-8")
        .replace(
            '"Quantità prodotte, Parametri di processo (temperature, pressioni)"',
            '"Parametri di processo (temperature, pressioni), Quantità prodotte, Nessuno"',
        )
    )
    (tmp_path / "f.csv").write_text(text, "utf-8")
    (p,) = _problems(tmp_path / "f.csv", q)
    assert p.line == 2 and "'Nessuno' is not an option of 'pr.data'" in p.message
    assert "Nessuno di questi" in p.message


def test_errors_in_a_spreadsheet_name_the_sheet_row_and_column(tmp_path, q):
    path = _as_xlsx(DATA / "kobo.csv", tmp_path / "kobo.xlsx", sheet="Visite")
    wb = openpyxl.load_workbook(path)
    wb["Visite"]["Q4"] = "sometimes"  # org/or.plan of the third submission
    wb["Visite"]["J3"] = 40  # prod/pr.connected of the second, which is not asked
    wb.save(path)
    problems = _problems(path, q)
    where = {(p.file, p.line, p.column, p.path, p.code) for p in problems}
    name = f"{path}[Visite]"
    assert (name, 4, 17, "org/or.plan", "R011") in where
    assert (name, 3, 10, "prod/pr.connected", "R005") in where


def test_a_companion_with_an_unknown_special_is_an_error(tmp_path, q):
    text = (DATA / "limesurvey-codes.csv").read_text("utf-8-sig").replace('"NA"', '"XX"')
    (tmp_path / "ls.csv").write_text(text, "utf-8")
    problems = _problems(tmp_path / "ls.csv", q, incomplete="skip")
    assert [(p.line, p.path) for p in problems] == [(4, "prconnectedspecial")]


def test_mapping_files_are_checked_strictly(tmp_path, q):
    (tmp_path / "m.yaml").write_text(
        "format: maturity/answers-mapping@1\ncolumns: {A: pr.conected}\nvalue: {}\n"
    )
    (tmp_path / "a.csv").write_text("A\n1\n")
    with pytest.raises(mt.SpecError) as info:
        mt.read_responses(tmp_path / "a.csv", q, mapping=tmp_path / "m.yaml")
    messages = [str(p) for p in info.value.problems]
    assert any("did you mean 'pr.connected'" in m and ":2:" in m for m in messages)
    assert any("unknown key 'value'" in m for m in messages)


def _date_format_supported() -> bool:
    from maturity.io.check import check_table
    from maturity.io.table import RawTable

    q = mt.parse_questionnaire(
        "format: maturity/questionnaire@1\nid: t\nversion: 1.0.0\nlanguages: [en]\n"
        "title: {en: T}\nitems:\n  - {id: a, kind: boolean, text: {en: A}}\n"
    )
    t = RawTable(
        "x",
        ("respondent_id", "date"),
        {"respondent_id": ["1"], "date": ["10/06/2025"]},
        1,
        date_format="%d/%m/%Y",
    )
    try:
        return check_table(t, q).respondents[0].profile.date == dt.date(2025, 6, 10)
    except ResponseError:
        return False


@pytest.mark.skipif(
    not _date_format_supported(),
    reason="the checker does not honour RawTable.date_format yet (dd/mm/yyyy dates)",
)
def test_google_forms_dates_in_the_italian_format(tmp_path, q, model):
    text = (DATA / "google-forms-it.csv").read_text("utf-8")
    text = text.replace(",2025-06-10,", ",10/06/2025,").replace(",2025-06-12,", ",12/06/2025,")
    (tmp_path / "f.csv").write_text(text, "utf-8")
    read = mt.read_responses(tmp_path / "f.csv", q, date_format="%d/%m/%Y")
    same(read, expected(q, ["2", "3", "4"]), model)


def test_the_cli_reads_a_tool_export_and_exports_forms(tmp_path, capsys):
    from maturity.cli import main

    out = tmp_path / "scores.csv"
    rc = main(
        [
            "score",
            str(DATA / "kobo.csv"),
            "-q",
            str(DATA / "visit.yaml"),
            "-m",
            str(DATA / "visit-model.yaml"),
            "-o",
            str(out),
        ]
    )
    assert rc == 0 and out.exists()
    rc = main(
        ["export", str(DATA / "visit.yaml"), "--to", "xlsform", "-o", str(tmp_path / "f.xlsx")]
    )
    assert rc == 0
    rc = main(
        ["export", str(DATA / "visit.yaml"), "--to", "xlsform", "-o", str(tmp_path / "f.xlsx")]
    )
    assert rc == 1 and "exists" in capsys.readouterr().err
    rc = main(["template", str(DATA / "visit.yaml"), "-o", str(tmp_path / "answers.csv")])
    assert rc == 0
    assert (tmp_path / "answers.csv").read_text().startswith("respondent_id,")


def _ods(path, rows, sheet="Risposte"):
    """A minimal OpenDocument spreadsheet (what LibreOffice saves), written by hand."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v):
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, dt.date):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                f"<text:p>{v.isoformat()}</text:p></table:table-cell>"
            )
        if isinstance(v, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>"
            )
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(v)}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def test_an_ods_sheet_in_our_layout(tmp_path, q, model):
    rows = [
        [
            "respondent_id",
            "company",
            "sector",
            "employees",
            "region",
            "date",
            "pr.has_machines",
            "pr.connected",
            "pr.monitoring",
            "pr.data",
            "or.plan",
            "or.training",
            "or.notes",
        ],
        [
            "a",
            "Officine Rossi",
            "28.41",
            25,
            "ITC4C",
            dt.date(2025, 6, 10),
            "yes",
            40,
            "some",
            "output|process",
            "approved",
            "full",
            "Visita con il titolare; tutto ok",
        ],
        ["b", "Beta srl", "62.01", 8, None, None, "no", None, None, "none", "draft", None, None],
        [
            "c",
            "Gamma spa",
            "C",
            120,
            "ITH55",
            dt.date(2025, 6, 12),
            "yes",
            "n/a",
            "dont_know",
            "energy",
            "no",
            "none",
            None,
        ],
    ]
    path = _ods(tmp_path / "risposte.ods", rows)
    same(mt.read_responses(path, q), expected(q, ["a", "b", "c"]), model)
    rows[2][3] = "otto"
    _ods(path, rows)
    (p,) = _problems(path, q)
    assert (p.file, p.line, p.column, p.path) == (f"{path}[Risposte]", 3, 4, "employees")


def test_numbers_in_a_spreadsheet_we_write_keep_every_digit(tmp_path, q):
    # 17.484073282345918 needs 17 significant digits; openpyxl alone writes 16
    want = expected(q, ["a", "b", "c"])
    r1 = want.respondents[0]
    x = 17.484073282345918
    assert float(f"{x:.16g}") != x
    r1 = Respondent(r1.id, r1.profile, {**r1.answers, "pr.connected": x})
    want = Responses(q, (r1, *want.respondents[1:]))
    path = mt.write_responses(want, tmp_path / "a.xlsx")
    assert mt.read_responses(path, q) == want


def test_labels_match_exactly_codes_forgive_case(tmp_path, q):
    text = (DATA / "google-forms-it.csv").read_text("utf-8")
    (tmp_path / "codes.csv").write_text(text.replace(",In bozza,", ",DRAFT,"), "utf-8")
    assert mt.read_responses(tmp_path / "codes.csv", q)["3"].answers["or.plan"] == "draft"
    (tmp_path / "case.csv").write_text(text.replace(",In bozza,", ",in bozza,"), "utf-8")
    (p,) = _problems(tmp_path / "case.csv", q)
    assert "'in bozza' is not an option" in p.message and "did you mean 'In bozza'" in p.message
    spaced = text.replace(",In bozza,", ",  In\u00a0 bozza ,")
    (tmp_path / "spaced.csv").write_text(spaced, "utf-8")
    assert mt.read_responses(tmp_path / "spaced.csv", q)["3"].answers["or.plan"] == "draft"
    decomposed = text.replace("Quantità", "Quantita\u0300")  # NFD: a + combining grave
    (tmp_path / "nfd.csv").write_text(decomposed, "utf-8")
    assert mt.read_responses(tmp_path / "nfd.csv", q) == mt.read_responses(
        DATA / "google-forms-it.csv", q
    )


# -- faults of a tool's file, located (the fuzz test's findings, one kind each) -------------------


def test_surveyjs_results_beyond_the_yaml_readers_limit_are_read(tmp_path, q, monkeypatch):
    # SurveyJS results go through the one JSON records reader: a file beyond the YAML reader's
    # limit of values was refused (Y010); it is read by the json module, and a problem still
    # names its record's line
    import json

    monkeypatch.setattr("maturity.spec.yamlio.MAX_VALUES", 50)
    profile = {"sector": "C", "employees": 5}
    records = [{"respondent_id": f"v{k}", **profile, "pr.has_machines": True} for k in range(40)]
    records.append({"respondent_id": "bad", **profile, "pr.has_machines": "perhaps"})
    path = tmp_path / "results.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]", encoding="utf-8")
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q, source="surveyjs")
    assert [(p.line, p.path) for p in info.value.problems if p.code == "R002"] == [
        (42, "pr.has_machines")
    ]
    records[-1]["pr.has_machines"] = False
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]", encoding="utf-8")
    read = mt.read_responses(path, q, source="surveyjs")
    assert len(read) == 41 and read["bad"].answers["pr.has_machines"] is False


def test_a_sheet_of_answers_read_as_an_interview_workbook_is_refused_plainly(tmp_path, q):
    # it raised KeyError('_maturity')
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "answers"
    wb.active.append(["respondent_id", "pr.has_machines"])
    wb.save(path)
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q, source="xlsx-form")
    (p,) = info.value.problems
    assert (p.code, p.file, p.line) == ("R012", str(path), None)
    assert p.message == (
        "not an interview workbook: it has no '_maturity' sheet (sheets: answers); a sheet of "
        "answers, one row per respondent, is read with source='xlsx'"
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "first_respondent_column",
            "E",
            "'first_respondent_column' must be a column number from 1 to 16,384, found 'E'",
        ),
        ("sheet", "Missing", "no sheet 'Missing' (sheets: "),
    ],
)
def test_a_damaged_hidden_sheet_of_the_interview_workbook_is_located(
    tmp_path, q, key, value, message
):
    # a first column that is not a number raised ValueError; a sheet that is not there KeyError
    path = tmp_path / "w.xlsx"
    mt.export(q, to="xlsx-form", langs="it", path=path)
    wb = openpyxl.load_workbook(path)
    meta = wb["_maturity"]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == key)
    meta.cell(row, 2).value = value
    wb.save(path)
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q)  # recognised by its hidden sheet
    (p,) = info.value.problems
    assert p.code == "R012" and p.message.startswith(message)
    assert p.file == (f"{path}[_maturity]" if key == "first_respondent_column" else str(path))


def test_a_broken_spreadsheet_names_the_file_as_the_caller_does(tmp_path, q):
    # the error named the path given to the spreadsheet library, not the file's shown name
    path = tmp_path / "k.xlsx"
    path.write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q, source="kobo", name="visite.xlsx")
    (p,) = info.value.problems
    assert (p.code, p.file) == ("R012", "visite.xlsx")
    assert p.message.startswith("cannot read the spreadsheet: ")


def test_a_date_cell_out_of_range_is_refused_not_a_panic(tmp_path, q):
    # calamine's Rust code panics on a date-formatted cell holding -9.2e18; the panic reached
    # the caller as pyo3's PanicException, which is not even an Exception
    path = tmp_path / "d.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "sector", "employees", "date"])
    ws.append(["v1", "C", 5, dt.date(2025, 6, 10)])
    ws["D2"].value = -9.2e18  # keeps the cell's date format
    wb.save(path)
    with pytest.raises(ResponseError) as info:
        mt.read_responses(path, q)
    (p,) = info.value.problems
    assert (p.code, p.file) == ("R012", str(path))
    assert p.message.startswith("cannot read the spreadsheet: its reader failed on a cell (")


def test_limesurvey_system_columns_before_questions_are_not_taken_for_a_question(tmp_path, model):
    """A question whose text reads like one of LimeSurvey's system columns ("Date started")
    takes its own column, not the system column of that name that comes before every question.
    """
    yaml = (DATA / "visit.yaml").read_text("utf-8")
    assert yaml.count("en: Do you have a digital plan?") == 1
    yaml = yaml.replace("en: Do you have a digital plan?", "en: Date started")
    (tmp_path / "visit.yaml").write_text(yaml, "utf-8")
    q2 = mt.load_questionnaire(tmp_path / "visit.yaml")
    text = (DATA / "limesurvey-full.csv").read_text("utf-8-sig")
    assert text.count('"Do you have a digital plan?"') == 1
    text = text.replace('"Do you have a digital plan?"', '"Date started"')
    (tmp_path / "ls.csv").write_text(text, "utf-8")
    read = mt.read_responses(tmp_path / "ls.csv", q2)
    original = mt.read_responses(
        DATA / "limesurvey-full.csv", mt.load_questionnaire(DATA / "visit.yaml")
    )
    assert [r.answers for r in read] == [r.answers for r in original]
