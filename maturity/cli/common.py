"""What the sub-commands share: the command registry, output, and common arguments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from maturity.numbers import counted

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel
    from maturity.questionnaire import Questionnaire

__all__ = [
    "COMMANDS",
    "Command",
    "Parser",
    "UsageError",
    "answer_arguments",
    "check_output",
    "check_output_dir",
    "choices",
    "command",
    "count",
    "err",
    "euro",
    "format_of",
    "is_scores_file",
    "load_scores",
    "months",
    "os_problem",
    "out",
    "peer_fields",
    "peer_target",
    "read_all",
    "reading_arguments",
    "scored",
    "share",
    "target_of",
]

Run = Callable[[argparse.Namespace], int]
Add = Callable[[Any], None]  # receives the sub-parsers object of argparse


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, how it adds its parser and what it runs."""

    name: str
    add: Add
    run: Run


#: The registered sub-commands, by name.
COMMANDS: dict[str, Command] = {}


def command(name: str, add: Add) -> Callable[[Run], Run]:
    """Register the decorated function as sub-command ``name``, with ``add`` for its parser."""

    def register(fn: Run) -> Run:
        COMMANDS[name] = Command(name, add, fn)
        return fn

    return register


class UsageError(ValueError):
    """Wrong usage: an option value that is wrong whatever the files hold (an unknown format,
    an output suffix the command cannot write, options that need each other); exit status 2.
    """


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and a hint, not the whole usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see 'PROG --help')`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _number(text: str, allowed: str) -> float:
    import math

    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: {allowed})") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number (allowed: {allowed})")
    return x


def euro(text: str) -> float:
    """An amount in euro from 0 (the ``type`` of ``--budget``)."""
    allowed = "an amount in euro from 0, e.g. 60000"
    x = _number(text, allowed)
    if x < 0:
        raise argparse.ArgumentTypeError(f"{text} is below 0 (allowed: {allowed})")
    return x


def months(text: str) -> float:
    """A duration in months above 0 (the ``type`` of ``--horizon``)."""
    allowed = "a number of months above 0, e.g. 12"
    x = _number(text, allowed)
    if x <= 0:
        raise argparse.ArgumentTypeError(f"{text} months is not a duration (allowed: {allowed})")
    return x


def count(minimum: int) -> Callable[[str], int]:
    """The ``type`` of an option that is a whole number from ``minimum``."""
    allowed = f"a whole number from {minimum}"

    def whole(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number (allowed: {allowed})"
            ) from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{n} is below {minimum} (allowed: {allowed})")
        return n

    whole.__name__ = f"whole number from {minimum}"
    return whole


def share(text: str) -> float:
    """A share strictly between 0 and 1 (the ``type`` of ``--confidence``)."""
    allowed = "a number between 0 and 1, e.g. 0.95"
    x = _number(text, allowed)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1 (allowed: {allowed})")
    return x


def peer_fields(text: str) -> tuple[str, ...]:
    """The ``type`` of ``--by``: profile fields that define peer groups, comma-separated."""
    if text == "sector,size_class,region":  # the default, converted by argparse on every run
        return ("sector", "size_class", "region")
    from maturity.classify import WIDENING_FIELDS

    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    allowed = f"{', '.join(WIDENING_FIELDS)}, separated by commas"
    bad = [f for f in fields if f not in WIDENING_FIELDS]
    if bad or not fields:
        what = f"unknown peer-group field {bad[0]!r}" if bad else f"{text!r} names no field"
        raise argparse.ArgumentTypeError(f"{what} (allowed: {allowed})")
    if len(set(fields)) != len(fields):
        raise argparse.ArgumentTypeError(f"{text!r} names a field twice (allowed: {allowed})")
    return fields


def source_format(text: str) -> str:
    """The ``type`` of ``--source``: ``auto`` or the name of an answers format."""
    if text == "auto":  # the default, converted by argparse on every run: no import
        return text
    from maturity.io.registry import ANSWERS

    names = ("auto", *ANSWERS.names())
    if text not in names:
        raise argparse.ArgumentTypeError(
            f"unknown answers format {text!r} (allowed: {', '.join(names)})"
        )
    return text


def out(line: str = "") -> None:
    """Print a line of results on standard output."""
    sys.stdout.write(line + "\n")


def err(line: str) -> None:
    """Print a line of progress or a problem on standard error."""
    sys.stderr.write(line + "\n")


def reading_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of every command that reads answer files: the files, the questionnaire
    and model, and how to read them (format, mapping, dates, what to do with bad rows or cells).
    """
    p.add_argument(
        "answers",
        nargs="+",
        metavar="ANSWERS",
        help="answer files (CSV, JSON, Parquet, XLSX, a survey tool's export)",
    )
    p.add_argument(
        "-q", "--questionnaire", required=True, metavar="Q", help="questionnaire file or bundled id"
    )
    p.add_argument(
        "-m", "--model", required=True, metavar="M", help="scoring-model file or bundled id"
    )
    p.add_argument(
        "--source",
        default="auto",
        type=source_format,
        metavar="FORMAT",
        help="the answers' format (csv, json, parquet, arrow, xlsx, xlsx-form, kobo, surveyjs, "
        "limesurvey, forms; default: recognised from the file)",
    )
    p.add_argument(
        "--mapping",
        metavar="FILE",
        help="a mapping file (YAML) renaming columns and recoding values of another tool",
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out rows with problems (reported) instead of refusing the file",
    )
    p.add_argument(
        "--skip-bad-cells",
        action="store_true",
        help="make a bad cell missing (reported) instead of refusing the file; only rows "
        "whose own problem it is (no id, a duplicate id, a required answer left empty) are "
        "left out",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse a file that lacks the column of an item (by default: a warning, and "
        "every respondent is taken as not answering it)",
    )
    p.add_argument(
        "--date-format",
        metavar="FMT",
        help="how the files write dates that are not YYYY-MM-DD, e.g. %%d/%%m/%%Y",
    )


def answer_arguments(p: argparse.ArgumentParser, output: str) -> None:
    """The arguments of every command that scores answer files into one output."""
    reading_arguments(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help=output)
    p.add_argument(
        "--by-company",
        action="store_true",
        help="combine the respondents of each company (the 'company' column)",
    )
    p.add_argument("--force", action="store_true", help="overwrite the output")


def read_all(paths: Sequence[str], q: Questionnaire, options: bool | argparse.Namespace) -> Any:
    """Read several answer files into one Responses (ids must stay unique).

    ``options`` are the parsed arguments of :func:`answer_arguments` (or, as before, whether
    to skip bad rows). Problems of skipped rows or cells and warnings are printed.
    """
    from maturity.io import read_responses
    from maturity.responses import Responses

    given: dict[str, Any] = (
        vars(options) if isinstance(options, argparse.Namespace) else {"skip_bad_rows": options}
    )
    get = given.get
    on_error: Literal["raise", "skip", "skip_cells"] = "raise"
    if get("skip_bad_cells"):
        on_error = "skip_cells"
    elif get("skip_bad_rows"):
        on_error = "skip"
    command = get("command") or "score"
    for path in paths:
        if is_scores_file(path):
            alone = " (gaps takes one scores file alone)" if command == "gaps" else ""
            raise ValueError(
                f"{path} is a scores file (written by 'maturity score'); 'maturity {command}' "
                f"needs the answers file{alone}"
            )
    parts = [
        read_responses(
            p,
            q,
            on_error=on_error,
            strict=bool(get("strict")),
            date_format=get("date_format"),
            source=get("source") or "auto",
            mapping=get("mapping"),
        )
        for p in paths
    ]
    for path, part in zip(paths, parts, strict=True):
        for problem in part.warnings:
            err(str(problem))
        for problem in part.skipped:
            err(f"skipped: {problem}")
        if len(part) == 0:  # never scored silently into an empty output
            raise ValueError(
                f"no respondents left in {path}: every row was skipped"
                if part.skipped
                else f"no respondents in {path}"
            )
    if get("by_company"):
        for part in parts:
            if all(c is None for c in part.profile_column("company").tolist()):
                raise ValueError(
                    f"{part.file}: --by-company needs a 'company' column naming each "
                    "respondent's company, and this file has none"
                )
    return Responses.concat(parts, file=", ".join(paths))


def scored(args: argparse.Namespace) -> Any:
    """Load questionnaire and model, read the answers and score them (shared by commands)."""
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.scoring import score

    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    merged = read_all(args.answers, q, args)
    return print_warnings(score(merged, model, by="company" if args.by_company else "respondent"))


def is_scores_file(path: str) -> bool:
    """Whether ``path`` is a scores file written by ``maturity score``: JSON with the
    ``format`` ``maturity/scores@1`` near its start, or CSV with the long-form header.
    """
    from maturity.io.scorefiles import FORMAT

    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if p.suffix.lower() == ".json":
        return f'"{FORMAT}"' in head
    return p.suffix.lower() == ".csv" and head.startswith("respondent_id,node,score")


def load_scores(source: str, model: ScoringModel, what: str = "respondents") -> Any:
    """The scores of a scores file, an answers file (scored on load) or ``synthetic``
    (:func:`maturity.peers.load_peers`); a file with none is an error ("no peers in FILE").
    """
    from maturity.peers import load_peers

    scores = load_peers(source, model)
    if len(scores) == 0:
        raise ValueError(f"no {what} in {source}")
    return scores


def print_warnings(scores: Any, limit: int = 50) -> Any:
    """Print the warnings of scoring (``Scores.warnings``) one per line, the first ``limit``
    and a count of the others; return the scores.
    """
    for problem in scores.warnings[:limit]:
        err(str(problem))
    if len(scores.warnings) > limit:
        err(f"... and {counted(len(scores.warnings) - limit, 'more warning')}")
    return scores


def check_output(
    out: Path,
    force: bool,
    suffixes: tuple[str, ...] | None = (".csv", ".json"),
    inputs: Sequence[str | Path] = (),
) -> None:
    """Refuse an output with a wrong suffix, an existing one without ``--force``, one that is
    also an input, a directory, and one under a file, before any work.
    """
    from maturity.io.files import check_outputs

    if suffixes is not None and out.suffix.lower() not in suffixes:
        raise UsageError(f"{out}: the output must end in {' or '.join(suffixes)}")
    check_outputs([out], inputs)
    if out.is_dir():
        raise ValueError(f"{out} is a directory where a file is expected")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"{out}: {parent} is a file where a directory is expected")
    if out.exists() and not force:
        raise ValueError(f"{out}: the file exists; use --force to overwrite it")


def check_output_dir(out: Path, inputs: Sequence[str | Path] = ()) -> None:
    """Refuse, before any work, an output directory (``-o DIR``) that is a file: one of the
    inputs, or another file.
    """
    from maturity.io.files import check_outputs

    if out.exists() and not out.is_dir():
        check_outputs([out], inputs)
        raise ValueError(f"-o must be a directory; {out} is a file")


def os_problem(exc: OSError) -> str:
    """What an error of the operating system means, in words, naming the file; for the one
    line of :func:`maturity.cli.main` (not ``[Errno 17] File exists: 'x'``).
    """
    import errno

    name = exc.filename2 if exc.filename2 is not None else exc.filename
    if name is None:
        return (exc.strerror or str(exc)).lower()
    path = Path(str(name))
    code = exc.errno
    if code == errno.EEXIST:
        if path.exists() and not path.is_dir():
            return f"{path} is a file where a directory is expected"
        return f"{path}: the file exists; use --force to overwrite it"
    if code == errno.EISDIR:
        return f"{path} is a directory where a file is expected"
    if code == errno.ENOTDIR:
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                return f"{path}: {parent} is a file where a directory is expected"
        return f"{path}: a part of the path is a file where a directory is expected"
    if code == errno.ENOENT:
        if not path.parent.exists():
            return f"{path}: the directory {path.parent} does not exist"
        return f"{path}: no such file or directory"
    if code in (errno.EACCES, errno.EPERM):
        return f"{path}: permission denied"
    if code == errno.ENOSPC:
        return f"{path}: no space left on the device"
    if code == errno.EROFS:
        return f"{path}: the file system is read-only"
    if code == errno.ENAMETOOLONG:
        return f"{path}: the name is too long"
    return f"{path}: {(exc.strerror or str(exc)).lower()}"


def format_of(source: str) -> str | None:
    """The ``format:`` tag of a file (or of the bundled file with this id), read cheaply from
    its first lines; None when there is none.
    """
    from maturity.bundle import bundled

    path = Path(source)
    if not path.exists():
        found = [b.path for b in bundled() if b.id == source]
        if not found:
            return None
        path = found[0]
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in head.splitlines():
        if line.startswith("format:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return None


def choices(option: str, text: str, allowed: Sequence[str]) -> list[str]:
    """The comma-separated values of ``option``, each one of ``allowed`` (in order, once)."""
    values = list(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise UsageError(
            f"{option}: {bad[0] if bad else text!r} is not one of {', '.join(allowed)} "
            "(several are separated by commas)"
        )
    return values


def peer_target(target: str | None, peers: str | None) -> None:
    """Refuse a peer target (``p50``, ``p75``, ``p90``, ``median``) without ``--peers``."""
    if target in ("p50", "p75", "p90", "median") and not peers:
        raise UsageError(
            f"--target {target} needs --peers FILE (peer scores, answers or 'synthetic')"
        )


def target_of(text: str, model: ScoringModel | None = None) -> object:
    """The ``--target`` option: a keyword, a number or a file with a target profile.

    With ``model``, a number (and every score of a target profile) must be finite and inside
    the model's range, and a profile may only name the model's nodes; a target profile file
    is read with the strict YAML reader and its problems are located (``file:line:col``).

    Raises:
        UsageError: not a keyword, a number or a JSON/YAML file name, or not finite.
        ValueError: a number outside the model's range.
        SpecError: a target-profile file that cannot be read or is not a mapping node → score.

    """
    import math

    if text in ("next_level", "p50", "p75", "p90", "median"):
        return text
    allowed = "next_level, p50, p75, p90, a number or a file with a target profile"
    if model is not None:
        lo, hi = model.range
        allowed = (
            f"next_level, p50, p75, p90, a number from {lo:g} to {hi:g} or a file with a "
            "target profile"
        )
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            raise UsageError(f"--target: {text!r} is not a finite number (allowed: {allowed})")
        if model is not None and not model.range[0] <= number <= model.range[1]:
            raise ValueError(
                f"--target: {text} is outside the model's range {model.range[0]:g} to "
                f"{model.range[1]:g} (allowed: {allowed})"
            )
        return number
    p = Path(text)
    if p.suffix.lower() in (".json", ".yaml", ".yml"):
        return _target_profile(p, model)
    raise UsageError(f"--target: {text!r} is not one of: {allowed}")


def _target_profile(path: Path, model: ScoringModel | None) -> dict[str, float]:
    """A target profile file: a mapping node id → target score, every problem located."""
    import math

    from maturity.errors import SpecError, list_allowed, suggest
    from maturity.spec.yamlio import read_yaml

    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        found = type(doc.data).__name__
        raise SpecError(
            [doc.problem("S003", (), expected="a mapping node id -> target score", found=found)]
        )
    problems = []
    out: dict[str, float] = {}
    for node, value in doc.data.items():
        where = (node,)
        if model is not None and node not in model.rules:
            problems.append(
                doc.problem(
                    "S004",
                    where,
                    key=True,
                    detail=f"'{node}' is not a node of model '{model.id}'"
                    + suggest(node, model.rules),
                )
            )
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(
                doc.problem("S003", where, expected="a target score", found=type(value).__name__)
            )
            continue
        x = float(value) if abs(value) < 1e300 else math.inf
        if not math.isfinite(x):
            problems.append(doc.problem("S010", where, what="a target score", found=value))
            continue
        if model is not None and not model.range[0] <= x <= model.range[1]:
            lo, hi = model.range
            problems.append(
                doc.problem(
                    "S004", where, detail=f"{x:g} is outside the model's range {lo:g} to {hi:g}"
                )
            )
            continue
        out[node] = x
    if not out and not problems:
        problems.append(
            doc.problem(
                "S004",
                (),
                detail="the target profile names no node"
                + (f" (nodes: {list_allowed(model.rules)})" if model is not None else ""),
            )
        )
    if problems:
        raise SpecError(problems)
    return out
