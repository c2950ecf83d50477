"""Answers CSV, fast, through Apache Arrow (the ``arrow`` extra: ``pip install
"maturity[arrow]"``).

pyarrow's streaming CSV reader (:func:`pyarrow.csv.open_csv`) reads an answers CSV batch by
batch (a file without quotes in its rows in parts, on every core); the checker turns each batch
into arrays and drops its text, so memory holds the answers, not the file. It reads exactly what
:func:`maturity.io.csvio.read_csv` reads (same encodings, ``sep=`` line, header checks, refusals
and line numbers), and :func:`maturity.read_responses` uses it whenever pyarrow is installed
(``engine="python"`` asks for Python's csv module instead). Parquet and Arrow IPC files are
:mod:`maturity.io.parquet`'s.

pyarrow is imported inside the functions, so ``import maturity`` does not need it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io import csvio  # noqa: F401  (registers "csv" before its stream below)
from maturity.io.registry import Options, answers_stream
from maturity.io.table import RawTable, TableStream

if TYPE_CHECKING:  # pragma: no cover
    from maturity.io.csvio import CsvLayout
    from maturity.questionnaire import Questionnaire

__all__ = ["has_pyarrow", "stream_csv"]

#: Bytes of CSV text per batch.
BLOCK = 1 << 24
#: Bytes of CSV text (without quotes) parsed at a time on every core.
PART = 1 << 26
#: Bytes of data whose rows tell about how many rows a file holds.
_SAMPLE = 1 << 20
_CHUNK = 1 << 24


def has_pyarrow(name: str, needed: bool) -> bool:
    """Whether pyarrow can be imported; if ``needed``, refuse clearly when it cannot."""
    try:
        import pyarrow
        import pyarrow.csv  # noqa: F401
    except ImportError:
        if needed:
            raise ResponseError(
                [
                    Problem.make(
                        "R012",
                        file=name,
                        detail="reading this needs pyarrow: pip install 'maturity[arrow]'",
                    )
                ]
            ) from None
        return False
    return True


# -- CSV ------------------------------------------------------------------------------------


class _Scan:
    """One pass over a CSV file's bytes in large chunks, before parsing: is it UTF-8 (without
    making text of it when it is ASCII), does it hold a NUL byte, does it hold quotes, and
    where is the last one (``last_quote``, -1 for none).
    """

    def __init__(self, path: Path, name: str) -> None:
        self.utf8 = True
        self.quotes = False
        self.last_quote = -1
        self.bom = 0
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        offset = 0
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                if offset == 0:
                    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                        self.utf8 = False
                        return
                    if chunk.startswith(codecs.BOM_UTF8):
                        self.bom = 3
                nul = chunk.find(b"\0")
                if nul >= 0:
                    raise ResponseError(
                        [
                            Problem.make(
                                "R012",
                                file=name,
                                line=_line_at(path, offset + nul),
                                detail="the file holds a NUL byte: is this a text file?",
                            )
                        ]
                    )
                at = chunk.rfind(b'"')
                if at >= 0:
                    self.quotes = True
                    self.last_quote = offset + at
                if not chunk.isascii() or decoder.getstate()[0]:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        self.utf8 = False  # decode() will say how, reading the whole file
                        return
                offset += len(chunk)
            if self.utf8:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    self.utf8 = False


def _line_at(path: Path, position: int) -> int:
    """The line of the byte at ``position``."""
    from maturity.io.csvio import count_lines

    with path.open("rb") as fh:
        return count_lines(fh.read(position)) + 1


def _head(source: Any, name: str, mc: int | None, skip: int) -> tuple[CsvLayout, int]:
    """The layout of the CSV and the byte offset of its data, reading as much as the header
    needs.
    """
    from maturity.io.csvio import layout_of

    size = 1 << 20
    while True:
        source.seek(skip)
        data = source.read(size)
        whole = len(data) < size
        text = data.decode("utf-8", errors="strict") if whole else _decode_prefix(data)
        try:
            lay = layout_of(text, name, mc, complete=whole)
        except EOFError:
            size *= 4
            continue
        return lay, skip + len(text[: lay.data_offset].encode("utf-8"))


def _decode_prefix(data: bytes) -> str:
    out: str = codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=False)
    return out


class _Lines(Sequence[int]):
    """The line each row starts on, found on demand by reading the file again with Python's
    csv module (only as far as the rows asked for): the lines of rows are needed only to
    report problems. Rows the reader skipped (empty, blank, with the wrong number of cells) are
    skipped the same way; the rows with the wrong number of cells are collected on the way.
    """

    def __init__(self, open_text: Any, lay: CsvLayout, n_rows: int) -> None:
        self.open_text = open_text
        self.lay = lay
        self.n = n_rows
        self.lines: list[int] = []
        self.invalid: list[tuple[int, int]] = []  # (line, cells)
        self._rows: Iterator[list[str]] | None = None
        self._reader: Any = None
        self._start = lay.data_line
        self.done = False

    def __len__(self) -> int:
        return self.n

    def _advance(self, want_rows: int, want_invalid: int) -> None:
        import csv

        lay = self.lay
        if self._reader is None:
            self._reader = csv.reader(self.open_text(), delimiter=lay.delimiter)
        width = len(lay.header)
        reader = self._reader
        while not self.done and (len(self.lines) <= want_rows or len(self.invalid) < want_invalid):
            try:
                raw = next(reader)
            except StopIteration:
                self.done = True
                break
            except csv.Error:  # a cell over the limit: this row starts here, the rest is unknown
                self.lines.append(self._start)
                self.done = True
                break
            line, self._start = self._start, lay.data_line + reader.line_num
            if not any(c.strip() for c in raw):
                continue
            if len(raw) != width:
                self.invalid.append((line, len(raw)))
                continue
            self.lines.append(line)

    def __getitem__(self, row: int) -> int:  # type: ignore[override]
        if row >= len(self.lines):
            self._advance(row, 0)
        return self.lines[row] if row < len(self.lines) else 0

    def first_invalid(self, k: int) -> list[tuple[int, int]]:
        """The first ``k`` rows with the wrong number of cells: (line, cells)."""
        self._advance(-1, k)
        return self.invalid[:k]


@answers_stream("csv")
def stream_csv(path: Path, questionnaire: Questionnaire, options: Options) -> TableStream | None:
    """Read an answers CSV batch by batch with pyarrow; ``None`` when pyarrow is not installed
    (or ``engine="python"``), so that Python's csv module reads it.

    Options: ``engine`` (``"auto"``, ``"pyarrow"``, ``"python"``), ``name``, ``max_columns``
    (as :func:`maturity.io.csvio.read_csv`), ``block_size`` (bytes per batch).
    """
    engine = options.get("engine", "auto")
    name = str(options.get("name", path))
    if engine not in ("auto", "pyarrow", "python"):
        raise ValueError("engine must be 'auto', 'pyarrow' or 'python'")
    if engine == "python" or not has_pyarrow(name, engine == "pyarrow"):
        return None
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    from maturity.io.csvio import _check_text, decode, max_columns

    mc = options.get("max_columns", max_columns(questionnaire))
    scan = _Scan(path, name)
    text: str | None = None
    if scan.utf8:
        raw: Any = pa.OSFile(str(path))
        lay, offset = _head(raw, name, mc, scan.bom)

        def open_text() -> Any:
            fh = path.open("rb")
            fh.seek(offset)
            return io.TextIOWrapper(fh, encoding="utf-8", newline="")

    else:
        text = decode(path.read_bytes(), name)
        _check_text(text, name)
        data = text.encode("utf-8")
        scan.last_quote = data.rfind(b'"')
        scan.quotes = scan.last_quote >= 0
        raw = pa.BufferReader(data)
        lay, offset = _head(raw, name, mc, 0)

        def open_text() -> Any:
            return io.StringIO(data[offset:].decode("utf-8"), newline="")

    raw.seek(offset)
    width = len(lay.header)
    if width == 0:
        return None  # an empty file: the plain reader says what is missing
    invalid: list[str] = []

    def on_invalid(row: Any) -> str:
        text = row.text or ""
        if not _blank_row(text, lay.delimiter):
            invalid.append(text)
        return "skip"

    keys = [f"c{j}" for j in range(width)]
    block = options.get("block_size", BLOCK)
    # a quote after the header: a cell may hold a line break, so rows are found in order
    quoted = scan.last_quote >= offset
    parse_options = pcsv.ParseOptions(
        delimiter=lay.delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        # without a quote in the file no line break is inside a cell: pyarrow can then cut
        # the text into blocks anywhere and parse them on every core
        newlines_in_values=quoted,
        ignore_empty_lines=True,
        invalid_row_handler=on_invalid,
    )
    convert_options = pcsv.ConvertOptions(
        column_types=_types(keys, lay.names, questionnaire),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,  # checked by _Scan, or made UTF-8 by decode()
    )
    reader = None
    if quoted:
        try:
            reader = pcsv.open_csv(
                raw,
                read_options=pcsv.ReadOptions(column_names=keys, block_size=block),
                parse_options=parse_options,
                convert_options=convert_options,
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV" not in str(exc):
                raise ResponseError(
                    [Problem.make("R012", file=name, detail=f"cannot read the file: {exc}")]
                ) from None
            # a header and no rows: reader stays None
    head = RawTable(
        file=name,
        columns=lay.names,
        cells={},
        n_rows=0,
        lines=[],
        positions={c: j + 1 for j, c in enumerate(lay.names)},
        text_guarded=True,
        header_line=lay.header_line,
    )
    state: dict[str, Any] = {"rows": 0, "last": None}

    def parsed() -> Iterator[Any]:
        if not quoted:
            for part in _parts(raw, options.get("part_size", PART)):
                table = _read_part(part, keys, block, parse_options, convert_options, name)
                for batch in table.to_batches():
                    if batch.num_rows:
                        yield batch
            return
        while reader is not None:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise ResponseError(
                    [Problem.make("R012", file=name, detail=f"cannot read the file: {exc}")]
                ) from None
            if batch.num_rows:
                yield batch

    def batches() -> Iterator[RawTable]:
        try:
            yield from checked()
        finally:
            raw.close()

    def checked() -> Iterator[RawTable]:
        # pyarrow parses the next batch on another thread while this one is checked
        for batch in _ahead(parsed()):
            state["last"] = batch.column(width - 1)[batch.num_rows - 1].as_py()
            batch = _drop_blank(batch)
            _refuse_long_cells(batch, name, state["rows"], lines)
            n = batch.num_rows
            state["rows"] += n
            yield RawTable(
                file=name,
                columns=lay.names,
                cells={c: batch.column(j) for j, c in enumerate(lay.names)},
                n_rows=n,
            )

    lines = _Lines(open_text, lay, 0)

    def finish() -> RawTable:
        from maturity.io.check import MAX_PROBLEMS
        from maturity.io.csvio import unclosed

        lines.n = state["rows"]
        if scan.quotes:
            at = _open_quote_line(path, text, lay, state["last"], invalid, scan.bom)
            if at is not None:
                raise ResponseError([Problem.make("R012", file=name, line=at, detail=unclosed())])
        problems = [
            Problem.make(
                "R012",
                file=name,
                line=line,
                detail=f"row has {cells} cells but the header has {width}",
            )
            for line, cells in lines.first_invalid(min(len(invalid), MAX_PROBLEMS))
        ]
        return RawTable(
            file=name,
            columns=lay.names,
            cells={},
            n_rows=state["rows"],
            lines=lines,
            positions=head.positions,
            problems=tuple(problems),
            text_guarded=True,
            more_problems=len(invalid) - len(problems),
            header_line=lay.header_line,
        )

    size = len(data) if text is not None else path.stat().st_size
    return TableStream(head, batches(), finish, max_rows=_rows_about(raw, offset, size, width))


def _types(keys: list[str], names: tuple[str, ...], q: Questionnaire) -> dict[str, Any]:
    """Arrow types for the columns: dictionary-encoded text for columns of few distinct values
    (codes, numbers, sectors, ...), so that pyarrow encodes them while parsing, on its own
    thread; plain text for ids, company names and free text.
    """
    import pyarrow as pa

    from maturity.responses import ID_COLUMN

    plain = {ID_COLUMN, "company", *(i.id for i in q.items if i.kind == "text")}
    coded = pa.dictionary(pa.int32(), pa.string())
    return {k: pa.string() if n in plain else coded for k, n in zip(keys, names, strict=True)}


def _rows_about(raw: Any, offset: int, size: int, width: int) -> int:
    """About how many rows the data (from ``offset`` to ``size``) holds, a little more rather
    than less, from the length of the rows in its first :data:`_SAMPLE` bytes; never more
    than it can hold (a row holds a separator between every two cells and ends with a line
    break). The checker makes its arrays that long (and lengthens them if the guess was short).
    """
    most = (size - offset) // max(width, 2) + 1
    at = raw.tell()
    sample = raw.read_at(min(_SAMPLE, size - offset), offset) if size > offset else b""
    raw.seek(at)
    breaks = max(sample.count(b"\n"), sample.count(b"\r"))
    if len(sample) == size - offset:  # the whole file
        return min(most, breaks + 1)
    if not breaks:
        return most
    return min(most, int((size - offset) / (len(sample) / breaks) * 1.25) + 16)


def _parts(raw: Any, size: int) -> Iterator[Any]:
    """The rest of ``raw`` (an Arrow file) in pieces of about ``size`` bytes (more where a
    row is longer), each ending after a line break or at the end of the file: for a file
    without quotes, where a line break always ends a row.
    """
    import numpy as np
    import pyarrow as pa

    while True:
        start = raw.tell()
        piece = raw.read_buffer(size)
        if piece.size == 0:
            return
        more = piece.size == size  # the file goes on
        while more:
            at = np.frombuffer(piece, dtype=np.uint8)
            tail = min(piece.size, 1 << 16)
            breaks = np.flatnonzero(at[-tail:] == 10)
            if not breaks.size:
                tail = piece.size
                breaks = np.flatnonzero(at == 10)
            if breaks.size:
                cut = piece.size - tail + int(breaks[-1]) + 1
                piece = piece.slice(0, cut)
                raw.seek(start + cut)
                break
            # no line break yet: a row longer than a piece, read on
            rest = raw.read_buffer(size)
            more = rest.size == size
            piece = pa.py_buffer(piece.to_pybytes() + rest.to_pybytes())
        yield piece


def _read_part(piece: Any, keys: list[str], block: int, parse: Any, convert: Any, name: str) -> Any:
    """One piece of a CSV file without quotes, parsed on every core
    (:func:`pyarrow.csv.read_csv`).
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        return pcsv.read_csv(
            pa.BufferReader(piece),
            read_options=pcsv.ReadOptions(column_names=keys, block_size=block),
            parse_options=parse,
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):  # a piece of blank lines only
            return pa.table({k: pa.array([], pa.string()) for k in keys})
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"cannot read the file: {exc}")]
        ) from None


def _ahead(items: Iterator[Any], depth: int = 8) -> Iterator[Any]:
    """``items``, made on a worker thread up to ``depth`` ahead of the one in use (pyarrow
    parses the next part of the file while this one is checked). Stopping early stops the
    worker after the item it is making; its errors are raised here.
    """
    import queue
    import threading

    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, done))
        except BaseException as exc:  # raised again in the consumer
            put((False, exc))

    worker = threading.Thread(target=produce, name="maturity-csv", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = ready.get()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _blank_row(text: str, delimiter: str) -> bool:
    import csv
    import io

    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return False
    return all(not c.strip() for r in rows for c in r)


def _where_text(col: Any, pattern: str) -> Any:
    """Rows whose text matches ``pattern`` (a boolean numpy array); for a dictionary-encoded
    column the pattern is tried on its distinct values only.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(col.type):
        hit = np.asarray(pc.match_substring_regex(col.dictionary, pattern).to_numpy(False))
        index = np.asarray(pc.fill_null(col.indices, 0).to_numpy(False))
        return hit[index] if hit.size else np.zeros(len(col), dtype=bool)
    return np.asarray(pc.fill_null(pc.match_substring_regex(col, pattern), True).to_numpy(False))


def _drop_blank(batch: Any) -> Any:
    """The batch without rows whose every cell is empty or white space."""
    import numpy as np

    from maturity.io.columns import _BLANKISH

    rows = np.flatnonzero(_where_text(batch.column(0), _BLANKISH))
    if not rows.size:
        return batch
    blank = np.ones(rows.size, dtype=bool)
    for j in range(batch.num_columns):
        cells = batch.column(j).take(rows).to_pylist()
        blank &= np.fromiter((not c.strip() for c in cells), dtype=bool, count=rows.size)
    if not blank.any():
        return batch
    keep = np.ones(batch.num_rows, dtype=bool)
    keep[rows[blank]] = False
    return batch.filter(keep)


def _refuse_long_cells(batch: Any, name: str, offset: int, lines: _Lines) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from maturity.io.csvio import MAX_CELL, too_long

    for j in range(batch.num_columns):
        col = batch.column(j)
        values = col.dictionary if pa.types.is_dictionary(col.type) else col
        if not len(values) or pc.max(pc.binary_length(values)).as_py() <= MAX_CELL:
            continue
        long = np.asarray(pc.greater(pc.utf8_length(values), MAX_CELL).to_numpy(False))
        if pa.types.is_dictionary(col.type):
            long = long[np.asarray(pc.fill_null(col.indices, 0).to_numpy(False))]
        rows = np.flatnonzero(long)
        if rows.size:
            line = lines[offset + int(rows[0])] or None
            raise ResponseError([Problem.make("R012", file=name, line=line, detail=too_long())])


def _open_quote_line(
    path: Path, text: str | None, lay: CsvLayout, last: str | None, invalid: list[str], bom: int
) -> int | None:
    """The line of a quote left open at the end of the file, or ``None``. An open quote
    swallows the rest of the file into the last cell of the last row (a row with the right
    number of cells, or one without), so that cell's text is the file's tail right after a
    quote.
    """
    from maturity.io.csvio import count_lines

    if text is None:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            tails = [t for t in (last, invalid[-1] if invalid else None) if t is not None]
            need = max((len(t.encode("utf-8")) * 2 + 2 for t in tails), default=0)
            fh.seek(max(bom, size - need))
            data = fh.read().decode("utf-8", errors="replace")
    else:
        data = text
    # (text the cell would have after the open quote, whether the reader trimmed line ends)
    candidates: list[tuple[str, bool]] = []
    if last is not None:
        candidates.append(('"' + last.replace('"', '""'), False))
    if invalid:
        # a row without enough cells (the reader gives its text without the final line end):
        # its text from an open quote on
        row = invalid[-1]
        q = row.find('"')
        while q >= 0:
            candidates.append((row[q:], True))
            q = row.find('"', q + 1)
    for tail, trimmed in candidates:
        hay = data.rstrip("\r\n") if trimmed else data
        if len(tail) > 1 and hay.endswith(tail):
            after = count_lines(data[len(hay) - len(tail) :])
            return _total_lines(path, text) - after + 1
    return None


def _total_lines(path: Path, text: str | None) -> int:
    from maturity.io.csvio import count_lines

    if text is not None:
        return count_lines(text)
    n = 0
    with path.open("rb") as fh:
        prev = b""
        while chunk := fh.read(_CHUNK):
            n += count_lines(prev + chunk) - count_lines(prev)
            prev = chunk[-1:]
    return n
