"""Reading scores files back (``Scores.from_json``, ``Scores.from_csv``, ``load_peers``): a
damaged file is one located problem per fault (file, line, field), never a traceback.

Each file here is written by hand, so the line and column of every fault are known without
the reader; each test damages one thing and expects the problem there.
"""

from __future__ import annotations

import json
import math

import pytest

import maturity as mt
from maturity.errors import ResponseError
from maturity.scores import Scores

MODEL = mt.load_model("i40-readiness-weighted")

GOOD_JSON = """\
{
 "format": "maturity/scores@1",
 "model": {"id": "i40-readiness-weighted"},
 "nodes": ["root", "smart_factory"],
 "rows": [
  {"respondent_id": "acme", "n_respondents": 2,
   "scores": {"root": {"score": 2.5, "coverage": 1.0, "spread": 0.5},
              "smart_factory": {"score": 3, "coverage": 0.5, "spread": 0}},
   "profile": {"company": "Acme", "employees": 12, "date": "2025-03-01"}},
  {"respondent_id": "beta", "n_respondents": 1,
   "scores": {"root": {"score": null, "coverage": null, "spread": null}}}
 ]
}
"""

GOOD_CSV = """\
respondent_id,node,score,level,coverage,status,spread,n_respondents,company,sector,employees,\
turnover,balance_sheet,region,date
acme,root,2.5,,1,scored,0.5,2,Acme,,12,,,,2025-03-01
acme,smart_factory,3,,0.5,scored,0,2,Acme,,12,,,,2025-03-01
beta,root,,,,not_applicable,,1,,,,,,,
"""


def _json(tmp_path, text):
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    return path


def _csv(tmp_path, text):
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def _refused(read, path):
    with pytest.raises(ResponseError) as info:
        read(path, MODEL)
    return info.value.problems


def _col(text, line, needle):
    """The 1-based column of ``needle`` on ``line`` of ``text`` (found by eye, checked here)."""
    return text.split("\n")[line - 1].index(needle) + 1


# -- the files as written read back -------------------------------------------------------------


def test_the_hand_written_files_read(tmp_path):
    for s in (
        Scores.from_json(_json(tmp_path, GOOD_JSON), MODEL),
        Scores.from_csv(_csv(tmp_path, GOOD_CSV), MODEL),
    ):
        assert s.ids == ("acme", "beta")
        j = s.nodes.index("smart_factory")
        assert s.score[0, 0] == 2.5 and s.score[0, j] == 3.0 and s.coverage[0, j] == 0.5
        assert math.isnan(s.score[1, 0]) and math.isnan(s.coverage[1, 0])
        assert s.spread is not None and s.spread[0, 0] == 0.5
        assert s.n_respondents is not None and s.n_respondents.tolist() == [2, 1]
        assert s.profiles[0].company == "Acme" and s.profiles[0].employees == 12
        assert str(s.profiles[0].date) == "2025-03-01"


# -- JSON -----------------------------------------------------------------------------------------


def test_invalid_json_names_line_and_column(tmp_path):
    text = GOOD_JSON.replace('"coverage": 0.5,', '"coverage" 0.5,')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.code, p.line, p.column) == ("R012", 8, _col(text, 8, "0.5"))
    assert "invalid JSON: Expecting ':' delimiter" in p.message


def test_json_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(GOOD_JSON.replace('"Acme"', '"Caff\xe8"').encode("cp1252"))
    (p,) = _refused(Scores.from_json, path)
    assert (p.code, p.line) == ("R012", 9) and "byte 0xE8 is not UTF-8" in p.message


@pytest.mark.parametrize("digits", [401, 5000])
def test_a_huge_integer_is_a_located_error_not_an_overflow(tmp_path, digits):
    # 401 digits made float() raise OverflowError; 5,000 made int() raise ValueError
    text = GOOD_JSON.replace('"score": 3,', f'"score": {"9" * digits},')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.code, p.line, p.column) == ("R012", 8, _col(text, 8, "9999"))
    assert p.message == (
        f"the integer 99999999999999999999... ({digits} characters) is out of range "
        "(at most 2**53 in magnitude)"
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "path", "message"),
    [
        (
            '"score": 3,',
            '"score": "3",',
            8,
            '"score"',
            "rows[0].scores.smart_factory.score",
            "expected a number or null, found a text",
        ),
        (
            '"score": 3,',
            '"score": 1e999,',
            8,
            '"score"',
            "rows[0].scores.smart_factory.score",
            "expected a finite number or null, found inf",
        ),
        (
            '"coverage": 0.5,',
            '"coverage": [0.5],',
            8,
            '"coverage"',
            "rows[0].scores.smart_factory.coverage",
            "expected a number or null, found a list",
        ),
        (
            '"n_respondents": 1,',
            '"n_respondents": "1",',
            10,
            '"n_respondents"',
            "rows[1].n_respondents",
            "expected a whole number from 1 to 1,000,000,000, found a text",
        ),
        (
            '"n_respondents": 2,',
            '"n_respondents": 0,',
            6,
            '"n_respondents"',
            "rows[0].n_respondents",
            "expected a whole number from 1 to 1,000,000,000, found 0",
        ),
        (
            '"date": "2025-03-01"',
            '"date": "2025-02-30"',
            9,
            '"date"',
            "rows[0].profile.date",
            "invalid date '2025-02-30' (no such day)",
        ),
        (
            '"employees": 12,',
            '"employees": 1.5,',
            9,
            '"employees"',
            "rows[0].profile.employees",
            "expected a whole number >= 0 or null, found a number",
        ),
        (
            '"respondent_id": "beta",',
            '"respondent_id": ["beta"],',
            10,
            '"respondent_id"',
            "rows[1].respondent_id",
            "expected a respondent id (a text), found a list",
        ),
        (
            '"scores": {"root": {"score": null',
            '"scores": [{"root": {"score": null',
            11,
            '"scores"',
            "rows[1].scores",
            None,
        ),
    ],
)
def test_a_wrong_value_names_its_line_and_path(tmp_path, old, new, line, key, path, message):
    text = GOOD_JSON.replace(old, new, 1)
    if new.startswith('"scores": ['):
        text = text.replace("null}}}\n ]", "null}}]}\n ]")
        message = "expected an object of scores by node, found a list"
    problems = _refused(Scores.from_json, _json(tmp_path, text))
    assert [(p.code, p.line, p.column, p.path, p.message) for p in problems] == [
        ("R012", line, _col(text, line, key), path, message)
    ]


def test_a_respondent_twice_and_an_unknown_node_are_located(tmp_path):
    text = GOOD_JSON.replace('"respondent_id": "beta"', '"respondent_id": "acme"')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.line, p.path) == (10, "rows[1]")
    assert p.message == "respondent 'acme' is given twice (rows 0 and 1)"
    text = GOOD_JSON.replace('["root", "smart_factory"]', '["root", "smart_factry"]')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.line, p.path) == (4, "nodes")
    assert p.message.startswith("nodes not in model 'i40-readiness-weighted': 'smart_factry'")


def test_another_model_or_format_is_refused_where_it_says_so(tmp_path):
    text = GOOD_JSON.replace('"i40-readiness-weighted"', '"i40-readiness-impuls"')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.line, p.path) == (3, "model")
    assert p.message == (
        "these scores were made with 'i40-readiness-impuls', not with model "
        "'i40-readiness-weighted'"
    )
    (p,) = _refused(Scores.from_json, _json(tmp_path, "[1,\n2]"))
    assert p.line == 1 and p.message == 'not a scores file (expected "format": "maturity/scores@1")'


def test_every_wrong_value_is_listed(tmp_path):
    text = GOOD_JSON.replace('"score": 2.5', '"score": true').replace(
        '"coverage": 0.5', '"coverage": "half"'
    )
    problems = _refused(Scores.from_json, _json(tmp_path, text))
    assert [(p.line, p.path) for p in problems] == [
        (7, "rows[0].scores.root.score"),
        (8, "rows[0].scores.smart_factory.coverage"),
    ]


# -- CSV ------------------------------------------------------------------------------------------


def test_a_row_cut_short_is_a_problem_of_its_line(tmp_path):
    # before: a TypeError from joining None cells
    text = GOOD_CSV.replace("acme,smart_factory,3,,0.5,scored,0,2,Acme,,12,,,,2025-03-01", "acme")
    (p,) = _refused(Scores.from_csv, _csv(tmp_path, text))
    assert (p.code, p.line) == ("R012", 3)
    assert p.message == "row has 1 cells but the header has 15"


FIRST_ROW = "acme,root,2.5,,1,scored,0.5,2,Acme,,12,,,,2025-03-01"
NUMBER = "expected a finite number (or nothing), found "


@pytest.mark.parametrize(
    ("row", "line", "column", "message"),
    [
        (FIRST_ROW.replace(",2.5,", ",2.5.1,"), 2, "score", NUMBER + "'2.5.1'"),
        (FIRST_ROW.replace(",2.5,", ",inf,"), 2, "score", NUMBER + "'inf'"),
        (FIRST_ROW.replace(",1,scored", ",1_0,scored"), 2, "coverage", NUMBER + "'1_0'"),
        (
            FIRST_ROW.replace(",0.5,2,", ",0.5,-1,"),
            2,
            "n_respondents",
            "expected a whole number from 1 to 1,000,000,000, found '-1'",
        ),
        (
            FIRST_ROW.replace("2025-03-01", "01/03/2025"),
            2,
            "date",
            "expected a date YYYY-MM-DD, found '01/03/2025'",
        ),
        (
            FIRST_ROW.replace(",12,", ",twelve,"),
            2,
            "employees",
            "expected a whole number >= 0, found 'twelve'",
        ),
        (
            FIRST_ROW.replace(",root,", ",rooot,"),
            2,
            "node",
            "node 'rooot' is not in model 'i40-readiness-weighted' (nodes: ",
        ),
    ],
)
def test_a_wrong_cell_names_its_line_and_column(tmp_path, row, line, column, message):
    text = GOOD_CSV.replace(FIRST_ROW, row)
    header = GOOD_CSV.split("\n", 1)[0].split(",")
    problems = _refused(Scores.from_csv, _csv(tmp_path, text))
    assert [(p.code, p.line, p.column, p.path) for p in problems] == [
        ("R012", line, header.index(column) + 1, column)
    ]
    assert problems[0].message.startswith(message)


def test_a_respondent_and_node_twice_is_refused(tmp_path):
    text = GOOD_CSV + "acme,root,1,,1,scored,0,2,Acme,,12,,,,2025-03-01\n"
    (p,) = _refused(Scores.from_csv, _csv(tmp_path, text))
    assert (p.line, p.path) == (5, "node")
    assert p.message == "this respondent and node are given twice (first on line 2)"


def test_a_scores_csv_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(GOOD_CSV.replace("Acme", "Caff\xe8").encode("cp1252") + b"\x81\n")
    (p,) = _refused(Scores.from_csv, path)
    assert (p.code, p.line) == ("R012", 5)
    assert p.message == "the file is neither UTF-8 nor Windows-1252 text; save it as UTF-8"


# -- peers ----------------------------------------------------------------------------------------


def test_load_peers_reads_scores_files_and_refuses_them_located(tmp_path):
    s = mt.load_peers(_json(tmp_path, GOOD_JSON), MODEL)
    assert s.ids == ("acme", "beta")
    path = _json(tmp_path, GOOD_JSON.replace('"score": 3,', '"score": "x",'))
    (p,) = _refused(mt.load_peers, path)
    assert (p.line, p.path) == (8, "rows[0].scores.smart_factory.score")


def _metadata(tmp_path, answers, synthetic="true"):
    path = tmp_path / "peers.json"
    path.write_text(
        '{\n "synthetic": ' + synthetic + ',\n "answers": ' + json.dumps(answers) + "\n}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("answers", ["../outside.csv", "/etc/passwd", 3, ""])
def test_a_population_names_its_answers_file_in_its_own_directory(tmp_path, answers):
    (tmp_path / "outside.csv").write_text("respondent_id\n", encoding="utf-8")
    inner = tmp_path / "d"
    inner.mkdir()
    (p,) = _refused(mt.load_peers, _metadata(inner, answers))
    assert (p.code, p.line, p.path) == ("R012", 3, "answers")
    assert p.message.startswith("expected the name of the answers file, in the directory")


def test_a_link_out_of_the_directory_is_refused(tmp_path):
    (tmp_path / "outside.csv").write_text("respondent_id\n", encoding="utf-8")
    inner = tmp_path / "d"
    inner.mkdir()
    (inner / "a.csv").symlink_to(tmp_path / "outside.csv")
    (p,) = _refused(mt.load_peers, _metadata(inner, "a.csv"))
    assert (p.line, p.path) == (3, "answers")
    assert p.message == "'a.csv' leads out of the directory of this file"
    (p,) = _refused(mt.load_peers, _metadata(inner, "a.csv", synthetic='"yes"'))
    assert (p.line, p.path, p.message) == (2, "synthetic", "expected true or false")


def test_a_peers_file_nested_100000_deep_is_a_located_error(tmp_path):
    # json.loads raised RecursionError, which load_peers did not catch
    path = tmp_path / "peers.json"
    path.write_text("[\n" + "[" * 100_000 + "]" * 100_000 + "]", encoding="utf-8")
    (p,) = _refused(mt.load_peers, path)
    assert (p.code, p.line) == ("R012", 2)
    assert p.message == "invalid JSON: nesting deeper than 64 levels"


def test_a_file_wrong_everywhere_lists_the_first_50_problems_and_counts_the_rest(tmp_path):
    rows = [
        f'  {{"respondent_id": "r{i}", "scores": {{"root": {{"score": "x"}}}}}}' for i in range(120)
    ]
    text = GOOD_JSON.split('"rows": [', 1)[0] + '"rows": [\n' + ",\n".join(rows) + "\n ]\n}\n"
    problems = _refused(Scores.from_json, _json(tmp_path, text))
    assert [p.line for p in problems[:50]] == list(range(6, 56))
    assert problems[-1].code == "R013" and problems[-1].message.startswith("... and 70 more")


def test_a_row_that_is_not_an_object_is_located_at_the_rows(tmp_path):
    text = GOOD_JSON.replace('"rows": [\n', '"rows": [\n  7,\n')
    (p,) = _refused(Scores.from_json, _json(tmp_path, text))
    assert (p.line, p.path) == (5, "rows[0]")
    assert p.message == "expected an object (a row), found a number"


def test_a_csv_that_is_not_a_scores_file_says_what_it_found(tmp_path):
    (p,) = _refused(Scores.from_csv, _csv(tmp_path, "respondent_id,sector,must\nr1,C,yes\n"))
    assert (p.code, p.line) == ("R012", 1)
    assert p.message == (
        "not a scores CSV (expected the columns respondent_id, node, score, ...; found "
        "respondent_id, sector, must)"
    )
