"""Questionnaires: the frozen objects, the strict loader and the writer.

:func:`load_questionnaire` reads a YAML file (or a bundled questionnaire by id), checks all of
it and returns a frozen :class:`Questionnaire`, or raises one
:class:`~maturity.errors.SpecError` listing every problem with ``file:line:col``. The format is
described in ``docs/reference/questionnaire-format.md``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from maturity.conditions import Condition, ConditionSyntaxError, ValueType, check, parse
from maturity.errors import Problem, list_allowed, suggest
from maturity.spec.check import Checker
from maturity.spec.yamlio import Document, read_yaml
from maturity.text import Text

__all__ = [
    "FORMAT",
    "ITEM_KINDS",
    "PROFILE_FIELDS",
    "Dimension",
    "Item",
    "Option",
    "ProfileField",
    "Questionnaire",
    "Scale",
    "Source",
    "dump_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
]

#: The format tag of questionnaire files.
FORMAT = "maturity/questionnaire@1"
#: The item kinds, in the order the reference lists them.
ITEM_KINDS = ("scale", "choice", "multi", "number", "boolean", "text")
ItemKind = Literal["scale", "choice", "multi", "number", "boolean", "text"]
#: The answer codes reserved for "not applicable" and "don't know".
NA_CODE = "n/a"
DONT_KNOW_CODE = "dont_know"
#: Profile fields a questionnaire may ask, with their types.
PROFILE_FIELDS: Mapping[str, str] = {
    "company": "text",
    "sector": "nace",
    "employees": "integer",
    "turnover": "number",
    "balance_sheet": "number",
    "region": "nuts",
    "date": "date",
}
ROOT_ID = "root"

_TOP_REQUIRED = ("format", "id", "version", "languages", "title")
_TOP_OPTIONAL = (
    "description",
    "authors",
    "license",
    "sources",
    "date",
    "profile",
    "scales",
    "dimensions",
    "items",
)
_COMMON_ITEM_KEYS = ("id", "kind", "text", "help", "required", "na", "dont_know", "when", "scored")
_KIND_KEYS: Mapping[str, tuple[str, ...]] = {
    "scale": ("scale",),
    "choice": ("options",),
    "multi": ("options", "max_points"),
    "number": ("min", "max", "unit", "bands", "better"),
    "boolean": (),
    "text": ("max_length",),
}
_ALL_KIND_KEYS = {k for keys in _KIND_KEYS.values() for k in keys}
_QID_RE = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
_CODE_RULE = "1-32 characters: letters, digits, '_' or '-'"


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option: code, label, and value (``scale``, ``choice``) or points (``multi``)."""

    code: str
    label: Text
    value: float = 0.0
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Scale:
    """A named ordinal scale shared by items; option values strictly increase."""

    id: str
    options: tuple[Option, ...]
    label: Text | None = None
    na: bool = False
    dont_know: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """The option codes in order."""
        return tuple(o.code for o in self.options)


@dataclass(frozen=True, slots=True)
class Item:
    """A question. ``options`` holds the options of ``scale``, ``choice`` and ``multi`` items
    (for a scale item, the scale's options); ``bands`` the thresholds of a ``number`` item.
    """

    id: str
    kind: ItemKind
    text: Text
    help: Text | None = None
    required: bool = False
    na: bool = False
    dont_know: bool = False
    when: Condition | None = None
    scale: str | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    bands: tuple[float, ...] = ()
    better: Literal["higher", "lower"] = "higher"
    max_points: float | None = None
    max_length: int = 2000
    counts: bool = True

    @property
    def scored(self) -> bool:
        """Whether the item counts in scores (not text, unbanded numbers or filter questions)."""
        if self.kind == "text" or not self.counts:
            return False
        return not (self.kind == "number" and not self.bands)

    @property
    def codes(self) -> tuple[str, ...]:
        """The option codes (empty for kinds without options)."""
        if self.kind == "boolean":
            return ("yes", "no")
        return tuple(o.code for o in self.options)

    @property
    def value_range(self) -> tuple[float, float]:
        """The lowest and highest value an answer can get in scoring."""
        if self.kind in ("scale", "choice"):
            values = [o.value for o in self.options]
            return (min(values), max(values))
        if self.kind == "multi":
            return (0.0, self.points_cap)
        if self.kind == "number" and self.bands:
            return (0.0, float(len(self.bands)))
        if self.kind == "boolean":
            return (0.0, 1.0)
        raise ValueError(f"item '{self.id}' has no value range (kind {self.kind} without bands)")

    @property
    def points_cap(self) -> float:
        """For ``multi`` items: the most points an answer can get."""
        if self.max_points is not None:
            return self.max_points
        return sum(max(o.value, 0.0) for o in self.options)

    def value_of(self, answer: object) -> float:
        """The value of one answer for scoring (codes, a set of codes, a number or a bool)."""
        if self.kind in ("scale", "choice"):
            for o in self.options:
                if o.code == answer:
                    return o.value
            raise KeyError(f"'{answer}' is not an option of '{self.id}'")
        if self.kind == "multi":
            chosen = set(answer) if isinstance(answer, frozenset | set | list | tuple) else {answer}
            total = sum(o.value for o in self.options if o.code in chosen)
            return min(max(total, 0.0), self.points_cap)
        if self.kind == "number":
            x = float(answer)  # type: ignore[arg-type]
            if self.better == "higher":
                return float(sum(1 for b in self.bands if b <= x))
            return float(sum(1 for b in self.bands if b >= x))
        if self.kind == "boolean":
            return 1.0 if answer is True else 0.0
        raise ValueError(f"item '{self.id}' of kind {self.kind} is not scored")

    def value_type(self) -> ValueType:
        """The type of the answer as seen by conditions."""
        kind = {
            "scale": "code",
            "choice": "code",
            "multi": "codes",
            "number": "number",
            "boolean": "bool",
            "text": "text",
        }[self.kind]
        codes = frozenset(self.codes) if kind in ("code", "codes") else None
        return ValueType(kind, codes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Dimension:
    """A node of the questionnaire tree: sub-dimensions and items, at any depth."""

    id: str
    title: Text
    description: Text | None = None
    when: Condition | None = None
    dimensions: tuple[Dimension, ...] = ()
    items: tuple[Item, ...] = ()

    def walk(self) -> Iterator[Dimension]:
        """This node and every node below it, depth first, in document order."""
        yield self
        for d in self.dimensions:
            yield from d.walk()

    def all_items(self) -> Iterator[Item]:
        """Every item below this node, in document order (own items before sub-dimensions')."""
        yield from self.items
        for d in self.dimensions:
            yield from d.all_items()


@dataclass(frozen=True, slots=True)
class ProfileField:
    """A respondent profile field that the questionnaire asks."""

    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    """A public model or paper that inspired the questionnaire. ``title`` is the work's own
    title, as published (not translated); ``note`` says, in every declared language, what was
    taken from it.
    """

    title: str
    url: str | None = None
    year: int | None = None
    note: Text | None = None


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire; see the format reference. Equal when their content is equal."""

    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    root: Dimension
    scales: tuple[Scale, ...] = ()
    profile: tuple[ProfileField, ...] = ()
    description: Text | None = None
    authors: tuple[str, ...] = ()
    license: str | None = None
    sources: tuple[Source, ...] = ()
    date: _dt.date | None = None
    file: str = field(default="<string>", compare=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    # -- lookups ----------------------------------------------------------------------
    @cached_property
    def items(self) -> tuple[Item, ...]:
        """All items in document order."""
        return tuple(self.root.all_items())

    @cached_property
    def dimensions(self) -> tuple[Dimension, ...]:
        """All dimensions (root excluded), depth first in document order."""
        return tuple(self.root.walk())[1:]

    @cached_property
    def _index(self) -> dict[str, Item | Dimension]:
        out: dict[str, Item | Dimension] = {d.id: d for d in self.root.walk()}
        out.update({i.id: i for i in self.items})
        return out

    @cached_property
    def parents(self) -> Mapping[str, str]:
        """Id of the parent node of every item and dimension (the root's id is ``root``)."""
        out: dict[str, str] = {}
        for d in self.root.walk():
            for c in d.dimensions:
                out[c.id] = d.id
            for i in d.items:
                out[i.id] = d.id
        return out

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError with a suggestion if there is none)."""
        found = self._index.get(item_id)
        if isinstance(found, Item):
            return found
        raise KeyError(
            f"no item '{item_id}' in questionnaire '{self.id}'"
            f"{suggest(item_id, [i.id for i in self.items])}"
        )

    def node(self, node_id: str) -> Dimension:
        """The dimension with this id (``root`` for the whole questionnaire)."""
        found = self._index.get(node_id)
        if isinstance(found, Dimension):
            return found
        raise KeyError(
            f"no dimension '{node_id}' in questionnaire '{self.id}'"
            f"{suggest(node_id, [d.id for d in self.root.walk()])}"
        )

    def __contains__(self, ident: object) -> bool:
        return ident in self._index

    def scale(self, name: str) -> Scale:
        """The named scale."""
        for s in self.scales:
            if s.id == name:
                return s
        raise KeyError(name)

    def conditions_of(self, item_id: str) -> tuple[Condition, ...]:
        """Every condition that governs an item: its ancestors' and its own, outermost first."""
        chain: list[Condition] = []
        node_id = item_id
        item = self.item(item_id)
        if item.when is not None:
            chain.append(item.when)
        while node_id in self.parents:
            node_id = self.parents[node_id]
            when = self.node(node_id).when
            if when is not None:
                chain.append(when)
        return tuple(reversed(chain))

    @property
    def profile_fields(self) -> tuple[str, ...]:
        """Names of the profile fields the questionnaire asks."""
        return tuple(p.name for p in self.profile)

    @property
    def ref(self) -> str:
        """``id@version``, the way responses and scoring models name a questionnaire."""
        return f"{self.id}@{self.version}"

    def __repr__(self) -> str:
        return (
            f"<Questionnaire {self.ref}: {len(self.dimensions)} dimensions, "
            f"{len(self.items)} items, languages {', '.join(self.languages)}>"
        )

    def to_data(self) -> dict[str, Any]:
        """The questionnaire as plain data in the file format (see :func:`dump_questionnaire`)."""
        return _to_data(self)


# ---------------------------------------------------------------------------------------
# loading


def profile_types() -> dict[str, ValueType]:
    """Types of the profile names usable in conditions.

    ``section`` and ``division`` are NACE codes, so a condition naming one that does not
    exist (``profile.section == "Z"``) is a validation error; ``sector`` (a code of any level)
    and ``region`` are compared as text.
    """
    from maturity.classify import SIZE_CLASSES, nace_codes

    text = ValueType("text", None)
    number = ValueType("number", None)
    return {
        "company": text,
        "sector": text,
        "section": ValueType("code", frozenset(nace_codes(1))),
        "division": ValueType("code", frozenset(nace_codes(2))),
        "region": text,
        "employees": number,
        "turnover": number,
        "balance_sheet": number,
        "size_class": ValueType("code", frozenset(SIZE_CLASSES)),
    }


class _Loader:
    def __init__(self, doc: Document, strict: bool) -> None:
        self.doc = doc
        self.c = Checker(doc, strict=strict)
        self.ids: dict[str, int] = {}
        self.scales: dict[str, Scale] = {}
        self.conditions: list[tuple[tuple[str | int, ...], str, Condition]] = []
        self.item_paths: dict[str, tuple[str | int, ...]] = {}
        self.node_paths: dict[str, tuple[str | int, ...]] = {}

    def load(self) -> Questionnaire:
        c, data = self.c, self.doc.data
        top = c.mapping(
            (),
            data,
            required=_TOP_REQUIRED,
            optional=_TOP_OPTIONAL,
            what="a mapping (the questionnaire)",
        )
        if top is None:
            c.raise_if_errors()
            raise AssertionError  # pragma: no cover
        fmt = top.get("format")
        if "format" in top and fmt != FORMAT:
            c.error("S005", ("format",), found=fmt, allowed=FORMAT)
        qid = c.ident(
            ("id",),
            top.get("id"),
            pattern=_QID_RE,
            rule="lower-case letters, digits, '-' and '_', starting with a letter",
        )
        version = c.version(("version",), top.get("version"))
        c.languages = (
            c.language_list(("languages",), top.get("languages")) if "languages" in top else ()
        )
        title = c.text(("title",), top.get("title"))
        description = self.opt_text(top, "description", ())
        authors = (
            tuple(
                a
                for p, v in c.items(("authors",), top["authors"])
                if (a := c.string(p, v)) is not None
            )
            if "authors" in top
            else ()
        )
        lic = c.string(("license",), top["license"]) if "license" in top else None
        sources = self.sources(top["sources"]) if "sources" in top else ()
        date = c.date(("date",), top["date"]) if "date" in top else None
        profile = self.profile(top["profile"]) if "profile" in top else ()
        if "scales" in top:
            self.load_scales(top["scales"])
        dims: list[Dimension] = []
        if "dimensions" in top:
            for p, v in c.items(("dimensions",), top["dimensions"]):
                d = self.dimension(p, v)
                if d is not None:
                    dims.append(d)
        items = self.item_list(("items",), top["items"]) if "items" in top else ()
        if "dimensions" not in top and "items" not in top:
            c.error("S002", (), name="dimensions")
        root = Dimension(ROOT_ID, title or Text("?"), description, None, tuple(dims), items)
        self.check_conditions(root, profile)
        c.raise_if_errors()
        assert qid and version and title
        return Questionnaire(
            id=qid,
            version=version,
            languages=c.languages,
            title=title,
            root=root,
            scales=tuple(self.scales.values()),
            profile=profile,
            description=description,
            authors=authors,
            license=lic,
            sources=sources,
            date=date,
            file=self.doc.file,
            warnings=c.warnings,
        )

    # -- pieces -----------------------------------------------------------------------
    def opt_text(self, m: Mapping[str, Any], key: str, path: tuple[str | int, ...]) -> Text | None:
        return self.c.text((*path, key), m[key]) if key in m else None

    def flag(
        self, m: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: bool = False
    ) -> bool:
        if key not in m:
            return default
        b = self.c.boolean((*path, key), m[key])
        return default if b is None else b

    def sources(self, value: object) -> tuple[Source, ...]:
        c = self.c
        out = []
        for p, v in c.items(("sources",), value):
            m = c.mapping(p, v, required=("title",), optional=("url", "year", "note"))
            if m is None:
                continue
            title = c.string((*p, "title"), m.get("title")) if "title" in m else None
            url = c.string((*p, "url"), m["url"]) if "url" in m else None
            year = c.integer((*p, "year"), m["year"], minimum=1900) if "year" in m else None
            note = c.text((*p, "note"), m["note"]) if "note" in m else None
            if title:
                out.append(Source(title, url, year, note))
        return tuple(out)

    def profile(self, value: object) -> tuple[ProfileField, ...]:
        c = self.c
        m = c.mapping(("profile",), value, optional=PROFILE_FIELDS)
        out = []
        for name, spec in (m or {}).items():
            if name not in PROFILE_FIELDS:
                continue
            p = ("profile", name)
            if spec is None:
                spec = {}
            fm = c.mapping(p, spec, optional=("required",))
            out.append(ProfileField(name, self.flag(fm or {}, "required", p)))
        return tuple(out)

    def new_id(self, path: tuple[str | int, ...], value: object) -> str | None:
        ident = self.c.ident((*path, "id"), value)
        if ident is None:
            return None
        if ident == ROOT_ID:
            self.c.error(
                "S006",
                (*path, "id"),
                found=ident,
                rule="'root' is reserved for the whole questionnaire",
            )
            return None
        if ident in self.ids:
            self.c.error("S007", (*path, "id"), id=ident, first=self.ids[ident])
            return None
        mark = self.doc.mark((*path, "id"))
        self.ids[ident] = mark.line if mark else 0
        return ident

    def options(
        self, path: tuple[str | int, ...], value: object, *, points: bool, ordinal: bool
    ) -> tuple[Option, ...]:
        c = self.c
        key = "points" if points else "value"
        out: list[Option] = []
        seen: set[str] = set()
        optional = ("exclusive",) if points else ()
        for p, v in c.items(path, value):
            m = c.mapping(
                p,
                v,
                required=("code", key, "label"),
                optional=optional,
                what="an option {code, " + key + ", label}",
            )
            if m is None:
                continue
            code = (
                c.ident((*p, "code"), m.get("code"), pattern=_CODE_RE, rule=_CODE_RULE)
                if "code" in m
                else None
            )
            if code == DONT_KNOW_CODE:
                c.error("S006", (*p, "code"), found=code, rule='reserved for "don\'t know"')
                code = None
            if code is not None and code in seen:
                c.error("Q003", (*p, "code"), option=code)
                code = None
            x = c.number((*p, key), m.get(key)) if key in m else None
            label = c.text((*p, "label"), m.get("label")) if "label" in m else None
            exclusive = self.flag(m, "exclusive", p)
            if code is None or x is None or label is None:
                continue
            if ordinal and out and x <= out[-1].value:
                c.error(
                    "Q009", (*p, key), option=code, value=f"{x:g}", previous=f"{out[-1].value:g}"
                )
            seen.add(code)
            out.append(Option(code, label, x, exclusive))
        if isinstance(value, list) and len(value) < 2:
            c.error("Q004", path, what="a list of options", n=2, found=len(value))
        return tuple(out)

    def load_scales(self, value: object) -> None:
        c = self.c
        m = c.mapping(("scales",), value, what="a mapping of named scales", any_keys=True)
        if m is None:
            return
        for name, spec in m.items():
            p: tuple[str | int, ...] = ("scales", name)
            if not _CODE_RE.match(name):
                c.error("S006", p, key=True, found=name, rule=_CODE_RULE)
                continue
            sm = c.mapping(p, spec, required=("options",), optional=("label", "na", "dont_know"))
            if sm is None:
                continue
            opts = (
                self.options((*p, "options"), sm.get("options"), points=False, ordinal=True)
                if "options" in sm
                else ()
            )
            self.scales[name] = Scale(
                name,
                opts,
                self.opt_text(sm, "label", p),
                self.flag(sm, "na", p),
                self.flag(sm, "dont_know", p),
            )

    def condition(
        self, path: tuple[str | int, ...], owner: str | None, value: object
    ) -> Condition | None:
        s = self.c.string(path, value, what="a condition")
        if s is None:
            return None
        try:
            cond = parse(s)
        except ConditionSyntaxError as exc:
            m = self.doc.mark(path)
            col = (m.column if m else 0) + exc.offset + self._quote_offset(path)
            self.c.problems.append(
                Problem.make(
                    "C001",
                    file=self.doc.file,
                    line=m.line if m else None,
                    column=col,
                    path=_fmt(path),
                    detail=exc.message,
                )
            )
            return None
        if owner is not None:
            self.conditions.append((path, owner, cond))
        return cond

    def _quote_offset(self, path: tuple[str | int, ...]) -> int:
        """1 when the scalar at ``path`` is quoted on its line (the expression starts after)."""
        return 0 if self.doc.raw_text(path) is not None else 1

    def dimension(self, path: tuple[str | int, ...], value: object) -> Dimension | None:
        c = self.c
        m = c.mapping(
            path,
            value,
            required=("id", "title"),
            optional=("description", "when", "dimensions", "items"),
            what="a dimension {id, title, ...}",
        )
        if m is None:
            return None
        ident = self.new_id(path, m.get("id")) if "id" in m else None
        if ident:
            self.node_paths[ident] = path
        title = c.text((*path, "title"), m.get("title")) if "title" in m else None
        description = self.opt_text(m, "description", path)
        when = self.condition((*path, "when"), ident, m["when"]) if "when" in m else None
        subs: list[Dimension] = []
        if "dimensions" in m:
            for p, v in c.items((*path, "dimensions"), m["dimensions"]):
                d = self.dimension(p, v)
                if d is not None:
                    subs.append(d)
        items = self.item_list((*path, "items"), m["items"]) if "items" in m else ()
        if not m.get("dimensions") and not m.get("items") and ident:
            c.error("Q006", path, id=ident)
        if ident is None or title is None:
            return None
        return Dimension(ident, title, description, when, tuple(subs), items)

    def item_list(self, path: tuple[str | int, ...], value: object) -> tuple[Item, ...]:
        out = []
        for p, v in self.c.items(path, value):
            item = self.item(p, v)
            if item is not None:
                out.append(item)
        return tuple(out)

    def item(self, path: tuple[str | int, ...], value: object) -> Item | None:
        c = self.c
        if not isinstance(value, dict):
            c.mapping(path, value, what="an item {id, kind, text, ...}")
            return None
        kind_raw = value.get("kind")
        kind: str | None = None
        if "kind" in value:
            kind = c.string((*path, "kind"), kind_raw)
            if kind is not None and kind not in ITEM_KINDS:
                c.error(
                    "Q002",
                    (*path, "kind"),
                    found=kind,
                    allowed=", ".join(ITEM_KINDS),
                    suggestion=suggest(kind, ITEM_KINDS),
                )
                kind = None
        own = _KIND_KEYS.get(kind or "", ())
        allowed = set(_COMMON_ITEM_KEYS) | (set(own) if kind else _ALL_KIND_KEYS)
        for key in value:
            if key in _ALL_KIND_KEYS and key not in allowed:
                c.error(
                    "Q010",
                    (*path, key),
                    key=True,
                    name=key,
                    kind=kind,
                    why=f"{kind} items take: " + (", ".join(own) or "no extra keys"),
                )
        required = ["id", "kind", "text"]
        if kind in ("scale",):
            required.append("scale")
        if kind in ("choice", "multi"):
            required.append("options")
        c.mapping(
            path,
            {k: v for k, v in value.items() if k not in _ALL_KIND_KEYS or k in allowed},
            required=required,
            optional=allowed,
        )
        m = value
        ident = self.new_id(path, m.get("id")) if "id" in m else None
        if ident:
            self.item_paths[ident] = path
        text = c.text((*path, "text"), m.get("text")) if "text" in m else None
        help_ = self.opt_text(m, "help", path)
        when = self.condition((*path, "when"), ident, m["when"]) if "when" in m else None
        fields: dict[str, Any] = {}
        na_default = dont_know_default = False
        if kind == "scale" and "scale" in m:
            name = c.string((*path, "scale"), m["scale"])
            if name is not None:
                scale = self.scales.get(name)
                if scale is None:
                    c.error(
                        "Q001",
                        (*path, "scale"),
                        found=name,
                        allowed=list_allowed(self.scales),
                        suggestion=suggest(name, self.scales),
                    )
                else:
                    fields.update(scale=name, options=scale.options)
                    na_default, dont_know_default = scale.na, scale.dont_know
        elif kind in ("choice", "multi") and "options" in m:
            fields["options"] = self.options(
                (*path, "options"), m["options"], points=kind == "multi", ordinal=False
            )
            if kind == "multi" and "max_points" in m:
                fields["max_points"] = c.number(
                    (*path, "max_points"), m["max_points"], positive=True
                )
        elif kind == "number":
            self.number_fields(path, m, fields)
        elif kind == "text" and "max_length" in m:
            fields["max_length"] = c.integer((*path, "max_length"), m["max_length"], minimum=1)
        if kind == "choice" and fields.get("options") is not None:
            values = {o.value for o in fields["options"]}
            if len(values) < 2 and len(fields["options"]) >= 2:
                c.error(
                    "S004",
                    (*path, "options"),
                    detail="all options have the same value; the item cannot discriminate",
                )
        if ident is None or kind is None or text is None:
            return None
        fields = {k: v for k, v in fields.items() if v is not None}
        return Item(
            id=ident,
            kind=kind,  # type: ignore[arg-type]  # checked against ITEM_KINDS above
            text=text,
            help=help_,
            required=self.flag(m, "required", path),
            na=self.flag(m, "na", path, na_default),
            dont_know=self.flag(m, "dont_know", path, dont_know_default),
            when=when,
            counts=self.flag(m, "scored", path, True),
            **fields,
        )

    def number_fields(
        self, path: tuple[str | int, ...], m: Mapping[str, Any], fields: dict[str, Any]
    ) -> None:
        c = self.c
        lo = c.number((*path, "min"), m["min"]) if "min" in m else None
        hi = c.number((*path, "max"), m["max"]) if "max" in m else None
        if lo is not None and hi is not None and lo >= hi:
            c.error(
                "Q007", (*path, "max"), detail=f"max ({hi:g}) must be greater than min ({lo:g})"
            )
        fields.update(min=lo, max=hi)
        if "unit" in m:
            fields["unit"] = c.string((*path, "unit"), m["unit"])
        if "better" in m:
            fields["better"] = c.choice((*path, "better"), m["better"], ("higher", "lower"))
        if "bands" in m:
            bands: list[float] = []
            for p, v in c.items((*path, "bands"), m["bands"]):
                x = c.number(p, v)
                if x is None:
                    continue
                if bands and x <= bands[-1]:
                    c.error(
                        "Q005",
                        p,
                        detail=f"bands must be strictly increasing; {x:g} comes "
                        f"after {bands[-1]:g}",
                    )
                bands.append(x)
            if isinstance(m["bands"], list) and not m["bands"]:
                c.error("Q005", (*path, "bands"), detail="bands needs at least one threshold")
            if (lo is not None and bands and bands[-1] < lo) or (
                hi is not None and bands and bands[0] > hi
            ):
                c.error(
                    "Q005",
                    (*path, "bands"),
                    detail="the bands lie outside [min, max]; no answer could reach them",
                )
            fields["bands"] = tuple(bands)

    # -- conditions across the tree -----------------------------------------------------
    def check_conditions(self, root: Dimension, profile: tuple[ProfileField, ...]) -> None:
        c = self.c
        items = {i.id: i.value_type() for i in root.all_items()}
        ptypes = profile_types()
        asked = {p.name for p in profile}
        # derived names are available when their source field is asked
        derived = {"section": "sector", "division": "sector", "size_class": "employees"}
        available = {k: v for k, v in ptypes.items() if derived.get(k, k) in asked}
        for path, _owner, cond in self.conditions:
            for issue in check(cond, items, ptypes):
                col = self._col(path, issue.offset)
                m = self.doc.mark(path)
                if issue.kind == "unknown-item":
                    p = Problem.make(
                        "C002",
                        file=self.doc.file,
                        line=m.line if m else None,
                        column=col,
                        path=_fmt(path),
                        what="item",
                        found=issue.found,
                        suggestion=suggest(issue.found, items),
                    )
                elif issue.kind == "unknown-profile":
                    p = Problem.make(
                        "C002",
                        file=self.doc.file,
                        line=m.line if m else None,
                        column=col,
                        path=_fmt(path),
                        what="profile field",
                        found=issue.found,
                        suggestion=suggest(issue.found, ptypes),
                    )
                else:
                    p = Problem.make(
                        "C003",
                        file=self.doc.file,
                        line=m.line if m else None,
                        column=col,
                        path=_fmt(path),
                        detail=issue.message,
                    )
                c.problems.append(p)
            for name in sorted(cond.profile_refs):
                if name in ptypes and name not in available:
                    c.error(
                        "Q008",
                        path,
                        found=name,
                        allowed=list_allowed(available) + "; add it under 'profile:'",
                    )
        self.check_cycles(root)

    def _col(self, path: tuple[str | int, ...], offset: int) -> int | None:
        m = self.doc.mark(path)
        return None if m is None else m.column + offset + self._quote_offset(path)

    def check_cycles(self, root: Dimension) -> None:
        """An item must not depend, through conditions, on itself."""
        deps: dict[str, set[str]] = {}

        # conditions of a dimension govern all items inside it
        def visit(d: Dimension, inherited: frozenset[str]) -> None:
            here = inherited | (d.when.answer_refs if d.when else frozenset())
            for i in d.items:
                deps[i.id] = set(here | (i.when.answer_refs if i.when else frozenset()))
            for s in d.dimensions:
                visit(s, here)

        visit(root, frozenset())
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()
        for start in deps:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(deps[start])))]
            trail = [start]
            state[start] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                    trail.pop()
                    continue
                if nxt not in deps:
                    continue
                if state.get(nxt) == 1:
                    cycle = [*trail[trail.index(nxt) :], nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        path = self.item_paths.get(nxt, ())
                        self.c.error(
                            "C005", (*path, "when") if path else (), cycle=" -> ".join(cycle)
                        )
                elif not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, iter(sorted(deps[nxt]))))
                    trail.append(nxt)


def _fmt(path: tuple[str | int, ...]) -> str:
    from maturity.errors import format_path

    return format_path(path)


def parse_questionnaire(
    text: str | bytes, *, file: str = "<string>", strict: bool = False
) -> Questionnaire:
    """Load a questionnaire from YAML text (see :func:`load_questionnaire`)."""
    return _Loader(read_yaml(text, file=file), strict).load()


def load_questionnaire(source: str | Path, *, strict: bool = False) -> Questionnaire:
    """Load and validate a questionnaire.

    ``source`` is a path to a YAML file or the id of a bundled questionnaire (see
    :func:`maturity.bundled`). With ``strict=True`` warnings (such as a missing translation)
    are errors. Raises :class:`~maturity.errors.SpecError` listing every problem.
    """
    from maturity.bundle import resolve

    path = resolve(source, "questionnaire")
    return _Loader(read_yaml(path), strict).load()


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


def _to_data(q: Questionnaire) -> dict[str, Any]:
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
