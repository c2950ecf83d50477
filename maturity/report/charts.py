"""Charts of the reports: a radar of the dimensions, bars of one dimension, a level gauge.

Each chart is a small frozen *display* object, in the style of scikit-learn's
``RocCurveDisplay``: it holds the data the chart needs and draws it with
:meth:`~RadarDisplay.plot`, :meth:`~RadarDisplay.to_svg` or :meth:`~RadarDisplay.to_png`.

    >>> radar = RadarDisplay(["Strategy", "Factory", "Operations"], [2.5, 3.0, 1.5], range=(0, 5))
    >>> svg = radar.to_svg(id_prefix="radar1")  # doctest: +SKIP

The charts are made for reports printed in greyscale as often as on screen: the series differ by
line style, marker and hatch as well as by colour (the colour-blind-safe Okabe–Ito palette), and
the radial limits are fixed by ``range`` so that charts of different companies compare.
Missing scores (NaN) are gaps, never zeros.

SVG output is reproducible (the same inputs give the same bytes), keeps text as ``<text>``
(smaller, selectable and searchable in a PDF) and is made to be embedded inline in an HTML page,
several charts a page: it has no XML declaration, every id is prefixed by the caller's
``id_prefix``, its style sheet is scoped to the chart, and the root carries ``role="img"`` and a
``<title>``.

matplotlib is imported only when a chart is drawn, so importing this module is cheap. Drawing
uses the object-oriented API only (no pyplot); style settings are applied in
:func:`matplotlib.rc_context` under a module lock, so charts can be rendered from several threads.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import re
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

__all__ = [
    "DEFAULT_NAMES",
    "BarDisplay",
    "GaugeDisplay",
    "RadarDisplay",
    "figure_to_png",
    "figure_to_svg",
]

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


@dataclass(frozen=True)
class RadarDisplay(_Display):
    """Radar chart of the dimensions of a company, against its peers, target and past.

    ``labels`` names the axes (at least 3) and ``values`` gives the company's score on each;
    ``range`` fixes the radial limits, so that charts of different companies compare. Optional
    series of the same length: the peers' median (dashed), the peers' first and third quartile
    (``peer_q1`` and ``peer_q3``, given together: a hatched band), a ``target`` profile (dotted)
    and a ``previous`` assessment (dash-dot). NaN or None is no score: a gap in the polygon and
    a note by the axis label, never a zero; ``not_applicable[i]`` says that axis ``i`` has no
    score because the dimension does not apply (the note then reads "not applicable", not "no
    score"). ``projected`` is the profile an action plan is expected to reach (dash-dot-dot,
    diamonds). ``names`` gives the (translated) legend names, keys as in :data:`DEFAULT_NAMES`;
    ``decimal`` is the decimal separator of the printed numbers.
    """

    labels: Sequence[str]
    values: Sequence[float]
    _: KW_ONLY
    range: tuple[float, float]
    peer_median: Sequence[float] | None = None
    peer_q1: Sequence[float] | None = None
    peer_q3: Sequence[float] | None = None
    target: Sequence[float] | None = None
    previous: Sequence[float] | None = None
    not_applicable: Sequence[bool] | None = None
    projected: Sequence[float] | None = None
    names: Mapping[str, str] | None = field(default=None, hash=False)
    title: str | None = None
    decimal: str = "."

    _kind = "radar"
    _projection = "polar"

    def __post_init__(self) -> None:
        what = type(self).__name__
        labels = _labels(self.labels, minimum=3, what=what)
        bounds = _range(self.range, what)
        n = len(labels)
        series: dict[str, tuple[float, ...] | None] = {}
        for key in (
            "values",
            "peer_median",
            "peer_q1",
            "peer_q3",
            "target",
            "previous",
            "projected",
        ):
            series[key] = _values(getattr(self, key), name=key, n=n, bounds=bounds, what=what)
        q1, q3 = series["peer_q1"], series["peer_q3"]
        if (q1 is None) != (q3 is None):
            raise ValueError(f"{what}: peer_q1 and peer_q3 must be given together")
        if q1 is not None and q3 is not None and any(a > b for a, b in zip(q1, q3, strict=True)):
            raise ValueError(f"{what}: peer_q1 must not exceed peer_q3")
        if self.not_applicable is not None:
            flags = tuple(bool(f) for f in self.not_applicable)
            if len(flags) != n:
                raise ValueError(f"{what}: not_applicable has {len(flags)} values for {n} labels")
            object.__setattr__(self, "not_applicable", flags)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "range", bounds)
        for key, value in series.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "names", _names(self.names, what))

    def _missing_note(self, i: int) -> str:
        """The note by axis ``i`` when it has no score: "not applicable" or "no score"."""
        flags = self.not_applicable
        key = "not_applicable" if flags is not None and flags[i] else "no_score"
        return _name(self.names, key)

    @property
    def figsize(self) -> tuple[float, float]:
        """Size of the figure in inches: 16 cm wide, taller when many axes crowd the labels."""
        n = len(self.labels)
        return (6.3, 5.2 if n <= 8 else 5.9 if n <= 12 else 6.6)

    @property
    def angles(self) -> tuple[float, ...]:
        """Angle of each axis in radians (0 at the top, clockwise in the chart)."""
        n = len(self.labels)
        return tuple(2 * math.pi * i / n for i in range(n))

    def describe(self) -> str:
        """Return a plain-text description of the chart (the SVG title when there is none)."""
        parts = [
            f"{label} {self._missing_note(i) if _nan(v) else _fmt(v, self.decimal)}"
            for i, (label, v) in enumerate(zip(self.labels, self.values, strict=True))
        ]
        return f"{_name(self.names, 'company')}: " + "; ".join(parts)

    def _draw(self, axes: Axes, fig: Figure | None) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch, PathPatch
        from matplotlib.path import Path

        ax = cast("PolarAxes", axes)

        n = len(self.labels)
        lo, hi = self.range
        theta = list(self.angles)
        closed = [*theta, theta[0]]

        def ring(vals: Sequence[float]) -> list[float]:
            return [*vals, vals[0]]

        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        ax.set_ylim(lo, hi)
        ax.set_xticks(theta, [""] * n)
        ax.set_yticks([])
        ax.xaxis.grid(True, color=_GRID, linewidth=0.7)
        ax.yaxis.grid(False)
        ax.spines["polar"].set_visible(False)
        ax.set_facecolor("white")

        # polygonal grid: one polygon per level, the outer one darker; labelled once, between
        # the first two axes
        levels = [v for v in _grid_levels(lo, hi) if v > lo + 1e-9 * (hi - lo)]
        if not levels or abs(levels[-1] - hi) > 1e-9 * (hi - lo):
            levels.append(hi)
        for k, level in enumerate(levels, start=1):
            outer = abs(level - hi) <= 1e-9 * (hi - lo)
            ax.plot(
                closed,
                [level] * (n + 1),
                color="#8C8C8C" if outer else _GRID,
                linewidth=0.9 if outer else 0.7,
                zorder=1,
                gid=f"grid-{k}",
            )
        # on the grid polygons' edges between the first two axes (their midpoints lie at
        # radius level·cos(π/n) when the centre is the low end of the range)
        label_theta = math.pi / n
        for k, level in enumerate(levels, start=1):
            ax.text(
                label_theta,
                lo + (level - lo) * math.cos(label_theta),
                _fmt_level(level, self.decimal),
                fontsize=7,
                color=_MUTED,
                ha="center",
                va="center",
                zorder=7,
                gid=f"grid-label-{k}",
                bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"},
            )

        legend: dict[str, Any] = {}  # series key -> legend handle

        # peer interquartile band: quadrilaterals between neighbouring axes with both quartiles
        if self.peer_q1 is not None and self.peer_q3 is not None:
            q1, q3 = ring(self.peer_q1), ring(self.peer_q3)
            verts: list[tuple[float, float]] = []
            codes: list[Any] = []
            for i in range(n):
                a, b = closed[i], closed[i + 1]
                quad = [(a, q1[i]), (a, q3[i]), (b, q3[i + 1]), (b, q1[i + 1])]
                if any(_nan(r) for _, r in quad):
                    continue
                verts += [*quad, quad[0]]
                codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
            style: dict[str, Any] = {"facecolor": (*_rgb(_ORANGE), 0.22), "edgecolor": _ORANGE}
            if verts:
                band = PathPatch(
                    Path(verts, codes), linewidth=0, hatch=_IQR_HATCH, zorder=2, **style
                )
                band.set_gid("peer_iqr")
                ax.add_patch(band)
            for quartile, gid in ((q1, "peer_q1"), (q3, "peer_q3")):
                ax.plot(closed, quartile, color=_ORANGE, linewidth=0.8, zorder=2.5, gid=gid)
            legend["peer_iqr"] = Patch(linewidth=0.8, hatch=_IQR_HATCH, **style)

        for key in ("company", "peer_median", "target", "previous", "projected"):
            vals = self.values if key == "company" else getattr(self, key)
            if vals is None:
                continue
            style = dict(_SERIES[key])
            if key == "company" and not any(_nan(v) for v in vals):
                ax.fill(theta, vals, color=_BLUE, alpha=0.12, linewidth=0, zorder=3)[0].set_gid(
                    "company-fill"
                )
            # markers on the n vertices, not again on the closing point
            ax.plot(closed, ring(vals), gid=key, markevery=slice(0, n), **style)
            legend[key] = Line2D([], [], **style)
        order = [
            k
            for k in ("company", "projected", "peer_median", "peer_iqr", "target", "previous")
            if k in legend
        ]
        handles = [legend[k] for k in order]
        names = [_name(self.names, k) for k in order]

        # axis labels, outside the outer polygon, aligned away from the plot
        fontsize = 9.0 if n <= 8 else 8.0 if n <= 12 else 7.5
        for i, (label, angle) in enumerate(zip(self.labels, theta, strict=True)):
            s, c = math.sin(angle), math.cos(angle)
            ha = "left" if s > 0.2 else "right" if s < -0.2 else "center"
            # only labels near the top and bottom grow away from the chart; the others are
            # centred on their axis, so that neighbouring labels of a crowded chart (many
            # axes, wrapped labels) do not grow into each other
            va = "bottom" if c > 0.75 else "top" if c < -0.75 else "center"
            text = _wrap(label, 18)
            missing = _nan(self.values[i])
            if missing:
                text += f"\n({self._missing_note(i)})"
            ax.text(
                0.5 + 0.56 * s,
                0.5 + 0.56 * c,
                text,
                transform=ax.transAxes,
                ha=ha,
                va=va,
                multialignment=ha,
                fontsize=fontsize,
                color=_MUTED if missing else _INK,
                style="italic" if missing else "normal",
                gid=f"axis-label-{i}",
            )

        if self.title:
            if fig is not None:
                fig.suptitle(self.title, fontsize=11, fontweight="bold")
            else:
                # above the top axis label, whatever the size of the caller's axes
                top_lines = _wrap(self.labels[0], 18).count("\n") + 1 + _nan(self.values[0])
                ax.annotate(
                    self.title,
                    xy=(0.5, 1.06),
                    xycoords="axes fraction",
                    xytext=(0, top_lines * fontsize * 1.25 + 8),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=11,
                    fontweight="bold",
                    gid="title",
                )
        if len(handles) > 1:
            if fig is not None:
                fig.legend(
                    handles,
                    names,
                    loc="outside lower center",
                    ncols=min(3, len(handles)),
                    frameon=False,
                    fontsize=8.5,
                    handlelength=2.8,
                )
            else:
                ax.legend(
                    handles,
                    names,
                    loc="upper left",
                    bbox_to_anchor=(1.25, 1.0),
                    frameon=False,
                    fontsize=8.5,
                    handlelength=2.8,
                )


def _rgb(color: str) -> tuple[float, float, float]:
    h = color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


# ---------------------------------------------------------------------------------------- bars


@dataclass(frozen=True)
class BarDisplay(_Display):
    """Horizontal bars of the sub-dimensions or items of one dimension.

    One bar per label, from the low end of ``range`` to the company's value, with the peers'
    median (diamond) and the ``target`` (bar) as markers and the value printed at the right.
    NaN or None is no score: no bar, and "–" for the value. ``names`` gives the (translated)
    legend names, keys as in :data:`DEFAULT_NAMES`; ``decimal`` is the decimal separator.
    """

    _kind = "bars"

    labels: Sequence[str]
    values: Sequence[float]
    _: KW_ONLY
    range: tuple[float, float]
    peer_median: Sequence[float] | None = None
    target: Sequence[float] | None = None
    names: Mapping[str, str] | None = field(default=None, hash=False)
    title: str | None = None
    decimal: str = "."

    def __post_init__(self) -> None:
        what = type(self).__name__
        labels = _labels(self.labels, minimum=1, what=what)
        bounds = _range(self.range, what)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "range", bounds)
        for key in ("values", "peer_median", "target"):
            checked = _values(getattr(self, key), name=key, n=len(labels), bounds=bounds, what=what)
            object.__setattr__(self, key, checked)
        object.__setattr__(self, "names", _names(self.names, what))

    @property
    def wrapped_labels(self) -> tuple[str, ...]:
        """The labels as drawn, wrapped to lines of about 30 characters."""
        return tuple(_wrap(s, 30) for s in self.labels)

    @property
    def figsize(self) -> tuple[float, float]:
        """Size of the figure in inches: 16 cm wide, tall enough for the labels."""
        lines = max(s.count("\n") + 1 for s in self.wrapped_labels)
        row = max(0.34, 0.15 * lines + 0.16)
        extra = (0.35 if self.title else 0.0) + (
            0.3 if self.peer_median is not None or self.target is not None else 0.0
        )
        return (6.3, round(0.55 + extra + row * len(self.labels), 2))

    def describe(self) -> str:
        """Return a plain-text description of the chart (the SVG title when there is none)."""
        parts = [
            f"{label} {'–' if _nan(v) else _fmt(v, self.decimal)}"
            for label, v in zip(self.labels, self.values, strict=True)
        ]
        return "; ".join(parts)

    def _draw(self, ax: Axes, fig: Figure | None) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        from matplotlib.transforms import blended_transform_factory

        lo, hi = self.range
        n = len(self.labels)
        ys = list(range(n))
        valid = [i for i in ys if not _nan(self.values[i])]
        bars = ax.barh(
            [ys[i] for i in valid],
            [self.values[i] - lo for i in valid],
            left=lo,
            height=0.56,
            facecolor=_BLUE_LIGHT,
            edgecolor=_BLUE,
            linewidth=1.2,
            zorder=2,
        )
        for i, patch in zip(valid, bars.patches, strict=True):
            patch.set_gid(f"bar-{i}")

        handles: list[Any] = [Patch(facecolor=_BLUE_LIGHT, edgecolor=_BLUE, linewidth=1.2)]
        names = [_name(self.names, "company")]
        if self.peer_median is not None:
            style: dict[str, Any] = {
                "linestyle": "none",
                "marker": "D",
                "markersize": 6.5,
                "markerfacecolor": _VERMILLION,
                "markeredgecolor": _INK,
                "markeredgewidth": 0.9,
                "zorder": 4,
            }
            ax.plot(self.peer_median, ys, gid="peer_median", **style)
            handles.append(Line2D([], [], **style))
            names.append(_name(self.names, "peer_median"))
        if self.target is not None:
            from matplotlib import patheffects

            style = {
                "linestyle": "none",
                "marker": "|",
                "markersize": 15,
                "markeredgewidth": 2.6,
                "color": _GREEN,
                "zorder": 3,
            }
            outline = [patheffects.Stroke(linewidth=5, foreground="white"), patheffects.Normal()]
            ax.plot(self.target, ys, gid="target", path_effects=outline, **style)
            handles.append(Line2D([], [], path_effects=outline, **style))
            names.append(_name(self.names, "target"))

        # printed values in a column at the right, clear of bars and markers
        right = blended_transform_factory(ax.transAxes, ax.transData)
        for i in ys:
            v = self.values[i]
            ax.text(
                1.02,
                i,
                "–" if _nan(v) else _fmt(v, self.decimal),
                transform=right,
                ha="left",
                va="center",
                fontsize=9,
                fontweight="normal" if _nan(v) else "bold",
                color=_MUTED if _nan(v) else _INK,
                gid=f"value-{i}",
            )

        ax.set_xlim(lo, hi)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_yticks(ys, self.wrapped_labels, fontsize=8.5)
        ax.set_xticks(
            _grid_levels(lo, hi), [_fmt_level(x, self.decimal) for x in _grid_levels(lo, hi)]
        )
        ax.tick_params(axis="y", length=0, pad=6)
        ax.tick_params(axis="x", length=0, labelsize=8, colors=_MUTED)
        ax.xaxis.grid(True, color=_GRID, linewidth=0.7, zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_color("#8C8C8C")

        if self.title:
            if fig is not None:
                fig.suptitle(self.title, fontsize=11, fontweight="bold")
            else:
                ax.set_title(self.title, fontsize=11, fontweight="bold")
        if len(handles) > 1:
            if fig is not None:
                fig.legend(
                    handles,
                    names,
                    loc="outside lower center",
                    ncols=len(handles),
                    frameon=False,
                    fontsize=8.5,
                )
            else:
                ax.legend(
                    handles,
                    names,
                    loc="upper center",
                    bbox_to_anchor=(0.5, -0.08),
                    ncols=len(handles),
                    frameon=False,
                    fontsize=8.5,
                )


# --------------------------------------------------------------------------------------- gauge


@dataclass(frozen=True)
class GaugeDisplay(_Display):
    """Level gauge of the overall score: a band split into named levels, with a marker.

    ``levels`` lists each level's lower bound and name, in increasing order inside ``range``;
    a level ends where the next one starts (the last one at the top of ``range``). The value is
    marked and printed; NaN shows "no score" (``names={"no_score": ...}`` to translate).
    ``decimal`` is the decimal separator of the printed numbers.
    """

    _kind = "gauge"

    value: float
    _: KW_ONLY
    range: tuple[float, float]
    levels: Sequence[tuple[float, str]]
    title: str | None = None
    names: Mapping[str, str] | None = field(default=None, hash=False)
    decimal: str = "."

    figsize = (6.3, 1.7)

    def __post_init__(self) -> None:
        what = type(self).__name__
        lo, hi = _range(self.range, what)
        value = math.nan if self.value is None else float(self.value)
        if math.isinf(value) or (not _nan(value) and not lo <= value <= hi):
            raise ValueError(f"{what}: value {value} is outside the range [{lo}, {hi}]")
        levels = tuple((float(b), str(s)) for b, s in self.levels)
        if not levels:
            raise ValueError(f"{what} needs at least one level")
        bounds = [b for b, _ in levels]
        if any(b >= c for b, c in itertools.pairwise(bounds)):
            raise ValueError(f"{what}: level lower bounds must increase, got {bounds}")
        if bounds[0] < lo or bounds[-1] >= hi:
            raise ValueError(f"{what}: level lower bounds must lie in [{lo}, {hi}), got {bounds}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "range", (lo, hi))
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "names", _names(self.names, what))

    @property
    def level(self) -> str | None:
        """Name of the level of the value (None for no score or below the first level)."""
        i = self._level_index()
        return None if i is None else self.levels[i][1]

    def _level_index(self) -> int | None:
        if _nan(self.value):
            return None
        found = None
        for i, (bound, _) in enumerate(self.levels):
            if self.value >= bound:
                found = i
        return found

    def describe(self) -> str:
        """Return a plain-text description of the chart (the SVG title when there is none)."""
        if _nan(self.value):
            return _name(self.names, "no_score")
        lo, hi = self.range
        span = f"{_fmt_level(lo, self.decimal)}–{_fmt_level(hi, self.decimal)}"
        level = f" ({self.level})" if self.level else ""
        return f"{_fmt(self.value, self.decimal)} / {span}{level}"

    def _draw(self, ax: Axes, fig: Figure | None) -> None:
        import matplotlib as mpl
        from matplotlib.patches import Polygon, Rectangle

        lo, hi = self.range
        span = hi - lo
        bounds = [b for b, _ in self.levels]
        ends = [*bounds[1:], hi]
        cmap = mpl.colormaps["Blues"]
        k = len(self.levels)
        band_lo, band_hi = 0.35, 0.7
        current = self._level_index()
        if bounds[0] > lo:  # below the first level: unnamed, grey
            ax.add_patch(
                Rectangle((lo, band_lo), bounds[0] - lo, band_hi - band_lo, color="#E6E6E6")
            )
        for i, ((start, name), end) in enumerate(zip(self.levels, ends, strict=True)):
            shade = 0.18 + 0.67 * (i / (k - 1) if k > 1 else 0.5)
            rgba = cmap(shade)
            rect = Rectangle(
                (start, band_lo),
                end - start,
                band_hi - band_lo,
                facecolor=rgba,
                edgecolor="white",
                linewidth=1.5,
                zorder=1,
            )
            rect.set_gid(f"level-{i}")
            ax.add_patch(rect)
            luminance = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
            width_in = (end - start) / span * 5.6
            chars = max(4, int(width_in * 72 / (0.6 * 8)))
            ax.text(
                (start + end) / 2,
                (band_lo + band_hi) / 2,
                _wrap(name, chars),
                ha="center",
                va="center",
                multialignment="center",
                fontsize=8,
                fontweight="bold" if i == current else "normal",
                color="white" if luminance < 0.5 else _INK,
                zorder=2,
                gid=f"level-label-{i}",
            )

        v = self.value
        if _nan(v):
            ax.text(
                (lo + hi) / 2,
                band_hi + 0.18,
                _name(self.names, "no_score"),
                ha="center",
                va="bottom",
                fontsize=10,
                style="italic",
                color=_MUTED,
                gid="value",
            )
        else:
            # two pointers outside the band (above and below), so no level name is covered
            w, h = 0.013 * span, 0.12
            for gid, tip, base in (
                ("marker", band_hi + 0.01, band_hi + 0.01 + h),
                ("marker-below", band_lo - 0.01, band_lo - 0.01 - h),
            ):
                pointer = Polygon(
                    [(v - w, base), (v + w, base), (v, tip)],
                    closed=True,
                    facecolor=_INK,
                    edgecolor=_INK,
                    linewidth=0.8,
                    zorder=3,
                    clip_on=False,
                )
                pointer.set_gid(gid)
                ax.add_patch(pointer)
            ha = "left" if v - lo < 0.04 * span else "right" if hi - v < 0.04 * span else "center"
            ax.text(
                v,
                band_hi + 0.18,
                _fmt(v, self.decimal),
                ha=ha,
                va="bottom",
                fontsize=12,
                fontweight="bold",
                color=_INK,
                gid="value",
            )

        ticks = sorted({lo, *bounds, hi})
        ax.set_xlim(lo, hi)
        ax.set_ylim(0.15, 1.2)
        ax.set_xticks(ticks, [_fmt_level(t, self.decimal) for t in ticks])
        ax.set_yticks([])
        ax.tick_params(axis="x", length=0, labelsize=8, colors=_MUTED, pad=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if self.title:
            if fig is not None:
                fig.suptitle(self.title, fontsize=11, fontweight="bold")
            else:
                ax.set_title(self.title, fontsize=11, fontweight="bold")
