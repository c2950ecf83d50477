"""The view model of one company's report: plain data (and inline SVG charts) that the
templates lay out; every number a template shows is computed here.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from maturity.report.errors import ReportError
from maturity.report.formatting import _finite, format_number, format_percent, messages

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import Level, ScoringModel
    from maturity.responses import Responses
    from maturity.scores import ChildContribution, Scores

__all__ = ["build_company_view"]


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def _slug(text: str, taken: set[str]) -> str:
    base = _SLUG_RE.sub("-", text.lower()).strip("-") or "x"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def _level_index(model: ScoringModel, score: float | None) -> int | None:
    if score is None:
        return None
    found = 0
    for k, lv in enumerate(model.levels):
        if score >= lv.min - 1e-9:
            found = k
    return found


def _shade(index: int | None, count: int) -> str:
    """CSS class of a level: ``lvl-0`` (lowest) to ``lvl-5`` (highest), ``lvl-none``."""
    if index is None:
        return "lvl-none"
    return f"lvl-{round(index * 5 / (count - 1)) if count > 1 else 3}"


def _level_view(model: ScoringModel, score: float | None, lang: str) -> dict[str, Any] | None:
    k = _level_index(model, score)
    if k is None:
        return None
    lv = model.levels[k]
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": lv.description.lang(lang) if lv.description else None,
        "index": k,
        "number": k + 1,
        "css": _shade(k, len(model.levels)),
    }


def _next_level(model: ScoringModel, score: float | None, lang: str) -> dict[str, Any] | None:
    k = _level_index(model, score)
    if k is None or k + 1 >= len(model.levels):
        return None
    lv: Level = model.levels[k + 1]
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": lv.description.lang(lang) if lv.description else None,
        "min": lv.min,
        "css": _shade(k + 1, len(model.levels)),
    }


def _levels_table(model: ScoringModel, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "code": lv.code,
            "label": lv.label.lang(lang),
            "min": lv.min,
            "description": lv.description.lang(lang) if lv.description else None,
            "css": _shade(k, len(model.levels)),
        }
        for k, lv in enumerate(model.levels)
    ]


def _title(model: ScoringModel, node: str, lang: str) -> str:
    q = model.questionnaire
    if node in model.rules:
        return q.node(node).title.lang(lang)
    return q.item(node).text.lang(lang)


def _chart_names(t: Mapping[str, str], *, portfolio: bool = False) -> dict[str, str]:
    names = {
        "company": t["chart_company"],
        "peer_median": t["chart_peer_median"],
        "peer_iqr": t["chart_peer_iqr"],
        "target": t["chart_target"],
        "previous": t["chart_previous"],
        "no_score": t["chart_no_score"],
    }
    if portfolio:
        names.update(company=t["chart_median"], peer_iqr=t["chart_iqr"])
    return names


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _position(value: float, lo: float, hi: float) -> str:
    """Where ``value`` lies on the scale from ``lo`` to ``hi``, as a CSS percentage."""
    return f"{min(100.0, max(0.0, 100.0 * (value - lo) / (hi - lo))):.2f}"


def _bar_view(
    labels: Sequence[str],
    values: Sequence[float | None],
    medians: Sequence[float | None] | None,
    lo: float,
    hi: float,
) -> dict[str, Any]:
    """A bar chart drawn in HTML and CSS: a table row per label, the bar's length and the peer
    median's place as CSS percentages of the scale (templates ``macros.bars``).

    HTML bars cost nothing to draw (a report has one per dimension), break across pages in a
    PDF between rows, keep their text selectable and carry the numbers in table cells, so they
    are read by screen readers. ``None`` is no score: no bar and "–".
    """
    from maturity.report.charts import _grid_levels

    have_median = medians is not None and any(v is not None for v in medians)
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        median = medians[i] if medians is not None and have_median else None
        rows.append(
            {
                "label": label,
                "score": value,
                "width": None if value is None else _position(value, lo, hi),
                "median": median,
                "median_at": None if median is None else _position(median, lo, hi),
            }
        )
    ticks = [{"value": v, "at": _position(v, lo, hi)} for v in _grid_levels(lo, hi)]
    return {"rows": rows, "ticks": ticks, "median": have_median, "lo": lo, "hi": hi}


class _Peers:
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
        return self.group is not None

    @property
    def sufficient(self) -> bool:
        return self.group is not None and bool(self.group.sufficient)

    def get(self, stat: str, node: str) -> float | None:
        if not self.sufficient or node not in self.nodes or self.row is None:
            return None
        import numpy as np

        table = np.asarray(getattr(self.benchmark, stat), dtype=float)
        return _finite(table[self.row, self.nodes.index(node)])

    def view(self, lang: str) -> dict[str, Any]:
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


def _counts(children: Sequence[ChildContribution]) -> dict[str, int]:
    out = {"answered": 0, "dont_know": 0, "missing": 0, "not_applicable": 0}
    for c in children:
        key = {
            "answered": "answered",
            "don't know": "dont_know",
            "missing": "missing",
            "n/a": "not_applicable",
            "not asked": "not_applicable",
        }.get(c.status)
        if key:
            out[key] += 1
    return out


def _answer_label(model: ScoringModel, child: ChildContribution, lang: str) -> str | None:
    """The option label of a scale or choice answer in ``lang`` (None for other answers)."""
    item = model.questionnaire.item(child.id)
    if child.answer is None:
        return None
    if item.kind == "boolean" and child.answer in ("yes", "no"):
        return messages(lang)[child.answer]
    if item.kind not in ("scale", "choice"):
        return None
    for option in item.options:
        if option.code == child.answer:
            return option.label.lang(lang)
    return None


def _leaf_items(scores: Scores, company_id: str, node: str) -> list[tuple[str, ChildContribution]]:
    """(parent node, contribution) of every item below ``node``, in model order."""
    model = scores.model
    out: list[tuple[str, ChildContribution]] = []
    explained = scores.explain(company_id, node)
    for child in explained.children:
        if child.kind == "node" or child.id in model.rules:
            out += _leaf_items(scores, company_id, child.id)
        else:
            out.append((node, child))
    return out


def _remarks(
    responses: Responses | None, scores: Scores, company_id: str, lang: str
) -> dict[str, list[dict[str, str]]]:
    """Free-text answers of the company's respondents, by top-level dimension."""
    if responses is None:
        return {}
    q = scores.model.questionnaire
    top = set(scores.model.top_nodes)
    out: dict[str, list[dict[str, str]]] = {}
    text_items = [i for i in q.items if i.kind == "text"]
    for r in responses.respondents:
        if r.company_id != company_id and r.id != company_id:
            continue
        for item in text_items:
            answer = r.answers.get(item.id)
            if not isinstance(answer, str) or not answer.strip():
                continue
            node = q.parents.get(item.id, "root")
            while node not in top and node != "root":
                node = q.parents.get(node, "root")
            out.setdefault(node, []).append(
                {"question": item.text.lang(lang), "text": answer.strip()}
            )
    return out


def _target_text(kind: str, t: Mapping[str, str], lang: str) -> str:
    if kind == "next level":
        return t["target_next_level"]
    if kind == "target profile":
        return t["target_profile"]
    m = re.fullmatch(r"peer (p50|p75|p90|median)", kind)
    if m:
        key = "quantile_p50" if m[1] == "median" else f"quantile_{m[1]}"
        return t["target_peer"].format(quantile=t[key])
    value = _finite(kind)
    if value is not None:
        return t["target_value"].format(value=format_number(value, lang, 1))
    return kind


def _dates(created: object, modified: object) -> dict[str, str | None]:
    """ISO dates for the document's metadata (the PDF's creation and modification dates)."""

    def iso(d: object) -> str | None:
        return d.isoformat() if isinstance(d, _dt.date) else None

    return {"created": iso(created), "modified": iso(modified) or iso(created)}


def build_company_view(
    scores: Scores,
    company_id: str,
    *,
    lang: str,
    benchmark: Any = None,
    gaps: Any = None,
    consultant: str | None = None,
    date: _dt.date | None = None,
    responses: Responses | None = None,
    organisation: str | None = None,
    previous: Scores | None = None,
    plan: Any = None,
) -> dict[str, Any]:
    """The view model of one company's report: plain data for the templates.

    Keys: ``cover`` (company, dates, questionnaire, model, consultant), ``overall`` (score,
    level, next level, gauge), ``radar`` (the top-level dimensions), ``dimensions`` (one per
    top-level dimension: score, level, percentile, bar chart of its parts, the three weakest
    items, what the next level asks, remarks), ``priorities`` (from ``gaps``, or None),
    ``peers`` (the peer group and its size, or why there is no comparison), ``methodology``
    (operators, weights, AHP consistency, coverage and missing answers per dimension, levels,
    synthetic-data notice) and ``toc``. Numbers are floats (None when missing), dates are
    :class:`datetime.date`; the templates only format them.

    ``previous`` is an earlier assessment scored with the same model: when the company is in
    it, ``previous`` (its date) is set, the overall score and each dimension get ``previous``
    and ``change``, and the radar shows the earlier profile.

    ``plan`` (a :class:`maturity.Plan` of this company) adds the action-plan section
    (``plan``: the view of :func:`maturity.report.plan_view.plan_view`); None leaves it out.
    """
    from markupsafe import Markup

    from maturity import __version__
    from maturity.report.charts import RadarDisplay

    t = messages(lang)
    if company_id not in scores.ids:
        shown = ", ".join(scores.ids[:10]) + (" …" if len(scores.ids) > 10 else "")
        raise ReportError(f"no company '{company_id}' in these scores (companies: {shown})")
    model = scores.model
    q = model.questionnaire
    i = scores.ids.index(company_id)
    col = {n: j for j, n in enumerate(scores.nodes)}
    lo, hi = model.range
    decimal = "," if lang == "it" else "."
    names = _chart_names(t)
    peers = _Peers(benchmark, company_id)
    profile = scores.profiles[i] if scores.profiles else None
    explainable = scores.answers is not None

    def score_of(node: str) -> float | None:
        return _finite(scores.score[i, col[node]]) if node in col else None

    def coverage_of(node: str) -> float | None:
        return _finite(scores.coverage[i, col[node]]) if node in col else None

    # --- an earlier assessment (optional) ----------------------------------------------------
    prev_row: int | None = None
    prev_col: dict[str, int] = {}
    if previous is not None:
        if previous.model.id != model.id:
            raise ReportError(
                f"the earlier assessment was scored with model '{previous.model.id}', this one "
                f"with '{model.id}'; score both with the same model to compare them"
            )
        if company_id in previous.ids:
            prev_row = list(previous.ids).index(company_id)
            prev_col = {n: k for k, n in enumerate(previous.nodes)}

    def previous_of(node: str) -> float | None:
        if previous is None or prev_row is None or node not in prev_col:
            return None
        return _finite(previous.score[prev_row, prev_col[node]])

    def change_of(node: str) -> float | None:
        now, before = score_of(node), previous_of(node)
        return None if now is None or before is None else now - before

    # --- gaps (optional) ---------------------------------------------------------------
    gap_row: int | None = None
    if gaps is not None and company_id in list(gaps.ids):
        gap_row = list(gaps.ids).index(company_id)
    gap_nodes = list(gaps.nodes) if gap_row is not None else []

    def gap_of(node: str) -> dict[str, float | None] | None:
        if gap_row is None or node not in gap_nodes:
            return None
        j = gap_nodes.index(node)
        return {
            "target": _finite(gaps.target[gap_row, j]),
            "gap": _finite(gaps.gap[gap_row, j]),
        }

    # --- cover -------------------------------------------------------------------------
    sector = profile.sector if profile else None
    sector_text = None
    if sector:
        from maturity.classify import nace_title

        title = nace_title(sector) if lang == "en" else None
        sector_text = f"{sector} – {title}" if title else sector
    region_text = None
    if profile and profile.region:
        from maturity.classify import nuts_name

        name = nuts_name(profile.region)
        region_text = f"{name} ({profile.region})" if name else profile.region
    size = profile.size_class if profile else None
    n_resp = int(scores.n_respondents[i]) if scores.n_respondents is not None else None
    cover = {
        "company": (profile.company if profile and profile.company else company_id),
        "company_id": company_id,
        "assessment_date": profile.date if profile else None,
        "report_date": date,
        "questionnaire": {"id": q.id, "version": q.version, "title": q.title.lang(lang)},
        "model": {"id": model.id, "version": model.version, "title": model.title.lang(lang)},
        "consultant": consultant,
        "organisation": organisation,
        "profile": [
            row
            for row in (
                {"label": t["sector"], "value": sector_text},
                {"label": t["size"], "value": t.get(f"size_{size}") if size else None},
                {
                    "label": t["employees"],
                    "value": str(profile.employees)
                    if profile and profile.employees is not None
                    else None,
                },
                {"label": t["region"], "value": region_text},
                {"label": t["respondents"], "value": str(n_resp) if n_resp else None},
            )
            if row["value"]
        ],
    }

    # --- overall -----------------------------------------------------------------------
    root = score_of("root")
    current = _level_index(model, root)
    ladder = [
        {**step, "current": k == current, "score": root if k == current else None}
        for k, step in enumerate(_levels_table(model, lang))
    ]
    overall = {
        "score": root,
        "previous": previous_of("root"),
        "change": change_of("root"),
        "max": hi,
        "min": lo,
        "level": _level_view(model, root, lang),
        "next_level": _next_level(model, root, lang),
        "coverage": coverage_of("root"),
        "percentile": peers.get("percentile", "root"),
        "ladder": ladder,
    }

    # --- radar -------------------------------------------------------------------------
    top = model.top_nodes
    top_titles = [q.node(n).title.lang(lang) for n in top]
    top_scores = [_nan(score_of(n)) for n in top]
    radar_svg = None
    radar_bars = None
    if len(top) >= 3:
        median = [peers.get("median", n) for n in top]
        q1 = [peers.get("q1", n) for n in top]
        q3 = [peers.get("q3", n) for n in top]
        targets = [(gap_of(n) or {}).get("target") for n in top]
        # a dimension without peer statistics (too few peers with a score there) is a gap in
        # the peer series, not a reason to leave the series out
        have_peers = any(v is not None for v in median)
        have_band = any(v is not None for v in q1 + q3)
        radar = RadarDisplay(
            top_titles,
            top_scores,
            range=(lo, hi),
            peer_median=[_nan(v) for v in median] if have_peers else None,
            peer_q1=[_nan(v) for v in q1] if have_band else None,
            peer_q3=[_nan(v) for v in q3] if have_band else None,
            target=[_nan(v) for v in targets] if any(v is not None for v in targets) else None,
            previous=[_nan(previous_of(n)) for n in top] if prev_row is not None else None,
            names=names,
            decimal=decimal,
        )
        radar_svg = Markup(radar.to_svg(id_prefix="radar"))  # noqa: S704 - our chart code
    elif top:  # one or two dimensions make no radar: bars instead
        radar_bars = _bar_view(
            top_titles,
            [score_of(n) for n in top],
            [peers.get("median", n) for n in top],
            lo,
            hi,
        )

    # --- one section per top-level dimension ---------------------------------------------
    remarks = _remarks(responses, scores, company_id, lang)
    taken = {"summary", "priorities", "peers", "methodology", "contents", "cover"}
    sections: list[dict[str, Any]] = []
    coverage_rows: list[dict[str, Any]] = []
    for number, node in enumerate(top, start=1):
        dim = q.node(node)
        anchor = "dim-" + _slug(node, taken)
        s = score_of(node)
        children = model.rules[node].children
        labels = [_title(model, c, lang) for c in children]
        child_scores: list[float | None] = []
        weakest: list[dict[str, Any]] | None = None
        counts = None
        if explainable:
            explained = scores.explain(company_id, node)
            child_scores = [c.score for c in explained.children]
            leaves = _leaf_items(scores, company_id, node)
            counts = _counts([c for _, c in leaves])
            order = {iid: k for k, iid in enumerate(x.id for x in q.items)}
            ranked = sorted(
                (
                    (parent, c)
                    for parent, c in leaves
                    if c.value is not None and c.weight > 0 and c.score is not None
                ),
                key=lambda pc: (pc[1].value, order.get(pc[1].id, 0)),
            )
            weakest = [
                {
                    "id": c.id,
                    "question": q.item(c.id).text.lang(lang),
                    "part": _title(model, parent, lang) if parent != node else None,
                    "score": c.score,
                    "answer": _answer_label(model, c, lang),
                }
                for parent, c in ranked[:3]
            ]
        else:
            child_scores = [score_of(c) for c in children]
        medians = [peers.get("median", c) for c in children]
        bar_chart = _bar_view(labels, child_scores, medians, lo, hi)
        level = _level_view(model, s, lang)
        sections.append(
            {
                "id": node,
                "anchor": anchor,
                "number": number,
                "title": dim.title.lang(lang),
                "description": dim.description.lang(lang) if dim.description else None,
                "score": s,
                "previous": previous_of(node),
                "change": change_of(node),
                "level": level,
                "coverage": coverage_of(node),
                "percentile": peers.get("percentile", node),
                "peer_median": peers.get("median", node),
                "weight": model.rules["root"].weight_of(node),
                "bars": bar_chart,
                "weakest": weakest,
                "weakest_answers": any(w["answer"] for w in weakest or ()),
                "next_level": _next_level(model, s, lang),
                "top_reached": level is not None and level["index"] == len(model.levels) - 1,
                "remarks": remarks.get(node, []),
                "gap": gap_of(node),
            }
        )
        coverage_rows.append(
            {"title": dim.title.lang(lang), "coverage": coverage_of(node), "counts": counts}
        )

    # --- priorities (optional) -------------------------------------------------------------
    priorities = None
    if gap_row is not None:
        anchors = {sec["id"]: sec["anchor"] for sec in sections}
        rows = []
        for rank, p in enumerate(gaps.priorities[gap_row], start=1):
            rows.append(
                {
                    "rank": rank,
                    "node": p.node,
                    "title": _title(model, p.node, lang),
                    "anchor": anchors.get(p.node),
                    "score": _finite(p.score),
                    "target": _finite(p.target),
                    "gap": _finite(p.gap),
                    "weight": _finite(p.weight),
                    "priority": _finite(p.priority),
                    "weakest": [
                        {"question": q.item(iid).text.lang(lang), "score": _finite(v)}
                        for iid, v in p.weakest_items
                        if iid in q
                    ],
                }
            )
        priorities = {
            "target": _target_text(str(gaps.target_kind), t, lang),
            "progress": _finite(gaps.progress[gap_row]),
            "rows": rows,
        }

    # --- methodology -----------------------------------------------------------------------
    methodology = _methodology(model, lang, t, coverage_rows)
    synthetic = bool(getattr(benchmark, "synthetic", False)) if benchmark is not None else False

    # --- contents ----------------------------------------------------------------------------
    toc: list[dict[str, Any]] = [{"anchor": "summary", "title": t["summary"], "number": None}]
    toc.append({"anchor": "profile", "title": t["profile_title"], "number": None})
    toc += [
        {"anchor": sec["anchor"], "title": sec["title"], "number": sec["number"]}
        for sec in sections
    ]
    if priorities is not None:
        toc.append({"anchor": "priorities", "title": t["priorities"], "number": None})
    plan_section = None
    if plan is not None:
        from maturity.report.plan_view import plan_view

        plan_section = plan_view(plan, scores, company_id, lang=lang, benchmark=benchmark)
        toc.append({"anchor": "plan", "title": plan_section["title"], "number": None})
    toc.append({"anchor": "methodology", "title": t["methodology"], "number": None})

    return {
        "kind": "company",
        "lang": lang,
        "title": q.title.lang(lang),
        "cover": cover,
        "overall": overall,
        "radar": {
            "svg": radar_svg,
            "bars": radar_bars,
            "labels": top_titles,
            "lo": lo,
            "hi": hi,
            "target": priorities["target"] if priorities is not None else None,
        },
        "dimensions": sections,
        "previous": {
            "available": prev_row is not None,
            "date": (
                previous.profiles[prev_row].date
                if previous is not None and prev_row is not None and previous.profiles
                else None
            ),
        },
        "priorities": priorities,
        "plan": plan_section,
        "peers": peers.view(lang),
        "synthetic": synthetic or scores.synthetic,
        "synthetic_scores": scores.synthetic,
        "synthetic_peers": synthetic,
        "methodology": methodology,
        "toc": toc,
        "dates": _dates(cover["assessment_date"], date),
        "version": __version__,
    }


def _methodology(
    model: ScoringModel,
    lang: str,
    t: Mapping[str, str],
    coverage_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """Operators, weights and their source, AHP consistency, policies, levels, coverage."""
    lo, hi = model.range
    rules: list[dict[str, Any]] = []
    depth: dict[str, int] = {}
    preorder: list[str] = []

    def visit(node: str, level: int) -> None:
        preorder.append(node)
        depth[node] = level
        for c in model.rules[node].children:
            if c in model.rules:
                visit(c, level + 1)

    visit("root", 0)
    for node in preorder:
        rule = model.rules[node]
        op_key = f"op_{rule.operator}"
        p = _finite(rule.params.get("p"))
        operator = (
            t[op_key].format(p=format_number(p, lang, 2) if p is not None else "")
            if op_key in t
            else rule.operator
        )
        weights = None
        if rule.weight_source != "equal":
            weights = [
                {"title": _title(model, c, lang), "weight": w}
                for c, w in zip(rule.children, rule.weights, strict=True)
            ]
        cr = None
        if rule.weight_source == "ahp" and rule.ahp is not None:
            cr = t["consistency_ratio"].format(
                cr=format_number(rule.ahp.cr, lang, 3),
                verdict=t["cr_ok"] if rule.ahp.consistent else t["cr_high"],
            )
        rules.append(
            {
                "node": node,
                "title": _title(model, node, lang),
                "depth": depth[node],
                "operator": operator,
                "source": t[f"weights_{rule.weight_source}"],
                "weights": weights,
                "cr": cr,
                "children": len(rule.children),
            }
        )
    # the parts of the dimensions usually share one rule: list only those that differ
    deep = [(r["operator"], r["source"]) for r in rules if r["depth"] >= 2]
    rest = None
    if deep:
        common = max(sorted(set(deep)), key=deep.count)
        shown = [
            r
            for r in rules
            if r["depth"] < 2 or (r["operator"], r["source"]) != common or r["weights"]
        ]
        if len(shown) < len(rules):
            rest = t["method_rules_rest"].format(operator=common[0], weights=common[1])
        rules = shown
    min_cov = model.rules["root"].min_coverage
    policies = [
        t["method_scale"].format(lo=format_number(lo, lang, 0), hi=format_number(hi, lang, 0)),
        t[f"method_missing_{model.missing}"],
        t[f"method_dont_know_{model.dont_know}"],
        t["method_na"],
        t["method_min_coverage"].format(share=format_percent(min_cov, lang)),
        t[f"method_combine_{model.combine}"],
    ]
    q = model.questionnaire
    return {
        "model_description": model.description.lang(lang) if model.description else None,
        "policies": policies,
        "levels": _levels_table(model, lang),
        "rules": rules,
        "rules_rest": rest,
        "coverage": coverage_rows,
        "sources": [{"title": s.title, "year": s.year, "note": s.note} for s in q.sources],
    }
