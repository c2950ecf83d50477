"""``maturity export`` and ``maturity template``: a questionnaire in a collection tool's format,
and an empty answers file.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from maturity.cli.common import UsageError, check_output, command, count, err


def _formats() -> list[str]:
    from maturity.io.registry import EXPORTS

    return list(EXPORTS.names())


def _add_export(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="write a questionnaire as an interview workbook, XLSForm, SurveyJS form or CSV",
        description="Export a questionnaire to a collection tool: xlsx-form (an interview "
        "workbook read back as answers), xlsform (ODK, KoboToolbox), surveyjs, csv (an empty "
        "answers file). A condition the format cannot express is an error; caveats are "
        "printed as warnings.",
    )
    p.add_argument(
        "questionnaire", metavar="QUESTIONNAIRE", help="questionnaire file or bundled id"
    )
    p.add_argument("--to", required=True, metavar="FORMAT", help=f"one of: {', '.join(_formats())}")
    p.add_argument(
        "--lang",
        metavar="LANGS",
        help="languages, comma-separated, the main one first (default: the questionnaire's)",
    )
    p.add_argument(
        "--respondents",
        type=count(1),
        default=10,
        metavar="N",
        help="xlsx-form: the number of respondent columns (default 10)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument("--force", action="store_true", help="overwrite the output")


def _write(args: argparse.Namespace, to: str) -> int:
    from maturity.io.export import ExportWarning
    from maturity.io.files import write_bytes
    from maturity.io.registry import EXPORTS
    from maturity.questionnaire import load_questionnaire

    if to not in EXPORTS.names():
        raise UsageError(f"--to: unknown format {to!r} (allowed: {', '.join(EXPORTS.names())})")
    fmt = EXPORTS.get(to)
    out = Path(args.output)
    if fmt.suffixes and not any(out.name.lower().endswith(s) for s in fmt.suffixes):
        raise UsageError(f"{out}: a {to} file must end in {' or '.join(fmt.suffixes)}")
    inputs = [args.questionnaire] if Path(args.questionnaire).exists() else []
    check_output(out, args.force, None, inputs)  # the suffix is checked above
    q = load_questionnaire(args.questionnaire)
    options: dict[str, Any] = {"langs": getattr(args, "lang", None) or q.languages}
    if getattr(args, "respondents", None) is not None:
        options["respondents"] = args.respondents
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExportWarning)
        data = fmt.export(q, options)
    for w in caught:
        if issubclass(w.category, ExportWarning):
            err(f"warning: {w.message}")
    write_bytes(out, data, force=args.force)
    err(f"{out}: {to} of {q.ref} written")
    return 0


@command("export", _add_export)
def run_export(args: argparse.Namespace) -> int:
    """Export a questionnaire."""
    return _write(args, args.to)


def _add_template(sub: Any) -> None:
    p = sub.add_parser(
        "template",
        help="write an empty answers CSV with the questionnaire's columns",
        description="Write an empty answers file (CSV) with every column of the "
        "questionnaire: respondent_id, questionnaire, the profile and one column per item. "
        "The same as 'maturity export Q --to csv'.",
    )
    p.add_argument(
        "questionnaire", metavar="QUESTIONNAIRE", help="questionnaire file or bundled id"
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the CSV file to write")
    p.add_argument("--force", action="store_true", help="overwrite the output")


@command("template", _add_template)
def run_template(args: argparse.Namespace) -> int:
    """Write an empty answers CSV."""
    return _write(args, "csv")
