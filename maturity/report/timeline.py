"""The timeline of an action plan: one bar per action, from its start to its end, by wave.

A display object like the charts of :mod:`maturity.report.charts` (same base class, style,
reproducible inline SVG, vector in the PDF): :class:`TimelineDisplay` holds the bars and draws
them with :meth:`~TimelineDisplay.plot`, :meth:`~TimelineDisplay.to_svg` or
:meth:`~TimelineDisplay.to_png`. Waves differ by colour *and* hatch, so the chart reads in
greyscale print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any

from maturity.report.chartbase import (
    _BLUE,
    _GREEN,
    _GRID,
    _INK,
    _MUTED,
    _ORANGE,
    _PURPLE,
    _VERMILLION,
    _Display,
    _labels,
    _rgb,
    _wrap,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["TimelineDisplay"]

_WAVE_COLOURS = (_BLUE, _GREEN, _ORANGE, _PURPLE, _VERMILLION)
_WAVE_HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\")


@dataclass(frozen=True)
class TimelineDisplay(_Display):
    """Bars of the actions of a plan on a time axis in weeks.

    ``labels``, ``starts``, ``ends`` and ``waves`` give one bar per action (the wave numbers
    start at 1); ``horizon`` (weeks) draws the plan's deadline. ``unit`` labels the time axis,
    ``wave_label`` names a wave in the legend (``{n}`` is its number) and ``horizon_label`` the
    deadline, all in the report's language.
    """

    labels: Sequence[str]
    starts: Sequence[float]
    ends: Sequence[float]
    waves: Sequence[int]
    _: KW_ONLY
    horizon: float | None = None
    unit: str = "weeks from the start"
    wave_label: str = "Wave {n}"
    horizon_label: str = "Horizon"
    title: str | None = None
    decimal: str = "."

    _kind = "timeline"

    def __post_init__(self) -> None:
        what = type(self).__name__
        labels = _labels(self.labels, minimum=1, what=what)
        n = len(labels)
        starts = tuple(float(x) for x in self.starts)
        ends = tuple(float(x) for x in self.ends)
        waves = tuple(int(w) for w in self.waves)
        if not len(starts) == len(ends) == len(waves) == n:
            raise ValueError(f"{what}: give one start, end and wave per label ({n})")
        if any(not 0 <= s <= e for s, e in zip(starts, ends, strict=True)):
            raise ValueError(f"{what}: every bar needs 0 <= start <= end")
        if any(w < 1 for w in waves):
            raise ValueError(f"{what}: wave numbers start at 1")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "ends", ends)
        object.__setattr__(self, "waves", waves)

    @property
    def wrapped_labels(self) -> tuple[str, ...]:
        """The labels as drawn, wrapped to lines of about 34 characters."""
        return tuple(_wrap(s, 34) for s in self.labels)

    @property
    def figsize(self) -> tuple[float, float]:
        """16 cm wide, a row per action (taller for wrapped labels) and room for the legend."""
        rows = sum(max(0.3, 0.15 * (s.count("\n") + 1) + 0.1) for s in self.wrapped_labels)
        return (6.3, round(1.1 + rows + (0.35 if self.title else 0.0), 2))

    def describe(self) -> str:
        """Return a plain-text description of the chart (the SVG title when there is none)."""
        parts = [
            f"{self.wave_label.format(n=w)}: {label} ({s:g}–{e:g})".replace(".", self.decimal)
            for label, s, e, w in zip(self.labels, self.starts, self.ends, self.waves, strict=True)
        ]
        return "; ".join(parts)

    def _draw(self, ax: Axes, fig: Figure | None) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        n = len(self.labels)
        ys = list(range(n))
        handles: dict[int, Any] = {}
        for i, (s, e, w) in enumerate(zip(self.starts, self.ends, self.waves, strict=True)):
            colour = _WAVE_COLOURS[(w - 1) % len(_WAVE_COLOURS)]
            hatch = _WAVE_HATCHES[(w - 1) % len(_WAVE_HATCHES)]
            style: dict[str, Any] = {
                "facecolor": (*_rgb(colour), 0.35),
                "edgecolor": colour,
                "linewidth": 1.1,
                "hatch": hatch,
            }
            (bar,) = ax.barh([i], [max(e - s, 0.15)], left=s, height=0.58, zorder=2, **style)
            bar.set_gid(f"action-{i}")
            handles.setdefault(w, Patch(**style))
        end = max(self.ends, default=0.0)
        right = max(end, self.horizon or 0.0, 1.0)
        if self.horizon is not None:
            ax.axvline(self.horizon, color=_INK, linestyle="--", linewidth=1.1, zorder=3)
            ax.text(
                self.horizon,
                -0.75,
                f" {self.horizon_label}",
                ha="left" if self.horizon < 0.8 * right else "right",
                va="bottom",
                fontsize=8,
                color=_INK,
                gid="horizon",
            )
        ax.set_xlim(0, right * 1.03)
        ax.set_ylim(n - 0.5, -0.9)
        ax.set_yticks(ys, self.wrapped_labels, fontsize=8)
        ax.tick_params(axis="y", length=0, pad=5)
        ax.tick_params(axis="x", length=0, labelsize=8, colors=_MUTED)
        ax.set_xlabel(self.unit, fontsize=8, color=_MUTED)
        ax.xaxis.grid(True, color=_GRID, linewidth=0.7, zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_color("#8C8C8C")
        ax.spines["bottom"].set_color("#8C8C8C")
        names = [self.wave_label.format(n=w) for w in sorted(handles)]
        items = [handles[w] for w in sorted(handles)]
        if self.horizon is not None:
            items.append(Line2D([], [], color=_INK, linestyle="--", linewidth=1.1))
            names.append(self.horizon_label)
        if self.title:
            if fig is not None:
                fig.suptitle(self.title, fontsize=11, fontweight="bold")
            else:
                ax.set_title(self.title, fontsize=11, fontweight="bold")
        if fig is not None:
            fig.legend(
                items,
                names,
                loc="outside lower center",
                ncols=min(len(items), 5),
                frameon=False,
                fontsize=8,
            )
        else:
            ax.legend(items, names, loc="lower right", frameon=False, fontsize=8)
