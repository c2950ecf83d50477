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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import MaturityError
from maturity.numbers import SCORE_TOLERANCE, at_least
from maturity.planning.effects import Setting, raise_answer, score_rows, stack_rows
from maturity.planning.optimise import (
    Block,
    Knapsack,
    LevelNeed,
    PlanningError,
    net_cost,
    objective,
    schedule,
    solve,
)
from maturity.planning.result import LeftOut, Plan, PlannedAction, Plans, Wave

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.action_catalogue import Action, ActionCatalogue, Effect
    from maturity.responses import Answer, Responses
    from maturity.scores import Scores

__all__ = ["K_MAX", "WEEKS_PER_MONTH", "PlanError", "plan", "plan_all"]

#: A node touched by more candidate actions than this is valued from single-action effects
#: (2**K_MAX subsets is the most that is enumerated for one node).
K_MAX = 12
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
        return self.setting.model


@dataclass
class _Work:
    """One company's planning, step by step."""

    job: _Job
    company: str
    row: int  # in job.scores (the sub-scores of the companies planned)
    members: list[int]  # respondent indices in job.responses
    configs: list[frozenset[str]] = field(default_factory=list)
    config_index: dict[frozenset[str], int] = field(default_factory=dict)
    rows: list[tuple[Any, Any, Any, Any]] = field(default_factory=list)
    config_scores: Any = None
    left: dict[str, LeftOut] = field(default_factory=dict)

    # -- step 2: candidates ----------------------------------------------------------------
    def prepare(self) -> None:
        import numpy as np

        job = self.job
        cat = job.catalogue
        model = job.model
        q = model.questionnaire
        scores = job.scores
        i = self.row
        prof = scores.profiles[i] if scores.profiles else None
        self.pdict: dict[str, object] = prof.for_conditions() if prof is not None else {}
        self.profile = prof
        resp = [job.responses.respondents[r] for r in self.members]
        self.answers = [r.answers for r in resp]
        self.rprofiles = [r.profile.for_conditions() for r in resp]
        mat = job.responses.matrix()
        idx = np.asarray(self.members, dtype=np.intp)
        self.base = (mat.values[idx], mat.na[idx], mat.dont_know[idx], mat.applicable[idx])
        node_col = {n: j for j, n in enumerate(scores.nodes)}
        self.today = {n: float(scores.score[i, node_col[n]]) for n in scores.nodes}
        g = job.gaps
        self.nodes = tuple(g.nodes)
        self.target = {n: float(g.target[i, j]) for j, n in enumerate(g.nodes)}
        self.gap = {n: float(g.gap[i, j]) for j, n in enumerate(g.nodes)}

        # applicability and what each action changes for this company
        self.changes: dict[str, dict[str, str]] = {}
        self.touch: dict[str, set[str]] = {}
        applies: dict[str, bool | None] = {}
        for a in cat:
            applies[a.id] = a.applies_to(self.pdict)
            changed: dict[str, str] = {}
            cols: set[int] = set()
            for e in a.improves:
                item = q.item(e.item)
                for ans in self.answers:
                    new = raise_answer(item, ans.get(e.item), [e])
                    if new is not None:
                        changed[e.item] = e.target_text
                        cols.update(job.setting.touched_columns(e.item))
            self.changes[a.id] = changed
            self.touch[a.id] = job.setting.nodes_of(cols)

        # usable: applicable, prerequisites usable, fits budget and horizon with them
        by_id = {a.id: a for a in cat}
        self.by_id = by_id
        closure: dict[str, list[str]] = {}

        def close(aid: str) -> list[str]:
            if aid not in closure:
                seen: dict[str, None] = {aid: None}
                for r in by_id[aid].requires:
                    for x in close(r):
                        seen.setdefault(x, None)
                closure[aid] = list(seen)
            return closure[aid]

        self.closure = close
        finish: dict[str, float] = {}

        def earliest(aid: str) -> float:
            if aid not in finish:
                a = by_id[aid]
                finish[aid] = a.duration_weeks + max(
                    (earliest(r) for r in a.requires), default=0.0
                )
            return finish[aid]

        self.cost = {a.id: self.planned_cost(a) for a in cat}
        self.fund = {a.id: self.funding_of(a, self.cost[a.id]) for a in cat}
        usable: dict[str, bool] = {}

        def check(aid: str) -> bool:
            if aid in usable:
                return usable[aid]
            a = by_id[aid]
            ok = True
            if applies[aid] is not True:
                self.left[aid] = LeftOut(a, "not_applicable", {"unknown": applies[aid] is None})
                ok = False
            else:
                for r in a.requires:
                    if not check(r) and self.left[r].reason in ("not_applicable", "prerequisite"):
                        self.left[aid] = LeftOut(a, "prerequisite", {"missing": r})
                        ok = False
                        break
            if ok and earliest(aid) > job.horizon_weeks + 1e-9:
                self.left[aid] = LeftOut(
                    a, "horizon", {"weeks": earliest(aid), "horizon_weeks": job.horizon_weeks}
                )
                ok = False
            if ok:
                own = self.net_of(close(aid))
                if own > job.budget + 1e-6:
                    self.left[aid] = LeftOut(a, "budget", {"net_cost": own, "remaining": job.budget})
                    ok = False
            usable[aid] = ok
            return ok

        for a in cat:
            check(a.id)
        # minimum levels: met today, or reachable through the node's candidate actions
        self.needs: list[tuple[str, str, str, float]] = []  # (action, node, level, min score)
        changed_any = True
        while changed_any:
            changed_any = False
            for a in cat:
                if not usable[a.id]:
                    continue
                for node, level in a.requires_level:
                    low = job.level_min[level]
                    now = self.today.get(node, math.nan)
                    if at_least(now, low):
                        continue
                    touching = [
                        b.id
                        for b in cat
                        if usable[b.id] and b.id != a.id and node in self.touch[b.id]
                    ]
                    if not touching or len(touching) + 1 > K_MAX:
                        usable[a.id] = False
                        self.left[a.id] = LeftOut(a, "prerequisite", {"node": node, "level": level})
                        changed_any = True
                        break
            for a in cat:  # an action that needs one made unusable becomes unusable too
                if usable[a.id] and any(not usable[r] for r in close(a.id)):
                    bad = next(r for r in close(a.id) if not usable[r])
                    usable[a.id] = False
                    self.left[a.id] = LeftOut(a, "prerequisite", {"missing": bad})
                    changed_any = True
        for a in cat:
            if usable[a.id]:
                for node, level in a.requires_level:
                    if not at_least(self.today.get(node, math.nan), job.level_min[level]):
                        self.needs.append((a.id, node, level, job.level_min[level]))

        # the objective's nodes (with a gap and a score today) and the needs' nodes
        self.objective_nodes = [
            n for n in self.nodes if math.isfinite(self.gap[n]) and math.isfinite(self.today[n])
        ]
        wanted = set(self.objective_nodes) | {n for _, n, _, _ in self.needs}
        relevant: dict[str, None] = {}
        for a in cat:
            if usable[a.id] and self.touch[a.id] & wanted:
                for r in close(a.id):
                    relevant.setdefault(r, None)
        self.relevant = [a.id for a in cat if a.id in relevant]
        for a in cat:
            if usable[a.id] and a.id not in relevant:
                self.left[a.id] = LeftOut(a, "no_gap", {})
        self.index = {aid: k for k, aid in enumerate(self.relevant)}

        # blocks: the relevant actions touching each node
        self.block_nodes: list[tuple[str, float, list[str], bool]] = []
        for n in self.objective_nodes:
            acts = [aid for aid in self.relevant if n in self.touch[aid]]
            if acts:
                w = job.weights[n]
                self.block_nodes.append((n, w, acts, len(acts) > K_MAX))
        for n in sorted({n for _, n, _, _ in self.needs} - set(self.objective_nodes)):
            acts = [aid for aid in self.relevant if n in self.touch[aid]]
            self.block_nodes.append((n, 0.0, acts, False))
        self.config(frozenset())
        for _, _, acts, additive in self.block_nodes:
            if additive:
                for aid in acts:
                    self.config(frozenset([aid]))
                continue
            for mask in range(1, 1 << len(acts)):
                self.config(frozenset(acts[b] for b in range(len(acts)) if mask >> b & 1))

    def planned_cost(self, a: Action) -> float:
        lo, hi = a.cost
        return {"low": lo, "mid": (lo + hi) / 2, "high": hi}[self.job.cost_basis]

    def funding_of(self, a: Action, cost: float) -> float:
        if a.funding is None:
            return 0.0
        return self.job.catalogue.programme(a.funding).funding(cost, self.pdict)

    def net_of(self, ids: Sequence[str]) -> float:
        """Net cost of a set of actions, with each programme's cap per company."""
        total = sum(self.cost[x] for x in ids)
        per: dict[str, float] = {}
        for x in ids:
            p = self.by_id[x].funding
            if p is not None:
                per[p] = per.get(p, 0.0) + self.fund[x]
        cat = self.job.catalogue
        funded = 0.0
        for p, v in per.items():
            cap = cat.programme(p).cap_per_company
            funded += v if cap is None else min(v, cap)
        return total - funded

    # -- rows of the company with a set of actions applied --------------------------------
    def config(self, actions: frozenset[str]) -> int:
        """The index of the configuration with ``actions`` applied (built once)."""
        found = self.config_index.get(actions)
        if found is not None:
            return found
        effects: dict[str, list[Effect]] = {}
        for aid in sorted(actions):
            for e in self.by_id[aid].improves:
                effects.setdefault(e.item, []).append(e)
        m = len(self.job.setting.item_ids)
        out = stack_rows(len(self.members), m)
        for r in range(len(self.members)):
            base = (self.base[0][r], self.base[1][r], self.base[2][r], self.base[3][r])
            self.job.setting.apply(
                self.answers[r],
                self.rprofiles[r],
                base,
                effects,
                (out[0][r], out[1][r], out[2][r], out[3][r]),
            )
        k = len(self.configs)
        self.configs.append(actions)
        self.config_index[actions] = k
        self.rows.append(out)
        return k

    def score_of(self, actions: frozenset[str], node: str) -> float:
        col = self.job.model.nodes.index(node)
        return float(self.config_scores[self.config_index[actions], col])

    # -- step 4: choose ----------------------------------------------------------------------
    def solve(self) -> None:
        import numpy as np

        job = self.job
        cat = job.catalogue
        model = job.model
        # the scores of the answers as they are must be the scores given
        nodes = model.nodes
        base = self.config_scores[self.config_index[frozenset()]]
        for j, n in enumerate(nodes):
            a, b = base[j], self.today.get(n, math.nan)
            if (math.isnan(a) != math.isnan(b)) or (
                not math.isnan(a) and abs(a - b) > 1e-7 * max(1.0, abs(b))
            ):
                raise PlanError(
                    f"the scores of '{self.company}' were not made from these answers with "
                    f"model '{model.id}' (node '{n}': {b:g} given, {a:g} from the answers)"
                )
        idx = self.index
        rel = self.relevant
        blocks: list[Block] = []
        self.block_of: dict[str, int] = {}
        for n, w, acts, additive in self.block_nodes:
            gap = self.gap.get(n, 0.0)
            tgt = self.target.get(n, math.nan)
            if additive:
                vals = np.array(
                    [self.closure_of(n, gap, tgt, frozenset([aid])) for aid in acts], dtype=float
                )
                blocks.append(
                    Block(n, tuple(idx[a] for a in acts), vals, w, additive=True, cap=gap)
                )
            else:
                vals = np.zeros(1 << len(acts))
                if w > 0:
                    for mask in range(1, 1 << len(acts)):
                        s = frozenset(acts[b] for b in range(len(acts)) if mask >> b & 1)
                        vals[mask] = self.closure_of(n, gap, tgt, s)
                blocks.append(Block(n, tuple(idx[a] for a in acts), vals, w))
            self.block_of[n] = len(blocks) - 1
        needs: list[LevelNeed] = []
        self.need_info: list[tuple[str, str, str]] = []
        for aid, node, level, low in self.needs:
            if aid not in idx:
                continue
            self.need_info.append((aid, node, level))
            bi = self.block_of[node]
            acts = [rel[a] for a in blocks[bi].actions]
            ok = np.zeros(1 << len(acts), dtype=bool)
            for mask in range(1 << len(acts)):
                s = frozenset(acts[b] for b in range(len(acts)) if mask >> b & 1 and acts[b] != aid)
                ok[mask] = at_least(self.score_of(s, node), low)
            needs.append(LevelNeed(idx[aid], bi, ok))
        progs = [p.id for p in cat.programmes]
        self.knapsack = Knapsack(
            cost=[self.cost[a] for a in rel],
            fund=[self.fund[a] for a in rel],
            programme=[
                progs.index(self.by_id[a].funding) if self.by_id[a].funding else -1 for a in rel
            ],
            programme_cap=[
                p.cap_per_company if p.cap_per_company is not None else math.inf
                for p in cat.programmes
            ],
            duration=[self.by_id[a].duration_weeks for a in rel],
            requires=[[idx[r] for r in self.by_id[a].requires] for a in rel],
            after=[[idx[r] for r in self.by_id[a].after if r in idx] for a in rel],
            budget=job.budget,
            horizon=job.horizon_weeks,
            blocks=tuple(blocks),
            needs=tuple(needs),
        )
        # nodes whose value never changes carry no information for the solver
        self.chosen, self.value = solve(self.knapsack)
        self.exact = not any(b.additive for b in blocks)

    def closure_of(self, node: str, gap: float, target: float, actions: frozenset[str]) -> float:
        """The part of ``node``'s gap closed by ``actions`` (negative if it widens)."""
        s = self.score_of(actions, node)
        if math.isnan(s) or math.isnan(target):
            return 0.0
        after = max(0.0, target - s)
        value = gap - after
        return 0.0 if abs(value) <= SCORE_TOLERANCE else value

    # -- step 5: explain ---------------------------------------------------------------------
    def explain(self) -> None:
        k = self.knapsack
        rel = self.relevant
        chosen = self.chosen
        start = schedule(k, chosen)
        preds = k.predecessors(chosen)
        wave: dict[int, int] = {}

        def depth(a: int) -> int:
            if a not in wave:
                wave[a] = 1 + max((depth(p) for p in preds[a]), default=0)
            return wave[a]

        for a in chosen:
            depth(a)
        # funding: each capped programme pays in order of start until its cap is used up
        funded: dict[int, float] = {}
        used: dict[int, float] = {}
        for a in sorted(chosen, key=lambda a: (start[a], a)):
            p = k.programme[a]
            f = k.fund[a]
            if p >= 0 and math.isfinite(k.programme_cap[p]):
                f = min(f, k.programme_cap[p] - used.get(p, 0.0))
                used[p] = used.get(p, 0.0) + f
            funded[a] = max(0.0, f)
        # Shapley shares of each block's value among the chosen actions
        gain = dict.fromkeys(chosen, 0.0)
        closes: dict[int, dict[str, float]] = {a: {} for a in chosen}
        for blk in k.blocks:
            phi = _shapley(blk, chosen)
            for a, v in phi.items():
                gain[a] += blk.weight * v
                if blk.weight > 0 and abs(v) > SCORE_TOLERANCE:
                    closes[a][blk.node] = v
        total = self.value
        order = sorted(chosen, key=lambda a: (wave[a], start[a], a))
        cat_by = self.by_id
        self.planned = tuple(
            PlannedAction(
                action=cat_by[rel[a]],
                wave=wave[a],
                start_week=start[a],
                end_week=start[a] + k.duration[a],
                cost=k.cost[a],
                funded=funded[a],
                programme=cat_by[rel[a]].funding,
                gain=gain[a],
                share=gain[a] / total if total > SCORE_TOLERANCE else math.nan,
                closes=closes[a],
                changes=self.changes[rel[a]],
                required_by=tuple(rel[b] for b in order if a in k.requires[b]),
            )
            for a in order
        )
        # why the other candidates are out
        for a_id in rel:
            if self.index[a_id] not in chosen:
                self.left[a_id] = self.why(a_id)
        # waves (their projections are scored by the job)
        self.wave_sets: list[tuple[int, float, float, tuple[str, ...], frozenset[str]]] = []
        done: set[str] = set()
        for w in sorted(set(wave.values())):
            members = [a for a in order if wave[a] == w]
            done |= {rel[a] for a in members}
            self.wave_sets.append(
                (
                    w,
                    min(start[a] for a in members),
                    max(start[a] + k.duration[a] for a in members),
                    tuple(rel[a] for a in members),
                    frozenset(done),
                )
            )
        self.wave_configs = [self.config(s) for *_, s in self.wave_sets]

    def why(self, a_id: str) -> LeftOut:
        """Why a candidate action is not in the chosen plan (see :data:`REASONS`)."""
        k = self.knapsack
        chosen = set(self.chosen)
        a = self.index[a_id]
        action = self.by_id[a_id]
        best = objective(k, chosen)
        alone = {self.index[x] for x in self.closure(a_id)}
        add = alone | chosen
        if objective(k, add) - best <= 1e-9:
            # nothing to gain on top of the plan: is there anything it could add with others?
            partners = self.partners(a)
            if partners is None:
                return LeftOut(action, "no_gap", {"covered": objective(k, alone) > 1e-9})
            add |= partners
        with_ = sorted(self.relevant[x] for x in add - chosen - alone)
        extra: dict[str, Any] = {"with": with_} if with_ else {}
        for need, info in zip(k.needs, self.need_info, strict=True):
            if (
                need.action in add
                and not bool(need.ok[0])
                and not bool(need.ok[k.blocks[need.block].mask(add)])
            ):
                return LeftOut(action, "prerequisite", {"node": info[1], "level": info[2]})
        spent = net_cost(k, chosen)
        if net_cost(k, add) > k.budget + 1e-6:
            detail = {"net_cost": net_cost(k, add) - spent, "remaining": k.budget - spent}
            return LeftOut(action, "budget", {**detail, **extra})
        try:
            start = schedule(k, add)
        except PlanningError:  # a level it needs comes only from actions that need it first
            info = next(i for n, i in zip(k.needs, self.need_info, strict=True) if n.action in add)
            return LeftOut(action, "prerequisite", {"node": info[1], "level": info[2]})
        weeks = max(start[x] + k.duration[x] for x in add)
        if weeks > k.horizon + 1e-6:
            return LeftOut(action, "horizon", {"weeks": weeks, "horizon_weeks": k.horizon, **extra})
        return LeftOut(action, "no_gap", {"covered": True})  # pragma: no cover - optimality

    def partners(self, a: int) -> set[int] | None:
        """The other actions with which ``a`` adds the most to some node (None when it adds
        nothing in any company of actions)."""
        best, found = 1e-9, None
        for blk in self.knapsack.blocks:
            if a not in blk.actions or blk.weight <= 0:
                continue
            if blk.additive:
                gain = blk.weight * float(blk.values[blk.actions.index(a)])
                if gain > best:
                    best, found = gain, set()
                continue
            bit = 1 << blk.actions.index(a)
            for mask in range(len(blk.values)):
                if mask & bit:
                    continue
                gain = blk.weight * float(blk.values[mask | bit] - blk.values[mask])
                if gain > best:
                    best = gain
                    found = {x for j, x in enumerate(blk.actions) if mask >> j & 1}
        if found is None:
            return None
        closed: set[int] = set()
        for x in found:
            closed |= {self.index[y] for y in self.closure(self.relevant[x])}
        return closed

    def finish(self, wave_scores: Any, wave_percentiles: Any) -> Plan:
        job = self.job
        model = job.model
        nodes = model.nodes
        waves = []
        for k, (number, s0, s1, ids, _) in enumerate(self.wave_sets):
            scores = {n: float(wave_scores[k, j]) for j, n in enumerate(nodes)}
            waves.append(
                Wave(
                    number=number,
                    start_week=s0,
                    end_week=s1,
                    actions=ids,
                    scores=scores,
                    levels={
                        n: (lv.code if (lv := model.level_of(v)) is not None else None)
                        for n, v in scores.items()
                    },
                    percentiles=wave_percentiles[k] if wave_percentiles is not None else {},
                )
            )
        projected = dict(waves[-1].scores) if waves else dict(self.today)
        bench = job.bench
        p_today: dict[str, float] = {}
        group = None
        if bench is not None:
            bi = list(bench.ids).index(self.company)
            p_today = {
                n: float(bench.percentile[bi, j])
                for j, n in enumerate(bench.nodes)
                if math.isfinite(float(bench.percentile[bi, j]))
            }
            group = bench.groups[bi].describe("en")
        cat_order = {a.id: k for k, a in enumerate(job.catalogue.actions)}
        left = tuple(sorted(self.left.values(), key=lambda lo: cat_order[lo.id]))
        max_obj = sum(
            job.weights[n] * self.gap[n] for n in self.objective_nodes if self.gap[n] > 0
        )
        return Plan(
            company=self.company,
            model=model,
            catalogue=job.catalogue,
            budget=job.budget,
            horizon_months=job.horizon_months,
            horizon_weeks=job.horizon_weeks,
            cost_basis=job.cost_basis,
            target_kind=str(job.gaps.target_kind),
            nodes=self.nodes,
            current={n: self.today.get(n, math.nan) for n in self.nodes},
            target=self.target,
            gap=self.gap,
            weight={n: job.weights[n] for n in self.nodes},
            actions=self.planned,
            left_out=left,
            waves=tuple(waves),
            objective=self.value,
            max_objective=max_obj,
            today=dict(self.today),
            projected=projected,
            percentile_today=p_today,
            percentile_projected=dict(waves[-1].percentiles) if waves else dict(p_today),
            peer_group=group,
            exact=self.exact,
            profile=self.profile,
        )


def _shapley(block: Block, chosen: frozenset[int]) -> dict[int, float]:
    """Shapley values of the chosen actions in one block's value (exact, by enumeration)."""
    import numpy as np

    bits = [b for b, a in enumerate(block.actions) if a in chosen]
    p = len(bits)
    if p == 0:
        return {}
    masks = np.arange(1 << p)
    sizes = np.zeros(1 << p, dtype=np.intp)
    if block.additive:
        singles = np.asarray(block.values, dtype=float)[bits]
        totals = np.zeros(1 << p)
        for j in range(p):
            on = (masks >> j) & 1
            totals += on * singles[j]
            sizes += on
        vals = np.minimum(totals, block.cap)
    else:
        full = np.zeros(1 << p, dtype=np.intp)
        for j, b in enumerate(bits):
            on = (masks >> j) & 1
            full |= on << b
            sizes += on
        vals = np.asarray(block.values, dtype=float)[full]
    weight = np.array(
        [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    )
    out: dict[int, float] = {}
    for j, b in enumerate(bits):
        without = masks[(masks >> j) & 1 == 0]
        marg = vals[without | (1 << j)] - vals[without]
        out[block.actions[b]] = float(np.sum(weight[sizes[without]] * marg))
    return out


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
        raise PlanError(f"the answers are to '{answers.questionnaire_id}', the model scores '{qid}'")
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
    weights = {
        n: gw[n] * (model.rules[n].importance if n in model.rules else 1.0) for n in g.nodes
    }
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
    for start in range(0, len(wanted), max(1, batch)):
        works = [
            _Work(job, c, i, members[c])
            for i, c in enumerate(wanted[start : start + batch], start=start)
        ]
        for w in works:
            w.prepare()
        _score_configs(job, works)
        for w in works:
            w.solve()
            w.explain()
        _score_configs(job, works)  # the waves' projections are configurations too
        wave_scores = [w.config_scores[w.wave_configs] for w in works]
        percentiles = _percentiles(job, works, wave_scores)
        for w, ws, pc in zip(works, wave_scores, percentiles, strict=True):
            out[w.company] = w.finish(ws, pc)
    return Plans(out)


def _score_configs(job: _Job, works: Sequence[_Work]) -> None:
    """Score the configurations of every work that are not scored yet, in one batch."""
    import numpy as np

    todo: list[tuple[_Work, int]] = []
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
    job: _Job, works: Sequence[_Work], wave_scores: Sequence[npt.NDArray[np.float64]]
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

