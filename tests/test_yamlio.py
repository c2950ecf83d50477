"""The strict YAML reader: YAML 1.2 scalars, refusals, and locations."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.errors import SpecError
from maturity.spec.yamlio import MAX_DEPTH, read_yaml, resolve_plain


def codes_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        read_yaml(text, file="t.yaml")
    return info.value.codes


def test_yaml_1_1_booleans_stay_text():
    doc = read_yaml("a: NO\nb: on\nc: yes\nd: Off\ne: y\nf: true\ng: False\n")
    assert doc.data == {
        "a": "NO",
        "b": "on",
        "c": "yes",
        "d": "Off",
        "e": "y",
        "f": True,
        "g": False,
    }


def test_numbers_keep_their_source_text():
    doc = read_yaml("version: 1.10\ncode: 01\nx: 0x1f\n")
    assert doc.data == {"version": 1.1, "code": 1, "x": 31}
    assert doc.raw_text(("version",)) == "1.10"
    assert doc.raw_text(("code",)) == "01"


def test_dates_are_not_converted():
    assert read_yaml("d: 2023-02-30\n").data == {"d": "2023-02-30"}


def test_keys_are_always_strings():
    assert read_yaml("1: a\nyes: b\nnull: c\n").data == {"1": "a", "yes": "b", "null": "c"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("~", None),
        ("null", None),
        ("", None),
        ("12", 12),
        ("-3", -3),
        ("0o17", 15),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("abc", "abc"),
        ("1_000", "1_000"),
        ("TRUE", True),
        ("yes", "yes"),
    ],
)
def test_resolve_plain_core_schema(text, expected):
    assert resolve_plain(text) == expected


def test_duplicate_key_names_both_lines():
    with pytest.raises(SpecError) as info:
        read_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", file="t.yaml")
    (p,) = info.value.problems
    assert (p.code, p.line, p.column, p.path) == ("Y002", 4, 3, "b.c")
    assert "first defined on line 3" in p.message
    assert str(p).startswith("t.yaml:4:3: b.c: duplicate key 'c'")


def test_python_tags_are_refused():
    assert codes_of("a: !!python/object/apply:os.system ['echo hi']\n") == ["Y004"]
    assert codes_of("a: !custom x\n") == ["Y004"]


def test_explicit_str_tag_is_allowed():
    assert read_yaml("a: !!str 1.10\n").data == {"a": "1.10"}


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        prev, cur = chr(96 + k), chr(97 + k)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    t0 = time.perf_counter()
    assert codes_of("\n".join(lines) + "\n") == ["Y003"]
    assert time.perf_counter() - t0 < 1.0


def test_deep_nesting_is_a_typed_error_not_recursion_error():
    block = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * 70 + "x\n"
    assert codes_of(block) == ["Y005"]
    flow = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"
    assert codes_of(flow) in (["Y005"], ["Y001"])


def test_syntax_error_has_a_location():
    with pytest.raises(SpecError) as info:
        read_yaml("a: 1\nb: [1, 2\nc: 3\n", file="t.yaml")
    (p,) = info.value.problems
    assert p.code == "Y001" and p.line is not None and p.line >= 2


def test_other_refusals():
    assert codes_of("a: 1\n---\nb: 2\n") == ["Y006"]
    assert codes_of("? [a]\n: 1\n") == ["Y007"]
    assert codes_of("") == ["Y008"]
    assert codes_of("# only a comment\n") == ["Y008"]


def test_control_character_is_located():
    with pytest.raises(SpecError) as info:
        read_yaml("a: 1\nb: x\x07y\n", file="t.yaml")
    (p,) = info.value.problems
    assert (p.code, p.line, p.column) == ("Y001", 2, 5)


def test_bad_utf8_is_located():
    with pytest.raises(SpecError) as info:
        read_yaml(b"a: 1\nb: caf\xe9\n", file="t.yaml")
    (p,) = info.value.problems
    assert (p.code, p.line, p.column) == ("Y009", 2, 7)


def test_marks_are_one_based():
    doc = read_yaml("top:\n  - id: x\n    kind: scale\n")
    assert doc.mark(("top", 0, "kind")).line == 3
    assert doc.mark(("top", 0, "kind")).column == 11
    assert doc.mark(("top", 0, "kind"), key=True).column == 5
    assert doc.mark(("top", 0, "missing")).line == 2  # nearest enclosing value


# YAML forbids control characters and lone surrogates, so JSON text is drawn without them.
printable = st.characters(blacklist_categories=("Cc", "Cs"))
keys = st.text(printable, min_size=1, max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(printable, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(keys, json_values, min_size=1, max_size=5))
def test_json_documents_read_back_equal(value):
    import json

    assert read_yaml(json.dumps(value, ensure_ascii=False)).data == value
