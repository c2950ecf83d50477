"""The ``when:`` condition language: parsing, errors, limits, type checks and evaluation."""

from __future__ import annotations

import ast
import builtins
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import maturity.conditions as conditions
from maturity.conditions import (
    MAX_DEPTH,
    MAX_LENGTH,
    AnswerRef,
    BoolOp,
    Compare,
    Condition,
    ConditionIssue,
    ConditionSyntaxError,
    Const,
    ConstList,
    Node,
    Not,
    ProfileRef,
    ValueType,
    check,
    parse,
)
from maturity.errors import MaturityError


def tree(source: str) -> Node:
    return parse(source).tree


def a(item: str) -> AnswerRef:
    return AnswerRef(item)


def syntax_error(source: str) -> ConditionSyntaxError:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(source)
    return info.value


# --- parsing -----------------------------------------------------------------------------


def test_precedence_not_binds_tighter_than_and_tighter_than_or():
    assert tree('not answer("a") or answer("b") and answer("c")') == BoolOp(
        "or", (Not(a("a")), BoolOp("and", (a("b"), a("c"))))
    )
    assert tree('answer("a") and answer("b") or answer("c")') == BoolOp(
        "or", (BoolOp("and", (a("a"), a("b"))), a("c"))
    )
    # not applies to the whole comparison
    assert tree('not answer("n") == 1') == Not(Compare("==", a("n"), Const(1.0)))
    assert tree('not not answer("a")') == Not(Not(a("a")))


def test_parentheses_override_precedence():
    assert tree('not (answer("a") or answer("b")) and answer("c")') == BoolOp(
        "and", (Not(BoolOp("or", (a("a"), a("b")))), a("c"))
    )
    assert tree('answer("a") and (answer("b") or answer("c"))') == BoolOp(
        "and", (a("a"), BoolOp("or", (a("b"), a("c"))))
    )
    assert tree('((answer("a")))') == a("a")


def test_chains_of_and_or_stay_flat():
    t = tree('answer("a") and answer("b") and answer("c") and answer("d")')
    assert isinstance(t, BoolOp) and len(t.args) == 4
    t = tree('answer("a") or answer("b") or answer("c")')
    assert isinstance(t, BoolOp) and t.op == "or" and len(t.args) == 3


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_every_comparison_operator(op):
    assert tree(f'answer("n") {op} 3') == Compare(op, a("n"), Const(3.0))
    assert tree(f'answer("n"){op}3') == Compare(op, a("n"), Const(3.0))


def test_membership():
    assert tree('answer("c") in ["a", "b"]') == Compare(
        "in", a("c"), ConstList((Const("a"), Const("b")))
    )
    assert tree('answer("c") not in []') == Compare("not in", a("c"), ConstList(()))
    assert tree('"mes" in answer("m")') == Compare("in", Const("mes"), a("m"))
    assert tree('"mes" not  in answer("m")') == Compare("not in", Const("mes"), a("m"))


def test_literals():
    assert tree("true") == Const(True)
    assert tree("false") == Const(False)
    assert tree("-3") == Const(-3.0)
    assert tree("0.25") == Const(0.25)
    assert tree("007") == Const(7.0)
    assert tree('"double"') == Const("double")
    assert tree("'single'") == Const("single")
    assert tree(r'"say \"hi\" \\ it\'s"') == Const('say "hi" \\ it\'s')
    assert tree(r"'it\'s \"x\"'") == Const('it\'s "x"')
    assert tree('"it\'s"') == Const("it's")
    assert tree("''") == Const("")
    assert tree('"caffè ☕"') == Const("caffè ☕")
    lst = tree('[1, -2.5, "x", true]')
    assert lst == ConstList((Const(1.0), Const(-2.5), Const("x"), Const(True)))
    assert isinstance(tree("true"), Const) and tree("true").value is True  # type: ignore[union-attr]


def test_references():
    assert tree('answer("sp.makes_products")') == a("sp.makes_products")
    assert tree("answer('single.quoted')") == a("single.quoted")
    assert tree('answer ( "spaced" )') == a("spaced")
    assert tree("profile.size_class") == ProfileRef("size_class")
    assert tree("profile . employees") == ProfileRef("employees")
    # keywords are fine as field names after 'profile.'
    assert tree("profile.in") == ProfileRef("in")


def test_whitespace_and_newlines_between_tokens():
    assert tree('\n  answer("a")\n\tand\n answer("b")  ') == BoolOp("and", (a("a"), a("b")))


def test_offsets_point_into_the_source():
    src = 'answer("a") == "x" or profile.size in ["s"]'
    t = tree(src)
    assert isinstance(t, BoolOp)
    left, right = t.args
    assert isinstance(left, Compare) and isinstance(right, Compare)
    assert left.offset == 0 and left.op_offset == src.index("==")
    assert isinstance(left.right, Const) and left.right.offset == src.index('"x"')
    assert right.offset == src.index("profile")
    assert right.op_offset == src.index(" in ") + 1
    assert right.right.offset == src.index("[")


def test_condition_equality_hash_and_str():
    c1, c2 = parse('answer("a")  and answer("b")'), parse('answer("a") and answer("b")')
    assert c1 != c2  # different sources
    assert c1.tree == c2.tree  # offsets do not take part in equality
    assert c1 == parse('answer("a")  and answer("b")')
    assert hash(c1) == hash(parse('answer("a")  and answer("b")'))
    assert str(c1) == 'answer("a") and answer("b")'
    assert pickle.loads(pickle.dumps(c1)) == c1
    err = pickle.loads(pickle.dumps(ConditionSyntaxError("bad", 3)))
    assert (err.message, err.offset) == ("bad", 3)


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ('not answer("a") or answer("b") and answer("c")', None),
        ('answer("a") and (answer("b") or answer("c"))', None),
        ("(answer('a') == 'x') == true", '(answer("a") == "x") == true'),
        ('not (answer("a") and answer("b"))', None),
        ('answer("a") and (answer("b") and answer("c"))', None),
        ("answer('it\\'s \"q\"') == 'x'", 'answer("it\'s \\"q\\"") == "x"'),
        ("profile.employees >= 0.1", None),
        ('answer("n") < 100000000000000000000', None),
        ('answer("n") > 1234567.5', None),
        ('answer("n") in [ -1 , 2.50 ]', 'answer("n") in [-1, 2.5]'),
    ],
)
def test_canonical_str_round_trips(source, canonical):
    c = parse(source)
    assert str(c) == (canonical or source)
    again = parse(str(c))
    assert again.tree == c.tree and str(again) == str(c)


# --- syntax errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "offset", "text"),
    [
        ("", 0, "the condition is empty"),
        ("   ", 0, "the condition is empty"),
        ('answer("x"', 10, "expected ')' after answer(\"x\""),
        ('answer("x" == 1', 11, "expected ')' after answer(\"x\", found '=='"),
        ('answr("x")', 0, "unknown name 'answr'; did you mean 'answer'?"),
        ('profil.size == "s"', 0, "unknown name 'profil'; did you mean 'profile'?"),
        ('answer("x") == "a', 15, "unterminated string"),
        ("answer('x)", 7, "unterminated string"),
        ('answer("x") = "a"', 12, "'=' is not an operator; use '=='"),
        ('answer("x") === "a"', 14, "'=' is not an operator; use '=='"),
        ('answer("x") => 1', 12, "'=' is not an operator; use '=='"),
        ('answer("a") && answer("b")', 12, "'&' is not an operator; use 'and'"),
        ('answer("a") || answer("b")', 12, "'|' is not an operator; use 'or'"),
        ('!answer("a")', 0, "'!' is not an operator; use 'not'"),
        ("True", 0, "keywords are lower case: write 'true'"),
        ('answer("a") AND answer("b")', 12, "keywords are lower case: write 'and'"),
        ('answer("a") adn answer("b")', 12, "unknown word 'adn'; did you mean 'and'?"),
        ("answer(x)", 7, 'answer() takes an item id in quotes, e.g. answer("sf.machines")'),
        ("answer(1)", 7, "answer() takes an item id in quotes"),
        ('answer "x"', 7, "expected '(' after 'answer', found '\"x\"'"),
        ('answer("a", "b")', 10, "expected ')' after answer(\"a\", found ','"),
        ("profile", 7, "expected '.' after 'profile', found the end"),
        ('profile["size"]', 7, "expected '.' after 'profile'"),
        ("profile.", 8, "expected a profile field after 'profile.'"),
        ('profile."size"', 8, "expected a profile field after 'profile.'"),
        ("profile.size.x", 12, "a '.' is only allowed in profile.NAME"),
        ('answer("n") ==', 14, "the condition ends too early: expected a value after '=='"),
        ('answer("a") and', 15, "the condition ends too early: expected a value after 'and'"),
        ("not", 3, "the condition ends too early"),
        ('== "x"', 0, "expected a value"),
        ('answer("n") == == 1', 15, "expected a value"),
        ('answer("a") and or answer("b")', 16, "found 'or'"),
        ('(answer("a")', 12, "the '(' at character 1 is never closed; add ')'"),
        ('(answer("a") "x")', 13, "expected ')' to close the '(' at character 1, found '\"x\"'"),
        ('answer("a"))', 11, "')' has no matching '('"),
        ('answer("a") answer("b")', 12, "expected 'and', 'or', a comparison or the end"),
        ('1 < answer("n") < 5', 16, "comparisons cannot be chained"),
        ('answer("n") == 1 in [1]', 17, "comparisons cannot be chained"),
        ('answer("n") < 1,5', 15, "decimals are written with a point"),
        ('answer("n") < 1.5.2', 14, "'1.5.2' is not a number"),
        ('answer("n") < 1e3', 14, "'1e3' is not a number"),
        ('answer("n") < .5', 14, "'.5' is not a number"),
        ('answer("n") < 5.', 14, "'5.' is not a number"),
        ('answer("n") < 10abc', 14, "'10abc' is not a number"),
        ('answer("n") < +5', 14, "conditions cannot do arithmetic"),
        ('answer("n") < - 5', 14, "'-' must be directly followed by a number"),
        ('answer("n") + 1 > 2', 12, "conditions cannot do arithmetic"),
        ('answer("n") < ' + "9" * 400, 14, "is too large"),
        ('answer("c") in [1,]', 18, "expected a value after ','"),
        ('answer("c") in [1 2]', 18, "expected ',' or ']' in the list, found '2'"),
        ('answer("c") in [1, 2', 20, "the '[' at character 16 is never closed"),
        ('answer("c") in [answer("d")]', 16, "a list may hold only quoted texts, numbers"),
        ('answer("c") in [[1]]', 16, "a list may hold only quoted texts, numbers"),
        ('answer("c") in {"a"}', 15, "lists are written"),
        ("\u201cyes\u201d == answer('c')", 0, "typographic quote"),
        ('answer("a\\n")', 9, "unknown escape '\\n'"),
        ('answer("a") == "b\\t"', 17, "unknown escape '\\t'"),
        ('answer("a") ; answer("b")', 12, "unexpected character ';'"),
        ('answer("a") \x00', 12, "invisible character U+0000"),
        ('answer("a") == @', 15, "unexpected character '@'"),
    ],
)
def test_syntax_errors_have_offset_and_words(source, offset, text):
    err = syntax_error(source)
    assert text in err.message
    assert err.offset == offset, err.message
    assert str(err) == err.message
    assert isinstance(err, MaturityError) and isinstance(err, ValueError)


def test_the_first_problem_in_the_text_is_reported():
    # the unknown name comes before the unreadable character
    err = syntax_error("x + 1")
    assert (err.offset, err.message.split(" (")[0]) == (0, "unknown name 'x'")
    err = syntax_error('answer("a") and b @')
    assert err.offset == 16


# --- nothing like Python gets through ------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        '__import__("os")',
        '__import__("os").system("ls")',
        'answer("x").__class__',
        'answer("x").__class__.__mro__',
        'answer("x")["a"]',
        'answer("x")("y")',
        'answer(answer("x"))',
        'answer("x", "y")',
        "answer",
        "profile.__class__.__bases__",
        "profile.size.upper()",
        'profile["size"]',
        "profile",
        "lambda: 1",
        "lambda x: x",
        "(lambda: 1)()",
        "eval('1')",
        'exec("import os")',
        "open('/etc/passwd')",
        "len([1])",
        'print("x")',
        "getattr(profile, 'x')",
        "[x for x in [1]]",
        "1 if true else 0",
        "{'a': 1}",
        "(1, 2)",
        "x := 1",
        "1 + 1",
        "2 ** 8",
        "[1][0]",
        "'a' * 10",
        "None",
        "True",
        "import os",
        'f"{answer}"',
        "b'x' == 1",
        "answer('x');1",
        "answer('x') # comment",
        "answer('x') is true",
        "1 < 2 < 3",
        "`ls`",
        "$HOME",
    ],
)
def test_python_code_is_refused(source):
    err = syntax_error(source)
    assert 0 <= err.offset <= len(source)


def test_never_uses_eval_exec_or_compile(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("must not be called")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(ast, "literal_eval", forbidden)
    c = parse('answer("a") and ("x" in answer("m") or profile.n >= 2.5)')
    assert c.evaluate({"a": True, "m": frozenset({"x"})}, {"n": 1}) is True
    assert check(c, {"a": ValueType("bool")}, {}) != []


def test_module_source_has_no_dynamic_code():
    module = ast.parse(Path(conditions.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"eval", "exec", "compile", "__import__", "globals"}
            if node.func.id in ("getattr", "setattr", "hasattr"):  # only with a fixed name
                assert isinstance(node.args[1], ast.Constant)
        if isinstance(node, ast.Attribute):
            assert node.attr != "literal_eval"


def test_numpy_is_not_imported_with_the_module():
    code = (
        "import sys, maturity.conditions as c\n"
        "cond = c.parse('answer(\"a\") == 1')\n"
        "assert cond.evaluate({'a': 1}, {}) is True\n"
        "assert c.check(cond, {'a': c.ValueType('number')}, {}) == []\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == "False"


# --- limits ------------------------------------------------------------------------------


def test_length_limit():
    body = 'answer("a")'
    ok = body + " " * (MAX_LENGTH - len(body))
    assert len(ok) == MAX_LENGTH
    assert parse(ok).tree == a("a")
    err = syntax_error(ok + " ")
    assert err.offset == MAX_LENGTH
    assert f"longer than {MAX_LENGTH} characters" in err.message


def test_ten_thousand_parentheses_are_a_clear_error_not_a_recursion_error():
    for src in ("(" * 10_000, "(" * 10_000 + "true" + ")" * 10_000, "not " * 10_000 + "true"):
        err = syntax_error(src)
        assert "longer than" in err.message


@pytest.mark.parametrize("n", [MAX_DEPTH + 1, 100, 999])
def test_depth_limit_under_the_length_limit(n):
    src = "(" * n + "true" + ")" * n
    if len(src) > MAX_LENGTH:
        src = "(" * n
    err = syntax_error(src)
    assert f"nested more than {MAX_DEPTH} levels" in err.message
    assert err.offset == MAX_DEPTH  # the first '(' too many


def test_depth_limit_counts_not_and_parentheses():
    assert parse("not " * MAX_DEPTH + "true").evaluate({}, {}) is True
    err = syntax_error("not " * (MAX_DEPTH + 1) + "true")
    assert err.offset == 4 * MAX_DEPTH
    assert syntax_error("(not " * 26 + "true" + ")" * 26).message.startswith(
        "the condition is nested"
    )


def test_deepest_allowed_condition_works_everywhere():
    inner = 'answer("a") == 1'
    for _ in range(MAX_DEPTH // 2):
        inner = f'not ({inner} or answer("b"))'
    c = parse(inner)
    assert c.answer_refs == {"a", "b"}
    assert check(c, {"a": ValueType("number"), "b": ValueType("bool")}, {}) == []
    assert c.evaluate({"a": 1, "b": False}, {}) is ((MAX_DEPTH // 2) % 2 == 0)
    assert c.evaluate({"a": 1, "b": True}, {}) is False
    assert c.evaluate({"a": 1}, {}) is None
    value, known = c.evaluate_batch({"a": [1, 1, 1], "b": [False, True, None]}, {}, 3)
    assert known.tolist() == [True, True, False]
    assert value.tolist() == [(MAX_DEPTH // 2) % 2 == 0, False, False]
    assert parse(str(c)).tree == c.tree


# --- references --------------------------------------------------------------------------


def test_answer_and_profile_refs():
    c = parse(
        'answer("a") and ("x" in answer("m") or profile.size == "s") '
        'and not answer("a") == answer("b") and profile.employees > 10'
    )
    assert c.answer_refs == frozenset({"a", "m", "b"})
    assert c.profile_refs == frozenset({"size", "employees"})
    assert parse("true").answer_refs == frozenset()
    assert parse("true").profile_refs == frozenset()


# --- type checking -----------------------------------------------------------------------

ITEMS = {
    "c": ValueType("code", frozenset({"none", "some", "all"})),
    "c2": ValueType("code", frozenset({"x", "y"})),
    "free": ValueType("code", None),
    "m": ValueType("codes", frozenset({"mes", "erp", "scada"})),
    "m2": ValueType("codes", frozenset({"mes"})),
    "n": ValueType("number"),
    "n2": ValueType("number"),
    "b": ValueType("bool"),
    "b2": ValueType("bool"),
    "t": ValueType("text"),
}
PROFILE = {
    "size_class": ValueType("code", frozenset({"micro", "small", "medium", "large"})),
    "employees": ValueType("number"),
    "section": ValueType("text"),
}


def issues(source: str) -> list[ConditionIssue]:
    return check(parse(source), ITEMS, PROFILE)


@pytest.mark.parametrize(
    "source",
    [
        'answer("b")',
        'not answer("b") or answer("b2")',
        "true",
        'answer("c") == "some"',
        '"some" != answer("c")',
        'answer("free") == "anything"',
        'answer("t") == "hello"',
        'answer("c") == answer("c2")',  # two choices: types match
        'answer("c") == answer("t")',
        'answer("n") < 3 and answer("n") >= -1.5 and 0 < answer("n")',
        'answer("n") <= answer("n2")',
        'answer("n") == 3',
        'answer("b") == true',
        'answer("b") != answer("b2")',
        'answer("m") == answer("m2")',
        'answer("c") in ["none", "some"]',
        'answer("c") not in []',
        'answer("n") in [1, 2.5]',
        'answer("t") in ["a", "b"]',
        '"mes" in answer("m")',
        '"erp" not in answer("m")',
        'answer("c2") in answer("m")',
        'profile.size_class in ["micro", "small"]',
        "profile.employees > 250",
        'profile.section == "C"',
        '(answer("n") > 1) == answer("b")',
        'not (answer("c") == "all" and answer("b"))',
    ],
)
def test_sound_conditions_have_no_issues(source):
    assert issues(source) == []


def test_unknown_ids_are_reported_without_suggestions():
    src = 'answer("cc") == "x" or profile.size_clas == "micro"'
    found = issues(src)
    assert [(i.kind, i.found, i.offset) for i in found] == [
        ("unknown-item", "cc", 0),
        ("unknown-profile", "size_clas", src.index("profile")),
    ]
    assert found[0].message == "unknown item 'cc'"
    assert found[1].message == "unknown profile field 'size_clas'"
    assert all("did you mean" not in i.message for i in found)


def test_code_literal_must_be_an_option():
    src = 'answer("c") == "most"'
    (issue,) = issues(src)
    assert issue.kind == "type"
    assert issue.found == "most"
    assert issue.offset == src.index('"most"')
    assert "'most' is not an option of answer(\"c\")" in issue.message
    assert "(options: all, none, some)" in issue.message


def test_code_literal_on_the_left_and_in_lists_and_multi():
    (i,) = issues('"sme" == answer("c")')
    assert i.found == "sme" and i.offset == 0
    src = 'answer("c") in ["none", "sme", "al"]'
    found = issues(src)
    assert [x.found for x in found] == ["sme", "al"]
    assert [x.offset for x in found] == [src.index('"sme"'), src.index('"al"')]
    assert "did you mean 'all'?" in found[1].message
    (i,) = issues('"crm" in answer("m")')
    assert i.found == "crm" and "erp, mes, scada" in i.message
    (i,) = issues('profile.size_class == "tiny"')
    assert i.found == "tiny" and "large, medium, micro, small" in i.message


@pytest.mark.parametrize(
    ("source", "found", "words"),
    [
        ('answer("c") > 3', 'answer("c")', "'>' compares numbers, but answer(\"c\") is a choice"),
        ('answer("c") >= "some"', 'answer("c")', "compares numbers"),
        ('answer("t") < "b"', 'answer("t")', "compares numbers"),
        ('answer("b") < 1', 'answer("b")', "is a yes/no value"),
        ('answer("m") <= 1', 'answer("m")', "is a multiple-choice answer"),
        ('answer("c") == 3', "3", 'option codes are written in quotes, e.g. "3"'),
        ('answer("n") == "3"', '"3"', 'cannot compare answer("n") (a number) with "3" (a text)'),
        ('answer("b") == "yes"', '"yes"', 'write answer("b") == true'),
        ('answer("b") == 1', "1", "cannot compare"),
        ('answer("n") == true', "true", "cannot compare"),
        ('answer("m") == "mes"', '"mes"', 'write "mes" in answer("m")'),
        ('answer("n") == answer("c")', 'answer("c")', "cannot compare"),
        ('answer("m") == answer("c")', 'answer("c")', "cannot compare"),
        ('answer("c") == ["none"]', '["none"]', "a list"),
        ('answer("c") in "none"', '"none"', "needs a list"),
        ('answer("c") in answer("c2")', 'answer("c2")', "needs a list"),
        ('answer("b") in [true]', 'answer("b")', "with a list needs a choice, a text or a number"),
        ('answer("m") in ["mes"]', 'answer("m")', "with a list needs"),
        (
            'answer("n") in [1, "2"]',
            '"2"',
            'the list holds "2" (a text) but answer("n") is a number',
        ),
        ('answer("c") in ["none", 1]', "1", "the list holds 1 (a number)"),
        ('answer("c") in ["none", true]', "true", "the list holds true (a yes/no value)"),
        ('1 in answer("m")', "1", "needs an option code in quotes"),
        ('answer("n") in answer("m")', 'answer("n")', "needs an option code in quotes"),
        ('answer("c")', 'answer("c")', "is a choice (an option code), not a yes/no value"),
        ('answer("n")', 'answer("n")', 'compare it, e.g. answer("n") > 0'),
        ('answer("t")', 'answer("t")', "not a yes/no value"),
        ('answer("m")', 'answer("m")', 'test it, e.g. "erp" in answer("m")'),
        ('"yes"', '"yes"', "not a yes/no value"),
        ("3", "3", "not a yes/no value"),
        ('["a"]', '["a"]', "not a yes/no value"),
        ("profile.employees", "profile.employees", "not a yes/no value"),
        ('answer("n") and answer("b")', 'answer("n")', "not a yes/no value"),
        ('not answer("c")', 'answer("c")', "not a yes/no value"),
        ('(answer("n") == 1) > 0', 'answer("n") == 1', "is a yes/no value"),
    ],
)
def test_type_mismatches(source, found, words):
    issue = issues(source)[0]
    assert issue.kind == "type"
    assert issue.found == found
    assert words in issue.message, issue.message
    assert 0 <= issue.offset < len(source)


def test_each_wrong_side_of_an_order_comparison_is_reported():
    src = 'answer("c") >= "some"'
    found = issues(src)
    assert [(i.found, i.offset) for i in found] == [('answer("c")', 0), ('"some"', 15)]
    assert issues('answer("c") < answer("n")')[0].found == 'answer("c")'
    assert len(issues('answer("c") < answer("n")')) == 1


def test_type_issue_offset_points_at_the_operand():
    src = 'answer("b") and answer("n") > "x"'
    (issue,) = issues(src)
    assert issue.offset == src.index('"x"')


def test_all_issues_are_returned_in_source_order():
    src = (
        'answer("zz") or answer("n") or profile.nope == 1 '
        'or answer("c") == "bad" or answer("c") > 1 or answer("zz") == 2'
    )
    found = issues(src)
    assert [(i.kind, i.found) for i in found] == [
        ("unknown-item", "zz"),
        ("type", 'answer("n")'),
        ("unknown-profile", "nope"),
        ("type", "bad"),
        ("type", 'answer("c")'),
        ("unknown-item", "zz"),
    ]
    assert [i.offset for i in found] == sorted(i.offset for i in found)


def test_unknown_operands_do_not_cause_type_noise():
    assert [i.kind for i in issues('answer("zz") > 3')] == ["unknown-item"]
    assert [i.kind for i in issues('answer("zz") in ["a", 1]')] == ["unknown-item"]
    assert [i.kind for i in issues('"x" in answer("zz")')] == ["unknown-item"]
    both = issues('answer("y1") == answer("y2")')
    assert [i.found for i in both] == ["y1", "y2"]


# --- evaluation ----------------------------------------------------------------------------

T, F, U = True, False, None
VALUES = (T, F, U)


def test_kleene_and_table():
    expected = {
        (T, T): T, (T, F): F, (T, U): U,
        (F, T): F, (F, F): F, (F, U): F,
        (U, T): U, (U, F): F, (U, U): U,
    }  # fmt: skip
    c = parse('answer("x") and answer("y")')
    for (x, y), want in expected.items():
        assert c.evaluate({"x": x, "y": y}, {}) is want, (x, y)


def test_kleene_or_table():
    expected = {
        (T, T): T, (T, F): T, (T, U): T,
        (F, T): T, (F, F): F, (F, U): U,
        (U, T): T, (U, F): U, (U, U): U,
    }  # fmt: skip
    c = parse('answer("x") or answer("y")')
    for (x, y), want in expected.items():
        assert c.evaluate({"x": x, "y": y}, {}) is want, (x, y)


def test_kleene_not_table():
    c = parse('not answer("x")')
    assert [c.evaluate({"x": x}, {}) for x in VALUES] == [F, T, U]


def test_kleene_three_way_chains():
    c_and = parse('answer("x") and answer("y") and answer("z")')
    c_or = parse('answer("x") or answer("y") or answer("z")')
    for x in VALUES:
        for y in VALUES:
            for z in VALUES:
                env = {"x": x, "y": y, "z": z}
                vals = (x, y, z)
                want_and = F if F in vals else (U if U in vals else T)
                want_or = T if T in vals else (U if U in vals else F)
                assert c_and.evaluate(env, {}) is want_and
                assert c_or.evaluate(env, {}) is want_or


@pytest.mark.parametrize("missing", [{}, {"n": None}, {"n": math.nan}, {"n": np.nan}])
def test_a_missing_answer_makes_comparisons_unknown(missing):
    for src in (
        'answer("n") == 1',
        'answer("n") != 1',
        'answer("n") < 1',
        'answer("n") in [1]',
        'answer("n") not in [1]',
        'not answer("n") > 1',
        'answer("n") == answer("n2")',
    ):
        assert parse(src).evaluate({**missing, "n2": 1}, {}) is None, src
    # ... and unknown is absorbed by a decisive side
    assert parse('answer("n") > 1 or true').evaluate(missing, {}) is True
    assert parse('answer("n") > 1 and false').evaluate(missing, {}) is False


def test_evaluation_of_values():
    ans = {
        "c": "some",
        "m": frozenset({"mes", "erp"}),
        "n": 40,
        "x": 2.5,
        "b": True,
        "t": "hello",
    }
    prof = {"size_class": "small", "employees": 42.0, "section": None}
    cases = {
        'answer("c") == "some"': T,
        'answer("c") != "some"': F,
        'answer("c") in ["none", "some"]': T,
        'answer("c") not in ["none", "some"]': F,
        'answer("c") in []': F,
        '"mes" in answer("m")': T,
        '"crm" in answer("m")': F,
        '"crm" not in answer("m")': T,
        'answer("c") in answer("m")': F,
        'answer("n") == 40.0': T,
        'answer("n") < 40': F,
        'answer("n") <= 40': T,
        'answer("n") > answer("x")': T,
        'answer("n") >= 40.5': F,
        'answer("x") in [1, 2.5]': T,
        'answer("x") != -2.5': T,
        'answer("b")': T,
        'answer("b") == true': T,
        'not answer("b")': F,
        'answer("t") == "hello"': T,
        "profile.size_class == 'small' and profile.employees > 10": T,
        'profile.section == "C"': U,
        "profile.unknown == 1": U,
        'answer("m") == answer("m")': T,
        "(answer('n') > 1) == true": T,
        "true": T,
        "false": F,
        '"a" == "a"': T,
        "[1] == [1]": U,  # lists compare with nothing
        "1 < 2": T,
    }
    for src, want in cases.items():
        assert parse(src).evaluate(ans, prof) is want, src


def test_values_of_the_wrong_type_give_unknown_not_an_exception():
    ans = {"c": 3, "n": "3", "b": 1, "m": "mes", "o": object(), "l": ["x"]}
    for src in (
        'answer("c") == "3"',
        'answer("n") < 4',
        'answer("b")',  # 1 is not a yes/no value
        'answer("b") == true',
        '"mes" in answer("m")',
        'answer("o") == 1',
        'answer("o")',
        '"x" in answer("l")',
        "answer('n') in answer('n')",
        "[1, 2]",
        '"text"',
        "3",
    ):
        assert parse(src).evaluate(ans, {}) is None, src


def test_numbers_and_booleans_are_never_equal():
    assert parse('answer("b") == 1').evaluate({"b": True}, {}) is None
    assert parse('answer("n") in [true, 1]').evaluate({"n": 1}, {}) is True
    assert parse('answer("n") in [true]').evaluate({"n": 1}, {}) is False


def test_numpy_scalars_and_plain_sets_are_values():
    c = parse('answer("n") == 2 and answer("b") and "a" in answer("m") and answer("c") == "x"')
    env = {"n": np.int64(2), "b": np.bool_(True), "m": {"a"}, "c": np.str_("x")}
    assert c.evaluate(env, {}) is True
    assert parse('answer("n") > 1').evaluate({"n": np.float32("nan")}, {}) is None


# --- batch evaluation ---------------------------------------------------------------------


def test_batch_on_simple_columns():
    c = parse('answer("n") > 10 or "mes" in answer("m")')
    value, known = c.evaluate_batch(
        {
            "n": np.array([20.0, 5.0, np.nan, 5.0, np.nan]),
            "m": [None, frozenset(), frozenset({"mes"}), None, frozenset()],
        },
        {},
        5,
    )
    assert known.tolist() == [True, True, True, False, False]
    assert value.tolist() == [True, False, True, False, False]
    assert value.dtype == bool and known.dtype == bool


def test_batch_absent_columns_are_missing_and_lengths_are_checked():
    c = parse('answer("a") == 1')
    value, known = c.evaluate_batch({}, {}, 3)
    assert not known.any() and not value.any()
    assert c.evaluate_batch({}, {}, 0)[0].shape == (0,)
    with pytest.raises(ValueError, match="column 'a' has 2 values, expected 3"):
        c.evaluate_batch({"a": [1, 2]}, {}, 3)


def test_batch_accepts_typed_arrays():
    c = parse('answer("i") == 2 and answer("b") and profile.s in ["x"]')
    value, known = c.evaluate_batch(
        {"i": np.array([2, 2, 3]), "b": np.array([True, False, True])},
        {"s": np.array(["x", "x", "x"])},
        3,
    )
    assert known.tolist() == [True, True, True]
    assert value.tolist() == [True, False, False]


# hypothesis: random conditions over a small schema, random (even ill-typed) columns

ITEM_IDS = ("c", "m", "n", "b", "t", "z")
PROFILE_NAMES = ("size", "emp")
CODES = ("a", "b", "c")

texts = st.sampled_from((*CODES, "", "x y"))
numbers = st.sampled_from((0.0, 1.0, 2.5, -1.0, 10.0))
consts = st.one_of(texts.map(Const), numbers.map(Const), st.booleans().map(Const))
refs = st.one_of(
    st.sampled_from(ITEM_IDS).map(AnswerRef), st.sampled_from(PROFILE_NAMES).map(ProfileRef)
)
lists = st.lists(consts, max_size=3).map(lambda xs: ConstList(tuple(xs)))
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    operands = st.one_of(refs, consts, lists, children)
    return st.one_of(
        st.builds(Compare, ops, operands, operands),
        st.builds(
            BoolOp,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3).map(tuple),
        ),
        st.builds(Not, children),
    )


conditions_trees = st.recursive(st.one_of(refs, consts, lists), _extend, max_leaves=12)

# well-typed comparisons, so that many rows are known
num_refs = st.sampled_from([AnswerRef("n"), ProfileRef("emp")])
text_refs = st.sampled_from([AnswerRef("c"), AnswerRef("t"), ProfileRef("size")])
text_lists = st.lists(texts.map(Const), max_size=3).map(lambda xs: ConstList(tuple(xs)))
num_lists = st.lists(numbers.map(Const), max_size=3).map(lambda xs: ConstList(tuple(xs)))
sensible_atoms = st.one_of(
    st.builds(Compare, ops.filter(lambda o: "in" not in o), num_refs, numbers.map(Const)),
    st.builds(Compare, st.sampled_from(["==", "!="]), text_refs, texts.map(Const)),
    st.builds(Compare, st.sampled_from(["in", "not in"]), text_refs, text_lists),
    st.builds(Compare, st.sampled_from(["in", "not in"]), num_refs, num_lists),
    st.builds(
        Compare, st.sampled_from(["in", "not in"]), texts.map(Const), st.just(AnswerRef("m"))
    ),
    st.just(AnswerRef("b")),
)


def _extend_logic(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(
            BoolOp,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3).map(tuple),
        ),
        st.builds(Not, children),
    )


sensible_trees = st.recursive(sensible_atoms, _extend_logic, max_leaves=8)

cell = st.one_of(
    st.none(),
    st.just(math.nan),
    st.booleans(),
    numbers,
    st.integers(-2, 3),
    texts,
    st.frozensets(st.sampled_from(CODES), max_size=3),
)


TYPED_CELLS = {
    "c": texts,
    "m": st.frozensets(st.sampled_from(CODES), max_size=3),
    "n": st.one_of(numbers, st.integers(-2, 3)),
    "b": st.booleans(),
    "t": texts,
    "z": cell,
    "size": texts,
    "emp": numbers,
}


@st.composite
def columns(draw, n: int, names: tuple[str, ...]):
    out = {}
    for name in names:
        style = draw(
            st.sampled_from(["absent", "typed", "typed", "mixed", "float", "bool", "object"])
        )
        if style == "absent":
            continue
        if style == "typed":  # values of the column's own type, some missing
            typed = st.one_of(st.none(), TYPED_CELLS[name], TYPED_CELLS[name])
            out[name] = draw(st.lists(typed, min_size=n, max_size=n))
            continue
        if style == "float":
            vals = draw(st.lists(st.one_of(numbers, st.just(math.nan)), min_size=n, max_size=n))
            out[name] = np.array(vals, dtype=float)
        elif style == "bool":
            out[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
        else:
            vals = draw(st.lists(cell, min_size=n, max_size=n))
            if style == "object":
                arr = np.empty(n, dtype=object)
                arr[:] = vals if n else []
                out[name] = arr
            else:
                out[name] = vals
    return out


@st.composite
def typed_columns(draw, n: int, names: tuple[str, ...]):
    """Every column present and of its own type, about one value in six missing."""
    typed = {k: st.one_of(st.none(), *[v] * 5) for k, v in TYPED_CELLS.items()}
    return {name: draw(st.lists(typed[name], min_size=n, max_size=n)) for name in names}


@st.composite
def batch_cases(draw):
    t = draw(st.one_of(conditions_trees, sensible_trees))
    n = draw(st.integers(0, 12))
    cols = draw(st.sampled_from([columns, typed_columns]))
    return t, n, draw(cols(n, ITEM_IDS)), draw(cols(n, PROFILE_NAMES))


def _row(cols, i):
    return {k: v[i] for k, v in cols.items()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_cases())
def test_batch_agrees_with_single_row_by_row(case):
    t, n, answers, profile = case
    c = Condition(str(t), t)
    value, known = c.evaluate_batch(answers, profile, n)
    assert value.shape == known.shape == (n,)
    assert not (value & ~known).any()
    for i in range(n):
        single = c.evaluate(_row(answers, i), _row(profile, i))
        got = bool(value[i]) if known[i] else None
        assert got is single, (str(t), i, _row(answers, i), _row(profile, i))


SCHEMA_ITEMS = {
    "c": ValueType("code", frozenset(CODES)),
    "m": ValueType("codes", frozenset(CODES)),
    "n": ValueType("number"),
    "b": ValueType("bool"),
    "t": ValueType("text"),
}
SCHEMA_PROFILE = {"size": ValueType("code", frozenset(CODES)), "emp": ValueType("number")}


@st.composite
def full_rows(draw, names: tuple[str, ...]):
    return {k: draw(TYPED_CELLS[k]) for k in names if k != "z"}


@settings(max_examples=300, deadline=None)
@given(st.one_of(conditions_trees, sensible_trees), full_rows(ITEM_IDS), full_rows(PROFILE_NAMES))
def test_a_sound_condition_is_known_when_every_value_is_there(t, answers, profile):
    c = Condition(str(t), t)
    found = check(c, SCHEMA_ITEMS, SCHEMA_PROFILE)
    assert all(isinstance(i, ConditionIssue) and i.offset >= 0 for i in found)
    assert ("z" in c.answer_refs) == any(i.kind == "unknown-item" for i in found)
    if not found:
        assert c.evaluate(answers, profile) is not None


# --- round trip of the canonical text ---------------------------------------------------------

any_text = st.text(max_size=8)
any_number = st.one_of(
    st.integers(-(10**9), 10**9).map(float),
    st.integers(-(10**9), 10**9).map(lambda i: i / 1000),
    st.floats(min_value=1e-6, max_value=1e12),
    st.floats(min_value=-1e12, max_value=-1e-6),
)
rt_consts = st.one_of(any_text.map(Const), any_number.map(Const), st.booleans().map(Const))
rt_refs = st.one_of(
    any_text.map(AnswerRef),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).map(ProfileRef),
)
rt_lists = st.lists(rt_consts, max_size=3).map(lambda xs: ConstList(tuple(xs)))


def _rt_extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    operands = st.one_of(rt_refs, rt_consts, rt_lists, children)
    return st.one_of(
        st.builds(Compare, ops, operands, operands),
        st.builds(
            BoolOp,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=4).map(tuple),
        ),
        st.builds(Not, children),
    )


round_trip_trees = st.recursive(st.one_of(rt_refs, rt_consts, rt_lists), _rt_extend, max_leaves=15)


@settings(max_examples=500, deadline=None)
@given(round_trip_trees)
def test_parse_of_str_round_trips(t):
    text = str(t)
    assume(len(text) <= MAX_LENGTH)
    back = parse(text).tree
    assert back == t
    assert str(back) == text


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                [
                    "answer", "profile", "(", ")", "[", "]", ",", ".", '"a"', "'b'", "1",
                    "-2.5", "true", "false", "and", "or", "not", "in", "==", "!=", "<",
                    ">=", " ", "x", '"', "=", "\\",
                ]
            ),
            max_size=25,
        ).map("".join),
    )
)  # fmt: skip
def test_any_text_parses_or_fails_cleanly(source):
    try:
        c = parse(source)
    except ConditionSyntaxError as exc:
        assert 0 <= exc.offset <= len(source)
        assert exc.message
        return
    check(c, ITEMS, PROFILE)
    c.evaluate({"a": True}, {})
    c.evaluate_batch({"a": [True, None]}, {}, 2)
    assert parse(str(c)).tree == c.tree
