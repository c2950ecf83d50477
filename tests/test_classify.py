"""Tests of maturity.classify against facts of the Recommendation, NACE Rev. 2 and NUTS 2021."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from collections import Counter
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.classify import (
    SIZE_CLASSES,
    WIDENING_FIELDS,
    nace_ancestors,
    nace_is_valid,
    nace_normalize,
    nace_section,
    nace_title,
    nuts_ancestors,
    nuts_is_valid,
    nuts_level,
    nuts_name,
    nuts_normalize,
    size_class,
    size_class_array,
    widen_chain,
)


def _data(filename: str) -> list[dict[str, str]]:
    text = resources.files("maturity.data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------------------------
# Size class (Commission Recommendation 2003/361/EC)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employees", "expected"),
    [
        (0, "micro"),
        (5, "micro"),
        (9, "micro"),
        (9.5, "micro"),  # annual work units may be fractional
        (10, "small"),
        (49, "small"),
        (50, "medium"),
        (249, "medium"),
        (250, "large"),
        (10_000, "large"),
    ],
)
def test_headcount_alone_decides_without_financials(employees: float, expected: str) -> None:
    assert size_class(employees) == expected


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "expected"),
    [
        # one figure within the ceiling is enough to stay in the headcount class
        (30, 12, 8, "small"),
        (30, 8, 12, "small"),
        (30, 12, 11, "medium"),
        (5, 2, 2, "micro"),  # "does not exceed": equal to the ceiling still fits
        (5, 2.5, 1, "micro"),
        (5, 2.5, 2.5, "small"),
        (5, 11, 11, "medium"),  # above micro and small ceilings: medium
        (5, 60, 50, "large"),  # above every ceiling
        (200, 51, 43, "medium"),  # balance sheet exactly 43 M: still medium
        (200, 51, 44, "large"),
        (200, 50, 100, "medium"),  # turnover exactly 50 M: still medium
        # financial figures never make a company smaller than its headcount class
        (250, 0.1, 0.1, "large"),
        (60, 1, 1, "medium"),
    ],
)
def test_financials_move_up_only_when_both_given_figures_exceed(
    employees: float, turnover: float, balance: float, expected: str
) -> None:
    assert size_class(employees, turnover, balance) == expected


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "expected"),
    [
        (30, 12, None, "medium"),
        (30, None, 12, "medium"),
        (30, 9, None, "small"),
        (200, None, 43, "medium"),
        (200, None, 44, "large"),
        (200, 50.5, None, "large"),
        (8, 2.1, None, "small"),
    ],
)
def test_a_single_financial_figure_decides_alone(
    employees: float, turnover: float | None, balance: float | None, expected: str
) -> None:
    assert size_class(employees, turnover, balance) == expected


def test_unknown_headcount_gives_none() -> None:
    assert size_class(None) is None
    assert size_class(None, 100, 100) is None


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((-1,), "employees"),
        ((math.nan,), "employees"),
        ((math.inf,), "employees"),
        ((5, -0.5), "turnover"),
        ((5, None, math.nan), "balance"),
        ((None, -3), "turnover"),
    ],
)
def test_bad_numbers_raise_a_clear_value_error(args: tuple[float | None, ...], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        size_class(*args)


def test_non_numbers_raise_type_error() -> None:
    with pytest.raises(TypeError):
        size_class("12")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        size_class(True)


def test_size_classes_constant() -> None:
    assert SIZE_CLASSES == ("micro", "small", "medium", "large")


_boundaries = [0.0, 1.0, 2.0, 2.5, 9.0, 9.5, 10.0, 11.0, 43.0, 44.0, 49.0, 50.0, 51.0, 249.0, 250.0]
_figure = st.one_of(
    st.none(),
    st.sampled_from(_boundaries),
    st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False),
)


@given(st.lists(st.tuples(_figure, _figure, _figure), min_size=1, max_size=40))
def test_vectorised_size_class_agrees_with_scalar(
    rows: list[tuple[float | None, float | None, float | None]],
) -> None:
    def arr(i: int) -> np.ndarray:
        return np.array([np.nan if r[i] is None else r[i] for r in rows], dtype=float)

    got = size_class_array(arr(0), arr(1), arr(2))
    assert got.dtype == object
    assert got.shape == (len(rows),)
    assert list(got) == [size_class(*r) for r in rows]


@given(_figure, _figure, _figure)
def test_class_is_never_below_the_headcount_class(
    employees: float | None, turnover: float | None, balance: float | None
) -> None:
    got = size_class(employees, turnover, balance)
    if employees is None:
        assert got is None
    else:
        assert got is not None
        assert SIZE_CLASSES.index(got) >= SIZE_CLASSES.index(size_class(employees) or "")


def test_vectorised_size_class_missing_financials_and_broadcasting() -> None:
    got = size_class_array(np.array([5, 30, 60, np.nan, 300]))
    assert list(got) == ["micro", "small", "medium", None, "large"]
    got = size_class_array([[30, 30], [5, 5]], turnover_meur=[12, 12], balance_sheet_meur=[8, 11])
    # 5 employees with 12 M turnover and 8 M balance sheet exceed the micro ceilings only
    assert got.tolist() == [["small", "medium"], ["small", "medium"]]


def test_vectorised_size_class_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="employees"):
        size_class_array(np.array([5, -1]))
    with pytest.raises(ValueError, match="turnover"):
        size_class_array(np.array([5, 6]), np.array([np.inf, 1]))


def test_import_does_not_load_numpy() -> None:
    code = "import sys, maturity.classify; assert 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# NACE Rev. 2
# --------------------------------------------------------------------------------------------


def test_nace_data_has_every_level_in_full() -> None:
    rows = _data("nace_rev2.csv")
    assert list(rows[0]) == ["code", "level", "parent", "title_en"]
    counts = Counter(r["level"] for r in rows)
    # NACE Rev. 2: 21 sections, 88 divisions, 272 groups, 615 classes
    assert counts == {"1": 21, "2": 88, "3": 272, "4": 615}
    codes = {r["code"] for r in rows}
    assert len(codes) == len(rows)
    assert {r["code"] for r in rows if r["level"] == "1"} == set("ABCDEFGHIJKLMNOPQRSTU")
    for r in rows:
        assert r["title_en"].strip() == r["title_en"] != ""
        if r["level"] == "1":
            assert r["parent"] == ""
        else:
            assert r["parent"] in codes
        if r["level"] in ("3", "4"):
            assert r["code"].startswith(r["parent"])
            assert len(r["code"]) == {"3": 4, "4": 5}[r["level"]]


# Divisions of each NACE Rev. 2 section (NACE Rev. 2 structure, Eurostat 2008).
_SECTION_DIVISIONS = {
    "A": range(1, 4),
    "B": range(5, 10),
    "C": range(10, 34),
    "D": [35],
    "E": range(36, 40),
    "F": range(41, 44),
    "G": range(45, 48),
    "H": range(49, 54),
    "I": range(55, 57),
    "J": range(58, 64),
    "K": range(64, 67),
    "L": [68],
    "M": range(69, 76),
    "N": range(77, 83),
    "O": [84],
    "P": [85],
    "Q": range(86, 89),
    "R": range(90, 94),
    "S": range(94, 97),
    "T": range(97, 99),
    "U": [99],
}


def test_every_division_belongs_to_its_section() -> None:
    divisions = [f"{d:02d}" for ds in _SECTION_DIVISIONS.values() for d in ds]
    assert len(divisions) == 88
    for section, ds in _SECTION_DIVISIONS.items():
        for d in ds:
            assert nace_section(f"{d:02d}") == section
    for missing in ("04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89"):
        assert not nace_is_valid(missing)


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("C", "Manufacturing"),
        ("28", "Manufacture of machinery and equipment n.e.c."),
        ("28.4", "Manufacture of metal forming machinery and machine tools"),
        ("28.41", "Manufacture of metal forming machinery"),
        ("01.11", "Growing of cereals (except rice), leguminous crops and oil seeds"),
        ("62.01", "Computer programming activities"),
        ("33.20", "Installation of industrial machinery and equipment"),
        ("99.00", "Activities of extraterritorial organisations and bodies"),
    ],
)
def test_nace_titles(code: str, title: str) -> None:
    assert nace_title(code) == title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("28.41", "28.41"),
        ("2841", "28.41"),
        (" 28 . 41 ", "28.41"),
        ("28.4", "28.4"),
        ("284", "28.4"),
        ("28", "28"),
        ("C", "C"),
        ("c", "C"),
        ("28.41.00", "28.41.00"),
        ("284100", "28.41.00"),
        ("28.41.0", "28.41.0"),
        ("01.11", "01.11"),
    ],
)
def test_nace_normalize(raw: str, expected: str) -> None:
    assert nace_normalize(raw) == expected
    assert nace_is_valid(raw)


def test_nace_ancestors() -> None:
    assert nace_ancestors("28.41") == ("28.41", "28.4", "28", "C")
    assert nace_ancestors("28.41.00") == ("28.41.00", "28.41", "28.4", "28", "C")
    assert nace_ancestors("2841") == ("28.41", "28.4", "28", "C")
    assert nace_ancestors("62") == ("62", "J")
    assert nace_ancestors("C") == ("C",)
    assert nace_ancestors("01.11") == ("01.11", "01.1", "01", "A")


def test_ateco_codes_validate_through_their_nace_class() -> None:
    assert nace_section("25.62.00") == "C"  # ATECO 2007 "Lavori di meccanica generale"
    assert nace_title("25.62.00") is None
    # 28.47 is a class of neither NACE Rev. 2 nor ATECO 2025 (28.42 is one of ATECO 2025)
    with pytest.raises(ValueError, match=r"28\.47"):
        nace_normalize("28.47.00")


@pytest.mark.parametrize(
    # 28.42 and V exist in ATECO 2025 only, and are accepted as such: 28.47 and W in neither
    "bad",
    ["28.47", "34", "00", "W", "Z", "C28", "2.841", "28.4.1", "2841000", "", "abc"],
)
def test_unknown_or_malformed_nace_codes(bad: str) -> None:
    assert not nace_is_valid(bad)
    with pytest.raises(ValueError) as info:
        nace_normalize(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "A-U" in message  # says what is allowed


def test_unknown_nace_class_lists_its_siblings() -> None:
    with pytest.raises(ValueError, match=r"28\.41, 28\.49"):
        nace_normalize("28.47")


def test_nace_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        nace_normalize(2841)  # type: ignore[arg-type]
    assert not nace_is_valid(2841)
    assert not nace_is_valid(None)


# --------------------------------------------------------------------------------------------
# NUTS 2021
# --------------------------------------------------------------------------------------------

_EU27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip

_IT_NUTS2 = {
    "ITC1": "Piemonte",
    "ITC2": "Valle d'Aosta",
    "ITC3": "Liguria",
    "ITC4": "Lombardia",
    "ITH1": "Bolzano",
    "ITH2": "Trento",
    "ITH3": "Veneto",
    "ITH4": "Friuli-Venezia Giulia",
    "ITH5": "Emilia-Romagna",
    "ITI1": "Toscana",
    "ITI2": "Umbria",
    "ITI3": "Marche",
    "ITI4": "Lazio",
    "ITF1": "Abruzzo",
    "ITF2": "Molise",
    "ITF3": "Campania",
    "ITF4": "Puglia",
    "ITF5": "Basilicata",
    "ITF6": "Calabria",
    "ITG1": "Sicilia",
    "ITG2": "Sardegna",
}

# Number of provinces (NUTS-3 units) of some Italian regions in NUTS 2021.
_IT_PROVINCES = {
    "ITC1": 8,  # Piemonte
    "ITC2": 1,
    "ITC3": 4,  # Liguria
    "ITC4": 12,  # Lombardia
    "ITH3": 7,  # Veneto
    "ITH5": 9,  # Emilia-Romagna
    "ITI1": 10,  # Toscana
    "ITI4": 5,  # Lazio
    "ITF3": 5,  # Campania
    "ITF4": 6,  # Puglia
    "ITG1": 9,  # Sicilia
    "ITG2": 5,  # Sardegna
}


def test_italy_is_shipped_in_full() -> None:
    rows = _data("nuts2021.csv")
    assert list(rows[0]) == ["code", "level", "name"]
    it = [r for r in rows if r["code"].startswith("IT")]
    assert Counter(r["level"] for r in it) == {"0": 1, "1": 5, "2": 21, "3": 107}
    assert {r["code"] for r in it if r["level"] == "1"} == {"ITC", "ITH", "ITI", "ITF", "ITG"}
    assert {r["code"] for r in it if r["level"] == "2"} == set(_IT_NUTS2)
    for r in rows:
        assert int(r["level"]) == len(r["code"]) - 2
    for region, n in _IT_PROVINCES.items():
        assert sum(1 for r in it if r["level"] == "3" and r["code"][:4] == region) == n


def test_eu27_countries_are_shipped() -> None:
    rows = _data("nuts2021.csv")
    assert {r["code"] for r in rows if r["level"] == "0"} == _EU27
    for country in _EU27:
        assert nuts_level(country) == 0
        assert nuts_name(country)


def test_italian_names() -> None:
    for code, name in _IT_NUTS2.items():
        assert name.casefold() in (nuts_name(code) or "").casefold()
    assert nuts_name("IT") == "Italia"
    assert nuts_name("ITC") == "Nord-Ovest"
    assert nuts_name("ITG") == "Isole"
    assert nuts_name("ITC4C") == "Milano"
    assert nuts_name("ITC11") == "Torino"
    assert nuts_name("ITI43") == "Roma"
    assert nuts_name("ITF33") == "Napoli"
    assert nuts_name("ITH55") == "Bologna"


def test_nuts_normalize_and_levels() -> None:
    assert nuts_normalize(" itc4c ") == "ITC4C"
    assert nuts_normalize("It C 4") == "ITC4"
    assert [nuts_level(c) for c in ("IT", "ITC", "ITC4", "ITC4C")] == [0, 1, 2, 3]
    assert nuts_ancestors("ITC4C") == ("ITC4C", "ITC4", "ITC", "IT")
    assert nuts_ancestors("ITG2H") == ("ITG2H", "ITG2", "ITG", "IT")
    assert nuts_ancestors("IT") == ("IT",)


@pytest.mark.parametrize(
    "bad",
    [
        "ITC45",  # Milano's code before NUTS 2010, no longer valid
        "ITD55",  # Bologna's code before NUTS 2010
        "ITX",
        "ITC5",
        "GR",  # Greece is EL in NUTS
        "XX",
        "I",
        "ITC4C1",
        "",
        "IT-C4",
    ],
)
def test_unknown_or_malformed_nuts_codes(bad: str) -> None:
    assert not nuts_is_valid(bad)
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        nuts_normalize(bad)


def test_nuts_greece_hint() -> None:
    with pytest.raises(ValueError, match="EL"):
        nuts_normalize("GR3")


def test_countries_shipped_at_level_0_accept_any_well_formed_code() -> None:
    assert nuts_normalize("de1") == "DE1"
    assert nuts_ancestors("DE212") == ("DE212", "DE21", "DE2", "DE")
    assert nuts_name("DE212") is None
    assert nuts_name("DE") == "Deutschland"
    assert not nuts_is_valid("DE2121")


def test_nuts_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        nuts_normalize(None)  # type: ignore[arg-type]
    assert not nuts_is_valid(42)


# --------------------------------------------------------------------------------------------
# Widening chains
# --------------------------------------------------------------------------------------------


def test_widen_chain() -> None:
    assert WIDENING_FIELDS == ("sector", "region", "size_class")
    assert widen_chain("region", "ITC4C") == ("ITC4C", "ITC4", "ITC", "IT", None)
    assert widen_chain("size_class", "small") == ("small", None)
    assert widen_chain("sector", "28.41") == ("28.41", "28.4", "28", "C", None)
    assert widen_chain("sector", "28.41.00") == ("28.41.00", "28.41", "28.4", "28", "C", None)
    assert widen_chain("sector", "C") == ("C", None)
    assert widen_chain("region", "IT") == ("IT", None)


def test_widen_chain_errors() -> None:
    with pytest.raises(ValueError, match="sector, region, size_class"):
        widen_chain("company", "ACME")
    with pytest.raises(ValueError, match="micro, small, medium, large"):
        widen_chain("size_class", "tiny")
    with pytest.raises(ValueError):
        widen_chain("region", "ITC45")
    with pytest.raises(ValueError):
        widen_chain("sector", "28.47")


# --------------------------------------------------------------------------------------------
# ATECO 2007 and ATECO 2025 (ISTAT)
# --------------------------------------------------------------------------------------------


def test_ateco_2025_codes_are_accepted_and_widen_through_nace() -> None:
    from maturity.classify import nace_ancestors, nace_normalize, widen_chain

    # 62.10 "computer programming" exists only in ATECO 2025 (NACE Rev. 2.1); ISTAT maps it to
    # ATECO 2007 62.01 "software not connected to publishing"
    assert nace_normalize("62.10.00") == "ateco2025:62.10.00"
    assert nace_normalize("621000") == "ateco2025:62.10.00"
    assert nace_ancestors("62.10.00") == ("ateco2025:62.10.00", "62.01", "62.0", "62", "J")
    assert widen_chain("sector", "62.10")[-2:] == ("J", None)
    # a code in both editions is read as ATECO 2007 / NACE Rev. 2 unless stated otherwise
    assert nace_normalize("28.41.00") == "28.41.00"
    # ATECO 2025 28.41 gathers 2007's 28.41 and part of 28.49: peers widen from group 28.4
    assert nace_normalize("ateco2025:28.41.00") == "ateco2025:28.41.00"
    assert nace_ancestors("ATECO2025: 28.41.00")[1:] == ("28.4", "28", "C")


def test_sector_codes_that_do_not_exist() -> None:
    from maturity.classify import nace_normalize

    with pytest.raises(ValueError, match="ATECO 2025"):
        nace_normalize("62.99")
    with pytest.raises(ValueError, match="unknown classification 'istat'"):
        nace_normalize("istat:28.41")
    with pytest.raises(ValueError, match="unknown ATECO 2025 code"):
        nace_normalize("ateco2025:62.01.00")


@pytest.mark.parametrize(
    ("code", "lang", "classification", "title", "mapped"),
    [
        (
            "62.10.00",
            "it",
            "ATECO 2025",
            "Attività di programmazione informatica",
            ("62.01.00", "ATECO 2007"),
        ),
        (
            "62.01",
            "it",
            "ATECO 2007",
            "Produzione di software non connesso all'edizione",
            ("62.10", "ATECO 2025"),
        ),
        ("28.41", "en", "ATECO 2007", "Manufacture of metal forming machinery", None),
        (
            "28.41",
            "it",
            "ATECO 2007",
            "Fabbricazione di macchine utensili per la formatura dei metalli",
            None,
        ),
        ("C", "it", "ATECO 2007", "Attività manifatturiere", None),  # ISTAT: capitals
        ("C", "en", "ATECO 2007", "Manufacturing", None),
    ],
)
def test_describe_sector(
    code: str, lang: str, classification: str, title: str, mapped: tuple[str, str] | None
) -> None:
    from maturity.classify import describe_sector

    d = describe_sector(code, lang=lang)
    assert (d.classification, d.title) == (classification, title)
    assert (d.mapped, d.mapped_classification) == (mapped or (None, None))
    assert d.title_lang == lang


def test_ateco_2025_without_a_one_to_one_equivalent_has_its_italian_title() -> None:
    from maturity.classify import describe_sector

    # 28.41.00 of ATECO 2025 merges ATECO 2007 28.41.00 and 28.49.09: no English title
    d = describe_sector("ateco2025:28.41.00", lang="en")
    assert d.title_lang == "it" and d.title is not None and d.title.startswith("Fabbricazione")


def test_the_report_states_the_classification() -> None:
    import datetime as dt

    import maturity
    from maturity.model import load_model
    from maturity.report.render import render_report
    from maturity.responses import Profile, Respondent, Responses
    from maturity.scoring import score

    q = maturity.load_questionnaire("i40-readiness")
    m = load_model("i40-readiness-weighted")
    people = (
        Respondent("a", Profile(company="A", sector="ateco2025:62.10.00", employees=12), {}),
        Respondent("b", Profile(company="B", sector="28.41", date=dt.date(2025, 5, 1)), {}),
    )
    s = score(Responses(q, people), m, by="company")
    it = render_report(s, "A", lang="it")
    en = render_report(s, "A", lang="en")
    assert isinstance(it, str) and isinstance(en, str)
    assert (
        "<dt>Settore (ATECO 2025)</dt><dd>62.10.00 – Attività di programmazione informatica "
        "(in ATECO 2007: 62.01.00)</dd>"
    ) in it
    assert (
        "<dt>Sector (ATECO 2025)</dt><dd>62.10.00 – Computer programming activities "
        "(in ATECO 2007: 62.01.00)</dd>"
    ) in en
    b = render_report(s, "B", lang="it")
    assert isinstance(b, str)
    assert (
        "<dt>Settore (ATECO 2007)</dt><dd>28.41 – Fabbricazione di macchine utensili per la "
        "formatura dei metalli</dd>"
    ) in b


def test_an_ateco_2025_code_mapped_one_to_one_has_its_english_nace_title():
    from maturity.classify import describe_sector

    # ATECO 2025 62.10.00 is ATECO 2007 62.01.00 (ISTAT's correspondence, one to one):
    # NACE Rev. 2 class 62.01 "Computer programming activities"
    d = describe_sector("ateco2025:62.10.00", lang="en")
    assert (d.title, d.title_lang, d.mapped) == (
        "Computer programming activities",
        "en",
        "62.01.00",
    )
    assert describe_sector("ateco2025:62.10.00", lang="it").title_lang == "it"
    # 28.41.00 of ATECO 2025 merges two ATECO 2007 codes: no English title of its own
    assert describe_sector("ateco2025:28.41.00", lang="en").title_lang == "it"
