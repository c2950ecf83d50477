"""Weights: explicit weights and the Analytic Hierarchy Process (AHP).

:func:`ahp` turns a reciprocal matrix of pairwise judgements on Saaty's 1–9 scale into weights,
with the principal eigenvalue λ_max, the consistency index CI = (λ_max − n)/(n − 1) and the
consistency ratio CR = CI / RI(n), RI from :data:`RANDOM_INDEX` (Saaty, *The Analytic Hierarchy
Process*, McGraw-Hill, 1980). Methods are a registry: adding one means registering a function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from maturity.errors import MaturityError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "AHP_METHODS",
    "RANDOM_INDEX",
    "AHPError",
    "AHPResult",
    "ahp",
    "normalize_weights",
    "parse_judgement",
]

#: Saaty's (1980) random consistency index RI(n) for n = 1..10.
RANDOM_INDEX: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}


class AHPError(MaturityError, ValueError):
    """A pairwise-comparison matrix that AHP cannot use."""


_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?)\s*)?$")


def parse_judgement(value: str | int | float) -> float:
    """A judgement: a number or a fraction such as ``"1/3"`` (never evaluated as code)."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a judgement (use a number or a fraction like 1/3)")
    if isinstance(value, int | float):
        return float(value)
    m = _FRACTION.match(str(value))
    if m is None:
        raise ValueError(f"'{value}' is not a judgement (use a number or a fraction like 1/3)")
    num = float(m.group(1))
    den = float(m.group(2)) if m.group(2) else 1.0
    if den == 0:
        raise ValueError(f"'{value}' divides by zero")
    return num / den


def normalize_weights(values: Sequence[float]) -> tuple[float, ...]:
    """Explicit weights scaled to sum 1 (negative, non-finite or all-zero refused)."""
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("no weights given")
    for v in vals:
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"weights must be finite and >= 0, found {v}")
    total = sum(vals)
    if total <= 0:
        raise ValueError("weights must not all be zero")
    return tuple(v / total for v in vals)


@dataclass(frozen=True, slots=True)
class AHPResult:
    """Weights (summing to 1) and consistency figures of a pairwise-comparison matrix."""

    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    method: str

    @property
    def consistent(self) -> bool:
        """Whether CR <= 0.10, Saaty's threshold."""
        return self.cr <= 0.10 + 1e-12

    def __repr__(self) -> str:
        w = ", ".join(f"{x:.3f}" for x in self.weights)
        return (
            f"AHPResult(weights=({w}), lambda_max={self.lambda_max:.4f}, "
            f"CI={self.ci:.4f}, CR={self.cr:.4f}, method={self.method!r})"
        )


Method = Callable[["npt.NDArray[np.float64]"], tuple["npt.NDArray[np.float64]", float]]
_METHODS: dict[str, Method] = {}


def _register(*names: str) -> Callable[[Method], Method]:
    def deco(fn: Method) -> Method:
        for name in names:
            _METHODS[name] = fn
        return fn

    return deco


@_register("eigenvector")
def _eigenvector(a: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float]:
    """Principal right eigenvector, normalised to sum 1, and its eigenvalue."""
    import numpy as np

    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    return v / v.sum(), float(vals[k].real)


@_register("geometric_mean", "row_geometric_mean")
def _geometric_mean(a: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float]:
    """Normalised row geometric means; λ_max estimated as the mean of (A w)_i / w_i."""
    import numpy as np

    g = np.exp(np.log(a).mean(axis=1))
    w = g / g.sum()
    return w, float(np.mean((a @ w) / w))


#: The names of the AHP weighting methods.
AHP_METHODS: tuple[str, ...] = tuple(_METHODS)


def ahp(matrix: Any, method: str = "eigenvector", *, saaty_range: bool = True) -> AHPResult:
    """Weights from a pairwise-comparison matrix (entries numbers or fractions like ``"1/3"``).

    The matrix must be square, positive, with a unit diagonal and reciprocal
    (``a[j][i] = 1 / a[i][j]``); with ``saaty_range`` its entries must lie in [1/9, 9].
    """
    import numpy as np

    if method not in _METHODS:
        raise AHPError(f"unknown AHP method '{method}' (methods: {', '.join(AHP_METHODS)})")
    try:
        rows = [[parse_judgement(x) for x in row] for row in matrix]
    except (TypeError, ValueError) as exc:
        raise AHPError(f"invalid matrix: {exc}") from None
    n = len(rows)
    if n == 0 or any(len(r) != n for r in rows):
        raise AHPError(
            f"the matrix must be square; it has {n} rows of lengths {[len(r) for r in rows]}"
        )
    if n > max(RANDOM_INDEX):
        raise AHPError(
            f"at most {max(RANDOM_INDEX)} elements can be compared (Saaty's random "
            f"index is tabulated up to n = {max(RANDOM_INDEX)}); found {n}"
        )
    a = np.array(rows, dtype=float)
    for i in range(n):
        for j in range(n):
            x = a[i, j]
            if not math.isfinite(x) or x <= 0:
                raise AHPError(f"a[{i + 1}][{j + 1}] = {x:g}: entries must be positive numbers")
            if saaty_range and not (1 / 9 - 1e-9 <= x <= 9 + 1e-9):
                raise AHPError(f"a[{i + 1}][{j + 1}] = {x:g} is outside Saaty's scale 1/9..9")
        if abs(a[i, i] - 1) > 1e-9:
            raise AHPError(f"a[{i + 1}][{i + 1}] = {a[i, i]:g}: the diagonal must be 1")
    for i in range(n):
        for j in range(i + 1, n):
            if abs(a[j, i] * a[i, j] - 1) > 1e-6 * max(1.0, a[i, j]):
                raise AHPError(
                    f"the matrix is not reciprocal: a[{j + 1}][{i + 1}] = "
                    f"{a[j, i]:.4g} but 1/a[{i + 1}][{j + 1}] = {1 / a[i, j]:.4g}"
                )
    w, lam = _METHODS[method](a)
    ri = RANDOM_INDEX[n]
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(tuple(float(x) for x in w), lam, ci, cr, ri, n, method)
