"""Reading answers as JSON: every problem is one located line, never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.errors import ResponseError
from maturity.io import read_responses
from tests.strategies import ANSWERS_Q as Q

REC = '{"respondent_id": "r1", "sector": "J", "must": "yes"}'


def problem(tmp_path, text, *, encoding="utf-8", errors="strict"):
    path = tmp_path / "a.json"
    path.write_bytes(text.encode(encoding, errors=errors))
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert p.code == "R012"
    return p


N_BIG = 700


@pytest.fixture(autouse=True)
def _small_yaml_limit(monkeypatch):
    # files above the YAML reader's limit of values are read by the json module: a low limit
    # lets small files take that road
    monkeypatch.setattr("maturity.spec.yamlio.MAX_VALUES", 2_000)


def big(records, *extra):
    """A file above the YAML reader's limit of values, read by the json module."""
    many = [f'{{"respondent_id": "r{i}", "sector": "J", "must": "yes"}}' for i in range(N_BIG)]
    return "[" + ",\n".join([*many, *extra]) + "]"


@pytest.mark.parametrize("size", ["small", "big"])
def test_nesting_100000_deep_is_one_located_error(tmp_path, size):
    deep = '{"respondent_id": "x", "note": ' + "[" * 100_000 + "]" * 100_000 + "}"
    text = "[" + deep + "]" if size == "small" else big([], deep)
    p = problem(tmp_path, text)
    assert "nesting deeper than 64 levels" in p.message
    line = 1 if size == "small" else N_BIG + 1
    assert p.line == line and p.column is not None


@pytest.mark.parametrize("size", ["small", "big"])
def test_a_lone_surrogate_is_a_located_error(tmp_path, size):
    rec = '{"respondent_id": "r9", "sector": "J", "must": "yes",\n "note": "a\\ud800b"}'
    text = "[" + rec + "]" if size == "small" else big([], rec)
    p = problem(tmp_path, text)
    assert "\\ud800" in p.message and "surrogate" in p.message
    assert p.line == (2 if size == "small" else N_BIG + 2) and p.column == 12
    # a whole pair is a character like any other
    path = tmp_path / "ok.json"
    path.write_text(
        '[{"respondent_id": "r1", "sector": "J", "must": "yes", "note": "\\ud83d\\ude00"}]'
    )
    assert read_responses(path, Q)["r1"].answers["note"] == "😀"


@pytest.mark.parametrize("size", ["small", "big"])
def test_a_key_twice_is_a_located_error(tmp_path, size):
    rec = '{"respondent_id": "r9", "sector": "J",\n "must": "yes", "must": "no"}'
    text = "[" + rec + "]" if size == "small" else big([], rec)
    p = problem(tmp_path, text)
    assert "duplicate key 'must'" in p.message
    assert p.line == (2 if size == "small" else N_BIG + 2)


def test_json_must_be_utf8(tmp_path):
    p = problem(
        tmp_path, "[" + REC + ',\n{"respondent_id": "r2", "note": "caffè"}]', encoding="cp1252"
    )
    assert p.line == 2 and "0xE8" in p.message


def test_invalid_json_names_line_and_column(tmp_path):
    p = problem(tmp_path, "[" + REC + ',\n {"a" 1}]')
    assert p.line == 2 and p.column is not None


def test_a_big_file_reads(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(big([]))
    r = read_responses(path, Q)
    assert len(r) == N_BIG and r[f"r{N_BIG - 1}"].answers["must"] is True


def test_json_values_keep_their_types(tmp_path):
    path = tmp_path / "t.json"
    recs = [
        {"respondent_id": "r1", "sector": "J", "must": True, "pct": 12.5, "sys": ["erp", "mes"]}
    ]
    path.write_text(json.dumps(recs))
    a = read_responses(path, Q)["r1"].answers
    assert a == {"must": True, "pct": 12.5, "sys": frozenset({"erp", "mes"})}


@pytest.mark.parametrize("size", ["small", "big"])
@pytest.mark.parametrize("digits", [401, 5000])
def test_a_huge_integer_is_a_located_error(tmp_path, size, digits):
    # 5,000 digits made the json module raise a ValueError that named no line; 401 digits an
    # OverflowError later
    rec = '{"respondent_id": "r9", "sector": "J", "must": "yes",\n "pct": ' + "9" * digits + "}"
    text = "[" + rec + "]" if size == "small" else big([], rec)
    p = problem(tmp_path, text)
    assert p.message == (
        f"the integer 99999999999999999999... ({digits} characters) is out of range "
        "(at most 2**53 in magnitude)"
    )
    assert (p.line, p.column) == (2 if size == "small" else N_BIG + 2, 9)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path, token):
    # the YAML reader reads them as text (and the checker refuses the text); the json module,
    # for a big file, took them for floats
    rec = '{"respondent_id": "r9", "sector": "J", "must": "yes",\n  "pct": ' + token + "}"
    p = problem(tmp_path, big([], rec))
    assert p.message == f"invalid JSON: '{token}' is not a JSON number"
    assert (p.line, p.column) == (N_BIG + 2, 10)


def test_a_key_twice_spelled_two_ways_is_located(tmp_path):
    rec = '{"respondent_id": "r9", "sector": "J",\n "must": "yes", "\\u006dust": "no"}'
    p = problem(tmp_path, big([], rec))
    assert "duplicate key 'must'" in p.message
    assert (p.line, p.column) == (N_BIG + 2, 17)


@pytest.mark.parametrize("size", ["small", "big"])
def test_an_unknown_key_names_where_it_is(tmp_path, size):
    # a JSON file has no header: the key's first value is where it is (its record, in a file
    # read by the json module)
    rec = '{"respondent_id": "r9", "sector": "J", "must": "yes",\n "colour": "red"}'
    text = "[" + REC + ",\n" + rec + "]" if size == "small" else big([], rec)
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert (p.code, p.path) == ("R001", "colour")
    if size == "small":
        assert (p.line, p.column) == (3, 12)
    else:
        assert (p.line, p.column) == (N_BIG + 1, None)


@pytest.mark.parametrize("nested", [False, True])
def test_a_big_file_names_the_line_of_each_record(tmp_path, nested):
    # read by the json module (no marks), each problem still names its record's line
    rec = '{"respondent_id": "x9", "sector": "J", "must": "yes",\n "pct": 1000}'
    text = big([], rec)
    if nested:  # other objects before the records do not count as records
        text = '{"meta": {"a": [{"b": 1}]},\n "respondents": ' + text + "}"
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert (p.code, p.path, p.line) == ("R004", "pct", N_BIG + 1 + nested)


def test_answers_to_another_questionnaire_name_the_value_that_says_so(tmp_path):
    # a JSON file has no header line: the value that names the other questionnaire is located
    text = "[" + REC + ',\n{"respondent_id": "r2",\n   "questionnaire": "other"}]'
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert (p.code, p.line, p.column) == ("R009", 3, 21)
    assert p.message == f"these answers are to questionnaire 'other', not '{Q.id}'"


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 80),
    st.text(st.sampled_from(list('[]{}"\\a\n,')), max_size=200),
)
def test_the_fast_depth_check_agrees_with_the_token_scan(opening, text):
    # brackets outside strings, summed with numpy, against the scan token by token
    from maturity.io.jsonio import _too_deep, _too_deep_at

    text = "[" * opening + text
    assert _too_deep(text) == _too_deep_at(text)
