"""Answers exported by the tools that run XLSForms: KoboToolbox and ODK (Central, Briefcase).

Reads the CSV or XLSX data export of a form made with ``maturity export --to xlsform`` (or any
XLSForm whose question names are our item ids and profile fields):

- headers may carry group prefixes: ``smart_factory/smart_factory.data/sf.data_collected``
  (KoboToolbox, ``/``) or ``smart_factory-sf.data_collected`` (ODK Central, ``-``); the last
  part that is one of our names is the column;
- ``select_multiple`` answers are space-separated codes, or one column per option
  (``…/sf.data_collected/quality``) holding ``1``/``0`` (the "separate columns" export); when
  both are there, the single column is read;
- the companion questions ``<id>__special`` (N/A and "don't know" of numbers and texts) fold
  into their item;
- metadata columns (``_id``, ``_uuid``, ``_submission_time``, ``_index``, ``_status``,
  ``start``, ``end``, ``deviceid``, ``meta/instanceID``, ODK Central's ``KEY``,
  ``SubmissionDate``, ``ReviewState``…) are ignored, except that the respondent id is the
  ``respondent_id`` column if there is one, else ``_uuid`` (else ``meta/instanceID``, ``KEY``,
  ``_id``, ``_index``), and the profile's ``date`` is ``today`` when the form has no date
  question;
- headers and values exported as labels ("Labels" export) are matched to our item texts and
  option labels in any of the questionnaire's languages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.io.formplan import SPECIAL_SUFFIX
from maturity.io.labels import SEPARATORS, HeaderIndex, LabelIndex, Unmatched
from maturity.io.registry import Options, answers_format
from maturity.io.sheets import SPREADSHEET_SUFFIXES, Grid, grid_of
from maturity.io.table import RawTable
from maturity.io.tooltable import TableBuilder, is_blank, truthy_flag
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire

__all__ = ["ID_SOURCES", "METADATA", "read_kobo"]

#: Columns of the tools' metadata (ignored), KoboToolbox and ODK Central.
METADATA = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "instanceID",
        "instanceName",
        "KEY",
        "SubmissionDate",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    }
)
#: Where the respondent id comes from when there is no ``respondent_id`` column, in order.
ID_SOURCES = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "KEY", "_id", "_index")
_MARKERS = ("_uuid", "_submission_time", "meta/instanceID", "meta-instanceID", "formhub/uuid")
_SEPARATORS = ("/", "-", ":")


def _is_metadata(header: str) -> bool:
    last = re.split(r"[/-]", header)[-1]
    return (
        header.startswith("_")
        or last.startswith("_")
        or header in METADATA
        or last in METADATA
        or header.startswith(("meta/", "meta-", "formhub/", "formhub-"))
    )


class _Names:
    """Our names (items, companions, profile fields, ``respondent_id``) and multi options."""

    def __init__(self, q: Questionnaire) -> None:
        from maturity.responses import ID_COLUMN, META_COLUMNS

        self.items = {i.id: i for i in q.items}
        names = [ID_COLUMN, *META_COLUMNS, *PROFILE_FIELDS, *self.items]
        names += [i + SPECIAL_SUFFIX for i in self.items]
        self.names = sorted(set(names), key=len, reverse=True)
        self.headers = HeaderIndex(q)
        self.languages = q.languages

    def name_of(self, header: str) -> str | None:
        """Our column for a header with any group prefix."""
        for n in self.names:
            if header == n or any(header.endswith(s + n) for s in _SEPARATORS):
                return n
        return None

    def by_label(self, header: str) -> str | None:
        """Our column for a header of a "labels" export: the question's label, with any group
        labels before it (``Produzione/Avete macchine…?``).
        """
        found = self.headers.lookup(header)
        if isinstance(found, str):
            return found
        for k in range(len(header)):
            if header[k] == "/":
                found = self.headers.lookup(header[k + 1 :])
                if isinstance(found, str):
                    return found
        return None

    def option_by_label(self, header: str) -> tuple[Item, str] | None:
        """(multi item, option code) of a one-column-per-option header of a "labels" export
        (``…/Quali dati raccogliete?/Consumi di energia``).
        """
        for k in range(len(header)):
            if header[k] != "/":
                continue
            left, right = header[:k], header[k + 1 :]
            name = self.name_of(left) or self.by_label(left)
            item = self.items.get(name) if name else None
            if item is None or item.kind != "multi":
                continue
            code = LabelIndex.of(item, self.languages).lookup(right)
            if isinstance(code, str):
                return item, code
        return None

    def option_of(self, header: str) -> tuple[Item, str] | None:
        """(multi item, option code) of a one-column-per-option header."""
        best: tuple[Item, str] | None = None
        for item in self.items.values():
            if item.kind != "multi":
                continue
            codes = [*item.codes, NA_CODE, DONT_KNOW_CODE]
            for code in codes:
                for s in ("/", "-", "."):
                    tail = f"{item.id}{s}{code}"
                    hit = header == tail or any(header.endswith(p + tail) for p in _SEPARATORS)
                    if hit and (best is None or len(item.id) > len(best[0].id)):
                        best = (item, code)
        return best


def _looks_like_kobo(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        try:
            g = grid_of(path, str(path))
        except Exception:  # any unreadable file is simply not this format
            return False
        header = g.header
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        first = text.split("\n", 1)[0]
        header = [h.strip().strip('"') for h in re.split(r"[,;\t]", first)]
    return any(h in _MARKERS for h in header) or ("KEY" in header and "SubmissionDate" in header)


def _companion(values: list[Any], item: Item, index: LabelIndex | None = None) -> list[Any]:
    """N/A and "don't know" (codes or labels) as our codes; other cells as they are."""
    out: list[Any] = []
    for v in values:
        if is_blank(v):
            out.append(None)
            continue
        s = str(v).strip()
        found = index.lookup(s) if index is not None else None
        if (s.lower() in (NA_CODE, "na", "_na") or found == NA_CODE) and item.na:
            out.append(NA_CODE)
        elif (s.lower() in (DONT_KNOW_CODE, "dk") or found == DONT_KNOW_CODE) and item.dont_know:
            out.append(DONT_KNOW_CODE)
        else:
            out.append(v)
    return out


def kobo_table(grid: Grid, q: Questionnaire, options: Options) -> RawTable:
    """A grid of a KoboToolbox/ODK export → a :class:`RawTable` (see the module)."""
    from maturity.responses import ID_COLUMN

    names = _Names(q)
    b = TableBuilder(grid)
    langs = q.languages
    splits: dict[str, list[tuple[str, int, str]]] = {}
    companions: dict[str, tuple[list[Any], int, str]] = {}
    ids: dict[str, tuple[list[Any], int]] = {}
    today: tuple[list[Any], int, str] | None = None
    for j, header in enumerate(grid.header):
        if not header:
            continue
        pos = j + 1
        values = grid.column(j)
        name = names.name_of(header)
        if name is None:
            opt = names.option_of(header)
            if opt is not None:
                splits.setdefault(opt[0].id, []).append((opt[1], pos, header))
                continue
            if header in ID_SOURCES:
                ids[header] = (values, pos)
                continue
            if header == "today" or header.endswith(("/today", "-today")):
                today = (values, pos, header)
                continue
            if _is_metadata(header):
                continue
            found = names.by_label(header)
            if found is not None:
                name = found
            else:
                label_opt = names.option_by_label(header)
                if label_opt is not None:
                    splits.setdefault(label_opt[0].id, []).append((label_opt[1], pos, header))
                    continue
                b.unknown(header, values, pos)  # the checker names it
                continue
        if name.endswith(SPECIAL_SUFFIX) and name[: -len(SPECIAL_SUFFIX)] in names.items:
            companions[name[: -len(SPECIAL_SUFFIX)]] = (values, pos, header)
            continue
        item = names.items.get(name)
        if item is not None and item.kind in ("scale", "choice", "boolean"):
            values = b.recode(values, LabelIndex.of(item, langs), pos, header)
        elif item is not None and item.kind == "multi":
            values = _multi(b, item, values, pos, header, langs)
        elif item is not None:
            values = _companion(values, item, LabelIndex.of(item, langs))
        if name in b.columns:
            # a "labels" export heads a companion like its item: the two fold into one
            before = b.columns[name]
            b.columns[name] = [
                v if not is_blank(v) else w for v, w in zip(values, before, strict=True)
            ]
            continue
        b.set(name, values, pos, header)
    for item_id, parts in splits.items():
        if item_id in b.columns:
            continue  # the single column is there: the split columns repeat it
        item = names.items[item_id]
        cells: list[Any] = []
        for r in range(b.n):
            flags = [
                (code, truthy_flag(grid.rows[r][p - 1] if p - 1 < len(grid.rows[r]) else None))
                for code, p, _ in parts
            ]
            chosen = [c for c, f in flags if f]
            cells.append(_specials_alone(chosen) if chosen else None)
        first = min(p for _, p, _ in parts)
        b.set(item_id, cells, first, parts[0][2].rsplit("/", 1)[0])
    for item_id, (values, pos, header) in companions.items():
        item = names.items[item_id]
        specials = _companion(values, item, LabelIndex.of(item, langs))
        main = b.columns.get(item_id, [None] * b.n)
        merged = [s if s is not None else m for s, m in zip(specials, main, strict=True)]
        if item_id not in b.columns:
            b.set(item_id, merged, pos, header)
        else:
            b.columns[item_id] = merged
    if ID_COLUMN not in b.columns:
        for src in ID_SOURCES:
            if src in ids:
                values, pos = ids[src]
                b.set(ID_COLUMN, values, pos, src)
                break
    if "date" not in b.columns and today is not None:
        b.set("date", today[0], today[1], today[2])
    return b.table(date_format=options.get("date_format"), language=names.headers.language())


def _specials_alone(chosen: list[str]) -> Any:
    if len(chosen) == 1 and chosen[0] in (NA_CODE, DONT_KNOW_CODE):
        return chosen[0]
    return chosen


def _multi(
    b: TableBuilder, item: Item, values: list[Any], pos: int, header: str, langs: Any
) -> list[Any]:
    index = LabelIndex.of(item, langs)
    allowed = {*item.codes, NA_CODE, DONT_KNOW_CODE}
    out: list[Any] = []
    for r, v in enumerate(values):
        if is_blank(v):
            out.append(None)
            continue
        s = str(v).strip()
        tokens = s.split()
        if all(t in allowed for t in tokens):
            out.append(_specials_alone(tokens))
            continue
        found = index.codes_of(s, (*SEPARATORS, " "))
        if isinstance(found, Unmatched):
            b.fail(r, pos, header, found.message())
            out.append(None)
        else:
            out.append(_specials_alone(found))
    return out


@answers_format(
    "kobo",
    (".csv", ".xlsx"),
    "KoboToolbox / ODK data export (CSV or XLSX) of a form made with export --to xlsform",
    sniff=_looks_like_kobo,
    binary_suffixes=SPREADSHEET_SUFFIXES,
)
def read_kobo(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read a KoboToolbox or ODK export. Options: ``sheet``, ``date_format``."""
    name = str(options.get("name", path))
    grid = grid_of(path, name, sheet=options.get("sheet"))
    return kobo_table(grid, questionnaire, options)
