"""Questionnaires back to YAML: :func:`dump_questionnaire` writes what the loader reads."""

from __future__ import annotations

from typing import Any

from maturity.questionnaire.types import (
    FORMAT,
    Dimension,
    Item,
    Option,
    Questionnaire,
)
from maturity.text import Text

__all__ = ["dump_questionnaire", "to_data"]


# ---------------------------------------------------------------------------------------
# writing


def _text(t: Text | None) -> dict[str, str] | None:
    return None if t is None else t.to_data()


def _option(o: Option, key: str, with_exclusive: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"code": o.code, key: o.value, "label": o.label.to_data()}
    if with_exclusive and o.exclusive:
        out["exclusive"] = True
    return out


def _item(i: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": i.id, "kind": i.kind, "text": i.text.to_data()}
    if i.help is not None:
        out["help"] = i.help.to_data()
    if i.kind == "scale":
        out["scale"] = i.scale
    elif i.kind in ("choice", "multi"):
        key = "points" if i.kind == "multi" else "value"
        out["options"] = [_option(o, key, i.kind == "multi") for o in i.options]
        if i.max_points is not None:
            out["max_points"] = i.max_points
    elif i.kind == "number":
        for k in ("min", "max", "unit"):
            if getattr(i, k) is not None:
                out[k] = getattr(i, k)
        if i.bands:
            out["bands"] = list(i.bands)
        if i.better != "higher":
            out["better"] = i.better
    elif i.kind == "text" and i.max_length != 2000:
        out["max_length"] = i.max_length
    out["required"] = i.required
    out["na"] = i.na
    out["dont_know"] = i.dont_know
    if not i.counts:
        out["scored"] = False
    if i.when is not None:
        out["when"] = i.when.source
    return out


def _dimension(d: Dimension) -> dict[str, Any]:
    out: dict[str, Any] = {"id": d.id, "title": d.title.to_data()}
    if d.description is not None:
        out["description"] = d.description.to_data()
    if d.when is not None:
        out["when"] = d.when.source
    if d.dimensions:
        out["dimensions"] = [_dimension(s) for s in d.dimensions]
    if d.items:
        out["items"] = [_item(i) for i in d.items]
    return out


def to_data(q: Questionnaire) -> dict[str, Any]:
    """The questionnaire as plain data in the file format (what :func:`dump_questionnaire`
    writes as YAML).
    """
    out: dict[str, Any] = {
        "format": FORMAT,
        "id": q.id,
        "version": q.version,
        "languages": list(q.languages),
        "title": q.title.to_data(),
    }
    if q.description is not None:
        out["description"] = _text(q.description)
    if q.authors:
        out["authors"] = list(q.authors)
    if q.license is not None:
        out["license"] = q.license
    if q.sources:
        out["sources"] = [
            {
                k: v
                for k, v in (
                    ("title", s.title),
                    ("url", s.url),
                    ("year", s.year),
                    ("note", _text(s.note)),
                )
                if v is not None
            }
            for s in q.sources
        ]
    if q.date is not None:
        out["date"] = q.date.isoformat()
    if q.profile:
        out["profile"] = {p.name: {"required": p.required} for p in q.profile}
    if q.scales:
        out["scales"] = {}
        for s in q.scales:
            sd: dict[str, Any] = {}
            if s.label is not None:
                sd["label"] = s.label.to_data()
            sd["options"] = [_option(o, "value", False) for o in s.options]
            sd["na"] = s.na
            sd["dont_know"] = s.dont_know
            out["scales"][s.id] = sd
    if q.root.dimensions:
        out["dimensions"] = [_dimension(d) for d in q.root.dimensions]
    if q.root.items:
        out["items"] = [_item(i) for i in q.root.items]
    return out


def dump_questionnaire(q: Questionnaire) -> str:
    """The questionnaire as YAML text that :func:`parse_questionnaire` reads back equal."""
    import yaml

    return yaml.safe_dump(q.to_data(), sort_keys=False, allow_unicode=True, width=100)
