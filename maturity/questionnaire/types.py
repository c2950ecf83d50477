"""The questionnaire's frozen objects: options, scales, items, dimensions, profile fields,
sources and the :class:`Questionnaire` itself, with the format's constants.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from maturity.conditions import Condition, ValueType
from maturity.errors import Problem, suggest
from maturity.text import Text

__all__ = [
    "DONT_KNOW_CODE",
    "FORMAT",
    "ITEM_KINDS",
    "NA_CODE",
    "PROFILE_FIELDS",
    "ROOT_ID",
    "Dimension",
    "Item",
    "ItemKind",
    "Option",
    "ProfileField",
    "Questionnaire",
    "Scale",
    "Source",
    "profile_types",
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
        from maturity.questionnaire.writer import to_data

        return to_data(self)


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
