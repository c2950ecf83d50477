r"""The small, safe expression language of questionnaire ``when:`` conditions.

Questionnaires are written by third parties, so a condition is never handed to ``eval``,
``exec``, ``compile`` or ``ast.literal_eval``: a hand-written tokenizer and recursive-descent
parser turn it into an immutable tree of the node classes below, and that tree is all that is
ever evaluated.

Grammar
-------
::

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

    STRING     := '...' or "..." ; the escapes \" \' \\ and no others
    NUMBER     := -?[0-9]+(\.[0-9]+)?      e.g. 12, -3, 0.5 (no exponent, no '+')
    NAME       := [A-Za-z_][A-Za-z0-9_]*

Keywords (``and or not in true false answer profile``) are lower case. Whitespace between
tokens is free. ``not`` binds tighter than ``and``, which binds tighter than ``or``;
comparisons cannot be chained (``1 < x < 5`` is an error: write ``1 < x and x < 5``). A bare
reference is a yes/no test of a boolean item: ``answer("sp.makes_products")``.
A condition is at most 2,000 characters long and nested at most 50 levels deep (parentheses and
``not``); beyond that it is refused with a :class:`ConditionSyntaxError`, never a
``RecursionError``.

Examples::

    answer("sp.makes_products")
    answer("sf.machines_connected") < 90 and profile.size_class != "micro"
    answer("sp.connectivity") in ["partial", "company", "integrated"]
    "mes" in answer("sf.systems") or not answer("ds.offers_services")

Types
-----
:func:`check` compares a condition with the types of the items and profile fields
(:class:`ValueType`) and reports every unknown id and type mismatch: ``<`` ``<=`` ``>`` ``>=``
compare numbers; ``==`` and ``!=`` compare a choice or a text with a text, a number with a
number, a yes/no value with ``true``/``false`` (two references may be compared when their types
match); ``x in [...]`` needs a choice, text or number ``x`` and list values of the same type;
``"code" in answer("multi")`` needs a multiple-choice answer; option codes must exist; the
operands of ``and``, ``or`` and ``not`` must be yes/no values.

Evaluation
----------
Answers can be missing (absent, ``None`` — which also stands for N/A and "don't know" — or a
float NaN), so evaluation uses three-valued (Kleene) logic with ``None`` for unknown:

- a comparison that uses a missing value is unknown;
- a comparison whose values do not have the types it needs (which :func:`check` rules out) is
  unknown as well;
- ``a and b`` is false if any side is false, else unknown if any side is unknown, else true;
  ``or`` is the dual; ``not`` of unknown is unknown.

Values are: a choice → ``str``; a multiple choice → ``frozenset[str]`` (any ``set``); a number
→ ``int`` or ``float``; a yes/no answer → ``bool``; a text → ``str``. Numbers and booleans are
never equal to each other. :meth:`Condition.evaluate` evaluates one respondent;
:meth:`Condition.evaluate_batch` evaluates columns of many at once with numpy and gives the same
answer row by row.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

from maturity.errors import MaturityError, list_allowed, suggest

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "AnswerRef",
    "BoolOp",
    "Compare",
    "Condition",
    "ConditionIssue",
    "ConditionSyntaxError",
    "Const",
    "ConstList",
    "Node",
    "Not",
    "ProfileRef",
    "ValueType",
    "check",
    "parse",
]

#: Longest accepted condition, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of parentheses and ``not``.
MAX_DEPTH = 50

#: The reserved words of the language (lower case only).
KEYWORDS = ("and", "or", "not", "in", "true", "false", "answer", "profile")


class ConditionSyntaxError(MaturityError, ValueError):
    """A condition cannot be parsed.

    ``message`` says what is wrong in words for questionnaire authors; ``offset`` is the 0-based
    character offset of the problem in the condition's source.
    """

    message: str
    offset: int

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return self.message


# --- tree --------------------------------------------------------------------------------
# Every node records ``offset``, the position of its first character in the source; offsets
# take no part in equality, so trees parsed from differently spaced sources compare equal.


@dataclass(frozen=True, slots=True)
class Const:
    """A constant: a text (``str``), a number (``float``) or ``true``/``false`` (``bool``)."""

    value: str | float | bool
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, str):
            return _quote(self.value)
        return _format_number(self.value)


@dataclass(frozen=True, slots=True)
class ConstList:
    """A list of constants, the right side of ``in``."""

    values: tuple[Const, ...]
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.values)) + "]"


@dataclass(frozen=True, slots=True)
class AnswerRef:
    """``answer("item")``: the answer to an item."""

    item: str
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"answer({_quote(self.item)})"


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """``profile.name``: a field of the respondent's profile."""

    name: str
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"profile.{self.name}"


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison (``==`` ... ``>=``) or a membership test (``in``, ``not in``).

    ``op_offset`` is the position of the operator.
    """

    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    left: Node
    right: Node
    offset: int = field(default=0, compare=False)
    op_offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{_operand_str(self.left)} {self.op} {_operand_str(self.right)}"


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``and`` / ``or`` over two or more operands (a chain is kept flat)."""

    op: Literal["and", "or"]
    args: tuple[Node, ...]
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        def part(a: Node) -> str:
            nested = isinstance(a, BoolOp) and (self.op == "and" or a.op == "or")
            return f"({a})" if nested else str(a)

        return f" {self.op} ".join(part(a) for a in self.args)


@dataclass(frozen=True, slots=True)
class Not:
    """``not x``."""

    arg: Node
    offset: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"not ({self.arg})" if isinstance(self.arg, BoolOp) else f"not {self.arg}"


#: Any node of a condition tree.
Node: TypeAlias = Const | ConstList | AnswerRef | ProfileRef | Compare | BoolOp | Not


def _operand_str(n: Node) -> str:
    return f"({n})" if isinstance(n, Compare | BoolOp | Not) else str(n)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_number(x: float) -> str:
    """Plain decimal notation (never an exponent), exact enough to parse back to ``x``."""
    x = float(x)
    if x.is_integer():
        return str(int(x))
    return format(Decimal(repr(x)), "f")


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, Compare):
        return (n.left, n.right)
    if isinstance(n, BoolOp):
        return n.args
    if isinstance(n, Not):
        return (n.arg,)
    if isinstance(n, ConstList):
        return n.values
    return ()


def _walk(n: Node) -> list[Node]:
    out: list[Node] = []
    stack = [n]
    while stack:
        x = stack.pop()
        out.append(x)
        stack.extend(reversed(_children(x)))
    return out


# --- tokenizer ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>-?\.?[0-9][0-9A-Za-z_.]*)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""",
    re.VERBOSE | re.DOTALL,
)
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}
_CURLY_QUOTES = "\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2039\u203a"


class _Tok(NamedTuple):
    kind: Literal["num", "str", "op", "punct", "name", "end", "error"]
    text: str
    offset: int
    value: str | float | None = None
    error: ConditionSyntaxError | None = None


def _char(ch: str) -> str:
    return f"'{ch}'" if ch.isprintable() else f"the invisible character U+{ord(ch):04X}"


def _bad_char(src: str, pos: int) -> ConditionSyntaxError:
    ch = src[pos]
    if ch in "\"'":
        return ConditionSyntaxError(f"unterminated string (add the closing {ch})", pos)
    if ch == "=":
        return ConditionSyntaxError("'=' is not an operator; use '=='", pos)
    if ch == "!":
        return ConditionSyntaxError(
            "'!' is not an operator; use 'not' (or '!=' for 'not equal')", pos
        )
    if ch in "&|":
        word = "and" if ch == "&" else "or"
        return ConditionSyntaxError(f"'{ch}' is not an operator; use '{word}'", pos)
    if ch == "-":
        return ConditionSyntaxError(
            "'-' must be directly followed by a number, as in -5 (there is no arithmetic)", pos
        )
    if ch in "+*/%^":
        return ConditionSyntaxError(f"'{ch}': conditions cannot do arithmetic", pos)
    if ch in _CURLY_QUOTES:
        return ConditionSyntaxError(
            f"typographic quote '{ch}' is not allowed; use straight quotes \" or '", pos
        )
    if ch in "{}":
        return ConditionSyntaxError(f'\'{ch}\' is not allowed; lists are written ["a", "b"]', pos)
    return ConditionSyntaxError(f"unexpected character {_char(ch)}", pos)


def _unescape(text: str, offset: int) -> str:
    out: list[str] = []
    i = 1
    while i < len(text) - 1:
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            if nxt not in _ESCAPES:
                raise ConditionSyntaxError(
                    f"unknown escape '\\{nxt}' in a string; only \\\", \\' and \\\\ are allowed",
                    offset + i,
                )
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tokens(src: str) -> list[_Tok]:
    """The tokens of ``src``, ending with an ``end`` token, or with an ``error`` token at the
    first unreadable place: the parser raises it only when it gets there, so that the first
    problem in the text is the one reported.
    """
    out: list[_Tok] = []
    pos = 0
    try:
        while pos < len(src):
            m = _TOKEN.match(src, pos)
            if m is None:
                raise _bad_char(src, pos)
            kind, text = m.lastgroup, m.group()
            if kind == "num":
                if not _NUMBER_RE.fullmatch(text):
                    raise ConditionSyntaxError(
                        f"'{text}' is not a number; write numbers like 12, -3 or 0.5", pos
                    )
                value = float(text)
                if not math.isfinite(value):
                    raise ConditionSyntaxError(f"the number '{text}' is too large", pos)
                out.append(_Tok("num", text, pos, value))
            elif kind == "str":
                out.append(_Tok("str", text, pos, _unescape(text, pos)))
            elif kind in ("op", "punct", "name"):
                out.append(_Tok(kind, text, pos))  # type: ignore[arg-type]
            pos = m.end()
    except ConditionSyntaxError as exc:
        out.append(_Tok("error", "", exc.offset, error=exc))
        return out
    out.append(_Tok("end", "", len(src)))
    return out


# --- parser ------------------------------------------------------------------------------

_VALUE_FORMS = 'answer("id"), profile.NAME, a quoted text, a number, true or false'


def _shown(t: _Tok) -> str:
    return "the end" if t.kind == "end" else f"'{t.text}'"


def _keyword_hint(word: str) -> str:
    if word.lower() in KEYWORDS and word not in KEYWORDS:
        return f"; keywords are lower case: write '{word.lower()}'"
    close = difflib.get_close_matches(word, KEYWORDS, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0
        self.depth = 0

    def at(self, j: int) -> _Tok:
        t = self.toks[min(j, len(self.toks) - 1)]
        if t.error is not None:
            raise t.error
        return t

    @property
    def tok(self) -> _Tok:
        return self.at(self.i)

    @property
    def prev(self) -> _Tok | None:
        return self.toks[self.i - 1] if self.i else None

    def take(self) -> _Tok:
        t = self.at(self.i)
        self.i += 1
        return t

    def is_word(self, word: str, ahead: int = 0) -> bool:
        t = self.at(self.i + ahead)
        return t.kind == "name" and t.text == word

    def is_punct(self, text: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == text

    def expect(self, text: str, after: str) -> _Tok:
        if not self.is_punct(text):
            raise ConditionSyntaxError(
                f"expected '{text}' after {after}, found {_shown(self.tok)}", self.tok.offset
            )
        return self.take()

    def enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                f"the condition is nested more than {MAX_DEPTH} levels deep; simplify it", offset
            )

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> Node:
        node = self.or_expr()
        t = self.tok
        if t.kind != "end":
            raise self.leftover(t)
        return node

    def leftover(self, t: _Tok) -> ConditionSyntaxError:
        """The error for a token that follows a complete condition."""
        if t.kind == "punct" and t.text == ")":
            return ConditionSyntaxError("')' has no matching '('", t.offset)
        if t.kind == "punct" and t.text == ".":
            return ConditionSyntaxError(
                "unexpected '.'; a '.' is only allowed in profile.NAME", t.offset
            )
        if t.kind == "punct" and t.text == "(":
            return ConditionSyntaxError(
                "unexpected '('; the only function is answer(\"id\")", t.offset
            )
        if t.kind == "punct" and t.text == ",":
            return ConditionSyntaxError(
                "unexpected ','; commas only separate list values "
                "(decimals are written with a point, e.g. 1.5)",
                t.offset,
            )
        if t.kind == "name" and t.text not in KEYWORDS:
            hint = _keyword_hint(t.text)
            if hint:
                return ConditionSyntaxError(f"unknown word '{t.text}'{hint}", t.offset)
        return ConditionSyntaxError(
            f"expected 'and', 'or', a comparison or the end, found {_shown(t)}", t.offset
        )

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
            self.enter(t.offset)
            inner = self.not_expr()
            self.leave()
            return Not(inner, t.offset)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        t = self.tok
        op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
        if t.kind == "op":
            self.take()
            op = t.text  # type: ignore[assignment]
        elif self.is_word("in"):
            self.take()
            op = "in"
        elif self.is_word("not") and self.is_word("in", 1):
            self.take()
            self.take()
            op = "not in"
        else:
            return left
        node = Compare(op, left, self.operand(), left.offset, t.offset)
        nxt = self.tok
        if (
            nxt.kind == "op"
            or self.is_word("in")
            or (self.is_word("not") and self.is_word("in", 1))
        ):
            raise ConditionSyntaxError(
                "comparisons cannot be chained; join them with 'and', e.g. 1 < x and x < 5",
                nxt.offset,
            )
        return node

    def literal(self) -> Const | None:
        t = self.tok
        if t.kind in ("str", "num"):
            self.take()
            assert t.value is not None
            return Const(t.value, t.offset)
        if t.kind == "name" and t.text in ("true", "false"):
            self.take()
            return Const(t.text == "true", t.offset)
        return None

    def operand(self) -> Node:
        t = self.tok
        lit = self.literal()
        if lit is not None:
            return lit
        if t.kind == "punct" and t.text == "(":
            self.take()
            self.enter(t.offset)
            inner = self.or_expr()
            self.leave()
            if not self.is_punct(")"):
                c = self.tok
                if c.kind == "end":
                    raise ConditionSyntaxError(
                        f"the '(' at character {t.offset + 1} is never closed; add ')'", c.offset
                    )
                raise ConditionSyntaxError(
                    f"expected ')' to close the '(' at character {t.offset + 1}, found {_shown(c)}",
                    c.offset,
                )
            self.take()
            return inner
        if t.kind == "punct" and t.text == "[":
            return self.list_()
        if t.kind == "name" and t.text == "answer":
            self.take()
            self.expect("(", "'answer'")
            s = self.tok
            if s.kind != "str":
                raise ConditionSyntaxError(
                    'answer() takes an item id in quotes, e.g. answer("sf.machines")', s.offset
                )
            self.take()
            self.expect(")", f"answer({s.text}")
            assert isinstance(s.value, str)
            return AnswerRef(s.value, t.offset)
        if t.kind == "name" and t.text == "profile":
            self.take()
            self.expect(".", "'profile'")
            f = self.tok
            if f.kind != "name":
                raise ConditionSyntaxError(
                    "expected a profile field after 'profile.', e.g. profile.sector", f.offset
                )
            self.take()
            return ProfileRef(f.text, t.offset)
        if t.kind == "name" and t.text not in KEYWORDS:
            hint = _keyword_hint(t.text) or f" (a value is {_VALUE_FORMS})"
            raise ConditionSyntaxError(f"unknown name '{t.text}'{hint}", t.offset)
        prev = self.prev
        if t.kind == "end":
            if prev is None:
                raise ConditionSyntaxError("the condition is empty", t.offset)
            raise ConditionSyntaxError(
                f"the condition ends too early: expected a value after '{prev.text}'", t.offset
            )
        where = f"after '{prev.text}'" if prev is not None else "at the start"
        raise ConditionSyntaxError(
            f"expected a value ({_VALUE_FORMS}) {where}, found '{t.text}'", t.offset
        )

    def list_(self) -> ConstList:
        start = self.take()
        values: list[Const] = []
        if self.is_punct("]"):
            self.take()
            return ConstList((), start.offset)
        while True:
            lit = self.literal()
            if lit is None:
                t = self.tok
                if t.kind == "punct" and t.text == "]" and values:
                    raise ConditionSyntaxError(
                        "expected a value after ',' (remove the last ',')", t.offset
                    )
                raise ConditionSyntaxError(
                    f"a list may hold only quoted texts, numbers, true or false; found {_shown(t)}",
                    t.offset,
                )
            values.append(lit)
            if self.is_punct(","):
                self.take()
            elif self.is_punct("]"):
                self.take()
                return ConstList(tuple(values), start.offset)
            else:
                t = self.tok
                if t.kind == "end":
                    raise ConditionSyntaxError(
                        f"the '[' at character {start.offset + 1} is never closed; add ']'",
                        t.offset,
                    )
                raise ConditionSyntaxError(
                    f"expected ',' or ']' in the list, found {_shown(t)}", t.offset
                )


# --- public objects ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValueType:
    """The type of an item's answer or of a profile field, as seen by conditions.

    ``kind`` is ``"code"`` (a single choice), ``"codes"`` (a multiple choice: a set of codes),
    ``"number"``, ``"bool"`` (yes/no) or ``"text"``; ``codes`` lists the allowed option codes of
    ``"code"`` and ``"codes"`` (``None``: not checked).
    """

    kind: Literal["code", "codes", "number", "bool", "text"]
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ConditionIssue:
    """A problem found by :func:`check`.

    ``kind`` is ``"unknown-item"``, ``"unknown-profile"`` (``found`` is the id, and the message
    has no "did you mean": the caller adds it) or ``"type"`` (``found`` is the offending
    literal or operand); ``offset`` is the 0-based position in the source.
    """

    kind: Literal["unknown-item", "unknown-profile", "type"]
    message: str
    offset: int
    found: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: its ``source`` text and its ``tree``.

    Two conditions are equal when their sources are. ``str()`` gives a canonical spelling that
    :func:`parse` reads back to the same tree.
    """

    source: str
    tree: Node = field(compare=False, repr=False)
    _answer_refs: frozenset[str] = field(init=False, compare=False, repr=False)
    _profile_refs: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        nodes = _walk(self.tree)
        refs = frozenset(n.item for n in nodes if isinstance(n, AnswerRef))
        object.__setattr__(self, "_answer_refs", refs)
        names = frozenset(n.name for n in nodes if isinstance(n, ProfileRef))
        object.__setattr__(self, "_profile_refs", names)

    def __str__(self) -> str:
        return str(self.tree)

    @property
    def answer_refs(self) -> frozenset[str]:
        """The ids of the items whose answers the condition uses."""
        return self._answer_refs

    @property
    def profile_refs(self) -> frozenset[str]:
        """The profile fields the condition uses."""
        return self._profile_refs

    def evaluate(self, answers: Mapping[str, object], profile: Mapping[str, object]) -> bool | None:
        """Evaluate for one respondent: True, False, or None when unknown (Kleene logic).

        ``answers`` maps item ids to answers and ``profile`` field names to values; an absent
        key, ``None`` or a float NaN is a missing value.
        """
        return _Eval(answers, profile).truth(self.tree)

    def evaluate_batch(
        self,
        answers: Mapping[str, Sequence[object] | npt.NDArray[Any]],
        profile: Mapping[str, Sequence[object] | npt.NDArray[Any]],
        n: int,
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Evaluate for ``n`` respondents at once; returns boolean arrays ``(value, known)``.

        ``answers`` and ``profile`` map names to columns of length ``n`` (lists, object arrays
        or numeric arrays, where NaN is missing) with the value conventions of :meth:`evaluate`;
        an absent column is all missing. ``value`` is meaningful where ``known`` is True (it is
        False elsewhere). Row ``i`` agrees with :meth:`evaluate` on row ``i``.
        """
        return _Batch(answers, profile, n).truth(self.tree)


def parse(source: str) -> Condition:
    """Parse a condition; raises :class:`ConditionSyntaxError` with a message and an offset."""
    if len(source) > MAX_LENGTH:
        raise ConditionSyntaxError(
            f"the condition is longer than {MAX_LENGTH} characters; simplify it", MAX_LENGTH
        )
    if not source.strip():
        raise ConditionSyntaxError("the condition is empty", 0)
    return Condition(source, _Parser(source).parse())


# --- evaluation, one respondent ----------------------------------------------------------
# A value is a (kind, payload) pair. Kinds:

_MISSING, _NUMBER, _TEXT, _BOOL, _CODES, _LIST, _OTHER = range(7)
_Value: TypeAlias = tuple[int, Any]
_MISSING_VALUE: _Value = (_MISSING, None)
_EQUALITY_KINDS = (_NUMBER, _TEXT, _BOOL, _CODES)


def _norm(v: object) -> _Value:
    """Classify an answer or profile value (numpy scalars are taken as their Python value)."""
    if v is None:
        return _MISSING_VALUE
    if isinstance(v, bool):
        return (_BOOL, v)
    if isinstance(v, str):
        return (_TEXT, str(v))
    if isinstance(v, int | float):
        x = float(v)
        return _MISSING_VALUE if math.isnan(x) else (_NUMBER, x)
    if isinstance(v, frozenset | set):
        return (_CODES, frozenset(v))
    if type(v).__module__ == "numpy" and hasattr(v, "item") and getattr(v, "ndim", None) == 0:
        return _norm(v.item())
    return (_OTHER, v)


def _const(c: Const) -> _Value:
    if isinstance(c.value, bool):
        return (_BOOL, c.value)
    if isinstance(c.value, str):
        return (_TEXT, c.value)
    return (_NUMBER, float(c.value))


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Eval:
    def __init__(self, answers: Mapping[str, object], profile: Mapping[str, object]) -> None:
        self.answers = answers
        self.profile = profile

    def value(self, n: Node) -> _Value:
        if isinstance(n, Const):
            return _const(n)
        if isinstance(n, ConstList):
            return (_LIST, tuple(_const(c) for c in n.values))
        if isinstance(n, AnswerRef):
            return _norm(self.answers.get(n.item))
        if isinstance(n, ProfileRef):
            return _norm(self.profile.get(n.name))
        t = self.truth(n)
        return _MISSING_VALUE if t is None else (_BOOL, t)

    def truth(self, n: Node) -> bool | None:
        if isinstance(n, BoolOp):
            vals = [self.truth(a) for a in n.args]
            decisive = n.op == "or"  # the value that settles the result
            if decisive in vals:
                return decisive
            return None if None in vals else not decisive
        if isinstance(n, Not):
            t = self.truth(n.arg)
            return None if t is None else not t
        if isinstance(n, Compare):
            return self.compare(n)
        kind, v = self.value(n)
        return bool(v) if kind == _BOOL else None

    def compare(self, n: Compare) -> bool | None:
        (ak, a), (bk, b) = self.value(n.left), self.value(n.right)
        if ak == _MISSING or bk == _MISSING:
            return None
        if n.op in ("==", "!="):
            if ak != bk or ak not in _EQUALITY_KINDS:
                return None
            return bool(a == b) == (n.op == "==")
        if n.op in _ORDER:
            if ak != _NUMBER or bk != _NUMBER:
                return None
            return bool(_ORDER[n.op](a, b))
        inside: bool
        if bk == _LIST and ak in (_NUMBER, _TEXT):
            inside = any(ek == ak and e == a for ek, e in b)
        elif bk == _CODES and ak == _TEXT:
            inside = a in b
        else:
            return None
        return inside if n.op == "in" else not inside


# --- evaluation, many respondents ---------------------------------------------------------


class _Column:
    """Values of ``n`` rows: a kind per row and one payload array per kind (None: no row has
    that kind).
    """

    __slots__ = ("codes", "flag", "kind", "n", "num", "text")

    def __init__(
        self,
        n: int,
        kind: npt.NDArray[np.int8],
        *,
        num: npt.NDArray[np.float64] | None = None,
        text: npt.NDArray[np.object_] | None = None,
        flag: npt.NDArray[np.bool_] | None = None,
        codes: npt.NDArray[np.object_] | None = None,
    ) -> None:
        self.n = n
        self.kind = kind
        self.num = num
        self.text = text
        self.flag = flag
        self.codes = codes

    def nums(self) -> npt.NDArray[np.float64]:
        import numpy as np

        return np.full(self.n, np.nan) if self.num is None else self.num

    def texts(self) -> npt.NDArray[np.object_]:
        import numpy as np

        return np.full(self.n, None, dtype=object) if self.text is None else self.text

    def flags(self) -> npt.NDArray[np.bool_]:
        import numpy as np

        return np.zeros(self.n, dtype=bool) if self.flag is None else self.flag

    def sets(self) -> npt.NDArray[np.object_]:
        import numpy as np

        return np.full(self.n, None, dtype=object) if self.codes is None else self.codes

    def of(self, kind: int) -> npt.NDArray[np.bool_]:
        import numpy as np

        return np.asarray(self.kind == kind, dtype=bool)


def _column(name: str, data: Sequence[object] | npt.NDArray[Any], n: int) -> _Column:
    import numpy as np

    if len(data) != n:
        raise ValueError(f"column '{name}' has {len(data)} values, expected {n}")
    if isinstance(data, np.ndarray) and data.ndim == 1 and data.dtype.kind in "fiub":
        if data.dtype.kind == "b":
            return _Column(n, np.full(n, _BOOL, dtype=np.int8), flag=data.astype(bool))
        num = data.astype(np.float64)
        kind = np.where(np.isnan(num), _MISSING, _NUMBER).astype(np.int8)
        return _Column(n, kind, num=num)
    values = data.tolist() if isinstance(data, np.ndarray) else list(data)
    # plain texts and None are by far the most common cells: skip the call for them
    pairs = [
        (_TEXT, v) if type(v) is str else _MISSING_VALUE if v is None else _norm(v) for v in values
    ]
    kind = np.fromiter((k for k, _ in pairs), dtype=np.int8, count=n)
    col = _Column(n, kind)
    present = set(kind.tolist())
    if _NUMBER in present:
        col.num = np.fromiter((v if k == _NUMBER else np.nan for k, v in pairs), np.float64, n)
    if _TEXT in present:
        col.text = np.fromiter((v if k == _TEXT else None for k, v in pairs), object, n)
    if _BOOL in present:
        col.flag = np.fromiter((k == _BOOL and v for k, v in pairs), bool, n)
    if _CODES in present:
        col.codes = np.fromiter((v if k == _CODES else None for k, v in pairs), object, n)
    return col


def _eq_objects(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    import numpy as np

    return np.asarray(a == b, dtype=bool)


class _Batch:
    def __init__(
        self,
        answers: Mapping[str, Sequence[object] | npt.NDArray[Any]],
        profile: Mapping[str, Sequence[object] | npt.NDArray[Any]],
        n: int,
    ) -> None:
        self.answers = answers
        self.profile = profile
        self.n = n
        self.cache: dict[tuple[str, str], _Column] = {}

    def ref(self, where: str, source: Mapping[str, Any], name: str) -> _Column:
        import numpy as np

        key = (where, name)
        if key not in self.cache:
            data = source.get(name)
            if data is None:
                self.cache[key] = _Column(self.n, np.zeros(self.n, dtype=np.int8))
            else:
                self.cache[key] = _column(name, data, self.n)
        return self.cache[key]

    def value(self, node: Node) -> _Column:
        import numpy as np

        n = self.n
        if isinstance(node, Const):
            k, v = _const(node)
            col = _Column(n, np.full(n, k, dtype=np.int8))
            if k == _NUMBER:
                col.num = np.full(n, v, dtype=np.float64)
            elif k == _TEXT:
                col.text = np.full(n, v, dtype=object)
            else:
                col.flag = np.full(n, v, dtype=bool)
            return col
        if isinstance(node, ConstList):
            return _Column(n, np.full(n, _LIST, dtype=np.int8))
        if isinstance(node, AnswerRef):
            return self.ref("answer", self.answers, node.item)
        if isinstance(node, ProfileRef):
            return self.ref("profile", self.profile, node.name)
        value, known = self.truth(node)
        kind = np.where(known, _BOOL, _MISSING).astype(np.int8)
        return _Column(n, kind, flag=value)

    def truth(self, node: Node) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        import numpy as np

        if isinstance(node, BoolOp):
            parts = [self.truth(a) for a in node.args]
            decisive = node.op == "or"
            settled = np.zeros(self.n, dtype=bool)  # some operand has the decisive value
            all_known = np.ones(self.n, dtype=bool)
            for v, k in parts:
                settled |= k & (v == decisive)
                all_known &= k
            known = settled | all_known
            value = settled if decisive else all_known & ~settled
            return value, known
        if isinstance(node, Not):
            v, k = self.truth(node.arg)
            return ~v & k, k
        if isinstance(node, Compare):
            return self.compare(node)
        col = self.value(node)
        known = col.of(_BOOL)
        return col.flags() & known, known

    def compare(self, node: Compare) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        import numpy as np

        a = self.value(node.left)
        op = node.op
        if op in ("in", "not in") and isinstance(node.right, ConstList):
            known = a.of(_NUMBER) | a.of(_TEXT)
            hit = np.zeros(self.n, dtype=bool)
            for c in node.right.values:
                if isinstance(c.value, bool):
                    continue
                if isinstance(c.value, str):
                    hit |= a.of(_TEXT) & _eq_objects(a.texts(), np.full(self.n, c.value, object))
                else:
                    with np.errstate(invalid="ignore"):
                        hit |= a.of(_NUMBER) & (a.nums() == c.value)
        else:
            b = self.value(node.right)
            if op in ("==", "!="):
                nums = a.of(_NUMBER) & b.of(_NUMBER)
                texts = a.of(_TEXT) & b.of(_TEXT)
                flags = a.of(_BOOL) & b.of(_BOOL)
                sets = a.of(_CODES) & b.of(_CODES)
                known = nums | texts | flags | sets
                with np.errstate(invalid="ignore"):
                    eq = nums & (a.nums() == b.nums())
                eq |= texts & _eq_objects(a.texts(), b.texts())
                eq |= flags & (a.flags() == b.flags())
                eq |= sets & _eq_objects(a.sets(), b.sets())
                return (eq if op == "==" else ~eq & known), known
            if op in _ORDER:
                known = a.of(_NUMBER) & b.of(_NUMBER)
                with np.errstate(invalid="ignore"):
                    value = np.asarray(_ORDER[op](a.nums(), b.nums()), dtype=bool)
                return value & known, known
            known = a.of(_TEXT) & b.of(_CODES)
            hit = np.zeros(self.n, dtype=bool)
            rows = np.flatnonzero(known)
            if rows.size:
                pairs = zip(a.texts()[rows], b.sets()[rows], strict=True)
                hit[rows] = np.fromiter((x in s for x, s in pairs), bool, rows.size)
        hit &= known
        return (hit if op == "in" else ~hit & known), known


# --- type checking -----------------------------------------------------------------------


class _Ty(NamedTuple):
    """The checker's view of an operand's type: a ValueType kind, or "list"."""

    kind: str
    codes: frozenset[str] | None = None


_GROUP = {"code": "text", "text": "text", "number": "number", "bool": "bool", "codes": "codes"}
_DESCRIBE = {
    "code": "a choice (an option code)",
    "text": "a text",
    "number": "a number",
    "bool": "a yes/no value",
    "codes": "a multiple-choice answer (a set of option codes)",
    "list": "a list",
}


def _group(t: _Ty) -> str:
    return _GROUP.get(t.kind, t.kind)


def check(
    cond: Condition, items: Mapping[str, ValueType], profile: Mapping[str, ValueType]
) -> list[ConditionIssue]:
    """Every unknown id and type mismatch in ``cond``, in source order (empty when sound).

    ``items`` maps item ids, and ``profile`` profile fields, to their types.
    """
    return _Checker(items, profile).run(cond.tree)


class _Checker:
    def __init__(self, items: Mapping[str, ValueType], profile: Mapping[str, ValueType]) -> None:
        self.items = items
        self.profile = profile
        self.issues: list[ConditionIssue] = []

    def run(self, tree: Node) -> list[ConditionIssue]:
        self.boolean(tree)
        return sorted(self.issues, key=lambda i: i.offset)

    def type_issue(self, message: str, at: Node, found: str | None = None) -> None:
        self.issues.append(ConditionIssue("type", message, at.offset, found or str(at)))

    def type_of(self, n: Node) -> _Ty | None:
        """The type of an operand, or None when it is unknown (and already reported)."""
        if isinstance(n, AnswerRef):
            t = self.items.get(n.item)
            if t is None:
                self.issues.append(
                    ConditionIssue("unknown-item", f"unknown item '{n.item}'", n.offset, n.item)
                )
                return None
            return _Ty(t.kind, t.codes)
        if isinstance(n, ProfileRef):
            t = self.profile.get(n.name)
            if t is None:
                self.issues.append(
                    ConditionIssue(
                        "unknown-profile", f"unknown profile field '{n.name}'", n.offset, n.name
                    )
                )
                return None
            return _Ty(t.kind, t.codes)
        if isinstance(n, Const):
            if isinstance(n.value, bool):
                return _Ty("bool")
            return _Ty("text" if isinstance(n.value, str) else "number")
        if isinstance(n, ConstList):
            return _Ty("list")
        self.boolean(n)
        return _Ty("bool")

    def codes_exist(self, t: _Ty, owner: Node, lits: Iterable[Const]) -> None:
        """Report every text literal that is not an option code of ``owner``."""
        if t.kind not in ("code", "codes") or t.codes is None:
            return
        for lit in lits:
            if isinstance(lit.value, str) and lit.value not in t.codes:
                self.type_issue(
                    f"'{lit.value}' is not an option of {owner} "
                    f"(options: {list_allowed(t.codes)}){suggest(lit.value, t.codes)}",
                    lit,
                    lit.value,
                )

    def boolean(self, n: Node) -> None:
        """Check a node used as a yes/no value."""
        if isinstance(n, BoolOp):
            for a in n.args:
                self.boolean(a)
        elif isinstance(n, Not):
            self.boolean(n.arg)
        elif isinstance(n, Compare):
            self.compare(n)
        else:
            t = self.type_of(n)
            if t is None or t.kind == "bool":
                return
            example = {
                "code": f' == "{min(t.codes)}"' if t.codes else ' == "code"',
                "text": ' == "text"',
                "number": " > 0",
            }.get(t.kind)
            if t.kind == "codes":
                first = min(t.codes) if t.codes else "code"
                hint = f'; test it, e.g. "{first}" in {n}'
            elif example is not None:
                hint = f"; compare it, e.g. {n}{example}"
            else:
                hint = ""
            self.type_issue(f"{n} is {_DESCRIBE[t.kind]}, not a yes/no value{hint}", n)

    def compare(self, n: Compare) -> None:
        lt, rt = self.type_of(n.left), self.type_of(n.right)
        if n.op in ("in", "not in"):
            self.membership(n, lt, rt)
        elif n.op in _ORDER:
            for side, t in ((n.left, lt), (n.right, rt)):
                if t is None or t.kind == "number":
                    continue
                hint = ""
                if t.kind == "code":
                    example = min(t.codes) if t.codes else "code"
                    hint = f'; option codes are compared with == or in, e.g. == "{example}"'
                self.type_issue(
                    f"'{n.op}' compares numbers, but {side} is {_DESCRIBE[t.kind]}{hint}", side
                )
        elif lt is not None and rt is not None:
            self.equality(n, lt, rt)

    def equality(self, n: Compare, lt: _Ty, rt: _Ty) -> None:
        lg, rg = _group(lt), _group(rt)
        if lg != rg or lg == "list":
            # point at the literal side, if there is one
            bad, other, other_t = (
                (n.left, n.right, rt) if isinstance(n.left, Const) else (n.right, n.left, lt)
            )
            hint = ""
            if other_t.kind == "bool" and isinstance(bad, Const):
                hint = f"; write {other} == true (or false)"
            elif other_t.kind == "code" and isinstance(bad, Const):
                hint = '; option codes are written in quotes, e.g. "3"'
            elif other_t.kind == "codes" and isinstance(bad, Const):
                hint = f"; to test an option, write {bad} in {other}"
            self.type_issue(
                f"cannot compare {n.left} ({_DESCRIBE[lt.kind]}) "
                f"with {n.right} ({_DESCRIBE[rt.kind]}){hint}",
                bad,
            )
            return
        if isinstance(n.right, Const):
            self.codes_exist(lt, n.left, [n.right])
        if isinstance(n.left, Const):
            self.codes_exist(rt, n.right, [n.left])

    def membership(self, n: Compare, lt: _Ty | None, rt: _Ty | None) -> None:
        if isinstance(n.right, ConstList):
            if lt is None:
                return
            lg = _group(lt)
            if lg not in ("text", "number"):
                self.type_issue(
                    f"'{n.op}' with a list needs a choice, a text or a number on the left, "
                    f"but {n.left} is {_DESCRIBE[lt.kind]}",
                    n.left,
                )
                return
            for lit in n.right.values:
                ct = self.type_of(lit)
                assert ct is not None
                if _group(ct) != lg:
                    self.type_issue(
                        f"the list holds {lit} ({_DESCRIBE[ct.kind]}) "
                        f"but {n.left} is {_DESCRIBE[lt.kind]}",
                        lit,
                    )
            self.codes_exist(lt, n.left, n.right.values)
            return
        if rt is None:
            return
        if rt.kind != "codes":
            self.type_issue(
                f'\'{n.op}\' needs a list (e.g. ["a", "b"]) or a multiple-choice answer '
                f"on the right, but {n.right} is {_DESCRIBE[rt.kind]}",
                n.right,
            )
            return
        if lt is None:
            return
        if _group(lt) != "text":
            self.type_issue(
                f"'{n.op}' with a multiple-choice answer needs an option code in quotes "
                f"on the left, but {n.left} is {_DESCRIBE[lt.kind]}",
                n.left,
            )
            return
        if isinstance(n.left, Const):
            self.codes_exist(rt, n.right, [n.left])
