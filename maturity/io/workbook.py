"""The interview workbook (``xlsx-form``): a spreadsheet a consultant fills during interviews,
read back as answers unchanged.

Layout — **one column per respondent** (a consultant interviews one company at a time and
reads the questions down the page):

- sheet ``Interview`` (``Intervista`` in Italian): column A the id (our column name), B the
  question, C the allowed answers (options, range and unit), D the condition in words
  ("asked only if …", naming the rows it depends on), then one column per respondent (10 by
  default, ``respondents=``) headed "Respondent 1", … ;
- first the profile block (respondent id, company, ATECO/NACE sector, employees, turnover,
  balance sheet, NUTS region, date), then one heading row per dimension and one row per item;
  a multiple-choice item has one row per option (id ``item/option``), answered yes or no;
- every answer cell has a drop-down list (data validation) with the option labels in the chosen
  language, plus "not applicable" and "don't know" where the item allows them; numbers are
  checked against their range (a number, or the N/A / "don't know" words where allowed), dates
  as dates;
- a hidden sheet ``_lists`` holds the drop-down lists, and a hidden sheet ``_maturity`` says
  which questionnaire (id, version) and language the workbook is for: that is how
  ``source="auto"`` recognises it.

Reading (``source="xlsx-form"``): a column with any answer is a respondent; its id is the
respondent-id cell, else the column's heading. Cells hold labels in any of the questionnaire's
languages, or codes; numbers and dates as the spreadsheet stores them. Errors name the sheet,
the row of the question and the respondent's column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io.export import languages_of
from maturity.io.formplan import plan_form, specials_of
from maturity.io.labels import (
    LabelIndex,
    Unmatched,
    normalize,
    profile_label,
    special_label,
    word,
)
from maturity.io.logic import in_words
from maturity.io.registry import Options, answers_format, export_format
from maturity.io.sheets import column_letter, sheet_names, sheet_rows
from maturity.io.table import RawTable
from maturity.io.tooltable import is_blank, truthy_flag
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Dimension, Item, Questionnaire

__all__ = ["FORMAT", "META_SHEET", "export_workbook", "read_workbook"]

#: The format tag written in the hidden sheet.
FORMAT = "maturity/interview-workbook@1"
#: The hidden sheet that marks an interview workbook.
META_SHEET = "_maturity"
_LISTS = "_lists"
_SHEET = {"it": "Intervista", "en": "Interview"}
_FIRST = 5  # column E: the first respondent
_MAX_COLUMNS = 16_384  # the columns of a worksheet (XFD)
_ROW_NOTE = {"it": "riga", "en": "row"}


def _fmt(x: float) -> str:
    from maturity.conditions import _format_number

    return _format_number(float(x))


class _Book:
    def __init__(self, q: Questionnaire, lang: str, respondents: int) -> None:
        from maturity.io.sheets import SheetWriter

        self.q = q
        self.lang = lang
        self.n = respondents
        self.w = SheetWriter()
        self.ws = self.w.sheet(_SHEET.get(lang, "Interview"))
        self.lists_ws = self.w.sheet(_LISTS)
        self.meta_ws = self.w.sheet(META_SHEET)
        self.lists: dict[tuple[str, ...], str] = {}
        self.row = 1
        self.rows: dict[str, int] = {}
        self.headings: list[int] = []

    # -- cells ----------------------------------------------------------------------------
    def put(self, col: int, value: object, *, bold: bool = False, wrap: bool = False) -> None:
        from openpyxl.styles import Alignment, Font

        cell = self.w.put(self.ws, self.row, col, value)
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    def answer_range(self) -> str:
        return f"{column_letter(_FIRST)}{self.row}:{column_letter(_FIRST + self.n - 1)}{self.row}"

    def list_of(self, labels: list[str]) -> str:
        key = tuple(labels)
        if key not in self.lists:
            col = len(self.lists) + 1
            for r, text in enumerate(labels, start=1):
                self.w.put(self.lists_ws, r, col, text)
            letter = column_letter(col)
            self.lists[key] = f"'{_LISTS}'!${letter}$1:${letter}${len(labels)}"
        return self.lists[key]

    def dropdown(self, labels: list[str]) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        dv = DataValidation(type="list", formula1=self.list_of(labels), allow_blank=True)
        dv.error = {"it": "Scegliete una voce dell'elenco"}.get(
            self.lang, "Choose an entry of the list"
        )
        dv.showErrorMessage = True
        self.ws.add_data_validation(dv)
        dv.add(self.answer_range())

    def number_check(
        self, item_min: float | None, item_max: float | None, words: list[str], whole: bool = False
    ) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        first = f"{column_letter(_FIRST)}{self.row}"
        tests = [f"ISNUMBER({first})"]
        if item_min is not None:
            tests.append(f"{first}>={_fmt(item_min)}")
        if item_max is not None:
            tests.append(f"{first}<={_fmt(item_max)}")
        if whole:
            tests.append(f"INT({first})={first}")
        ok = f"AND({','.join(tests)})"
        if words:
            alts = ",".join(f'{first}="{w_}"' for w_ in words)
            ok = f"OR({ok},{alts})"
        dv = DataValidation(type="custom", formula1=ok, allow_blank=True)
        dv.showErrorMessage = True
        self.ws.add_data_validation(dv)
        dv.add(self.answer_range())

    def date_check(self) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        dv.showErrorMessage = True
        self.ws.add_data_validation(dv)
        dv.add(self.answer_range())
        for j in range(_FIRST, _FIRST + self.n):
            self.ws.cell(row=self.row, column=j).number_format = "yyyy-mm-dd"

    def line(self, name: str, text: str, allowed: str, condition: str = "") -> None:
        self.put(1, name)
        self.put(2, text, wrap=True)
        self.put(3, allowed, wrap=True)
        if condition:
            self.put(4, condition, wrap=True)
        self.rows[name] = self.row

    # -- the workbook ---------------------------------------------------------------------
    def build(self) -> bytes:
        from openpyxl.styles import Font, PatternFill

        lang, q = self.lang, self.q
        self.put(1, f"{q.title.lang(lang)} ({q.id} {q.version})", bold=True)
        self.row = 2
        heads = ["id", word("question", lang), word("answers", lang), word("condition", lang)]
        heads += [f"{word('respondent', lang)} {k}" for k in range(1, self.n + 1)]
        for j, h in enumerate(heads, start=1):
            self.put(j, h, bold=True)
        self.heading(word("profile", lang))
        self.profile()
        for item in q.root.items:
            self.item(item)
        for d in q.root.dimensions:
            self.dimension(d, 0)
        ws = self.ws
        ws.freeze_panes = f"{column_letter(_FIRST)}3"
        for col, width in ((1, 18), (2, 60), (3, 34), (4, 30)):
            ws.column_dimensions[column_letter(col)].width = width
        for j in range(_FIRST, _FIRST + self.n):
            ws.column_dimensions[column_letter(j)].width = 18
        fill = PatternFill("solid", fgColor="DDEBF7")
        for r in self.headings:
            for j in range(1, _FIRST + self.n):
                ws.cell(row=r, column=j).fill = fill
                ws.cell(row=r, column=j).font = Font(bold=True)
        self.lists_ws.sheet_state = "hidden"
        meta = [
            ("format", FORMAT),
            ("questionnaire", q.id),
            ("questionnaire_version", q.version),
            ("language", lang),
            ("sheet", ws.title),
            ("first_respondent_column", str(_FIRST)),
        ]
        for r, (k, v) in enumerate(meta, start=1):
            self.w.put(self.meta_ws, r, 1, k)
            self.w.put(self.meta_ws, r, 2, v)
        self.meta_ws.sheet_state = "hidden"
        return self.w.to_bytes()

    def heading(self, title: str) -> None:
        self.row += 1
        self.put(2, title, bold=True)
        self.headings.append(self.row)

    def profile(self) -> None:
        lang = self.lang
        plan = plan_form(self.q)
        self.row += 1
        self.line("respondent_id", profile_label("respondent_id", lang), word("text", lang))
        for name in plan.profile:
            self.row += 1
            allowed = {
                "company": word("text", lang),
                "sector": "ATECO / NACE: C, 28, 28.41, 28.41.00",
                "employees": f"{word('number', lang)} ≥ 0",
                "turnover": f"{word('number', lang)} ≥ 0",
                "balance_sheet": f"{word('number', lang)} ≥ 0",
                "region": "NUTS: IT, ITC, ITC4, ITC4C",
                "date": "YYYY-MM-DD",
            }[name]
            label = profile_label(name, lang)
            if name in plan.required:
                label += " *"
            self.line(name, label, allowed)
            if name in ("employees", "turnover", "balance_sheet"):
                self.number_check(0, None, [], whole=name == "employees")
            elif name == "date":
                self.date_check()

    def dimension(self, d: Dimension, depth: int) -> None:
        lang = self.lang
        title = ("  " * depth) + d.title.lang(lang)
        self.heading(title)
        if d.when is not None:
            self.put(4, self.condition_text(d.when), wrap=True)
        for item in d.items:
            self.item(item)
        for sub in d.dimensions:
            self.dimension(sub, depth + 1)

    def condition_text(self, cond: Any) -> str:
        lang = self.lang
        note = _ROW_NOTE.get(lang, "row")

        def name_of(item_id: str) -> str:
            r = self.rows.get(item_id)
            return f"{item_id} ({note} {r})" if r else item_id

        return f"{word('asked_if', lang)}: {in_words(cond, self.q, lang, name_of)}"

    def item(self, item: Item) -> None:
        lang = self.lang
        self.row += 1
        specials = [special_label(s, lang) for s in specials_of(item)]
        cond = self.condition_text(item.when) if item.when is not None else ""
        text = item.text.lang(lang) + (" *" if item.required else "")
        if item.kind in ("scale", "choice", "boolean"):
            if item.kind == "boolean":
                labels = [special_label("yes", lang), special_label("no", lang)]
            else:
                labels = [o.label.lang(lang) for o in item.options]
            labels += specials
            # the options are read out to the interviewee: all of them, in order
            self.line(item.id, text, " / ".join(labels), cond)
            self.dropdown(labels)
            return
        if item.kind == "multi":
            self.line(item.id, text, word("several", lang), cond)
            yes_no = [special_label("yes", lang), special_label("no", lang)]
            rows = [(f"{item.id}/{o.code}", o.label.lang(lang)) for o in item.options]
            rows += [(f"{item.id}/{s}", special_label(s, lang)) for s in specials_of(item)]
            for name, label in rows:
                self.row += 1
                self.line(name, "    " + label, word("yes_no", lang))
                self.dropdown(yes_no)
            return
        if item.kind == "number":
            parts = [word("number", lang)]
            if item.min is not None:
                parts.append(f"{word('from', lang)} {_fmt(item.min)}")
            if item.max is not None:
                parts.append(f"{word('to', lang)} {_fmt(item.max)}")
            if item.unit:
                parts.append(f"({item.unit})")
            allowed = " ".join(parts)
            if specials:
                allowed += "; " + ", ".join(specials)
            self.line(item.id, text, allowed, cond)
            self.number_check(item.min, item.max, specials)
            return
        allowed = word("text", lang) + ("; " + ", ".join(specials) if specials else "")
        self.line(item.id, text, allowed, cond)


@export_format(
    "xlsx-form",
    (".xlsx",),
    "an interview workbook: one column per respondent, drop-down lists, read back as answers",
    extra="xlsx",
)
def export_workbook(q: Questionnaire, options: Options) -> bytes:
    """The interview workbook (see the module's documentation) in the first of ``langs``.

    Options: ``langs`` (the first is used), ``respondents`` (answer columns, default 10).
    """
    lang = languages_of(q, options)[0]
    n = int(options.get("respondents", 10))
    book = _Book(q, lang, max(1, n))
    return book.build()


# ---------------------------------------------------------------------------------------
# reading


def _is_workbook(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".ods") or head[:2] != b"PK":
        return False
    try:
        return any(n == META_SHEET for n, _ in sheet_names(path))
    except Exception:  # an unreadable file is simply not this format
        return False


def _meta(path: Path, name: str) -> dict[str, str]:
    """The key-value pairs of the hidden sheet (refused if the workbook has none)."""
    sheets = [n for n, _ in sheet_names(path, name)]
    if META_SHEET not in sheets:
        raise ResponseError(
            [
                Problem.make(
                    "R012",
                    file=name,
                    detail=f"not an interview workbook: it has no '{META_SHEET}' sheet (sheets: "
                    f"{', '.join(sheets) or 'none'}); a sheet of answers, one row per respondent, "
                    "is read with source='xlsx'",
                )
            ]
        )
    out = {}
    for r in sheet_rows(path, META_SHEET, name):
        if len(r) >= 2 and r[0] is not None:
            out[str(r[0])] = "" if r[1] is None else str(r[1])
    return out


def _first_column(meta: dict[str, str], name: str) -> int:
    """The first respondent column the hidden sheet names (1-based; column E by default)."""
    text = meta.get("first_respondent_column") or str(_FIRST)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= _MAX_COLUMNS):
        raise ResponseError(
            [
                Problem.make(
                    "R012",
                    file=f"{name}[{META_SHEET}]",
                    path="first_respondent_column",
                    detail=f"'first_respondent_column' must be a column number from 1 to "
                    f"{_MAX_COLUMNS:,}, found '{text[:40]}'",
                )
            ]
        )
    return int(text)


@answers_format(
    "xlsx-form",
    (".xlsx",),
    "the interview workbook written by export --to xlsx-form (one column per respondent)",
    sniff=_is_workbook,
    extra="xlsx",
    text=False,
)
def read_workbook(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read a filled interview workbook (see the module's documentation)."""
    from maturity.responses import ID_COLUMN, META_COLUMNS

    q = questionnaire
    name = str(options.get("name", path))
    meta = _meta(path, name)
    visible = [n for n, v in sheet_names(path, name) if v and n != META_SHEET]
    sheet = meta.get("sheet") or (visible[0] if visible else META_SHEET)
    first = _first_column(meta, name)
    rows = sheet_rows(path, sheet, name)
    shown = f"{name}[{sheet}]"
    items = {i.id: i for i in q.items}
    langs = q.languages
    # the header row: the one whose first cell is "id"
    head_r = next((r for r, row in enumerate(rows) if row and row[0] == "id"), 1)
    heads = rows[head_r] if head_r < len(rows) else []
    n_cols = max((len(r) for r in rows), default=0)
    by_name: dict[str, int] = {}
    for r, row in enumerate(rows):
        if r > head_r and row and isinstance(row[0], str) and row[0].strip():
            by_name[row[0].strip()] = r
    respondents = []
    for j in range(first - 1, n_cols):
        filled = [
            r
            for nm, r in by_name.items()
            if nm != ID_COLUMN and j < len(rows[r]) and not is_blank(rows[r][j])
        ]
        if filled:
            respondents.append(j)
    problems: list[Problem] = []
    bad: set[int] = set()
    cells: dict[str, list[Any]] = {}
    marks: list[dict[str, tuple[int, int]]] = []
    lines: list[int] = []

    def cell(r: int, j: int) -> Any:
        return rows[r][j] if j < len(rows[r]) else None

    def fail(k: int, r: int, j: int, path_: str, detail: str) -> None:
        problems.append(
            Problem.make("R011", file=shown, line=r + 1, column=j + 1, path=path_, detail=detail)
        )
        bad.add(k)

    columns = [ID_COLUMN, *META_COLUMNS]
    for nm in by_name:
        if "/" in nm:
            base = nm.split("/", 1)[0]
            if base in items and base not in columns:
                columns.append(base)
        elif nm not in columns:
            columns.append(nm)
    for c in columns:
        cells[c] = []
    for k, j in enumerate(respondents):
        mk: dict[str, tuple[int, int]] = {}
        id_r = by_name.get(ID_COLUMN)
        rid = cell(id_r, j) if id_r is not None else None
        if is_blank(rid):
            rid = heads[j] if j < len(heads) and not is_blank(heads[j]) else column_letter(j + 1)
        cells[ID_COLUMN].append(rid)
        mk[ID_COLUMN] = ((id_r if id_r is not None else head_r) + 1, j + 1)
        cells["questionnaire"].append(meta.get("questionnaire"))
        cells["questionnaire_version"].append(meta.get("questionnaire_version"))
        lines.append((id_r if id_r is not None else head_r) + 1)
        for c in columns[3:]:
            item = items.get(c)
            if item is not None and item.kind == "multi":
                value, where = _multi_cell(item, by_name, rows, j, langs, k, fail)
                cells[c].append(value)
                mk[c] = where
                continue
            row_of = by_name.get(c)
            if row_of is None:
                cells[c].append(None)
                continue
            r = row_of
            mk[c] = (r + 1, j + 1)
            v = cell(r, j)
            if item is not None and not is_blank(v) and isinstance(v, str):
                index = LabelIndex.of(item, langs)
                if item.kind in ("scale", "choice", "boolean"):
                    found = index.lookup(v)
                    if isinstance(found, Unmatched):
                        fail(k, r, j, c, found.message())
                        v = None
                    else:
                        v = found
                else:
                    special = index.lookup(v)
                    if isinstance(special, str) and special in (NA_CODE, DONT_KNOW_CODE):
                        v = special
            cells[c].append(v)
        marks.append(mk)
    cols = [c for c in columns if c in cells]
    return RawTable(
        file=shown,
        columns=tuple(cols),
        cells=cells,
        n_rows=len(respondents),
        lines=lines,
        marks=marks,
        sheet=sheet,
        problems=tuple(problems),
        bad_rows=frozenset(bad),
        date_format=options.get("date_format"),
        language=meta.get("language") or None,  # the language it was exported in
    )


def _multi_cell(
    item: Item,
    by_name: dict[str, int],
    rows: list[list[Any]],
    j: int,
    langs: Any,
    k: int,
    fail: Any,
) -> tuple[Any, tuple[int, int]]:
    yes_no = LabelIndex.of(_YES_NO, langs)
    head = by_name.get(item.id)
    where = ((head if head is not None else 0) + 1, j + 1)
    chosen: list[str] = []
    answered = False
    for code in [*item.codes, NA_CODE, DONT_KNOW_CODE]:
        r = by_name.get(f"{item.id}/{code}")
        if r is None:
            continue
        v = rows[r][j] if j < len(rows[r]) else None
        if is_blank(v):
            continue
        answered = True
        flag = truthy_flag(v) if not isinstance(v, str) else None
        if flag is None:
            found = yes_no.lookup(normalize(str(v)))
            if isinstance(found, Unmatched):
                fail(k, r, j, f"{item.id}/{code}", found.message())
                continue
            flag = found == "yes"
        if flag:
            chosen.append(code)
    if not answered or not chosen:
        return None, where
    if len(chosen) == 1 and chosen[0] in (NA_CODE, DONT_KNOW_CODE):
        return chosen[0], where
    return chosen, where


def _yes_no_item() -> Item:
    from maturity.questionnaire import Item
    from maturity.text import Text

    return Item("yes/no", "boolean", Text("yes/no"))


_YES_NO = _yes_no_item()
