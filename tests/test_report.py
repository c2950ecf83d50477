"""Tests of the HTML and PDF reports: structure, languages, safety, reproducibility."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jinja2.exceptions import SecurityError, UndefinedError

import maturity
import maturity.demo
import maturity.io
import maturity.model
import maturity.scoring
from maturity.errors import MaturityError
from maturity.gap_analysis import gaps as compute_gaps
from maturity.report import environment as env_mod
from maturity.report import parts as parts_mod
from maturity.report import render as render_mod
from maturity.report.render import (
    Branding,
    ReportError,
    build_company_view,
    build_portfolio_view,
    format_date,
    format_number,
    format_percent,
    messages,
    render_html,
    render_portfolio,
    render_report,
)
from maturity.scores import Scores

LOCALE = Path(render_mod.__file__).parent / "locale"
EVIL = '<script>alert(1)</script><a href="javascript:alert(2)">click</a>'
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr", "area", "base"}


# ------------------------------------------------------------------------------ pipeline


@pytest.fixture(scope="module")
def pipeline() -> dict[str, Any]:
    q = maturity.load_questionnaire("i40-readiness")
    m = maturity.model.load_model("i40-readiness-weighted")
    r = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
    s = maturity.scoring.score(r, m, by="company")
    return {"q": q, "m": m, "r": r, "s": s, "gaps": compute_gaps(s, "next_level")}


@pytest.fixture(scope="module")
def top(pipeline: dict[str, Any]) -> list[str]:
    m = pipeline["m"]
    return [c for c in m.rules["root"].children if c in m.rules]


BRANDING = Branding(name="Competence Centre Demo", consultant="Maria Bianchi")
REPORT_DATE = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def html_en(pipeline: dict[str, Any]) -> str:
    s = pipeline["s"]
    out = render_report(
        s,
        "Officine Rossi",
        lang="en",
        gaps=pipeline["gaps"],
        responses=pipeline["r"],
        branding=BRANDING,
        date=REPORT_DATE,
    )
    assert isinstance(out, str)
    return out


@pytest.fixture(scope="module")
def html_it(pipeline: dict[str, Any]) -> str:
    out = render_report(pipeline["s"], "Officine Rossi", lang="it", branding=BRANDING)
    assert isinstance(out, str)
    return out


# ------------------------------------------------------------------- a tiny HTML tree


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node]
    parent: Node | None = None

    def text(self) -> str:
        parts: list[str] = []
        for c in self.children:
            parts.append(c.text() if isinstance(c, Node) else c)
        return "".join(parts)

    def iter(self) -> Any:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) with this tag and attributes; ``class_`` matches one class."""

        def matches(n: Node, key: str, value: str) -> bool:
            if key == "class_":
                return value in n.attrs.get("class", "").split()
            return n.attrs.get(key) == value

        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and all(matches(n, k, v) for k, v in attrs.items())
        ]

    def squashed(self) -> str:
        return " ".join(self.text().split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, [], self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, [], self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)  # type: ignore[arg-type]


def parse(html: str) -> Node:
    """Parse the report; it must be well formed (every element closed in order)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


# ------------------------------------------------------------------- structure (golden-style)


def test_cover_fields(html_en: str, pipeline: dict[str, Any]) -> None:
    tree = parse(html_en)
    (cover,) = tree.find_all("section", id="cover")
    assert cover.find_all("p", class_="cover-company")[0].squashed() == "Officine Rossi"
    assert cover.find_all("h1")[0].squashed() == "Industry 4.0 readiness"
    meta = dict(
        zip(
            [n.squashed() for n in cover.find_all("dt")],
            [n.squashed() for n in cover.find_all("dd")],
            strict=True,
        )
    )
    # the company's date is the latest of its respondents' (2025-06-10, 2025-12-26)
    assert meta["Assessment date"] == "26 December 2025"
    assert meta["Report date"] == "25 November 2026"
    assert meta["Questionnaire"] == "Industry 4.0 readiness (i40-readiness, version 1.0.0)"
    assert meta["Scoring model"] == (
        "Weighted readiness with AHP weights (compensatory) (i40-readiness-weighted, version 1.0.0)"
    )
    assert meta["Consultant"] == "Maria Bianchi"
    assert meta["Respondents"] == "2"
    assert cover.find_all("p", class_="organisation")[0].squashed() == "Competence Centre Demo"
    assert "<title>Officine Rossi – Industry 4.0 readiness</title>" in html_en


def test_one_section_per_dimension(html_en: str, pipeline: dict[str, Any], top: list[str]) -> None:
    tree = parse(html_en)
    sections = tree.find_all("section", class_="dimension")
    q = pipeline["q"]
    assert [s.find_all("h2")[0].squashed() for s in sections] == [
        q.node(n).title.lang("en") for n in top
    ]
    assert [s.attrs["id"] for s in sections] == [f"dim-{n.replace('_', '-')}" for n in top]
    for section, node in zip(sections, top, strict=True):
        # a bar chart of the parts, in HTML: one row per part, its title and score
        (bars,) = section.find_all("table", class_="bars")
        rows = bars.find_all("tbody")[0].find_all("tr")
        children = pipeline["m"].rules[node].children
        assert [r.find_all("th")[0].squashed() for r in rows] == [
            q.node(c).title.lang("en") for c in children
        ]
        assert not section.find_all("svg")
        # the three weakest questions and what the next level asks
        rows = section.find_all("table", class_="weakest")[0].find_all("tr")
        assert len(rows) == 1 + 3
        assert section.find_all("div", class_="next-level")


def _style_percent(node: Node, prop: str) -> float:
    match = re.fullmatch(rf"{prop}: ([0-9.]+)%", node.attrs["style"])
    assert match, node.attrs["style"]
    return float(match[1])


def test_bars_are_placed_on_the_scale(pipeline: dict[str, Any]) -> None:
    """Bar lengths and median markers are the scores' places on the 0-5 scale, worked by hand."""
    s = pipeline["s"]
    bench = FakeBenchmark(s, (True, True, True))  # every peer median is 2.0: 40 % of 0-5
    out = render_report(s, "Officine Rossi", lang="it", benchmark=bench)
    assert isinstance(out, str)
    tree = parse(out)
    row = list(s.ids).index("Officine Rossi")
    col = {n: k for k, n in enumerate(s.nodes)}
    section = tree.find_all("section", id="dim-smart-factory")[0]
    (bars,) = section.find_all("table", class_="bars")
    ticks = bars.find_all("span", class_="tick")
    assert [t.squashed() for t in ticks] == ["0", "1", "2", "3", "4", "5"]
    assert [_style_percent(t, "left") for t in ticks] == [0, 20, 40, 60, 80, 100]
    head = [th.squashed() for th in bars.find_all("thead")[0].find_all("th")]
    assert head[0] == "Parte" and head[2:] == ["Impresa", "Mediana dei pari"]
    children = pipeline["m"].rules["smart_factory"].children
    rows = bars.find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(children) == 3
    for tr, child in zip(rows, children, strict=True):
        value = float(s.score[row, col[child]])
        (bar,) = tr.find_all("span", class_="bar")
        assert _style_percent(bar, "width") == pytest.approx(value / 5 * 100, abs=0.005)
        (median,) = tr.find_all("span", class_="median")
        assert _style_percent(median, "left") == 40.0
        cells = [td.squashed() for td in tr.find_all("td", class_="num")]
        assert cells == [f"{value:.1f}".replace(".", ","), "2,0"]
        assert len(tr.find_all("span", class_="grid")) == 6


def test_bars_leave_out_a_missing_score(pipeline: dict[str, Any]) -> None:
    view = parts_mod.bar_view(["a", "b"], [None, 5.0], [1.0, None], 1.0, 5.0)
    no_score, full = view["rows"]
    assert no_score["width"] is None and no_score["median_at"] == "0.00"
    assert full["width"] == "100.00" and full["median_at"] is None
    assert [t["value"] for t in view["ticks"]] == [1, 2, 3, 4, 5]
    html = (
        env_mod._environment(None)
        .from_string('{% import "macros.html.j2" as m %}{{ m.bars(chart, t, "Part") }}')
        .render(chart=view, t=messages("en"))
    )
    first, second = parse(html).find_all("tbody")[0].find_all("tr")
    assert not first.find_all("span", class_="bar") and "–" in first.squashed()
    assert second.find_all("span", class_="bar") and not second.find_all("span", class_="median")


def test_radar_has_one_axis_label_per_dimension(
    html_en: str, pipeline: dict[str, Any], top: list[str]
) -> None:
    tree = parse(html_en)
    (radar,) = tree.find_all("svg", id="radar")
    labels = [
        n
        for n in radar.find_all("g")
        if re.fullmatch(r"radar-axis-label-\d+", n.attrs.get("id", ""))
    ]
    assert [n.squashed() for n in labels] == [pipeline["q"].node(n).title.lang("en") for n in top]


def test_toc_links_resolve(html_en: str) -> None:
    tree = parse(html_en)
    ids = {n.attrs["id"] for n in tree.iter() if "id" in n.attrs}
    (toc,) = tree.find_all("nav", class_="toc")
    links = [a.attrs["href"] for a in toc.find_all("a")]
    assert links[0] == "#summary" and "#methodology" in links and "#priorities" in links
    assert len(links) == 2 + 6 + 2
    for href in links:
        assert href.startswith("#") and href[1:] in ids
    # every in-page link of the document resolves, and no link leaves the page
    for a in tree.find_all("a"):
        assert a.attrs["href"].startswith("#") and a.attrs["href"][1:] in ids


def test_ids_are_unique(html_en: str) -> None:
    ids = [n.attrs["id"] for n in parse(html_en).iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_self_contained(html_en: str) -> None:
    tree = parse(html_en)
    assert not tree.find_all("script") and not tree.find_all("link")
    for n in tree.iter():
        for name in ("src", "href", "xlink:href", "action", "formaction"):
            value = n.attrs.get(name, "")
            assert not re.match(r"\s*(https?|file|ftp|javascript):", value, re.I), (n.tag, value)
    assert not re.search(r"url\(\s*['\"]?\s*(https?|file):", html_en, re.I)
    assert "@import" not in html_en
    # the only absolute URLs are SVG namespace names, which are never fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html_en)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


def test_print_css(html_en: str) -> None:
    assert "size: A4" in html_en
    assert 'content: counter(page) " / " counter(pages)' in html_en
    assert "target-counter(attr(href), page)" in html_en
    assert "break-before: page" in html_en


def test_no_peers_and_no_nan(html_en: str, pipeline: dict[str, Any]) -> None:
    assert "No peer comparison available." in html_en
    assert "nan" not in re.sub(r"<svg.*?</svg>", "", html_en, flags=re.S).lower().split()
    view = build_company_view(pipeline["s"], "Verdi Digital", lang="en")

    def walk(x: Any) -> None:
        if isinstance(x, float):
            assert math.isfinite(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    walk(view)
    json.dumps(view, default=str)  # plain data


def test_gaps_and_priorities(html_en: str, pipeline: dict[str, Any]) -> None:
    tree = parse(html_en)
    (section,) = tree.find_all("section", id="priorities")
    rows = section.find_all("tr", class_="prio-row")
    g = pipeline["gaps"]
    i = g.ids.index("Officine Rossi")
    q = pipeline["q"]
    assert [r.find_all("td")[1].squashed() for r in rows] == [
        q.node(p.node).title.lang("en") for p in g.priorities[i]
    ]
    assert "Progress to target" in section.squashed()


def test_report_without_gaps_has_no_priorities(html_it: str) -> None:
    tree = parse(html_it)
    assert not tree.find_all("section", id="priorities")
    assert "Nessun confronto con i pari disponibile." in html_it


def test_scores_without_answers(pipeline: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    pipeline["s"].to_json(path)
    loaded = Scores.from_json(path, pipeline["m"])
    out = render_report(loaded, "Bianchi Alimentari", lang="en")
    assert isinstance(out, str)
    assert "The answers are not available" in out
    assert len(parse(out).find_all("section", class_="dimension")) == 6


def test_unknown_company_and_language(pipeline: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match=r"no company 'Nobody'.*Officine Rossi"):
        render_report(pipeline["s"], "Nobody")
    with pytest.raises(ReportError, match=r"no report language 'de'.*en, it"):
        render_report(pipeline["s"], "Officine Rossi", lang="de")
    with pytest.raises(ReportError, match="format must be"):
        render_report(pipeline["s"], "Officine Rossi", format="docx")  # type: ignore[arg-type]
    assert issubclass(ReportError, MaturityError) and issubclass(ReportError, ValueError)


# --------------------------------------------------------------------------- benchmark


@dataclass
class FakeGroup:
    size: int
    sufficient: bool

    def describe(self, lang: str) -> str:
        return {"en": "Manufacturing, small firms", "it": "Manifattura, piccole imprese"}[lang]


class FakeBenchmark:
    """Stands in for maturity.benchmarking.Benchmark (same attributes)."""

    synthetic = True

    def __init__(self, scores: Scores, sufficient: tuple[bool, ...]) -> None:
        self.ids = scores.ids
        self.nodes = scores.nodes
        shape = scores.score.shape
        self.q1 = np.full(shape, 1.0)
        self.median = np.full(shape, 2.0)
        self.q3 = np.full(shape, 3.0)
        self.p90 = np.full(shape, 4.0)
        self.percentile = np.full(shape, 62.0)
        self.n = np.full(shape, 40)
        self.groups = [FakeGroup(40 if ok else 2, ok) for ok in sufficient]


def test_with_benchmark(pipeline: dict[str, Any]) -> None:
    s = pipeline["s"]
    bench = FakeBenchmark(s, (True, False, True))
    out = render_report(s, "Officine Rossi", lang="en", benchmark=bench)
    assert isinstance(out, str)
    tree = parse(out)
    assert "Peer percentile" in tree.find_all("table", class_="dims")[0].squashed()
    assert "Manufacturing, small firms (40 companies)" in out
    assert "Synthetic data: the peer comparison uses fictitious companies" in out
    (radar,) = tree.find_all("svg", id="radar")
    assert radar.find_all("g", id="radar-peer_median") and radar.find_all("g", id="radar-peer_iqr")
    # too few peers: no percentiles, and the report says why
    out = render_report(s, "Bianchi Alimentari", lang="it", benchmark=bench)
    assert isinstance(out, str)
    assert "Pari insufficienti: solo 2 imprese comparabili" in out
    assert "Percentile" not in parse(out).find_all("table", class_="dims")[0].squashed()


# -------------------------------------------------------------------------- injection


def _evil_answers(pipeline: dict[str, Any], tmp_path: Path) -> Any:
    rows = list(csv.DictReader(maturity.demo.sample_path("i40-readiness").open(encoding="utf-8")))
    for row in rows:
        if row["company"] == "Verdi Digital":
            row["company"] = EVIL
            row["em.comments"] = "Staff said: " + EVIL + ' <img src=x onerror="alert(3)">'
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "evil.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return maturity.io.read_responses(path, pipeline["q"])


def test_free_text_and_company_name_are_escaped(pipeline: dict[str, Any], tmp_path: Path) -> None:
    r = _evil_answers(pipeline, tmp_path)
    s = maturity.scoring.score(r, pipeline["m"], by="company")
    assert EVIL in s.ids
    for lang in ("en", "it"):
        out = render_report(s, EVIL, lang=lang, responses=r)
        assert isinstance(out, str)
        assert "<script" not in out.lower()
        assert "<img" not in out.lower()
        tree = parse(out)
        for n in tree.iter():
            assert not any(k.startswith("on") for k in n.attrs), n.attrs
            for name in ("href", "src"):
                if name in n.attrs and n.tag != "img":
                    assert n.attrs[name].startswith("#")
        # shown as text, on the cover and among the remarks
        assert tree.find_all("p", class_="cover-company")[0].squashed() == EVIL
        remarks = [b.find_all("p")[0].squashed() for b in tree.find_all("blockquote")]
        assert any(EVIL in text for text in remarks)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&#34;javascript:" in out
    portfolio = render_portfolio(s, lang="en")
    assert isinstance(portfolio, str) and "<script" not in portfolio.lower()


# ---------------------------------------------------------------------------- branding


def _branding_dir(tmp_path: Path, template: str, name: str = "report.html.j2") -> Path:
    d = tmp_path / "brand"
    d.mkdir(exist_ok=True)
    (d / name).write_text(template, encoding="utf-8")
    return d


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", SecurityError),
        ("{{ ''.__class__ }}", SecurityError),
        ("{{ view.__class__.__init__.__globals__ }}", SecurityError),
        ("{{ self._TemplateReference__context }}", SecurityError),
        ("{{ view.get.__self__ }}", SecurityError),
        ("{{ (view.cover|attr('__class__')).__base__ }}", SecurityError),
        # cycler, joiner and lipsum are not in a report's globals at all: an undefined name,
        # and the sandbox still refuses its dunder attributes
        ("{{ cycler.__init__.__globals__ }}", SecurityError),
        ("{{ lipsum.__globals__ }}", UndefinedError),
        ("{{ joiner }}", UndefinedError),
        ("{{ view.cover.company|safe }}", SecurityError),
        ("{% autoescape false %}{{ view.cover.company }}{% endautoescape %}", SecurityError),
        ("{{ view.cover.update({'company': 'x'}) }}", SecurityError),
    ],
)
def test_malicious_branding_template(
    pipeline: dict[str, Any], tmp_path: Path, payload: str, error: type[Exception]
) -> None:
    d = _branding_dir(tmp_path, payload)
    with pytest.raises(render_mod.TemplateError) as info:
        render_report(pipeline["s"], "Officine Rossi", branding=d)
    assert isinstance(info.value.__cause__, error)
    assert isinstance(info.value, MaturityError)
    # the message names the user's template and its line
    assert str(info.value).startswith(f"{d.resolve() / 'report.html.j2'}:1: ")


def test_broken_branding_template_names_file_and_line(
    pipeline: dict[str, Any], tmp_path: Path
) -> None:
    d = _branding_dir(tmp_path, "<p>fine</p>\n{% block cover %}\n<p>no end</p>\n")
    with pytest.raises(render_mod.TemplateError, match=r"report\.html\.j2:3: template syntax"):
        render_report(pipeline["s"], "Officine Rossi", branding=d)


def test_branding_overrides_blocks_css_and_logo(pipeline: dict[str, Any], tmp_path: Path) -> None:
    d = _branding_dir(
        tmp_path,
        textwrap.dedent(
            """\
            {% extends "maturity/report.html.j2" %}
            {% block colophon %}
            <footer class="brand-footer">{{ view.cover.company }} · CC</footer>
            {% endblock %}
            """
        ),
    )
    (d / "report.css").write_text(
        "@import url(http://evil.example/x.css);\n"
        ".cover-title { color: #123456; background: url(http://evil.example/t.png); }\n"
        "/* </style><script>alert(1)</script> */\n",
        encoding="utf-8",
    )
    (d / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<script>alert(1)</script><rect width="10" height="10"/></svg>',
        encoding="utf-8",
    )
    out = render_report(
        pipeline["s"], "Officine Rossi", branding=Branding(directory=d, name="<b>CC</b>")
    )
    assert isinstance(out, str)
    tree = parse(out)
    assert tree.find_all("footer", class_="brand-footer")[0].squashed() == "Officine Rossi · CC"
    assert ".cover-title { color: #123456;" in out
    assert "evil.example" not in out and "@import" not in out
    assert "<script" not in out.lower()
    (logo,) = tree.find_all("img", class_="logo")
    assert logo.attrs["src"].startswith("data:image/svg+xml;base64,")
    assert "&lt;b&gt;CC&lt;/b&gt;" in out
    # the default templates are untouched for other reports
    plain = render_report(pipeline["s"], "Officine Rossi")
    assert isinstance(plain, str) and "brand-footer" not in plain


def test_bad_branding(pipeline: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        render_report(pipeline["s"], "Officine Rossi", branding=tmp_path / "missing")
    d = tmp_path / "b"
    d.mkdir()
    (d / "logo.png").write_bytes(b"GIF89a not a png")
    with pytest.raises(ReportError, match="not a PNG"):
        render_report(pipeline["s"], "Officine Rossi", branding=d)


# --------------------------------------------------------------------------- languages


def test_catalogues_have_the_same_keys() -> None:
    en = json.loads((LOCALE / "en.json").read_text(encoding="utf-8"))
    it = json.loads((LOCALE / "it.json").read_text(encoding="utf-8"))
    assert set(en) == set(it)
    for key in en:  # the same {fields} in both languages
        assert set(re.findall(r"\{(\w+)\}", en[key])) == set(re.findall(r"\{(\w+)\}", it[key])), key
    assert dict(messages("it")) == it


def test_every_catalogue_key_is_used() -> None:
    used = ""
    for path in (Path(render_mod.__file__).parent / "templates").glob("*.j2"):
        used += path.read_text(encoding="utf-8")
    for module in Path(render_mod.__file__).parent.glob("*.py"):
        used += module.read_text(encoding="utf-8")
    en = json.loads((LOCALE / "en.json").read_text(encoding="utf-8"))
    # keys made in Python from a model's values (f"op_{operator}", ...)
    dynamic = (
        "size_",
        "op_",
        "weights_",
        "method_missing_",
        "method_dont_know_",
        "method_combine_",
        "quantile_",
    )
    exact = {"_language", "yes", "no"}
    unused = [
        k
        for k in en
        if not k.startswith(dynamic)
        and k not in exact
        and f"t.{k}" not in used
        and f'"{k}"' not in used
        and f"'{k}'" not in used
    ]
    assert unused == []


def test_number_and_date_formatting() -> None:
    assert format_number(2.449, "it") == "2,45"
    assert format_number(2.449, "en") == "2.45"
    assert format_number(1234.5, "it", 1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(-0.5, "it", 1) == "−0,5"
    assert format_number(-0.01, "en", 1) == "0.0"
    assert format_number(float("nan"), "it") == "–"
    assert format_number(None, "en") == "–"
    assert format_percent(0.45, "it") == "45\u00a0%"
    assert format_percent(0.45, "en") == "45%"
    assert format_percent(0.125, "it", 1) == "12,5\u00a0%"
    assert format_date(dt.date(2026, 11, 25), "it") == "25 novembre 2026"
    assert format_date(dt.date(2026, 11, 25), "en") == "25 November 2026"
    assert format_date(dt.date(2025, 1, 1), "it") == "1 gennaio 2025"
    assert format_date(None, "it") == "–"
    with pytest.raises(ReportError):
        format_number(1.0, "fr")


def test_italian_report(html_it: str, pipeline: dict[str, Any]) -> None:
    tree = parse(html_it)
    assert tree.find_all("html")[0].attrs["lang"] == "it"
    (cover,) = tree.find_all("section", id="cover")
    assert "26 dicembre 2025" in cover.squashed()  # the latest respondent's date
    assert "Prontezza all'Industria 4.0" in cover.squashed()
    big = tree.find_all("div", class_="big-score")[0].squashed()
    root = pipeline["s"].get("Officine Rossi")
    assert f"{root:.1f}".replace(".", ",") in big and "su 5" in big
    coverage = tree.find_all("table", class_="dims")[0].text()
    assert "100\u00a0%" in coverage
    sections = tree.find_all("section", class_="dimension")
    assert sections[0].find_all("h2")[0].squashed() == "Strategia e organizzazione"
    # the radar's scale labels use the decimal comma too (a level at 4.75 is not on the grid,
    # so check the ladder)
    assert "4,75" in tree.find_all("ol", class_="ladder")[0].squashed()


# ----------------------------------------------------------------------- reproducibility


def test_html_is_byte_identical(pipeline: dict[str, Any], html_en: str) -> None:
    again = render_report(
        pipeline["s"],
        "Officine Rossi",
        lang="en",
        gaps=pipeline["gaps"],
        responses=pipeline["r"],
        branding=BRANDING,
        date=REPORT_DATE,
    )
    assert again == html_en
    assert "2026-11-25" in html_en  # only the dates given are written


def test_html_is_byte_identical_across_processes(html_it: str) -> None:
    code = textwrap.dedent(
        """
        import hashlib, maturity, maturity.demo, maturity.model, maturity.io
        import maturity.scoring
        from maturity.report.render import Branding, render_report
        q = maturity.load_questionnaire("i40-readiness")
        m = maturity.model.load_model("i40-readiness-weighted")
        r = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
        s = maturity.scoring.score(r, m, by="company")
        b = Branding(name="Competence Centre Demo", consultant="Maria Bianchi")
        html = render_report(s, "Officine Rossi", lang="it", branding=b)
        print(hashlib.sha256(html.encode()).hexdigest())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert out.stdout.strip() == hashlib.sha256(html_it.encode()).hexdigest()


# --------------------------------------------------------------------------- portfolio


def test_portfolio(pipeline: dict[str, Any], top: list[str]) -> None:
    s = pipeline["s"]
    view = build_portfolio_view(s, lang="en")
    col = s.nodes.index("strategy")
    values = s.score[:, col]
    row = next(r for r in view["distribution"] if r["node"] == "strategy")
    assert row["n"] == 3
    assert row["min"] == pytest.approx(values.min())
    assert row["median"] == pytest.approx(np.median(values))
    assert row["q1"] == pytest.approx(np.percentile(values, 25))
    assert [r["company"] for r in view["ranking"]] == [
        s.ids[k] for k in np.argsort(-s.score[:, s.nodes.index("root")])
    ]
    out = render_html(view)
    tree = parse(out)
    (heat,) = tree.find_all("table", class_="heatmap")
    cells = heat.find_all("td")
    assert len(cells) == 3 * (len(top) + 1)
    for cell in cells:
        assert "style" not in cell.attrs
        assert re.search(r"\blvl-(\d|none)\b", cell.attrs["class"])
    assert tree.find_all("svg", id="radar")
    # ranked by priority when gaps are given
    by_priority = build_portfolio_view(s, lang="it", gaps=pipeline["gaps"])
    totals = [r["priority"] for r in by_priority["ranking"]]
    assert totals == sorted(totals, reverse=True)
    assert "Imprese ordinate per priorità" in render_html(by_priority)


def test_a_company_without_a_peer_target_is_ranked_without_a_priority(pipeline):
    """Peer targets over three companies (fewer than a publishable group): nobody has a
    target, so the ranking by priority shows no total (not 0,00: "no gap" would read "needs
    nothing") and says why, in both languages."""
    s = pipeline["s"]
    no_target = compute_gaps(s, "p75", peers=s)
    assert no_target.no_peer_target is not None and no_target.no_peer_target.all()
    for lang, why in (("en", "no peer target: insufficient peers"), ("it", "pari insufficienti")):
        view = build_portfolio_view(s, lang=lang, gaps=no_target)
        assert [r["priority"] for r in view["ranking"]] == [None, None, None]
        assert all(why in r["priority_why"] for r in view["ranking"])
        html = render_html(view)
        assert why in html and "0,00" not in html and "0.00" not in html


# -------------------------------------------------------------------------------- PDF


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError:
        pytest.skip("weasyprint not installed")
    return weasyprint


def _pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm not found")
    return exe


@pytest.fixture(scope="module")
def pdf_en(pipeline: dict[str, Any]) -> bytes:
    _weasyprint()
    out = render_report(
        pipeline["s"],
        "Officine Rossi",
        lang="en",
        gaps=pipeline["gaps"],
        branding=BRANDING,
        format="pdf",
    )
    assert isinstance(out, bytes)
    return out


def _png_pixels(path: Path) -> np.ndarray:
    from matplotlib.image import imread

    return np.asarray(imread(path))


def test_pdf_pages(pdf_en: bytes, tmp_path: Path, top: list[str]) -> None:
    exe = _pdftoppm()
    assert pdf_en.startswith(b"%PDF-")
    (tmp_path / "r.pdf").write_bytes(pdf_en)
    subprocess.run(
        [exe, "-r", "30", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    # cover, summary, profile, a page or more per dimension (its answers), priorities,
    # methodology
    assert len(pages) >= 3 + len(top) + 1 + 1
    for page in pages:
        pixels = _png_pixels(page)
        rgb = pixels[..., :3]
        assert (rgb < 0.9).any(), f"{page.name} is blank"
        assert rgb.shape[0] > rgb.shape[1]  # portrait A4


def test_pdf_toc_has_page_numbers(pdf_en: bytes, tmp_path: Path) -> None:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext not found")
    (tmp_path / "r.pdf").write_bytes(pdf_en)
    text = subprocess.run(
        [exe, "-layout", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = dict(re.findall(r"^\s*(?:\d\s+)?(Summary|Methodology)\s+(\d+)\s*$", text, re.M))
    assert set(found) == {"Summary", "Methodology"}
    # each number is the page where that section's heading is printed
    pages = subprocess.run(
        [exe, str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    for title, number in found.items():
        heading = next(k for k, page in enumerate(pages[1:], start=2) if f"\n{title}\n" in page)
        assert int(number) == heading, title


@pytest.mark.slow  # a second whole PDF, end to end
def test_pdf_is_reproducible(
    pipeline: dict[str, Any], pdf_en: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = render_report(
        pipeline["s"],
        "Officine Rossi",
        lang="en",
        gaps=pipeline["gaps"],
        branding=BRANDING,
        format="pdf",
    )
    assert again == pdf_en
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    html = render_report(pipeline["s"], "Verdi Digital", lang="it")
    assert isinstance(html, str)
    from maturity.report.pdf import render_pdf

    first, second = render_pdf(html), render_pdf(html)
    assert first == second
    assert b"/ModDate (D:20251125000000Z)" in _uncompressed_info(first)


def _uncompressed_info(pdf: bytes) -> bytes:
    """The PDF's info dictionary, wherever pydyf put it (object streams are compressed)."""
    import zlib

    out = pdf
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            out += zlib.decompress(m[1])
    return out


def test_pdf_fetches_nothing(caplog: pytest.LogCaptureFixture) -> None:
    _weasyprint()
    from maturity.report.pdf import UnsafeURLError, data_only_fetcher, render_pdf

    fetcher = data_only_fetcher()
    for url in ("file:///etc/passwd", "http://example.invalid/x.png", "https://x.invalid/"):
        with pytest.raises(UnsafeURLError, match="refused"):
            fetcher(url)
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAA"
        "AgABSK+kcQAAAABJRU5ErkJggg=="
    )
    assert fetcher(png).read().startswith(b"\x89PNG")
    html = (
        '<html><head><link rel="stylesheet" href="http://example.invalid/x.css"></head>'
        '<body><p>x</p><img src="file:///etc/passwd"><img src="' + png + '">'
        "<div style=\"background: url('file:///etc/hostname')\">y</div></body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    refused = [r.getMessage() for r in caplog.records if "refused to fetch" in r.getMessage()]
    assert any("file:///etc/passwd" in m for m in refused)
    assert any("example.invalid" in m for m in refused)
    assert b"root:" not in pdf


def test_pdf_extra_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from maturity.report import pdf as pdf_mod

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(pdf_mod.PdfUnavailableError, match=r"maturity\[pdf\]"):
        pdf_mod.render_pdf("<p>x</p>")
    assert issubclass(pdf_mod.PdfUnavailableError, MaturityError)


def test_with_the_real_benchmark(pipeline: dict[str, Any]) -> None:
    from maturity.benchmarking import benchmark
    from maturity.peers import load_peers

    s = pipeline["s"]
    peers = load_peers("synthetic", pipeline["m"])
    bench = benchmark(s, peers)
    out = render_report(s, "Officine Rossi", lang="it", benchmark=bench)
    assert isinstance(out, str)
    tree = parse(out)
    group = bench.groups[list(bench.ids).index("Officine Rossi")]
    assert group.describe("it") in tree.find_all("div", id="peers")[0].squashed()
    assert "Dati sintetici" in out
    dims = tree.find_all("table", class_="dims")[0]
    assert "Percentile" in dims.squashed()


# ------------------------------------------------------------------ shapes: 3 and 16 dimensions


@functools.cache
def _shape(n: int) -> dict[str, Any]:
    from tests.shapes import assessment

    return {"n": n, **assessment(n, companies=12)}


@pytest.fixture(params=[3, 16], ids=["3-dims", "16-dims"])
def shape(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _shape(request.param)


def test_report_of_any_shape(shape: dict[str, Any]) -> None:
    """One radar axis, one summary row and one section per dimension, whatever their number."""
    n, s = shape["n"], shape["scores"]
    from tests.shapes import TITLES

    for lang, k in (("en", 0), ("it", 1)):
        out = render_report(
            s, s.ids[1], lang=lang, benchmark=shape["benchmark"], gaps=shape["gaps"]
        )
        assert isinstance(out, str)
        tree = parse(out)
        titles = [TITLES[d][k] for d in range(n)]
        (radar,) = tree.find_all("svg", id="radar")
        axes = [
            g
            for g in radar.find_all("g")
            if re.fullmatch(r"radar-axis-label-\d+", g.attrs.get("id", ""))
        ]
        assert [" ".join(g.squashed().split()) for g in axes] == titles
        assert radar.find_all("g", id="radar-peer_median")
        rows = tree.find_all("table", class_="dims")[0].find_all("tbody")[0].find_all("tr")
        assert [r.find_all("a")[0].squashed() for r in rows] == titles
        sections = tree.find_all("section", class_="dimension")
        assert [sec.find_all("h2")[0].squashed() for sec in sections] == titles
        for d, sec in enumerate(sections):
            (bars,) = sec.find_all("table", class_="bars")
            # even dimensions have two sub-dimensions, odd ones three items
            assert len(bars.find_all("tbody")[0].find_all("tr")) == (2 if d % 2 == 0 else 3)


def test_pdf_of_any_shape(shape: dict[str, Any], tmp_path: Path) -> None:
    """The PDF has every dimension's page, none blank; the table of contents fits its page."""
    _weasyprint()
    exe = _pdftoppm()
    n, s = shape["n"], shape["scores"]
    pdf = render_report(
        s, s.ids[0], lang="it", benchmark=shape["benchmark"], gaps=shape["gaps"], format="pdf"
    )
    assert isinstance(pdf, bytes)
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        [exe, "-r", "20", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    # cover (+ contents), summary, profile, a page per dimension, priorities, methodology
    assert len(pages) >= 3 + n + 2
    for page in pages:
        assert (_png_pixels(page)[..., :3] < 0.9).any(), f"{page.name} is blank"
    exe_text = shutil.which("pdftotext")
    if exe_text is None:
        pytest.skip("pdftotext not found")
    text = subprocess.run(
        [exe_text, str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    by_page = text.split("\f")
    # the summary table and its peer-group note share a page; the contents are not split
    (summary,) = [p for p in by_page if "Le dimensioni in breve" in p]
    assert "Gruppo di confronto" in summary
    (contents,) = [p for p in by_page if "Indice" in p]
    assert "Nota metodologica" in contents


# ------------------------------------------------------------------------------ batch


def test_file_names_are_safe_and_distinct() -> None:
    from maturity.report.batch import file_names, safe_name

    assert safe_name("Caffè Nero S.r.l.") == "Caffe-Nero-S-r-l"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("***") == "company"
    names = file_names(["A.B", "A B", "Solo"])
    digest = {c: hashlib.sha256(c.encode()).hexdigest()[:6] for c in ("A.B", "A B")}
    assert names == {"A.B": f"A-B-{digest['A.B']}", "A B": f"A-B-{digest['A B']}", "Solo": "Solo"}


def test_batch_progress_in_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not on a terminal, the progress is one line per tenth of the reports, not a redrawn bar."""
    from maturity.report.batch import ReportJob, run_reports

    shape = _shape(3)
    s = shape["scores"]
    job = ReportJob(scores=s, benchmark=shape["benchmark"], gaps=shape["gaps"])
    written = run_reports(job, list(s.ids), tmp_path, langs=("en",))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert len(written) == 12
    err = capsys.readouterr().err
    assert "\r" not in err
    # 12 reports: a line when k/12 crosses a tenth, i.e. floor(10 k / 12) grows
    assert err.splitlines() == [f"{k}/12 reports" for k in (2, 3, 4, 5, 6, 8, 9, 10, 11, 12)]


# ------------------------------------------------------------------------------ golden files

GOLDEN = Path(__file__).parent / "golden"
_SVG_RE = re.compile(r"(<svg\b[^>]*>).*?</svg>", re.S)
_STYLE_RE = re.compile(r"<style>.*?</style>", re.S)


def normalise(html: str) -> str:
    """The HTML with what is not the report's own content taken out: chart bodies (drawn by
    matplotlib, whose SVG changes between its versions; the charts have structural tests of
    their own), the style sheet, and the package version."""
    html = _SVG_RE.sub(lambda m: m[1] + "…</svg>", html)
    html = _STYLE_RE.sub("<style>…</style>", html)
    return html.replace(f"maturity {maturity.__version__}", "maturity VERSION")


def _check_golden(name: str, html: str) -> None:
    """Compare with ``tests/golden/<name>``; ``MATURITY_UPDATE_GOLDEN=1`` rewrites the file
    (then read the diff in git before committing it)."""
    path = GOLDEN / name
    got = normalise(html)
    if os.environ.get("MATURITY_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    want = path.read_text(encoding="utf-8")
    if got != want:
        import difflib

        lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True), name, "now")
        diff = "".join(list(lines)[:60])
        pytest.fail(f"{name} differs (MATURITY_UPDATE_GOLDEN=1 to accept):\n{diff}")


@pytest.fixture(scope="module")
def golden_inputs(pipeline: dict[str, Any]) -> dict[str, Any]:
    from maturity.benchmarking import benchmark
    from maturity.peers import load_peers

    s = pipeline["s"]
    bench = benchmark(s, load_peers("synthetic", pipeline["m"]))
    return {"s": s, "bench": bench, "gaps": compute_gaps(s, "p75", peers=bench)}


@pytest.mark.parametrize("lang", ["en", "it"])
def test_golden_company_report(
    golden_inputs: dict[str, Any], pipeline: dict[str, Any], lang: str
) -> None:
    g = golden_inputs
    html = render_report(
        g["s"],
        "Officine Rossi",
        lang=lang,
        benchmark=g["bench"],
        gaps=g["gaps"],
        responses=pipeline["r"],
        branding=BRANDING,
        date=REPORT_DATE,
    )
    assert isinstance(html, str)
    _check_golden(f"officine-rossi.{lang}.html", html)


def test_golden_portfolio(golden_inputs: dict[str, Any]) -> None:
    g = golden_inputs
    html = render_portfolio(
        g["s"], lang="it", benchmark=g["bench"], gaps=g["gaps"], branding=BRANDING, date=REPORT_DATE
    )
    assert isinstance(html, str)
    _check_golden("portfolio.it.html", html)


def test_normalise_keeps_the_content() -> None:
    html = (
        '<style>p{color:red}</style><p>Score 2.5</p><svg id="radar" role="img"><g id="x">'
        "<text>Strategy</text></g></svg><footer>maturity " + maturity.__version__ + "</footer>"
    )
    assert normalise(html) == (
        '<style>…</style><p>Score 2.5</p><svg id="radar" role="img">…</svg>'
        "<footer>maturity VERSION</footer>"
    )


# -------------------------------------------------------------------- an earlier assessment


def test_change_since_an_earlier_assessment(pipeline: dict[str, Any], top: list[str]) -> None:
    import dataclasses

    s = pipeline["s"]
    before = dataclasses.replace(s, score=np.clip(s.score - 0.5, 0.0, 5.0))
    out = render_report(s, "Officine Rossi", lang="en", previous=before)
    assert isinstance(out, str)
    tree = parse(out)
    dims = tree.find_all("table", class_="dims")[0]
    head = [th.squashed() for th in dims.find_all("thead")[0].find_all("th")]
    assert head[:4] == ["Dimension", "Score", "Level", "Change"]
    row = list(s.ids).index("Officine Rossi")
    col = {n: k for k, n in enumerate(s.nodes)}
    for tr, node in zip(dims.find_all("tbody")[0].find_all("tr"), top, strict=True):
        now = float(s.score[row, col[node]])
        # worked by hand: 0.5 less before, but never below 0
        expected = "+0.5" if now >= 0.5 else ("0.0" if now < 0.05 else f"+{now:.1f}")
        assert tr.find_all("td")[3].squashed() == expected, node
    assert "+0.5 since the" in tree.find_all("div", class_="big-score")[0].squashed()
    (radar,) = tree.find_all("svg", id="radar")
    assert radar.find_all("g", id="radar-previous")
    assert "the previous assessment" in out
    # a company not assessed before: no change column, no earlier profile
    other = dataclasses.replace(before, ids=tuple(f"x{k}" for k in range(len(before.ids))))
    out = render_report(s, "Officine Rossi", lang="it", previous=other)
    assert isinstance(out, str)
    assert "Variazione" not in out and 'id="radar-previous"' not in out


def test_earlier_assessment_must_use_the_same_model(pipeline: dict[str, Any]) -> None:
    m = maturity.model.load_model("i40-readiness-impuls")
    other = maturity.scoring.score(pipeline["r"], m, by="company")
    with pytest.raises(ReportError, match="scored with model 'i40-readiness-impuls'"):
        render_report(pipeline["s"], "Officine Rossi", previous=other)


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    # halves away from zero, as every displayed number (maturity.numbers.round_half_away)
    [(0.42, "en", "+0.4"), (-0.42, "en", "−0.4"), (0.04, "en", "0.0"), (1.25, "it", "+1,3")],
)
def test_change_filter(value: float, lang: str, text: str) -> None:
    env = env_mod._environment(None)
    got = env.from_string("{{ x|change }}").render(x=value, lang=lang)
    assert got == text
