"""Reading and writing answers as CSV: both parsers (pyarrow's and Python's csv module) on every
quirk a file can have, the files the reader must refuse, and round trips of any text.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import io

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from maturity.errors import ResponseError
from maturity.io import read_responses, write_responses
from maturity.io.check import check_table
from maturity.io.csvio import read_csv
from maturity.io.table import RawTable
from maturity.responses import Profile, Respondent, Responses
from tests.strategies import ANSWERS_Q as Q
from tests.strategies import answer_tables

pa = pytest.importorskip("pyarrow", reason="pyarrow (the arrow extra) is the fast CSV parser")

ENGINES = ("python", "pyarrow")


def read(path, q=Q, **kw):
    """What reading gives: the respondents, skipped problems and warnings, or the problems."""
    try:
        r = read_responses(path, q, **kw)
    except ResponseError as exc:
        return ("refused", [str(p) for p in exc.problems])
    return ("read", r.respondents, [str(p) for p in r.skipped], [str(p) for p in r.warnings])


def outcome(table, q=Q, **kw):
    try:
        r = check_table(table, q, **kw)
    except ResponseError as exc:
        return ("refused", [str(p) for p in exc.problems])
    return ("read", r.respondents, [str(p) for p in r.skipped], [str(p) for p in r.warnings])


# -- the two parsers on generated files -------------------------------------------------------

tricky = st.sampled_from(
    ["a,b", "semi;colon", "tab\there", 'say "hi"', "two\nlines", "cr\r\nlf", "lone\rcr", " pad "]
)


@st.composite
def csv_files(draw, quotes=True):
    """A table of cells and a file writing it with quirks; also the line each row starts on.
    With ``quotes=False``, a file without a quote in its rows (so no line break in a cell).
    """
    table = draw(answer_tables())
    cols = list(table.columns)
    rows = [[table.cells[c][i] for c in cols] for i in range(table.n_rows)]
    rows = [["" if v is None else v for v in r] for r in rows]
    for r in rows:  # free text and names with separators, quotes and line breaks
        for j, c in enumerate(cols):
            if quotes and c in ("note", "company") and draw(st.integers(0, 3)) == 0:
                r[j] = draw(tricky)
    rows = [r for r in rows if any(v.strip() for v in r)]  # a blank row is no row
    sep = draw(st.sampled_from([",", ";", "\t"]))
    if sep == ";":  # a European spreadsheet: decimal commas
        rows = [
            [_comma(v) if c == "pct" else v for v, c in zip(r, cols, strict=True)] for r in rows
        ]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    if not quotes:
        quoting = csv.QUOTE_MINIMAL
        assume(not any(sep in v or '"' in v or "\n" in v or "\r" in v for r in rows for v in r))
    if end == "\n" and any("\r" in v for r in rows for v in r):
        quoting = csv.QUOTE_ALL  # the csv module would leave a lone CR unquoted
    sep_line = draw(st.booleans())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator=end, quoting=quoting)
    line = 1
    if sep_line:
        out.write(f"sep={sep}{end}")
        line += 1
    w.writerow(cols)
    line += 1
    lines = []
    for r in rows:
        while draw(st.integers(0, 5)) == 0:  # empty rows, rows of separators, of blanks
            blank = draw(st.sampled_from(["", sep * (len(cols) - 1), "  "]))
            out.write(blank + end)
            line += 1
        before = out.tell()
        w.writerow(r)
        lines.append(line)
        line += _breaks(out.getvalue()[before:])
    text = out.getvalue()
    if encoding == "cp1252":
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            data = text.encode("utf-8")
    else:
        data = text.encode(encoding)
    expected = dataclasses.replace(
        table,
        cells={c: [r[j] for r in rows] for j, c in enumerate(cols)},
        n_rows=len(rows),
        lines=lines,
        header_line=2 if sep_line else 1,
    )
    return data, expected


def _comma(v):
    return v.replace(".", ",") if v.replace(".", "").strip().isdigit() else v


def _breaks(s):
    return s.count("\n") + s.count("\r") - s.count("\r\n")


def as_lists(path, engine, **options):
    """The table a parser reads, with Python lists as cells, and its problems."""
    from maturity.io.registry import ANSWERS

    if engine == "python":
        t = read_csv(path, Q, {"name": "t.csv"})
        return t.columns, dict(t.cells), list(t.lines), t.problems
    opts = {"name": "t.csv", "engine": "pyarrow", **options}
    stream = ANSWERS.get("csv").stream(path, Q, opts)
    cells = {c: [] for c in stream.head.columns}
    for batch in stream.batches:
        for c in stream.head.columns:
            cells[c].extend(batch.cells[c].to_pylist())
    tail = stream.finish()
    return stream.head.columns, cells, [tail.lines[i] for i in range(tail.n_rows)], tail.problems


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(csv_files())
def test_both_parsers_read_what_was_written(tmp_path, file):
    _both_read_as_written(tmp_path, file, {})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    csv_files(quotes=False),
    st.sampled_from([{}, {"part_size": 16}, {"part_size": 1}]),
    st.sampled_from([8, 64]),
)
def test_a_file_without_quotes_is_read_in_parts_as_written(tmp_path, file, parts, sample):
    """Without a quote, pyarrow reads the file in pieces of ``part_size`` bytes cut after a
    line break (a row longer than a piece makes it longer), and guesses its rows from a
    sample of a few bytes (too few: the arrays then grow as rows come)."""
    from unittest import mock

    from maturity.io import arrow

    assume(b'"' not in file[0])
    with mock.patch.object(arrow, "_SAMPLE", sample):
        _both_read_as_written(tmp_path, file, parts)


def _both_read_as_written(tmp_path, file, parts):
    data, expected = file
    assume(b"\0" not in data)
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    # the cells and the line of every row are those written, with either parser
    for engine in ENGINES:
        cols, cells, lines, problems = as_lists(path, engine, **parts)
        assert cols == expected.columns
        assert cells == {c: list(v) for c, v in expected.cells.items()}
        assert lines == list(expected.lines)
        assert problems == ()
    # and the answers (or the problems) are those of the cells as written
    want = outcome(dataclasses.replace(expected, file=str(path)))
    for engine in ENGINES:
        options = parts if engine == "pyarrow" else {}
        assert read(path, engine=engine, **options) == want
        assert read(path, engine=engine, on_error="skip", **options) == outcome(
            dataclasses.replace(expected, file=str(path)), on_error="skip"
        )


# -- what must be refused, with one located error ---------------------------------------------

H = b"respondent_id,sector,must,note\n"


def refused(tmp_path, data, **kw):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    got = []
    for engine in ENGINES:
        with pytest.raises(ResponseError) as info:
            read_responses(path, Q, engine=engine, **kw)
        got.append([(p.code, p.line, p.column, p.message) for p in info.value.problems])
    assert got[0] == got[1], "both parsers must refuse it the same way"
    return got[0]


def test_an_unclosed_quote_is_refused_not_swallowing_the_rows_after_it(tmp_path):
    ((code, line, _, msg),) = refused(tmp_path, H + b'r1,J,yes,"abc\nr2,J,yes,x\nr3,J,no,y\n')
    assert (code, line) == ("R012", 2) and "never closed" in msg
    # in a middle cell: the row swallows the rest and lacks cells; still said plainly
    ((code, line, _, msg),) = refused(tmp_path, H + b'r1,J,"yes,abc\nr2,J,yes,x\n')
    assert (code, line) == ("R012", 2) and "never closed" in msg
    # on a later line, after a quoted cell that holds a line break
    data = H + b'r1,J,yes,"two\nlines"\nr2,J,yes,"open\nr3,J,no,y\n'
    ((code, line, _, msg),) = refused(tmp_path, data)
    assert (code, line) == ("R012", 4)


def test_a_lone_quote_inside_an_unquoted_cell_is_read_as_it_stands(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(H + b'r1,J,yes,a 12" screen\nr2,J,no,x\n')
    for engine in ENGINES:
        r = read_responses(path, Q, engine=engine)
        assert r["r1"].answers["note"] == 'a 12" screen' and r.ids == ("r1", "r2")


def test_a_column_named_twice_is_refused(tmp_path):
    ((code, line, column, msg),) = refused(
        tmp_path, b"respondent_id,sector,must,must\nr1,J,yes,no\n"
    )
    assert (code, line, column) == ("R012", 1, 4) and "columns 3 and 4" in msg


def test_a_cell_over_the_limit_is_refused_with_its_line(tmp_path):
    ((code, line, _, msg),) = refused(
        tmp_path, H + b"r1,J,yes,x\nr2,J,yes," + b"x" * 140_000 + b"\n"
    )
    assert (code, line) == ("R012", 3) and "131,072" in msg


def test_a_million_columns_are_refused_at_once_in_one_line(tmp_path):
    import time

    header = b",".join(b"c%d" % i for i in range(1_000_000))
    start = time.perf_counter()
    ((code, line, _, msg),) = refused(tmp_path, header + b"\n" + b"x," * 999_999 + b"x\n")
    assert (code, line) == ("R012", 1) and "1,000,000 columns" in msg
    assert time.perf_counter() - start < 20  # both parsers; it took 66 s and a million lines


def test_mixed_utf8_and_windows_1252_is_refused_naming_the_line(tmp_path):
    data = H + "r1,J,yes,caffè\n".encode() + b"r2,J,yes,ok\n" + "r3,J,no,perché\n".encode("cp1252")
    ((code, line, _, msg),) = refused(tmp_path, data)
    assert (code, line) == ("R012", 4) and "0xE9" in msg and "UTF-8" in msg


def test_text_in_no_encoding_names_the_line_of_the_first_bad_byte(tmp_path):
    # 0x81 is undefined in Windows-1252 and not UTF-8: the file is neither
    ((code, line, _, msg),) = refused(tmp_path, H + b"r1,J,yes,x\nr2,J,yes,a\x81b\n")
    assert (code, line) == ("R012", 3)
    assert msg == "the file is neither UTF-8 nor Windows-1252 text; save it as UTF-8"


def test_a_broken_utf16_file_names_the_line(tmp_path):
    # a lone surrogate (0xD800) on the third line of a file that starts as UTF-16
    text = "respondent_id\tsector\tmust\r\nr1\tJ\tyes\r\nr2\tJ\t".encode("utf-16-le")
    data = codecs.BOM_UTF16_LE + text + b"\x00\xd8" + "yes\r\n".encode("utf-16-le")
    ((code, line, _, msg),) = refused(tmp_path, data)
    assert (code, line) == ("R012", 3)
    assert msg == "the file starts as UTF-16 but is not: illegal UTF-16 surrogate"


@pytest.mark.parametrize("rows", [1, 100])
def test_digits_beyond_the_largest_float_are_refused_not_infinite(tmp_path, rows):
    # "999…9" (401 digits) is a plain number that float() makes infinite: it was read as
    # inf, and a profile with an infinite turnover raised ValueError when sized; one row goes
    # through the cell rule, a hundred distinct values through the vectorised parse
    head = b"respondent_id,sector,turnover,must\n"
    body = b"".join(b"r%d,J,%d.5,yes\n" % (k, k) for k in range(rows - 1))
    data = head + body + b"rx,J," + b"9" * 401 + b",yes\n"
    ((code, line, column, msg),) = refused(tmp_path, data)
    assert (code, line, column) == ("R003", rows + 1, 3)
    assert msg == "'" + "9" * 79 + "…' is not a valid number (too large)"


def test_a_nul_byte_is_refused(tmp_path):
    ((code, line, _, _),) = refused(tmp_path, H + b"r1,J,yes,x\nr2,J,yes,a\0b\n")
    assert (code, line) == ("R012", 3)


def test_rows_with_the_wrong_number_of_cells_are_problems_of_their_row(tmp_path):
    data = H + b"r1,J,yes\nr2,J,yes,x\n  \n,,,\nr3,J,no,y,z\n"
    got = refused(tmp_path, data)
    assert [(c, ln) for c, ln, _, _ in got] == [("R012", 2), ("R012", 6)]
    path = tmp_path / "x.csv"
    for engine in ENGINES:
        r = read_responses(path, Q, engine=engine, on_error="skip")
        assert r.ids == ("r2",) and [p.line for p in r.skipped] == [2, 6]


# -- read correctly ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_excel_unicode_text_is_utf16_with_tabs(tmp_path, engine):
    text = "respondent_id\tsector\tmust\tnote\r\nr1\tJ\tyes\tcaffè ☕\r\nr2\tJ\tmaybe\t\r\n"
    path = tmp_path / "u.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q, engine=engine)
    assert [(p.code, p.line, p.column) for p in info.value.problems] == [
        ("R002", 3, 3),  # a bad cell, not also an unanswered one
    ]
    path.write_bytes(codecs.BOM_UTF16_LE + text.replace("maybe", "no").encode("utf-16-le"))
    r = read_responses(path, Q, engine=engine)
    assert r["r1"].answers["note"] == "caffè ☕" and r["r2"].answers["must"] is False


@pytest.mark.parametrize("engine", ENGINES)
def test_excels_sep_line_is_honoured_and_lines_stay_right(tmp_path, engine):
    path = tmp_path / "s.csv"
    path.write_bytes(b"sep=;\r\nrespondent_id;sector;must;pct\r\nr1;J;yes;12,5\r\nr2;J;x;1\r\n")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q, engine=engine)
    p = info.value.problems[0]
    assert (p.code, p.line, p.column, p.path) == ("R002", 4, 3, "must")
    path.write_bytes(b"sep=;\r\nrespondent_id;sector;must;pctt\r\nr1;J;yes;12,5\r\n")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q, engine=engine)
    assert [(p.code, p.line, p.column) for p in info.value.problems] == [("R001", 2, 4)]


# -- round trips of any text ------------------------------------------------------------------

any_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0"),
    min_size=1,
    max_size=20,
)
hostile = st.sampled_from(
    ["Acme\r=cmd|' /C calc'!A0", '=HYPERLINK("x")', "'quoted", "+1", "-2", "@x", "a,b;c", 'q"q']
)


def clean_id(s):
    return s.strip() == s and s.strip() != ""


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rid=(any_text | hostile).filter(clean_id),
    company=(any_text | hostile).filter(clean_id),
    # a blank text is no answer, like an empty cell: it cannot round-trip as an answer
    note=(any_text | hostile).filter(
        lambda s: s.strip() != "" and s.strip().lower() not in ("n/a", "dont_know")
    ),
    engine=st.sampled_from(ENGINES),
)
def test_any_text_round_trips_through_csv(tmp_path, rid, company, note, engine):
    answers = {"must": True, "note": note}
    assume(len(note) <= 12)
    r = Responses(Q, (Respondent(rid, Profile(company=company, sector="J"), answers),))
    out = write_responses(r, tmp_path / "rt.csv", force=True)
    text = out.read_text(encoding="utf-8")
    for line in text.split("\r\n")[1:-1]:  # no cell of ours starts a formula
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "-", "@")) or cell == ""
    assert read_responses(out, Q, engine=engine) == r


@functools.cache
def i40():
    import maturity as mt

    q = mt.load_questionnaire("i40-readiness")
    return q, mt.load_model("i40-readiness-weighted", q)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rid=(any_text | hostile).filter(clean_id),
    company=(any_text | hostile).filter(clean_id),
)
def test_any_text_round_trips_through_scores_csv(tmp_path, rid, company):
    import maturity as mt
    from maturity.scores import Scores

    q, model = i40()
    r = Responses(q, (Respondent(rid, Profile(company=company, sector="C"), {}),))
    scores = mt.score(r, model)
    path = tmp_path / "scores.csv"
    scores.to_csv(path, force=True)
    back = Scores.from_csv(path, model)
    assert back.ids == (rid,)
    assert back.profiles[0].company == company


def test_the_lines_of_rows_after_quoted_line_breaks(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(H + b'r1,J,yes,"a\r\nb"\n\nr2,J,maybe,x\n')
    for engine in ENGINES:
        with pytest.raises(ResponseError) as info:
            read_responses(path, Q, engine=engine)
        assert info.value.problems[0].line == 5


def test_a_table_from_lists_and_one_from_arrow_check_the_same(tmp_path):
    cells = {"respondent_id": ["r1", "r2"], "sector": ["C", "J"], "must": ["yes", "no"]}
    t = RawTable("t.csv", tuple(cells), cells, 2, [2, 3])
    arrow = dataclasses.replace(t, cells={c: pa.array(v) for c, v in cells.items()})
    assert outcome(t) == outcome(arrow)
