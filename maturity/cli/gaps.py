"""``maturity gaps``: gaps to a target and priorities."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import answer_arguments, check_output, command, err, scored, target_of


def _add(sub: Any) -> None:
    g = sub.add_parser(
        "gaps",
        help="gaps to a target and priorities",
        description="Score answers, compare them with a target and rank what "
        "to do first (gap x weight x importance).",
    )
    answer_arguments(g, "gaps.csv or gaps.json")
    g.add_argument(
        "--target",
        default="next_level",
        help="next_level (default), p50, p75, p90 (needs --peers), a number, or a "
        "JSON/YAML file mapping node ids to target scores",
    )
    g.add_argument("--peers", help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'")


@command("gaps", _add)
def run(args: argparse.Namespace) -> int:
    """Gaps to a target and priorities."""
    from maturity.gap_analysis import gaps
    from maturity.peers import load_peers

    out = Path(args.output)
    inputs = [*args.answers, args.questionnaire, args.model, args.target]
    check_output(out, args.force, inputs=[*inputs, *([args.peers] if args.peers else [])])
    scores = scored(args)
    target = target_of(args.target, scores.model)
    peers = load_peers(args.peers, scores.model) if args.peers else None
    result = gaps(scores, target, peers=peers)
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    err(f"gaps of {len(scores)} to {result.target_kind} -> {out}")
    return 0
