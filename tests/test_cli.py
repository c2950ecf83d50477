"""The command line as a user meets it."""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import maturity as mt
from maturity.cli import main
from maturity.demo import sample_path


def run_process(*args):
    """``maturity ARGS...`` in a new process, exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "maturity.cli", *args], capture_output=True, text=True, check=False
    )


def run(*args):
    """``maturity ARGS...`` in this process (the same ``main`` as the console script, without
    the cost of starting Python): exit status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, wrong usage
            status = exc.code if isinstance(exc.code, int) else 1
    return SimpleNamespace(returncode=status, stdout=out.getvalue(), stderr=err.getvalue())


def test_validate_shipped_files_exit_0():
    files = [str(b.path) for b in mt.bundled()]
    proc = run_process("validate", "--strict", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""  # no problems, no warnings


def test_validate_bundled_ids_and_missing_file(capsys):
    assert main(["validate", "i40-readiness", "i40-readiness-weighted"]) == 0
    assert main(["validate", "no/such/file.yaml"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("no/such/file.yaml: cannot read the file")


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
    proc = run_process(*args)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["model"]["id"] == "i40-readiness-weighted" and len(doc["rows"]) == 6
    again = run_process(*args)
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


@pytest.mark.slow
def test_demo_runs_on_shipped_data(demo_dir, tmp_path):
    """The whole demo as a user runs it (README command 1), PDF included."""
    assert (demo_dir / "scores-i40-readiness-weighted.json").exists()
    reports = demo_dir / "reports" / "i40-readiness"
    for lang in ("it", "en"):
        html = (reports / f"Officine-Rossi.{lang}.html").read_text()
        assert "Officine Rossi" in html and "<svg" in html
        assert (reports / f"Officine-Rossi.{lang}.pdf").read_bytes().startswith(b"%PDF")
    # 3 companies x 2 languages x 2 formats for each of the two questionnaires
    assert len(list((demo_dir / "reports").rglob("*.*"))) == 2 * 3 * 2 * 2
    again = run_process("demo", "-o", str(demo_dir))
    assert again.returncode == 1 and "use --force" in again.stderr


@pytest.mark.slow  # a demo end to end (every report of both questionnaires)
def test_demo_html_in_parallel_with_progress(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--format", "html", "-j", "2"]) == 0
    err = capsys.readouterr().err
    for q in ("i40-readiness", "digital-maturity"):
        names = sorted(p.name for p in (out / "reports" / q).iterdir())
        companies = ("Bianchi-Alimentari", "Officine-Rossi", "Verdi-Digital")
        assert names == sorted(f"{c}.{lang}.html" for c in companies for lang in ("en", "it"))
    assert err.count("6/6 reports") == 2  # a progress line per batch, ending at the total
    assert main(["demo", "-o", str(out), "--format", "html"]) == 1
    assert "use --force" in capsys.readouterr().err


def test_validate_a_model_against_a_questionnaire_that_is_not_bundled(tmp_path, capsys):
    """`validate MODEL -q QUESTIONNAIRE` (-q means --questionnaire, as in every command)."""
    root = Path(__file__).resolve().parent.parent
    q = tmp_path / "mine.yaml"
    q.write_text(
        (root / "questionnaires" / "i40-readiness.yaml")
        .read_text(encoding="utf-8")
        .replace("\nid: i40-readiness\n", "\nid: my-readiness\n"),
        encoding="utf-8",
    )
    m = tmp_path / "model.yaml"
    m.write_text(
        (root / "scoring_models" / "i40-readiness-weighted.yaml")
        .read_text(encoding="utf-8")
        .replace("questionnaire: {id: i40-readiness,", "questionnaire: {id: my-readiness,"),
        encoding="utf-8",
    )
    assert main(["validate", str(m)]) == 1  # the questionnaire is not bundled: say so
    assert "[M008]" in capsys.readouterr().out
    assert main(["validate", str(m), "-q", str(q)]) == 0
    assert "valid (<ScoringModel i40-readiness-weighted" in capsys.readouterr().err
    assert main(["validate", str(m), "--questionnaire", str(q), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")  # --quiet: problems only, and there are none
    # against a questionnaire the model does not fit: its problems, one line each
    assert main(["validate", str(m), "-q", "digital-maturity"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith(f"{m}:") and line.endswith("]") for line in lines)


def test_the_tutorial_target_is_the_upper_quartile_of_the_own_peer_group(
    tmp_path, monkeypatch, capsys
):
    """docs/tutorial.md followed step by step: the report's target is the upper quartile of
    the company's own peer group, as its caption says (not of the whole peer file)."""
    import re

    import numpy as np

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(tmp_path)  # the tutorial writes its answers.csv here
    # the PDF step is not what is checked here (test_docs runs it): its printing is skipped
    monkeypatch.setattr("maturity.report.pdf.render_pdf", lambda html, **kw: b"%PDF-skipped")
    ns: dict = {}
    text = (root / "docs" / "tutorial.md").read_text(encoding="utf-8")
    for k, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S)):
        exec(compile(block, f"tutorial, example {k + 1}", "exec"), ns)
    capsys.readouterr()
    scores, bench, peers = ns["scores"], ns["bench"], ns["peers"]
    group = bench.row("Officine Rossi")["group"]
    # the group's members, found independently from the peers' profiles and its filters
    f = group["filters"]
    members = [
        i
        for i, p in enumerate(peers.profiles)
        if (f.get("sector") is None or (p.sector or "").startswith(f["sector"]))
        and (f.get("region") is None or (p.region or "").startswith(f["region"]))
        and f.get("size_class") is None
    ]
    assert f.get("size_class") is None  # (the filter checked by hand above)
    assert len(members) == group["size"] >= 5
    html = mt.render_report(scores, "Officine Rossi", benchmark=bench, gaps=ns["g"])
    assert "Target: the peers&#39; upper quartile." in html
    cells = dict(
        re.findall(
            r'<a href="#dim-[^"]+">([^<]+)</a></td>\s*<td class="num">[^<]*</td>\s*'
            r'<td class="num">([^<]+)</td>',
            html.split('id="priorities"', 1)[1],
        )
    )
    assert len(cells) == len(scores.model.top_nodes)
    model = scores.model
    for node in model.top_nodes:
        values = peers.score[members, peers.nodes.index(node)]
        values = values[~np.isnan(values)]
        # the published upper quartile (docs/methodology-benchmark.md, disclosure control): the
        # mean of the block of sorted scores (blocks of at least min_group = 5) that holds the
        # order statistic nearest to numpy's position, rounded to 2 decimals
        a = np.sort(values)
        m, k = len(a), 5
        q = m // k
        starts = [i * m // q for i in range(q + 1)]
        nearest = int(np.floor((m - 1) * 0.75 + 0.5))
        block = next(i for i in range(q) if starts[i] <= nearest < starts[i + 1])
        from fractions import Fraction

        exact = sum(map(Fraction, a[starts[block] : starts[block + 1]].tolist()))
        exact /= starts[block + 1] - starts[block]
        own = float(Fraction(int(exact * 100 + Fraction(1, 2)), 100))  # half away (>= 0)
        target = ns["g"].row("Officine Rossi")["nodes"][node]["target"]
        assert abs(target - own) < 1e-9, (node, target, own)
        # and it lies among the group's own scores near its upper quartile
        assert a[int(0.6 * m)] <= target <= a[int(0.9 * m)]
        title = scores.model.questionnaire.node(node).title.lang("en")
        shown = cells[title]
        assert shown == f"{target:.1f}" or abs(float(shown) - target) <= 0.05 + 1e-9
        whole = float(np.nanpercentile(peers.score[:, peers.nodes.index(node)], 75))
        assert abs(target - whole) > 0.05  # the whole file's quartile would be another number


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
    # bad values: one line each, exit 2 (wrong usage), nothing written
    for option, value, message in (
        ("--lang", "it,fr", "--lang: 'fr' is not one of en, it"),
        ("--format", "docx", "--format: 'docx' is not one of html, pdf"),
        ("--date", "2026-13-01", "--date: '2026-13-01' is not a date"),
        ("--target", "p75", "--target p75 needs --peers FILE"),
    ):
        bad = run(*common, option, value, "-o", str(tmp_path / "bad"))
        assert bad.returncode == 2, (option, bad.stderr)
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
    assert run_process("--version").stdout.startswith("maturity ")
    assert run_process("--help").returncode == 0
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
    # wrong usage, said in the command line's words (not the Python API's "a Scores")
    assert bad.returncode == 2
    assert bad.stderr == (
        "maturity gaps: error: --target p75 needs --peers FILE (peer scores, answers or "
        "'synthetic')\n"
    )


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
