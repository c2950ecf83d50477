"""Answers as JSON: a list of records, one object per respondent (or ``{"respondents": [...]}``).

Values keep their JSON types (numbers, booleans, lists of codes for multiple choice). Each
value's line and column are kept (through the strict YAML reader, which reads JSON), so that
an error points at the value itself.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire
    from maturity.responses import Answer, Responses

__all__ = ["read_json", "responses_to_json"]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key '{k}'")
        out[k] = v
    return out


def _records(text: str, name: str) -> list[tuple[int, dict[str, Any], dict[str, tuple[int, int]]]]:
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


@answers_format("json", (".json",), "a JSON list of records, one object per respondent")
def read_json(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read an answers JSON file into a :class:`RawTable`."""
    from maturity.io.csvio import decode

    name = str(options.get("name", path))
    text = decode(path.read_bytes(), name)
    records = _records(text, name)
    columns = sorted({k for _, r, _ in records for k in r})
    cells = {c: [r.get(c) for _, r, _ in records] for c in columns}
    return RawTable(
        file=name,
        columns=tuple(columns),
        cells=cells,
        n_rows=len(records),
        lines=[line for line, _, _ in records],
        marks=[w for _, _, w in records],
    )


def _json_value(item: Item, a: Answer) -> object:
    from maturity.responses import Marker

    if isinstance(a, Marker):
        return a.code
    if isinstance(a, frozenset):
        order = [o.code for o in item.options]
        return sorted(a, key=order.index)
    return a


def responses_to_json(responses: Responses) -> str:
    """The responses as a JSON list of records."""
    from maturity.questionnaire import PROFILE_FIELDS
    from maturity.responses import ID_COLUMN

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


@answers_writer("json")
def write_json(responses: Responses, options: Options) -> bytes:
    """Write answers as a JSON list of records (UTF-8)."""
    return responses_to_json(responses).encode("utf-8")
