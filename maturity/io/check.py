"""The one checker: any :class:`~maturity.io.table.RawTable` → checked
:class:`~maturity.responses.Responses`.

Every cell is checked against the questionnaire (codes, numbers and their ranges, yes/no,
multiple choice and its exclusive options, N/A and "don't know" where allowed, conditions,
required items, profile fields); every problem names the file, the row and the column. Every
reader goes through here, so every source gets the same checks and the same messages.

The checks run column by column (:mod:`maturity.io.columns`: each distinct value of a column
is judged once) and across rows with numpy (duplicate ids, conditions for all respondents at
once, required answers), so a million rows cost arrays, and a file that is wrong in every row
is refused as fast as a good one is read: only the first :data:`MAX_PROBLEMS` problems are
written out, followed by one ``R013`` problem that counts the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import Problem, ResponseError, list_allowed, suggest
from maturity.io import cells as C
from maturity.io.columns import ColumnReader, is_arrow, reader_for
from maturity.io.table import RawTable, TableStream
from maturity.questionnaire import PROFILE_FIELDS, Item, Questionnaire
from maturity.responses import ID_COLUMN, META_COLUMNS, Responses
from maturity.threads import each

if TYPE_CHECKING:  # pragma: no cover
    from maturity.columnar import AnswerColumns

__all__ = [
    "MAX_PROBLEMS",
    "OnError",
    "check_stream",
    "check_table",
    "columns_of",
    "file_language",
    "too_many",
]

#: How many problems an error (or ``Responses.skipped``) lists before counting the rest.
MAX_PROBLEMS = 50

OnError = Literal["raise", "skip", "skip_cells"]
_ON_ERROR = ("raise", "skip", "skip_cells")
#: Languages whose dates are written day first (``dd/mm/yyyy``).
_DAY_FIRST_LANGUAGES = {"it", "de", "fr", "es", "pt", "nl", "pl", "cs", "sk", "sl", "hr", "ro"}


def columns_of(q: Questionnaire) -> Sequence[str]:
    """The columns of an answers file for ``q``, in the order our writers use."""
    return [ID_COLUMN, *META_COLUMNS, *PROFILE_FIELDS, *(i.id for i in q.items)]


def too_many(problems: Sequence[Problem], file: str, limit: int = MAX_PROBLEMS) -> list[Problem]:
    """``problems`` cut to the first ``limit``, with one ``R013`` problem counting the rest."""
    if len(problems) <= limit:
        return list(problems)
    return [*problems[:limit], _more(file, len(problems) - limit)]


def _more(file: str, count: int) -> Problem:
    return Problem.make("R013", file=file, count=f"{count:,}", shown=MAX_PROBLEMS)


def _place(table: RawTable, column: str) -> tuple[int | None, int | None]:
    """Where a column is shown, for a problem of the column itself: its header's line and
    position; in a file of records (JSON), the line and column of the first value under
    that key (there is no header), else the first record's line; ``(None, None)`` where
    the file has no lines (Parquet, Arrow IPC).
    """
    if table.marks is not None:
        for marks in table.marks[:1000]:
            where = marks.get(column)
            if where is not None:
                return where
        cells = table.cells.get(column)
        if cells is not None and not is_arrow(cells):
            for row, value in enumerate(cells[:1000]):
                if value is not None:
                    return table.line_of(row), None
        return (table.line_of(0) if table.n_rows else None), None
    if table.lines is None:
        return None, table.positions.get(column)
    return table.header_line, table.positions.get(column)


def check_table(
    table: RawTable,
    questionnaire: Questionnaire,
    *,
    on_error: OnError = "raise",
    strict: bool = False,
    date_format: str | None = None,
) -> Responses:
    """Check every cell of ``table`` against ``questionnaire``.

    Args:
        table: the cells as a reader found them.
        questionnaire: what the answers answer.
        on_error: ``"raise"`` (the default): any problem refuses the file, a
            :class:`~maturity.errors.ResponseError` lists them as
            ``file:row:column: column-name: what is wrong`` (the first 50, then a count).
            ``"skip"``: rows with problems are left out and their problems kept in
            ``Responses.skipped``. ``"skip_cells"``: a bad cell (a value that is not allowed,
            an answer to a hidden item, a bad profile field) becomes missing and is reported
            in ``Responses.skipped``; only rows with problems of the row itself (no id, a
            duplicate id, a required answer or profile field left empty) are left out.
            Problems of the file itself (unknown columns, another questionnaire) always
            refuse it.
        strict: an item without a column in the file is an error (``R014``), not a warning.
        date_format: how the file writes dates that are not ISO ``YYYY-MM-DD``: a pattern
            (``"dd/mm/yyyy"``, see :func:`maturity.io.cells.date_pattern`) or a
            :func:`~datetime.datetime.strptime` format (``"%d/%m/%Y"``); default: the
            table's own ``date_format``, else day first for files in a language that writes
            dates so, else whatever the dates themselves make unambiguous.

    Raises:
        ResponseError: the file is refused.
        DateFormatError: ``date_format`` is not a date format (before any row is read).

    """
    checker = _Checker(questionnaire, table, on_error, strict, date_format, table.n_rows)
    checker.add(table, 0)
    return checker.finish(table)


def check_stream(
    stream: TableStream,
    questionnaire: Questionnaire,
    *,
    on_error: OnError = "raise",
    strict: bool = False,
    date_format: str | None = None,
) -> Responses:
    """:func:`check_table` for a table read batch by batch (a big file): each batch is
    checked as it arrives and then dropped, so memory holds the checked arrays, not the text.
    What the checker learns from the first rows of a file (the questionnaire it answers, how
    it writes dates) it learns from the first :data:`_FIRST_ROWS` rows, however the reader
    cuts them into batches, as :func:`check_table` does from the whole table.
    """
    checker = _Checker(questionnaire, stream.head, on_error, strict, date_format, stream.max_rows)
    offset = 0
    first: list[RawTable] = []

    def add(batch: RawTable) -> None:
        nonlocal offset
        checker.add(batch, offset)
        offset += batch.n_rows

    def start() -> None:
        checker.start(_joined(first))
        for batch in first:
            add(batch)
        first.clear()

    try:
        for batch in stream.batches:
            if checker.started:
                add(batch)
                continue
            first.append(batch)
            if sum(b.n_rows for b in first) >= _FIRST_ROWS:
                start()
        if first:
            start()
    finally:  # a file refused half way: let the reader stop and close it now
        close = getattr(stream.batches, "close", None)
        if close is not None:
            close()
    return checker.finish(stream.finish())


#: The rows a checker looks at before reading any (see :meth:`_Checker.start`).
_FIRST_ROWS = 100_000


def _joined(batches: Sequence[RawTable]) -> RawTable:
    """The cells of ``batches`` as one table (Arrow columns chunked, not copied)."""
    if len(batches) == 1:
        return batches[0]
    head = batches[0]
    cells: dict[str, Any] = {}
    for c in head.columns:
        parts = [b.cells[c] for b in batches]
        if all(is_arrow(p) for p in parts):
            import pyarrow as pa

            chunks = [x for p in parts for x in getattr(p, "chunks", [p])]
            cells[c] = pa.chunked_array(chunks, type=chunks[0].type)
        else:
            cells[c] = [v for p in parts for v in _first_values(p, len(p))]
    n = sum(b.n_rows for b in batches)
    return RawTable(head.file, head.columns, cells, n)


@dataclass
class _Check:
    """One kind of problem: the rows that have it (sorted), its place among a row's problems
    and how to write it for one row.
    """

    order: int
    rows: Any
    make: Callable[[int], Problem]
    row_level: bool = True


class _Checker:
    def __init__(
        self,
        q: Questionnaire,
        head: RawTable,
        on_error: str,
        strict: bool,
        date_format: str | None,
        capacity: int = 0,
    ) -> None:
        if on_error not in _ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(_ON_ERROR)}")
        self.q = q
        self.head = head
        self.on_error = on_error
        self.strict = strict
        given = date_format or head.date_format
        self.date_format = C.date_pattern(given) if given else None  # a bad one: refused once
        self.items = {i.id: i for i in q.items}
        self.readers: dict[str, ColumnReader] = {}
        self.started = False
        self.capacity = capacity
        self.n = 0

    # -- the file ---------------------------------------------------------------------------
    def column_problems(self) -> tuple[list[Problem], list[Problem]]:
        """Problems of the columns themselves (errors) and items without a column (warnings)."""
        q, table = self.q, self.head
        known = set(columns_of(q))
        cols = list(table.columns)
        unknown = [c for c in cols if c not in known]
        errors: list[Problem] = []
        other = _other_questionnaire(q, cols, unknown) if unknown else None
        if other is not None:
            line = _place(table, unknown[0])[0]
            return [Problem.make("R009", file=table.file, line=line, detail=other)], []
        for c in unknown[:MAX_PROBLEMS]:  # a suggestion costs: only for those listed
            line, column = _place(table, c)
            errors.append(
                Problem.make(
                    "R001",
                    file=table.file,
                    line=line,
                    column=column,
                    path=C.shown(table.shown_name(c)),
                    found=C.shown(table.shown_name(c)),
                    questionnaire=q.id,
                    suggestion=suggest(c, known) if len(c) < 200 else "",
                )
            )
        if len(unknown) > MAX_PROBLEMS:
            errors.append(_more(table.file, len(unknown) - MAX_PROBLEMS))
        if ID_COLUMN not in cols:
            errors.append(
                Problem.make(
                    "R012",
                    file=table.file,
                    line=_place(table, ID_COLUMN)[0],
                    path=ID_COLUMN,
                    detail=f"no '{ID_COLUMN}' column (columns: {list_allowed(cols)})",
                )
            )
        for pf in q.profile:  # a required field nobody could give: one problem, not one a row
            if pf.required and pf.name not in table.columns:
                errors.append(
                    Problem.make(
                        "R015",
                        file=table.file,
                        line=_place(table, pf.name)[0],
                        path=pf.name,
                        field=pf.name,
                    )
                )
        # records that leave out unanswered keys have no columns to miss
        missing = [] if table.records else [i for i in q.items if i.id not in table.columns]
        warnings = [
            Problem.make(
                "R014",
                file=table.file,
                line=_place(table, i.id)[0],
                path=i.id,
                item=i.id,
                severity="error" if self.strict else "warning",
            )
            for i in missing
        ]
        return errors, warnings

    def start(self, batch: RawTable) -> None:
        """Before the first batch: refuse a file for another questionnaire, or with bad
        columns, and make the column readers.
        """
        self.started = True
        table, q = self.head, self.q
        if "questionnaire" in table.columns:
            for row, value in enumerate(_first_values(batch.cells["questionnaire"], 1000)):
                if value is None or not str(value).strip():
                    continue
                if str(value).strip() != q.id:
                    line, column = _place(table, "questionnaire")
                    if batch.marks is not None and "questionnaire" in batch.marks[row]:
                        line, column = batch.marks[row]["questionnaire"]
                    raise ResponseError(
                        [
                            Problem.make(
                                "R009",
                                file=table.file,
                                line=line,
                                column=column,
                                path="questionnaire",
                                detail=f"these answers are to questionnaire "
                                f"'{C.shown(str(value).strip())}', not '{q.id}'",
                            )
                        ]
                    )
                break
        errors, warnings = self.column_problems()
        if self.strict:
            errors = [*errors, *too_many(warnings, table.file)]
        self.warnings = [] if self.strict else warnings
        if errors:
            raise ResponseError(errors)
        guarded = table.text_guarded
        date_format = self.date_format
        if date_format is None and "date" in table.columns:
            date_format = _infer_date_format(batch.cells["date"], file_language(table, q))
        for c in table.columns:
            self.readers[c] = reader_for(
                c,
                self.items.get(c),
                guarded=guarded,
                date_format=date_format,
                qid=q.id,
                version=q.version,
                capacity=self.capacity,
            )

    def add(self, batch: RawTable, offset: int) -> None:
        """Read the cells of one batch (rows ``offset`` onwards)."""
        if not self.started:
            self.start(batch)
        work = [(reader, batch.cells[c]) for c, reader in self.readers.items()]
        each(
            lambda w: w[0].add(w[1], offset),
            work,
            parallel=batch.n_rows >= _PARALLEL_ROWS,
            name="maturity-check",
        )
        self.n = offset + batch.n_rows

    # -- the rows ---------------------------------------------------------------------------
    def finish(self, tail: RawTable) -> Responses:
        """Check across rows, then refuse the file or give the Responses."""
        import numpy as np

        from maturity.columnar import AnswerColumns, ItemColumn
        from maturity.profile_columns import ProfileColumns

        if not self.started:
            self.start(RawTable(tail.file, tail.columns, {c: [] for c in tail.columns}, 0))
        q, n = self.q, self.n
        where = _Where(self.head, tail)
        valid = np.ones(n, dtype=bool)
        if tail.bad_rows:
            valid[np.fromiter(tail.bad_rows, dtype=np.intp)] = False
        checks: list[_Check] = []
        finished = {c: r.finish(n) for c, r in self.readers.items()}

        def faults_of(name: str, order: int, reader: ColumnReader, row_level: bool) -> None:
            _, _, rows, ids = finished[name]
            keep = valid[rows]
            rows, ids = rows[keep], ids[keep]
            if not rows.size:
                return
            sort = np.argsort(rows, kind="stable")
            rows, ids = rows[sort], ids[sort]
            lookup = dict(zip(rows.tolist(), ids.tolist(), strict=True))

            def make(r: int) -> Problem:
                f = reader.faults[lookup[r]]
                return where.problem(f.code, r, name, dict(f.fields))

            checks.append(_Check(order, rows, make, row_level))

        # -- ids
        if ID_COLUMN in finished:
            id_state, ids, _, _ = finished[ID_COLUMN]
        else:  # pragma: no cover - refused in start()
            id_state, ids = np.zeros(n, np.int8), np.full(n, "", dtype=object)
        no_id = np.flatnonzero(valid & (id_state == 0))
        if no_id.size:
            checks.append(_Check(0, no_id, lambda r: where.problem("R007", r, ID_COLUMN, {}), True))
        first = _first_occurrence(ids, valid & (id_state != 0))
        if first is not None:
            dup = np.flatnonzero(first != np.arange(n))

            def dup_problem(r: int) -> Problem:
                f = int(first[r])
                return where.problem(
                    "R008", r, ID_COLUMN, {"found": C.shown(ids[r]), "first": where.row_name(f)}
                )

            checks.append(_Check(0, dup, dup_problem, True))
        # -- meta, profile and item cells
        for k, meta in enumerate(META_COLUMNS, start=1):
            if meta in finished:
                faults_of(meta, k, self.readers[meta], True)
        fields: dict[str, Any] = {}
        bad_field: dict[str, Any] = {}
        for k, name in enumerate(PROFILE_FIELDS, start=3):
            if name not in finished:
                continue
            _, payload, rows, _ = finished[name]
            fields[name] = payload
            bad = np.zeros(n, dtype=bool)
            bad[rows] = True
            bad_field[name] = bad
            faults_of(name, k, self.readers[name], False)
        # a field without a column: nothing known (made only for those)
        fields = {f: fields[f] if f in fields else _unknown_field(f, n) for f in PROFILE_FIELDS}
        profile = ProfileColumns(fields)
        for k, pf in enumerate(q.profile, start=10):
            if not pf.required:
                continue
            known = _known(fields[pf.name])
            empty = valid & ~known & ~bad_field.get(pf.name, np.zeros(n, dtype=bool))
            rows = np.flatnonzero(empty)
            if rows.size:
                name = pf.name
                checks.append(
                    _Check(
                        k,
                        rows,
                        lambda r, name=name: where.problem(  # type: ignore[misc]
                            "R010", r, name, {"detail": f"required profile field '{name}' is empty"}
                        ),
                        True,
                    )
                )
        columns: dict[str, ItemColumn] = {}
        faulty: dict[str, Any] = {}
        n_items = len(q.items)
        for j, item in enumerate(q.items):
            if item.id not in finished:
                columns[item.id] = ItemColumn.empty(item, n)
                continue
            state, payload, rows, _ = finished[item.id]
            columns[item.id] = _item_column(item, state, payload)
            bad = np.zeros(n, dtype=bool)
            bad[rows] = True
            faulty[item.id] = bad
            faults_of(item.id, 100 + j, self.readers[item.id], False)
        finished.clear()
        cols = AnswerColumns(q, ids, profile, columns)
        # -- conditions and required answers
        cells_only = self.on_error == "skip_cells"
        if cells_only:
            # an answer to a hidden item is dropped; conditions only use earlier answers, so
            # one pass in questionnaire order sees every drop that could change a condition
            for j, item in enumerate(q.items):
                if not q.conditions_of(item.id):
                    continue
                col = cols.items[item.id]
                wrong = valid & cols.hidden(item.id) & _answered(col.state)
                if wrong.any():
                    self._condition_check(checks, where, cols, item, wrong, 100 + n_items + j, q)
                    cols = _with_column(cols, col.blank(wrong))
                    faulty[item.id] = faulty.get(item.id, np.zeros(n, dtype=bool)) | wrong
        for j, item in enumerate(q.items):
            col = cols.items[item.id]
            # an item without conditions is never hidden: no per-row work for it
            hidden = cols.hidden(item.id) if q.conditions_of(item.id) else None
            if not cells_only and hidden is not None:
                wrong = valid & hidden & _answered(col.state)
                self._condition_check(checks, where, cols, item, wrong, 100 + n_items + j, q)
            if item.required:
                missing = valid & (col.state == C.MISSING)
                if hidden is not None:
                    missing &= ~hidden
                if item.id in faulty:  # a bad cell is reported as bad, not also as empty
                    missing &= ~faulty[item.id]
                rows = np.flatnonzero(missing)
                if rows.size:
                    iid = item.id
                    checks.append(
                        _Check(
                            100 + n_items + j,
                            rows,
                            lambda r, iid=iid: where.problem("R006", r, iid, {"item": iid}),  # type: ignore[misc]
                            True,
                        )
                    )
        return self.decide(checks, cols, valid, where, tail)

    def _condition_check(
        self,
        checks: list[_Check],
        where: _Where,
        cols: AnswerColumns,
        item: Item,
        wrong: Any,
        order: int,
        q: Questionnaire,
    ) -> None:
        import numpy as np

        rows = np.flatnonzero(wrong)
        if not rows.size:
            return
        conds = q.conditions_of(item.id)

        def make(r: int) -> Problem:
            bad = next(c for c in conds if _false_at(cols, c, r))
            return where.problem("R005", r, item.id, {"item": item.id, "condition": bad.source})

        checks.append(_Check(order, rows, make, self.on_error != "skip_cells"))

    def decide(
        self,
        checks: list[_Check],
        cols: AnswerColumns,
        valid: Any,
        where: _Where,
        tail: RawTable,
    ) -> Responses:
        import numpy as np

        file = self.head.file
        n = len(cols)
        reader_problems = list(tail.problems)
        total = len(reader_problems) + tail.more_problems + sum(int(c.rows.size) for c in checks)
        if self.on_error == "raise":
            if total:
                shown = _first_problems(checks, reader_problems, where, MAX_PROBLEMS)
                if total > len(shown):
                    shown.append(_more(file, total - len(shown)))
                raise ResponseError(shown)
            keep = valid
        else:
            meta = [c for c in checks if c.order in (1, 2)]
            if meta:
                shown = _first_problems(meta, [], where, MAX_PROBLEMS)
                count = sum(int(c.rows.size) for c in meta)
                if count > len(shown):
                    shown.append(_more(file, count - len(shown)))
                raise ResponseError(shown)
            keep = valid.copy()
            for c in checks:  # "skip" leaves out every row with a problem
                if c.row_level or self.on_error == "skip":
                    keep[c.rows] = False
            skipped = _first_problems(checks, reader_problems, where, MAX_PROBLEMS)
            if total > len(skipped):
                skipped.append(_more(file, total - len(skipped)))
        rows = np.flatnonzero(keep)
        kept = cols if rows.size == n else cols.take(rows)
        return Responses.from_columns(
            kept,
            file=file,
            skipped=skipped if self.on_error != "raise" else (),
            warnings=self.warnings,
        )


#: A batch of at least this many rows has its columns read on a thread per CPU.
_PARALLEL_ROWS = 4096


def _answered(state: Any) -> Any:
    """An answer, or "don't know": what an item whose condition is false must not have."""
    return (state == C.ANSWERED) | (state == C.DONT_KNOW_STATE)


def _with_column(cols: AnswerColumns, column: Any) -> AnswerColumns:
    from maturity.columnar import AnswerColumns

    items = dict(cols.items)
    items[column.item.id] = column
    return AnswerColumns(cols.questionnaire, cols.ids, cols.profile, items)


def _false_at(cols: AnswerColumns, cond: Any, row: int) -> bool:
    value, known = cols.truth(cond)
    return bool(known[row] and not value[row])


def _item_column(item: Item, state: Any, payload: Any) -> Any:
    from maturity.columnar import ItemColumn

    role = item.kind
    if role in ("scale", "choice", "boolean"):
        return ItemColumn(item, state, codes=payload)
    if role == "number":
        return ItemColumn(item, state, numbers=payload)
    if role == "multi":
        return ItemColumn(item, state, chosen=payload)
    return ItemColumn(item, state, texts=payload)


def _unknown_field(name: str, n: int) -> Any:
    """The column of a profile field for ``n`` respondents of whom nothing is known."""
    from maturity.profile_columns import ProfileColumns

    return ProfileColumns.empty(1).fields[name].repeat(n)


def _known(values: Any) -> Any:
    import numpy as np

    if values.dtype.kind == "f":
        return ~np.isnan(values)
    return np.fromiter((v is not None for v in values.tolist()), dtype=bool, count=len(values))


def _first_occurrence(ids: Any, use: Any) -> Any:
    """Per row, the first row with the same id among rows where ``use`` is True (a row
    where it is False: that row); ``None`` when no id is there twice.
    """
    import numpy as np

    n = len(ids)
    rows = None if use.all() else np.flatnonzero(use)
    values = ids.tolist() if rows is None else ids[rows].tolist()
    if len(set(values)) == len(values):
        return None  # no id twice (the usual case: one hash per id)
    if rows is None:
        rows = np.arange(n)
    out = np.arange(n)
    # number the ids in order of first appearance, then find where each number first appears
    seen: dict[str, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, rows.size)
    _, first = np.unique(codes, return_index=True)
    out[rows] = rows[first[codes]]
    return out


class _Where:
    """Where a row's problem is: file, line (or record), column."""

    def __init__(self, head: RawTable, tail: RawTable) -> None:
        self.head = head
        self.tail = tail

    def line(self, row: int) -> int | None:
        return self.tail.line_of(row)

    def row_name(self, row: int) -> int:
        line = self.line(row)
        return line if line is not None else self.tail.record_of(row)

    def sort_key(self, row: int) -> int:
        return self.row_name(row)

    def problem(self, code: str, row: int, column: str, fields: Mapping[str, Any]) -> Problem:
        head = self.head
        shown = C.shown(head.shown_name(column))
        line = self.line(row)
        col: int | None = head.positions.get(column)
        marks = self.tail.marks
        if marks is not None:
            line, col = marks[row].get(column, (line, None))
        return Problem.make(
            code,
            file=head.file,
            line=line,
            column=col,
            path=shown if line is not None else f"[{self.tail.record_of(row)}].{shown}",
            **fields,
        )


def _first_problems(
    checks: Sequence[_Check], reader: Sequence[Problem], where: _Where, limit: int
) -> list[Problem]:
    """The first ``limit`` problems in file order (rows, then a row's problems in order)."""
    import numpy as np

    candidates: list[tuple[int, int, int, Callable[[], Problem]]] = []
    for k, p in enumerate(reader[:limit]):
        candidates.append((p.line or 0, -1, k, lambda p=p: p))  # type: ignore[misc]
    for k, c in enumerate(checks):
        for r in np.asarray(c.rows[:limit]).tolist():
            candidates.append(
                (where.sort_key(r), c.order, len(reader) + k, lambda c=c, r=r: c.make(r))  # type: ignore[misc]
            )
    candidates.sort(key=lambda t: (t[0], t[1], t[2]))
    return [make() for *_, make in candidates[:limit]]


def _first_values(cells: Any, k: int) -> list[Any]:
    if is_arrow(cells):
        return list(cells.slice(0, k).to_pylist())
    return list(cells[:k])


def file_language(table: RawTable, q: Questionnaire) -> str | None:
    """The language a file is written in, as far as it is known: the one its reader found
    (a form export's headers in one language, the language an interview workbook was exported
    in), else the questionnaire's when it has only one; ``None`` otherwise.
    """
    if table.language:
        return table.language
    return q.languages[0] if len(q.languages) == 1 else None


def _infer_date_format(cells: Any, language: str | None) -> str | None:
    """``dd/mm/yyyy`` or ``mm/dd/yyyy`` if the file's language or its dates say which."""
    values = _first_values(cells, 100_000)
    texts = {v.strip() for v in values if isinstance(v, str) and v.strip()}
    orders = {o for o in (C.date_order(t) for t in texts) if o is not None}
    if not orders:
        return None
    sample = next(t for t in sorted(texts) if C.date_order(t) is not None)
    sep = next(ch for ch in sample if ch in "/.-")
    day_first = language is not None and language.split("-")[0].lower() in _DAY_FIRST_LANGUAGES
    if day_first or ("day" in orders and "month" not in orders):
        order = "day"
    elif "month" in orders and "day" not in orders:
        order = "month"
    else:
        return None
    return f"%d{sep}%m{sep}%Y" if order == "day" else f"%m{sep}%d{sep}%Y"


def _other_questionnaire(
    q: Questionnaire, cols: Sequence[str], unknown: Sequence[str]
) -> str | None:
    """A file whose columns are mostly items of another shipped questionnaire: say which."""
    from maturity.bundle import bundled
    from maturity.errors import MaturityError
    from maturity.questionnaire import load_questionnaire

    ours = sum(1 for c in cols if c in {i.id for i in q.items})
    best: tuple[int, str] | None = None
    for b in bundled("questionnaire"):
        if b.id == q.id:
            continue
        try:
            other = load_questionnaire(b.path)
        except MaturityError:  # pragma: no cover - shipped files are valid
            continue
        theirs = sum(1 for c in unknown if c in {i.id for i in other.items})
        if theirs > ours and theirs * 2 > len(unknown) and (best is None or theirs > best[0]):
            best = (theirs, other.id)
    if best is None:
        return None
    return (
        f"these answers look like answers to questionnaire '{best[1]}' ({best[0]} of "
        f"{len(cols)} columns are its items), not to '{q.id}'"
    )
