"""``maturity benchmark``: percentile ranks and peer statistics, or the publishable table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import (
    check_output,
    command,
    count,
    err,
    load_scores,
    os_problem,
    peer_fields,
    share,
)
from maturity.numbers import counted


def _add(sub: Any) -> None:
    bm = sub.add_parser(
        "benchmark",
        help="compare scores with peers",
        description="Percentile ranks (mean rank: ties count half) and peer statistics per "
        "company and node; peer groups by sector, size class and region, widened when too "
        "small, never reported below --min-group companies; quantiles only from twice that, "
        "as means of blocks of companies.",
    )
    bm.add_argument(
        "scores",
        metavar="SCORES",
        help="scores written by 'maturity score' (JSON or CSV), or answers scored on load",
    )
    bm.add_argument(
        "--peers", required=True, help="peer scores (JSON/CSV), answers (CSV/JSON) or 'synthetic'"
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
        help="questionnaire file or bundled id, for a model that is not bundled with its "
        "questionnaire (default: the bundled questionnaire the model names)",
    )
    bm.add_argument(
        "--by",
        type=peer_fields,
        default="sector,size_class,region",
        help="profile fields that define peer groups (default: %(default)s)",
    )
    bm.add_argument(
        "--min-group",
        type=count(1),
        default=5,
        metavar="N",
        help="smallest group ever reported (default: %(default)s)",
    )
    bm.add_argument(
        "--interval",
        action="store_true",
        help="add the distribution-free confidence interval of the peer median",
    )
    bm.add_argument(
        "--confidence",
        type=share,
        default=0.95,
        metavar="C",
        help="level of --interval (default: %(default)s)",
    )
    bm.add_argument("--bootstrap", action="store_true", help=argparse.SUPPRESS)  # deprecated
    bm.add_argument(
        "--aggregate",
        action="store_true",
        help="write the publishable aggregate peer table instead",
    )
    bm.add_argument(
        "--since",
        metavar="RELEASE",
        help="the release file of an earlier run: publish nothing that differs from it by "
        "fewer than --release-k companies",
    )
    bm.add_argument(
        "--record-release",
        metavar="FILE",
        help="write what this run published (a release file, for --since next time; keep it, "
        "do not publish it)",
    )
    bm.add_argument(
        "--release-k",
        type=count(1),
        metavar="K",
        help="changes needed before a group is published again (default: --min-group)",
    )
    bm.add_argument("-o", "--output", required=True, metavar="OUT")
    bm.add_argument("--force", action="store_true", help="overwrite the outputs")


@command("benchmark", _add)
def run(args: argparse.Namespace) -> int:
    """Compare scores with peers."""
    from maturity.benchmarking import benchmark, write_aggregate
    from maturity.benchmarking.release import Release
    from maturity.model import load_model

    out = Path(args.output)
    inputs = [args.scores, args.model, args.questionnaire]
    inputs += [args.peers] if args.peers != "synthetic" else []
    if args.since:
        inputs.append(args.since)
    inputs = [i for i in inputs if i]
    check_output(out, args.force, inputs=inputs)
    if args.record_release:
        check_output(Path(args.record_release), args.force, (".json",), inputs=[*inputs, out])
    if args.bootstrap:
        err("maturity: warning: --bootstrap is deprecated; --interval gives the interval")
        args.interval = True
    model = (
        load_model(args.model, args.questionnaire) if args.questionnaire else load_model(args.model)
    )
    since = None
    if args.since:
        try:
            text = Path(args.since).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read the release: {os_problem(exc)}") from None
        since = Release.from_json(text, name=args.since)
    scores = load_scores(args.scores, model)
    peers = load_scores(args.peers, model, "peers")
    by = args.by
    options: dict[str, Any] = {"since": since, "release_k": args.release_k}
    if args.aggregate:
        table = write_aggregate(
            out, peers, by=by, min_group=args.min_group, force=args.force, **options
        )
        if args.record_release:
            table.release(label=out.name).to_json(args.record_release, force=args.force)
        err(
            f"aggregate peer table (groups of at least {counted(args.min_group, 'company')}) "
            f"-> {out}"
        )
        return 0
    result = benchmark(
        scores,
        peers,
        by=by,
        min_group=args.min_group,
        interval=args.interval,
        confidence=args.confidence,
        **options,
    )
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    if args.record_release:
        result.release(label=out.name).to_json(args.record_release, force=args.force)
    note = " (synthetic peers)" if peers.synthetic else ""
    err(
        f"benchmarked {counted(len(scores), 'row')} of {args.scores} against "
        f"{counted(len(peers), 'peer', spec=',')}"
        f"{note} -> {out}"
    )
    return 0
