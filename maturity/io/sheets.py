"""Spreadsheets and delimited text as grids of cells, and answers in a plain sheet (``xlsx``).

Every tool export we read is, first, a :class:`Grid`: a header row, data rows, and for each
row the line (CSV) or spreadsheet row it came from, under a name that errors show
(``answers.xlsx[Sheet1]``). :func:`grid_of` reads ``.xlsx``/``.xlsm``/``.ods``/``.xls`` with
python-calamine (the ``xlsx`` extra; openpyxl is the fallback for ``.xlsx``) and delimited text
with the one CSV decoder. Date cells arrive as :class:`datetime.date`.

Writing: :class:`SheetWriter` builds ``.xlsx`` files with openpyxl; every text cell goes
through the one formula guard (:func:`maturity.io.guard.safe_cell`) and is stored as text.

The ``xlsx`` answers format is our CSV layout in the first visible sheet (or ``sheet=``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io.guard import safe_cell
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "Grid",
    "SheetWriter",
    "column_letter",
    "grid_of",
    "read_xlsx",
    "sheet_names",
    "table_of_grid",
]

#: Suffixes read as spreadsheets (everything else as delimited text).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")


def column_letter(n: int) -> str:
    """The spreadsheet name of 1-based column ``n`` (1 → A, 28 → AB)."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Grid:
    """Cells of one sheet or CSV file: ``header``, ``rows``, and each row's line/row number.

    ``name`` is the file as errors show it (with ``[sheet]`` for a spreadsheet).
    """

    name: str
    header: list[str]
    rows: list[list[Any]]
    lines: list[int]
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)
    spreadsheet: bool = False

    def column(self, j: int) -> list[Any]:
        """The cells of column ``j`` (0-based), ``None`` where a row is short."""
        return [r[j] if j < len(r) else None for r in self.rows]


def _cell(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        return v.date() if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0) else v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if isinstance(v, str):
        return v
    return v


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    out = [[_cell(c) for c in r] for r in rows]
    for r in out:
        while r and (r[-1] is None or r[-1] == ""):
            r.pop()
    return out


class _Unreadable(Exception):
    """A workbook that cannot be read: the reason, for the caller to locate."""


@lru_cache(maxsize=8)
def _workbook(path: str, mtime: float, size: int) -> tuple[tuple[str, bool, tuple[Any, ...]], ...]:
    """Every sheet of a workbook: (name, visible, rows). Cached by path, time and size.

    Raises:
        _Unreadable: the file is not a workbook the library can read (whatever the reason:
            calamine and openpyxl raise their own error types for broken files).

    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - the fallback when only openpyxl is installed
        return _workbook_openpyxl(path)
    try:
        wb = CalamineWorkbook.from_path(path)
        out = []
        for meta in wb.sheets_metadata:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            visible = (
                str(meta.visible).lower().endswith("visible")
                and "hidden" not in str(meta.visible).lower()
            )
            out.append((meta.name, visible, tuple(tuple(r) for r in rows)))
        wb.close()
        return tuple(out)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _Unreadable(f"cannot read the spreadsheet: {exc}") from None
    except BaseException as exc:
        # a panic of calamine's Rust code (a date cell holding -9e18, say) arrives as pyo3's
        # PanicException, a BaseException: it is the file's fault, not a reason to stop
        if type(exc).__name__ != "PanicException":
            raise
        raise _Unreadable(
            f"cannot read the spreadsheet: its reader failed on a cell ({exc})"
        ) from None


def _workbook_openpyxl(path: str) -> tuple[tuple[str, bool, tuple[Any, ...]], ...]:
    try:
        import openpyxl
    except ImportError:
        raise _Unreadable(
            "reading spreadsheets needs the 'xlsx' extra: pip install 'maturity[xlsx]'"
        ) from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        out = []
        for ws in wb.worksheets:
            rows = tuple(tuple(r) for r in ws.iter_rows(values_only=True))
            out.append((ws.title, ws.sheet_state == "visible", rows))
        wb.close()
    except Exception as exc:  # zipfile, XML and openpyxl's own errors for broken files
        raise _Unreadable(f"cannot read the spreadsheet: {exc}") from None
    return tuple(out)


def _sheets(path: Path, name: str | None) -> tuple[tuple[str, bool, tuple[Any, ...]], ...]:
    st = path.stat()
    try:
        return _workbook(str(path), st.st_mtime, st.st_size)
    except _Unreadable as exc:
        raise ResponseError(
            [Problem.make("R012", file=name or str(path), detail=str(exc))]
        ) from None


def sheet_names(path: Path, name: str | None = None) -> list[tuple[str, bool]]:
    """The sheets of a workbook: (name, visible).

    Raises:
        ResponseError: the file is not a workbook that can be read (``R012``, naming the file
            as ``name``, by default its path).

    """
    return [(n, v) for n, v, _ in _sheets(path, name)]


def sheet_rows(path: Path, sheet: str, name: str | None = None) -> list[list[Any]]:
    """The rows of one sheet (trailing empty cells dropped; dates as dates).

    Raises:
        ResponseError: the file is not a workbook that can be read, or has no sheet ``sheet``
            (``R012``, naming the file as ``name``, by default its path).

    """
    found = _sheets(path, name)
    for n, _, rows in found:
        if n == sheet:
            return _trim([list(r) for r in rows])
    raise ResponseError(
        [
            Problem.make(
                "R012",
                file=name or str(path),
                detail=f"no sheet '{sheet}' (sheets: {', '.join(n for n, _, _ in found)})",
            )
        ]
    )


def _csv_rows(path: Path, name: str) -> tuple[list[list[str]], list[int]]:
    from maturity.io.csvio import decode

    text = decode(path.read_bytes(), name)
    first_line = 1
    if text[:4].lower() == "sep=" and "\n" in text[:8]:  # Excel's separator hint
        delim = text[4]
        text = text.split("\n", 1)[1]
        first_line = 2
    else:
        head = text.split("\n", 1)[0]
        counts = {d: head.count(d) for d in (",", ";", "\t")}
        delim = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = first_line
    for raw in reader:
        lines.append(start)
        rows.append(raw)
        start = first_line + reader.line_num
    return rows, lines


def grid_of(
    path: Path,
    name: str,
    *,
    sheet: str | None = None,
    pick: Any = None,
) -> Grid:
    """The grid of a CSV file, or of a sheet of a spreadsheet.

    Args:
        path: the file.
        name: the file's name as errors show it.
        sheet: the sheet to read (default: ``pick(names)`` or the first visible sheet).
        pick: a function choosing a sheet among the visible sheet names.

    Raises:
        ResponseError: the file cannot be read, or the sheet does not exist.

    """
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        rows, lines = _csv_rows(path, name)
        while rows and not any(str(c).strip() for c in rows[0]):
            rows.pop(0)
            lines.pop(0)
        header = [str(c).strip() for c in rows[0]] if rows else []
        body = [
            (r, ln) for r, ln in zip(rows[1:], lines[1:], strict=True) if any(c.strip() for c in r)
        ]
        return Grid(name, header, [r for r, _ in body], [ln for _, ln in body])
    names = sheet_names(path, name)
    visible = [n for n, v in names if v] or [n for n, _ in names]
    if sheet is None:
        sheet = pick(visible) if pick is not None else (visible[0] if visible else None)
    if sheet is None or sheet not in [n for n, _ in names]:
        raise ResponseError(
            [
                Problem.make(
                    "R012",
                    file=name,
                    detail=f"no sheet '{sheet}' (sheets: {', '.join(n for n, _ in names)})",
                )
            ]
        )
    rows = sheet_rows(path, sheet, name)
    numbered = [(i + 1, r) for i, r in enumerate(rows)]
    numbered = [(i, r) for i, r in numbered if any(c is not None and str(c).strip() for c in r)]
    shown = f"{name}[{sheet}]"
    if not numbered:
        return Grid(shown, [], [], [], sheet, spreadsheet=True)
    _, head = numbered[0]
    header = ["" if c is None else str(c).strip() for c in head]
    return Grid(
        shown,
        header,
        [r for _, r in numbered[1:]],
        [i for i, _ in numbered[1:]],
        sheet,
        spreadsheet=True,
    )


def table_of_grid(
    grid: Grid,
    columns: Sequence[tuple[str, int]],
    cells: dict[str, list[Any]],
    *,
    source_names: dict[str, str] | None = None,
    problems: Iterable[Problem] = (),
    date_format: str | None = None,
    text_guarded: bool = False,
) -> RawTable:
    """A :class:`RawTable` of a grid's rows: ``columns`` are (our name, 1-based position)."""
    return RawTable(
        file=grid.name,
        columns=tuple(c for c, _ in columns),
        cells=cells,
        n_rows=len(grid.rows),
        lines=list(grid.lines),
        positions={c: p for c, p in columns},
        source_names=source_names or {},
        sheet=grid.sheet,
        problems=tuple([*grid.problems, *problems]),
        text_guarded=text_guarded,
        date_format=date_format,
    )


def plain_table(grid: Grid, options: Options) -> RawTable:
    """A grid in our column layout (one row per respondent, our column names)."""
    cols = [(h, j + 1) for j, h in enumerate(grid.header) if h]
    cells = {h: grid.column(j - 1) for h, j in cols}
    return table_of_grid(
        grid, cols, cells, date_format=options.get("date_format"), text_guarded=True
    )


@answers_format(
    "xlsx",
    (".xlsx", ".xlsm", ".ods", ".xls"),
    "a spreadsheet in our column layout (first visible sheet, or sheet=...)",
    extra="xlsx",
    binary_suffixes=SPREADSHEET_SUFFIXES,
)
def read_xlsx(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read answers from a spreadsheet laid out like our CSV (one row per respondent).

    Options: ``sheet`` (default: the first visible sheet), ``date_format``.
    """
    name = str(options.get("name", path))
    grid = grid_of(path, name, sheet=options.get("sheet"))
    return plain_table(grid, options)


class SheetWriter:
    """Builds an ``.xlsx`` workbook with openpyxl; text cells go through the formula guard."""

    def __init__(self) -> None:
        try:
            from openpyxl import Workbook
        except ImportError:
            from maturity.errors import MaturityError

            raise MaturityError(
                "writing spreadsheets needs the 'xlsx' extra: pip install 'maturity[xlsx]'"
            ) from None
        self.wb = Workbook()
        self._first = True

    def sheet(self, title: str) -> Any:
        """A new worksheet called ``title`` (the first call renames the default sheet)."""
        if self._first:
            ws = self.wb.active
            ws.title = title
            self._first = False
            return ws
        return self.wb.create_sheet(title)

    @staticmethod
    def put(ws: Any, row: int, col: int, value: object, *, guard: bool = True) -> Any:
        """Write one cell (1-based); text through the formula guard, stored as text."""
        if isinstance(value, str):
            text = safe_cell(value) if guard else value
            cell = ws.cell(row=row, column=col, value=text)
            cell.data_type = "s"
            return cell
        return ws.cell(row=row, column=col, value=value)

    def put_row(self, ws: Any, row: int, values: Sequence[object], *, guard: bool = True) -> None:
        """Write a row of cells from column 1."""
        for j, v in enumerate(values, start=1):
            if v is not None and v != "":
                self.put(ws, row, j, v, guard=guard)

    def to_bytes(self) -> bytes:
        """The workbook as the bytes of an ``.xlsx`` file; numbers written in full.

        openpyxl writes a float with 16 significant digits (``"%.16g"``), which does not
        always read back as the same float; while saving, its cell writer formats numbers with
        :func:`maturity.numbers.shortest` instead (the shortest text that reads back exactly).
        """
        from openpyxl.cell import _writer

        buf = io.BytesIO()
        with _SAVING:
            original = _writer.safe_string
            _writer.safe_string = _full_precision(original)
            try:
                self.wb.save(buf)
            finally:
                _writer.safe_string = original
        return buf.getvalue()


_SAVING = threading.Lock()


def _full_precision(original: Any) -> Any:
    from maturity.numbers import shortest

    def safe_string(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return shortest(value)
        return str(original(value))

    return safe_string


@answers_writer("xlsx")
def write_xlsx(responses: Responses, options: Options) -> bytes:
    """Write answers as a spreadsheet in our column layout (one sheet ``answers``); numbers
    as numbers, dates as dates, text formula-guarded.
    """
    from maturity.io.check import columns_of
    from maturity.io.csvio import cell_text
    from maturity.questionnaire import PROFILE_FIELDS

    q = responses.questionnaire
    w = SheetWriter()
    ws = w.sheet("answers")
    cols = list(columns_of(q))
    w.put_row(ws, 1, cols)
    for r_i, r in enumerate(responses, start=2):
        values: list[object] = [r.id, responses.questionnaire_id, responses.questionnaire_version]
        for f in PROFILE_FIELDS:
            values.append(getattr(r.profile, f))
        for item in q.items:
            a = r.answers.get(item.id)
            if a is None:
                values.append(None)
            elif isinstance(a, float) and item.kind == "number":
                values.append(a)
            else:
                values.append(cell_text(item, a))
        w.put_row(ws, r_i, values)
    return w.to_bytes()
