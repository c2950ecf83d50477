"""The profile fields of many respondents as arrays (:class:`ProfileColumns`), and the
:class:`~maturity.responses.Profile` objects made from them only when asked for
(:class:`ProfileList`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from maturity.factorize import factor_numbers, factor_objects, factorize
from maturity.questionnaire import PROFILE_FIELDS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.responses import Profile

__all__ = ["NUMERIC_PROFILE", "ProfileColumns", "ProfileList"]

#: Profile fields kept as float64 (NaN where unknown); the others are object arrays.
NUMERIC_PROFILE = ("employees", "turnover", "balance_sheet")


@dataclass(frozen=True, eq=False)
class ProfileColumns:
    """The profile fields of every respondent, one array per field.

    ``employees``, ``turnover`` and ``balance_sheet`` are float64 (NaN where unknown);
    ``company``, ``sector``, ``region`` (``str``) and ``date`` (:class:`datetime.date`) are
    object arrays with ``None`` where unknown.
    """

    fields: Mapping[str, npt.NDArray[Any]]

    def __len__(self) -> int:
        return int(next(iter(self.fields.values())).shape[0])

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.fields[name]

    @classmethod
    def empty(cls, n: int) -> ProfileColumns:
        """``n`` respondents of whom nothing is known."""
        import numpy as np

        return cls(
            {
                name: np.full(n, np.nan) if name in NUMERIC_PROFILE else np.full(n, None, object)
                for name in PROFILE_FIELDS
            }
        )

    @classmethod
    def from_profiles(cls, profiles: Sequence[Profile]) -> ProfileColumns:
        """The columns of ``profiles``."""
        import numpy as np

        out: dict[str, Any] = {}
        n = len(profiles)
        for name in PROFILE_FIELDS:
            values = [getattr(p, name) for p in profiles]
            if name in NUMERIC_PROFILE:
                out[name] = np.fromiter(
                    (np.nan if v is None else float(v) for v in values), np.float64, count=n
                )
            else:
                arr = np.empty(n, dtype=object)
                arr[:] = values
                out[name] = arr
        return cls(out)

    def take(self, rows: npt.NDArray[np.intp]) -> ProfileColumns:
        """The profiles of ``rows``, in that order."""
        return ProfileColumns({k: v[rows] for k, v in self.fields.items()})

    @classmethod
    def concat(cls, parts: Sequence[ProfileColumns]) -> ProfileColumns:
        """The profiles of ``parts``, one after the other."""
        import numpy as np

        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.empty(0)
        return cls({k: np.concatenate([p.fields[k] for p in parts]) for k in PROFILE_FIELDS})

    def profiles(self, rows: Iterable[int] | None = None) -> list[Profile]:
        """The :class:`~maturity.responses.Profile` of every respondent (or of ``rows``)."""
        import numpy as np

        from maturity.responses import Profile

        cols: list[list[Any]] = []
        pick = None if rows is None else np.fromiter(rows, dtype=np.intp)
        for name in PROFILE_FIELDS:
            arr = self.fields[name] if pick is None else self.fields[name][pick]
            if name == "employees":
                cols.append([None if x != x else int(x) for x in arr.tolist()])
            elif name in NUMERIC_PROFILE:
                cols.append([None if x != x else x for x in arr.tolist()])
            else:
                cols.append(arr.tolist())
        return [Profile(*values) for values in zip(*cols, strict=True)]

    def profile_at(self, row: int) -> Profile:
        """The :class:`~maturity.responses.Profile` of respondent ``row``."""
        from maturity.responses import Profile

        values: list[Any] = []
        for name in PROFILE_FIELDS:
            x = self.fields[name][row]
            if name in NUMERIC_PROFILE:
                x = float(x)
                x = None if x != x else int(x) if name == "employees" else x
            values.append(x)
        return Profile(*values)

    def keys(self, name: str) -> tuple[npt.NDArray[np.int64], tuple[str | None, ...]]:
        """Field ``name`` (a text field, or ``size_class``) factorised as benchmarking's
        :func:`~maturity.benchmarking.profile_keys` gives it from the profiles: per respondent
        a code, and the distinct values in order of first appearance (``None`` for unknown,
        as an empty text is).

        Raises:
            KeyError: ``name`` is not a text profile field nor ``size_class``.

        """
        import numpy as np

        if name == "size_class":
            from maturity.classify import size_class_array

            values = size_class_array(
                self.fields["employees"], self.fields["turnover"], self.fields["balance_sheet"]
            )
        elif name in PROFILE_FIELDS and name not in NUMERIC_PROFILE and name != "date":
            values = self.fields[name]
        else:
            raise KeyError(name)
        raw, uniques = factorize(values)
        # an empty text is unknown, like None: merged, numbered by first appearance
        cats: dict[str | None, int] = {}
        lut = np.fromiter(
            (cats.setdefault(v or None, len(cats)) for v in uniques), np.int64, len(uniques)
        )
        return lut[raw], tuple(cats)

    def condition_key(self, name: str) -> tuple[npt.NDArray[np.int64], int]:
        """Per respondent, a number equal for equal values of profile field ``name``."""
        arr = self.fields[name]
        if name in NUMERIC_PROFILE:
            return factor_numbers(arr)
        return factor_objects(arr)


class ProfileList(Sequence["Profile"]):
    """Every respondent's :class:`~maturity.responses.Profile`, made from
    :class:`ProfileColumns` when looked at, so that a million respondents cost their columns
    and not a million objects: ``profiles[i]`` makes one profile, iteration makes them a
    block at a time, a slice is another ProfileList. Equal to any sequence of the same
    profiles (a tuple, say); pickled as its columns.

    :attr:`profile_keys` gives benchmarking the peer-group fields factorised straight from the
    columns (see :meth:`ProfileColumns.keys`).
    """

    __slots__ = ("_keys", "columns")

    #: Profiles made at a time when iterating.
    BLOCK = 65536

    def __init__(self, columns: ProfileColumns) -> None:
        self.columns = columns
        self._keys: _ProfileKeys | None = None

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, index: int) -> Profile: ...

    @overload
    def __getitem__(self, index: slice) -> ProfileList: ...

    def __getitem__(self, index: int | slice) -> Profile | ProfileList:
        import operator

        import numpy as np

        n = len(self)
        if isinstance(index, slice):
            return ProfileList(self.columns.take(np.arange(n, dtype=np.intp)[index]))
        i = operator.index(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("profile index out of range")
        return self.columns.profile_at(i)

    def __iter__(self) -> Iterator[Profile]:
        n, step = len(self), self.BLOCK
        for start in range(0, n, step):
            yield from self.columns.profiles(range(start, min(n, start + step)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if len(self) <= 5:
            return f"ProfileList({list(self)!r})"
        return f"<ProfileList of {len(self)} profiles>"

    def __reduce__(self) -> tuple[type, tuple[ProfileColumns]]:
        return (ProfileList, (self.columns,))

    @property
    def profile_keys(self) -> Mapping[str, tuple[Any, tuple[str | None, ...]]]:
        """The peer-group fields (``sector``, ``region``, ``size_class``, and ``company``)
        factorised from the columns, each computed when first asked for.
        """
        if self._keys is None:
            self._keys = _ProfileKeys(self.columns)
        return self._keys


class _ProfileKeys(Mapping[str, tuple[Any, tuple[str | None, ...]]]):
    """Field → ``(codes, categories)`` (:meth:`ProfileColumns.keys`), computed once per field
    when asked for.
    """

    FIELDS = ("sector", "region", "size_class", "company")

    def __init__(self, columns: ProfileColumns) -> None:
        self._columns = columns
        self._got: dict[str, tuple[Any, tuple[str | None, ...]]] = {}

    def __getitem__(self, name: str) -> tuple[Any, tuple[str | None, ...]]:
        if name not in self.FIELDS:
            raise KeyError(name)
        if name not in self._got:
            self._got[name] = self._columns.keys(name)
        return self._got[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.FIELDS)

    def __len__(self) -> int:
        return len(self.FIELDS)
