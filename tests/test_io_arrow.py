"""Answers as Parquet and Arrow IPC: read directly, written with typed columns, the same
answers as from CSV.
"""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.errors import ResponseError
from maturity.io import read_responses, write_responses
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
from tests.test_responses import Q, response_sets

pa = pytest.importorskip("pyarrow", reason="pyarrow (the arrow extra) reads Parquet and Arrow")
pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (the arrow extra) reads Parquet")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(r=response_sets(), suffix=st.sampled_from([".parquet", ".arrow"]))
def test_any_response_set_round_trips(tmp_path, r, suffix):
    out = write_responses(r, tmp_path / f"rt{suffix}", force=True)
    assert read_responses(out, Q) == r


def _plain(column, text):
    """``column`` with its text (plain or dictionary-encoded) as plain ``text`` strings."""
    t = column.type
    if pa.types.is_dictionary(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
        return column.cast(text)
    return column


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(r=response_sets(), text=st.sampled_from([pa.string(), pa.large_string()]))
def test_text_written_plain_as_pandas_does_reads_as_our_typed_file(tmp_path, r, text):
    # pandas and most tools write text columns as plain strings; the reader asks pyarrow for
    # the pages' dictionary codes of the coded columns instead: the answers must not change
    ours = pq.read_table(write_responses(r, tmp_path / "ours.parquet", force=True))
    plain = pa.table([_plain(c, text) for c in ours.columns], names=ours.column_names)
    pq.write_table(plain, tmp_path / "plain.parquet")
    assert read_responses(tmp_path / "plain.parquet", Q) == r


def test_coded_text_columns_reach_the_checker_as_dictionary_codes(tmp_path):
    from maturity.io.parquet import read_parquet

    ours = pq.read_table(write_responses(sample(), tmp_path / "ours.parquet"))
    path = tmp_path / "plain.parquet"
    pq.write_table(
        pa.table([_plain(c, pa.string()) for c in ours.columns], names=ours.column_names), path
    )
    cells = read_parquet(path, Q, {}).cells
    # answers and profile fields by their distinct values; ids, company names and free text
    # (nearly every cell different) as strings
    for name in ("conn", "sys", "makes", "sector", "questionnaire"):
        assert pa.types.is_dictionary(cells[name].type), name
    for name in ("respondent_id", "company", "note"):
        assert cells[name].type == pa.string(), name
    assert cells["pct"].type == pa.float64()


def sample():
    people = (
        Respondent(
            "r1",
            Profile(
                company="=Acme",
                sector="28.41",
                employees=35,
                region="ITC4C",
                date=_dt.date(2025, 3, 1),
            ),
            {
                "makes": True,
                "conn": "partly",
                "pct": 12.5,
                "sys": frozenset({"erp", "mes"}),
                "must": False,
                "note": "=1+1",
            },
        ),
        Respondent("r2", Profile(sector="C"), {"makes": True, "conn": NA, "must": True}),
        Respondent("r3", Profile(sector="C"), {"makes": True, "conn": DONT_KNOW, "must": True}),
    )
    return Responses(Q, people)


def test_parquet_columns_are_typed(tmp_path):
    out = write_responses(sample(), tmp_path / "a.parquet")
    t = pq.read_table(out)
    types = dict(zip(t.column_names, t.schema.types, strict=True))
    assert pa.types.is_dictionary(types["conn"]) and pa.types.is_dictionary(types["sys"])
    assert types["pct"] == pa.float64() and types["employees"] == pa.int64()
    assert types["date"] == pa.date32() and types["note"] == pa.string()
    rows = t.to_pylist()
    assert rows[0]["pct"] == 12.5 and rows[0]["sys"] == "erp|mes"
    assert [x["conn"] for x in rows] == ["partly", "n/a", "dont_know"]
    # not a spreadsheet: text is written as it is, no formula guard
    assert rows[0]["company"] == "=Acme" and rows[0]["note"] == "=1+1"
    assert rows[1]["pct"] is None and rows[1]["employees"] is None


def test_parquet_and_csv_of_the_same_cells_give_the_same_answers(tmp_path):
    import pyarrow.csv as pcsv

    cells = {
        "respondent_id": ["r1", "r2", "r3"],
        "sector": ["C", "28.41", "J"],
        "employees": ["5", "", "300"],
        "makes": ["yes", "no", "sì"],
        "conn": ["partly", "", ""],
        "pct": ["12,5", "", "99"],
        "sys": ["erp|MES", "none", ""],
        "must": ["no", "yes", "yes"],
        "note": ["x", "", "'=y"],
    }
    table = pa.table(cells)
    pq.write_table(table, tmp_path / "s.parquet")
    pcsv.write_csv(table, tmp_path / "s.csv")
    # pyarrow's CSV writer quotes every text: the same cells either way
    from_csv = read_responses(tmp_path / "s.csv", Q)
    from_parquet = read_responses(tmp_path / "s.parquet", Q)
    assert from_parquet.respondents[:2] == from_csv.respondents[:2]
    # the formula guard is undone in CSV only: a Parquet file keeps "'=y" as written
    assert from_csv["r3"].answers["note"] == "=y"
    assert from_parquet["r3"].answers["note"] == "'=y"


def test_problems_in_parquet_name_the_record_and_column(tmp_path):
    pq.write_table(
        pa.table(
            {
                "respondent_id": ["r1", "r2"],
                "sector": ["C", "C"],
                "pct": [10.0, 101.0],
                "must": ["yes", "yes"],
            }
        ),
        tmp_path / "p.parquet",
    )
    with pytest.raises(ResponseError) as info:
        read_responses(tmp_path / "p.parquet", Q)
    (p,) = info.value.problems
    assert (p.code, p.line, p.path) == ("R004", None, "[2].pct")
    assert "101 is out of range" in p.message


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    assert info.value.codes == ["R012"]


def test_nan_and_null_in_number_columns_are_empty_cells(tmp_path):
    pq.write_table(
        pa.table(
            {
                "respondent_id": ["r1", "r2"],
                "sector": ["C", "C"],
                "pct": pa.array([float("nan"), None], pa.float64()),
                "must": ["yes", "yes"],
            }
        ),
        tmp_path / "n.parquet",
    )
    r = read_responses(tmp_path / "n.parquet", Q)
    assert "pct" not in r["r1"].answers and "pct" not in r["r2"].answers


def _write_broken(table, path, fmt):
    """``table`` (with an array that breaks its own rules) written as an Arrow IPC or Parquet
    file at ``path``; the test is skipped where pyarrow refuses to write it.
    """
    import pyarrow.ipc as ipc

    if fmt == "arrow":
        with ipc.new_file(str(path), table.schema) as writer:
            writer.write_table(table)
        return path
    try:
        pq.write_table(table, path)
    except pa.ArrowException:
        pytest.skip("this pyarrow refuses to write the broken array to Parquet")
    return path


@pytest.mark.parametrize("fmt", ["arrow", "parquet"])
def test_an_array_that_breaks_its_own_rules_is_refused_not_a_traceback(tmp_path, fmt):
    # a dictionary index past the end of its dictionary (as a damaged file decodes): it made
    # the checker raise IndexError; the file is validated on reading now
    sector = pa.DictionaryArray.from_arrays(
        pa.array([0, 7], pa.int32()), pa.array(["C"]), safe=False
    )
    table = pa.table({"respondent_id": ["r1", "r2"], "sector": sector, "must": ["yes", "no"]})
    path = _write_broken(table, tmp_path / f"x.{fmt}", fmt)
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert (p.code, p.file, p.line) == ("R012", str(path), None)
    assert "out of bounds" in p.message or "index" in p.message.lower()


@pytest.mark.parametrize("fmt", ["arrow", "parquet"])
@pytest.mark.parametrize("rows", [2, 5000])
def test_a_broken_column_gives_the_tables_own_message(tmp_path, fmt, rows):
    # columns are validated one by one (on threads from a few thousand rows on): the
    # problem says what validating the whole table says
    bad = [0] * rows
    bad[-1] = 7
    sector = pa.DictionaryArray.from_arrays(pa.array(bad, pa.int32()), pa.array(["C"]), safe=False)
    table = pa.table(
        {
            "respondent_id": [f"r{k}" for k in range(rows)],
            "sector": sector,
            "must": ["yes"] * rows,
        }
    )
    with pytest.raises(pa.ArrowException) as whole:
        table.validate(full=True)
    path = _write_broken(table, tmp_path / f"x.{fmt}", fmt)
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    (p,) = info.value.problems
    assert p.code == "R012"
    if fmt == "arrow":
        assert str(whole.value) in p.message


@pytest.mark.parametrize(
    "column",
    [
        pa.array([{"a": 1}, {"a": 2}]),
        pa.array([b"\x00\xff", b"C"]),
        pa.array([[["C"]], None], pa.list_(pa.list_(pa.string()))),
        pa.array([_dt.time(1, 2), None]),
        pa.array([_dt.timedelta(days=1), None]),
        pa.array([2**64 - 1, 0], pa.uint64()),
    ],
    ids=["struct", "binary", "nested-list", "time", "duration", "uint64"],
)
def test_a_column_of_any_arrow_type_is_read_or_refused_by_cell(tmp_path, column):
    # found by the fuzz test: every Arrow type reaches the checker as cells it judges
    path = tmp_path / "t.parquet"
    table = pa.table({"respondent_id": ["r1", "r2"], "sector": ["C", "C"], "must": ["yes", "no"]})
    pq.write_table(table.append_column("pct", column), path)
    with pytest.raises(ResponseError) as info:
        read_responses(path, Q)
    assert {p.code for p in info.value.problems} <= {"R003", "R004"}
    assert all(p.path.endswith("].pct") and p.file == str(path) for p in info.value.problems)
