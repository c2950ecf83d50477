"""The public face: __all__ honest, documented, typed, light to import; schema agrees."""

import json
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest

import maturity as mt
from maturity.spec.yamlio import read_yaml


@pytest.mark.parametrize("name", mt.__all__)
def test_public_names_import_and_are_documented(name):
    obj = getattr(mt, name)
    if name != "__version__":
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_py_typed_is_shipped():
    assert resources.files("maturity").joinpath("py.typed").is_file()


def test_import_is_light():
    code = (
        "import sys, maturity; heavy = [m for m in ('numpy', 'scipy', 'matplotlib', "
        "'jinja2', 'yaml', 'pandas') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_validate_does_not_import_numpy_or_matplotlib():
    code = (
        "import sys; from maturity.cli import main; main(['validate', '--quiet', "
        "'i40-readiness']); print(','.join(m for m in ('numpy', 'scipy', 'matplotlib', "
        "'jinja2') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def schema():
    text = resources.files("maturity.spec").joinpath("schemas/questionnaire.schema.json")
    return json.loads(text.read_text())


@pytest.mark.parametrize("qid", ["i40-readiness", "digital-maturity"])
def test_shipped_questionnaires_match_the_json_schema(qid):
    path = next(b.path for b in mt.bundled("questionnaire") if b.id == qid)
    data = read_yaml(path).data  # the same YAML 1.2 values the loader sees
    jsonschema.Draft202012Validator(schema()).validate(data)


def test_schema_refuses_structural_mistakes():
    validator = jsonschema.Draft202012Validator(schema())
    good = {
        "format": "maturity/questionnaire@1",
        "id": "x",
        "version": "1.0.0",
        "languages": ["en"],
        "title": "X",
        "items": [{"id": "a", "kind": "boolean", "text": "A"}],
    }
    assert validator.is_valid(good)
    for bad in (
        {**good, "weigth": 1},
        {**good, "items": [{"id": "a", "kind": "likert", "text": "A"}]},
        {**good, "items": [{"id": "a", "kind": "boolean", "text": "A", "bands": [1]}]},
        {**good, "version": "1.0"},
    ):
        assert not validator.is_valid(bad)


def test_questionnaire_file_ids_match_file_names():
    for b in mt.bundled("questionnaire"):
        assert mt.load_questionnaire(b.path).id == b.id


def test_shipped_models_match_their_json_schema():
    text = resources.files("maturity.spec").joinpath("schemas/scoring-model.schema.json")
    validator = jsonschema.Draft202012Validator(json.loads(text.read_text()))
    for b in mt.bundled("scoring_model"):
        validator.validate(read_yaml(b.path).data)
    bad = read_yaml(next(b.path for b in mt.bundled("scoring_model"))).data
    assert not validator.is_valid({**bad, "nodes": {"root": {"operator": "avg"}}})
    assert not validator.is_valid({**bad, "weigths": 1})
