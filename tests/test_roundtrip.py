"""Round trips: questionnaire → each tool's format → answers written in that tool's
conventions → read_responses → the same Responses → the same scores.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.io.export import export
from maturity.io.labels import normalize, special_label
from maturity.synthetic import generate
from tests import formats_util as fu
from tests.strategies import conditional_questionnaires, responses_for

pytest.importorskip("python_calamine", reason="python-calamine (the 'xlsx' extra) is missing")
pytest.importorskip("openpyxl", reason="openpyxl (the 'xlsx' extra) is missing")

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _with_ids(r, ids):
    from maturity.responses import Respondent, Responses

    people = tuple(Respondent(i, p.profile, p.answers) for i, p in zip(ids, r, strict=True))
    return Responses(r.questionnaire, people)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# --- every format, the shipped questionnaire, the same scores ------------------------------


@pytest.fixture(scope="module")
def shipped():
    q = mt.load_questionnaire("i40-readiness")
    return q, mt.load_model("i40-readiness-weighted", q), generate(q, 12, seed=7)


def _same_scores(read, want, model):
    assert read == want
    assert mt.score(read, model).to_frame().equals(mt.score(want, model).to_frame())


def test_kobo_round_trip_same_scores(tmp_path, shipped):
    q, model, r = shipped
    _same_scores(
        mt.read_responses(_write(tmp_path, "k.csv", fu.kobo_csv(q, r, split=True)), q), r, model
    )


def test_surveyjs_round_trip_same_scores(tmp_path, shipped):
    q, model, r = shipped
    want = _with_ids(r, [str(k + 1) for k in range(len(r))])
    path = _write(tmp_path, "s.json", fu.surveyjs_results(q, want))
    _same_scores(mt.read_responses(path, q, source="surveyjs"), want, model)


def test_limesurvey_round_trip_same_scores(tmp_path, shipped):
    q, model, r = shipped
    want = _with_ids(r, [str(10 + k) for k in range(len(r))])
    path = _write(tmp_path, "l.csv", fu.limesurvey_csv(q, want))
    _same_scores(mt.read_responses(path, q), want, model)


@pytest.mark.parametrize(("lang", "sep"), [("it", ", "), ("en", ";")])
def test_forms_round_trip_same_scores(tmp_path, shipped, lang, sep):
    q, model, r = shipped
    want = _with_ids(r, [str(k + 2) for k in range(len(r))])
    path = _write(tmp_path, "f.csv", fu.forms_csv(q, want, lang, separator=sep))
    _same_scores(mt.read_responses(path, q), want, model)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_interview_workbook_round_trip_same_scores(tmp_path, shipped, lang):
    q, model, r = shipped
    path = tmp_path / "w.xlsx"
    export(q, to="xlsx-form", langs=[lang], path=path)
    fu.fill_workbook(path, q, r, lang)
    _same_scores(mt.read_responses(path, q), r, model)


def test_plain_xlsx_round_trip_same_scores(tmp_path, shipped):
    q, model, r = shipped
    path = mt.write_responses(r, tmp_path / "a.xlsx")
    _same_scores(mt.read_responses(path, q), r, model)


# --- generated questionnaires (conditions of every operator) and answers ---------------------


@SETTINGS
@given(data=st.data(), split=st.booleans(), sep=st.sampled_from(["/", "-"]))
def test_any_answers_round_trip_through_a_kobo_export(tmp_path, data, split, sep):
    q = data.draw(conditional_questionnaires())
    r = data.draw(responses_for(q))
    text = fu.kobo_csv(q, r, split=split, separator=sep)
    # every answer is a choice of our XLSForm export
    choices = fu.xlsform_choices(q)
    for item in q.items:
        for p in r:
            a = p.answers.get(item.id)
            value = fu._kobo_value(item, a)
            if item.id in choices and value:
                assert set(value.split()) <= choices[item.id]
    path = _write(tmp_path, "k.csv", text)
    assert mt.read_responses(path, q) == r


@SETTINGS
@given(data=st.data())
def test_any_answers_round_trip_through_surveyjs_results(tmp_path, data):
    q = data.draw(conditional_questionnaires())
    r = data.draw(responses_for(q, ids=lambda k: str(k + 1)))
    text = fu.surveyjs_results(q, r)
    # every key of the results is a question of our SurveyJS export, every value one of its
    # choices
    survey = json.loads(export(q, to="surveyjs"))
    questions = {e["name"]: e for p in survey["pages"] for e in _elements(p["elements"])}
    for result in json.loads(text):
        for key, value in result.items():
            assert key in questions
            allowed = {c["value"] for c in questions[key].get("choices", [])}
            if questions[key].get("showDontKnowItem"):
                allowed.add("dontknow")
            if questions[key]["type"] == "boolean":
                allowed |= {"yes", "no"}
            if allowed:
                assert set(value if isinstance(value, list) else [value]) <= allowed
    path = _write(tmp_path, "s.json", text)
    assert mt.read_responses(path, q, source="surveyjs") == r


def _elements(elements):
    for e in elements:
        yield e
        yield from _elements(e.get("elements", []))


def _codes_apart(q):
    from maturity.io.limesurvey import compact

    for item in q.items:
        forms = [compact(c) for c in item.codes]
        if len(set(forms)) != len(forms):
            return False
    return True


@SETTINGS
@given(data=st.data())
def test_any_answers_round_trip_through_a_limesurvey_export(tmp_path, data):
    q = data.draw(conditional_questionnaires())
    assume(_codes_apart(q))
    r = data.draw(responses_for(q, ids=lambda k: str(k + 1)))
    path = _write(tmp_path, "l.csv", fu.limesurvey_csv(q, r))
    assert mt.read_responses(path, q) == r


def _labels_apart(q, lang):
    """Labels tell options (and questions) apart, as a form tool's export needs."""
    owners = {}
    for i in q.items:
        for x in q.languages:
            owners.setdefault(normalize(i.text[x]), set()).add(i.id)
    if any(len(v) > 1 for v in owners.values()):
        return False
    for item in q.items:
        words = {}
        specials = [special_label(s, x) for s in ("n/a", "dont_know") for x in ("en", "it")]
        for o in item.options:
            for x in q.languages:
                words.setdefault(normalize(o.label[x]), set()).add(o.code)
            words.setdefault(o.code, set()).add(o.code)
        if any(len(v) > 1 for v in words.values()):
            return False
        if any(normalize(s) in words for s in specials):
            return False
        if any(("," in w or ";" in w) for w in words):
            return False
        if any(unicodedata.normalize("NFC", o.label[lang]) != o.label[lang] for o in item.options):
            return False
    return True


@SETTINGS
@given(data=st.data(), lang=st.sampled_from(["it", "en"]), sep=st.sampled_from([", ", ";"]))
def test_any_answers_round_trip_through_a_forms_export(tmp_path, data, lang, sep):
    q = data.draw(conditional_questionnaires())
    assume(_labels_apart(q, lang))
    r = data.draw(responses_for(q, ids=lambda k: str(k + 2)))
    path = _write(tmp_path, "f.csv", fu.forms_csv(q, r, lang, separator=sep))
    assert mt.read_responses(path, q) == r


@SETTINGS
@given(data=st.data(), lang=st.sampled_from(["it", "en"]))
def test_any_answers_round_trip_through_the_interview_workbook(tmp_path, data, lang):
    q = data.draw(conditional_questionnaires())
    assume(_labels_apart(q, lang))
    r = data.draw(responses_for(q, n_max=3))
    path = tmp_path / "w.xlsx"
    export(q, to="xlsx-form", langs=[lang], path=path, force=True)
    fu.fill_workbook(path, q, r, lang)
    assert mt.read_responses(path, q) == r
