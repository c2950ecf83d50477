"""Reports for many companies: parallel over processes, atomic writes, a progress line."""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["ReportJob", "file_names", "run_reports", "safe_name"]


@dataclass(frozen=True)
class ReportJob:
    """Everything needed to render the reports of a set of companies."""

    scores: Any
    benchmark: Any = None
    gaps: Any = None
    responses: Any = None
    branding: Any = None  # a Branding, a branding directory or None
    date: _dt.date | None = None  # the report date on the cover
    previous: Any = None  # Scores of an earlier assessment, same model
    plans: Any = None  # a mapping company id -> Plan, for the action-plan section


_JOB: ReportJob | None = None


def _init(job: ReportJob) -> None:
    global _JOB
    _JOB = job


def safe_name(company: str) -> str:
    """A file name for a company id: ASCII letters, digits, '-' and '_' only.

    Accents are dropped (``"Caffè Nero"`` → ``"Caffe-Nero"``), any other run of characters
    becomes one ``-``. Different ids can give the same name: :func:`file_names` tells them apart.
    """
    ascii_name = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_name).strip("-")
    return name or "company"


def file_names(companies: Sequence[str]) -> dict[str, str]:
    """A distinct file name per company, so that no report overwrites another.

    The name is :func:`safe_name`; where two ids would share one, a short hash of the id
    follows it (``"A-B-3f2a9c"``).
    """
    names = {c: safe_name(c) for c in companies}
    counts = Counter(names.values())
    for c, name in names.items():
        if counts[name] > 1:
            names[c] = f"{name}-{hashlib.sha256(c.encode('utf-8')).hexdigest()[:6]}"
    return names


def _render_one(task: tuple[str | None, str, str, str, bool]) -> str:
    from maturity.io.files import write_bytes
    from maturity.report.render import render_portfolio, render_report

    company, lang, fmt, path, force = task
    assert _JOB is not None
    format: Literal["html", "pdf"] = "pdf" if fmt == "pdf" else "html"
    if company is None:  # the portfolio of all the job's companies
        out = render_portfolio(
            _JOB.scores,
            lang=lang,
            benchmark=_JOB.benchmark,
            gaps=_JOB.gaps,
            branding=_JOB.branding,
            format=format,
            date=_JOB.date,
            plans=_JOB.plans,
        )
    else:
        out = render_report(
            _JOB.scores,
            company,
            lang=lang,
            benchmark=_JOB.benchmark,
            gaps=_JOB.gaps,
            responses=_JOB.responses,
            branding=_JOB.branding,
            format=format,
            date=_JOB.date,
            previous=_JOB.previous,
            plan=_JOB.plans.get(company) if _JOB.plans else None,
        )
    data = out.encode("utf-8") if isinstance(out, str) else out
    write_bytes(path, data, force=force)
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
    portfolio: bool = False,
) -> list[Path]:
    """Render every company's report in every language and format into ``out_dir``.

    Files are named ``<company>.<lang>.<format>`` (see :func:`file_names`); existing files
    are refused unless ``force`` (checked for all files before anything is rendered). With
    ``workers > 1`` the reports are rendered in that many processes. With ``portfolio`` the
    portfolio report of all the job's companies is written too, as
    ``portfolio.<lang>.<format>``.
    """
    from maturity.io import OutputExistsError

    out = Path(out_dir)
    names = file_names(companies)
    tasks: list[tuple[str | None, str, str, str, bool]] = [
        (c, lang, fmt, str(out / f"{names[c]}.{lang}.{fmt}"), force)
        for c in companies
        for lang in langs
        for fmt in formats
    ]
    if portfolio:
        taken = set(names.values())
        stem = "portfolio" if "portfolio" not in taken else "portfolio-overview"
        tasks += [
            (None, lang, fmt, str(out / f"{stem}.{lang}.{fmt}"), force)
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
    # a bar redrawn in place on a terminal; in a log (a file, CI) one line per tenth instead
    tty = sys.stderr.isatty()

    def tick(path: str) -> None:
        done.append(Path(path))
        if not progress:
            return
        n, k = len(tasks), len(done)
        if tty:
            bar = "#" * int(30 * k / n)
            sys.stderr.write(f"\r[{bar:<30}] {k}/{n} reports" + ("\n" if k == n else ""))
        elif k == n or (10 * k) // n > (10 * (k - 1)) // n:
            sys.stderr.write(f"{k}/{n} reports\n")
        sys.stderr.flush()

    # the first report here, before the workers start: a broken branding template or a
    # missing PDF extra stops the batch at once, with one error instead of one per worker
    _init(job)
    if tasks:
        tick(_render_one(tasks[0]))
    rest = tasks[1:]
    if workers > 1 and len(rest) > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(job,)) as pool:
            for path in pool.map(_render_one, rest):
                tick(path)
    else:
        for t in rest:
            tick(_render_one(t))
    return done
