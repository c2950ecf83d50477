"""The numpy kernel: node by node over a whole block of rows (always available).

The leaf nodes with a weighted mean (usually most of the work) are computed for all rows at
once by one matrix product on the raw values, with the linear mapping onto ``[0, 1]`` folded
into the weights; every other node goes through its registered operator
(:mod:`maturity.operators`), so an operator registered from outside works here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maturity.operators import OPERATORS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.engine import CompiledModel

__all__ = ["node_arrays", "run_block"]


def node_arrays(
    cm: CompiledModel,
    values: npt.NDArray[np.float64],
    na: npt.NDArray[np.bool_] | None,
    dont_know: npt.NDArray[np.bool_] | None,
    applicable: npt.NDArray[np.bool_] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Node scores on [0, 1] (0 where none), whether each has a score, and coverage (NaN where
    the node is not applicable): three arrays of nodes × rows.

    Items: ``present`` says an item has a value that counts; ``off`` that it is not
    applicable (N/A, or its condition is false).
    """
    import numpy as np

    r, m = values.shape
    k = len(cm.nodes)
    hi = cm.lo + cm.span
    present = np.isnan(values)
    np.logical_not(present, out=present)
    any_off = na is not None or applicable is not None
    off = np.zeros((r, m), dtype=bool)
    if na is not None:
        off |= na
    if applicable is not None:
        off |= ~applicable
    raw = np.clip(values, cm.lo, hi)  # a value outside its item's range counts as its bound
    dk_lowest = dont_know is not None and cm.dont_know_lowest
    if dk_lowest or cm.missing_lowest:
        lowest = np.zeros((r, m), dtype=bool)
        if dont_know is not None and cm.dont_know_lowest:
            lowest |= dont_know & ~off
        if cm.missing_lowest:  # "don't know" as missing follows the missing policy too
            lowest |= ~present & ~off
        raw = np.where(lowest, cm.lo, raw)
        present |= lowest
    if any_off:
        present &= ~off
    v0 = np.where(present, raw, 0.0)
    pf = present.astype(np.float64)

    xn = np.zeros((k, r))  # node scores on [0, 1], 0 where none
    pn = np.zeros((k, r), dtype=bool)
    on = np.zeros((k, r), dtype=bool)
    coverage = np.empty((k, r))
    mins = cm.min_coverage

    def finish(
        j: Any,
        s: npt.NDArray[np.float64],
        got: npt.NDArray[np.float64],
        total: npt.NDArray[np.float64],
    ) -> None:
        """Store node(s) j: score s, answered weight got, applicable weight total."""
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = got / total
        mc = mins[j][:, None] if np.ndim(j) else mins[j]
        keep = (got > 0) & (cov >= mc - 1e-12)
        pn[j] = keep
        on[j] = total <= 0
        xn[j] = np.where(keep, np.clip(s, 0.0, 1.0), 0.0)
        coverage[j] = np.where(total > 0, cov, np.nan)

    if cm.batch.size:
        w = cm.batch_weights
        both = pf @ cm.batch_pw  # [Σ w·lo/span, Σ w] over the present items, in one product
        width = w.shape[1]
        num = v0 @ cm.batch_sw - both[:, :width]
        got = both[:, width:]
        total = (
            (~off).astype(np.float64) @ w if any_off else np.broadcast_to(w.sum(axis=0), got.shape)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = num / got
        finish(cm.batch, mean.T, got.T, np.ascontiguousarray(total.T))
    batched = set(cm.batch.tolist())
    for j, node in enumerate(cm.nodes):
        if j in batched:
            continue
        c = len(node.cols)
        xc = np.empty((r, c))
        pc = np.empty((r, c), dtype=bool)
        oc = np.empty((r, c), dtype=bool)
        for t, col in enumerate(node.cols.tolist()):
            if col < m:
                xc[:, t] = np.where(present[:, col], (raw[:, col] - cm.lo[col]) / cm.span[col], 0.0)
                pc[:, t] = present[:, col]
                oc[:, t] = off[:, col]
            else:
                xc[:, t] = xn[col - m]
                pc[:, t] = pn[col - m]
                oc[:, t] = on[col - m]
        total = (~oc) @ node.weights
        got = pc @ node.weights
        wn = pc * node.weights
        with np.errstate(invalid="ignore", divide="ignore"):
            wn /= got[:, None]
        s = OPERATORS[node.operator].fn(xc, wn, **node.params)
        finish(j, s, got, total)
    return xn, pn, coverage


def run_block(
    cm: CompiledModel,
    values: npt.NDArray[np.float64],
    na: npt.NDArray[np.bool_] | None,
    dont_know: npt.NDArray[np.bool_] | None,
    applicable: npt.NDArray[np.bool_] | None,
    a: float,
    b: float,
    out_scores: npt.NDArray[np.float64],
    out_coverage: npt.NDArray[np.float64],
) -> None:
    """Fill ``out_scores`` (``a + b·x``, NaN = no score) and ``out_coverage``, rows × nodes."""
    import numpy as np

    xn, pn, cov = node_arrays(cm, values, na, dont_know, applicable)
    out_scores[...] = np.where(pn, a + b * xn, np.nan).T
    out_coverage[...] = cov.T
