"""Answers column by column: what :class:`~maturity.responses.Responses` keeps inside.

One :class:`ItemColumn` per item holds every respondent's answer to it losslessly: a state per
respondent (missing, answered, N/A, don't know) and, for answered cells, the option index
(``scale``, ``choice``, ``boolean``), the number, the chosen options (``multi``, a respondents ×
options boolean matrix) or the text. :class:`ProfileColumns` holds the profile fields as arrays.
:class:`AnswerColumns` puts them together with the respondent ids, evaluates the questionnaire's
conditions for all respondents at once and builds the answer matrix scoring works on, without
ever making one Python object per answer. Respondent objects are made only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from maturity.questionnaire import PROFILE_FIELDS, Item, Questionnaire

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.conditions import Condition
    from maturity.responses import Answer, AnswerMatrix, Profile, Respondent

__all__ = [
    "ANSWERED",
    "DONT_KNOW_STATE",
    "MISSING",
    "NA_STATE",
    "AnswerColumns",
    "ItemColumn",
    "ProfileColumns",
    "ProfileList",
    "factorize",
]

#: The state of a cell: no answer.
MISSING = 0
#: The state of a cell: an answer (an option, a number, a set of options, yes/no or a text).
ANSWERED = 1
#: The state of a cell: "not applicable".
NA_STATE = 2
#: The state of a cell: "don't know".
DONT_KNOW_STATE = 3

#: Profile fields kept as float64 (NaN where unknown); the others are object arrays.
NUMERIC_PROFILE = ("employees", "turnover", "balance_sheet")
#: Profile names conditions can use that are derived from other fields, and their sources.
_DERIVED = {
    "size_class": ("employees", "turnover", "balance_sheet"),
    "section": ("sector",),
    "division": ("sector",),
}


@dataclass(frozen=True, eq=False)
class ItemColumn:
    """One item's answers, one cell per respondent.

    ``state`` (int8) is :data:`MISSING`, :data:`ANSWERED`, :data:`NA_STATE` or
    :data:`DONT_KNOW_STATE`. Where a cell is answered, the payload of the item's kind holds it:
    ``codes`` (int16: the option's index for ``scale`` and ``choice``, 1 for yes and 0 for no for
    ``boolean``), ``numbers`` (float64), ``chosen`` (bool, respondents × options) or ``texts``
    (object array of ``str``). Payload cells of other states are meaningless.
    """

    item: Item
    state: npt.NDArray[np.int8]
    codes: npt.NDArray[np.int16] | None = None
    numbers: npt.NDArray[np.float64] | None = None
    chosen: npt.NDArray[np.bool_] | None = None
    texts: npt.NDArray[np.object_] | None = None

    def __len__(self) -> int:
        return int(self.state.shape[0])

    # -- building -----------------------------------------------------------------------
    @classmethod
    def empty(cls, item: Item, n: int) -> ItemColumn:
        """A column of ``n`` missing answers."""
        import numpy as np

        state = np.zeros(n, dtype=np.int8)
        kind = item.kind
        if kind in ("scale", "choice", "boolean"):
            return cls(item, state, codes=np.zeros(n, dtype=np.int16))
        if kind == "number":
            return cls(item, state, numbers=np.full(n, np.nan))
        if kind == "multi":
            return cls(item, state, chosen=np.zeros((n, len(item.options)), dtype=bool))
        return cls(item, state, texts=np.full(n, None, dtype=object))

    @classmethod
    def from_answers(cls, item: Item, answers: Sequence[Answer | None]) -> ItemColumn:
        """A column from answers as :class:`~maturity.responses.Respondent` holds them."""
        from maturity.responses import Marker

        col = cls.empty(item, len(answers))
        state = col.state
        index = {o.code: k for k, o in enumerate(item.options)}
        for r, a in enumerate(answers):
            if a is None:
                continue
            if isinstance(a, Marker):
                state[r] = NA_STATE if a.code == "n/a" else DONT_KNOW_STATE
                continue
            state[r] = ANSWERED
            if col.codes is not None:
                col.codes[r] = (1 if a else 0) if item.kind == "boolean" else index[str(a)]
            elif col.numbers is not None:
                col.numbers[r] = float(a)  # type: ignore[arg-type]
            elif col.chosen is not None:
                for code in a:  # type: ignore[union-attr]
                    col.chosen[r, index[code]] = True
            else:
                assert col.texts is not None
                col.texts[r] = a
        return col

    def take(self, rows: npt.NDArray[np.intp]) -> ItemColumn:
        """The cells of ``rows`` (an index array), in that order."""
        return ItemColumn(
            self.item,
            self.state[rows],
            None if self.codes is None else self.codes[rows],
            None if self.numbers is None else self.numbers[rows],
            None if self.chosen is None else self.chosen[rows],
            None if self.texts is None else self.texts[rows],
        )

    @classmethod
    def concat(cls, item: Item, parts: Sequence[ItemColumn]) -> ItemColumn:
        """The cells of ``parts``, one after the other."""
        import numpy as np

        if len(parts) == 1:
            return parts[0]

        def cat(name: str) -> Any:
            arrays = [getattr(p, name) for p in parts]
            return None if arrays[0] is None else np.concatenate(arrays)

        if not parts:
            return cls.empty(item, 0)
        return cls(item, cat("state"), cat("codes"), cat("numbers"), cat("chosen"), cat("texts"))

    def blank(self, rows: npt.NDArray[np.bool_]) -> ItemColumn:
        """The same column with the cells where ``rows`` is True made missing."""
        import numpy as np

        if not rows.any():
            return self
        state = np.where(rows, np.int8(MISSING), self.state).astype(np.int8)
        return ItemColumn(self.item, state, self.codes, self.numbers, self.chosen, self.texts)

    # -- reading ------------------------------------------------------------------------
    def answer(self, row: int) -> Answer | None:
        """The answer in row ``row`` (``None`` where missing), as Respondent holds it."""
        from maturity.responses import DONT_KNOW, NA

        s = int(self.state[row])
        if s == MISSING:
            return None
        if s == NA_STATE:
            return NA
        if s == DONT_KNOW_STATE:
            return DONT_KNOW
        item = self.item
        if self.codes is not None:
            k = int(self.codes[row])
            return bool(k) if item.kind == "boolean" else item.options[k].code
        if self.numbers is not None:
            return float(self.numbers[row])
        if self.chosen is not None:
            on = self.chosen[row].tolist()
            return frozenset(o.code for o, x in zip(item.options, on, strict=True) if x)
        assert self.texts is not None
        text: str = self.texts[row]
        return text

    def answers(self) -> list[Answer | None]:
        """Every cell as an answer (``None`` where missing), as Respondent holds them."""
        from maturity.responses import DONT_KNOW, NA

        item = self.item
        state = self.state.tolist()
        if self.codes is not None:
            codes = self.codes.tolist()
            if item.kind == "boolean":
                table: list[Any] = [False, True]
            else:
                table = [o.code for o in item.options]
            got: list[Any] = [
                table[c] if s == ANSWERED else None for s, c in zip(state, codes, strict=True)
            ]
        elif self.numbers is not None:
            got = [
                x if s == ANSWERED else None
                for s, x in zip(state, self.numbers.tolist(), strict=True)
            ]
        elif self.chosen is not None:
            codes_of = [o.code for o in item.options]
            cache: dict[bytes, frozenset[str]] = {}
            got = []
            for r, s in enumerate(state):
                if s != ANSWERED:
                    got.append(None)
                    continue
                key = self.chosen[r].tobytes()
                if key not in cache:
                    on = self.chosen[r].tolist()
                    cache[key] = frozenset(c for c, x in zip(codes_of, on, strict=True) if x)
                got.append(cache[key])
        else:
            assert self.texts is not None
            texts = self.texts.tolist()
            got = [t if s == ANSWERED else None for s, t in zip(state, texts, strict=True)]
        for r, s in enumerate(state):
            if s == NA_STATE:
                got[r] = NA
            elif s == DONT_KNOW_STATE:
                got[r] = DONT_KNOW
        return got

    def values(self, part: slice | None = None) -> npt.NDArray[np.float64]:
        """Each answer's value for scoring (NaN where there is none), as
        :meth:`~maturity.questionnaire.Item.value_of` gives it; of the rows in ``part`` only,
        if given.
        """
        import numpy as np

        item = self.item
        rows = slice(None) if part is None else part
        state = self.state[rows]
        answered = state == ANSWERED
        out = np.full(state.shape[0], np.nan)
        if self.codes is not None:
            if item.kind == "boolean":
                table = np.array([0.0, 1.0, np.nan])
            else:
                table = np.array([*(o.value for o in item.options), np.nan], dtype=np.float64)
            # one lookup: the option's value where answered, the NaN at the end elsewhere
            index = np.where(answered, self.codes[rows], table.size - 1)
            looked_up: npt.NDArray[np.float64] = table[index]
            return looked_up
        elif self.numbers is not None:
            if item.kind != "number" or not item.bands:
                raise ValueError(f"item '{item.id}' is not scored")
            bands = np.sort(np.asarray(item.bands, dtype=np.float64))
            x = self.numbers[rows][answered]
            if item.better == "higher":  # how many thresholds the answer reaches
                counts = np.searchsorted(bands, x, side="right")
            else:
                counts = bands.size - np.searchsorted(bands, x, side="left")
            out[answered] = counts.astype(np.float64)
        elif self.chosen is not None:
            # added in option order, as Item.value_of sums them
            chosen = self.chosen[rows]
            total = np.zeros(state.shape[0])
            for k, o in enumerate(item.options):
                total = total + np.where(chosen[:, k], o.value, 0.0)
            total = np.minimum(np.maximum(total, 0.0), item.points_cap)
            out[answered] = total[answered]
        else:
            raise ValueError(f"item '{item.id}' of kind {item.kind} is not scored")
        result: npt.NDArray[np.float64] = out
        return result

    def condition_values(self) -> list[object]:
        """Every cell as a condition sees it: the answer, or ``None`` (missing, N/A or don't
        know).
        """
        from maturity.responses import Marker

        return [None if isinstance(a, Marker) else a for a in self.answers()]

    def condition_key(self) -> tuple[npt.NDArray[np.int64], int]:
        """Per cell, a number that is equal for two cells only when a condition sees them as
        equal (cells a condition sees as equal mostly get equal numbers: ``-0.0`` and ``0.0``
        may not, which costs a second evaluation, not a wrong one), and how many different
        numbers there are.
        """
        import numpy as np

        seen = self.state == ANSWERED
        if self.codes is not None:
            card = 2 if self.item.kind == "boolean" else len(self.item.options)
            key = np.where(seen, self.codes.astype(np.int64) + 1, 0)
            return key, card + 1
        if self.numbers is not None:
            return _factor_numbers(np.where(seen, self.numbers, np.nan))
        if self.chosen is not None:
            k = self.chosen.shape[1]
            if k <= 62:
                weights = (np.int64(1) << np.arange(k, dtype=np.int64)).astype(np.int64)
                bits = self.chosen @ weights if k else 0
                raw = np.where(seen, bits + 1, 0)
                return _renumber(raw, (1 << k) + 1)
            rows = np.where(seen[:, None], self.chosen, False)
            _, raw = np.unique(
                np.concatenate([seen[:, None], rows], axis=1), axis=0, return_inverse=True
            )
            uniq, inv = np.unique(raw, return_inverse=True)
            return inv.astype(np.int64).reshape(-1), int(uniq.size)
        assert self.texts is not None
        texts = self.texts.copy()
        texts[~seen] = None
        return _factor_objects(texts)


def factorize(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Per cell, the position of its value among the distinct values of ``values``, numbered in
    order of first appearance (``None`` is a value like any other); and those values.

    Text (and ``None``) is encoded by pyarrow's hash table when pyarrow is installed; anything
    else by one dictionary pass.
    """
    import numpy as np

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    else:
        try:
            arr = pa.array(values, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # not all text: the dictionary pass below
        else:
            enc = pc.dictionary_encode(arr, null_encoding="encode")
            codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
            return codes, enc.dictionary.to_pylist()
    seen: dict[object, int] = {}
    numbers = (seen.setdefault(v, len(seen)) for v in values.tolist())
    key = np.fromiter(numbers, dtype=np.int64, count=len(values))
    return key, list(seen)


def _factor_objects(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.int64], int]:
    """Equal values get equal numbers (``None`` gets 0); also how many numbers there are."""
    import numpy as np

    codes, uniques = factorize(values)
    # renumber so that None is 0 (whether or not it occurs)
    lut = np.empty(len(uniques), dtype=np.int64)
    k = 1
    for u, v in enumerate(uniques):
        if v is None:
            lut[u] = 0
        else:
            lut[u] = k
            k += 1
    return lut[codes], k


def _factor_numbers(values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], int]:
    """Equal numbers get equal numbers (every NaN one of its own kind, ``-0.0`` maybe apart
    from ``0.0``: a condition evaluated twice for equal values costs only time); also how
    many numbers there are. A hash table (pyarrow) when installed, else a sort.
    """
    import numpy as np

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - depends on the environment
        uniq, inv = np.unique(values, return_inverse=True)
        return inv.astype(np.int64).reshape(-1), int(uniq.size)
    enc = pc.dictionary_encode(pa.array(values, type=pa.float64()), null_encoding="encode")
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, len(enc.dictionary)


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
            return _factor_numbers(arr)
        return _factor_objects(arr)


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


@dataclass(frozen=True, eq=False)
class AnswerColumns:
    """Every answer of several respondents to one questionnaire, column by column.

    ``ids`` is an object array of the respondent ids; ``items`` has a column for every item of
    the questionnaire (all missing where a file had no column for it). ``hidden`` may hold,
    per item with a condition, where the condition is false (computed once, when reading).
    """

    questionnaire: Questionnaire
    ids: npt.NDArray[np.object_]
    profile: ProfileColumns
    items: Mapping[str, ItemColumn]
    _truth: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def from_respondents(cls, q: Questionnaire, respondents: Sequence[Respondent]) -> AnswerColumns:
        """The columns of ``respondents``."""
        import numpy as np

        ids = np.empty(len(respondents), dtype=object)
        ids[:] = [r.id for r in respondents]
        profile = ProfileColumns.from_profiles([r.profile for r in respondents])
        items = {
            i.id: ItemColumn.from_answers(i, [r.answers.get(i.id) for r in respondents])
            for i in q.items
        }
        return cls(q, ids, profile, items)

    def take(self, rows: npt.NDArray[np.intp]) -> AnswerColumns:
        """The respondents of ``rows`` (an index array), in that order."""
        out = AnswerColumns(
            self.questionnaire,
            self.ids[rows],
            self.profile.take(rows),
            {k: c.take(rows) for k, c in self.items.items()},
        )
        for key, (value, known) in self._truth.items():
            out._truth[key] = (value[rows], known[rows])
        return out

    @classmethod
    def concat(cls, q: Questionnaire, parts: Sequence[AnswerColumns]) -> AnswerColumns:
        """The respondents of ``parts``, one part after the other."""
        import numpy as np

        if len(parts) == 1:
            return parts[0]
        out = AnswerColumns(
            q,
            np.concatenate([p.ids for p in parts]) if parts else np.empty(0, dtype=object),
            ProfileColumns.concat([p.profile for p in parts]),
            {i.id: ItemColumn.concat(i, [p.items[i.id] for p in parts]) for i in q.items},
        )
        keys = set.intersection(*(set(p._truth) for p in parts)) if parts else set()
        for key in keys:
            out._truth[key] = (
                np.concatenate([p._truth[key][0] for p in parts]),
                np.concatenate([p._truth[key][1] for p in parts]),
            )
        return out

    # -- respondents ----------------------------------------------------------------------
    def company_ids(self) -> npt.NDArray[np.object_]:
        """Per respondent, its company (the ``company`` profile field, else its own id)."""
        import numpy as np

        company = self.profile["company"]
        known = np.fromiter((bool(c) for c in company.tolist()), dtype=bool, count=len(self))
        out: npt.NDArray[np.object_] = np.where(known, company, self.ids)
        return out

    def profile_list(self) -> ProfileList:
        """Every respondent's :class:`~maturity.responses.Profile`, each made when looked at
        (:class:`ProfileList`).
        """
        return ProfileList(self.profile)

    def respondents(self, rows: Iterable[int] | None = None) -> list[Respondent]:
        """:class:`~maturity.responses.Respondent` objects (all, or those of ``rows``) that
        read their profile and answers from the columns when looked at
        (:class:`~maturity.responses.RowRespondent`).
        """
        from maturity.responses import RowRespondent

        ids = self.ids.tolist()
        picked = range(len(self)) if rows is None else list(rows)
        make = RowRespondent.of
        return [make(ids[r], self, r) for r in picked]

    # -- conditions -------------------------------------------------------------------------
    def truth(self, cond: Condition) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """``cond`` for every respondent: boolean arrays ``(value, known)`` as
        :meth:`~maturity.conditions.Condition.evaluate_batch` gives them.

        The condition is evaluated once per distinct combination of the values it uses (N/A
        and don't know are no value), so its cost is one pass of numpy over the columns plus
        one evaluation per combination.
        """
        key = cond.source
        if key not in self._truth:
            self._truth[key] = _evaluate(cond, self)
        value, known = self._truth[key]
        return value, known

    def hidden(self, item_id: str) -> npt.NDArray[np.bool_]:
        """Where a condition of the item (its own or a dimension's) is false."""
        import numpy as np

        out = np.zeros(len(self), dtype=bool)
        for cond in self.questionnaire.conditions_of(item_id):
            value, known = self.truth(cond)
            out |= known & ~value
        result: npt.NDArray[np.bool_] = out
        return result

    # -- the matrix -----------------------------------------------------------------------
    def matrix(self) -> AnswerMatrix:
        """The answer matrix of the scored items (respondents × items).

        Each of its four arrays is made once and written once: a block of
        :data:`MATRIX_BLOCK` rows at a time, column by column by lookups on the column's
        codes, the blocks shared among threads (numpy releases the GIL). Conditions are
        evaluated once per distinct combination of the values they use (:meth:`truth`).
        """
        import threading

        import numpy as np

        from maturity.responses import AnswerMatrix

        q = self.questionnaire
        items = [i for i in q.items if i.scored]
        n, m = len(self), len(items)
        fills = [_Values.of(self.items[i.id]) for i in items]
        hidden = {j: self.hidden(i.id) for j, i in enumerate(items) if q.conditions_of(i.id)}
        values = np.empty((n, m))
        na = np.empty((n, m), dtype=bool)
        dk = np.empty((n, m), dtype=bool)
        applicable = np.empty((n, m), dtype=bool)

        local = threading.local()

        def block(a: int) -> None:
            rows = slice(a, min(n, a + MATRIX_BLOCK))
            # the block's states side by side (a buffer per thread), then N/A and don't know
            # in one pass each, instead of two writes across the rows per column
            buf = getattr(local, "states", None)
            if buf is None:
                buf = local.states = np.empty((MATRIX_BLOCK, m), dtype=np.int8)
            states = buf[: rows.stop - rows.start]
            for j, fill in enumerate(fills):
                state = fill.column.state[rows]
                states[:, j] = state
                fill.write(values[rows, j], state, rows)
            np.equal(states, NA_STATE, out=na[rows])
            np.equal(states, DONT_KNOW_STATE, out=dk[rows])
            applicable[rows] = True
            for j, off in hidden.items():
                np.logical_not(off[rows], out=applicable[rows, j])

        _in_threads(block, range(0, n, MATRIX_BLOCK))
        for arr in (values, na, dk, applicable):
            arr.setflags(write=False)
        return AnswerMatrix(
            tuple(i.id for i in items), tuple(self.ids.tolist()), values, na, dk, applicable
        )


#: Rows of the answer matrix written at a time (see :meth:`AnswerColumns.matrix`). Each block
#: costs a few numpy calls per column (and hand-overs of the GIL between threads): with 100
#: items, blocks of 32,768 rows write a million rows in about 3/4 of the time blocks of 8,192
#: take, although the block no longer fits in the cache.
MATRIX_BLOCK = 32768
#: A multiple choice of up to this many options is valued by one lookup per row.
_MULTI_LOOKUP = 10
#: A number item with up to this many bands is banded by one comparison per band.
_FEW_BANDS = 16


def _in_threads(work: Any, starts: range) -> None:
    """``work(start)`` for every start, on a thread per CPU when there are several."""
    import os

    workers = min(os.cpu_count() or 1, len(starts))
    if workers <= 1:
        for a in starts:
            work(a)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="maturity-matrix") as pool:
        for _ in pool.map(work, starts):
            pass


@dataclass(frozen=True, eq=False)
class _Values:
    """How one column's values are written into the answer matrix: a lookup table over the
    column's codes (options, the bands a number reaches, the options chosen), NaN where no
    answer counts. The values are those of :meth:`ItemColumn.values`, bit for bit.
    """

    column: ItemColumn
    table: Any = None
    bands: Any = None
    weights: Any = None

    @classmethod
    def of(cls, column: ItemColumn) -> _Values:
        import numpy as np

        item = column.item
        if column.codes is not None:
            if item.kind == "boolean":
                table = np.array([0.0, 1.0, np.nan])
            else:
                table = np.array([*(o.value for o in item.options), np.nan], dtype=np.float64)
            return cls(column, table=table)
        if column.numbers is not None:
            if item.kind != "number" or not item.bands:
                raise ValueError(f"item '{item.id}' is not scored")
            return cls(column, bands=np.sort(np.asarray(item.bands, dtype=np.float64)))
        if column.chosen is not None:
            k = len(item.options)
            if k > _MULTI_LOOKUP:
                return cls(column)
            # the value of every set of chosen options (bit i: option i), summed in option
            # order and capped as ItemColumn.values does
            table = np.empty(1 << k)
            cap = item.points_cap
            for bits in range(1 << k):
                total = 0.0
                for i, o in enumerate(item.options):
                    total = total + (o.value if bits >> i & 1 else 0.0)
                table[bits] = min(max(total, 0.0), cap)
            return cls(column, table=table, weights=1 << np.arange(k, dtype=np.int64))
        raise ValueError(f"item '{item.id}' of kind {item.kind} is not scored")

    def write(self, out: Any, state: Any, rows: slice) -> None:
        """Write the values of ``rows`` (whose states are ``state``) into ``out``."""
        import numpy as np

        col = self.column
        answered = state == ANSWERED
        if col.codes is not None:
            index = np.where(answered, col.codes[rows], self.table.size - 1)
            np.take(self.table, index, out=out, mode="clip")
            return
        if col.numbers is not None:
            bands = self.bands
            x = col.numbers[rows]
            higher = col.item.better == "higher"
            if bands.size <= _FEW_BANDS:
                # how many thresholds the answer reaches: a compare per band, without the
                # branches of a binary search
                counts: Any = np.zeros(x.shape[0], dtype=np.int16)
                reach = np.greater_equal if higher else np.less_equal
                for b in bands.tolist():
                    counts += reach(x, b)
            elif higher:
                counts = np.searchsorted(bands, x, side="right")
            else:
                counts = bands.size - np.searchsorted(bands, x, side="left")
            np.copyto(out, counts, casting="unsafe")
        elif self.table is not None:
            assert col.chosen is not None
            bits = col.chosen[rows] @ self.weights
            np.take(self.table, bits, out=out, mode="clip")
        else:
            out[...] = col.values(rows)
            return
        np.copyto(out, np.nan, where=~answered)


def _combine(keys: Sequence[tuple[Any, int]], n: int) -> tuple[Any, Any]:
    """Group rows by the tuple of their keys: (a row of each group, group of each row).

    Rows of one group have equal keys, so any of them stands for the group. When the
    combinations could be numbered densely (no more of them than a few times the rows), a
    group is found by a lookup in a table of every combination; else by a sort.
    """
    import numpy as np

    acc = np.zeros(n, dtype=np.int64)
    card = 1
    for key, k in keys:
        if card * k >= 2**62:  # renumber densely before the product could overflow
            uniq, acc = np.unique(acc, return_inverse=True)
            acc = acc.reshape(-1).astype(np.int64)
            card = int(uniq.size)
        acc = acc * k + key
        card *= k
    if card <= max(4 * n, 1 << 16):
        inverse, k = _renumber(acc, card)
        rows = np.empty(k, dtype=np.intp)
        rows[inverse] = np.arange(n, dtype=np.intp)  # some row of each group
        return rows, inverse
    _, first, inverse = np.unique(acc, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _renumber(raw: Any, bound: int) -> tuple[Any, int]:
    """``raw`` (integers in ``[0, bound)``) numbered densely in increasing order, and how many
    numbers there are; by a table of ``bound`` entries when that is not much bigger than
    ``raw``, else by a sort.
    """
    import numpy as np

    n = int(raw.shape[0])
    if bound > max(4 * n, 1 << 16):
        uniq, inv = np.unique(raw, return_inverse=True)
        return inv.astype(np.int64).reshape(-1), int(uniq.size)
    used = np.zeros(bound, dtype=bool)
    used[raw] = True
    number = np.cumsum(used, dtype=np.int64) - 1
    return number[raw], int(number[-1]) + 1 if bound else 0


def _evaluate(cond: Condition, cols: AnswerColumns) -> tuple[Any, Any]:
    import numpy as np

    n = len(cols)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    keys: list[tuple[Any, int]] = []
    answer_names = sorted(cond.answer_refs & set(cols.items))
    for name in answer_names:
        keys.append(cols.items[name].condition_key())
    base: list[str] = []
    for name in sorted(cond.profile_refs):
        for b in _DERIVED.get(name, (name,)):
            if b in PROFILE_FIELDS and b not in base:
                base.append(b)
    for b in base:
        keys.append(cols.profile.condition_key(b))
    first, inverse = _combine(keys, n)
    k = int(first.size)
    answers: dict[str, Any] = {}
    for name in answer_names:
        column = cols.items[name].take(first)
        answers[name] = column.condition_values()
    profile: dict[str, list[object]] = {}
    if cond.profile_refs:
        envs = [p.for_conditions() for p in cols.profile.profiles(first.tolist())]
        for name in cond.profile_refs:
            profile[name] = [e.get(name) for e in envs]
    value, known = cond.evaluate_batch(answers, profile, k)
    return value[inverse], known[inverse]
