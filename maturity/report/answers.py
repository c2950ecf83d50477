"""The answers behind a report: every answer in words, several respondents side by side, and
where they disagree.

A report shows every answer of every kind: the option's label (``scale``, ``choice``), the
chosen options (``multi``), the number with its unit (``number``), yes or no (``boolean``),
"not applicable" and "don't know". A company answered by several people shows each person's
answer (up to :data:`LIST_RESPONDENTS` of them) or the range of their answers, and marks the
questions where they disagree: the highest and the lowest of their scores on that question lie
:data:`DISAGREEMENT_SHARE` of the model's scale or more apart (2 points on a 0–5 scale). The
rule is documented in ``docs/reports.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from maturity.numbers import shortest
from maturity.report.formatting import format_number, messages

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item
    from maturity.responses import Respondent, Responses
    from maturity.scores import ChildContribution, Scores

__all__ = [
    "DISAGREEMENT_SHARE",
    "LIST_RESPONDENTS",
    "ItemAnswers",
    "answer_text",
    "answers_view",
    "company_respondents",
    "item_answers",
    "number_text",
]

#: Respondents of one company disagree on a question when their scores on it lie this share of
#: the model's scale or more apart (0.4: 2 points on a 0–5 scale, 40 on a 0–100 scale).
DISAGREEMENT_SHARE = 0.4

#: Up to this many respondents, a report lists each one's answer; above, their range.
LIST_RESPONDENTS = 4

_NBSP = "\u00a0"


def number_text(x: float, lang: str, unit: str | None) -> str:
    """A number as the respondent gave it (at most 3 decimals), with its unit (``45%`` in
    English, ``45 %`` with a no-break space in Italian and before any other unit).
    """
    exponent = Decimal(shortest(float(x))).as_tuple().exponent
    digits = min(3, max(0, -exponent)) if isinstance(exponent, int) else 0
    text = format_number(x, lang, digits)
    if not unit:
        return text
    if unit == "%" and lang == "en":
        return f"{text}%"
    return f"{text}{_NBSP}{unit}"


def answer_text(item: Item, answer: object, lang: str) -> str | None:
    """One respondent's answer to ``item`` in words, in ``lang`` (None for no answer).

    ``answer`` is as :class:`~maturity.responses.Respondent` keeps it: an option code, a set of
    codes, a number, a boolean, text, or the markers ``NA`` and ``DONT_KNOW``.
    """
    from maturity.responses import DONT_KNOW, NA

    t = messages(lang)
    if answer is None:
        return None
    if answer is NA:
        return t["not_applicable"]
    if answer is DONT_KNOW:
        return t["dont_know"]
    labels = {o.code: o.label.lang(lang) for o in item.options}
    if item.kind in ("scale", "choice"):
        return labels.get(str(answer), str(answer))
    if item.kind == "multi":
        chosen = answer if isinstance(answer, frozenset | set | list | tuple) else {answer}
        names = [labels[o.code] for o in item.options if o.code in chosen]
        return "; ".join(names) if names else t["none_chosen"]
    if item.kind == "boolean":
        return t["yes"] if answer is True or answer == "yes" else t["no"]
    if item.kind == "number" and isinstance(answer, int | float):
        return number_text(float(answer), lang, item.unit)
    return str(answer)


def _value_answer(item: Item, value: float, lang: str) -> str | None:
    """The answer a value stands for, when only the value is known (no responses given)."""
    t = messages(lang)
    if item.kind in ("scale", "choice"):
        for o in item.options:
            if abs(o.value - value) <= 1e-5:
                return o.label.lang(lang)
        return None
    if item.kind == "boolean":
        return t["yes"] if value >= 1 else t["no"] if value <= 0 else None
    return None


def company_respondents(responses: Responses | None, company_id: str) -> list[Respondent]:
    """The respondents whose answers make up ``company_id``'s row of the scores: those of that
    company (``score(..., by="company")``), else the respondent of that id.
    """
    if responses is None:
        return []
    members = [r for r in responses.respondents if r.company_id == company_id]
    if not members:
        members = [r for r in responses.respondents if r.id == company_id]
    return members


@dataclass(frozen=True, slots=True)
class ItemAnswers:
    """The answers of one company to one question, for a report.

    ``answer`` is the company's answer in words (its only respondent's, or what its respondents
    agree on; None when there is none to show); ``by_respondent`` lists (respondent, answer) when
    several answered, up to :data:`LIST_RESPONDENTS`; ``low``/``high`` are the lowest and
    highest answer when more did; ``spread`` is the highest minus the lowest respondent score
    on the model's scale (None with fewer than two answers) and ``disagree`` whether it reaches
    :data:`DISAGREEMENT_SHARE` of the scale.
    """

    answer: str | None
    by_respondent: tuple[tuple[str, str], ...] = ()
    low: str | None = None
    high: str | None = None
    n_answers: int = 0
    spread: float | None = None
    disagree: bool = False


def item_answers(
    item: Item,
    members: Sequence[Respondent],
    lang: str,
    scale: tuple[float, float],
    *,
    fallback_value: float | None = None,
) -> ItemAnswers:
    """The answers of ``members`` (a company's respondents) to ``item``; see
    :class:`ItemAnswers`. ``scale`` is the model's range, for the spread between respondents.
    Without respondents, the answer is read back from ``fallback_value`` (the item's value in
    the scores) where it stands for one option.
    """
    from maturity.responses import Marker

    if not members:
        text = _value_answer(item, fallback_value, lang) if fallback_value is not None else None
        return ItemAnswers(text)
    given = [(r.id, r.answers.get(item.id)) for r in members]
    texts = [(rid, answer_text(item, a, lang)) for rid, a in given]
    answered = [(rid, a) for rid, a in given if a is not None]
    lo, hi = scale
    scores: list[tuple[float, str]] = []  # (score on the model's scale, answer text)
    if item.scored:
        vlo, vhi = item.value_range
        for _rid, a in answered:
            if isinstance(a, Marker):
                continue
            v = item.value_of(a)
            x = lo + (v - vlo) / (vhi - vlo) * (hi - lo) if vhi > vlo else lo
            scores.append((x, answer_text(item, a, lang) or ""))
    spread = max(s for s, _ in scores) - min(s for s, _ in scores) if len(scores) > 1 else None
    disagree = spread is not None and spread >= DISAGREEMENT_SHARE * (hi - lo) - 1e-9
    if len(members) == 1:
        return ItemAnswers(texts[0][1], n_answers=len(answered))
    distinct = {t for _, t in texts if t is not None}
    common = next(iter(distinct)) if len(distinct) == 1 and len(answered) == len(given) else None
    if len(members) <= LIST_RESPONDENTS:
        shown = tuple((rid, text or "–") for rid, text in texts)
        return ItemAnswers(common, shown, n_answers=len(answered), spread=spread, disagree=disagree)
    low = min(scores)[1] if scores else None
    high = max(scores)[1] if scores else None
    return ItemAnswers(
        common,
        low=low,
        high=high,
        n_answers=len(answered),
        spread=spread,
        disagree=disagree,
    )


def answers_view(
    scores: Scores,
    company_id: str,
    node: str,
    leaves: Sequence[tuple[str, ChildContribution]],
    members: Sequence[Respondent],
    lang: str,
    part_title: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One row per question below a top-level dimension: the question, its part, the
    company's answer(s), its score and whether the respondents disagree.
    """
    t = messages(lang)
    q = scores.model.questionnaire
    rows = []
    for parent, c in leaves:
        item = q.item(c.id)
        fallback = None
        if c.value is not None and c.status == "answered":
            vlo, vhi = item.value_range
            fallback = vlo + c.value * (vhi - vlo)
        a = item_answers(item, members, lang, scores.model.range, fallback_value=fallback)
        status = {
            "n/a": t["not_applicable"],
            "not asked": t["not_asked"],
            "don't know": t["dont_know"],
            "missing": t["no_answer"],
        }.get(c.status)
        rows.append(
            {
                "id": c.id,
                "question": item.text.lang(lang),
                "part": part_title.get(parent) if parent != node else None,
                "answer": a.answer or (status if not a.by_respondent and not a.low else None),
                "by_respondent": [{"respondent": r, "answer": x} for r, x in a.by_respondent],
                "low": a.low,
                "high": a.high,
                "n_answers": a.n_answers,
                "score": c.score if c.status == "answered" or c.weight > 0 else None,
                "counted": c.weight > 0,
                "status": c.status,
                "spread": a.spread,
                "disagree": a.disagree,
            }
        )
    return rows
