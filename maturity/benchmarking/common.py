"""Types, defaults and constants shared by the benchmarking modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from maturity.errors import MaturityError

__all__ = ["DEFAULT_BY", "DEFAULT_WIDEN", "BenchmarkError", "ProfileKeys", "ScoresLike"]


FloatArray: TypeAlias = npt.NDArray[np.float64]


IntArray: TypeAlias = npt.NDArray[np.int64]


BoolArray: TypeAlias = npt.NDArray[np.bool_]


ProfileKeys: TypeAlias = Mapping[str, tuple[npt.NDArray[np.integer[Any]], Sequence[str | None]]]
"""Profiles as arrays: field → ``(codes, categories)``.

``codes`` is an integer array with one entry per row, indexing ``categories`` (the distinct
values of the field, ``None`` for unknown); ``-1`` also means unknown. This is the factorised
form of a column (like a pandas ``Categorical``). :func:`profile_keys` builds it from
:class:`~maturity.responses.Profile` objects; large populations can build it directly.
"""


DEFAULT_BY: tuple[str, ...] = ("sector", "size_class", "region")
"""The profile fields that define a peer group by default."""


DEFAULT_WIDEN: tuple[str, ...] = (
    "region",  # NUTS-3 -> NUTS-2
    "region",  # NUTS-2 -> NUTS-1
    "region",  # NUTS-1 -> country
    "size_class",  # size class -> all sizes
    "sector",  # class -> group
    "sector",  # group -> division
    "sector",  # division -> section
    "region",  # country -> all regions
    "sector",  # section -> all sectors
)
"""The default widening order: one entry per step (see :func:`benchmark`)."""


# Depth of the most specific level of each field; depth 0 is "all".
_MAX_DEPTH = {"sector": 4, "region": 4, "size_class": 1}


_SECTOR_LEVELS: dict[int, tuple[str, str]] = {
    1: ("section", "sezione"),
    2: ("division", "divisione"),
    3: ("group", "gruppo"),
    4: ("class", "classe"),
}


_LEVEL_ALIASES: dict[str, dict[str, int]] = {
    "sector": {"all": 0, "section": 1, "division": 2, "group": 3, "class": 4},
    "region": {
        "all": 0,
        "country": 1,
        "nuts0": 1,
        "nuts1": 2,
        "nuts2": 3,
        "nuts3": 4,
    },
    "size_class": {"all": 0, "class": 1, "size_class": 1},
}


_SIZE_IT = {"micro": "micro", "small": "piccola", "medium": "media", "large": "grande"}


_QUANTILES: tuple[tuple[str, int], ...] = (("q1", 25), ("median", 50), ("q3", 75), ("p90", 90))


_STATS: tuple[str, ...] = ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z")


_BINCOUNT_LIMIT = 1 << 22


class BenchmarkError(MaturityError, ValueError):
    """Invalid input to :func:`benchmark` or :func:`aggregate_table`."""


class ScoresLike(Protocol):
    """What :func:`benchmark` needs of scores: a :class:`~maturity.scores.Scores` has it all.

    ``profiles`` (one :class:`~maturity.responses.Profile` per row) may be empty when the
    object has a ``profile_keys`` attribute (:data:`ProfileKeys`) instead; ``synthetic``
    (optional) marks a synthetic peer population.
    """

    @property
    def ids(self) -> Sequence[str]:
        """Row ids (companies)."""

    @property
    def nodes(self) -> Sequence[str]:
        """Node ids, the columns of ``score``."""

    @property
    def score(self) -> npt.NDArray[np.float64]:
        """Scores, rows × nodes, NaN where a node has no score."""

    @property
    def profiles(self) -> Sequence[Any]:
        """One profile per row (or empty, see ``profile_keys``)."""
