"""Pieces shared by the views of the company report and the portfolio: the peer statistics of
one company, bar charts drawn in HTML, chart legends, anchors and document dates.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from maturity.report.formatting import _finite, messages

__all__ = ["Peers", "bar_view", "chart_names", "dates", "nan", "position", "slug"]


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str, taken: set[str]) -> str:
    """An HTML anchor made of ``text``, unique among ``taken`` (which it joins)."""
    base = _SLUG_RE.sub("-", text.lower()).strip("-") or "x"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def chart_names(t: Mapping[str, str], *, portfolio: bool = False) -> dict[str, str]:
    """The translated legend names of the charts (``names`` of the chart displays)."""
    names = {
        "company": t["chart_company"],
        "peer_median": t["chart_peer_median"],
        "peer_iqr": t["chart_peer_iqr"],
        "target": t["chart_target"],
        "previous": t["chart_previous"],
        "no_score": t["chart_no_score"],
        "not_applicable": t["chart_not_applicable"],
    }
    if portfolio:
        names.update(company=t["chart_median"], peer_iqr=t["chart_iqr"])
    return names


def nan(value: float | None) -> float:
    """None as NaN, for the chart displays (a gap, never a zero)."""
    return math.nan if value is None else value


def position(value: float, lo: float, hi: float) -> str:
    """Where ``value`` lies on the scale from ``lo`` to ``hi``, as a CSS percentage."""
    return f"{min(100.0, max(0.0, 100.0 * (value - lo) / (hi - lo))):.2f}"


def bar_view(
    labels: Sequence[str],
    values: Sequence[float | None],
    medians: Sequence[float | None] | None,
    lo: float,
    hi: float,
    shown: Sequence[Mapping[str, Any] | None] | None = None,
    notes: Sequence[str | None] | None = None,
) -> dict[str, Any]:
    """A bar chart drawn in HTML and CSS: a table row per label, the bar's length and the peer
    median's place as CSS percentages of the scale (templates ``macros.bars``).

    HTML bars cost nothing to draw (a report has one per dimension), break across pages in a
    PDF between rows, keep their text selectable and carry the numbers in table cells, so they
    are read by screen readers. ``None`` is no score: no bar and "–", with ``notes[i]`` saying
    why (e.g. "not applicable"). ``shown[i]`` (``shown``, ``digits``) is the number printed
    for the value and its decimals (default: the value with one decimal; see
    :func:`maturity.report.levels.score_view`).
    """
    from maturity.report.chartbase import _grid_levels

    have_median = medians is not None and any(v is not None for v in medians)
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        median = medians[i] if medians is not None and have_median else None
        given = shown[i] if shown is not None else None
        rows.append(
            {
                "label": label,
                "score": value,
                **(
                    {"shown": given["shown"], "digits": given["digits"]}
                    if given is not None
                    else {"shown": value, "digits": 1}
                ),
                "note": notes[i] if notes is not None and value is None else None,
                "width": None if value is None else position(value, lo, hi),
                "median": median,
                "median_at": None if median is None else position(median, lo, hi),
            }
        )
    ticks = [{"value": v, "at": position(v, lo, hi)} for v in _grid_levels(lo, hi)]
    return {"rows": rows, "ticks": ticks, "median": have_median, "lo": lo, "hi": hi}


class Peers:
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
        """Whether the benchmark has a peer group for the company."""
        return self.group is not None

    @property
    def sufficient(self) -> bool:
        """Whether that peer group is large enough to be shown."""
        return self.group is not None and bool(self.group.sufficient)

    def get(self, stat: str, node: str) -> float | None:
        """A peer statistic of the company for ``node`` (None when there is none to show)."""
        if not self.sufficient or node not in self.nodes or self.row is None:
            return None
        import numpy as np

        table = np.asarray(getattr(self.benchmark, stat), dtype=float)
        return _finite(table[self.row, self.nodes.index(node)])

    def why_missing(self, node: str, lang: str, *, not_applicable: bool, scored: bool) -> str:
        """Why there is no percentile of ``node`` (the "–" of a report says it)."""
        t = messages(lang)
        if self.group is None:
            return t["no_peers_short"]
        if not self.sufficient:
            return t["insufficient_short"]
        if not_applicable:
            return t["not_applicable_short"]
        if not scored:
            return t["no_score_short"]
        return t["insufficient_node_short"]

    def view(self, lang: str) -> dict[str, Any]:
        """The peer group as plain data for the templates."""
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


def dates(created: object, modified: object) -> dict[str, str | None]:
    """ISO dates for the document's metadata (the PDF's creation and modification dates)."""

    def iso(d: object) -> str | None:
        return d.isoformat() if isinstance(d, _dt.date) else None

    return {"created": iso(created), "modified": iso(modified) or iso(created)}
