"""Maturity levels as data: what each level asks of a dimension (``nodes.<id>.levels``), one
table of level names that is a bijection in both languages, and every text in every declared
language (``maturity validate --strict``, ``maturity show``).
"""

from __future__ import annotations

import csv
import itertools
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from maturity.bundle import bundled
from maturity.errors import SpecError
from maturity.model import load_model, parse_model
from maturity.questionnaire import parse_questionnaire

Q = """\
format: maturity/questionnaire@1
id: lv
version: 1.0.0
languages: [en, it]
title: {en: Levels, it: Livelli}
scales:
  s:
    options:
      - {code: no, value: 0, label: {en: No, it: No}}
      - {code: yes, value: 1, label: {en: Yes, it: Sì}}
dimensions:
  - id: plan
    title: {en: Plan, it: Piano}
    items:
      - {id: p1, kind: scale, scale: s, text: {en: P1, it: P1}}
  - id: people
    title: {en: People, it: Persone}
    items:
      - {id: h1, kind: scale, scale: s, text: {en: H1, it: H1}}
"""

HEAD = """\
format: maturity/scoring-model@1
id: lv-model
version: 1.0.0
title: {en: M, it: M}
questionnaire: {id: lv, versions: "*"}
range: [0, 5]
levels:
  - {min: 0, code: low, label: {en: Low, it: Basso}}
  - {min: 2, code: mid, label: {en: Middle, it: Medio}, description: {en: Mid., it: Medio.}}
  - {min: 4, code: top, label: {en: Top, it: Alto}}
"""


def _model(nodes: str, *, strict: bool = False, head: str = HEAD):
    q = parse_questionnaire(Q, file="lv.yaml")
    return parse_model(head + textwrap.dedent(nodes), q, file="m.yaml", strict=strict)


def _errors(nodes: str, **kw) -> SpecError:
    with pytest.raises(SpecError) as info:
        _model(nodes, **kw)
    return info.value


def test_levels_per_node() -> None:
    m = _model(
        """\
        nodes:
          plan:
            levels:
              mid: {en: A written plan., it: Un piano scritto.}
              top: {en: A plan reviewed yearly., it: Un piano rivisto ogni anno.}
        """
    )
    assert m.rules["plan"].level_descriptions["mid"].lang("it") == "Un piano scritto."
    assert m.level_description("plan", "top").lang("en") == "A plan reviewed yearly."
    # a node without its own words, and a level it does not describe: the level's own words
    assert m.level_description("people", "mid").lang("en") == "Mid."
    assert m.level_description("plan", "low") is None
    with pytest.raises(KeyError, match="no level 'none'"):
        m.level_description("plan", "none")


def test_unknown_level_code_is_located_with_a_suggestion() -> None:
    err = _errors(
        """\
        nodes:
          plan:
            levels:
              midd: {en: x, it: y}
        """
    )
    (p,) = err.problems
    assert p.code == "S001"
    assert (p.line, p.column) == (14, 7)
    assert "did you mean 'mid'?" in p.message
    assert p.path == "nodes.plan.levels.midd"


def test_levels_of_the_root_are_refused() -> None:
    err = _errors(
        """\
        nodes:
          root:
            levels:
              mid: {en: x, it: y}
        """
    )
    (p,) = err.problems
    assert p.code == "M006" and p.line == 14 and "levels[].description" in p.message


def test_missing_translation_of_a_node_level_is_a_warning_or_strict_error() -> None:
    nodes = """\
        nodes:
          plan:
            levels:
              mid: {en: Only English.}
        """
    m = _model(nodes)
    (w,) = m.warnings
    assert (w.code, w.path, w.line) == ("T001", "nodes.plan.levels.mid", 14)
    err = _errors(nodes, strict=True)
    assert [p.code for p in err.problems] == ["T001"]


def test_a_level_name_used_twice_is_an_error() -> None:
    head = HEAD.replace("label: {en: Top, it: Alto}", "label: {en: Top, it: Medio}")
    err = _errors("", head=head)
    (p,) = err.problems
    assert p.code == "M006" and p.path == "levels[2].label.it"
    assert "same it name as level 'mid'" in p.message


def test_the_json_schema_accepts_node_levels() -> None:
    schema_path = resources.files("maturity.spec").joinpath("schemas/scoring-model.schema.json")
    import json

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for b in bundled("scoring_model"):
        jsonschema.validate(yaml.safe_load(Path(b.path).read_text(encoding="utf-8")), schema)
    bad = yaml.safe_load(HEAD + "nodes:\n  plan:\n    levels:\n      mid: 3\n")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


# ------------------------------------------------------------------- one table of level names


def _table() -> list[dict[str, str]]:
    text = resources.files("maturity.data").joinpath("level_names.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_level_names_are_a_bijection_in_both_languages() -> None:
    rows = _table()
    for field in ("code", "en", "it"):
        names = [r[field].casefold() for r in rows]
        assert len(set(names)) == len(names), field


def test_every_shipped_model_uses_the_table() -> None:
    """Each level of a shipped model has the code, English and Italian name of one row of the
    table; so a name means one level whichever model or language a report uses (no more
    Experienced → "Esperto" beside Expert → "Avanzato").
    """
    table = {r["code"]: (r["en"], r["it"]) for r in _table()}
    pairs: set[tuple[str, str]] = set()
    for b in bundled("scoring_model"):
        m = load_model(b.path)
        for lv in m.levels:
            assert lv.code in table, (m.id, lv.code)
            assert (lv.label["en"], lv.label["it"]) == table[lv.code], (m.id, lv.code)
            pairs.add((lv.label["en"], lv.label["it"]))
    for (en1, it1), (en2, it2) in itertools.combinations(pairs, 2):
        assert (en1 == en2) == (it1 == it2)


def test_shipped_models_describe_every_next_level_of_every_dimension() -> None:
    for b in bundled("scoring_model"):
        m = load_model(b.path, strict=True)
        for node in m.top_nodes:
            described = m.rules[node].level_descriptions
            assert set(described) == {lv.code for lv in m.levels[1:]}, (m.id, node)
            for text in described.values():
                assert set(text) == set(m.questionnaire.languages)
                assert text["en"] != text["it"]


def test_the_i40_models_share_their_dimension_texts() -> None:
    ids = ["i40-readiness-weighted", "i40-readiness-impuls", "i40-readiness-weakest-link"]
    models = [load_model(i) for i in ids]
    for node in models[0].top_nodes:
        first = dict(models[0].rules[node].level_descriptions)
        for m in models[1:]:
            assert dict(m.rules[node].level_descriptions) == first, (m.id, node)


# ---------------------------------------------------- every text in every declared language


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maturity.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_validate_strict_and_show_name_a_missing_source_note(tmp_path: Path) -> None:
    q = tmp_path / "q.yaml"
    q.write_text(
        Q.replace(
            "scales:",
            "sources:\n  - title: A study\n    note: {en: the structure}\nscales:",
        ),
        encoding="utf-8",
    )
    done = _cli("validate", "--strict", str(q), cwd=tmp_path)
    assert done.returncode == 1
    assert "q.yaml:8:11: sources[0].note: missing translation for language(s) it" in done.stdout
    shown = _cli("show", str(q), cwd=tmp_path)
    assert shown.returncode == 0
    assert "missing in it (1): sources[0].note" in shown.stdout
    assert "it 100%" not in shown.stdout


def test_validate_strict_and_show_name_a_missing_level_description(tmp_path: Path) -> None:
    (tmp_path / "lv.yaml").write_text(Q, encoding="utf-8")
    model = tmp_path / "m.yaml"
    model.write_text(
        HEAD.replace('questionnaire: {id: lv, versions: "*"}', "questionnaire: {id: lv}")
        + "nodes:\n  plan:\n    levels:\n      mid: {en: Only English.}\n",
        encoding="utf-8",
    )
    done = _cli("validate", "--strict", str(model), "-q", str(tmp_path / "lv.yaml"), cwd=tmp_path)
    if "unrecognized arguments" in done.stderr:  # pragma: no cover - before helper C's -q
        pytest.skip("maturity validate MODEL -q QUESTIONNAIRE is not there yet")
    assert done.returncode == 1
    assert "nodes.plan.levels.mid: missing translation for language(s) it" in done.stdout


def test_show_a_shipped_model() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "maturity.cli", "show", "i40-readiness-impuls", "--lang", "it"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "languages: it 100%, en 100%" in done.stdout
    assert "3  experienced  Consolidato" in done.stdout
    assert "levels described per dimension: 6 of 6" in done.stdout
