"""The report's layout holds for any shape: no near-empty pages in the PDF, heat-map headers that
never break a word, and an HTML report that reads on a phone (checked in a real browser).

The page test renders reports of 3, 6 and 16 dimensions with 5, 20 and 60 items per dimension
in both languages and measures, with WeasyPrint's own layout boxes, how far down each page the
content reaches. The whole matrix (18 PDFs) runs when ``MATURITY_LAYOUT_MATRIX=1`` (``.ci/run``
sets it); otherwise a few shapes that cover both languages and the extremes.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from maturity.report.render import Branding, render_portfolio, render_report

MATRIX = [
    (dims, items, lang) for dims in (3, 6, 16) for items in (5, 20, 60) for lang in ("en", "it")
]
QUICK = [(3, 5, "it"), (16, 5, "it"), (3, 60, "en")]
FULL = os.environ.get("MATURITY_LAYOUT_MATRIX") == "1"
#: A page other than the last must be filled at least this far down (a quarter of a page).
MIN_FILL = 0.25


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # pragma: no cover - the dev extra installs it
        pytest.skip(f"WeasyPrint is not available: {exc}")
    return weasyprint


@functools.cache
def _shape(dims: int, items: int) -> dict[str, Any]:
    from tests.shapes import assessment

    return assessment(dims, companies=3, items=items)


def _html(dims: int, items: int, lang: str) -> str:
    a = _shape(dims, items)
    s = a["scores"]
    out = render_report(
        s,
        s.ids[0],
        lang=lang,
        benchmark=a["benchmark"],
        gaps=a["gaps"],
        responses=a["responses"],
        branding=Branding(name="Centro Demo", consultant="Maria Bianchi", email="m@example.org"),
    )
    assert isinstance(out, str)
    return out


def page_fill(html: str) -> list[float]:
    """For each page of the PDF made from ``html``, how far down its content area the content
    reaches (0 = empty, 1 = full), from WeasyPrint's layout boxes: the lowest text line, image
    or painted box of the page, margin boxes (running headers, page numbers) left out.
    """
    weasyprint = _weasyprint()
    from weasyprint.formatting_structure import boxes

    from maturity.report.pdf import data_only_fetcher

    doc = weasyprint.HTML(string=html, url_fetcher=data_only_fetcher()).render()
    fills = []
    for page in doc.pages:
        box = page._page_box
        top, height = box.content_box_y(), box.height
        bottom = top
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            for b in child.descendants():
                painted = isinstance(b, boxes.TextBox | boxes.ReplacedBox | boxes.LineBox)
                style = getattr(b, "style", None)
                if painted or (style is not None and style["background_color"].alpha > 0):
                    bottom = max(bottom, b.position_y + b.margin_height())
        fills.append((bottom - top) / height)
    return fills


def test_page_fill_measures_content() -> None:
    """The measure itself: a page of one line is near-empty, a page of many lines is full."""
    one = "<html><body><p>one line</p></body></html>"
    many = (
        "<html><body>" + "<p>line</p>" * 200 + "<p style='break-before: page'>x</p></body></html>"
    )
    assert page_fill(one)[0] < 0.05
    fills = page_fill(many)
    assert len(fills) >= 3
    assert all(f > 0.9 for f in fills[:-2])


@pytest.mark.parametrize(
    ("dims", "items", "lang"),
    MATRIX if FULL else QUICK,
    ids=lambda v: str(v),
)
def test_no_near_empty_pages(dims: int, items: int, lang: str) -> None:
    fills = page_fill(_html(dims, items, lang))
    # the cover is a page of its own by design, and the last page may be short
    thin = [(k, round(f, 2)) for k, f in enumerate(fills[:-1], start=1) if k > 1 and f < MIN_FILL]
    assert not thin, f"pages (number, share filled) with less than a quarter page: {thin}"


# ------------------------------------------------------------------------ heat-map headers


def test_heatmap_titles_numbered_only_when_a_word_does_not_fit() -> None:
    """The view numbers the columns exactly when some word of a title is wider than its column,
    measured with the font's own metrics (DejaVu Sans Bold at 7 pt, as the style sheet sets it).
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from maturity.report.measure import HEATMAP, headers_fit

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    font = FT2Font(path)

    def width(word: str) -> float:
        font.set_size(7.0, 72)
        font.set_text(word, 0.0)
        return float(font.get_width_height()[0] / 64)

    column = (174 * 0.76 / 7 - 2 * 1.0) * 72 / 25.4  # seven columns on A4 less 18 mm margins
    assert HEATMAP["content_mm"] == 174
    short = ["Cloud"] * 7
    long = ["Organizzazione"] + ["Cloud"] * 6
    assert width("Cloud") < column * 0.95 < width("Organizzazione")
    assert headers_fit(short)
    assert not headers_fit(long)


def _pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return exe


def test_heatmap_headers_keep_their_words_in_the_pdf(tmp_path: Path) -> None:
    """Every word of every column title of the portfolio heat map is printed whole in the PDF
    (no hyphenation, no break inside a word), in both languages.
    """
    _weasyprint()
    exe = _pdftotext()
    a = _shape(3, 5)  # titles whose words fit their columns: the titles are printed
    titles = {
        lang: [n.title.lang(lang) for n in a["q"].dimensions if n.id.count(".") == 0]
        for lang in ("en", "it")
    }
    from maturity.report.portfolio import build_portfolio_view

    for lang in ("en", "it"):
        assert not build_portfolio_view(a["scores"], lang=lang)["heatmap"]["numbered"]
        pdf = render_portfolio(a["scores"], lang=lang, benchmark=a["benchmark"], format="pdf")
        assert isinstance(pdf, bytes)
        (tmp_path / "p.pdf").write_bytes(pdf)
        text = subprocess.run(
            [exe, str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        words = set(re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text))
        broken = re.findall(r"[^\W\d_]+-\n", text)
        for title in titles[lang]:
            for word in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", title):
                assert word in words, (lang, title, word)
        assert not broken, broken


# --------------------------------------------------------------- a phone, in a real browser

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()),
    None,
)

# Measured in the browser after layout, written into the DOM that --dump-dom prints: the page's
# overflow beyond the viewport outside scrolling boxes, tables wider than their box that cannot
# scroll, pairs of label elements that overlap, and heat-map header words broken across lines.
_PROBE = """
<script>
(function () {
  const vw = document.documentElement.clientWidth;
  const out = {viewport: vw, overflow: [], cut: [], overlaps: [], broken: []};
  function scrolls(el) {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && p.scrollWidth > p.clientWidth - 1)
        return true;
    }
    return false;
  }
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 1 && !scrolls(el)) out.overflow.push(el.tagName + '.' + el.className);
  }
  for (const t of document.querySelectorAll('table')) {
    const box = t.parentElement;
    const s = getComputedStyle(box);
    if (t.scrollWidth > box.clientWidth + 1 && s.overflowX !== 'auto' && s.overflowX !== 'scroll')
      out.cut.push(t.className);
  }
  const labels = Array.from(document.querySelectorAll(
    '.step-name, .step-from, .you, .fig .label, .fig .value, .big-score .value, .badge, h2, h3'));
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i].getBoundingClientRect();
    for (let j = i + 1; j < labels.length; j++) {
      if (labels[i].contains(labels[j]) || labels[j].contains(labels[i])) continue;
      const b = labels[j].getBoundingClientRect();
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) out.overlaps.push(labels[i].className + ' / ' + labels[j].className);
    }
  }
  for (const th of document.querySelectorAll('table.heatmap thead th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(n.data))) {
        const range = document.createRange();
        range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (tops.size > 1) out.broken.push(m[0]);
      }
    }
  }
  document.body.setAttribute('data-probe', JSON.stringify(out));
})();
</script>
"""


def _chromium() -> str:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def _browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--run-all-compositor-stages-before-draw",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(html: str, width: int, tmp_path: Path) -> dict[str, Any]:
    """Lay the page out ``width`` CSS pixels wide in Chromium and measure it (see ``_PROBE``).

    Headless Chromium keeps its window at least 500 px wide, so a phone is a ``width``-wide
    iframe; the probe runs inside it and copies its result to the outer page.
    """
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    outer = tmp_path / "outer.html"
    outer.write_text(
        f'<html><body style="margin:0"><iframe id="f" src="{page.name}" width="{width}" '
        'height="900" style="border:0"></iframe><script>'
        "setTimeout(function(){var d=document.getElementById('f').contentDocument;"
        "document.body.setAttribute('data-probe', d.body.getAttribute('data-probe'));},1500);"
        "</script></body></html>",
        encoding="utf-8",
    )
    done = _browser(
        [
            "--window-size=1400,900",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
            outer.as_uri(),
        ],
        tmp_path,
    )
    m = re.search(r'<body[^>]*data-probe="([^"]*)"', done.stdout)
    assert m, f"the browser printed no measurements: {done.stderr[-2000:]}"
    import html as html_lib

    result: dict[str, Any] = json.loads(html_lib.unescape(m[1]))
    return result


@pytest.fixture(scope="module")
def phone_pages() -> dict[str, str]:
    import maturity
    import maturity.demo
    import maturity.io
    import maturity.scoring
    from maturity.gap_analysis import gaps
    from maturity.model import load_model

    q = maturity.load_questionnaire("i40-readiness")
    m = load_model("i40-readiness-weighted")
    r = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
    s = maturity.scoring.score(r, m, by="company")
    g = gaps(s, "next_level")
    b = Branding(name="Centro Demo", consultant="Maria Bianchi", email="m@example.org")
    out = {}
    for lang in ("en", "it"):
        page = render_report(s, "Bianchi Alimentari", lang=lang, gaps=g, responses=r, branding=b)
        assert isinstance(page, str)
        out[f"company.{lang}"] = page
    portfolio = render_portfolio(s, lang="it", gaps=g)
    assert isinstance(portfolio, str)
    out["portfolio.it"] = portfolio
    # a portfolio whose column titles are printed (their words fit), to check their breaks
    a = _shape(3, 5)
    titled = render_portfolio(a["scores"], lang="it", benchmark=a["benchmark"])
    assert isinstance(titled, str)
    assert '<table class="heatmap">' in titled
    out["portfolio.titled"] = titled
    return out


@pytest.mark.parametrize("name", ["company.en", "company.it", "portfolio.it", "portfolio.titled"])
def test_reads_on_a_phone(phone_pages: dict[str, str], name: str, tmp_path: Path) -> None:
    """At 400 px (a phone) nothing is cut or overflows the screen outside a scrolling box,
    no two labels overlap, and heat-map column titles break only between words.
    """
    probe = _probe(phone_pages[name], 400, tmp_path)
    assert probe["viewport"] <= 400
    assert probe["overflow"] == []
    assert probe["cut"] == []
    assert probe["overlaps"] == []
    assert probe["broken"] == []


def test_desktop_heatmap_keeps_words(phone_pages: dict[str, str], tmp_path: Path) -> None:
    probe = _probe(phone_pages["portfolio.titled"], 1280, tmp_path)
    assert probe["broken"] == []
    assert probe["overflow"] == []


def test_phone_screenshot(phone_pages: dict[str, str], tmp_path: Path) -> None:
    """A real screenshot at 400 px: a PNG 400 px wide with the report's ink on it."""
    page = tmp_path / "r.html"
    page.write_text(phone_pages["company.it"], encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = _browser([f"--screenshot={shot}", "--window-size=400,2000", page.as_uri()], tmp_path)
    assert shot.exists(), done.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[1] == 400
    rgb = pixels[..., :3]
    assert (rgb < 0.3).any()  # dark text is drawn
    # the right edge is not cut through text: the last columns are background only
    assert (rgb[:, -3:] > 0.8).all()
