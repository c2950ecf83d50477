"""Respondents of one company made into one row: answers, spread and profile.

Everything here is linear in the number of respondents: companies are numbered in order of
first appearance (one dictionary pass), respondents are sorted by company once, and companies
with the same number of respondents are combined together as one ``(companies, size, items)``
block with numpy's reductions (``nanmean``, ``nanmedian``, ``nanmax``, ``any`` along the
respondent axis), so no Python code runs per company except to merge the profiles of
companies with several respondents.

Rules (stated in ``docs/methodology.md``):

- answers, item by item: the mean (or median) of the values given; "don't know" if nobody gave
  a value but someone said so; not applicable if nobody gave a value or "don't know" but
  someone said N/A; applicable if the item applies to any respondent;
- spread, node by node: the highest minus the lowest respondent score (NaN if none has one);
- profile: the company's assessment date is the latest of its respondents'; every other field
  is the value of the latest respondent who gave one (latest by date, respondents without a
  date counting as oldest, then by position in the answers); two respondents giving different
  values is a warning naming them and the value kept.
"""

from __future__ import annotations

import datetime as _dt
import warnings as _warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.errors import Problem
    from maturity.responses import AnswerMatrix, Profile

__all__ = ["Companies", "combine_answers", "group", "merge_profiles", "spread"]

_FIELDS = ("sector", "employees", "turnover", "balance_sheet", "region")


@dataclass(frozen=True, slots=True)
class Companies:
    """Respondents grouped by company.

    ``groups[i]`` is the company of respondent ``i`` (companies numbered ``0..g-1`` in order of
    first appearance, named ``names``); ``order`` lists the respondents sorted by company
    (stable), ``starts[c]:starts[c+1]`` the slice of ``order`` of company ``c``; ``counts`` the
    respondents per company.
    """

    names: tuple[str, ...]
    groups: npt.NDArray[np.intp]
    order: npt.NDArray[np.intp]
    starts: npt.NDArray[np.intp]
    counts: npt.NDArray[np.int64]

    @property
    def trivial(self) -> bool:
        """Every respondent is a company of its own, in the same order."""
        return len(self.names) == len(self.groups)

    def blocks(self) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        """``(companies, rows)`` per distinct size s: the companies with s respondents and
        their respondents' rows, shape (companies, s).
        """
        import numpy as np

        by_size = np.argsort(self.counts, kind="stable")
        sizes = self.counts[by_size]
        cuts = np.flatnonzero(np.diff(sizes)) + 1
        for part in np.split(by_size, cuts):
            if part.size == 0:
                continue
            s = int(self.counts[part[0]])
            rows = self.order[self.starts[part][:, None] + np.arange(s)]
            yield part, rows


def group(company_ids: Sequence[str] | Any) -> Companies:
    """Number the companies of ``company_ids`` (one per respondent) in order of first
    appearance and sort the respondents by company. Linear (one dictionary pass) plus one
    stable integer sort.
    """
    import numpy as np

    index: dict[str, int] = {}
    n = len(company_ids)
    groups = np.fromiter(
        (index.setdefault(str(key), len(index)) for key in company_ids), dtype=np.intp, count=n
    )
    g = len(index)
    counts = np.bincount(groups, minlength=g).astype(np.int64)
    starts = np.zeros(g + 1, dtype=np.intp)
    np.cumsum(counts, out=starts[1:])
    order = np.arange(n, dtype=np.intp) if g == n else np.argsort(groups, kind="stable")
    return Companies(tuple(index), groups, order.astype(np.intp), starts, counts)


def from_groups(groups: npt.NDArray[np.intp], n_groups: int) -> Companies:
    """Respondents already numbered by company (``groups[i]`` in ``0..n_groups-1``); the
    companies keep those numbers (named ``"0"``, ``"1"``, ...).
    """
    import numpy as np

    groups = np.asarray(groups, dtype=np.intp)
    counts = np.bincount(groups, minlength=n_groups).astype(np.int64)
    starts = np.zeros(n_groups + 1, dtype=np.intp)
    np.cumsum(counts, out=starts[1:])
    order = np.argsort(groups, kind="stable").astype(np.intp)
    return Companies(tuple(str(i) for i in range(n_groups)), groups, order, starts, counts)


def combine_answers(
    mat: AnswerMatrix, companies: Companies, how: Literal["mean", "median"]
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]
]:
    """The combined answers, one row per company: ``(values, na, dont_know, applicable)``."""
    import numpy as np

    g, m = len(companies.names), mat.values.shape[1]
    values = np.empty((g, m))
    na = np.empty((g, m), dtype=bool)
    dk = np.empty((g, m), dtype=bool)
    app = np.empty((g, m), dtype=bool)
    for part, rows in companies.blocks():
        if rows.shape[1] == 1:
            r = rows[:, 0]
            v = mat.values[r]
            blank = np.isnan(v)
            values[part] = v
            dk[part] = blank & mat.dont_know[r]
            na[part] = blank & ~dk[part] & mat.na[r]
            app[part] = mat.applicable[r]
            continue
        v = mat.values[rows]  # companies × respondents × items
        none = np.isnan(v).all(axis=1)
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
            agg = np.nanmean(v, axis=1) if how == "mean" else np.nanmedian(v, axis=1)
        values[part] = np.where(none, np.nan, agg)
        d = none & mat.dont_know[rows].any(axis=1)
        dk[part] = d
        na[part] = none & ~d & mat.na[rows].any(axis=1)
        app[part] = mat.applicable[rows].any(axis=1)
    return values, na, dk, app


def spread(scores: npt.NDArray[np.float64], companies: Companies) -> npt.NDArray[np.float64]:
    """Per company and node, the highest minus the lowest respondent score (NaN if none)."""
    import numpy as np

    g, k = len(companies.names), scores.shape[1]
    out = np.empty((g, k))
    for part, rows in companies.blocks():
        if rows.shape[1] == 1:
            s = scores[rows[:, 0]]
            out[part] = s - s  # 0, NaN where there is no score
            continue
        s = scores[rows]
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)
            out[part] = np.nanmax(s, axis=1) - np.nanmin(s, axis=1)
    return out


def _show(value: object) -> str:
    if isinstance(value, float):
        from maturity.numbers import shortest

        return shortest(value)
    return str(value)


def merge_profiles(
    profiles: Sequence[Profile],
    respondent_ids: Sequence[str],
    companies: Companies,
    *,
    file: str = "<memory>",
) -> tuple[tuple[Profile, ...], tuple[Problem, ...]]:
    """One profile per company and the warnings about conflicting fields.

    The company's ``date`` is the latest of its respondents'; every other field is the value
    of the latest respondent who gave one (by date, undated respondents oldest, then by
    position). Different values of one field among a company's respondents give a warning
    (code R040) naming the company, the respondents with their values, and the value kept.
    """
    import numpy as np

    from maturity.errors import Problem
    from maturity.responses import Profile

    out: list[Profile] = [profiles[i] for i in companies.order[companies.starts[:-1]]]
    problems: list[Problem] = []
    for c in np.flatnonzero(companies.counts > 1).tolist():
        rows = companies.order[companies.starts[c] : companies.starts[c + 1]].tolist()
        # oldest first: undated respondents first, then by date, ties by position
        rows.sort(key=lambda i: (profiles[i].date or _dt.date.min, i))
        dates = [profiles[i].date for i in rows if profiles[i].date is not None]
        merged: dict[str, Any] = {"company": profiles[rows[0]].company}
        for name in _FIELDS:
            given = [(i, getattr(profiles[i], name)) for i in rows]
            given = [(i, v) for i, v in given if v is not None]
            merged[name] = given[-1][1] if given else None
            if len({v for _, v in given}) > 1:
                who = ", ".join(f"{respondent_ids[i]}: {_show(v)}" for i, v in given)
                keep_i, keep_v = given[-1]
                problems.append(
                    Problem.make(
                        "R040",
                        file=file,
                        path=name,
                        severity="warning",
                        company=companies.names[c],
                        field=name,
                        values=who,
                        kept=_show(keep_v),
                        respondent=respondent_ids[keep_i],
                    )
                )
        merged["date"] = max(dates) if dates else None
        out[c] = Profile(**merged)
    return tuple(out), tuple(problems)
