"""The registry of file formats: every reader and writer is one registered function.

Two kinds of format are registered here:

- **answers formats** (:data:`ANSWERS`): a ``read`` function ``(path, questionnaire, options)
  → RawTable`` and/or a ``write`` function ``(responses, options) → bytes``; reading goes on
  through the one checker (:mod:`maturity.io.check`), writing through the one file writer
  (:mod:`maturity.io.files`);
- **questionnaire exports** (:data:`EXPORTS`): ``(questionnaire, options) → bytes``, the
  questionnaire in a collection tool's format.

A format registers itself with a decorator in its own module; :func:`load_all` imports the
modules that ship with the library, and an entry-point group ``maturity.formats`` lets other
packages add theirs. ``names()`` lists a registry for error messages and docs.

Where errors point depends on the file, and the registry says it
(:meth:`AnswersFormat.reads_text`): a format read as text (CSV, JSON, SurveyJS results, a
tool's CSV export) names the line of every error, and the column where it knows it; a binary
file (Parquet, Arrow IPC, a spreadsheet) has no lines, so its errors name the file and, where
it has them, the sheet (``file[sheet]``), the row and the column. Either way every error is a
:class:`~maturity.errors.ResponseError` whose problems name the file, one line each: a reader
turns every failure of its parser into one, never lets another exception out.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from maturity.errors import MaturityError

if TYPE_CHECKING:  # pragma: no cover
    from maturity.io.table import RawTable, TableStream
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses

__all__ = [
    "ANSWERS",
    "EXPORTS",
    "AnswersFormat",
    "ExportFormat",
    "Options",
    "Registry",
    "UnknownFormatError",
    "load_all",
]

#: Options passed through to a reader, writer or exporter (each documents the ones it reads).
Options = Mapping[str, Any]

ReadFn = Callable[[Path, "Questionnaire", Options], "RawTable"]
#: Reads a big file batch by batch; ``None`` when it cannot (then ``read`` is used).
StreamFn = Callable[[Path, "Questionnaire", Options], "TableStream | None"]
WriteFn = Callable[["Responses", Options], bytes]
SniffFn = Callable[[Path, bytes], bool]
ExportFn = Callable[["Questionnaire", Options], bytes]


class UnknownFormatError(MaturityError, ValueError):
    """A format name that no registered reader, writer or exporter has."""


@dataclass(frozen=True)
class AnswersFormat:
    """A format of answers files: how to read it, write it and recognise it."""

    name: str
    suffixes: tuple[str, ...]
    description: str
    read: ReadFn | None = None
    write: WriteFn | None = None
    sniff: SniffFn | None = None
    extra: str | None = None  # the pip extra it needs, if any
    stream: StreamFn | None = None  # reading batch by batch, where the format can
    #: Whether the format reads text with lines (CSV, JSON): then every error names the line
    #: (and the column, where it knows it). A binary file (Parquet, Arrow IPC, a spreadsheet)
    #: has no lines: its errors name the file and, where it has them, the sheet
    #: (``file[sheet]``), row and column.
    text: bool = True
    #: Suffixes of the files a text format reads as spreadsheets instead (a tool's export as
    #: CSV or XLSX): binary, as above.
    binary_suffixes: tuple[str, ...] = ()
    #: Whether the file is a list of records that leave out the keys nobody answered (JSON
    #: records, SurveyJS results: an item hidden by its condition for everyone, or optional
    #: and never answered, has no key at all). Then an item with no key anywhere is simply
    #: not answered; a format with a header row of columns instead warns of an item without
    #: a column (``R014``, an error with ``strict``).
    records: bool = False

    def reads_text(self, path: str | Path) -> bool:
        """Whether this format reads ``path`` as text with lines, so that its errors name a
        line (see :attr:`text`); False for a binary file.
        """
        return self.text and not Path(path).name.lower().endswith(self.binary_suffixes)


@dataclass(frozen=True)
class ExportFormat:
    """A format a questionnaire can be exported to (a collection tool's form)."""

    name: str
    suffixes: tuple[str, ...]
    description: str
    export: ExportFn
    extra: str | None = None


F = TypeVar("F", AnswersFormat, ExportFormat)


@dataclass
class Registry(Generic[F]):
    """Formats by name, in registration order."""

    what: str
    _formats: dict[str, F] = field(default_factory=dict)

    def add(self, fmt: F) -> F:
        """Register ``fmt`` (a name registered twice is an error)."""
        if fmt.name in self._formats:
            raise ValueError(f"{self.what} format {fmt.name!r} is registered twice")
        self._formats[fmt.name] = fmt
        return fmt

    def names(self) -> tuple[str, ...]:
        """The registered names."""
        load_all()
        return tuple(self._formats)

    def get(self, name: str) -> F:
        """The format called ``name``.

        Raises:
            UnknownFormatError: no such format (the message lists the known ones).

        """
        load_all()
        try:
            return self._formats[name]
        except KeyError:
            raise UnknownFormatError(
                f"unknown {self.what} format {name!r} (formats: {', '.join(self._formats)})"
            ) from None

    def __iter__(self) -> Iterator[F]:
        load_all()
        return iter(list(self._formats.values()))

    def by_suffix(self, path: str | Path) -> F | None:
        """The first format that claims ``path``'s suffix (``.tar.gz`` style suffixes too)."""
        name = Path(path).name.lower()
        for fmt in self:
            if any(name.endswith(s) for s in fmt.suffixes):
                return fmt
        return None


ANSWERS: Registry[AnswersFormat] = Registry("answers")
EXPORTS: Registry[ExportFormat] = Registry("export")

#: The modules of the formats that ship with the library (imported on first use).
_BUILTIN = (
    "maturity.io.csvio",
    "maturity.io.jsonio",
    "maturity.io.arrow",
    "maturity.io.parquet",
    "maturity.io.export",
    "maturity.io.xlsform",
    "maturity.io.sheets",
    "maturity.io.workbook",
    "maturity.io.surveyjs",
    # the most specific recognition first: a form tool's sheet starts with its timestamp
    "maturity.io.forms",
    "maturity.io.kobo",
    "maturity.io.limesurvey",
)
_loaded = False


def load_all() -> None:
    """Import the built-in format modules and the ``maturity.formats`` entry points once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _BUILTIN:
        importlib.import_module(mod)
    from importlib.metadata import entry_points

    for ep in entry_points(group="maturity.formats"):
        ep.load()


def answers_format(
    name: str,
    suffixes: tuple[str, ...],
    description: str,
    *,
    sniff: SniffFn | None = None,
    extra: str | None = None,
    text: bool = True,
    binary_suffixes: tuple[str, ...] = (),
    records: bool = False,
) -> Callable[[ReadFn], ReadFn]:
    """Register the decorated function as the reader of answers format ``name``.

    ``text`` and ``binary_suffixes`` say where its errors point (:attr:`AnswersFormat.text`):
    a reader of text names the line of every error. ``records``: the file's records leave
    out unanswered keys (:attr:`AnswersFormat.records`).
    """

    def deco(fn: ReadFn) -> ReadFn:
        ANSWERS.add(
            AnswersFormat(
                name,
                suffixes,
                description,
                fn,
                None,
                sniff,
                extra,
                text=text,
                binary_suffixes=binary_suffixes,
                records=records,
            )
        )
        return fn

    return deco


def answers_writer(name: str) -> Callable[[WriteFn], WriteFn]:
    """Register the decorated function as the writer of the (registered) format ``name``."""

    def deco(fn: WriteFn) -> WriteFn:
        import dataclasses

        old = ANSWERS._formats[name]
        ANSWERS._formats[name] = dataclasses.replace(old, write=fn)
        return fn

    return deco


def answers_stream(name: str) -> Callable[[StreamFn], StreamFn]:
    """Register the decorated function as the batch-by-batch reader of format ``name``."""

    def deco(fn: StreamFn) -> StreamFn:
        import dataclasses

        old = ANSWERS._formats[name]
        ANSWERS._formats[name] = dataclasses.replace(old, stream=fn)
        return fn

    return deco


def export_format(
    name: str, suffixes: tuple[str, ...], description: str, *, extra: str | None = None
) -> Callable[[ExportFn], ExportFn]:
    """Register the decorated function as the questionnaire exporter ``name``."""

    def deco(fn: ExportFn) -> ExportFn:
        EXPORTS.add(ExportFormat(name, suffixes, description, fn, extra))
        return fn

    return deco
