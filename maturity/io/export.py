"""A questionnaire in the tools people collect answers with: :func:`export` and :func:`template`.

Every target is a registered exporter (:data:`maturity.io.registry.EXPORTS`, ``names()``):
``xlsx-form`` (the interview workbook), ``xlsform`` (ODK, KoboToolbox), ``surveyjs`` and
``csv`` (an empty answers file with the right columns). A condition that a target cannot
express exactly is an :class:`ExportError` (nothing is silently dropped); one that it expresses
with a caveat is an :class:`ExportWarning` (a Python warning, printed by the CLI).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import MaturityError
from maturity.io.registry import Options, export_format

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire

__all__ = ["ExportError", "ExportWarning", "export", "languages_of", "template", "warn"]


class ExportError(MaturityError, ValueError):
    """The questionnaire cannot be exported to a format; ``problems`` lists every reason."""

    def __init__(self, target: str, problems: Iterable[str]) -> None:
        self.target = target
        self.problems = tuple(problems)
        super().__init__(
            "\n".join(f"cannot export to {target}: {p}" for p in self.problems)
            or f"cannot export to {target}"
        )


class ExportWarning(UserWarning):
    """Something an export expresses with a caveat (listed, never silent)."""


def warn(target: str, message: str) -> None:
    """Issue an :class:`ExportWarning` for ``target``."""
    warnings.warn(f"{target}: {message}", ExportWarning, stacklevel=3)


def languages_of(q: Questionnaire, options: Options) -> tuple[str, ...]:
    """The languages asked for (``langs``), checked against the questionnaire's.

    Raises:
        ExportError: a language the questionnaire does not declare.

    """
    asked = options.get("langs") or q.languages
    if isinstance(asked, str):
        asked = [x.strip() for x in asked.split(",") if x.strip()]
    langs = tuple(dict.fromkeys(asked))
    bad = [x for x in langs if x not in q.languages]
    if bad or not langs:
        raise ExportError(
            "languages",
            [
                f"language {', '.join(bad) or '(none)'} is not declared by "
                f"'{q.id}' (languages: {', '.join(q.languages)})"
            ],
        )
    return langs


def _questionnaire(q: Questionnaire | str | Path) -> Questionnaire:
    from maturity.questionnaire import Questionnaire as _Q
    from maturity.questionnaire import load_questionnaire

    return q if isinstance(q, _Q) else load_questionnaire(q)


def export(
    questionnaire: Questionnaire | str | Path,
    *,
    to: str,
    langs: Sequence[str] | str | None = None,
    path: str | Path | None = None,
    force: bool = False,
    **options: Any,
) -> bytes | Path:
    """Export a questionnaire to a collection tool's format.

    Args:
        questionnaire: a :class:`~maturity.questionnaire.Questionnaire`, a bundled id or a
            path.
        to: a registered export format (``maturity.io.registry.EXPORTS.names()``):
            ``xlsx-form``, ``xlsform``, ``surveyjs``, ``csv``.
        langs: the languages to include, first the main one (default: the questionnaire's);
            ``"it,en"`` or ``["it", "en"]``.
        path: write the file there (atomically; exclusively unless ``force``) and return its
            path; ``None`` returns the bytes.
        force: overwrite ``path`` if it exists.
        **options: options of the format (``xlsx-form``: ``respondents``, the number of
            answer columns, default 10).

    Returns:
        The file's bytes, or its path when ``path`` is given.

    Raises:
        UnknownFormatError: ``to`` is not a registered export format.
        ExportError: a language is not declared, or a condition cannot be expressed in the
            target format (every such condition is listed).
        OutputExistsError: ``path`` exists and ``force`` is False.

    """
    from maturity.io.files import write_bytes
    from maturity.io.registry import EXPORTS

    fmt = EXPORTS.get(to)
    q = _questionnaire(questionnaire)
    data = fmt.export(q, {**options, "langs": langs or q.languages})
    if path is None:
        return data
    return write_bytes(Path(path), data, force=force)


def template(
    questionnaire: Questionnaire | str | Path,
    path: str | Path | None = None,
    *,
    force: bool = False,
) -> bytes | Path:
    """An empty answers CSV for ``questionnaire``: the header row of every column, and the
    questionnaire's id and version (``export(q, to="csv")``).
    """
    return export(questionnaire, to="csv", path=path, force=force)


@export_format("csv", (".csv",), "an empty answers file: the header of every column")
def export_csv(q: Questionnaire, options: Options) -> bytes:
    """The header of an answers CSV for ``q`` (our column names, in our writers' order)."""
    from maturity.io.check import columns_of
    from maturity.io.csvio import csv_text

    return csv_text([list(columns_of(q))]).encode("utf-8")
