"""Reports for many companies: parallel over processes, atomic writes, a progress line."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["ReportJob", "run_reports"]


@dataclass(frozen=True)
class ReportJob:
    """Everything needed to render the reports of a set of companies."""

    scores: Any
    benchmark: Any = None
    gaps: Any = None
    responses: Any = None
    branding: str | None = None


_JOB: ReportJob | None = None


def _init(job: ReportJob) -> None:
    global _JOB
    _JOB = job


def safe_name(company: str) -> str:
    """A file name for a company id: letters, digits, '-' and '_' only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", company).strip("-")
    return name or "company"


def _render_one(task: tuple[str, str, str, str, bool]) -> str:
    from maturity.report.render import render_report
    from maturity.responses import atomic_write

    company, lang, fmt, path, force = task
    assert _JOB is not None
    out = render_report(
        _JOB.scores,
        company,
        lang=lang,
        benchmark=_JOB.benchmark,
        gaps=_JOB.gaps,
        responses=_JOB.responses,
        branding=_JOB.branding,
        format="pdf" if fmt == "pdf" else "html",
    )
    data = out.encode("utf-8") if isinstance(out, str) else out
    atomic_write(Path(path), data, force=force)
    return path


def run_reports(
    job: ReportJob,
    companies: Sequence[str],
    out_dir: str | Path,
    *,
    langs: Sequence[str] = ("en",),
    formats: Sequence[Literal["html", "pdf"]] = ("html",),
    force: bool = False,
    workers: int = 1,
    progress: bool = True,
) -> list[Path]:
    """Render every company's report in every language and format into ``out_dir``.

    Files are named ``<company>.<lang>.<format>``; existing files are refused unless
    ``force`` (checked for all files before anything is rendered). With ``workers > 1`` the
    reports are rendered in that many processes.
    """
    from maturity.responses import OutputExistsError

    out = Path(out_dir)
    tasks = [
        (c, lang, fmt, str(out / f"{safe_name(c)}.{lang}.{fmt}"), force)
        for c in companies
        for lang in langs
        for fmt in formats
    ]
    if not force:
        existing = [t[3] for t in tasks if Path(t[3]).exists()]
        if existing:
            raise OutputExistsError(
                f"{existing[0]}: the file exists (and {len(existing) - 1} "
                "more); use --force to overwrite"
            )
    done: list[Path] = []

    def tick(path: str) -> None:
        done.append(Path(path))
        if progress:
            n = len(tasks)
            bar = "#" * int(30 * len(done) / n)
            sys.stderr.write(f"\r[{bar:<30}] {len(done)}/{n} reports")
            if len(done) == n:
                sys.stderr.write("\n")
            sys.stderr.flush()

    if workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(job,)) as pool:
            for path in pool.map(_render_one, tasks):
                tick(path)
    else:
        _init(job)
        for t in tasks:
            tick(_render_one(t))
    return done
