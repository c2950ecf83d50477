"""Bad input on the command line: one line naming what is wrong and what is allowed, the exit
status of its kind (2 wrong usage, 1 invalid input), never a usage block or a traceback.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from maturity.cli import main
from maturity.cli.common import os_problem
from maturity.demo import sample_path
from maturity.numbers import counted
from maturity.scores import Scores

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
            [
                *("benchmark", ANSWERS, "--peers", "synthetic", "-m", "i40-readiness-weighted"),
                *("-o", "b.csv", "--interval", "--confidence", "95"),
            ],
            "maturity benchmark: error: argument --confidence: 95 is not between 0 and 1 "
            "(allowed: a number between 0 and 1, e.g. 0.95) (see 'maturity benchmark --help')",
        ),
        (
            ["gaps", ANSWERS, *QM, "-o", "g.csv", "--by", "sector,size"],
            "maturity gaps: error: argument --by: unknown peer-group field 'size' (allowed: "
            "sector, region, size_class, separated by commas) (see 'maturity gaps --help')",
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


# --- the file system, in words ------------------------------------------------------------


def test_report_output_that_is_a_file_is_said_in_words(tmp_path, capsys) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_bytes(Path(ANSWERS).read_bytes())
    scores = tmp_path / "scores.json"
    scores.write_text("{}")
    # the output is one of the inputs
    assert main(["report", str(answers), *QM, "-o", str(answers), "--quiet"]) == 1
    assert capsys.readouterr().err == (
        f"maturity: error: {answers}: the output is also an input of this command; "
        "write it elsewhere\n"
    )
    # another file where a directory is expected (report and demo)
    assert main(["report", str(answers), *QM, "-o", str(scores), "--quiet"]) == 1
    assert (
        capsys.readouterr().err == f"maturity: error: -o must be a directory; {scores} is a file\n"
    )
    assert main(["demo", "-o", str(scores), "--format", "html", "--quiet"]) == 1
    assert (
        capsys.readouterr().err == f"maturity: error: -o must be a directory; {scores} is a file\n"
    )


def test_a_directory_or_a_file_in_the_way_of_an_output_is_said_in_words(tmp_path, capsys) -> None:
    folder = tmp_path / "scores.json"
    folder.mkdir()
    file = tmp_path / "file"
    file.write_text("")
    for force in ([], ["--force"]):
        assert main(["score", ANSWERS, *QM, "-o", str(folder), *force]) == 1
        assert capsys.readouterr().err == (
            f"maturity: error: {folder} is a directory where a file is expected\n"
        )
    under = file / "plan.json"
    assert main(["plan", ANSWERS, *QM, *PLAN, "-o", str(under)]) == 1
    assert capsys.readouterr().err == (
        f"maturity: error: {under}: {file} is a file where a directory is expected\n"
    )
    demand = file / "demand.csv"
    assert (
        main(["plan", ANSWERS, *QM, *PLAN, "-o", str(tmp_path / "p.json"), "--demand", str(demand)])
        == 1
    )
    assert capsys.readouterr().err == (
        f"maturity: error: {demand}: {file} is a file where a directory is expected\n"
    )
    assert not (tmp_path / "p.json").exists()  # refused before any work
    assert main(["export", "i40-readiness", "--to", "surveyjs", "-o", str(folder), "--force"]) == 1
    assert capsys.readouterr().err == (
        f"maturity: error: {folder} is a directory where a file is expected\n"
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (errno.EACCES, "{path}: permission denied"),
        (errno.EPERM, "{path}: permission denied"),
        (errno.EISDIR, "{path} is a directory where a file is expected"),
        (errno.ENOSPC, "{path}: no space left on the device"),
        (errno.EROFS, "{path}: the file system is read-only"),
    ],
)
def test_operating_system_errors_are_said_in_words(code, message, tmp_path, monkeypatch, capsys):
    # wherever they happen (here: writing the scores), one line, no "[Errno N]"
    path = tmp_path / "scores.json"

    def refuse(self, out, **kwargs):
        raise OSError(code, os.strerror(code), str(out))

    monkeypatch.setattr(Scores, "to_json", refuse)
    assert main(["score", ANSWERS, *QM, "-o", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"maturity: error: {message.format(path=path)}"]


def test_os_problem_names_the_missing_directory_and_the_target_of_a_rename(tmp_path) -> None:
    missing = tmp_path / "nowhere" / "x.csv"
    assert os_problem(FileNotFoundError(errno.ENOENT, "No such file", str(missing))) == (
        f"{missing}: the directory {missing.parent} does not exist"
    )
    renamed = OSError(errno.EISDIR, "Is a directory", ".tmp-1", None, str(tmp_path))
    assert os_problem(renamed) == f"{tmp_path} is a directory where a file is expected"
    file = tmp_path / "f"
    file.write_text("")
    assert os_problem(FileExistsError(errno.EEXIST, "File exists", str(file))) == (
        f"{file} is a file where a directory is expected"
    )


# --- no respondents ------------------------------------------------------------------------


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.csv"
    assert main(["template", "i40-readiness", "-o", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "{t}", *QM, "-o", "{out}.json"],
        ["gaps", "{t}", *QM, "-o", "{out}.csv"],
        ["plan", "{t}", *QM, *PLAN, "-o", "{out}.json"],
        ["report", "{t}", *QM, "-o", "{out}", "--quiet"],
        [
            "benchmark",
            "{t}",
            "--peers",
            "synthetic",
            "-m",
            "i40-readiness-weighted",
            "-o",
            "{out}.csv",
        ],
    ],
)
def test_a_file_without_respondents_is_an_error_not_an_empty_output(
    argv: list[str], template: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    capsys.readouterr()
    assert main([a.format(t=template, out=out) for a in argv]) == 1
    assert capsys.readouterr().err == f"maturity: error: no respondents in {template}\n"
    assert list(tmp_path.iterdir()) == [template]  # nothing written


def test_an_interview_workbook_not_filled_in_has_no_respondents(tmp_path: Path, capsys) -> None:
    form = tmp_path / "form.xlsx"
    assert main(["export", "i40-readiness", "--to", "xlsx-form", "-o", str(form)]) == 0
    capsys.readouterr()
    assert main(["score", str(form), *QM, "-o", str(tmp_path / "s.json")]) == 1
    assert capsys.readouterr().err == f"maturity: error: no respondents in {form}\n"


def test_every_row_skipped_and_empty_peers(template: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    # the required profile fields' columns are there (else the file is refused whole, R015),
    # their cells empty: the one row is skipped
    bad.write_text("respondent_id,questionnaire,sector,employees\nr1,i40-readiness,,\n")
    argv = ["score", str(bad), *QM, "-o", str(tmp_path / "s.json"), "--skip-bad-rows"]
    assert main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"maturity: error: no respondents left in {bad}: every row was skipped"
    argv = ["gaps", ANSWERS, *QM, "--peers", str(template), "-o", str(tmp_path / "g.csv")]
    assert main(argv) == 1
    assert capsys.readouterr().err == f"maturity: error: no peers in {template}\n"


# --- a scores file where the answers are needed -----------------------------------------------


@pytest.mark.parametrize(
    ("argv", "suffix"),
    [
        (["plan", "{s}", *QM, *PLAN, "-o", "{out}.json"], ".json"),
        (["plan", "{s}", *QM, *PLAN, "-o", "{out}.json"], ".csv"),
        (["report", "{s}", *QM, "-o", "{out}", "--quiet"], ".json"),
        (["score", "{s}", *QM, "-o", "{out}.json"], ".csv"),
    ],
)
def test_a_scores_file_given_for_the_answers_is_named_as_such(
    argv: list[str], suffix: str, tmp_path: Path, capsys
) -> None:
    scores = tmp_path / f"scores{suffix}"
    assert main(["score", ANSWERS, *QM, "-o", str(scores)]) == 0
    capsys.readouterr()
    assert main([a.format(s=scores, out=tmp_path / "out") for a in argv]) == 1
    assert capsys.readouterr().err == (
        f"maturity: error: {scores} is a scores file (written by 'maturity score'); "
        f"'maturity {argv[0]}' needs the answers file\n"
    )
    # gaps reads one scores file, but not mixed with answers
    assert main(["gaps", str(scores), *QM, "-o", str(tmp_path / "g.csv")]) == 0
    capsys.readouterr()
    assert main(["gaps", str(scores), ANSWERS, *QM, "-o", str(tmp_path / "g2.csv")]) == 1
    assert capsys.readouterr().err.endswith("(gaps takes one scores file alone)\n")


# --- counts in English ----------------------------------------------------------------------


def test_counted_is_singular_for_one_only() -> None:
    assert counted(1, "company") == "1 company"
    assert counted(0, "company") == "0 companies"
    assert counted(2, "wave") == "2 waves"
    assert counted(1.2, "week", spec=".0f") == "1 week"  # as shown
    assert counted(1.6, "week", spec=".0f") == "2 weeks"
    assert counted(2000, "peer", spec=",") == "2,000 peers"
    assert counted(1, "day") == "1 day" and counted(3, "day") == "3 days"


def test_plan_summary_counts_one_in_the_singular(tmp_path: Path, capsys) -> None:
    out, demand = tmp_path / "plan.json", tmp_path / "demand.csv"
    argv = ["plan", ANSWERS, *QM, "--actions", "i40-readiness-actions", "--budget", "500"]
    argv += ["--horizon", "12", "--company", "Verdi Digital", "--min-group", "1"]
    assert main([*argv, "-o", str(out), "--demand", str(demand)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("Verdi Digital: 3 actions in 1 wave, 6 weeks, net 300 of 500 EUR")
    assert err[1:] == [
        f"plans of 1 company -> {out}",
        f"demand for 3 actions (cells of at least 1 company) -> {demand}",
    ]


def test_a_spec_file_that_is_a_directory_is_said_in_words(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "model.yaml"
    folder.mkdir()
    assert main(["validate", str(folder)]) == 1
    assert capsys.readouterr().out == (
        f"{folder}: cannot read the file: a directory, not a file [Y011]\n"
    )
    target = tmp_path / "missing.yaml"
    assert main(["gaps", ANSWERS, *QM, "--target", str(target), "-o", str(tmp_path / "g.csv")]) == 1
    assert capsys.readouterr().err == f"{target}: cannot read the file: no such file [Y011]\n"
