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

CHUNK = 32_768


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
        ccols = np.array([node_col[c] if c in node_col else cols[c] for c in rule.children],
                         dtype=np.intp)
        params = dict(rule.params)
        if rule.operator == "staged":
            params = {"thresholds": np.asarray(params["thresholds"], dtype=float),
                      "values": np.asarray(params["values"], dtype=float)}
        compiled.append(CompiledNode(n, ccols, np.asarray(rule.weights, dtype=float),
                                     rule.operator, params, rule.min_coverage))
    r0, r1 = model.range
    mins = np.array([(lv.min - r0) / (r1 - r0) for lv in model.levels])
    return CompiledModel(tuple(item_ids), lo, span, node_ids, tuple(compiled), mins,
                         model.dont_know == "lowest", model.missing == "lowest")


def _run_chunk(
    cm: CompiledModel,
    values: npt.NDArray[np.float64],
    na: npt.NDArray[np.bool_] | None,
    dont_know: npt.NDArray[np.bool_] | None,
    applicable: npt.NDArray[np.bool_] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Scores and coverage (rows × nodes, normalised to [0, 1]) of one block of rows."""
    import numpy as np

    r, m = values.shape
    k = len(cm.nodes)
    # every column's normalised value (NaN: no value) and whether it is not applicable
    x = np.empty((r, m + k))
    off = np.zeros((r, m + k), dtype=bool)
    xi = x[:, :m]
    np.subtract(values, cm.lo, out=xi)
    xi /= cm.span
    np.clip(xi, 0.0, 1.0, out=xi)
    if na is not None:
        off[:, :m] |= na
    if applicable is not None:
        off[:, :m] |= ~applicable
    if dont_know is not None and cm.dont_know_lowest:
        xi[dont_know & ~off[:, :m]] = 0.0
    if cm.missing_lowest:  # "don't know" as missing follows the missing policy too
        xi[np.isnan(xi) & ~off[:, :m]] = 0.0
    coverage = np.empty((r, k))
    for j, node in enumerate(cm.nodes):
        xc = x[:, node.cols]
        oc = off[:, node.cols]
        present = ~np.isnan(xc) & ~oc
        total = (~oc) @ node.weights
        got = present @ node.weights
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = got / total
            w = np.where(present, node.weights, 0.0) / got[:, None]
        s = OPERATORS[node.operator].fn(np.where(present, xc, 0.0), w, **node.params)
        none = (got <= 0) | (cov < node.min_coverage - 1e-12)
        s = np.where(none, np.nan, s)
        x[:, m + j] = s
        off[:, m + j] = total <= 0
        coverage[:, j] = np.where(total > 0, cov, np.nan)
    return x[:, m:], coverage


def score_arrays(
    model: ScoringModel,
    values: npt.NDArray[np.float64],
    *,
    item_ids: Sequence[str] | None = None,
    na: npt.NDArray[np.bool_] | None = None,
    dont_know: npt.NDArray[np.bool_] | None = None,
    applicable: npt.NDArray[np.bool_] | None = None,
    chunk: int = CHUNK,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], tuple[str, ...]]:
    """Score a raw answer matrix (rows × items, item values, NaN = no answer).

    Returns ``(scores, coverage, node_ids)``: scores on the model's range (NaN = no score) and
    coverage in ``[0, 1]``, rows × nodes, nodes children-first (the root last).
    """
    import numpy as np

    ids = tuple(item_ids) if item_ids is not None else model.items
    cm = compile_model(model, ids)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(ids):
        raise ValueError(f"expected a matrix with {len(ids)} item columns, got shape "
                         f"{values.shape}")
    n = values.shape[0]
    k = len(cm.nodes)
    scores = np.empty((n, k))
    coverage = np.empty((n, k))
    for a in range(0, n, chunk):
        b = min(a + chunk, n)

        def part(arr: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.bool_] | None:
            return None if arr is None else arr[a:b]

        s, c = _run_chunk(cm, values[a:b], part(na), part(dont_know), part(applicable))
        scores[a:b] = s
        coverage[a:b] = c
    r0, r1 = model.range
    scores *= r1 - r0
    scores += r0
    return scores, coverage, cm.node_ids


def _combine(mat: AnswerMatrix, groups: npt.NDArray[np.intp], n_groups: int,
             how: Literal["mean", "median"]) -> dict[str, npt.NDArray[Any]]:
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
        rows = order[bounds[g]:bounds[g + 1]]
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
        raise ValueError(f"the responses answer '{responses.questionnaire_id}' but the model "
                         f"scores '{model.questionnaire.id}'")
    mat = responses.matrix()
    profiles = tuple(r.profile for r in responses)
    kw = {"item_ids": mat.item_ids, "na": mat.na, "dont_know": mat.dont_know,
          "applicable": mat.applicable}
    s, cov, nodes = score_arrays(model, mat.values, **kw)  # type: ignore[arg-type]
    if by == "respondent":
        return Scores(model, responses.ids, nodes, s, cov, profiles=profiles, answers=mat,
                      n_respondents=np.ones(len(responses), dtype=np.int64))
    if by != "company":
        raise ValueError("by must be 'respondent' or 'company'")
    how = combine or model.combine
    names: dict[str, int] = {}
    groups = np.empty(len(responses), dtype=np.intp)
    first: list[int] = []
    for i, r in enumerate(responses):
        key = r.profile.company or r.id
        if key not in names:
            names[key] = len(names)
            first.append(i)
        groups[i] = names[key]
    g = len(names)
    comb = _combine(mat, groups, g, how)
    cs, ccov, _ = score_arrays(model, comb["values"], item_ids=mat.item_ids, na=comb["na"],
                               dont_know=comb["dont_know"], applicable=comb["applicable"])
    spread = np.full_like(cs, np.nan)
    counts = np.bincount(groups, minlength=g)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k in range(g):
            rows = s[groups == k]
            spread[k] = np.nanmax(rows, axis=0) - np.nanmin(rows, axis=0)
    from maturity.responses import AnswerMatrix

    comb_mat = AnswerMatrix(mat.item_ids, tuple(names), comb["values"], comb["na"],
                            comb["dont_know"], comb["applicable"])
    return Scores(model, tuple(names), nodes, cs, ccov, profiles=tuple(profiles[i] for i in first),
                  answers=comb_mat, spread=spread, n_respondents=counts)
