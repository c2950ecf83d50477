"""AHP and explicit weights, checked against a published example, theory and independent code.

No expected number here comes from running `maturity.weights`: each is either printed in a
cited source, follows from a theorem (consistent matrices, n <= 3), or is computed in this file
by an independent algorithm (power iteration, an explicit product formula).
"""

import builtins
import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from maturity.errors import MaturityError
from maturity.weights import (
    AHP_METHODS,
    RANDOM_INDEX,
    AHPError,
    AHPResult,
    ahp,
    normalize_weights,
    parse_judgement,
)

METHODS = ("eigenvector", "geometric_mean", "row_geometric_mean")

# --- a published worked example -----------------------------------------------------------

# T. L. Saaty, "Decision making with the analytic hierarchy process", International Journal of
# Services Sciences 1(1), 2008, pp. 83-98 (doi:10.1504/IJSSCI.2008.017590): "Which drink is
# consumed more in the U.S.?", judgements of 30 people; rows/columns coffee, wine, tea, beer,
# sodas, milk, water. The paper prints the derived priorities to three decimals:
# .177 .019 .042 .116 .190 .129 .327, and the consistency ratio .022. We read the matrix, the
# priorities and the C.R. in the transcription of that example in github.com/PhilipGriffith/AHPy
# (README "Relative consumption of drinks" and tests/test_ahp.py, where settings were chosen "so
# that the results match those provided by Saaty"); the paper's full text was not available.
# Three published decimals: the true value is within half a unit (0.0005) of each printed one.
DRINKS = [
    [1, 9, 5, 2, 1, 1, "1/2"],
    ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    [1, 9, 4, 2, 1, 2, "1/2"],
    [1, 9, 3, 1, "1/2", 1, "1/3"],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PRIORITIES = (0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327)
DRINKS_CR = 0.022
HALF_UNIT_3DP = 0.0005 + 1e-12  # half a unit in the last published digit (+ float slack)


def test_saaty_2008_drinks_example():
    res = ahp(DRINKS)
    assert res.n == 7 and res.method == "eigenvector"
    assert res.weights == pytest.approx(DRINKS_PRIORITIES, abs=HALF_UNIT_3DP)
    assert res.ri == 1.32  # Saaty (1980) RI for n = 7
    assert res.cr == pytest.approx(DRINKS_CR, abs=HALF_UNIT_3DP)
    # lambda_max is not among the transcribed figures; the published CR pins it down:
    # lambda_max = n + (n - 1) * RI * CR with CR in [0.0215, 0.0225].
    low, high = (7 + 6 * 1.32 * cr for cr in (DRINKS_CR - 0.0005, DRINKS_CR + 0.0005))
    assert low <= res.lambda_max <= high
    assert res.ci == pytest.approx((res.lambda_max - 7) / 6, rel=1e-12)
    assert res.consistent


def test_saaty_1980_random_index_table():
    # T. L. Saaty, The Analytic Hierarchy Process, McGraw-Hill, 1980 (RI for n = 1..10).
    assert [RANDOM_INDEX[n] for n in range(1, 11)] == [
        0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49,
    ]  # fmt: skip
    assert sorted(RANDOM_INDEX) == list(range(1, 11))
    with pytest.raises(TypeError):
        RANDOM_INDEX[11] = 1.51  # type: ignore[index]


# --- independent computations ---------------------------------------------------------------

SAATY_SCALE = [Fraction(k) for k in range(1, 10)] + [Fraction(1, k) for k in range(2, 10)]


@st.composite
def reciprocal_matrices(draw, n_min=1, n_max=10, exact=False):
    """A random reciprocal matrix with judgements from Saaty's 1/9..9 scale."""
    n = draw(st.integers(n_min, n_max))
    cells = [[Fraction(1)] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            x = draw(st.sampled_from(SAATY_SCALE))
            cells[i][j], cells[j][i] = x, 1 / x
    if exact:
        return cells
    return np.array([[float(x) for x in row] for row in cells])


def power_iteration(a, tol=1e-14, max_steps=100_000):
    """Principal eigenpair of a positive matrix by plain power iteration (Perron-Frobenius)."""
    v = np.full(len(a), 1 / len(a))
    for _ in range(max_steps):
        nxt = a @ v
        nxt /= nxt.sum()
        if np.max(np.abs(nxt - v)) < tol:
            v = nxt
            break
        v = nxt
    else:  # pragma: no cover
        raise AssertionError("power iteration did not converge")
    return v, float(np.mean((a @ v) / v))


@settings(max_examples=200)
@given(reciprocal_matrices())
def test_eigenvector_agrees_with_power_iteration(a):
    n = len(a)
    res = ahp(a)
    v, lam = power_iteration(a)
    assert res.weights == pytest.approx(tuple(v), abs=1e-8)
    assert res.lambda_max == pytest.approx(lam, rel=1e-9)
    assert res.lambda_max >= n - 1e-9  # Saaty: lambda_max >= n for positive reciprocal matrices
    if n >= 3:
        ci = max(0.0, (lam - n) / (n - 1))
        assert res.ci == pytest.approx(ci, abs=1e-9)
        assert res.cr == pytest.approx(ci / RANDOM_INDEX[n], abs=1e-9)
    else:
        assert res.ci == res.cr == 0.0


@given(reciprocal_matrices(exact=True))
def test_geometric_mean_agrees_with_explicit_products(cells):
    # Row products computed exactly with fractions, then the n-th root: independent of the
    # module's mean-of-logarithms formula.
    n = len(cells)
    products = [math.prod(row) for row in cells]
    g = np.array([float(p) ** (1 / n) for p in products])
    w = g / g.sum()
    a = np.array([[float(x) for x in row] for row in cells])
    expected_lambda = float(np.mean((a @ w) / w))
    as_text = [[str(x) for x in row] for row in cells]  # "1/3", "7", ... read as fractions
    for method in ("geometric_mean", "row_geometric_mean"):
        res = ahp(as_text, method=method)
        assert res.method == method
        assert res.weights == pytest.approx(tuple(w), rel=1e-9)
        assert res.lambda_max == pytest.approx(expected_lambda, rel=1e-9)


# For n = 3 the normalised row geometric means are exactly the principal eigenvector
# (G. Crawford and C. Williams, "The Analysis of Subjective Judgment Matrices", RAND R-2572-1-AF,
# 1985), so both methods must give the same weights and the same (exact) lambda_max.
@given(reciprocal_matrices(n_min=3, n_max=3))
def test_geometric_mean_equals_eigenvector_for_three_elements(a):
    eig, geo = ahp(a), ahp(a, method="geometric_mean")
    assert geo.weights == pytest.approx(eig.weights, abs=1e-9)
    assert geo.lambda_max == pytest.approx(eig.lambda_max, rel=1e-9)
    assert geo.cr == pytest.approx(eig.cr, abs=1e-9)


# --- properties -------------------------------------------------------------------------------

positive_weights = st.lists(st.floats(0.05, 20), min_size=1, max_size=10)


@pytest.mark.parametrize("method", METHODS)
@given(w=positive_weights)
def test_consistent_matrix_gives_back_its_weights(method, w):
    # Saaty: for a_ij = w_i / w_j, A w = n w, so the weights are w / sum(w) and lambda_max = n.
    w = np.array(w)
    a = w[:, None] / w[None, :]
    res = ahp(a, method=method, saaty_range=False)
    assert res.weights == pytest.approx(tuple(w / w.sum()), rel=1e-9)
    assert res.lambda_max == pytest.approx(len(w), rel=1e-9)
    assert res.ci == pytest.approx(0.0, abs=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.consistent


@pytest.mark.parametrize("method", METHODS)
@given(a=reciprocal_matrices(), seed=st.randoms(use_true_random=False))
def test_weights_are_positive_sum_to_one_and_follow_permutations(method, a, seed):
    res = ahp(a, method=method)
    w = np.array(res.weights)
    assert len(w) == res.n == len(a)
    assert all(type(x) is float for x in res.weights)
    assert (w > 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    perm = list(range(len(a)))
    seed.shuffle(perm)
    p = np.array(perm)
    permuted = ahp(a[np.ix_(p, p)], method=method)
    assert permuted.weights == pytest.approx(tuple(w[p]), abs=1e-9)
    assert permuted.lambda_max == pytest.approx(res.lambda_max, rel=1e-9)


@given(reciprocal_matrices(n_min=3))
def test_geometric_lambda_estimate_is_never_below_n(a):
    # sum_i (A w)_i / w_i = n + sum_{i<j} (x_ij + 1/x_ij) >= n^2 for any positive w.
    assert ahp(a, method="geometric_mean").lambda_max >= len(a) - 1e-9


def test_two_elements_are_always_consistent():
    res = ahp([[1, 9], ["1/9", 1]])
    assert res.weights == pytest.approx((0.9, 0.1), rel=1e-12)  # 9 : 1
    assert res.lambda_max == pytest.approx(2.0, rel=1e-12)
    assert (res.ci, res.cr, res.ri, res.n) == (0.0, 0.0, 0.0, 2)
    one = ahp([[1]])
    assert (one.weights, one.cr, one.n) == ((1.0,), 0.0, 1)


def test_inputs_in_every_form_agree():
    as_text = [["1", "3", "1/5"], ["1/3", "1", "1/7"], ["5", " 7 ", " 1 / 1 "]]
    as_numbers = [[1, 3, 1 / 5], [1 / 3, 1, 1 / 7], [5, 7, 1]]
    as_array = np.array(as_numbers)
    results = [ahp(m).weights for m in (as_text, as_numbers, as_array, as_array.tolist())]
    assert all(r == pytest.approx(results[0], rel=1e-12) for r in results)


def test_saaty_range_is_optional():
    wide = [[1, 12], [1 / 12, 1]]
    with pytest.raises(AHPError, match=r"a\[1\]\[2\] = 12 is outside Saaty's scale 1/9..9"):
        ahp(wide)
    assert ahp(wide, saaty_range=False).weights == pytest.approx((12 / 13, 1 / 13))
    ahp([[1, 9], [1 / 9, 1]])  # the ends of the scale are allowed


# --- the result type -------------------------------------------------------------------------


def test_result_is_frozen_and_small():
    res = ahp(DRINKS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.cr = 0.0  # type: ignore[misc]
    assert not hasattr(res, "__dict__")  # slots
    text = repr(res)
    assert text.startswith("AHPResult(weights=(0.177, 0.019,") and "CR=0.022" in text
    assert len(text) < 160


@pytest.mark.parametrize(("cr", "consistent"), [(0.0, True), (0.10, True), (0.1001, False)])
def test_consistent_means_cr_at_most_ten_percent(cr, consistent):
    res = AHPResult((0.5, 0.3, 0.2), 3.0, cr * 0.58, cr, 0.58, 3, "eigenvector")
    assert res.consistent is consistent


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([], r"^the matrix is empty$"),
        (np.empty((0, 0)), r"^the matrix is empty$"),
        ([[1, 2], [0.5, 1], [1, 1]], r"must be square: it has 3 rows but row 1 has 2 entries"),
        ([[1, 2], [0.5]], r"must be square: it has 2 rows but row 2 has 1 entries"),
        (np.ones((2, 3)), r"must be square"),
        (np.ones(3), r"must be 2-dimensional; found an array of shape 3"),
        (np.ones((2, 2, 2)), r"must be 2-dimensional; found an array of shape 2x2x2"),
        ("1 2 / 3 4", r"must be a list of rows, not str"),
        (["13", "31"], r"row 1 of the matrix is '13', not a list"),
        (
            [[1, 3], [0.5, 1]],
            r"^the matrix is not reciprocal: a\[2\]\[1\] = 0\.5 but "
            r"1/a\[1\]\[2\] = 0\.333333 ",
        ),
        ([[1, 3, 1], ["1/3", 1, 2], [1, 1, 1]], r"a\[3\]\[2\] = 1 but 1/a\[2\]\[3\] = 0\.5"),
        ([[1, 3], [0.333, 1]], r"not reciprocal: a\[2\]\[1\] = 0\.333 but"),
        ([[1, 0], [0, 1]], r"a\[1\]\[2\] = 0: entries must be positive"),
        ([[1, -2], [-0.5, 1]], r"a\[1\]\[2\] = -2: entries must be positive"),
        ([[1, "-1/2"], [-2, 1]], r"a\[1\]\[2\] = -0\.5: entries must be positive"),
        ([[1, float("nan")], [1, 1]], r"a\[1\]\[2\] = nan: entries must be finite"),
        ([[1, 1], [float("inf"), 1]], r"a\[2\]\[1\] = inf: entries must be finite"),
        ([[2, 1], [1, 1]], r"a\[1\]\[1\] = 2: the diagonal must be 1"),
        ([[1, "2/x"], ["1/2", 1]], r"a\[1\]\[2\]: '2/x' is not a judgement"),
        ([[1, None], [1, 1]], r"a\[1\]\[2\]: None is not a judgement"),
        ([[1, True], [1, 1]], r"a\[1\]\[2\]: True is not a judgement"),
        (np.ones((11, 11)), r"at most 10 elements .* this matrix is 11 x 11"),
    ],
)
def test_bad_matrices_are_refused(matrix, message):
    with pytest.raises(AHPError, match=message) as info:
        ahp(matrix)
    assert isinstance(info.value, MaturityError) and isinstance(info.value, ValueError)


def test_reciprocity_tolerance_is_relative_one_in_a_million():
    ahp([[1, 3], [0.3333333, 1]])  # 0.3333333 * 3 = 1 - 1e-7: accepted
    ahp([[1, 1 / 3], [3.000002, 1]])  # relative error 6.7e-7: accepted
    with pytest.raises(AHPError, match="not reciprocal"):
        ahp([[1, 3], [0.33333, 1]])  # relative error 1e-5: refused


@pytest.mark.parametrize("n", [11, 12, 15])
def test_larger_matrices_than_the_random_index_table_are_refused(n):
    with pytest.raises(AHPError, match=r"tabulated for n = 1\.\.10"):
        ahp(np.ones((n, n)))


def test_unknown_method_lists_the_methods():
    assert set(AHP_METHODS) == set(METHODS)
    with pytest.raises(
        AHPError,
        match=r"unknown AHP method 'power' \(methods: eigenvector, geometric_mean, "
        r"row_geometric_mean\)",
    ):
        ahp(DRINKS, method="power")


# --- parse_judgement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        ("1/3", 1 / 3),
        (" 1 / 7 ", 1 / 7),
        ("0.5", 0.5),
        (".5", 0.5),
        ("2.5/5", 0.5),
        ("9/1", 9.0),
        ("+1/2", 0.5),
        ("-3", -3.0),  # parsed; ahp() then refuses it as not positive
        (3, 3.0),
        (0.25, 0.25),
        (np.int64(7), 7.0),
        (np.float32(0.5), 0.5),
        (Fraction(1, 4), 0.25),
    ],
)
def test_parse_judgement_accepts_numbers_and_fractions(text, value):
    got = parse_judgement(text)
    assert type(got) is float
    assert got == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "a/b",
        "1/0",
        "0/0",
        "1//3",
        "1/3/5",
        "3 4",
        "1e3",
        "nan",
        "inf",
        "1/3 + 1",
        "(1/3)",
        "٣",  # an Arabic-Indic digit: only ASCII digits are judgements
        "__import__('os').system('true')",
        "9" * 400,  # overflows to inf
        True,
        None,
        [1, 3],
    ],
)
def test_parse_judgement_refuses_anything_else(bad):
    with pytest.raises(ValueError, match="is not a judgement") as info:
        parse_judgement(bad)
    assert repr(bad)[:40] in str(info.value)


def test_parse_judgement_never_evaluates(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert parse_judgement("1/3") == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        parse_judgement("__import__('os')")


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_parse_judgement_reads_any_integer_fraction(p, q):
    assert parse_judgement(f"{p}/{q}") == pytest.approx(p / q, rel=1e-15)
    assert parse_judgement(f" {p} / {q} ") == pytest.approx(p / q, rel=1e-15)


# --- normalize_weights ------------------------------------------------------------------------


def test_normalize_weights():
    assert normalize_weights([25, 19, 18, 14, 14, 10]) == pytest.approx(
        (0.25, 0.19, 0.18, 0.14, 0.14, 0.10), rel=1e-15
    )
    assert normalize_weights([0, 2]) == (0.0, 1.0)  # a zero weight alone is allowed
    assert normalize_weights([3]) == (1.0,)
    assert normalize_weights([1e308, 1e308]) == (0.5, 0.5)  # no overflow in the sum
    assert normalize_weights(np.array([1.0, 3.0])) == (0.25, 0.75)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([-1, 2], r"weight 0 is -1: weights must be >= 0"),
        ([0, 0], r"all 2 weights are zero"),
        ([1, float("inf")], r"weight 1 is inf: weights must be finite"),
        ([float("nan"), 1], r"weight 0 is nan: weights must be finite"),
        ([], r"no weights given"),
        ([1, "2"], r"weight 1 is '2': weights must be numbers"),
        ([True, 1], r"weight 0 is True: weights must be numbers"),
        ("12", r"must be a sequence of numbers"),
    ],
)
def test_normalize_weights_refusals(bad, message):
    with pytest.raises(ValueError, match=message):
        normalize_weights(bad)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=20))
def test_normalize_weights_properties(values):
    assume(any(v > 0 for v in values))
    out = normalize_weights(values)
    assert math.fsum(out) == pytest.approx(1.0, abs=1e-12)
    top = max(values)
    k = values.index(top)
    for v, o in zip(values, out, strict=True):
        assert o >= 0
        assert o == pytest.approx(v / top * out[k], rel=1e-12, abs=1e-300)  # ratios kept
