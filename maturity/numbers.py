"""One definition of how scores are compared, stored and shown.

- **Comparing.** Two scores closer than :data:`SCORE_TOLERANCE` (on the model's range) are
  equal: they tie in a percentile rank, meet a target or a level threshold together. The same
  value computed two ways (``7/12`` as a mean of twelve answers or of three means) differs in
  its last bits; a rank or a level must not depend on that. Every place that ranks, compares
  with a threshold or a target uses :func:`at_least` / :func:`ties` or this constant.
- **Storing.** Files keep full precision: :func:`shortest` writes a float as the shortest text
  that reads back as the same float (``repr``), so a score read back from a file equals the
  score in memory exactly.
- **Showing.** A displayed number is rounded *half away from zero* from the stored value
  (:func:`round_half_away`: 62.5 → 63, 1.75 → 1.8, -0.5 → -1), identically in the report, the
  CSV summaries and the terminal. Python's ``round`` and ``format`` round half to even on the
  binary value, which shows 62.5 as 62 and 1.75 as 1.8 but 1.65 as 1.6.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "SCORE_TOLERANCE",
    "at_least",
    "counted",
    "fixed",
    "percent",
    "round_half_away",
    "shortest",
    "ties",
]

#: Scores closer than this (on the model's range) are equal. Far below any displayed digit
#: (two decimals) and far above the rounding error of a weighted mean of a few hundred items.
SCORE_TOLERANCE = 1e-9


def at_least(score: float, threshold: float) -> bool:
    """``score >= threshold`` within :data:`SCORE_TOLERANCE` (NaN is never at least)."""
    return score >= threshold - SCORE_TOLERANCE


def ties(a: float, b: float) -> bool:
    """``a == b`` within :data:`SCORE_TOLERANCE`."""
    return abs(a - b) <= SCORE_TOLERANCE


def round_half_away(x: float, digits: int = 0) -> float:
    """``x`` rounded to ``digits`` decimals, halves away from zero, as a reader expects.

    The decimal text of ``x`` (its shortest repr) is rounded, not its binary value, so
    ``round_half_away(1.005, 2) == 1.01`` although the double nearest 1.005 is below it.
    NaN and infinities are returned unchanged.
    """
    if not math.isfinite(x):
        return x
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


def shortest(x: float) -> str:
    """The shortest text that reads back as the same float (``""`` for NaN)."""
    x = float(x)
    if math.isnan(x):
        return ""
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def fixed(x: float, digits: int = 2) -> str:
    """``x`` shown with ``digits`` decimals, rounded half away from zero (``"–"`` for NaN):
    what the terminal, notebooks and reports print (``fixed(1.125) == "1.13"``, where
    ``f"{1.125:.2f}"`` gives ``"1.12"``).
    """
    x = float(x)
    if math.isnan(x):
        return "–"
    return f"{round_half_away(x, digits):.{digits}f}"


def percent(share: float, digits: int = 0) -> str:
    """A share (0.625) shown as a percentage (``"63%"``), rounded half away from zero."""
    share = float(share)
    if math.isnan(share):
        return "–"
    return f"{round_half_away(100 * share, digits):.{digits}f}%"


def counted(n: float, one: str, many: str | None = None, *, spec: str = "") -> str:
    """A count and its noun, singular when the count shows as ``1`` (English; for messages and
    summaries): ``counted(1, "company")`` is ``"1 company"``, ``counted(3, "company")`` is
    ``"3 companies"``, ``counted(1.2, "week", spec=".0f")`` is ``"1 week"``.

    ``many`` is the plural when it is not ``one`` + ``s`` (or ``-y`` → ``-ies``).
    """
    if many is None:
        irregular = one.endswith("y") and one[-2:-1] not in tuple("aeiou")
        many = one[:-1] + "ies" if irregular else one + "s"
    shown = format(n, spec)
    return f"{shown} {one if shown in ('1', '1.0') else many}"
