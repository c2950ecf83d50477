"""PDF reports: the HTML of :mod:`maturity.report.render` printed by WeasyPrint.

WeasyPrint is an optional extra (``pip install "maturity[pdf]"``); without it
:func:`render_pdf` raises :class:`PdfUnavailableError`.

The renderer fetches nothing: every resource a report needs is inline (CSS, SVG charts, the
logo as a ``data:`` URI), and the URL fetcher given to WeasyPrint refuses every URL that is
not a ``data:`` URI, so neither the network nor a local file (``file:///etc/passwd``) can be
read by a branding template or style sheet.

The PDF is reproducible: WeasyPrint writes no current time of its own; the document's dates
come from the report's ``<meta name="dcterms.created">`` (the assessment date) and
``dcterms.modified`` (the report date), and ``SOURCE_DATE_EPOCH``, when set, gives the
modification date (and the creation date when the report has none), as the reproducible-builds
convention asks. No file identifier (``/ID``) is written, so the same HTML and the same
``SOURCE_DATE_EPOCH`` give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import threading
from collections.abc import Iterator
from typing import Any

from maturity.errors import MaturityError

__all__ = [
    "PdfUnavailableError",
    "UnsafeURLError",
    "data_only_fetcher",
    "render_pdf",
    "require_weasyprint",
]


class PdfUnavailableError(MaturityError, ImportError):
    """PDF output needs WeasyPrint, an optional extra: ``pip install "maturity[pdf]"``."""


class UnsafeURLError(MaturityError, ValueError):
    """A report asked for a resource outside itself (only ``data:`` URIs are allowed)."""


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise PdfUnavailableError(
            'PDF reports need WeasyPrint, an optional extra: pip install "maturity[pdf]" '
            f"(import failed: {exc})"
        ) from exc
    except OSError as exc:  # pragma: no cover - WeasyPrint found, its system libraries not
        raise PdfUnavailableError(
            "WeasyPrint is installed but its system libraries (Pango) cannot be loaded; see "
            f"WeasyPrint's installation guide ({exc})"
        ) from exc
    return weasyprint


def require_weasyprint() -> None:
    """Raise :class:`PdfUnavailableError` (saying how to install it) unless PDF output works."""
    _weasyprint()


def _is_data(url: str) -> bool:
    return url.lstrip().lower().startswith("data:")


def _refuse(url: str) -> UnsafeURLError:
    shown = url if len(url) <= 80 else url[:77] + "..."
    return UnsafeURLError(f"refused to fetch {shown!r}: a report may only use data: URIs")


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and refuses everything else
    (``http:``, ``https:``, ``file:``, ...) with :class:`UnsafeURLError`.

    WeasyPrint ≥ 66 takes an instance of a ``weasyprint.urls.URLFetcher`` subclass; older
    versions a function returning a dict. Both are supported.
    """
    weasyprint = _weasyprint()
    base: Any = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if isinstance(base, type):

        class DataOnlyFetcher(base):  # type: ignore[misc]
            """Serves data: URIs only."""

            def fetch(self, url: str, headers: Any = None) -> Any:
                if not _is_data(url):
                    raise _refuse(url)
                return super().fetch(url, headers)

        return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)

    default = weasyprint.default_url_fetcher

    def fetcher(url: str, *args: Any, **kwargs: Any) -> Any:
        if not _is_data(url):
            raise _refuse(url)
        return default(url, *args, **kwargs)

    return fetcher


def _source_date() -> _dt.datetime | None:
    """The time given by ``SOURCE_DATE_EPOCH`` (UTC), or None when it is not set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return _dt.datetime.fromtimestamp(int(raw), tz=_dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise MaturityError(
            f"SOURCE_DATE_EPOCH must be a number of seconds since 1970, not {raw!r}"
        ) from None


_ENV_LOCK = threading.Lock()


def _epoch_of(w3c_date: str | None) -> int:
    """Seconds since 1970 of a W3C date ("2025-07-31" or a full timestamp), 0 if none."""
    if not w3c_date:
        return 0
    try:
        moment = _dt.datetime.fromisoformat(w3c_date.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return max(0, int(moment.timestamp()))


@contextlib.contextmanager
def _fixed_font_timestamps(epoch: int) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` while the PDF is written, when the caller has not.

    fontTools (which WeasyPrint uses to subset fonts when HarfBuzz-Subset is missing) stamps
    each embedded font with the current time unless ``SOURCE_DATE_EPOCH`` is set; the document's
    own date is used instead, so the same HTML always gives the same bytes.
    """
    with _ENV_LOCK:
        if "SOURCE_DATE_EPOCH" in os.environ:
            yield
            return
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            yield
        finally:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Print a report's HTML (from :func:`maturity.report.render.render_html`) as PDF bytes.

    Only ``data:`` URIs are fetched (see :func:`data_only_fetcher`); ``base_url`` only
    resolves relative links, nothing is read from it. The same HTML and the same
    ``SOURCE_DATE_EPOCH`` give the same bytes. Raises :class:`PdfUnavailableError` when
    WeasyPrint is not installed.
    """
    weasyprint = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=data_only_fetcher()
    ).render()
    epoch = _source_date()
    if epoch is not None:
        stamp = epoch.strftime("%Y-%m-%dT%H:%M:%SZ")
        document.metadata.modified = stamp
        if not document.metadata.created:
            document.metadata.created = stamp
    # no file identifier: pydyf derives the second half of /ID from a hash of the objects'
    # data re-read after writing, which is not stable for embedded fonts; /ID is optional in
    # a PDF that is neither encrypted nor PDF/A
    metadata = document.metadata
    with _fixed_font_timestamps(_epoch_of(metadata.modified or metadata.created)):
        pdf: bytes = document.write_pdf(pdf_identifier=False)
    return pdf
