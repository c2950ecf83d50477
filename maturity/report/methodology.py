"""The methodology appendix of a company report: how the scores were made, so that they can be
checked and repeated (operators, weights, AHP consistency, policies, levels, coverage, sources).

This appendix is the one place of a report that speaks the model's own terms (nodes, operators,
weights); the pages before it speak to the company's owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from maturity.report.formatting import _finite, format_number, format_percent
from maturity.report.levels import levels_table, node_title

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel

__all__ = ["methodology_view"]


def methodology_view(
    model: ScoringModel,
    lang: str,
    t: Mapping[str, str],
    coverage_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """Operators, weights and their source, AHP consistency, policies, levels, coverage."""
    from maturity.report.answers import DISAGREEMENT_SHARE

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
                {"title": node_title(model, c, lang), "weight": w}
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
                "title": node_title(model, node, lang),
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
        t["method_disagree"].format(
            points=format_number(DISAGREEMENT_SHARE * (hi - lo), lang, 0),
            lo=format_number(lo, lang, 0),
            hi=format_number(hi, lang, 0),
        ),
        t["method_shown"],
    ]
    q = model.questionnaire
    return {
        "model_description": model.description.lang(lang) if model.description else None,
        "policies": policies,
        "levels": levels_table(model, lang),
        "rules": rules,
        "rules_rest": rest,
        "disagree_points": format_number(DISAGREEMENT_SHARE * (hi - lo), lang, 0),
        "coverage": coverage_rows,
        "sources": [
            {
                "title": s.title,
                "year": s.year,
                "url": s.url,
                "note": s.note.lang(lang) if s.note is not None else None,
            }
            for s in q.sources
        ],
    }
