"""Hypothesis invariants of scoring over whole models (operators alone: test_operators.py)."""

import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from maturity.model import parse_model
from maturity.operators import OPERATORS
from maturity.scoring import score, score_arrays
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


# --- the two kernels, by-company scoring, scores through files ---------------------------

from maturity.engine import companies as _co  # noqa: E402
from maturity.responses import AnswerMatrix  # noqa: E402
from tests.strategies import answer_arrays, scoring_models  # noqa: E402

needs_numba = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("numba") is None,
    reason="numba is not installed (pip install 'maturity[fast]')",
)


@needs_numba
@settings(max_examples=200, deadline=None)
@given(scoring_models(), answer_arrays(), st.booleans())
def test_numba_kernel_equals_numpy_kernel(m, arrays, masks):
    """Every operator, weights, min_coverage, N/A / don't know / missing policies, conditions."""
    v, na, dk, app = arrays
    kw = {"na": na, "dont_know": dk, "applicable": app} if masks else {}
    a, ca, _ = score_arrays(m, v, engine="numpy", **kw)
    b, cb, _ = score_arrays(m, v, engine="numba", **kw)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.array_equal(np.isnan(ca), np.isnan(cb))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ca, cb, rtol=0, atol=1e-12)


@needs_numba
@settings(max_examples=60, deadline=None)
@given(scoring_models(), answer_arrays(consistent=False))
def test_kernels_agree_on_any_masks_and_off_range_values(m, arrays):
    """Off-range values count as the nearer bound; a value marked N/A is not applicable."""
    v, na, dk, app = arrays
    a, ca, _ = score_arrays(m, v, na=na, dont_know=dk, applicable=app, engine="numpy")
    b, cb, _ = score_arrays(m, v, na=na, dont_know=dk, applicable=app, engine="numba")
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ca, cb, rtol=0, atol=1e-12)
    clipped = np.clip(v, 0, np.array([3, 3, 3, 1, 3, 3, 3.0]))
    c, _, _ = score_arrays(m, clipped, na=na, dont_know=dk, applicable=app, engine="numpy")
    np.testing.assert_allclose(a, c, rtol=0, atol=1e-12)


@needs_numba
@settings(max_examples=40, deadline=None)
@given(scoring_models(), answer_arrays(rows=(2, 12)), st.integers(1, 4))
def test_numba_batch_equals_one_by_one_and_any_chunking(m, arrays, chunk):
    v, na, dk, app = arrays
    batch, cov, _ = score_arrays(m, v, na=na, dont_know=dk, applicable=app, engine="numba")
    chunked, cov2, _ = score_arrays(
        m, v, na=na, dont_know=dk, applicable=app, engine="numba", chunk=chunk, workers=2
    )
    np.testing.assert_array_equal(batch, chunked)
    np.testing.assert_array_equal(cov, cov2)
    for i in range(len(v)):
        sl = slice(i, i + 1)
        one, c1, _ = score_arrays(
            m, v[sl], na=na[sl], dont_know=dk[sl], applicable=app[sl], engine="numba"
        )
        np.testing.assert_array_equal(one[0], batch[i])
        np.testing.assert_array_equal(c1[0], cov[i])


def test_engine_is_chosen_by_argument_and_environment(monkeypatch):
    from maturity.engine import choose_engine, compile_model

    m = make_model()
    cm = compile_model(m, m.items)
    monkeypatch.delenv("MATURITY_ENGINE", raising=False)
    assert choose_engine(cm, 10) == "numpy"  # auto: small batches never start numba
    monkeypatch.setenv("MATURITY_ENGINE", "numpy")
    assert choose_engine(cm, 10**7) == "numpy"
    with pytest.raises(ValueError, match="unknown engine 'fortran'"):
        choose_engine(cm, 10, "fortran")
    monkeypatch.setenv("MATURITY_ENGINE", "bogus")
    with pytest.raises(ValueError, match="engines: auto, numpy, numba"):
        score_arrays(m, np.zeros((1, 6)))


# the per-company loop that scoring used before it was made linear: the reference
def _loop_combine(mat, groups, n_groups, how):
    import warnings

    m = mat.values.shape[1]
    values = np.full((n_groups, m), np.nan)
    na = np.zeros((n_groups, m), dtype=bool)
    dk = np.zeros((n_groups, m), dtype=bool)
    app = np.zeros((n_groups, m), dtype=bool)
    for g in range(n_groups):
        rows = np.flatnonzero(groups == g)
        v = mat.values[rows]
        have = ~np.isnan(v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            agg = np.nanmean(v, axis=0) if how == "mean" else np.nanmedian(v, axis=0)
        values[g] = np.where(have.any(axis=0), agg, np.nan)
        dk[g] = ~have.any(axis=0) & mat.dont_know[rows].any(axis=0)
        na[g] = ~have.any(axis=0) & ~dk[g] & mat.na[rows].any(axis=0)
        app[g] = mat.applicable[rows].any(axis=0)
    return values, na, dk, app


def _loop_spread(s, groups, n_groups):
    import warnings

    out = np.full((n_groups, s.shape[1]), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k in range(n_groups):
            rows = s[groups == k]
            out[k] = np.nanmax(rows, axis=0) - np.nanmin(rows, axis=0)
    return out


@settings(max_examples=150, deadline=None)
@given(
    answer_arrays(rows=(1, 25), consistent=False),
    st.data(),
    st.sampled_from(["mean", "median"]),
)
def test_segmented_combine_equals_the_per_company_loop(answers_, data, how):
    v, na, dk, app = answers_
    n = len(v)
    names = data.draw(st.lists(st.sampled_from("abcdefg"), min_size=n, max_size=n))
    mat = AnswerMatrix(tuple(f"i{j}" for j in range(v.shape[1])), (), v, na, dk, app)
    comp = _co.group(names)
    assert comp.names == tuple(dict.fromkeys(names))  # first appearance
    assert comp.groups.tolist() == [comp.names.index(x) for x in names]
    got = _co.combine_answers(mat, comp, how)
    want = _loop_combine(mat, comp.groups, len(comp.names), how)
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-12)
    for a, b in zip(got[1:], want[1:], strict=True):
        np.testing.assert_array_equal(a, b)
    s = data.draw(arrays(float, (n, 3), elements=st.sampled_from([0.0, 1.5, 2.25, 5.0, np.nan])))
    np.testing.assert_array_equal(
        _co.spread(s, comp), _loop_spread(s, comp.groups, len(comp.names))
    )


_cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
)
_profiles = st.builds(
    __import__("maturity.responses", fromlist=["Profile"]).Profile,
    company=st.none() | _cell_text,
    sector=st.none() | _cell_text,
    employees=st.none() | st.integers(0, 10**9),
    turnover=st.none() | st.floats(0, 1e12, allow_nan=False),
    balance_sheet=st.none() | st.floats(0, 1e300, allow_nan=False),
    region=st.none() | _cell_text,
    date=st.none() | st.dates(),
)
_stored = st.floats(allow_infinity=False) | st.floats(0, 5) | st.just(np.nan)


@st.composite
def any_scores(draw):
    """Scores as any engine or file could hold them: any floats and NaN, any profiles."""
    from maturity.scores import Scores

    m = draw(scoring_models())
    n = draw(st.integers(1, 6))
    nodes = m.nodes
    k = len(nodes)
    ids = tuple(draw(st.lists(_cell_text, min_size=n, max_size=n, unique=True)))
    score = draw(arrays(float, (n, k), elements=_stored))
    cov = draw(arrays(float, (n, k), elements=_stored))
    companies = draw(st.booleans())
    return Scores(
        m,
        ids,
        nodes,
        score,
        cov,
        profiles=tuple(draw(st.lists(_profiles, min_size=n, max_size=n)))
        if draw(st.booleans())
        else (),
        spread=draw(arrays(float, (n, k), elements=_stored)) if companies else None,
        n_respondents=draw(arrays(np.int64, n, elements=st.integers(1, 50))) if companies else None,
        synthetic=draw(st.booleans()),
    )


def _same_scores(a, b):
    assert a.ids == b.ids and a.nodes == b.nodes
    assert np.array_equal(a.score, b.score, equal_nan=True)
    assert np.array_equal(a.coverage, b.coverage, equal_nan=True)
    assert (a.spread is None) == (b.spread is None)
    if a.spread is not None:
        assert np.array_equal(a.spread, b.spread, equal_nan=True)
        assert np.array_equal(a.n_respondents, b.n_respondents)
    assert a.profiles == b.profiles
    assert np.array_equal(a.status, b.status)


@settings(max_examples=120, deadline=None)
@given(any_scores())
def test_scores_keep_their_value_through_json_and_csv(tmp_path_factory, s):
    from maturity.scores import Scores

    d = tmp_path_factory.mktemp("rt")
    s.to_json(d / "s.json")
    back = Scores.from_json(d / "s.json", s.model)
    _same_scores(s, back)
    assert back.synthetic == s.synthetic
    s.to_csv(d / "s.csv")
    _same_scores(s, Scores.from_csv(d / "s.csv", s.model))


def _responses_of(values, na, dk, companies):
    """Responses to the scoring questionnaire whose matrix is ``values`` with these marks."""
    from maturity.responses import DONT_KNOW, NA, Profile, Respondent, Responses
    from tests.strategies import scoring_questionnaire

    q = scoring_questionnaire()
    ids = [i.id for i in q.items]
    code = {0.0: "a", 1.0: "b", 3.0: "c"}
    people = []
    for r, row in enumerate(values):
        answers = {}
        for j, v in enumerate(row):
            if na[r, j]:
                answers[ids[j]] = NA
            elif dk[r, j]:
                answers[ids[j]] = DONT_KNOW
            elif not np.isnan(v):
                item = ids[j]
                answers[item] = (
                    bool(v) if item == "i4" else v + 0.5 if item == "i6" else code[float(v)]
                )
        people.append(Respondent(f"r{r}", Profile(company=companies[r]), answers))
    return Responses(q, tuple(people))


@settings(max_examples=60, deadline=None)
@given(
    scoring_models(),
    answer_arrays(rows=(1, 15)),
    st.data(),
    st.sampled_from(["mean", "median"]),
)
def test_score_by_company_equals_the_per_company_reference(m, answers_, data, how):
    v, na, dk, _ = answers_
    n = len(v)
    names = data.draw(
        st.lists(st.sampled_from(["acme", "beta", None, None]), min_size=n, max_size=n)
    )
    resp = _responses_of(v, na, dk, names)
    mat = resp.matrix()
    assert np.array_equal(mat.values, v, equal_nan=True)
    s = score(resp, m, by="company", combine=how)
    keys = [c or f"r{i}" for i, c in enumerate(names)]
    order = tuple(dict.fromkeys(keys))
    assert s.ids == order
    groups = np.array([order.index(k) for k in keys])
    ref = _loop_combine(mat, groups, len(order), how)
    want, wcov, _ = score_arrays(
        m, ref[0], item_ids=mat.item_ids, na=ref[1], dont_know=ref[2], applicable=ref[3]
    )
    np.testing.assert_allclose(s.score, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.coverage, wcov, rtol=0, atol=1e-12)
    each = score(resp, m)
    np.testing.assert_array_equal(s.spread, _loop_spread(each.score, groups, len(order)))
    assert s.n_respondents.tolist() == np.bincount(groups).tolist()


@needs_numba
def test_an_operator_without_a_numba_kernel_runs_on_numpy(monkeypatch):
    from maturity.engine import choose_engine, compile_model
    from maturity.operators import Operator

    def mid(x, w):
        return np.clip(np.einsum("ij,ij->i", np.sqrt(x), w) ** 2, 0, 1)

    monkeypatch.setitem(OPERATORS, "root_mean", Operator("root_mean", mid))
    m = make_model("root_mean", "weighted_mean")
    cm = compile_model(m, m.items)
    assert choose_engine(cm, 10**7, "auto") == "numpy"
    with pytest.raises(ValueError, match="no kernel for operator"):
        choose_engine(cm, 10, "numba")
    v = np.array([[3, 1, 0, 1, 3, 2.0], [0, 0, 3, 1, 1, 1]])
    s, _, nodes = score_arrays(m, v)
    x, y = s[:, nodes.index("x")] / 5, s[:, nodes.index("y")] / 5
    np.testing.assert_allclose(s[:, nodes.index("root")], 5 * ((np.sqrt(x) + np.sqrt(y)) / 2) ** 2)
