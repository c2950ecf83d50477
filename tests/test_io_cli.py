"""Reading answers from the command line: warnings, --strict, --skip-bad-cells, --date-format,
--by-company, capped problems, and never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import maturity as mt
from maturity.cli import main
from maturity.demo import sample_path

LINE = re.compile(r"^\S.*: .*\[R\d{3}\]$")


def sample_rows():
    text = sample_path("i40-readiness").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def write(path, header, rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def kept(scores_csv):
    text = scores_csv.read_text(encoding="utf-8")
    return {r["respondent_id"] for r in csv.DictReader(io.StringIO(text))}


def score(tmp_path, answers, *flags):
    return main(
        [
            "score",
            answers,
            "-q",
            "i40-readiness",
            "-m",
            "i40-readiness-weighted",
            "-o",
            str(tmp_path / "s.csv"),
            "--force",
            *flags,
        ]
    )


def test_a_missing_item_column_is_a_warning_or_with_strict_an_error(tmp_path, capsys):
    header, rows = sample_rows()
    k = header.index("st.kpis")
    answers = write(
        tmp_path / "a.csv", header[:k] + header[k + 1 :], [r[:k] + r[k + 1 :] for r in rows]
    )
    assert score(tmp_path, answers) == 0
    err = capsys.readouterr().err
    assert "a.csv:1: st.kpis: warning: no column for item 'st.kpis'" in err
    assert err.count("[R014]") == 1
    assert score(tmp_path, answers, "--strict") == 1
    err = capsys.readouterr().err
    assert "[R014]" in err and "warning" not in err


def test_by_company_without_a_company_column_is_an_error(tmp_path, capsys):
    header, rows = sample_rows()
    k = header.index("company")
    answers = write(
        tmp_path / "a.csv", header[:k] + header[k + 1 :], [r[:k] + r[k + 1 :] for r in rows]
    )
    assert score(tmp_path, answers) == 0
    capsys.readouterr()
    assert score(tmp_path, answers, "--by-company") == 1
    err = capsys.readouterr().err
    assert "--by-company needs a 'company' column" in err and "Traceback" not in err


def test_skip_bad_cells_keeps_a_company_with_one_stray_value(tmp_path, capsys):
    header, rows = sample_rows()
    k = header.index("st.kpis")
    rows = [list(r) for r in rows]
    rows[0][k] = "very much"  # not an option
    answers = write(tmp_path / "a.csv", header, rows)
    assert score(tmp_path, answers) == 1
    assert score(tmp_path, answers, "--skip-bad-rows") == 0
    err = capsys.readouterr().err
    assert "skipped: " in err
    rows_kept = kept(tmp_path / "s.csv")
    assert rows[0][0] not in rows_kept
    assert score(tmp_path, answers, "--skip-bad-cells") == 0
    err = capsys.readouterr().err
    assert "skipped: " in err and "'very much' is not an option of 'st.kpis'" in err
    rows_kept = kept(tmp_path / "s.csv")
    assert rows[0][0] in rows_kept


def test_dates_day_first_with_date_format(tmp_path, capsys):
    header, rows = sample_rows()
    k = header.index("date")
    rows = [list(r) for r in rows]
    for r in rows:  # 2025-06-10 -> 10/06/2025
        if r[k]:
            y, m, d = r[k].split("-")
            r[k] = f"{d}/{m}/{y}"
    answers = write(tmp_path / "a.csv", header, rows)
    out = tmp_path / "s.json"
    args = ["score", answers, "-q", "i40-readiness", "-m", "i40-readiness-weighted", "-o", str(out)]
    assert main([*args, "--date-format", "%d/%m/%Y"]) == 0
    q = mt.load_questionnaire("i40-readiness")
    want = {r.id: r.profile.date for r in mt.read_responses(sample_path("i40-readiness"), q)}
    got = {r.id: r.profile.date for r in mt.read_responses(answers, q, date_format="%d/%m/%Y")}
    assert got == want


def test_answers_to_another_questionnaire_say_so_first(tmp_path, capsys):
    answers = str(sample_path("digital-maturity"))
    assert score(tmp_path, answers) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[R009]" in err[0]
    assert "'digital-maturity'" in err[0] and "'i40-readiness'" in err[0]


def test_a_file_bad_in_every_row_prints_50_lines_and_a_count(tmp_path):
    header, rows = sample_rows()
    k = header.index("st.kpis")
    many = []
    for i in range(300):
        r = list(rows[i % len(rows)])
        r[0] = f"r{i}"
        r[k] = "nope"
        many.append(r)
    answers = write(tmp_path / "a.csv", header, many)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "maturity.cli",
            "score",
            answers,
            "-q",
            "i40-readiness",
            "-m",
            "i40-readiness-weighted",
            "-o",
            str(tmp_path / "s.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 51 and all(LINE.match(x) for x in lines)
    assert "... and 250 more problems (the first 50 are listed) [R013]" in lines[-1]
