"""Every file the library reads or writes, in one place.

- :func:`read_responses` reads answers from any registered format (``source="auto"`` picks it
  by the file's suffix and content: CSV, JSON, Parquet, Arrow IPC, ...) and checks them with
  the one checker (:mod:`maturity.io.check`), batch by batch where the format allows it;
- :func:`write_responses` writes answers in any registered format, atomically;
- :mod:`maturity.io.registry` lists the formats (``ANSWERS.names()``, ``EXPORTS.names()``);
- :mod:`maturity.io.guard` is the one formula guard for spreadsheet cells;
- :mod:`maturity.io.files` is the one file writer (atomic, exclusive unless forced, never over
  an input).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import Problem, ResponseError
from maturity.io.files import OutputExistsError, check_outputs, write_bytes, write_text
from maturity.io.guard import safe_cell, unsafe_cell

if TYPE_CHECKING:  # pragma: no cover
    from maturity.io.registry import AnswersFormat
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses

__all__ = [
    "OutputExistsError",
    "check_outputs",
    "format_for_reading",
    "read_responses",
    "safe_cell",
    "unsafe_cell",
    "write_bytes",
    "write_responses",
    "write_text",
]


def format_for_reading(path: str | Path, source: str = "auto") -> AnswersFormat:
    """The registered format :func:`read_responses` reads ``path`` with: ``source`` by name, or
    for ``"auto"`` the first format that recognises the file's first bytes, else the format
    of its suffix, else CSV. Its :meth:`~maturity.io.registry.AnswersFormat.reads_text` says
    whether the errors of reading it name lines.

    Raises:
        UnknownFormatError: no registered format called ``source``.
        ResponseError: the format cannot be read (``R012``).

    """
    from maturity.io.registry import ANSWERS

    path = Path(path)

    if source != "auto":
        fmt = ANSWERS.get(source)
    else:
        head = b""
        try:
            with path.open("rb") as fh:
                head = fh.read(65536)
        except OSError:
            pass
        sniffed = [f for f in ANSWERS if f.read is not None and f.sniff and f.sniff(path, head)]
        found = sniffed[0] if sniffed else ANSWERS.by_suffix(path)
        fmt = found if found is not None and found.read is not None else ANSWERS.get("csv")
    if fmt.read is None:
        raise ResponseError(
            [Problem.make("R012", file=str(path), detail=f"the format '{fmt.name}' cannot be read")]
        )
    return fmt


def read_responses(
    path: str | Path,
    questionnaire: Questionnaire | str | Path,
    *,
    source: str = "auto",
    on_error: Literal["raise", "skip", "skip_cells"] = "raise",
    strict: bool = False,
    date_format: str | None = None,
    **options: Any,
) -> Responses:
    """Read and check answers from a file.

    Args:
        path: the answers file.
        questionnaire: a :class:`~maturity.questionnaire.Questionnaire`, a bundled id or a path.
        source: a registered format name (``maturity.io.registry.ANSWERS.names()``), or
            ``"auto"`` (the default) to choose by the file's content and suffix.
        on_error: ``"raise"`` (the default) refuses the file on any problem: a
            :class:`~maturity.errors.ResponseError` lists the problems as
            ``file:row:column: column-name: what is wrong`` (the first 50, then one ``R013``
            line counting the rest). ``"skip"`` leaves out rows with problems and keeps their
            problems in ``Responses.skipped``. ``"skip_cells"`` makes a bad cell missing and
            reports it in ``Responses.skipped``, leaving out only rows whose problem is the
            row's own (no or a duplicate id, a required answer or profile field left empty).
            Problems of the file itself (unknown columns, another questionnaire, a file that
            cannot be read faithfully) always refuse it.
        strict: an item without a column in the file is an error (``R014``); by default it
            is a warning in ``Responses.warnings`` and every respondent is taken as not
            answering it. Files of records that leave out unanswered keys (JSON, SurveyJS
            results: the format's ``records``) have no columns to miss: an item no record
            has is simply not answered.
        date_format: how the file writes dates that are not ISO ``YYYY-MM-DD``: a pattern as
            people write it (``"dd/mm/yyyy"``, ``"mm/dd/yyyy"``, ``"dd.mm.yyyy"``,
            ``"yyyy-mm-dd"``, ..., ``yy`` for two digits) or as
            :meth:`datetime.datetime.strptime` reads it (``"%d/%m/%Y"``); by default a
            ``dd/mm/yyyy`` date is read when the file's language or its other dates make the
            order unambiguous, and is a located error otherwise.
        **options: options of the format's reader (see its documentation); every reader of
            CSV takes ``engine="auto"`` (pyarrow when it is installed), ``"pyarrow"`` or
            ``"python"``.
        mapping: a mapping file (:mod:`maturity.io.mapping`, for every format) that renames
            columns and recodes values of a tool we do not know.

    Raises:
        ResponseError: the file cannot be read, or its answers do not fit the questionnaire.
        DateFormatError: ``date_format`` is not a date format (refused once, before reading).

    """
    from maturity.io.check import check_stream, check_table
    from maturity.questionnaire import Questionnaire as _Q
    from maturity.questionnaire import load_questionnaire

    q = questionnaire if isinstance(questionnaire, _Q) else load_questionnaire(questionnaire)
    if on_error not in ("raise", "skip", "skip_cells"):
        raise ValueError("on_error must be 'raise', 'skip' or 'skip_cells'")
    if date_format:
        from maturity.io.cells import date_pattern

        date_format = date_pattern(date_format)
    p = Path(path)
    name = str(path)
    if not p.is_file():
        why = "no such file" if not p.exists() else "not a file"
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"cannot read the file: {why}")]
        )
    mapping = None
    if options.get("mapping") is not None:
        from maturity.io.mapping import load_mapping

        mapping = load_mapping(options.pop("mapping"), q)
        if source == "auto" and mapping.source:
            source = mapping.source
    else:
        options.pop("mapping", None)
    fmt = format_for_reading(p, source)
    assert fmt.read is not None
    opts = {"name": name, **options, "date_format": date_format}
    checks: dict[str, Any] = {"on_error": on_error, "strict": strict, "date_format": date_format}
    try:
        stream = fmt.stream(p, q, opts) if fmt.stream is not None and mapping is None else None
        if stream is not None:
            if fmt.records:
                stream = replace(stream, head=replace(stream.head, records=True))
            responses = check_stream(stream, q, **checks)
        else:
            table = fmt.read(p, q, opts)
            if mapping is not None:
                from maturity.io.mapping import apply_mapping

                table = apply_mapping(table, mapping)
            if fmt.records:  # an absent key is no answer, not a missing column
                table = replace(table, records=True)
    except OSError as exc:
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    if stream is None:
        responses = check_table(table, q, **checks)
        del table
    _release_arrow_memory()
    return responses


def _release_arrow_memory() -> None:
    """Give back to the system what pyarrow's memory pool keeps of the buffers a read has let
    go of (it keeps them for reuse, but what comes next, the answer matrix, is numpy's).
    """
    import sys

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def write_responses(
    responses: Responses,
    path: str | Path,
    *,
    format: str | None = None,
    force: bool = False,
    **options: Any,
) -> Path:
    """Write answers to ``path`` in a registered format (default: by the file's suffix).

    The file is written atomically, and created exclusively unless ``force=True``. Text cells
    that a spreadsheet would run as a formula are written with a leading ``'``, which reading
    removes again.

    Raises:
        OutputExistsError: the file exists and ``force`` is False.
        UnknownFormatError: no registered writer for ``format`` (or the suffix).

    """
    from maturity.io.registry import ANSWERS, UnknownFormatError

    p = Path(path)
    fmt = ANSWERS.get(format) if format else ANSWERS.by_suffix(p) or ANSWERS.get("csv")
    if fmt.write is None:
        raise UnknownFormatError(f"the format '{fmt.name}' cannot be written")
    return write_bytes(p, fmt.write(responses, options), force=force)
