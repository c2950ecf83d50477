"""``maturity score``: score answer files with a scoring model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import (
    answer_arguments,
    check_output,
    command,
    err,
    print_warnings,
    read_all,
)
from maturity.numbers import counted


def _add(sub: Any) -> None:
    sc = sub.add_parser(
        "score",
        help="score answers with a scoring model",
        description="Score answer files (CSV or JSON) with a scoring model and "
        "write the scores (CSV or JSON, by the output's suffix).",
    )
    answer_arguments(sc, "scores.csv or scores.json")


def _write_scores(scores: object, out: Path, force: bool) -> None:
    if out.suffix.lower() == ".json":
        scores.to_json(out, force=force)  # type: ignore[attr-defined]
    elif out.suffix.lower() == ".csv":
        scores.to_csv(out, force=force)  # type: ignore[attr-defined]
    else:
        raise ValueError(f"{out}: the output must end in .csv or .json")


@command("score", _add)
def run(args: argparse.Namespace) -> int:
    """Score answer files and write the scores."""
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.scoring import score

    out = Path(args.output)
    # before any work: the output's suffix, an existing file, an output that is an input
    check_output(out, args.force, inputs=[*args.answers, args.questionnaire, args.model])
    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    merged = read_all(args.answers, q, args)
    scores = print_warnings(score(merged, model, by="company" if args.by_company else "respondent"))
    _write_scores(scores, out, args.force)
    what = "company" if args.by_company else "respondent"
    err(f"scored {counted(len(scores), what)} with {model.id} -> {out}")
    return 0
