"""``maturity benchmark``: percentile ranks and peer statistics, or the publishable table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import check_output, command, err


def _add(sub: Any) -> None:
    bm = sub.add_parser(
        "benchmark",
        help="compare scores with peers",
        description="Percentile ranks and peer statistics per company and "
        "node; peer groups by sector, size class and region, widened when too "
        "small, never reported below --min-group companies.",
    )
    bm.add_argument("scores", metavar="SCORES", help="scores JSON written by 'maturity score'")
    bm.add_argument(
        "--peers", required=True, help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'"
    )
    bm.add_argument(
        "-m",
        "--model",
        required=True,
        metavar="M",
        help="the scoring model the scores were made with",
    )
    bm.add_argument(
        "-q",
        "--questionnaire",
        metavar="Q",
        help="questionnaire file (default: the bundled one of the model)",
    )
    bm.add_argument(
        "--by",
        default="sector,size_class,region",
        help="profile fields that define peer groups (default: %(default)s)",
    )
    bm.add_argument(
        "--min-group",
        type=int,
        default=5,
        metavar="N",
        help="smallest group ever reported (default: %(default)s)",
    )
    bm.add_argument(
        "--bootstrap",
        action="store_true",
        help="add a bootstrap confidence interval of the peer median",
    )
    bm.add_argument(
        "--aggregate",
        action="store_true",
        help="write the publishable aggregate peer table instead",
    )
    bm.add_argument("-o", "--output", required=True, metavar="OUT")
    bm.add_argument("--force", action="store_true", help="overwrite the output")


@command("benchmark", _add)
def run(args: argparse.Namespace) -> int:
    """Compare scores with peers."""
    from maturity.benchmarking import benchmark, write_aggregate
    from maturity.model import load_model
    from maturity.peers import load_peers
    from maturity.scores import Scores

    out = Path(args.output)
    inputs = [args.scores, args.peers, args.model, args.questionnaire]
    check_output(out, args.force, inputs=[i for i in inputs if i])
    model = (
        load_model(args.model, args.questionnaire) if args.questionnaire else load_model(args.model)
    )
    scores = Scores.from_json(args.scores, model)
    peers = load_peers(args.peers, model)
    by = tuple(f.strip() for f in args.by.split(",") if f.strip())
    if args.aggregate:
        write_aggregate(out, peers, by=by, min_group=args.min_group, force=args.force)
        err(f"aggregate peer table (groups of at least {args.min_group}) -> {out}")
        return 0
    result = benchmark(scores, peers, by=by, min_group=args.min_group, bootstrap=args.bootstrap)
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    note = " (synthetic peers)" if peers.synthetic else ""
    err(f"benchmarked {len(scores)} against {len(peers)} peers{note} -> {out}")
    return 0
