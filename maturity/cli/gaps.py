"""``maturity gaps``: gaps to a target and priorities."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import (
    answer_arguments,
    check_output,
    command,
    count,
    err,
    is_scores_file,
    load_scores,
    peer_fields,
    peer_target,
    scored,
    target_of,
)
from maturity.numbers import counted


def _add(sub: Any) -> None:
    g = sub.add_parser(
        "gaps",
        help="gaps to a target and priorities",
        description="Score answers (or read a scores file written by 'maturity score'), compare "
        "them with a target and rank what to do first (gap x weight x importance). A peer "
        "target (p50, p75, p90) is the quantile of each company's own peer group, chosen as "
        "'maturity benchmark' does; where the group is too small there is no peer target.",
    )
    answer_arguments(g, "gaps.csv or gaps.json")
    g.add_argument(
        "--target",
        default="next_level",
        help="next_level (default), p50, p75, p90 (needs --peers), a number within the "
        "model's range, or a JSON/YAML file mapping node ids to target scores",
    )
    g.add_argument("--peers", help="peer scores (JSON/CSV), answers (CSV/JSON) or 'synthetic'")
    g.add_argument(
        "--by",
        type=peer_fields,
        default="sector,size_class,region",
        help="profile fields that define peer groups (default: %(default)s)",
    )
    g.add_argument(
        "--min-group",
        type=count(1),
        default=5,
        metavar="N",
        help="smallest peer group ever used (default: %(default)s)",
    )


@command("gaps", _add)
def run(args: argparse.Namespace) -> int:
    """Gaps to a target and priorities."""
    from maturity.gap_analysis import gaps
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire

    out = Path(args.output)
    inputs = [*args.answers, args.questionnaire, args.model, args.target]
    inputs += [args.peers] if args.peers and args.peers != "synthetic" else []
    check_output(out, args.force, inputs=[i for i in inputs if i])
    peer_target(args.target, args.peers)
    if len(args.answers) == 1 and is_scores_file(args.answers[0]):
        model = load_model(args.model, load_questionnaire(args.questionnaire))
        scores = load_scores(args.answers[0], model)
        unit = f"row of {args.answers[0]}"
    else:
        scores = scored(args)
        unit = "company" if args.by_company else "respondent"
    peers = load_scores(args.peers, scores.model, "peers") if args.peers else None
    target = target_of(args.target, scores.model)
    options: dict[str, Any] = {}
    if peers is not None and target in ("p50", "p75", "p90", "median"):
        options = {"by": args.by, "min_group": args.min_group}
    result = gaps(scores, target, peers=peers, **options)
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    missing = 0 if result.no_peer_target is None else int(result.no_peer_target.any(axis=1).sum())
    note = f" ({missing} without a peer target: insufficient peers)" if missing else ""
    err(f"gaps of {counted(len(scores), unit)} to {result.target_kind}{note} -> {out}")
    return 0
