"""AHP and explicit weights, checked against published examples and an independent solver."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from maturity.weights import (
    RANDOM_INDEX,
    AHPError,
    ahp,
    normalize_weights,
    parse_judgement,
)

# Saaty (1990), "How to make a decision: the analytic hierarchy process", European Journal of
# Operational Research 48, 9-26: choosing a high school, criterion "learning", schools A, B, C.
# Published priorities .16, .59, .25 with lambda_max = 3.05 (two digits, hence abs=0.005).
LEARNING = [[1, "1/3", "1/2"], [3, 1, 3], [2, "1/3", 1]]


def test_saaty_1990_school_example():
    res = ahp(LEARNING)
    assert res.weights == pytest.approx((0.16, 0.59, 0.25), abs=0.005)
    assert res.lambda_max == pytest.approx(3.05, abs=0.005)
    assert res.ci == pytest.approx((res.lambda_max - 3) / 2)
    assert res.cr == pytest.approx(res.ci / 0.58)
    assert res.consistent


# The job-choice tutorial's "location" matrix (reproduced in many AHP course notes) prints the
# row-geometric-mean priorities 0.1634, 0.2970, 0.5396 (four digits, hence abs=5e-5).
def test_row_geometric_mean_published_example():
    res = ahp([[1, "1/2", "1/3"], [2, 1, "1/2"], [3, 2, 1]], method="geometric_mean")
    assert res.weights == pytest.approx((0.1634, 0.2970, 0.5396), abs=5e-5)


def test_saaty_random_index_table():
    assert [RANDOM_INDEX[n] for n in range(1, 11)] == [
        0,
        0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
    ]


def power_iteration(a, steps=2000):
    """Independent principal eigenpair: plain power iteration (Perron-Frobenius)."""
    v = np.ones(len(a)) / len(a)
    for _ in range(steps):
        v = a @ v
        v /= v.sum()
    lam = float(np.mean((a @ v) / v))
    return v, lam


@st.composite
def reciprocal(draw, n_min=3, n_max=8):
    n = draw(st.integers(n_min, n_max))
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9, 2, 1 / 2, 4, 1 / 4]
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = draw(st.sampled_from(scale))
            a[j, i] = 1 / a[i, j]
    return a


@given(reciprocal())
def test_eigenvector_agrees_with_power_iteration(a):
    res = ahp(a)
    v, lam = power_iteration(a)
    assert res.weights == pytest.approx(tuple(v), abs=1e-6)
    assert res.lambda_max == pytest.approx(lam, abs=1e-6)
    assert res.lambda_max >= len(a) - 1e-9  # Saaty: lambda_max >= n for reciprocal matrices


@pytest.mark.parametrize("method", ["eigenvector", "geometric_mean"])
@given(w=arrays(float, st.integers(2, 10), elements=st.floats(0.05, 20)))
def test_consistent_matrix_gives_back_its_weights(method, w):
    a = w[:, None] / w[None, :]
    res = ahp(a, method=method, saaty_range=False)
    assert res.weights == pytest.approx(tuple(w / w.sum()), rel=1e-6)
    assert res.lambda_max == pytest.approx(len(w), rel=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)


@given(reciprocal(), st.randoms())
def test_permuting_permutes_the_weights(a, rnd):
    perm = list(range(len(a)))
    rnd.shuffle(perm)
    p = np.array(perm)
    w = np.array(ahp(a).weights)
    wp = np.array(ahp(a[np.ix_(p, p)]).weights)
    assert wp == pytest.approx(w[p], abs=1e-9)
    assert sum(wp) == pytest.approx(1.0)
    assert (wp > 0).all()


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [0.5, 1], [1, 1]], "square"),
        ([[1, 3], [3, 1]], "not reciprocal"),
        ([[1, 0], [0, 1]], "positive"),
        ([[1, float("nan")], [1, 1]], "positive"),
        ([[1, 12], [1 / 12, 1]], "outside Saaty's scale"),
        ([[2, 1], [1, 1]], "diagonal"),
        ([[1, "2/x"], ["1/2", 1]], "not a judgement"),
        (np.ones((11, 11)), "at most 10"),
    ],
)
def test_bad_matrices_are_refused(matrix, message):
    with pytest.raises(AHPError, match=message):
        ahp(matrix)


def test_unknown_method():
    with pytest.raises(AHPError, match="methods: eigenvector"):
        ahp(LEARNING, method="mean")


def test_parse_judgement():
    assert parse_judgement(" 1 / 7 ") == pytest.approx(1 / 7)
    assert parse_judgement("3") == 3.0
    assert parse_judgement(0.5) == 0.5
    for bad in ("__import__('os')", "1/0", "1e3", "", "a/b", True):
        with pytest.raises(ValueError):
            parse_judgement(bad)


def test_normalize_weights():
    assert normalize_weights([25, 19, 18, 14, 14, 10]) == pytest.approx(
        (0.25, 0.19, 0.18, 0.14, 0.14, 0.10)
    )
    assert normalize_weights([0, 2]) == (0.0, 1.0)
    for bad in ([-1, 2], [0, 0], [float("inf"), 1], []):
        with pytest.raises(ValueError):
            normalize_weights(bad)
