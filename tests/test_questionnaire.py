"""Loading, validating and writing questionnaires."""

import pytest
from hypothesis import given, settings

import maturity as mt
from maturity.questionnaire import dump_questionnaire, parse_questionnaire
from tests.strategies import questionnaires
from tests.util import HEADER, q_errors, q_from

SCALE = """\
scales:
  adoption:
    options:
      - {code: none, value: 0, label: {en: None, it: Nessuno}}
      - {code: some, value: 1, label: {en: Some, it: Qualcosa}}
      - {code: full, value: 3, label: {en: Full, it: Completo}}
"""


def test_minimal_questionnaire_loads():
    q = q_from(
        SCALE
        + """\
dimensions:
  - id: d1
    title: {en: One, it: Uno}
    items:
      - {id: a, kind: scale, scale: adoption, text: {en: A?, it: A?}}
"""
    )
    assert q.id == "t" and q.version == "1.0.0" and q.languages == ("en", "it")
    assert [i.id for i in q.items] == ["a"]
    assert q.item("a").value_range == (0.0, 3.0)
    assert q.item("a").codes == ("none", "some", "full")
    assert q.parents == {"d1": "root", "a": "d1"}


def test_nesting_to_any_depth_and_items_at_any_level():
    q = q_from(
        SCALE
        + """\
items:
  - {id: top, kind: boolean, text: {en: T, it: T}}
dimensions:
  - id: a
    title: {en: A, it: A}
    items:
      - {id: a1, kind: boolean, text: {en: x, it: x}}
    dimensions:
      - id: b
        title: {en: B, it: B}
        dimensions:
          - id: c
            title: {en: C, it: C}
            items:
              - {id: c1, kind: scale, scale: adoption, text: {en: x, it: x}}
"""
    )
    assert [d.id for d in q.dimensions] == ["a", "b", "c"]
    assert [i.id for i in q.items] == ["top", "a1", "c1"]
    assert q.parents["c1"] == "c" and q.parents["c"] == "b" and q.parents["top"] == "root"


def test_item_kinds_and_values():
    q = q_from(
        SCALE
        + """\
dimensions:
  - id: d
    title: {en: D, it: D}
    items:
      - id: ch
        kind: choice
        text: {en: C, it: C}
        options:
          - {code: x, value: 2, label: {en: X, it: X}}
          - {code: y, value: 0.5, label: {en: Y, it: Y}}
      - id: mu
        kind: multi
        text: {en: M, it: M}
        options:
          - {code: erp, points: 1, label: {en: ERP, it: ERP}}
          - {code: mes, points: 2, label: {en: MES, it: MES}}
          - {code: none, points: 0, label: {en: None, it: Nessuno}, exclusive: true}
      - {id: nu, kind: number, text: {en: N, it: N}, min: 0, max: 100, unit: "%",
         bands: [10, 30, 60, 90]}
      - {id: lo, kind: number, text: {en: L, it: L}, bands: [5, 10, 20], better: lower}
      - {id: bo, kind: boolean, text: {en: B, it: B}}
      - {id: tx, kind: text, text: {en: T, it: T}}
"""
    )
    ch, mu, nu, bo, tx = (q.item(i) for i in ("ch", "mu", "nu", "bo", "tx"))
    assert ch.value_range == (0.5, 2.0) and ch.value_of("x") == 2.0
    assert mu.value_range == (0.0, 3.0)
    assert mu.value_of(frozenset({"erp", "mes"})) == 3.0
    # bands [10, 30, 60, 90]: 5 -> 0, 10 -> 1, 45 -> 2, 95 -> 4 (the reference's example)
    assert [nu.value_of(x) for x in (5, 10, 45, 95)] == [0, 1, 2, 4]
    assert bo.value_of(True) == 1.0 and bo.value_of(False) == 0.0
    assert not tx.scored and tx.kind == "text"


def test_lower_is_better_bands():
    q = q_from("""\
items:
  - {id: lo, kind: number, text: {en: L, it: L}, bands: [5, 10, 20], better: lower}
""")
    lo = q.item("lo")
    # better: lower counts thresholds >= the answer: 25 -> 0, 20 -> 1, 7 -> 2, 3 -> 3
    assert [lo.value_of(x) for x in (25, 20, 7, 3)] == [0, 1, 2, 3]


def test_versions_and_codes_stay_text():
    q = q_from(
        """\
items:
  - id: c
    kind: choice
    text: {en: C, it: C}
    options:
      - {code: NO, value: 0, label: {en: No, it: No}}
      - {code: on, value: 1, label: {en: On, it: Acceso}}
      - {code: 01, value: 2, label: {en: One, it: Uno}}
""",
        header=HEADER.replace("1.0.0", "1.10.0"),
    )
    assert q.item("c").codes == ("NO", "on", "01")
    assert q.version == "1.10.0"


def test_all_problems_at_once_with_locations():
    err = q_errors(
        SCALE
        + """\
dimensions:
  - id: d
    title: {en: D, it: D}
    items:
      - {id: a, kind: scale, scale: adoptoin, text: {en: A, it: A}}
      - {id: a, kind: boolean, text: {en: B, it: B}, weigth: 2}
"""
    )
    got = [(p.code, p.line) for p in err.problems]
    assert ("Q001", 16) in got and ("S007", 17) in got and ("S001", 17) in got
    msgs = "\n".join(map(str, err.problems))
    assert "did you mean 'adoption'?" in msgs
    assert "unknown key 'weigth'" in msgs
    assert all(p.file == "t.yaml" for p in err.problems)


def test_missing_translation_is_a_warning_or_an_error():
    body = "items:\n  - {id: a, kind: boolean, text: {en: Only English}}\n"
    q = q_from(body)
    assert [w.code for w in q.warnings] == ["T001"]
    assert "it" in q.warnings[0].message
    assert q_errors(body, strict=True).codes == ["T001"]


def test_undeclared_language_is_an_error():
    err = q_errors("items:\n  - {id: a, kind: boolean, text: {en: x, it: y, de: z}}\n")
    assert err.codes == ["T002"]


def test_conditions_are_checked():
    body = (
        SCALE
        + """\
profile:
  employees: {}
items:
  - {id: b, kind: boolean, text: {en: B, it: B}}
  - {id: s, kind: scale, scale: adoption, text: {en: S, it: S}, when: 'answer("b")'}
  - {id: t, kind: boolean, text: {en: T, it: T}, when: 'answer("s") == "sme"'}
  - {id: u, kind: boolean, text: {en: U, it: U}, when: 'answer("zz") == "x"'}
  - {id: v, kind: boolean, text: {en: V, it: V}, when: 'profile.employees >= 10 and'}
"""
    )
    err = q_errors(body)
    codes = err.codes
    assert "C003" in codes  # 'sme' is not a code of s
    assert "C002" in codes  # unknown item zz
    assert "C001" in codes  # syntax
    syntax = next(p for p in err.problems if p.code == "C001")
    assert syntax.line == 19  # 5 header lines + 6 scale lines + 8 lines down to item v


def test_condition_cycles_are_errors():
    err = q_errors("""\
items:
  - {id: a, kind: boolean, text: {en: A, it: A}, when: 'answer("b")'}
  - {id: b, kind: boolean, text: {en: B, it: B}, when: 'answer("a")'}
""")
    assert err.codes == ["C005"]
    assert "a -> b -> a" in str(err) or "b -> a -> b" in str(err)


def test_profile_names_in_conditions_need_the_field():
    err = q_errors("""\
items:
  - {id: a, kind: boolean, text: {en: A, it: A}, when: 'profile.employees >= 10'}
""")
    assert err.codes == ["Q008"]


def test_nace_codes_in_conditions_must_exist():
    body = """\
profile:
  sector: {}
items:
  - {id: a, kind: boolean, text: {en: A, it: A}, when: 'profile.division in ["28", "29"]'}
  - {id: b, kind: boolean, text: {en: B, it: B}, when: 'profile.section == "Z"'}
  - {id: c, kind: boolean, text: {en: C, it: C}, when: 'profile.division == "00"'}
"""
    err = q_errors(body)
    assert err.codes == ["C003", "C003"]
    section, division = err.problems
    assert section.line == 5 + 5 and "'Z' is not an option of profile.section" in str(section)
    assert "A, B, C" in str(section)  # the NACE sections are listed
    assert division.line == 5 + 6 and "'00' is not an option of profile.division" in str(division)
    q = q_from(body.replace('"Z"', '"C"').replace('"00"', '"28"'))  # real codes validate
    assert q.conditions_of("b")


def test_dimension_condition_governs_its_items():
    q = q_from("""\
items:
  - {id: makes, kind: boolean, text: {en: M, it: M}}
dimensions:
  - id: p
    title: {en: P, it: P}
    when: 'answer("makes")'
    items:
      - {id: p1, kind: boolean, text: {en: x, it: x}}
""")
    (cond,) = q.conditions_of("p1")
    assert cond.source == 'answer("makes")'


def test_round_trip_through_yaml_is_equal():
    q = q_from(
        SCALE
        + """\
profile:
  sector: {required: true}
  employees: {}
items:
  - {id: b, kind: boolean, text: {en: B, it: B}, required: true}
  - {id: s, kind: scale, scale: adoption, text: {en: S, it: S}, when: 'answer("b")', na: true}
"""
    )
    again = parse_questionnaire(dump_questionnaire(q))
    assert again == q


def test_bundled_questionnaires_are_listed_and_load():
    ids = {b.id for b in mt.bundled("questionnaire")}
    assert {"i40-readiness", "digital-maturity"} <= ids
    for qid in ("i40-readiness", "digital-maturity"):
        q = mt.load_questionnaire(qid, strict=True)
        assert q.id == qid and set(q.languages) == {"it", "en"}


def test_unknown_bundled_id_suggests():
    with pytest.raises(mt.SpecError) as info:
        mt.load_questionnaire("i40-readyness")
    assert "did you mean 'i40-readiness'?" in str(info.value)


@settings(max_examples=80, deadline=None)
@given(questionnaires())
def test_any_generated_questionnaire_round_trips_through_yaml(q):
    text = dump_questionnaire(q)
    again = parse_questionnaire(text, strict=True)
    assert again == q
    assert dump_questionnaire(again) == text
