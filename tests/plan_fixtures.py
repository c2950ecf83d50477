"""A small questionnaire, three scoring models and helpers for the plan tests.

Everything a plan test checks against is computed here *independently* of
``maturity.planning``: answers are changed by :func:`apply_by_hand` (written from the rules in
the format reference, not from ``maturity.planning.effects``) and scored with
``maturity.score``.
"""

from __future__ import annotations

import textwrap

import maturity as mt
from maturity.action_catalogue import parse_actions
from maturity.model import parse_model
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
from tests.util import q_from

QUESTIONNAIRE = """\
profile: {company: {}, employees: {}, sector: {}}
scales:
  lvl:
    na: true
    dont_know: true
    options:
      - {code: a, value: 0, label: A}
      - {code: b, value: 1, label: B}
      - {code: c, value: 2, label: C}
      - {code: d, value: 3, label: D}
dimensions:
  - id: x
    title: X
    dimensions:
      - id: xa
        title: XA
        items:
          - {id: x1, kind: scale, scale: lvl, text: X1}
          - {id: x2, kind: scale, scale: lvl, text: X2}
      - id: xb
        title: XB
        items:
          - {id: x3, kind: boolean, text: X3}
  - id: y
    title: Y
    items:
      - {id: y0, kind: boolean, text: Has machines, scored: false}
      - id: y1
        kind: number
        min: 0
        max: 100
        bands: [20, 50, 80]
        text: Y1
        when: answer("y0")
      - id: y2
        kind: multi
        text: Y2
        options:
          - {code: p, points: 1, label: P}
          - {code: q, points: 1, label: Q}
          - {code: r, points: 2, label: R}
          - {code: none, points: 0, exclusive: true, label: None}
      - {id: y3, kind: scale, scale: lvl, text: Y3, when: 'answer("y1") >= 50'}
  - id: z
    title: Z
    dimensions:
      - id: za
        title: ZA
        items:
          - {id: z1, kind: scale, scale: lvl, text: Z1}
      - id: zb
        title: ZB
        items:
          - id: z2
            kind: choice
            text: Z2
            options:
              - {code: no, value: 0, label: No}
              - {code: some, value: 1, label: Some}
              - {code: all, value: 3, label: All}
"""

LEVELS = """\
levels:
  - {min: 0, code: l0, label: L0}
  - {min: 1, code: l1, label: L1}
  - {min: 2, code: l2, label: L2}
  - {min: 3, code: l3, label: L3}
"""

MODELS = {
    "weighted": """\
default: {min_coverage: 0.3}
nodes:
  root: {weights: {x: 2, y: 1, z: 1}}
  x: {importance: 2}
""",
    "weakest": """\
default: {min_coverage: 0.3}
nodes:
  root: {operator: minimum}
  x: {operator: minimum}
  xa: {operator: minimum}
""",
    "lowest": """\
default: {missing: lowest, dont_know: lowest, min_coverage: 0.3}
nodes:
  root: {weights: {x: 1, y: 2, z: 1}}
""",
    "staged": """\
default: {min_coverage: 0.3}
nodes:
  x: {operator: staged}
  y: {importance: 1.5}
""",
}


def questionnaire() -> mt.Questionnaire:
    return q_from(QUESTIONNAIRE)


def model(kind: str, q: mt.Questionnaire | None = None) -> mt.ScoringModel:
    head = textwrap.dedent(
        """\
        format: maturity/scoring-model@1
        id: m
        version: 1.0.0
        title: M
        questionnaire: {id: t, versions: ">=1"}
        range: [0, 3]
        """
    )
    return parse_model(head + LEVELS + MODELS[kind], q or questionnaire(), file="m.yaml")


def catalogue(body: str, q: mt.Questionnaire | None = None) -> mt.ActionCatalogue:
    head = textwrap.dedent(
        """\
        format: maturity/action-catalogue@1
        id: cat
        version: 1.0.0
        title: {en: Actions, it: Azioni}
        questionnaire: {id: t, versions: ">=1"}
        """
    )
    return parse_actions(head + textwrap.dedent(body), q or questionnaire(), file="cat.yaml")


def responses(q: mt.Questionnaire, rows: list[tuple[str, Profile, dict]]) -> Responses:
    return Responses(q, tuple(Respondent(rid, prof, dict(ans)) for rid, prof, ans in rows))


# --- the rules of effects, written out again for the tests -----------------------------


def _better(item, a, b) -> bool:
    """Whether answer ``a`` is better than ``b`` for ``item``."""
    if item.kind == "number":
        return a > b if item.better == "higher" else a < b
    return item.value_of(a) > item.value_of(b)


def apply_by_hand(q: mt.Questionnaire, answers: dict, actions, colleagues=()) -> dict:
    """The answers after ``actions``: raised, never lowered; several actions on one item take
    the best target; multiple choices are joined (exclusive options dropped); N/A stays; a
    "don't know" or missing answer takes the target or, when better, the best answer of the
    company's respondents (``colleagues``: every respondent's answers today)."""
    out = dict(answers)
    for action in actions:
        for e in action.improves:
            item = q.item(e.item)
            cur = out.get(e.item)
            if cur is NA:
                continue
            if cur is DONT_KNOW:
                cur = None
            given = [
                a.get(e.item) for a in colleagues if a.get(e.item) not in (None, NA, DONT_KNOW)
            ]
            if item.kind == "multi":
                excl = {o.code for o in item.options if o.exclusive}
                if cur is None and e.add:
                    start = set(max(given, key=item.value_of)) if given else set()
                    out[e.item] = frozenset((start | e.add) - excl)
                elif cur is not None and e.add - set(cur):
                    out[e.item] = frozenset((set(cur) | e.add) - excl)
                continue
            new = e.to
            if cur is None:
                for g in given:
                    if _better(item, g, new):
                        new = g
            if cur is None or _better(item, new, cur):
                out[e.item] = new
    return out


def apply_company_by_hand(q: mt.Questionnaire, answers_list, actions) -> list[dict]:
    """:func:`apply_by_hand` for every respondent of one company."""
    return [apply_by_hand(q, a, actions, colleagues=answers_list) for a in answers_list]


def touches(q: mt.Questionnaire, m: mt.ScoringModel, answers_list, action, node: str) -> bool:
    """Whether an action changes an answer that counts under ``node``: a scored item below it,
    or an item read by the condition of a scored item below it."""
    below = set()
    stack = [node]
    while stack:
        nd = stack.pop()
        for c in m.rules[nd].children:
            if c in m.rules:
                stack.append(c)
            else:
                below.add(c)
    read = {ref for i in below for cond in q.conditions_of(i) for ref in cond.answer_refs}
    for answers in answers_list:
        after = apply_by_hand(q, answers, [action])
        for iid in below | read:
            if after.get(iid) != answers.get(iid):
                return True
    return False
