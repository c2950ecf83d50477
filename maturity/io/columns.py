"""Reading one column of an answers table, batch after batch, by its distinct values.

A :class:`ColumnReader` turns the cells of one column (a Python list, a numpy array or an
Arrow array, as a :class:`~maturity.io.table.RawTable` holds them) into arrays: it finds the
distinct values of a batch (Arrow's ``dictionary_encode`` or a dict), applies the cell rule of
:mod:`maturity.io.cells` once per distinct value (remembered across batches), and maps the
outcomes onto the rows with numpy. Columns whose values are mostly distinct (ids, names, free
text, numbers) have vectorised paths that send only the unusual cells to the rule. Faulty
cells are kept as (row, fault) pairs; nothing is made per row in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from maturity.io import cells as C
from maturity.questionnaire import Item

__all__ = ["ColumnReader", "is_arrow", "read_by_values", "reader_for"]

Outcome = tuple[int, Any, "C.Fault | None"]
#: A batch with more distinct values than this goes the vectorised way where there is one.
_MANY = 64
# a cell that trimming, the formula guard or an empty test could change starts or ends with
# something other than printable ASCII, or starts with the guard's quote
_ODD_ENDS = r"^[^!-~]|[^!-~]$|^'|^$"
_BLANKISH = r"^[^!-~]*$"
_MARKER = r"^[^!-~]*(n/a|dont_know)[^!-~]*$"


def read_by_values(name: str, item: Item | None) -> bool:
    """Whether the text cells of column ``name`` (an item's column when ``item`` is given) are
    read by their distinct values, each judged once (option codes, numbers written as text,
    profile fields, the questionnaire's id), rather than one by one (respondent ids, company
    names, the answers of a text item: nearly every cell differs).
    """
    from maturity.responses import ID_COLUMN

    if item is not None:
        return item.kind != "text"
    return name not in (ID_COLUMN, "company")


def is_arrow(cells: object) -> bool:
    """Whether ``cells`` is an Arrow array or chunked array."""
    return type(cells).__module__.startswith("pyarrow")


class ColumnReader:
    """The cells of one column, read batch by batch.

    ``kind`` says what the column holds: ``"id"``, ``"meta"``, a profile field's name
    (``"profile"``) or an item (``"item"``). After every batch has been added, ``state``,
    ``payload`` and the faults (``fault_rows``, ``fault_ids`` into ``faults``) describe the
    whole column.
    """

    def __init__(
        self,
        name: str,
        role: str,
        rule: Callable[[object], Outcome],
        *,
        item: Item | None = None,
        guarded: bool = False,
        capacity: int = 0,
    ) -> None:
        self.name = name
        self.role = role  # "coded", "number", "multi", "text", "id", "float", "object", "meta"
        self.rule = rule
        self.item = item
        self.guarded = guarded
        self.memo: dict[Any, Outcome] = {}
        self.faults: list[C.Fault] = []
        self._fault_index: dict[C.Fault, int] = {}
        # the whole column, written batch after batch into arrays made once: at least as long
        # as the table can be (pages never written cost no memory), longer when it must grow
        self.capacity = capacity
        self.state: Any = None
        self.payload: Any = None
        self.fault_rows: list[Any] = []
        self.fault_ids: list[Any] = []
        self.n = 0

    # -- outcomes ---------------------------------------------------------------------------
    def outcome(self, value: object) -> Outcome:
        """What the rule makes of ``value`` (asked once per distinct value)."""
        key = _key(value)
        got = self.memo.get(key)
        if got is None:
            got = self.rule(value)
            if len(self.memo) < 1_000_000:
                self.memo[key] = got
        return got

    def fault_id(self, fault: C.Fault) -> int:
        """The number of ``fault`` in :attr:`faults`."""
        k = self._fault_index.get(fault)
        if k is None:
            k = self._fault_index[fault] = len(self.faults)
            self.faults.append(fault)
        return k

    def _empty_payload(self, k: int, fill: bool = True) -> Any:
        import numpy as np

        role = self.role
        if role == "meta":
            return None
        if role == "coded":
            return np.zeros(k, dtype=np.int16) if fill else np.empty(k, dtype=np.int16)
        if role in ("number", "float"):
            return np.full(k, np.nan) if fill else np.empty(k)
        if role == "multi":
            assert self.item is not None
            shape = (k, len(self.item.options))
            return np.zeros(shape, dtype=bool) if fill else np.empty(shape, dtype=bool)
        return np.full(k, None, dtype=object)

    def _tables(self, uniques: Sequence[object]) -> tuple[Any, Any, Any]:
        """Lookup tables (state, payload, fault id) for ``uniques`` plus one entry for a
        missing cell at the end (index -1).
        """
        import numpy as np

        k = len(uniques)
        state = np.zeros(k + 1, dtype=np.int8)
        payload = self._empty_payload(k + 1)
        fault = np.full(k + 1, -1, dtype=np.int32)
        for u, value in enumerate(uniques):
            s, p, f = self.outcome(value)
            state[u] = s
            if f is not None:
                fault[u] = self.fault_id(f)
            if p is None or payload is None:
                continue
            if self.role == "multi":
                payload[u, list(p)] = True
            elif self.role == "coded" and isinstance(p, bool):
                payload[u] = 1 if p else 0
            else:
                payload[u] = p
        return state, payload, fault

    def _room(self, end: int) -> None:
        """Make the column's arrays hold rows up to ``end``."""
        import numpy as np

        if self.state is not None and end <= self.state.shape[0]:
            return
        size = max(end, self.capacity, 2 * (0 if self.state is None else self.state.shape[0]))
        state = np.empty(size, dtype=np.int8)
        payload = self._empty_payload(size, fill=False)
        if self.state is not None:
            state[: self.n] = self.state[: self.n]
            if payload is not None:
                payload[: self.n] = self.payload[: self.n]
        self.state, self.payload = state, payload

    def _faults(self, fault: Any, offset: int) -> None:
        import numpy as np

        bad = np.flatnonzero(fault >= 0)
        if bad.size:
            self.fault_rows.append(bad + offset)
            self.fault_ids.append(fault[bad])

    def _store(self, state: Any, payload: Any, fault: Any, offset: int) -> None:
        """Write the rows ``offset`` onwards (one value per row in each array)."""
        end = offset + state.shape[0]
        self._room(end)
        self.state[offset:end] = state
        if self.payload is not None:
            self.payload[offset:end] = payload
        self._faults(fault, offset)
        self.n = max(self.n, end)

    def _store_lut(self, state: Any, payload: Any, fault: Any, index: Any, offset: int) -> None:
        """Map lookup tables onto rows (``index``: each row's entry in the tables) straight
        into the column's arrays.
        """
        import numpy as np

        end = offset + index.shape[0]
        self._room(end)
        if (fault >= 0).any():
            self._faults(fault[index], offset)
        # "wrap": -1 is the last entry, and the output is written in place (not buffered)
        np.take(state, index, out=self.state[offset:end], mode="wrap")
        if self.payload is not None:
            np.take(payload, index, axis=0, out=self.payload[offset:end], mode="wrap")
        self.n = max(self.n, end)

    # -- batches ----------------------------------------------------------------------------
    def add(self, cells: Any, offset: int) -> None:
        """Read the cells of rows ``offset``, ``offset + 1``, ... of the column."""
        if is_arrow(cells):
            chunks = cells.chunks if hasattr(cells, "chunks") else [cells]
            for chunk in chunks:
                self._add_arrow(chunk, offset)
                offset += len(chunk)
        else:
            self._add_python(cells, offset)

    def _add_python(self, cells: Any, offset: int) -> None:
        import numpy as np

        if (
            isinstance(cells, np.ndarray)
            and cells.dtype.kind in "fiu"
            and self.role
            in (
                "number",
                "float",
            )
        ):
            self._add_numbers(cells.astype(np.float64), None, offset)
            return
        values = cells.tolist() if isinstance(cells, np.ndarray) else list(cells)
        uniques, index = _factorize(values)
        state, payload, fault = self._tables(uniques)
        self._store_lut(state, payload, fault, index, offset)

    def _add_arrow(self, arr: Any, offset: int) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        t = arr.type
        if pa.types.is_dictionary(t):
            if pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type):
                self._add_encoded(arr.dictionary, arr.indices, offset)
                return
            arr = arr.cast(t.value_type)
            t = arr.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            if not read_by_values(self.name, self.item):
                self._add_texts(arr, offset)
                return
            enc = pc.dictionary_encode(arr)
            self._add_encoded(enc.dictionary, enc.indices, offset)
            return
        if self.role in ("number", "float") and (pa.types.is_floating(t) or pa.types.is_integer(t)):
            import numpy as np

            # unsafe: an integer beyond 2**53 becomes the nearest float (the range check then
            # refuses it) instead of stopping the cast
            x = arr.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
            self._add_numbers(np.asarray(x, dtype=np.float64), None, offset)
            return
        if not (pa.types.is_nested(t) or pa.types.is_floating(t)):
            try:  # dates, booleans, integers: by their distinct values too
                enc = pc.dictionary_encode(arr)
            except pa.ArrowNotImplementedError:
                pass
            else:
                self._add_encoded(enc.dictionary, enc.indices, offset)
                return
        self._add_python(arr.to_pylist(), offset)

    def _add_encoded(self, dictionary: Any, indices: Any, offset: int) -> None:
        import numpy as np
        import pyarrow.compute as pc

        if indices.null_count:
            indices = pc.fill_null(indices, -1)  # -1: the last entry, an empty cell
        index = np.asarray(indices.to_numpy(zero_copy_only=False))
        if self.role in ("number", "float") and len(dictionary) > _MANY:
            state, payload, fault = self._number_tables(dictionary)
        else:
            state, payload, fault = self._tables(dictionary.to_pylist())
        self._store_lut(state, payload, fault, index, offset)

    def _number_tables(self, dictionary: Any) -> tuple[Any, Any, Any]:
        """Lookup tables for many distinct number texts: plain numbers are parsed by Arrow,
        the rest go through the rule.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        plain = pc.match_substring_regex(dictionary, C.NUMBER_RE.pattern)
        plain = np.asarray(pc.fill_null(plain, False).to_numpy(zero_copy_only=False))
        text = pc.replace_substring(pc.if_else(plain, dictionary, "0"), ",", ".")
        x = np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False))
        plain &= np.isfinite(x)  # digits beyond the largest float: the rule says so
        k = len(dictionary)
        state = np.zeros(k + 1, dtype=np.int8)
        payload = np.full(k + 1, np.nan)
        fault = np.full(k + 1, -1, dtype=np.int32)
        ok = np.flatnonzero(plain)
        self._judge_numbers(x[ok], ok, state, payload, fault)
        odd = np.flatnonzero(~plain)
        if odd.size:
            values = dictionary.take(pa.array(odd)).to_pylist()
            for u, value in zip(odd.tolist(), values, strict=True):
                s, p, f = self.outcome(value)
                state[u] = s
                payload[u] = np.nan if p is None else p
                if f is not None:
                    fault[u] = self.fault_id(f)
        return state, payload, fault

    def _judge_numbers(self, x: Any, where: Any, state: Any, payload: Any, fault: Any) -> None:
        """Plain finite numbers ``x`` at ``where``: range checks (items) or profile checks."""
        import numpy as np

        if self.role == "number":
            item = self.item
            assert item is not None
            lo = item.min if item.min is not None else -np.inf
            hi = item.max if item.max is not None else np.inf
            inside = (x >= lo) & (x <= hi)
            state[where[inside]] = C.ANSWERED
            payload[where[inside]] = x[inside]
            for u in np.flatnonzero(~inside).tolist():
                out = C.in_range(item, float(x[u]))
                assert isinstance(out, C.Fault)
                fault[where[u]] = self.fault_id(out)
            return
        # profile numbers: the rule knows the field's limits; ask it once per distinct value
        for u, value in zip(where.tolist(), x.tolist(), strict=True):
            s, p, f = self.outcome(value)
            state[u] = s
            payload[u] = np.nan if p is None else p
            if f is not None:
                fault[u] = self.fault_id(f)

    def _add_numbers(self, x: Any, mask: Any, offset: int) -> None:
        """Numeric cells (NaN is an empty cell)."""
        import numpy as np

        n = x.shape[0]
        state = np.zeros(n, dtype=np.int8)
        payload = np.full(n, np.nan)
        fault = np.full(n, -1, dtype=np.int32)
        finite = np.isfinite(x)
        inf = np.isinf(x)
        if self.role == "number":
            self._judge_numbers(x[finite], np.flatnonzero(finite), state, payload, fault)
        else:
            uniq, inv = np.unique(x[finite], return_inverse=True)
            s, p, f = self._tables(uniq.tolist())
            rows = np.flatnonzero(finite)
            inv = inv.reshape(-1)
            state[rows], payload[rows], fault[rows] = s[inv], p[inv], f[inv]
        for u in np.flatnonzero(inf).tolist():
            _, _, f = self.outcome(float(x[u]))
            if f is not None:
                fault[u] = self.fault_id(f)
        self._store(state, payload, fault, offset)

    def _add_texts(self, arr: Any, offset: int) -> None:
        """Mostly distinct texts (ids, company names, free text): the cells that trimming,
        the guard, the length limit or N/A could change go through the rule; the rest are
        taken as they are.
        """
        import numpy as np
        import pyarrow.compute as pc

        values = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
        odd = pc.match_substring_regex(arr, _ODD_ENDS)
        if self.role == "text":
            item = self.item
            assert item is not None
            odd = pc.or_(odd, pc.match_substring_regex(arr, _BLANKISH))
            odd = pc.or_(odd, pc.match_substring_regex(arr, _MARKER, ignore_case=True))
            odd = pc.or_(odd, pc.greater(pc.utf8_length(arr), item.max_length))
        odd = np.asarray(pc.fill_null(odd, True).to_numpy(zero_copy_only=False))
        # the other cells are answers (texts) or ids and names as they stand
        state = np.full(len(values), C.ANSWERED, dtype=np.int8)
        fault = np.full(len(values), -1, dtype=np.int32)
        for r in np.flatnonzero(odd).tolist():
            s, p, f = self.outcome(values[r])
            state[r] = s
            values[r] = p
            if f is not None:
                fault[r] = self.fault_id(f)
        self._store(state, values, fault, offset)

    # -- the whole column ---------------------------------------------------------------------
    def finish(self, n: int) -> tuple[Any, Any, Any, Any]:
        """``(state, payload, fault_rows, fault_ids)`` of the whole column (``n`` rows)."""
        import numpy as np

        self._room(n)
        state = _shrink(self.state, n)
        payload = None if self.payload is None else _shrink(self.payload, n)
        rows = np.concatenate(self.fault_rows) if self.fault_rows else np.zeros(0, np.int64)
        ids = np.concatenate(self.fault_ids) if self.fault_ids else np.zeros(0, np.int32)
        self.state = self.payload = None
        return state, payload, rows.astype(np.int64), ids


def _shrink(arr: Any, n: int) -> Any:
    """The first ``n`` rows of ``arr``, giving back the memory of the rest (made for as many
    rows as the file could hold): numbers in place, objects by a copy.
    """
    if arr.shape[0] == n:
        return arr
    if arr.dtype != object:
        try:
            arr.resize((n, *arr.shape[1:]), refcheck=False)
        except ValueError:  # pragma: no cover - the array shares its memory
            return arr[:n]
        return arr
    return arr[:n].copy()


def _key(value: object) -> Any:
    """A dict key that keeps apart values Python takes as equal (``True``, ``1``, ``1.0``)."""
    if type(value) is str:
        return value
    if isinstance(value, list | tuple):
        return ("list", tuple(_key(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("repr", repr(value))
    return (type(value).__name__, value)


def _factorize(values: list[Any]) -> tuple[list[Any], Any]:
    """Distinct values (in order of first appearance) and, per cell, its position among them."""
    import numpy as np

    kinds = set(map(type, values))
    plain = kinds <= {str, type(None)} or (
        len(kinds - {type(None)}) == 1
        and kinds
        <= {
            str,
            int,
            float,
            type(None),
            __import__("datetime").date,
        }
    )
    positions: dict[Any, int] = {}
    uniques: list[Any] = []
    if plain:
        index = np.fromiter(
            (positions.setdefault(v, len(positions)) for v in values), np.intp, count=len(values)
        )
        uniques = list(positions)
    else:
        out = []
        for v in values:
            k = _key(v)
            p = positions.get(k)
            if p is None:
                p = positions[k] = len(uniques)
                uniques.append(v)
            out.append(p)
        index = np.asarray(out, dtype=np.intp)
    return uniques, index


def reader_for(
    name: str,
    item: Item | None,
    *,
    guarded: bool,
    date_format: str | None,
    qid: str,
    version: str,
    capacity: int = 0,
) -> ColumnReader:
    """The reader of column ``name`` (an item's column when ``item`` is given), ready for
    ``capacity`` rows.
    """
    from maturity.responses import ID_COLUMN, META_COLUMNS

    if item is not None:
        it = item

        def rule(value: object) -> Outcome:
            if C.is_empty(value):
                return (C.MISSING, None, None)
            got = C.answer(it, value, guarded)
            if isinstance(got, C.Fault):
                return (C.MISSING, None, got)
            return (got[0], got[1], None)

        role = {
            "scale": "coded",
            "choice": "coded",
            "boolean": "coded",
            "number": "number",
            "multi": "multi",
            "text": "text",
        }[item.kind]
        return ColumnReader(name, role, rule, item=item, guarded=guarded, capacity=capacity)
    if name == ID_COLUMN:

        def id_rule(value: object) -> Outcome:
            rid = "" if value is None else C.text_cell(value, guarded)
            return (1 if rid else 0, rid, None)

        return ColumnReader(name, "id", id_rule, guarded=guarded, capacity=capacity)
    if name in META_COLUMNS:

        def meta_rule(value: object) -> Outcome:
            if value is None or not str(value).strip():
                return (0, None, None)
            return (1, None, C.meta(name, value, qid, version))

        return ColumnReader(name, "meta", meta_rule, capacity=capacity)
    numeric = name in ("employees", "turnover", "balance_sheet")

    def profile_rule(value: object) -> Outcome:
        if value is None or (isinstance(value, str) and not value.strip()):
            return (0, None, None)
        got = C.profile_value(name, value, guarded, date_format)
        if isinstance(got, C.Fault):
            return (0, None, got)
        return (1, float(got) if numeric else got, None)

    role = "float" if numeric else "object"
    return ColumnReader(name, role, profile_rule, guarded=guarded, capacity=capacity)
