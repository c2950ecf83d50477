"""Reports for many companies: parallel over processes, exclusive atomic writes, a progress line.

Nothing is lost or clobbered:

- every file a run writes gets its name from one rule (:func:`file_names`): distinct (also
  when compared case-insensitively, for the file systems of Windows and macOS), bounded in
  length, the portfolio's included; every name is checked before the first report is rendered
  (length, an existing file without ``force``, an input of the same command);
- every file is written by :func:`maturity.io.files.write_bytes`: complete or not at all, and
  created exclusively without ``force``, so that two runs into one directory cannot both
  succeed;
- the worker processes die with the batch: on Linux the kernel kills them when the parent dies
  (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread sees the parent gone within a second;
  Ctrl-C or ``SIGTERM`` (to the batch or its whole process group) stops the batch after the
  reports being written are complete: the workers leave both signals to the parent.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import signal
import sys
import threading
import unicodedata
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["MAX_STEM", "PORTFOLIO", "ReportJob", "file_names", "run_reports", "safe_name"]

#: The longest file name stem (before ``.<lang>.<format>``) a batch writes, in characters
#: (ASCII): well under the 255 bytes of common file systems.
MAX_STEM = 100

#: The stem of the portfolio report's files.
PORTFOLIO = "portfolio"

#: Names Windows reserves for devices, whatever the extension.
_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}
)


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


def safe_name(company: str) -> str:
    """A file name for a company id: ASCII letters, digits, '-' and '_' only.

    Accents are dropped (``"Caffè Nero"`` → ``"Caffe-Nero"``), any other run of characters
    becomes one ``-``. Different ids can give the same name, and a name can be long:
    :func:`file_names` makes them distinct and bounded.
    """
    ascii_name = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_name).strip("-")
    return name or "company"


def _digest(company: str, n: int) -> str:
    return hashlib.sha256(company.encode("utf-8")).hexdigest()[:n]


def file_names(companies: Sequence[str], *, reserved: Sequence[str] = ()) -> dict[str, str]:
    """A distinct, bounded file name stem per company: the one naming rule of a batch.

    The stem is :func:`safe_name` of the id. A short hash of the id follows it
    (``"A-B-3f2a9c"``) when the stem is shared with another company or with a ``reserved``
    stem (the portfolio's), compared case-insensitively; when it is a device name of Windows
    (``CON``, ``NUL``...); and when it is longer than :data:`MAX_STEM` (then cut to fit). The
    hash grows in the rare case where a hashed stem meets another company's stem.
    """
    from collections import Counter

    stems = {c: safe_name(c) for c in companies}
    shared = {k for k, n in Counter(s.casefold() for s in stems.values()).items() if n > 1}
    blocked = {r.casefold() for r in reserved}

    def name(c: str, n: int) -> str:
        stem = stems[c]
        key = stem.casefold()
        if len(stem) > MAX_STEM or key in shared or key in blocked or key in _DEVICES:
            return f"{stem[: MAX_STEM - n - 1]}-{_digest(c, n)}"
        return stem

    for n in (6, 12, 64):
        names = {c: name(c, n) for c in companies}
        keys = [v.casefold() for v in names.values()]
        if len(set(keys)) == len(keys) and not blocked & set(keys):
            return names
    raise AssertionError("sha-256 collision")  # pragma: no cover


_JOB: ReportJob | None = None


def _init(job: ReportJob, parent: int | None = None) -> None:
    """Set up a worker: the job, and (given the parent's pid) death with the parent."""
    global _JOB
    _JOB = job
    if parent is not None:
        _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Make this worker process end when its parent does (see the module's documentation).

    Ctrl-C and ``SIGTERM`` are left to the parent, which lets the reports being written finish
    and then stops the batch: the workers ignore ``SIGINT`` and ``SIGTERM``, and are killed
    (``SIGKILL``) if the parent dies; a report is never half-written, whenever a worker dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog alone
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="maturity-watchdog", daemon=True).start()


def _watch(parent: int) -> None:  # pragma: no cover - runs in the workers
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


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
    inputs: Sequence[str | Path] = (),
) -> list[Path]:
    """Render every company's report in every language and format into ``out_dir``.

    Files are named ``<company>.<lang>.<format>`` (see :func:`file_names`); with ``portfolio``
    the portfolio report of all the job's companies is written too, as
    ``portfolio.<lang>.<format>``. Before anything is rendered every name is checked: existing
    files are refused unless ``force``, and so are names the file system cannot hold and files
    that are also ``inputs`` of the command. With ``workers > 1`` the reports are rendered in
    that many processes, which end with this one. Returns the files written, in the order of
    ``companies`` (then the portfolio).

    Raises:
        OutputExistsError: a file exists (or another run created it meanwhile) and ``force``
            is False; the files already written by this run are complete.
        OutputIsInputError: a report would overwrite an input of the command.

    """
    from maturity.io import OutputExistsError, check_outputs

    out = Path(out_dir)
    names = file_names(companies, reserved=(PORTFOLIO,) if portfolio else ())
    tasks: list[tuple[str | None, str, str, str, bool]] = [
        (c, lang, fmt, str(out / f"{names[c]}.{lang}.{fmt}"), force)
        for c in companies
        for lang in langs
        for fmt in formats
    ]
    if portfolio:
        tasks += [
            (None, lang, fmt, str(out / f"{PORTFOLIO}.{lang}.{fmt}"), force)
            for lang in langs
            for fmt in formats
        ]
    check_outputs([t[3] for t in tasks], inputs)
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
        _in_processes(job, rest, workers, tick)
    else:
        for t in rest:
            tick(_render_one(t))
    order = {t[3]: k for k, t in enumerate(tasks)}
    return sorted(done, key=lambda p: order[str(p)])


def _in_processes(
    job: ReportJob,
    tasks: Sequence[tuple[str | None, str, str, str, bool]],
    workers: int,
    tick: Any,
) -> None:
    """Render ``tasks`` in ``workers`` processes; on an error or an interruption, cancel what
    has not started, let the reports being written finish, and raise.

    Raises:
        ReportError: a worker process died (killed from outside, or out of memory).

    """
    from concurrent.futures.process import BrokenProcessPool

    from maturity.report.errors import ReportError

    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)), initializer=_init, initargs=(job, os.getpid())
    )
    futures: list[Future[str]] = []
    try:
        futures = [pool.submit(_render_one, t) for t in tasks]
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for f in finished:
                tick(f.result())  # raises the worker's error, if any
    except BaseException as exc:
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):
            raise ReportError(
                "a report process ended unexpectedly (killed, or out of memory); the reports "
                "written so far are complete"
            ) from None
        raise
    pool.shutdown(wait=True)
