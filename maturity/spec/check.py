"""Field checks shared by the loaders of declarative files.

A :class:`Checker` walks the plain values of a :class:`~maturity.spec.yamlio.Document`,
checks each field's type and value, and collects every problem with its location instead of
stopping at the first. Each method returns the checked value, or ``None`` when the field was
wrong (the problem is then recorded), so loaders read as a straight list of fields.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from maturity.errors import Problem, Severity, SpecError, list_allowed, suggest
from maturity.spec.yamlio import Document
from maturity.text import Text

__all__ = ["ID_RE", "Checker"]

Path_ = tuple[str | int, ...]

#: Ids of dimensions, items and models: lower-case letter, then letters, digits, ``_-.``.
ID_RE = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_VERSION_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


def _kind(value: object) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text '{value}'" if len(value) < 40 else "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__  # pragma: no cover


class Checker:
    """Collects problems of one document; see the module docstring."""

    def __init__(self, doc: Document, *, strict: bool = False) -> None:
        self.doc = doc
        self.strict = strict
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()

    # -- reporting --------------------------------------------------------------------
    def error(self, code: str, path: Path_, *, key: bool = False, **fields: Any) -> None:
        """Record an error at ``path``."""
        self.problems.append(self.doc.problem(code, path, key=key, **fields))

    def warn(self, code: str, path: Path_, **fields: Any) -> None:
        """Record a warning (an error when the checker is strict)."""
        severity: Severity = "error" if self.strict else "warning"
        self.problems.append(self.doc.problem(code, path, severity=severity, **fields))

    def raise_if_errors(self) -> None:
        """Raise :class:`SpecError` when any error (not just warnings) was recorded."""
        if any(p.severity == "error" for p in self.problems):
            self.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
            raise SpecError(self.problems)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The warnings recorded so far."""
        return tuple(p for p in self.problems if p.severity == "warning")

    # -- containers -------------------------------------------------------------------
    def mapping(
        self,
        path: Path_,
        value: object,
        *,
        required: Collection[str] = (),
        optional: Collection[str] = (),
        what: str = "a mapping",
        any_keys: bool = False,
    ) -> dict[str, Any] | None:
        """Check a mapping: its type, missing required keys and unknown keys (with a hint).

        With ``any_keys`` every key is allowed (a mapping keyed by names or ids).
        """
        if not isinstance(value, dict):
            self.error("S003", path, expected=what, found=_kind(value))
            return None
        allowed = set(required) | set(optional)
        for key in () if any_keys else value:
            if key not in allowed:
                self.error(
                    "S001",
                    (*path, key),
                    key=True,
                    name=key,
                    allowed=list_allowed(allowed),
                    suggestion=suggest(key, allowed),
                )
        for key in required:
            if key not in value:
                self.error("S002", path, name=key)
        return value

    def document(
        self,
        *,
        required: Collection[str],
        optional: Collection[str],
        what: str,
        format: str,
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The document's top mapping (:meth:`mapping`), raising :class:`SpecError` when it is
        not one; a ``format`` other than ``format`` is S005, with the hint ``hints`` gives for
        the format found (a file of another kind, say).
        """
        top = self.mapping((), self.doc.data, required=required, optional=optional, what=what)
        if top is None:
            self.raise_if_errors()
            raise AssertionError  # pragma: no cover - S003 was recorded
        found = top.get("format")
        if "format" in top and found != format:
            hint = (hints or {}).get(found, "") if isinstance(found, str) else ""
            self.error("S005", ("format",), found=found, allowed=format + hint)
        return top

    def seq(self, path: Path_, value: object, *, what: str = "a list") -> list[Any] | None:
        """Check a list."""
        if not isinstance(value, list):
            self.error("S003", path, expected=what, found=_kind(value))
            return None
        return value

    def items(self, path: Path_, value: object) -> Iterator[tuple[Path_, Any]]:
        """Iterate ``(path, element)`` over a list (nothing if it is not a list)."""
        seq = self.seq(path, value)
        for i, element in enumerate(seq or ()):
            yield (*path, i), element

    # -- scalars ----------------------------------------------------------------------
    def string(self, path: Path_, value: object, *, what: str = "text") -> str | None:
        """A text value, taken exactly as written (``1.10`` stays ``"1.10"``)."""
        if isinstance(value, str):
            if not value.strip():
                self.error("T003", path)
                return None
            return value
        raw = self.doc.raw_text(path)
        if raw is not None and raw.strip() and not isinstance(value, dict | list):
            return raw
        self.error("S003", path, expected=what, found=_kind(value))
        return None

    def ident(
        self,
        path: Path_,
        value: object,
        *,
        pattern: re.Pattern[str] = ID_RE,
        rule: str = "lower-case letter first, then a-z, 0-9, '_', '-' or '.', "
        "at most 64 characters",
    ) -> str | None:
        """An identifier matching ``pattern``."""
        s = self.string(path, value, what="an id")
        if s is None:
            return None
        if not pattern.match(s):
            self.error("S006", path, found=s, rule=rule)
            return None
        return s

    def choice(self, path: Path_, value: object, allowed: Iterable[str]) -> str | None:
        """One of a fixed set of words."""
        allowed = list(allowed)
        s = self.string(path, value)
        if s is None:
            return None
        if s not in allowed:
            self.error(
                "S004",
                path,
                detail=f"'{s}' is not allowed (allowed: {', '.join(allowed)}){suggest(s, allowed)}",
            )
            return None
        return s

    def boolean(self, path: Path_, value: object) -> bool | None:
        """``true`` or ``false`` (``yes``/``no`` are refused: they are text in YAML 1.2)."""
        if isinstance(value, bool):
            return value
        self.error("S003", path, expected="true or false", found=_kind(value))
        return None

    def number(
        self,
        path: Path_,
        value: object,
        *,
        what: str = "a number",
        minimum: float | None = None,
        positive: bool = False,
    ) -> float | None:
        """A finite number (integers and decimals; booleans and text are refused)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error("S003", path, expected=what, found=_kind(value))
            return None
        x = float(value)
        if not math.isfinite(x):
            self.error(
                "S010",
                path,
                what=path[-1] if path else "value",
                found=self.doc.raw_text(path) or str(value),
            )
            return None
        if positive and x <= 0:
            self.error("S004", path, detail=f"must be greater than 0, found {value}")
            return None
        if minimum is not None and x < minimum:
            self.error("S004", path, detail=f"must be at least {minimum:g}, found {value}")
            return None
        return x

    def integer(self, path: Path_, value: object, *, minimum: int | None = None) -> int | None:
        """A whole number."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.error("S003", path, expected="a whole number", found=_kind(value))
            return None
        if minimum is not None and value < minimum:
            self.error("S004", path, detail=f"must be at least {minimum}, found {value}")
            return None
        return value

    def version(self, path: Path_, value: object) -> str | None:
        """A semantic version ``MAJOR.MINOR.PATCH``."""
        s = self.string(path, value, what="a version")
        if s is None:
            return None
        if not _VERSION_RE.match(s):
            self.error("S008", path, found=s)
            return None
        return s

    def date(self, path: Path_, value: object) -> _dt.date | None:
        """A calendar date ``YYYY-MM-DD`` that exists."""
        s = self.string(path, value, what="a date")
        if s is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            self.error("S009", path, found=s)
            return None
        try:
            return _dt.date.fromisoformat(s)
        except ValueError:
            self.error("S009", path, found=s)
            return None

    def language_list(self, path: Path_, value: object) -> tuple[str, ...]:
        """The list of declared languages."""
        langs: list[str] = []
        for p, v in self.items(path, value):
            s = self.string(p, v, what="a language code")
            if s is None:
                continue
            if not _LANG_RE.match(s):
                self.error("S004", p, detail=f"'{s}' is not a language code (e.g. en, it)")
            elif s in langs:
                self.error("S004", p, detail=f"language '{s}' is listed twice")
            else:
                langs.append(s)
        if not langs and isinstance(value, list):
            self.error("S004", path, detail="declare at least one language")
        return tuple(langs)

    def text(self, path: Path_, value: object) -> Text | None:
        """A text in the declared languages: a string (default language) or lang → string."""
        langs = self.languages
        if isinstance(value, dict):
            out: dict[str, str] = {}
            for lang, v in value.items():
                p = (*path, lang)
                if langs and lang not in langs:
                    hint = (
                        "; a comma inside {...} splits the text: put the text in quotes"
                        if " " in lang
                        else ""
                    )
                    self.error("T002", p, key=True, lang=lang, declared=", ".join(langs), hint=hint)
                    continue
                s = self.string(p, v)
                if s is not None:
                    out[lang] = s
            if not out:
                if not value:
                    self.error("T003", path)
                return None
            missing = [lang for lang in langs if lang not in value]
            if missing:
                self.warn("T001", path, langs=", ".join(missing))
            return Text(out, default=langs[0] if langs else next(iter(out)))
        s = self.string(path, value)
        if s is None:
            return None
        if len(langs) > 1:
            self.warn("T001", path, langs=", ".join(langs[1:]))
        default = langs[0] if langs else "en"
        return Text({default: s}, default=default)


def get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``mapping[key]`` or None (also when the mapping itself is missing)."""
    return None if mapping is None else mapping.get(key)
