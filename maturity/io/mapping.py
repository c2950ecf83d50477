"""A mapping file: how to read answers from a tool we do not know (rename columns, recode
values), checked strictly and applied to any reader's table before the one checker.

.. code-block:: yaml

    format: maturity/answers-mapping@1
    source: csv                  # optional: the reader to use (default: chosen as usual)
    columns:                     # the file's header → our column
      "Ragione sociale": company
      "Codice ATECO": sector
      "Q1": sf.has_production
    ignore: ["Note interne"]     # the file's columns to leave out
    values:                      # per our column (or "*": every column): file value → ours
      sf.has_production: {"Si": "yes", "No": "no"}
      sf.systems: {"Gestionale": erp, "MES": mes}
      "*": {"NS": dont_know, "NA": n/a}
    separators:                  # how a multiple-choice cell joins its values (default "|")
      sf.systems: ","
    date_format: "%d/%m/%Y"      # dates in this file

Values are matched exactly after Unicode (NFC) and whitespace normalisation; a value the
mapping does not list is passed on unchanged (and checked as usual). Read with
``read_responses(path, q, mapping="map.yaml")`` (CLI ``--mapping``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import list_allowed, suggest
from maturity.io.labels import normalize
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire

__all__ = ["FORMAT", "AnswersMapping", "apply_mapping", "load_mapping"]

#: The format tag of mapping files.
FORMAT = "maturity/answers-mapping@1"
_KEYS = ("format", "source", "columns", "ignore", "values", "separators", "date_format")


@dataclass(frozen=True)
class AnswersMapping:
    """A checked mapping file (see the module's documentation)."""

    file: str
    source: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    separators: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None


def load_mapping(source: str | Path, questionnaire: Questionnaire) -> AnswersMapping:
    """Read and check a mapping file against a questionnaire.

    Raises:
        SpecError: every problem of the file, located (unknown keys, unknown target columns
            with a suggestion, values that are not texts).

    """
    from maturity.io.check import columns_of
    from maturity.io.registry import ANSWERS
    from maturity.spec.check import Checker
    from maturity.spec.yamlio import read_yaml

    doc = read_yaml(Path(source))
    c = Checker(doc)
    top = c.mapping((), doc.data, required=("format",), optional=_KEYS) or {}
    if "format" in top and top["format"] != FORMAT:
        c.error("S005", ("format",), found=top["format"], allowed=FORMAT)
    known = list(columns_of(questionnaire))
    src = None
    if "source" in top:
        src = c.choice(("source",), top["source"], ANSWERS.names())
    columns: dict[str, str] = {}
    for key, value in (
        c.mapping(("columns",), top.get("columns", {}), any_keys=True) or {}
    ).items():
        target = c.string(("columns", key), value)
        if target is None:
            continue
        if target not in known:
            c.error(
                "S004",
                ("columns", key),
                detail=f"'{target}' is not a column of '{questionnaire.id}' "
                f"(columns: {list_allowed(known)}){suggest(target, known)}",
            )
            continue
        columns[normalize(str(key))] = target
    ignore = set()
    for path, value in c.items(("ignore",), top.get("ignore", [])):
        s = c.string(path, value)
        if s is not None:
            ignore.add(normalize(s))
    values: dict[str, dict[str, str]] = {}
    targets = [*known, "*"]
    for col, table in (c.mapping(("values",), top.get("values", {}), any_keys=True) or {}).items():
        if col not in targets:
            c.error(
                "S004",
                ("values", col),
                key=True,
                detail=f"'{col}' is not a column of '{questionnaire.id}' (or '*')"
                f"{suggest(col, targets)}",
            )
            continue
        recode: dict[str, str] = {}
        for k, v in (c.mapping(("values", col), table, any_keys=True) or {}).items():
            s = c.string(("values", col, k), v)
            if s is not None:
                recode[normalize(str(k))] = s
        values[col] = recode
    seps: dict[str, str] = {}
    for col, sep in (
        c.mapping(("separators",), top.get("separators", {}), any_keys=True) or {}
    ).items():
        if col not in known:
            c.error("S004", ("separators", col), key=True, detail=f"'{col}' is not a column")
            continue
        if isinstance(sep, str) and sep:
            seps[col] = sep
        else:
            c.error("S003", ("separators", col), expected="a separator text", found=repr(sep))
    date_format = None
    if "date_format" in top:
        date_format = c.string(("date_format",), top["date_format"])
    c.raise_if_errors()
    return AnswersMapping(doc.file, src, columns, frozenset(ignore), values, seps, date_format)


def apply_mapping(table: RawTable, m: AnswersMapping) -> RawTable:
    """``table`` with columns renamed, ignored ones dropped and values recoded."""
    cols: list[str] = []
    cells: dict[str, Any] = {}
    positions: dict[str, int] = {}
    shown: dict[str, str] = {}
    for col in table.columns:
        seen = table.shown_name(col)
        if normalize(seen) in m.ignore or normalize(col) in m.ignore:
            continue
        target = m.columns.get(normalize(seen)) or m.columns.get(normalize(col)) or col
        values = list(table.cells[col])
        recode = {**m.values.get("*", {}), **m.values.get(target, {})}
        sep = m.separators.get(target)
        if recode or sep:
            values = [_recode(v, recode, sep) for v in values]
        cols.append(target)
        cells[target] = values
        if col in table.positions:
            positions[target] = table.positions[col]
        if seen != target:
            shown[target] = seen
    return RawTable(
        file=table.file,
        columns=tuple(cols),
        cells=cells,
        n_rows=table.n_rows,
        lines=table.lines,
        positions=positions,
        source_names=shown,
        marks=_rename_marks(table, m),
        sheet=table.sheet,
        problems=table.problems,
        text_guarded=table.text_guarded,
        bad_rows=table.bad_rows,
        date_format=m.date_format or table.date_format,
    )


def _rename_marks(table: RawTable, m: AnswersMapping) -> Any:
    if table.marks is None:
        return None
    out = []
    for row in table.marks:
        new = {}
        for col, where in row.items():
            seen = table.shown_name(col)
            new[m.columns.get(normalize(seen)) or m.columns.get(normalize(col)) or col] = where
        out.append(new)
    return out


def _recode(v: Any, recode: Mapping[str, str], sep: str | None) -> Any:
    if v is None:
        return v
    if isinstance(v, list):
        return [recode.get(normalize(str(x)), x) for x in v]
    text = v if isinstance(v, str) else str(v)
    if sep is not None and sep in text:
        return [recode.get(normalize(p), p.strip()) for p in text.split(sep) if p.strip()]
    key = normalize(text)
    if key in recode:
        return recode[key]
    return v
