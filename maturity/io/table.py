"""The one shape every answers reader produces: a :class:`RawTable` of cells, column by column.

A reader (CSV, JSON, XLSX, Parquet, a survey tool's export) turns its file into a
:class:`RawTable` whose columns are already *ours* (``respondent_id``, the profile fields, the
item ids, ``questionnaire``/``questionnaire_version``) and whose cells follow our conventions
(option codes, numbers or numeric text, ``yes``/``no``, ``n/a``, ``dont_know``, multiple
choice as a list of codes or codes joined by ``|``; ``None`` or ``""`` for no answer). Then one
checker (:func:`maturity.io.check.check_table`) turns any table into
:class:`~maturity.responses.Responses` with the same checks and the same located errors,
whatever the source. A reader that renames or recodes keeps, per column, where it came from
(``source_names``, ``positions``), so that an error names the column the user sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from maturity.errors import Problem

__all__ = ["RawTable", "TableStream"]


@dataclass(frozen=True)
class RawTable:
    """Cells of an answers file as read, before any check.

    Attributes:
        file: the file's name as errors show it.
        columns: column names (ours), in the file's order.
        cells: column → one cell per row (``str``, ``int``, ``float``, ``bool``, a list of
            codes for multiple choice, a :class:`datetime.date`, or ``None``). A sequence, a
            numpy array or an Arrow array (or chunked array); in a numeric array, NaN (and an
            Arrow null) is an empty cell.
        n_rows: the number of rows (respondents).
        lines: per row, the line of the file it starts on (CSV, JSON) or the spreadsheet row;
            ``None`` where rows have no line (then errors name the record ``[i]``).
        positions: column → its 1-based position in the file (the column of an error).
        source_names: column → the name the file gives it, where the reader renamed it.
        marks: per row, column → ``(line, column)`` of each value (JSON), or ``None``.
        sheet: the worksheet the rows come from (spreadsheets), or ``None``.
        problems: problems the reader found itself (a row with the wrong number of cells).
        text_guarded: text cells may carry the formula guard of our own writers
            (:func:`maturity.io.guard.safe_cell`), to be undone.
        bad_rows: rows the reader could not read at all (their problems are in ``problems``).
        date_format: how dates are written in this file (``"%d/%m/%Y"`` style), when not ISO
            ``YYYY-MM-DD``; ``None`` for ISO (or cells that are already dates).
        language: the language the file is written in, when the reader knows it (a form
            export with labels in Italian): ``dd/mm/yyyy`` dates are then read day first.
        more_problems: problems the reader found but did not list in ``problems`` (it lists
            the first 50).
        header_line: the line of the header (CSV: 2 after Excel's ``sep=`` line).
        records: the file is records that leave out unanswered keys (JSON, SurveyJS results;
            :attr:`maturity.io.registry.AnswersFormat.records`): an item without a column is
            not answered by anyone, not a column missing from the file (no ``R014``).
        record_numbers: per row without a line, its 1-based place among the file's records,
            where the rows are not the file's records in order (a Dask partition of a Parquet
            file after a shuffle); ``None``: the row's place in this table.

    """

    file: str
    columns: tuple[str, ...]
    cells: Mapping[str, Sequence[Any]]
    n_rows: int
    lines: Sequence[int] | None = None
    positions: Mapping[str, int] = field(default_factory=dict)
    source_names: Mapping[str, str] = field(default_factory=dict)
    marks: Sequence[Mapping[str, tuple[int, int]]] | None = None
    sheet: str | None = None
    problems: tuple[Problem, ...] = ()
    text_guarded: bool = False
    bad_rows: frozenset[int] = frozenset()
    date_format: str | None = None
    language: str | None = None
    more_problems: int = 0
    header_line: int = 1
    records: bool = False
    record_numbers: Sequence[int] | None = None

    def line_of(self, row: int) -> int | None:
        """The line (or spreadsheet row) of row ``row`` (0-based), if known."""
        if self.lines is None:
            return None
        line = int(self.lines[row])
        return line if line > 0 else None

    def record_of(self, row: int) -> int:
        """The 1-based record number of row ``row`` (0-based), for rows without a line."""
        if self.record_numbers is None:
            return row + 1
        return int(self.record_numbers[row])

    def shown_name(self, column: str) -> str:
        """The column's name as the file shows it."""
        return self.source_names.get(column, column)


@dataclass(frozen=True)
class TableStream:
    """A table read batch by batch, for files too big to hold as text.

    ``head`` is a :class:`RawTable` with the columns (and their positions, names and
    conventions) but no rows; ``batches`` yields :class:`RawTable` batches with the same
    columns, rows numbered on from the batch before; after the last batch, ``finish()`` gives
    a :class:`RawTable` without cells that tells what the reader learned on the way: the
    number of rows, their lines (possibly computed only when asked for), and the problems of
    rows it could not read. ``max_rows`` bounds the number of rows, if the reader knows a
    bound (the checker then makes its arrays once).
    """

    head: RawTable
    batches: Iterator[RawTable]
    finish: Callable[[], RawTable]
    max_rows: int = 0
