"""The row-by-row checker of maturity 0.1 (commit 76cb321), kept as the oracle of the columnar
checker: tests/test_io_check.py compares both on generated tables.

Changes from the original: ``check_table`` returns the accepted respondents and every problem
instead of raising, and the required-profile test compares field names instead of path
suffixes. Nothing else.

Original description:

Every cell is checked against the questionnaire (codes, numbers and their ranges, yes/no,
multiple choice and its exclusive options, N/A and "don't know" where allowed, conditions,
required items, profile fields); every problem names the file, the row and the column. Every
reader goes through here, so every source gets the same checks and the same messages.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from maturity.errors import Problem, list_allowed, suggest
from maturity.io.guard import unsafe_cell
from maturity.io.table import RawTable
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS, Item, Questionnaire
from maturity.responses import (
    DONT_KNOW,
    ID_COLUMN,
    META_COLUMNS,
    NA,
    Answer,
    Profile,
    Respondent,
    condition_answers,
    format_number,
)

__all__ = ["legacy_check"]

_NUMBER_RE = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_YES = {"yes", "true", "1", "si", "sì", "y"}
_NO = {"no", "false", "0", "n"}


class _RowReader:
    """Checks the cells of one row; collects problems with file, row and column."""

    def __init__(self, q: Questionnaire, table: RawTable) -> None:
        self.q = q
        self.table = table
        self.file = table.file
        self.col_index = dict(table.positions)
        self.problems: list[Problem] = []
        self.line: int | None = None
        self.record: int = 0
        self.cell_marks: Mapping[str, tuple[int, int]] = {}

    def fail(self, code: str, column: str, **fields: Any) -> None:
        shown = self.table.shown_name(column)
        if self.cell_marks:  # JSON: the line and column of the value itself
            line, col = self.cell_marks.get(column, (self.line, None))
        else:
            line, col = self.line, self.col_index.get(column)
        self.problems.append(
            Problem.make(
                code,
                file=self.file,
                line=line,
                column=col,
                path=shown if line is not None else f"[{self.record}].{shown}",
                **fields,
            )
        )

    # -- cells ------------------------------------------------------------------------
    def number(self, column: str, cell: object, *, item: str = "") -> float | None:
        if isinstance(cell, bool):
            self.fail("R003", column, found=str(cell).lower(), why="")
            return None
        if isinstance(cell, int | float):
            if not math.isfinite(cell):
                self.fail("R003", column, found=str(cell), why=" (must be finite)")
                return None
            return float(cell)
        s = str(cell).strip()
        if not _NUMBER_RE.match(s):
            why = ""
            low = s.lower()
            if low.lstrip("+-") in ("nan", "inf", "infinity"):
                why = " (not a finite number)"
            elif "_" in s:
                why = " (write digits only, without '_')"
            elif re.match(r"^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$", s):
                why = " (write it without thousands separators, e.g. 1234.5)"
            elif re.match(r"^[+-]?[0-9.]+e[+-]?\d+$", low):
                why = " (write it without an exponent)"
            self.fail("R003", column, found=s, why=why)
            return None
        return float(s.replace(",", "."))

    def answer(self, item: Item, cell: object) -> Answer | None:
        col = item.id
        if isinstance(cell, str):
            s = cell.strip()
            low = s.lower()
            if low == NA_CODE:
                if not item.na:
                    self.fail(
                        "R011", col, detail=f"'not applicable' (n/a) is not allowed for '{item.id}'"
                    )
                    return None
                return NA
            if low == DONT_KNOW_CODE:
                if not item.dont_know:
                    self.fail(
                        "R011",
                        col,
                        detail=f"'don't know' (dont_know) is not allowed for '{item.id}'",
                    )
                    return None
                return DONT_KNOW
        if item.kind in ("scale", "choice"):
            return self.code(item, cell)
        if item.kind == "multi":
            parts = cell if isinstance(cell, list | tuple) else str(cell).split("|")
            codes: list[str] = []
            for part in parts:
                code = self.code(item, part)
                if code is None:
                    return None
                if code not in codes:
                    codes.append(code)
            if not codes:
                self.fail("R011", col, detail="select at least one option")
                return None
            excl = [o.code for o in item.options if o.exclusive and o.code in codes]
            if excl and len(codes) > 1:
                self.fail(
                    "R011",
                    col,
                    detail=f"'{excl[0]}' excludes every other option (found: {'|'.join(codes)})",
                )
                return None
            return frozenset(codes)
        if item.kind == "number":
            x = self.number(col, cell, item=item.id)
            if x is None:
                return None
            lo = item.min if item.min is not None else -math.inf
            hi = item.max if item.max is not None else math.inf
            if not lo <= x <= hi:
                self.fail(
                    "R004",
                    col,
                    value=format_number(x),
                    item=item.id,
                    allowed=f"{format_number(lo)} to {format_number(hi)}",
                )
                return None
            return x
        if item.kind == "boolean":
            if isinstance(cell, bool):
                return cell
            low = str(cell).strip().lower()
            if low in _YES:
                return True
            if low in _NO:
                return False
            self.fail("R002", col, found=str(cell), item=item.id, allowed="yes, no")
            return None
        text = cell if isinstance(cell, str) else str(cell)
        if self.table.text_guarded:
            text = unsafe_cell(text)
        if len(text) > item.max_length:
            self.fail("R011", col, detail=f"text longer than {item.max_length} characters")
            return None
        return text

    def code(self, item: Item, cell: object) -> str | None:
        s = (_json_scalar(cell) if not isinstance(cell, str) else cell).strip()
        codes = item.codes
        if s in codes:
            return s
        folded = [c for c in codes if c.lower() == s.lower()]
        if len(folded) == 1:
            return folded[0]
        self.fail(
            "R002",
            item.id,
            found=s,
            item=item.id,
            allowed=", ".join(codes) + _special(item),
            suggestion=_label_of(item, s),
        )
        return None

    def text_cell(self, cell: object) -> str:
        s = _json_scalar(cell).strip() if not isinstance(cell, str) else cell.strip()
        return unsafe_cell(s) if self.table.text_guarded else s

    def profile(self, cells: Mapping[str, object]) -> Profile:
        from maturity.classify import nace_normalize, nuts_normalize

        values: dict[str, Any] = {}
        for name in PROFILE_FIELDS:
            cell = cells.get(name)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            s = _json_scalar(cell).strip() if not isinstance(cell, str) else cell.strip()
            try:
                if name == "sector":
                    values[name] = nace_normalize(s)
                elif name == "region":
                    values[name] = nuts_normalize(s)
                elif name == "employees":
                    x = self.number(name, cell)
                    if x is not None:
                        if x < 0 or not x.is_integer():
                            raise ValueError(f"employees must be a whole number >= 0, found {s}")
                        values[name] = int(x)
                elif name in ("turnover", "balance_sheet"):
                    x = self.number(name, cell)
                    if x is not None:
                        if x < 0:
                            raise ValueError(f"{name} must be >= 0 (million EUR), found {s}")
                        values[name] = x
                elif name == "date":
                    if isinstance(cell, _dt.date):
                        values[name] = cell
                        continue
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                        raise ValueError(f"invalid date '{s}' (expected YYYY-MM-DD)")
                    try:
                        values[name] = _dt.date.fromisoformat(s)
                    except ValueError:
                        raise ValueError(f"invalid date '{s}' (no such day)") from None
                else:  # company: free text
                    values[name] = self.text_cell(cell)
            except ValueError as exc:
                self.fail("R010", name, detail=str(exc))
        for pf in self.q.profile:
            if (
                pf.required
                and pf.name not in values
                and not any(
                    p.path.split(".")[-1] == pf.name and p.line == self.line for p in self.problems
                )
            ):
                self.fail("R010", pf.name, detail=f"required profile field '{pf.name}' is empty")
        return Profile(**values)

    def row(self, cells: Mapping[str, object], seen: dict[str, int]) -> Respondent | None:
        before = len(self.problems)
        rid_cell = cells.get(ID_COLUMN)
        rid = "" if rid_cell is None else self.text_cell(rid_cell)
        if not rid:
            self.fail("R007", ID_COLUMN)
        elif rid in seen:
            self.fail("R008", ID_COLUMN, found=rid, first=seen[rid])
        else:
            seen[rid] = self.line if self.line is not None else self.record
        for meta, expected in zip(META_COLUMNS, (self.q.id, self.q.version), strict=True):
            cell = cells.get(meta)
            if cell is None or not str(cell).strip():
                continue
            found = str(cell).strip()
            if meta == "questionnaire" and found != expected:
                self.fail(
                    "R009",
                    meta,
                    detail=f"these answers are to questionnaire '{found}', not '{expected}'",
                )
            elif meta == "questionnaire_version" and not _compatible(found, expected):
                self.fail(
                    "R009",
                    meta,
                    detail=f"these answers are to version {found} of "
                    f"'{self.q.id}', but the questionnaire is version {expected} "
                    "(answers are compatible only within the same MAJOR.MINOR)",
                )
        profile = self.profile(cells)
        answers: dict[str, Answer] = {}
        faulty: set[str] = set()
        for item in self.q.items:
            cell = cells.get(item.id)
            if cell is None or (isinstance(cell, str) and not cell.strip()) or cell == []:
                continue
            known = len(self.problems)
            a = self.answer(item, cell)
            if a is not None:
                answers[item.id] = a
            elif len(self.problems) > known:
                faulty.add(item.id)  # reported as bad: not also as unanswered
        self.check_conditions(answers, profile, faulty)
        if len(self.problems) > before:
            return None
        return Respondent(rid, profile, answers)

    def check_conditions(
        self, answers: dict[str, Answer], profile: Profile, faulty: Set[str] = frozenset()
    ) -> None:
        env = condition_answers(answers)
        prof = profile.for_conditions()
        for item in self.q.items:
            truth: bool | None = True
            for c in self.q.conditions_of(item.id):
                t = c.evaluate(env, prof)
                if t is False:
                    truth = False
                    bad = c.source
                    break
                if t is None:
                    truth = None
            a = answers.get(item.id)
            if truth is False:
                if a is not None and a is not NA:
                    self.fail("R005", item.id, item=item.id, condition=bad)
            elif a is None and item.required and item.id not in faulty:
                self.fail("R006", item.id, item=item.id)


def _special(item: Item) -> str:
    extra = [c for c, ok in ((NA_CODE, item.na), (DONT_KNOW_CODE, item.dont_know)) if ok]
    return (", " + ", ".join(extra)) if extra else ""


def _json_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _compatible(found: str, expected: str) -> bool:
    return found.split(".")[:2] == expected.split(".")[:2]


def _check_columns(q: Questionnaire, table: RawTable) -> list[Problem]:
    known = {ID_COLUMN, *META_COLUMNS, *PROFILE_FIELDS, *(i.id for i in q.items)}
    out = []
    cols = list(table.columns)
    for c in cols:
        if c not in known:
            out.append(
                Problem.make(
                    "R001",
                    file=table.file,
                    line=1 if table.lines is not None and table.marks is None else None,
                    column=table.positions.get(c),
                    path=table.shown_name(c),
                    found=table.shown_name(c),
                    questionnaire=q.id,
                    suggestion=suggest(c, known),
                )
            )
    if ID_COLUMN not in cols:
        out.append(
            Problem.make(
                "R012",
                file=table.file,
                line=1,
                path=ID_COLUMN,
                detail=f"no '{ID_COLUMN}' column (columns: {list_allowed(cols)})",
            )
        )
    for pf in q.profile:
        if pf.required and pf.name not in cols:
            line = table.header_line if table.lines is not None and table.marks is None else None
            if table.marks is not None and table.n_rows:
                line = table.line_of(0)
            out.append(
                Problem.make("R015", file=table.file, line=line, path=pf.name, field=pf.name)
            )
    return out


def _rows(table: RawTable) -> Iterable[dict[str, object]]:
    cols = [(c, table.cells[c]) for c in table.columns]
    for i in range(table.n_rows):
        yield {c: v[i] for c, v in cols}


def legacy_check(
    table: RawTable, questionnaire: Questionnaire
) -> tuple[list[Problem], list[Respondent], list[Problem]]:
    """Every problem (file order), the respondents a skip would keep, and what it would skip."""
    q = questionnaire
    reader = _RowReader(q, table)
    reader.problems.extend(table.problems)
    file_problems = _check_columns(q, table)
    if file_problems:
        return file_problems + reader.problems, [], []
    respondents: list[Respondent] = []
    seen: dict[str, int] = {}
    skipped: list[Problem] = list(table.problems)
    for i, cells in enumerate(_rows(table)):
        reader.record = i + 1
        reader.line = table.line_of(i)
        reader.cell_marks = table.marks[i] if table.marks is not None else {}
        if i in table.bad_rows:
            continue
        before = len(reader.problems)
        resp = reader.row(cells, seen)
        new = reader.problems[before:]
        if resp is not None and not new:
            respondents.append(resp)
        else:
            skipped.extend(new)
    return reader.problems, respondents, skipped


def columns_of(q: Questionnaire) -> Sequence[str]:
    """The columns of an answers file for ``q``, in the order our writers use."""
    return [ID_COLUMN, *META_COLUMNS, *PROFILE_FIELDS, *(i.id for i in q.items)]


def _label_of(item: Item, s: str) -> str:
    """The hint of a cell that holds an option's label instead of its code."""
    names = {"en": "English", "it": "Italian"}
    for o in item.options:
        for lang, label in o.label.items():
            if " ".join(label.split()).casefold() == " ".join(s.split()).casefold() and s:
                name = names.get(lang, repr(lang))
                return f"; '{s}' is the {name} label of '{o.code}': write the code"
    return ""
