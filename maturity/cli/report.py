"""``maturity report``: HTML or PDF reports of companies, and the portfolio overview."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
from pathlib import Path
from typing import Any, Literal, cast

from maturity.cli.common import (
    UsageError,
    answer_arguments,
    check_output_dir,
    choices,
    command,
    count,
    err,
    load_scores,
    peer_target,
    read_all,
    target_of,
)


def _add(sub: Any) -> None:
    rp = sub.add_parser(
        "report",
        help="HTML or PDF reports of companies",
        description="Score answers and write one report per company (or the "
        "one named) into a directory, in the languages asked.",
    )
    answer_arguments(rp, "directory for the reports")
    rp.add_argument("--peers", help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'")
    rp.add_argument(
        "--min-group",
        type=count(1),
        default=5,
        metavar="N",
        help="smallest peer group ever shown (default: %(default)s)",
    )
    rp.add_argument(
        "--target",
        help="target of the gaps: next_level, p50, p75, p90, a number or a JSON/YAML "
        "file (default: p75 with --peers, else next_level)",
    )
    who = rp.add_mutually_exclusive_group()
    who.add_argument(
        "--company",
        action="append",
        metavar="ID",
        help="only this company (repeat for several)",
    )
    who.add_argument("--all", action="store_true", help="every company (the default)")
    rp.add_argument(
        "--previous",
        metavar="FILE",
        help="an earlier assessment (scores JSON/CSV or answers) to show the change since",
    )
    rp.add_argument(
        "--portfolio",
        action="store_true",
        help="also write the portfolio overview of all the companies",
    )
    rp.add_argument("--lang", default="en", help="it, en or both: it,en (default: en)")
    rp.add_argument("--format", default="html", help="html, pdf or both: html,pdf (default: html)")
    rp.add_argument(
        "--branding",
        metavar="DIR",
        help="a directory with templates, report.css and logo.svg/png to override",
    )
    rp.add_argument("--organisation", metavar="NAME", help="who hands the report over (cover)")
    rp.add_argument("--consultant", metavar="NAME", help="who ran the assessment (cover)")
    rp.add_argument("--email", help="the consultant's e-mail (the report's 'Who can help')")
    rp.add_argument("--phone", help="the consultant's phone number")
    rp.add_argument("--website", metavar="URL", help="the consultant's website (https://...)")
    rp.add_argument(
        "--date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="report date on the cover (default: none)",
    )
    from maturity.cli.plan import plan_arguments

    plan_arguments(rp, required=False)  # with --actions, the action plan of each company
    rp.add_argument(
        "-j", "--jobs", type=count(0), default=0, help="processes (default: one per CPU)"
    )
    rp.add_argument("--quiet", action="store_true", help="no progress bar")


_FORMATS = ("html", "pdf")


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


@command("report", _add)
def run(args: argparse.Namespace) -> int:
    """Write reports of companies (and the portfolio)."""
    import os

    from maturity.benchmarking import benchmark
    from maturity.gap_analysis import gaps
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.report.batch import ReportJob, run_reports
    from maturity.report.render import LANGUAGES, Branding
    from maturity.scoring import score

    peer_target(args.target, args.peers)
    inputs = [
        *args.answers,
        *(f for f in (args.previous, args.peers, args.target, args.branding, args.actions) if f),
        args.questionnaire,
        args.model,
    ]
    check_output_dir(Path(args.output), inputs)
    langs = choices("--lang", args.lang, LANGUAGES)
    formats = cast("list[Literal['html', 'pdf']]", choices("--format", args.format, _FORMATS))
    if "pdf" in formats:
        from maturity.report.pdf import require_weasyprint

        require_weasyprint()  # before any work: a clear message if the extra is missing
    date = args.date
    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    # the target before any work: a number outside the model's range is refused at once
    target_arg = target_of(args.target, model) if args.target else None
    responses = read_all(args.answers, q, args)
    present = list(dict.fromkeys(r.company_id for r in responses))  # as score() orders them
    unknown = [c for c in args.company or () if c not in present]
    if unknown:
        raise ValueError(
            f"no company '{unknown[0]}' in the answers (companies: "
            f"{', '.join(present[:10])}{', ...' if len(present) > 10 else ''})"
        )
    if args.company:  # only those: reports, portfolio, gaps and benchmark
        wanted = set(args.company)
        responses = dataclasses.replace(
            responses, respondents=tuple(r for r in responses if r.company_id in wanted)
        )
    scores = score(responses, model, by="company")
    companies = list(dict.fromkeys(args.company)) if args.company else list(scores.ids)
    bench = None
    peers = load_scores(args.peers, model, "peers") if args.peers else None
    if peers is not None:
        bench = benchmark(scores, peers, min_group=args.min_group)
    target = target_arg if target_arg is not None else "p75" if bench else "next_level"
    previous = None
    if args.previous:
        if args.previous == "synthetic":
            raise UsageError(
                "--previous: give the scores or answers file of the earlier assessment"
            )
        previous = load_scores(args.previous, model)
    plans = None
    if args.actions or args.budget is not None or args.horizon is not None:
        missing = [
            name
            for name, value in (
                ("--actions", args.actions),
                ("--budget", args.budget),
                ("--horizon", args.horizon),
            )
            if value is None
        ]
        if missing:
            raise UsageError(f"an action plan needs {', '.join(missing)} as well")
        from maturity.cli.plan import make_plans

        plans = make_plans(args, scores, responses, companies, peers=peers)
    branding = Branding(
        args.branding,
        name=args.organisation,
        consultant=args.consultant,
        email=args.email,
        phone=args.phone,
        website=args.website,
    )
    job = ReportJob(
        scores,
        bench,
        gaps(scores, target, peers=bench),
        responses,
        branding,
        date,
        previous,
        plans,
    )
    count = len(companies) * len(langs) * len(formats)
    workers = args.jobs or min(os.cpu_count() or 1, count)
    written = run_reports(
        job,
        companies,
        args.output,
        langs=langs,
        formats=formats,
        force=args.force,
        workers=workers,
        progress=not args.quiet,
        portfolio=args.portfolio,
        inputs=inputs,
    )
    for path in written[:5]:
        err(f"wrote {path}")
    if len(written) > 5:
        err(f"... and {len(written) - 5} more in {args.output}")
    return 0
