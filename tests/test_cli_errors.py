"""Bad input on the command line: one line naming what is wrong and what is allowed, the exit
status of its kind (2 wrong usage, 1 invalid input), never a usage block or a traceback.
"""

from __future__ import annotations

import pytest

from maturity.cli import main
from maturity.demo import sample_path

ANSWERS = str(sample_path("i40-readiness"))
QM = ("-q", "i40-readiness", "-m", "i40-readiness-weighted")
PLAN = ("--actions", "i40-readiness-actions", "--budget", "60000", "--horizon", "12")


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line argparse prints for ``argv`` (exit status 2)."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["plan", ANSWERS, *QM, *PLAN[:3], "60k", *PLAN[4:], "-o", "p.json"],
            "maturity plan: error: argument --budget: '60k' is not a number (allowed: an amount "
            "in euro from 0, e.g. 60000) (see 'maturity plan --help')",
        ),
        (
            ["plan", ANSWERS, *QM, *PLAN[:4], "-o", "p.json"],
            "maturity plan: error: the following arguments are required: --horizon "
            "(see 'maturity plan --help')",
        ),
        (
            ["plan", ANSWERS, *QM, *PLAN[:5], "0", "-o", "p.json"],
            "maturity plan: error: argument --horizon: 0 months is not a duration (allowed: a "
            "number of months above 0, e.g. 12) (see 'maturity plan --help')",
        ),
        (
            ["score", ANSWERS, *QM],
            "maturity score: error: the following arguments are required: -o/--output "
            "(see 'maturity score --help')",
        ),
        (
            ["gaps", ANSWERS, *QM, "-o", "g.csv", "--min-group", "two"],
            "maturity gaps: error: argument --min-group: 'two' is not a whole number (allowed: "
            "a whole number from 1) (see 'maturity gaps --help')",
        ),
        (
            ["benchmark", ANSWERS, "-m", "i40-readiness-weighted", "-o", "b.csv"],
            "maturity benchmark: error: the following arguments are required: --peers "
            "(see 'maturity benchmark --help')",
        ),
        (
            ["report", ANSWERS, *QM, "-o", "r", "--date", "2026-13-01"],
            "maturity report: error: argument --date: '2026-13-01' is not a date YYYY-MM-DD "
            "(see 'maturity report --help')",
        ),
        (
            ["report", ANSWERS, *QM, "-o", "r", "-j", "-1"],
            "maturity report: error: argument -j/--jobs: -1 is below 0 (allowed: a whole number "
            "from 0) (see 'maturity report --help')",
        ),
        (
            ["export", "i40-readiness", "-o", "x.csv"],
            "maturity export: error: the following arguments are required: --to "
            "(see 'maturity export --help')",
        ),
        (
            ["template"],
            "maturity template: error: the following arguments are required: QUESTIONNAIRE, "
            "-o/--output (see 'maturity template --help')",
        ),
        (
            ["validate", "--frobnicate", "i40-readiness"],
            "maturity: error: unrecognized arguments: --frobnicate (see 'maturity --help')",
        ),
        (
            ["show"],
            "maturity show: error: the following arguments are required: FILE|ID "
            "(see 'maturity show --help')",
        ),
        (
            ["demo", "-j", "many"],
            "maturity demo: error: argument -j/--jobs: 'many' is not a whole number (allowed: "
            "a whole number from 0) (see 'maturity demo --help')",
        ),
        (
            ["frobnicate"],
            "maturity: error: argument COMMAND: invalid choice: 'frobnicate' (choose from "
            "'validate', 'show', 'export', 'template', 'score', 'gaps', 'benchmark', 'plan', "
            "'report', 'demo') (see 'maturity --help')",
        ),
    ],
)
def test_argument_errors_are_one_line_not_the_usage_block(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert usage_error(argv, capsys) == line


@pytest.mark.parametrize("command", ["score", "gaps", "plan", "report"])
def test_an_unknown_source_format_is_wrong_usage(
    command: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / ("out" if command == "report" else "out.json")
    extra = list(PLAN) if command == "plan" else []
    argv = [command, ANSWERS, *QM, *extra, "--source", "xyz", "-o", str(out)]
    assert usage_error(argv, capsys) == (
        f"maturity {command}: error: argument --source: unknown answers format 'xyz' (allowed: "
        "auto, csv, json, parquet, arrow, xlsx, xlsx-form, surveyjs, forms, kobo, limesurvey) "
        f"(see 'maturity {command} --help')"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["score", ANSWERS, *QM],
            "maturity score: error: {out}: the output must end in .csv or .json",
        ),
        (
            ["gaps", ANSWERS, *QM],
            "maturity gaps: error: {out}: the output must end in .csv or .json",
        ),
        (
            ["plan", ANSWERS, *QM, *PLAN],
            "maturity plan: error: {out}: the output must end in .csv or .json",
        ),
        (
            ["benchmark", ANSWERS, "--peers", "synthetic", "-m", "i40-readiness-weighted"],
            "maturity benchmark: error: {out}: the output must end in .csv or .json",
        ),
        (
            ["export", "i40-readiness", "--to", "surveyjs"],
            "maturity export: error: {out}: a surveyjs file must end in .json",
        ),
    ],
)
def test_an_output_suffix_the_command_cannot_write_is_wrong_usage(
    argv: list[str], line: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.txt"
    assert main([*argv, "-o", str(out)]) == 2
    assert capsys.readouterr().err == line.format(out=out) + "\n"
    assert not out.exists()


def test_an_unknown_export_format_is_wrong_usage(tmp_path, capsys) -> None:
    assert main(["export", "i40-readiness", "--to", "docx", "-o", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == (
        "maturity export: error: --to: unknown format 'docx' (allowed: csv, xlsform, xlsx-form, "
        "surveyjs)\n"
    )


@pytest.mark.parametrize("command", ["gaps", "plan", "report"])
def test_a_peer_target_without_peers_is_said_in_the_command_lines_words(
    command: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / ("out" if command == "report" else "out.json")
    extra = list(PLAN) if command == "plan" else []
    assert main([command, ANSWERS, *QM, *extra, "--target", "p75", "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"maturity {command}: error: --target p75 needs --peers FILE (peer scores, answers or "
        "'synthetic')\n"
    )
    assert not out.exists()
