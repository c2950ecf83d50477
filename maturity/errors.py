"""Typed errors of `maturity`, and the catalogue of every problem a file can have.

Every problem found in a questionnaire, a scoring model or a response file is a
:class:`Problem`: a stable code from :data:`CATALOGUE`, a location (file, line, column)
and the dotted path of the field, and a message that says what is wrong and what is
allowed. Loaders collect all problems of a file and raise one exception that carries
them all (:class:`SpecError` for declarative files, :class:`ResponseError` for answers).
Both subclass :class:`ValueError` too, so generic callers still catch them.

Printed, a problem is one line that an editor can jump to::

    i40.yaml:42:7: dimensions[1].items[3].scale: unknown scale 'likret5' \
(scales: adoption5, likert5); did you mean 'likert5'?
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CATALOGUE",
    "DateFormatError",
    "ErrorCode",
    "MaturityError",
    "Problem",
    "ResponseError",
    "Severity",
    "SpecError",
    "format_path",
    "list_allowed",
    "os_reason",
    "suggest",
]

Severity = Literal["error", "warning"]


def os_reason(exc: OSError) -> str:
    """Why the operating system refused a file, in words and without the file's name (the
    message names it): "a directory, not a file", "permission denied", not ``Is a directory``
    or ``[Errno 13] ...``.
    """
    import errno

    reasons = {
        errno.ENOENT: "no such file",
        errno.EISDIR: "a directory, not a file",
        errno.ENOTDIR: "a part of the path is a file, not a directory",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "the file system is read-only",
        errno.ENAMETOOLONG: "the name is too long",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    return (exc.strerror or str(exc)).lower()


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One entry of the catalogue: a stable code, a short name and a message template.

    The template uses ``str.format`` fields; :meth:`Problem.make` fills them.
    """

    code: str
    name: str
    template: str
    hint: str = ""


def _catalogue(*codes: ErrorCode) -> dict[str, ErrorCode]:
    table: dict[str, ErrorCode] = {}
    for c in codes:
        if c.code in table or any(c.name == o.name for o in table.values()):
            raise AssertionError(f"duplicate error code {c.code} {c.name}")  # pragma: no cover
        table[c.code] = c
    return table


#: Every problem a file can have. Codes are stable: tests and users rely on them.
#: ``Y`` codes come from reading YAML, ``Q`` from questionnaires, ``C`` from ``when:``
#: conditions, ``M`` from scoring models, ``A`` from action catalogues and ``R`` from responses.
CATALOGUE: dict[str, ErrorCode] = _catalogue(
    # --- YAML reading -------------------------------------------------------------
    ErrorCode("Y001", "yaml-syntax", "{detail}", "check indentation, colons and quotes"),
    ErrorCode(
        "Y002",
        "duplicate-key",
        "duplicate key '{name}' (first defined on line {first})",
        "each key may appear once in a mapping",
    ),
    ErrorCode(
        "Y003",
        "alias-not-allowed",
        "YAML anchors and aliases are not allowed ({what})",
        "write the value out, or use a named scale",
    ),
    ErrorCode(
        "Y004",
        "tag-not-allowed",
        "YAML tag '{tag}' is not allowed (no tags are allowed)",
        "remove the tag; values are typed by the format",
    ),
    ErrorCode("Y005", "too-deep", "nesting deeper than {limit} levels", "flatten the structure"),
    ErrorCode(
        "Y006",
        "multiple-documents",
        "more than one YAML document in the file",
        "remove the '---' separating documents",
    ),
    ErrorCode("Y007", "complex-key", "mapping keys must be plain strings, not {what}", ""),
    ErrorCode("Y008", "empty-file", "the file is empty (expected a mapping)", ""),
    ErrorCode("Y009", "encoding", "{detail}", "save the file as UTF-8"),
    ErrorCode("Y010", "too-large", "the file has more than {limit} values", ""),
    ErrorCode("Y011", "unreadable", "cannot read the file: {detail}", ""),
    ErrorCode(
        "Y012",
        "number-out-of-range",
        "the integer {found} is out of range (at most {limit} in magnitude)",
        "integers must be exact as floating-point numbers (I-JSON, RFC 7493)",
    ),
    # --- structure, shared by all formats --------------------------------------------
    ErrorCode("S001", "unknown-key", "unknown key '{name}' (allowed: {allowed}){suggestion}", ""),
    ErrorCode("S002", "missing-key", "missing required key '{name}'", ""),
    ErrorCode("S003", "wrong-type", "expected {expected}, found {found}", ""),
    ErrorCode("S004", "bad-value", "{detail}", ""),
    ErrorCode("S005", "unknown-format", "unknown format '{found}' (allowed: {allowed})", ""),
    ErrorCode("S006", "bad-id", "invalid id '{found}' ({rule})", ""),
    ErrorCode("S007", "duplicate-id", "duplicate id '{id}' (first used at line {first})", ""),
    ErrorCode(
        "S008",
        "bad-version",
        "invalid version '{found}' (expected MAJOR.MINOR.PATCH, e.g. 1.0.0)",
        "",
    ),
    ErrorCode("S009", "bad-date", "invalid date '{found}' (expected YYYY-MM-DD)", ""),
    ErrorCode("S010", "not-finite", "{what} must be a finite number, found {found}", ""),
    # --- text and languages ---------------------------------------------------------
    ErrorCode("T001", "missing-translation", "missing translation for language(s) {langs}", ""),
    ErrorCode(
        "T002",
        "unknown-language",
        "language '{lang}' is not declared in 'languages' (declared: {declared}){hint}",
        "",
    ),
    ErrorCode("T003", "empty-text", "text is empty", ""),
    # --- questionnaires -------------------------------------------------------------
    ErrorCode(
        "Q001", "unknown-scale", "unknown scale '{found}' (scales: {allowed}){suggestion}", ""
    ),
    ErrorCode(
        "Q002", "unknown-kind", "unknown item kind '{found}' (kinds: {allowed}){suggestion}", ""
    ),
    ErrorCode("Q003", "duplicate-code", "duplicate option code '{option}'", ""),
    ErrorCode("Q004", "too-few-options", "{what} needs at least {n} options, found {found}", ""),
    ErrorCode("Q005", "bad-bands", "{detail}", ""),
    ErrorCode("Q006", "empty-node", "dimension '{id}' has no items and no sub-dimensions", ""),
    ErrorCode("Q007", "bad-range", "{detail}", ""),
    ErrorCode(
        "Q008",
        "unknown-profile-field",
        "unknown profile field '{found}' (fields: {allowed}){suggestion}",
        "",
    ),
    ErrorCode(
        "Q009",
        "option-values-not-ordered",
        "options of an ordinal scale must have "
        "increasing values; '{option}' has {value} after {previous}",
        "",
    ),
    ErrorCode(
        "Q010",
        "key-not-for-kind",
        "'{name}' is not allowed for an item of kind '{kind}' ({why})",
        "",
    ),
    # --- conditions -----------------------------------------------------------------
    ErrorCode("C001", "condition-syntax", "invalid condition: {detail}", ""),
    ErrorCode(
        "C002",
        "condition-unknown-id",
        "condition refers to unknown {what} '{found}'{suggestion}",
        "",
    ),
    ErrorCode("C003", "condition-type", "condition type mismatch: {detail}", ""),
    ErrorCode(
        "C004",
        "condition-forward",
        "condition refers to item '{found}', which is not asked before this one",
        "conditions may only use earlier answers",
    ),
    ErrorCode("C005", "condition-cycle", "conditions form a cycle: {cycle}", ""),
    # --- scoring models -------------------------------------------------------------
    ErrorCode(
        "M001",
        "unknown-node",
        "unknown node or item '{found}' in questionnaire '{questionnaire}'{suggestion}",
        "",
    ),
    ErrorCode(
        "M002",
        "unknown-operator",
        "unknown operator '{found}' (operators: {allowed}){suggestion}",
        "",
    ),
    ErrorCode("M003", "bad-weights", "{detail}", ""),
    ErrorCode(
        "M004",
        "ahp-inconsistent",
        "AHP matrix is inconsistent: CR = {cr:.3f} > 0.10 "
        "(lambda_max = {lambda_max:.3f}); revise the judgements or set "
        "'accept_inconsistent: true'",
        "",
    ),
    ErrorCode("M005", "bad-ahp", "{detail}", ""),
    ErrorCode("M006", "bad-levels", "{detail}", ""),
    ErrorCode("M007", "version-mismatch", "{detail}", ""),
    ErrorCode("M008", "bad-questionnaire-ref", "{detail}", ""),
    # --- action catalogues ------------------------------------------------------------
    ErrorCode(
        "A001",
        "unknown-target",
        "unknown {what} '{found}' in questionnaire '{questionnaire}'{suggestion}",
        "",
    ),
    ErrorCode("A002", "unknown-action", "unknown action '{found}'{suggestion}", ""),
    ErrorCode(
        "A003",
        "prerequisite-cycle",
        "actions require each other in a cycle: {cycle}",
        "an action cannot depend, directly or through others, on itself",
    ),
    ErrorCode("A004", "bad-effect", "{detail}", ""),
    ErrorCode(
        "A005",
        "unknown-category",
        "unknown {what} '{found}' ({allowed}){suggestion}",
        "",
    ),
    ErrorCode("A006", "bad-cost", "{detail}", ""),
    ErrorCode(
        "A007",
        "unknown-programme",
        "unknown funding programme '{found}' (programmes: {allowed}){suggestion}",
        "",
    ),
    ErrorCode("A008", "bad-funding", "{detail}", ""),
    ErrorCode(
        "A009",
        "applicability-not-profile",
        "'when' of an action may only use the company's profile, not answers "
        '(found answer("{found}"))',
        'write conditions on profile fields, e.g. profile.size_class != "micro"',
    ),
    ErrorCode("A010", "bad-catalogue-ref", "{detail}", ""),
    ErrorCode(
        "A011",
        "useless-action",
        "action '{id}' improves no item and no action requires it",
        "add 'improves', or list it in another action's 'requires'",
    ),
    # --- responses ------------------------------------------------------------------
    ErrorCode(
        "R001",
        "unknown-column",
        "unknown column '{found}' (not an item of "
        "'{questionnaire}' nor a profile field){suggestion}",
        "",
    ),
    ErrorCode(
        "R002",
        "bad-code",
        "'{found}' is not an option of '{item}' (allowed: {allowed}){suggestion}",
        "",
    ),
    ErrorCode("R003", "bad-number", "'{found}' is not a valid number{why}", ""),
    ErrorCode(
        "R004", "out-of-range", "{value} is out of range for '{item}' (allowed: {allowed})", ""
    ),
    ErrorCode(
        "R005",
        "condition-false",
        "'{item}' is answered but its condition is false ({condition})",
        "leave the cell empty",
    ),
    ErrorCode("R006", "missing-required", "required item '{item}' is not answered", ""),
    ErrorCode("R007", "missing-id", "missing respondent_id", ""),
    ErrorCode(
        "R008",
        "duplicate-respondent",
        "duplicate respondent_id '{found}' (first on row {first})",
        "",
    ),
    ErrorCode("R009", "wrong-questionnaire", "{detail}", ""),
    ErrorCode("R010", "bad-profile", "{detail}", ""),
    ErrorCode("R011", "bad-answer", "{detail}", ""),
    ErrorCode("R012", "bad-file", "{detail}", ""),
    ErrorCode(
        "R013",
        "more-problems",
        "... and {count} more problems (the first {shown} are listed)",
        "fix those first: often one cause explains many",
    ),
    ErrorCode(
        "R014",
        "missing-column",
        "no column for item '{item}': every respondent is taken as not answering it",
        "add the column (empty cells are fine), or check the file's header",
    ),
    ErrorCode(
        "R015",
        "missing-profile-column",
        "no column for the required profile field '{field}'",
        "add the column with every respondent's {field}, or check the file's header",
    ),
    ErrorCode(
        "R040",
        "conflicting-profile",
        "company '{company}': its respondents give different {field} ({values}); "
        "kept {kept} of {respondent}, the latest respondent who gave one",
        "correct the profile of the other respondents, or score by respondent",
    ),
)


def suggest(word: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def format_path(path: Sequence[str | int]) -> str:
    """Render a field path, e.g. ``('items', 3, 'scale')`` → ``items[3].scale``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def list_allowed(items: Iterable[str], limit: int = 12) -> str:
    """Comma-separated list of allowed values, shortened after ``limit`` entries."""
    seq = sorted(set(items))
    if len(seq) > limit:
        return ", ".join(seq[:limit]) + f", ... ({len(seq)} in all)"
    return ", ".join(seq) if seq else "none"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    return repr(m[0])[1:-1]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one place of a file.

    ``line`` and ``column`` are 1-based; ``path`` is the dotted field path (or, for
    response files, the column name); ``severity`` is ``"error"`` or ``"warning"``.
    """

    code: str
    message: str
    file: str = "<string>"
    line: int | None = None
    column: int | None = None
    path: str = ""
    severity: Severity = "error"

    @classmethod
    def make(
        cls,
        code: str,
        *,
        file: str = "<string>",
        line: int | None = None,
        column: int | None = None,
        path: str = "",
        severity: Severity = "error",
        **fields: Any,
    ) -> Problem:
        """Build a problem from a catalogue code, filling its template with ``fields``."""
        entry = CATALOGUE[code]
        fields.setdefault("suggestion", "")
        fields.setdefault("hint", "")
        message = entry.template.format(**fields)
        return cls(code, message, file, line, column, path, severity)

    @property
    def name(self) -> str:
        """The short name of the code, e.g. ``unknown-key``."""
        return CATALOGUE[self.code].name

    def __str__(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        # a problem of the whole file (it cannot be read, the count of problems not listed)
        # names no place in it; one at a line of the document's top names that top "<root>"
        where = f" {self.path}:" if self.path else (" <root>:" if self.line is not None else "")
        tag = "warning: " if self.severity == "warning" else ""
        # one line whatever the file held: line breaks and other control characters that
        # came from the input (a key, a cell) are shown escaped, as in a Python string
        return _CONTROL.sub(_escape, f"{loc}:{where} {tag}{self.message} [{self.code}]")


class MaturityError(Exception):
    """Base class of every error raised on purpose by `maturity`."""


class _ProblemsError(MaturityError, ValueError):
    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def codes(self) -> list[str]:
        """The codes of all problems, in order (handy in tests)."""
        return [p.code for p in self.problems]


class SpecError(_ProblemsError):
    """A questionnaire or scoring-model file is invalid; ``.problems`` lists every problem."""


class ResponseError(_ProblemsError):
    """A response file does not fit its questionnaire; ``.problems`` lists every problem."""


class DateFormatError(MaturityError, ValueError):
    """A ``date_format`` (``--date-format``) that is neither a known pattern nor a
    :func:`~datetime.datetime.strptime` format of a whole date; refused once, before reading.
    """
