"""From diagnosis to plan: :func:`plan` (one company) and :func:`plan_all` (many).

The steps, for each company (``docs/methodology-plan.md`` gives the definitions):

1. **Gaps.** The company's gap per node to the target, and each node's priority weight, exactly
   as :func:`maturity.gaps` computes them (gap × weight × importance).
2. **Candidates.** Actions that apply to the company's profile, whose prerequisites can be
   taken, that fit the budget and the horizon on their own (with what they require), and that
   change an answer under a node with a gap (or are required by one that does).
3. **Values by re-scoring.** For each node of the objective, every subset of the candidate
   actions that touch it is applied to the company's answers (:mod:`maturity.planning.effects`)
   and scored by the engine; the value of the subset is the gap it closes. Subsets are
   scored in one batch per group of companies.
4. **Exact choice.** The mixed-integer program of :mod:`maturity.planning.optimise` (HiGHS via
   ``scipy.optimize.milp``) picks the plan.
5. **Explanation and projection.** Waves follow from prerequisites and order; each chosen
   action is credited with its Shapley share of the closure; each action left out gets its
   reason; the answers after each wave are re-scored, and ranked among the same peers with
   :func:`maturity.benchmark`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import MaturityError
from maturity.planning.company import MAX_SUBSETS, Work
from maturity.planning.effects import Setting, score_rows
from maturity.planning.explain import explain, finish
from maturity.planning.result import Plan, Plans

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.action_catalogue import ActionCatalogue
    from maturity.responses import Responses
    from maturity.scores import Scores

__all__ = ["MAX_SUBSETS", "WEEKS_PER_MONTH", "PlanError", "plan", "plan_all"]
#: Weeks in a month (365.25 / 12 / 7), for the horizon.
WEEKS_PER_MONTH = 365.25 / 12 / 7
_COSTS = ("low", "mid", "high")
_QUANTILES = ("p50", "p75", "p90", "median")


class PlanError(MaturityError, ValueError):
    """Invalid input to :func:`maturity.plan`."""


def _sub_scores(scores: Scores, rows: Sequence[int]) -> Scores:
    """The rows ``rows`` of ``scores`` as a Scores of their own."""
    import numpy as np

    from maturity.responses import AnswerMatrix

    idx = np.asarray(rows, dtype=np.intp)
    a = scores.answers
    answers = (
        AnswerMatrix(
            a.item_ids,
            tuple(a.respondent_ids[i] for i in idx) if a.respondent_ids else (),
            a.values[idx],
            a.na[idx],
            a.dont_know[idx],
            a.applicable[idx],
        )
        if a is not None
        else None
    )
    return replace(
        scores,
        ids=tuple(scores.ids[i] for i in idx),
        score=scores.score[idx],
        coverage=scores.coverage[idx],
        profiles=tuple(scores.profiles[i] for i in idx) if scores.profiles else (),
        answers=answers,
        spread=scores.spread[idx] if scores.spread is not None else None,
        n_respondents=scores.n_respondents[idx] if scores.n_respondents is not None else None,
    )


@dataclass
class _Job:
    """What every company of a call shares."""

    scores: Scores
    responses: Responses
    catalogue: ActionCatalogue
    setting: Setting
    budget: float
    horizon_months: float
    horizon_weeks: float
    cost_basis: str
    by_company: bool
    combine: str
    gaps: Any
    weights: dict[str, float]
    level_min: dict[str, float]
    bench: Any
    peers: Any
    bench_args: dict[str, Any]

    @property
    def model(self) -> Any:
        """The scoring model."""
        return self.setting.model

    @cached_property
    def node_col(self) -> dict[str, int]:
        """Column of each node in the engine's output (the model's node order)."""
        return {n: j for j, n in enumerate(self.setting.model.nodes)}


def _check(
    scores: Scores,
    answers: Responses,
    catalogue: ActionCatalogue,
    budget: float,
    horizon_months: float,
    cost: str,
) -> None:
    model = scores.model
    qid = model.questionnaire.id
    if catalogue.questionnaire.id != qid:
        raise PlanError(
            f"the catalogue '{catalogue.id}' is for questionnaire "
            f"'{catalogue.questionnaire.id}', the model '{model.id}' for '{qid}'"
        )
    if answers.questionnaire_id != qid:
        raise PlanError(
            f"the answers are to '{answers.questionnaire_id}', the model scores '{qid}'"
        )
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not budget >= 0:
        raise PlanError(f"budget must be a number of euro >= 0, not {budget!r}")
    if not math.isfinite(budget):
        raise PlanError("budget must be finite")
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int | float)
        or not 0 < horizon_months < 1200
    ):
        raise PlanError(f"horizon_months must be a number of months > 0, not {horizon_months!r}")
    if cost not in _COSTS:
        raise PlanError(f"cost must be one of {', '.join(_COSTS)}, not {cost!r}")
    if scores.answers is None:
        raise PlanError("the scores carry no answers; score the answers with maturity.score")
    levels = {lv.code for lv in model.levels}
    for a in catalogue:
        for node, level in a.requires_level:
            if level not in levels:
                raise PlanError(
                    f"action '{a.id}' needs level '{level}' of '{node}', but model "
                    f"'{model.id}' has no such level (levels: {', '.join(sorted(levels))})"
                )
            if node not in model.rules:
                raise PlanError(
                    f"action '{a.id}' needs a level of '{node}', which model '{model.id}' "
                    "does not score"
                )


def plan(
    scores: Scores,
    answers: Responses,
    catalogue: ActionCatalogue,
    *,
    company: str,
    budget: float,
    horizon_months: float,
    target: object = "next_level",
    nodes: Sequence[str] | None = None,
    peers: Any = None,
    by: Sequence[str] | None = None,
    widen: Sequence[str] | None = None,
    min_group: int = 5,
    cost: Literal["low", "mid", "high"] = "mid",
) -> Plan:
    """The optimal, explained action plan of one company.

    Args:
        scores: the assessment, scored by :func:`maturity.score` (by respondent or by company).
        answers: the answers the scores were made from (they are changed by the actions and
            re-scored).
        catalogue: the actions to choose from (:func:`maturity.load_actions`), for the same
            questionnaire.
        company: the row of ``scores`` to plan for.
        budget: the most the company spends, in euro, net of public funding.
        horizon_months: the plan must end within this many months.
        target: the target of the gaps, as in :func:`maturity.gaps`: ``"next_level"``,
            ``"p50"``/``"p75"``/``"p90"`` (needs ``peers``: the quantile of the company's own
            peer group), a number, or a mapping node → score.
        nodes: the nodes whose gaps count (default: the top-level dimensions).
        peers: a peer population (a :class:`~maturity.scores.Scores`) to rank today's and the
            projected scores among, with :func:`maturity.benchmark` and ``by``, ``widen`` and
            ``min_group``.
        by: see :func:`maturity.benchmark`.
        widen: see :func:`maturity.benchmark`.
        min_group: see :func:`maturity.benchmark`.
        cost: plan with the ``"low"`` end, the middle (``"mid"``) or the ``"high"`` end of each
            action's cost range.

    Returns:
        A :class:`~maturity.planning.Plan`.

    Raises:
        PlanError: inconsistent inputs (another questionnaire, an unknown company, a level the
            model does not have, scores not made from these answers).

    """
    return plan_all(
        scores,
        answers,
        catalogue,
        companies=[company],
        budget=budget,
        horizon_months=horizon_months,
        target=target,
        nodes=nodes,
        peers=peers,
        by=by,
        widen=widen,
        min_group=min_group,
        cost=cost,
    )[company]


def plan_all(
    scores: Scores,
    answers: Responses,
    catalogue: ActionCatalogue,
    *,
    budget: float,
    horizon_months: float,
    companies: Sequence[str] | None = None,
    target: object = "next_level",
    nodes: Sequence[str] | None = None,
    peers: Any = None,
    by: Sequence[str] | None = None,
    widen: Sequence[str] | None = None,
    min_group: int = 5,
    cost: Literal["low", "mid", "high"] = "mid",
    batch: int = 50,
) -> Plans:
    """The plans of many companies (every row of ``scores``, or ``companies``), each with the
    same budget and horizon; see :func:`plan` for the arguments. The re-scoring of all the
    companies' candidate subsets runs in batches of ``batch`` companies.
    """
    from maturity.benchmarking import DEFAULT_BY, benchmark
    from maturity.gap_analysis import gaps, global_weights

    _check(scores, answers, catalogue, budget, horizon_months, cost)
    model = scores.model
    mat = answers.matrix()
    setting = Setting.of(model, mat.item_ids)
    by_company = scores.spread is not None
    keys = answers.company_ids if by_company else answers.ids
    members: dict[str, list[int]] = {}
    for r, key in enumerate(keys):
        members.setdefault(key, []).append(r)
    wanted = list(dict.fromkeys(companies)) if companies is not None else list(scores.ids)
    row_of = {c: i for i, c in enumerate(scores.ids)}
    for c in wanted:
        if c not in row_of:
            shown = ", ".join(scores.ids[:10]) + (", ..." if len(scores.ids) > 10 else "")
            raise PlanError(f"no company '{c}' in the scores (companies: {shown})")
        if c not in members:
            raise PlanError(f"no answers of '{c}' among the answers given")
    sub = _sub_scores(scores, [row_of[c] for c in wanted])
    by_t = tuple(by) if by is not None else DEFAULT_BY
    bench_args: dict[str, Any] = {"by": by_t, "widen": widen, "min_group": min_group}
    bench = benchmark(sub, peers, **bench_args) if peers is not None else None
    quantile = isinstance(target, str) and target in _QUANTILES
    if quantile and bench is None:
        raise PlanError(f"target '{target}' needs peers")
    g = gaps(sub, target, peers=bench if quantile else None, nodes=nodes)
    gw = global_weights(model)
    weights = {n: gw[n] * (model.rules[n].importance if n in model.rules else 1.0) for n in g.nodes}
    job = _Job(
        scores=sub,
        responses=answers,
        catalogue=catalogue,
        setting=setting,
        budget=float(budget),
        horizon_months=float(horizon_months),
        horizon_weeks=float(horizon_months) * WEEKS_PER_MONTH,
        cost_basis=cost,
        by_company=by_company,
        combine=model.combine,
        gaps=g,
        weights=weights,
        level_min={lv.code: lv.min for lv in model.levels},
        bench=bench,
        peers=peers,
        bench_args=bench_args,
    )
    out: dict[str, Plan] = {}
    batch = max(1, int(batch))
    for start in range(0, len(wanted), batch):
        works = [
            Work(job, c, i, members[c])
            for i, c in enumerate(wanted[start : start + batch], start=start)
        ]
        for w in works:
            w.prepare()
        _score_configs(job, works)
        while not all([w.verify() for w in works]):  # every work checks itself
            _score_configs(job, works)
        for w in works:
            w.build()
            explain(w)
        _score_configs(job, works)  # the waves' projections are configurations too
        wave_scores = [w.config_scores[w.wave_configs] for w in works]
        percentiles = _percentiles(job, works, wave_scores)
        for w, ws, pc in zip(works, wave_scores, percentiles, strict=True):
            out[w.company] = finish(w, ws, pc)
    return Plans(out)


def _score_configs(job: _Job, works: Sequence[Work]) -> None:
    """Score the configurations of every work that are not scored yet, in one batch."""
    import numpy as np

    todo: list[tuple[Work, int]] = []
    for w in works:
        have = 0 if w.config_scores is None else len(w.config_scores)
        todo += [(w, k) for k in range(have, len(w.configs))]
    if not todo:
        return
    parts = [w.rows[k] for w, k in todo]
    n_rows = [p[0].shape[0] for p in parts]
    rows = tuple(np.concatenate([p[t] for p in parts]) for t in range(4))
    groups = np.repeat(np.arange(len(parts), dtype=np.intp), n_rows)
    s = score_rows(
        job.setting,
        rows,  # type: ignore[arg-type]
        groups if job.by_company else None,
        len(parts),
        job.combine,
    )
    at = 0
    for w in works:
        have = 0 if w.config_scores is None else len(w.config_scores)
        new = len(w.configs) - have
        block = s[at : at + new]
        w.config_scores = block if w.config_scores is None else np.vstack([w.config_scores, block])
        at += new


def _percentiles(
    job: _Job, works: Sequence[Work], wave_scores: Sequence[npt.NDArray[np.float64]]
) -> list[list[dict[str, float]] | None]:
    """Per work and wave, the percentile rank of the projected scores among the same peers."""
    import numpy as np

    from maturity.benchmarking import benchmark
    from maturity.scores import Scores

    if job.peers is None:
        return [None] * len(works)
    ids: list[str] = []
    profiles: list[Any] = []
    rows: list[npt.NDArray[np.float64]] = []
    for w, ws in zip(works, wave_scores, strict=True):
        for k in range(len(ws)):
            ids.append(w.company)
            profiles.append(w.profile)
            rows.append(ws[k])
    if not rows:
        return [[] for _ in works]
    nodes = job.model.nodes
    projected = Scores(
        job.model,
        tuple(ids),
        nodes,
        np.vstack(rows),
        np.full((len(rows), len(nodes)), np.nan),
        profiles=tuple(profiles),
    )
    b = benchmark(projected, job.peers, **job.bench_args)
    out: list[list[dict[str, float]] | None] = []
    at = 0
    for ws in wave_scores:
        per = []
        for _ in range(len(ws)):
            per.append(
                {
                    n: float(b.percentile[at, j])
                    for j, n in enumerate(b.nodes)
                    if math.isfinite(float(b.percentile[at, j]))
                }
            )
            at += 1
        out.append(per)
    return out
