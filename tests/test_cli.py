"""The command line as a user meets it."""

import json
import subprocess
import sys

import pytest

import maturity as mt
from maturity.cli import main
from maturity.demo import sample_path


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "maturity.cli", *args], capture_output=True, text=True, check=False
    )


def test_validate_shipped_files_exit_0():
    files = [str(b.path) for b in mt.bundled()]
    proc = run("validate", "--strict", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""  # no problems, no warnings


def test_validate_bundled_ids_and_missing_file(capsys):
    assert main(["validate", "i40-readiness", "i40-readiness-weighted"]) == 0
    assert main(["validate", "no/such/file.yaml"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("no/such/file.yaml: <root>: cannot read the file")


def test_missing_translation_is_a_warning_unless_strict(tmp_path, capsys):
    p = tmp_path / "q.yaml"
    p.write_text(
        "format: maturity/questionnaire@1\nid: q\nversion: 1.0.0\n"
        "languages: [en, it]\ntitle: {en: Q}\n"
        "items:\n  - {id: a, kind: boolean, text: {en: A, it: A}}\n"
    )
    assert main(["validate", str(p)]) == 0
    assert "warning: missing translation for language(s) it [T001]" in capsys.readouterr().out
    assert main(["validate", "--strict", str(p)]) == 1


def test_show_prints_tree_counts_and_languages():
    proc = run("show", "i40-readiness", "--lang", "en")
    assert proc.returncode == 0
    out = proc.stdout
    assert "languages: it 100%, en 100%" in out
    assert "smart_factory  Smart factory  (8 items)  [when]" in out
    q = mt.load_questionnaire("i40-readiness")
    assert f"root  Industry 4.0 readiness  ({len(q.items)} items)" in out
    proc = run("show", "digital-maturity")
    assert proc.returncode == 0 and "Maturità digitale delle PMI" in proc.stdout


def test_score_writes_csv_and_json_and_refuses_to_overwrite(tmp_path):
    answers = str(sample_path("i40-readiness"))
    out = tmp_path / "s.json"
    args = ["score", answers, "-q", "i40-readiness", "-m", "i40-readiness-weighted", "-o", str(out)]
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["model"]["id"] == "i40-readiness-weighted" and len(doc["rows"]) == 6
    again = run(*args)
    assert again.returncode == 1 and "use --force" in again.stderr
    assert "Traceback" not in again.stderr
    assert run(*args, "--force", "--by-company").returncode == 0
    assert len(json.loads(out.read_text())["rows"]) == 3
    csv_out = tmp_path / "s.csv"
    assert (
        run(
            "score",
            answers,
            "-q",
            "i40-readiness",
            "-m",
            "i40-readiness-impuls",
            "-o",
            str(csv_out),
        ).returncode
        == 0
    )
    assert csv_out.read_text().startswith("respondent_id,node,score,level,coverage")


def test_bad_answers_print_one_line_each(tmp_path):
    bad = tmp_path / "a.csv"
    bad.write_text(
        "respondent_id,sector,employees,sf.has_production,sp.makes_products,"
        "ds.offers_services,st.kpis\nr1,C,10,yes,no,no,very\n"
    )
    proc = run(
        "score",
        str(bad),
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-weighted",
        "-o",
        str(tmp_path / "o.csv"),
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert (
        f"{bad}:2:7: st.kpis: 'very' is not an option of 'st.kpis' (allowed: "
        "not_at_all, slightly, partly, largely, fully, dont_know) [R002]" in lines
    )
    # the required items left empty are reported too, each on its own line
    assert all(line.startswith(f"{bad}:2") and line.endswith("]") for line in lines)
    assert any("[R006]" in line for line in lines)


def test_demo_runs_on_shipped_data(tmp_path):
    proc = run("demo", "-o", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "demo" / "scores-i40-readiness-weighted.json").exists()
    reports = tmp_path / "demo" / "reports" / "i40-readiness"
    for lang in ("it", "en"):
        html = (reports / f"Officine-Rossi.{lang}.html").read_text()
        assert "Officine Rossi" in html and "<svg" in html
        assert (reports / f"Officine-Rossi.{lang}.pdf").read_bytes().startswith(b"%PDF")
    again = run("demo", "-o", str(tmp_path / "demo"))
    assert again.returncode == 1 and "use --force" in again.stderr


def test_report_command_one_company(tmp_path):
    answers = str(sample_path("i40-readiness"))
    proc = run(
        "report",
        answers,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-impuls",
        "--company",
        "Verdi Digital",
        "--lang",
        "it",
        "--quiet",
        "-o",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["Verdi-Digital.it.html"]
    bad = run(
        "report",
        answers,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-impuls",
        "--company",
        "Nobody",
        "-o",
        str(tmp_path),
    )
    assert bad.returncode == 1 and "no company 'Nobody'" in bad.stderr


def test_report_command_languages_formats_portfolio_and_cover(tmp_path):
    answers = str(sample_path("i40-readiness"))
    common = ["report", answers, "-q", "i40-readiness", "-m", "i40-readiness-weighted"]
    proc = run(
        *common,
        "--company",
        "Verdi Digital",
        "--company",
        "Officine Rossi",
        "--portfolio",
        "--lang",
        "it,en",
        "--format",
        "html",
        "--organisation",
        "Centro Demo",
        "--consultant",
        "Maria Bianchi",
        "--date",
        "2026-11-25",
        "-o",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "Officine-Rossi.en.html",
        "Officine-Rossi.it.html",
        "Verdi-Digital.en.html",
        "Verdi-Digital.it.html",
        "portfolio.en.html",
        "portfolio.it.html",
    ]
    html = (tmp_path / "Verdi-Digital.it.html").read_text()
    assert "Centro Demo" in html and "Maria Bianchi" in html and "25 novembre 2026" in html
    # the portfolio has the companies asked for, and only those
    portfolio = (tmp_path / "portfolio.en.html").read_text()
    assert "Verdi Digital" in portfolio and "Bianchi Alimentari" not in portfolio
    # bad values: one line each, exit 1, nothing written
    for option, value, message in (
        ("--lang", "it,fr", "--lang: 'fr' is not one of en, it"),
        ("--format", "docx", "--format: 'docx' is not one of html, pdf"),
        ("--date", "2026-13-01", "--date: '2026-13-01' is not a date"),
        ("--target", "p75", "p75"),
    ):
        bad = run(*common, option, value, "-o", str(tmp_path / "bad"))
        assert bad.returncode == 1, (option, bad.stderr)
        assert len(bad.stderr.strip().splitlines()) == 1 and message in bad.stderr
        assert "Traceback" not in bad.stderr
        assert not (tmp_path / "bad").exists()
    both = run(*common, "--company", "Verdi Digital", "--all", "-o", str(tmp_path / "bad"))
    assert both.returncode == 2 and "not allowed with argument --company" in both.stderr


def test_report_command_with_an_earlier_assessment(tmp_path):
    answers = str(sample_path("i40-readiness"))
    model = ("-q", "i40-readiness", "-m", "i40-readiness-weighted")
    before = tmp_path / "before.json"
    assert run("score", answers, *model, "--by-company", "-o", str(before)).returncode == 0
    proc = run(
        "report", answers, *model, "--previous", str(before), "--company", "Verdi Digital",
        "-o", str(tmp_path / "out"), "--quiet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out" / "Verdi-Digital.en.html").read_text()
    # the same answers twice: a change column of zeros, and the earlier profile on the radar
    assert '<th scope="col" class="num">Change</th>' in html
    assert 'id="radar-previous"' in html
    assert '<td class="num">0.0</td>' in html


def test_report_command_says_how_to_get_pdf_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the extra were not installed
    argv = ["report", "no-such-answers.csv", "-q", "i40-readiness", "-m", "i40-readiness-weighted"]
    status = main([*argv, "--format", "html,pdf", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.splitlines()
    # the missing extra is said first: the answers file (which does not exist) is not read yet
    assert status == 1 and len(err) == 1
    assert 'pip install "maturity[pdf]"' in err[0]
    assert not (tmp_path / "out").exists()


def test_report_command_with_a_hostile_branding_template(tmp_path):
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "report.html.j2").write_text("<p>hi</p>\n{{ ''.__class__.__mro__ }}\n")
    answers = str(sample_path("i40-readiness"))
    proc = run(
        *("report", answers, "-q", "i40-readiness", "-m", "i40-readiness-weighted"),
        *("--branding", str(brand), "-j", "2", "-o", str(tmp_path / "out")),
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"maturity: error: {brand / 'report.html.j2'}:2: refused by the sandbox: "
        "access to attribute '__class__' of 'str' object is unsafe."
    ]
    assert not (tmp_path / "out").exists()


def test_version_and_help():
    assert run("--version").stdout.startswith("maturity ")
    assert run("--help").returncode == 0
    with pytest.raises(SystemExit):
        main(["--help"])


def test_gaps_command(tmp_path):
    answers = str(sample_path("i40-readiness"))
    out = tmp_path / "g.json"
    proc = run(
        "gaps",
        answers,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-weighted",
        "--by-company",
        "--target",
        "p75",
        "--peers",
        "synthetic",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert [r["company"] for r in doc["rows"]] == [
        "Officine Rossi",
        "Bianchi Alimentari",
        "Verdi Digital",
    ]
    assert doc["rows"][0]["target"] == "peer p75"
    bad = run(
        "gaps",
        answers,
        "-q",
        "i40-readiness",
        "-m",
        "i40-readiness-weighted",
        "--target",
        "p75",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert bad.returncode == 1 and "needs peers" in bad.stderr and "Traceback" not in bad.stderr


def test_benchmark_command(tmp_path):
    answers = str(sample_path("i40-readiness"))
    scores = tmp_path / "s.json"
    assert (
        run(
            "score",
            answers,
            "-q",
            "i40-readiness",
            "-m",
            "i40-readiness-weighted",
            "--by-company",
            "-o",
            str(scores),
        ).returncode
        == 0
    )
    out = tmp_path / "b.json"
    proc = run(
        "benchmark",
        str(scores),
        "--peers",
        "synthetic",
        "-m",
        "i40-readiness-weighted",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "synthetic peers" in proc.stderr
    doc = json.loads(out.read_text())
    assert doc["synthetic"] is True
    agg = tmp_path / "agg.csv"
    assert (
        run(
            "benchmark",
            str(scores),
            "--peers",
            "synthetic",
            "-m",
            "i40-readiness-weighted",
            "--aggregate",
            "-o",
            str(agg),
        ).returncode
        == 0
    )
    assert agg.read_text().startswith("sector,size_class,region,node,n,")
