"""One company's planning: candidates, values by re-scoring, the program, the choice.

:class:`Work` goes through the steps of :mod:`maturity.planning.build` for one company. The
change of each node of the objective is described as a tree (:class:`Spec`) that is as small as
the model allows while staying exact:

- a node that is a weighted mean or a minimum of sub-dimensions, whose children all keep a
  score whatever the actions do (every child has a score today, and no candidate action
  changes which of its questions apply), is *composed* from its children: a mean of their
  changes with the weights of the model (renormalised over the children with a score, as the
  engine does), or their minimum;
- any other node (items among its children, another operator, applicability that can change)
  is a *leaf*: every subset of the candidate actions touching it that a plan can contain is
  applied to the answers and scored.

So the subsets enumerated are those of the actions touching one sub-dimension, not of all the
actions of a dimension, and the program stays small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from maturity.numbers import SCORE_TOLERANCE, at_least
from maturity.planning.effects import company_best, raise_answer, stack_rows
from maturity.planning.optimise import Block, Goal, Knapsack, Least, LevelNeed, Mean, Term, solve
from maturity.planning.result import LeftOut, PlannedAction

if TYPE_CHECKING:  # pragma: no cover
    from maturity.action_catalogue import Action, Effect
    from maturity.responses import Answer

__all__ = ["MAX_SUBSETS", "Spec", "Work"]

#: The most subsets of the candidate actions touching one leaf node that are enumerated (and
#: re-scored); a leaf with more is valued from single-action effects, and the plan says it is
#: not exact. Only subsets closed under prerequisites count: 12 independent actions give 4,096.
MAX_SUBSETS = 4096


@dataclass(frozen=True)
class Spec:
    """How a node's change is computed.

    - a *leaf* (``operator`` None): ``masks`` are the closed subsets of ``actions`` to apply
      and score (None when there are too many); with ``only`` set the leaf is one item of the
      node ``reads``: the subsets are applied to that item alone and ``reads``' score is read;
    - a *composition* (``operator`` ``weighted_mean`` or ``minimum``) of child nodes: ``parts``
      hold the child id, its normalised weight and its spec (None: the child keeps its score);
    - an *item sum* (``operator`` ``items``): a weighted mean of items whose changes add up,
      ``parts`` holding one item leaf each.
    """

    node: str
    actions: tuple[str, ...]
    masks: tuple[int, ...] | None = None
    operator: str | None = None
    parts: tuple[tuple[str, float, Spec | None], ...] = ()
    reads: str | None = None
    only: str | None = None

    @property
    def leaves(self) -> list[Spec]:
        """The leaves below (or this spec when it is one)."""
        if self.operator is None:
            return [self]
        return [leaf for _, _, s in self.parts if s is not None for leaf in s.leaves]

    @property
    def read(self) -> str:
        """The node whose score a leaf reads."""
        return self.reads or self.node


def members(acts: Sequence[str], mask: int) -> frozenset[str]:
    """The actions of ``acts`` whose bits are set in ``mask``."""
    return frozenset(a for b, a in enumerate(acts) if mask >> b & 1)


def closed_subsets(
    acts: Sequence[str], needs: Mapping[str, set[str]], limit: int
) -> list[int] | None:
    """Every subset of ``acts`` (as bit masks) that holds the prerequisites of its members
    among ``acts`` (``needs[a]``: what ``a`` requires, directly or not); None past ``limit``.
    """
    pos = {a: b for b, a in enumerate(acts)}
    req = {a: sum(1 << pos[r] for r in needs[a] if r in pos and r != a) for a in acts}
    masks = [0]
    # prerequisites first: a transitive set of prerequisites is larger than any of its members'
    for a in sorted(acts, key=lambda a: bin(req[a]).count("1")):
        bit = 1 << pos[a]
        masks += [m | bit for m in masks if m & req[a] == req[a]]
        if len(masks) > limit:
            return None
    return sorted(masks)


@dataclass
class Work:
    """One company's planning, step by step (see the module docstring)."""

    job: Any
    company: str
    row: int  # in job.scores (the sub-scores of the companies planned)
    members: list[int]  # respondent indices in job.responses
    configs: list[frozenset[str]] = field(default_factory=list)
    config_index: dict[tuple[frozenset[str], str | None], int] = field(default_factory=dict)
    rows: list[tuple[Any, Any, Any, Any]] = field(default_factory=list)
    config_scores: Any = None
    left: dict[str, LeftOut] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)  # nodes enumerated whole, never composed
    # set by build() and maturity.planning.explain.explain()
    knapsack: Knapsack = field(default_factory=lambda: Knapsack((), (), (), (), (), (), (), 0, 0))
    chosen: frozenset[int] = frozenset()
    value: float = 0.0
    exact: bool = True
    goal_nodes: list[str] = field(default_factory=list)
    need_info: list[tuple[str, str, str]] = field(default_factory=list)
    planned: tuple[PlannedAction, ...] = ()
    wave_sets: list[tuple[int, float, float, tuple[str, ...], frozenset[str]]] = field(
        default_factory=list
    )
    wave_configs: list[int] = field(default_factory=list)

    # -- candidates ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Find the candidate actions and the configurations to score."""
        job = self.job
        cat = job.catalogue
        q = job.model.questionnaire
        scores = job.scores
        i = self.row
        prof = scores.profiles[i] if scores.profiles else None
        self.profile = prof
        self.pdict: dict[str, object] = prof.for_conditions() if prof is not None else {}
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
        self.by_id = {a.id: a for a in cat}

        # what each action changes for this company, and which nodes that touches
        self.changes: dict[str, dict[str, str]] = {}
        self.touch: dict[str, set[str]] = {}
        setting = job.setting
        for a in cat:
            changed: dict[str, str] = {}
            cols: set[int] = set()
            for e in a.improves:
                item = q.item(e.item)
                for ans in self.answers:
                    if raise_answer(item, ans.get(e.item), [e]) is not None:
                        changed[e.item] = e.target_text
                        cols.update(setting.touched_columns(e.item))
            self.changes[a.id] = changed
            self.touch[a.id] = setting.nodes_of(cols)
        self.cost = {a.id: self.planned_cost(a) for a in cat}
        self.fund = {a.id: self.funding_of(a, self.cost[a.id]) for a in cat}
        self.closures: dict[str, list[str]] = {}
        self.usable = self.screen()
        self.objective_nodes = [
            n for n in self.nodes if math.isfinite(self.gap[n]) and math.isfinite(self.today[n])
        ]
        # minimum levels not met today must be reachable through the node's candidates
        while True:
            self.needs: list[tuple[str, str, str, float]] = []  # action, node, level, minimum
            for a in cat:
                if self.usable[a.id]:
                    for node, level in a.requires_level:
                        low = job.level_min[level]
                        if not at_least(self.today.get(node, math.nan), low):
                            self.needs.append((a.id, node, level, low))
            self.select()
            blocked = [
                (aid, node, level)
                for aid, node, level, _ in self.needs
                if aid in self.index and self.specs.get(node) is None
            ]
            if not blocked:
                break
            for aid, node, level in blocked:
                self.usable[aid] = False
                self.left[aid] = LeftOut(
                    self.by_id[aid], "prerequisite", {"node": node, "level": level}
                )
            self.propagate()
        for a in cat:
            if self.usable[a.id] and a.id not in self.index:
                self.left[a.id] = self.no_target(a) or LeftOut(a, "no_gap", {})
        self.make_configs()

    def make_configs(self) -> None:
        """The configurations to score: every subset of every leaf, and for the needs each
        subset without the action that needs the level.
        """
        self.config(frozenset())
        leaves = {
            leaf.node: leaf for s in self.specs.values() if s is not None for leaf in s.leaves
        }
        for leaf in leaves.values():
            if leaf.masks is None:
                for aid in leaf.actions:
                    self.config(frozenset([aid]), leaf.only)
            else:
                for mask in leaf.masks:
                    self.config(members(leaf.actions, mask), leaf.only)
        for aid, node, _, _ in self.needs:
            spec = self.specs.get(node)
            for leaf in spec.leaves if spec is not None else ():
                if aid in leaf.actions and leaf.masks is not None:
                    for mask in leaf.masks:
                        self.config(members(leaf.actions, mask) - {aid}, leaf.only)

    def verify(self) -> bool:
        """Whether every composed node's children keep their scores in every configuration
        scored (so the node is exactly the mean or minimum of their changes). A node where a
        child can lose or gain its score (new questions apply, too few answers) is enumerated
        whole instead: then the configurations are extended and False is returned.
        """
        col = self.job.node_col
        bad: set[str] = set()

        def check(spec: Spec) -> None:
            if spec.operator not in ("weighted_mean", "minimum"):
                return
            for c, _, sub in spec.parts:
                if sub is None:
                    continue
                rows = [k for leaf in sub.leaves for k in self.leaf_rows(leaf)]
                if np.isnan(self.config_scores[rows, col[c]]).any():
                    bad.add(spec.node)
                    return
                check(sub)

        for spec in self.specs.values():
            if spec is not None:
                check(spec)
        if not bad:
            return True
        self.whole |= bad
        self.select()
        self.make_configs()
        return False

    def closure(self, aid: str) -> list[str]:
        """The action and everything it requires, directly or not."""
        if aid not in self.closures:
            seen: dict[str, None] = {aid: None}
            for r in self.by_id[aid].requires:
                for x in self.closure(r):
                    seen.setdefault(x, None)
            self.closures[aid] = list(seen)
        return self.closures[aid]

    def screen(self) -> dict[str, bool]:
        """Which actions can be in a plan at all: they apply, what they require can be
        taken, and they fit the horizon and the budget together with what they require.
        """
        job = self.job
        by_id = self.by_id
        finish: dict[str, float] = {}

        def earliest(aid: str) -> float:
            if aid not in finish:
                a = by_id[aid]
                finish[aid] = a.duration_weeks + max((earliest(r) for r in a.requires), default=0.0)
            return finish[aid]

        usable: dict[str, bool] = {}

        def check(aid: str) -> bool:
            if aid in usable:
                return usable[aid]
            a = by_id[aid]
            applies = a.applies_to(self.pdict)
            ok = True
            if applies is not True:
                self.left[aid] = LeftOut(a, "not_applicable", {"unknown": applies is None})
                ok = False
            else:
                for r in a.requires:
                    if not check(r) and self.left[r].reason in ("not_applicable", "prerequisite"):
                        self.left[aid] = LeftOut(a, "prerequisite", {"missing": r})
                        ok = False
                        break
            if ok and earliest(aid) > job.horizon_weeks + 1e-9:
                detail = {"weeks": earliest(aid), "horizon_weeks": job.horizon_weeks}
                self.left[aid] = LeftOut(a, "horizon", detail)
                ok = False
            if ok:
                own = self.net_of(self.closure(aid))
                if own > job.budget + 1e-6:
                    detail = {"net_cost": own, "remaining": job.budget, "alone": True}
                    self.left[aid] = LeftOut(a, "budget", detail)
                    ok = False
            usable[aid] = ok
            return ok

        for a in job.catalogue:
            check(a.id)
        return usable

    def no_target(self, a: Action) -> LeftOut | None:
        """``a`` left out because what it improves (or, when it improves nothing itself, the
        whole plan) has no target — a peer quantile too few peers to publish, say — or None.
        """
        plan_nodes = set(self.nodes)
        touched = (self.touch[a.id] & plan_nodes) or plan_nodes
        if any(math.isfinite(self.target[n]) for n in touched):
            return None
        return LeftOut(a, "no_target", {"peers": str(self.job.gaps.target_kind).startswith("peer")})

    def propagate(self) -> None:
        """What requires an unusable action becomes unusable too."""
        for a in self.job.catalogue:
            if self.usable[a.id]:
                bad = next((r for r in self.closure(a.id) if not self.usable[r]), None)
                if bad is not None:
                    self.usable[a.id] = False
                    self.left[a.id] = LeftOut(a, "prerequisite", {"missing": bad})

    def select(self) -> None:
        """The candidate actions (``relevant``) and the spec of every node that counts."""
        cat = self.job.catalogue
        wanted = set(self.objective_nodes) | {n for _, n, _, _ in self.needs}
        relevant: dict[str, None] = {}
        for a in cat:
            if self.usable[a.id] and self.touch[a.id] & wanted:
                for r in self.closure(a.id):
                    relevant.setdefault(r, None)
        self.relevant = [a.id for a in cat if a.id in relevant]
        self.index = {aid: k for k, aid in enumerate(self.relevant)}
        self.specs = {n: self.spec(n) for n in sorted(wanted, key=self.job.model.nodes.index)}

    def spec(self, node: str) -> Spec | None:
        """How ``node``'s change is computed (None when no candidate action touches it)."""
        acts = tuple(a for a in self.relevant if node in self.touch[a])
        if not acts:
            return None
        model = self.job.model
        rule = model.rules[node]
        present = [(c, w) for c, w in zip(rule.children, rule.weights, strict=True) if w > 0]
        decompose = (
            rule.operator in ("weighted_mean", "minimum")
            and node not in self.whole
            and math.isfinite(self.today.get(node, math.nan))
            and all(c in model.rules for c, _ in present)
        )
        if decompose:
            parts: list[tuple[str, float, Spec | None]] = []
            for c, w in present:
                sub = self.spec(c)
                if not math.isfinite(self.today.get(c, math.nan)):
                    if sub is not None:  # it could gain a score: enumerate the node whole
                        decompose = False
                        break
                    continue
                parts.append((c, w, sub))
            if decompose:
                total = sum(w for _, w, _ in parts)
                return Spec(
                    node,
                    acts,
                    operator=rule.operator,
                    parts=tuple((c, w / total, s) for c, w, s in parts),
                )
        items = self.item_parts(node, acts, present)
        if items is not None:
            return Spec(node, acts, operator="items", parts=items)
        return self.leaf(node, acts)

    def leaf(
        self, node: str, acts: tuple[str, ...], reads: str | None = None, only: str | None = None
    ) -> Spec:
        """A leaf: the closed subsets of ``acts`` (None past :data:`MAX_SUBSETS`)."""
        masks = closed_subsets(acts, {a: set(self.closure(a)) for a in acts}, MAX_SUBSETS)
        return Spec(
            node, acts, masks=tuple(masks) if masks is not None else None, reads=reads, only=only
        )

    def item_parts(
        self, node: str, acts: tuple[str, ...], present: list[tuple[str, float]]
    ) -> tuple[tuple[str, float, Spec | None], ...] | None:
        """A weighted mean of items whose changes add up: every item of the node that an
        action changes is answered today by every respondent (so it keeps its weight), and no
        condition of the node's items reads an answer the candidates change (so no item comes
        or goes). Then each item is a leaf of its own; None otherwise.
        """
        model = self.job.model
        rule = model.rules[node]
        if rule.operator != "weighted_mean" or node in self.whole:
            return None
        if any(c in model.rules for c, _ in present):
            return None
        setting = self.job.setting
        changed = {i for a in self.relevant for i in self.changes[a]}
        values, na, _, app = self.base
        parts: list[tuple[str, float, Spec | None]] = []
        for c, _ in present:
            j = setting.columns[c]
            reads = {ref for cond in setting.conditions[j] for ref in cond.answer_refs}
            if reads & changed:
                return None
            mine = tuple(a for a in acts if c in self.changes[a])
            if not mine:
                continue
            answered = ~np.isnan(values[:, j]) & app[:, j] & ~na[:, j]
            if not bool(answered.all()):
                return None
            parts.append((c, 1.0, self.leaf(c, mine, reads=node, only=c)))
        return tuple(parts) if parts else None

    def planned_cost(self, a: Action) -> float:
        """The cost the plan counts for an action: the low end, middle or high end."""
        lo, hi = a.cost
        return {"low": lo, "mid": (lo + hi) / 2, "high": hi}[self.job.cost_basis]

    def funding_of(self, a: Action, cost: float) -> float:
        """What the action's programme pays for it (before the cap per company)."""
        if a.funding is None:
            return 0.0
        return float(self.job.catalogue.programme(a.funding).funding(cost, self.pdict))

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
    def config(self, actions: frozenset[str], only: str | None = None) -> int:
        """The index of the configuration with ``actions`` applied (built once); with
        ``only``, their effects on that item alone.
        """
        key = (actions, only)
        found = self.config_index.get(key)
        if found is not None:
            return found
        effects: dict[str, list[Effect]] = {}
        for aid in sorted(actions):
            for e in self.by_id[aid].improves:
                if only is None or e.item == only:
                    effects.setdefault(e.item, []).append(e)
        m = len(self.job.setting.item_ids)
        out = stack_rows(len(self.members), m)
        q = self.job.setting.model.questionnaire
        best: dict[str, Answer] = {}
        if len(self.members) > 1:
            for iid in effects:
                top = company_best(q.item(iid), self.answers)
                if top is not None:
                    best[iid] = top
        for r in range(len(self.members)):
            base = (self.base[0][r], self.base[1][r], self.base[2][r], self.base[3][r])
            self.job.setting.apply(
                self.answers[r],
                self.rprofiles[r],
                base,
                effects,
                (out[0][r], out[1][r], out[2][r], out[3][r]),
                best,
            )
        k = len(self.configs)
        self.configs.append(actions)
        self.config_index[key] = k
        self.rows.append(out)
        return k

    def score_of(self, actions: frozenset[str], node: str, only: str | None = None) -> float:
        """The node's score with ``actions`` applied (the configuration must exist)."""
        col = self.job.node_col[node]
        return float(self.config_scores[self.config_index[(actions, only)], col])

    def leaf_rows(self, leaf: Spec) -> list[int]:
        """The configurations of a leaf."""
        if leaf.masks is None:
            return [self.config_index[(frozenset([a]), leaf.only)] for a in leaf.actions]
        return [self.config_index[(members(leaf.actions, m), leaf.only)] for m in leaf.masks]

    # -- the program ----------------------------------------------------------------------
    def base_score(self, node: str) -> float:
        """The node's score today, or the bottom of the range when it has none."""
        s = self.today.get(node, math.nan)
        return s if math.isfinite(s) else self.job.model.range[0]

    def block(self, spec: Spec, without: str | None) -> Block:
        """The term of a leaf: its node's change for each subset (``without`` left out)."""
        acts = spec.actions
        node, only = spec.read, spec.only
        s0 = self.base_score(node)
        members_ = tuple(self.index[a] for a in acts)
        drop = frozenset([without]) if without in acts else frozenset()
        if spec.masks is None:
            self.exact = False
            vals = np.array(
                [
                    0.0 if a in drop else _change(self.score_of(frozenset([a]), node, only), s0)
                    for a in acts
                ]
            )
            return Block(spec.node, members_, vals, additive=True)
        table: dict[int, float] = {}
        for m in spec.masks:
            chosen = members(acts, m) - drop
            if (chosen, only) in self.config_index:
                table[m] = _change(self.score_of(chosen, node, only), s0)
            else:  # it needs the dropped action: infeasible by the order anyway
                table[m] = 0.0
        return Block(spec.node, members_, table)

    def check_base(self) -> None:
        """The answers as they are must give the scores we were given."""
        from maturity.planning.build import PlanError

        base = self.config_scores[self.config_index[(frozenset(), None)]]
        for n, j in self.job.node_col.items():
            a, b = float(base[j]), self.today.get(n, math.nan)
            if (math.isnan(a) != math.isnan(b)) or (
                not math.isnan(a) and abs(a - b) > 1e-7 * max(1.0, abs(b))
            ):
                raise PlanError(
                    f"the scores of '{self.company}' were not made from these answers with "
                    f"model '{self.job.model.id}' (node '{n}': {b:g} given, {a:g} from the "
                    "answers)"
                )

    def build(self) -> None:
        """The knapsack of this company and its solution."""
        self.check_base()
        idx = self.index
        terms: list[Term] = []
        made: dict[tuple[str, str | None], int] = {}
        self.exact = True

        def term(spec: Spec | None, node: str, without: str | None) -> int:
            key = (node, without if spec is not None and without in spec.actions else None)
            if key in made:
                return made[key]
            if spec is None:
                terms.append(Block(node, (), np.zeros(1)))
            elif spec.operator in ("weighted_mean", "items"):
                parts = [(term(sub, c, without), w) for c, w, sub in spec.parts]
                terms.append(Mean(node, tuple(parts)))
            elif spec.operator == "minimum":
                s0 = self.base_score(node)
                parts = [(term(sub, c, without), self.today[c] - s0) for c, _, sub in spec.parts]
                terms.append(Least(node, tuple(parts)))
            else:
                terms.append(self.block(spec, without))
            made[key] = len(terms) - 1
            return made[key]

        goals = []
        for n in self.objective_nodes:
            spec = self.specs.get(n)
            if spec is None:
                continue
            slack = max(0.0, self.today[n] - self.target[n])
            goals.append(Goal(term(spec, n, None), self.job.weights[n], self.gap[n], slack))
        needs = []
        self.need_info: list[tuple[str, str, str]] = []
        for aid, node, level, low in self.needs:
            if aid not in idx:
                continue
            spec = self.specs[node]
            assert spec is not None
            t = term(spec, node, aid)
            touching = tuple(idx[a] for a in spec.actions if a != aid)
            threshold = low - self.base_score(node) - SCORE_TOLERANCE
            needs.append(LevelNeed(idx[aid], t, threshold, touching))
            self.need_info.append((aid, node, level))
        cat = self.job.catalogue
        progs = [p.id for p in cat.programmes]
        rel = self.relevant
        self.knapsack = Knapsack(
            cost=[self.cost[a] for a in rel],
            fund=[self.fund[a] for a in rel],
            programme=[
                progs.index(f) if (f := self.by_id[a].funding) is not None else -1 for a in rel
            ],
            programme_cap=[
                p.cap_per_company if p.cap_per_company is not None else math.inf
                for p in cat.programmes
            ],
            duration=[self.by_id[a].duration_weeks for a in rel],
            requires=[[idx[r] for r in self.by_id[a].requires] for a in rel],
            after=[[idx[r] for r in self.by_id[a].after if r in idx] for a in rel],
            budget=self.job.budget,
            horizon=self.job.horizon_weeks,
            terms=tuple(terms),
            goals=tuple(goals),
            needs=tuple(needs),
        )
        self.goal_nodes = [n for n in self.objective_nodes if self.specs.get(n) is not None]
        self.chosen, self.value = solve(self.knapsack)


def _change(score: float, today: float) -> float:
    """A node's change; a node that loses its score counts as unchanged (no credit)."""
    if math.isnan(score):
        return 0.0
    d = score - today
    return 0.0 if abs(d) <= SCORE_TOLERANCE else d
