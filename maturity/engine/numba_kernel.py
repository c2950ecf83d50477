"""The numba kernel: one fused pass per row over all nodes (``pip install "maturity[fast]"``).

For each row the nodes are visited children first, as the model is compiled
(:class:`maturity.engine.CompiledModel`, compressed-sparse-row children). Each node reads its
children once: applicable weight, answered weight, and the operator's running sum (or its
minimum, maximum, or the children's values for ``staged``). Nothing is materialised but the
outputs, so the pass costs about one read of the answer matrix. The definitions are those of
the numpy kernel and of :mod:`maturity.operators`; the test suite checks that both kernels
agree to 1e-12.

numba is imported when this module is, i.e. on the first use of the numba engine; the
compiled function is cached on disk (``cache=True``) so later processes skip compiling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numba
import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import numpy.typing as npt

    from maturity.engine import CompiledModel

__all__ = ["SUPPORTED", "run_block"]

F = TypeVar("F", bound=Callable[..., Any])

#: Operator name → its code in the kernel.
CODES = {
    "weighted_mean": 0,
    "geometric_mean": 1,
    "power_mean": 2,
    "minimum": 3,
    "maximum": 4,
    "staged": 5,
}
#: The operators this kernel implements; a model using another one runs on numpy.
SUPPORTED = frozenset(CODES)


def _jit(**options: Any) -> Callable[[F], F]:
    """``numba.njit`` with an on-disk cache, or without one where no cache directory is
    writable (numba refuses ``cache=True`` then).
    """

    def deco(fn: F) -> F:
        try:
            return cast(F, numba.njit(cache=True, **options)(fn))
        except RuntimeError:  # pragma: no cover - depends on the file system
            return cast(F, numba.njit(cache=False, **options)(fn))

    return deco


@_jit(nogil=True, fastmath={"reassoc", "contract"}, inline="always")
def _leaf(
    values: Any,
    na: Any,
    dk: Any,
    app: Any,
    has_na: bool,
    has_dk: bool,
    has_app: bool,
    lo: Any,
    hi: Any,
    inv_span: Any,
    child_w: Any,
    i: int,
    first: int,
    c0: int,
    nc: int,
    dk_lowest: bool,
    missing_lowest: bool,
) -> tuple[float, float, float]:
    """Applicable weight, answered weight and Σ w·x of a weighted mean over the items
    ``first .. first+nc-1`` of row ``i`` (``reassoc``: the sums may be vectorised).
    """
    total = 0.0
    got = 0.0
    acc = 0.0
    for slot in range(nc):
        col = first + slot
        w = child_w[c0 + slot]
        v = values[i, col]
        off = (has_na and na[i, col]) or (has_app and not app[i, col])
        low = (has_dk and dk_lowest and dk[i, col]) or (missing_lowest and v != v)
        present = (not off) and (low or v == v)
        x = 0.0 if low else (min(max(v, lo[col]), hi[col]) - lo[col]) * inv_span[col]
        total += 0.0 if off else w
        got += w if present else 0.0
        acc += w * x if present else 0.0
    return total, got, acc


@_jit(nogil=True, fastmath=False, boundscheck=False)
def _kernel(
    values: Any,
    na: Any,
    dk: Any,
    app: Any,
    has_na: bool,
    has_dk: bool,
    has_app: bool,
    lo: Any,
    hi: Any,
    inv_span: Any,
    node_start: Any,
    child_col: Any,
    child_w: Any,
    op: Any,
    p: Any,
    min_cov: Any,
    thr: Any,
    thr_start: Any,
    lev_values: Any,
    lev_start: Any,
    dk_lowest: bool,
    missing_lowest: bool,
    leaf: Any,
    a: float,
    b: float,
    out_s: Any,
    out_c: Any,
) -> None:
    r, m = values.shape
    k = op.shape[0]
    max_c = 1
    for j in range(k):
        max_c = max(max_c, node_start[j + 1] - node_start[j])
    xs = np.empty(k)  # node scores on [0, 1] of the current row
    has = np.zeros(k, dtype=np.bool_)  # the node has a score
    off = np.zeros(k, dtype=np.bool_)  # the node is not applicable
    buf = np.empty(max_c)  # children's values (staged)
    pres = np.zeros(max_c, dtype=np.bool_)
    for i in range(r):
        for j in range(k):
            o = op[j]
            pj = p[j]
            c0 = node_start[j]
            nc = node_start[j + 1] - c0
            if leaf[j] >= 0:
                # a weighted mean of consecutive items: one branch-free loop
                total, got, acc = _leaf(
                    values,
                    na,
                    dk,
                    app,
                    has_na,
                    has_dk,
                    has_app,
                    lo,
                    hi,
                    inv_span,
                    child_w,
                    i,
                    leaf[j],
                    c0,
                    nc,
                    dk_lowest,
                    missing_lowest,
                )
                off[j] = total <= 0.0
                cov = got / total if total > 0.0 else np.nan
                out_c[i, j] = cov
                if got > 0.0 and cov >= min_cov[j] - 1e-12:
                    s = min(max(acc / got, 0.0), 1.0)
                    has[j] = True
                    xs[j] = s
                    out_s[i, j] = a + b * s
                else:
                    has[j] = False
                    xs[j] = 0.0
                    out_s[i, j] = np.nan
                continue
            total = 0.0
            got = 0.0
            # gather: the applicable weight, and the present children's values into buf
            for slot in range(nc):
                col = child_col[c0 + slot]
                w = child_w[c0 + slot]
                pres[slot] = False
                if col < m:
                    if (has_na and na[i, col]) or (has_app and not app[i, col]):
                        continue
                    total += w
                    v = values[i, col]
                    if has_dk and dk_lowest and dk[i, col]:
                        x = 0.0
                    elif v != v:
                        if not missing_lowest:
                            continue
                        x = 0.0
                    else:
                        x = (min(max(v, lo[col]), hi[col]) - lo[col]) * inv_span[col]
                else:
                    c = col - m
                    if off[c]:
                        continue
                    total += w
                    if not has[c]:
                        continue
                    x = xs[c]
                got += w
                buf[slot] = x
                pres[slot] = True
            off[j] = total <= 0.0
            cov = got / total if total > 0.0 else np.nan
            out_c[i, j] = cov
            keep = got > 0.0 and cov >= min_cov[j] - 1e-12
            has[j] = keep
            if not keep:
                xs[j] = 0.0
                out_s[i, j] = np.nan
                continue
            # reduce: the operator over the present children, weights renormalised by got
            if o == 0:
                acc = 0.0
                for slot in range(nc):
                    if pres[slot]:
                        acc += child_w[c0 + slot] * buf[slot]
                s = acc / got
            elif o == 1 or (o == 2 and pj == 0.0):
                acc = 0.0
                zero = False
                for slot in range(nc):
                    if pres[slot]:
                        if buf[slot] <= 0.0:
                            zero = True
                        else:
                            acc += child_w[c0 + slot] * np.log(buf[slot])
                s = 0.0 if zero else np.exp(acc / got)
            elif o == 2:
                acc = 0.0
                zero = False
                for slot in range(nc):
                    if pres[slot]:
                        x = buf[slot]
                        if pj < 0.0 and x <= 0.0:
                            zero = True
                        else:
                            acc += child_w[c0 + slot] * x**pj
                s = 0.0 if zero else (acc / got) ** (1.0 / pj)
            elif o == 3:
                s = np.inf
                for slot in range(nc):
                    if pres[slot]:
                        s = min(s, buf[slot])
            elif o == 4:
                s = -np.inf
                for slot in range(nc):
                    if pres[slot]:
                        s = max(s, buf[slot])
            else:
                # staged: the highest level k such that every present child reaches the
                # thresholds of k and of every lower level
                n_lev = lev_start[j + 1] - lev_start[j]
                reached = -1
                for lev in range(n_lev):
                    ok = True
                    base = thr_start[j] + lev * nc
                    for slot in range(nc):
                        if pres[slot] and buf[slot] < thr[base + slot] - 1e-12:
                            ok = False
                            break
                    if not ok:
                        break
                    reached = lev
                s = lev_values[lev_start[j] + max(reached, 0)]
            s = min(max(s, 0.0), 1.0)
            xs[j] = s
            out_s[i, j] = a + b * s


_EMPTY = np.zeros((1, 1), dtype=np.bool_)
_PACKED: dict[int, tuple[Any, ...]] = {}


def _pack(cm: CompiledModel) -> tuple[Any, ...]:
    """The model's per-node arrays for the kernel (computed once per compiled model)."""
    key = id(cm)
    got = _PACKED.get(key)
    if got is not None and got[0] is cm:
        return got[1:]
    k = len(cm.nodes)
    op = np.array([CODES[node.operator] for node in cm.nodes], dtype=np.int64)
    p = np.array([float(node.params.get("p", 1.0)) for node in cm.nodes])
    thr_parts: list[npt.NDArray[np.float64]] = []
    lev_parts: list[npt.NDArray[np.float64]] = []
    thr_start = np.zeros(k + 1, dtype=np.int64)
    lev_start = np.zeros(k + 1, dtype=np.int64)
    for j, node in enumerate(cm.nodes):
        if node.operator == "staged":
            t = np.asarray(node.params["thresholds"], dtype=float)
            if t.ndim == 1:
                t = t[:, None]
            t = np.broadcast_to(t, (t.shape[0], len(node.cols)))
            thr_parts.append(np.ascontiguousarray(t).ravel())
            lev_parts.append(np.asarray(node.params["values"], dtype=float))
        thr_start[j + 1] = thr_start[j] + (thr_parts[-1].size if node.operator == "staged" else 0)
        lev_start[j + 1] = lev_start[j] + (lev_parts[-1].size if node.operator == "staged" else 0)
    thr = np.concatenate(thr_parts) if thr_parts else np.zeros(1)
    lev = np.concatenate(lev_parts) if lev_parts else np.zeros(1)
    m = cm.m
    leaf = np.full(k, -1, dtype=np.int64)
    for j, node in enumerate(cm.nodes):
        cols = node.cols
        consecutive = bool((cols < m).all() and (np.diff(cols) == 1).all())
        if node.operator == "weighted_mean" and consecutive:
            leaf[j] = cols[0]
    packed = (
        cm.lo,
        cm.lo + cm.span,
        1.0 / cm.span,
        cm.node_start,
        cm.child_col,
        cm.child_w,
        op,
        p,
        cm.min_coverage,
        thr,
        thr_start,
        lev,
        lev_start,
        leaf,
    )
    if len(_PACKED) > 32:
        _PACKED.clear()
    _PACKED[key] = (cm, *packed)
    return packed


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
    (lo, hi, inv, start, col, w, op, p, minc, thr, thr_start, lev, lev_start, leaf) = _pack(cm)
    _kernel(
        values,
        _EMPTY if na is None else na,
        _EMPTY if dont_know is None else dont_know,
        _EMPTY if applicable is None else applicable,
        na is not None,
        dont_know is not None,
        applicable is not None,
        lo,
        hi,
        inv,
        start,
        col,
        w,
        op,
        p,
        minc,
        thr,
        thr_start,
        lev,
        lev_start,
        cm.dont_know_lowest,
        cm.missing_lowest,
        leaf,
        float(a),
        float(b),
        out_scores,
        out_coverage,
    )
