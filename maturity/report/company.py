"""The view model of one company's report: plain data (and inline SVG charts) that the
templates lay out; every number a template shows is computed here.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from maturity.report.answers import answers_view, company_respondents
from maturity.report.errors import ReportError
from maturity.report.formatting import _finite, format_number, messages
from maturity.report.levels import (
    ladder_view,
    level_view,
    next_level_view,
    node_title,
    score_view,
)
from maturity.report.methodology import methodology_view
from maturity.report.parts import Peers, bar_view, chart_names, dates, nan, slug

if TYPE_CHECKING:  # pragma: no cover
    from maturity.responses import Respondent, Responses
    from maturity.scores import ChildContribution, Scores

__all__ = ["build_company_view"]


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
    members: Sequence[Respondent], scores: Scores, lang: str
) -> dict[str, list[dict[str, str | None]]]:
    """Free-text answers of the company's respondents, by top-level dimension."""
    q = scores.model.questionnaire
    top = set(scores.model.top_nodes)
    out: dict[str, list[dict[str, str | None]]] = {}
    text_items = [i for i in q.items if i.kind == "text"]
    for r in members:
        for item in text_items:
            answer = r.answers.get(item.id)
            if not isinstance(answer, str) or not answer.strip():
                continue
            node = q.parents.get(item.id, "root")
            while node not in top and node != "root":
                node = q.parents.get(node, "root")
            out.setdefault(node, []).append(
                {
                    "question": item.text.lang(lang),
                    "text": answer.strip(),
                    "respondent": r.id if len(members) > 1 else None,
                }
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


_EMAIL_RE = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}")


def _contact(
    consultant: str | None, organisation: str | None, contact: Mapping[str, str | None] | None
) -> dict[str, Any] | None:
    """Who can help the company act on the report: the consultant and how to reach them.

    Links are made only of an e-mail address (``mailto:``) and an ``https://``/``http://``
    website; anything else is shown as text.
    """
    c = dict(contact or {})
    email = (c.get("email") or "").strip() or None
    phone = (c.get("phone") or "").strip() or None
    website = (c.get("website") or "").strip() or None
    if not any((consultant, email, phone, website)):
        return None
    return {
        "name": consultant,
        "organisation": organisation,
        "email": email,
        "email_href": f"mailto:{email}" if email and _EMAIL_RE.fullmatch(email) else None,
        "phone": phone,
        "phone_href": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else None,
        "website": website,
        "website_href": website if website and re.match(r"https?://\S+$", website) else None,
    }


def _sector_row(profile: Any, lang: str, t: Mapping[str, str]) -> dict[str, str | None] | None:
    """The cover's sector line: the code, its title in the report's language, and which
    classification the code is read in (NACE Rev. 2, ATECO 2007 or ATECO 2025).
    """
    if profile is None or not profile.sector:
        return None
    from maturity.classify import describe_sector

    d = describe_sector(profile.sector, lang=lang, date=profile.date)
    label = t["sector_in"].format(classification=d.classification)
    value = f"{d.code} – {d.title}" if d.title else d.code
    if d.title and d.title_lang != lang:
        value += " " + t["title_in_italian"]
    if d.mapped is not None:
        value += " " + t["sector_mapped"].format(
            classification=d.mapped_classification, code=d.mapped
        )
    return {"label": label, "value": value}


def _gap_rows(gaps: Any, company_id: str) -> tuple[int | None, list[str]]:
    if gaps is not None and company_id in list(gaps.ids):
        return list(gaps.ids).index(company_id), list(gaps.nodes)
    return None, []


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
    contact: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The view model of one company's report: plain data for the templates.

    Keys: ``cover`` (company, dates, questionnaire, model, consultant), ``overall`` (score,
    level, next level, level band, respondents), ``radar`` (the top-level dimensions),
    ``dimensions`` (one per top-level dimension: score, level, percentile or why there is none,
    bar chart of its parts, the three weakest answers, what the next level of *that dimension*
    asks, every answer with the respondents' disagreements, remarks), ``priorities`` (from
    ``gaps``, or None), ``peers`` (the peer group and its size, or why there is no comparison),
    ``contact`` (who can help: the consultant and their e-mail, phone and website),
    ``methodology`` (operators, weights, AHP consistency, coverage and missing answers per
    dimension, levels, synthetic-data notice) and ``toc``. Numbers are floats (None when
    missing) with, for node scores, ``digits``: the decimals that keep the number shown on the
    side of its level (see :func:`maturity.report.levels.score_view`); dates are
    :class:`datetime.date`; the templates only format them.

    ``responses`` (the answers the scores were made from) shows every answer in words, each
    respondent's when several answered for the company, and the free-text remarks; without it
    the answers are read back from the scores where they stand for one option.

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
    names = chart_names(t)
    peers = Peers(benchmark, company_id)
    profile = scores.profiles[i] if scores.profiles else None
    explainable = scores.answers is not None
    members = company_respondents(responses, company_id)
    not_applicable = scores.not_applicable

    def score_of(node: str) -> float | None:
        return _finite(scores.score[i, col[node]]) if node in col else None

    def coverage_of(node: str) -> float | None:
        return _finite(scores.coverage[i, col[node]]) if node in col else None

    def na_of(node: str) -> bool:
        return node in col and bool(not_applicable[i, col[node]])

    def shown_of(node: str) -> dict[str, Any]:
        """The number shown for a node's score and its decimals (never across a level)."""
        v = score_view(model, score_of(node))
        return {"shown": v["shown"], "digits": v["digits"]}

    def percentile_of(node: str) -> dict[str, Any]:
        value = peers.get("percentile", node)
        why = None
        if value is None:
            why = peers.why_missing(
                node, lang, not_applicable=na_of(node), scored=score_of(node) is not None
            )
        return {"percentile": value, "percentile_why": why}

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
    gap_row, gap_nodes = _gap_rows(gaps, company_id)

    def gap_of(node: str) -> dict[str, float | None] | None:
        if gap_row is None or node not in gap_nodes:
            return None
        j = gap_nodes.index(node)
        return {
            "target": _finite(gaps.target[gap_row, j]),
            "gap": _finite(gaps.gap[gap_row, j]),
        }

    # --- cover -------------------------------------------------------------------------
    region_text = None
    if profile and profile.region:
        from maturity.classify import nuts_name

        name = nuts_name(profile.region)
        region_text = f"{name} ({profile.region})" if name else profile.region
    size = profile.size_class if profile else None
    n_resp = int(scores.n_respondents[i]) if scores.n_respondents is not None else None
    if members:
        n_resp = len(members)
    sector = _sector_row(profile, lang, t)
    # several respondents: the assessment date is the latest of theirs (the merge rule of
    # score(..., by="company")), and profile fields they gave differently are pointed out
    dated = [r.profile.date for r in members if r.profile.date is not None]
    assessment_date = max(dated) if dated else (profile.date if profile else None)
    conflicts = []
    fields = {
        "sector": "field_sector",
        "employees": "field_employees",
        "turnover": "field_turnover",
        "balance_sheet": "field_balance_sheet",
        "region": "field_region",
    }
    for name, key in fields.items():
        given = sorted({str(v) for r in members if (v := getattr(r.profile, name)) is not None})
        if len(given) > 1:
            conflicts.append(f"{t[key]} {', '.join(given)}")
    cover = {
        "company": (profile.company if profile and profile.company else company_id),
        "company_id": company_id,
        "assessment_date": assessment_date,
        "report_date": date,
        "questionnaire": {"id": q.id, "version": q.version, "title": q.title.lang(lang)},
        "model": {"id": model.id, "version": model.version, "title": model.title.lang(lang)},
        "consultant": consultant,
        "organisation": organisation,
        "profile": [
            row
            for row in (
                sector or {"label": t["sector"], "value": None},
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
    overall = {
        "score": root,
        **shown_of("root"),
        "previous": previous_of("root"),
        "change": change_of("root"),
        "max": hi,
        "min": lo,
        "level": level_view(model, root, lang),
        "next_level": next_level_view(model, root, lang),
        "coverage": coverage_of("root"),
        **percentile_of("root"),
        "ladder": ladder_view(model, root, lang),
        "respondents": n_resp,
        "disagreements": 0,
        "profile_conflicts": "; ".join(conflicts) or None,
    }

    # --- radar -------------------------------------------------------------------------
    top = model.top_nodes
    top_titles = [q.node(n).title.lang(lang) for n in top]
    top_scores = [nan(score_of(n)) for n in top]
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
            peer_median=[nan(v) for v in median] if have_peers else None,
            peer_q1=[nan(v) for v in q1] if have_band else None,
            peer_q3=[nan(v) for v in q3] if have_band else None,
            target=[nan(v) for v in targets] if any(v is not None for v in targets) else None,
            previous=[nan(previous_of(n)) for n in top] if prev_row is not None else None,
            not_applicable=[na_of(n) for n in top],
            names=names,
            decimal=decimal,
        )
        radar_svg = Markup(radar.to_svg(id_prefix="radar"))  # noqa: S704 - our chart code
    elif top:  # one or two dimensions make no radar: bars instead
        radar_bars = bar_view(
            top_titles,
            [score_of(n) for n in top],
            [peers.get("median", n) for n in top],
            lo,
            hi,
            shown=[shown_of(n) for n in top],
            notes=[t["not_applicable"] if na_of(n) else t["no_score"] for n in top],
        )

    # --- one section per top-level dimension ---------------------------------------------
    remarks = _remarks(members, scores, lang)
    taken = {"summary", "priorities", "peers", "methodology", "contents", "cover", "contact"}
    sections: list[dict[str, Any]] = []
    coverage_rows: list[dict[str, Any]] = []
    order = {iid: k for k, iid in enumerate(x.id for x in q.items)}
    for number, node in enumerate(top, start=1):
        dim = q.node(node)
        anchor = "dim-" + slug(node, taken)
        s = score_of(node)
        children = model.rules[node].children
        labels = [node_title(model, c, lang) for c in children]
        child_scores: list[float | None] = []
        child_na: list[bool] = []
        weakest: list[dict[str, Any]] | None = None
        answers: list[dict[str, Any]] | None = None
        counts = None
        if explainable:
            explained = scores.explain(company_id, node)
            child_scores = [c.score for c in explained.children]
            child_na = [c.status in ("n/a", "not asked") for c in explained.children]
            leaves = _leaf_items(scores, company_id, node)
            counts = _counts([c for _, c in leaves])
            parts = {p: node_title(model, p, lang) for p, _ in leaves}
            answers = answers_view(scores, company_id, node, leaves, members, lang, parts)
            by_id = {a["id"]: a for a in answers}
            ranked = sorted(
                (
                    (parent, c)
                    for parent, c in leaves
                    if c.value is not None and c.weight > 0 and c.score is not None
                ),
                key=lambda pc: (pc[1].value, order.get(pc[1].id, 0)),
            )
            weakest = [by_id[c.id] for _parent, c in ranked[:3]]
        else:
            child_scores = [score_of(c) for c in children]
            child_na = [na_of(c) for c in children]
        medians = [peers.get("median", c) for c in children]
        bar_chart = bar_view(
            labels,
            child_scores,
            medians,
            lo,
            hi,
            # a part that is a node keeps its number on its own level's side
            shown=[shown_of(c) if c in model.rules else None for c in children],
            notes=[t["not_applicable"] if na else t["no_score"] for na in child_na],
        )
        level = level_view(model, s, lang)
        disagreements = sum(1 for a in answers or () if a["disagree"])
        overall["disagreements"] += disagreements
        sections.append(
            {
                "id": node,
                "anchor": anchor,
                "number": number,
                "title": dim.title.lang(lang),
                "description": dim.description.lang(lang) if dim.description else None,
                "score": s,
                **shown_of(node),
                "not_applicable": na_of(node),
                "previous": previous_of(node),
                "change": change_of(node),
                "level": level,
                "coverage": coverage_of(node),
                **percentile_of(node),
                "peer_median": peers.get("median", node),
                "weight": model.rules["root"].weight_of(node),
                "bars": bar_chart,
                "weakest": weakest,
                "weakest_answers": any(
                    w["answer"] or w["by_respondent"] or w["low"] for w in weakest or ()
                ),
                "answers": answers,
                "several": len(members) > 1,
                "disagreements": disagreements,
                "next_level": next_level_view(model, s, lang, node),
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
                    "title": node_title(model, p.node, lang),
                    "anchor": anchors.get(p.node),
                    "score": _finite(p.score),
                    **(
                        shown_of(p.node)
                        if p.node in model.rules
                        else {"shown": _finite(p.score), "digits": 1}
                    ),
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
        kind = str(gaps.target_kind)
        # a peer target that is not there: the company's peer group is too small (C2's Gaps
        # leaves the target NaN there, and says so)
        no_target = [
            node_title(model, n, lang)
            for j, n in enumerate(gap_nodes)
            if kind.startswith("peer") and _finite(gaps.target[gap_row, j]) is None
        ]
        priorities = {
            "target": _target_text(kind, t, lang),
            "progress": _finite(gaps.progress[gap_row]),
            "rows": rows,
            "no_peer_target": no_target,
            "all_without_target": bool(no_target) and len(no_target) == len(gap_nodes),
            "unit": t["priority_unit"].format(
                lo=format_number(lo, lang, 0), hi=format_number(hi, lang, 0)
            ),
        }

    # --- methodology -----------------------------------------------------------------------
    methodology = methodology_view(model, lang, t, coverage_rows)
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
        "contact": _contact(consultant, organisation, contact),
        "synthetic": synthetic or scores.synthetic,
        "synthetic_scores": scores.synthetic,
        "synthetic_peers": synthetic,
        "methodology": methodology,
        "toc": toc,
        "dates": dates(cover["assessment_date"], date),
        "version": __version__,
    }
