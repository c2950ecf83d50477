"""Reports of an assessment as a self-contained HTML page (and a PDF made from it).

A report is made in two steps, as the style guide asks:

1. A **view model** built in Python: :func:`build_company_view` (one company, for its
   management) or :func:`build_portfolio_view` (many companies, for a competence centre). The
   view is plain data (dicts, lists, strings, numbers, dates) plus the charts as inline SVG;
   every number a template shows is computed here, none in a template.
2. **Templates** turn the view into HTML (:func:`render_html`): Jinja2 in a sandbox, autoescape
   always on, ``StrictUndefined``, one environment per branding directory built by
   :func:`_environment` only. A consultant's branding directory can override template blocks
   (``{% extends "maturity/report.html.j2" %}``), add CSS (``report.css``) and a logo
   (``logo.svg`` or ``logo.png``).

:func:`render_report` and :func:`render_portfolio` do both steps, and make a PDF with
:func:`maturity.report.pdf.render_pdf` when asked (``format="pdf"``).

Peer benchmarks and gaps are optional inputs: a report without them says "no peer comparison
available" and leaves the priorities out. Fixed strings come from a message catalogue per
language (``locale/en.json``, ``locale/it.json``); numbers and dates are formatted for the
language by :func:`format_number`, :func:`format_percent` and :func:`format_date`.

The output is reproducible: the same inputs give the same bytes (no timestamps unless a date is
given, fixed SVG id prefixes such as ``radar`` and ``bar-<node>``).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.report.company import build_company_view
from maturity.report.environment import Branding, _branding, render_html
from maturity.report.errors import ReportError, TemplateError
from maturity.report.formatting import (
    LANGUAGES,
    format_date,
    format_number,
    format_percent,
    messages,
)
from maturity.report.portfolio import build_portfolio_view

if TYPE_CHECKING:  # pragma: no cover
    from maturity.responses import Responses
    from maturity.scores import Scores

__all__ = [
    "LANGUAGES",
    "Branding",
    "ReportError",
    "TemplateError",
    "build_company_view",
    "build_portfolio_view",
    "format_date",
    "format_number",
    "format_percent",
    "messages",
    "render_html",
    "render_portfolio",
    "render_report",
]


def _output(html: str, format: Literal["html", "pdf"]) -> str | bytes:
    if format == "html":
        return html
    if format == "pdf":
        from maturity.report.pdf import render_pdf

        return render_pdf(html)
    raise ReportError(f"format must be 'html' or 'pdf', not {format!r}")


def render_report(
    scores: Scores,
    company_id: str,
    *,
    lang: str = "en",
    benchmark: Any = None,
    gaps: Any = None,
    branding: Branding | str | Path | None = None,
    format: Literal["html", "pdf"] = "html",
    responses: Responses | None = None,
    date: _dt.date | None = None,
    previous: Scores | None = None,
    plan: Any = None,
) -> str | bytes:
    """The report of one company: HTML text (``format="html"``) or PDF bytes (``"pdf"``,
    needs ``pip install "maturity[pdf]"``).

    ``benchmark`` (a :class:`maturity.benchmarking.Benchmark`) adds percentiles and peer medians,
    ``gaps`` (a :class:`maturity.gap_analysis.Gaps`) the priorities, ``responses`` the respondents'
    free-text remarks, ``date`` the report date on the cover, ``previous`` (the
    :class:`~maturity.scores.Scores` of an earlier assessment, same model) the change since
    then, ``plan`` (a :class:`maturity.Plan` for this company) the action plan; all are
    optional. ``branding`` is a :class:`Branding` or a branding directory. See
    :func:`build_company_view`.
    """
    b = _branding(branding)
    view = build_company_view(
        scores,
        company_id,
        lang=lang,
        benchmark=benchmark,
        gaps=gaps,
        consultant=b.consultant,
        organisation=b.name,
        date=date,
        responses=responses,
        previous=previous,
        plan=plan,
        contact={"email": b.email, "phone": b.phone, "website": b.website},
    )
    return _output(render_html(view, branding=b), format)


def render_portfolio(
    scores: Scores,
    *,
    lang: str = "en",
    benchmark: Any = None,
    gaps: Any = None,
    branding: Branding | str | Path | None = None,
    format: Literal["html", "pdf"] = "html",
    date: _dt.date | None = None,
    plans: Any = None,
) -> str | bytes:
    """The portfolio overview of many companies for a competence centre: HTML text or PDF
    bytes. ``plans`` (company id → :class:`maturity.Plan`) adds the demand for actions across
    the portfolio. See :func:`build_portfolio_view`.
    """
    b = _branding(branding)
    view = build_portfolio_view(
        scores,
        lang=lang,
        benchmark=benchmark,
        gaps=gaps,
        organisation=b.name,
        date=date,
        plans=plans,
    )
    return _output(render_html(view, branding=b), format)
