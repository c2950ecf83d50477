"""Weights: explicit weights and the Analytic Hierarchy Process (AHP).

:func:`ahp` turns a reciprocal matrix of pairwise judgements on Saaty's 1–9 scale into weights,
together with the principal eigenvalue λ_max, the consistency index CI = (λ_max − n)/(n − 1) and
the consistency ratio CR = CI / RI(n), with RI from :data:`RANDOM_INDEX` (Saaty, *The Analytic
Hierarchy Process*, McGraw-Hill, 1980). Judgements may be numbers or fractions written as text
(``"1/3"``); :func:`parse_judgement` reads them without ever evaluating code.

Weighting methods live in a small registry: adding one means writing a function that takes the
validated matrix and returns ``(weights, lambda_max)``, and registering it under its name(s).
:func:`normalize_weights` scales explicit weights to sum 1.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from maturity.errors import MaturityError

__all__ = [
    "AHP_METHODS",
    "CR_THRESHOLD",
    "RANDOM_INDEX",
    "AHPError",
    "AHPResult",
    "Judgement",
    "ahp",
    "normalize_weights",
    "parse_judgement",
]

#: A pairwise judgement: a number, or a number or fraction written as text (``"1/3"``).
Judgement: TypeAlias = str | int | float

FloatArray: TypeAlias = npt.NDArray[np.float64]

#: Saaty's random consistency index RI(n) for n = 1..10: the mean consistency index of random
#: reciprocal matrices on the 1/9..9 scale, as tabulated in T. L. Saaty, *The Analytic Hierarchy
#: Process*, McGraw-Hill, New York, 1980. Matrices larger than 10 × 10 are refused: the values
#: published for n = 11..15 differ between sources (e.g. 1.51, 1.48, 1.56, 1.57, 1.59 in many
#: secondary tables, 1.52, 1.54, 1.56, 1.58, 1.59 in Saaty's later tables, which also revise
#: n <= 10), so no single citable extension of this table exists.
RANDOM_INDEX: Mapping[int, float] = MappingProxyType(
    {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
)

#: Saaty's threshold: judgements with CR above this are considered inconsistent.
CR_THRESHOLD = 0.10

_MAX_N = max(RANDOM_INDEX)
_RECIPROCAL_RTOL = 1e-6
_SAATY_MIN, _SAATY_MAX = 1 / 9, 9.0
_SCALE_SLACK = 1e-9


class AHPError(MaturityError, ValueError):
    """A pairwise-comparison matrix (or a method name) that :func:`ahp` cannot use."""


# --- judgements -------------------------------------------------------------------------------

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_FRACTION = re.compile(rf"\s*({_NUMBER})\s*(?:/\s*({_NUMBER})\s*)?", re.ASCII)


def _refuse(value: object, why: str = "") -> ValueError:
    return ValueError(
        f"{value!r} is not a judgement{why} (use a number such as 3 or 0.5, "
        "or a fraction such as 1/3)"
    )


def parse_judgement(value: Judgement) -> float:
    """Read one judgement: a number, or a decimal or fraction written as text.

    Accepted text is a decimal number (``"3"``, ``"0.5"``) or a fraction of two decimals
    (``"1/3"``, ``" 1 / 7 "``), with optional spaces. Anything else — scientific notation,
    ``nan``, expressions, booleans, ``None`` — raises :class:`ValueError` naming the value.
    Numbers are returned as floats unchanged (their range is checked by :func:`ahp`). Text is
    matched by a regular expression; nothing is ever evaluated.
    """
    if isinstance(value, bool | np.bool_):
        raise _refuse(value, " (a boolean)")
    if isinstance(value, numbers.Real):
        return float(value)
    if not isinstance(value, str):
        raise _refuse(value, f" (a {type(value).__name__})")
    m = _FRACTION.fullmatch(value)
    if m is None:
        raise _refuse(value)
    num = float(m.group(1))
    den = float(m.group(2)) if m.group(2) is not None else 1.0
    if den == 0:
        raise _refuse(value, " (division by zero)")
    result = num / den
    if not math.isfinite(result):
        raise _refuse(value, " (not a finite number)")
    return result


# --- explicit weights -------------------------------------------------------------------------


def normalize_weights(values: Sequence[float]) -> tuple[float, ...]:
    """Explicit weights scaled to sum 1.

    Every weight must be a finite number >= 0 and at least one must be positive; a single
    zero weight is allowed (that child then does not count). Raises :class:`ValueError`
    otherwise, naming the offending value and its position (counted from 0).
    """
    if isinstance(values, str | bytes):
        raise ValueError(f"weights must be a sequence of numbers, not {values!r}")
    vals: list[float] = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"weight {i} is {v!r}: weights must be numbers")
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(f"weight {i} is {x}: weights must be finite")
        if x < 0:
            raise ValueError(f"weight {i} is {x:g}: weights must be >= 0")
        vals.append(x)
    if not vals:
        raise ValueError("no weights given")
    top = max(vals)
    if top == 0:
        raise ValueError(f"all {len(vals)} weights are zero; at least one must be positive")
    scaled = [v / top for v in vals]  # scale first, so that huge weights cannot overflow the sum
    total = math.fsum(scaled)
    return tuple(v / total for v in scaled)


# --- AHP --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AHPResult:
    """Weights and consistency figures derived from a pairwise-comparison matrix.

    ``weights`` are positive and sum to 1, in the order of the matrix rows. ``lambda_max`` is
    the principal eigenvalue (or, for ``geometric_mean``, its standard estimate);
    ``ci = (lambda_max - n) / (n - 1)``; ``cr = ci / ri`` with ``ri = RANDOM_INDEX[n]``;
    ``ci`` and ``cr`` are 0.0 when ``n <= 2`` (such matrices are always consistent).
    """

    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    method: str

    @property
    def consistent(self) -> bool:
        """Whether CR <= 0.10, Saaty's threshold (with 1e-12 slack for rounding)."""
        return self.cr <= CR_THRESHOLD + 1e-12

    def __repr__(self) -> str:
        w = ", ".join(f"{x:.3f}" for x in self.weights)
        return (
            f"AHPResult(weights=({w}), lambda_max={self.lambda_max:.4f}, "
            f"CR={self.cr:.4f}, method={self.method!r})"
        )


#: A weighting method: takes the validated n × n matrix, returns (weights summing to 1, λ_max).
Method: TypeAlias = Callable[[FloatArray], tuple[FloatArray, float]]
_METHODS: dict[str, Method] = {}


def _register(*names: str) -> Callable[[Method], Method]:
    def deco(fn: Method) -> Method:
        for name in names:
            if name in _METHODS:
                raise AssertionError(f"AHP method {name!r} registered twice")  # pragma: no cover
            _METHODS[name] = fn
        return fn

    return deco


@_register("eigenvector")
def _eigenvector(a: FloatArray) -> tuple[FloatArray, float]:
    """Saaty's method: the principal right eigenvector, normalised to sum 1, and its eigenvalue.

    The eigenvalue with the largest real part is the Perron root of the positive matrix; its
    eigenvector is scaled by its largest-modulus component (removing any complex phase), so
    that it is real and positive, then normalised.
    """
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    v = vecs[:, k]
    v = v / v[int(np.argmax(np.abs(v)))]
    w = np.abs(v.real)
    return w / w.sum(), float(vals[k].real)


@_register("geometric_mean", "row_geometric_mean")
def _geometric_mean(a: FloatArray) -> tuple[FloatArray, float]:
    """Row geometric means, normalised to sum 1 (Crawford & Williams' logarithmic least squares).

    λ_max is then estimated by the standard formula mean_i((A w)_i / w_i), which equals the
    principal eigenvalue when w is an eigenvector (always so for n <= 3, and for consistent
    matrices) and is otherwise an estimate that is never below n.
    """
    g = np.exp(np.log(a).mean(axis=1))
    w = g / g.sum()
    return w, float(np.mean((a @ w) / w))


#: The names of the AHP weighting methods (``row_geometric_mean`` is an alias).
AHP_METHODS: tuple[str, ...] = tuple(_METHODS)


def _rows(matrix: Any) -> list[list[float]]:
    """Read the matrix into lists of floats, refusing anything that is not a 2-D table."""
    if isinstance(matrix, np.ndarray):
        if matrix.ndim != 2:
            shape = "x".join(str(s) for s in matrix.shape) or "scalar"
            raise AHPError(f"the matrix must be 2-dimensional; found an array of shape {shape}")
        matrix = matrix.tolist()
    if isinstance(matrix, str | bytes) or not isinstance(matrix, Sequence):
        raise AHPError(f"the matrix must be a list of rows, not {type(matrix).__name__}")
    rows: list[list[float]] = []
    for i, row in enumerate(matrix, start=1):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
            raise AHPError(f"row {i} of the matrix is {row!r}, not a list of judgements")
        cells: list[float] = []
        for j, cell in enumerate(row, start=1):
            try:
                cells.append(parse_judgement(cell))
            except ValueError as exc:
                raise AHPError(f"a[{i}][{j}]: {exc}") from None
        rows.append(cells)
    return rows


def _check(a: FloatArray, saaty_range: bool) -> None:
    """Refuse a matrix that is not positive, unit-diagonal, (in range) and reciprocal."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            x = float(a[i, j])
            if not math.isfinite(x):
                raise AHPError(f"a[{i + 1}][{j + 1}] = {x}: entries must be finite numbers")
            if x <= 0:
                raise AHPError(f"a[{i + 1}][{j + 1}] = {x:g}: entries must be positive")
    for i in range(n):
        if not math.isclose(float(a[i, i]), 1.0, rel_tol=1e-9):
            raise AHPError(
                f"a[{i + 1}][{i + 1}] = {float(a[i, i]):g}: the diagonal must be 1 "
                "(every element equals itself)"
            )
    if saaty_range:
        for i in range(n):
            for j in range(n):
                x = float(a[i, j])
                if not _SAATY_MIN - _SCALE_SLACK <= x <= _SAATY_MAX + _SCALE_SLACK:
                    raise AHPError(
                        f"a[{i + 1}][{j + 1}] = {x:.6g} is outside Saaty's scale "
                        "1/9..9 (pass saaty_range=False to allow it)"
                    )
    for i in range(n):
        for j in range(i + 1, n):
            upper, lower = float(a[i, j]), float(a[j, i])
            if not math.isclose(lower, 1 / upper, rel_tol=_RECIPROCAL_RTOL):
                raise AHPError(
                    f"the matrix is not reciprocal: a[{j + 1}][{i + 1}] = "
                    f"{lower:.6g} but 1/a[{i + 1}][{j + 1}] = {1 / upper:.6g} "
                    "(write reciprocals as exact fractions such as 1/3)"
                )


def ahp(
    matrix: Sequence[Sequence[Judgement]] | npt.NDArray[Any],
    method: str = "eigenvector",
    *,
    saaty_range: bool = True,
) -> AHPResult:
    """Weights and consistency of a pairwise-comparison matrix.

    ``matrix[i][j]`` says how much more important element i is than element j; entries are
    numbers or text read by :func:`parse_judgement` (``"1/3"``), or the matrix is a 2-D numpy
    array. It must be non-empty, square, at most 10 × 10 (the extent of :data:`RANDOM_INDEX`),
    finite, positive, with a unit diagonal and reciprocal (``a[j][i] = 1 / a[i][j]`` within a
    relative tolerance of 1e-6); with ``saaty_range`` (the default) every entry must also lie
    in Saaty's range 1/9..9. Cells in error messages are numbered from 1.

    Methods (see :data:`AHP_METHODS`):

    * ``"eigenvector"`` (Saaty): the principal right eigenvector, normalised to sum 1;
      ``lambda_max`` is the principal eigenvalue.
    * ``"geometric_mean"`` (alias ``"row_geometric_mean"``): the normalised geometric means of
      the rows; ``lambda_max`` is then estimated as the mean of ``(A w)_i / w_i``, the standard
      estimate (exact when w is an eigenvector of A, as for every 3 × 3 matrix).

    CI = (lambda_max − n)/(n − 1) (a tiny negative value from rounding is clamped to 0) and
    CR = CI / RI(n); both are 0.0 when n <= 2. Raises :class:`AHPError` (a ``ValueError``)
    with a message that names the offending cell.
    """
    fn = _METHODS.get(method)
    if fn is None:
        raise AHPError(f"unknown AHP method {method!r} (methods: {', '.join(AHP_METHODS)})")
    rows = _rows(matrix)
    n = len(rows)
    if n == 0:
        raise AHPError("the matrix is empty")
    bad = [(i, len(r)) for i, r in enumerate(rows, start=1) if len(r) != n]
    if bad:
        i, length = bad[0]
        raise AHPError(
            f"the matrix must be square: it has {n} rows but row {i} has {length} entries"
        )
    if n > _MAX_N:
        raise AHPError(
            f"at most {_MAX_N} elements can be compared (Saaty's random index is "
            f"tabulated for n = 1..{_MAX_N}); this matrix is {n} x {n}"
        )
    a = np.array(rows, dtype=np.float64)
    _check(a, saaty_range)
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            w, lam = fn(a)
    except (np.linalg.LinAlgError, FloatingPointError) as exc:
        raise AHPError(f"cannot compute the {method} weights of this matrix: {exc}") from None
    if not (np.all(np.isfinite(w)) and np.all(w > 0) and math.isfinite(lam)):
        raise AHPError(
            f"cannot compute the {method} weights of this matrix: the entries are too extreme"
        )
    ri = RANDOM_INDEX[n]
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = max(0.0, (lam - n) / (n - 1))
        cr = ci / ri
    return AHPResult(tuple(float(x) for x in w), lam, ci, cr, ri, n, method)
