"""What the sub-commands share: the command registry, output, and common arguments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire

__all__ = [
    "COMMANDS",
    "Command",
    "answer_arguments",
    "check_output",
    "choices",
    "command",
    "err",
    "out",
    "read_all",
    "scored",
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


def out(line: str = "") -> None:
    """Print a line of results on standard output."""
    sys.stdout.write(line + "\n")


def err(line: str) -> None:
    """Print a line of progress or a problem on standard error."""
    sys.stderr.write(line + "\n")


def answer_arguments(p: argparse.ArgumentParser, output: str) -> None:
    """The arguments of every command that scores answer files."""
    p.add_argument("answers", nargs="+", metavar="ANSWERS", help="answer files (CSV or JSON)")
    p.add_argument(
        "-q", "--questionnaire", required=True, metavar="Q", help="questionnaire file or bundled id"
    )
    p.add_argument(
        "-m", "--model", required=True, metavar="M", help="scoring-model file or bundled id"
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT", help=output)
    p.add_argument(
        "--by-company",
        action="store_true",
        help="combine the respondents of each company (the 'company' column)",
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
    parts = [
        read_responses(
            p, q, on_error=on_error, strict=bool(get("strict")), date_format=get("date_format")
        )
        for p in paths
    ]
    for part in parts:
        for problem in part.warnings:
            err(str(problem))
        for problem in part.skipped:
            err(f"skipped: {problem}")
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
    return score(merged, model, by="company" if args.by_company else "respondent")


def check_output(
    out: Path,
    force: bool,
    suffixes: tuple[str, ...] = (".csv", ".json"),
    inputs: Sequence[str | Path] = (),
) -> None:
    """Refuse an output with a wrong suffix, an existing one without ``--force``, and one that
    is also an input, before any work.
    """
    from maturity.io.files import check_outputs

    if out.suffix.lower() not in suffixes:
        raise ValueError(f"{out}: the output must end in {' or '.join(suffixes)}")
    check_outputs([out], inputs)
    if out.exists() and not force:
        raise ValueError(f"{out}: the file exists; use --force to overwrite it")


def choices(option: str, text: str, allowed: Sequence[str]) -> list[str]:
    """The comma-separated values of ``option``, each one of ``allowed`` (in order, once)."""
    values = list(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValueError(
            f"{option}: {bad[0] if bad else text!r} is not one of {', '.join(allowed)} "
            "(several are separated by commas)"
        )
    return values


def target_of(text: str) -> object:
    """The ``--target`` option: a keyword, a number or a file with a target profile."""
    if text in ("next_level", "p50", "p75", "p90", "median"):
        return text
    try:
        return float(text)
    except ValueError:
        pass
    p = Path(text)
    if p.suffix.lower() in (".json", ".yaml", ".yml"):
        from maturity.spec.yamlio import read_yaml

        data = read_yaml(p).data
        if not isinstance(data, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()
        ):
            raise ValueError(f"{p}: a target profile is a mapping node id -> score")
        return data
    raise ValueError(
        f"--target: '{text}' is not next_level, p50, p75, p90, a number or a "
        "file with a target profile"
    )
