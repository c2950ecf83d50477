"""The questionnaires, scoring models and action catalogues shipped with the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from maturity.errors import Problem, SpecError, suggest

__all__ = ["BundledFile", "bundled", "resolve"]

Kind = Literal["questionnaire", "scoring_model", "action_catalogue"]
_DIRS: dict[str, str] = {
    "questionnaire": "questionnaires",
    "scoring_model": "scoring_models",
    "action_catalogue": "actions",
}


@dataclass(frozen=True, slots=True)
class BundledFile:
    """A shipped file: its kind, its id (the file name without ``.yaml``) and its path."""

    kind: Kind
    id: str
    path: Path


def _directory(kind: str) -> Path:
    here = Path(__file__).resolve().parent
    installed = here / _DIRS[kind]  # a wheel installs them inside the package
    if installed.is_dir():
        return installed
    return here.parent / _DIRS[kind]  # a source checkout keeps them at the top


def bundled(kind: Kind | None = None) -> tuple[BundledFile, ...]:
    """List the shipped questionnaires, scoring models and action catalogues (or only those of
    ``kind``).
    """
    kinds: tuple[str, ...] = (kind,) if kind else tuple(_DIRS)
    out: list[BundledFile] = []
    for k in kinds:
        d = _directory(k)
        if d.is_dir():
            out.extend(
                BundledFile(k, p.stem, p)  # type: ignore[arg-type]
                for p in sorted(d.glob("*.yaml"))
            )
    return tuple(out)


def resolve(source: str | Path, kind: Kind) -> Path:
    """A path for ``source``: a file path, or the id of a bundled file of ``kind``."""
    if isinstance(source, Path):
        return source
    p = Path(source)
    if p.suffix in (".yaml", ".yml") or "/" in source or "\\" in source or p.exists():
        return p
    ids = {b.id: b.path for b in bundled(kind)}
    if source in ids:
        return ids[source]
    what = kind.replace("_", " ")
    raise SpecError(
        [
            Problem.make(
                "Y011",
                file=source,
                detail=f"no such file, and no bundled {what} has this id (bundled: "
                f"{', '.join(sorted(ids)) or 'none'}){suggest(source, ids)}",
            )
        ]
    )
