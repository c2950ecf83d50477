"""Numbers, dates and fixed texts in the report's language (message catalogues per language)."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from maturity.report.errors import ReportError

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["LANGUAGES", "format_date", "format_number", "format_percent", "messages"]


_HERE = Path(__file__).resolve().parent


_LOCALE = _HERE / "locale"


#: The languages a report can be written in (one message catalogue each).
LANGUAGES: tuple[str, ...] = ("en", "it")


_MONTHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "en": tuple(
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ]
        ),
        "it": tuple(
            [
                "gennaio",
                "febbraio",
                "marzo",
                "aprile",
                "maggio",
                "giugno",
                "luglio",
                "agosto",
                "settembre",
                "ottobre",
                "novembre",
                "dicembre",
            ]
        ),
    }
)


_DASH = "–"  # shown for a missing number


_NBSP = "\u00a0"


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ReportError(f"no report language '{lang}' (languages: {', '.join(LANGUAGES)})")
    return lang


def _finite(value: object) -> float | None:
    """The value as a float, or None when it is missing (None, NaN or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def format_number(value: object, lang: str = "en", digits: int = 2) -> str:
    """Format a number for ``lang``: ``2.45`` and ``1,234.5`` in English, ``2,45`` and
    ``1.234,5`` in Italian; a minus sign (−) for negatives; "–" for a missing value.
    """
    x = _finite(value)
    if x is None:
        return _DASH
    text = f"{abs(x):,.{digits}f}"
    if _lang(lang) == "it":
        text = text.translate({ord(","): ".", ord("."): ","})
    if x < 0 and float(text.replace(".", "").replace(",", "") or 0) != 0:
        text = "−" + text
    return text


def format_percent(value: object, lang: str = "en", digits: int = 0) -> str:
    """Format a share (0.45) as a percentage: ``45%`` in English, ``45 %`` in Italian (with a
    no-break space, so the sign never starts a line); "–" for a missing value.
    """
    x = _finite(value)
    if x is None:
        return _DASH
    number = format_number(100 * x, lang, digits)
    return f"{number}{_NBSP}%" if _lang(lang) == "it" else f"{number}%"


def format_date(value: _dt.date | None, lang: str = "en") -> str:
    """Format a date in words: ``25 November 2026`` in English, ``25 novembre 2026`` in
    Italian; "–" for a missing date.
    """
    if value is None:
        return _DASH
    months = _MONTHS[_lang(lang)]
    return f"{value.day} {months[value.month - 1]} {value.year}"


@functools.cache
def _catalogue(lang: str) -> Mapping[str, str]:
    path = _LOCALE / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


def messages(lang: str) -> Mapping[str, str]:
    """The message catalogue of ``lang``: every fixed string of the reports, by key."""
    return _catalogue(_lang(lang))
