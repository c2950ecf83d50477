"""Our ``when:`` conditions in the languages of collection tools (XLSForm XPath, SurveyJS
expressions) and in words.

Translation works on the parsed tree (:mod:`maturity.conditions`), never on the source text.
Our conditions use three-valued logic: an item is asked unless its condition is *false*, and a
comparison that uses a missing answer (or N/A, "don't know") is *unknown*. Tools evaluate
missing values their own way (ODK compares an empty string, SurveyJS makes ``{x} < 90`` false
when ``x`` is empty), so each node is translated twice — "is certainly true" (:meth:`T`) and
"is certainly false" (:meth:`F`), every comparison guarded by "the values are known" — and an
item is shown when ``not F(condition)``. The translation is then exact whatever the tool does
with empty values, and it grows linearly with the condition.

The derived profile names ``section``, ``division`` and ``size_class`` are computed in the form
from ``sector``, ``employees``, ``turnover`` and ``balance_sheet`` (a dialect supplies the
calculation); :func:`derived_profile` lists the arithmetic (NACE sections as ranges of divisions,
the EU SME ceilings) so every dialect builds it from the same data.

A condition that a dialect cannot express raises :class:`Unsupported`, which the exporters
collect and report (never silently dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from maturity.conditions import (
    AnswerRef,
    BoolOp,
    Compare,
    Condition,
    Const,
    ConstList,
    Node,
    Not,
    ProfileRef,
    _format_number,
)
from maturity.errors import MaturityError

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire

__all__ = [
    "DERIVED_PROFILE",
    "Dialect",
    "Translator",
    "Unsupported",
    "nace_section_ranges",
    "profile_kind",
]

#: Profile names that conditions may use but a form computes rather than asks.
DERIVED_PROFILE = ("section", "division", "size_class")

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in"}
_NEGATE["not in"] = "in"


class Unsupported(MaturityError, ValueError):
    """A condition (or part of one) that a target format cannot express."""


def profile_kind(name: str) -> str:
    """The value kind of a profile name in conditions: ``number``, ``text`` or ``code``."""
    if name in ("employees", "turnover", "balance_sheet"):
        return "number"
    if name in DERIVED_PROFILE:
        return "code"
    return "text"


def nace_section_ranges() -> list[tuple[str, list[tuple[int, int]]]]:
    """NACE Rev. 2 sections with the ranges of their divisions (from the shipped table)."""
    from maturity.classify import nace_ancestors, nace_codes

    out: dict[str, list[tuple[int, int]]] = {s: [] for s in nace_codes(1)}
    for d in sorted(nace_codes(2), key=int):
        sec = nace_ancestors(d)[-1]
        n = int(d)
        ranges = out[sec]
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return [(s, r) for s, r in out.items()]


class Dialect:
    """How a target writes values, comparisons and logic. Subclasses fill in the methods."""

    name = "dialect"
    true = "true()"
    false = "false()"

    def answer(self, item: Item) -> str:
        """The value of an item's answer."""
        raise NotImplementedError

    def profile(self, name: str) -> str:
        """The value of a profile field (derived ones included)."""
        raise NotImplementedError

    def known_answer(self, item: Item) -> str:
        """True when the item has an answer that is neither N/A nor "don't know"."""
        raise NotImplementedError

    def known_profile(self, name: str) -> str:
        """True when the profile field has a value."""
        raise NotImplementedError

    def const(self, value: str | float | bool, kind: str) -> str:
        """A constant (``kind`` is the kind of the other side: number, text, code, bool)."""
        raise NotImplementedError

    def compare(self, op: str, left: str, right: str, kind: str) -> str:
        """``left op right`` for ``==`` ... ``>=`` (``kind``: number, text, code)."""
        raise NotImplementedError

    def is_yes(self, item: Item) -> str:
        """A yes/no item answered yes."""
        raise NotImplementedError

    def is_no(self, item: Item) -> str:
        """A yes/no item answered no."""
        raise NotImplementedError

    def selected(self, multi: str, code: str) -> str:
        """The multiple-choice value ``multi`` holds ``code`` (an expression of a text)."""
        raise NotImplementedError

    def not_selected(self, multi: str, code: str) -> str:
        """The multiple-choice value ``multi`` does not hold ``code``."""
        return self.not_(self.selected(multi, code))

    def and_(self, parts: Sequence[str]) -> str:
        """All of ``parts``."""
        parts = [p for p in parts if p != self.true]
        if self.false in parts:
            return self.false
        if not parts:
            return self.true
        return parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)

    def or_(self, parts: Sequence[str]) -> str:
        """Any of ``parts``."""
        parts = [p for p in parts if p != self.false]
        if self.true in parts:
            return self.true
        if not parts:
            return self.false
        return parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)

    def not_(self, x: str) -> str:
        """Not ``x``."""
        raise NotImplementedError


@dataclass
class _Operand:
    """A value operand: its expression, its 'known' guard, its kind and (for multi) codes."""

    expr: str
    known: str
    kind: str  # number, text, code, codes, bool, list
    codes: tuple[str, ...] = ()
    values: tuple[Const, ...] = ()
    item: Item | None = None


class Translator:
    """Translates conditions of one questionnaire into a :class:`Dialect`.

    ``show(conditions)`` gives the expression that is true exactly when none of the
    conditions is false under our three-valued logic (the item or group is asked).
    """

    def __init__(self, q: Questionnaire, dialect: Dialect) -> None:
        self.q = q
        self.d = dialect

    def show(self, conditions: Sequence[Condition]) -> str:
        """True exactly when no condition in ``conditions`` is false (Kleene logic)."""
        parts = []
        for c in conditions:
            try:
                parts.append(self.d.not_(self.F(c.tree)))
            except Unsupported as exc:
                raise Unsupported(f"{c.source}: {exc}") from None
        return self.d.and_(parts)

    # -- operands --------------------------------------------------------------------
    def operand(self, n: Node) -> _Operand:
        """An operand's expression, its 'known' guard and its kind."""
        d = self.d
        if isinstance(n, AnswerRef):
            item = self.q.item(n.item)
            kind = item.value_type().kind
            return _Operand(
                d.answer(item), d.known_answer(item), kind, tuple(item.codes), item=item
            )
        if isinstance(n, ProfileRef):
            return _Operand(d.profile(n.name), d.known_profile(n.name), profile_kind(n.name))
        if isinstance(n, Const):
            kind = (
                "bool"
                if isinstance(n.value, bool)
                else "text"
                if isinstance(n.value, str)
                else "number"
            )
            return _Operand("", d.true, kind, values=(n,))
        if isinstance(n, ConstList):
            return _Operand("", d.true, "list", values=n.values)
        return _Operand("", d.true, "bool")  # a nested yes/no expression

    def _expr(self, o: _Operand, other_kind: str) -> str:
        if o.values and o.kind != "list":
            return self.d.const(o.values[0].value, other_kind)
        return o.expr

    # -- certainly true / certainly false ---------------------------------------------
    def T(self, n: Node) -> str:
        """An expression true exactly when ``n`` is certainly true."""
        d = self.d
        if isinstance(n, BoolOp):
            parts = [self.T(a) for a in n.args]
            return d.and_(parts) if n.op == "and" else d.or_(parts)
        if isinstance(n, Not):
            return self.F(n.arg)
        if isinstance(n, Compare):
            return self.compare(n.op, n.left, n.right)
        return self.bool_value(n, True)

    def F(self, n: Node) -> str:
        """An expression true exactly when ``n`` is certainly false."""
        d = self.d
        if isinstance(n, BoolOp):
            parts = [self.F(a) for a in n.args]
            return d.or_(parts) if n.op == "and" else d.and_(parts)
        if isinstance(n, Not):
            return self.T(n.arg)
        if isinstance(n, Compare):
            return self.compare(_NEGATE[n.op], n.left, n.right)
        return self.bool_value(n, False)

    def bool_value(self, n: Node, want: bool) -> str:
        """A yes/no operand (a constant or a boolean item) is certainly ``want``."""
        d = self.d
        if isinstance(n, Const):
            if not isinstance(n.value, bool):
                raise Unsupported(f"{n} is not a yes/no value")
            return d.true if n.value == want else d.false
        if isinstance(n, AnswerRef):
            item = self.q.item(n.item)
            if item.kind != "boolean":
                raise Unsupported(f"{n} is not a yes/no value")
            return d.is_yes(item) if want else d.is_no(item)
        raise Unsupported(f"{n} is not a yes/no value")

    def _is_bool(self, n: Node) -> bool:
        if isinstance(n, Compare | BoolOp | Not):
            return True
        if isinstance(n, Const):
            return isinstance(n.value, bool)
        if isinstance(n, AnswerRef):
            return self.q.item(n.item).kind == "boolean"
        return False

    def compare(self, op: str, left: Node, right: Node) -> str:
        """``left op right`` certainly holds (``op`` may be a negated operator)."""
        d = self.d
        if op in ("==", "!=") and (self._is_bool(left) or self._is_bool(right)):
            same = d.or_(
                [d.and_([self.T(left), self.T(right)]), d.and_([self.F(left), self.F(right)])]
            )
            differ = d.or_(
                [d.and_([self.T(left), self.F(right)]), d.and_([self.F(left), self.T(right)])]
            )
            return same if op == "==" else differ
        lo, ro = self.operand(left), self.operand(right)
        if op in ("in", "not in"):
            return self.membership(op, lo, ro)
        kind = lo.kind if not lo.values else ro.kind
        if lo.kind == "codes" or ro.kind == "codes":
            return self.set_equality(op, lo, ro)
        guard = [lo.known, ro.known]
        test = d.compare(op, self._expr(lo, ro.kind), self._expr(ro, lo.kind), kind)
        return d.and_([*guard, test])

    def membership(self, op: str, lo: _Operand, ro: _Operand) -> str:
        """``lo in ro`` (a list, or a multiple-choice answer) certainly holds."""
        d = self.d
        if ro.kind == "list":
            kind = lo.kind
            tests = [
                d.compare("==" if op == "in" else "!=", lo.expr, d.const(c.value, kind), kind)
                for c in ro.values
            ]
            test = d.or_(tests) if op == "in" else d.and_(tests)
            return d.and_([lo.known, test])
        if ro.kind != "codes":
            raise Unsupported("'in' needs a list or a multiple-choice answer on the right")
        code = self._expr(lo, "code")
        test = d.selected(ro.expr, code) if op == "in" else d.not_selected(ro.expr, code)
        return d.and_([lo.known, ro.known, test])

    def set_equality(self, op: str, lo: _Operand, ro: _Operand) -> str:
        """Two multiple-choice answers are certainly equal (``==``) or not (``!=``)."""
        d = self.d
        if lo.kind != "codes" or ro.kind != "codes":
            raise Unsupported("a multiple-choice answer compares only with another one")
        codes = list(dict.fromkeys([*lo.codes, *ro.codes]))
        q = [d.const(c, "code") for c in codes]
        same = d.and_(
            [
                d.or_(
                    [
                        d.and_([d.selected(lo.expr, c), d.selected(ro.expr, c)]),
                        d.and_([d.not_selected(lo.expr, c), d.not_selected(ro.expr, c)]),
                    ]
                )
                for c in q
            ]
        )
        test = same if op == "==" else d.not_(same)
        return d.and_([lo.known, ro.known, test])


# -----------------------------------------------------------------------------------------
# conditions in words (the interview workbook)

_OPS_WORDS = {
    "en": {
        "==": "is",
        "!=": "is not",
        "<": "is less than",
        "<=": "is at most",
        ">": "is more than",
        ">=": "is at least",
        "in": "is one of",
        "not in": "is none of",
        "and": "and",
        "or": "or",
        "not": "not",
        "has": "includes",
        "has not": "does not include",
    },
    "it": {
        "==": "è",
        "!=": "non è",
        "<": "è minore di",
        "<=": "è al massimo",
        ">": "è maggiore di",
        ">=": "è almeno",
        "in": "è una tra",
        "not in": "non è nessuna tra",
        "and": "e",
        "or": "o",
        "not": "non",
        "has": "comprende",
        "has not": "non comprende",
    },
}


def in_words(
    cond: Condition,
    q: Questionnaire,
    lang: str,
    name_of: Callable[[str], str] | None = None,
) -> str:
    """A condition in words in ``lang``: ids (or ``name_of(id)``), option labels, operators
    as words. ``(answer("a") == "x") and not answer("b")`` → ``a is X and not b``.
    """
    from maturity.io.labels import profile_label, special_label

    ops = _OPS_WORDS.get(lang, _OPS_WORDS["en"])
    name = name_of or (lambda i: i)

    def label(item: Item | None, value: object) -> str:
        if isinstance(value, bool):
            return special_label("yes" if value else "no", lang)
        if isinstance(value, float):
            return _format_number(value)
        if item is not None:
            for o in item.options:
                if o.code == value:
                    return f"«{o.label.lang(lang)}»"
        return f"«{value}»"

    def item_of(n: Node) -> Item | None:
        if isinstance(n, AnswerRef):
            return q.item(n.item)
        return None

    def words(n: Node, top: bool = False) -> str:
        if isinstance(n, BoolOp):
            inner = f" {ops[n.op]} ".join(words(a) for a in n.args)
            return inner if top else f"({inner})"
        if isinstance(n, Not):
            return f"{ops['not']} {words(n.arg)}"
        if isinstance(n, Compare):
            li, ri = item_of(n.left), item_of(n.right)
            if (
                n.op in ("in", "not in")
                and isinstance(n.right, AnswerRef)
                and (ri is not None and ri.kind == "multi")
            ):
                verb = ops["has"] if n.op == "in" else ops["has not"]
                return f"{words(n.right)} {verb} {operand(n.left, ri)}"
            return f"{operand(n.left, ri)} {ops[n.op]} {operand(n.right, li)}"
        if isinstance(n, AnswerRef):  # a yes/no item on its own: answered yes
            return f"{operand(n, None)} {ops['==']} {label(None, True)}"
        return operand(n, None)

    def operand(n: Node, other: Item | None) -> str:
        if isinstance(n, AnswerRef):
            return name(n.item)
        if isinstance(n, ProfileRef):
            if n.name in ("company", "sector", "employees", "turnover", "balance_sheet"):
                return profile_label(n.name, lang)
            return {"section": "NACE section", "division": "NACE division"}.get(n.name, n.name)
        if isinstance(n, Const):
            return label(other, n.value)
        if isinstance(n, ConstList):
            return "[" + ", ".join(label(other, c.value) for c in n.values) + "]"
        return words(n)

    return words(cond.tree, top=True)
