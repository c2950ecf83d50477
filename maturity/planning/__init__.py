"""Action plans: from a diagnosis to the actions that close the gaps, and the demand they make.

- :func:`plan` / :func:`plan_all`: the optimal, explained plan of one company / of many
  (:mod:`~maturity.planning.build`), chosen exactly by a mixed-integer program
  (:mod:`~maturity.planning.optimise`), its effects computed by re-scoring the company's
  answers with the actions applied (:mod:`~maturity.planning.effects`);
- :class:`Plan`, :class:`Plans`: the results and their exports (:mod:`~maturity.planning.result`);
- :func:`action_demand`: how many companies of a portfolio would take each action, by region
  and size class, under the disclosure rules of published benchmarks
  (:mod:`~maturity.planning.demand`).

The package is called ``planning`` so that the module never shadows the function
``maturity.plan``. Definitions are in ``docs/methodology-plan.md``.
"""

from __future__ import annotations

from maturity.planning.build import WEEKS_PER_MONTH, PlanError, plan, plan_all
from maturity.planning.company import MAX_SUBSETS
from maturity.planning.demand import Demand, DemandCell, action_demand
from maturity.planning.result import REASONS, LeftOut, Plan, PlannedAction, Plans, Wave

__all__ = [
    "MAX_SUBSETS",
    "REASONS",
    "WEEKS_PER_MONTH",
    "Demand",
    "DemandCell",
    "LeftOut",
    "Plan",
    "PlanError",
    "PlannedAction",
    "Plans",
    "Wave",
    "action_demand",
    "plan",
    "plan_all",
]
