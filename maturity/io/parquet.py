"""Answers in Parquet and Arrow IPC files (the ``arrow`` extra: ``pip install
"maturity[arrow]"``).

**Parquet** (``.parquet``) and **Arrow IPC** (``.arrow``, ``.feather``) are read directly, and
written by ``write_responses(..., format="parquet" | "arrow")`` with typed columns: option
codes (and ``yes``/``no``, multiple choices as ``a|b``) as dictionary-encoded strings, numbers
as float64 (as text, like CSV, in a column that holds ``n/a`` or ``dont_know``), ``employees``
as int64, dates as date32, free text as plain strings (no formula guard: these are not
spreadsheets). A damaged file is refused with one located line, never read into arrays that
break what reads them.

pyarrow is imported inside the functions, so ``import maturity`` does not need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io.arrow import has_pyarrow
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses

__all__ = ["read_arrow", "read_parquet", "to_arrow_table"]


def _table_raw(table: Any, name: str) -> RawTable:
    names = [str(c) for c in table.column_names]
    seen: set[str] = set()
    for c in names:
        if c in seen:
            raise ResponseError(
                [Problem.make("R012", file=name, path=c, detail=f"column '{c}' appears twice")]
            )
        seen.add(c)
    return RawTable(
        file=name,
        columns=tuple(names),
        cells={c: table.column(j) for j, c in enumerate(names)},
        n_rows=table.num_rows,
        positions={c: j + 1 for j, c in enumerate(names)},
    )


def _validate(table: Any) -> None:
    """``table.validate(full=True)``, its columns checked on a thread per CPU (pyarrow lets
    the GIL go while it checks; the dictionary indices of a million rows cost as much as
    half the read). A broken column raises what the table's own check raises.
    """
    from maturity.threads import each

    table.validate()  # the table itself: columns of one length, of the schema's types
    try:
        each(
            lambda c: c.validate(full=True),
            table.columns,
            parallel=table.num_rows >= 4096,
            name="maturity-validate",
        )
    except Exception:
        table.validate(full=True)  # the table's message for the first broken column
        raise


def _by_values(schema: Any, questionnaire: Questionnaire) -> list[str]:
    """The text columns of ``schema`` to read as dictionary arrays: those read by their
    distinct values (:func:`~maturity.io.columns.read_by_values`). Most tools (pandas among
    them) write such columns as plain strings over dictionary-encoded pages; asked for the
    dictionary, pyarrow hands the pages' codes over instead of making a string per cell that
    the checker would only encode again.
    """
    from collections import Counter

    import pyarrow as pa

    from maturity.io.columns import read_by_values

    items = {i.id: i for i in questionnaire.items}
    count = Counter(schema.names)
    return [
        f.name
        for f in schema
        if count[f.name] == 1  # a column named twice is refused as such after reading
        and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and read_by_values(f.name, items.get(f.name))
    ]


def _sniff_parquet(path: Path, head: bytes) -> bool:
    return head.startswith(b"PAR1")


def _sniff_arrow(path: Path, head: bytes) -> bool:
    return head.startswith(b"ARROW1")


@answers_format(
    "parquet",
    (".parquet", ".pq"),
    "Apache Parquet: one column per field (pyarrow)",
    sniff=_sniff_parquet,
    extra="arrow",
    text=False,
)
def read_parquet(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read a Parquet file of answers (one row per respondent, our columns)."""
    name = str(options.get("name", path))
    has_pyarrow(name, True)
    import pyarrow.parquet as pq

    try:
        codes = _by_values(pq.read_schema(str(path)), questionnaire)
        table = pq.read_table(str(path), read_dictionary=codes)
        # a damaged file can decode into arrays that break what reads them (a dictionary
        # index past the dictionary's end, offsets past the data, text that is not UTF-8)
        _validate(table)
    except Exception as exc:  # pyarrow's error types for a broken file are its own affair
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"not a readable Parquet file: {exc}")]
        ) from None
    return _table_raw(table, name)


@answers_format(
    "arrow",
    (".arrow", ".feather", ".ipc", ".arrows"),
    "Apache Arrow IPC (Feather v2): one column per field (pyarrow)",
    sniff=_sniff_arrow,
    extra="arrow",
    text=False,
)
def read_arrow(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read an Arrow IPC file (or stream) of answers."""
    name = str(options.get("name", path))
    has_pyarrow(name, True)
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        with pa.memory_map(str(path)) as src:
            try:
                table = ipc.open_file(src).read_all()
            except pa.ArrowInvalid:
                src.seek(0)
                table = ipc.open_stream(src).read_all()
        _validate(table)  # as for Parquet: no array that breaks what reads it
    except Exception as exc:  # pyarrow's error types for a broken file are its own affair
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"not a readable Arrow file: {exc}")]
        ) from None
    return _table_raw(table, name)


def to_arrow_table(responses: Responses) -> Any:
    """The answers as a :class:`pyarrow.Table` with typed columns (see the module's notes)."""
    import numpy as np
    import pyarrow as pa

    from maturity.columnar import ANSWERED, DONT_KNOW_STATE, NA_STATE
    from maturity.io.check import columns_of

    cols = responses.columns
    q = responses.questionnaire
    n = len(cols)
    out: dict[str, Any] = {}
    out["respondent_id"] = pa.array(cols.ids.tolist(), type=pa.string())
    out["questionnaire"] = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([responses.questionnaire_id])
    )
    out["questionnaire_version"] = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([responses.questionnaire_version])
    )
    prof = cols.profile
    for f in ("company", "region"):
        out[f] = pa.array(prof[f].tolist(), type=pa.string())
    out["sector"] = pa.array(prof["sector"].tolist(), type=pa.string()).dictionary_encode()
    emp = prof["employees"]
    out["employees"] = pa.array(
        np.where(np.isnan(emp), 0, emp).astype(np.int64), mask=np.isnan(emp)
    )
    for f in ("turnover", "balance_sheet"):
        out[f] = pa.array(prof[f], mask=np.isnan(prof[f]))
    out["date"] = pa.array(prof["date"].tolist(), type=pa.date32())
    for item in q.items:
        col = cols.items[item.id]
        state = col.state
        markers = np.where(
            state == NA_STATE, "n/a", np.where(state == DONT_KNOW_STATE, "dont_know", "")
        )
        answered = state == ANSWERED
        missing = state == 0
        if item.kind == "number" and not (state >= NA_STATE).any():
            assert col.numbers is not None
            out[item.id] = pa.array(np.where(answered, col.numbers, 0.0), mask=~answered)
            continue
        if item.kind == "text":
            assert col.texts is not None
            cells = np.where(answered, col.texts, markers)
            out[item.id] = pa.array(cells.tolist(), type=pa.string(), mask=missing)
            continue
        # codes: a dictionary of every cell text the column can hold, and an index per row
        words: list[str] = []
        if item.kind in ("scale", "choice"):
            words = [o.code for o in item.options]
            assert col.codes is not None
            index = np.where(answered, col.codes.astype(np.int32), 0)
        elif item.kind == "boolean":
            words = ["no", "yes"]
            assert col.codes is not None
            index = np.where(answered, col.codes.astype(np.int32), 0)
        elif item.kind == "multi":
            from maturity.io.csvio import cell_text

            answers = col.answers()
            texts_of: dict[Any, int] = {}
            index = np.zeros(n, dtype=np.int32)
            for r in np.flatnonzero(answered).tolist():
                t = cell_text(item, answers[r])  # type: ignore[arg-type]
                index[r] = texts_of.setdefault(t, len(texts_of))
            words = list(texts_of)
        else:  # number with markers: as text, as in CSV
            from maturity.responses import format_number

            assert col.numbers is not None
            numbers = zip(col.numbers.tolist(), answered.tolist(), strict=True)
            texts = [format_number(x) if a else "" for x, a in numbers]
            index_of: dict[str, int] = {}
            index = np.fromiter(
                (index_of.setdefault(t, len(index_of)) for t in texts), np.int32, count=n
            )
            words = list(index_of)
        k = len(words)
        words += ["n/a", "dont_know"]
        index = np.where(state == NA_STATE, k, np.where(state == DONT_KNOW_STATE, k + 1, index))
        out[item.id] = pa.DictionaryArray.from_arrays(
            pa.array(index.astype(np.int32), mask=missing), pa.array(words, type=pa.string())
        )
    return pa.table({c: out[c] for c in columns_of(q)})


@answers_writer("parquet")
def write_parquet(responses: Responses, options: Options) -> bytes:
    """Write answers as Parquet (typed columns; see :func:`to_arrow_table`)."""
    has_pyarrow("parquet", True)
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(to_arrow_table(responses), sink, compression=options.get("compression", "zstd"))
    return bytes(sink.getvalue().to_pybytes())


@answers_writer("arrow")
def write_arrow(responses: Responses, options: Options) -> bytes:
    """Write answers as an Arrow IPC file (Feather v2)."""
    has_pyarrow("arrow", True)
    import pyarrow as pa
    import pyarrow.ipc as ipc

    table = to_arrow_table(responses)
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    return bytes(sink.getvalue().to_pybytes())
