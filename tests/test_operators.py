"""Every registered operator passes one conformance suite; hand-worked values for each."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from maturity import operators as ops

unit = st.floats(0.0, 1.0, allow_nan=False)
positive = st.floats(0.01, 100.0, allow_nan=False)


def call(name, x, w, **params):
    x = np.atleast_2d(np.asarray(x, dtype=float))
    w = np.atleast_2d(np.asarray(w, dtype=float))
    w = w / w.sum(axis=1, keepdims=True)
    if name == "power_mean":
        params.setdefault("p", 0.5)
    if name == "staged":
        # five levels at 0, .2, .4, .6, .8 of the range, same for every child
        params.setdefault("thresholds", np.array([0.0, 0.2, 0.4, 0.6, 0.8]))
        params.setdefault("values", np.array([0.0, 0.2, 0.4, 0.6, 0.8]))
    return ops.OPERATORS[name].fn(x, w, **params)


@st.composite
def rows(draw, min_size=1, max_size=6):
    n = draw(st.integers(min_size, max_size))
    x = draw(arrays(float, n, elements=unit))
    w = draw(arrays(float, n, elements=positive))
    return x, w


@pytest.mark.parametrize("name", ops.names())
@given(data=rows())
def test_bounded_by_min_and_max(name, data):
    x, w = data
    s = call(name, x, w)[0]
    assert 0.0 <= s <= 1.0
    if name != "staged":  # staged floors to a level's lower bound
        assert x.min() - 1e-9 <= s <= x.max() + 1e-9


@pytest.mark.parametrize("name", [n for n in ops.names() if ops.OPERATORS[n].monotone])
@given(data=rows(), k=st.integers(0, 5), bump=st.floats(0.0, 1.0))
def test_raising_a_child_never_lowers_the_score(name, data, k, bump):
    x, w = data
    k = k % len(x)
    y = x.copy()
    y[k] = min(1.0, y[k] + bump)
    assert call(name, y, w)[0] >= call(name, x, w)[0] - 1e-9


@pytest.mark.parametrize("name", ops.names())
@given(data=rows(), c=st.floats(0.001, 1000.0))
def test_scaling_all_weights_changes_nothing(name, data, c):
    x, w = data
    assert call(name, x, w)[0] == pytest.approx(call(name, x, w * c)[0], abs=1e-9)


@pytest.mark.parametrize("name", ops.names())
@given(data=rows(min_size=2), seed=st.integers(0, 10**6))
def test_child_order_changes_nothing(name, data, seed):
    x, w = data
    perm = np.random.default_rng(seed).permutation(len(x))
    assert call(name, x[perm], w[perm])[0] == pytest.approx(call(name, x, w)[0], abs=1e-9)


@given(data=rows())
def test_min_le_geometric_le_arithmetic_le_max(data):
    x, w = data
    mn, geo, ari, mx = (
        call(n, x, w)[0] for n in ("minimum", "geometric_mean", "weighted_mean", "maximum")
    )
    assert mn - 1e-9 <= geo <= ari + 1e-9 and ari <= mx + 1e-9


@given(x=arrays(float, st.integers(1, 8), elements=unit))
def test_equal_weights_arithmetic_mean_is_the_plain_average(x):
    assert call("weighted_mean", x, np.ones_like(x))[0] == pytest.approx(float(np.mean(x)))


@given(data=rows(), p=st.floats(-5, 5).filter(lambda p: abs(p) > 1e-3))
def test_power_mean_is_monotone_in_p(data, p):
    x, w = data
    assume(x.min() > 0.01)
    lo = call("power_mean", x, w, p=p)[0]
    hi = call("power_mean", x, w, p=p + 0.5)[0]
    assert lo <= hi + 1e-9


def test_hand_worked_values():
    x, w = [0.2, 0.8], [1, 3]
    assert call("weighted_mean", x, w)[0] == pytest.approx(0.25 * 0.2 + 0.75 * 0.8)
    assert call("geometric_mean", x, w)[0] == pytest.approx(0.2**0.25 * 0.8**0.75)
    # harmonic mean: 1 / (0.25/0.2 + 0.75/0.8)
    assert call("power_mean", x, w, p=-1)[0] == pytest.approx(1 / (0.25 / 0.2 + 0.75 / 0.8))
    assert call("power_mean", x, w, p=1)[0] == pytest.approx(0.65)
    assert call("power_mean", x, w, p=0)[0] == pytest.approx(0.2**0.25 * 0.8**0.75)
    assert call("power_mean", x, w, p=2)[0] == pytest.approx(math.sqrt(0.25 * 0.04 + 0.75 * 0.64))
    assert call("minimum", x, w)[0] == 0.2
    assert call("maximum", x, w)[0] == 0.8
    assert call("geometric_mean", [0.0, 1.0], [1, 1])[0] == 0.0


def test_staged_needs_every_lower_level():
    t = np.array([[0.0, 0.0], [0.2, 0.2], [0.4, 0.6], [0.6, 0.6]])  # per level, per child
    values = np.array([0.0, 0.2, 0.4, 0.6])
    # child 2 misses level 2's threshold (0.6) though it reaches level 3's for child 1 ...
    s = call("staged", [0.9, 0.5], [1, 1], thresholds=t, values=values)[0]
    assert s == 0.2  # ... so the node stops at level 1, whose value is 0.2
    assert call("staged", [0.9, 0.7], [1, 1], thresholds=t, values=values)[0] == 0.6
    assert call("staged", [0.1, 0.7], [1, 1], thresholds=t, values=values)[0] == 0.0


def test_absent_children_do_not_count():
    x = np.array([[0.1, 0.9]])
    w = np.array([[0.0, 1.0]])
    for name in ("weighted_mean", "geometric_mean", "minimum", "maximum"):
        assert ops.OPERATORS[name].fn(x, w)[0] == pytest.approx(0.9)


def test_registry_rejects_duplicates_and_lists_names():
    with pytest.raises(ValueError, match="already registered"):
        ops.register("minimum")(lambda x, w: x)
    with pytest.raises(KeyError, match="operators: weighted_mean"):
        ops.get("avg")
