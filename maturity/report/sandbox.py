"""The sandbox of report templates: bounded work, bounded output, confined files, safe links.

Branding templates come from third parties, so a template may try anything Jinja2 allows. On
top of Jinja2's immutable sandbox (no Python internals, no method that changes data), every
report is rendered under :data:`LIMITS` (a :class:`RenderLimits`):

- **time**: at most ``seconds`` of wall-clock time and ``steps`` sandbox operations (calls,
  attribute and item look-ups, loop iterations, filters), both checked cooperatively at every
  operation, so three nested ``range(100000)`` loops stop after a few seconds;
- **size**: no value a template builds (a string, a list, a formatted field) longer than
  ``value`` characters or items, checked *before* it is built (``'x' * 4000000000``,
  ``'{x:>300000000}'``, ``'%*s' % (10**9, 'x')``, ``|center(10**9)``, ``|join`` over a huge
  separator, doubling a string in a loop, integers beyond ``int_bits`` bits); all the values
  built not more than ``built`` characters and items added up; and no report longer than
  ``output`` characters (everything a template writes, macros and captured blocks included);
- **recursion**: a macro or an include that calls itself ends in a located
  :class:`~maturity.report.errors.TemplateError`, not a long traceback.

Every format operation reachable from a template (``str.format``, ``format_map``, the ``msg``
filter, ``%`` and the ``format`` filter) goes through :class:`ReportFormatter`, the sandbox's
formatter with its field widths bounded: ``'{x.__class__}'`` is refused as in the template
itself.

Files: :func:`confined_loader` and :func:`read_branding_file` refuse any branding file whose
real path (symbolic links resolved) is outside the branding directory, or that is not a
regular file, or that is too large. Links: :func:`check_links` removes from a branded report
every URL that is not ``http(s):``, ``mailto:``, an in-page ``#fragment`` or an embedded image
(``data:image/...``), and every ``on*`` event attribute; elements that run or fetch
something (``<script>``, ``<iframe>``, ``<object>``, ``<embed>``, ``<base>``, ``<link>``, a
``<meta http-equiv>``) are refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING, Any

from maturity.errors import os_reason
from maturity.report.errors import ReportError

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment

__all__ = [
    "LIMITS",
    "MAX_TEMPLATE_BYTES",
    "RenderLimits",
    "budget",
    "check_links",
    "confined_loader",
    "confined_path",
    "read_branding_file",
    "safe_url",
    "sandbox_class",
    "sandboxed_format",
]


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """The bounds of one report's rendering (see the module's documentation)."""

    seconds: float = 60.0
    """Wall-clock time per report."""
    steps: int = 10_000_000
    """Sandbox operations per report (a company report of the package's templates takes about
    2,500, a portfolio about 90 per company)."""
    output: int = 25_000_000
    """Characters written per report (a report of the package's templates is about 0.2 MB)."""
    value: int = 5_000_000
    """Characters or items of any one value a template builds, and any format width."""
    built: int = 100_000_000
    """Characters and items of all the values a template builds, added up (a company report
    of the package's templates builds about 0.1 % of it)."""
    int_bits: int = 4_096
    """Bits of any integer a template computes."""


#: The limits every report is rendered under.
LIMITS = RenderLimits()


def _limit_error(message: str) -> Exception:
    from jinja2.exceptions import SecurityError

    return SecurityError(f"{message} (report templates are bounded; see RenderLimits)")


class _Budget:
    """The work done, values built and output written so far by one report's rendering."""

    __slots__ = ("built", "deadline", "limits", "output", "steps")

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.steps = 0
        self.output = 0
        self.built = 0
        self.deadline = time.monotonic() + limits.seconds

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            raise _limit_error(f"more than {self.limits.steps:,} template operations")
        if not self.steps & 1023 and time.monotonic() > self.deadline:
            raise _limit_error(f"rendering took more than {self.limits.seconds:g} s")

    def build(self, n: int) -> None:
        self.built += n
        if self.built > self.limits.built:
            raise _limit_error(
                f"the values built add up to more than {self.limits.built:,} characters or items"
            )

    def wrote(self, n: int) -> None:
        self.output += n
        # what is written inside a macro or a captured block is counted where it is made and
        # again where it is printed: twice the limit of the report itself
        if self.output > 2 * self.limits.output:
            raise _limit_error(f"the report is longer than {self.limits.output:,} characters")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "maturity_report_budget", default=None
)


@contextlib.contextmanager
def budget(limits: RenderLimits | None = None) -> Iterator[None]:
    """Render the templates run inside this block under ``limits`` (default :data:`LIMITS`)."""
    token = _BUDGET.set(_Budget(limits or LIMITS))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _step() -> None:
    b = _BUDGET.get()
    if b is not None:
        b.step()


def _limits() -> RenderLimits:
    b = _BUDGET.get()
    return b.limits if b is not None else LIMITS


# ---------------------------------------------------------------------------------------
# sizes


def _weight(value: object, cap: int) -> int:
    """The number of items and characters ``str(value)`` would show, counted up to ``cap``
    (containers that share parts are counted once per appearance, as ``repr`` shows them).
    """
    total = 0
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, str | bytes):
            total += len(x)
        elif isinstance(x, dict):
            total += 1 + len(x)
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list | tuple | set | frozenset):
            total += 1 + len(x)
            stack.extend(x)
        else:
            total += 1
        if total > cap:
            break
    return total


def check_size(value: object, what: str = "a value", *, built: bool = False) -> object:
    """Refuse ``value`` when it is larger than the value limit (see :class:`RenderLimits`);
    with ``built``, ``value`` was just built by the template and counts towards its total.
    """
    cap = _limits().value
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        size = len(value) if isinstance(value, str | bytes) else _weight(value, cap)
        if size > cap:
            raise _limit_error(f"{what} longer than {cap:,} characters or items")
        b = _BUDGET.get()
        if built and b is not None:
            b.build(size)
    elif isinstance(value, int) and value.bit_length() > _limits().int_bits:
        raise _limit_error(f"an integer of more than {_limits().int_bits} bits")
    return value


def _check_count(n: object, what: str) -> None:
    cap = _limits().value
    if isinstance(n, int) and n > cap:
        raise _limit_error(f"{what} {n:,} is larger than {cap:,}")


_DIGITS = re.compile(r"\d+")


def _check_spec(spec: str) -> None:
    """Refuse a format spec whose width or precision exceeds the value limit."""
    cap = _limits().value
    for run in _DIGITS.findall(spec):
        if len(run) > 9 or int(run) > cap:
            raise _limit_error(f"a format width or precision of {run[:12]} (at most {cap:,})")


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")


def check_printf(template: str, args: object) -> None:
    """Refuse a printf-style format whose widths (given or ``*``) exceed the value limit."""
    star = False
    for m in _PRINTF.finditer(template):
        for part in (m[1], m[2]):
            if part == "*":
                star = True
            elif part:
                _check_spec(part)
    values = args if isinstance(args, tuple) else (args,)
    for v in values if not isinstance(args, dict) else args.values():
        if star and isinstance(v, int):
            _check_count(v, "a printf width")
        check_size(v, "a formatted value")


# ---------------------------------------------------------------------------------------
# formatting


def _formatter_classes() -> tuple[type[Formatter], type[Formatter]]:
    from jinja2.sandbox import SandboxedEscapeFormatter, SandboxedFormatter

    class ReportFormatter(SandboxedFormatter):
        """The sandbox's formatter (fields resolved through the sandbox), widths bounded."""

        def format_field(self, value: Any, format_spec: str) -> Any:
            _step()
            _check_spec(format_spec)
            check_size(value, "a formatted value")
            field = super().format_field(value, format_spec)
            return check_size(field, "a formatted field", built=True)

    class ReportEscapeFormatter(ReportFormatter, SandboxedEscapeFormatter):
        """:class:`ReportFormatter` for ``Markup`` strings (escapes the fields)."""

    return ReportFormatter, ReportEscapeFormatter


@functools.cache
def _formatters() -> tuple[type[Formatter], type[Formatter]]:
    return _formatter_classes()


def sandboxed_format(env: Environment, template: str, fields: dict[str, Any]) -> str:
    """``template.format_map(fields)`` through the sandbox's formatter (what ``msg`` does)."""
    from markupsafe import Markup

    plain, escaping = _formatters()
    formatter = (
        escaping(env, escape=template.escape)  # type: ignore[call-arg]
        if isinstance(template, Markup)
        else plain(env)  # type: ignore[call-arg]
    )
    check_size(template, "a format string")
    return type(template)(formatter.vformat(template, (), fields))


# ---------------------------------------------------------------------------------------
# the environment's hooks


def _bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter counted as an operation, with its result bounded, and the filters whose
    arguments set the size of their result checked before they run.
    """

    # the parameters are named as Jinja2's filters name them, so keywords reach them too
    def pre_center(value: Any, width: Any = 80, **_: Any) -> None:
        _check_count(width, "a width")

    def pre_indent(s: Any, width: Any = 4, *_: Any, **__: Any) -> None:
        lines = str(s).count("\n") + 1
        w = width if isinstance(width, int) else len(str(width))
        _check_count(lines * w, "an indented text of")

    def pre_format(value: Any, *args: Any, **kwargs: Any) -> None:
        check_printf(str(value), tuple(args) or dict(kwargs))

    def pre_text(value: Any, *_: Any, **__: Any) -> None:
        check_size(value, "a value shown as text")

    def pre_batch(value: Any, linecount: Any = 1, *_: Any, **__: Any) -> None:
        _check_count(linecount, "a batch of")

    def pre_slice(value: Any, slices: Any = 1, *_: Any, **__: Any) -> None:
        _check_count(slices * 100 if isinstance(slices, int) else 0, "slices (x 100)")

    def pre_replace(s: Any, old: Any = "", new: Any = "", count: Any = None) -> None:
        text, o, n = str(s), str(old), str(new)
        hits = text.count(o) if o else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        _check_count(len(text) + hits * max(0, len(n) - len(o)), "a replaced text of")

    def pre_wordwrap(
        s: Any, width: Any = 79, long: Any = True, wrapstring: Any = None, *_: Any, **__: Any
    ) -> None:
        text = str(s)
        w = width if isinstance(width, int) and width > 0 else 1
        joins = (len(text) // w + text.count("\n") + 1) * len(str(wrapstring or "\n"))
        _check_count(len(text) + joins, "a wrapped text of")

    def pre_join(value: Any, d: Any = "", *_: Any, **__: Any) -> None:
        check_size(value, "a joined value")
        _check_count(len(value) * len(str(d)), "a joined text of")

    pre: dict[str, Callable[..., None]] = {
        "center": pre_center,
        "indent": pre_indent,
        "format": pre_format,
        "batch": pre_batch,
        "slice": pre_slice,
        "replace": pre_replace,
        "wordwrap": pre_wordwrap,
        "join": pre_join,
        "string": pre_text,
        "pprint": pre_text,
        "tojson": pre_text,
    }

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        from jinja2.utils import _PassArg

        check = pre.get(name)
        passes = _PassArg.from_obj(fn) is not None

        @functools.wraps(fn)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            _step()
            if check is not None:
                first = 1 if passes else 0
                if name == "join" and len(args) > first:  # a generator: its items, counted
                    args = (*args[:first], _materialise(args[first]), *args[first + 1 :])
                check(*args[first:], **kwargs)
            return check_size(fn(*args, **kwargs), f"the result of '{name}'", built=True)

        return bounded

    return {name: wrap(name, fn) for name, fn in filters.items()}


def _materialise(value: Any) -> Any:
    """``value`` as a list (a string stays a string), at most the value limit of items."""
    if isinstance(value, str | list | tuple):
        return value
    cap = _limits().value
    out = []
    for item in value:
        out.append(item)
        if len(out) > cap:
            raise _limit_error(f"more than {cap:,} items")
    return out


def _loop(value: Any) -> Iterator[Any]:
    """What a ``{% for %}`` loop iterates over: each iteration is one operation."""
    b = _BUDGET.get()
    for item in value:
        if b is not None:
            b.step()
        yield item


def sandbox_class() -> type[Environment]:
    """The sandboxed environment class of the reports (Jinja2 is imported here, not before)."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator, Frame
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import Namespace
    from markupsafe import Markup

    class BoundedNamespace(Namespace):
        """``namespace()``: what a template stores in it is bounded."""

        def __setitem__(self, name: str, value: Any) -> None:
            _step()
            super().__setitem__(name, check_size(value, f"the value of '{name}'"))

    class BoundedCodeGenerator(CodeGenerator):
        """Jinja2's code generator with ``~`` going through ``environment.join_parts``."""

        def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
            self.write("environment.join_parts((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

    class ReportEnvironment(ImmutableSandboxedEnvironment):
        """The immutable sandbox, autoescape fixed on, every operation bounded."""

        code_generator_class = BoundedCodeGenerator
        intercepted_binops = frozenset({"*", "%", "+", "**"})

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, finalize=self._finalize, **kwargs)
            self.globals["namespace"] = BoundedNamespace
            self.filters["maturity_loop"] = _loop

        def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
            tree = super()._parse(source, name, filename)
            for node in tree.find_all(nodes.EvalContextModifier):
                error = SecurityError("autoescape cannot be changed in report templates")
                error.where = f"{filename or name}:{node.lineno}"  # type: ignore[attr-defined]
                raise error
            for loop in tree.find_all(nodes.For):  # each iteration counts as an operation
                loop.iter = nodes.Filter(
                    loop.iter, "maturity_loop", [], [], None, None, lineno=loop.lineno
                )
            return tree

        @staticmethod
        def _finalize(value: Any) -> Any:
            b = _BUDGET.get()
            if b is None:  # a constant folded while compiling
                return value
            b.step()
            if isinstance(value, str):
                b.wrote(len(value))
                return value
            check_size(value, "a value written")
            b.wrote(_weight(value, b.limits.value))
            return value

        def concat(self, parts: Iterable[str]) -> str:
            pieces = list(parts)
            total = sum(map(len, pieces))
            b = _BUDGET.get()
            if b is not None and total > b.limits.output:
                raise _limit_error(f"a block longer than {b.limits.output:,} characters")
            return "".join(pieces)

        def join_parts(self, parts: tuple[Any, ...]) -> str:
            """``a ~ b ~ ...`` (autoescaped: autoescape is always on), bounded."""
            from jinja2.runtime import markup_join

            _step()
            cap = _limits().value
            total = 0
            for p in parts:
                total += len(p) if isinstance(p, str) else _weight(p, cap)
                if total > cap:
                    raise _limit_error(f"a joined text longer than {cap:,} characters")
            return check_size(markup_join(parts), built=True)  # type: ignore[return-value]

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _step()
            bits_cap = _limits().int_bits
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(n, int):
                        _check_count(len(seq) * n, "a repeated value of")
                ints = isinstance(left, int) and isinstance(right, int)
                if ints and left.bit_length() + right.bit_length() > bits_cap:
                    raise _limit_error(f"an integer of more than {bits_cap} bits")
            elif operator == "**" and isinstance(left, int) and isinstance(right, int):
                if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > bits_cap:
                    raise _limit_error(f"an integer of more than {bits_cap} bits")
            elif operator == "%" and isinstance(left, str):
                check_printf(left, right)
            elif operator == "+" and isinstance(left, str | list | tuple):
                other = len(right) if hasattr(right, "__len__") else 0
                _check_count(len(left) + other, "a joined value of")
            return check_size(super().call_binop(context, operator, left, right), built=True)

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            _step()
            return super().call(context, obj, *args, **kwargs)

        def getattr(self, obj: Any, attribute: str) -> Any:
            _step()
            return super().getattr(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            _step()
            return super().getitem(obj, argument)

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            """``'...'.format(...)`` and ``format_map`` through :class:`ReportFormatter`."""
            import types

            if not isinstance(value, types.MethodType | types.BuiltinMethodType):
                return None
            if value.__name__ not in ("format", "format_map"):
                return None
            f_self = value.__self__
            if not isinstance(f_self, str):
                return None
            is_map = value.__name__ == "format_map"

            def wrapper(*args: Any, **kwargs: Any) -> str:
                if is_map:
                    if kwargs or len(args) != 1:
                        raise TypeError("format_map() takes exactly one mapping")
                    fields = dict(args[0])
                    args = ()
                else:
                    fields = kwargs
                plain, escaping = _formatters()
                formatter = (
                    escaping(self, escape=f_self.escape)  # type: ignore[call-arg]
                    if isinstance(f_self, Markup)
                    else plain(self)  # type: ignore[call-arg]
                )
                return type(f_self)(formatter.vformat(f_self, args, fields))

            return functools.update_wrapper(wrapper, value)

    return ReportEnvironment


def bound_filters(env: Environment) -> None:
    """Wrap every filter of ``env`` (see :func:`_bounded_filters`); call once, after adding
    the report's own filters.
    """
    loop = env.filters.pop("maturity_loop", _loop)
    env.filters.update(_bounded_filters(dict(env.filters)))
    env.filters["maturity_loop"] = loop


# ---------------------------------------------------------------------------------------
# branding files


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def confined_path(directory: str | Path, name: str) -> Path | None:
    """The real path of branding file ``name`` in ``directory``, or None when there is none.

    Raises:
        ReportError: the file (or a link on the way to it) leads outside the directory, or it
            is not a regular file.

    """
    root = os.path.realpath(directory)
    path = os.path.join(root, name)
    if not os.path.lexists(path):
        return None
    real = os.path.realpath(path)
    if not _inside(real, root):
        raise ReportError(
            f"{path}: refused: a link to a file outside the branding directory ({root})"
        )
    try:
        st = os.stat(real)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the branding file: {os_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ReportError(f"{path}: refused: not a regular file")
    return Path(real)


def read_branding_file(directory: str | Path, name: str, max_bytes: int) -> bytes | None:
    """The bytes of branding file ``name`` (None when there is none), at most ``max_bytes``.

    Raises:
        ReportError: see :func:`confined_path`, or the file is larger than ``max_bytes``.

    """
    real = confined_path(directory, name)
    if real is None:
        return None
    with real.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ReportError(f"{Path(directory) / name}: larger than {max_bytes} bytes")
    return data


#: The largest branding template accepted, in bytes.
MAX_TEMPLATE_BYTES = 1_000_000


def confined_loader(directory: str) -> Any:
    """A Jinja2 loader of the templates in ``directory`` that refuses links leading outside it,
    files that are not regular and templates larger than :data:`MAX_TEMPLATE_BYTES`.
    """
    from jinja2 import FileSystemLoader
    from jinja2.exceptions import SecurityError, TemplateNotFound
    from jinja2.loaders import split_template_path

    class ConfinedLoader(FileSystemLoader):
        """Templates of one branding directory, nothing outside it."""

        def get_source(self, environment: Any, template: str) -> Any:
            pieces = split_template_path(template)
            name = os.path.join(*pieces) if pieces else ""
            try:
                real = confined_path(directory, name) if name else None
            except ReportError as exc:
                error = SecurityError(str(exc).split(": refused: ", 1)[-1])
                error.where = os.path.join(directory, name)  # type: ignore[attr-defined]
                raise error from None
            if real is None:
                raise TemplateNotFound(template)
            data = read_branding_file(directory, name, MAX_TEMPLATE_BYTES)
            assert data is not None
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                error = SecurityError(f"not UTF-8 text (byte {exc.start})")
                error.where = os.path.join(directory, name)  # type: ignore[attr-defined]
                raise error from None
            mtime = real.stat().st_mtime
            filename = os.path.join(directory, name)
            return source, filename, lambda: real.stat().st_mtime == mtime

    return ConfinedLoader(directory)


# ---------------------------------------------------------------------------------------
# links in the output


_URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "background",
        "cite",
        "data",
        "ping",
        "longdesc",
        "manifest",
        "codebase",
        "archive",
        "icon",
        "lowsrc",
        "dynsrc",
        "usemap",
        "profile",
    }
)
_REFUSED_TAGS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link"}
    # SVG animation can set an attribute (href) to any value after the page is loaded
    | {"animate", "set", "animatemotion", "animatetransform", "discard", "handler", "listener"}
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_STRIP = re.compile(r"[\x00-\x20\x7f]+")
_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]")


def safe_url(value: str, *, image: bool = False) -> bool:
    """Whether a URL may stay in a report: ``http(s):``, ``mailto:``, ``#fragment``, and, where
    an image is expected (``image``), an embedded image (``data:image/...``). Relative paths
    and every other scheme (``javascript:``, ``file:``, ``data:text/html``...) are not.
    """
    url = _STRIP.sub("", value).lower()
    if url.startswith("#"):
        return True
    if image and _IMAGE.match(url):
        return True
    m = _SCHEME.match(url)
    return m is not None and m[1] in ("http", "https", "mailto") and not url.startswith("//")


def check_links(html: str, where: str) -> str:
    """``html`` without unsafe URLs and event attributes (see the module's documentation).

    Raises:
        TemplateError: ``html`` has an element that runs or fetches something.

    """
    from html import escape
    from html.parser import HTMLParser

    from maturity.report.errors import TemplateError

    edits: list[tuple[str, str]] = []

    class Scanner(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            refused = tag in _REFUSED_TAGS or (
                tag == "meta" and any(k == "http-equiv" for k, _ in attrs)
            )
            if refused:
                line = self.getpos()[0]
                raise TemplateError(
                    f"{where}: refused: the report has a <{tag}> element (line {line} of the "
                    "output); branding templates may not run scripts or load other documents"
                )
            bad = [
                (k, v)
                for k, v in attrs
                if k.startswith("on")
                or (k in _URL_ATTRS and v is not None and not _safe(tag, k, v))
            ]
            if bad:
                raw = self.get_starttag_text() or ""
                kept = "".join(
                    f" {k}" if v is None else f' {k}="{escape(v)}"'
                    for k, v in attrs
                    if (k, v) not in bad
                )
                closing = "/>" if raw.rstrip().endswith("/>") else ">"
                edits.append((raw, f"<{tag}{kept}{closing}"))

    scanner = Scanner(convert_charrefs=True)
    scanner.feed(html)
    scanner.close()
    for raw, clean in edits:
        html = html.replace(raw, clean)
    return html


_DESCRIPTOR = re.compile(r"^\d+(?:\.\d+)?[wx]$")


#: Where a ``data:image/...`` URI may stay: an image's source.
_IMAGE_PLACES = frozenset({("img", "src"), ("image", "href"), ("image", "xlink:href")})


def _safe(tag: str, name: str, value: str) -> bool:
    if name in ("srcset", "ping", "archive"):  # lists of URLs: each must be http(s)
        urls = [u for u in re.split(r"[\s,]+", value) if u and not _DESCRIPTOR.match(u)]
        return all(re.match(r"(?i)https?:", u) is not None for u in urls)
    return safe_url(value, image=(tag, name) in _IMAGE_PLACES)
