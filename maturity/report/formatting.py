"""Numbers, dates and fixed texts in the report's language (message catalogues per language)."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from types import MappingProxyType

from maturity.numbers import round_half_away
from maturity.report.errors import ReportError

__all__ = [
    "LANGUAGES",
    "format_date",
    "format_number",
    "format_percent",
    "level_index",
    "messages",
    "score_digits",
    "shown_score",
]


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


def _decimal_text(x: Decimal, digits: int) -> str:
    """``x`` rounded half away from zero to ``digits`` decimals, with thousands separators."""
    q = Decimal(1).scaleb(-digits)
    return f"{abs(x).quantize(q, rounding=ROUND_HALF_UP):,.{digits}f}"


def _localise(text: str, lang: str, negative: bool) -> str:
    if _lang(lang) == "it":
        text = text.translate({ord(","): ".", ord("."): ","})
    if negative and text.strip("0.,"):
        text = "−" + text
    return text


def format_number(value: object, lang: str = "en", digits: int = 2) -> str:
    """Format a number for ``lang``: ``2.45`` and ``1,234.5`` in English, ``2,45`` and
    ``1.234,5`` in Italian; a minus sign (−) for negatives; "–" for a missing value.

    The number is rounded *half away from zero* (:func:`maturity.numbers.round_half_away`):
    62.5 shows 63 and 1.75 shows 1.8, as a reader rounds, never half to even.
    """
    x = _finite(value)
    if x is None:
        return _DASH
    text = _decimal_text(Decimal(repr(x)), digits)
    return _localise(text, lang, x < 0)


def format_percent(value: object, lang: str = "en", digits: int = 0) -> str:
    """Format a share (0.45) as a percentage: ``45%`` in English, ``45 %`` in Italian (with a
    no-break space, so the sign never starts a line); "–" for a missing value.

    The share is scaled in decimal arithmetic before it is rounded half away from zero, so
    0.285 shows 29 % (the binary ``100 * 0.285`` is 28.499…).
    """
    x = _finite(value)
    if x is None:
        return _DASH
    number = _localise(_decimal_text(Decimal(repr(x)) * 100, digits), lang, x < 0)
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


def level_index(mins: Sequence[float], score: float | None) -> int | None:
    """The index of the level a score falls in, given the levels' starting values ``mins``
    (increasing, the first at the bottom of the range); None for a missing score. A score
    within :data:`maturity.numbers.SCORE_TOLERANCE` of a level's start has reached it.
    """
    from maturity.numbers import at_least

    x = _finite(score)
    if x is None or not mins:
        return None
    found = 0
    for k, lo in enumerate(mins):
        if at_least(x, lo):
            found = k
    return found


def score_digits(score: float | None, mins: Sequence[float], digits: int = 1) -> int:
    """How many decimals to show ``score`` with so that the number shown never contradicts its
    level (the rule of every report, documented in ``docs/reports.md``).

    A score is shown with ``digits`` decimals, rounded half away from zero; when that rounding
    would carry it across the start of a level (0.98 would show 1.0, the start of the next
    level, while the company is still below it), one more decimal is shown, and another: 0.98
    shows 0.98, 0.996 shows 0.996. A score closer still to a level's start (0.9996) is shown
    with ``digits + 2`` decimals and rounded towards its own level (0.999): see
    :func:`shown_score`.
    """
    x = _finite(score)
    if x is None:
        return digits
    k = level_index(mins, x)
    for d in range(digits, digits + 3):
        if level_index(mins, round_half_away(x, d)) == k:
            return d
    return digits + 2


def shown_score(score: float | None, mins: Sequence[float], digits: int = 1) -> float | None:
    """The value a report shows for ``score``: rounded half away from zero to
    :func:`score_digits` decimals, and, where even that would cross the start of a level,
    rounded towards the score's own level instead (0.9996 below a level starting at 1 shows
    0.999; 1.0004 in a level starting at 1.0004 shows 1.001). None for a missing score.
    """
    x = _finite(score)
    if x is None:
        return None
    d = score_digits(x, mins, digits)
    shown = round_half_away(x, d)
    k = level_index(mins, x)
    if k is None or level_index(mins, shown) == k:
        return shown
    q = Decimal(1).scaleb(-d)
    rounding = ROUND_FLOOR if shown > x else ROUND_CEILING
    return float(Decimal(repr(x)).quantize(q, rounding=rounding))
