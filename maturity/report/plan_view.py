"""The view model of a report's action-plan section (the content belongs to ``maturity.planning``).

Seam between the plan (its content: actions, waves, costs, projections) and the report (the
shape of the pages): :func:`plan_view` turns one company's plan into plain data that the
``plan.html.j2`` template lays out: a summary, the timeline of the waves (inline SVG), the table
of actions with their cost and funding, the projected scores wave by wave, the profile after the
plan on the radar beside today's and the target, and why the other actions were left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maturity.report.formatting import _finite, format_number, format_percent, messages

__all__ = ["demand_view", "plan_view"]

# message keys of the catalogue's words (an unknown word is shown as it is)
_KIND_KEYS = {
    "orientation": "plan_kind_orientation",
    "assessment": "plan_kind_assessment",
    "training": "plan_kind_training",
    "technology_transfer": "plan_kind_technology_transfer",
    "project": "plan_kind_project",
    "investment": "plan_kind_investment",
}
_DELIVERY_KEYS = {
    "classroom": "plan_delivery_classroom",
    "on_the_job": "plan_delivery_on_the_job",
    "demo_line": "plan_delivery_demo_line",
    "online": "plan_delivery_online",
    "blended": "plan_delivery_blended",
}
_PROVIDER_KEYS = {
    "competence_centre": "plan_provider_competence_centre",
    "edih": "plan_provider_edih",
    "chamber_of_commerce": "plan_provider_chamber_of_commerce",
    "university": "plan_provider_university",
    "research_centre": "plan_provider_research_centre",
    "training_provider": "plan_provider_training_provider",
    "consultant": "plan_provider_consultant",
    "technology_supplier": "plan_provider_technology_supplier",
    "in_house": "plan_provider_in_house",
}
_LEFT_KEYS = {
    "budget": "plan_left_budget",
    "horizon": "plan_left_horizon",
    "prerequisite": "plan_left_prerequisite",
    "no_gap": "plan_left_no_gap",
    "no_target": "plan_left_no_target",
    "not_applicable": "plan_left_not_applicable",
}
_COST_KEYS = {
    "low": "plan_note_costs_low",
    "mid": "plan_note_costs_mid",
    "high": "plan_note_costs_high",
}


def _word(t: Mapping[str, str], keys: Mapping[str, str], word: str) -> str:
    return t[keys[word]] if word in keys else word


def _kind_text(act: Any, t: Mapping[str, str]) -> str:
    """``training (online)``: an action's kind, with the delivery of a training."""
    kind = _word(t, _KIND_KEYS, act.kind)
    if act.delivery:
        kind += f" ({_word(t, _DELIVERY_KEYS, act.delivery)})"
    return kind


def _euro(x: float | None, lang: str) -> str:
    return format_number(x, lang, 0)


def _weeks(x: float, lang: str) -> str:
    """Weeks with at most one decimal: ``4``, ``4.5`` (``4,5`` in Italian)."""
    text = format_number(x, lang, 1)
    return text[:-2] if text[-2:] in (".0", ",0") else text


def _reason(
    lo: Any, t: Mapping[str, str], lang: str, titles: Mapping[str, str], months: str
) -> str:
    """Why an action is left out, in words, from the figures of the reason."""
    d = lo.detail
    if lo.reason == "not_applicable":
        return t["plan_reason_unknown" if d.get("unknown") else "plan_reason_not_applicable"]
    if lo.reason == "prerequisite":
        if "missing" in d:
            return t["plan_reason_missing"].format(action=titles.get(d["missing"], d["missing"]))
        return t["plan_reason_level"].format(
            level=titles.get(f"level:{d['level']}", d["level"]),
            dimension=titles.get(f"node:{d['node']}", d["node"]),
        )
    together = ""
    if d.get("with"):
        together = t["plan_reason_with"].format(
            actions=", ".join(titles.get(a, a) for a in d["with"])
        )
    if lo.reason == "horizon":
        return (
            t["plan_reason_horizon"].format(weeks=_weeks(d["weeks"], lang), months=months)
            + together
        )
    if lo.reason == "budget" and d.get("alone"):
        return t["plan_reason_budget_alone"].format(
            net=_euro(d["net_cost"], lang), budget=_euro(d["remaining"], lang)
        )
    if lo.reason == "budget":
        return (
            t["plan_reason_budget"].format(
                net=_euro(d["net_cost"], lang), remaining=_euro(max(0.0, d["remaining"]), lang)
            )
            + together
        )
    if lo.reason == "no_target":
        return t["plan_reason_no_target"].format(why=t["plan_why_peers"] if d.get("peers") else "")
    if d.get("enables"):
        return t["plan_reason_enables"].format(
            actions=", ".join(titles.get(a, a) for a in d["enables"])
        )
    return t["plan_reason_covered" if d.get("covered") else "plan_reason_no_gap"]


def _answer_text(model: Any, item_id: str, target: str, lang: str, t: Mapping[str, str]) -> str:
    """The answer an action brings an item to, as the questionnaire words it."""
    item = model.questionnaire.item(item_id)
    if item.kind in ("scale", "choice"):
        for o in item.options:
            if o.code == target:
                return str(o.label.lang(lang))
    if item.kind == "multi":
        labels = {o.code: o.label.lang(lang) for o in item.options}
        return ", ".join(str(labels.get(c.strip(), c)) for c in target.split(","))
    if item.kind == "boolean":
        return t["yes"]
    if item.kind == "number":
        from maturity.report.answers import number_text

        try:
            return number_text(float(target), lang, item.unit)
        except ValueError:  # pragma: no cover - the catalogue loader checks numbers
            return target
    return target


def plan_view(
    plan: Any, scores: Any, company_id: str, *, lang: str, benchmark: Any = None
) -> dict[str, Any]:
    """The action-plan section of one company's report, as plain data for the templates.

    Keys: ``title``, ``intro``, ``summary`` (cost, funding, net cost, budget, duration, overall
    score and level today and after the plan, percentile), ``timeline`` (inline SVG),
    ``actions`` (per chosen action: wave, weeks, kind, provider, cost, funding, net cost, share
    of the gain, what it raises and which gaps it closes), ``waves`` (projected scores after
    each), ``radar`` (inline SVG of today's profile, the projected one and the target),
    ``left_out`` (grouped by reason) and ``notes``. Numbers are floats (None when missing).
    """
    from markupsafe import Markup

    from maturity.report.charts import RadarDisplay
    from maturity.report.levels import level_view as _level_view
    from maturity.report.parts import chart_names as _chart_names
    from maturity.report.parts import nan as _nan
    from maturity.report.timeline import TimelineDisplay

    t = messages(lang)
    model = plan.model
    q = model.questionnaire
    lo, hi = model.range
    decimal = "," if lang == "it" else "."
    cat = plan.catalogue

    def title_of(node: str) -> str:
        return str(q.title.lang(lang)) if node == "root" else str(q.node(node).title.lang(lang))

    titles: dict[str, str] = {a.id: str(a.title.lang(lang)) for a in cat}
    titles.update({f"node:{n}": title_of(n) for n in model.rules})
    titles.update({f"level:{lv.code}": str(lv.label.lang(lang)) for lv in model.levels})
    programmes = {p.id: str(p.title.lang(lang)) for p in cat.programmes}

    now = _finite(plan.today.get("root"))
    then = _finite(plan.projected.get("root"))
    p_now = _finite(plan.percentile_today.get("root"))
    p_then = _finite(plan.percentile_projected.get("root"))
    months = format_number(plan.horizon_months, lang, 0)
    target_text = _target(plan.target_kind, t, lang)
    # dimensions without a target (a peer group too small to publish the quantile)
    untargeted = plan.untargeted
    why = t["plan_why_peers"] if plan.target_kind.startswith("peer") else ""
    if plan.nodes and len(untargeted) == len(plan.nodes):
        intro = t["plan_intro_no_target"].format(target=target_text, why=why)
    else:
        if plan.actions:
            intro = t["plan_intro"].format(
                budget=_euro(plan.budget, lang),
                months=months,
                closure=format_percent(plan.closure, lang),
                target=target_text,
            )
        elif plan.max_objective > 0:
            intro = t["plan_intro_none"].format(budget=_euro(plan.budget, lang), months=months)
        elif untargeted:
            intro = t["plan_intro_no_gap_where_target"].format(target=target_text)
        else:
            intro = t["plan_intro_no_gap"].format(target=target_text)
        if untargeted:
            intro += " " + t["plan_no_target_dims"].format(
                dims=", ".join(title_of(n) for n in untargeted), why=why
            )
    summary = {
        "cost": plan.cost,
        "funded": plan.funded,
        "net_cost": plan.net_cost,
        "budget": plan.budget,
        "cost_text": _euro(plan.cost, lang),
        "funded_text": _euro(plan.funded, lang),
        "net_text": _euro(plan.net_cost, lang),
        "budget_text": _euro(plan.budget, lang),
        "weeks_text": t["plan_weeks"].format(weeks=_weeks(plan.weeks, lang)),
        "months_text": t["plan_months"].format(months=months),
        "score_now": now,
        "score_then": then,
        "level_now": _level_view(model, now, lang),
        "level_then": _level_view(model, then, lang),
        "percentile_now": p_now,
        "percentile_then": p_then,
        "closure": _finite(plan.closure),
        "share_total_text": format_percent(1.0, lang),
    }

    # the timeline of the waves
    timeline = None
    if plan.actions:
        chart = TimelineDisplay(
            [titles[a.id] for a in plan.actions],
            [a.start_week for a in plan.actions],
            [a.end_week for a in plan.actions],
            [a.wave for a in plan.actions],
            horizon=plan.horizon_weeks,
            unit=t["plan_unit"],
            wave_label=t["plan_wave"],
            horizon_label=t["plan_horizon"].format(months=months),
            decimal=decimal,
        )
        timeline = Markup(chart.to_svg(id_prefix="plan-timeline"))  # noqa: S704 - our chart

    # the actions
    actions = []
    for a in plan.actions:
        act = a.action
        kind = _kind_text(act, t)
        raises = [
            {
                "question": str(q.item(iid).text.lang(lang)),
                "answer": _answer_text(model, iid, target, lang, t),
            }
            for iid, target in a.changes.items()
        ]
        closes = [
            {"dimension": title_of(n), "value": v}
            for n, v in sorted(a.closes.items(), key=lambda kv: -kv[1])
            if v > 0
        ]
        lo_c, hi_c = act.cost
        actions.append(
            {
                "id": a.id,
                "wave": a.wave,
                "title": titles[a.id],
                "description": str(act.description.lang(lang)) if act.description else None,
                "kind": kind,
                "provider": _word(t, _PROVIDER_KEYS, act.provider),
                "weeks": t["plan_span"].format(
                    start=_weeks(a.start_week, lang), end=_weeks(a.end_week, lang)
                ),
                "cost": a.cost,
                "cost_text": _euro(a.cost, lang) if a.cost else t["plan_free"],
                "range_text": (
                    t["plan_range"].format(low=_euro(lo_c, lang), high=_euro(hi_c, lang))
                    if hi_c > lo_c
                    else None
                ),
                "funded": a.funded,
                "funded_text": _euro(a.funded, lang) if a.funded else "–",
                "programme": programmes.get(a.programme) if a.programme and a.funded else None,
                "funded_share": _finite(a.funded_share),
                "net_text": _euro(a.net_cost, lang),
                "share": _finite(a.share),
                "raises": raises,
                "closes": closes,
                "required_by": [titles[x] for x in a.required_by],
            }
        )

    # projected scores after each wave
    waves = [
        {
            "number": w.number,
            "label": t["plan_wave"].format(n=w.number),
            "ends": t["plan_by_week"].format(week=_weeks(w.end_week, lang)),
            "score": _finite(w.score),
            "level": _level_view(model, _finite(w.score), lang),
            "percentile": _finite(w.percentiles.get("root")),
            "actions": len(w.actions),
        }
        for w in plan.waves
    ]

    # the profile after the plan on the radar
    radar = None
    top = model.top_nodes
    if len(top) >= 3:
        names = {
            **_chart_names(t),
            "company": t["plan_today"],
            "projected": t["plan_chart_projected"],
        }
        target = [_finite(plan.target.get(n)) for n in top]
        chart_r = RadarDisplay(
            [title_of(n) for n in top],
            [_nan(_finite(plan.today.get(n))) for n in top],
            range=(lo, hi),
            projected=[_nan(_finite(plan.projected.get(n))) for n in top],
            target=[_nan(v) for v in target] if any(v is not None for v in target) else None,
            names=names,
            decimal=decimal,
        )
        radar = Markup(chart_r.to_svg(id_prefix="plan-radar"))  # noqa: S704 - our chart

    # the actions left out, grouped by reason (the catalogue's order inside a group)
    groups: dict[str, list[dict[str, str]]] = {}
    for left in plan.left_out:
        key = left.reason
        groups.setdefault(key, []).append(
            {"title": titles[left.id], "why": _reason(left, t, lang, titles, months)}
        )
    order = ("budget", "horizon", "prerequisite", "no_gap", "no_target", "not_applicable")
    left_out = []
    for r in order:
        if r not in groups:
            continue
        same = {a["why"] for a in groups[r]}
        # one shared reason (actions that do not apply) is said once, the actions listed after
        compact = r == "not_applicable" and len(same) == 1
        left_out.append(
            {
                "reason": r,
                "heading": t[_LEFT_KEYS[r]],
                "actions": groups[r],
                "compact": compact,
                "note": next(iter(same)) if compact else None,
            }
        )

    notes = [t["plan_note_method"], t[_COST_KEYS[plan.cost_basis]], t["plan_note_funding"]]
    if not plan.exact:
        notes.append(t["plan_note_estimated"])
    if p_now is not None:
        notes.append(t["plan_note_percentile"])
    return {
        "title": t["plan_title"],
        "intro": intro,
        "summary": summary,
        "timeline": timeline,
        "actions": actions,
        "waves": waves,
        "radar": radar,
        "left_out": left_out,
        "n_left_out": len(plan.left_out),
        "notes": notes,
        "has_percentile": p_now is not None,
        "exact": plan.exact,
        "catalogue": {"id": cat.id, "version": cat.version, "title": str(cat.title.lang(lang))},
    }


def _target(kind: str, t: Mapping[str, str], lang: str) -> str:
    from maturity.report.company import _target_text

    return _target_text(kind, t, lang)


def demand_view(plans: Any, *, lang: str, min_group: int = 5) -> dict[str, Any] | None:
    """The demand section of the portfolio report: what the companies' plans ask for.

    Keys: ``title``, ``intro``, ``totals`` (text, or None when too few companies), ``courses``
    and ``themes`` (ranked rows: title, kind, companies, cost, funding), ``others``,
    ``by_region`` and ``by_size`` (rows per action and group), ``note`` (the disclosure rule
    and how many cells it left out). None when there are no plans.
    """
    from maturity.classify import nuts_name
    from maturity.planning.demand import COURSES, THEMES, action_demand

    if not plans:
        return None
    t = messages(lang)
    d = action_demand(plans, min_group=min_group, region_level=2)
    first = next(iter(plans.values()))

    def row(rank: int, c: Any) -> dict[str, Any]:
        act = c.action
        kind = _kind_text(act, t)
        return {
            "rank": rank,
            "title": str(act.title.lang(lang)),
            "kind": kind,
            "companies": c.companies,
            "cost_text": _euro(c.cost, lang),
            "funded_text": _euro(c.funded, lang),
        }

    def region_name(code: str | None) -> str:
        if code is None or code == "unknown":
            return t["plan_demand_unknown"]
        name = nuts_name(code)
        return f"{name} ({code})" if name else code

    ranked = d.total_rows()
    top = [c.id for c in ranked[:8]]

    def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # the action's name on the first row of its group only
        for k, r in enumerate(rows):
            r["first"] = k == 0 or rows[k - 1]["action"] != r["action"]
        return rows

    by_region = [
        {
            "action": str(c.action.title.lang(lang)),
            "group": region_name(c.region),
            "companies": c.companies,
            "funded_text": _euro(c.funded, lang),
        }
        for aid in top
        for c in d
        if c.id == aid and c.region is not None and c.size_class is None
    ]
    by_size = [
        {
            "action": str(c.action.title.lang(lang)),
            "group": t.get(f"size_{c.size_class}", t["plan_demand_unknown"]),
            "companies": c.companies,
            "funded_text": _euro(c.funded, lang),
        }
        for aid in top
        for c in d
        if c.id == aid and c.region is None and c.size_class is not None
    ]
    totals = None
    if d.totals is not None:
        totals = t["plan_demand_totals"].format(
            cost=_euro(d.totals["cost"], lang),
            funded=_euro(d.totals["funded"], lang),
            net=_euro(d.totals["net_cost"], lang),
        )
    return {
        "title": t["plan_demand_title"],
        "intro": t["plan_demand_intro"].format(
            n=d.companies,
            budget=_euro(first.budget, lang),
            months=format_number(first.horizon_months, lang, 0),
        ),
        "totals": totals,
        "courses": [row(k, c) for k, c in enumerate(d.ranking(COURSES), start=1)],
        "themes": [row(k, c) for k, c in enumerate(d.ranking(THEMES), start=1)],
        "others": [
            row(k, c)
            for k, c in enumerate(
                [c for c in ranked if c.action.kind not in (*COURSES, *THEMES)][:10], start=1
            )
        ],
        "by_region": grouped(by_region),
        "by_size": grouped(by_size),
        "note": t["plan_demand_note"].format(min=min_group, suppressed=d.suppressed),
        "empty": not ranked,
    }
