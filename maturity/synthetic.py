"""Reproducible synthetic peer populations for a questionnaire.

Real assessments are confidential, yet benchmarking needs peers. :func:`generate` draws a
population of fictitious companies that behaves like the real thing, from a documented
generative model (``docs/methodology.md#synthetic-peers``):

1. **Profile.** A NACE section, division and class from a mix weighted towards manufacturing (the
   companies that competence centres assess); a size class (micro, small, medium, large) and a
   head count inside it, turnover from the head count; a NUTS-3 region drawn through its NUTS-1
   macro-region.
2. **Latent maturity.** ``theta = sector + size + region + e``, ``e ~ N(0, 1)``: larger
   companies, knowledge-intensive manufacturing and the North score higher on average, as the
   published surveys report. Each top-level dimension gets ``theta_d = theta + N(0, 0.6)``.
3. **Answers.** An ordinal (graded) response model: for an item with ordered answers
   ``0..K-1``, ``P(answer >= k) = logistic(a (theta_d - b_k))`` with discrimination ``a`` and
   increasing thresholds ``b_k`` drawn once per item. Multiple-choice options are ticked with
   ``logistic(a (theta_d - b_option))``; numbers are drawn inside the band the model picks; yes/no
   items are a two-level scale. Conditions are respected: an item whose condition is false is
   left unanswered.
   Filter questions (yes/no items that are not scored) describe the company, not its maturity:
   "yes" with probability 0.8 in manufacturing (NACE section C) and 0.45 elsewhere.
4. **Gaps.** Where an item allows them, "not applicable" (4 %) and "don't know" (3 %); any item is
   left blank with probability 3 %.

Same seed, same population: everything is drawn from one ``numpy.random.Generator``.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from maturity.questionnaire import Item, Questionnaire
from maturity.responses import DONT_KNOW, NA, Answer, Profile, Respondent, Responses

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["SyntheticSettings", "generate"]

# NACE sections with their share of assessed companies, and the divisions drawn inside them.
_SECTIONS: Mapping[str, tuple[float, tuple[str, ...]]] = {
    "C": (
        0.62,
        (
            "10",
            "11",
            "13",
            "14",
            "15",
            "16",
            "17",
            "18",
            "20",
            "21",
            "22",
            "23",
            "24",
            "25",
            "26",
            "27",
            "28",
            "29",
            "30",
            "31",
            "32",
            "33",
        ),
    ),
    "F": (0.06, ("41", "42", "43")),
    "G": (0.10, ("45", "46", "47")),
    "H": (0.05, ("49", "52")),
    "J": (0.08, ("58", "62", "63")),
    "M": (0.06, ("70", "71", "72")),
    "E": (0.03, ("36", "38")),
}
# latent effect of divisions: knowledge-intensive manufacturing and ICT higher
_DIVISION_EFFECT = {
    "21": 0.35,
    "26": 0.45,
    "27": 0.3,
    "28": 0.35,
    "29": 0.4,
    "30": 0.35,
    "62": 0.6,
    "63": 0.5,
    "72": 0.4,
    "10": -0.15,
    "11": -0.1,
    "13": -0.2,
    "14": -0.3,
    "15": -0.25,
    "16": -0.3,
    "31": -0.2,
    "41": -0.35,
    "43": -0.4,
    "47": -0.3,
    "49": -0.2,
}
_SIZES = (
    ("micro", 0.30, (3, 9), -0.8),
    ("small", 0.40, (10, 49), -0.25),
    ("medium", 0.22, (50, 249), 0.35),
    ("large", 0.08, (250, 2500), 0.9),
)
_MACRO = (
    ("ITC", 0.30, 0.15),
    ("ITH", 0.27, 0.15),
    ("ITI", 0.19, 0.0),
    ("ITF", 0.16, -0.25),
    ("ITG", 0.08, -0.3),
)


@dataclass(frozen=True, slots=True)
class SyntheticSettings:
    """Rates and offsets of the generative model (the defaults are documented above)."""

    na_rate: float = 0.04
    dont_know_rate: float = 0.03
    missing_rate: float = 0.03
    dimension_sd: float = 0.6
    difficulty: float = 0.6  # shifts every threshold up: most SMEs sit at the low levels
    start: _dt.date = _dt.date(2025, 1, 1)
    days: int = 600


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _profile(rng: np.random.Generator, company: str, s: SyntheticSettings) -> tuple[Profile, float]:
    from maturity.classify import nace_codes, nuts_codes

    secs = list(_SECTIONS)
    sec = secs[int(rng.choice(len(secs), p=[_SECTIONS[k][0] for k in secs]))]
    divs = _SECTIONS[sec][1]
    div = divs[int(rng.integers(len(divs)))]
    classes = nace_codes(4, under=div)
    sector = classes[int(rng.integers(len(classes)))] if classes else div
    k = int(rng.choice(len(_SIZES), p=[z[1] for z in _SIZES]))
    _, _, (lo, hi), size_effect = _SIZES[k]
    employees = round(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))
    employees = min(max(employees, lo), hi)
    turnover = round(employees * float(rng.lognormal(math.log(0.18), 0.35)), 2)
    m = int(rng.choice(len(_MACRO), p=[z[1] for z in _MACRO]))
    macro, _, region_effect = _MACRO[m]
    provinces = nuts_codes(3, under=macro)
    region = provinces[int(rng.integers(len(provinces)))]
    date = s.start + _dt.timedelta(days=int(rng.integers(s.days)))
    theta = _DIVISION_EFFECT.get(div, 0.0) + size_effect + region_effect + rng.normal()
    return Profile(
        company=company,
        sector=sector,
        employees=employees,
        turnover=turnover,
        region=region,
        date=date,
    ), theta


def _item_params(
    rng: np.random.Generator, item: Item, s: SyntheticSettings
) -> tuple[float, list[float]]:
    """Discrimination and increasing thresholds of an item with K ordered answers."""
    if item.kind == "multi":
        k = len(item.options)
    elif item.kind == "number":
        k = len(item.bands) + 1
    elif item.kind == "boolean":
        k = 2
    else:
        k = len(item.options)
    a = float(rng.uniform(1.0, 2.2))
    spread = rng.uniform(0.6, 1.2)
    base = s.difficulty + float(rng.normal(0, 0.3))
    bs = [base + spread * (j - (k - 2) / 2) for j in range(k - 1)]
    return a, bs


def _ordinal(rng: np.random.Generator, theta: float, a: float, bs: list[float]) -> int:
    u = float(rng.random())
    level = 0
    for b in bs:
        if u < _logistic(a * (theta - b)):
            level += 1
        else:
            break
    return level


def _answer(
    rng: np.random.Generator, item: Item, theta: float, a: float, bs: list[float]
) -> Answer | None:
    if item.kind in ("scale", "choice"):
        ordered = sorted(item.options, key=lambda o: o.value)
        return ordered[_ordinal(rng, theta, a, bs)].code
    if item.kind == "boolean":
        return _ordinal(rng, theta, a, bs) == 1
    if item.kind == "number":
        band = _ordinal(rng, theta, a, bs)
        edges = list(item.bands)
        lo = item.min if item.min is not None else (edges[0] - abs(edges[0]) - 1 if edges else 0.0)
        hi = item.max if item.max is not None else (edges[-1] * 1.5 + 1 if edges else 100.0)
        if item.better == "lower":  # band k means the answer is <= the k-th highest threshold
            cuts = [hi, *sorted(edges, reverse=True), lo]
            top, bottom = cuts[band], cuts[band + 1]
        else:
            cuts = [lo, *edges, hi]
            bottom, top = cuts[band], cuts[band + 1]
        bottom, top = max(bottom, lo), min(top, hi)
        if top <= bottom:
            return float(bottom)
        x = float(rng.uniform(bottom, top))
        if item.better == "lower" and band > 0 and x > edges[::-1][band - 1]:
            x = edges[::-1][band - 1]
        if item.better == "higher" and band < len(edges) and x >= edges[band]:
            x = math.nextafter(edges[band], -math.inf)
        return (
            round(x, 1) if round(x, 1) == round(x, 1) and _band_ok(item, round(x, 1), band) else x
        )
    if item.kind == "multi":
        normal = [o for o in item.options if not o.exclusive]
        order = sorted(normal, key=lambda o: o.value)
        chosen = [
            o.code
            for j, o in enumerate(order)
            if float(rng.random()) < _logistic(a * (theta - bs[min(j, len(bs) - 1)]))
        ]
        if not chosen:
            excl = [o.code for o in item.options if o.exclusive]
            chosen = excl[:1] or [order[0].code]
        return frozenset(chosen)
    return None  # text items are left blank


def _band_ok(item: Item, x: float, band: int) -> bool:
    return (
        item.value_of(x) == band
        and (item.min is None or x >= item.min)
        and (item.max is None or x <= item.max)
    )


def generate(
    questionnaire: Questionnaire,
    n: int,
    *,
    seed: int = 0,
    settings: SyntheticSettings | None = None,
    prefix: str = "syn",
) -> Responses:
    """Draw ``n`` synthetic respondents for ``questionnaire`` (same seed, same data).

    The result is an ordinary :class:`~maturity.responses.Responses`: every answer is valid for
    the questionnaire and its conditions, so it can be written, read back and scored.
    """
    import numpy as np

    s = settings or SyntheticSettings()
    rng = np.random.default_rng(seed)
    q = questionnaire
    params = {i.id: _item_params(rng, i, s) for i in q.items}
    top_of = {}
    for d in q.root.dimensions:
        for i in d.all_items():
            top_of[i.id] = d.id
    conds = {i.id: q.conditions_of(i.id) for i in q.items}
    order = _condition_order(q)
    width = max(4, len(str(n)))
    people: list[Respondent] = []
    for r in range(n):
        rid = f"{prefix}-{r + 1:0{width}d}"
        profile, theta = _profile(rng, rid, s)
        dims = {d.id: theta + float(rng.normal(0, s.dimension_sd)) for d in q.root.dimensions}
        answers: dict[str, Answer] = {}
        env: dict[str, object] = {}
        prof = profile.for_conditions()
        for item in order:
            if any(c.evaluate(env, prof) is False for c in conds[item.id]):
                continue
            u = float(rng.random())
            if item.na and u < s.na_rate:
                answers[item.id] = NA
                continue
            if item.dont_know and u < s.na_rate + s.dont_know_rate:
                answers[item.id] = DONT_KNOW
                continue
            if float(rng.random()) < s.missing_rate and not item.required:
                continue
            a, bs = params[item.id]
            if item.kind == "boolean" and not item.counts:
                # a filter question describes the company, not its maturity
                share = 0.8 if prof.get("section") == "C" else 0.45
                ans: Answer | None = float(rng.random()) < share
            else:
                ans = _answer(rng, item, dims.get(top_of.get(item.id, ""), theta), a, bs)
            if ans is not None:
                answers[item.id] = ans
                env[item.id] = ans
        people.append(Respondent(rid, profile, answers))
    return Responses(q, tuple(people), q.id, q.version, f"<synthetic seed={seed}>")


def _condition_order(q: Questionnaire) -> list[Item]:
    """Items ordered so that every item comes after the items its conditions use."""
    done: set[str] = set()
    out: list[Item] = []
    pending = list(q.items)
    while pending:
        rest = []
        for item in pending:
            refs = set().union(*(c.answer_refs for c in q.conditions_of(item.id)))
            if refs <= done:
                out.append(item)
                done.add(item.id)
            else:
                rest.append(item)
        if len(rest) == len(pending):  # pragma: no cover - cycles are refused at load time
            raise ValueError("conditions form a cycle")
        pending = rest
    return out
