"""The one Jinja2 environment of the reports: a sandbox with autoescape, the library's
filters, and a consultant's branding directory (templates, CSS, logo) on top.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.report.errors import ReportError, TemplateError
from maturity.report.formatting import (
    _DASH,
    _HERE,
    LANGUAGES,
    _finite,
    format_date,
    format_number,
    format_percent,
    messages,
)

if TYPE_CHECKING:  # pragma: no cover
    from jinja2.sandbox import ImmutableSandboxedEnvironment


__all__ = ["Branding", "ReportError", "TemplateError", "render_html"]


_TEMPLATES = _HERE / "templates"


_MAX_LOGO_BYTES = 1_000_000


_MAX_CSS_BYTES = 200_000


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Branding:
    """Who hands the report over, and how it looks.

    ``directory`` may hold ``report.css`` (appended after the default style sheet), ``logo.svg``
    or ``logo.png`` (embedded as a ``data:`` URI) and templates that override the package's
    (``report.html.j2``, ``portfolio.html.j2``; extend ``maturity/report.html.j2`` to replace
    single blocks). ``name`` is the organisation shown on the cover (a competence centre, a
    consultancy) and ``consultant`` the person who ran the assessment; ``email``, ``phone``
    and ``website`` tell the company how to reach them (the report's "Who can help" box).
    Templates are compiled once per directory and process; the style sheet and logo are read
    on every render.
    """

    directory: str | Path | None = None
    name: str | None = None
    consultant: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


def _template_lang(context: Any) -> str:
    lang = context.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def _make_filters() -> dict[str, Callable[..., Any]]:
    """The filters of the report templates (number, percentage, date and message formatting)."""
    from jinja2 import pass_context, pass_environment
    from jinja2.exceptions import SecurityError

    from maturity.report.sandbox import sandboxed_format

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

    @pass_environment
    def msg(env: Any, template: str, **fields: object) -> str:
        # through the sandbox's formatter: '{x.__class__}' is refused, widths are bounded;
        # the result is a plain str: autoescape escapes the fields (and the template)
        return sandboxed_format(env, str(template), {k: str(v) for k, v in fields.items()})

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


@functools.lru_cache(maxsize=16)
def _environment(user_dir: str | None) -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment of the reports (one per branding directory).

    A sandbox (templates cannot reach Python internals; work and output bounded, see
    :mod:`maturity.report.sandbox`) with autoescape always on, ``StrictUndefined``, the
    report filters, and the loader chain: the branding directory first (no file outside it),
    then the package's templates (also reachable as ``maturity/<name>``, so that a branding
    template can extend the one it replaces).
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined

    from maturity.report.sandbox import bound_filters, confined_loader, sandbox_class

    package = FileSystemLoader(str(_TEMPLATES))
    loaders: list[Any] = []
    if user_dir is not None:
        loaders.append(confined_loader(user_dir))
    loaders += [PrefixLoader({"maturity": package}), package]
    env: ImmutableSandboxedEnvironment = sandbox_class()(  # type: ignore[assignment]
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(_make_filters())
    bound_filters(env)
    for name in ("lipsum", "cycler", "joiner"):  # nothing a report needs
        env.globals.pop(name, None)
    return env


def _branding(branding: Branding | str | Path | None) -> Branding:
    if branding is None:
        return Branding()
    b = branding if isinstance(branding, Branding) else Branding(directory=branding)
    if b.directory is not None and not Path(b.directory).is_dir():
        what = "is a file, not a directory" if Path(b.directory).exists() else "does not exist"
        raise ReportError(f"branding directory {str(b.directory)!r} {what}")
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
    from maturity.report.sandbox import read_branding_file

    for name, mime in (("logo.svg", "image/svg+xml"), ("logo.png", "image/png")):
        path = directory / name
        data = read_branding_file(directory, name, _MAX_LOGO_BYTES)
        if data is None:
            continue
        if mime == "image/png" and not data.startswith(_PNG_SIGNATURE):
            raise ReportError(f"{path}: not a PNG file")
        if mime == "image/svg+xml" and b"<svg" not in data[:4096]:
            raise ReportError(f"{path}: not an SVG file")
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return None


@functools.cache
def _default_css() -> str:
    return (_TEMPLATES / "report.css").read_text(encoding="utf-8")


def render_html(view: Mapping[str, Any], *, branding: Branding | str | Path | None = None) -> str:
    """Render a view (from :func:`build_company_view` or :func:`build_portfolio_view`) as one
    self-contained HTML page: inline CSS and SVG, nothing fetched from the network.

    ``branding`` is a :class:`Branding` or the path of a branding directory; its templates
    override the package's, its ``report.css`` is appended to the default style sheet, its
    logo is embedded. No branding file may lead outside the directory (a symbolic link to
    ``/etc/passwd`` is refused), and a branded report keeps only ``http(s):``, ``mailto:`` and
    in-page links. Rendering is bounded in time, work and size
    (:data:`maturity.report.sandbox.LIMITS`).

    Raises:
        TemplateError: (naming the file and line) a template is broken, tries to reach Python
            internals or to switch autoescape off, exceeds a limit, or fails in any other way.
        ReportError: a branding file is outside the directory, not a regular file or too large.

    """
    from markupsafe import Markup

    from maturity.report.sandbox import budget, check_links, read_branding_file

    b = _branding(branding)
    directory = str(Path(b.directory).resolve()) if b.directory is not None else None
    css = _default_css()
    logo = None
    if directory is not None:
        data = read_branding_file(directory, "report.css", _MAX_CSS_BYTES)
        if data is not None:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ReportError(f"{Path(directory) / 'report.css'}: not UTF-8 text") from None
            css += "\n/* branding */\n" + _sanitise_css(text)
        logo = _logo(Path(directory))
    kind = view.get("kind")
    templates = {"company": "report.html.j2", "portfolio": "portfolio.html.j2"}
    if kind not in templates:
        raise ReportError(f"not a report view (kind {kind!r}); use build_company_view()")
    env = _environment(directory)
    with budget():
        html = _render(
            env,
            templates[str(kind)],
            view=view,
            lang=view["lang"],
            t=messages(str(view["lang"])),
            css=Markup(css),  # noqa: S704 - our style sheet and a sanitised branding one
            logo=logo,
        )
    if directory is not None:  # a branding template may write links: only safe ones stay
        html = check_links(html, directory)
    return html if html.endswith("\n") else html + "\n"


def _render(env: ImmutableSandboxedEnvironment, name: str, **context: Any) -> str:
    """Render template ``name``; every failure becomes one located :class:`TemplateError`."""
    from jinja2.exceptions import SecurityError, TemplateSyntaxError
    from jinja2.exceptions import TemplateError as JinjaTemplateError

    from maturity.errors import MaturityError
    from maturity.report.sandbox import LIMITS

    def one_line(text: object) -> str:
        return " ".join(str(text).split())

    try:
        parts: list[str] = []
        total = 0
        for piece in env.get_template(name).generate(**context):
            total += len(piece)
            if total > LIMITS.output:
                raise SecurityError(
                    f"the report is longer than {LIMITS.output:,} characters "
                    "(report templates are bounded; see RenderLimits)"
                )
            parts.append(piece)
        return "".join(parts)
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or 'template'}:{exc.lineno}"
        raise TemplateError(f"{where}: template syntax error: {one_line(exc.message)}") from exc
    except (SecurityError, JinjaTemplateError) as exc:
        what = "refused by the sandbox" if isinstance(exc, SecurityError) else "template error"
        where = getattr(exc, "where", None) or _template_frame(exc, name)
        raise TemplateError(f"{where}: {what}: {one_line(exc)}") from exc
    except MaturityError:
        raise
    except RecursionError as exc:
        raise TemplateError(
            f"{_template_frame(exc, name)}: template error: recursion too deep (a macro or an "
            "include that calls itself?)"
        ) from None
    except MemoryError:
        raise TemplateError(f"{name}: template error: out of memory") from None
    except Exception as exc:  # anything else a template can cause: 1/0, int('x'), ...
        raise TemplateError(
            f"{_template_frame(exc, name)}: template error: {type(exc).__name__}: {one_line(exc)}"
        ) from exc


def _template_frame(exc: BaseException, default: str = "template") -> str:
    """``file:line`` of the innermost template frame of ``exc``'s traceback (Jinja2 rewrites
    tracebacks so that template code shows as the template's file and line).
    """
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else default
