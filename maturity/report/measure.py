"""Widths of text as the reports set it (DejaVu Sans, which matplotlib ships, so the metrics are
the same on every machine), for layout decisions made before rendering: whether the column
titles of the portfolio's heat map fit their columns without breaking a word.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

__all__ = ["HEATMAP", "headers_fit", "text_width"]

_PT_PER_MM = 72 / 25.4

#: The heat map's geometry in print, as ``report.css`` sets it: A4 width less the page margins
#: (mm), the share of the first column, the header font size (pt, bold) and cell padding (mm).
HEATMAP = {"content_mm": 210 - 2 * 18, "first_column": 0.24, "font_pt": 7.0, "padding_mm": 1.0}


@functools.cache
def _font(bold: bool) -> Any:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    props = font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    return FT2Font(font_manager.findfont(props, fallback_to_default=True))


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of ``text`` in points, set in DejaVu Sans at ``size_pt``."""
    font = _font(bold)
    font.set_size(size_pt, 72)
    font.set_text(text, 0.0)
    width: float = font.get_width_height()[0] / 64
    return width


def headers_fit(titles: Sequence[str]) -> bool:
    """Whether every word of the heat map's column ``titles`` fits its column whole (one
    column per title beside the company column), so that no title needs a word broken.
    """
    if not titles:
        return True
    g = HEATMAP
    column = g["content_mm"] * (1 - g["first_column"]) / len(titles) - 2 * g["padding_mm"]
    room = column * _PT_PER_MM * 0.95  # a margin for the renderer's rounding
    return all(
        text_width(word, g["font_pt"], bold=True) <= room
        for title in titles
        for word in title.split()
    )
