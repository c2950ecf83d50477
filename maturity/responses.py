"""Responses: companies' answers to a questionnaire, in memory.

:class:`Responses` keeps the answers losslessly (codes, numbers, free text, N/A and "don't
know" apart from missing) and gives the numeric matrix that scoring works on
(:meth:`Responses.matrix`). Reading and writing files is :mod:`maturity.io`'s job
(:func:`maturity.read_responses`, :func:`maturity.write_responses`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from maturity.errors import Problem
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS, Questionnaire

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DONT_KNOW",
    "ID_COLUMN",
    "META_COLUMNS",
    "NA",
    "Answer",
    "AnswerMatrix",
    "Marker",
    "Profile",
    "Respondent",
    "Responses",
    "condition_answers",
    "format_number",
]


class Marker:
    """The two special answers; compare with ``is``."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return "NA" if self.code == NA_CODE else "DONT_KNOW"

    def __reduce__(self) -> str:
        return repr(self)


#: The answer "not applicable".
NA = Marker(NA_CODE)
#: The answer "don't know".
DONT_KNOW = Marker(DONT_KNOW_CODE)

Answer = str | float | bool | frozenset[str] | Marker
#: The column of the respondent's id in every answers file.
ID_COLUMN = "respondent_id"
#: The columns that say which questionnaire (and version) a file answers.
META_COLUMNS = ("questionnaire", "questionnaire_version")


@dataclass(frozen=True, slots=True)
class Profile:
    """What is known of the respondent's company. ``size_class`` is derived (EU SME rule)."""

    company: str | None = None
    sector: str | None = None
    employees: int | None = None
    turnover: float | None = None
    balance_sheet: float | None = None
    region: str | None = None
    date: _dt.date | None = None

    @property
    def size_class(self) -> str | None:
        """``micro``, ``small``, ``medium`` or ``large`` (Recommendation 2003/361/EC)."""
        from maturity.classify import size_class

        return size_class(self.employees, self.turnover, self.balance_sheet)

    def for_conditions(self) -> dict[str, object]:
        """The names conditions can use (``profile.section``, ``profile.size_class``, ...)."""
        out: dict[str, object] = {
            "company": self.company,
            "sector": self.sector,
            "employees": self.employees,
            "turnover": self.turnover,
            "balance_sheet": self.balance_sheet,
            "region": self.region,
            "size_class": self.size_class,
            "section": None,
            "division": None,
        }
        if self.sector is not None:
            from maturity.classify import nace_ancestors

            chain = nace_ancestors(self.sector)
            out["section"] = chain[-1]
            out["division"] = chain[-2] if len(chain) > 1 else None
        return {k: v for k, v in out.items() if v is not None}

    def to_cells(self) -> dict[str, str]:
        """The profile as CSV cells (empty string for unknown)."""
        out = {}
        for name in PROFILE_FIELDS:
            v = getattr(self, name)
            out[name] = (
                ""
                if v is None
                else (
                    v.isoformat()
                    if isinstance(v, _dt.date)
                    else format_number(v)
                    if isinstance(v, float)
                    else str(v)
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class Respondent:
    """One respondent: an id, a profile and the answers given (missing answers are absent)."""

    id: str
    profile: Profile
    answers: Mapping[str, Answer]

    @property
    def company_id(self) -> str:
        """The company answered for: the profile's company, else the respondent's id. This is
        how ``score(..., by="company")`` groups respondents and names the rows.
        """
        return self.profile.company or self.id


@dataclass(frozen=True, slots=True)
class AnswerMatrix:
    """Answers as arrays for scoring: respondents × scored items.

    ``values`` holds each answer's value (NaN where there is none), ``na`` and
    ``dont_know`` mark those answers, ``applicable`` is False where an item's condition is
    false (the item was not asked). Missing = not NA, not "don't know", and NaN.
    """

    item_ids: tuple[str, ...]
    respondent_ids: tuple[str, ...]
    values: npt.NDArray[np.float64]
    na: npt.NDArray[np.bool_]
    dont_know: npt.NDArray[np.bool_]
    applicable: npt.NDArray[np.bool_]

    @property
    def missing(self) -> npt.NDArray[np.bool_]:
        """True where an applicable item has no answer at all."""
        import numpy as np

        return np.isnan(self.values) & ~self.na & ~self.dont_know & self.applicable


@dataclass(frozen=True)
class Responses:
    """The answers of several respondents to one questionnaire (a given version).

    ``skipped`` lists the problems of rows left out when reading with ``on_error="skip"``.
    """

    questionnaire: Questionnaire = field(compare=False, repr=False)
    respondents: tuple[Respondent, ...]
    questionnaire_id: str = ""
    questionnaire_version: str = ""
    file: str = field(default="<memory>", compare=False)
    skipped: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.questionnaire_id:
            object.__setattr__(self, "questionnaire_id", self.questionnaire.id)
        if not self.questionnaire_version:
            object.__setattr__(self, "questionnaire_version", self.questionnaire.version)

    def __len__(self) -> int:
        return len(self.respondents)

    def __iter__(self) -> Iterator[Respondent]:
        return iter(self.respondents)

    def __getitem__(self, respondent_id: str) -> Respondent:
        for r in self.respondents:
            if r.id == respondent_id:
                return r
        raise KeyError(respondent_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The respondent ids, in order."""
        return tuple(r.id for r in self.respondents)

    @property
    def company_ids(self) -> tuple[str, ...]:
        """Per respondent, the company it answers for (:attr:`Respondent.company_id`)."""
        return tuple(r.company_id for r in self.respondents)

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """Per respondent, its profile."""
        return tuple(r.profile for r in self.respondents)

    def __repr__(self) -> str:
        return (
            f"<Responses to {self.questionnaire_id}@{self.questionnaire_version}: "
            f"{len(self)} respondents"
            + (f", {len(self.skipped)} problems in skipped rows" if self.skipped else "")
            + ">"
        )

    @cached_property
    def _matrix(self) -> AnswerMatrix:
        import numpy as np

        q = self.questionnaire
        items = [i for i in q.items if i.scored]
        n, m = len(self.respondents), len(items)
        values = np.full((n, m), np.nan)
        na = np.zeros((n, m), dtype=bool)
        dk = np.zeros((n, m), dtype=bool)
        applicable = np.ones((n, m), dtype=bool)
        conds = [q.conditions_of(i.id) for i in items]
        for r, resp in enumerate(self.respondents):
            env = condition_answers(resp.answers)
            prof = resp.profile.for_conditions()
            for j, item in enumerate(items):
                if any(c.evaluate(env, prof) is False for c in conds[j]):
                    applicable[r, j] = False
                a = resp.answers.get(item.id)
                if a is None:
                    continue
                if a is NA:
                    na[r, j] = True
                elif a is DONT_KNOW:
                    dk[r, j] = True
                else:
                    values[r, j] = item.value_of(a)
        for arr in (values, na, dk, applicable):
            arr.setflags(write=False)
        return AnswerMatrix(tuple(i.id for i in items), self.ids, values, na, dk, applicable)

    def matrix(self) -> AnswerMatrix:
        """The numeric answer matrix (computed once)."""
        return self._matrix


def condition_answers(answers: Mapping[str, Answer]) -> dict[str, object]:
    """The answers a condition sees: N/A and "don't know" are no value."""
    return {k: v for k, v in answers.items() if not isinstance(v, Marker)}


def format_number(x: float) -> str:
    """A number as our files write it: an integer without ``.0``, else the shortest repr."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
