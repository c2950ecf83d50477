"""``maturity demo``: the whole pipeline on the shipped data."""

from __future__ import annotations

import argparse
from typing import Any

from maturity.cli.common import command, count


def _add(sub: Any) -> None:
    d = sub.add_parser(
        "demo",
        help="run the whole pipeline on the shipped data",
        description="Run the pipeline on the shipped questionnaires, models and "
        "sample answers, writing the results into a directory.",
    )
    d.add_argument("-o", "--output", default="maturity-demo", metavar="DIR")
    d.add_argument("--force", action="store_true", help="overwrite existing files")
    d.add_argument(
        "--format", default="html,pdf", help="html, pdf or both: html,pdf (default: %(default)s)"
    )
    d.add_argument(
        "-j", "--jobs", type=count(0), default=0, help="processes (default: one per CPU)"
    )
    d.add_argument("--quiet", action="store_true", help="no progress bar")


@command("demo", _add)
def run(args: argparse.Namespace) -> int:
    """Run the pipeline on the shipped data."""
    from pathlib import Path
    from typing import Literal, cast

    from maturity.cli.common import check_output_dir, choices
    from maturity.demo import run_demo

    formats = cast("list[Literal['html', 'pdf']]", choices("--format", args.format, _FORMATS))
    check_output_dir(Path(args.output))
    run_demo(
        args.output,
        force=args.force,
        formats=formats,
        workers=args.jobs or None,
        progress=not args.quiet,
    )
    return 0


_FORMATS = ("html", "pdf")
