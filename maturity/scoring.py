"""The scoring engine: one compiled, vectorised pass over respondents × items.

The model's tree is compiled once into index arrays (:class:`CompiledModel`); scoring then runs
node by node, children before parents, over whole blocks of rows with numpy, so one respondent
is a batch of one and a million go through the same code. Rows are processed in chunks to keep
the working memory small next to the answer matrix.

Definitions (see ``docs/methodology.md``):

- an item's value is mapped linearly onto ``[0, 1]`` from its lowest to highest possible
  value, and node scores are reported on the model's range ``[low, high]``;
- "not applicable" (N/A, or a condition that is false) removes a child and its weight;
- "don't know" counts as the lowest value or as missing (``dont_know`` policy);
- a missing answer is removed and the weights renormalised (``missing: renormalize``) or counts
  as the lowest value (``missing: lowest``);
- coverage = the weight of the answered children / the weight of the applicable children; a
  node whose coverage is below ``min_coverage`` gets no score, and counts as missing above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from maturity.operators import OPERATORS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.model import ScoringModel
    from maturity.responses import AnswerMatrix, Responses
    from maturity.scores import Scores

__all__ = ["CompiledModel", "compile_model", "score", "score_arrays"]

CHUNK = 8192


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
    before parents).
    """

    item_ids: tuple[str, ...]
    lo: npt.NDArray[np.float64]
    span: npt.NDArray[np.float64]
    node_ids: tuple[str, ...]
    nodes: tuple[CompiledNode, ...]
    level_mins: npt.NDArray[np.float64]
    dont_know_lowest: bool
    missing_lowest: bool
    batch: npt.NDArray[np.intp]
    batch_weights: npt.NDArray[np.float64]
    batch_sw: npt.NDArray[np.float64]  # weights / span
    batch_pw: npt.NDArray[np.float64]  # [weights · lo / span | weights]

    @property
    def m(self) -> int:
        """Number of item columns."""
        return len(self.item_ids)


def compile_model(model: ScoringModel, item_ids: Sequence[str]) -> CompiledModel:
    """Compile ``model`` for answer matrices whose columns are ``item_ids``."""
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
    r0, r1 = model.range
    mins = np.array([(lv.min - r0) / (r1 - r0) for lv in model.levels])
    batch = [
        j
        for j, node in enumerate(compiled)
        if node.operator == "weighted_mean" and bool((node.cols < m).all())
    ]
    bw = np.zeros((m, len(batch)))
    for b, j in enumerate(batch):
        bw[compiled[j].cols, b] = compiled[j].weights
    return CompiledModel(
        tuple(item_ids),
        lo,
        span,
        node_ids,
        tuple(compiled),
        mins,
        model.dont_know == "lowest",
        model.missing == "lowest",
        np.array(batch, dtype=np.intp),
        bw,
        bw / span[:, None],
        np.hstack([bw * (lo / span)[:, None], bw]),
    )


def _run_chunk(
    cm: CompiledModel,
    values: npt.NDArray[np.float64],
    na: npt.NDArray[np.bool_] | None,
    dont_know: npt.NDArray[np.bool_] | None,
    applicable: npt.NDArray[np.bool_] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Node scores on [0, 1], whether each has a score, and coverage: nodes × rows.

    Items: ``present`` says an item has a value that counts; ``off`` that it is not
    applicable. The leaf nodes with a weighted mean (usually most of the work) are computed
    for all rows at once by one matrix product on the raw values, with the linear mapping
    onto [0, 1] folded into the weights; every other node goes through its operator.
    """
    import numpy as np

    r, m = values.shape
    k = len(cm.nodes)
    present = np.isnan(values)
    np.logical_not(present, out=present)
    any_off = na is not None or applicable is not None
    off = np.zeros((r, m), dtype=bool)
    if na is not None:
        off |= na
    if applicable is not None:
        off |= ~applicable
    raw = values
    lowest = (
        np.zeros((r, m), dtype=bool)
        if (cm.missing_lowest or (dont_know is not None and cm.dont_know_lowest))
        else None
    )
    if lowest is not None:
        if dont_know is not None and cm.dont_know_lowest:
            lowest |= dont_know & ~off
        if cm.missing_lowest:  # "don't know" as missing follows the missing policy too
            lowest |= ~present & ~off
        raw = np.where(lowest, cm.lo, values)
        present |= lowest
    if any_off:
        present &= ~off
    v0 = np.where(present, raw, 0.0)
    pf = present.astype(np.float64)

    # node arrays are kept nodes × rows, so that writing one node is a contiguous row
    xn = np.zeros((k, r))  # node scores on [0, 1], 0 where none
    pn = np.zeros((k, r), dtype=bool)
    on = np.zeros((k, r), dtype=bool)
    coverage = np.empty((k, r))
    mins = np.array([node.min_coverage for node in cm.nodes])

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
        L = w.shape[1]
        num = v0 @ cm.batch_sw - both[:, :L]
        got = both[:, L:]
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
                xc[:, t] = np.clip(
                    np.where(present[:, col], (raw[:, col] - cm.lo[col]) / cm.span[col], 0.0),
                    0.0,
                    1.0,
                )
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


def score_arrays(
    model: ScoringModel,
    values: npt.NDArray[np.float64],
    *,
    item_ids: Sequence[str] | None = None,
    na: npt.NDArray[np.bool_] | None = None,
    dont_know: npt.NDArray[np.bool_] | None = None,
    applicable: npt.NDArray[np.bool_] | None = None,
    chunk: int = CHUNK,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], tuple[str, ...]]:
    """Score a raw answer matrix (rows × items, item values, NaN = no answer).

    Blocks of ``chunk`` rows are scored on ``workers`` threads (default: one per CPU).

    Returns ``(scores, coverage, node_ids)``: scores on the model's range (NaN = no score) and
    coverage in ``[0, 1]``, rows × nodes, nodes children-first (the root last).
    """
    import os

    import numpy as np

    ids = tuple(item_ids) if item_ids is not None else model.items
    cm = compile_model(model, ids)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(ids):
        raise ValueError(
            f"expected a matrix with {len(ids)} item columns, got shape {values.shape}"
        )
    n = values.shape[0]
    k = len(cm.nodes)
    # filled node by node: nodes × rows keeps every write contiguous; the transposed views
    # returned are rows × nodes
    scores = np.empty((k, n))
    coverage = np.empty((k, n))
    r0, r1 = model.range

    def run(a: int) -> None:
        b = min(a + chunk, n)

        def part(arr: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.bool_] | None:
            return None if arr is None else arr[a:b]

        xn, pn, cov = _run_chunk(cm, values[a:b], part(na), part(dont_know), part(applicable))
        np.copyto(scores[:, a:b], np.where(pn, r0 + xn * (r1 - r0), np.nan))
        coverage[:, a:b] = cov

    starts = range(0, n, chunk)
    if len(starts) > 1 and workers > 1:
        # numpy releases the GIL in its loops: chunks on several threads use every core;
        # each chunk writes its own columns of the outputs
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        # the products are small: BLAS's own threads would only fight ours
        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(max_workers=workers) as pool,
        ):
            list(pool.map(run, starts))
    else:
        for a in starts:
            run(a)
    scores, coverage = scores.T, coverage.T
    return scores, coverage, cm.node_ids


def _combine(
    mat: AnswerMatrix, groups: npt.NDArray[np.intp], n_groups: int, how: Literal["mean", "median"]
) -> dict[str, npt.NDArray[Any]]:
    """Answers of several respondents per company combined into one row per company."""
    import numpy as np

    m = mat.values.shape[1]
    values = np.full((n_groups, m), np.nan)
    na = np.zeros((n_groups, m), dtype=bool)
    dk = np.zeros((n_groups, m), dtype=bool)
    app = np.zeros((n_groups, m), dtype=bool)
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(n_groups + 1))
    for g in range(n_groups):
        rows = order[bounds[g] : bounds[g + 1]]
        v = mat.values[rows]
        have = ~np.isnan(v)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                agg = np.nanmean(v, axis=0) if how == "mean" else np.nanmedian(v, axis=0)
        values[g] = np.where(have.any(axis=0), agg, np.nan)
        dk[g] = ~have.any(axis=0) & mat.dont_know[rows].any(axis=0)
        na[g] = ~have.any(axis=0) & ~dk[g] & mat.na[rows].any(axis=0)
        app[g] = mat.applicable[rows].any(axis=0)
    return {"values": values, "na": na, "dont_know": dk, "applicable": app}


def score(
    responses: Responses,
    model: ScoringModel,
    *,
    by: Literal["respondent", "company"] = "respondent",
    combine: Literal["mean", "median"] | None = None,
) -> Scores:
    """Score responses with a model.

    ``by="respondent"`` scores every respondent. ``by="company"`` first combines the answers of
    the respondents of each company (the ``company`` profile field; a respondent without one
    is a company of its own) by the ``mean`` or ``median`` of their answers (``combine``,
    default: the model's ``combine``), scores the companies, and keeps per node the spread
    (highest minus lowest score) between the company's respondents.
    """
    import numpy as np

    from maturity.scores import Scores

    if responses.questionnaire_id != model.questionnaire.id:
        raise ValueError(
            f"the responses answer '{responses.questionnaire_id}' but the model "
            f"scores '{model.questionnaire.id}'"
        )
    mat = responses.matrix()
    profiles = tuple(r.profile for r in responses)
    kw = {
        "item_ids": mat.item_ids,
        "na": mat.na,
        "dont_know": mat.dont_know,
        "applicable": mat.applicable,
    }
    s, cov, nodes = score_arrays(model, mat.values, **kw)  # type: ignore[arg-type]
    if by == "respondent":
        return Scores(
            model,
            responses.ids,
            nodes,
            s,
            cov,
            profiles=profiles,
            answers=mat,
            n_respondents=np.ones(len(responses), dtype=np.int64),
        )
    if by != "company":
        raise ValueError("by must be 'respondent' or 'company'")
    how = combine or model.combine
    names: dict[str, int] = {}
    groups = np.empty(len(responses), dtype=np.intp)
    first: list[int] = []
    for i, r in enumerate(responses):
        key = r.company_id
        if key not in names:
            names[key] = len(names)
            first.append(i)
        groups[i] = names[key]
    g = len(names)
    comb = _combine(mat, groups, g, how)
    cs, ccov, _ = score_arrays(
        model,
        comb["values"],
        item_ids=mat.item_ids,
        na=comb["na"],
        dont_know=comb["dont_know"],
        applicable=comb["applicable"],
    )
    spread = np.full_like(cs, np.nan)
    counts = np.bincount(groups, minlength=g)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k in range(g):
            rows = s[groups == k]
            spread[k] = np.nanmax(rows, axis=0) - np.nanmin(rows, axis=0)
    from maturity.responses import AnswerMatrix

    comb_mat = AnswerMatrix(
        mat.item_ids,
        tuple(names),
        comb["values"],
        comb["na"],
        comb["dont_know"],
        comb["applicable"],
    )
    return Scores(
        model,
        tuple(names),
        nodes,
        cs,
        ccov,
        profiles=tuple(profiles[i] for i in first),
        answers=comb_mat,
        spread=spread,
        n_respondents=counts,
    )
