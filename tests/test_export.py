"""Exports of a questionnaire: XLSForm (checked by pyxform, ODK's reference converter),
SurveyJS (loaded by survey-core itself under Node), the interview workbook, the CSV template.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.io.export import ExportError, ExportWarning, export
from maturity.io.registry import EXPORTS
from maturity.responses import DONT_KNOW, NA, condition_answers
from maturity.synthetic import generate
from tests.strategies import conditional_questionnaires, profiles
from tests.util import q_from

JS = Path(__file__).parent / "js"
SHIPPED = ("i40-readiness", "digital-maturity")


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    return mt.load_questionnaire(request.param)


# --- registry and API --------------------------------------------------------------------


def test_every_exporter_is_registered_and_listed():
    assert {"xlsx-form", "xlsform", "surveyjs", "csv"} <= set(EXPORTS.names())


def test_export_writes_exclusively_and_returns_bytes(tmp_path):
    data = export("i40-readiness", to="csv")
    assert isinstance(data, bytes)
    out = export("i40-readiness", to="csv", path=tmp_path / "a.csv")
    assert out == tmp_path / "a.csv" and out.read_bytes() == data
    with pytest.raises(mt.MaturityError):
        export("i40-readiness", to="csv", path=tmp_path / "a.csv")


def test_unknown_format_and_language_are_errors():
    with pytest.raises(mt.MaturityError, match=r"formats: .*surveyjs"):
        export("i40-readiness", to="limesurvey-lss")
    with pytest.raises(ExportError, match="language de is not declared"):
        export("i40-readiness", to="surveyjs", langs="de")


def test_template_is_a_readable_empty_answers_file(tmp_path):
    q = mt.load_questionnaire("digital-maturity")
    path = mt.io.export.template(q, tmp_path / "answers.csv")
    header = path.read_text("utf-8").strip().split(",")
    assert header[:3] == ["respondent_id", "questionnaire", "questionnaire_version"]
    assert set(header) == {
        "respondent_id",
        "questionnaire",
        "questionnaire_version",
        "company",
        "sector",
        "employees",
        "turnover",
        "balance_sheet",
        "region",
        "date",
        *(i.id for i in q.items),
    }
    assert len(mt.read_responses(path, q)) == 0


# --- XLSForm: pyxform ----------------------------------------------------------------------

pyxform = pytest.importorskip("pyxform", reason="pyxform (the 'dev' extra) is not installed")


def _pyxform(tmp_path, data, *, validate=False):
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    found: list[str] = []
    result = convert(xlsform=str(path), warnings=found, validate=validate)
    return result, found


def test_shipped_questionnaires_convert_with_pyxform_without_warnings(tmp_path, shipped):
    # ODK Validate (Java) checks every XPath expression too, where Java is installed
    result, found = _pyxform(
        tmp_path, export(shipped, to="xlsform"), validate=shutil.which("java") is not None
    )
    assert found == []
    assert "<h:title>" in result.xform


def _binds(result):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(result.xform)
    out = {}
    for el in root.iter():
        if el.tag.endswith("bind"):
            out[el.get("nodeset").rsplit("/", 1)[-1]] = el.attrib
    return out


def test_xlsform_relevant_constraint_and_languages(tmp_path):
    q = mt.load_questionnaire("i40-readiness")
    data = export(q, to="xlsform", langs="it,en")
    result, _ = _pyxform(tmp_path, data)
    binds = _binds(result)
    # the condition answer("sf.machines_connected") < 90, three-valued: hidden only when the
    # answer is known and at least 90
    rel = binds["sf.retrofit"]["relevant"]
    assert "sf.machines_connected" in rel and ">= 90" in rel and rel.startswith("not(")
    assert binds["sf.machines_connected"]["constraint"] == ". >= 0 and . <= 100"
    assert binds["sf.machines_connected"]["type"] == "decimal"
    # profile.section comes from a calculate on the sector
    assert "_section" in binds["so.planning"]["relevant"]
    assert "calculate" in binds["_section"]
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    header = [c.value for c in wb["survey"][1]]
    assert "label::Italiano (it)" in header and "label::English (en)" in header
    types = {r[1].value: r[0].value for r in wb["survey"].iter_rows(min_row=2)}
    assert types["sf.data_collected"].startswith("select_multiple ")
    assert types["st.roadmap"].startswith("select_one ")
    settings_ = {
        c.value: v.value for c, v in zip(wb["settings"][1], wb["settings"][2], strict=True)
    }
    assert settings_["form_id"] == "i40-readiness"
    assert settings_["default_language"] == "Italiano (it)"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=conditional_questionnaires())
def test_generated_questionnaires_with_every_operator_convert_with_pyxform(tmp_path, q):
    _, found = _pyxform(tmp_path, export(q, to="xlsform"))
    assert found == []


# --- SurveyJS: survey-core under Node ------------------------------------------------------


def _node_ready() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed (.ci/run installs it)"
    if not (JS / "node_modules" / "survey-core").is_dir():
        return "the npm package survey-core is not installed in tests/js (npm ci there)"
    return None


needs_node = pytest.mark.skipif(_node_ready() is not None, reason=str(_node_ready()))


def _shown(runs):
    """For each (survey, cases): the questions survey-core shows in each case (one Node run)."""
    run = subprocess.run(
        ["node", str(JS / "visible.js")],
        input=json.dumps({"runs": [{"survey": s, "cases": c} for s, c in runs]}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = json.loads(run.stdout)
    assert out["errors"] == []
    return out["runs"]


def surveyjs_data(q, r):
    """A respondent as SurveyJS would store it (the conventions of the export)."""
    d = {}
    for f in ("company", "sector", "employees", "turnover", "balance_sheet", "region"):
        v = getattr(r.profile, f)
        if v is not None:
            d[f] = v
    if r.profile.date is not None:
        d["date"] = r.profile.date.isoformat()
    for item in q.items:
        a = r.answers.get(item.id)
        if a is None:
            continue
        if a is NA or a is DONT_KNOW:
            if item.kind in ("number", "text"):
                d[item.id + "__special"] = a.code
            elif a is NA:
                d[item.id] = ["n/a"] if item.kind == "multi" else "n/a"
            else:
                d[item.id] = ["dontknow"] if item.kind == "multi" else "dontknow"
        elif isinstance(a, frozenset):
            d[item.id] = sorted(a)
        elif isinstance(a, bool):
            d[item.id] = "yes" if a else "no"
        else:
            d[item.id] = a
    return d


def _expected_visible(q, r):
    env = condition_answers(r.answers)
    prof = r.profile.for_conditions()
    return {
        i.id: not any(c.evaluate(env, prof) is False for c in q.conditions_of(i.id))
        for i in q.items
    }


def _check_visibility(pairs):
    """Every (questionnaire, responses): survey-core shows exactly the items we ask."""
    runs = [
        (json.loads(export(q, to="surveyjs")), [surveyjs_data(q, r) for r in rs]) for q, rs in pairs
    ]
    for (q, responses), shown in zip(pairs, _shown(runs), strict=True):
        for r, names in zip(responses, shown, strict=True):
            expected = _expected_visible(q, r)
            got = {i.id: (i.id in names or f"{i.id}__special" in names) for i in q.items}
            assert got == expected, (r.id, {k for k in got if got[k] != expected[k]})


@needs_node
def test_surveyjs_shows_the_items_our_conditions_ask_shipped(shipped):
    _check_visibility([(shipped, generate(shipped, 40, seed=11))])


@needs_node
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_surveyjs_shows_the_items_our_conditions_ask_generated(data):
    # several questionnaires per example, so that Node starts once for all of them
    from maturity.responses import Respondent, Responses
    from tests.strategies import answers_to

    pairs = []
    for _ in range(3):
        q = data.draw(conditional_questionnaires())
        people = []
        for k in range(6):
            profile, answers = data.draw(answers_to(q, data.draw(profiles())))
            people.append(Respondent(f"r{k}", profile, answers))
        pairs.append((q, Responses(q, tuple(people))))
    _check_visibility(pairs)


def test_surveyjs_structure_and_localised_texts():
    q = mt.load_questionnaire("i40-readiness")
    s = json.loads(export(q, to="surveyjs", langs=["it", "en"]))
    assert s["locale"] == "it"
    assert [p["name"] for p in s["pages"]][:2] == ["profile", "general"]
    assert {p["name"] for p in s["pages"]} >= {d.id for d in q.root.dimensions}
    qs = {e["name"]: e for p in s["pages"] for e in _walk(p["elements"])}
    roadmap = qs["st.roadmap"]
    assert roadmap["type"] == "radiogroup"
    item = q.item("st.roadmap")
    assert [c["value"] for c in roadmap["choices"]][: len(item.codes)] == list(item.codes)
    assert roadmap["title"]["it"] == item.text["it"] and roadmap["title"]["en"] == item.text["en"]
    assert roadmap["title"]["default"] == item.text["it"]
    assert qs["sf.data_collected"]["type"] == "checkbox"
    none = next(c for c in qs["em.digital_roles"]["choices"] if c["value"] == "none")
    assert none["isExclusive"] is True
    assert qs["sf.machines_connected"]["inputType"] == "number"
    assert qs["sf.machines_connected"]["max"] == 100
    assert "visibleIf" in qs["sf.retrofit"]
    assert qs["sf.remote_control"]["showDontKnowItem"] is True


def _walk(elements):
    for e in elements:
        yield e
        yield from _walk(e.get("elements", []))


def test_surveyjs_lists_what_it_cannot_compare_exactly():
    q = q_from(
        """
        items:
          - {id: a, kind: choice, text: {en: A, it: A}, options: [
              {code: X, value: 0, label: {en: x, it: x}},
              {code: x, value: 1, label: {en: y, it: y}}]}
          - {id: b, kind: text, text: {en: B, it: B}}
          - {id: c, kind: boolean, text: {en: C, it: C}, when: 'answer("a") == "X"'}
          - {id: d, kind: boolean, text: {en: D, it: D}, when: 'answer("b") == "yes"'}
        """
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export(q, to="surveyjs")
    messages = [str(w.message) for w in caught if w.category is ExportWarning]
    assert any("'X' and 'x'" in m for m in messages)
    assert any("{b} = 'yes'" in m for m in messages)


def test_an_option_named_like_surveyjs_dont_know_is_an_error():
    q = q_from(
        """
        items:
          - {id: a, kind: choice, dont_know: true, text: {en: A, it: A}, options: [
              {code: dontknow, value: 0, label: {en: x, it: x}},
              {code: b, value: 1, label: {en: y, it: y}}]}
        """
    )
    with pytest.raises(ExportError, match="dontknow"):
        export(q, to="surveyjs")


# --- the format reference is the registry's --------------------------------------------------


def _table(text, heading):
    part = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in part.splitlines() if ln.startswith("| `")]
    out = {}
    for ln in rows:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if not cells[0].startswith("`"):
            break
        out[cells[0].strip("`")] = cells
    return out


def test_the_format_reference_lists_the_registry():
    from maturity.io.registry import ANSWERS

    text = (Path(__file__).parent.parent / "docs" / "reference" / "formats.md").read_text("utf-8")
    answers = _table(text, "## Answers formats")
    assert set(answers) == set(ANSWERS.names())
    for f in ANSWERS:
        row = answers[f.name]
        assert row[-1] == f.description
        assert row[1].split() == [f"`{s}`" for s in f.suffixes]
        assert (row[2] == "yes") == (f.read is not None)
        assert (row[3] == "yes") == (f.write is not None)
        # where its errors point: a line in a text file, none in a binary one
        suffixes = " ".join(f"`{s}`" for s in f.binary_suffixes)
        lines = "no" if not f.text else f"not in {suffixes}" if suffixes else "yes"
        assert row[-2] == lines, f.name
    exports = _table(text, "## Questionnaire exports")
    assert set(exports) == set(EXPORTS.names())
    for f in EXPORTS:
        assert exports[f.name][-1] == f.description


def test_the_registry_says_which_files_have_lines():
    from maturity.io import format_for_reading
    from maturity.io.registry import ANSWERS

    assert ANSWERS.get("csv").reads_text("a.xlsx")  # read as CSV whatever its name
    assert ANSWERS.get("json").reads_text("a.json")
    assert not ANSWERS.get("parquet").reads_text("a.csv")
    assert not ANSWERS.get("xlsx-form").reads_text("a.xlsx")
    for name in ("kobo", "forms", "limesurvey", "xlsx"):
        f = ANSWERS.get(name)
        assert f.reads_text("export.csv") and not f.reads_text("EXPORT.XLSX"), name
    # the format read_responses picks: by the file's first bytes, then its suffix
    assert format_for_reading("a.csv", "kobo").name == "kobo"
    assert format_for_reading("missing.parquet").name == "parquet"
    assert format_for_reading("missing.unknown").name == "csv"


def test_the_workbook_says_conditions_in_words():
    import io

    from openpyxl import load_workbook

    q = mt.load_questionnaire("i40-readiness")
    wb = load_workbook(io.BytesIO(export(q, to="xlsx-form", langs="it")))
    ws = wb["Intervista"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    words = ws.cell(rows["sf.retrofit"], 4).value
    assert words == (
        f"da porre solo se: sf.machines_connected (riga {rows['sf.machines_connected']}) "
        "è minore di 90"
    )
    planning = ws.cell(rows["so.planning"], 4).value
    assert "NACE section è «C»" in planning
    assert f"sf.has_production (riga {rows['sf.has_production']}) è Sì" in planning
    # the drop-down of a scale item lists its labels in Italian, then N/A and "don't know"
    dv = next(
        d
        for d in ws.data_validations.dataValidation
        if f"E{rows['sf.remote_control']}" in str(d.sqref)
    )
    lists = wb["_lists"]
    ref = dv.formula1.split("!")[1].replace("$", "")
    col = ref[0]
    labels = [c.value for c in lists[col] if c.value]
    item = q.item("sf.remote_control")
    assert labels == [o.label["it"] for o in item.options] + ["Non applicabile", "Non so"]
    assert wb["_maturity"].sheet_state == "hidden"


@pytest.mark.parametrize("to", ["xlsform", "surveyjs"])
def test_a_condition_a_format_cannot_express_is_reported_not_dropped(to):
    import dataclasses

    from maturity.conditions import parse

    q = q_from(
        """
        items:
          - {id: t, kind: text, text: {en: T, it: T}}
          - {id: n, kind: number, text: {en: N, it: N}}
          - {id: b, kind: boolean, text: {en: B, it: B}}
        """
    )
    # built around the loader, which refuses it: a text is no yes/no value
    b = dataclasses.replace(q.item("b"), when=parse('answer("t") and answer("n") > 1'))
    root = dataclasses.replace(q.root, items=(q.item("t"), q.item("n"), b))
    bad = dataclasses.replace(q, root=root)
    with pytest.raises(ExportError) as info:
        export(bad, to=to)
    (problem,) = info.value.problems
    assert "item 'b'" in problem and 'answer("t")' in problem and "not a yes/no value" in problem
