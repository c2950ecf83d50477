"""The scoring engine: a model compiled once into arrays, run over blocks of rows.

Two interchangeable kernels compute the same numbers (the test suite checks them against each
other to 1e-12 for every operator and missing-answer policy):

- ``numpy`` (always available): node by node over whole blocks of rows;
- ``numba`` (``pip install "maturity[fast]"``): one fused pass per row, compiled on first use.

:func:`choose_engine` picks one: an explicit ``engine=`` argument first, then the environment
variable ``MATURITY_ENGINE`` (``numpy``, ``numba`` or ``auto``), else ``auto``: numba when it
is installed, every operator of the model has a numba kernel and the batch is large enough
(:data:`AUTO_MIN_ROWS` rows) to repay its start-up; numpy otherwise.

Both kernels return, per row and node, the score mapped by ``a + b·x`` from ``x ∈ [0, 1]``
(NaN where the node has no score) and the coverage (NaN where the node is not applicable).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.model import ScoringModel

__all__ = [
    "AUTO_MIN_ROWS",
    "ENGINES",
    "CompiledModel",
    "CompiledNode",
    "Engine",
    "choose_engine",
    "compile_model",
    "names",
    "numba_available",
    "register",
    "run",
]

#: ``auto`` uses numba from this many rows on (below, numpy is done before numba starts).
AUTO_MIN_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class CompiledNode:
    """One node as arrays: child columns, base weights, operator and parameters."""

    id: str
    cols: npt.NDArray[np.intp]
    weights: npt.NDArray[np.float64]
    operator: str
    params: dict[str, Any]
    min_coverage: float


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """A model compiled against the item order of an answer matrix.

    Columns ``0..m-1`` are items, ``m..m+K-1`` the nodes in :attr:`node_ids` order (children
    before parents). The children of node ``k`` are ``child_col[node_start[k]:node_start[k+1]]``
    with base weights ``child_w`` (the compressed-sparse-row form the numba kernel walks).
    """

    item_ids: tuple[str, ...]
    lo: npt.NDArray[np.float64]
    span: npt.NDArray[np.float64]
    node_ids: tuple[str, ...]
    nodes: tuple[CompiledNode, ...]
    dont_know_lowest: bool
    missing_lowest: bool
    node_start: npt.NDArray[np.int64]
    child_col: npt.NDArray[np.int64]
    child_w: npt.NDArray[np.float64]
    min_coverage: npt.NDArray[np.float64]
    batch: npt.NDArray[np.intp]  # the leaf nodes with a weighted mean (numpy kernel)
    batch_weights: npt.NDArray[np.float64]  # items × batch
    batch_sw: npt.NDArray[np.float64]  # weights / span
    batch_pw: npt.NDArray[np.float64]  # [weights · lo / span | weights]

    @property
    def m(self) -> int:
        """Number of item columns."""
        return len(self.item_ids)

    @property
    def operators(self) -> frozenset[str]:
        """The operators the model uses."""
        return frozenset(node.operator for node in self.nodes)


def compile_model(model: ScoringModel, item_ids: Sequence[str]) -> CompiledModel:
    """Compile ``model`` for answer matrices whose columns are ``item_ids``.

    Raises ``ValueError`` if a scored item of the model has no column.
    """
    import numpy as np

    q = model.questionnaire
    cols = {iid: j for j, iid in enumerate(item_ids)}
    missing = [i for i in model.items if i not in cols]
    if missing:
        raise ValueError(f"the answer matrix has no column for item(s) {', '.join(missing)}")
    lo = np.zeros(len(item_ids))
    span = np.ones(len(item_ids))
    for iid, j in cols.items():
        if iid in q:
            a, b = q.item(iid).value_range
            lo[j], span[j] = a, (b - a) if b > a else 1.0
    m = len(item_ids)
    node_ids = model.nodes
    node_col = {n: m + k for k, n in enumerate(node_ids)}
    compiled = []
    for n in node_ids:
        rule = model.rules[n]
        ccols = np.array(
            [node_col[c] if c in node_col else cols[c] for c in rule.children], dtype=np.intp
        )
        params = dict(rule.params)
        if rule.operator == "staged":
            params = {
                "thresholds": np.asarray(params["thresholds"], dtype=float),
                "values": np.asarray(params["values"], dtype=float),
            }
        compiled.append(
            CompiledNode(
                n,
                ccols,
                np.asarray(rule.weights, dtype=float),
                rule.operator,
                params,
                rule.min_coverage,
            )
        )
    batch = [
        j
        for j, node in enumerate(compiled)
        if node.operator == "weighted_mean" and bool((node.cols < m).all())
    ]
    bw = np.zeros((m, len(batch)))
    for b, j in enumerate(batch):
        bw[compiled[j].cols, b] = compiled[j].weights
    sizes = [len(node.cols) for node in compiled]
    start = np.zeros(len(compiled) + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    return CompiledModel(
        tuple(item_ids),
        lo,
        span,
        node_ids,
        tuple(compiled),
        model.dont_know == "lowest",
        model.missing == "lowest",
        start,
        np.concatenate([node.cols for node in compiled]).astype(np.int64),
        np.concatenate([node.weights for node in compiled]),
        np.array([node.min_coverage for node in compiled], dtype=float),
        np.array(batch, dtype=np.intp),
        bw,
        bw / span[:, None],
        np.hstack([bw * (lo / span)[:, None], bw]),
    )


#: A kernel: (compiled model, values, na, dont_know, applicable, a, b, out scores, out
#: coverage) → None; fills the two rows × nodes outputs for the block of rows given.
Kernel = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Engine:
    """A registered kernel: its name, whether it can run a model, and how to load it."""

    name: str
    supports: Callable[[CompiledModel], bool]
    load: Callable[[], Kernel]


#: The registry of kernels, name → :class:`Engine`.
ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> None:
    """Register a kernel (its name must be new)."""
    if engine.name in ENGINES:
        raise ValueError(f"engine '{engine.name}' is already registered")
    ENGINES[engine.name] = engine


def names() -> tuple[str, ...]:
    """The names of the registered kernels."""
    return tuple(ENGINES)


def _numpy_kernel() -> Kernel:
    from maturity.engine.numpy_kernel import run_block

    return run_block


def _numba_kernel() -> Kernel:
    from maturity.engine.numba_kernel import run_block

    return run_block


def _numba_supports(cm: CompiledModel) -> bool:
    from maturity.engine.numba_kernel import SUPPORTED

    return cm.operators <= SUPPORTED


register(Engine("numpy", lambda cm: True, _numpy_kernel))
register(Engine("numba", _numba_supports, _numba_kernel))


def numba_available() -> bool:
    """Whether numba is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def choose_engine(cm: CompiledModel, rows: int, engine: str | None = None) -> str:
    """The kernel to use: ``engine`` if given, else ``$MATURITY_ENGINE``, else ``auto``.

    ``auto`` picks numba for :data:`AUTO_MIN_ROWS` rows or more when it is installed and
    supports every operator of the model, numpy otherwise. Asking for numba explicitly when it
    is not installed, or for a model with an operator it has no kernel for, raises
    ``ValueError`` (``ImportError`` for a missing install) naming what to do.
    """
    name = engine or os.environ.get("MATURITY_ENGINE", "").strip().lower() or "auto"
    if name == "auto":
        if rows >= AUTO_MIN_ROWS and numba_available() and ENGINES["numba"].supports(cm):
            return "numba"
        return "numpy"
    if name not in ENGINES:
        raise ValueError(f"unknown engine '{name}' (engines: auto, {', '.join(names())})")
    if name == "numba" and not numba_available():
        raise ImportError('the numba engine needs numba: pip install "maturity[fast]"')
    if not ENGINES[name].supports(cm):
        raise ValueError(
            f"the {name} engine has no kernel for operator(s) "
            f"{', '.join(sorted(cm.operators))} of this model; use engine='numpy'"
        )
    return name


def run(
    cm: CompiledModel,
    values: npt.NDArray[np.float64],
    na: npt.NDArray[np.bool_] | None = None,
    dont_know: npt.NDArray[np.bool_] | None = None,
    applicable: npt.NDArray[np.bool_] | None = None,
    *,
    a: float = 0.0,
    b: float = 1.0,
    engine: str | None = None,
    chunk: int = 8192,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Scores ``a + b·x`` and coverage of every node, rows × nodes (children first).

    ``values`` is rows × items (item values, NaN = no value); the masks, when given, have the
    same shape. Blocks of ``chunk`` rows run on ``workers`` threads (default: one per CPU);
    both kernels release the GIL.
    """
    import numpy as np

    n = values.shape[0]
    k = len(cm.nodes)
    name = choose_engine(cm, n, engine)
    kernel = ENGINES[name].load()
    scores = np.empty((n, k))
    coverage = np.empty((n, k))
    workers = workers if workers is not None else (os.cpu_count() or 1)

    def part(arr: npt.NDArray[np.bool_] | None, lo: int, hi: int) -> Any:
        return None if arr is None else arr[lo:hi]

    def block(lo: int) -> None:
        hi = min(lo + chunk, n)
        kernel(
            cm,
            values[lo:hi],
            part(na, lo, hi),
            part(dont_know, lo, hi),
            part(applicable, lo, hi),
            a,
            b,
            scores[lo:hi],
            coverage[lo:hi],
        )

    starts = range(0, n, chunk)
    if len(starts) > 1 and workers > 1:
        from threadpoolctl import threadpool_limits

        from maturity.threads import each

        # BLAS's own threads would only fight ours over small products
        with threadpool_limits(limits=1, user_api="blas"):
            each(block, starts, workers=workers, name="maturity-score")
    else:
        for lo in starts:
            block(lo)
    return scores, coverage
