"""Responses: companies' answers to a questionnaire, read from CSV or JSON and checked.

:func:`read_responses` reads one row (CSV) or record (JSON) per respondent and checks every
cell against the questionnaire; every problem names the file, the row and the column.
:class:`Responses` keeps the answers losslessly (codes, numbers, free text, N/A and "don't
know" apart from missing) and gives the numeric matrix that scoring works on
(:meth:`Responses.matrix`). :func:`write_responses` writes them back.

Cells: option codes; numbers (``12.5`` or ``12,5``; no thousands separators, no ``nan``,
``inf`` or ``1_000``); ``yes``/``no`` for boolean items; codes joined by ``|`` for multiple
choice; ``n/a`` for "not applicable" and ``dont_know`` for "don't know"; an empty cell is a
missing answer.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import MaturityError, Problem, ResponseError, list_allowed, suggest
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS, Item, Questionnaire
from maturity.scores import safe_cell, unsafe_cell

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DONT_KNOW",
    "NA",
    "AnswerMatrix",
    "OutputExistsError",
    "Profile",
    "Respondent",
    "Responses",
    "read_responses",
    "write_responses",
]


class _Marker:
    """The two special answers; compare with ``is``."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return "NA" if self.code == NA_CODE else "DONT_KNOW"

    def __reduce__(self) -> str:
        return repr(self)


#: The answer "not applicable".
NA = _Marker(NA_CODE)
#: The answer "don't know".
DONT_KNOW = _Marker(DONT_KNOW_CODE)

Answer = str | float | bool | frozenset[str] | _Marker
ID_COLUMN = "respondent_id"
_META_COLUMNS = ("questionnaire", "questionnaire_version")
_NUMBER_RE = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_YES = {"yes", "true", "1", "si", "sì", "y"}
_NO = {"no", "false", "0", "n"}


class OutputExistsError(MaturityError, FileExistsError):
    """An output file exists and overwriting was not asked for (``force=True``/``--force``)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What is known of the respondent's company. ``size_class`` is derived (EU SME rule)."""

    company: str | None = None
    sector: str | None = None
    employees: int | None = None
    turnover: float | None = None
    balance_sheet: float | None = None
    region: str | None = None
    date: _dt.date | None = None

    @property
    def size_class(self) -> str | None:
        """``micro``, ``small``, ``medium`` or ``large`` (Recommendation 2003/361/EC)."""
        from maturity.classify import size_class

        return size_class(self.employees, self.turnover, self.balance_sheet)

    def for_conditions(self) -> dict[str, object]:
        """The names conditions can use (``profile.section``, ``profile.size_class``, ...)."""
        out: dict[str, object] = {
            "company": self.company,
            "sector": self.sector,
            "employees": self.employees,
            "turnover": self.turnover,
            "balance_sheet": self.balance_sheet,
            "region": self.region,
            "size_class": self.size_class,
            "section": None,
            "division": None,
        }
        if self.sector is not None:
            from maturity.classify import nace_ancestors

            chain = nace_ancestors(self.sector)
            out["section"] = chain[-1]
            out["division"] = chain[-2] if len(chain) > 1 else None
        return {k: v for k, v in out.items() if v is not None}

    def to_cells(self) -> dict[str, str]:
        """The profile as CSV cells (empty string for unknown)."""
        out = {}
        for name in PROFILE_FIELDS:
            v = getattr(self, name)
            out[name] = (
                ""
                if v is None
                else (
                    v.isoformat()
                    if isinstance(v, _dt.date)
                    else _fmt_number(v)
                    if isinstance(v, float)
                    else str(v)
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class Respondent:
    """One respondent: an id, a profile and the answers given (missing answers are absent)."""

    id: str
    profile: Profile
    answers: Mapping[str, Answer]

    @property
    def company_id(self) -> str:
        """The company answered for: the profile's company, else the respondent's id. This is
        how ``score(..., by="company")`` groups respondents and names the rows.
        """
        return self.profile.company or self.id


@dataclass(frozen=True, slots=True)
class AnswerMatrix:
    """Answers as arrays for scoring: respondents × scored items.

    ``values`` holds each answer's value (NaN where there is none), ``na`` and
    ``dont_know`` mark those answers, ``applicable`` is False where an item's condition is
    false (the item was not asked). Missing = not NA, not "don't know", and NaN.
    """

    item_ids: tuple[str, ...]
    respondent_ids: tuple[str, ...]
    values: npt.NDArray[np.float64]
    na: npt.NDArray[np.bool_]
    dont_know: npt.NDArray[np.bool_]
    applicable: npt.NDArray[np.bool_]

    @property
    def missing(self) -> npt.NDArray[np.bool_]:
        """True where an applicable item has no answer at all."""
        import numpy as np

        return np.isnan(self.values) & ~self.na & ~self.dont_know & self.applicable


@dataclass(frozen=True)
class Responses:
    """The answers of several respondents to one questionnaire (a given version).

    ``skipped`` lists the problems of rows left out when reading with ``on_error="skip"``.
    """

    questionnaire: Questionnaire = field(compare=False, repr=False)
    respondents: tuple[Respondent, ...]
    questionnaire_id: str = ""
    questionnaire_version: str = ""
    file: str = field(default="<memory>", compare=False)
    skipped: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.questionnaire_id:
            object.__setattr__(self, "questionnaire_id", self.questionnaire.id)
        if not self.questionnaire_version:
            object.__setattr__(self, "questionnaire_version", self.questionnaire.version)

    def __len__(self) -> int:
        return len(self.respondents)

    def __iter__(self) -> Iterator[Respondent]:
        return iter(self.respondents)

    def __getitem__(self, respondent_id: str) -> Respondent:
        for r in self.respondents:
            if r.id == respondent_id:
                return r
        raise KeyError(respondent_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The respondent ids, in order."""
        return tuple(r.id for r in self.respondents)

    def __repr__(self) -> str:
        return (
            f"<Responses to {self.questionnaire_id}@{self.questionnaire_version}: "
            f"{len(self)} respondents"
            + (f", {len(self.skipped)} problems in skipped rows" if self.skipped else "")
            + ">"
        )

    @cached_property
    def _matrix(self) -> AnswerMatrix:
        import numpy as np

        q = self.questionnaire
        items = [i for i in q.items if i.scored]
        n, m = len(self.respondents), len(items)
        values = np.full((n, m), np.nan)
        na = np.zeros((n, m), dtype=bool)
        dk = np.zeros((n, m), dtype=bool)
        applicable = np.ones((n, m), dtype=bool)
        conds = [q.conditions_of(i.id) for i in items]
        for r, resp in enumerate(self.respondents):
            env = _condition_answers(resp.answers)
            prof = resp.profile.for_conditions()
            for j, item in enumerate(items):
                if any(c.evaluate(env, prof) is False for c in conds[j]):
                    applicable[r, j] = False
                a = resp.answers.get(item.id)
                if a is None:
                    continue
                if a is NA:
                    na[r, j] = True
                elif a is DONT_KNOW:
                    dk[r, j] = True
                else:
                    values[r, j] = item.value_of(a)
        for arr in (values, na, dk, applicable):
            arr.setflags(write=False)
        return AnswerMatrix(tuple(i.id for i in items), self.ids, values, na, dk, applicable)

    def matrix(self) -> AnswerMatrix:
        """The numeric answer matrix (computed once)."""
        return self._matrix


def _condition_answers(answers: Mapping[str, Answer]) -> dict[str, object]:
    return {k: v for k, v in answers.items() if not isinstance(v, _Marker)}


def _fmt_number(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


# ---------------------------------------------------------------------------------------
# reading


class _RowReader:
    """Checks the cells of one row; collects problems with file, row and column."""

    def __init__(self, q: Questionnaire, file: str, columns: Sequence[str]) -> None:
        self.q = q
        self.file = file
        self.columns = list(columns)
        self.col_index = {c: i + 1 for i, c in enumerate(columns)}
        self.problems: list[Problem] = []
        self.line: int | None = None
        self.record: int = 0
        self.cell_marks: dict[str, tuple[int, int]] = {}

    def fail(self, code: str, column: str, **fields: Any) -> None:
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
                path=column if line is not None else f"[{self.record}].{column}",
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
            parts = cell if isinstance(cell, list) else str(cell).split("|")
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
                    value=_fmt_number(x),
                    item=item.id,
                    allowed=f"{_fmt_number(lo)} to {_fmt_number(hi)}",
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
            suggestion="",
        )
        return None

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
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                        raise ValueError(f"invalid date '{s}' (expected YYYY-MM-DD)")
                    try:
                        values[name] = _dt.date.fromisoformat(s)
                    except ValueError:
                        raise ValueError(f"invalid date '{s}' (no such day)") from None
                else:
                    values[name] = s
            except ValueError as exc:
                self.fail("R010", name, detail=str(exc))
        for pf in self.q.profile:
            if (
                pf.required
                and pf.name not in values
                and not any(p.path.endswith(pf.name) and p.line == self.line for p in self.problems)
            ):
                self.fail("R010", pf.name, detail=f"required profile field '{pf.name}' is empty")
        return Profile(**values)

    def row(self, cells: Mapping[str, object], seen: dict[str, int]) -> Respondent | None:
        before = len(self.problems)
        rid_cell = cells.get(ID_COLUMN)
        rid = (
            ""
            if rid_cell is None
            else (_json_scalar(rid_cell) if not isinstance(rid_cell, str) else rid_cell).strip()
        )
        if not rid:
            self.fail("R007", ID_COLUMN)
        elif rid in seen:
            self.fail("R008", ID_COLUMN, found=rid, first=seen[rid])
        else:
            seen[rid] = self.line if self.line is not None else self.record
        for meta, expected in zip(_META_COLUMNS, (self.q.id, self.q.version), strict=True):
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
        for item in self.q.items:
            cell = cells.get(item.id)
            if cell is None or (isinstance(cell, str) and not cell.strip()) or cell == []:
                continue
            a = self.answer(item, cell)
            if a is not None:
                answers[item.id] = a
        self.check_conditions(answers, profile)
        if len(self.problems) > before:
            return None
        return Respondent(rid, profile, answers)

    def check_conditions(self, answers: dict[str, Answer], profile: Profile) -> None:
        env = _condition_answers(answers)
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
            elif a is None and item.required:
                self.fail("R006", item.id, item=item.id)


def _special(item: Item) -> str:
    extra = [c for c, ok in ((NA_CODE, item.na), (DONT_KNOW_CODE, item.dont_know)) if ok]
    return (", " + ", ".join(extra)) if extra else ""


def _json_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt_number(value)
    return str(value)


def _compatible(found: str, expected: str) -> bool:
    return found.split(".")[:2] == expected.split(".")[:2]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows export CSV in the ANSI code page.
        return data.decode("cp1252", errors="strict")


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str, reader: _RowReader) -> Iterator[tuple[int, dict[str, str]]]:
    first = text.split("\n", 1)[0]
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first))
    header: list[str] | None = None
    start = 1
    for raw in rows:
        if header is None:
            header = [h.strip() for h in raw]
            reader.columns = header
            reader.col_index = {c: i + 1 for i, c in enumerate(header)}
            start = rows.line_num + 1
            continue
        line, start = start, rows.line_num + 1
        if not any(c.strip() for c in raw):
            continue
        reader.line = line
        if len(raw) != len(header):
            reader.problems.append(
                Problem.make(
                    "R012",
                    file=reader.file,
                    line=line,
                    column=None,
                    path="",
                    detail=f"row has {len(raw)} cells but the header has {len(header)}",
                )
            )
            yield line, {}
            continue
        yield line, dict(zip(header, raw, strict=True))


def _unescape_text(q: Questionnaire, cells: dict[str, str]) -> None:
    for item in q.items:
        if item.kind == "text":
            v = cells.get(item.id)
            if v:
                cells[item.id] = unsafe_cell(v)


def read_responses(
    path: str | Path,
    questionnaire: Questionnaire | str | Path,
    *,
    on_error: Literal["raise", "skip"] = "raise",
) -> Responses:
    """Read and check answers from a CSV or JSON file.

    With ``on_error="raise"`` (the default) any problem refuses the file: a
    :class:`~maturity.errors.ResponseError` lists every problem as
    ``file:row:column: column-name: what is wrong``. With ``on_error="skip"`` rows with
    problems are left out and their problems kept in ``Responses.skipped``; problems of the
    file itself (unknown columns, another questionnaire) still refuse it.
    """
    from maturity.questionnaire import load_questionnaire

    q = (
        questionnaire
        if isinstance(questionnaire, Questionnaire)
        else load_questionnaire(questionnaire)
    )
    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    p = Path(path)
    name = str(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise ResponseError(
            [
                Problem.make(
                    "R012", file=name, detail="the file is neither UTF-8 nor Windows-1252 text"
                )
            ]
        ) from None
    reader = _RowReader(q, name, ())
    if p.suffix.lower() == ".json":
        records = _json_records(text, name)
        columns = sorted({k for _, r, _ in records for k in r})
    else:
        records = [(line, cells, {}) for line, cells in _read_csv(text, reader)]
        columns = reader.columns
        for _, cells, _ in records:
            _unescape_text(q, cells)
    file_problems = _check_columns(q, columns, reader)
    if file_problems:
        raise ResponseError(file_problems + reader.problems)
    respondents: list[Respondent] = []
    seen: dict[str, int] = {}
    skipped: list[Problem] = []
    meta_problem = False
    for i, (line, cells, where) in enumerate(records, start=1):
        reader.record = i
        reader.line = line if line > 0 else None
        reader.cell_marks = where
        before = len(reader.problems)
        resp = reader.row(cells, seen) if cells else None
        new = reader.problems[before:]
        if resp is not None and not new:
            respondents.append(resp)
        elif on_error == "skip":
            skipped.extend(new)
            meta_problem = meta_problem or any(x.code == "R009" for x in new)
    if on_error == "raise" and reader.problems:
        raise ResponseError(reader.problems)
    if meta_problem:
        raise ResponseError([x for x in skipped if x.code == "R009"])
    return Responses(q, tuple(respondents), q.id, q.version, name, tuple(skipped))


def _check_columns(q: Questionnaire, columns: Iterable[str], reader: _RowReader) -> list[Problem]:
    known = {ID_COLUMN, *_META_COLUMNS, *PROFILE_FIELDS, *(i.id for i in q.items)}
    out = []
    cols = list(columns)
    for c in cols:
        if c not in known:
            out.append(
                Problem.make(
                    "R001",
                    file=reader.file,
                    line=1 if reader.line is None and not reader.file.endswith(".json") else None,
                    column=reader.col_index.get(c),
                    path=c,
                    found=c,
                    questionnaire=q.id,
                    suggestion=suggest(c, known),
                )
            )
    if ID_COLUMN not in cols:
        out.append(
            Problem.make(
                "R012",
                file=reader.file,
                line=1,
                path=ID_COLUMN,
                detail=f"no '{ID_COLUMN}' column (columns: {list_allowed(cols)})",
            )
        )
    return out


def _json_records(
    text: str, name: str
) -> list[tuple[int, dict[str, Any], dict[str, tuple[int, int]]]]:
    """Records of a JSON file with the line each starts on (via the strict YAML reader)."""
    from maturity.errors import SpecError
    from maturity.spec.yamlio import read_yaml

    try:
        doc = read_yaml(text, file=name)
        data, marks = doc.data, doc.marks
    except SpecError:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except (json.JSONDecodeError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            col = getattr(exc, "colno", None)
            msg = getattr(exc, "msg", str(exc))
            raise ResponseError(
                [
                    Problem.make(
                        "R012", file=name, line=line, column=col, detail=f"invalid JSON: {msg}"
                    )
                ]
            ) from None
        marks = {}
    if isinstance(data, dict) and isinstance(data.get("respondents"), list):
        data = data["respondents"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ResponseError(
            [
                Problem.make(
                    "R012",
                    file=name,
                    line=1,
                    detail="expected a JSON list of records (one object per respondent)",
                )
            ]
        )
    out = []
    for i, rec in enumerate(data):
        m = marks.get((i,))
        cells = {str(k): v for k, v in rec.items()}
        where = {k: (mk.line, mk.column) for k in cells if (mk := marks.get((i, k)))}
        out.append((m.line if m else 0, cells, where))
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key '{k}'")
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------
# writing


def _cell(item: Item, a: Answer) -> str:
    if isinstance(a, _Marker):
        return a.code
    if isinstance(a, frozenset):
        order = [o.code for o in item.options]
        return "|".join(sorted(a, key=order.index))
    if isinstance(a, bool):
        return "yes" if a else "no"
    if isinstance(a, float):
        return _fmt_number(a)
    if item.kind == "text":
        return safe_cell(a)  # never a formula in a spreadsheet; read back without the quote
    return a


def _json_value(item: Item, a: Answer) -> object:
    if isinstance(a, _Marker):
        return a.code
    if isinstance(a, frozenset):
        order = [o.code for o in item.options]
        return sorted(a, key=order.index)
    return a


def atomic_write(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; refuse to replace a file unless ``force``."""
    if path.exists() and not force:
        raise OutputExistsError(
            f"{path}: the file exists; use --force (force=True) to overwrite it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def responses_to_csv(responses: Responses) -> str:
    """The responses as CSV text (the format :func:`read_responses` reads)."""
    q = responses.questionnaire
    header = [ID_COLUMN, *_META_COLUMNS, *PROFILE_FIELDS, *(i.id for i in q.items)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in responses:
        cells = r.profile.to_cells()
        row = [
            r.id,
            responses.questionnaire_id,
            responses.questionnaire_version,
            *(cells[f] for f in PROFILE_FIELDS),
        ]
        row += ["" if (a := r.answers.get(i.id)) is None else _cell(i, a) for i in q.items]
        w.writerow(row)
    return buf.getvalue()


def responses_to_json(responses: Responses) -> str:
    """The responses as a JSON list of records."""
    q = responses.questionnaire
    records = []
    for r in responses:
        rec: dict[str, object] = {
            ID_COLUMN: r.id,
            "questionnaire": responses.questionnaire_id,
            "questionnaire_version": responses.questionnaire_version,
        }
        for name in PROFILE_FIELDS:
            v = getattr(r.profile, name)
            if v is not None:
                rec[name] = v.isoformat() if isinstance(v, _dt.date) else v
        for item in q.items:
            a = r.answers.get(item.id)
            if a is not None:
                rec[item.id] = _json_value(item, a)
        records.append(rec)
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def write_responses(responses: Responses, path: str | Path, *, force: bool = False) -> Path:
    """Write responses to CSV or JSON (by the file's suffix), atomically.

    An existing file is replaced only with ``force=True``. Text answers that a spreadsheet
    would run as a formula are written with a leading ``'``, which reading removes again.
    """
    p = Path(path)
    text = (
        responses_to_json(responses) if p.suffix.lower() == ".json" else responses_to_csv(responses)
    )
    atomic_write(p, text.encode("utf-8"), force=force)
    return p
