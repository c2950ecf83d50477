"""Responses: companies' answers to a questionnaire, in memory.

:class:`Responses` keeps the answers losslessly (codes, numbers, free text, N/A and "don't
know" apart from missing) and gives the numeric matrix that scoring works on
(:meth:`Responses.matrix`). Reading and writing files is :mod:`maturity.io`'s job
(:func:`maturity.read_responses`, :func:`maturity.write_responses`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS, Questionnaire

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.columnar import AnswerColumns

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
    "RowAnswers",
    "RowRespondent",
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


class RowRespondent(Respondent):
    """A :class:`~maturity.responses.Respondent` that reads its profile and answers from the
    columns when they are looked at, so that a million of them cost little until used. It is
    equal to the plain Respondent of the same id, profile and answers, pickles as one, and
    ``dataclasses.replace`` makes a plain one.
    """

    __slots__ = ("_cols", "_row")
    _cols: AnswerColumns
    _row: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        """Called with a respondent's fields (as ``dataclasses.replace`` does): a plain
        :class:`Respondent`.
        """
        return Respondent(*args, **kwargs)

    @classmethod
    def of(cls, rid: str, cols: AnswerColumns, row: int) -> RowRespondent:
        """Respondent ``row`` of ``cols`` (whose id is ``rid``)."""
        out: RowRespondent = object.__new__(cls)
        object.__setattr__(out, "id", rid)
        object.__setattr__(out, "_cols", cols)
        object.__setattr__(out, "_row", row)
        return out

    @property
    def profile(self) -> Profile:
        """The respondent's profile."""
        return self._cols.profile.profile_at(self._row)

    @property
    def answers(self) -> Mapping[str, Answer]:
        """The answers given (items without an answer are absent)."""
        return RowAnswers(self._cols, self._row)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Respondent):
            return NotImplemented
        return (self.id, self.profile, self.answers) == (other.id, other.profile, other.answers)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Respondent(id={self.id!r}, profile={self.profile!r}, answers={self.answers!r})"

    def __reduce__(self) -> tuple[Any, tuple[str, Profile, dict[str, Answer]]]:
        return (Respondent, (self.id, self.profile, dict(self.answers)))


class RowAnswers(Mapping[str, "Answer"]):
    """One respondent's answers, read from the columns when looked at: item id → answer, for
    the items answered (N/A and don't know included). Equal to the dict of the same answers;
    pickled as that dict.
    """

    __slots__ = ("_cols", "_dict", "_row")

    def __init__(self, cols: AnswerColumns, row: int) -> None:
        self._cols = cols
        self._row = row
        self._dict: dict[str, Answer] | None = None

    def _all(self) -> dict[str, Answer]:
        if self._dict is None:
            out: dict[str, Answer] = {}
            for key, col in self._cols.items.items():
                a = col.answer(self._row)
                if a is not None:
                    out[key] = a
            self._dict = out
        return self._dict

    def __getitem__(self, key: str) -> Answer:
        if self._dict is not None:
            return self._dict[key]
        col = self._cols.items.get(key)
        a = None if col is None else col.answer(self._row)
        if a is None:
            raise KeyError(key)
        return a

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._all() == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[dict[str, Answer]]]:
        return (dict, (self._all(),))


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


@dataclass(frozen=True, eq=False, repr=False)
class Responses:
    """The answers of several respondents to one questionnaire (a given version).

    Inside, answers are kept column by column (:class:`~maturity.columnar.AnswerColumns`: per
    item the options, numbers, chosen options or texts, N/A and "don't know"; the profile
    fields as arrays), so that a million respondents cost arrays, not a million objects.
    :attr:`respondents` (and iteration) give :class:`Respondent` objects, made on first use.

    ``skipped`` lists the problems of rows (or cells) left out when reading with
    ``on_error="skip"`` (or ``"skip_cells"``): the first 50, then one ``R013`` problem that
    counts the rest. ``warnings`` lists what was read but looks wrong, such as an item with no
    column in the file (``R014``).

    Built from a tuple of :class:`Respondent` (``Responses(questionnaire, respondents)``), or
    from columns by the readers.
    """

    questionnaire: Questionnaire
    respondents: tuple[Respondent, ...]
    questionnaire_id: str = ""
    questionnaire_version: str = ""
    file: str = "<memory>"
    skipped: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        if not self.questionnaire_id:
            object.__setattr__(self, "questionnaire_id", self.questionnaire.id)
        if not self.questionnaire_version:
            object.__setattr__(self, "questionnaire_version", self.questionnaire.version)
        object.__setattr__(self, "respondents", tuple(self.respondents))

    @classmethod
    def from_columns(
        cls,
        columns: AnswerColumns,
        *,
        questionnaire_id: str = "",
        questionnaire_version: str = "",
        file: str = "<memory>",
        skipped: Sequence[Problem] = (),
        warnings: Sequence[Problem] = (),
    ) -> Responses:
        """Responses holding ``columns`` (no :class:`Respondent` is made until asked for)."""
        out = object.__new__(cls)
        q = columns.questionnaire
        for name, value in (
            ("questionnaire", q),
            ("questionnaire_id", questionnaire_id or q.id),
            ("questionnaire_version", questionnaire_version or q.version),
            ("file", file),
            ("skipped", tuple(skipped)),
            ("warnings", tuple(warnings)),
        ):
            object.__setattr__(out, name, value)
        out.__dict__["columns"] = columns
        out.__dict__["_from_columns"] = True
        return out

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # a Responses built from columns makes its Respondent objects on first use
            if name == "respondents" and "columns" in self.__dict__:
                value = tuple(self.__dict__["columns"].respondents())
                self.__dict__["respondents"] = value
                return value
            raise AttributeError(name)

    @cached_property
    def columns(self) -> AnswerColumns:
        """The answers column by column (see :class:`~maturity.columnar.AnswerColumns`)."""
        from maturity.columnar import AnswerColumns

        return AnswerColumns.from_respondents(self.questionnaire, self.respondents)

    @classmethod
    def concat(cls, parts: Sequence[Responses], *, file: str | None = None) -> Responses:
        """The respondents of several :class:`Responses` to the same questionnaire, in order.

        ``skipped`` and ``warnings`` are kept; ``file`` names the whole (default: the parts'
        files joined by ``", "``).

        Raises:
            ValueError: no parts, or parts answering different questionnaires.
            ResponseError: a respondent id appears in two parts (``R008``).

        """
        from maturity.columnar import AnswerColumns
        from maturity.errors import ResponseError

        if not parts:
            raise ValueError("Responses.concat needs at least one part")
        first = parts[0]
        for p in parts[1:]:
            if p.questionnaire_id != first.questionnaire_id:
                raise ValueError(
                    f"cannot concatenate answers to '{p.questionnaire_id}' and "
                    f"'{first.questionnaire_id}'"
                )
        seen: dict[str, str] = {}
        for p in parts:
            for rid in dict.fromkeys(p.columns.ids.tolist()):
                if rid in seen:
                    raise ResponseError(
                        [
                            Problem.make(
                                "R008", file=p.file, path=ID_COLUMN, found=rid, first=seen[rid]
                            )
                        ]
                    )
                seen[rid] = p.file
        cols = AnswerColumns.concat(first.questionnaire, [p.columns for p in parts])
        return cls.from_columns(
            cols,
            questionnaire_id=first.questionnaire_id,
            questionnaire_version=first.questionnaire_version,
            file=file if file is not None else ", ".join(p.file for p in parts),
            skipped=[x for p in parts for x in p.skipped],
            warnings=[x for p in parts for x in p.warnings],
        )

    def take(self, rows: Sequence[int] | npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Responses:
        """The respondents at positions ``rows`` (indices, or a boolean mask), in that order."""
        import numpy as np

        index = np.asarray(rows)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return Responses.from_columns(
            self.columns.take(index.astype(np.intp, copy=False)),
            questionnaire_id=self.questionnaire_id,
            questionnaire_version=self.questionnaire_version,
            file=self.file,
            skipped=self.skipped,
            warnings=self.warnings,
        )

    def __len__(self) -> int:
        if "respondents" in self.__dict__:
            return len(self.respondents)
        return len(self.columns)

    def __iter__(self) -> Iterator[Respondent]:
        return iter(self.respondents)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Responses):
            return NotImplemented
        return (
            self.questionnaire_id == other.questionnaire_id
            and self.questionnaire_version == other.questionnaire_version
            and len(self) == len(other)
            and self.respondents == other.respondents
        )

    __hash__ = None  # type: ignore[assignment]

    @cached_property
    def _row_of(self) -> dict[str, int]:
        return {rid: r for r, rid in enumerate(self.ids)}

    def __getitem__(self, respondent_id: str) -> Respondent:
        row = self._row_of.get(respondent_id)
        if row is None:
            raise KeyError(respondent_id)
        if "respondents" in self.__dict__:
            return self.respondents[row]
        return self.columns.respondents([row])[0]

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """The respondent ids, in order."""
        if "respondents" in self.__dict__:
            return tuple(r.id for r in self.respondents)
        return tuple(self.columns.ids.tolist())

    @cached_property
    def company_ids(self) -> tuple[str, ...]:
        """Per respondent, the company it answers for (:attr:`Respondent.company_id`)."""
        if "respondents" in self.__dict__:
            return tuple(r.company_id for r in self.respondents)
        return tuple(self.columns.company_ids().tolist())

    def company_index(self) -> tuple[tuple[str, ...], npt.NDArray[np.intp]]:
        """The companies, in order of first appearance, and per respondent the position of its
        company among them (an integer array): what ``score(..., by="company")`` groups by.
        """
        import numpy as np

        names: dict[str, int] = {}
        index = np.fromiter(
            (names.setdefault(c, len(names)) for c in self.company_ids),
            dtype=np.intp,
            count=len(self),
        )
        return tuple(names), index

    @cached_property
    def profiles(self) -> Sequence[Profile]:
        """Per respondent, its profile: the respondents' own :class:`Profile` objects when the
        Responses was made from them, else a
        :class:`~maturity.profile_columns.ProfileList` that makes each profile from the columns
        when it is looked at.
        """
        if not self.__dict__.get("_from_columns"):
            return tuple(r.profile for r in self.respondents)
        return self.columns.profile_list()

    def profile_column(self, name: str) -> npt.NDArray[Any]:
        """One profile field for every respondent, as an array: float64 (NaN where unknown) for
        ``employees``, ``turnover`` and ``balance_sheet``; objects (``None`` where unknown) for
        ``company``, ``sector``, ``region`` and ``date``.

        Raises:
            KeyError: ``name`` is not a profile field.

        """
        return self.columns.profile[name]

    def __repr__(self) -> str:
        return (
            f"<Responses to {self.questionnaire_id}@{self.questionnaire_version}: "
            f"{len(self)} respondents"
            + (f", {len(self.skipped)} problems in skipped rows" if self.skipped else "")
            + ">"
        )

    @cached_property
    def _matrix(self) -> AnswerMatrix:
        return self.columns.matrix()

    def matrix(self) -> AnswerMatrix:
        """The numeric answer matrix (computed once, column by column)."""
        return self._matrix


def condition_answers(answers: Mapping[str, Answer]) -> dict[str, object]:
    """The answers a condition sees: N/A and "don't know" are no value."""
    return {k: v for k, v in answers.items() if not isinstance(v, Marker)}


def format_number(x: float) -> str:
    """A number as our files write it: an integer without ``.0``, else the shortest repr."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
