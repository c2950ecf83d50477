"""The small, safe expression language of questionnaire ``when:`` conditions.

A condition is parsed by a hand-written tokenizer and recursive-descent parser into an immutable
tree; it is never handed to ``eval``. Grammar::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                          | ["not"] "in" operand ]
    operand    := literal | list | reference | "(" expr ")"
    reference  := "answer" "(" STRING ")" | "profile" "." NAME
    literal    := STRING | NUMBER | "true" | "false"
    list       := "[" [literal ("," literal)*] "]"

Answers can be missing, so evaluation uses three-valued (Kleene) logic: a comparison that uses a
missing answer is unknown (``None``); ``and`` is false if any side is false, ``or`` true if any
side is true, ``not`` of unknown is unknown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union

from maturity.errors import MaturityError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Condition",
    "ConditionIssue",
    "ConditionSyntaxError",
    "ValueType",
    "check",
    "parse",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50


class ConditionSyntaxError(MaturityError, ValueError):
    """A condition cannot be parsed; ``offset`` is the 0-based position of the problem."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# --- tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal_:
    """A string, number or boolean constant."""

    value: str | float | bool
    offset: int

    def __str__(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, str):
            return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{self.value:g}" if self.value == self.value else "nan"


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list of constants, for ``in``."""

    values: tuple[Literal_, ...]
    offset: int

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.values)) + "]"


@dataclass(frozen=True, slots=True)
class Answer:
    """``answer("id")``."""

    item: str
    offset: int

    def __str__(self) -> str:
        return f'answer("{self.item}")'


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """``profile.name``."""

    name: str
    offset: int

    def __str__(self) -> str:
        return f"profile.{self.name}"


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison or membership test."""

    op: str
    left: Node
    right: Node
    offset: int

    def __str__(self) -> str:
        return f"{_wrap(self.left)} {self.op} {_wrap(self.right)}"


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``and`` / ``or`` over two or more operands."""

    op: Literal["and", "or"]
    args: tuple[Node, ...]
    offset: int

    def __str__(self) -> str:
        return f" {self.op} ".join(_wrap(a) for a in self.args)


@dataclass(frozen=True, slots=True)
class Not:
    """``not x``."""

    arg: Node
    offset: int

    def __str__(self) -> str:
        return f"not {_wrap(self.arg)}"


Node = Union[Literal_, ListLit, Answer, ProfileRef, Compare, BoolOp, Not]  # noqa: UP007


def _wrap(n: Node) -> str:
    return f"({n})" if isinstance(n, Compare | BoolOp | Not) else str(n)


# --- tokenizer ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""",
    re.VERBOSE,
)
_KEYWORDS = ("and", "or", "not", "in", "true", "false", "answer", "profile")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    offset: int


def _tokens(src: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            ch = src[pos]
            if ch in "\"'":
                raise ConditionSyntaxError("unterminated string", pos)
            if ch == "=":
                raise ConditionSyntaxError("'=' is not an operator; use '=='", pos)
            if ch == "&" or ch == "|":
                raise ConditionSyntaxError(f"'{ch}' is not an operator; use 'and' / 'or'", pos)
            if ch == "!":
                raise ConditionSyntaxError("'!' is not an operator; use 'not' or '!='", pos)
            raise ConditionSyntaxError(f"unexpected character '{ch}'", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(src)))
    return out


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_word(self, word: str) -> bool:
        return self.tok.kind == "name" and self.tok.text == word

    def expect(self, text: str, after: str) -> _Tok:
        if self.tok.text != text or self.tok.kind == "str":
            found = "the end" if self.tok.kind == "end" else f"'{self.tok.text}'"
            raise ConditionSyntaxError(
                f"expected '{text}' after {after}, found {found}", self.tok.offset
            )
        return self.take()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                f"the condition is nested deeper than {MAX_DEPTH} levels", self.tok.offset
            )

    def parse(self) -> Node:
        node = self.or_expr()
        if self.tok.kind != "end":
            raise ConditionSyntaxError(
                f"unexpected '{self.tok.text}' (expected 'and', 'or' or the end)", self.tok.offset
            )
        return node

    def or_expr(self) -> Node:
        start = self.tok.offset
        args = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else BoolOp("or", tuple(args), start)

    def and_expr(self) -> Node:
        start = self.tok.offset
        args = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else BoolOp("and", tuple(args), start)

    def not_expr(self) -> Node:
        if self.is_word("not"):
            t = self.take()
            self.enter()
            inner = self.not_expr()
            self.depth -= 1
            return Not(inner, t.offset)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        t = self.tok
        if t.kind == "op":
            self.take()
            return Compare(t.text, left, self.operand(), t.offset)
        if self.is_word("in"):
            self.take()
            return Compare("in", left, self.operand(), t.offset)
        if self.is_word("not") and self.toks[self.i + 1].text == "in":
            self.take()
            self.take()
            return Compare("not in", left, self.operand(), t.offset)
        return left

    def literal(self) -> Literal_ | None:
        t = self.tok
        if t.kind == "str":
            self.take()
            return Literal_(_unquote(t.text), t.offset)
        if t.kind == "num":
            self.take()
            return Literal_(float(t.text), t.offset)
        if t.kind == "name" and t.text in ("true", "false"):
            self.take()
            return Literal_(t.text == "true", t.offset)
        return None

    def operand(self) -> Node:
        t = self.tok
        lit = self.literal()
        if lit is not None:
            return lit
        if t.text == "(":
            self.take()
            self.enter()
            inner = self.or_expr()
            self.depth -= 1
            self.expect(")", "the expression in parentheses")
            return inner
        if t.text == "[":
            self.take()
            values: list[Literal_] = []
            while self.tok.text != "]":
                lit = self.literal()
                if lit is None:
                    found = "the end" if self.tok.kind == "end" else f"'{self.tok.text}'"
                    raise ConditionSyntaxError(
                        f"a list holds only strings, numbers, true or false; found {found}",
                        self.tok.offset,
                    )
                values.append(lit)
                if self.tok.text == ",":
                    self.take()
                elif self.tok.text != "]":
                    raise ConditionSyntaxError("expected ',' or ']' in the list", self.tok.offset)
            self.take()
            return ListLit(tuple(values), t.offset)
        if t.kind == "name" and t.text == "answer":
            self.take()
            self.expect("(", "'answer'")
            if self.tok.kind != "str":
                raise ConditionSyntaxError(
                    'answer() takes an item id in quotes, e.g. answer("sf.machines")',
                    self.tok.offset,
                )
            item = _unquote(self.take().text)
            self.expect(")", f'answer("{item}"')
            return Answer(item, t.offset)
        if t.kind == "name" and t.text == "profile":
            self.take()
            self.expect(".", "'profile'")
            if self.tok.kind != "name":
                raise ConditionSyntaxError(
                    "expected a profile field after 'profile.'", self.tok.offset
                )
            return ProfileRef(self.take().text, t.offset)
        if t.kind == "name":
            close = difflib.get_close_matches(t.text, _KEYWORDS, n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else ' (use answer("id"), profile.NAME, a quoted string, a number, true, false)'
            )
            raise ConditionSyntaxError(f"unknown name '{t.text}'{hint}", t.offset)
        if t.kind == "end":
            raise ConditionSyntaxError("the condition ends too early", t.offset)
        raise ConditionSyntaxError(f"unexpected '{t.text}'", t.offset)


# --- public objects ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValueType:
    """The type of a value in conditions: ``code``, ``codes`` (a multi answer), ``number``,
    ``bool`` or ``text``; ``codes`` lists the allowed option codes.
    """

    kind: Literal["code", "codes", "number", "bool", "text"]
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ConditionIssue:
    """A problem found by :func:`check`: an unknown id or a type mismatch."""

    kind: Literal["unknown-item", "unknown-profile", "type"]
    message: str
    offset: int
    found: str


def _walk(n: Node) -> list[Node]:
    out: list[Node] = []
    stack = [n]
    while stack:
        x = stack.pop()
        out.append(x)
        if isinstance(x, Compare):
            stack += [x.left, x.right]
        elif isinstance(x, BoolOp):
            stack += list(x.args)
        elif isinstance(x, Not):
            stack.append(x.arg)
        elif isinstance(x, ListLit):
            stack += list(x.values)
    return out


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition. Equal when the source text is equal."""

    source: str
    tree: Node

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __str__(self) -> str:
        return str(self.tree)

    @property
    def answer_refs(self) -> frozenset[str]:
        """The item ids the condition uses."""
        return frozenset(n.item for n in _walk(self.tree) if isinstance(n, Answer))

    @property
    def profile_refs(self) -> frozenset[str]:
        """The profile names the condition uses."""
        return frozenset(n.name for n in _walk(self.tree) if isinstance(n, ProfileRef))

    def evaluate(self, answers: Mapping[str, object], profile: Mapping[str, object]) -> bool | None:
        """True, False, or None when it depends on a missing answer (Kleene logic)."""
        r = _eval(self.tree, answers, profile)
        return r if r is None or isinstance(r, bool) else bool(r)

    def evaluate_batch(
        self,
        answers: Mapping[str, Sequence[object]],
        profile: Mapping[str, Sequence[object]],
        n: int,
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Evaluate for ``n`` rows of column arrays; returns ``(value, known)``."""
        import numpy as np

        value = np.zeros(n, dtype=bool)
        known = np.zeros(n, dtype=bool)
        for r in range(n):
            a = {k: _cell(v[r]) for k, v in answers.items()}
            p = {k: _cell(v[r]) for k, v in profile.items()}
            res = self.evaluate(a, p)
            if res is not None:
                known[r] = True
                value[r] = res
        return value, known


def _cell(x: object) -> object:
    if isinstance(x, float) and x != x:
        return None
    if hasattr(x, "item") and not isinstance(x, str | frozenset):
        return x.item()  # numpy scalar
    return x


def parse(source: str) -> Condition:
    """Parse a condition (raises :class:`ConditionSyntaxError` with an offset)."""
    if len(source) > MAX_LENGTH:
        raise ConditionSyntaxError(
            f"the condition is longer than {MAX_LENGTH} characters", MAX_LENGTH
        )
    if not source.strip():
        raise ConditionSyntaxError("the condition is empty", 0)
    return Condition(source, _Parser(source).parse())


# --- evaluation --------------------------------------------------------------------------


def _value(n: Node, answers: Mapping[str, object], profile: Mapping[str, object]) -> Any:
    if isinstance(n, Literal_):
        return n.value
    if isinstance(n, ListLit):
        return [v.value for v in n.values]
    if isinstance(n, Answer):
        v = answers.get(n.item)
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v
    if isinstance(n, ProfileRef):
        v = profile.get(n.name)
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v
    return _eval(n, answers, profile)


def _eval(n: Node, answers: Mapping[str, object], profile: Mapping[str, object]) -> Any:
    if isinstance(n, BoolOp):
        vals = [_eval(a, answers, profile) for a in n.args]
        if n.op == "and":
            if any(v is False for v in vals):
                return False
            return None if any(v is None for v in vals) else True
        if any(v is True for v in vals):
            return True
        return None if any(v is None for v in vals) else False
    if isinstance(n, Not):
        v = _eval(n.arg, answers, profile)
        return None if v is None else not v
    if isinstance(n, Compare):
        a = _value(n.left, answers, profile)
        b = _value(n.right, answers, profile)
        if a is None or b is None:
            return None
        op = n.op
        try:
            if op in ("in", "not in"):
                inside = a in b
                return inside if op == "in" else not inside
            return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[
                op
            ]
        except TypeError:
            return None
    v = _value(n, answers, profile)
    if v is None:
        return None
    return bool(v)


# --- type checking -----------------------------------------------------------------------


def check(
    cond: Condition, items: Mapping[str, ValueType], profile: Mapping[str, ValueType]
) -> list[ConditionIssue]:
    """Every unknown id and type mismatch in a condition (an empty list when it is sound)."""
    issues: list[ConditionIssue] = []

    def type_of(n: Node) -> ValueType | str | None:
        """A ValueType for references, 'str'/'number'/'bool'/'list' for literals, None if
        unknown (already reported).
        """
        if isinstance(n, Answer):
            if n.item not in items:
                issues.append(
                    ConditionIssue("unknown-item", f"unknown item '{n.item}'", n.offset, n.item)
                )
                return None
            return items[n.item]
        if isinstance(n, ProfileRef):
            if n.name not in profile:
                issues.append(
                    ConditionIssue(
                        "unknown-profile", f"unknown profile field '{n.name}'", n.offset, n.name
                    )
                )
                return None
            return profile[n.name]
        if isinstance(n, Literal_):
            return (
                "bool"
                if isinstance(n.value, bool)
                else ("str" if isinstance(n.value, str) else "number")
            )
        if isinstance(n, ListLit):
            return "list"
        boolean(n)
        return "boolexpr"

    def scalar_kind(t: ValueType | str) -> str:
        if isinstance(t, ValueType):
            return {
                "code": "str",
                "text": "str",
                "number": "number",
                "bool": "bool",
                "codes": "codes",
            }[t.kind]
        return "bool" if t == "boolexpr" else t

    def check_codes(t: ValueType | str, lits: Sequence[Literal_], where: Node) -> None:
        if isinstance(t, ValueType) and t.codes is not None:
            for lit in lits:
                if isinstance(lit.value, str) and lit.value not in t.codes:
                    allowed = ", ".join(sorted(t.codes))
                    issues.append(
                        ConditionIssue(
                            "type",
                            f"'{lit.value}' is not an option of {where} (options: {allowed})",
                            lit.offset,
                            lit.value,
                        )
                    )

    def compare(n: Compare) -> None:
        lt, rt = type_of(n.left), type_of(n.right)
        if lt is None or rt is None:
            return
        lk, rk = scalar_kind(lt), scalar_kind(rt)
        if n.op in ("in", "not in"):
            if rk == "list":
                assert isinstance(n.right, ListLit)
                if lk not in ("str", "number"):
                    issues.append(
                        ConditionIssue(
                            "type",
                            f"'{n.op}' with a list needs a code, "
                            f"text or number on the left, not {lk}",
                            n.offset,
                            str(n.left),
                        )
                    )
                    return
                for lit in n.right.values:
                    k = scalar_kind(
                        "bool"
                        if isinstance(lit.value, bool)
                        else "str"
                        if isinstance(lit.value, str)
                        else "number"
                    )
                    if k != lk:
                        issues.append(
                            ConditionIssue(
                                "type",
                                f"the list holds {k} {lit} but {n.left} is {lk}",
                                lit.offset,
                                str(lit),
                            )
                        )
                check_codes(lt, n.right.values, n.left)
            elif rk == "codes":
                if lk != "str" or not isinstance(n.left, Literal_):
                    issues.append(
                        ConditionIssue(
                            "type",
                            f"'{n.op}' with a multiple-choice "
                            "answer needs an option code in quotes on "
                            "the left",
                            n.offset,
                            str(n.left),
                        )
                    )
                    return
                check_codes(rt, [n.left], n.right)
            else:
                issues.append(
                    ConditionIssue(
                        "type",
                        f"'{n.op}' needs a list or a multiple-choice answer on the right",
                        n.offset,
                        str(n.right),
                    )
                )
            return
        if n.op in ("<", "<=", ">", ">="):
            for side, k in ((n.left, lk), (n.right, rk)):
                if k != "number":
                    issues.append(
                        ConditionIssue(
                            "type",
                            f"'{n.op}' compares numbers, but {side} is {k}",
                            n.offset,
                            str(side),
                        )
                    )
            return
        if lk != rk or lk in ("codes", "list"):
            issues.append(
                ConditionIssue(
                    "type",
                    f"cannot compare {n.left} ({lk}) with {n.right} ({rk})",
                    n.offset,
                    str(n.right),
                )
            )
            return
        if isinstance(n.right, Literal_):
            check_codes(lt, [n.right], n.left)
        if isinstance(n.left, Literal_):
            check_codes(rt, [n.left], n.right)

    def boolean(n: Node) -> None:
        if isinstance(n, BoolOp):
            for a in n.args:
                boolean(a)
        elif isinstance(n, Not):
            boolean(n.arg)
        elif isinstance(n, Compare):
            compare(n)
        else:
            t = type_of(n)
            if t is None:
                return
            if scalar_kind(t) != "bool":
                issues.append(
                    ConditionIssue(
                        "type",
                        f'{n} is not a yes/no value; compare it (e.g. == "code")',
                        getattr(n, "offset", 0),
                        str(n),
                    )
                )

    boolean(cond.tree)
    return issues
