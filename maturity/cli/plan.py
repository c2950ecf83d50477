"""``maturity plan``: the optimal action plan of each company, within a budget and a horizon."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maturity.cli.common import (
    check_output,
    command,
    count,
    err,
    euro,
    load_scores,
    months,
    peer_target,
    read_all,
    reading_arguments,
    target_of,
)
from maturity.numbers import counted, fixed


def plan_arguments(p: argparse.ArgumentParser, *, required: bool) -> None:
    """The arguments that make plans (shared with ``maturity report``)."""
    p.add_argument(
        "--actions",
        required=required,
        metavar="CAT",
        help="action catalogue file or bundled id (e.g. i40-readiness-actions)",
    )
    p.add_argument(
        "--budget",
        type=euro,
        required=required,
        metavar="EUR",
        help="the most each company spends, in euro, net of public funding",
    )
    p.add_argument(
        "--horizon",
        type=months,
        required=required,
        metavar="MONTHS",
        help="the plan must end within this many months",
    )
    p.add_argument(
        "--cost",
        choices=("low", "mid", "high"),
        default="mid",
        help="plan with the low end, the middle or the high end of each cost range "
        "(default: %(default)s)",
    )


def _add(sub: Any) -> None:
    p = sub.add_parser(
        "plan",
        help="the optimal action plan of each company",
        description="Score answers and choose, for each company, the actions of a catalogue "
        "that close most of its priority-weighted gaps within a budget (net of public funding) "
        "and a horizon, in waves, with the projected scores after each wave and the reason "
        "for every action left out.",
    )
    reading_arguments(p)
    plan_arguments(p, required=True)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="plan.json or plan.csv")
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--company", action="append", metavar="ID", help="only this company (repeat for several)"
    )
    who.add_argument("--all", action="store_true", help="every company (the default)")
    p.add_argument("--peers", help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'")
    p.add_argument(
        "--min-group",
        type=count(1),
        default=5,
        metavar="N",
        help="smallest peer group and smallest published demand cell (default: %(default)s)",
    )
    p.add_argument(
        "--target",
        help="target of the gaps: next_level, p50, p75, p90, a number or a JSON/YAML file "
        "(default: p75 with --peers, else next_level)",
    )
    p.add_argument(
        "--demand",
        metavar="CSV",
        help="also write the demand for each action across the companies (disclosure rules "
        "applied) to this CSV file",
    )
    p.add_argument("--force", action="store_true", help="overwrite the outputs")


def make_plans(
    args: argparse.Namespace, scores: Any, responses: Any, companies: Any, *, peers: Any = None
) -> Any:
    """Plans of ``companies`` from the plan arguments (shared with ``maturity report``);
    ``peers`` are loaded from ``--peers`` when not given.
    """
    from maturity.action_catalogue import load_actions
    from maturity.planning import plan_all

    catalogue = load_actions(args.actions, scores.model.questionnaire)
    if peers is None and getattr(args, "peers", None):
        peers = load_scores(args.peers, scores.model, "peers")
    target = args.target or ("p75" if peers is not None else "next_level")
    return plan_all(
        scores,
        responses,
        catalogue,
        budget=args.budget,
        horizon_months=args.horizon,
        companies=companies,
        target=target_of(target, scores.model),
        peers=peers,
        min_group=args.min_group,
        cost=args.cost,
    )


@command("plan", _add)
def run(args: argparse.Namespace) -> int:
    """Plan every company (or the ones named) and write the plans."""
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.scoring import score

    out = Path(args.output)
    inputs = [*args.answers, args.questionnaire, args.model, args.actions]
    inputs += [args.peers] if args.peers and args.peers != "synthetic" else []
    check_output(out, args.force, inputs=inputs)
    peer_target(args.target, args.peers)
    if args.demand:
        check_output(Path(args.demand), args.force, suffixes=(".csv",), inputs=[*inputs, out])
    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    responses = read_all(args.answers, q, args)
    scores = score(responses, model, by="company")
    unknown = [c for c in args.company or () if c not in scores.ids]
    if unknown:
        shown = ", ".join(scores.ids[:10]) + (", ..." if len(scores.ids) > 10 else "")
        raise ValueError(f"no company '{unknown[0]}' in the answers (companies: {shown})")
    companies = list(dict.fromkeys(args.company)) if args.company else None
    plans = make_plans(args, scores, responses, companies)
    if out.suffix.lower() == ".json":
        plans.to_json(out, force=args.force)
    else:
        plans.to_csv(out, force=args.force)
    for plan in list(plans.values())[:10]:
        now, then = plan.today.get("root"), plan.projected.get("root")
        err(
            f"{plan.company}: {counted(len(plan.actions), 'action')} in "
            f"{counted(len(plan.waves), 'wave')}, {counted(plan.weeks, 'week', spec='.0f')}, "
            f"net {plan.net_cost:,.0f} of {plan.budget:,.0f} EUR, "
            f"overall {fixed(now)} -> {fixed(then)}"
            + ("" if plan.exact else " (estimated: see the methodology)")
            + _no_target(plan)
        )
    if len(plans) > 10:
        err(f"... and {len(plans) - 10} more")
    err(f"plans of {counted(len(plans), 'company')} -> {out}")
    if args.demand:
        demand = plans.demand(min_group=args.min_group)
        demand.to_csv(args.demand, force=args.force)
        err(
            f"demand for {counted(len(demand.total_rows()), 'action')} (cells of at least "
            f"{counted(args.min_group, 'company')}) -> {args.demand}"
        )
    return 0


def _no_target(plan: Any) -> str:
    """What of the plan has no target, said after its summary line ("" when all has one)."""
    missing = plan.untargeted
    if not missing:
        return ""
    why = ": insufficient peers" if str(plan.target_kind).startswith("peer") else ""
    if len(missing) == len(plan.nodes):
        return f" (no target{why})"
    return f" (no target for {', '.join(missing)}{why})"
