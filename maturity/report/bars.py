"""Bars of one dimension's parts and the gauge of the overall score on its levels."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from maturity.report.chartbase import (
    _BLUE,
    _BLUE_LIGHT,
    _GREEN,
    _GRID,
    _INK,
    _MUTED,
    _VERMILLION,
    _Display,
    _fmt,
    _fmt_level,
    _grid_levels,
    _labels,
    _name,
    _names,
    _nan,
    _range,
    _values,
    _wrap,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BarDisplay", "GaugeDisplay"]


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
