"""The view model of the portfolio overview: many companies, for a competence centre."""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

from maturity.report.formatting import _finite, format_number, messages
from maturity.report.levels import level_view, levels_table, score_view
from maturity.report.measure import headers_fit
from maturity.report.parts import Peers, chart_names, dates, nan

if TYPE_CHECKING:  # pragma: no cover
    from maturity.scores import Scores

__all__ = ["build_portfolio_view"]


def build_portfolio_view(
    scores: Scores,
    *,
    lang: str,
    benchmark: Any = None,
    gaps: Any = None,
    organisation: str | None = None,
    date: _dt.date | None = None,
    plans: Any = None,
) -> dict[str, Any]:
    """The view model of a portfolio of companies (a competence centre's overview).

    Keys: ``distribution`` (per top-level dimension and overall: n, min, quartiles, max,
    computed here), ``heatmap`` (companies × dimensions, each cell with its score, level and
    CSS class ``lvl-0`` … ``lvl-5``), ``ranking`` (by overall score, or by the total weighted
    gap when ``gaps`` is given), ``radar`` (median and interquartile band), ``levels`` (the
    legend), and the questionnaire and model. ``plans`` (company → plan, e.g.
    :func:`maturity.plan_all`) adds ``demand``: what the plans ask for, under the disclosure
    rules of the benchmark (see :func:`maturity.report.plan_view.demand_view`).
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
            [nan(stats[n]["median"]) for n in top],
            range=(lo, hi),
            peer_q1=[nan(stats[n]["q1"]) for n in top],
            peer_q3=[nan(stats[n]["q3"]) for n in top],
            names=chart_names(t, portfolio=True),
            decimal="," if lang == "it" else ".",
        )
        radar_svg = Markup(radar.to_svg(id_prefix="radar"))  # noqa: S704 - our chart code

    # ranking: by overall score (highest first) or by total weighted gap (largest first)
    root = scores.score[:, col["root"]]
    totals: list[float | None] = [None] * len(scores.ids)
    totals_why: list[str | None] = [None] * len(scores.ids)
    if gaps is not None:
        gap_ids = list(gaps.ids)
        for k, cid in enumerate(scores.ids):
            if cid not in gap_ids:
                continue
            g = gap_ids.index(cid)
            if not any(math.isfinite(float(x)) for x in gaps.target[g]):
                # no target anywhere (too few peers to publish the quantile): no gap, not 0
                peer = gaps.no_peer_target is not None and bool(gaps.no_peer_target[g].any())
                totals_why[k] = t["no_peer_target_short" if peer else "no_target_short"]
                continue
            totals[k] = float(sum(p.priority for p in gaps.priorities[g]))

        def key(k: int) -> tuple[float, str]:
            v = totals[k]
            return (-(v if v is not None else -1.0), name_of(k))
    else:

        def key(k: int) -> tuple[float, str]:
            v = _finite(root[k])
            return (-(v if v is not None else -math.inf), name_of(k))

    order = sorted(range(len(scores.ids)), key=key)
    peers_of = [Peers(benchmark, cid) for cid in scores.ids]
    na = scores.not_applicable
    root_col = col["root"]
    ranking = []
    for r, k in enumerate(order, start=1):
        value = _finite(root[k])
        percentile = peers_of[k].get("percentile", "root")
        why = None
        if percentile is None:
            why = peers_of[k].why_missing(
                "root", lang, not_applicable=bool(na[k, root_col]), scored=value is not None
            )
        ranking.append(
            {
                "rank": r,
                "company": name_of(k),
                "score": value,
                "shown": (sv := score_view(model, value))["shown"],
                "digits": sv["digits"],
                "level": level_view(model, value, lang),
                "priority": totals[k],
                "priority_why": totals_why[k],
                "percentile": percentile,
                "percentile_why": why,
                "peer_group": (peers_of[k].view(lang).get("description") if benchmark else None),
            }
        )
    by_name = sorted(range(len(scores.ids)), key=lambda k: (name_of(k).casefold(), k))
    numbers = {n: k for k, n in enumerate(top, start=1)}
    heatmap = {
        # column titles that do not fit their column without breaking a word: number the
        # columns and list the titles under the table
        "numbered": not headers_fit([titles[n] for n in nodes]),
        "columns": [{"node": n, "title": titles[n], "number": numbers.get(n)} for n in nodes],
        "rows": [
            {
                "company": name_of(k),
                "cells": [
                    {
                        "score": (s := _finite(scores.score[k, col[n]])),
                        "shown": (sv := score_view(model, s))["shown"],
                        "digits": sv["digits"],
                        "not_applicable": bool(na[k, col[n]]),
                        "level": (lv := level_view(model, s, lang)),
                        "css": lv["css"] if lv else "lvl-none",
                    }
                    for n in nodes
                ],
            }
            for k in by_name
        ],
    }
    synthetic_peers = bool(getattr(benchmark, "synthetic", False)) if benchmark else False
    demand = None
    toc = [
        {"anchor": "distribution", "title": t["distribution"], "number": None},
        {"anchor": "heatmap", "title": t["heatmap"], "number": None},
        {"anchor": "ranking", "title": t["ranking"], "number": None},
    ]
    if plans:
        from maturity.report.plan_view import demand_view

        min_group = getattr(benchmark, "min_group", 5) if benchmark is not None else 5
        demand = demand_view(plans, lang=lang, min_group=int(min_group))
        toc.append({"anchor": "demand", "title": t["plan_demand_title"], "number": None})
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
        "priority_unit": t["priority_unit"].format(
            lo=format_number(lo, lang, 0), hi=format_number(hi, lang, 0)
        ),
        "has_percentile": benchmark is not None
        and any(r["percentile"] is not None for r in ranking),
        "levels": levels_table(model, lang),
        "synthetic_scores": scores.synthetic,
        "synthetic_peers": synthetic_peers,
        "toc": toc,
        "demand": demand,
        "dates": dates(date, date),
        "version": __version__,
    }
