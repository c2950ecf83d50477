"""Hypothesis invariants of scoring over whole models (operators alone: test_operators.py)."""

import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from maturity.model import parse_model
from maturity.operators import OPERATORS
from maturity.scoring import score_arrays
from tests.util import q_from

Q = q_from("""\
scales:
  s:
    options:
      - {code: a, value: 0, label: {en: A, it: A}}
      - {code: b, value: 1, label: {en: B, it: B}}
      - {code: c, value: 3, label: {en: C, it: C}}
dimensions:
  - id: x
    title: {en: X, it: X}
    dimensions:
      - id: x.a
        title: {en: XA, it: XA}
        items:
          - {id: i1, kind: scale, scale: s, text: {en: q, it: q}}
          - {id: i2, kind: scale, scale: s, text: {en: q, it: q}}
      - id: x.b
        title: {en: XB, it: XB}
        items:
          - {id: i3, kind: scale, scale: s, text: {en: q, it: q}}
          - {id: i4, kind: boolean, text: {en: q, it: q}}
  - id: y
    title: {en: Y, it: Y}
    items:
      - {id: i5, kind: scale, scale: s, text: {en: q, it: q}}
      - {id: i6, kind: number, text: {en: q, it: q}, bands: [1, 2, 3]}
""")
ITEM_MAX = np.array([3, 3, 3, 1, 3, 3], dtype=float)
OPS = [n for n in OPERATORS if n != "staged"] + ["staged"]


def make_model(
    root_op="weighted_mean", inner_op="weighted_mean", w=(1, 1, 1), scale=1.0, min_cov=0.0, p=None
):
    extra = f", p: {p}" if p is not None else ""
    return parse_model(
        textwrap.dedent(f"""\
        format: maturity/scoring-model@1
        id: m
        version: 1.0.0
        title: M
        questionnaire: {{id: t}}
        range: [0, 5]
        default: {{operator: {inner_op}, min_coverage: {min_cov}{extra}}}
        nodes:
          root: {{operator: {root_op}{extra}, weights: {{x: {w[0] * scale}, y: {w[1] * scale}}}}}
          x.a: {{weights: {{i1: {w[2] * scale}, i2: {1 * scale}}}}}
        levels:
          - {{min: 0, code: l0, label: L0}}
          - {{min: 2, code: l1, label: L1}}
          - {{min: 4, code: l2, label: L2}}
        """),
        Q,
    )


def with_p(op):
    return 0.5 if op == "power_mean" else None


answers = arrays(
    float,
    st.tuples(st.integers(1, 8), st.just(6)),
    elements=st.sampled_from([0.0, 1.0, 3.0, np.nan]),
)


def fix_booleans(v):
    v = v.copy()
    v[:, 3] = np.where(np.isnan(v[:, 3]), np.nan, np.minimum(v[:, 3], 1.0))
    v[:, 5] = np.where(np.isnan(v[:, 5]), np.nan, v[:, 5])
    return v


ops = st.sampled_from(OPS)
weights = st.tuples(st.floats(0.1, 10), st.floats(0.1, 10), st.floats(0.1, 10))


@given(answers, ops, ops, weights)
def test_every_score_is_within_the_range(v, root_op, inner_op, w):
    p = with_p(root_op) or with_p(inner_op)
    if p is not None:
        root_op, inner_op = "power_mean", "power_mean"
    s, cov, _ = score_arrays(make_model(root_op, inner_op, w, p=p), fix_booleans(v))
    have = s[~np.isnan(s)]
    assert ((have >= 0 - 1e-9) & (have <= 5 + 1e-9)).all()
    c = cov[~np.isnan(cov)]
    assert ((c >= 0) & (c <= 1 + 1e-12)).all()


@settings(max_examples=150)
@given(
    answers,
    st.sampled_from([o for o in OPS if OPERATORS[o].monotone]),
    weights,
    st.integers(0, 5),
    st.data(),
)
def test_raising_an_answer_never_lowers_any_node(v, op, w, col, data):
    v = fix_booleans(v)
    m = make_model(op, op, w, p=with_p(op))
    row = data.draw(st.integers(0, len(v) - 1))
    higher = v.copy()
    cur = higher[row, col]
    top = ITEM_MAX[col]
    options = [x for x in (0.0, 1.0, 3.0) if x <= top and (np.isnan(cur) or x >= cur)]
    if np.isnan(cur):
        return  # answering a missing item is not "raising" it (coverage changes)
    higher[row, col] = data.draw(st.sampled_from(options))
    a, _, _ = score_arrays(m, v)
    b, _, _ = score_arrays(m, higher)
    both = ~np.isnan(a[row]) & ~np.isnan(b[row])
    assert (b[row][both] >= a[row][both] - 1e-9).all()
    assert (np.isnan(a[row]) == np.isnan(b[row])).all()


@given(answers, ops, weights, st.floats(0.01, 100))
def test_multiplying_weights_by_c_changes_nothing(v, op, w, c):
    v = fix_booleans(v)
    a, _, _ = score_arrays(make_model(op, op, w, p=with_p(op)), v)
    b, _, _ = score_arrays(make_model(op, op, w, scale=c, p=with_p(op)), v)
    np.testing.assert_allclose(a, b, atol=1e-9)


@given(answers, ops, weights, st.randoms())
def test_order_of_items_and_respondents_changes_nothing(v, op, w, rnd):
    v = fix_booleans(v)
    m = make_model(op, op, w, p=with_p(op))
    rows = list(range(len(v)))
    cols = list(range(6))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    ids = np.array(m.items)
    a, ca, _ = score_arrays(m, v)
    b, cb, _ = score_arrays(m, v[np.ix_(rows, cols)], item_ids=list(ids[cols]))
    np.testing.assert_allclose(a[rows], b, atol=1e-12)
    np.testing.assert_allclose(ca[rows], cb, atol=1e-12)


@given(answers, ops, weights, st.integers(1, 3))
def test_batch_equals_one_by_one_and_any_chunking(v, op, w, chunk):
    v = fix_booleans(v)
    m = make_model(op, op, w, min_cov=0.5, p=with_p(op))
    batch, cov, _ = score_arrays(m, v)
    chunked, cov2, _ = score_arrays(m, v, chunk=chunk, workers=2)
    # equal up to rounding: BLAS may sum a row's products in another order for other
    # block sizes, which moves the last bit (1e-16); nothing else may differ
    np.testing.assert_allclose(batch, chunked, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cov, cov2, rtol=0, atol=1e-12)
    for i in range(len(v)):
        one, _, _ = score_arrays(m, v[i : i + 1])
        np.testing.assert_allclose(one[0], batch[i], rtol=0, atol=1e-12)


@given(answers)
def test_min_le_geometric_le_arithmetic_le_max_for_whole_models(v):
    v = fix_booleans(v)
    res = {
        op: score_arrays(make_model(op, op), v)[0]
        for op in ("minimum", "geometric_mean", "weighted_mean", "maximum")
    }
    ok = ~np.isnan(res["minimum"])
    mn, geo, ari, mx = (
        res[k][ok] for k in ("minimum", "geometric_mean", "weighted_mean", "maximum")
    )
    assert (mn <= geo + 1e-9).all() and (geo <= ari + 1e-9).all() and (ari <= mx + 1e-9).all()


@given(
    arrays(
        float, st.tuples(st.integers(1, 5), st.just(6)), elements=st.sampled_from([0.0, 1.0, 3.0])
    )
)
def test_equal_weights_arithmetic_mean_is_the_plain_average(v):
    v = fix_booleans(v)
    m = make_model(w=(1, 1, 1))
    s, _, nodes = score_arrays(m, v)
    norm = v / ITEM_MAX
    # y = plain average of its two items (i5, i6 on [0, 3] and bands 0..3)
    np.testing.assert_allclose(s[:, nodes.index("y")], 5 * norm[:, 4:6].mean(axis=1))
    xa = norm[:, 0:2].mean(axis=1)
    xb = norm[:, 2:4].mean(axis=1)
    np.testing.assert_allclose(s[:, nodes.index("x")], 5 * (xa + xb) / 2)


@pytest.mark.parametrize("op", OPS)
def test_every_registered_operator_scores_a_model(op):
    v = np.array([[3, 1, 0, 1, 3, 2.0]])
    s, _, _ = score_arrays(make_model(op, op, p=with_p(op)), v)
    assert not np.isnan(s).any()


@given(st.text(max_size=20))
def test_spreadsheet_cells_are_never_formulas_and_round_trip(text: str) -> None:
    from maturity.io.guard import safe_cell, unsafe_cell

    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unsafe_cell(cell) == text
