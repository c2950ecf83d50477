"""Building a :class:`~maturity.io.table.RawTable` from a tool's export: renamed columns,
recoded cells, and problems located where the user sees them (file, sheet, row, column).

The readers of tool exports (KoboToolbox/ODK, LimeSurvey, form exports, the interview
workbook) match the tool's headers to our columns and its cells to our conventions, then hand
the table to the one checker. A cell they cannot recode (an unknown label) is a problem of
that row, reported with the column's name in the file; the checker reports everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from maturity.errors import Problem
from maturity.io.labels import LabelIndex, Unmatched
from maturity.io.sheets import Grid
from maturity.io.table import RawTable
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE

__all__ = ["SPECIAL_CODES", "TableBuilder", "is_blank", "truthy_flag"]

#: The codes of the special answers.
SPECIAL_CODES = (NA_CODE, DONT_KNOW_CODE)


def is_blank(v: object) -> bool:
    """An empty cell: ``None``, an empty or blank text, or an empty list."""
    return v is None or (isinstance(v, str) and not v.strip()) or v == []


_TRUE = {"1", "1.0", "true", "yes", "y", "x", "sì", "si", "✓", "selected"}
_FALSE = {"0", "0.0", "false", "no", "n", ""}


def truthy_flag(v: object) -> bool | None:
    """A 0/1 (``Y``, ``True``, ``x``) cell of a one-column-per-option export: True, False, or
    ``None`` when it is blank or not a flag.
    """
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return bool(v)
    s = str(v).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


@dataclass
class TableBuilder:
    """Columns (ours) of the rows of a grid, with where each came from."""

    grid: Grid
    columns: dict[str, list[Any]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    source_names: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)

    @property
    def n(self) -> int:
        """The number of rows."""
        return len(self.grid.rows)

    def set(self, name: str, values: Sequence[Any], position: int | None, source: str) -> None:
        """Column ``name`` (ours) holds ``values``; it is ``source`` at ``position`` (1-based)
        in the file.
        """
        self.columns[name] = list(values)
        if position is not None:
            self.positions[name] = position
        if source != name:
            self.source_names[name] = source

    def unknown(self, header: str, values: Sequence[Any], position: int) -> None:
        """A column that is none of ours: kept (the checker reports it, with a suggestion)
        unless every cell is empty (a tool's note, an unused "other" or comment column).
        """
        if any(not is_blank(v) for v in values):
            self.set(header, values, position, header)

    def fail(self, row: int, position: int | None, source: str, detail: str) -> None:
        """A problem in row ``row`` (0-based) of column ``source`` at ``position``."""
        self.problems.append(
            Problem.make(
                "R011",
                file=self.grid.name,
                line=self.grid.lines[row] if self.grid.lines else None,
                column=position,
                path=source,
                detail=detail,
            )
        )
        self.bad_rows.add(row)

    def recode(
        self,
        values: Sequence[Any],
        index: LabelIndex,
        position: int | None,
        source: str,
        *,
        multi: bool = False,
    ) -> list[Any]:
        """Labels (or codes) → codes, a problem for each cell that matches none."""
        out: list[Any] = []
        for r, v in enumerate(values):
            if is_blank(v):
                out.append(None)
                continue
            text = v if isinstance(v, str) else _scalar(v)
            found: str | list[str] | Unmatched = (
                index.codes_of(text) if multi else index.lookup(text)
            )
            if isinstance(found, Unmatched):
                self.fail(r, position, source, found.message())
                out.append(None)
            elif isinstance(found, list) and len(found) == 1 and found[0] in SPECIAL_CODES:
                out.append(found[0])  # N/A or "don't know" alone, not an option
            else:
                out.append(found)
        return out

    def table(
        self,
        *,
        date_format: str | None = None,
        text_guarded: bool = False,
        language: str | None = None,
    ) -> RawTable:
        """The :class:`RawTable` (columns in file order); ``language``: the file's, if known
        (its dates are then read as that language writes them).
        """
        order = sorted(self.columns, key=lambda c: self.positions.get(c, 10**9))
        return RawTable(
            file=self.grid.name,
            columns=tuple(order),
            cells={c: self.columns[c] for c in order},
            n_rows=self.n,
            lines=list(self.grid.lines),
            positions=dict(self.positions),
            source_names=dict(self.source_names),
            sheet=self.grid.sheet,
            problems=tuple([*self.grid.problems, *self.problems]),
            text_guarded=text_guarded,
            bad_rows=frozenset(self.bad_rows),
            date_format=date_format,
            language=language,
        )


def _scalar(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
