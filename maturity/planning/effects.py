"""What actions do to a company's answers, and the answer matrix that results.

The effect of an action is never guessed: its :class:`~maturity.action_catalogue.Effect` s
change the company's *answers*, and the changed answers are scored by the same engine and model
as the assessment (:func:`maturity.scoring.score_arrays`). So N/A, "don't know", conditions
(an applied answer can make another question applicable or not), weakest-link and staged
operators all hold in a plan exactly as they do in a score.

Rules for one item (:func:`raise_answer`):

- an answer is raised, never lowered: an answer already at or above the target is kept (for a
  number, "above" follows the item's ``better`` direction);
- several actions on one item do not add up: the item takes the best answer any of them gives
  (for a multiple choice, the options they tick are joined, and an exclusive option such as
  "none of these" is dropped);
- "not applicable" stays not applicable: an action cannot make a question apply to a company
  that said it does not; a "don't know" or a missing answer takes the target, or the best
  answer another respondent of the same company gave when that is better (so that filling in
  a colleague's "don't know" never pulls the company below what it answered: an action
  raising "share of staff trained" to 30 % leaves a company whose plant manager answered 50 %
  at 50 %, not at the mean of 50 and 30).

The rows of a company (one per respondent) are rebuilt with the same rules as
:meth:`maturity.responses.Responses.matrix` (values, "don't know" and applicability from the
conditions), and the respondents of a company are combined as :func:`maturity.score` does
with ``by="company"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from maturity.questionnaire import Item, Questionnaire
from maturity.responses import NA, Answer, Marker, condition_answers

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.action_catalogue import Effect
    from maturity.conditions import Condition
    from maturity.model import ScoringModel

__all__ = ["Setting", "raise_answer"]


def _key(item: Item, answer: Answer) -> float:
    """Order of answers of one item: a higher key is a better answer."""
    if item.kind == "number":
        x = float(answer)  # type: ignore[arg-type]
        return x if item.better == "higher" else -x
    return item.value_of(answer)


def raise_answer(
    item: Item,
    current: Answer | None,
    effects: Iterable[Effect],
    company_best: Answer | None = None,
) -> Answer | None:
    """The answer of ``item`` after ``effects``, or None when they change nothing.

    ``current`` is the answer today (None when there is none); ``company_best`` the best
    answer the company's respondents gave (None when none did), which a "don't know" or a
    missing answer takes when it is better than the effects' target. See the module docstring.
    """
    if current is NA:
        return None
    base = None if isinstance(current, Marker) else current
    if item.kind == "multi":
        ticked = set(base) if isinstance(base, frozenset | set | list | tuple) else set()
        added = set().union(*(e.add for e in effects))
        if not added - ticked:
            return None
        exclusive = {o.code for o in item.options if o.exclusive}
        if base is None and isinstance(company_best, frozenset | set | list | tuple):
            ticked = set(company_best)
        return frozenset((ticked | added) - exclusive)
    best = base
    for e in effects:
        to = e.to
        if to is None:
            continue
        if best is None or _key(item, to) > _key(item, best):
            best = to
    if best is None or best is base:
        return None
    if base is not None and _key(item, best) <= _key(item, base):
        return None
    if base is None and company_best is not None and _key(item, company_best) > _key(item, best):
        return company_best
    return best


def company_best(item: Item, answers: Iterable[Mapping[str, Answer]]) -> Answer | None:
    """The best answer to ``item`` among the answers of a company's respondents (None when
    none of them answered it: every answer missing, "don't know" or "not applicable").
    """
    best: Answer | None = None
    for ans in answers:
        a = ans.get(item.id)
        if a is None or isinstance(a, Marker):
            continue
        if item.kind == "multi":
            if best is None or item.value_of(a) > item.value_of(best):
                best = a
        elif best is None or _key(item, a) > _key(item, best):
            best = a
    return best


@dataclass(frozen=True)
class Setting:
    """A model, its questionnaire and the columns of an answer matrix, prepared once for
    applying actions: the conditions of every column and which columns each item's answer
    can make applicable or not.
    """

    model: ScoringModel
    item_ids: tuple[str, ...]
    columns: Mapping[str, int]
    conditions: tuple[tuple[Condition, ...], ...]
    dependents: Mapping[str, tuple[int, ...]]
    ancestors: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, model: ScoringModel, item_ids: Sequence[str]) -> Setting:
        """Prepare ``model`` for answer matrices whose columns are ``item_ids``."""
        q: Questionnaire = model.questionnaire
        ids = tuple(item_ids)
        columns = {iid: j for j, iid in enumerate(ids)}
        conditions = tuple(q.conditions_of(iid) for iid in ids)
        dependents: dict[str, list[int]] = {}
        for j, conds in enumerate(conditions):
            for cond in conds:
                for ref in cond.answer_refs:
                    dependents.setdefault(ref, []).append(j)
        ancestors = []
        for iid in ids:
            chain: list[str] = []
            node = q.parents.get(iid)
            while node is not None:
                if node in model.rules:
                    chain.append(node)
                node = q.parents.get(node)
            ancestors.append(tuple(chain))
        return cls(
            model,
            ids,
            columns,
            conditions,
            {k: tuple(sorted(set(v))) for k, v in dependents.items()},
            tuple(ancestors),
        )

    def touched_columns(self, item_id: str) -> tuple[int, ...]:
        """The columns whose score can change when ``item_id``'s answer changes: its own
        column (when it is scored) and the columns whose conditions read it.
        """
        own = (self.columns[item_id],) if item_id in self.columns else ()
        return tuple(sorted({*own, *self.dependents.get(item_id, ())}))

    def nodes_of(self, columns: Iterable[int]) -> set[str]:
        """The model nodes above some columns."""
        out: set[str] = set()
        for j in columns:
            out.update(self.ancestors[j])
        return out

    def apply(
        self,
        answers: Mapping[str, Answer],
        profile: Mapping[str, object],
        base: tuple[
            npt.NDArray[np.float64],
            npt.NDArray[np.bool_],
            npt.NDArray[np.bool_],
            npt.NDArray[np.bool_],
        ],
        effects: Mapping[str, Sequence[Effect]],
        out: tuple[
            npt.NDArray[np.float64],
            npt.NDArray[np.bool_],
            npt.NDArray[np.bool_],
            npt.NDArray[np.bool_],
        ],
        best: Mapping[str, Answer] | None = None,
    ) -> None:
        """Write one respondent's row with ``effects`` (item id → effects) applied into the
        rows ``out`` (values, na, dont_know, applicable), starting from its rows ``base``;
        ``best`` holds the best answer of the company's respondents per item
        (:func:`company_best`).
        """
        q = self.model.questionnaire
        values, na, dk, app = out
        values[:] = base[0]
        na[:] = base[1]
        dk[:] = base[2]
        app[:] = base[3]
        changed: dict[str, Answer] = {}
        for iid, effs in effects.items():
            new = raise_answer(q.item(iid), answers.get(iid), effs, (best or {}).get(iid))
            if new is not None:
                changed[iid] = new
        if not changed:
            return
        recheck: set[int] = set()
        for iid, new in changed.items():
            j = self.columns.get(iid)
            if j is not None:
                values[j] = q.item(iid).value_of(new)
                dk[j] = False
            recheck.update(self.dependents.get(iid, ()))
        if recheck:
            env = condition_answers({**answers, **changed})
            for j in recheck:
                app[j] = not any(c.evaluate(env, profile) is False for c in self.conditions[j])


def stack_rows(
    n: int, m: int
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]
]:
    """Empty arrays for ``n`` rows of ``m`` columns (values, na, dont_know, applicable)."""
    import numpy as np

    return (
        np.empty((n, m)),
        np.empty((n, m), dtype=bool),
        np.empty((n, m), dtype=bool),
        np.empty((n, m), dtype=bool),
    )


def score_rows(
    setting: Setting,
    rows: tuple[
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
    ],
    groups: npt.NDArray[np.intp] | None,
    n_groups: int,
    combine: str,
) -> npt.NDArray[np.float64]:
    """Scores (groups × nodes, the model's node order) of answer rows; with ``groups`` the
    rows of each group (a company's respondents) are first combined as ``score(...,
    by="company")`` does.
    """
    import numpy as np

    from maturity.engine.companies import combine_answers, from_groups
    from maturity.responses import AnswerMatrix
    from maturity.scoring import score_arrays

    values, na, dk, app = rows
    # a company of one respondent is its own combination (mean or median of one row)
    if groups is not None and not (np.bincount(groups, minlength=n_groups) == 1).all():
        mat = AnswerMatrix(setting.item_ids, (), values, na, dk, app)
        how: Literal["mean", "median"] = "median" if combine == "median" else "mean"
        values, na, dk, app = combine_answers(mat, from_groups(groups, n_groups), how)
    s, _, _ = score_arrays(
        setting.model,
        values,
        item_ids=setting.item_ids,
        na=na,
        dont_know=dk,
        applicable=app,
        workers=1,
    )
    return s
