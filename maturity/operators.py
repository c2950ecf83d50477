"""Aggregation operators: how a node's score is made from its children's scores.

Each operator is one function registered under the name used in scoring-model YAML::

    @register("weighted_mean")
    def weighted_mean(x, w, **params): ...

It receives the children's scores ``x`` (rows × children, normalised to ``[0, 1]``, with
missing children already given weight 0) and weights ``w`` of the same shape whose rows sum to 1
over the present children, and returns one score per row in ``[0, 1]``. The engine handles
missing answers, coverage and the mapping to the model's range; operators only aggregate.

Operators registered here (see ``docs/methodology.md`` for their definitions and sources):

============== ==================================================== ================
name           formula                                              parameters
============== ==================================================== ================
weighted_mean  Σ wᵢ xᵢ                                              –
geometric_mean Π xᵢ^wᵢ (0 if any present child is 0)                –
power_mean     (Σ wᵢ xᵢ^p)^(1/p); p = 0 is the geometric mean        ``p`` (number)
minimum        min over present children (weakest link)             –
maximum        max over present children                            –
staged         highest level k such that every present child        ``thresholds``
               reaches its threshold at k and at every lower level  (set by the model)
============== ==================================================== ================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]
else:
    Array = Any

__all__ = ["OPERATORS", "Operator", "get", "names", "register"]

OperatorFn = Callable[..., "Array"]


@dataclass(frozen=True, slots=True)
class Operator:
    """A registered operator: its function, parameters and whether it is monotone."""

    name: str
    fn: OperatorFn
    params: Mapping[str, str] = field(default_factory=dict)
    monotone: bool = True
    description: str = ""


#: The registry, name → :class:`Operator`.
OPERATORS: dict[str, Operator] = {}


def register(
    name: str,
    *,
    params: Mapping[str, str] | None = None,
    monotone: bool = True,
    description: str = "",
) -> Callable[[OperatorFn], OperatorFn]:
    """Register an aggregation operator under ``name`` (a decorator).

    ``params`` maps each parameter the operator takes to a short description (they are
    checked when a scoring model is loaded).
    """

    def deco(fn: OperatorFn) -> OperatorFn:
        if name in OPERATORS:
            raise ValueError(f"operator '{name}' is already registered")
        OPERATORS[name] = Operator(
            name,
            fn,
            dict(params or {}),
            monotone,
            description or (fn.__doc__ or "").strip().split("\n")[0],
        )
        return fn

    return deco


def names() -> tuple[str, ...]:
    """The names of all registered operators."""
    return tuple(OPERATORS)


def get(name: str) -> Operator:
    """The operator registered under ``name`` (KeyError listing the names otherwise)."""
    try:
        return OPERATORS[name]
    except KeyError:
        raise KeyError(f"unknown operator '{name}' (operators: {', '.join(names())})") from None


@register("weighted_mean")
def weighted_mean(x: Array, w: Array) -> Array:
    """Weighted arithmetic mean Σ wᵢ xᵢ (compensatory)."""
    import numpy as np

    # renormalised weights may sum to 1 + 1e-16: keep the result inside [0, 1]
    out: Array = np.clip(np.einsum("ij,ij->i", x, w), 0.0, 1.0)
    return out


@register("geometric_mean")
def geometric_mean(x: Array, w: Array) -> Array:
    """Weighted geometric mean Π xᵢ^wᵢ (partly compensatory; 0 if a present child is 0)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(w > 0, np.log(np.where(w > 0, x, 1.0)), 0.0)
    out: Array = np.clip(np.exp(np.einsum("ij,ij->i", logs, w)), 0.0, 1.0)
    return out


@register("power_mean", params={"p": "the exponent: 1 arithmetic, 0 geometric, -1 harmonic"})
def power_mean(x: Array, w: Array, *, p: float) -> Array:
    """Weighted power mean (Σ wᵢ xᵢ^p)^(1/p); p → 0 gives the geometric mean."""
    import numpy as np

    if p == 0:
        return geometric_mean(x, w)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p < 0:
            # a zero child makes the mean 0 (x^p is infinite); treat it explicitly
            zero = ((x <= 0) & (w > 0)).any(axis=1)
            xs = np.where(w > 0, np.maximum(x, 1e-300), 1.0)
            out = np.einsum("ij,ij->i", xs**p, w) ** (1.0 / p)
            out = np.where(zero, 0.0, out)
        else:
            out = np.einsum("ij,ij->i", np.where(w > 0, x, 0.0) ** p, w) ** (1.0 / p)
    res: Array = np.clip(out, 0.0, 1.0)
    return res


@register("minimum")
def minimum(x: Array, w: Array) -> Array:
    """The lowest present child: the weakest link (non-compensatory; weights ignored)."""
    import numpy as np

    out: Array = np.where(w > 0, x, np.inf).min(axis=1)
    return np.where(np.isinf(out), np.nan, out)


@register("maximum")
def maximum(x: Array, w: Array) -> Array:
    """The highest present child (weights ignored)."""
    import numpy as np

    out: Array = np.where(w > 0, x, -np.inf).max(axis=1)
    return np.where(np.isinf(out), np.nan, out)


@register(
    "staged",
    params={
        "thresholds": "per level, the score every child must reach (set from the model's levels)"
    },
)
def staged(x: Array, w: Array, *, thresholds: Array, values: Array) -> Array:
    """Staged levels: a node reaches level k only when every present child reaches the
    threshold of level k and of every lower level (CMMI staged representation, acatech).

    ``thresholds`` has one row per level and one column per child (or one column for all);
    the result is ``values[k]`` for the highest level k reached (``values[0]`` if none).
    """
    import numpy as np

    t = np.asarray(thresholds, dtype=float)
    if t.ndim == 1:
        t = t[:, None]
    present = w > 0
    # ok[r, k]: every present child of row r reaches level k's threshold
    ok = ((x[:, None, :] >= t[None, :, :] - 1e-12) | ~present[:, None, :]).all(axis=2)
    reached = np.logical_and.accumulate(ok, axis=1)
    k = reached.sum(axis=1) - 1
    vals = np.asarray(values, dtype=float)
    out: Array = vals[np.maximum(k, 0)]
    return out
