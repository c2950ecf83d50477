"""Answers as JSON: a list of records, one object per respondent (or ``{"respondents": [...]}``).

Values keep their JSON types (numbers, booleans, lists of codes for multiple choice). Each
value's line and column are kept (through the strict YAML reader, which reads JSON), so that
an error points at the value itself.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError
from maturity.io.registry import Options, answers_format, answers_writer
from maturity.io.table import RawTable

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire
    from maturity.responses import Answer, Responses

__all__ = [
    "json_records",
    "json_text",
    "line_at",
    "parse_json",
    "read_json",
    "record_lines",
    "record_starts",
    "responses_to_json",
]


#: Deepest nesting of arrays and objects accepted (as for YAML files).
MAX_DEPTH = 64
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_ESCAPE = re.compile(r'"(?:[^"\\]|\\.)*"')
_UNICODE_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _fail(name: str, detail: str, text: str | None = None, at: int | None = None) -> None:
    line = col = None
    if text is not None and at is not None:
        line, col = line_at(text, at)
    raise ResponseError(
        [Problem.make("R012", file=name, line=line, column=col, detail=f"invalid JSON: {detail}")]
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key '{k}'")
        out[k] = v
    return out


# a string, as _TOKEN reads one (the same language, written to run fast), and what is not a
# bracket
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _too_deep(text: str) -> int | None:
    """Where arrays and objects nest deeper than :data:`MAX_DEPTH`, if they do.

    The brackets outside strings are kept (by regular expressions) and their depth summed
    with numpy; only a file that does nest too deep is scanned token by token for the place.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    import numpy as np

    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    codes = np.frombuffer(brackets, dtype=np.uint8)
    step = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    if not step.size or int(np.cumsum(step).max()) <= MAX_DEPTH:
        return None
    return _too_deep_at(text)


def _too_deep_at(text: str) -> int | None:
    """Where arrays and objects first nest deeper than :data:`MAX_DEPTH` (token by token)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        t = m.group()
        if t in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif t in "]}":
            depth -= 1
    return None


_KEYS = re.compile(r'("(?:[^"\\]|\\.)*")\s*:|[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _duplicate_key_at(text: str) -> int | None:
    """Where an object names a key it already has, if one does."""
    stack: list[set[str] | None] = []
    for m in _KEYS.finditer(text):
        t = m.group()
        if t in ("{", "["):
            stack.append(set() if t == "{" else None)
        elif t in ("}", "]"):
            if stack:
                stack.pop()
        elif m.group(1) is not None and stack and stack[-1] is not None:
            key = m.group(1)
            if "\\" in key:  # "\u0061" and "a" are one key
                with contextlib.suppress(ValueError):
                    key = json.dumps(json.loads(key))
            if key in stack[-1]:
                return m.start()
            stack[-1].add(key)
    return None


def _lone_surrogate(text: str) -> tuple[int, str] | None:
    """An escape of half a UTF-16 surrogate pair (U+D800 to U+DFFF) without its other half,
    which no UTF-8 text can hold: where, and the escape.
    """
    if "\\u" not in text:
        return None
    for string in _ESCAPE.finditer(text):
        escapes = list(_UNICODE_ESCAPE.finditer(string.group()))
        k = 0
        while k < len(escapes):
            e = escapes[k]
            code = int(e.group(1)[1:], 16) if e.group(1)[0] == "u" and len(e.group(1)) == 5 else -1
            if 0xD800 <= code <= 0xDBFF:
                nxt = escapes[k + 1] if k + 1 < len(escapes) else None
                follows = nxt is not None and nxt.start() == e.end()
                low = (
                    int(nxt.group(1)[1:], 16) if follows and nxt and len(nxt.group(1)) == 5 else -1
                )
                if 0xDC00 <= low <= 0xDFFF:
                    k += 2
                    continue
                return string.start() + e.start(), e.group()
            if 0xDC00 <= code <= 0xDFFF:
                return string.start() + e.start(), e.group()
            k += 1
    return None


def refuse_lone_surrogates(text: str, name: str) -> None:
    """Refuse (``R012``, located) an escape of half a UTF-16 surrogate pair, which the json
    module would turn into a string that no file can hold.
    """
    bad = _lone_surrogate(text)
    if bad is not None:
        _fail(
            name,
            f"'{bad[1]}' is half of a UTF-16 surrogate pair; no text can hold it",
            text,
            bad[0],
        )


class _Mark:
    """The line of a record found without the YAML reader."""

    __slots__ = ("column", "line")

    def __init__(self, line: int) -> None:
        self.line, self.column = line, 1


class _NotJson(ValueError):
    """A value the json module accepts but JSON (RFC 8259, I-JSON) does not: ``token`` is its
    text in the file.
    """

    def __init__(self, token: str, detail: str) -> None:
        super().__init__(detail)
        self.token = token


def _parse_int(token: str) -> int:
    # the length is checked first: int() of thousands of digits is slow, and refused beyond
    # sys.get_int_max_str_digits() with a ValueError that says nowhere where it is
    from maturity.spec.yamlio import MAX_INT

    if len(token.lstrip("-").lstrip("0")) <= 20:
        value = int(token)
        if abs(value) <= MAX_INT:
            return value
    shown = token if len(token) <= 24 else f"{token[:20]}... ({len(token)} characters)"
    raise _NotJson(token, f"the integer {shown} is out of range (at most 2**53 in magnitude)")


def _parse_constant(token: str) -> float:
    raise _NotJson(token, f"invalid JSON: '{token}' is not a JSON number")


_NUMBER_OR_NAME = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|-?Infinity|NaN')


def _token_at(text: str, token: str) -> int | None:
    """Where the number or name ``token`` first occurs outside a string, if it does."""
    for m in _NUMBER_OR_NAME.finditer(text):
        if m.group() == token:
            return m.start()
    return None


def parse_json(text: str, name: str) -> Any:
    """The value of a JSON text, with every fault one located :class:`ResponseError`.

    Refused (``R012``, with the line and column): invalid JSON, nesting deeper than
    :data:`MAX_DEPTH`, a key twice in an object, an integer beyond ``2**53`` in magnitude
    (which no float holds exactly; Python would also refuse to convert one of more than
    4,300 digits), ``NaN``/``Infinity``, which JSON does not have, and a lone surrogate escape.
    """
    refuse_lone_surrogates(text, name)
    deep = _too_deep(text)
    if deep is not None:
        _fail(name, f"nesting deeper than {MAX_DEPTH} levels", text, deep)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as err:
        _fail(name, err.msg, text, err.pos)
    except _NotJson as err:
        at = _token_at(text, err.token)
        line, col = line_at(text, at) if at is not None else (1, None)
        raise ResponseError(
            [Problem.make("R012", file=name, line=line, column=col, detail=str(err))]
        ) from None
    except ValueError as err:  # a duplicate key
        _fail(name, str(err), text, _duplicate_key_at(text) or 0)
    except RecursionError:  # pragma: no cover - refused above
        _fail(name, f"nesting deeper than {MAX_DEPTH} levels", text, 0)
    raise AssertionError  # pragma: no cover


def record_starts(text: str, key: str | None = None) -> list[int]:
    """Where each record of a JSON list of records starts in ``text`` (of the list under
    ``key`` in an object, if given), found by a scan of keys and brackets.
    """
    out: list[int] = []
    stack: list[bool] = []  # per open bracket: is it the list of records
    last = None
    wanted = None if key is None else json.dumps(key)
    for m in _KEYS.finditer(text):
        t = m.group()
        if t in ("[", "{"):
            if stack and stack[-1] and t == "{":
                out.append(m.start())
            records = t == "[" and (
                not stack if wanted is None else len(stack) == 1 and last == wanted
            )
            stack.append(records)
        elif t in ("]", "}"):
            if stack:
                stack.pop()
        elif m.group(1) is not None and len(stack) == 1:
            last = m.group(1)
    return out


def record_lines(text: str, key: str | None = None) -> list[int]:
    """The line each record starts on (see :func:`record_starts`)."""
    out = []
    line, pos = 1, 0
    for at in record_starts(text, key):
        line += text.count("\n", pos, at)
        pos = at
        out.append(line)
    return out


def line_at(text: str, at: int) -> tuple[int, int]:
    """The line and column (1-based) of position ``at`` in ``text``."""
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


Record = tuple[int, dict[str, Any], dict[str, tuple[int, int]]]


def json_records(
    text: str,
    name: str,
    *,
    keys: tuple[str, ...] = ("respondents",),
    what: str = "records (one object per respondent)",
) -> list[Record]:
    """The records of a JSON list of objects (or of the list under the first of ``keys`` that
    holds one, in an object): per record the line it starts on, its keys and values, and the
    line and column of each value.

    Read through the strict YAML reader (which reads JSON and marks every value), or, for a
    file beyond that reader's limits, the json module (marking each record's line only).
    Refused with one located error (``R012``): invalid JSON, a key twice in an object,
    nesting deeper than :data:`MAX_DEPTH`, a lone UTF-16 surrogate escape, an integer
    beyond ``2**53``, anything but a list of objects.
    """
    from maturity.errors import SpecError
    from maturity.spec.yamlio import read_yaml

    refuse_lone_surrogates(text, name)
    marks: dict[Any, Any]
    try:
        doc = read_yaml(text, file=name)
        data, marks = doc.data, doc.marks
    except SpecError as exc:
        # what JSON forbids too is said where the YAML reader found it; anything else (YAML
        # syntax that JSON allows, files above the YAML reader's limits) goes to json
        for p in exc.problems:
            if p.code in ("Y002", "Y005", "Y012"):
                raise ResponseError(
                    [
                        Problem.make(
                            "R012",
                            file=name,
                            line=p.line,
                            column=p.column,
                            path=p.path if p.code != "Y005" else "",
                            detail=p.message if p.code == "Y012" else f"invalid JSON: {p.message}",
                        )
                    ]
                ) from None
        data = parse_json(text, name)
        marks = {}
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                data, prefix = data[key], (key,)
                break
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ResponseError(
            [Problem.make("R012", file=name, line=1, detail=f"expected a JSON list of {what}")]
        )
    if not marks:
        # read by the json module: no marks, but each record's line all the same
        lines = record_lines(text, prefix[0] if prefix else None)
        if len(lines) == len(data):
            marks = {(*prefix, i): _Mark(line) for i, line in enumerate(lines)}
    out = []
    for i, rec in enumerate(data):
        m = marks.get((*prefix, i))
        cells = {str(k): v for k, v in rec.items()}
        where = {k: (mk.line, mk.column) for k in cells if (mk := marks.get((*prefix, i, k)))}
        out.append((m.line if m else 0, cells, where))
    return out


def json_text(data: bytes, name: str) -> str:
    """The text of a JSON file: UTF-8, as RFC 8259 requires (a byte-order mark is allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from maturity.io.csvio import count_lines

        line = count_lines(data[: exc.start]) + 1
        raise ResponseError(
            [
                Problem.make(
                    "R012",
                    file=name,
                    line=line,
                    detail=f"invalid JSON: byte 0x{data[exc.start]:02X} is not UTF-8 "
                    "(JSON files are UTF-8)",
                )
            ]
        ) from None


@answers_format(
    "json", (".json",), "a JSON list of records, one object per respondent", records=True
)
def read_json(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read an answers JSON file into a :class:`RawTable`."""
    name = str(options.get("name", path))
    text = json_text(path.read_bytes(), name)
    records = json_records(text, name)
    columns = sorted({k for _, r, _ in records for k in r})
    cells = {c: [r.get(c) for _, r, _ in records] for c in columns}
    return RawTable(
        file=name,
        columns=tuple(columns),
        cells=cells,
        n_rows=len(records),
        lines=[line for line, _, _ in records],
        marks=[w for _, _, w in records],
        records=True,  # a record leaves out what it does not answer
    )


def _json_value(item: Item, a: Answer) -> object:
    from maturity.responses import Marker

    if isinstance(a, Marker):
        return a.code
    if isinstance(a, frozenset):
        order = [o.code for o in item.options]
        return sorted(a, key=order.index)
    return a


def responses_to_json(responses: Responses) -> str:
    """The responses as a JSON list of records."""
    from maturity.questionnaire import PROFILE_FIELDS
    from maturity.responses import ID_COLUMN

    q = responses.questionnaire
    records = []
    for r in responses:
        rec: dict[str, object] = {
            ID_COLUMN: r.id,
            "questionnaire": responses.questionnaire_id,
            "questionnaire_version": responses.questionnaire_version,
        }
        for name in PROFILE_FIELDS:
            v = getattr(r.profile, name)
            if v is not None:
                rec[name] = v.isoformat() if isinstance(v, _dt.date) else v
        for item in q.items:
            a = r.answers.get(item.id)
            if a is not None:
                rec[item.id] = _json_value(item, a)
        records.append(rec)
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


@answers_writer("json")
def write_json(responses: Responses, options: Options) -> bytes:
    """Write answers as a JSON list of records (UTF-8)."""
    return responses_to_json(responses).encode("utf-8")
