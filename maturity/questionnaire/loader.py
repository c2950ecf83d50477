"""The strict loader of questionnaires: YAML text → a checked, frozen :class:`Questionnaire`.

:func:`load_questionnaire` reads a YAML file (or a bundled questionnaire by id), checks all of
it and returns a frozen :class:`Questionnaire`, or raises one
:class:`~maturity.errors.SpecError` listing every problem with ``file:line:col``. The format is
described in ``docs/reference/questionnaire-format.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maturity.conditions import Condition, ConditionSyntaxError, check, parse
from maturity.errors import Problem, list_allowed, suggest
from maturity.questionnaire.types import (
    _ALL_KIND_KEYS,
    _CODE_RE,
    _CODE_RULE,
    _COMMON_ITEM_KEYS,
    _KIND_KEYS,
    _QID_RE,
    _TOP_OPTIONAL,
    _TOP_REQUIRED,
    DONT_KNOW_CODE,
    FORMAT,
    ITEM_KINDS,
    PROFILE_FIELDS,
    ROOT_ID,
    Dimension,
    Item,
    Option,
    ProfileField,
    Questionnaire,
    Scale,
    Source,
    profile_types,
)
from maturity.spec.check import Checker
from maturity.spec.graph import cycles
from maturity.spec.yamlio import Document, read_yaml
from maturity.text import Text

__all__ = ["load_questionnaire", "parse_questionnaire", "parse_sources"]


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
        c = self.c
        top = c.document(
            required=_TOP_REQUIRED,
            optional=_TOP_OPTIONAL,
            what="a mapping (the questionnaire)",
            format=FORMAT,
        )
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
        return parse_sources(self.c, value)

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
                located = functools.partial(
                    Problem.make,
                    file=self.doc.file,
                    line=m.line if m else None,
                    column=col,
                    path=_fmt(path),
                )
                unknown = {
                    "unknown-item": ("item", items),
                    "unknown-profile": ("profile field", ptypes),
                }
                if issue.kind in unknown:
                    what, known = unknown[issue.kind]
                    p = located(
                        "C002",
                        what=what,
                        found=issue.found,
                        suggestion=suggest(issue.found, known),
                    )
                else:
                    p = located("C003", detail=issue.message)
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
        edges = {item: sorted(refs) for item, refs in deps.items()}
        for cycle in cycles(edges):
            path = self.item_paths.get(cycle[0], ())
            self.c.error("C005", (*path, "when") if path else (), cycle=" -> ".join(cycle))


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


def parse_sources(c: Checker, value: object) -> tuple[Source, ...]:
    """The ``sources:`` list of a questionnaire, a scoring model or an action catalogue:
    ``{title, url, year, note}`` each, ``note`` a text in every declared language.
    """
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
