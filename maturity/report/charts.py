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

import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, cast

from maturity.report.bars import BarDisplay, GaugeDisplay
from maturity.report.chartbase import (
    _BLUE,
    _GRID,
    _INK,
    _IQR_HATCH,
    _MUTED,
    _ORANGE,
    _SERIES,
    DEFAULT_NAMES,
    _Display,
    _fmt,
    _fmt_level,
    _grid_levels,
    _labels,
    _name,
    _names,
    _nan,
    _range,
    _rgb,
    _values,
    _wrap,
    figure_to_png,
    figure_to_svg,
)

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
