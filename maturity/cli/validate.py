"""``maturity validate``: check questionnaires, scoring models and action catalogues, every
problem one line.
"""

from __future__ import annotations

import argparse
from typing import Any

from maturity.cli.common import command, err, format_of, out
from maturity.errors import SpecError
from maturity.numbers import counted


def _load_any(source: str, strict: bool, questionnaire: object = None) -> object:
    """Load a questionnaire, a scoring model or an action catalogue, told apart by their
    ``format:`` tag; a model or a catalogue is checked against ``questionnaire`` when given
    (else the bundled one it names).
    """
    from maturity.questionnaire import load_questionnaire

    fmt = format_of(source) or ""
    if fmt.startswith("maturity/scoring-model"):
        from maturity.model import load_model  # type: ignore[import-not-found,unused-ignore]

        return load_model(source, questionnaire, strict=strict)  # type: ignore[arg-type]
    if fmt.startswith("maturity/action"):
        from maturity.action_catalogue import load_actions

        return load_actions(source, questionnaire, strict=strict)  # type: ignore[arg-type]
    return load_questionnaire(source, strict=strict)


def _add(sub: Any) -> None:
    v = sub.add_parser(
        "validate",
        help="check questionnaires, scoring models and action catalogues",
        description="Check questionnaire, scoring-model and action-catalogue files. Prints every "
        "problem as file:line:col: field: message; exit status 1 if any file "
        "is invalid.",
    )
    v.add_argument("files", nargs="+", metavar="FILE", help="YAML files or bundled ids")
    v.add_argument(
        "-q",
        "--questionnaire",
        metavar="Q",
        help="questionnaire file or bundled id to check scoring models against (default: the "
        "bundled questionnaire each model names)",
    )
    v.add_argument(
        "--strict", action="store_true", help="treat warnings (e.g. missing translations) as errors"
    )
    v.add_argument("--quiet", action="store_true", help="print problems only")


@command("validate", _add)
def run(args: argparse.Namespace) -> int:
    """Validate every file named; 1 if any is invalid."""
    bad = 0
    questionnaire = None
    if args.questionnaire:
        from maturity.questionnaire import load_questionnaire

        try:
            questionnaire = load_questionnaire(args.questionnaire, strict=args.strict)
        except SpecError as exc:
            for problem in exc.problems:
                out(str(problem))
            err(f"{args.questionnaire}: invalid questionnaire; scoring models not checked")
            return 1
    for source in args.files:
        try:
            obj = _load_any(source, args.strict, questionnaire)
        except SpecError as exc:
            bad += 1
            for problem in exc.problems:
                out(str(problem))
            continue
        for w in getattr(obj, "warnings", ()):
            out(str(w))
        if not args.quiet:
            err(f"{source}: valid ({obj!r})")
    n = len(args.files)
    if n > 1 or bad:
        err(f"{counted(n, 'file')} checked, {bad} invalid")
    return 1 if bad else 0
