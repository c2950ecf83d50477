"""Multilingual text: an immutable mapping language → string with a default language."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = ["Text"]


class Text(Mapping[str, str]):
    """Text in several languages, e.g. ``Text({"en": "Smart factory", "it": "Fabbrica"})``.

    ``text.get("it")`` gives the Italian text; ``text.lang("de")`` falls back to the default
    language when German is missing; ``str(text)`` is the default language's text.
    Texts are immutable and hashable, and equal when their translations are equal.
    """

    __slots__ = ("_default", "_items")

    def __init__(self, values: Mapping[str, str] | str, *, default: str | None = None) -> None:
        if isinstance(values, str):
            values = {default or "en": values}
        if not values:
            raise ValueError("a Text needs at least one language")
        self._items: tuple[tuple[str, str], ...] = tuple(values.items())
        self._default: str = (
            default if default is not None and default in values else next(iter(values))
        )

    @property
    def default(self) -> str:
        """The default language."""
        return self._default

    def lang(self, language: str) -> str:
        """The text in ``language``, or in the default language when it is missing."""
        for k, v in self._items:
            if k == language:
                return v
        return self[self._default]

    def __getitem__(self, language: str) -> str:
        for k, v in self._items:
            if k == language:
                return v
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return dict(self._items) == dict(other._items)
        return NotImplemented

    def __str__(self) -> str:
        return self[self._default]

    def __repr__(self) -> str:
        return f"Text({dict(self._items)!r})"

    def to_data(self) -> dict[str, str]:
        """The plain mapping, as written in YAML or JSON."""
        return dict(self._items)
