"""What a company report says: every answer in words, several respondents and where they
disagree, scores that never contradict their level, the level band, dimensions that do not
apply, why a percentile is missing, peer targets that are not there, the consultant's contact,
plain language, and what the next level of each dimension asks.

Every expected text below is written by hand from the inputs of the test.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.model import parse_model
from maturity.questionnaire import parse_questionnaire
from maturity.report.formatting import (
    format_number,
    format_percent,
    level_index,
    score_digits,
    shown_score,
)
from maturity.report.render import Branding, build_company_view, messages, render_report
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
from maturity.scoring import score

QUESTIONNAIRE = """\
format: maturity/questionnaire@1
id: kinds
version: 1.0.0
languages: [en, it]
title: {en: Every kind, it: Ogni tipo}
profile: {company: {}, sector: {}, employees: {}, date: {}}
scales:
  s5:
    options:
      - {code: none, value: 0, label: {en: None, it: Nessuno}}
      - {code: some, value: 1, label: {en: Some, it: Un po'}}
      - {code: half, value: 2, label: {en: Half, it: Metà}}
      - {code: most, value: 3, label: {en: Most, it: Quasi tutto}}
      - {code: all, value: 4, label: {en: All, it: Tutto}}
    na: true
    dont_know: true
dimensions:
  - id: kinds
    title: {en: Kinds, it: Tipi}
    items:
      - id: k.scale
        kind: scale
        scale: s5
        text: {en: Scale question, it: Domanda a scala}
      - id: k.choice
        kind: choice
        text: {en: Choice question, it: Domanda a scelta}
        options:
          - {code: a, value: 0, label: {en: Alpha, it: Alfa}}
          - {code: b, value: 2, label: {en: Beta, it: Beta due}}
      - id: k.multi
        kind: multi
        text: {en: Multi question, it: Domanda multipla}
        options:
          - {code: x, points: 1, label: {en: Ex, it: Ics}}
          - {code: y, points: 1, label: {en: Why, it: Ipsilon}}
      - id: k.number
        kind: number
        unit: "%"
        bands: [10, 30, 60, 90]
        text: {en: Number question, it: Domanda numerica}
      - id: k.bool
        kind: boolean
        text: {en: Yes-no question, it: Domanda sì-no}
  - id: other
    title: {en: Other, it: Altro}
    items:
      - {id: o.one, kind: scale, scale: s5, text: {en: One, it: Uno}}
      - {id: o.two, kind: scale, scale: s5, text: {en: Two, it: Due}}
  - id: gone
    title: {en: Gone, it: Assente}
    items:
      - {id: g.one, kind: scale, scale: s5, text: {en: G one, it: G uno}}
      - {id: g.two, kind: scale, scale: s5, text: {en: G two, it: G due}}
"""

MODEL = """\
format: maturity/scoring-model@1
id: kinds-model
version: 1.0.0
title: {en: Mean, it: Media}
questionnaire: {id: kinds, versions: "*"}
range: [0, 5]
default: {operator: weighted_mean, min_coverage: 0}
nodes:
  kinds:
    levels:
      middle: {en: Kinds ask for the middle., it: I tipi chiedono la metà.}
      high: {en: Kinds ask for everything., it: I tipi chiedono tutto.}
levels:
  - min: 0
    code: low
    label: {en: Low, it: Basso}
    description: {en: Low overall., it: Basso in generale.}
  - min: 1
    code: middle
    label: {en: Middle, it: Medio}
    description: {en: Middle overall., it: Medio in generale.}
  - min: 3
    code: high
    label: {en: High, it: Alto}
    description: {en: High overall., it: Alto in generale.}
"""


def _resp(rid: str, company: str, answers: dict[str, Any]) -> Respondent:
    return Respondent(rid, Profile(company=company, date=dt.date(2026, 1, 1)), answers)


@pytest.fixture(scope="module")
def setup() -> dict[str, Any]:
    q = parse_questionnaire(QUESTIONNAIRE, file="kinds.yaml")
    m = parse_model(MODEL, q, file="kinds-model.yaml")
    people = (
        # one respondent answering every kind; the third dimension is all "not applicable"
        _resp(
            "solo",
            "Solo",
            {
                "k.scale": "half",
                "k.choice": "b",
                "k.multi": frozenset({"x", "y"}),
                "k.number": 2.9,
                "k.bool": True,
                "o.one": "none",
                "o.two": DONT_KNOW,
                "g.one": NA,
                "g.two": NA,
            },
        ),
        # two respondents: they disagree on k.scale (none vs all: 0 and 5 on the 0-5 scale) and
        # not on o.one (some vs half: 1.25 and 2.5)
        _resp("duo-a", "Duo", {"k.scale": "none", "o.one": "some", "k.number": 12.5}),
        _resp("duo-b", "Duo", {"k.scale": "all", "o.one": "half", "k.number": 40}),
    )
    r = Responses(q, people)
    s = score(r, m, by="company")
    return {"q": q, "m": m, "r": r, "s": s}


def _view(setup: dict[str, Any], company: str, lang: str, **kw: Any) -> dict[str, Any]:
    return build_company_view(setup["s"], company, lang=lang, responses=setup["r"], **kw)


def _rows(view: dict[str, Any], dim: str) -> dict[str, dict[str, Any]]:
    (section,) = [d for d in view["dimensions"] if d["id"] == dim]
    return {a["id"]: a for a in section["answers"]}


# ------------------------------------------------------------------- every answer is shown


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            {
                "k.scale": "Half",
                "k.choice": "Beta",
                "k.multi": "Ex; Why",
                "k.number": "2.9%",
                "k.bool": "Yes",
            },
        ),
        (
            "it",
            {
                "k.scale": "Metà",
                "k.choice": "Beta due",
                "k.multi": "Ics; Ipsilon",
                "k.number": "2,9\u00a0%",
                "k.bool": "Sì",
            },
        ),
    ],
)
def test_every_kind_of_answer_in_words(
    setup: dict[str, Any], lang: str, expected: dict[str, str]
) -> None:
    rows = _rows(_view(setup, "Solo", lang), "kinds")
    assert {k: rows[k]["answer"] for k in expected} == expected
    other = _rows(_view(setup, "Solo", lang), "other")
    assert other["o.two"]["answer"] == messages(lang)["dont_know"]
    # a number answer scores by its band: 2.9 % is below the first band (10): 0 of 4 → 0.0
    assert rows["k.number"]["score"] == pytest.approx(0.0)
    # both options of the multi item: 2 of 2 points → 5.0
    assert rows["k.multi"]["score"] == pytest.approx(5.0)


def test_the_answer_column_shows_in_the_html(setup: dict[str, Any]) -> None:
    html = render_report(setup["s"], "Solo", lang="it", responses=setup["r"])
    assert isinstance(html, str)
    text = _text(html)
    for answer in ("Metà", "Beta due", "Ics; Ipsilon", "2,9\u00a0%", "Sì"):
        assert answer in text


def test_several_respondents_each_answer_and_disagreement(setup: dict[str, Any]) -> None:
    view = _view(setup, "Duo", "en")
    rows = _rows(view, "kinds")
    assert rows["k.scale"]["by_respondent"] == [
        {"respondent": "duo-a", "answer": "None"},
        {"respondent": "duo-b", "answer": "All"},
    ]
    assert rows["k.scale"]["answer"] is None  # they do not agree
    # 0 and 5 on the 0-5 scale: 5 points apart, beyond 40 % of the scale (2 points)
    assert rows["k.scale"]["spread"] == pytest.approx(5.0)
    assert rows["k.scale"]["disagree"]
    # 12.5 % (band 1 of 4: 1.25) and 40 % (band 2: 2.5) are 1.25 apart: no disagreement
    assert rows["k.number"]["by_respondent"] == [
        {"respondent": "duo-a", "answer": "12.5%"},
        {"respondent": "duo-b", "answer": "40%"},
    ]
    assert not rows["k.number"]["disagree"]
    other = _rows(view, "other")
    assert other["o.one"]["spread"] == pytest.approx(1.25)
    assert not other["o.one"]["disagree"]
    # neither answered the multi item
    assert rows["k.multi"]["by_respondent"] == [
        {"respondent": "duo-a", "answer": "–"},
        {"respondent": "duo-b", "answer": "–"},
    ]
    assert view["overall"]["respondents"] == 2
    assert view["overall"]["disagreements"] == 1


def test_the_summary_says_how_many_answered_and_where_they_disagree(
    setup: dict[str, Any],
) -> None:
    html = render_report(setup["s"], "Duo", lang="it", responses=setup["r"])
    assert isinstance(html, str)
    text = _text(html)
    assert "Hanno risposto al questionario 2 persone dell'impresa" in text
    assert "Sono in disaccordo su 1 domande" in text
    assert text.count("⚑") >= 2  # the note and the flagged question


def test_many_respondents_show_their_range() -> None:
    from maturity.report.answers import LIST_RESPONDENTS, item_answers

    q = parse_questionnaire(QUESTIONNAIRE, file="kinds.yaml")
    item = q.item("k.scale")
    codes = ["some", "none", "most", "half", "some"]
    people = [_resp(f"p{k}", "Many", {"k.scale": c}) for k, c in enumerate(codes)]
    assert len(people) > LIST_RESPONDENTS
    a = item_answers(item, people, "en", (0.0, 5.0))
    assert (a.low, a.high, a.n_answers) == ("None", "Most", 5)
    assert a.by_respondent == ()
    # none (0) to most (3.75 on 0-5): 3.75 apart
    assert a.spread == pytest.approx(3.75)
    assert a.disagree


# --------------------------------------------------------- numbers shown and their levels


def test_half_away_from_zero_everywhere() -> None:
    assert format_number(62.5, "en", 0) == "63"
    assert format_number(1.75, "it", 1) == "1,8"
    assert format_number(1.65, "en", 1) == "1.7"  # Python's format gives 1.6
    assert format_number(-0.05, "en", 1) == "−0.1"
    assert format_percent(0.285, "it") == "29\u00a0%"
    assert format_percent(0.625, "en") == "63%"


MINS = [0.0, 1.0, 2.0, 3.0, 4.0, 4.75]


@pytest.mark.parametrize(
    ("value", "shown", "digits"),
    [
        (0.98, 0.98, 2),  # Bianchi's smart factory: not "1,0 Outsider"
        (0.94, 0.9, 1),
        (0.996, 0.996, 3),
        (0.9996, 0.999, 3),  # closer still: towards its own level
        (4.749, 4.7, 1),
        (4.7449, 4.7, 1),
        (2.96, 2.96, 2),
        (3.0, 3.0, 1),
        (1.25, 1.3, 1),
    ],
)
def test_a_score_never_shows_across_its_level(value: float, shown: float, digits: int) -> None:
    assert score_digits(value, MINS) == digits
    assert shown_score(value, MINS) == shown
    assert level_index(MINS, shown) == level_index(MINS, value)


@given(
    st.lists(st.floats(0.01, 4.99, allow_nan=False), min_size=1, max_size=5, unique=True),
    st.floats(0, 5, allow_nan=False),
)
def test_shown_score_keeps_the_level(starts: list[float], value: float) -> None:
    mins = [0.0, *sorted(starts)]
    shown = shown_score(value, mins)
    assert shown is not None
    assert level_index(mins, shown) == level_index(mins, value)
    d = score_digits(value, mins)
    assert 1 <= d <= 3
    assert abs(shown - value) <= 10.0 ** (-d) + 1e-12


def test_bianchi_smart_factory_shows_its_level() -> None:
    import maturity
    import maturity.demo
    import maturity.io
    from maturity.model import load_model

    q = maturity.load_questionnaire("i40-readiness")
    m = load_model("i40-readiness-weighted")
    r = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
    s = score(r, m, by="company")
    value = s.get("Bianchi Alimentari", "smart_factory")
    assert 0.975 <= value < 0.985  # the case of issue 10
    html = render_report(s, "Bianchi Alimentari", lang="it")
    assert isinstance(html, str)
    row = re.search(r"Fabbrica intelligente</a></td>\s*<td[^>]*>([^<]*)</td>", html)
    assert row and row[1] == "0,98"


def test_level_band_shows_starts_and_the_score_apart(setup: dict[str, Any]) -> None:
    view = _view(setup, "Solo", "en")
    band = view["overall"]["ladder"]
    assert [step["min"] for step in band] == [0, 1, 3]
    current = [step for step in band if step["current"]]
    assert len(current) == 1 and current[0]["marker"] is not None
    root = setup["s"].get("Solo")
    lv = 1 if root < 3 else 2
    start, end = (1, 3) if lv == 1 else (3, 5)
    assert current[0]["code"] == ("middle" if lv == 1 else "high")
    assert float(current[0]["marker"]["at"]) == pytest.approx(
        100 * (root - start) / (end - start), abs=0.01
    )
    html = render_report(setup["s"], "Solo", lang="en", responses=setup["r"])
    assert isinstance(html, str)
    band_html = re.search(r'<ol class="ladder".*?</ol>', html, re.S)
    assert band_html
    starts = re.findall(r'<span class="step-from">from ([\d.]+)</span>', band_html[0])
    assert starts == ["0", "1", "3"]
    assert re.search(r'<span class="you-score">[\d.]+</span>', band_html[0])


# ------------------------------------------------------------------------- not applicable


def test_a_dimension_that_does_not_apply(setup: dict[str, Any]) -> None:
    view = _view(setup, "Solo", "en")
    (gone,) = [d for d in view["dimensions"] if d["id"] == "gone"]
    assert gone["score"] is None and gone["not_applicable"]
    html = render_report(setup["s"], "Solo", lang="en", responses=setup["r"])
    assert isinstance(html, str)
    row = re.search(r">Gone</a></td>.*?</tr>", html, re.S)
    assert row and "Not applicable" in row[0]
    section = re.search(r'<section class="dimension" id="dim-gone">.*?</section>', html, re.S)
    assert section
    assert "does not apply to the company" in section[0]
    assert messages("en")["no_score_note"] not in section[0]
    # on the radar, a gap with its reason, not a zero
    radar = re.search(r'<svg[^>]*id="radar".*?</svg>', html, re.S)
    assert radar and "(not applicable)" in radar[0]
    it = render_report(setup["s"], "Solo", lang="it", responses=setup["r"])
    assert isinstance(it, str) and "Non applicabile" in it and "(non applicabile)" in it


# ------------------------------------------------------------------ peers and percentiles


class _Group:
    def __init__(self, size: int, sufficient: bool) -> None:
        self.size, self.sufficient = size, sufficient

    def describe(self, lang: str) -> str:
        return "all companies" if lang == "en" else "tutte le imprese"


class _Bench:
    """A benchmark of the fixture's companies: percentiles for 'kinds' only."""

    def __init__(self, s: Any, sufficient: bool = True) -> None:
        self.ids = list(s.ids)
        self.nodes = list(s.nodes)
        shape = (len(self.ids), len(self.nodes))
        self.percentile = np.full(shape, np.nan)
        self.percentile[:, self.nodes.index("kinds")] = 62.5
        self.median = np.full(shape, np.nan)
        self.q1 = self.q3 = self.p90 = self.median
        self.groups = [_Group(40, sufficient) for _ in self.ids]
        self.min_group = 10
        self.synthetic = False


def test_a_missing_percentile_says_why(setup: dict[str, Any]) -> None:
    s = setup["s"]
    view = _view(setup, "Solo", "en", benchmark=_Bench(s))
    by = {d["id"]: d for d in view["dimensions"]}
    assert by["kinds"]["percentile"] == 62.5 and by["kinds"]["percentile_why"] is None
    assert by["gone"]["percentile_why"] == "not applicable"
    assert by["other"]["percentile_why"] == "too few peers here"
    html = render_report(s, "Solo", lang="en", benchmark=_Bench(s), responses=setup["r"])
    assert isinstance(html, str)
    row = re.search(r">Kinds</a></td>.*?</tr>", html, re.S)
    assert row and ">63<" in row[0]  # 62.5 rounds half away from zero
    small = _view(setup, "Solo", "it", benchmark=_Bench(s, sufficient=False))
    assert {d["percentile_why"] for d in small["dimensions"]} == {"troppo pochi pari"}


def test_the_percentile_note_describes_the_mean_rank() -> None:
    for lang, half, wrong in (
        ("en", "half", "same or a lower"),
        ("it", "metà", "uguale o inferiore"),
    ):
        t = messages(lang)
        for key in ("percentile_note", "method_percentile"):
            assert half in t[key] and wrong not in t[key], (lang, key)


class _PeerGaps:
    """Gaps to the peers' upper quartile with no peer target (too few peers)."""

    def __init__(self, s: Any, missing: list[str]) -> None:
        self.ids = list(s.ids)
        self.nodes = list(s.model.top_nodes)
        self.target_kind = "peer p75"
        self.target = np.full((len(self.ids), len(self.nodes)), 4.0)
        for node in missing:
            self.target[:, self.nodes.index(node)] = np.nan
        self.gap = np.full_like(self.target, np.nan)
        self.progress = np.full(len(self.ids), np.nan)
        self.priorities: list[tuple[Any, ...]] = [() for _ in self.ids]


def test_no_peer_target_is_said(setup: dict[str, Any]) -> None:
    s = setup["s"]
    html = render_report(s, "Solo", lang="en", gaps=_PeerGaps(s, list(s.model.top_nodes)))
    assert isinstance(html, str)
    text = _text(html)
    assert "No peer target: insufficient peers" in text
    assert "Every target is met" not in text
    html = render_report(s, "Solo", lang="it", gaps=_PeerGaps(s, ["gone"]))
    assert isinstance(html, str)
    assert "Nessun obiettivo dai pari per Assente: pari insufficienti" in _text(html)


def test_priority_has_a_unit_and_a_sentence(setup: dict[str, Any]) -> None:
    from maturity.gap_analysis import gaps

    s = setup["s"]
    html = render_report(s, "Solo", lang="en", gaps=gaps(s, 5.0))
    assert isinstance(html, str)
    text = _text(html)
    assert "points of the 0–5 scale" in text
    assert "Priority, in points of the scale: the gap × the dimension's weight" in text


# ------------------------------------------------------- who can help, plain language


def test_the_consultants_contact(setup: dict[str, Any]) -> None:
    b = Branding(
        name="Centro Demo",
        consultant="Maria Bianchi",
        email="maria@example.org",
        phone="+39 02 123",
        website="javascript:alert(1)",
    )
    html = render_report(setup["s"], "Solo", lang="en", branding=b)
    assert isinstance(html, str)
    box = re.search(r'<div class="contact".*?</div>', html, re.S)
    assert box
    assert '<a href="mailto:maria@example.org">maria@example.org</a>' in box[0]
    assert '<a href="tel:+3902123">' in box[0]
    assert "javascript:alert(1)" in box[0] and 'href="javascript' not in html


def _text(html: str) -> str:
    class P(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.skip += tag in ("style", "script", "title")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("style", "script", "title")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    p = P()
    p.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", " ".join(p.parts))


@pytest.mark.parametrize("lang", ["en", "it"])
def test_plain_language_outside_the_methodology(lang: str) -> None:
    """No "node", "children" or "operator" for the owner: only the methodology appendix speaks
    the model's terms.
    """
    import maturity
    import maturity.demo
    import maturity.io
    from maturity.gap_analysis import gaps
    from maturity.model import load_model

    q = maturity.load_questionnaire("i40-readiness")
    m = load_model("i40-readiness-weighted")
    r = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
    s = score(r, m, by="company")
    html = render_report(s, "Officine Rossi", lang=lang, responses=r, gaps=gaps(s, "next_level"))
    assert isinstance(html, str)
    before = html.split('<section class="methodology"')[0]
    words = {
        "en": r"\b(node|nodes|children|child|operator)\b",
        "it": r"\b(nodo|nodi|figli|operatore)\b",
    }
    assert not re.findall(words[lang], _text(before), re.I)


# ------------------------------------------------------- what the next level asks, per dimension


def test_each_dimension_says_what_its_next_level_asks(setup: dict[str, Any]) -> None:
    # Duo's "kinds": scale (0 + 5) / 2 = 2.5, number bands 1.25 and 2.5 → 1.875, nothing else
    # answered: (2.5 + 1.875) / 2 = 2.19, level "middle" (from 1); the next is "high"
    duo = {d["id"]: d for d in _view(setup, "Duo", "it")["dimensions"]}
    assert duo["kinds"]["score"] == pytest.approx((2.5 + 1.875) / 2)
    assert duo["kinds"]["next_level"]["code"] == "high"
    assert duo["kinds"]["next_level"]["description"] == "I tipi chiedono tutto."
    assert duo["kinds"]["next_level"]["own"]
    view = _view(setup, "Solo", "it")
    by = {d["id"]: d for d in view["dimensions"]}
    # a dimension the model does not describe falls back on the level's own words
    nxt = by["other"]["next_level"]
    assert nxt is not None and not nxt["own"]
    assert (
        nxt["description"]
        == {"middle": "Medio in generale.", "high": "Alto in generale."}[nxt["code"]]
    )


def test_shipped_dimension_pages_differ() -> None:
    """Every dimension page of a shipped model says what the next level asks of *that*
    dimension, in the report's language: no two dimensions repeat the same text.
    """
    import maturity
    import maturity.demo
    import maturity.io
    from maturity.model import load_model

    for qid, mid in (
        ("i40-readiness", "i40-readiness-weighted"),
        ("digital-maturity", "digital-maturity-dma"),
    ):
        q = maturity.load_questionnaire(qid)
        m = load_model(mid)
        r = maturity.io.read_responses(maturity.demo.sample_path(qid), q)
        s = score(r, m, by="company")
        for cid in s.ids:
            for lang in ("en", "it"):
                view = build_company_view(s, cid, lang=lang)
                texts = [
                    d["next_level"]["description"] for d in view["dimensions"] if d["next_level"]
                ]
                assert all(d["next_level"]["own"] for d in view["dimensions"] if d["next_level"])
                assert len(set(texts)) == len(texts)
                overall = view["overall"]["next_level"]
                assert overall is None or overall["description"] not in texts


def test_view_numbers_are_finite_or_none(setup: dict[str, Any]) -> None:
    view = _view(setup, "Duo", "en")

    def walk(x: Any) -> None:
        if isinstance(x, float):
            assert math.isfinite(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    walk({k: v for k, v in view.items() if k not in ("radar",)})


def test_several_respondents_latest_date_and_profile_conflicts() -> None:
    q = parse_questionnaire(QUESTIONNAIRE, file="kinds.yaml")
    m = parse_model(MODEL, q, file="kinds-model.yaml")
    people = (
        Respondent("x", Profile(company="Co", sector="28.41", date=dt.date(2025, 6, 10)), {}),
        Respondent("y", Profile(company="Co", sector="28.49", date=dt.date(2025, 12, 26)), {}),
        Respondent("z", Profile(company="Co", date=dt.date(2025, 7, 1)), {}),
    )
    r = Responses(q, people)
    view = build_company_view(score(r, m, by="company"), "Co", lang="en", responses=r)
    assert view["cover"]["assessment_date"] == dt.date(2025, 12, 26)
    assert view["overall"]["profile_conflicts"] == "sector 28.41, 28.49"
    assert view["overall"]["respondents"] == 3


def test_report_command_takes_the_consultants_contact(tmp_path: Any) -> None:
    from maturity.cli import main
    from maturity.demo import sample_path

    status = main(
        [
            "report",
            str(sample_path("i40-readiness")),
            "-q",
            "i40-readiness",
            "-m",
            "i40-readiness-impuls",
            "--company",
            "Verdi Digital",
            "--lang",
            "it",
            "--consultant",
            "Maria Bianchi",
            "--email",
            "maria@example.org",
            "--website",
            "https://cc.example.org",
            "--quiet",
            "-o",
            str(tmp_path),
        ]
    )
    assert status == 0
    html = (tmp_path / "Verdi-Digital.it.html").read_text(encoding="utf-8")
    assert "<h3>Chi può aiutarvi</h3>" in html
    assert '<a href="mailto:maria@example.org">maria@example.org</a>' in html
    assert '<a href="https://cc.example.org">https://cc.example.org</a>' in html
