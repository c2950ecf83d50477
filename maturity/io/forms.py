"""Exports of general-purpose form tools (Google Forms, Microsoft Forms): labels, not codes.

The response sheet of such a tool (CSV or XLSX download) has one column per question, headed
by the question's *text*, and cells holding what the respondent clicked: the option's
*label*. The reader matches both back, exactly after Unicode (NFC) and whitespace
normalisation, in any of the questionnaire's languages:

- headers: the item's text (or its id), a profile field's label ("Impresa", "Company",
  "Settore (codice ATECO/NACE)", … as ``maturity export`` writes them, or its name); a grid
  question's ``Title [Row]`` is matched by its row;
- cells: the option's label (or its code), "Sì"/"Yes"/"No", "Non applicabile"/"Not
  applicable", "Non so"/"Don't know"; checkbox answers are labels joined by ``", "`` (Google)
  or ``";"`` (Microsoft) — labels that themselves hold commas are recognised;
- an unknown label, or one that is the label of two options, is an error located at its cell,
  with the closest label suggested;
- the tools' own columns (Timestamp, Email address, Score; Microsoft's ID, Start time,
  Completion time, Email, Name, Last modified time — in English or Italian) are ignored; the
  respondent id is a ``respondent_id`` column if there is one, else Microsoft's ``ID``, else
  the row number.

Dates written ``10/06/2025`` are read day first when the headers are all in a language that
writes dates so (Italian, ...); else give ``date_format="dd/mm/yyyy"`` (CLI ``--date-format``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.io.labels import HeaderIndex, LabelIndex, normalize
from maturity.io.registry import Options, answers_format
from maturity.io.sheets import SPREADSHEET_SUFFIXES, Grid, grid_of
from maturity.io.table import RawTable
from maturity.io.tooltable import TableBuilder, is_blank

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire

__all__ = ["METADATA", "read_forms"]

#: The form tools' own columns (ignored), normalised and case-folded.
METADATA = frozenset(
    normalize(h).casefold()
    for h in (
        "Timestamp",
        "Informazioni cronologiche",
        "Indicatore data e ora",
        "Email Address",
        "Email",
        "Indirizzo email",
        "Posta elettronica",
        "Score",
        "Punteggio",
        "Start time",
        "Completion time",
        "Last modified time",
        "Name",
        "Ora di inizio",
        "Ora di completamento",
        "Ora dell'ultima modifica",
        "Nome",
        "Total points",
        "Quiz feedback",
    )
)
_MARKERS = {
    normalize(h).casefold()
    for h in (
        "Timestamp",
        "Informazioni cronologiche",
        "Indicatore data e ora",
        "Start time",
        "Ora di inizio",
        "Completion time",
    )
}
_SUB = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]$")


def forms_table(grid: Grid, q: Questionnaire, options: Options) -> RawTable:
    """A grid of a form tool's response sheet → a :class:`RawTable` (see the module)."""
    from maturity.responses import ID_COLUMN

    headers = HeaderIndex(q)
    items = {i.id: i for i in q.items}
    b = TableBuilder(grid)
    ms_id: tuple[list[Any], int] | None = None
    for j, header in enumerate(grid.header):
        if not header:
            continue
        pos = j + 1
        values = grid.column(j)
        found = headers.lookup(header)
        if found is None:
            m = _SUB.match(header)
            if m:
                found = headers.lookup(m.group(2))
        if not isinstance(found, str):
            key = normalize(header).casefold()
            if header.strip() == "ID":
                ms_id = (values, pos)
                continue
            if key in METADATA:
                continue
            b.unknown(header, values, pos)  # the checker names it, suggesting
            continue
        item = items.get(found)
        if item is not None and item.kind in ("scale", "choice", "boolean", "multi"):
            values = b.recode(
                values, LabelIndex.of(item, q.languages), pos, header, multi=item.kind == "multi"
            )
        elif item is not None:
            index = LabelIndex.of(item, q.languages)
            out = []
            for v in values:
                if isinstance(v, str) and not is_blank(v):
                    hit = index.lookup(v)
                    out.append(hit if isinstance(hit, str) else v)
                else:
                    out.append(v)
            values = out
        b.set(found, values, pos, header)
    if ID_COLUMN not in b.columns:
        if ms_id is not None:
            b.set(ID_COLUMN, ms_id[0], ms_id[1], "ID")
        else:
            b.set(ID_COLUMN, [str(line) for line in grid.lines], None, ID_COLUMN)
    return b.table(date_format=options.get("date_format"), language=headers.language())


def _looks_like_forms(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        try:
            header = grid_of(path, str(path)).header
        except Exception:  # an unreadable file is simply not this format
            return False
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        first = text.split("\n", 1)[0]
        header = [h.strip().strip('"') for h in re.split(r"[,;\t]", first)]
    return (bool(header) and normalize(header[0]).casefold() in _MARKERS) or (
        len(header) > 1 and header[0] == "ID" and normalize(header[1]).casefold() in _MARKERS
    )


@answers_format(
    "forms",
    (".csv", ".xlsx"),
    "a form tool's response sheet (Google Forms, Microsoft Forms): question texts and "
    "option labels in any declared language",
    sniff=_looks_like_forms,
    binary_suffixes=SPREADSHEET_SUFFIXES,
)
def read_forms(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read a Google Forms / Microsoft Forms response sheet. Options: ``sheet``,
    ``date_format``.
    """
    name = str(options.get("name", path))
    grid = grid_of(path, name, sheet=options.get("sheet"))
    return forms_table(grid, questionnaire, options)
