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

import base64
import datetime as _dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import MaturityError

if TYPE_CHECKING:  # pragma: no cover
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from maturity.model import Level, ScoringModel
    from maturity.responses import Responses
    from maturity.scores import ChildContribution, Scores

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

_HERE = Path(__file__).resolve().parent
_TEMPLATES = _HERE / "templates"
_LOCALE = _HERE / "locale"

#: The languages a report can be written in (one message catalogue each).
LANGUAGES: tuple[str, ...] = ("en", "it")

_MONTHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "en": tuple(
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ]
        ),
        "it": tuple(
            [
                "gennaio",
                "febbraio",
                "marzo",
                "aprile",
                "maggio",
                "giugno",
                "luglio",
                "agosto",
                "settembre",
                "ottobre",
                "novembre",
                "dicembre",
            ]
        ),
    }
)
_DASH = "–"  # shown for a missing number
_NBSP = "\u00a0"
_MAX_LOGO_BYTES = 1_000_000
_MAX_CSS_BYTES = 200_000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SLUG_RE = re.compile(r"[^a-z0-9]+")


class ReportError(MaturityError, ValueError):
    """A report cannot be made: an unknown company or language, or a bad branding directory."""


class TemplateError(ReportError):
    """A branding template is broken, or tried what the sandbox refuses (reaching Python
    internals, switching autoescape off, changing the data).

    The message names the template file and line; the Jinja2 exception (for example
    :class:`jinja2.exceptions.SecurityError`) is the ``__cause__``.
    """


@dataclass(frozen=True, slots=True)
class Branding:
    """Who hands the report over, and how it looks.

    ``directory`` may hold ``report.css`` (appended after the default style sheet), ``logo.svg``
    or ``logo.png`` (embedded as a ``data:`` URI) and templates that override the package's
    (``report.html.j2``, ``portfolio.html.j2``; extend ``maturity/report.html.j2`` to replace
    single blocks). ``name`` is the organisation shown on the cover (a competence centre, a
    consultancy) and ``consultant`` the person who ran the assessment. Templates are compiled
    once per directory and process; the style sheet and logo are read on every render.
    """

    directory: str | Path | None = None
    name: str | None = None
    consultant: str | None = None


# ------------------------------------------------------------------------------- formatting


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ReportError(f"no report language '{lang}' (languages: {', '.join(LANGUAGES)})")
    return lang


def _finite(value: object) -> float | None:
    """The value as a float, or None when it is missing (None, NaN or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def format_number(value: object, lang: str = "en", digits: int = 2) -> str:
    """Format a number for ``lang``: ``2.45`` and ``1,234.5`` in English, ``2,45`` and
    ``1.234,5`` in Italian; a minus sign (−) for negatives; "–" for a missing value.
    """
    x = _finite(value)
    if x is None:
        return _DASH
    text = f"{abs(x):,.{digits}f}"
    if _lang(lang) == "it":
        text = text.translate({ord(","): ".", ord("."): ","})
    if x < 0 and float(text.replace(".", "").replace(",", "") or 0) != 0:
        text = "−" + text
    return text


def format_percent(value: object, lang: str = "en", digits: int = 0) -> str:
    """Format a share (0.45) as a percentage: ``45%`` in English, ``45 %`` in Italian (with a
    no-break space, so the sign never starts a line); "–" for a missing value.
    """
    x = _finite(value)
    if x is None:
        return _DASH
    number = format_number(100 * x, lang, digits)
    return f"{number}{_NBSP}%" if _lang(lang) == "it" else f"{number}%"


def format_date(value: _dt.date | None, lang: str = "en") -> str:
    """Format a date in words: ``25 November 2026`` in English, ``25 novembre 2026`` in
    Italian; "–" for a missing date.
    """
    if value is None:
        return _DASH
    months = _MONTHS[_lang(lang)]
    return f"{value.day} {months[value.month - 1]} {value.year}"


@functools.cache
def _catalogue(lang: str) -> Mapping[str, str]:
    path = _LOCALE / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


def messages(lang: str) -> Mapping[str, str]:
    """The message catalogue of ``lang``: every fixed string of the reports, by key."""
    return _catalogue(_lang(lang))


# ------------------------------------------------------------------------------ environment


def _template_lang(context: Any) -> str:
    lang = context.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def _make_filters() -> dict[str, Callable[..., Any]]:
    """The filters of the report templates (number, percentage, date and message formatting)."""
    from jinja2 import pass_context
    from jinja2.exceptions import SecurityError

    @pass_context
    def num(context: Any, value: object, digits: int = 1) -> str:
        return format_number(value, _template_lang(context), digits)

    @pass_context
    def pct(context: Any, value: object, digits: int = 0) -> str:
        return format_percent(value, _template_lang(context), digits)

    @pass_context
    def date(context: Any, value: _dt.date | None) -> str:
        return format_date(value, _template_lang(context))

    @pass_context
    def short(context: Any, value: object) -> str:
        # a bound or a limit: at most two decimals, no trailing zeros ("4,75", "2", "0,5")
        text = format_number(value, _template_lang(context), 2)
        if text != _DASH and text[-3] in ",.":
            text = text.rstrip("0").rstrip(",.")
        return text

    @pass_context
    def change(context: Any, value: object, digits: int = 1) -> str:
        # a difference: "+0.4", "−0.2", "0.0" (no sign when it rounds to zero)
        text = format_number(value, _template_lang(context), digits)
        x = _finite(value)
        return "+" + text if x is not None and x > 0 and text.strip("0.,") else text

    def msg(template: str, **fields: object) -> str:
        # the result is a plain str: autoescape escapes the fields (and the template)
        return str(template).format_map({k: str(v) for k, v in fields.items()})

    def no_safe(value: object) -> str:
        raise SecurityError("the 'safe' filter is disabled in report templates")

    return {
        "num": num,
        "pct": pct,
        "short": short,
        "date": date,
        "change": change,
        "msg": msg,
        "safe": no_safe,
    }


def _sandbox_class() -> type[ImmutableSandboxedEnvironment]:
    from jinja2 import nodes
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class ReportEnvironment(ImmutableSandboxedEnvironment):
        """A sandbox where autoescape cannot be turned off by a template."""

        def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
            tree = super()._parse(source, name, filename)
            for node in tree.find_all(nodes.EvalContextModifier):
                error = SecurityError("autoescape cannot be changed in report templates")
                error.where = f"{filename or name}:{node.lineno}"  # type: ignore[attr-defined]
                raise error
            return tree

    return ReportEnvironment


@functools.lru_cache(maxsize=16)
def _environment(user_dir: str | None) -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment of the reports (one per branding directory).

    A sandbox (templates cannot reach Python internals) with autoescape always on,
    ``StrictUndefined``, the report filters, and the loader chain: the branding directory
    first, then the package's templates (also reachable as ``maturity/<name>``, so that a
    branding template can extend the one it replaces).
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined

    package = FileSystemLoader(str(_TEMPLATES))
    loaders: list[Any] = []
    if user_dir is not None:
        loaders.append(FileSystemLoader(user_dir))
    loaders += [PrefixLoader({"maturity": package}), package]
    env = _sandbox_class()(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(_make_filters())
    for name in ("lipsum", "cycler", "joiner"):  # nothing a report needs
        env.globals.pop(name, None)
    return env


# ---------------------------------------------------------------------------------- branding


def _branding(branding: Branding | str | Path | None) -> Branding:
    if branding is None:
        return Branding()
    b = branding if isinstance(branding, Branding) else Branding(directory=branding)
    if b.directory is not None and not Path(b.directory).is_dir():
        raise ReportError(f"branding directory {str(b.directory)!r} does not exist")
    return b


_CSS_IMPORT_RE = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


def _sanitise_css(css: str) -> str:
    """Make a branding style sheet safe to inline in ``<style>``: no way out of the element,
    no ``@import``, no ``url()`` but ``data:`` URIs and in-page fragments.
    """

    def url(m: re.Match[str]) -> str:
        target = m[2].strip()
        return m[0] if target.lower().startswith(("data:", "#")) else "none"

    css = _CSS_IMPORT_RE.sub("", css)
    css = _CSS_URL_RE.sub(url, css)
    # "<" has no use in CSS outside strings; escaped, "</style>" cannot end the element
    return css.replace("<", "\\3c ")


def _logo(directory: Path) -> str | None:
    """The branding logo as a ``data:`` URI for an ``<img>`` (SVG is never inlined, so it
    cannot run script), or None.
    """
    for name, mime in (("logo.svg", "image/svg+xml"), ("logo.png", "image/png")):
        path = directory / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if len(data) > _MAX_LOGO_BYTES:
            raise ReportError(f"{path}: the logo is larger than {_MAX_LOGO_BYTES} bytes")
        if mime == "image/png" and not data.startswith(_PNG_SIGNATURE):
            raise ReportError(f"{path}: not a PNG file")
        if mime == "image/svg+xml" and b"<svg" not in data[:4096]:
            raise ReportError(f"{path}: not an SVG file")
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return None


@functools.cache
def _default_css() -> str:
    return (_TEMPLATES / "report.css").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ render


def render_html(view: Mapping[str, Any], *, branding: Branding | str | Path | None = None) -> str:
    """Render a view (from :func:`build_company_view` or :func:`build_portfolio_view`) as one
    self-contained HTML page: inline CSS and SVG, nothing fetched from the network.

    ``branding`` is a :class:`Branding` or the path of a branding directory; its templates
    override the package's, its ``report.css`` is appended to the default style sheet, its
    logo is embedded. Raises :class:`TemplateError` (naming the file and line) when a
    template is broken or tries to reach Python internals or to switch autoescape off.
    """
    from markupsafe import Markup

    b = _branding(branding)
    directory = str(Path(b.directory).resolve()) if b.directory is not None else None
    css = _default_css()
    logo = None
    if directory is not None:
        user_css = Path(directory) / "report.css"
        if user_css.is_file():
            text = user_css.read_text(encoding="utf-8")
            if len(text) > _MAX_CSS_BYTES:
                raise ReportError(f"{user_css}: larger than {_MAX_CSS_BYTES} bytes")
            css += "\n/* branding */\n" + _sanitise_css(text)
        logo = _logo(Path(directory))
    kind = view.get("kind")
    templates = {"company": "report.html.j2", "portfolio": "portfolio.html.j2"}
    if kind not in templates:
        raise ReportError(f"not a report view (kind {kind!r}); use build_company_view()")
    from jinja2.exceptions import SecurityError, TemplateSyntaxError
    from jinja2.exceptions import TemplateError as JinjaTemplateError

    env = _environment(directory)
    try:
        template = env.get_template(templates[str(kind)])
        html = template.render(
            view=view,
            lang=view["lang"],
            t=messages(str(view["lang"])),
            css=Markup(css),  # noqa: S704 - our style sheet and a sanitised branding one
            logo=logo,
        )
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or 'template'}:{exc.lineno}"
        raise TemplateError(f"{where}: template syntax error: {exc.message}") from exc
    except (SecurityError, JinjaTemplateError) as exc:
        what = "refused by the sandbox" if isinstance(exc, SecurityError) else "template error"
        where = getattr(exc, "where", None) or _template_frame(exc)
        raise TemplateError(f"{where}: {what}: {exc}") from exc
    return html if html.endswith("\n") else html + "\n"


def _template_frame(exc: BaseException) -> str:
    """``file:line`` of the innermost template frame of ``exc``'s traceback (Jinja2 rewrites
    tracebacks so that template code shows as the template's file and line).
    """
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "template"


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
) -> str | bytes:
    """The report of one company: HTML text (``format="html"``) or PDF bytes (``"pdf"``,
    needs ``pip install "maturity[pdf]"``).

    ``benchmark`` (a :class:`maturity.benchmarking.Benchmark`) adds percentiles and peer medians,
    ``gaps`` (a :class:`maturity.gap_analysis.Gaps`) the priorities, ``responses`` the respondents'
    free-text remarks, ``date`` the report date on the cover, ``previous`` (the
    :class:`~maturity.scores.Scores` of an earlier assessment, same model) the change since
    then; all are optional. ``branding`` is a :class:`Branding` or a branding directory. See
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
) -> str | bytes:
    """The portfolio overview of many companies for a competence centre: HTML text or PDF
    bytes. See :func:`build_portfolio_view`.
    """
    b = _branding(branding)
    view = build_portfolio_view(
        scores, lang=lang, benchmark=benchmark, gaps=gaps, organisation=b.name, date=date
    )
    return _output(render_html(view, branding=b), format)


# ------------------------------------------------------------------------------ view helpers


def _slug(text: str, taken: set[str]) -> str:
    base = _SLUG_RE.sub("-", text.lower()).strip("-") or "x"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def _level_index(model: ScoringModel, score: float | None) -> int | None:
    if score is None:
        return None
    found = 0
    for k, lv in enumerate(model.levels):
        if score >= lv.min - 1e-9:
            found = k
    return found


def _shade(index: int | None, count: int) -> str:
    """CSS class of a level: ``lvl-0`` (lowest) to ``lvl-5`` (highest), ``lvl-none``."""
    if index is None:
        return "lvl-none"
    return f"lvl-{round(index * 5 / (count - 1)) if count > 1 else 3}"


def _level_view(model: ScoringModel, score: float | None, lang: str) -> dict[str, Any] | None:
    k = _level_index(model, score)
    if k is None:
        return None
    lv = model.levels[k]
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": lv.description.lang(lang) if lv.description else None,
        "index": k,
        "number": k + 1,
        "css": _shade(k, len(model.levels)),
    }


def _next_level(model: ScoringModel, score: float | None, lang: str) -> dict[str, Any] | None:
    k = _level_index(model, score)
    if k is None or k + 1 >= len(model.levels):
        return None
    lv: Level = model.levels[k + 1]
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": lv.description.lang(lang) if lv.description else None,
        "min": lv.min,
        "css": _shade(k + 1, len(model.levels)),
    }


def _levels_table(model: ScoringModel, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "code": lv.code,
            "label": lv.label.lang(lang),
            "min": lv.min,
            "description": lv.description.lang(lang) if lv.description else None,
            "css": _shade(k, len(model.levels)),
        }
        for k, lv in enumerate(model.levels)
    ]


def _title(model: ScoringModel, node: str, lang: str) -> str:
    q = model.questionnaire
    if node in model.rules:
        return q.node(node).title.lang(lang)
    return q.item(node).text.lang(lang)


def _chart_names(t: Mapping[str, str], *, portfolio: bool = False) -> dict[str, str]:
    names = {
        "company": t["chart_company"],
        "peer_median": t["chart_peer_median"],
        "peer_iqr": t["chart_peer_iqr"],
        "target": t["chart_target"],
        "previous": t["chart_previous"],
        "no_score": t["chart_no_score"],
    }
    if portfolio:
        names.update(company=t["chart_median"], peer_iqr=t["chart_iqr"])
    return names


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _position(value: float, lo: float, hi: float) -> str:
    """Where ``value`` lies on the scale from ``lo`` to ``hi``, as a CSS percentage."""
    return f"{min(100.0, max(0.0, 100.0 * (value - lo) / (hi - lo))):.2f}"


def _bar_view(
    labels: Sequence[str],
    values: Sequence[float | None],
    medians: Sequence[float | None] | None,
    lo: float,
    hi: float,
) -> dict[str, Any]:
    """A bar chart drawn in HTML and CSS: a table row per label, the bar's length and the peer
    median's place as CSS percentages of the scale (templates ``macros.bars``).

    HTML bars cost nothing to draw (a report has one per dimension), break across pages in a
    PDF between rows, keep their text selectable and carry the numbers in table cells, so they
    are read by screen readers. ``None`` is no score: no bar and "–".
    """
    from maturity.report.charts import _grid_levels

    have_median = medians is not None and any(v is not None for v in medians)
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        median = medians[i] if medians is not None and have_median else None
        rows.append(
            {
                "label": label,
                "score": value,
                "width": None if value is None else _position(value, lo, hi),
                "median": median,
                "median_at": None if median is None else _position(median, lo, hi),
            }
        )
    ticks = [{"value": v, "at": _position(v, lo, hi)} for v in _grid_levels(lo, hi)]
    return {"rows": rows, "ticks": ticks, "median": have_median, "lo": lo, "hi": hi}


class _Peers:
    """The peer statistics of one company from a Benchmark (duck-typed: ``ids``, ``nodes``,
    arrays ``percentile``/``q1``/``median``/``q3``/``p90``/``n`` of companies × nodes,
    ``groups[i]`` with ``describe(lang)``, ``sufficient`` and ``size``, and ``synthetic``).
    """

    def __init__(self, benchmark: Any, company_id: str) -> None:
        self.benchmark = benchmark
        ids = list(getattr(benchmark, "ids", ())) if benchmark is not None else []
        self.row = ids.index(company_id) if company_id in ids else None
        self.nodes = list(getattr(benchmark, "nodes", ())) if benchmark is not None else []
        self.group = benchmark.groups[self.row] if self.row is not None else None

    @property
    def available(self) -> bool:
        return self.group is not None

    @property
    def sufficient(self) -> bool:
        return self.group is not None and bool(self.group.sufficient)

    def get(self, stat: str, node: str) -> float | None:
        if not self.sufficient or node not in self.nodes or self.row is None:
            return None
        import numpy as np

        table = np.asarray(getattr(self.benchmark, stat), dtype=float)
        return _finite(table[self.row, self.nodes.index(node)])

    def view(self, lang: str) -> dict[str, Any]:
        synthetic = bool(getattr(self.benchmark, "synthetic", False))
        if self.group is None:
            return {"available": False, "sufficient": False, "synthetic": synthetic}
        t = messages(lang)
        size = int(self.group.size)
        description = str(self.group.describe(lang))
        # a Benchmark's groups say their size themselves ("...: 37 companies")
        label = (
            description
            if re.search(rf"\b{size}\b", description)
            else f"{description} ({t['peer_group_size'].format(n=size)})"
        )
        min_group = getattr(self.benchmark, "min_group", None)
        return {
            "available": True,
            "sufficient": self.sufficient,
            "description": description,
            "label": label,
            "size": size,
            "min_group": int(min_group) if isinstance(min_group, int) else None,
            "synthetic": synthetic,
        }


def _counts(children: Sequence[ChildContribution]) -> dict[str, int]:
    out = {"answered": 0, "dont_know": 0, "missing": 0, "not_applicable": 0}
    for c in children:
        key = {
            "answered": "answered",
            "don't know": "dont_know",
            "missing": "missing",
            "n/a": "not_applicable",
            "not asked": "not_applicable",
        }.get(c.status)
        if key:
            out[key] += 1
    return out


def _answer_label(model: ScoringModel, child: ChildContribution, lang: str) -> str | None:
    """The option label of a scale or choice answer in ``lang`` (None for other answers)."""
    item = model.questionnaire.item(child.id)
    if child.answer is None:
        return None
    if item.kind == "boolean" and child.answer in ("yes", "no"):
        return messages(lang)[child.answer]
    if item.kind not in ("scale", "choice"):
        return None
    for option in item.options:
        if option.code == child.answer:
            return option.label.lang(lang)
    return None


def _leaf_items(scores: Scores, company_id: str, node: str) -> list[tuple[str, ChildContribution]]:
    """(parent node, contribution) of every item below ``node``, in model order."""
    model = scores.model
    out: list[tuple[str, ChildContribution]] = []
    explained = scores.explain(company_id, node)
    for child in explained.children:
        if child.kind == "node" or child.id in model.rules:
            out += _leaf_items(scores, company_id, child.id)
        else:
            out.append((node, child))
    return out


def _remarks(
    responses: Responses | None, scores: Scores, company_id: str, lang: str
) -> dict[str, list[dict[str, str]]]:
    """Free-text answers of the company's respondents, by top-level dimension."""
    if responses is None:
        return {}
    q = scores.model.questionnaire
    top = set(scores.model.top_nodes)
    out: dict[str, list[dict[str, str]]] = {}
    text_items = [i for i in q.items if i.kind == "text"]
    for r in responses.respondents:
        if r.company_id != company_id and r.id != company_id:
            continue
        for item in text_items:
            answer = r.answers.get(item.id)
            if not isinstance(answer, str) or not answer.strip():
                continue
            node = q.parents.get(item.id, "root")
            while node not in top and node != "root":
                node = q.parents.get(node, "root")
            out.setdefault(node, []).append(
                {"question": item.text.lang(lang), "text": answer.strip()}
            )
    return out


def _target_text(kind: str, t: Mapping[str, str], lang: str) -> str:
    if kind == "next level":
        return t["target_next_level"]
    if kind == "target profile":
        return t["target_profile"]
    m = re.fullmatch(r"peer (p50|p75|p90|median)", kind)
    if m:
        key = "quantile_p50" if m[1] == "median" else f"quantile_{m[1]}"
        return t["target_peer"].format(quantile=t[key])
    value = _finite(kind)
    if value is not None:
        return t["target_value"].format(value=format_number(value, lang, 1))
    return kind


def _dates(created: object, modified: object) -> dict[str, str | None]:
    """ISO dates for the document's metadata (the PDF's creation and modification dates)."""

    def iso(d: object) -> str | None:
        return d.isoformat() if isinstance(d, _dt.date) else None

    return {"created": iso(created), "modified": iso(modified) or iso(created)}


# ----------------------------------------------------------------------------- company view


def build_company_view(
    scores: Scores,
    company_id: str,
    *,
    lang: str,
    benchmark: Any = None,
    gaps: Any = None,
    consultant: str | None = None,
    date: _dt.date | None = None,
    responses: Responses | None = None,
    organisation: str | None = None,
    previous: Scores | None = None,
) -> dict[str, Any]:
    """The view model of one company's report: plain data for the templates.

    Keys: ``cover`` (company, dates, questionnaire, model, consultant), ``overall`` (score,
    level, next level, gauge), ``radar`` (the top-level dimensions), ``dimensions`` (one per
    top-level dimension: score, level, percentile, bar chart of its parts, the three weakest
    items, what the next level asks, remarks), ``priorities`` (from ``gaps``, or None),
    ``peers`` (the peer group and its size, or why there is no comparison), ``methodology``
    (operators, weights, AHP consistency, coverage and missing answers per dimension, levels,
    synthetic-data notice) and ``toc``. Numbers are floats (None when missing), dates are
    :class:`datetime.date`; the templates only format them.

    ``previous`` is an earlier assessment scored with the same model: when the company is in
    it, ``previous`` (its date) is set, the overall score and each dimension get ``previous``
    and ``change``, and the radar shows the earlier profile.
    """
    from markupsafe import Markup

    from maturity import __version__
    from maturity.report.charts import RadarDisplay

    t = messages(lang)
    if company_id not in scores.ids:
        shown = ", ".join(scores.ids[:10]) + (" …" if len(scores.ids) > 10 else "")
        raise ReportError(f"no company '{company_id}' in these scores (companies: {shown})")
    model = scores.model
    q = model.questionnaire
    i = scores.ids.index(company_id)
    col = {n: j for j, n in enumerate(scores.nodes)}
    lo, hi = model.range
    decimal = "," if lang == "it" else "."
    names = _chart_names(t)
    peers = _Peers(benchmark, company_id)
    profile = scores.profiles[i] if scores.profiles else None
    explainable = scores.answers is not None

    def score_of(node: str) -> float | None:
        return _finite(scores.score[i, col[node]]) if node in col else None

    def coverage_of(node: str) -> float | None:
        return _finite(scores.coverage[i, col[node]]) if node in col else None

    # --- an earlier assessment (optional) ----------------------------------------------------
    prev_row: int | None = None
    prev_col: dict[str, int] = {}
    if previous is not None:
        if previous.model.id != model.id:
            raise ReportError(
                f"the earlier assessment was scored with model '{previous.model.id}', this one "
                f"with '{model.id}'; score both with the same model to compare them"
            )
        if company_id in previous.ids:
            prev_row = list(previous.ids).index(company_id)
            prev_col = {n: k for k, n in enumerate(previous.nodes)}

    def previous_of(node: str) -> float | None:
        if previous is None or prev_row is None or node not in prev_col:
            return None
        return _finite(previous.score[prev_row, prev_col[node]])

    def change_of(node: str) -> float | None:
        now, before = score_of(node), previous_of(node)
        return None if now is None or before is None else now - before

    # --- gaps (optional) ---------------------------------------------------------------
    gap_row: int | None = None
    if gaps is not None and company_id in list(gaps.ids):
        gap_row = list(gaps.ids).index(company_id)
    gap_nodes = list(gaps.nodes) if gap_row is not None else []

    def gap_of(node: str) -> dict[str, float | None] | None:
        if gap_row is None or node not in gap_nodes:
            return None
        j = gap_nodes.index(node)
        return {
            "target": _finite(gaps.target[gap_row, j]),
            "gap": _finite(gaps.gap[gap_row, j]),
        }

    # --- cover -------------------------------------------------------------------------
    sector = profile.sector if profile else None
    sector_text = None
    if sector:
        from maturity.classify import nace_title

        title = nace_title(sector) if lang == "en" else None
        sector_text = f"{sector} – {title}" if title else sector
    region_text = None
    if profile and profile.region:
        from maturity.classify import nuts_name

        name = nuts_name(profile.region)
        region_text = f"{name} ({profile.region})" if name else profile.region
    size = profile.size_class if profile else None
    n_resp = int(scores.n_respondents[i]) if scores.n_respondents is not None else None
    cover = {
        "company": (profile.company if profile and profile.company else company_id),
        "company_id": company_id,
        "assessment_date": profile.date if profile else None,
        "report_date": date,
        "questionnaire": {"id": q.id, "version": q.version, "title": q.title.lang(lang)},
        "model": {"id": model.id, "version": model.version, "title": model.title.lang(lang)},
        "consultant": consultant,
        "organisation": organisation,
        "profile": [
            row
            for row in (
                {"label": t["sector"], "value": sector_text},
                {"label": t["size"], "value": t.get(f"size_{size}") if size else None},
                {
                    "label": t["employees"],
                    "value": str(profile.employees)
                    if profile and profile.employees is not None
                    else None,
                },
                {"label": t["region"], "value": region_text},
                {"label": t["respondents"], "value": str(n_resp) if n_resp else None},
            )
            if row["value"]
        ],
    }

    # --- overall -----------------------------------------------------------------------
    root = score_of("root")
    current = _level_index(model, root)
    ladder = [
        {**step, "current": k == current, "score": root if k == current else None}
        for k, step in enumerate(_levels_table(model, lang))
    ]
    overall = {
        "score": root,
        "previous": previous_of("root"),
        "change": change_of("root"),
        "max": hi,
        "min": lo,
        "level": _level_view(model, root, lang),
        "next_level": _next_level(model, root, lang),
        "coverage": coverage_of("root"),
        "percentile": peers.get("percentile", "root"),
        "ladder": ladder,
    }

    # --- radar -------------------------------------------------------------------------
    top = model.top_nodes
    top_titles = [q.node(n).title.lang(lang) for n in top]
    top_scores = [_nan(score_of(n)) for n in top]
    radar_svg = None
    radar_bars = None
    if len(top) >= 3:
        median = [peers.get("median", n) for n in top]
        q1 = [peers.get("q1", n) for n in top]
        q3 = [peers.get("q3", n) for n in top]
        targets = [(gap_of(n) or {}).get("target") for n in top]
        # a dimension without peer statistics (too few peers with a score there) is a gap in
        # the peer series, not a reason to leave the series out
        have_peers = any(v is not None for v in median)
        have_band = any(v is not None for v in q1 + q3)
        radar = RadarDisplay(
            top_titles,
            top_scores,
            range=(lo, hi),
            peer_median=[_nan(v) for v in median] if have_peers else None,
            peer_q1=[_nan(v) for v in q1] if have_band else None,
            peer_q3=[_nan(v) for v in q3] if have_band else None,
            target=[_nan(v) for v in targets] if any(v is not None for v in targets) else None,
            previous=[_nan(previous_of(n)) for n in top] if prev_row is not None else None,
            names=names,
            decimal=decimal,
        )
        radar_svg = Markup(radar.to_svg(id_prefix="radar"))  # noqa: S704 - our chart code
    elif top:  # one or two dimensions make no radar: bars instead
        radar_bars = _bar_view(
            top_titles,
            [score_of(n) for n in top],
            [peers.get("median", n) for n in top],
            lo,
            hi,
        )

    # --- one section per top-level dimension ---------------------------------------------
    remarks = _remarks(responses, scores, company_id, lang)
    taken = {"summary", "priorities", "peers", "methodology", "contents", "cover"}
    sections: list[dict[str, Any]] = []
    coverage_rows: list[dict[str, Any]] = []
    for number, node in enumerate(top, start=1):
        dim = q.node(node)
        anchor = "dim-" + _slug(node, taken)
        s = score_of(node)
        children = model.rules[node].children
        labels = [_title(model, c, lang) for c in children]
        child_scores: list[float | None] = []
        weakest: list[dict[str, Any]] | None = None
        counts = None
        if explainable:
            explained = scores.explain(company_id, node)
            child_scores = [c.score for c in explained.children]
            leaves = _leaf_items(scores, company_id, node)
            counts = _counts([c for _, c in leaves])
            order = {iid: k for k, iid in enumerate(x.id for x in q.items)}
            ranked = sorted(
                (
                    (parent, c)
                    for parent, c in leaves
                    if c.value is not None and c.weight > 0 and c.score is not None
                ),
                key=lambda pc: (pc[1].value, order.get(pc[1].id, 0)),
            )
            weakest = [
                {
                    "id": c.id,
                    "question": q.item(c.id).text.lang(lang),
                    "part": _title(model, parent, lang) if parent != node else None,
                    "score": c.score,
                    "answer": _answer_label(model, c, lang),
                }
                for parent, c in ranked[:3]
            ]
        else:
            child_scores = [score_of(c) for c in children]
        medians = [peers.get("median", c) for c in children]
        bar_chart = _bar_view(labels, child_scores, medians, lo, hi)
        level = _level_view(model, s, lang)
        sections.append(
            {
                "id": node,
                "anchor": anchor,
                "number": number,
                "title": dim.title.lang(lang),
                "description": dim.description.lang(lang) if dim.description else None,
                "score": s,
                "previous": previous_of(node),
                "change": change_of(node),
                "level": level,
                "coverage": coverage_of(node),
                "percentile": peers.get("percentile", node),
                "peer_median": peers.get("median", node),
                "weight": model.rules["root"].weight_of(node),
                "bars": bar_chart,
                "weakest": weakest,
                "weakest_answers": any(w["answer"] for w in weakest or ()),
                "next_level": _next_level(model, s, lang),
                "top_reached": level is not None and level["index"] == len(model.levels) - 1,
                "remarks": remarks.get(node, []),
                "gap": gap_of(node),
            }
        )
        coverage_rows.append(
            {"title": dim.title.lang(lang), "coverage": coverage_of(node), "counts": counts}
        )

    # --- priorities (optional) -------------------------------------------------------------
    priorities = None
    if gap_row is not None:
        anchors = {sec["id"]: sec["anchor"] for sec in sections}
        rows = []
        for rank, p in enumerate(gaps.priorities[gap_row], start=1):
            rows.append(
                {
                    "rank": rank,
                    "node": p.node,
                    "title": _title(model, p.node, lang),
                    "anchor": anchors.get(p.node),
                    "score": _finite(p.score),
                    "target": _finite(p.target),
                    "gap": _finite(p.gap),
                    "weight": _finite(p.weight),
                    "priority": _finite(p.priority),
                    "weakest": [
                        {"question": q.item(iid).text.lang(lang), "score": _finite(v)}
                        for iid, v in p.weakest_items
                        if iid in q
                    ],
                }
            )
        priorities = {
            "target": _target_text(str(gaps.target_kind), t, lang),
            "progress": _finite(gaps.progress[gap_row]),
            "rows": rows,
        }

    # --- methodology -----------------------------------------------------------------------
    methodology = _methodology(model, lang, t, coverage_rows)
    synthetic = bool(getattr(benchmark, "synthetic", False)) if benchmark is not None else False

    # --- contents ----------------------------------------------------------------------------
    toc: list[dict[str, Any]] = [{"anchor": "summary", "title": t["summary"], "number": None}]
    toc.append({"anchor": "profile", "title": t["profile_title"], "number": None})
    toc += [
        {"anchor": sec["anchor"], "title": sec["title"], "number": sec["number"]}
        for sec in sections
    ]
    if priorities is not None:
        toc.append({"anchor": "priorities", "title": t["priorities"], "number": None})
    toc.append({"anchor": "methodology", "title": t["methodology"], "number": None})

    return {
        "kind": "company",
        "lang": lang,
        "title": q.title.lang(lang),
        "cover": cover,
        "overall": overall,
        "radar": {
            "svg": radar_svg,
            "bars": radar_bars,
            "labels": top_titles,
            "lo": lo,
            "hi": hi,
            "target": priorities["target"] if priorities is not None else None,
        },
        "dimensions": sections,
        "previous": {
            "available": prev_row is not None,
            "date": (
                previous.profiles[prev_row].date
                if previous is not None and prev_row is not None and previous.profiles
                else None
            ),
        },
        "priorities": priorities,
        "peers": peers.view(lang),
        "synthetic": synthetic or scores.synthetic,
        "synthetic_scores": scores.synthetic,
        "synthetic_peers": synthetic,
        "methodology": methodology,
        "toc": toc,
        "dates": _dates(cover["assessment_date"], date),
        "version": __version__,
    }


def _methodology(
    model: ScoringModel,
    lang: str,
    t: Mapping[str, str],
    coverage_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """Operators, weights and their source, AHP consistency, policies, levels, coverage."""
    lo, hi = model.range
    rules: list[dict[str, Any]] = []
    depth: dict[str, int] = {}
    preorder: list[str] = []

    def visit(node: str, level: int) -> None:
        preorder.append(node)
        depth[node] = level
        for c in model.rules[node].children:
            if c in model.rules:
                visit(c, level + 1)

    visit("root", 0)
    for node in preorder:
        rule = model.rules[node]
        op_key = f"op_{rule.operator}"
        p = _finite(rule.params.get("p"))
        operator = (
            t[op_key].format(p=format_number(p, lang, 2) if p is not None else "")
            if op_key in t
            else rule.operator
        )
        weights = None
        if rule.weight_source != "equal":
            weights = [
                {"title": _title(model, c, lang), "weight": w}
                for c, w in zip(rule.children, rule.weights, strict=True)
            ]
        cr = None
        if rule.weight_source == "ahp" and rule.ahp is not None:
            cr = t["consistency_ratio"].format(
                cr=format_number(rule.ahp.cr, lang, 3),
                verdict=t["cr_ok"] if rule.ahp.consistent else t["cr_high"],
            )
        rules.append(
            {
                "node": node,
                "title": _title(model, node, lang),
                "depth": depth[node],
                "operator": operator,
                "source": t[f"weights_{rule.weight_source}"],
                "weights": weights,
                "cr": cr,
                "children": len(rule.children),
            }
        )
    # the parts of the dimensions usually share one rule: list only those that differ
    deep = [(r["operator"], r["source"]) for r in rules if r["depth"] >= 2]
    rest = None
    if deep:
        common = max(sorted(set(deep)), key=deep.count)
        shown = [
            r
            for r in rules
            if r["depth"] < 2 or (r["operator"], r["source"]) != common or r["weights"]
        ]
        if len(shown) < len(rules):
            rest = t["method_rules_rest"].format(operator=common[0], weights=common[1])
        rules = shown
    min_cov = model.rules["root"].min_coverage
    policies = [
        t["method_scale"].format(lo=format_number(lo, lang, 0), hi=format_number(hi, lang, 0)),
        t[f"method_missing_{model.missing}"],
        t[f"method_dont_know_{model.dont_know}"],
        t["method_na"],
        t["method_min_coverage"].format(share=format_percent(min_cov, lang)),
        t[f"method_combine_{model.combine}"],
    ]
    q = model.questionnaire
    return {
        "model_description": model.description.lang(lang) if model.description else None,
        "policies": policies,
        "levels": _levels_table(model, lang),
        "rules": rules,
        "rules_rest": rest,
        "coverage": coverage_rows,
        "sources": [{"title": s.title, "year": s.year, "note": s.note} for s in q.sources],
    }


# --------------------------------------------------------------------------- portfolio view


def build_portfolio_view(
    scores: Scores,
    *,
    lang: str,
    benchmark: Any = None,
    gaps: Any = None,
    organisation: str | None = None,
    date: _dt.date | None = None,
) -> dict[str, Any]:
    """The view model of a portfolio of companies (a competence centre's overview).

    Keys: ``distribution`` (per top-level dimension and overall: n, min, quartiles, max,
    computed here), ``heatmap`` (companies × dimensions, each cell with its score, level and
    CSS class ``lvl-0`` … ``lvl-5``), ``ranking`` (by overall score, or by the total weighted
    gap when ``gaps`` is given), ``radar`` (median and interquartile band), ``levels`` (the
    legend), and the questionnaire and model.
    """
    import numpy as np
    from markupsafe import Markup

    from maturity import __version__
    from maturity.report.charts import RadarDisplay

    t = messages(lang)
    model = scores.model
    q = model.questionnaire
    lo, hi = model.range
    top = model.top_nodes
    col = {n: j for j, n in enumerate(scores.nodes)}
    nodes = [*top, "root"]
    titles = {n: (q.node(n).title.lang(lang) if n != "root" else t["overall"]) for n in nodes}

    def name_of(k: int) -> str:
        p = scores.profiles[k] if scores.profiles else None
        return p.company if p is not None and p.company else scores.ids[k]

    distribution = []
    stats: dict[str, dict[str, float | None]] = {}
    for node in nodes:
        values = scores.score[:, col[node]]
        have = values[~np.isnan(values)]
        if have.size:
            qs = np.percentile(have, [0, 25, 50, 75, 100])
            row: dict[str, float | None] = {
                k: float(v) for k, v in zip(("min", "q1", "median", "q3", "max"), qs, strict=True)
            }
        else:
            row = dict.fromkeys(("min", "q1", "median", "q3", "max"))
        stats[node] = row
        distribution.append({"node": node, "title": titles[node], "n": int(have.size), **row})

    radar_svg = None
    if len(top) >= 3 and any(stats[n]["median"] is not None for n in top):
        radar = RadarDisplay(
            [titles[n] for n in top],
            [_nan(stats[n]["median"]) for n in top],
            range=(lo, hi),
            peer_q1=[_nan(stats[n]["q1"]) for n in top],
            peer_q3=[_nan(stats[n]["q3"]) for n in top],
            names=_chart_names(t, portfolio=True),
            decimal="," if lang == "it" else ".",
        )
        radar_svg = Markup(radar.to_svg(id_prefix="radar"))  # noqa: S704 - our chart code

    # ranking: by overall score (highest first) or by total weighted gap (largest first)
    root = scores.score[:, col["root"]]
    totals: list[float | None] = [None] * len(scores.ids)
    if gaps is not None:
        gap_ids = list(gaps.ids)
        for k, cid in enumerate(scores.ids):
            if cid in gap_ids:
                totals[k] = float(sum(p.priority for p in gaps.priorities[gap_ids.index(cid)]))

        def key(k: int) -> tuple[float, str]:
            v = totals[k]
            return (-(v if v is not None else -1.0), name_of(k))
    else:

        def key(k: int) -> tuple[float, str]:
            v = _finite(root[k])
            return (-(v if v is not None else -math.inf), name_of(k))

    order = sorted(range(len(scores.ids)), key=key)
    peers_of = [_Peers(benchmark, cid) for cid in scores.ids]
    ranking = [
        {
            "rank": r,
            "company": name_of(k),
            "score": _finite(root[k]),
            "level": _level_view(model, _finite(root[k]), lang),
            "priority": totals[k],
            "percentile": peers_of[k].get("percentile", "root"),
        }
        for r, k in enumerate(order, start=1)
    ]
    by_name = sorted(range(len(scores.ids)), key=lambda k: (name_of(k).casefold(), k))
    numbers = {n: k for k, n in enumerate(top, start=1)}
    heatmap = {
        # more than eight dimensions leave no room for their titles: number the columns and
        # list the titles under the table
        "numbered": len(top) > 8,
        "columns": [{"node": n, "title": titles[n], "number": numbers.get(n)} for n in nodes],
        "rows": [
            {
                "company": name_of(k),
                "cells": [
                    {
                        "score": (s := _finite(scores.score[k, col[n]])),
                        "level": (lv := _level_view(model, s, lang)),
                        "css": lv["css"] if lv else "lvl-none",
                    }
                    for n in nodes
                ],
            }
            for k in by_name
        ],
    }
    synthetic_peers = bool(getattr(benchmark, "synthetic", False)) if benchmark else False
    return {
        "kind": "portfolio",
        "lang": lang,
        "title": q.title.lang(lang),
        "cover": {
            "organisation": organisation,
            "report_date": date,
            "questionnaire": {"id": q.id, "version": q.version, "title": q.title.lang(lang)},
            "model": {"id": model.id, "version": model.version, "title": model.title.lang(lang)},
            "n": len(scores.ids),
        },
        "radar": {"svg": radar_svg, "lo": lo, "hi": hi},
        "distribution": distribution,
        "heatmap": heatmap,
        "ranking": ranking,
        "ranked_by": "priority" if gaps is not None else "score",
        "has_percentile": any(r["percentile"] is not None for r in ranking),
        "levels": _levels_table(model, lang),
        "synthetic_scores": scores.synthetic,
        "synthetic_peers": synthetic_peers,
        "toc": [
            {"anchor": "distribution", "title": t["distribution"], "number": None},
            {"anchor": "heatmap", "title": t["heatmap"], "number": None},
            {"anchor": "ranking", "title": t["ranking"], "number": None},
        ],
        "dates": _dates(date, date),
        "version": __version__,
    }
