"""Hostile input (issue 11): every error one line, branding templates sandboxed all the way,
files never lost or clobbered. Each case of the issue is a test with the right behaviour."""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.cli import main
from maturity.demo import sample_path
from maturity.errors import MaturityError, SpecError
from maturity.io import OutputExistsError, write_bytes
from maturity.report import sandbox
from maturity.report.batch import MAX_STEM, ReportJob, file_names, run_reports, safe_name
from maturity.report.errors import ReportError, TemplateError
from maturity.spec.yamlio import MAX_INT, read_yaml

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maturity.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# ------------------------------------------------------------------------------ YAML numbers


def test_a_401_digit_integer_is_one_located_line(tmp_path: Path, capsys: Any) -> None:
    text = (ROOT / "questionnaires" / "i40-readiness.yaml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    k = next(i for i, line in enumerate(lines) if line == "        value: 1\n")
    lines[k] = "        value: " + "9" * 401 + "\n"
    path = tmp_path / "q.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    line = one_line(capsys.readouterr().out)
    # line k + 1, column 16: where the number starts (counted by hand: 8 spaces, "value: ")
    assert line.startswith(f"{path}:{k + 1}:16: scales.adoption.options[1].value: ")
    assert line.endswith("[Y012]") and "401 characters" in line


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (str(2**53), True),
        (str(-(2**53)), True),
        (str(2**53 + 1), False),
        (str(-(2**53) - 1), False),
        ("0x20000000000000", True),  # 2**53
        ("0x20000000000001", False),
        ("0o400000000000000001", False),  # 2**53 + 1
        ("9" * 5000, False),  # beyond Python's own limit of digits for int()
        ("0000000000000000000000000000042", True),  # leading zeros are not magnitude
    ],
)
def test_integers_beyond_2_53_are_refused_at_their_place(text: str, ok: bool) -> None:
    source = f"a:\n  b: {text}\n"
    if ok:
        assert read_yaml(source).data == {
            "a": {"b": int(text, 0) if "0x" in text or "0o" in text else int(text)}
        }
        return
    with pytest.raises(SpecError) as info:
        read_yaml(source, file="n.yaml")
    (problem,) = info.value.problems
    assert (problem.code, problem.line, problem.column, problem.path) == ("Y012", 2, 6, "a.b")
    assert MAX_INT == 2**53


# ------------------------------------------------------------------------------ --target


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "99", "-1", "5.000001", "1e400"])
def test_a_target_outside_the_model_range_is_refused_before_any_work(
    value: str, tmp_path: Path, i40: dict[str, Any], capsys: Any
) -> None:
    answers = str(i40["path"])
    common = ["-q", "i40-readiness", "-m", "i40-readiness-weighted"]
    out = tmp_path / "out"
    for argv in (
        ["report", answers, *common, f"--target={value}", "-o", str(out)],
        ["gaps", answers, *common, f"--target={value}", "-o", str(out / "g.csv")],
    ):
        # not a finite number: wrong usage (2); outside the model's range: invalid input (1)
        finite = value not in ("nan", "inf", "-inf", "1e400")
        assert main(argv) == (1 if finite else 2)
        line = one_line(capsys.readouterr().err)
        prefix = "maturity" if finite else f"maturity {argv[0]}"
        assert line.startswith(f"{prefix}: error: --target:")
        assert "0 to 5" in line  # the model's range, read from the model
        assert not out.exists()
    if value == "nan":  # and as a user runs it
        proc = cli("gaps", answers, *common, f"--target={value}", "-o", str(out / "g.csv"))
        assert proc.returncode == 2 and "--target" in one_line(proc.stderr)


def test_targets_at_the_ends_of_the_range_are_accepted(tmp_path: Path, i40: dict[str, Any]) -> None:
    answers = str(i40["path"])
    common = ["-q", "i40-readiness", "-m", "i40-readiness-weighted", "--by-company"]
    for value, expected_gap in (("0", 0.0), ("5", None)):
        out = tmp_path / f"g{value}.json"
        assert main(["gaps", answers, *common, "--target", value, "-o", str(out)]) == 0
        import json

        rows = json.loads(out.read_text())["rows"]
        for row in rows:
            for node in row["nodes"].values():
                if expected_gap is not None:
                    assert node["gap"] == expected_gap  # nobody is below 0
                else:  # 5 - score, by hand
                    assert math.isclose(node["gap"], 5 - node["score"], abs_tol=1e-3)


def test_a_target_profile_is_checked_and_located(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "t.yaml"
    profile.write_text("strategy: 3\nsmart_factory: 7\nsmart_fatcory: 2\nemployees: .nan\n")
    argv = ["gaps", str(sample_path("i40-readiness")), "-q", "i40-readiness"]
    argv += ["-m", "i40-readiness-weighted", "--target", str(profile)]
    assert main([*argv, "-o", str(tmp_path / "g.csv")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{profile}:2:16: smart_factory: 7 is outside the model's range")
    assert err[1].startswith(f"{profile}:3:1: smart_fatcory: 'smart_fatcory' is not a node")
    assert "did you mean 'smart_factory'?" in err[1]
    assert err[2].startswith(f"{profile}:4:12: employees: a target score must be a finite")
    assert len(err) == 3 and not (tmp_path / "g.csv").exists()


# ------------------------------------------------------------------------------ templates


@pytest.fixture()
def brand(tmp_path: Path, i40: dict[str, Any]) -> Any:
    """Render Officine Rossi's report with a branding template ``report.html.j2``."""

    count = iter(range(1000))

    def render(template: str, **files: str) -> str:
        # a new directory each time: templates are compiled once per directory and process
        directory = tmp_path / f"brand{next(count)}"
        render.directory = directory  # type: ignore[attr-defined]
        directory.mkdir()
        (directory / "report.html.j2").write_text(template, encoding="utf-8")
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
        html = mt.render_report(i40["scores"], "Officine Rossi", branding=directory)
        assert isinstance(html, str)
        return html

    return render


@pytest.fixture()
def small_limits(monkeypatch: pytest.MonkeyPatch) -> sandbox.RenderLimits:
    limits = sandbox.RenderLimits(steps=200_000, value=100_000, output=1_000_000, built=1_000_000)
    monkeypatch.setattr(sandbox, "LIMITS", limits)
    return limits


def refused(brand: Any, template: str, *needles: str) -> str:
    with pytest.raises(TemplateError) as info:
        brand(template)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{brand.directory / 'report.html.j2'}:1: "), message
    for needle in needles:
        assert needle in message, message
    return message


def test_msg_formats_inside_the_sandbox(brand: Any) -> None:
    refused(brand, "{{ '{x.__class__.__mro__}'|msg(x='a') }}", "'__class__'", "unsafe")
    refused(brand, "{{ '{x.__init__.__globals__}'|msg(x='a') }}", "unsafe")
    refused(brand, "{{ '{a.__class__}'.format_map({'a': 1}) }}", "unsafe")
    refused(brand, "{{ '{0.__class__}'.format(1) }}", "unsafe")
    # what stays allowed formats as Python does
    html = brand("{{ '[{x:>7}|{y:.3}]'|msg(x='ab', y=3.14159) }}")
    assert html == "[{x:>7}|{y:.3}]\n".format(x="ab", y="3.14159")  # msg fills in text


@pytest.mark.parametrize(
    "template",
    [
        "{{ '{x:>300000000}'|msg(x='a') }}",
        "{{ '{:>300000000}'.format('a') }}",
        "{{ '{:.300000000f}'.format(1.0) }}",
        "{{ '{:{w}}'.format('a', w=300000000) }}",
        "{{ '%300000000s' % 'a' }}",
        "{{ '%*s' % (300000000, 'a') }}",
        "{{ '%300000000s'|format('a') }}",
        "{{ 'a'|center(300000000) }}",
        "{{ 'x' * 4000000000 }}",
        "{{ [0] * 4000000000 }}",
        "{{ 2 ** 100000000 }}",
        "{{ range(100000)|join('x' * 1000000) }}",
        "{{ ('x' * 1000000)|replace('x', 'yy' * 1000) }}",
        "{{ [1]|batch(1000000000, 'x')|list|length }}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}"
        "{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}",
        # many values, each within the limit, that together would fill the memory
        "".join(f"{{% set a{i} = 'x' * 90000 %}}" for i in range(20)),
        "{{ [1, 2]|slice(100000000)|list|length }}",
    ],
)
def test_no_template_can_build_a_huge_value(
    brand: Any, template: str, small_limits: sandbox.RenderLimits
) -> None:
    refused(brand, template, "refused by the sandbox", "RenderLimits")


def test_values_within_the_limits_are_built(brand: Any, small_limits: sandbox.RenderLimits) -> None:
    html = brand("{{ ('ab' * 3)|length }} {{ 'x'|center(5) }}| {{ 2 ** 10 }} {{ '%5s' % 'a' }}")
    assert html == "6   x  | 1024     a\n"


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
    ],
)
def test_endless_work_stops_at_the_step_limit(
    brand: Any, template: str, small_limits: sandbox.RenderLimits
) -> None:
    refused(brand, template, "more than 200,000 template operations")


def test_endless_work_stops_at_the_time_limit(brand: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(sandbox, "LIMITS", sandbox.RenderLimits(seconds=0.3, steps=10**12))
    refused(
        brand,
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "rendering took more than 0.3 s",
    )


def test_output_is_bounded(brand: Any, small_limits: sandbox.RenderLimits) -> None:
    # each piece is small; together they exceed the output limit of the report
    with pytest.raises(TemplateError, match="longer than 1,000,000 characters"):
        brand("{% for i in range(2000) %}" + "x" * 1000 + "{% endfor %}")


@pytest.mark.parametrize(
    "template",
    [
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{% include 'report.html.j2' %}",
    ],
)
def test_recursion_is_one_located_line(brand: Any, template: str) -> None:
    refused(brand, template, "recursion too deep")


@pytest.mark.parametrize(
    ("template", "kind"),
    [("{{ 1 / 0 }}", "ZeroDivisionError"), ("{{ 'x'|int + [] }}", "TypeError")],
)
def test_any_other_template_failure_is_one_located_line(
    brand: Any, template: str, kind: str
) -> None:
    refused(brand, template, f"template error: {kind}")


def test_a_normal_report_is_far_from_the_limits(i40: dict[str, Any], monkeypatch: Any) -> None:
    seen: list[Any] = []
    original = sandbox._Budget.__init__

    def spy(self: Any, limits: sandbox.RenderLimits) -> None:
        original(self, limits)
        seen.append(self)

    monkeypatch.setattr(sandbox._Budget, "__init__", spy)
    html = mt.render_report(i40["scores"], "Verdi Digital")
    (b,) = seen
    assert b.steps * 100 < sandbox.LIMITS.steps
    assert b.built * 100 < sandbox.LIMITS.built
    assert b.output <= len(html) and len(html) * 100 < sandbox.LIMITS.output


# ------------------------------------------------------------------------------ branding files


def test_symlinks_out_of_the_branding_directory_are_refused(
    tmp_path: Path, i40: dict[str, Any]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE\n")
    cases = {
        "report.css": ReportError,
        "logo.svg": ReportError,
        "logo.png": ReportError,
        "report.html.j2": TemplateError,
    }
    for name, error in cases.items():
        d = tmp_path / f"brand-{name}"
        d.mkdir()
        (d / name).symlink_to(secret)
        with pytest.raises(error, match="outside the branding directory") as info:
            mt.render_report(i40["scores"], "Officine Rossi", branding=d)
        assert "TOP-SECRET" not in str(info.value) and "\n" not in str(info.value)
    # an included template that is a link out of the directory (the issue's /etc/hostname)
    d = tmp_path / "brand-include"
    d.mkdir()
    (d / "report.html.j2").write_text(
        '{% extends "maturity/report.html.j2" %}'
        '{% block colophon %}{% include "host.html.j2" %}{% endblock %}'
    )
    (d / "host.html.j2").symlink_to(secret)
    with pytest.raises(TemplateError, match=r"host\.html\.j2: refused by the sandbox"):
        mt.render_report(i40["scores"], "Officine Rossi", branding=d)
    # a directory link out of the branding directory is refused too
    d = tmp_path / "brand-dir"
    d.mkdir()
    (d / "parts").symlink_to(tmp_path)
    (d / "report.html.j2").write_text('{% include "parts/secret.txt" %}')
    with pytest.raises(TemplateError, match="outside the branding directory"):
        mt.render_report(i40["scores"], "Officine Rossi", branding=d)


def test_links_inside_the_branding_directory_are_fine(tmp_path: Path, i40: dict[str, Any]) -> None:
    d = tmp_path / "brand"
    (d / "css").mkdir(parents=True)
    (d / "css" / "real.css").write_text(".brand-mark { color: #123456; }\n")
    (d / "report.css").symlink_to(d / "css" / "real.css")
    html = mt.render_report(i40["scores"], "Officine Rossi", branding=d)
    assert ".brand-mark { color: #123456; }" in html


def test_a_fifo_is_not_read(tmp_path: Path, i40: dict[str, Any]) -> None:
    d = tmp_path / "brand"
    d.mkdir()
    os.mkfifo(d / "report.css")  # reading it would block for ever
    with pytest.raises(ReportError, match="not a regular file"):
        mt.render_report(i40["scores"], "Officine Rossi", branding=d)


class _Links(HTMLParser):
    """Every attribute of every element, read independently of the code under test."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def test_branded_output_keeps_only_safe_links(brand: Any) -> None:
    html = brand(
        '<a href="javascript:alert(1)">a</a>'
        '<a href=" JaVa&#x53;cript:alert(2)">b</a>'
        '<a href="java\tscript:alert(3)">c</a>'
        '<a href="vbscript:x">d</a>'
        '<a href="data:text/html;base64,PHNjcmlwdD4=">e</a>'
        '<a href="data:image/svg+xml;base64,PHN2Zz4=">e2</a>'
        '<img src="file:///etc/passwd" onerror="alert(4)">'
        '<a href="../../etc/passwd">f</a>'
        '<a href="//evil.example/">g</a>'
        '<form action="javascript:alert(5)"><button formaction="javascript:x">h</button></form>'
        '<svg><a xlink:href="javascript:alert(6)"><text>i</text></a></svg>'
        '<img srcset="https://ok.example/a.png 1x, javascript:alert(7) 2x">'
        '<p onclick="alert(8)" class="keep">j</p>'
        '<a href="https://ok.example/x?a=1&amp;b=2">ok1</a>'
        '<a href="mailto:info@example.org">ok2</a>'
        '<a href="#summary">ok3</a>'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    links = _Links()
    links.feed(html)
    urls = {"href", "src", "srcset", "action", "formaction", "xlink:href"}
    for tag, name, value in links.attrs:
        assert not name.startswith("on"), (tag, name)
        if name in urls:
            assert re.match(r"(https://|mailto:|#|data:image/png;)", value), (tag, name, value)
    kept = [v for _, k, v in links.attrs if k in urls]
    assert kept == [
        "https://ok.example/x?a=1&b=2",
        "mailto:info@example.org",
        "#summary",
        "data:image/png;base64,iVBORw0KGgo=",
    ]
    assert ("p", "class", "keep") in links.attrs  # the other attributes stay


@pytest.mark.parametrize(
    "element",
    [
        "<script>alert(1)</script>",
        '<iframe src="https://x.example/"></iframe>',
        '<object data="x.swf"></object>',
        '<embed src="x">',
        '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>',
        '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    ],
)
def test_branded_output_cannot_run_or_load_anything(brand: Any, element: str) -> None:
    with pytest.raises(TemplateError, match="refused: the report has a <"):
        brand(f"<p>x</p>{element}")


def test_a_branded_pdf_reads_nothing_outside(tmp_path: Path, i40: dict[str, Any]) -> None:
    pytest.importorskip("weasyprint", reason="the PDF check needs the pdf extra (weasyprint)")
    secret = tmp_path / "secret.css"
    secret.write_text("body::after { content: 'TOP-SECRET-LINE'; }\n")
    d = tmp_path / "brand"
    d.mkdir()
    (d / "report.css").write_text(f"@import url('file://{secret}');\nbody {{ color: black }}\n")
    (d / "report.html.j2").write_text(
        '{% extends "maturity/report.html.j2" %}{% block colophon %}'
        f'<img src="file://{secret}"><p style="background: url(file://{secret})">x</p>'
        "{% endblock %}"
    )
    pdf = mt.render_report(i40["scores"], "Officine Rossi", branding=d, format="pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    assert b"TOP-SECRET" not in pdf


# ------------------------------------------------------------------------------ outputs


def test_an_output_that_is_an_input_is_refused_in_every_command(
    tmp_path: Path, i40: dict[str, Any], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = tmp_path / "a.csv"
    answers.write_bytes(i40["path"].read_bytes())
    before = answers.read_bytes()
    (tmp_path / "same.csv").hardlink_to(answers)
    (tmp_path / "link.csv").symlink_to(answers)
    common = ["-q", "i40-readiness", "-m", "i40-readiness-weighted"]
    for out in ("a.csv", "./a.csv", str(answers), "same.csv", "link.csv"):
        for command in ("score", "gaps"):
            assert main([command, "a.csv", *common, "-o", out, "--force"]) == 1, (command, out)
            assert "is also an input" in one_line(capsys.readouterr().err)
    # the case, as a user runs it
    proc = cli("score", "a.csv", *common, "-o", "a.csv", "--force", cwd=tmp_path)
    assert proc.returncode == 1 and "is also an input" in one_line(proc.stderr)
    scores = tmp_path / "s.json"
    assert main(["score", "a.csv", *common, "--by-company", "-o", str(scores)]) == 0
    scores_before = scores.read_bytes()
    capsys.readouterr()
    argv = ["benchmark", str(scores), "--peers", "synthetic", "-m", "i40-readiness-weighted"]
    assert main([*argv, "-o", str(scores), "--force"]) == 1
    assert "is also an input" in one_line(capsys.readouterr().err)
    # a report named like an input in the output directory
    reports = tmp_path / "reports"
    reports.mkdir()
    victim = reports / "Verdi-Digital.en.html"
    victim.write_bytes(before)
    argv = ["report", str(victim), *common, "--company", "Verdi Digital", "-o", str(reports)]
    assert main([*argv, "--force", "--quiet"]) == 1
    assert "is also an input" in one_line(capsys.readouterr().err)
    assert answers.read_bytes() == before and victim.read_bytes() == before
    assert scores.read_bytes() == scores_before


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(min_size=1, max_size=400),
            st.sampled_from(
                ["portfolio", "PORTFOLIO", "Portfolio", "con", "NUL", "Com1", "lpt9", "a b", "a.b"]
            ),
        ),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    st.booleans(),
)
def test_file_names_are_distinct_bounded_and_safe(ids: list[str], portfolio: bool) -> None:
    reserved = ("portfolio",) if portfolio else ()
    # the device names of Windows, which no file may take, whatever its extension
    devices = {"con", "prn", "aux", "nul"} | {
        f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)
    }
    names = file_names(ids, reserved=reserved)
    assert list(names) == ids
    keys = [n.casefold() for n in names.values()]
    assert len(set(keys)) == len(keys)  # distinct even on a case-insensitive file system
    for c, n in names.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]+", n) and len(n) <= MAX_STEM
        assert n.casefold() not in {"portfolio"} if portfolio else True
        assert n.casefold() not in devices
        # a short, unique, ordinary name is the company's own; otherwise its hash tells it apart
        plain = safe_name(c)
        clash = sum(safe_name(o).casefold() == plain.casefold() for o in ids) > 1
        special = plain.casefold() in devices or (portfolio and plain.casefold() == "portfolio")
        if len(plain) <= MAX_STEM and not clash and not special:
            assert n == plain
        else:
            digest = hashlib.sha256(c.encode()).hexdigest()
            assert n.endswith("-" + digest[: len(n) - n.rfind("-") - 1])


def test_long_and_colliding_company_ids_all_get_their_report(
    tmp_path: Path, i40: dict[str, Any]
) -> None:
    import dataclasses

    s = i40["scores"]
    long_id = "Officine " + "R" * 300
    ids = (long_id, "portfolio", "Portfolio-Overview")
    renamed = dataclasses.replace(s, ids=ids)
    job = ReportJob(renamed)
    written = run_reports(
        job, list(ids), tmp_path, langs=("en", "it"), portfolio=True, progress=False
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == len(written) == 3 * 2 + 2  # every company and the portfolio, twice
    assert all(len(n.encode()) <= 255 for n in names)
    assert "portfolio.en.html" in names and "Portfolio-Overview.en.html" in names
    # each file holds what its name says: the portfolio, and the company of each row
    assert '<body class="report portfolio">' in (tmp_path / "portfolio.en.html").read_text()
    stems = file_names(list(ids), reserved=("portfolio",))
    for c, company in zip(ids, s.ids, strict=True):
        text = (tmp_path / f"{stems[c]}.en.html").read_text()
        assert '<body class="report">' in text and company in text
        assert not any(other in text for other in s.ids if other != company)


def test_every_name_is_checked_before_the_first_write(tmp_path: Path, i40: dict[str, Any]) -> None:
    s = i40["scores"]
    taken = tmp_path / "Verdi-Digital.en.html"  # the last company's report is an input
    taken.write_text("input\n")
    with pytest.raises(MaturityError, match="is also an input"):
        run_reports(ReportJob(s), list(s.ids), tmp_path, force=True, inputs=[taken])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Verdi-Digital.en.html"]


def _race(job: ReportJob, companies: list[str], out: Path, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        run_reports(job, companies, out, progress=False)
        results.put("ok")
    except OutputExistsError:
        results.put("exists")
    except BaseException as exc:  # pragma: no cover - reported to the test
        results.put(repr(exc))


def _race_files(names: list[Path], data: bytes, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        for name in names:
            write_bytes(name, data)
        results.put("ok")
    except OutputExistsError:
        results.put("exists")
    except BaseException as exc:  # pragma: no cover - reported to the test
        results.put(repr(exc))


def _rounds(target: Any, args_of: Any, rounds: int = 20) -> list[list[str]]:
    """Run ``target`` in two processes started at the same moment, ``rounds`` times."""
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for r in range(rounds):
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=target, args=(*args_of(r, k), barrier, results)) for k in (0, 1)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        outcomes.append(sorted(results.get(timeout=5) for _ in procs))
    return outcomes


def test_two_writers_of_one_file_never_both_succeed(tmp_path: Path) -> None:
    def args_of(r: int, k: int) -> tuple[list[Path], bytes]:
        names = [tmp_path / f"r{r}" / f"{i}.txt" for i in range(3)]
        return names, f"writer {k}\n".encode() * 10_000

    assert _rounds(_race_files, args_of) == [["exists", "ok"]] * 20
    for r in range(20):  # every file complete, and all from the one writer that succeeded
        texts = {(tmp_path / f"r{r}" / f"{i}.txt").read_bytes() for i in range(3)}
        assert len(texts) == 1 and texts.pop() in {
            f"writer {k}\n".encode() * 10_000 for k in (0, 1)
        }


@pytest.mark.slow
def test_two_report_runs_into_one_directory_never_both_succeed(
    tmp_path: Path, i40: dict[str, Any]
) -> None:
    import datetime as dt

    s = i40["scores"]
    companies = list(s.ids)
    mt.render_report(s, companies[0])  # templates compiled once, before the processes fork

    def args_of(r: int, k: int) -> tuple[ReportJob, list[str], Path]:
        return ReportJob(s, date=dt.date(2026, 1, 1 + k)), companies, tmp_path / f"round{r}"

    assert _rounds(_race, args_of) == [["exists", "ok"]] * 20
    for r in range(20):  # every file complete and from the one run that succeeded
        out = tmp_path / f"round{r}"
        days = set()
        for path in out.iterdir():
            text = path.read_text()
            assert text.endswith("</html>\n")
            days |= set(re.findall(r"[12] January 2026", text))
        assert len(days) == 1, days
        assert len(list(out.iterdir())) == len(companies)


# ------------------------------------------------------------------------------ killed batches


def _answers_of(n: int, tmp_path: Path) -> Path:
    """The first ``n`` synthetic companies as an answers file."""
    src = ROOT / "maturity" / "data" / "peers" / "i40-readiness-synthetic.csv"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "answers.csv"
    path.write_text("".join(lines[: n + 1]), encoding="utf-8")
    return path


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _complete_files_only(out: Path) -> list[Path]:
    files = sorted(out.iterdir()) if out.exists() else []
    for f in files:
        assert not f.name.startswith("."), f"a temporary file is left: {f.name}"
        assert f.read_text(encoding="utf-8").endswith("</html>\n"), f"incomplete: {f.name}"
    return files


def _as_from_a_terminal() -> None:
    """Ctrl-C's signal with its default meaning in the batch, as a command typed at a terminal
    has it: a background job of a non-interactive shell (how a CI script may run these tests)
    starts with SIGINT ignored, and a Python started so keeps ignoring it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_batch(tmp_path: Path, n: int) -> tuple[subprocess.Popen[str], Path]:
    answers = _answers_of(n, tmp_path)
    out = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "maturity.cli", "report", str(answers), "-q", "i40-readiness",
         "-m", "i40-readiness-weighted", "--lang", "it,en", "-j", "2", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.html")) if out.exists() else []) < 6:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.05)
    return proc, out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_a_batch_killed_half_way_leaves_complete_files_and_no_process(tmp_path: Path) -> None:
    proc, out = _start_batch(tmp_path, 40)
    workers = _children(proc.pid)
    assert workers, "the batch runs in worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the parent dies at once, with no chance to clean up
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    files = _complete_files_only(out)
    assert 6 <= len(files) < 80  # half way: some reports, not all


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_batch_stops_with_complete_files(tmp_path: Path, sig: int) -> None:
    proc, out = _start_batch(tmp_path, 40)
    workers = _children(proc.pid)
    os.killpg(proc.pid, sig)  # as Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
    assert "Traceback" not in err and "maturity: interrupted" in err
    assert not [w for w in workers if _alive(w)]
    assert 6 <= len(_complete_files_only(out)) < 80


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_a_worker_killed_from_outside_is_one_line(tmp_path: Path) -> None:
    proc, out = _start_batch(tmp_path, 40)
    workers = sorted(_children(proc.pid))
    os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    problems = [line for line in err.splitlines() if not re.fullmatch(r"\d+/\d+ reports", line)]
    assert one_line("\n".join(problems)).startswith(
        "maturity: error: a report process ended unexpectedly"
    )
    assert not [w for w in workers if _alive(w)]
    assert 6 <= len(_complete_files_only(out)) < 80
