"""What one cell of an answers file may hold: the rules the checker applies to each value.

Each rule takes one cell value (``str``, ``int``, ``float``, ``bool``, a list of codes, a date
or ``None``) and gives what it means, or a :class:`Fault` (the catalogue code and the fields of
its message). The checker (:mod:`maturity.io.check`) applies a rule once per *distinct* value
of a column and maps the outcome onto every row that holds that value, so the rules can stay
plain Python and still cost nothing per row.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any

from maturity.io.guard import unsafe_cell
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, Item

__all__ = [
    "ANSWERED",
    "DONT_KNOW_STATE",
    "MISSING",
    "NA_STATE",
    "Fault",
    "answer",
    "is_empty",
    "json_scalar",
    "meta",
    "profile_value",
    "text_cell",
]

MISSING, ANSWERED, NA_STATE, DONT_KNOW_STATE = 0, 1, 2, 3

NUMBER_RE = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_YES = {"yes", "true", "1", "si", "sì", "y"}
_NO = {"no", "false", "0", "n"}
#: Longest cell text repeated in a message.
SHOWN = 80


@dataclass(frozen=True, slots=True)
class Fault:
    """What is wrong with a cell: a catalogue code and the fields of its message."""

    code: str
    fields: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, code: str, **fields: Any) -> Fault:
        """A fault with ``fields`` for the message template of ``code``."""
        return cls(code, tuple(fields.items()))


def shown(text: str) -> str:
    """A cell's text as a message repeats it (long texts shortened)."""
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def is_empty(cell: object) -> bool:
    """An empty cell: no answer."""
    return cell is None or (isinstance(cell, str) and not cell.strip()) or cell == []


def json_scalar(value: object) -> str:
    """A non-text cell as text (``true``/``false``, numbers without ``.0``)."""
    from maturity.responses import format_number

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def text_cell(cell: object, guarded: bool) -> str:
    """A cell as trimmed text, with the formula guard undone if the file may carry it."""
    s = json_scalar(cell).strip() if not isinstance(cell, str) else cell.strip()
    return unsafe_cell(s) if guarded else s


def number(cell: object) -> float | Fault:
    """A number cell: ``12.5`` or ``12,5`` (no exponent, thousands separator, NaN or infinity)."""
    if isinstance(cell, bool):
        return Fault.of("R003", found=str(cell).lower(), why="")
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            return Fault.of("R003", found=str(cell), why=" (must be finite)")
        return float(cell)
    s = str(cell).strip()
    if not NUMBER_RE.match(s):
        why = ""
        low = s.lower()
        if low.lstrip("+-") in ("nan", "inf", "infinity"):
            why = " (not a finite number)"
        elif "_" in s:
            why = " (write digits only, without '_')"
        elif re.match(r"^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$", s):
            why = " (write it without thousands separators, e.g. 1234.5)"
        elif re.match(r"^[+-]?[0-9.]+e[+-]?\d+$", low):
            why = " (write it without an exponent)"
        return Fault.of("R003", found=shown(s), why=why)
    x = float(s.replace(",", "."))
    if not math.isfinite(x):  # digits beyond the largest float (about 1.8e308)
        return Fault.of("R003", found=shown(s), why=" (too large)")
    return x


def special(item: Item) -> str:
    """``", n/a, dont_know"`` as far as the item allows them."""
    extra = [c for c, ok in ((NA_CODE, item.na), (DONT_KNOW_CODE, item.dont_know)) if ok]
    return (", " + ", ".join(extra)) if extra else ""


def code(item: Item, cell: object) -> int | Fault:
    """The index of the option a cell names (case forgiven when unambiguous)."""
    s = (json_scalar(cell) if not isinstance(cell, str) else cell).strip()
    codes = item.codes
    if s in codes:
        return codes.index(s)
    folded = [k for k, c in enumerate(codes) if c.lower() == s.lower()]
    if len(folded) == 1:
        return folded[0]
    return Fault.of(
        "R002",
        found=shown(s),
        item=item.id,
        allowed=", ".join(codes) + special(item),
        suggestion=label_hint(item, s),
    )


#: Names of languages in messages (others are named by their code).
_LANGUAGE_NAMES = {
    "en": "English",
    "it": "Italian",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "sl": "Slovenian",
}


def label_hint(item: Item, s: str) -> str:
    """``"; 'In parte' is the Italian label of 'partly'"`` when ``s`` is the label of one of
    the item's options in one of its languages (a file of codes holding what a form showed),
    else ``""``. Labels match after Unicode and white-space normalisation, in any case.
    """
    from maturity.io.labels import normalize

    key = normalize(s).casefold()
    if not key:
        return ""
    for o in item.options:
        for lang in o.label:
            if normalize(o.label[lang]).casefold() == key:
                name = _LANGUAGE_NAMES.get(lang, f"'{lang}'")
                return f"; '{shown(s)}' is the {name} label of '{o.code}': write the code"
    return ""


def answer(item: Item, cell: object, guarded: bool) -> tuple[int, Any] | Fault:
    """A non-empty answer cell: ``(state, payload)`` or what is wrong with it.

    The payload is the option index (``scale``, ``choice``), ``True``/``False`` (``boolean``),
    a float (``number``), the tuple of chosen option indices in option order (``multi``) or
    the text (``text``); ``None`` for N/A and don't know.
    """
    if isinstance(cell, str):
        low = cell.strip().lower()
        if low == NA_CODE:
            if not item.na:
                return Fault.of(
                    "R011", detail=f"'not applicable' (n/a) is not allowed for '{item.id}'"
                )
            return (NA_STATE, None)
        if low == DONT_KNOW_CODE:
            if not item.dont_know:
                return Fault.of(
                    "R011", detail=f"'don't know' (dont_know) is not allowed for '{item.id}'"
                )
            return (DONT_KNOW_STATE, None)
    kind = item.kind
    if kind in ("scale", "choice"):
        k = code(item, cell)
        return k if isinstance(k, Fault) else (ANSWERED, k)
    if kind == "multi":
        parts = cell if isinstance(cell, list | tuple) else str(cell).split("|")
        chosen: list[int] = []
        for part in parts:
            k = code(item, part)
            if isinstance(k, Fault):
                return k
            if k not in chosen:
                chosen.append(k)
        if not chosen:
            return Fault.of("R011", detail="select at least one option")
        excl = [o.code for k, o in enumerate(item.options) if o.exclusive and k in chosen]
        if excl and len(chosen) > 1:
            found = "|".join(item.options[k].code for k in chosen)
            return Fault.of(
                "R011", detail=f"'{excl[0]}' excludes every other option (found: {shown(found)})"
            )
        return (ANSWERED, tuple(sorted(chosen)))
    if kind == "number":
        x = number(cell)
        if isinstance(x, Fault):
            return x
        return in_range(item, x)
    if kind == "boolean":
        if isinstance(cell, bool):
            return (ANSWERED, cell)
        low = str(cell).strip().lower()
        if low in _YES:
            return (ANSWERED, True)
        if low in _NO:
            return (ANSWERED, False)
        return Fault.of("R002", found=shown(str(cell)), item=item.id, allowed="yes, no")
    text = cell if isinstance(cell, str) else str(cell)
    if guarded:
        text = unsafe_cell(text)
    if len(text) > item.max_length:
        return Fault.of("R011", detail=f"text longer than {item.max_length} characters")
    return (ANSWERED, text)


def in_range(item: Item, x: float) -> tuple[int, Any] | Fault:
    """A number answer within the item's range, or the fault of one outside it."""
    lo = item.min if item.min is not None else -math.inf
    hi = item.max if item.max is not None else math.inf
    if not lo <= x <= hi:
        from maturity.responses import format_number

        return Fault.of(
            "R004",
            value=format_number(x),
            item=item.id,
            allowed=f"{format_number(lo)} to {format_number(hi)}",
        )
    return (ANSWERED, x)


#: Date formats read without being told, besides ISO ``YYYY-MM-DD``.
DAY_FIRST = "%d/%m/%Y"
MONTH_FIRST = "%m/%d/%Y"
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")


#: The date patterns ``date_format`` takes as people write them (any case), besides strftime.
DATE_PATTERNS = (
    "dd/mm/yyyy",
    "mm/dd/yyyy",
    "yyyy-mm-dd",
    "dd.mm.yyyy",
    "dd-mm-yyyy",
    "yyyy/mm/dd",
)
_PART = {"d": "%d", "dd": "%d", "m": "%m", "mm": "%m", "yy": "%y", "yyyy": "%Y"}
_HUMAN = re.compile(r"^([dmy]+)([/.\- ])([dmy]+)\2([dmy]+)$")


def date_pattern(fmt: str) -> str:
    """``fmt`` as a :func:`~datetime.datetime.strptime` format: a pattern as people write it
    (``dd/mm/yyyy``, ``mm/dd/yy``, ``dd.mm.yyyy``, ``yyyy-mm-dd``: day, month and year once
    each, joined by one of ``/ . -`` or a space), or a strptime format that reads a whole date
    (``%d/%m/%Y``).

    Raises:
        DateFormatError: anything else, naming what is allowed.

    """
    from maturity.errors import DateFormatError

    text = fmt.strip()
    m = _HUMAN.match(text.lower())
    if m is not None:
        parts = [m.group(1), m.group(3), m.group(4)]
        if all(p in _PART for p in parts) and sorted(p[0] for p in parts) == ["d", "m", "y"]:
            return m.group(2).join(_PART[p] for p in parts)
    elif "%" in text:
        probe = _dt.datetime(2031, 12, 25)
        try:
            if _dt.datetime.strptime(probe.strftime(text), text) == probe:
                return text
        except ValueError:
            pass
    raise DateFormatError(
        f"unknown date format '{shown(fmt)}' (allowed: {', '.join(DATE_PATTERNS)}, the same "
        "with yy for a two-digit year, or a strptime format of a whole date such as %d/%m/%Y)"
    )


def date_order(s: str) -> str | None:
    """For a ``a/b/yyyy`` date: ``"day"`` if only day-first reads it, ``"month"`` if only
    month-first does, ``"both"`` when either could, ``None`` when it is not such a date.
    """
    m = _SLASHED.match(s)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    day_first = 1 <= b <= 12 and 1 <= a <= 31
    month_first = 1 <= a <= 12 and 1 <= b <= 31
    if day_first and month_first:
        return "both" if a != b else "day"
    return "day" if day_first else "month" if month_first else None


def profile_value(name: str, cell: object, guarded: bool, date_format: str | None) -> Any:
    """A non-empty profile cell as the :class:`~maturity.responses.Profile` field holds it,
    or a :class:`Fault`.

    ``date_format`` is a :func:`datetime.datetime.strptime` format for dates that are not ISO
    ``YYYY-MM-DD`` (ISO dates are read whatever the format).
    """
    from maturity.classify import nace_normalize, nuts_normalize

    s = json_scalar(cell).strip() if not isinstance(cell, str) else cell.strip()
    try:
        if name == "sector":
            return nace_normalize(s)
        if name == "region":
            return nuts_normalize(s)
        if name == "employees":
            x = number(cell)
            if isinstance(x, Fault):
                return x
            if x < 0 or not x.is_integer():
                raise ValueError(f"employees must be a whole number >= 0, found {shown(s)}")
            return int(x)
        if name in ("turnover", "balance_sheet"):
            x = number(cell)
            if isinstance(x, Fault):
                return x
            if x < 0:
                raise ValueError(f"{name} must be >= 0 (million EUR), found {shown(s)}")
            return x
        if name == "date":
            return date_value(cell, s, date_format)
        return text_cell(cell, guarded)  # company: free text
    except ValueError as exc:
        return Fault.of("R010", detail=str(exc))


def date_value(cell: object, s: str, date_format: str | None) -> _dt.date:
    """A date cell: a date, ISO ``YYYY-MM-DD`` text, or text in ``date_format``."""
    if isinstance(cell, _dt.datetime):
        return cell.date()
    if isinstance(cell, _dt.date):
        return cell
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        try:
            return _dt.date.fromisoformat(s)
        except ValueError:
            raise ValueError(f"invalid date '{shown(s)}' (no such day)") from None
    if date_format:
        try:
            return _dt.datetime.strptime(s, date_format).date()
        except ValueError:
            raise ValueError(
                f"invalid date '{shown(s)}' (expected {_spelled(date_format)} or YYYY-MM-DD)"
            ) from None
    order = date_order(s)
    if order == "both":
        raise ValueError(
            f"ambiguous date '{s}': day/month or month/day? Give the format "
            "(date_format='dd/mm/yyyy' or '%d/%m/%Y', --date-format dd/mm/yyyy on the command "
            "line) or write it as YYYY-MM-DD"
        )
    raise ValueError(f"invalid date '{shown(s)}' (expected YYYY-MM-DD)")


def _spelled(fmt: str) -> str:
    for a, b in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY")):
        fmt = fmt.replace(a, b)
    return fmt


def meta(name: str, cell: object, qid: str, version: str) -> Fault | None:
    """The ``questionnaire`` or ``questionnaire_version`` cell: a fault when it names another
    questionnaire, or a version not compatible with ``version`` (same MAJOR.MINOR).
    """
    found = str(cell).strip()
    if name == "questionnaire" and found != qid:
        return Fault.of(
            "R009", detail=f"these answers are to questionnaire '{shown(found)}', not '{qid}'"
        )
    if name == "questionnaire_version" and found.split(".")[:2] != version.split(".")[:2]:
        return Fault.of(
            "R009",
            detail=f"these answers are to version {shown(found)} of '{qid}', but the "
            f"questionnaire is version {version} (answers are compatible only within the "
            "same MAJOR.MINOR)",
        )
    return None
