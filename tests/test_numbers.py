"""maturity.numbers: one tolerance, full-precision text, rounding half away from zero."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.numbers import SCORE_TOLERANCE, at_least, round_half_away, shortest, ties


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (62.5, 0, 63.0),  # Python's round gives 62 (half to even)
        (1.75, 1, 1.8),
        (1.65, 1, 1.7),  # the double below 1.65 would round down; the decimal text does not
        (1.005, 2, 1.01),
        (-0.5, 0, -1.0),
        (-1.25, 1, -1.3),
        (2.449, 1, 2.4),
        (0.0, 2, 0.0),
    ],
)
def test_round_half_away_hand_worked(x: float, digits: int, expected: float) -> None:
    assert round_half_away(x, digits) == expected


def _reference(x: float, digits: int) -> Fraction:
    """Half away from zero on the shortest decimal text of x, in exact rational arithmetic."""
    q = Fraction(repr(x)) * 10**digits
    n = math.floor(abs(q) + Fraction(1, 2))
    return Fraction(n if q >= 0 else -n, 10**digits)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(finite, st.integers(min_value=0, max_value=4))
def test_round_half_away_matches_exact_arithmetic(x: float, digits: int) -> None:
    assert round_half_away(x, digits) == float(_reference(x, digits))


@given(finite, st.integers(min_value=0, max_value=4))
def test_round_half_away_is_odd_and_idempotent(x: float, digits: int) -> None:
    r = round_half_away(x, digits)
    assert round_half_away(-x, digits) == -r
    assert round_half_away(r, digits) == r


def test_round_half_away_leaves_nan_and_infinity() -> None:
    assert math.isnan(round_half_away(math.nan, 1))
    assert round_half_away(math.inf) == math.inf


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_shortest_reads_back_exactly(x: float) -> None:
    assert float(shortest(x)) == x


def test_shortest_of_nan_is_empty() -> None:
    assert shortest(math.nan) == ""
    assert shortest(3.0) == "3"


def test_equal_scores_computed_two_ways_tie() -> None:
    a = sum([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]) / 12
    b = 7 / 12
    c = (0.1 * 7) / (0.1 * 12)  # the same 7/12, scaled (answers stored in tenths)
    assert a == b
    assert c != b  # the last bits differ...
    assert ties(b, c)  # ...and they tie
    assert at_least(c, b) and at_least(b, c)
    assert not at_least(b - 10 * SCORE_TOLERANCE, b)
    assert not at_least(math.nan, 0.0)


def test_fixed_and_percent_show_halves_away_from_zero() -> None:
    from maturity.numbers import fixed, percent

    assert f"{1.125:.2f}" == "1.12"  # what Python's format shows (half to even)...
    assert fixed(1.125) == "1.13"  # ...and what we show
    assert fixed(0.98, 1) == "1.0" and fixed(-0.125) == "-0.13"
    assert percent(0.625) == "63%" and percent(0.5, 1) == "50.0%"
    assert fixed(math.nan) == percent(math.nan) == "–"


@given(finite, st.integers(min_value=0, max_value=3))
def test_fixed_is_the_rounded_value_with_its_digits(x: float, digits: int) -> None:
    from maturity.numbers import fixed

    assert float(fixed(x, digits)) == float(_reference(x, digits))
    text = fixed(x, digits)
    assert ("." not in text) if digits == 0 else len(text.rpartition(".")[2]) == digits
