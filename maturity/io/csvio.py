"""Answers as CSV: the layout our writers use, and spreadsheet exports of it.

Reading: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (Excel's
"Unicode text"), or, failing UTF-8, Windows-1252 (the ANSI code page that spreadsheets on
Windows export); a file that mixes UTF-8 with another encoding is refused, naming the line of
the first byte that is not UTF-8. The separator is Excel's ``sep=`` first line if there is one,
else sniffed from the header (``,``, ``;`` or tab); one row per respondent, one column per
field (see ``docs/reference/responses-format.md``).

What cannot be read faithfully is refused with one located error: a quote left open (it would
swallow every row after it), a header naming a column twice, a cell longer than
:data:`MAX_CELL` characters, a NUL byte, a header far wider than any answers file for the
questionnaire. A row with the wrong number of cells is a problem of that row.

Two parsers read the same files into the same table: pyarrow's (fast, batch by batch, in
:mod:`maturity.io.arrow`) when it is installed, and Python's :mod:`csv` module
(:func:`read_csv`) otherwise. Writing: UTF-8, ``,``-separated, every text cell through the
formula guard.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from maturity.errors import Problem, ResponseError
from maturity.io.guard import safe_cell
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire
    from maturity.responses import Answer, Responses

__all__ = [
    "MAX_CELL",
    "CsvLayout",
    "csv_text",
    "decode",
    "layout_of",
    "read_csv",
    "responses_to_csv",
]

#: The longest cell accepted, in characters (the limit of Python's csv module).
MAX_CELL = 131_072
#: The longest header read, in characters.
HEADER_LIMIT = 1 << 26
_SEP_LINE = re.compile(r"^sep=(.)[ \t]*(?:\r\n|\n|\r|$)", re.IGNORECASE)
# a multi-byte UTF-8 sequence (RFC 3629)
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _fail(name: str, detail: str, line: int | None = None, column: int | None = None) -> None:
    raise ResponseError([Problem.make("R012", file=name, line=line, column=column, detail=detail)])


def count_lines(data: bytes | str) -> int:
    """Line breaks in ``data`` (CR LF, LF and a lone CR count one each)."""
    if isinstance(data, str):
        return data.count("\n") + data.count("\r") - data.count("\r\n")
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def decode(data: bytes, name: str) -> str:
    """The text of a file: UTF-16 with a byte-order mark, UTF-8 (BOM allowed), else
    Windows-1252.

    Raises:
        ResponseError: the file mixes UTF-8 with another encoding, is neither, or starts as
            UTF-16 and is not (``R012``, naming the line of the first byte that cannot be
            read).

    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = count_lines(data[: exc.start].decode("utf-16", errors="replace")) + 1
            _fail(name, f"the file starts as UTF-16 but is not: {exc.reason}", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad, pos = data[exc.start], exc.start
    line = count_lines(data[:pos]) + 1
    if _UTF8_MULTI.search(data):
        _fail(
            name,
            f"the file mixes UTF-8 with another encoding: byte 0x{bad:02X} is not UTF-8, but "
            "other lines are; save the whole file as UTF-8",
            line,
        )
    try:
        # Spreadsheets on Windows export CSV in the ANSI code page.
        return data.decode("cp1252", errors="strict")
    except UnicodeDecodeError as exc:
        line = count_lines(data[: exc.start]) + 1
        _fail(name, "the file is neither UTF-8 nor Windows-1252 text; save it as UTF-8", line)
    raise AssertionError  # pragma: no cover


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True)
class CsvLayout:
    """Where things are in a CSV file: its separator, its header and where data starts.

    ``header`` holds the column names as written, ``names`` the same trimmed;
    ``header_line`` is the line of the header (2 after a ``sep=`` line), ``data_line`` the
    line the first row starts on and ``data_offset`` where it starts in the text.
    """

    delimiter: str
    header: tuple[str, ...]
    names: tuple[str, ...]
    header_line: int
    data_line: int
    data_offset: int


def layout_of(text: str, name: str, max_columns: int | None, complete: bool = True) -> CsvLayout:
    """Separator, header and start of the data of a CSV text (or of its first part: then
    ``complete`` is False and a header not entirely inside ``text`` raises :class:`EOFError`).

    Raises:
        ResponseError: a header naming a column twice, wider than ``max_columns``, or
            holding a NUL byte (``R012``).
        EOFError: ``text`` is only the start of the file and ends inside the header.

    """
    offset, first = 0, 1
    m = _SEP_LINE.match(text)
    if m:  # Excel's "sep=;" first line names the separator
        delimiter = m.group(1)
        offset, first = m.end(), 2
    else:
        delimiter = _sniff_delimiter(re.split(r"\r\n|\n|\r", text, maxsplit=1)[0])
    rest = text[offset:]
    rows = csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter)
    header: list[str] = []
    incomplete = False
    try:
        header = next(rows, [])
        lines = rows.line_num
        incomplete = not complete and (lines == 0 or next(rows, None) is None)
    except csv.Error as exc:
        if "field larger" in str(exc):
            _fail(name, f"a header cell is longer than {MAX_CELL:,} characters", first)
        if not complete:
            raise EOFError from None
        _fail(name, f"cannot read the header: {exc}", first)
    if incomplete and (len(text) < HEADER_LIMIT or max_columns is None):
        raise EOFError
    if max_columns is not None and len(header) > max_columns:
        _fail(
            name,
            f"the header has {'at least ' if incomplete else ''}{len(header):,} columns, far "
            f"more than an answers file can have (at most {max_columns:,}): is this an answers "
            "file, with one row per respondent?",
            first,
        )
    if incomplete:
        _fail(name, f"the header is longer than {HEADER_LIMIT:,} characters", first)
    names = tuple(h.strip() for h in header)
    seen: dict[str, int] = {}
    problems = []
    for k, h in enumerate(names, start=1):
        if h in seen:
            problems.append(
                Problem.make(
                    "R012",
                    file=name,
                    line=first,
                    column=k,
                    path=h[:80],
                    detail=f"column '{h[:80]}' appears twice (columns {seen[h]} and {k}); keep one",
                )
            )
        else:
            seen[h] = k
    if any("\0" in h for h in names):
        _fail(name, "the header holds a NUL byte: is this a text file?", first)
    if problems:
        from maturity.io.check import too_many

        raise ResponseError(too_many(problems, name))
    data_offset = offset + _offset_after_lines(rest, lines)
    return CsvLayout(delimiter, tuple(header), names, first, first + lines, data_offset)


_BREAK = re.compile(r"\r\n|\n|\r")


def _offset_after_lines(text: str, k: int) -> int:
    """The position in ``text`` after its first ``k`` lines."""
    pos = 0
    for _ in range(k):
        m = _BREAK.search(text, pos)
        if m is None:
            return len(text)
        pos = m.end()
    return pos


def max_columns(q: Questionnaire) -> int:
    """The widest header accepted: far wider than any answers file for ``q`` (which has at most
    one column per field, meta column and item), so that a file that is not one at all is
    refused at once instead of producing a problem per column.
    """
    from maturity.io.check import columns_of

    return 2 * len(columns_of(q)) + 100


def _blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


@dataclass
class _Rows:
    lines: list[int]
    rows: list[list[str]]
    problems: list[Problem]
    bad: list[int]


def _parse_rows(body: str, lay: CsvLayout, name: str) -> _Rows:
    """Every row after the header, with the line it starts on; a row with the wrong number of
    cells is a problem (and an empty placeholder row, so that positions stay aligned).
    """
    width = len(lay.header)
    rows = csv.reader(io.StringIO(body, newline=""), delimiter=lay.delimiter)
    out = _Rows([], [], [], [])
    start = lay.data_line
    last: list[str] | None = None
    last_start = start
    try:
        for raw in rows:
            line, start = start, lay.data_line + rows.line_num
            last, last_start = raw, line
            if _blank(raw):
                continue
            if len(raw) != width:
                out.problems.append(
                    Problem.make(
                        "R012",
                        file=name,
                        line=line,
                        detail=f"row has {len(raw)} cells but the header has {width}",
                    )
                )
                out.bad.append(len(out.rows))
                raw = [""] * width
            out.lines.append(line)
            out.rows.append(raw)
    except csv.Error as exc:
        if "field larger" in str(exc):
            _fail(name, too_long(), start)
        if "NUL" in str(exc):
            _fail(name, "the file holds a NUL byte: is this a text file?", start)
        _fail(name, f"cannot read the row: {exc}", start)  # pragma: no cover
    if last is not None:
        open_line = unclosed_quote(body, lay, last_start)
        if open_line is not None:
            _fail(name, unclosed(), open_line)
    return out


def too_long() -> str:
    """The message for a cell over :data:`MAX_CELL` characters."""
    return (
        f"a cell is longer than {MAX_CELL:,} characters, the most a cell may hold "
        "(is a quote left open before it?)"
    )


def unclosed() -> str:
    """The message for a quote left open."""
    return (
        "a quoted cell starting on this line is never closed, so every row after it would be "
        "read as part of that cell; close the quote (a quote inside a cell is written twice)"
    )


def unclosed_quote(body: str, lay: CsvLayout, last_start: int) -> int | None:
    """The line of a quote left open in the last row of ``body`` (whose text starts on line
    ``last_start``), or ``None``: an open quote swallows everything after it into one cell, so
    it can only be in the row that ends the file.
    """
    lines_before = last_start - lay.data_line
    offset = _offset_after_lines(body, lines_before) if lines_before else 0
    tail = body[offset:]
    if '"' not in tail:
        return None
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=lay.delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return last_start
    return None


def _check_text(text: str, name: str) -> None:
    nul = text.find("\0")
    if nul >= 0:
        _fail(name, "the file holds a NUL byte: is this a text file?", count_lines(text[:nul]) + 1)


@answers_format("csv", (".csv", ".tsv", ".txt"), "comma-, semicolon- or tab-separated values")
def read_csv(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read an answers CSV file into a :class:`RawTable` (one column per field) with Python's
    csv module.

    Options: ``name`` (the file's name in messages), ``max_columns`` (the widest header
    accepted; default: :func:`max_columns` of the questionnaire).
    """
    name = str(options.get("name", path))
    text = decode(path.read_bytes(), name)
    _check_text(text, name)
    lay = layout_of(text, name, options.get("max_columns", max_columns(questionnaire)))
    parsed = _parse_rows(text[lay.data_offset :], lay, name)
    cells = {c: [r[j] for r in parsed.rows] for j, c in enumerate(lay.names)}
    return RawTable(
        file=name,
        columns=lay.names,
        cells=cells,
        n_rows=len(parsed.rows),
        lines=parsed.lines,
        positions={c: j + 1 for j, c in enumerate(lay.names)},
        problems=tuple(parsed.problems),
        text_guarded=True,
        bad_rows=frozenset(parsed.bad),
        header_line=lay.header_line,
    )


def _fmt(x: float) -> str:
    from maturity.responses import format_number

    return format_number(x)


def cell_text(item: Item, a: Answer) -> str:
    """An answer as the text of a cell (before the formula guard)."""
    from maturity.responses import Marker

    if isinstance(a, Marker):
        return a.code
    if isinstance(a, frozenset):
        order = [o.code for o in item.options]
        return "|".join(sorted(a, key=order.index))
    if isinstance(a, bool):
        return "yes" if a else "no"
    if isinstance(a, float):
        return _fmt(a)
    return a


def _rows(responses: Responses) -> Iterator[list[str]]:
    from maturity.io.check import columns_of
    from maturity.questionnaire import PROFILE_FIELDS

    q = responses.questionnaire
    yield list(columns_of(q))
    for r in responses:
        cells = r.profile.to_cells()
        cells["company"] = safe_cell(cells["company"])
        row = [
            safe_cell(r.id),
            responses.questionnaire_id,
            responses.questionnaire_version,
            *(cells[f] for f in PROFILE_FIELDS),
        ]
        for i in q.items:
            a = r.answers.get(i.id)
            text = "" if a is None else cell_text(i, a)
            row.append(safe_cell(text) if i.kind == "text" else text)
        yield row


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text (RFC 4180): ``,``-separated, CRLF line ends, and every cell holding a
    ``,``, a ``"``, a carriage return or a line feed quoted, so that no text can break a row.

    This is the one CSV writer of the library; text cells must already have been through the
    formula guard (:func:`maturity.io.guard.safe_cell`).
    """
    buf = io.StringIO()
    # with CRLF as the terminator, the csv module quotes a cell holding CR or LF (with LF alone
    # it would leave a lone CR unquoted, and a spreadsheet would start a new row there)
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows(rows)
    return buf.getvalue()


def responses_to_csv(responses: Responses) -> str:
    """The responses as CSV text (the format :func:`read_csv` reads), formula-guarded."""
    return csv_text(_rows(responses))


@answers_writer("csv")
def write_csv(responses: Responses, options: Options) -> bytes:
    """Write answers as CSV (UTF-8, ``,``-separated, CRLF line ends; ids, company names and
    free text formula-guarded).
    """
    return responses_to_csv(responses).encode("utf-8")
