"""What every form export shares: which profile questions to ask, which values to compute,
and how special answers (N/A, "don't know") are asked for items whose answer is a number or
a text.

- Profile questions: the questionnaire's ``profile:`` fields, plus the fields its conditions
  need (``sector`` for ``section``/``division``; ``employees``, ``turnover`` and
  ``balance_sheet`` for ``size_class``), in our order.
- A ``number`` or ``text`` item that allows N/A or "don't know" gets a companion single choice
  named ``<item id>__special`` (:data:`SPECIAL_SUFFIX`) asked before it; the item itself is
  asked only while the companion is empty. Choice items list N/A and "don't know" among their
  options, with the codes ``n/a`` and ``dont_know``.
- Readers of the tools' exports (:mod:`maturity.io.kobo`, :mod:`maturity.io.surveyjs`) fold a
  companion back into its item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from maturity.io.logic import DERIVED_PROFILE
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire

__all__ = [
    "NACE_PATTERN",
    "NUTS_PATTERN",
    "SPECIAL_SUFFIX",
    "FormPlan",
    "plan_form",
    "specials_of",
]

#: The suffix of the companion question holding N/A / "don't know" for numbers and texts.
SPECIAL_SUFFIX = "__special"
#: What the sector question accepts: a NACE section letter, or a NACE/ATECO code.
NACE_PATTERN = r"^([A-U]|[0-9]{2}(\.[0-9]{1,2}(\.[0-9]{1,2})?)?)$"
#: What the region question accepts: a NUTS code.
NUTS_PATTERN = r"^[A-Z]{2}[0-9A-Z]{0,3}$"

_NEEDS = {
    "section": ("sector",),
    "division": ("sector",),
    "size_class": ("employees", "turnover", "balance_sheet"),
}


def specials_of(item: Item) -> tuple[str, ...]:
    """The special answers an item allows: ``n/a`` and/or ``dont_know``, in that order."""
    return tuple(c for c, ok in ((NA_CODE, item.na), (DONT_KNOW_CODE, item.dont_know)) if ok)


@dataclass(frozen=True)
class FormPlan:
    """The profile questions to ask, their required flags, and the values to compute."""

    profile: tuple[str, ...]
    required: frozenset[str]
    derived: tuple[str, ...]

    @staticmethod
    def companion(item: Item) -> bool:
        """Whether the item's special answers are asked in a companion question."""
        return item.kind in ("number", "text") and bool(specials_of(item))


def plan_form(q: Questionnaire) -> FormPlan:
    """The :class:`FormPlan` of a questionnaire."""
    used: set[str] = set()
    for item in q.items:
        if item.when is not None:
            used |= item.when.profile_refs
    for d in q.dimensions:
        if d.when is not None:
            used |= d.when.profile_refs
    wanted = set(q.profile_fields)
    for name in used:
        wanted |= set(_NEEDS.get(name, (name,)))
    derived = tuple(n for n in DERIVED_PROFILE if n in used)
    profile = tuple(n for n in PROFILE_FIELDS if n in wanted)
    required = frozenset(p.name for p in q.profile if p.required)
    return FormPlan(profile, required, derived)
