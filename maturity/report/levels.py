"""Maturity levels in a report: the level of a score, what the next level asks of a dimension,
the level band of the summary page, and scores shown so that they never contradict their level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maturity.report.formatting import level_index, score_digits, shown_score

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel

__all__ = [
    "ladder_view",
    "level_of",
    "level_view",
    "levels_table",
    "next_level_view",
    "node_title",
    "score_view",
    "shade",
]


def level_of(model: ScoringModel, score: float | None) -> int | None:
    """The index of the level of ``score`` in ``model.levels`` (None for no score)."""
    return level_index([lv.min for lv in model.levels], score)


def score_view(model: ScoringModel, score: float | None, digits: int = 1) -> dict[str, Any]:
    """A node's score as a report shows it: ``value`` (the score), ``shown`` (the number
    printed, never on the other side of a level's start than the score) and ``digits`` (its
    decimals); see :func:`maturity.report.formatting.score_digits`.
    """
    mins = [lv.min for lv in model.levels]
    return {
        "value": score,
        "shown": shown_score(score, mins, digits),
        "digits": score_digits(score, mins, digits),
    }


def shade(index: int | None, count: int) -> str:
    """CSS class of a level: ``lvl-0`` (lowest) to ``lvl-5`` (highest), ``lvl-none``."""
    if index is None:
        return "lvl-none"
    return f"lvl-{round(index * 5 / (count - 1)) if count > 1 else 3}"


def node_title(model: ScoringModel, node: str, lang: str) -> str:
    """The title of a node, or the text of an item, in ``lang``."""
    q = model.questionnaire
    if node in model.rules:
        return q.node(node).title.lang(lang)
    return q.item(node).text.lang(lang)


def level_view(model: ScoringModel, score: float | None, lang: str) -> dict[str, Any] | None:
    """The level of ``score``: code, name, description, index and CSS class (None: no score)."""
    k = level_of(model, score)
    if k is None:
        return None
    lv = model.levels[k]
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": lv.description.lang(lang) if lv.description else None,
        "index": k,
        "number": k + 1,
        "css": shade(k, len(model.levels)),
    }


def next_level_view(
    model: ScoringModel, score: float | None, lang: str, node: str | None = None
) -> dict[str, Any] | None:
    """The level above that of ``score`` and what it asks: of ``node`` when the model
    describes the levels of that node (``nodes.<id>.levels``), else the level's own description.
    None when there is no score or the top level is reached.
    """
    k = level_of(model, score)
    if k is None or k + 1 >= len(model.levels):
        return None
    lv = model.levels[k + 1]
    text = model.level_description(node, lv.code) if node is not None else lv.description
    return {
        "code": lv.code,
        "label": lv.label.lang(lang),
        "description": text.lang(lang) if text is not None else None,
        "own": node is not None and lv.code in model.rules[node].level_descriptions,
        "min": lv.min,
        "css": shade(k + 1, len(model.levels)),
    }


def levels_table(model: ScoringModel, lang: str) -> list[dict[str, Any]]:
    """Every level: code, name, starting score, description and CSS class."""
    return [
        {
            "code": lv.code,
            "label": lv.label.lang(lang),
            "min": lv.min,
            "description": lv.description.lang(lang) if lv.description else None,
            "css": shade(k, len(model.levels)),
        }
        for k, lv in enumerate(model.levels)
    ]


def ladder_view(model: ScoringModel, score: float | None, lang: str) -> list[dict[str, Any]]:
    """The level band of the summary page: one step per level with its starting score; the
    step the company is on carries ``marker``: its score and where it lies within the step
    (``at``, a CSS percentage from the step's start to the next level's start).
    """
    hi = model.range[1]
    current = level_of(model, score)
    out = []
    for k, step in enumerate(levels_table(model, lang)):
        marker = None
        if k == current and score is not None:
            start = model.levels[k].min
            end = model.levels[k + 1].min if k + 1 < len(model.levels) else hi
            at = 100.0 * (score - start) / (end - start) if end > start else 100.0
            marker = {**score_view(model, score), "at": f"{min(100.0, max(0.0, at)):.2f}"}
        out.append({**step, "current": k == current, "marker": marker})
    return out
