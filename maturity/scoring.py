"""Scoring: answers → scores of every node, by respondent or by company.

The model's tree is compiled once into arrays (:mod:`maturity.engine`); a kernel (numpy, or
numba when installed) then scores whole blocks of rows, so one respondent is a batch of one
and a million go through the same code.

Definitions (see ``docs/methodology.md``):

- an item's value is mapped linearly onto ``[0, 1]`` from its lowest to highest possible
  value (a value outside that range counts as the nearer bound), and node scores are reported
  on the model's range ``[low, high]``;
- "not applicable" (N/A, or a condition that is false) removes a child and its weight; a node
  all of whose children are not applicable is not applicable itself (coverage NaN);
- "don't know" counts as the lowest value or as missing (``dont_know`` policy);
- a missing answer is removed and the weights renormalised (``missing: renormalize``) or counts
  as the lowest value (``missing: lowest``);
- coverage = the weight of the answered children / the weight of the applicable children; a
  node whose coverage is below ``min_coverage`` gets no score ("too few answers"), and counts
  as missing above.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from maturity.engine import CompiledModel, compile_model

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.engine.companies import Companies
    from maturity.errors import Problem
    from maturity.model import ScoringModel
    from maturity.responses import AnswerMatrix, Profile, Responses
    from maturity.scores import Scores

__all__ = ["CompiledModel", "compile_model", "score", "score_arrays"]

CHUNK = 8192


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
    engine: str | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], tuple[str, ...]]:
    """Score a raw answer matrix (rows × items, item values, NaN = no answer).

    ``na``, ``dont_know`` and ``applicable`` (optional, rows × items booleans) mark N/A and
    "don't know" answers and items whose condition is true. Blocks of ``chunk`` rows are
    scored on ``workers`` threads (default: one per CPU) by the kernel ``engine`` (``"numpy"``,
    ``"numba"``, ``"auto"``; default ``$MATURITY_ENGINE`` or ``auto``, see
    :func:`maturity.engine.choose_engine`).

    Returns ``(scores, coverage, node_ids)``: scores on the model's range (NaN = no score) and
    coverage in ``[0, 1]`` (NaN = not applicable), rows × nodes, nodes children-first (the
    root last). Raises ``ValueError`` for a matrix of the wrong shape.
    """
    from maturity.engine import run

    ids = tuple(item_ids) if item_ids is not None else model.items
    cm = compile_model(model, ids)
    import numpy as np

    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(ids):
        raise ValueError(
            f"expected a matrix with {len(ids)} item columns, got shape {values.shape}"
        )
    for name, mask in (("na", na), ("dont_know", dont_know), ("applicable", applicable)):
        if mask is not None and np.shape(mask) != values.shape:
            raise ValueError(f"{name} has shape {np.shape(mask)}, expected {values.shape}")
    r0, r1 = model.range
    scores, coverage = run(
        cm,
        values,
        None if na is None else np.asarray(na, dtype=bool),
        None if dont_know is None else np.asarray(dont_know, dtype=bool),
        None if applicable is None else np.asarray(applicable, dtype=bool),
        a=r0,
        b=r1 - r0,
        engine=engine,
        chunk=chunk,
        workers=workers,
    )
    return scores, coverage, cm.node_ids


def score(
    responses: Responses,
    model: ScoringModel,
    *,
    by: Literal["respondent", "company"] = "respondent",
    combine: Literal["mean", "median"] | None = None,
    engine: str | None = None,
) -> Scores:
    """Score responses with a model.

    ``by="respondent"`` scores every respondent. ``by="company"`` first combines the answers of
    the respondents of each company (the ``company`` profile field; a respondent without one
    is a company of its own) by the ``mean`` or ``median`` of their answers (``combine``,
    default: the model's ``combine``), scores the companies, and keeps per node the spread
    (highest minus lowest score) between the company's respondents. The company's profile
    merges its respondents' (the latest date; conflicting fields are reported in
    :attr:`Scores.warnings`). Linear in the number of respondents. ``engine`` picks the kernel
    (see :func:`score_arrays`).
    """
    import numpy as np

    from maturity.scores import Scores

    if responses.questionnaire_id != model.questionnaire.id:
        raise ValueError(
            f"the responses answer '{responses.questionnaire_id}' but the model "
            f"scores '{model.questionnaire.id}'"
        )
    if by not in ("respondent", "company"):
        raise ValueError("by must be 'respondent' or 'company'")
    mat = responses.matrix()
    s, cov, nodes = score_arrays(
        model,
        mat.values,
        item_ids=mat.item_ids,
        na=mat.na,
        dont_know=mat.dont_know,
        applicable=mat.applicable,
        engine=engine,
    )
    profiles = responses.profiles  # made from the columns only when looked at
    if by == "respondent":
        return Scores(
            model,
            tuple(responses.ids),
            nodes,
            s,
            cov,
            profiles=profiles,
            answers=mat,
            n_respondents=np.ones(len(s), dtype=np.int64),
        )
    from maturity.engine import companies as co
    from maturity.responses import AnswerMatrix

    how = combine or model.combine
    comp = co.group(responses.company_ids)
    if comp.trivial and _consistent(mat):
        # every respondent is a company of its own: the combined answers are the answers
        cs, ccov = s, cov
        comb = AnswerMatrix(
            mat.item_ids, comp.names, mat.values, mat.na, mat.dont_know, mat.applicable
        )
    else:
        values, na, dk, app = co.combine_answers(mat, comp, how)
        # a company of one respondent whose combined row is that respondent's row keeps the
        # respondent's scores; only the others are scored again
        first = comp.order[comp.starts[:-1]]
        same = comp.counts == 1
        if same.any():
            r = first[same]
            same[same] = (na[same] == mat.na[r]).all(axis=1) & (dk[same] == mat.dont_know[r]).all(
                axis=1
            )
        cs = np.empty((len(comp.names), len(nodes)))
        ccov = np.empty_like(cs)
        cs[same], ccov[same] = s[first[same]], cov[first[same]]
        redo = ~same
        if redo.any():
            cs[redo], ccov[redo], _ = score_arrays(
                model,
                values[redo],
                item_ids=mat.item_ids,
                na=na[redo],
                dont_know=dk[redo],
                applicable=app[redo],
                engine=engine,
            )
        comb = AnswerMatrix(mat.item_ids, comp.names, values, na, dk, app)
    merged, problems = _merge_profiles(profiles, responses.ids, comp, responses.file)
    return Scores(
        model,
        comp.names,
        nodes,
        cs,
        ccov,
        profiles=merged,
        answers=comb,
        spread=co.spread(s, comp),
        n_respondents=comp.counts,
        warnings=problems,
    )


def _merge_profiles(
    profiles: Sequence[Profile], ids: Sequence[str], comp: Companies, file: str
) -> tuple[Sequence[Profile], tuple[Problem, ...]]:
    """One profile per company (:func:`maturity.engine.companies.merge_profiles`). Profiles
    kept as columns stay columns: a company of one respondent takes its respondent's row, and
    :class:`~maturity.responses.Profile` objects are made only for the respondents of
    companies with several.
    """
    import numpy as np

    from maturity.engine import companies as co
    from maturity.profile_columns import ProfileColumns, ProfileList

    if not isinstance(profiles, ProfileList):
        return co.merge_profiles(tuple(profiles), tuple(ids), comp, file=file)
    cols = profiles.columns
    first = comp.order[comp.starts[:-1]]
    out = cols if comp.trivial else cols.take(first)
    multi = np.flatnonzero(comp.counts > 1)
    if not multi.size:
        return ProfileList(out), ()
    # the respondents of those companies (each company's in order), as companies of their own
    counts = comp.counts[multi]
    offsets = np.zeros(multi.size + 1, dtype=np.intp)
    np.cumsum(counts, out=offsets[1:])
    within = np.arange(int(offsets[-1]), dtype=np.intp) - np.repeat(offsets[:-1], counts)
    rows = comp.order[np.repeat(comp.starts[multi], counts) + within]
    sub = co.Companies(
        tuple(comp.names[c] for c in multi.tolist()),
        np.repeat(np.arange(multi.size, dtype=np.intp), counts),
        np.arange(rows.size, dtype=np.intp),
        offsets,
        counts.astype(np.int64),
    )
    merged, problems = co.merge_profiles(
        cols.profiles(rows.tolist()), [ids[r] for r in rows.tolist()], sub, file=file
    )
    made = ProfileColumns.from_profiles(merged)
    fields = {}
    for name, arr in out.fields.items():
        arr = arr.copy()
        arr[multi] = made[name]
        fields[name] = arr
    return ProfileList(ProfileColumns(fields)), problems


def _consistent(mat: AnswerMatrix) -> bool:
    """No answer is both a value and N/A or "don't know", nor N/A and "don't know": then a
    company of one respondent combines to exactly that respondent's answers.
    """
    import numpy as np

    have = ~np.isnan(mat.values)
    return not bool((mat.dont_know & have).any() or (mat.na & (have | mat.dont_know)).any())
