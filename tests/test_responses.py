"""Reading, checking and writing answers."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.errors import ResponseError
from maturity.io import read_responses, write_responses
from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
from tests.strategies import profiles
from tests.util import q_from

Q = q_from("""\
profile:
  company: {}
  sector: {required: true}
  employees: {}
  region: {}
  date: {}
scales:
  s3:
    options:
      - {code: NO, value: 0, label: {en: No, it: No}}
      - {code: partly, value: 1, label: {en: Partly, it: In parte}}
      - {code: yes, value: 2, label: {en: Yes, it: Sì}}
items:
  - {id: makes, kind: boolean, text: {en: M, it: M}}
  - {id: conn, kind: scale, scale: s3, text: {en: C, it: C}, na: true, dont_know: true,
     when: 'answer("makes")'}
  - {id: pct, kind: number, text: {en: P, it: P}, min: 0, max: 100, bands: [10, 50]}
  - id: sys
    kind: multi
    text: {en: S, it: S}
    options:
      - {code: erp, points: 1, label: {en: ERP, it: ERP}}
      - {code: mes, points: 1, label: {en: MES, it: MES}}
      - {code: none, points: 0, label: {en: None, it: Nessuno}, exclusive: true}
  - {id: must, kind: boolean, text: {en: R, it: R}, required: true}
  - {id: note, kind: text, text: {en: N, it: N}}
""")


def write(tmp_path, text, name="a.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def problems(tmp_path, text, name="a.csv"):
    with pytest.raises(ResponseError) as info:
        read_responses(write(tmp_path, text, name), Q)
    return info.value.problems


def test_reads_all_kinds(tmp_path):
    r = read_responses(
        write(
            tmp_path,
            (
                "respondent_id,sector,employees,region,date,makes,conn,pct,sys,must,note\n"
                "r1,28.41,35,ITC4C,2025-03-01,yes,partly,12.5,erp|mes,no,hello\n"
                "r2,C,5,,,no,,,none,yes,\n"
            ),
        ),
        Q,
    )
    a, b = r.respondents
    assert a.answers == {
        "makes": True,
        "conn": "partly",
        "pct": 12.5,
        "sys": frozenset({"erp", "mes"}),
        "must": False,
        "note": "hello",
    }
    assert a.profile.size_class == "small" and a.profile.region == "ITC4C"
    assert b.answers["sys"] == frozenset({"none"}) and "conn" not in b.answers
    m = r.matrix()
    assert m.item_ids == ("makes", "conn", "pct", "sys", "must")
    assert list(m.applicable[:, 1]) == [True, False]  # conn asked only when makes is yes
    assert m.values[0, 2] == 1.0  # 12.5 reaches the first band only


def test_na_dont_know_and_missing_stay_apart(tmp_path):
    r = read_responses(
        write(
            tmp_path,
            (
                "respondent_id,sector,makes,conn,must\n"
                "r1,C,yes,n/a,yes\nr2,C,yes,dont_know,yes\nr3,C,yes,,yes\n"
            ),
        ),
        Q,
    )
    assert [x.answers.get("conn") for x in r] == [NA, DONT_KNOW, None]
    m = r.matrix()
    assert list(m.na[:, 1]) == [True, False, False]
    assert list(m.dont_know[:, 1]) == [False, True, False]
    assert list(m.missing[:, 1]) == [False, False, True]


def test_spreadsheet_export_semicolons_bom_decimal_commas(tmp_path):
    text = "\ufeffrespondent_id;sector;makes;pct;must\nr1;C;sì;12,5;no\n"
    r = read_responses(write(tmp_path, text), Q)
    assert r.respondents[0].answers["pct"] == 12.5
    assert r.respondents[0].answers["makes"] is True
    latin = read_responses(
        write(tmp_path, "respondent_id;sector;must;note\nr1;C;no;caffè\n", encoding="cp1252"), Q
    )
    assert latin.respondents[0].answers["note"] == "caffè"


@pytest.mark.parametrize("cell", ["nan", "inf", "1_000", "1.000,5", "1e3", "-inf", "12%"])
def test_odd_numbers_are_not_accepted(tmp_path, cell):
    (p,) = problems(tmp_path, f'respondent_id,sector,pct,must\nr1,C,"{cell}",yes\n')
    assert (p.code, p.line, p.column, p.path) == ("R003", 2, 3, "pct")


def test_every_problem_names_file_row_and_column(tmp_path):
    ps = problems(
        tmp_path,
        (
            "respondent_id,sector,makes,conn,pct,sys,must\n"
            "r1,C,no,partly,10,erp,yes\n"  # conn answered but its condition is false
            "r2,C,yes,maybe,101,erp|none,\n"  # bad code, out of range, exclusive, required
            "r1,99.99,yes,,,,yes\n"
        ),
    )  # duplicate id, unknown sector
    got = {(p.code, p.line, p.path) for p in ps}
    assert ("R005", 2, "conn") in got
    assert {("R002", 3, "conn"), ("R004", 3, "pct"), ("R011", 3, "sys"), ("R006", 3, "must")} <= got
    assert ("R008", 4, "respondent_id") in got and ("R010", 4, "sector") in got
    assert all(p.file.endswith("a.csv") for p in ps)
    line = str(next(p for p in ps if p.code == "R004"))
    assert line.endswith("a.csv:3:5: pct: 101 is out of range for 'pct' (allowed: 0 to 100) [R004]")


def test_skip_bad_rows_keeps_a_report(tmp_path):
    r = read_responses(
        write(
            tmp_path, ("respondent_id,sector,pct,must\nr1,C,10,yes\nr2,C,200,yes\nr3,C,20,yes\n")
        ),
        Q,
        on_error="skip",
    )
    assert r.ids == ("r1", "r3")
    assert [p.code for p in r.skipped] == ["R004"]


def test_unknown_column_is_a_file_error(tmp_path):
    ps = problems(tmp_path, "respondent_id,sector,pctt,must\nr1,C,1,yes\n")
    assert ps[0].code == "R001" and "did you mean 'pct'?" in ps[0].message


def test_other_version_is_refused(tmp_path):
    ps = problems(
        tmp_path,
        "respondent_id,questionnaire,questionnaire_version,sector,must\nr1,t,2.0.0,C,yes\n",
    )
    assert ps[0].code == "R009" and "version 2.0.0" in ps[0].message
    ok = read_responses(
        write(
            tmp_path,
            "respondent_id,questionnaire,questionnaire_version,sector,must\nr1,t,1.0.3,C,yes\n",
        ),
        Q,
    )
    assert len(ok) == 1


def test_json_records_with_lines(tmp_path):
    recs = [
        {"respondent_id": "r1", "sector": "C", "must": "yes", "sys": ["erp"]},
        {"respondent_id": "r2", "sector": "C", "must": True, "pct": "abc"},
    ]
    p = write(tmp_path, json.dumps(recs, indent=1), "a.json")
    with pytest.raises(ResponseError) as info:
        read_responses(p, Q)
    (prob,) = info.value.problems
    # json.dumps(indent=1): record 2 opens on line 10; "pct" is its fourth key, on line 14
    assert prob.code == "R003" and prob.line == 14 and prob.path == "pct"


def test_formula_like_text_is_escaped_and_read_back(tmp_path):
    r = Responses(
        Q, (Respondent("r1", Profile(sector="C"), {"must": True, "note": '=HYPERLINK("x")'}),)
    )
    out = write_responses(r, tmp_path / "o.csv")
    assert "'=HYPERLINK" in out.read_text()
    assert read_responses(out, Q) == r
    with pytest.raises(FileExistsError):
        write_responses(r, out)


codes3 = st.sampled_from(["NO", "partly", "yes"])
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s.lower() not in ("n/a", "dont_know")
)


@st.composite
def respondent(draw, i):
    makes = draw(st.booleans())
    answers = {"makes": makes, "must": draw(st.booleans())}
    if makes and draw(st.booleans()):
        answers["conn"] = draw(st.sampled_from(["NO", "partly", "yes", NA, DONT_KNOW]))
    if draw(st.booleans()):
        answers["pct"] = float(draw(st.integers(0, 1000))) / 10
    if draw(st.booleans()):
        answers["sys"] = draw(
            st.sampled_from([frozenset({"erp"}), frozenset({"erp", "mes"}), frozenset({"none"})])
        )
    if draw(st.booleans()):
        answers["note"] = draw(text)
    profile = Profile(
        company=draw(st.none() | st.sampled_from(["acme", "beta"])),
        sector=draw(st.sampled_from(["C", "28.41", "10.11"])),
        employees=draw(st.none() | st.integers(0, 5000)),
        region=draw(st.none() | st.sampled_from(["ITC4C", "ITH", "IT"])),
    )
    return Respondent(f"r{i}", profile, answers)


@st.composite
def response_sets(draw):
    n = draw(st.integers(1, 6))
    return Responses(Q, tuple(draw(respondent(i)) for i in range(n)))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(r=response_sets(), suffix=st.sampled_from([".csv", ".json"]))
def test_any_response_set_round_trips(tmp_path, r, suffix):
    out = write_responses(r, tmp_path / f"rt{suffix}", force=True)
    assert read_responses(out, Q) == r


# --- profiles made from columns ------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profiles(), max_size=12), st.data())
def test_a_profile_list_is_the_sequence_of_its_profiles(profs, data):
    import pickle

    from maturity.benchmarking import profile_keys
    from maturity.profile_columns import ProfileColumns, ProfileList

    pl = ProfileList(ProfileColumns.from_profiles(profs))
    assert len(pl) == len(profs) and bool(pl) == bool(profs)
    assert list(pl) == profs
    assert pl == tuple(profs) and tuple(profs) == pl and pl == profs
    for i in range(-len(profs), len(profs)):
        assert pl[i] == profs[i]
    with pytest.raises(IndexError):
        pl[len(profs)]
    part = data.draw(st.slices(len(profs)))
    assert list(pl[part]) == profs[part]
    assert pickle.loads(pickle.dumps(pl)) == profs
    # the peer-group fields factorised from the columns, as benchmarking encodes the objects
    fields = ("sector", "region", "size_class", "company")
    want = profile_keys(profs, fields)
    for f in fields:
        codes, cats = pl.profile_keys[f]
        assert cats == want[f][1]
        assert codes.tolist() == want[f][0].tolist()


def test_profile_keys_take_an_empty_text_as_unknown():
    from maturity.benchmarking import profile_keys
    from maturity.profile_columns import ProfileColumns, ProfileList

    profs = [Profile(sector=""), Profile(sector="C"), Profile(), Profile(sector="C")]
    pl = ProfileList(ProfileColumns.from_profiles(profs))
    codes, cats = pl.profile_keys["sector"]
    assert cats == (None, "C") and codes.tolist() == [0, 1, 0, 1]
    assert profile_keys(profs, ["sector"])["sector"][1] == cats
    with pytest.raises(KeyError):
        pl.profile_keys["employees"]
