"""Strict, safe YAML reading with line marks.

Declarative files come from third parties, so they are read with a reader of our own built on
PyYAML's event parser (libyaml when available). It never constructs Python objects from tags and
never recurses, so it cannot be made to run code, to expand a "billion laughs", or to raise a
``RecursionError``. On top of safety it gives:

- YAML 1.2 core-schema scalars: only ``true``/``false`` are booleans (``NO``, ``on``, ``yes``
  stay strings) and there are no implicit dates; the exact source text of every plain scalar
  is kept, so a field that holds text can read ``version: 1.10`` as ``"1.10"``;
- duplicate keys, anchors and aliases, tags, several documents, non-string keys, nesting deeper
  than :data:`MAX_DEPTH` and files with more than :data:`MAX_VALUES` values are errors;
- the line and column of every key and value, so that later checks report ``file:line:col``.

Every problem becomes a :class:`~maturity.errors.Problem`; reading raises one
:class:`~maturity.errors.SpecError` carrying all the problems found while reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from maturity.errors import Problem, Severity, SpecError, format_path, os_reason

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT", "MAX_VALUES", "Document", "Mark", "read_yaml"]

#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 64
#: Most scalars, mappings and sequences accepted in one file.
MAX_VALUES = 200_000
#: Largest file accepted, in bytes.
MAX_BYTES = 20_000_000
#: Largest integer magnitude accepted: 2**53, the largest up to which every integer is exact as a
#: floating-point number (the interoperable range of I-JSON, RFC 7493, section 2.2). A larger
#: integer is a located error (``Y012``), never an ``OverflowError`` in a later ``float()``.
MAX_INT = 2**53

Path_ = tuple[str | int, ...]

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_STR_TAGS = {None, "!", "tag:yaml.org,2002:str"}


class _OutOfRange(ValueError):
    """A plain integer scalar beyond :data:`MAX_INT`."""


def _integer(digits: str, base: int, sign: int = 1) -> int:
    # the length is checked before converting: int() of thousands of digits is slow, and
    # refused beyond sys.get_int_max_str_digits() with a ValueError of its own
    if len(digits.lstrip("0")) > 20:
        raise _OutOfRange(digits)
    value = sign * int(digits, base)
    if abs(value) > MAX_INT:
        raise _OutOfRange(digits)
    return value


def resolve_plain(text: str) -> object:
    """Type a plain (unquoted) scalar by the YAML 1.2 core schema.

    Raises:
        ValueError: an integer larger than :data:`MAX_INT` in magnitude.

    """
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return _integer(text.lstrip("+-"), 10, -1 if text.startswith("-") else 1)
    if _INT8.match(text):
        return _integer(text[2:], 8)
    if _INT16.match(text):
        return _integer(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass(slots=True)
class Document:
    """A YAML file read into plain values, with the location of every key and value.

    ``data`` holds dicts, lists, str, int, float, bool and None. Locations are looked up by
    the path of a value, a tuple of keys and list indices, e.g. ``("dimensions", 1, "id")``.
    """

    data: Any
    file: str
    marks: dict[Path_, Mark] = field(default_factory=dict)
    key_marks: dict[Path_, Mark] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)

    def mark(self, path: Path_, *, key: bool = False) -> Mark | None:
        """The location of the value (or, with ``key=True``, of the key) at ``path``.

        Falls back to the nearest enclosing value whose location is known.
        """
        if key and path in self.key_marks:
            return self.key_marks[path]
        p = path
        while True:
            if p in self.marks:
                return self.marks[p]
            if not p:
                return None
            p = p[:-1]

    def raw_text(self, path: Path_) -> str | None:
        """The exact source text of the plain scalar at ``path`` (None if it was quoted)."""
        return self.raw.get(path)

    def problem(
        self,
        code: str,
        path: Path_,
        *,
        key: bool = False,
        severity: Severity = "error",
        **fields: Any,
    ) -> Problem:
        """A problem located at ``path`` (its key with ``key=True``)."""
        m = self.mark(path, key=key)
        return Problem.make(
            code,
            file=self.file,
            line=m.line if m else None,
            column=m.column if m else None,
            path=format_path(path),
            severity=severity,
            **fields,
        )


def _mark(ev: Any) -> Mark:
    return Mark(ev.start_mark.line + 1, ev.start_mark.column + 1)


class _Frame:
    __slots__ = ("container", "first_line", "key", "key_mark", "path")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path_) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None
        self.key_mark: Mark | None = None
        self.first_line: dict[str, int] = {}


class _Reader:
    def __init__(self, file: str) -> None:
        self.doc = Document(None, file)
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.count = 0
        self.done = False
        self.skip_depth = 0  # > 0 while skipping a refused complex key
        self.alias_seen = False

    def fail(self, code: str, mark: Mark | None, path: Path_ = (), **fields: Any) -> None:
        self.problems.append(
            Problem.make(
                code,
                file=self.doc.file,
                line=mark.line if mark else None,
                column=mark.column if mark else None,
                path=format_path(path) if path else "",
                **fields,
            )
        )

    def refuse_alias(self, mark: Mark, path: Path_ | None, what: str) -> None:
        """Report the first anchor or alias only: one is enough to refuse the file."""
        if not self.alias_seen:
            self.alias_seen = True
            self.fail("Y003", mark, path or (), what=what)

    def child_path(self) -> Path_ | None:
        """The path the next value will have, or None when it is a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, dict):
            if top.key is None:
                return None
            return (*top.path, top.key)
        return (*top.path, len(top.container))

    def attach(self, value: Any, mark: Mark) -> None:
        if not self.stack:
            self.doc.data = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        if top.key is None:  # value is a key; only strings get here
            key = str(value)
            kpath = (*top.path, key)
            if key in top.first_line:
                self.fail("Y002", mark, kpath, name=key, first=top.first_line[key])
                key = "\x00dup:" + key + f":{mark.line}:{mark.column}"
            else:
                top.first_line[key] = mark.line
            top.key = key
            top.key_mark = mark
            self.doc.key_marks[(*top.path, key)] = mark
            return
        if not top.key.startswith("\x00dup:"):
            top.container[top.key] = value
        top.key = None

    def run(self, events: Iterator[Any]) -> None:
        docs = 0
        for ev in events:
            if isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    self.fail("Y006", _mark(ev))
                    return
                continue
            if isinstance(ev, yaml.StreamStartEvent | yaml.StreamEndEvent | yaml.DocumentEndEvent):
                continue
            self.count += 1
            if self.count > MAX_VALUES:
                self.fail("Y010", _mark(ev), limit=MAX_VALUES)
                return
            if self.skip_depth:
                if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                    self.skip_depth += 1
                elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                    self.skip_depth -= 1
                    if not self.skip_depth:
                        self.attach("\x00complex", Mark(0, 0))
                continue
            if not self.event(ev):
                return

    def event(self, ev: Any) -> bool:
        mark = _mark(ev)
        path = self.child_path()
        is_key = path is None
        if isinstance(ev, yaml.AliasEvent):
            self.refuse_alias(mark, path, f"alias '*{ev.anchor}'")
            self.attach(None if not is_key else "\x00alias", mark)
            return True
        anchor = getattr(ev, "anchor", None)
        if anchor is not None:
            self.refuse_alias(mark, path, f"anchor '&{anchor}'")
        tag = getattr(ev, "tag", None)
        if isinstance(ev, yaml.ScalarEvent):
            if tag not in _STR_TAGS:
                self.fail("Y004", mark, path or (), tag=tag)
            plain = tag is None and bool(ev.implicit[0])
            # plain scalars are typed by the YAML 1.2 core schema; quoted ones are text
            try:
                value = resolve_plain(ev.value) if plain else ev.value
            except _OutOfRange:
                shown = ev.value if len(ev.value) <= 24 else f"{ev.value[:20]}... "
                shown += f"({len(ev.value)} characters)" if len(ev.value) > 24 else ""
                self.fail("Y012", mark, path or (), found=shown, limit="2**53")
                value = None
            if is_key:
                self.attach(ev.value, mark)
                return True
            assert path is not None
            self.doc.marks[path] = mark
            if plain and not isinstance(value, str):
                self.doc.raw[path] = ev.value
            self.attach(value, mark)
            return True
        if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if tag is not None:
                self.fail("Y004", mark, path or (), tag=tag)
            if is_key:
                what = "a mapping" if isinstance(ev, yaml.MappingStartEvent) else "a list"
                self.fail("Y007", mark, self.stack[-1].path, what=what)
                self.skip_depth = 1
                return True
            assert path is not None
            if len(self.stack) >= MAX_DEPTH:
                self.fail("Y005", mark, path, limit=MAX_DEPTH)
                return False
            self.doc.marks[path] = mark
            container: dict[str, Any] | list[Any] = (
                {} if isinstance(ev, yaml.MappingStartEvent) else []
            )
            self.stack.append(_Frame(container, path))
            return True
        if isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self.stack.pop()
            self.attach(frame.container, mark)
            return True
        return True  # pragma: no cover - no other event kinds exist


def read_yaml(source: str | Path | bytes, *, file: str | None = None) -> Document:
    """Read a YAML file (a path) or text (``str``/``bytes``) strictly.

    Raises :class:`~maturity.errors.SpecError` with every problem found while reading.
    """
    if isinstance(source, Path):
        name = file or str(source)
        try:
            size = source.stat().st_size
            if size > MAX_BYTES:
                raise SpecError(
                    [
                        Problem.make(
                            "Y011", file=name, detail=f"larger than {MAX_BYTES // 1_000_000} MB"
                        )
                    ]
                )
            data = source.read_bytes()
        except OSError as exc:
            raise SpecError([Problem.make("Y011", file=name, detail=os_reason(exc))]) from None
    else:
        name = file or "<string>"
        data = source if isinstance(source, bytes) else source.encode("utf-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [
                Problem.make(
                    "Y009",
                    file=name,
                    line=line,
                    column=col,
                    detail=f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                )
            ]
        ) from None
    reader = _Reader(name)
    try:
        reader.run(yaml.parse(text, Loader=_Parser))
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark or exc.context_mark
        detail = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        reader.fail(
            "Y001",
            Mark(m.line + 1, m.column + 1) if m else None,
            detail=f"YAML syntax error: {detail}",
        )
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        reader.fail(
            "Y001",
            Mark(line, col),
            detail=f"character {exc.character!r} is not "
            "allowed in YAML (control characters are not allowed)",
        )
    except yaml.YAMLError as exc:  # pragma: no cover - any other error carries a mark
        reader.fail("Y001", None, detail=f"YAML error: {exc}")
    if reader.problems:
        raise SpecError(reader.problems)
    if reader.doc.data is None:
        raise SpecError([Problem.make("Y008", file=name, line=1, column=1)])
    return reader.doc
