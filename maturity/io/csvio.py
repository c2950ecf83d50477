"""Answers as CSV: the layout our writers use, and spreadsheet exports of it.

Reading: UTF-8 (with or without a byte-order mark) or, failing that, Windows-1252 (the ANSI
code page that spreadsheets on Windows export); the separator is sniffed from the header
(``,``, ``;`` or tab); one row per respondent, one column per field (see
``docs/reference/responses-format.md``). Writing: UTF-8, ``,``-separated, every text cell
through the formula guard.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from maturity.errors import Problem, ResponseError
from maturity.io.guard import safe_cell
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire
    from maturity.responses import Answer, Responses

__all__ = ["csv_text", "decode", "read_csv", "responses_to_csv"]


def decode(data: bytes, name: str) -> str:
    """The text of a file: UTF-8 (BOM allowed), else Windows-1252.

    Raises:
        ResponseError: neither decodes.

    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Spreadsheets on Windows export CSV in the ANSI code page.
        return data.decode("cp1252", errors="strict")
    except UnicodeDecodeError:
        raise ResponseError(
            [
                Problem.make(
                    "R012", file=name, detail="the file is neither UTF-8 nor Windows-1252 text"
                )
            ]
        ) from None


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, name: str) -> tuple[list[str], list[int], list[list[str]], list[Problem]]:
    first = text.split("\n", 1)[0]
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first))
    header: list[str] | None = None
    start = 1
    lines: list[int] = []
    out: list[list[str]] = []
    problems: list[Problem] = []
    for raw in rows:
        if header is None:
            header = [h.strip() for h in raw]
            start = rows.line_num + 1
            continue
        line, start = start, rows.line_num + 1
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(header):
            problems.append(
                Problem.make(
                    "R012",
                    file=name,
                    line=line,
                    column=None,
                    path="",
                    detail=f"row has {len(raw)} cells but the header has {len(header)}",
                )
            )
            raw = [""] * len(header)
            lines.append(-line)  # a bad row: its problem is reported above
        else:
            lines.append(line)
        out.append(raw)
    return header or [], lines, out, problems


@answers_format("csv", (".csv", ".tsv", ".txt"), "comma-, semicolon- or tab-separated values")
def read_csv(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read an answers CSV file into a :class:`RawTable` (one column per field)."""
    name = str(options.get("name", path))
    data = path.read_bytes()
    text = decode(data, name)
    header, lines, rows, problems = _records(text, name)
    cells = {c: [r[j] for r in rows] for j, c in enumerate(header)}
    bad = frozenset(i for i, ln in enumerate(lines) if ln < 0)
    return RawTable(
        file=name,
        columns=tuple(header),
        cells=cells,
        n_rows=len(rows),
        lines=[abs(x) for x in lines],
        positions={c: j + 1 for j, c in enumerate(header)},
        problems=tuple(problems),
        text_guarded=True,
        bad_rows=bad,
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
