"""LimeSurvey response exports (CSV, "Export responses").

LimeSurvey question codes may hold only letters and digits, so a survey that collects our
questionnaire names each question after our item id *without punctuation*, in any case:
``sf.machines_connected`` → ``sfmachinesconnected`` (also ``SFmachinesConnected``). The reader
matches headers and codes that way (letters and digits compared, case ignored):

- **question code headings** (the default): ``sfmachinesconnected``; a multiple-choice
  question ``sfdatacollected[quality]`` has one column per option holding ``Y`` when it was
  chosen; an array question ``str[productdesign]`` stands for the item ``str.product_design``;
  sub-question codes ``SQ001``, ``SQ002``, … are the options in the questionnaire's order when
  no option code matches;
- **full question text headings**: the item's text in any language, ``Text [Option label]``
  for multiple choice;
- **answers as codes** (the default) are matched to our option codes the same way (so ``NA``
  is ``n/a`` and ``DK`` "don't know"), ``A1``, ``A2``, … are the options in order when no code
  matches, yes/no questions hold ``Y``/``N``; **answers as full text** are matched to the
  option labels in any language;
- LimeSurvey's own columns (``id``, ``submitdate``, ``lastpage``, ``startlanguage``,
  ``seed``, ``startdate``, ``datestamp``, ``ipaddr``, ``refurl``, ``token``, participant
  attributes, timings) are ignored; the respondent id is the ``respondentid`` question if
  there is one, else the response ``id``. A date answer (``2025-06-10 00:00:00``) keeps its
  date.

Option ``incomplete="skip"`` leaves out responses without a ``submitdate`` (not finished);
by default they are read like the others.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.io.formplan import SPECIAL_SUFFIX, FormPlan
from maturity.io.labels import HeaderIndex, LabelIndex, Unmatched, normalize
from maturity.io.registry import Options, answers_format
from maturity.io.sheets import SPREADSHEET_SUFFIXES, Grid, grid_of
from maturity.io.table import RawTable
from maturity.io.tooltable import TableBuilder, is_blank, truthy_flag
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire

__all__ = ["METADATA", "compact", "read_limesurvey"]

#: LimeSurvey's own columns (ignored).
METADATA = frozenset(
    {
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
        "token",
        "firstname",
        "lastname",
        "email",
        "emailstatus",
        "language",
        "usesleft",
        "validfrom",
        "validuntil",
        "interviewtime",
        # the same columns under "full question text" headings (English, Italian)
        "response id",
        "date submitted",
        "last page",
        "start language",
        "date started",
        "date last action",
        "ip address",
        "referrer url",
        "access code",
        "total time",
        "id risposta",
        "data di invio",
        "data invio",
        "ultima pagina",
        "lingua iniziale",
        "seme",
        "data di inizio",
        "data ultima azione",
        "indirizzo ip",
        "url di provenienza",
        "codice di accesso",
        "tempo totale",
    }
)
#: Headings of the response id, by heading style.
_RESPONSE_ID = ("id", "Response ID", "ID risposta")
_TIMING = re.compile(r"^(groupTime\d+|.+Time|attribute_\d+)$")
_CODE_AND_TEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[A-Za-z0-9_]+\])?)\. ")
_SUB = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]$")
_POS = re.compile(r"^(?:SQ|A)0*(\d+)$", re.IGNORECASE)
_ALIASES = {"na": NA_CODE, "n/a": NA_CODE, "dk": DONT_KNOW_CODE, "dontknow": DONT_KNOW_CODE}


def compact(text: str) -> str:
    """Letters and digits only, lower case: how LimeSurvey codes are matched to our ids."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


class _Codes:
    """Our names by their compact form (ambiguous forms are kept apart)."""

    def __init__(self, q: Questionnaire) -> None:
        from maturity.responses import ID_COLUMN

        self.items = {i.id: i for i in q.items}
        self.by: dict[str, set[str]] = {}
        for n in (ID_COLUMN, *PROFILE_FIELDS, *self.items):
            self.by.setdefault(compact(n), set()).add(n)
        for i in q.items:
            if FormPlan.companion(i):
                self.by.setdefault(compact(i.id + SPECIAL_SUFFIX), set()).add(i.id + SPECIAL_SUFFIX)
        self.headers = HeaderIndex(q)

    def name(self, code: str) -> str | None:
        found = self.by.get(compact(code), set())
        return next(iter(found)) if len(found) == 1 else None


def _option(item: Item, sub: str, languages: Any) -> str | None:
    """The option code a sub-question code (or label) stands for."""
    codes = [*item.codes, NA_CODE, DONT_KNOW_CODE]
    if sub in codes:
        return sub
    hits = [c for c in codes if compact(c) == compact(sub)]
    if len(hits) == 1:
        return hits[0]
    if compact(sub) in _ALIASES:
        return _ALIASES[compact(sub)]
    m = _POS.match(sub.strip())
    if m and 1 <= int(m.group(1)) <= len(item.options):
        return item.options[int(m.group(1)) - 1].code
    found = LabelIndex.of(item, languages).lookup(sub)
    return found if isinstance(found, str) else None


def _answer(item: Item, value: Any, index: LabelIndex) -> str | Unmatched:
    text = normalize(str(value))
    if item.kind == "boolean":
        low = text.lower()
        if low in ("y", "yes", "1"):
            return "yes"
        if low in ("n", "no", "0"):
            return "no"
    codes = list(item.codes)
    if text in codes:
        return text
    hits = [c for c in codes if compact(c) == compact(text)]
    if len(hits) == 1:
        return hits[0]
    alias = _ALIASES.get(compact(text)) or _ALIASES.get(text.lower())
    if alias == NA_CODE and item.na:
        return NA_CODE
    if alias == DONT_KNOW_CODE and item.dont_know:
        return DONT_KNOW_CODE
    m = _POS.match(text)
    if m and item.kind != "boolean" and 1 <= int(m.group(1)) <= len(item.options):
        return item.options[int(m.group(1)) - 1].code
    return index.lookup(text)


def _is_metadata(header: str) -> bool:
    return header.lower() in METADATA or bool(_TIMING.match(header))


def limesurvey_table(grid: Grid, q: Questionnaire, options: Options) -> RawTable:
    """A grid of a LimeSurvey response export → a :class:`RawTable` (see the module)."""
    from maturity.responses import ID_COLUMN

    codes = _Codes(q)
    langs = q.languages
    if options.get("incomplete", "keep") == "skip" and "submitdate" in grid.header:
        j = grid.header.index("submitdate")
        keep = [k for k, r in enumerate(grid.rows) if j < len(r) and not is_blank(r[j])]
        grid = Grid(
            grid.name,
            grid.header,
            [grid.rows[k] for k in keep],
            [grid.lines[k] for k in keep],
            grid.sheet,
            grid.problems,
            grid.spreadsheet,
        )
    b = TableBuilder(grid)
    multi: dict[str, list[tuple[str, int, str]]] = {}
    specials: dict[str, tuple[list[Any], int, str]] = {}
    response_id: tuple[list[Any], int] | None = None
    leading = True  # in the block of system columns LimeSurvey writes before any question
    for j, header in enumerate(grid.header):
        if not header:
            continue
        pos = j + 1
        values = grid.column(j)
        if header in _RESPONSE_ID:
            response_id = (values, pos)
            continue
        if leading and header.lower() in METADATA and codes.name(header) is None:
            # a system column, even where a question's text reads the same ("startdate")
            continue
        leading = False
        m_code = _CODE_AND_TEXT.match(header)
        if m_code and (codes.name(m_code.group(1)) or _SUB.match(m_code.group(1))):
            header = m_code.group(1)  # "Question code & question text" headings
        name = codes.name(header)
        if name is None:
            found = codes.headers.lookup(header)
            name = found if isinstance(found, str) else None
        if name is None:
            m = _SUB.match(header)
            if m:
                base, sub = m.group(1), m.group(2)
                item_id = codes.name(base)
                if item_id is None:
                    found = codes.headers.lookup(base)
                    item_id = found if isinstance(found, str) else None
                item = codes.items.get(item_id) if item_id else None
                if item is not None and item.kind == "multi":
                    opt = _option(item, sub, langs)
                    if opt is not None:
                        multi.setdefault(item.id, []).append((opt, pos, header))
                        continue
                name = codes.name(base + sub)  # an array question's sub-question
        if name is None:
            if _is_metadata(header):
                continue
            b.unknown(header, values, pos)  # the checker names it
            continue
        if name.endswith(SPECIAL_SUFFIX) and name[: -len(SPECIAL_SUFFIX)] in codes.items:
            base_item = codes.items[name[: -len(SPECIAL_SUFFIX)]]
            index = LabelIndex.of(base_item, langs)
            folded_values = []
            for r, v in enumerate(values):
                sv = _special(base_item, v, index)
                if not is_blank(sv) and sv not in (NA_CODE, DONT_KNOW_CODE):
                    b.fail(
                        r, pos, header, f"'{sv}' is not N/A nor \"don't know\" of '{base_item.id}'"
                    )
                    sv = None
                folded_values.append(sv)
            specials[base_item.id] = (folded_values, pos, header)
            continue
        item = codes.items.get(name)
        if item is not None and item.kind in ("scale", "choice", "boolean"):
            index = LabelIndex.of(item, langs)
            out: list[Any] = []
            for r, v in enumerate(values):
                if is_blank(v):
                    out.append(None)
                    continue
                found_code = _answer(item, v, index)
                if isinstance(found_code, Unmatched):
                    b.fail(r, pos, header, found_code.message())
                    out.append(None)
                else:
                    out.append(found_code)
            values = out
        elif item is not None and item.kind == "multi":
            values = b.recode(values, LabelIndex.of(item, langs), pos, header, multi=True)
        elif item is not None and item.kind in ("number", "text"):
            index = LabelIndex.of(item, langs)
            values = [_special(item, v, index) for v in values]
        elif name == "date":
            values = [_date_part(v) for v in values]
        b.set(name, values, pos, header)
    for item_id, parts in multi.items():
        cells: list[Any] = []
        for r in range(b.n):
            row = grid.rows[r]
            chosen = []
            for code, p, _ in parts:
                v = row[p - 1] if p - 1 < len(row) else None
                if _chosen(v, codes.items[item_id], code, langs):
                    chosen.append(code)
            if len(chosen) == 1 and chosen[0] in (NA_CODE, DONT_KNOW_CODE):
                cells.append(chosen[0])
            else:
                cells.append(chosen or None)
        first = min(p for _, p, _ in parts)
        b.set(item_id, cells, first, _SUB.match(parts[0][2]).group(1))  # type: ignore[union-attr]
    for item_id, (values, pos, header) in specials.items():
        folded = [v if v in (NA_CODE, DONT_KNOW_CODE) else None for v in values]
        main = b.columns.get(item_id)
        if main is None:
            b.set(item_id, folded, pos, header)
        else:
            b.columns[item_id] = [
                f if f is not None else m for f, m in zip(folded, main, strict=True)
            ]
    if ID_COLUMN not in b.columns and response_id is not None:
        b.set(ID_COLUMN, response_id[0], response_id[1], grid.header[response_id[1] - 1])
    return b.table(date_format=options.get("date_format"), language=codes.headers.language())


def _chosen(v: Any, item: Item, code: str, langs: Any) -> bool:
    if is_blank(v):
        return False
    flag = truthy_flag(v)
    if flag is not None:
        return flag
    s = normalize(str(v))
    if s.lower() in ("not selected", "non selezionato", "n"):
        return False
    # full answers: the option's own label marks it chosen
    return LabelIndex.of(item, langs).lookup(s) == code or s.lower() in ("yes", "sì", "si")


def _special(item: Item, v: Any, index: LabelIndex) -> Any:
    if is_blank(v) or not isinstance(v, str):
        return v
    alias = _ALIASES.get(compact(v))
    if alias == NA_CODE and item.na:
        return NA_CODE
    if alias == DONT_KNOW_CODE and item.dont_know:
        return DONT_KNOW_CODE
    found = index.lookup(v)
    if isinstance(found, str) and found in (NA_CODE, DONT_KNOW_CODE):
        return found
    return v


def _date_part(v: Any) -> Any:
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00(:00)?", v.strip()):
        return v.strip()[:10]
    return v


def _looks_like_limesurvey(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return False
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    header = {h.strip().strip('"') for h in re.split(r"[,;\t]", first)}
    return (
        {"id", "submitdate", "lastpage", "startlanguage"} <= header
        or {
            "Response ID",
            "Date submitted",
            "Last page",
        }
        <= header
        or {"ID risposta", "Ultima pagina"} <= header
    )


@answers_format(
    "limesurvey",
    (".csv",),
    "LimeSurvey response export (CSV; question codes or full texts; answer codes or full answers)",
    sniff=_looks_like_limesurvey,
    binary_suffixes=SPREADSHEET_SUFFIXES,
)
def read_limesurvey(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read a LimeSurvey response export. Options: ``incomplete`` (``"keep"``/``"skip"``),
    ``date_format``.
    """
    name = str(options.get("name", path))
    grid = grid_of(path, name, sheet=options.get("sheet"))
    return limesurvey_table(grid, questionnaire, options)
