"""What every chart of the reports shares: the palette and series styles, the reproducible
SVG and PNG export, number and label helpers, and the :class:`_Display` base class that draws,
plots and exports (see :mod:`maturity.report.charts` for the displays themselves).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_NAMES", "figure_to_png", "figure_to_svg"]

#: Default (English) names of the series in legends, and of a missing score; callers pass
#: translated strings with the ``names`` argument of the displays.
DEFAULT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "company": "Company",
        "peer_median": "Peer median",
        "peer_iqr": "Peer interquartile range",
        "target": "Target",
        "previous": "Previous assessment",
        "projected": "After the plan",
        "no_score": "no score",
        "not_applicable": "not applicable",
    }
)

# Okabe–Ito colour-blind-safe palette.
_BLUE = "#0072B2"
_VERMILLION = "#D55E00"
_ORANGE = "#E69F00"
_GREEN = "#009E73"
_PURPLE = "#CC79A7"
_INK = "#222222"
_BLUE_LIGHT = "#A6CDE8"  # tint of _BLUE, light enough for markers on bars in greyscale
_GRID = "#C8C8C8"
_MUTED = "#666666"

# Line style, marker and colour of each series: distinct in all three, so that the series stay
# apart in greyscale print and for colour-blind readers.
_SERIES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "company": {
            "color": _BLUE,
            "linestyle": "-",
            "linewidth": 2.4,
            "marker": "o",
            "markersize": 5.5,
            "zorder": 6,
        },
        "peer_median": {
            "color": _VERMILLION,
            "linestyle": "--",
            "linewidth": 1.6,
            "marker": "s",
            "markersize": 4,
            "zorder": 4,
        },
        "target": {
            "color": _GREEN,
            "linestyle": ":",
            "linewidth": 2.0,
            "marker": "^",
            "markersize": 5,
            "zorder": 5,
        },
        "previous": {
            "color": _PURPLE,
            "linestyle": "-.",
            "linewidth": 1.5,
            "marker": "x",
            "markersize": 5,
            "markeredgewidth": 1.4,
            "zorder": 4.5,
        },
        "projected": {
            "color": _ORANGE,
            "linestyle": (0, (5, 1.5, 1, 1.5, 1, 1.5)),
            "linewidth": 2.0,
            "marker": "D",
            "markersize": 4.5,
            "zorder": 5.5,
        },
    }
)
_IQR_HATCH = "////"

_SALT = "maturity.report.charts"
# rc settings of every chart: reproducible SVG with text kept as text, and DejaVu Sans (which
# ships with matplotlib, so metrics are the same everywhere) with common fallbacks for viewers.
_RC: Mapping[str, Any] = MappingProxyType(
    {
        "svg.hashsalt": _SALT,
        "svg.fonttype": "none",
        "svg.image_inline": True,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
        "font.size": 9.0,
        "hatch.linewidth": 0.7,
        "path.simplify": False,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.unicode_minus": True,
    }
)
_LOCK = threading.RLock()
_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_TAG_RE = re.compile(r"<[^>]*>")
_ID_RE = re.compile(r'(\sid=")([^"]*)(")')
_HREF_RE = re.compile(r'(\s(?:xlink:)?href="#)([^"]*)(")')
_URL_RE = re.compile(r"(url\(#)([^)]*)(\))")


@contextmanager
def _chart_context(**rc: Any) -> Iterator[None]:
    """Apply the chart style (and ``rc``) to the rcParams, under the module lock."""
    import matplotlib as mpl

    settings: dict[str, Any] = dict(_RC)
    for key, value in rc.items():
        name = key.replace("__", ".")
        if name in mpl.rcParams:  # e.g. svg.id is not known to every matplotlib version
            settings[name] = value
    with _LOCK, mpl.rc_context(cast(Any, settings)):
        yield


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """Create a Figure with constrained layout and an Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_to_svg(figure: Figure, *, id_prefix: str, title: str) -> str:
    """Render ``figure`` as reproducible SVG markup to embed inline in an HTML page.

    The XML declaration and DOCTYPE are left out; every element id, and every reference to one
    (``href="#…"``, ``url(#…)``), is prefixed with ``id_prefix`` so that several charts in one
    page never clash; the root ``<svg>`` gets ``id=id_prefix``, ``role="img"`` and a ``<title>``
    with ``title``; matplotlib's style sheet is scoped to the chart. The same figure gives the
    same bytes on every call and in every process: ids are salted with a fixed string and no
    date or creator is written.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    if not _PREFIX_RE.match(id_prefix):
        raise ValueError(
            f"id_prefix must be a letter then letters, digits, '-' or '_', not {id_prefix!r}"
        )
    buf = io.StringIO()
    with _chart_context(svg__id=id_prefix):
        FigureCanvasSVG(figure)
        figure.savefig(
            buf,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return _finish_svg(buf.getvalue(), id_prefix, title)


def figure_to_png(figure: Figure, *, dpi: float = 150) -> bytes:
    """Render ``figure`` as PNG bytes at ``dpi``, without a timestamp or software tag."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not dpi > 0:
        raise ValueError(f"dpi must be positive, not {dpi!r}")
    buf = io.BytesIO()
    with _chart_context():
        FigureCanvasAgg(figure)
        figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _finish_svg(raw: str, prefix: str, title: str) -> str:
    """Make matplotlib's SVG document fit to be inlined in HTML (see :func:`figure_to_svg`)."""
    start = raw.index("<svg")
    root_end = raw.index(">", start) + 1
    root, body = raw[start:root_end], raw[root_end:]

    ids = set(_ID_RE.findall(body))
    known = {m[1] for m in ids}

    def ref(m: re.Match[str]) -> str:
        name = m[2]
        return f"{m[1]}{prefix}-{name}{m[3]}" if name in known else m[0]

    def fix_tag(m: re.Match[str]) -> str:
        tag = _ID_RE.sub(lambda i: f"{i[1]}{prefix}-{i[2]}{i[3]}", m[0])
        tag = _HREF_RE.sub(ref, tag)
        return _URL_RE.sub(ref, tag)

    body = _TAG_RE.sub(fix_tag, body)
    # ids must be unique in an HTML page: number repeats of an id (e.g. a gid set on several
    # artists by the caller); references point to the first, as they would in a browser
    seen: dict[str, int] = {}

    def dedupe(m: re.Match[str]) -> str:
        seen[m[2]] = count = seen.get(m[2], 0) + 1
        return m[0] if count == 1 else f"{m[1]}{m[2]}-{count}{m[3]}"

    body = _ID_RE.sub(dedupe, body)
    # matplotlib's default style sheet is "*{...}": scope it to this chart, or it applies to the
    # whole HTML page.
    body = body.replace('<style type="text/css">*{', f'<style type="text/css">#{prefix} *{{', 1)

    root = re.sub(r'\sid="[^"]*"', "", root)
    title_id = f"{prefix}-title"
    root = root[:-1].rstrip("/") + (
        f' id="{prefix}" role="img" aria-labelledby="{title_id}">'
        f'\n <title id="{title_id}">{_escape(title)}</title>'
    )
    return root + body.rstrip() + "\n"


def _escape(text: str) -> str:
    """Escape ``text`` for XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- validation helpers


def _labels(labels: Sequence[str], *, minimum: int, what: str) -> tuple[str, ...]:
    if isinstance(labels, str):
        raise TypeError(f"{what}: labels must be a sequence of strings, not one string")
    out = tuple(str(s) for s in labels)
    if len(out) < minimum:
        raise ValueError(f"{what} needs at least {minimum} labels, got {len(out)}")
    return out


def _range(bounds: tuple[float, float], what: str) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: range must be a pair (low, high), not {bounds!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{what}: range must be finite with low < high, not {bounds!r}")
    return lo, hi


def _values(
    values: Sequence[float | None] | None,
    *,
    name: str,
    n: int,
    bounds: tuple[float, float],
    what: str,
) -> tuple[float, ...] | None:
    """Validate a series: n floats inside ``bounds``; None and NaN mean no score."""
    if values is None:
        return None
    out = tuple(math.nan if v is None else float(v) for v in values)
    if len(out) != n:
        raise ValueError(f"{what}: {name} has {len(out)} values for {n} labels")
    lo, hi = bounds
    tol = 1e-9 * (hi - lo)
    for i, v in enumerate(out):
        if math.isinf(v) or (not math.isnan(v) and not lo - tol <= v <= hi + tol):
            raise ValueError(f"{what}: {name}[{i}] = {v} is outside the range [{lo}, {hi}]")
    return out


def _names(names: Mapping[str, str] | None, what: str) -> Mapping[str, str]:
    """Check the keys of ``names`` (one mapping may serve all displays, so any known key)."""
    given = {str(k): str(v) for k, v in (names or {}).items()}
    unknown = sorted(set(given) - set(DEFAULT_NAMES))
    if unknown:
        raise ValueError(f"{what}: unknown names {unknown}; known: {sorted(DEFAULT_NAMES)}")
    return MappingProxyType(given)


def _name(names: Mapping[str, str] | None, key: str) -> str:
    return (names or {}).get(key, DEFAULT_NAMES[key])


def _fmt(x: float, decimal: str, digits: int = 1) -> str:
    """Format a score with ``digits`` decimals (rounded half away from zero, as every displayed
    number: :func:`maturity.numbers.round_half_away`) and the decimal separator ``decimal``.
    """
    from maturity.numbers import round_half_away

    return f"{round_half_away(x, digits):.{digits}f}".replace(".", decimal)


def _fmt_level(x: float, decimal: str) -> str:
    """Format a grid level or boundary: no decimals when it is a whole number."""
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:g}".replace(".", decimal)


def _grid_levels(lo: float, hi: float) -> list[float]:
    """Return the levels of the grid: multiples of a round step in [lo, hi], at most 6 steps."""
    span = hi - lo
    step = 1.0
    for k in range(-3, 10):
        for m in (1.0, 2.0, 2.5, 5.0):
            step = m * 10.0**k
            if span / step <= 6 + 1e-9:
                break
        else:
            continue
        break
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _wrap(label: str, width: int) -> str:
    """Wrap ``label`` to lines of at most ``width`` characters, as evenly long as possible."""
    lines = textwrap.wrap(label, width=width, break_long_words=False, break_on_hyphens=False)
    if len(lines) <= 1:
        return label.strip() or label
    for narrower in range(max(len(w) for w in label.split()), width):
        balanced = textwrap.wrap(
            label, width=narrower, break_long_words=False, break_on_hyphens=False
        )
        if len(balanced) == len(lines):
            return "\n".join(balanced)
    return "\n".join(lines)


def _default_prefix(kind: str, obj: object) -> str:
    digest = hashlib.sha256(repr(obj).encode("utf-8")).hexdigest()[:10]
    return f"{kind}-{digest}"


def _nan(x: float) -> bool:
    return math.isnan(x)


# --------------------------------------------------------------------------------------- radar


class _Display:
    """What every chart does with its ``_draw``: plot, and export as inline SVG or PNG."""

    _kind = "chart"  # prefix of the SVG ids
    _projection: str | None = None
    figsize: Any = (6.3, 4.0)

    def describe(self) -> str:  # pragma: no cover - every chart defines it
        raise NotImplementedError

    def _draw(self, ax: Axes, fig: Figure | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the chart on ``ax``, or on a new Figure when ``ax`` is None."""
        if ax is None:
            return self._figure().axes[0]
        if self._projection and ax.name != self._projection:
            raise ValueError(
                f"{type(self).__name__}.plot needs a {self._projection} Axes "
                f"(projection='{self._projection}')"
            )
        with _chart_context():
            self._draw(ax, None)
        return ax

    def _figure(self) -> Figure:
        with _chart_context():
            fig = _new_figure(self.figsize)
            self._draw(fig.add_subplot(projection=self._projection), fig)
        return fig

    def to_svg(self, id_prefix: str | None = None) -> str:
        """Return the chart as SVG markup to inline in HTML (see :func:`figure_to_svg`)."""
        fig = self._figure()
        prefix = id_prefix or _default_prefix(self._kind, self)
        return figure_to_svg(
            fig, id_prefix=prefix, title=getattr(self, "title", None) or self.describe()
        )

    def to_png(self, dpi: float = 150) -> bytes:
        """Return the chart as PNG bytes, ``figsize`` × ``dpi`` pixels."""
        return figure_to_png(self._figure(), dpi=dpi)


def _rgb(color: str) -> tuple[float, float, float]:
    h = color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)
