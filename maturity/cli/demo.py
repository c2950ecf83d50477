"""``maturity demo``: the whole pipeline on the shipped data."""

from __future__ import annotations

import argparse
from typing import Any

from maturity.cli.common import command


def _add(sub: Any) -> None:
    d = sub.add_parser(
        "demo",
        help="run the whole pipeline on the shipped data",
        description="Run the pipeline on the shipped questionnaires, models and "
        "sample answers, writing the results into a directory.",
    )
    d.add_argument("-o", "--output", default="maturity-demo", metavar="DIR")
    d.add_argument("--force", action="store_true", help="overwrite existing files")


@command("demo", _add)
def run(args: argparse.Namespace) -> int:
    """Run the pipeline on the shipped data."""
    from maturity.demo import run_demo

    run_demo(args.output, force=args.force)
    return 0
