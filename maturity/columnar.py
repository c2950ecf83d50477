"""Answers column by column: what :class:`~maturity.responses.Responses` keeps inside.

One :class:`ItemColumn` per item holds every respondent's answer to it losslessly: a state per
respondent (missing, answered, N/A, don't know) and, for answered cells, the option index
(``scale``, ``choice``, ``boolean``), the number, the chosen options (``multi``, a respondents ×
options boolean matrix) or the text; the profile fields are arrays too
(:class:`~maturity.profile_columns.ProfileColumns`).
:class:`AnswerColumns` puts them together with the respondent ids, evaluates the questionnaire's
conditions for all respondents at once and builds the answer matrix scoring works on, without
ever making one Python object per answer. Respondent objects are made only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from maturity.factorize import factor_numbers, factor_objects
from maturity.profile_columns import ProfileColumns, ProfileList
from maturity.questionnaire import PROFILE_FIELDS, Item, Questionnaire
from maturity.threads import each

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.conditions import Condition
    from maturity.responses import Answer, AnswerMatrix, Respondent

__all__ = [
    "ANSWERED",
    "DONT_KNOW_STATE",
    "MISSING",
    "NA_STATE",
    "AnswerColumns",
    "ItemColumn",
]

#: The state of a cell: no answer.
MISSING = 0
#: The state of a cell: an answer (an option, a number, a set of options, yes/no or a text).
ANSWERED = 1
#: The state of a cell: "not applicable".
NA_STATE = 2
#: The state of a cell: "don't know".
DONT_KNOW_STATE = 3

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
            return factor_numbers(np.where(seen, self.numbers, np.nan))
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
        return factor_objects(texts)


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

        each(block, range(0, n, MATRIX_BLOCK), name="maturity-matrix")
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
